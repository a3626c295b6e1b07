"""W&B offline run folders as wandb 0.31 writes them (tests/data/wandb_offline/SOURCE.md).

Six runs of one project: a dataset, two trainings, an evaluation logging a table, a crash
and a failure. Each test names what a user saw on the site before it was mended.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import lineage_report
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.readers import FilesInMemory, read_wandb_run

DATA = Path(__file__).parent / "data" / "wandb_offline"
RUNS = ["eval-best", "eval-fail", "prep-1", "train-1", "train-2", "train-crash"]


@pytest.fixture(scope="module")
def lineage(tmp_path_factory):
    """Return the lineage of a copy of the fixture's `wandb/` folder (symlink kept)."""
    project = tmp_path_factory.mktemp("project")
    shutil.copytree(DATA / "wandb", project / "wandb", symlinks=True)
    return lineage_report.load(project)


def run_names(lineage) -> list[str]:
    """Return the names of the runs, sorted."""
    return sorted(lineage.graph.nodes[n]["name"] for n in lineage.graph if n.startswith("run:"))


def test_the_newest_run_is_read_through_its_own_folder_not_latest_run(lineage):
    # The site had 5 of 6 runs: `latest-run` hid the newest folder, and was read as a manifest.
    assert run_names(lineage) == RUNS
    assert not [p for p in lineage.problems if "latest-run" in p.path]


def test_references_are_shown_as_references_not_as_stored_files(lineage):
    # The file:// and s3:// references (`add_reference`) were listed as stored files, their
    # URIs lost (an s3 URI stood in the Digest column), and the version had no references.
    data = lineage.graph.nodes["artifact:mnist-clean:v0"]
    assert [f["path"] for f in data["files"]] == [
        "csv/part-0.csv",
        "csv/part-1.csv",
        "csv/part-2.csv",
    ]
    assert data["references"] == [
        {
            "uri": "file:///tmp/hml/gen/wb/raw/part-0.csv",
            "name": "ref/part-0.csv",
            "digest": "md5:6ebbb33f91d25b785ba81a66c96d265e",
            "size": 94,
        },
        {
            "uri": "s3://my-bucket/mnist/train.parquet",
            "name": "ref/train.parquet",
            "digest": None,
            "size": None,
        },
    ]


def test_a_wandb_manifest_file_gives_references_too(tmp_path):
    # The same loss through `"files": "wandb_manifest.json"` in a manifest of our own.
    contents = {
        "model.pt": {"digest": "bruzP5HSW3hbqBpmyW0mXg==", "size": 94},
        "data.csv": {"digest": '"etag-1"', "ref": "s3://bucket/data.csv", "size": 9},
    }
    (tmp_path / "wandb_manifest.json").write_text(json.dumps({"version": 1, "contents": contents}))
    run = {"id": "r", "job_type": "train", "started_at": "2026-12-07T00:00:00Z"}
    logged = [{"name": "m", "type": "model", "digest": "d1", "files": "wandb_manifest.json"}]
    doc = {"manifest_version": 1, "run": run, "logged_artifacts": logged}
    (tmp_path / "run.json").write_text(json.dumps(doc))
    data = lineage_report.load(tmp_path).graph.nodes["artifact:m:v0"]
    assert [f["path"] for f in data["files"]] == ["model.pt"]
    assert [(r["uri"], r["name"], r["digest"]) for r in data["references"]] == [
        ("s3://bucket/data.csv", "data.csv", '"etag-1"')
    ]


def test_a_runs_media_is_not_read_as_a_manifest(lineage):
    # A logged wandb.Table left 'files/media/table/*.table.json: not a lineage manifest'.
    assert not [p for p in lineage.problems if "/files/media/" in p.path]


def test_the_wandb_folder_itself_is_a_project(tmp_path):
    # `lineage-report build wandb` built an empty site and said nothing: the default glob
    # `**/wandb/*/run-*.wandb` wants a `wandb/` inside the project folder.
    shutil.copytree(DATA / "wandb", tmp_path / "wandb", symlinks=True)
    assert run_names(lineage_report.load(tmp_path / "wandb")) == RUNS


def test_a_nan_in_the_summary_is_kept_as_text_with_a_warning(lineage):
    # A NaN loss (W&B writes `NaN` in the record) was an error, and the value was dropped.
    [crash] = [n for n in lineage.graph if lineage.graph.nodes[n].get("name") == "train-crash"]
    assert lineage.graph.nodes[crash]["summary"]["loss"] == "NaN"
    [warning] = [p for p in lineage.problems if "NaN" in p.message]
    assert (warning.location, warning.message, warning.kind, warning.severity) == (
        "record 9",
        "'loss' holds NaN, which JSON cannot hold; kept as text",
        "wandb.invalid-log",
        "warning",
    )


def test_a_log_without_a_run_record_is_a_warning():
    # A run killed (SIGKILL) a few seconds in left only the log's 7-byte header (wandb
    # 0.31); the site showed a "running" run named by its id, with no word of why.
    folder = "wandb/offline-run-20261207_043110-1v2oxkct"
    files = FilesInMemory({f"{folder}/run-1v2oxkct.wandb": b":W&B\xe1\xbe\x00"})
    [doc], problems = read_wandb_run(folder, files)
    assert (doc.data["run"]["id"], doc.data["run"]["state"]) == ("1v2oxkct", "running")
    assert [(p.location, p.kind, p.severity) for p in problems] == [
        ("", "wandb.invalid-log", "warning")
    ]
    assert problems[0].message.startswith("the log holds no run record")


def test_a_references_path_in_its_artifact_is_shown(tmp_path):
    # Once references were references, their path in the artifact (`ref/part-0.csv`, what
    # `artifact.get_entry()` takes) was on no page: the table showed URI, size, digest.
    shutil.copytree(DATA / "wandb", tmp_path / "wandb", symlinks=True)
    result = build(load_config(tmp_path), tmp_path / "site")
    [page] = (result.output / "versions").glob("mnist-clean-v0-*.html")
    html = page.read_text(encoding="utf-8")
    assert "<th>Name<th>URI<th>Size<th>Digest" in html
    assert "<td>ref/part-0.csv<td>file:///tmp/hml/gen/wb/raw/part-0.csv<td>94" in html


def test_a_resumed_run_is_one_run_with_every_segments_artifacts(tmp_path):
    # A run resumed with wandb.init(id=..., resume="allow") has two folders with one id:
    # the second was 'graph.duplicate-run ... this manifest is skipped' (an error), and its
    # checkpoint (ckpt:v1) and final summary were lost.
    shutil.copytree(DATA.parent / "wandb_resumed" / "wandb", tmp_path / "wandb")
    lineage = lineage_report.load(tmp_path)
    assert lineage.problems == []
    run = lineage.graph.nodes["run:resume01"]
    assert (run["summary"]["loss"], run["summary"]["part"]) == (0.5, 2)
    assert (run["started_at"], run["finished_at"]) == (
        "2026-12-07T04:35:33.557335Z",
        "2026-12-07T04:35:36.123051Z",
    )
    assert run["config"]["wandb.resumed_in"] == [
        "wandb/offline-run-20261207_043535-resume01/run-resume01.wandb"
    ]
    versions = [n for n in lineage.graph if n.startswith("artifact:ckpt:")]
    assert sorted(versions) == ["artifact:ckpt:v0", "artifact:ckpt:v1"]
    assert {lineage.graph.nodes[v]["producer"] for v in versions} == {"run:resume01"}


def test_a_sweep_runs_sweep_is_kept():
    # The run record's sweep id (a sweep agent's run) was on no page: W&B groups a sweep's
    # runs under it; the site could not tell them from any other run.
    folder = "wandb/offline-run-20261207_043800-06ryi3ue"
    log = DATA.parent / "wandb_sweep" / folder / "run-06ryi3ue.wandb"
    [doc], problems = read_wandb_run(
        folder, FilesInMemory({f"{folder}/{log.name}": log.read_bytes()})
    )
    assert problems == []
    assert doc.data["run"]["config"] == {"lr": 0.1, "wandb.sweep": "sw33p01"}
