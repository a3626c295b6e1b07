"""Runs as OpenLineage and dbt users know them (issue 12, points 1, 2 and 8).

Runs that read and write one dataset (MERGE, upsert, incremental models) are kept and read
the version before their own; a failed run's output is shown but never `latest`, the same
for a dbt invocation read from its run_results.json and from OpenLineage's events of it;
problems point into the events and nodes a person can open. Real fixtures, with their
sources, are in tests/data: OpenLineage's `example_full_event`, Marquez's `event_full`, and
one failed dbt invocation from OpenLineage's dbt integration tests.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import networkx as nx
import pytest

import lineage_report
from tests.factories import write_project
from tests.test_readers import JAFFLE, event

DATA = Path(__file__).parent / "data"
FULL_EVENT = DATA / "openlineage-full-event" / "example_full_event.json"
MARQUEZ_FULL = DATA / "marquez-event-full" / "event_full.json"
DBT_FAIL = DATA / "openlineage-dbt-fail"
TABLE = "my-datasource-namespace/instance.schema.table"


def messages(lineage) -> list[str]:
    """Return the problems as the CLI prints them."""
    return [str(p) for p in lineage.problems]


def load_events(tmp_path: Path, events: list, name: str = "events.ndjson"):
    """Load a project holding the events as one NDJSON stream (found by the default globs)."""
    text = "\n".join(json.dumps(e) for e in events) + "\n"
    return lineage_report.load(write_project(tmp_path / "p", {name: text}))


def inputs_of(lineage, run_id: str) -> list[str]:
    """Return the node ids a run used."""
    return [a.id for a in lineage.run(run_id).used_artifacts()]


def outputs_of(lineage, run_id: str) -> list[str]:
    """Return the node ids a run logged."""
    return [a.id for a in lineage.run(run_id).logged_artifacts()]


def merge(kind: str, run_id: str, minute: int = 0, **facets) -> dict:
    """Return an event of a run that reads and writes db/t (a MERGE)."""
    return event(kind, run_id, "merge", minute, inputs=["t"], outputs=["t"], **facets)


# --- point 1: runs that read and write one dataset ------------------------------------------


def test_openlineage_example_full_event_reads_the_version_before_its_own(tmp_path):
    project = write_project(tmp_path / "p", {"example_full_event.json": FULL_EVENT.read_bytes()})
    lineage = lineage_report.load(project)
    [run] = list(lineage.runs())
    assert (run.run_id, run.state, run.job_type) == (
        "ea041791-68bc-4ae1-bd89-4c8106a157e4",
        "finished",
        "myjob.mytask",
    )
    before = f"artifact:{TABLE} (before v0)"
    assert inputs_of(lineage, run.run_id) == [before]
    assert outputs_of(lineage, run.run_id) == [f"artifact:{TABLE}:v0"]
    assert lineage.artifact(TABLE).id == f"artifact:{TABLE}:v0"  # it is `latest`
    assert lineage.graph.nodes[before]["external"] is True
    assert lineage.graph.nodes[before]["type"] == "dataset"
    assert nx.is_directed_acyclic_graph(lineage.graph)
    assert messages(lineage) == [
        f"example_full_event.json: /inputs/0: this run reads and writes '{TABLE}', and no "
        "earlier version of it was logged here by a run that did not fail; shown as the "
        f"external input '{TABLE} (before v0)' (declare it with external = [\"{TABLE}\"] in "
        "lineage-report.toml) [graph.unresolved]"
    ]


def test_marquez_event_full_is_kept_and_declared_external_is_quiet(tmp_path):
    project = write_project(
        tmp_path / "p",
        {"event_full.json": MARQUEZ_FULL.read_bytes()},
        config=f'external = ["{TABLE}"]\n',
    )
    lineage = lineage_report.load(project)
    assert lineage.problems == []
    [run] = list(lineage.runs())
    assert run.state == "finished" and run.job_type == "myjob.mytask"
    assert inputs_of(lineage, run.run_id) == [f"artifact:{TABLE} (before v0)"]
    written = lineage.artifact(TABLE)
    assert written.logged_by() == run and written.aliases == ["latest"]
    assert "facet.dataQualityMetrics" not in written.metadata  # an input facet, not the output's
    assert written.metadata["output.outputStatistics"]["rowCount"] == 2000


def test_merges_chain_through_the_versions_they_write(tmp_path):
    events = [merge("START", f"r{i}", 10 * i) for i in range(3)]
    events += [merge("COMPLETE", f"r{i}", 10 * i + 5) for i in range(3)]
    lineage = load_events(tmp_path, events, "merges.jsonl")
    assert [inputs_of(lineage, f"r{i}") for i in range(3)] == [
        ["artifact:db/t (before v0)"],
        ["artifact:db/t:v0"],
        ["artifact:db/t:v1"],
    ]
    assert [outputs_of(lineage, f"r{i}") for i in range(3)] == [
        ["artifact:db/t:v0"],
        ["artifact:db/t:v1"],
        ["artifact:db/t:v2"],
    ]
    assert lineage.artifact("db/t").id == "artifact:db/t:v2"


@pytest.mark.parametrize("order", [["b", "a"], ["a", "b"]])
def test_two_merges_at_the_same_instant_are_ordered_by_run_id(tmp_path, order):
    # Only COMPLETE events, at the same time: start = end for both. Whatever the file
    # order, run "a" comes first; "b" reads a's output; neither reads the other's.
    lineage = load_events(tmp_path, [merge("COMPLETE", r) for r in order])
    assert outputs_of(lineage, "a") == ["artifact:db/t:v0"]
    assert outputs_of(lineage, "b") == ["artifact:db/t:v1"]
    assert inputs_of(lineage, "a") == ["artifact:db/t (before v0)"]
    assert inputs_of(lineage, "b") == ["artifact:db/t:v0"]
    assert nx.is_directed_acyclic_graph(lineage.graph)


def test_a_merge_after_a_failed_one_at_the_same_instant_reads_what_existed(tmp_path):
    # "a" failed: its output may not exist, so "b" must not point at it.
    events = [merge("FAIL", "a"), merge("COMPLETE", "b"), event("COMPLETE", "c", "read", 9)]
    events[2]["inputs"] = [{"namespace": "db", "name": "t"}]
    lineage = load_events(tmp_path, events)
    assert inputs_of(lineage, "a") == inputs_of(lineage, "b") == ["artifact:db/t (before v0)"]
    assert lineage.artifact("db/t:v0").logged_by().state == "failed"
    assert inputs_of(lineage, "c") == ["artifact:db/t:v1"]
    assert lineage.artifact("db/t").id == "artifact:db/t:v1"


def test_a_merge_with_versions_reads_the_version_it_names(tmp_path):
    ev = event("COMPLETE", "m", "merge", inputs=[("t", "41")], outputs=[("t", "42")])
    lineage = load_events(tmp_path, [event("COMPLETE", "w", "load", -5, outputs=[("t", "41")]), ev])
    assert inputs_of(lineage, "m") == ["artifact:db/t:v0"]
    assert outputs_of(lineage, "m") == ["artifact:db/t:v1"]
    assert lineage.problems == []


# --- point 2: run state decides `latest` ------------------------------------------------------


def test_failed_and_aborted_outputs_are_shown_but_not_latest(tmp_path):
    error = {"message": "division by zero", "programmingLanguage": "python"}
    events = [
        event("COMPLETE", "w1", "load", 0, outputs=["t"]),
        event("FAIL", "w2", "load", 10, outputs=["t"], run_facets={"errorMessage": error}),
        event("ABORT", "w3", "load", 20, outputs=["t"]),
        event("COMPLETE", "r1", "report", 30, inputs=["t"]),
    ]
    lineage = load_events(tmp_path, events)
    assert [lineage.artifact(f"db/t:v{i}").logged_by().run_id for i in range(3)] == [
        "w1",
        "w2",
        "w3",
    ]
    assert [lineage.artifact(f"db/t:v{i}").aliases for i in range(3)] == [["latest"], [], []]
    failed = lineage.run("w2")
    assert (failed.state, failed.summary["error"]) == ("failed", "division by zero")
    assert "**Error:** division by zero" in failed.notes
    assert lineage.run("w3").state == "crashed"
    assert inputs_of(lineage, "r1") == ["artifact:db/t:v0"]  # the last good version
    fixed = event("COMPLETE", "w4", "load", 40, outputs=["t"])
    later = load_events(tmp_path / "later", [*events, fixed])
    assert later.artifact("db/t").logged_by().run_id == "w4"


def fill_dbt_events() -> list[dict]:
    """Fill result.json's matcher placeholders: times from run_results, one run id per job."""
    results = json.loads((DBT_FAIL / "target" / "run_results.json").read_text())
    generated = results["metadata"]["generated_at"]
    times = {}
    for result in results["results"]:
        starts = [t["started_at"] for t in result["timing"]] or [generated]
        ends = [t["completed_at"] for t in result["timing"]] or [generated]
        times[result["unique_id"].rsplit(".", 1)[1]] = (min(starts), max(ends))
    events = json.loads((DBT_FAIL / "result.json").read_text())
    for ev in events:
        start, end = times[ev["job"]["name"].rsplit(".", 1)[1]]
        ev["eventTime"] = start if ev["eventType"] == "START" else end
        ev["run"]["runId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, ev["job"]["name"]))
        parent = ev["run"]["facets"].get("parent")
        if parent:
            parent["run"]["runId"] = results["metadata"]["invocation_id"]
    return events


def built_tables(lineage) -> dict[str, tuple[str, bool]]:
    """Return {table: (its producer's state, whether it is latest)} of the built versions
    (not the design versions of what dbt declares, its sources)."""
    tables = {}
    for version in lineage.artifacts():
        if not version.external and not version.logged_by().attrs.get("design"):
            table = version.name.rsplit(".", 1)[1]
            tables[table] = (version.logged_by().state, "latest" in version.aliases)
    return tables


def test_dbt_and_openlineage_agree_on_a_failed_invocation(tmp_path):
    dbt_project = tmp_path / "dbt"
    shutil.copytree(DBT_FAIL / "target", dbt_project / "target")
    from_dbt = lineage_report.load(dbt_project)
    ol_project = write_project(tmp_path / "ol", {"events.json": fill_dbt_events()})
    from_ol = lineage_report.load(ol_project)
    expected = {
        "test_first_dbt_model": ("finished", True),
        "test_second_dbt_model": ("finished", True),
        "test_second_parallel_dbt_model": ("failed", False),
    }
    assert built_tables(from_dbt) == built_tables(from_ol) == expected
    runs = {r.name: r for r in from_dbt.runs()}
    failed = runs["run test_second_parallel_dbt_model"]
    assert failed.summary["error"].startswith(
        "Database Error in model test_second_parallel_dbt_model"
    )
    skipped = runs["run test_third_dbt_model"]
    assert (skipped.state, skipped.summary["status"]) == ("skipped", "skipped")
    assert skipped.logged_artifacts() == []
    assert "run test_third_dbt_model" not in {r.name for r in from_ol.runs()}  # no events
    third = "/nodes/model.dbt_bigquery_test.test_third_dbt_model/depends_on/nodes/1"
    assert messages(from_dbt) == [
        f"target/manifest.json: {third}: 'dbt_bigquery_test.test_second_parallel_dbt_model"
        ":latest': every version of 'dbt_bigquery_test.test_second_parallel_dbt_model' "
        "logged here before this run started comes from a run that failed, crashed or was "
        "skipped; shown as an external input (declare it with external = "
        '["dbt_bigquery_test.test_second_parallel_dbt_model:*"] in lineage-report.toml) '
        "[graph.unresolved]"
    ]


def jaffle_with_results(tmp_path: Path, run_results: dict) -> Path:
    """Return a project holding jaffle_shop's manifest.json and the given run_results.json."""
    project = tmp_path / "p"
    (project / "target").mkdir(parents=True)
    shutil.copy(JAFFLE, project / "target" / "manifest.json")
    (project / "target" / "run_results.json").write_text(json.dumps(run_results))
    return project


def compile_result(uid: str, **extra) -> dict:
    """Return a run_results entry as `dbt compile` writes it: success, nothing executed."""
    start, end = "2024-05-01T10:00:00Z", "2024-05-01T10:00:01Z"
    timing = [
        {"name": "compile", "started_at": start, "completed_at": end},
        {"name": "execute", "started_at": end, "completed_at": end},
    ]
    result = {"unique_id": uid, "status": "success", "timing": timing, "message": None}
    return {**result, "adapter_response": {}, **extra}


@pytest.mark.parametrize(
    ("args", "command"),
    [
        ({"which": "compile"}, "dbt compile"),
        ({"which": "generate"}, "dbt docs generate"),
        (None, "dbt compile"),  # no args (older dbt): bare successes, nothing executed
    ],
)
def test_a_compile_only_run_results_is_not_shown_as_a_build(tmp_path, args, command):
    uid = "model.jaffle_shop.stg_orders"
    run_results = {"metadata": {"invocation_id": "compile-1"}, "results": [compile_result(uid)]}
    if args is not None:
        run_results["args"] = args
    lineage = lineage_report.load(jaffle_with_results(tmp_path, run_results))
    runs = {r.config["unique_id"]: r for r in lineage.runs() if not r.attrs.get("design")}
    assert len(runs) == 14  # every built node, as from the manifest alone
    stg = runs[uid]
    assert stg.name == "compile stg_orders"
    assert stg.summary == {"status": "compiled, not built", "command": command}
    assert stg.started_at is None and stg.finished_at is None
    assert [p for p in lineage.problems if p.severity == "error"] == []


def test_a_build_run_results_is_still_a_build(tmp_path):
    uid = "model.jaffle_shop.stg_orders"
    result = compile_result(uid, message="OK", adapter_response={"_message": "OK"})
    run_results = {"args": {"which": "build"}, "results": [result]}
    lineage = lineage_report.load(jaffle_with_results(tmp_path, run_results))
    stg = next(r for r in lineage.runs() if r.config["unique_id"] == uid)
    assert (stg.name, stg.summary["status"]) == ("run stg_orders", "success")


# --- point 8: locations in the source, event kinds, default globs -----------------------------


def test_problems_point_into_the_source_event(tmp_path):
    first = event("COMPLETE", "w", "load", 0, outputs=["t"])
    first["outputs"][0]["facets"]["datasetType"] = {"datasetType": "TABLE"}
    reader = event("START", "r", "report", 5)
    clash = event("COMPLETE", "r", "report", 6, inputs=["t", "elsewhere"], outputs=["t"])
    clash["outputs"][0]["facets"]["datasetType"] = {"datasetType": "VIEW"}
    lineage = load_events(tmp_path, [first, reader, clash])
    assert messages(lineage) == [
        "events.ndjson: line 3: /outputs/0: artifact 'db/t' is logged here as type 'view', "
        "but events.ndjson (line 1) logged it as 'table' [graph.type-clash]",
    ]
    # with the clash gone, the unresolved input is located in the event that listed it
    clash["outputs"] = []
    lineage = load_events(tmp_path / "again", [first, reader, clash])
    assert messages(lineage) == [
        "events.ndjson: line 3: /inputs/1: 'db/elsewhere:latest' was not logged by any run "
        'here; shown as an external input (declare it with external = ["db/elsewhere:*"] in '
        "lineage-report.toml) [graph.unresolved]"
    ]
    assert lineage.graph.nodes["run:r"]["extra"] == {}  # the locations are not shown


def test_a_duplicate_run_id_points_at_the_events_run_id(tmp_path):
    from tests.factories import manifest

    events = "\n".join(json.dumps(event(k, "zz", "load")) for k in ("START", "COMPLETE"))
    project = write_project(
        tmp_path / "p", {"a.json": manifest("zz"), "b/events.jsonl": events + "\n"}
    )
    assert messages(lineage_report.load(project)) == [
        "b/events.jsonl: line 1: /run/runId: run id 'zz' is also used by a.json with different "
        "content; this manifest is skipped [graph.duplicate-run]"
    ]


def test_dbt_problems_point_into_the_nodes_depends_on(tmp_path):
    # Only fct_orders ran: its stg_orders input (depends_on 0) was not built here.
    results = [{"unique_id": "model.jaffle_shop.fct_orders", "status": "success", "timing": []}]
    project = jaffle_with_results(tmp_path, {"args": {"which": "run"}, "results": results})
    found = messages(lineage_report.load(project))
    assert (
        "target/manifest.json: /nodes/model.jaffle_shop.fct_orders/depends_on/nodes/0: "
        "'jaffle_shop.stg_orders:latest' was not logged by any run here; shown as an external "
        'input (declare it with external = ["jaffle_shop.stg_orders:*"] in '
        "lineage-report.toml); 3 more references to it shown the same way, the last at "
        "target/manifest.json: /nodes/analysis.jaffle_shop.my_analysis/depends_on/nodes/0 "
        "[graph.unresolved]"
    ) in found
    assert not [m for m in found if "/used_artifacts" in m]


def test_a_run_event_without_run_is_called_a_run_event(tmp_path):
    lost = event("START", "x", "load")
    del lost["run"]
    job_event = {
        "eventTime": "2024-05-01T10:00:00Z",
        "job": {"namespace": "ns", "name": "design"},
        "producer": "test",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
    }
    lineage = load_events(tmp_path, [lost, job_event, event("COMPLETE", "ok", "load", 1)])
    # The JobEvent is static lineage: read as the job's design run, not as a broken RunEvent.
    assert [r.run_id for r in lineage.runs()] == ["design:ns/design", "ok"]
    assert messages(lineage) == [
        "events.ndjson: line 1: this RunEvent has no 'run'; it is not read "
        "[openlineage.invalid-event]",
    ]


def test_ndjson_and_jsonl_streams_are_read_by_default(tmp_path):
    day = [event("START", "r", "load", outputs=["t"]), event("COMPLETE", "r", "load", 5)]
    training = '{"text": "a cat", "label": 1}\n{"text": "a dog", "label": 0}\n'
    project = write_project(
        tmp_path / "p",
        {
            "ol/day1.ndjson": json.dumps(day[0]) + "\n",
            "ol/day2.jsonl": json.dumps(day[1]) + "\n",
            "data/train.jsonl": training,
        },
    )
    lineage = lineage_report.load(project)
    [run] = list(lineage.runs())
    assert (run.state, run.summary["events"]) == ("finished", "START → COMPLETE")
    assert messages(lineage) == [
        "data/train.jsonl: none of its 2 records is an OpenLineage event (they have no "
        "'eventType', 'run' or 'job'); the file is not read [openlineage.no-events]"
    ]
