"""The interactive lineage graph on harness pages, in a real headless Chromium, from file://.

test_site_graph.py drives the real sample site (clusters, search, pull out, URL fragment,
exports, preview, navigation). These pages, from harness.py, cover what the sample project
cannot show: a hub with 10,000 consumers, names that try to break out of the page, the
folded overview, Mermaid text equal to Python's, and a page without JavaScript.
"""

from __future__ import annotations

import pytest

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

from lineage_report import graphview

pytestmark = pytest.mark.browser

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
    out, _, watch = site
    return harness.open_graph(page, out, name, watch, fragment)


lv = harness.lv
cluster_of = harness.cluster_of
open_cluster = harness.open_cluster


@pytest.mark.parametrize("name", ["hub.html", "hostile.html", "overview.html", "types.html"])
def test_page_draws_without_errors_or_outside_requests(page, site, name):
    watcher = open_page(page, site, name)
    assert lv(page, "visibleNodeIds()")
    assert 0 < lv(page, "drawnAt") < 5000
    watcher.assert_clean()
    if name in ("overview.html", "types.html"):
        assert all(n.startswith("type:") for n in lv(page, "visibleNodeIds()"))
        assert page.locator('[data-lg="view-full"]').is_disabled()


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
    # The data and lineage-graph.js (vis-network and graph-style.js inside): no injected one.
    assert page.locator("script").count() == 2
    focus = lv(page, "state()")["focus"]
    lv(page, f"select({focus!r})")
    assert page.text_content('[data-lg="preview-title"]') == f"{harness.HOSTILE}:v0"
    watcher.assert_clean()


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
        note = page.locator("#lineage-graph > noscript")
        assert note.is_visible()
        assert note.inner_text() == (
            "The graph needs JavaScript; this page's lists show the same lineage."
        )
        assert not page.locator('[data-lg="canvas"]').is_visible()
        assert not page.locator(".lg-toolbar").is_visible()
    finally:
        ctx.close()
