"""The project graph grouped by namespace, dbt package, folder or project (issue 13, point 5).

On real fixtures (tests/data): OpenLineage events of three job namespaces, and jaffle_shop's
dbt manifest with its staging models moved into a package of their own (a project of two
packages; the manifest is changed here, in a temporary folder, not in tests/data).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import networkx as nx
import pytest

import lineage_report
from lineage_report import graphview
from lineage_report.graphview.facts import GraphFacts
from lineage_report.graphview.groupings import GROUPINGS, groupings_data, node_keys

DATA = Path(__file__).parent / "data"
FULL_EVENT = DATA / "openlineage-full-event" / "example_full_event.json"
DBT_TEST = DATA / "openlineage-dbt-test" / "result.json"
JAFFLE = DATA / "dbt-jaffle-shop" / "manifest.json"
STAGING = "jaffle_staging"  # the package the staging models are moved to


def two_packages(manifest: Path) -> dict:
    """Return jaffle_shop's manifest with every node under models/staging/ in package STAGING."""
    doc = json.loads(manifest.read_text())
    moved = {}
    for section in ("nodes", "sources"):
        for uid, node in doc[section].items():
            if node.get("original_file_path", "").startswith("models/staging/"):
                kind, _, rest = uid.split(".", 2)
                moved[uid] = f"{kind}.{STAGING}.{rest}"
    text = manifest.read_text()
    for old, new in moved.items():  # the ids, and every reference to them
        text = text.replace(json.dumps(old), json.dumps(new))
    doc = json.loads(text)
    for section in ("nodes", "sources"):
        for uid, node in doc[section].items():
            if uid in moved.values():
                node["package_name"] = STAGING
    return doc


@pytest.fixture(scope="module")
def dbt_project(tmp_path_factory) -> lineage_report.Lineage:
    """Return the lineage of jaffle_shop split into two packages."""
    root = tmp_path_factory.mktemp("two-packages")
    (root / "target").mkdir()
    (root / "target" / "manifest.json").write_text(json.dumps(two_packages(JAFFLE)))
    return lineage_report.load(root)


@pytest.fixture(scope="module")
def openlineage_project(tmp_path_factory) -> lineage_report.Lineage:
    """Return the lineage of OpenLineage events from three job namespaces."""
    root = tmp_path_factory.mktemp("namespaces")
    shutil.copy(FULL_EVENT, root / "full_event.json")
    shutil.copy(DBT_TEST, root / "dbt_test.json")
    return lineage_report.load(root)


def groupings(view) -> dict[str, dict]:
    """Return a view's groupings by their key, each group as (label, words, rows)."""
    return {g["by"]: g for g in view.data.get("groupings", [])}


def groups(grouping: dict) -> dict[str, str]:
    """Return each group's label and the counts its node shows."""
    return {e["l"]: e["t"] for e in grouping["nodes"]}


def joins(grouping: dict) -> dict[tuple[str, str], int]:
    """Return the edges between groups, by label, with the lineage edges each stands for."""
    label = [e["l"] for e in grouping["nodes"]]
    flat = grouping["edges"]
    pairs = zip(flat[::2], flat[1::2], strict=True)
    return {(label[a], label[b]): n for (a, b), n in zip(pairs, grouping["c"], strict=True)}


def test_dbt_packages_and_folders_are_groupings_with_counted_edges(dbt_project):
    view = graphview.project_graph(dbt_project.graph)
    found = groupings(view)
    # One database schema and one dbt project: neither splits it, neither is offered.
    assert list(found) == ["package", "folder"]
    package = found["package"]
    assert package["l"] == GROUPINGS["package"] == "dbt package"
    # Four staging models and two sources, each a run and the version it makes.
    assert groups(package) == {
        "jaffle_shop": "18 runs · 14 versions",
        STAGING: "6 runs · 6 versions",
    }
    # The seeds feed the staging models (3 edges); those feed the marts (8).
    assert joins(package) == {("jaffle_shop", STAGING): 3, (STAGING, "jaffle_shop"): 8}
    # Joined both ways (a cycle): still laid out side by side, one layer each.
    assert sorted(e["x"] for e in package["nodes"]) == [0, graphview.X_GAP]
    folder = found["folder"]
    assert groups(folder)["models/staging"] == "6 runs · 6 versions"
    assert groups(folder)["data"] == "3 runs · 3 versions"  # the seeds
    assert joins(folder)[("data", "models/staging")] == 3
    rows = dict(next(e for e in package["nodes"] if e["l"] == STAGING)["p"])
    assert rows == {"Runs": "6", "Artifact versions": "6", "Edges in": "3", "Edges out": "8"}


def test_openlineage_namespaces_group_jobs_and_datasets(openlineage_project):
    view = graphview.project_graph(openlineage_project.graph)
    namespace = groupings(view)["namespace"]
    assert groups(namespace) == {
        # Its job, and the version of the table it read before writing it.
        "my-scheduler-namespace": "1 run · 1 version",
        "my-datasource-namespace": "1 version",
        # dbt's test runs, and the tables they test (not written here: with their readers).
        "dbt-test-namespace": "5 runs · 6 versions",
    }
    assert joins(namespace) == {("my-scheduler-namespace", "my-datasource-namespace"): 1}
    # A group is drawn as a type node is: coloured by what it mostly holds.
    kinds = {e["l"]: e["ck"] for e in namespace["nodes"]}
    assert kinds["my-datasource-namespace"] == "artifact"


def test_the_page_embeds_the_groupings_and_reads_back_whole(openlineage_project):
    view = graphview.project_graph(openlineage_project.graph)
    assert graphview.read_page_data(str(view.data_json)) == view.data
    assert "by" not in view.data  # small enough to draw: it opens on the graph, not a grouping


def test_a_project_too_big_to_draw_opens_on_the_grouping_that_tells_most(dbt_project):
    view = graphview.project_graph(dbt_project.graph, limit=5)
    assert view.data["nodes"] == []
    # Six folders tell more than two packages.
    assert view.data["by"] == "folder"
    assert "showing it grouped by folder" in view.note
    assert view.data["note"] == view.note


def test_other_pages_carry_no_groupings(dbt_project):
    graph = dbt_project.graph
    focus = next(n for n in graph if n.startswith("artifact:"))
    assert "groupings" not in graphview.page_graph(graph, focus).data
    assert "groupings" not in graphview.type_overview(graph).data


def test_one_group_is_no_grouping_and_a_cut_is_offered_once(sample_lineage):
    # The sample is one W&B project: nothing to group by.
    assert "groupings" not in graphview.project_graph(sample_lineage.graph).data
    # OpenLineage jobs whose outputs have no namespace of their own: each namespace is a
    # project too, so "project" would cut the graph as "namespace" does: offered once.
    graph = nx.DiGraph()
    for ns in ("etl", "ml"):
        run = {"kind": "run", "group": "job", "project": ns, "config": {"job": f"{ns}/job"}}
        graph.add_node(f"run:{ns}", **run)
        graph.add_node(f"artifact:{ns}-out:v0", kind="artifact", group="table", metadata={})
        graph.add_edge(f"run:{ns}", f"artifact:{ns}-out:v0")
    graph.add_edge("artifact:etl-out:v0", "run:ml")
    (namespace,) = groupings_data(GraphFacts(graph))
    assert namespace["by"] == "namespace"
    assert groups(namespace) == {"etl": "1 run · 1 version", "ml": "1 run · 1 version"}
    assert joins(namespace) == {("etl", "ml"): 1}


def test_a_nodes_own_keys():
    dataset = {"kind": "artifact", "metadata": {"namespace": "postgres://db:5432"}}
    assert node_keys(dataset) == {"namespace": "postgres://db:5432"}
    ol_run = {"kind": "run", "project": "airflow", "config": {"job": "airflow/etl.load"}}
    assert node_keys(ol_run) == {"namespace": "airflow", "project": "airflow"}
    model = {
        "kind": "artifact",
        "metadata": {
            "database": "analytics",
            "schema": "marts",
            "package_name": "shop",
            "original_file_path": "models/marts/orders.sql",
        },
    }
    assert node_keys(model) == {
        "namespace": "analytics.marts",
        "package": "shop",
        "folder": "models/marts",
    }
    dbt_run = {"kind": "run", "project": "shop", "config": {"unique_id": "model.shop.orders"}}
    assert node_keys(dbt_run) == {"package": "shop", "project": "shop"}
    wandb_run = {"kind": "run", "project": "mnist", "config": {"unique_id": "not.a.dbt.id"}}
    assert node_keys(wandb_run) == {"project": "mnist"}


def test_a_configured_key_groups_by_run_config_and_artifact_metadata(sample_lineage):
    view = graphview.project_graph(sample_lineage.graph, group_key="arch")
    (arch,) = groupings(view).values()
    assert (arch["by"], arch["l"]) == ("key", "arch")
    # Runs trained as a small CNN or a fine-tuned ResNet, the models they made, and the
    # runs and data without an `arch` with whom they feed or read.
    assert groups(arch) == {
        "cnn-small": "28 runs · 25 versions",
        "resnet18-ft": "5 runs · 6 versions",
    }
    assert sum(e["n"] for e in arch["nodes"]) == len(sample_lineage.graph)
    assert joins(arch) == {("cnn-small", "resnet18-ft"): 6}  # lineage edges between them
