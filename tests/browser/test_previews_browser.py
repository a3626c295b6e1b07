"""Previews from the site's preview files (#15): a built page embeds no preview rows, and a
node's preview, read from its shard by a <script> element from file://, shows the rows the
page used to carry; the browser finds a node's shard as Python does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

import lineage_report
from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.graphview.entries import node_entry
from lineage_report.graphview.facts import GraphFacts
from lineage_report.graphview.previews import SHARDS, shard_of
from tests.conftest import SAMPLE

pytestmark = pytest.mark.browser

MODEL = "artifact:mnist-cnn:v6"
RUN = "run:s472we7t"  # dainty-forest-19, which made MODEL
ROWS = (  # the open preview's <dt> and <dd> texts, in order
    "() => Array.from(document.querySelectorAll('[data-lg=\"preview-rows\"] > *'))"
    ".map((n) => n.textContent)"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build the sample project's site once for this module."""
    return build(load_config(SAMPLE), tmp_path_factory.mktemp("previews") / "site").output


def shown_rows(page) -> list[list[str]]:
    """Return the open preview's rows once they are read, as [label, text] pairs."""
    page.wait_for_function(
        "() => !document.querySelector('[data-lg=\"preview-rows\"]').textContent"
        ".includes('loading')"
    )
    texts = page.evaluate(ROWS)
    return [texts[i : i + 2] for i in range(0, len(texts), 2)]


def expected_rows(node: str) -> list[list[str]]:
    """Return a node's preview rows as Python makes them."""
    facts = GraphFacts(lineage_report.load(SAMPLE).graph)
    return node_entry(facts, node, None)["p"]


def test_pages_embed_no_previews_and_read_them_from_their_shard(page, site, watched):
    html = (site / naming.node_path(MODEL)).read_text(encoding="utf-8")
    assert '"pn":1024,"pv":"../previews/"' in html and '"p":[' not in html
    watcher = harness.open_graph(page, site, naming.node_path(MODEL), watched)
    for node in (MODEL, RUN):
        harness.lv(page, f"select({json.dumps(node)})")
        assert shown_rows(page) == expected_rows(node)
    loaded = page.evaluate(
        "() => Array.from(document.scripts).map((s) => s.getAttribute('src') || '')"
        ".filter((s) => s.includes('previews/'))"
    )
    shards = sorted({f"../previews/{shard_of(n, SHARDS)}.js" for n in (MODEL, RUN)})
    assert sorted(loaded) == shards  # each node's shard, each once
    watcher.assert_clean()


def test_a_shard_that_cannot_be_loaded_says_so(page, site, watched, tmp_path):
    broken = tmp_path / "site"
    shutil.copytree(site, broken)
    for shard in (broken / "previews").iterdir():
        shard.unlink()
    watcher = watched(page, broken)
    page.goto((broken / naming.node_path(MODEL)).as_uri())
    page.evaluate("window.lineageView.ready")
    harness.lv(page, f"select({json.dumps(MODEL)})")
    assert shown_rows(page) == [["Preview", "could not be loaded; its page shows it all"]]
    assert watcher.page_errors == [] and watcher.outside_requests == []
    assert all("ERR_FILE_NOT_FOUND" in e for e in watcher.console_errors)  # the shard only


HOSTILE_IDS = [
    "artifact:plain:v0",
    "run:𝔘𝔫𝔦𝔠𝔬𝔡𝔢-😀",
    "artifact:</script><!--\"'\\:v1",
    "run:" + "x" * 5000,
    "artifact:é\u2028\u2029:v3",
]


def test_the_browser_finds_each_nodes_shard_as_python_does(page, site, watched):
    watcher = harness.open_graph(page, site, naming.node_path(MODEL), watched)
    for count in (1, 2, 64, 512, 4096):
        for node in HOSTILE_IDS:
            call = f"LineageGraph.previews.shardOf({json.dumps(node)}, {count})"
            assert page.evaluate(call) == shard_of(node, count), (node, count)
    watcher.assert_clean()
