"""A cluster's search finds every member (issue 13, point 5), in Chromium from file://.

A built site where 4,500 runs use one dataset: its version page draws them as one cluster
that embeds a few; opening the cluster loads its member file (a <script>: file:// forbids
fetch), the filter covers all 4,500 ("3 of 4,500"), results come a hundred at a time, a
member the page did not embed can be pulled out with its edge, kept in the URL and drawn
again after a reload.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

from lineage_report import graphview, naming
from lineage_report.build import build
from lineage_report.config import load_config
from tests.factories import art, manifest, write_project

pytestmark = pytest.mark.browser

BIG = 4_500
HUB = "artifact:hub-data:v0"
LABEL = "4,500 runs · train"
NEEDLES = ("run:needle-1", "run:needle-2", "run:needle-3")  # the oldest: none embedded
GRAPH_DATA = re.compile(
    r'<script type="application/json" id="lineage-graph-data">(.*?)</script>', re.S
)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build a project of a dataset used by 4,500 train runs, three named `needle-N`."""
    runs = {"runs/make.json": manifest("make", 0, logged=[art("hub-data")], job_type="prep")}
    for i in range(BIG - len(NEEDLES)):
        runs[f"runs/c{i:05d}.json"] = manifest(
            f"c{i:05d}", 5 + i % 50, used=["hub-data:v0"], name=f"consumer-{i:05d}"
        )
    for n, needle in enumerate(NEEDLES, 1):
        run_id = needle.removeprefix("run:")
        runs[f"runs/{run_id}.json"] = manifest(run_id, 1, used=["hub-data:v0"], name=f"needle {n}")
    root = write_project(tmp_path_factory.mktemp("members") / "project", runs)
    return build(load_config(root), root / "site").output


def hub_page(site: Path) -> str:
    """Return the dataset's page, whose cluster embeds none of the needles."""
    path = naming.node_path(HUB)
    data = graphview.read_page_file(site / path)
    embedded = {e["id"] for e in data["nodes"] if "c" in e}
    assert embedded and embedded.isdisjoint(NEEDLES)
    return path


def open_loaded_cluster(page):
    """Open the big cluster's panel and wait until it has every member."""
    panel = harness.open_cluster(page, LABEL)
    count = panel.locator('[data-lg="cluster-count"]')
    page.wait_for_function(
        "() => document.querySelector('[data-lg=\"cluster-count\"]').textContent"
        ".includes('searchable')"
    )
    assert count.text_content().startswith("4,500 of 4,500 shown")
    return panel


def test_the_filter_covers_every_member_and_pulls_one_out(page, site, watched):
    watcher = harness.open_graph(page, site, hub_page(site), watched)
    panel = open_loaded_cluster(page)
    panel.locator('[data-lg="cluster-search"]').fill("needle")
    count = panel.locator('[data-lg="cluster-count"]').text_content()
    assert count.startswith("3 of 4,500 shown")
    items = panel.locator("li[data-node-id]")
    assert sorted(items.evaluate_all("els => els.map(e => e.dataset.nodeId)")) == list(NEEDLES)
    panel.locator('li[data-node-id="run:needle-2"] [data-action=toggle]').click()
    assert "run:needle-2" in harness.lv(page, "visibleNodeIds()")
    assert [HUB, "run:needle-2"] in harness.lv(page, "visibleEdges()")
    assert "out=run%3Aneedle-2" in page.url
    cluster = harness.cluster_of(page, "4,500 runs · train")
    label = page.evaluate(
        "id => window.lineageView.network.body.data.nodes.get(id).label", cluster["id"]
    )
    assert "4,499 runs" in label  # the cluster counts what it still holds
    # Its name opens its preview, which leads back to the filtered panel.
    panel.locator('li[data-node-id="run:needle-3"] [data-action=show]').click()
    preview = page.locator('[data-lg="preview"]')
    assert preview.locator('[data-lg="preview-title"]').text_content() == "needle 3"
    page.wait_for_function(
        "() => document.querySelector('[data-lg=\"preview-rows\"]').textContent.includes('Started')"
    )
    link = preview.locator('[data-lg="preview-link"]').get_attribute("href")
    assert link == "../" + naming.node_path("run:needle-3") and (site / link[3:]).is_file()
    preview.locator('[data-lg="preview-cluster"]').click()
    assert panel.locator('[data-lg="cluster-search"]').input_value() == "needle"
    # A reload loads the member file again and draws the member the URL pulls out.
    page.reload()
    page.evaluate("window.lineageView.ready")
    page.wait_for_function("() => window.lineageView.visibleNodeIds().includes('run:needle-2')")
    assert [HUB, "run:needle-2"] in harness.lv(page, "visibleEdges()")
    assert harness.lv(page, "state()")["out"] == ["run:needle-2"]
    watcher.assert_clean()


def test_results_come_a_hundred_at_a_time(page, site, watched):
    watcher = harness.open_graph(page, site, hub_page(site), watched)
    panel = open_loaded_cluster(page)
    items = panel.locator("li[data-node-id]")
    where = panel.locator('[data-lg="cluster-page"]')
    assert items.count() == 100 and where.text_content() == "1\u2013100 of 4,500"
    first = items.nth(0).get_attribute("data-node-id")
    previous, following = (
        panel.locator('[data-lg="cluster-prev"]'),
        panel.locator('[data-lg="cluster-next"]'),
    )
    assert previous.is_disabled()
    following.click()
    assert where.text_content() == "101\u2013200 of 4,500"
    assert items.nth(0).get_attribute("data-node-id") != first
    following.focus()  # by keyboard: the button keeps the focus as the list changes
    page.keyboard.press("Enter")
    assert where.text_content() == "201\u2013300 of 4,500"
    previous.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert where.text_content() == "1\u2013100 of 4,500" and previous.is_disabled()
    assert items.nth(0).get_attribute("data-node-id") == first
    panel.locator('[data-lg="cluster-search"]').fill("consumer-0448")  # ten matches
    assert where.is_hidden() or panel.locator('[data-lg="cluster-pager"]').is_hidden()
    assert items.count() == 10
    watcher.assert_clean()


def test_a_member_file_that_fails_to_load_keeps_the_embedded_members(page, site, watched):
    folder = site / "members"
    away = site.parent / "members-away"
    shutil.move(folder, away)
    try:
        harness.open_graph(page, site, hub_page(site), watched)
        panel = harness.open_cluster(page, LABEL)
        page.wait_for_function(
            "() => document.querySelector('[data-lg=\"cluster-count\"]').textContent"
            ".includes('could not be loaded')"
        )
        count = panel.locator('[data-lg="cluster-count"]').text_content()
        listed = panel.locator("li[data-node-id]").count()
        assert listed == 100 and "members could not be loaded" in count
        assert "tables below" not in count
    finally:
        shutil.move(away, folder)
