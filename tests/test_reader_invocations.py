"""Issue 12: one dbt model execution read both ways (manifest.json + run_results.json, and
the events of OpenLineage's dbt integration) is one run, with what both sources say.

The fixture is tests/data/openlineage-dbt-fail: one real dbt invocation as its `target/`
files and as the integration's events (tests/test_reader_runs.fill_dbt_events).
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import lineage_report
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.readers.invocations import merge_invocation_runs, merged_notes
from tests.factories import write_project
from tests.test_identity import dbt_and_openlineage, dbt_test_both_ways
from tests.test_reader_runs import DBT_FAIL, fill_dbt_events

INVOCATION = "8c814240-637d-4a36-937e-43787f5c79e0"
FIRST = f"model.dbt_bigquery_test.test_first_dbt_model@{INVOCATION}"
FIRST_JOB = "random-gcp-project.dbt_test1.dbt_bigquery_test.test_first_dbt_model"
SECOND_JOB = "random-gcp-project.dbt_test1.dbt_bigquery_test.test_second_dbt_model"


def both_ways(root: Path, events: list[dict] | None = None) -> Path:
    """Return a project holding the invocation's dbt files and its OpenLineage events."""
    shutil.copytree(DBT_FAIL / "target", root / "target")
    return write_project(root, {"events.json": fill_dbt_events() if events is None else events})


def event_index(events: list[dict], job: str, kind: str) -> int:
    """Return the place of a job's event of one type in the stream."""
    return next(
        i for i, e in enumerate(events) if (e["job"]["name"], e["eventType"]) == (job, kind)
    )


def test_one_model_execution_is_one_run_per_model(tmp_path) -> None:
    lineage = lineage_report.load(both_ways(tmp_path / "p"))
    runs = {r.run_id: r for r in lineage.runs()}
    assert sorted(runs) == sorted(
        f"{kind}.dbt_bigquery_test.{name}@{INVOCATION}"
        for kind, name in [
            ("model", "test_first_dbt_model"),
            ("model", "test_second_dbt_model"),
            ("model", "test_second_parallel_dbt_model"),
            ("model", "test_third_dbt_model"),
            ("source", "dbt_test1.source_table"),
        ]
    )
    first = runs[FIRST]
    # dbt's facts and the events' facts, on the one run
    assert first.config["unique_id"] == "model.dbt_bigquery_test.test_first_dbt_model"
    assert first.config["run.dbt_run"] == {"invocation_id": INVOCATION}
    assert first.config["openlineage.run_id"]  # the integration's run id is kept
    assert (first.summary["rows_affected"], first.summary["events"]) == (2, "START → COMPLETE")
    assert first.attrs["parent"] == {
        "id": INVOCATION,
        "name": "dbt-job-name",
        "job_type": "dbt-job-name",
    }
    assert first.attrs["also_read_from"] == {"path": "events.json", "location": "/1"}
    assert first.state == "finished"
    failed = runs[f"model.dbt_bigquery_test.test_second_parallel_dbt_model@{INVOCATION}"]
    assert failed.state == "failed" and failed.summary["events"] == "START → FAIL"
    assert failed.summary["error"].startswith("Database Error in model")
    assert [str(p) for p in lineage.problems if p.kind == "dbt.disagreement"] == []


def test_the_models_page_shows_both_sources_facts(tmp_path) -> None:
    root = both_ways(tmp_path / "p")
    site = build(load_config(root), tmp_path / "site").output
    titles = [
        re.search(r"<h1>(.*?)</h1>", p.read_text(encoding="utf-8")).group(1)
        for p in (site / "runs").glob("*.html")
    ]
    # One run page for neither source: the model is one page, its version's.
    assert not any("test_first_dbt_model" in title for title in titles)
    (html,) = [
        text
        for text in (p.read_text(encoding="utf-8") for p in (site / "versions").glob("*.html"))
        if "test_first_dbt_model:v0</h1>" in text
    ]
    run = re.search(r'<section id="run">.*?</section>', html, re.S).group(0)
    assert "<dt>Also read from<dd>" in run and "<code>events.json: /1</code>" in run
    assert "<code>target/manifest.json</code>" in run
    assert "dbt-job-name (run " + INVOCATION + "): not in this project" in run
    for key in ("unique_id", "dbt.materialized", "run.dbt_run", "producer", "rows_affected"):
        assert f"<th>{key}<td>" in run, key
    assert "START → COMPLETE" in run


def test_where_the_sources_disagree_dbts_state_and_times_are_kept_with_a_warning(tmp_path) -> None:
    events = fill_dbt_events()
    complete = event_index(events, FIRST_JOB, "COMPLETE")
    events[complete]["eventType"] = "FAIL"  # the events say it failed; run_results says not
    second = event_index(events, SECOND_JOB, "START")
    events[second]["eventTime"] = "2021-07-28T13:09:47.997025Z"  # an hour after dbt's start
    lineage = lineage_report.load(both_ways(tmp_path / "p", events))
    runs = {r.run_id: r for r in lineage.runs()}
    assert runs[FIRST].state == "finished"
    assert runs[FIRST].summary["events"] == "START → FAIL"  # what the events said is kept
    second_run = runs[f"model.dbt_bigquery_test.test_second_dbt_model@{INVOCATION}"]
    assert second_run.attrs["started_at"] == "2021-07-28T12:09:47.997025Z"
    first_at = event_index(events, FIRST_JOB, "START")
    assert sorted(str(p) for p in lineage.problems if p.kind == "dbt.disagreement") == sorted(
        [
            f"events.json: /{first_at}: the OpenLineage events of dbt run {FIRST} say its "
            "state is 'failed', target/manifest.json says 'finished'; dbt's is kept "
            "[dbt.disagreement]",
            f"events.json: /{second}: the OpenLineage events of dbt run "
            f"model.dbt_bigquery_test.test_second_dbt_model@{INVOCATION} say its start time "
            "is 2021-07-28T13:09:47.997025Z, target/manifest.json says "
            "2021-07-28T12:09:47.997025Z; dbt's is kept [dbt.disagreement]",
        ]
    )
    assert all(p.severity == "warning" for p in lineage.problems)


def test_an_input_only_the_events_name_is_kept_and_located_in_them(tmp_path) -> None:
    events = fill_dbt_events()
    start = event_index(events, FIRST_JOB, "START")
    events[start]["inputs"] = [{"namespace": "bigquery", "name": "p.raw.clicks"}]
    lineage = lineage_report.load(both_ways(tmp_path / "p", events))
    first = {r.run_id: r for r in lineage.runs()}[FIRST]
    assert [v.name for v in first.used_artifacts()] == ["bigquery/p.raw.clicks"]
    unresolved = [str(p) for p in lineage.problems if "p.raw.clicks" in p.message]
    assert unresolved == [
        f"events.json: /{start}/inputs/0: 'bigquery/p.raw.clicks:latest' was not logged by any "
        "run here; shown as an external input (declare it with external = "
        '["bigquery/p.raw.clicks:*"] in lineage-report.toml) [graph.unresolved]'
    ]


def test_a_child_of_the_openlineage_run_names_the_dbt_run_as_its_parent(tmp_path) -> None:
    events = fill_dbt_events()
    model = events[event_index(events, FIRST_JOB, "COMPLETE")]
    statement = copy.deepcopy(model)
    statement["job"]["name"] = FIRST_JOB + ".sql_statement_1"
    statement["run"] = {
        "runId": "0195f1c2-0000-7000-8000-000000000001",
        "facets": {
            "parent": {
                "run": {"runId": model["run"]["runId"]},
                "job": {"namespace": model["job"]["namespace"], "name": FIRST_JOB},
            }
        },
    }
    statement["outputs"] = []
    lineage = lineage_report.load(both_ways(tmp_path / "p", [*events, statement]))
    child = next(r for r in lineage.runs() if r.name.endswith("sql_statement_1"))
    assert child.attrs["parent"]["id"] == FIRST


def test_dbt_lacking_times_takes_the_events_times() -> None:
    dbt, openlineage = dbt_and_openlineage()
    for document in dbt:
        for key in ("started_at", "finished_at"):
            document.data["run"].pop(key, None)
    kept = merge_invocation_runs(dbt, openlineage, problems := [])
    assert kept == [] and problems == []
    first = next(d for d in dbt if d.data["run"]["id"] == FIRST)
    assert first.data["run"]["started_at"] == "2021-07-28T12:09:46.041017Z"
    assert first.data["run"]["finished_at"] == "2021-07-28T12:09:47.994760Z"


def test_the_events_notes_add_only_what_dbt_does_not_say() -> None:
    dbt = "**Compiled code**\n\n```sql\nselect 1\n```"
    assert merged_notes(dbt, "**SQL**\n\n```sql\nselect 1\n```") == dbt
    added = merged_notes(dbt, "**SQL**\n\n```sql\nselect 1\n```\n\n**Error:** boom")
    assert added == dbt + "\n\n**From the OpenLineage events**\n\n**Error:** boom"


TEST_INVOCATION = "9adc7020-c784-4179-a4e3-e3c4ffb3b09c"


def test_one_dbt_test_execution_is_one_run(tmp_path) -> None:
    lineage = dbt_test_both_ways(tmp_path / "p")
    runs = {r.run_id: r for r in lineage.runs()}
    models = ("first", "second", "second_parallel", "third")
    assert sorted(runs) == sorted(
        [
            "b901441a-7b4a-4a97-aa61-a200106b3ce3",  # a source's tests: no dbt run of theirs
            *(
                f"source.dbt_bigquery_test.{s}.source_table@{TEST_INVOCATION}"
                for s in ("dbt_test1", "dbt_test2")
            ),
            *(f"test:model.dbt_bigquery_test.test_{m}_dbt_model@{TEST_INVOCATION}" for m in models),
        ]
    )
    first = runs[f"test:model.dbt_bigquery_test.test_first_dbt_model@{TEST_INVOCATION}"]
    assert first.config["openlineage.run_id"] == "c11f2efd-4415-45fc-8081-10d2aaa594d2"
    assert (first.state, first.summary["events"]) == ("failed", "START → FAIL")
    assert first.summary["fail"] == 3
    # the fixture's events are dated two days after dbt's timings, as the integration
    # stamps a test job with the time it sends it: dbt's times are kept, without a warning
    assert first.started_at.startswith("2021-08-23")  # dbt's timing, not the events' 08-25
    assert [p for p in lineage.problems if p.kind == "dbt.disagreement"] == []
