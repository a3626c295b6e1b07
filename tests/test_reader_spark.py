"""A Spark application's events as OpenLineage's Spark integration emits them.

The stream in tests/data/openlineage-spark/events.ndjson is real (see its SOURCE.md): the
application's run (START, COMPLETE) and one SQL execution's run (START, RUNNING, COMPLETE)
naming the application as its parent, reading a Hive table by its HDFS location (with a
`symlinks` facet) and writing a ClickHouse table with column lineage and output statistics.
Variations a test needs (a second execution, a DROP) are derived from its lines in the test.
"""

from __future__ import annotations

import copy
import html
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import lineage_report
from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config
from tests.factories import write_project

DATA = Path(__file__).parent / "data" / "openlineage-spark"
APP_RUN = "01908224-8410-79a2-8de6-a769ad6944c9"
SQL_RUN = "01908225-1fd7-746b-910c-70d24f2898b1"
SQL_JOB = "spark_session.execute_save_into_data_source_command"


def spark_events() -> list[dict]:
    """Return the real stream's five events."""
    lines = (DATA / "events.ndjson").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def load(tmp_path: Path, events: list[dict]):
    """Load a project holding the events as one NDJSON stream."""
    text = "\n".join(json.dumps(e) for e in events) + "\n"
    return lineage_report.load(write_project(tmp_path / "p", {"events.ndjson": text}))


def second_execution(events: list[dict], run_id: str, seconds: int) -> list[dict]:
    """Return the SQL execution's events again as another run of the same job, later."""
    again = []
    for event in events:
        if event["run"]["runId"] == SQL_RUN:
            event = copy.deepcopy(event)
            event["run"]["runId"] = run_id
            when = datetime.fromisoformat(event["eventTime"]) + timedelta(seconds=seconds)
            event["eventTime"] = when.isoformat()
            again.append(event)
    return again


def test_the_real_stream_gives_the_application_and_its_execution(tmp_path):
    lineage = load(tmp_path, spark_events())
    assert sorted(r.id for r in lineage.runs()) == [f"run:{APP_RUN}", f"run:{SQL_RUN}"]
    assert lineage.run(APP_RUN).name == "spark_session"
    assert lineage.run(SQL_RUN).name == SQL_JOB


def test_executions_with_uuid7_ids_a_minute_apart_get_distinct_names(tmp_path):
    # UUIDv7 ids begin with their time in ms: two executions 23 s apart share 8 characters.
    other = "01908225-7a10-7c3e-b5d4-2f81c9e0a6b3"
    events = spark_events() + second_execution(spark_events(), other, 23)
    lineage = load(tmp_path, events)
    assert lineage.run(SQL_RUN).name == f"{SQL_JOB} 4f2898b1"  # the ids' random ends
    assert lineage.run(other).name == f"{SQL_JOB} c9e0a6b3"


def test_runs_of_a_job_told_apart_by_their_heads_keep_them(tmp_path):
    other = "7c2d9e4a-0b1f-4c3d-9e8a-5b6c7d8e9f01"
    events = spark_events() + second_execution(spark_events(), other, 40)
    lineage = load(tmp_path, events)
    assert lineage.run(SQL_RUN).name == f"{SQL_JOB} 01908225"
    assert lineage.run(other).name == f"{SQL_JOB} 7c2d9e4a"


def test_a_huge_logical_plan_is_shown_as_json_not_cut_mid_token(tmp_path):
    # The quickstart's plan, its nodes repeated to 3 MB, as a long job's plan can be.
    start = json.loads((DATA / "quickstart.ndjson").read_text())
    plan = start["run"]["facets"]["spark.logicalPlan"]["plan"]
    start["run"]["facets"]["spark.logicalPlan"]["plan"] = plan * (
        3_000_000 // len(json.dumps(plan))
    )
    project = write_project(tmp_path / "p", {"events.ndjson": json.dumps(start) + "\n"})
    site = build(load_config(project), tmp_path / "site").output
    run_page = site / naming.node_path("run:" + start["run"]["runId"])
    text = run_page.read_text(encoding="utf-8")
    assert len(text) < 60_000  # the page holds an outline, not the plan
    cell = re.search(r"run\.spark\.logicalPlan<td><code>(.*?)</code>", text, re.S).group(1)
    shown, total = html.unescape(cell).rsplit(" (", 1)
    assert total.endswith("characters in all)")
    outline = json.loads(shown)  # whole JSON: keys and numbers are never cut
    first = outline["plan"][0]["class"]
    assert first == "org.apache.spark.sql.execution.command.CreateDataSourceTableAsSelectCommand"
    assert re.fullmatch(r"… [\d,]+ more items", outline["plan"][-1])


def test_a_table_only_read_keeps_its_hive_name_on_its_external_node(tmp_path):
    # Spark reads mydatabase.source_table by its HDFS location; nothing here writes it.
    project = write_project(tmp_path / "p", {"events.ndjson": (DATA / "events.ndjson").read_text()})
    site = build(load_config(project), tmp_path / "site").output
    data = json.loads((site / naming.LINEAGE_JSON).read_text(encoding="utf-8"))
    hdfs = "hdfs://test-hadoop:9820/user/hive/warehouse/mydatabase.db/source_table"
    [edge] = [e for e in data["edges"] if e["source"] == f"artifact:{hdfs}:latest"]
    [hive] = edge["facets"]["facet.symlinks"]["identifiers"]
    assert (hive["namespace"], hive["name"]) == (
        "hive://test-hadoop:9083",
        "mydatabase.source_table",
    )
    page = (site / naming.node_path(f"artifact:{hdfs}:latest")).read_text(encoding="utf-8")
    assert "mydatabase.source_table" in page  # *As read by its runs*


def test_a_table_written_here_shows_its_other_names_once(tmp_path):
    # The same input, written by an earlier run: its version lists the names instead.
    events = spark_events()
    writer = copy.deepcopy(events[3])
    writer["run"]["runId"] = "01908220-0000-7000-8000-000000000001"
    writer["eventTime"] = "2024-07-05T09:00:00Z"
    writer["job"]["name"] = "spark_session.load"
    writer["run"]["facets"].pop("parent")
    writer["outputs"], writer["inputs"] = writer["inputs"], []
    lineage = load(tmp_path, [writer, *events])
    [used] = lineage.run(SQL_RUN).used_artifacts()
    assert used.metadata["also_named"] == ["hive://test-hadoop:9083/mydatabase.source_table"]
    edge = lineage.graph.edges[used.id, f"run:{SQL_RUN}"]
    assert "facet.symlinks" not in edge.get("facets", {})


def test_a_problem_inside_an_output_of_a_stream_line_is_one_pointer(tmp_path):
    # The COMPLETE event (line 4) gives an input field of its column lineage no namespace.
    events = spark_events()
    fields = events[3]["outputs"][0]["facets"]["columnLineage"]["fields"]
    del fields["dt"]["inputFields"][0]["namespace"]
    lineage = load(tmp_path, events)
    [where] = [p.location for p in lineage.problems if p.kind == "openlineage.invalid-facet"]
    assert where == "line 4: /outputs/0/facets/columnLineage/fields/dt/inputFields/0"


def drop_events() -> list[dict]:
    """Return the quickstart's CTAS (START, COMPLETE), then a DROP TABLE of its table.

    The DROP is shaped as the Spark integration's own expectation of one
    (integration/spark/app/integrations/container/pysparkV2DropTableStartEvent.json):
    the START lists the table with lifecycleStateChange DROP, the COMPLETE no output.
    """
    create = json.loads((DATA / "quickstart.ndjson").read_text())
    del create["run"]["facets"]["spark.logicalPlan"], create["run"]["facets"]["spark_unknown"]
    done = copy.deepcopy(create) | {"eventType": "COMPLETE", "eventTime": "2022-08-01T06:15:52Z"}
    drop = copy.deepcopy(create) | {"eventTime": "2022-08-01T06:17:00Z"}
    drop["run"]["runId"] = "7f3e2b10-2c44-4d0a-b6a1-3c9e1f0d2a77"
    drop["job"]["name"] = "sample_spark.execute_drop_table_command"
    change = {"lifecycleStateChange": "DROP"}
    drop["outputs"][0]["facets"] = {"lifecycleStateChange": change}
    dropped = copy.deepcopy(drop) | {"eventType": "COMPLETE", "eventTime": "2022-08-01T06:17:01Z"}
    dropped["outputs"] = []
    return [create, done, drop, dropped]


def test_a_dropped_table_is_not_silently_its_newest_version(tmp_path):
    lineage = load(tmp_path, drop_events())
    [warning] = [p for p in lineage.problems if p.kind == "openlineage.unsupported"]
    assert warning.location == "line 3: /outputs/0/facets/lifecycleStateChange"
    assert "lifecycleStateChange DROP" in warning.message
    assert "`latest` though the table is gone" in warning.message


def test_a_null_facet_in_a_later_event_erases_nothing(tmp_path):
    # OpenLineage 1.x Java clients wrote unset facets as null ("nominalTime": null).
    events = spark_events()
    events[4]["run"]["facets"]["spark_applicationDetails"] = None  # the application's COMPLETE
    events[3]["outputs"][0]["facets"]["schema"] = None  # the execution's COMPLETE
    events[3]["outputs"][0]["outputFacets"]["outputStatistics"] = None
    lineage = load(tmp_path, events)
    details = lineage.run(APP_RUN).config["run.spark_applicationDetails"]
    assert details["applicationId"] == "local-1719136537510"
    [table] = lineage.run(SQL_RUN).logged_artifacts()
    assert [c["name"] for c in table.attrs["columns"]] == ["dt", "customer_id", "total_spent"]
    stats = table.metadata["output.outputStatistics"]  # the RUNNING event's, line 3
    assert stats == {"rowCount": 100, "size": 5000}


def test_an_application_first_named_unknown_takes_its_real_name(tmp_path):
    # openlineage-spark 1.34 may send the application's START as job "unknown" with no
    # facets (OpenLineage issue 3846); its later events carry the real name.
    events = spark_events()
    events[0]["job"]["name"], events[0]["run"]["facets"] = "unknown", {}
    lineage = load(tmp_path, events)
    app = lineage.run(APP_RUN)
    assert (app.name, app.job_type) == ("spark_session", "spark_session")
    assert app.summary["events"] == "START → COMPLETE"
    [warning] = [p for p in lineage.problems if p.kind == "openlineage.job-mismatch"]
    assert warning.location == "line 5"
    assert "first reported as job local://some.host.name/unknown, a placeholder" in warning.message


def test_events_out_of_order_merge_by_their_time(tmp_path):
    # A transport may deliver the execution's COMPLETE (line 4) before its RUNNING (line 3).
    events = spark_events()
    events[2], events[3] = events[3], events[2]
    lineage = load(tmp_path, events)
    sql = lineage.run(SQL_RUN)
    assert sql.summary["events"] == "START → RUNNING → COMPLETE"
    [table] = sql.logged_artifacts()
    stats = table.metadata["output.outputStatistics"]
    assert stats == {"rowCount": 10000, "size": 5000000}  # COMPLETE's, the final count
    assert sql.config["run.spark_jobDetails"]["jobId"] == 3  # only RUNNING has it: kept


def test_older_events_delivered_late_merge_by_their_time_too(tmp_path):
    # COMPLETE first, then START and RUNNING: both older, both giving spark_jobDetails (START's
    # made up here); RUNNING's is the later of the two, whichever line it is on.
    events = spark_events()
    start, running, complete = copy.deepcopy(events[1:4])
    start["run"]["facets"]["spark_jobDetails"] = {"jobId": 1}
    lineage = load(tmp_path, [events[0], complete, start, running, events[4]])
    sql = lineage.run(SQL_RUN)
    assert sql.config["run.spark_jobDetails"]["jobId"] == 3
    [table] = sql.logged_artifacts()
    assert table.metadata["output.outputStatistics"] == {"rowCount": 10000, "size": 5000000}
