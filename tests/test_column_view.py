"""Issue 12 point 5: the graph's column view gets the column edges among a page's datasets.

The lineage is Hive's CTAS-with-join event (tests/data/openlineage-column-lineage, real) and a
hand-written second hop reading its output (tests/test_data_quality.py): t1.id and t2.name
feed test.xxx's id and name, which feed test.yyy's key and label. A page embeds, under its
data's `columns` key, only the edges whose two datasets it holds (docs/graph.md).
"""

from __future__ import annotations

import json

import networkx as nx
import pytest

import lineage_report
from lineage_report import graphview
from lineage_report.graphview import columns as column_view
from tests.factories import write_project
from tests.test_data_quality import project_files

HIVE = "hive://localhost:9083/"
T1, T2 = f"artifact:{HIVE}test.t1:latest", f"artifact:{HIVE}test.t2:latest"
XXX, YYY = f"artifact:{HIVE}test.xxx:v0", f"artifact:{HIVE}test.yyy:v0"
HIVE_RUN = "run:0195f1c2-7d11-7c3e-9a40-5d7c1e2b3a01"
REPORT_RUN = "run:0195f1c2-7d11-7c3e-9a40-5d7c1e2b3a02"
TWO_HOPS = {
    ((T1, "id"), (XXX, "id"), "DIRECT/TRANSFORMATION"),
    ((T2, "name"), (XXX, "name"), "DIRECT/IDENTITY"),
    ((XXX, "id"), (YYY, "key"), "DIRECT/IDENTITY"),
    ((XXX, "name"), (YYY, "label"), "DIRECT/TRANSFORMATION"),
}


@pytest.fixture(scope="module")
def graph(tmp_path_factory) -> nx.DiGraph:
    """Return the lineage graph of Hive's CTAS and the hop after it (and the dbt events)."""
    root = write_project(tmp_path_factory.mktemp("project"), project_files())
    return lineage_report.load(root).graph


def column_edges(data: dict) -> set[tuple]:
    """Return the page's column edges as ((node, column), (node, column), kind)."""
    cols, ids = data["columns"], [e["id"] for e in data["nodes"]]
    s, c = cols["s"], cols["c"]
    slot = [(ids[c[i]], s[c[i + 1]]) for i in range(0, len(c), 2)]
    pairs = zip(cols["e"][::2], cols["e"][1::2], cols["k"], strict=True)
    return {(slot[a], slot[b], s[k]) for a, b, k in pairs}


def producers(data: dict) -> dict[str, str]:
    """Return each dataset with column edges -> the run that made it, by node id."""
    ids, r = [e["id"] for e in data["nodes"]], data["columns"]["r"]
    return {ids[r[i]]: ids[r[i + 1]] for i in range(0, len(r), 2)}


def test_a_page_carries_its_datasets_column_edges_across_two_hops(graph):
    data = graphview.page_graph(graph, YYY).data
    assert column_edges(data) == TWO_HOPS
    assert producers(data) == {XXX: HIVE_RUN, YYY: REPORT_RUN}
    # Names are a string table: each column and each kind once.
    strings = data["columns"]["s"]
    assert sorted(strings) == sorted(
        {"id", "name", "key", "label", "DIRECT/IDENTITY", "DIRECT/TRANSFORMATION"}
    )


def test_a_page_cut_short_keeps_only_the_edges_it_draws(graph):
    # Depth 2 from test.yyy draws its producer and test.xxx, not Hive's inputs t1 and t2.
    data = graphview.page_graph(graph, YYY, depth=2).data
    assert {e["id"] for e in data["nodes"]} >= {XXX, YYY}
    assert T1 not in {e["id"] for e in data["nodes"]}
    assert column_edges(data) == {edge for edge in TWO_HOPS if edge[1][0] == YYY}


def test_clustered_members_keep_their_column_edges_on_the_project_page(graph):
    data = graphview.project_graph(graph).data
    members = {e["id"] for e in data["nodes"] if "c" in e}
    assert {T1, T2} <= members  # the external inputs are one cluster
    assert column_edges(data) == TWO_HOPS


def test_pages_without_column_lineage_carry_no_column_data(graph):
    dbt_model = next(n for n in graph if "test_first_dbt_model" in n and n.startswith("artifact"))
    assert "columns" not in graphview.page_graph(graph, dbt_model).data
    assert "columns" not in graphview.type_overview(graph).data


def test_an_input_its_producer_did_not_read_is_left_out(graph):
    g = graph.copy()
    g.remove_edge(T2, HIVE_RUN)  # the run no longer reads t2: name's input has no version
    data = graphview.page_graph(g, YYY).data
    assert column_edges(data) == {edge for edge in TWO_HOPS if edge[0][0] != T2}


def test_column_names_are_one_plain_line(graph):
    g = graph.copy()
    lineage = json.loads(json.dumps(g.nodes[YYY]["column_lineage"]))
    lineage[0]["column"] = "k</script>\nx"
    g.nodes[YYY]["column_lineage"] = lineage
    data = graphview.page_graph(g, YYY).data
    assert ((XXX, "id"), (YYY, "k</script> x"), "DIRECT/IDENTITY") in column_edges(data)
    assert "</script>" not in graphview.page_graph(g, YYY).data_json


def test_past_the_cap_a_page_keeps_the_edges_nearest_its_focus(graph, monkeypatch):
    monkeypatch.setattr(column_view, "COLUMN_EDGES_MAX", 2)
    capped = graphview.page_graph(graph, YYY).data
    # In page order t1's and t2's edges come first; the ones into test.yyy are kept.
    assert column_edges(capped) == {edge for edge in TWO_HOPS if edge[1][0] == YYY}
    assert capped["columns"]["cut"] == 4
