"""A split site (`build --split-by project`) in a real headless Chromium, from file://.

A page of one part draws its neighbours from another part, and a double click on one opens
its page there; the hub's link opens a part; search in a part finds its own runs. Nothing
is fetched from outside the output folder and no script fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config
from tests.test_split import ALPHA, BETA, two_projects

pytestmark = pytest.mark.browser

CLEAN, B1 = "artifact:clean:v0", "run:b1"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build the two-project site split by project, once."""
    root = tmp_path_factory.mktemp("split")
    out = root / "site"
    build(load_config(two_projects(root / "project"), split_by="project"), out)
    return out


def test_a_neighbour_in_another_part_is_drawn_and_opens_there(page, site, watched):
    watcher = harness.open_graph(page, site, f"{BETA}/{naming.node_path(B1)}", watched)
    assert CLEAN in harness.lv(page, "visibleNodeIds()")
    spot = harness.node_spot(page, CLEAN)
    page.mouse.dblclick(spot["x"], spot["y"])
    page.wait_for_url("**/" + f"{ALPHA}/{naming.node_path(CLEAN)}")
    page.evaluate("window.lineageView.ready")
    assert harness.lv(page, "state()")["focus"] == CLEAN
    assert B1 in harness.lv(page, "visibleNodeIds()")  # and back: b1 drawn from alpha
    watcher.assert_clean()


def test_the_hub_opens_a_part_whose_search_finds_its_runs(page, site, watched):
    watcher = watched(page, site)
    page.goto((site / naming.INDEX).as_uri())
    page.click("text=beta")
    page.wait_for_url(f"**/{BETA}/index.html")
    page.fill("#lr-search", "b2")
    page.wait_for_selector("#lr-search-results li")
    titles = page.locator("#lr-search-results .search-title").all_inner_texts()
    assert "b2" in titles
    watcher.assert_clean()
