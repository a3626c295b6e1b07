"""An MLflow 3 file store with nested runs, models and a registry (tests/data/mlflow_nested).

Written by MLflow 3.17.2 itself (SOURCE.md there). Each test names what a user saw on the
site before it was mended.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import lineage_report
from lineage_report import graphview

DATA = Path(__file__).parent / "data" / "mlflow_nested"


@pytest.fixture(scope="module")
def lineage(tmp_path_factory):
    """Return the lineage of a copy of the fixture's store."""
    project = tmp_path_factory.mktemp("project")
    shutil.copytree(DATA / "mlruns", project / "mlruns")
    return lineage_report.load(project)


def test_json_files_a_run_or_model_logged_are_not_read_as_manifests(lineage):
    # mlflow.log_table and log_model(input_example=...) left five manifest.invalid errors.
    assert [p for p in lineage.problems if p.kind.startswith("manifest.")] == []
    names = sorted(lineage.graph.nodes[n]["name"] for n in lineage.graph if n.startswith("run:"))
    assert names == ["broken", "evaluate", "prepare", "sweep", "train-C0.1", "train-C1.0"]


def test_the_store_itself_is_a_project(tmp_path):
    # `lineage-report build mlruns` built no run: `**/mlruns/*/*/meta.yaml` wants an `mlruns/`
    # inside the project folder; the artifacts' JSON files were five errors instead.
    shutil.copytree(DATA / "mlruns", tmp_path / "mlruns")
    lineage = lineage_report.load(tmp_path / "mlruns")
    assert len([n for n in lineage.graph if n.startswith("run:")]) == 6
    assert [p for p in lineage.problems if p.kind.startswith("manifest.")] == []


def test_nested_runs_name_their_parent(lineage):
    # A child run's page showed `mlflow.parentRunId` as a config value; no Parent run link,
    # and the sweep's page listed no Child runs.
    runs = {lineage.graph.nodes[n]["name"]: lineage.graph.nodes[n] for n in lineage.graph}
    sweep = "5f377f6426e247e392acaab28f0f8c0c"
    for child in ("train-C0.1", "train-C1.0"):
        assert runs[child]["parent"] == {"id": sweep, "name": "sweep", "job_type": "pipeline"}
        assert "mlflow.parentRunId" not in runs[child]["config"]
    assert runs["sweep"].get("parent") is None


def test_the_model_registry_is_counted_as_unsupported(lineage):
    # The registered model's meta.yaml was called "not an MLflow run's meta.yaml"
    # (mlflow.unknown-file), as if the store were damaged.
    [registry] = [p for p in lineage.problems if p.path.startswith("mlruns/models/")]
    assert (registry.path, registry.message, registry.kind, registry.severity) == (
        "mlruns/models/mnist-clf/meta.yaml",
        "registered model 'mnist-clf': MLflow's model registry is not read",
        "mlflow.unsupported",
        "warning",
    )


def test_datasets_by_digest_are_drawn_with_their_name_and_a_short_digest(lineage):
    # On the graph, MLflow's two datasets read 'mnist-t…024d970de001' and
    # 'mnist-t…b44d67ebdb54': the label `name@sha256:<64 hex>` was cut in its middle.
    view = graphview.project_graph(lineage.graph)
    labels = sorted(e["l"] for e in view.data["nodes"] if e["id"].startswith("artifact:mnist"))
    assert labels == ["mnist-test@ab35c7d6", "mnist-train@1a0746d9"]


def test_a_logged_models_metrics_are_kept(lineage):
    # MLflow 3 logs the run's metrics to its logged model (models/<id>/metrics/loss); the
    # model version showed its params and tags, and its metrics nowhere.
    model = lineage.graph.nodes["artifact:model:v1"]
    assert model["metadata"]["metrics"] == {"loss": 1.0}  # as models/<id>/metrics/loss holds it
    assert model["metadata"]["params"] == {"C": "1.0"}
