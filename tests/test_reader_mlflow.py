"""The MLflow reader: a file store's runs, with params, metrics, tags, inputs and models."""

from __future__ import annotations

import shutil
from pathlib import Path

import lineage_report
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.readers import FilesInMemory, detect_format, read_mlflow
from tests.linkcheck import check_site

STORE = Path(__file__).parent / "data" / "mlflow"
EXPERIMENT = "mlruns/518428178798394324"
TRAIN = f"{EXPERIMENT}/158d590e221442c88fb725c6e2eac997/meta.yaml"
SCORE = f"{EXPERIMENT}/644e755c8df94b4da0add6295e5684d3/meta.yaml"
LEGACY = f"{EXPERIMENT}/3f0c2a1b9d8e4f7a8b6c5d4e3f2a1b0c/meta.yaml"
BROKEN = f"{EXPERIMENT}/6b4138b034094ef591c8d78e2b498606/meta.yaml"


def store_files(root: Path = STORE) -> FilesInMemory:
    """Return every file below `root`, by path relative to it."""
    paths = [p for p in root.rglob("*") if p.is_file() and p.name != "SOURCE.md"]
    return FilesInMemory({p.relative_to(root).as_posix(): p.read_bytes() for p in paths})


def read(path: str, files: FilesInMemory | None = None) -> tuple[dict, list]:
    """Read one run of the store; return its document and the problems."""
    files = files or store_files()
    [doc], problems = read_mlflow(path, files.read(path), files)
    assert doc.path == path and doc.location == ""
    return doc.data, problems


def test_a_run_keeps_its_params_metrics_tags_and_times():
    data, _ = read(TRAIN)
    run = data["run"]
    assert run["id"] == "158d590e221442c88fb725c6e2eac997"
    assert (run["name"], run["job_type"], run["project"]) == ("train", "gen", "mnist")
    assert run["state"] == "finished" and run["user"] == "root"
    assert run["started_at"] == "2026-12-04T18:39:16.521000Z"
    assert run["finished_at"] == "2026-12-04T18:39:23.302000Z"
    assert {k: run["config"][k] for k in ("lr", "epochs", "optimizer/name")} == {
        "lr": "0.01",
        "epochs": "3",
        "optimizer/name": "adam",
    }
    assert run["config"]["mlflow.source.type"] == "LOCAL"
    assert run["summary"] == {"accuracy": 0.97, "loss": 0.3}  # the last step's value
    assert run["tags"] == ["team:vision"]


def test_a_dataset_input_is_used_by_digest_and_described_in_the_config():
    data, _ = read(TRAIN)
    [used] = data["used_artifacts"]
    assert used["name"] == "mnist-train" and used["type"] == "dataset" and used["external"]
    assert used["digest"].startswith("sha256:")
    assert data["run"]["config"]["dataset.mnist-train"] == {
        "digest": "a1b2c3d4",
        "context": "training",
        "source_type": "http",
        "source": {"url": "https://example.org/mnist.csv"},
    }


def test_a_logged_model_is_an_output_and_the_run_that_loads_it_uses_it():
    train, _ = read(TRAIN)
    score, _ = read(SCORE)
    [model] = train["logged_artifacts"]
    assert (model["name"], model["type"]) == ("cnn", "model")
    assert model["metadata"]["model_id"] == "m-922bd42f2d85442bba0f70920b8d0a9e"
    assert model["metadata"]["status"] == "ready"
    assert model["metadata"]["flavors"] == ["python_function"]
    assert model["metadata"]["params"]["optimizer/name"] == "adam"
    assert model["created_at"] == "2026-12-04T18:39:16.747000Z"
    assert score["used_artifacts"] == [{"name": "cnn", "digest": model["digest"], "type": "model"}]


def test_mlflow_2_models_come_from_the_log_model_history_tag():
    data, problems = read(LEGACY)
    [model] = data["logged_artifacts"]
    assert (model["name"], model["type"]) == ("model", "model")
    assert model["metadata"]["flavors"]["sklearn"]["sklearn_version"] == "1.5.0"
    assert model["created_at"] == "2026-12-04T18:39:58.123456Z"
    assert data["run"]["git"] == {
        "remote": "https://github.com/example/mnist",
        "commit": "4f1c9a0e2b7d3c5a6e8f9b0a1c2d3e4f5a6b7c8d",
    }
    assert data["run"]["job_type"] == "train" and data["run"]["user"] == "ada"
    assert data["run"]["summary"] == {"loss": 0.4}
    assert [str(p) for p in problems] == [
        f"{EXPERIMENT}/3f0c2a1b9d8e4f7a8b6c5d4e3f2a1b0c/metrics/loss: line 3: "
        "not 'timestamp value step': 'not a metric line'; left out [mlflow.invalid-metric]"
    ]


def test_status_numbers_become_states():
    data, _ = read(BROKEN)
    assert data["run"]["state"] == "failed"
    files = store_files()
    meta = files.read(BROKEN).replace(b"status: 4", b"status: 5")
    files.files[BROKEN] = meta
    assert read(BROKEN, files)[0]["run"]["state"] == "crashed"


def test_what_is_not_read_is_counted_in_a_warning():
    _, problems = read(TRAIN)
    assert [str(p) for p in problems] == [
        f"{TRAIN}: 1 file(s) in artifacts/ not read: only params, metrics, tags, dataset "
        "inputs and logged models are [mlflow.unsupported]"
    ]
    assert problems[0].severity == "warning"


def test_a_missing_dataset_costs_a_located_warning_not_the_run():
    files = store_files()
    del files.files[f"{EXPERIMENT}/datasets/dd9dc5c9f157de83f8fd163a4d2c7435/meta.yaml"]
    data, problems = read(TRAIN, files)
    assert data["used_artifacts"] == [] and data["run"]["summary"]["loss"] == 0.3
    kinds = {(p.kind, p.severity) for p in problems}
    assert ("mlflow.missing-file", "warning") in kinds
    [missing] = [p for p in problems if p.kind == "mlflow.missing-file"]
    assert missing.path.endswith("/inputs/d891f4a201d89e5c029c936e1acc1337/meta.yaml")


def test_other_meta_files_are_not_runs():
    files = store_files()
    assert detect_format(TRAIN, files.read(TRAIN)) == "mlflow"
    assert detect_format(f"{EXPERIMENT}/meta.yaml", files.read(f"{EXPERIMENT}/meta.yaml")) == "skip"
    docs, problems = read_mlflow("x/meta.yaml", b"title: a blog post\n", files)
    assert docs == [] and [p.kind for p in problems] == ["mlflow.unknown-file"]
    docs, problems = read_mlflow("x/meta.yaml", b"run_id: [unclosed\n", files)
    assert docs == [] and problems[0].kind == "mlflow.invalid-yaml"
    assert problems[0].location.startswith("line ")


def test_an_mlflow_store_builds_a_site(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(STORE / "mlruns", project / "mlruns")
    config = '[[sources]]\npath = "mlruns/*/*/meta.yaml"\nformat = "mlflow"\n'
    (project / "lineage-report.toml").write_text(config)
    lineage = lineage_report.load(project)
    assert len(list(lineage.runs())) == 6
    assert [p for p in lineage.problems if p.severity == "error"] == []
    model = lineage.artifact("cnn:v0")
    assert model is not None
    assert f"{EXPERIMENT}/datasets/dd9dc5c9f157de83f8fd163a4d2c7435/meta.yaml" in lineage.inputs
    assert f"{EXPERIMENT}/158d590e221442c88fb725c6e2eac997/params/optimizer/name" in lineage.inputs
    out = tmp_path / "site"
    build(load_config(project), out)
    assert check_site(out) == []
