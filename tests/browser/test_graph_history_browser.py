"""The graph's history and its cluster panel's way back (issue 13, points 6 and 8).

On the sample site, from file:// in Chromium: each view change is a history entry, Back undoes
it and stays on the page, the first drawing and a change to the same view make no entry, and
typing in a box makes one; a member's preview opened from its cluster panel links back to
that panel with its filter kept; the panel's title counts what the cluster still holds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

from lineage_report.build import build
from lineage_report.config import load_config

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"
SWEEP = "17 runs · train"  # the project graph's cluster of the sweep's runs
ENTRIES = "() => history.length"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build the sample project's site once for this module."""
    return build(load_config(SAMPLE), tmp_path_factory.mktemp("history") / "site").output


def version_page(site: Path, stem: str) -> str:
    """Return the relative path of a version's page, e.g. `mnist-train-v1`."""
    return str(next((site / "versions").glob(f"{stem}-*.html")).relative_to(site))


def open_sweep(page, site: Path, watched):
    """Open mnist-train:v1's page (the sweep's runs are one cluster); return the cluster."""
    watcher = harness.open_graph(page, site, version_page(site, "mnist-train-v1"), watched)
    cluster = next(c for c in harness.lv(page, "clusters()") if c["size"] >= 10)
    return watcher, cluster


def open_cluster_panel(page, cluster: dict):
    """Click the cluster on the canvas; return its panel."""
    spot = harness.node_spot(page, cluster["id"])
    page.mouse.click(spot["x"], spot["y"])
    panel = page.locator('[data-lg="cluster"]')
    panel.wait_for(state="visible")
    return panel


def test_back_undoes_each_view_change_and_stays_on_the_page(page, site, watched):
    watcher, cluster = open_sweep(page, site, watched)
    url = page.url
    entries = page.evaluate(ENTRIES)
    panel = open_cluster_panel(page, cluster)
    member = panel.locator("li[data-node-id]").first.get_attribute("data-node-id")
    panel.locator(f'li[data-node-id="{member}"] [data-action=toggle]').click()
    assert member in harness.lv(page, "visibleNodeIds()")
    page.select_option('[data-lg="direction"]', "up")
    assert harness.lv(page, "state()")["dir"] == "up"
    assert page.evaluate(ENTRIES) == entries + 2

    page.go_back()
    page.wait_for_function("() => window.lineageView.state().dir === 'both'")
    assert harness.lv(page, "state()")["out"] == [member]
    assert page.locator('[data-lg="direction"]').input_value() == "both"
    page.go_back()
    page.wait_for_function("() => window.lineageView.state().out.length === 0")
    assert member not in harness.lv(page, "visibleNodeIds()")
    assert cluster["id"] in harness.lv(page, "visibleNodeIds()")
    assert page.url == url  # still this page, at its opening view
    # Forward redoes, and the URL holds the view (a shared link restores it, as before).
    page.go_forward()
    page.wait_for_function("() => window.lineageView.state().out.length === 1")
    assert "out=" in page.url and page.url.split("#")[0] == url.split("#")[0]
    watcher.assert_clean()


def test_no_entry_for_the_first_drawing_or_an_unchanged_view(page, site, watched):
    path = version_page(site, "mnist-train-v1")
    watcher = watched(page, site)
    page.goto((site / path).as_uri() + "#dir=down")
    page.evaluate("window.lineageView.ready")
    entries = page.evaluate(ENTRIES)
    assert harness.lv(page, "state()")["dir"] == "down"  # a shared link restores the view
    page.select_option('[data-lg="direction"]', "down")  # the same view
    page.click('[data-lg="fit"]')  # zoom and pan are not view state
    page.click('[data-lg="zoom-in"]')
    assert page.evaluate(ENTRIES) == entries
    # Typing a depth is one entry, not one per keystroke.
    page.locator('[data-lg="depth"]').press_sequentially("12", delay=50)
    page.wait_for_function("() => window.lineageView.state().depth === 12")
    assert page.evaluate(ENTRIES) == entries + 1
    page.go_back()
    page.wait_for_function("() => window.lineageView.state().depth === null")
    assert harness.lv(page, "state()")["dir"] == "down"
    watcher.assert_clean()


def test_a_members_preview_links_back_to_its_filtered_cluster(page, site, watched):
    watcher = harness.open_graph(page, site, "graph.html", watched)
    panel = harness.open_cluster(page, SWEEP)
    title = panel.locator('[data-lg="cluster-title"]')
    assert title.text_content() == SWEEP
    names = panel.locator("li[data-node-id] .lg-member-name")
    word = names.nth(1).text_content().split("-")[0]
    panel.locator('[data-lg="cluster-search"]').fill(word)
    shown = panel.locator("li[data-node-id]:visible")
    count = shown.count()
    assert 0 < count < 17
    member = shown.first.get_attribute("data-node-id")
    shown.first.locator(".lg-member-name").click()

    preview = page.locator('[data-lg="preview"]')
    preview.wait_for(state="visible")
    assert panel.is_hidden()
    back = preview.locator('[data-lg="preview-cluster"]')
    assert back.text_content() == "← Back to " + SWEEP
    back.click()
    panel.wait_for(state="visible")
    assert preview.is_hidden()
    assert panel.locator('[data-lg="cluster-search"]').input_value() == word
    assert panel.locator("li[data-node-id]:visible").count() == count
    focused = page.evaluate("() => document.activeElement.closest('li').dataset.nodeId")
    assert focused == member  # the keyboard is back where it was
    # A preview opened from the canvas has no way back to a cluster.
    page.keyboard.press("Escape")
    spot = harness.node_spot(page, "artifact:mnist-train:v1")
    page.mouse.click(spot["x"], spot["y"])
    preview.wait_for(state="visible")
    assert back.is_hidden()
    watcher.assert_clean()


def test_the_cluster_panels_title_counts_what_it_still_holds(page, site, watched):
    watcher = harness.open_graph(page, site, "graph.html", watched)
    panel = harness.open_cluster(page, SWEEP)
    title = panel.locator('[data-lg="cluster-title"]')
    toggles = panel.locator("li[data-node-id] [data-action=toggle]")
    toggles.first.click()
    assert title.text_content() == "16 runs · train"
    toggles.nth(1).click()
    assert title.text_content() == "15 runs · train"
    # The back link of a member's preview names the cluster as it stands.
    panel.locator("li[data-node-id] .lg-member-name").nth(2).click()
    back = page.locator('[data-lg="preview-cluster"]')
    assert back.text_content() == "← Back to 15 runs · train"
    back.click()
    # Back in history puts the last member back: the title counts up again.
    page.go_back()
    page.wait_for_function("() => window.lineageView.state().out.length === 1")
    assert title.text_content() == "16 runs · train"
    watcher.assert_clean()
