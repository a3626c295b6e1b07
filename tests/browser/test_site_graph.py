"""The lineage graph of the real sample site, built once, opened from file:// in Chromium.

These tests drive the pages people get from `lineage-report build sample_project`: a version
page, a run page and the project graph, with the site's own templates, assets and data.
The pages harness.py writes stay for what the sample project cannot show (10,000 consumers,
hostile names, the Python/JS Mermaid agreement).
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"

TRAIN = "artifact:mnist-train:v1"  # the sweep's data: its page shows the sweep as one level
MODEL = "artifact:mnist-cnn:v6"  # the `best` model, logged by dainty-forest-19
RUN = "run:s472we7t"  # dainty-forest-19, one of the sixteen sweep runs
SWEEP = "16 runs · train"
MODELS = "14 versions · model"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GRAPH_PAGES = {
    "version": naming.node_path(MODEL),
    "sweep data": naming.node_path(TRAIN),
    "run": naming.node_path(RUN),
    "external": naming.node_path("artifact:imagenet-resnet18:v0"),
    "project": naming.GRAPH,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build the sample project's site once for this module, into its own folder."""
    return build(load_config(SAMPLE), tmp_path_factory.mktemp("site") / "site").output


@pytest.fixture
def open_graph(page, site, watched):
    """Return `open_graph(path, fragment="", tab=page)`: open a site page, wait, watch it."""

    def opener(path: str, fragment: str = "", tab=None):
        return harness.open_graph(tab or page, site, path, watched, fragment)

    return opener


@pytest.fixture
def sweep_runs(sample_lineage) -> list[str]:
    """Return the ids of the training runs that used mnist-train:v1 (the sweep)."""
    used_by = sample_lineage.artifact(TRAIN.split(":", 1)[1]).used_by()
    return sorted(run.id for run in used_by if run.job_type == "train")


@pytest.mark.parametrize("name", sorted(GRAPH_PAGES))
def test_graph_draws_without_errors_or_outside_requests(page, open_graph, name):
    watcher = open_graph(GRAPH_PAGES[name])
    nodes = harness.lv(page, "visibleNodeIds()")
    assert nodes and harness.lv(page, "visibleEdges()")
    assert 0 < harness.lv(page, "drawnAt") < 5000
    state = harness.lv(page, "state()")
    if name == "project":
        assert state["focus"] is None
    else:
        assert state["focus"] in nodes
    watcher.assert_clean()


def test_sweep_level_is_one_cluster(page, open_graph, sweep_runs):
    open_graph(GRAPH_PAGES["sweep data"])
    assert len(sweep_runs) == 16
    sweep = harness.cluster_of(page, SWEEP)
    assert (sweep["size"], sweep["listed"], sweep["kind"], sweep["group"]) == (
        16,
        16,
        "run",
        "train",
    )
    assert sweep["visible"] and sweep["out"] == []
    visible = harness.lv(page, "visibleNodeIds()")
    assert sweep["id"] in visible and not set(sweep_runs) & set(visible)
    panel = harness.open_cluster(page, SWEEP)
    assert panel.get_attribute("data-cluster-id") == sweep["id"]
    assert panel.get_attribute("data-cluster-size") == "16"
    members = panel.locator("li[data-node-id]").evaluate_all("li => li.map(x => x.dataset.nodeId)")
    assert sorted(members) == sweep_runs


def test_project_graph_clusters_the_sweep_and_expands_all(page, open_graph):
    open_graph(GRAPH_PAGES["project"])
    clusters = harness.lv(page, "clusters()")
    assert {c["label"] for c in clusters} >= {"17 runs · train", "15 versions · model"}
    before = harness.lv(page, "visibleNodeIds()")
    page.click('[data-lg="expand-all"]')
    members = {m for c in clusters for m in harness.cluster_of(page, c["label"])["out"]}
    assert len(members) == sum(c["size"] for c in clusters)
    assert members <= set(harness.lv(page, "visibleNodeIds()"))
    page.click('[data-lg="collapse-all"]')
    assert harness.lv(page, "visibleNodeIds()") == before


def test_search_box_narrows_the_member_list(page, open_graph):
    open_graph(GRAPH_PAGES["sweep data"])
    panel = harness.open_cluster(page, SWEEP)
    search = panel.locator('[data-lg="cluster-search"]')
    members = panel.locator("li[data-node-id]:visible")
    assert members.count() == 16
    search.press_sequentially("dainty")
    assert members.count() == 1
    assert members.first.get_attribute("data-node-id") == RUN
    assert "1 of 16 shown" in panel.locator('[data-lg="cluster-count"]').text_content()
    search.fill("")
    search.press_sequentially("RUN:S472")  # ids match too, whatever the case
    assert members.count() == 1
    search.fill("")
    search.press_sequentially("no such run")
    assert members.count() == 0
    search.fill("")
    assert members.count() == 16


def test_search_finds_a_version_by_alias(page, open_graph):
    open_graph(GRAPH_PAGES["sweep data"])
    panel = harness.open_cluster(page, MODELS)
    panel.locator('[data-lg="cluster-search"]').press_sequentially("best")
    ids = panel.locator("li[data-node-id]:visible").evaluate_all(
        "items => items.map(li => li.dataset.nodeId)"
    )
    assert ids == [MODEL]


def test_pull_out_adds_node_and_edges_and_put_back_removes_them(page, open_graph):
    open_graph(GRAPH_PAGES["sweep data"])
    models = harness.cluster_of(page, MODELS)["id"]
    panel = harness.open_cluster(page, SWEEP)
    before_nodes = harness.lv(page, "visibleNodeIds()")
    before_edges = harness.lv(page, "visibleEdges()")
    toggle = panel.locator(f'li[data-node-id="{RUN}"] [data-action="toggle"]')
    toggle.click()
    nodes, edges = harness.lv(page, "visibleNodeIds()"), harness.lv(page, "visibleEdges()")
    assert set(nodes) - set(before_nodes) == {RUN}
    added = [e for e in edges if e not in before_edges]
    assert sorted(added) == sorted([[TRAIN, RUN], [RUN, models]])
    assert toggle.text_content() == "Put back"
    assert harness.cluster_of(page, SWEEP)["out"] == [RUN]
    harness.lv(page, f"extract({MODEL!r})")  # its model, so the lineage can be followed on
    edges = harness.lv(page, "visibleEdges()")
    assert [RUN, MODEL] in edges and [RUN, models] not in edges
    assert [MODEL, "run:m87bmxdj"] in edges  # jolly-cloud-30 evaluated it
    page.evaluate("id => window.lineageView.collapse(id)", models)
    toggle.click()
    assert toggle.text_content() == "Pull out"
    assert harness.lv(page, "visibleNodeIds()") == before_nodes
    assert harness.lv(page, "visibleEdges()") == before_edges


def test_url_fragment_restores_the_view(page, context, open_graph):
    open_graph(GRAPH_PAGES["sweep data"])
    panel = harness.open_cluster(page, SWEEP)
    panel.locator(f'li[data-node-id="{RUN}"] [data-action="toggle"]').click()
    page.select_option('[data-lg="direction"]', "down")
    page.fill('[data-lg="depth"]', "3")
    page.locator('[data-lg="filters"] summary').click()
    page.locator('[data-hide-key="run:deploy"]').uncheck()
    state = harness.lv(page, "state()")
    nodes, edges = harness.lv(page, "visibleNodeIds()"), harness.lv(page, "visibleEdges()")
    assert state["out"] == [RUN] and state["hide"] == ["run:deploy"]
    assert "out=run%3As472we7t" in page.url and "dir=down" in page.url
    assert "run:tomowm6f" not in nodes  # the deploy run is filtered out
    assert "run:g1cknx5p" not in nodes  # the split run is upstream
    fragment = "#" + page.url.split("#", 1)[1]
    again = context.new_page()
    watcher = open_graph(GRAPH_PAGES["sweep data"], fragment, tab=again)
    assert harness.lv(again, "state()") == state
    assert harness.lv(again, "visibleNodeIds()") == nodes
    assert harness.lv(again, "visibleEdges()") == edges
    assert again.locator('[data-lg="depth"]').input_value() == "3"
    assert again.locator('[data-lg="direction"]').input_value() == "down"
    assert not again.locator('[data-hide-key="run:deploy"]').is_checked()
    watcher.assert_clean()


def test_hand_written_fragment_opens_that_view(page, open_graph):
    watcher = open_graph(GRAPH_PAGES["version"], "#dir=up&depth=1")
    assert harness.lv(page, "visibleNodeIds()") == [MODEL, RUN]
    assert harness.lv(page, "visibleEdges()") == [[RUN, MODEL]]
    watcher.assert_clean()


def test_type_overview_toggle(page, open_graph):
    open_graph(GRAPH_PAGES["sweep data"])
    page.click('[data-lg="view-types"]')
    ids = harness.lv(page, "visibleNodeIds()")
    assert "type:run:train" in ids and all(i.startswith("type:") for i in ids)
    assert "view=types" in page.url
    page.click('[data-lg="view-full"]')
    assert TRAIN in harness.lv(page, "visibleNodeIds()")


def test_png_export_produces_an_image(page, open_graph):
    watcher = open_graph(GRAPH_PAGES["sweep data"])
    with page.expect_download() as download:
        page.click('[data-lg="export-png"]')
    assert download.value.suggested_filename == "lineage.png"
    png = Path(download.value.path()).read_bytes()
    assert png[:8] == PNG_SIGNATURE and len(png) > 1024
    url = page.get_attribute('[data-lg="png-link"]', "href")
    assert base64.b64decode(url.split(",", 1)[1]) == png
    watcher.assert_clean()


def test_click_opens_a_preview_with_a_link_to_the_page(page, site, open_graph):
    watcher = open_graph(GRAPH_PAGES["run"])
    spot = harness.node_spot(page, MODEL)
    page.mouse.click(spot["x"], spot["y"])
    preview = page.locator('[data-lg="preview"]')
    preview.wait_for(state="visible")
    assert preview.locator('[data-lg="preview-title"]').text_content() == "mnist-cnn:v6"
    assert "artifact · model" in preview.locator('[data-lg="preview-kind"]').text_content()
    rows = preview.locator('[data-lg="preview-rows"]').text_content()
    assert "best" in rows and "dainty-forest-19" in rows
    link = preview.locator('[data-lg="preview-link"]')
    assert link.evaluate("a => a.href") == (site / GRAPH_PAGES["version"]).as_uri()
    link.click()
    page.wait_for_url("**/" + GRAPH_PAGES["version"])
    page.evaluate("window.lineageView.ready")
    assert harness.lv(page, "state()")["focus"] == MODEL
    watcher.assert_clean()


def test_double_click_opens_the_node_page(page, open_graph):
    watcher = open_graph(GRAPH_PAGES["version"])
    spot = harness.node_spot(page, RUN)
    page.mouse.dblclick(spot["x"], spot["y"])
    page.wait_for_url("**/" + GRAPH_PAGES["run"])
    page.evaluate("window.lineageView.ready")
    assert harness.lv(page, "state()")["focus"] == RUN
    watcher.assert_clean()
