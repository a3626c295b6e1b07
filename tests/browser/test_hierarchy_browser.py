"""Issue 12 points 3 and 6 in Chromium: child runs grouped under their parent, design edges dashed.

The site is built from OpenLineage events written here: an Airflow-like DAG run whose eight
task runs each read one source table and write a table of their own (so they sit in one
layer of the graph, each of its own job type), and a JobEvent (static lineage) that reads
one of those tables and writes a report (its edges dashed on the canvas, dotted in Mermaid).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

from lineage_report import graphview, load, naming
from lineage_report.build import build
from lineage_report.config import load_config
from tests.test_reader_hierarchy import JOB_EVENT

pytestmark = pytest.mark.browser

DAG_RUN = "dag-run-1"
TASKS = [f"task-run-{i}" for i in range(8)]
DESIGN = "run:design:airflow/weekly_report"
CHILDREN = "8 runs · children of etl_orders"


def event(run_id: str, job: str, minute: int, inputs=(), outputs=(), parent=None) -> dict:
    """Return a COMPLETE RunEvent; `parent` names the DAG run in a parent run facet."""
    facets = {}
    if parent:
        facets["parent"] = {
            "run": {"runId": parent},
            "job": {"namespace": "airflow", "name": "etl_orders"},
        }
    return {
        "eventType": "COMPLETE",
        "eventTime": f"2025-03-01T06:{minute:02d}:00Z",
        "run": {"runId": run_id, "facets": facets},
        "job": {"namespace": "airflow", "name": job},
        "inputs": [{"namespace": "db", "name": n} for n in inputs],
        "outputs": [{"namespace": "db", "name": n} for n in outputs],
        "producer": "https://example.com/test",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }


def events() -> list[dict]:
    """Return the DAG run, its eight tasks, a design job reading one task's table."""
    out = [event(DAG_RUN, "etl_orders", 0)]
    for i, run_id in enumerate(TASKS):
        out.append(
            event(run_id, f"etl_orders.t{i}", 1 + i, ["source"], [f"part{i}"], parent=DAG_RUN)
        )
    out.append(
        {
            **JOB_EVENT,  # its producer and schema; a job of its own
            "eventTime": "2025-03-01T07:00:00Z",
            "job": {"namespace": "airflow", "name": "weekly_report"},
            "inputs": [{"namespace": "db", "name": "part0"}],
            "outputs": [{"namespace": "db", "name": "report"}],
        }
    )
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build the events into a site once for this module."""
    root = tmp_path_factory.mktemp("hierarchy")
    text = "\n".join(json.dumps(e) for e in events()) + "\n"
    (root / "events.ndjson").write_text(text, encoding="utf-8")
    config = 'external = ["db/source:*"]\n'
    (root / "lineage-report.toml").write_text(config, encoding="utf-8")
    return build(load_config(root), root / "site").output


@pytest.fixture
def open_graph(page, site, watched):
    """Return `open_graph(path)`: open a site page, wait for its graph, watch it."""

    def opener(path: str):
        return harness.open_graph(page, site, path, watched)

    return opener


def drawn_edges(page) -> dict[tuple[str, str], object]:
    """Return each drawn edge (from, to) with its `dashes` option as vis-network has it."""
    edges = page.evaluate(
        "window.lineageView.network.body.data.edges.get()"
        ".map(e => [e.from, e.to, e.dashes === undefined ? null : e.dashes])"
    )
    return {(a, b): dashes for a, b, dashes in edges}


def test_child_runs_are_one_cluster_under_their_parent(page, open_graph):
    watcher = open_graph(naming.GRAPH)
    children = harness.cluster_of(page, CHILDREN)
    assert (children["size"], children["listed"], children["kind"]) == (8, 8, "run")
    assert children["visible"] and children["out"] == []
    visible = harness.lv(page, "visibleNodeIds()")
    assert f"run:{DAG_RUN}" in visible
    assert not {f"run:{t}" for t in TASKS} & set(visible)
    panel = harness.open_cluster(page, CHILDREN)
    members = panel.locator("li[data-node-id]").evaluate_all("li => li.map(x => x.dataset.nodeId)")
    assert sorted(members) == sorted(f"run:{t}" for t in TASKS)
    assert panel.locator("a.lg-hub-link").text_content() == "Open etl_orders"
    harness.lv(page, f"expand({json.dumps(children['id'])})")  # collapsible like the others
    assert {f"run:{t}" for t in TASKS} <= set(harness.lv(page, "visibleNodeIds()"))
    harness.lv(page, f"collapse({json.dumps(children['id'])})")
    assert children["id"] in harness.lv(page, "visibleNodeIds()")
    watcher.assert_clean()


def test_design_edges_are_dashed_and_observed_ones_solid(page, open_graph):
    watcher = open_graph(naming.node_path(DESIGN))
    edges = drawn_edges(page)
    design = {pair: d for pair, d in edges.items() if DESIGN in pair}
    assert len(design) == 2 and all(d == [6, 4] for d in design.values())
    observed = {pair: d for pair, d in edges.items() if DESIGN not in pair}
    assert observed and not any(observed.values())
    watcher.assert_clean()


def test_design_edges_are_dotted_in_the_mermaid_export_as_in_python(page, open_graph, site):
    watcher = open_graph(naming.node_path(DESIGN))
    page.click('[data-lg="export-mermaid"]')
    text = page.input_value('[data-lg="mermaid"]')
    assert text.count(" -.-> ") == 2 and " --> " in text
    graph = load(site.parent).graph  # the project folder the site was built from
    assert text == graphview.mermaid(graphview.page_graph(graph, DESIGN))
    watcher.assert_clean()
