"""Other tools' lineage through the whole pipeline: detected or configured formats, built sites."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil

import networkx as nx

import lineage_report
from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config
from tests.factories import manifest, write_project
from tests.linkcheck import check_site
from tests.test_readers import DATA, MARQUEZ, fill_marquez
from tests.test_readers import JAFFLE as DBT


def test_detected_openlineage_and_dbt_files_build_one_site(tmp_path):
    project = tmp_path / "project"
    (project / "marquez").mkdir(parents=True)
    (project / "dbt").mkdir()
    (project / "marquez" / "events.json").write_text(fill_marquez(MARQUEZ.read_text()))
    shutil.copy(DBT, project / "dbt" / "manifest.json")
    lineage = lineage_report.load(project)
    jobs = {run.job_type for run in lineage.runs()}
    assert "etl_menus" in jobs and "dbt model" in jobs
    assert len(list(lineage.runs())) == 13 + 14 + 10  # dbt: 14 built, 10 declared
    assert [p for p in lineage.problems if p.severity == "error"] == []
    out = tmp_path / "site"
    build(load_config(project), out)
    assert check_site(out) == []
    menus = lineage.artifact("food_delivery/public.menus:v0")
    assert (out / naming.node_path(menus.id)).is_file()


def event(kind: str, time: str) -> dict:
    """Return an OpenLineage RunEvent of run r-1 of job etl/load, writing db/table."""
    return {
        "eventType": kind,
        "eventTime": time,
        "run": {"runId": "r-1"},
        "job": {"namespace": "etl", "name": "load"},
        "inputs": [],
        "outputs": [{"namespace": "db", "name": "table"}],
        "producer": "test",
        "schemaURL": "https://openlineage.io/spec/1-0-5/OpenLineage.json",
    }


def test_sources_choose_the_format_per_glob(tmp_path):
    events = [event("START", "2026-11-20T10:00:00Z"), event("COMPLETE", "2026-11-20T10:05:00Z")]
    project = write_project(
        tmp_path / "p",
        {"stream/day1.log": "\n".join(json.dumps(e) for e in events) + "\n"},
        config='manifests = []\n[[sources]]\npath = "stream/*.log"\nformat = "openlineage"\n',
    )
    lineage = lineage_report.load(project)
    [run] = list(lineage.runs())
    assert run.state == "finished" and run.job_type == "load"
    assert [a.name for a in run.logged_artifacts()] == ["db/table"]
    assert lineage.inputs == {
        "stream/day1.log": hashlib.sha256((project / "stream/day1.log").read_bytes()).hexdigest()
    }


def test_a_wandb_manifest_stands_in_for_an_artifacts_files(tmp_path):
    md5 = base64.b64encode(hashlib.md5(b"weights").digest()).decode()
    wandb = {
        "version": 1,
        "storagePolicy": "wandb-storage-policy-v1",
        "contents": {"model.pt": {"digest": md5, "size": 7}},
    }
    logged = {"name": "cnn", "type": "model", "files": "wandb_manifest.json"}
    project = write_project(
        tmp_path / "p",
        {
            "runs/train.json": manifest("train", logged=[logged]),
            "runs/wandb_manifest.json": wandb,
        },
    )
    lineage = lineage_report.load(project)
    assert lineage.problems == []
    model = lineage.artifact("cnn:v0")
    assert model.files == [
        {"path": "model.pt", "size": 7, "digest": "md5:" + hashlib.md5(b"weights").hexdigest()}
    ]
    assert model.digest == lineage_report.digest.artifact_digest(
        [("model.pt", "md5:" + hashlib.md5(b"weights").hexdigest())]
    )


def test_a_missing_wandb_manifest_names_where_it_was_looked_for(tmp_path):
    logged = {"name": "cnn", "type": "model", "files": "wandb_manifest.json"}
    project = write_project(tmp_path / "p", {"runs/train.json": manifest("train", logged=[logged])})
    [problem] = lineage_report.load(project).problems
    assert str(problem) == (
        "runs/train.json: /logged_artifacts/0/files: W&B manifest 'wandb_manifest.json' "
        "not found beside this manifest [manifest.invalid]"
    )


def test_runs_that_update_their_input_and_failed_builds_make_a_sound_site(tmp_path):
    from tests.test_reader_runs import DBT_FAIL, FULL_EVENT, TABLE

    project = tmp_path / "project"
    shutil.copytree(DBT_FAIL / "target", project / "dbt" / "target")
    (project / "ol").mkdir()
    shutil.copy(FULL_EVENT, project / "ol" / "example_full_event.json")
    out = tmp_path / "site"
    build(load_config(project), out)
    assert check_site(out) == []
    lineage = lineage_report.load(project)
    before = f"artifact:{TABLE} (before v0)"
    page = (out / naming.node_path(before)).read_text(encoding="utf-8")
    assert f"{TABLE} (before v0)" in page
    failed = lineage.run(
        "model.dbt_bigquery_test.test_second_parallel_dbt_model@8c814240-637d-4a36-937e-43787f5c79e0"
    )
    # A dbt model is one page, its version's, which shows its run (graphview.model_pages).
    (version,) = lineage.graph.successors(failed.id)
    assert not (out / naming.node_path(failed.id)).exists()
    page = (out / naming.node_path(version)).read_text(encoding="utf-8")
    assert "failed" in page and "Syntax error: Expected end of input" in page
    assert "source_locations" not in page


def test_a_dbt_manifest_and_openlineage_events_make_one_graph(tmp_path):
    """A job reading a dbt model's warehouse table joins the dbt runs: one graph, not two."""
    shutil.copytree(DATA / "openlineage-dbt-fail" / "target", tmp_path / "target")
    reader = event("COMPLETE", "2026-01-01T00:00:00Z")
    reader["outputs"] = []
    table = "random-gcp-project.dbt_test1.test_second_dbt_model"
    reader["inputs"] = [{"namespace": "bigquery", "name": table}]
    (tmp_path / "events.ndjson").write_text(json.dumps(reader) + "\n")
    lineage = lineage_report.load(tmp_path)
    run = naming.run_node("r-1")
    upstream = {lineage.graph.nodes[n].get("job_type") for n in nx.ancestors(lineage.graph, run)}
    assert "dbt model" in upstream
