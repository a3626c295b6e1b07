"""A site page's graph data as fragments: each node's entry made once per build (issue 15).

A drawn view of a built site (previews in the site's files) embeds one JSON fragment per
entry (`fr`), the same text on every page that draws the node, and writes the page's own
keys (layers, focus, a member's cluster, a row that names the node) in columns; links are
from the site's root (`hr`). Read back, the data is what the view would be without them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lineage_report import graphview, load, naming
from lineage_report.graphview import compact, page_graph
from lineage_report.graphview.facts import GraphFacts
from lineage_report.graphview.previews import SHARDS
from tests.browser import harness
from tests.browser.harness import add_artifact, add_run, sample_graph

DATA = Path(__file__).resolve().parent / "data"
TRAIN = "run:sweep-06"
# The keys a page writes itself, never its fragments (docs/graph.md, "Fragments").
PAGE_KEYS = {"x", "f", "c", "m", "wv", "wr"}


def site_root_href(node_id: str) -> str:
    """Return a node's link from the site's root."""
    return naming.node_path(node_id)


def site_view(graph, focus: str, **kwargs) -> graphview.GraphView:
    """Return a node's view as a built site's page makes it (previews in the site's files)."""
    links = {"href": harness.site_href, "type_href": harness.site_type_href}
    return page_graph(graph, focus, **links, preview_shards=SHARDS, **kwargs)


def fragments(view) -> list[dict]:
    """Return the fragments a view's data embeds."""
    return json.loads(str(view.data_json))["fr"]


def test_a_site_page_embeds_its_nodes_as_fragments_and_reads_back_the_same():
    facts = GraphFacts(sample_graph())
    for focus in (TRAIN, "artifact:mnist-cnn:v6", "artifact:mnist-train:v0"):
        made_once = site_view(facts, focus, site_href=site_root_href)
        made_here = site_view(sample_graph(), focus)  # no site-wide links: made for the page
        assert made_once.data_json == made_here.data_json
        written = json.loads(str(made_once.data_json))
        assert written["hr"] == "../" and len(written["fr"]) == written["nodes"]["n"]
        assert not PAGE_KEYS & {key for f in written["fr"] for key in f}
        assert not {key for key in written["nodes"]["each"]} - PAGE_KEYS
        # The data reads back whole: links from the page, previews left to their files.
        entries = {e["id"]: e for e in made_once.data["nodes"]}
        assert entries[focus]["h"] == harness.site_href(focus) and entries[focus]["f"] == 1
        assert not any("p" in e for e in entries.values())


def test_a_nodes_fragment_is_made_once_for_every_page_that_draws_it():
    facts = GraphFacts(sample_graph())
    first = site_view(facts, TRAIN, site_href=site_root_href)
    made = dict(facts.fragments[site_root_href])
    second = site_view(facts, "artifact:mnist-cnn:v6", site_href=site_root_href)
    shared = set(first.data["nodes"][i]["id"] for i in range(3)) & {
        e["id"] for e in second.data["nodes"]
    }
    assert shared
    for n in shared:  # the same object: not made again
        assert any(facts.fragments[site_root_href][key] is made[key] for key in made if key[0] == n)
    texts = set(json.dumps(f, sort_keys=True) for f in fragments(first))
    assert texts & set(json.dumps(f, sort_keys=True) for f in fragments(second))


def test_a_producer_is_written_by_its_run_id_when_its_page_is_named_by_it():
    view = site_view(sample_graph(), "artifact:mnist-train:v0", direction="down")
    coded = next(f for f in fragments(view) if f.get("vi") == "mnist-train:v0")
    assert coded["pr"] == "split-1" and "pj" not in coded and "po" not in coded
    entry = next(e for e in view.data["nodes"] if e["id"] == "artifact:mnist-train:v0")
    assert entry["ph"] == harness.site_href("run:split-1")


def test_a_producer_whose_page_is_not_named_by_its_id_keeps_its_link():
    g = sample_graph()
    made = add_run(g, "rün-1", "train", used=["artifact:mnist-train:v0"])  # not ASCII
    version = add_artifact(g, "odd-model", 0, "model", producer=made)
    view = site_view(g, version)
    coded = next(f for f in fragments(view) if f.get("vi") == "odd-model:v0")
    page = naming.node_path(made).rpartition("/")[2]
    assert coded["pj"] == [0, page] and "pr" not in coded
    entry = next(e for e in view.data["nodes"] if e["id"] == version)
    assert entry["ph"] == harness.site_href(made)


@pytest.fixture(scope="module")
def jaffle(tmp_path_factory):
    """Return the lineage graph of the jaffle_shop dbt manifest."""
    root = tmp_path_factory.mktemp("jaffle")
    shutil.copy(DATA / "dbt-jaffle-shop" / "manifest.json", root / "manifest.json")
    return load(root).graph


def test_a_dbt_models_producer_is_its_own_page(jaffle):
    # A dbt model's run shares its version's page (merge.model_pages): the version's
    # producer link is its own link, written as `po`.
    fct = "artifact:jaffle_shop.fct_orders:v0"
    urls = naming.PageUrls(naming.node_path(fct), None, graphview.model_pages(jaffle))
    view = page_graph(jaffle, fct, href=urls.node, preview_shards=SHARDS)
    coded = next(f for f in fragments(view) if f.get("vi") == "jaffle_shop.fct_orders:v0")
    assert coded["po"] == 1 and "pr" not in coded and "pj" not in coded
    entry = next(e for e in view.data["nodes"] if e["id"] == fct)
    assert entry["ph"] == entry["h"] == urls.node(fct)


def test_a_node_the_pages_lists_show_names_its_row_instead_of_its_link_and_label():
    g = sample_graph()
    plain = site_view(g, TRAIN)
    rows = [(e["h"], e["l"]) for e in plain.data["nodes"] if "c" not in e and "f" not in e]
    named = site_view(g, TRAIN, rows=rows)
    assert named.data == {**plain.data}  # the same data, read with the rows
    written = json.loads(str(named.data_json))
    row_keys = {k for k in ("wv", "wr") if k in written["nodes"]["each"]}
    row_keys |= {k for k in ("wv", "wr") if k in written["nodes"]["some"]}
    assert row_keys == {"wv", "wr"}
    listed = [f for f in written["fr"] if "j" not in f and "id" not in f]
    assert len(listed) >= len(rows) // 2
    assert not any("l" in f or "vi" in f for f in listed)
    assert compact.read(str(named.data_json), None, rows) == named.data
    assert len(named.data_json) < len(plain.data_json)
