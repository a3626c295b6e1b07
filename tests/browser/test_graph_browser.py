"""The interactive lineage graph in a real headless Chromium, opened from file://.

Until the core site builds the sample project, the pages come from harness.py: the graph
partial rendered into bare pages with the theme's assets beside them.
"""

from __future__ import annotations

import base64

import pytest

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

from lineage_report import graphview

pytestmark = pytest.mark.browser

SWEEP = "lively-sweep-3"
TRAIN = "artifact:mnist-train:v0"


@pytest.fixture(scope="module")
def harness_site(tmp_path_factory):
    """Write the harness site once for this module; return (folder, name -> path)."""
    out = tmp_path_factory.mktemp("site")
    return out, harness.build_harness(out)


@pytest.fixture
def site(harness_site, watched):
    """Return the harness site with the watch helper: (folder, name -> path, watch)."""
    return (*harness_site, watched)


def open_page(page, site, name, fragment=""):
    """Open a harness page, wait for its first drawing; return the page's watcher."""
    out, paths, watch = site
    watcher = watch(page, out)
    page.goto(paths[name].as_uri() + fragment)
    page.evaluate("window.lineageView.ready")
    return watcher


def lv(page, call):
    """Evaluate `window.lineageView.<call>` in the page."""
    return page.evaluate(f"window.lineageView.{call}")


def cluster_of(page, label):
    """Return the cluster whose label is `label`."""
    return next(c for c in lv(page, "clusters()") if c["label"] == label)


def open_cluster(page, label):
    """Click a cluster node on the canvas; return the cluster panel locator."""
    cluster = cluster_of(page, label)
    spot = page.evaluate("id => window.lineageView.domPosition(id)", cluster["id"])
    page.mouse.click(spot["x"], spot["y"])
    panel = page.locator('[data-lg="cluster"]')
    panel.wait_for(state="visible")
    return panel


@pytest.mark.parametrize(
    "name",
    [
        "train.html",
        "model.html",
        "project.html",
        "hub.html",
        "hostile.html",
        "overview.html",
        "types.html",
    ],
)
def test_page_draws_without_errors_or_outside_requests(page, site, name):
    watcher = open_page(page, site, name)
    assert lv(page, "visibleNodeIds()")
    assert 0 < lv(page, "drawnAt") < 5000
    watcher.assert_clean()
    if name in ("overview.html", "types.html"):
        assert all(n.startswith("type:") for n in lv(page, "visibleNodeIds()"))
        assert page.locator('[data-lg="view-full"]').is_disabled()


def test_sweep_level_is_one_cluster(page, site):
    open_page(page, site, "train.html")
    sweep = cluster_of(page, "8 runs · train")
    assert sweep["size"] == 8 and sweep["kind"] == "run" and sweep["visible"]
    visible = lv(page, "visibleNodeIds()")
    assert sweep["id"] in visible
    assert not [n for n in visible if n.startswith("run:sweep-")]


def test_search_box_narrows_the_member_list(page, site):
    open_page(page, site, "train.html")
    panel = open_cluster(page, "8 runs · train")
    assert panel.get_attribute("data-cluster-size") == "8"
    assert panel.get_attribute("data-cluster-id") == cluster_of(page, "8 runs · train")["id"]
    members = panel.locator("li[data-node-id]:visible")
    assert members.count() == 8
    panel.locator('[data-lg="cluster-search"]').press_sequentially(SWEEP)
    assert members.count() == 1
    assert members.first.get_attribute("data-node-id") == "run:sweep-03"
    panel.locator('[data-lg="cluster-search"]').fill("")
    panel.locator('[data-lg="cluster-search"]').press_sequentially("RUN:SWEEP-0")
    assert members.count() == 8


def test_search_finds_a_version_by_alias(page, site):
    open_page(page, site, "train.html")
    panel = open_cluster(page, "8 versions · model")
    panel.locator('[data-lg="cluster-search"]').press_sequentially("production")
    ids = panel.locator("li[data-node-id]:visible").evaluate_all(
        "items => items.map(li => li.dataset.nodeId)"
    )
    assert ids == ["artifact:mnist-cnn:v6"]


def test_pull_out_adds_node_and_edges_and_put_back_removes_them(page, site):
    open_page(page, site, "train.html")
    models = cluster_of(page, "8 versions · model")["id"]
    panel = open_cluster(page, "8 runs · train")
    before_nodes, before_edges = lv(page, "visibleNodeIds()"), lv(page, "visibleEdges()")
    toggle = panel.locator('li[data-node-id="run:sweep-06"] [data-action="toggle"]')
    toggle.click()
    nodes, edges = lv(page, "visibleNodeIds()"), lv(page, "visibleEdges()")
    assert set(nodes) - set(before_nodes) == {"run:sweep-06"}
    assert [TRAIN, "run:sweep-06"] in edges and ["run:sweep-06", models] in edges
    assert toggle.text_content() == "Put back"
    lv(page, "extract('artifact:mnist-cnn:v6')")
    edges = lv(page, "visibleEdges()")
    assert ["run:sweep-06", "artifact:mnist-cnn:v6"] in edges
    assert ["artifact:mnist-cnn:v6", "run:deploy-1"] in edges
    page.evaluate("id => window.lineageView.collapse(id)", models)
    toggle.click()
    assert lv(page, "visibleNodeIds()") == before_nodes
    assert lv(page, "visibleEdges()") == before_edges


def test_url_fragment_restores_the_view(page, site, context):
    open_page(page, site, "train.html")
    lv(page, "extract('run:sweep-03')")
    page.select_option('[data-lg="direction"]', "down")
    page.fill('[data-lg="depth"]', "3")
    page.locator('[data-lg="filters"] summary').click()
    page.locator('[data-hide-key="run:deploy"]').uncheck()
    state, nodes = lv(page, "state()"), lv(page, "visibleNodeIds()")
    assert "out=run%3Asweep-03" in page.url and "dir=down" in page.url
    assert "run:deploy-1" not in nodes and "run:upload-1" not in nodes
    again = context.new_page()
    out, _, watch = site
    watcher = watch(again, out)
    again.goto(page.url)
    again.evaluate("window.lineageView.ready")
    assert lv(again, "state()") == state
    assert lv(again, "visibleNodeIds()") == nodes
    assert again.locator('[data-lg="depth"]').input_value() == "3"
    watcher.assert_clean()


def test_png_export_produces_an_image(page, site):
    open_page(page, site, "train.html")
    with page.expect_download() as download:
        page.click('[data-lg="export-png"]')
    assert download.value.suggested_filename == "lineage.png"
    url = page.get_attribute('[data-lg="png-link"]', "href")
    assert url.startswith("data:image/png;base64,")
    png = base64.b64decode(url.split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 1024


VIEWS = {
    "train.html": lambda g: graphview.page_graph(g, TRAIN, href=harness.sample_href),
    "types.html": graphview.type_overview,
    "hostile.html": lambda g: graphview.page_graph(
        harness.hostile_graph(), f"artifact:{harness.HOSTILE}:v0", href=harness.sample_href
    ),
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_mermaid_export_matches_python(page, site, name):
    open_page(page, site, name)
    page.click('[data-lg="export-mermaid"]')
    text = page.input_value('[data-lg="mermaid"]')
    assert text == graphview.mermaid(VIEWS[name](harness.sample_graph()))


def test_hostile_names_stay_text(page, site):
    watcher = open_page(page, site, "hostile.html")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("script").count() == 3
    focus = lv(page, "state()")["focus"]
    lv(page, f"select({focus!r})")
    assert page.text_content('[data-lg="preview-title"]') == f"{harness.HOSTILE}:v0"
    watcher.assert_clean()


def test_type_overview_toggle(page, site):
    open_page(page, site, "train.html")
    page.click('[data-lg="view-types"]')
    ids = lv(page, "visibleNodeIds()")
    assert "type:run:train" in ids and all(i.startswith("type:") for i in ids)
    assert "view=types" in page.url
    page.click('[data-lg="view-full"]')
    assert TRAIN in lv(page, "visibleNodeIds()")


def test_double_click_opens_the_node_page(page, site):
    open_page(page, site, "model.html")
    spot = page.evaluate("id => window.lineageView.domPosition(id)", TRAIN)
    page.mouse.dblclick(spot["x"], spot["y"])
    page.wait_for_url("**/train.html")


def test_hub_with_ten_thousand_consumers_draws_one_cluster(page, site):
    open_page(page, site, "hub.html")
    assert len(lv(page, "visibleNodeIds()")) < 10
    hub = cluster_of(page, "10,000 runs · train")
    assert hub["listed"] == graphview.MEMBER_CAP
    panel = open_cluster(page, "10,000 runs · train")
    assert panel.get_attribute("data-cluster-size") == "10000"
    assert "of the 10,000 members" in panel.locator('[data-lg="cluster-count"]').text_content()


def test_without_javascript_only_the_note_shows(browser, harness_site):
    ctx = browser.new_context(java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto(harness_site[1]["train.html"].as_uri())
        assert page.locator(".lg-noscript").is_visible()
        assert not page.locator('[data-lg="canvas"]').is_visible()
        assert not page.locator(".lg-toolbar").is_visible()
    finally:
        ctx.close()
