"""Issue 12 points 3 and 6: OpenLineage's parent run facet and its static lineage.

Fixtures: tests/data/openlineage-airflow-dag (a hand-written Airflow DAG run with two task
runs, the parent facet shaped as OpenLineage's spec test), tests/data/openlineage-static
(OpenLineage's own JobEvent and DatasetEvent examples, verbatim). Their sources are in
each folder's SOURCE.md.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

import lineage_report
from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.readers import read_openlineage, read_openlineage_many
from tests.factories import write_project
from tests.test_readers import event, sanity
from tests.test_site import read, section, tables

DATA = Path(__file__).parent / "data"
AIRFLOW = DATA / "openlineage-airflow-dag" / "events.ndjson"
STATIC = DATA / "openlineage-static"
DAG_RUN = "01950000-0000-7000-8000-000000000001"
EXTRACT = "01950000-0000-7000-8000-000000000002"
LOAD = "01950000-0000-7000-8000-000000000003"
JOB_EVENT = {
    "eventTime": "2024-05-01T09:00:00Z",
    "job": {"namespace": "ns", "name": "nightly"},
    "inputs": [{"namespace": "db", "name": "raw"}],
    "outputs": [{"namespace": "db", "name": "t"}],
    "producer": "https://example.com/test",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
}


def static_docs():
    """Read OpenLineage's JobEvent and DatasetEvent examples as one stream."""
    files = sorted(STATIC.glob("*.json"))
    docs, problems = read_openlineage_many([(f.name, f.read_bytes()) for f in files])
    sanity(docs)
    return docs, problems


def field(html: str, label: str) -> str | None:
    """Return the text of an overview field (a `<dt>`/`<dd>` pair), None when absent."""
    match = re.search(rf"<dt>{re.escape(label)}<dd>(.*?)(?=<dt>|</dl>)", html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else None


def stream(*events) -> bytes:
    """Return events as an NDJSON stream."""
    return ("\n".join(json.dumps(e) for e in events) + "\n").encode()


# --- point 3: the parent run facet ----------------------------------------------------------


def test_airflow_tasks_name_their_dag_run_as_parent():
    docs, problems = read_openlineage("events.ndjson", AIRFLOW.read_bytes())
    sanity(docs)
    assert problems == []
    runs = {d.data["run"]["id"]: d.data["run"] for d in docs}
    assert "parent" not in runs[DAG_RUN]
    dag = {"id": DAG_RUN, "name": "etl_orders", "job_type": "etl_orders"}
    assert runs[EXTRACT]["parent"] == runs[LOAD]["parent"] == dag
    assert runs[EXTRACT]["job_type"] == "etl_orders.extract"
    assert not any(k.startswith("run.parent") for k in runs[LOAD]["config"])


def test_the_parent_becomes_run_info_parent(tmp_path):
    project = write_project(tmp_path / "p", {"events.ndjson": AIRFLOW.read_bytes()})
    lineage = lineage_report.load(project)
    assert [p.kind for p in lineage.problems] == ["graph.unresolved"]  # the DAG's source table
    parent = lineage.graph.nodes[f"run:{LOAD}"]["parent"]
    assert parent == {"id": DAG_RUN, "name": "etl_orders", "job_type": "etl_orders"}
    assert "parent" not in lineage.graph.nodes[f"run:{DAG_RUN}"]


def test_a_parent_facet_without_a_run_id_is_no_parent():
    facet = {"run": {"runId": ""}, "job": {"namespace": "airflow", "name": "dag"}}
    lone = event("START", "t", "task", run_facets={"parent": facet})
    docs, problems = read_openlineage("e.ndjson", stream(lone))
    assert "parent" not in docs[0].data["run"]
    assert [str(p) for p in problems] == [
        "e.ndjson: /run/facets/parent: the parent run facet has no 'run.runId'; the "
        "run is shown without a parent [openlineage.invalid-facet]"
    ]


# --- point 6: static lineage ----------------------------------------------------------------


def test_openlineage_job_event_is_a_design_run():
    docs, _ = static_docs()
    assert len(docs) == 1
    data = docs[0].data
    run = data["run"]
    assert run["id"] == "design:openlineage/name"
    assert (run["name"], run["job_type"], run["design"]) == ("name (design)", "name", True)
    assert "state" not in run and "started_at" not in run and "finished_at" not in run
    assert run["config"]["defined_at"] == "2021-11-03T10:53:52.427343Z"
    schema = {"facet.schema": {"fields": [{"name": "a", "type": "string"}]}}
    assert data["used_artifacts"] == [
        {"name": "openlineage/dataset_a", "alias": "latest", "facets": schema}
    ]
    assert [a["name"] for a in data["logged_artifacts"]] == ["openlineage/dataset_b"]
    assert "created_at" not in data["logged_artifacts"][0]
    assert data["source_locations"]["/run/id"] == "/job"


def test_a_dataset_event_no_run_writes_costs_a_located_warning():
    _, problems = static_docs()
    assert [str(p) for p in problems] == [
        "serde_example_dataset_event.json: /dataset: a DatasetEvent for openlineage/name, which "
        "no run or JobEvent here writes: its facets are not shown "
        "[openlineage.unattached-dataset-event]"
    ]
    assert problems[0].severity == "warning"


def test_a_dataset_events_facets_are_kept_on_every_version_written():
    dataset_event = json.loads((STATIC / "serde_example_dataset_event.json").read_text())
    dataset_event["dataset"].update(namespace="db", name="t")
    doc = {"documentation": {"description": "The t table."}}
    events = [
        event("COMPLETE", "r1", "load", 0, outputs=["t"]),
        dataset_event,
        event("COMPLETE", "r2", "load", 10, outputs=["t"]),
    ]
    events[2]["outputs"][0]["facets"] = doc  # a run's own facets win over the dataset's
    docs, problems = read_openlineage("e.ndjson", stream(*events))
    assert problems == []
    for d in docs:
        logged = d.data["logged_artifacts"][0]
        assert [c["name"] for c in logged["columns"]] == ["a", "b"]
    assert docs[1].data["logged_artifacts"][0]["description"] == "The t table."


def test_broken_static_events_cost_only_themselves():
    no_name = {**JOB_EVENT, "job": {"namespace": "ns"}}
    no_dataset = {"eventTime": "2024-05-01T09:00:00Z", "dataset": "t", "producer": "x"}
    docs, problems = read_openlineage("e.ndjson", stream(no_name, no_dataset, JOB_EVENT))
    assert [d.data["run"]["id"] for d in docs] == ["design:ns/nightly"]
    assert [str(p) for p in problems] == [
        "e.ndjson: line 1: 'job.name' is missing or not a string [openlineage.invalid-event]",
        "e.ndjson: line 2: this DatasetEvent's 'dataset' is a string [openlineage.invalid-event]",
    ]


def test_a_design_run_never_makes_latest_and_its_edges_are_design(tmp_path):
    events = [event("COMPLETE", "r1", "load", 0, outputs=["t"]), JOB_EVENT]
    project = write_project(tmp_path / "p", {"events.ndjson": stream(*events)})
    lineage = lineage_report.load(project)
    graph = lineage.graph
    design = "run:design:ns/nightly"
    observed, planned = sorted(graph.successors("run:r1")) + sorted(graph.successors(design))
    assert graph.nodes[observed]["aliases"] == ["latest"]
    assert graph.nodes[planned]["aliases"] == []
    assert graph.nodes[observed]["version"] < graph.nodes[planned]["version"]
    assert graph.edges[design, planned] == {"design": True}
    assert all(graph.edges[u, design].get("design") for u in graph.predecessors(design))
    assert "design" not in graph.edges["run:r1", observed]
    assert graph.nodes[design]["design"] is True


# --- the site: parent link and children list ------------------------------------------------


@pytest.fixture(scope="module")
def airflow_site(tmp_path_factory) -> Path:
    """Build the Airflow DAG fixture into a site."""
    root = tmp_path_factory.mktemp("airflow")
    shutil.copy(AIRFLOW, root / "events.ndjson")
    out = root / "site"
    build(load_config(root), out)
    return out


def test_a_task_run_page_links_its_dag_run(airflow_site: Path):
    html = read(airflow_site, naming.node_path(f"run:{LOAD}"))
    overview = section(html, "overview")
    assert field(overview, "Parent run") == "etl_orders"
    href = "../" + naming.node_path(f"run:{DAG_RUN}")
    link = rf'<dt>Parent run<dd><a href="{re.escape(href)}">etl_orders</a>(?=<dt>|</dl>)'
    assert re.search(link, overview)  # the parent's name, linked, in the overview
    assert 'id="children"' not in html


def test_a_dag_run_page_lists_its_task_runs(airflow_site: Path):
    overview = section(read(airflow_site, naming.node_path(f"run:{DAG_RUN}")), "overview")
    assert field(overview, "Parent run") is None
    assert 'id="children"' in overview
    (children,) = tables(overview, "nodes")
    assert [row[0].text for row in children.rows] == ["etl_orders.extract", "etl_orders.load"]
    assert [row[0].links for row in children.rows] == [
        [("etl_orders.extract", "../" + naming.node_path(f"run:{EXTRACT}"))],
        [("etl_orders.load", "../" + naming.node_path(f"run:{LOAD}"))],
    ]


def test_a_dag_run_page_lists_what_its_tasks_read_and_wrote(airflow_site: Path):
    # The DAG run reads and writes nothing itself: its page drew one node, "Nothing upstream".
    lineage = section(read(airflow_site, naming.node_path(f"run:{DAG_RUN}")), "lineage")
    assert "its 2 child runs did" in lineage and 'id="lineage-graph"' not in lineage
    upstream, downstream = tables(lineage, "nodes")
    # staging.orders, which extract writes and load reads, is theirs: listed once, downstream
    assert [row[1].text for row in upstream.rows] == [
        "postgres://db:5432/shop.public.orders:latest"
    ]
    assert [row[1].text for row in downstream.rows] == [
        "postgres://db:5432/shop.mart.orders:v0",
        "postgres://db:5432/shop.staging.orders:v0",
    ]
    task = section(read(airflow_site, naming.node_path(f"run:{LOAD}")), "lineage")
    assert "child runs did" not in task and 'id="lineage-graph"' in task  # its own, drawn


def test_a_parent_outside_the_project_is_named_not_linked(tmp_path):
    lines = AIRFLOW.read_text().splitlines()
    # Leave out the DAG run's own events: its tasks still name it as their parent.
    tasks_only = "\n".join(ln for ln in lines if f'"runId":"{DAG_RUN}","facets":{{}}' not in ln)
    root = write_project(tmp_path / "p", {"events.ndjson": tasks_only + "\n"})
    out = tmp_path / "site"
    build(load_config(root), out)
    overview = section(read(out, naming.node_path(f"run:{LOAD}")), "overview")
    assert field(overview, "Parent run") == f"etl_orders (run {DAG_RUN}): not in this project"


def test_a_design_run_page_says_it_is_a_job_definition(tmp_path):
    root = write_project(tmp_path / "p", {"events.ndjson": stream(JOB_EVENT)})
    out = tmp_path / "site"
    build(load_config(root), out)
    overview = section(read(out, naming.node_path("run:design:ns/nightly")), "overview")
    assert field(overview, "State") == "design: a job definition, no run was observed"
