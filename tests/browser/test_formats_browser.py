"""What a reader sees in Chromium reads as the page does: graph previews, graph labels and the
search box's count show the values formatted in Python (lineage_report/formats.py), as given.
"""

from __future__ import annotations

from pathlib import Path

import pytest

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

from lineage_report import naming
from tests.test_formats import BIG, LONG_RUN, fields, formats_site, page_of

pytestmark = pytest.mark.browser

SEARCH_STATUS = "[data-lineage-search] [role=status]"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build the project of test_formats once for this module."""
    return formats_site(tmp_path_factory.mktemp("formats"))


# The preview's rows, read at once, once its preview file has come ("loading…" until then):
# read a list at a time, the terms could be the last node's and the values this one's.
PREVIEW_ROWS = """() => {
  const rows = document.querySelector('[data-lg="preview-rows"]');
  const title = document.querySelector('[data-lg="preview-title"]');
  if (!rows || !title || !title.textContent || rows.textContent.includes('loading\u2026')) {
    return null;
  }
  const terms = [...rows.querySelectorAll('dt')].map((e) => e.textContent);
  const values = [...rows.querySelectorAll('dd')].map((e) => e.textContent);
  return terms.length === values.length ? [terms, values] : null;
}"""


def preview_of(page, node_id: str) -> dict[str, str]:
    """Click a node on the canvas; return its preview panel's rows as the reader sees them."""
    spot = harness.node_spot(page, node_id)
    page.mouse.click(spot["x"], spot["y"])
    page.wait_for_function("id => window.lineageView.selected() === id", arg=node_id)
    page.locator('[data-lg="preview"]').wait_for(state="visible")
    terms, values = page.wait_for_function(PREVIEW_ROWS).json_value()
    return dict(zip(terms, values, strict=True))


def label_of(page, node_id: str) -> str:
    """Return the label vis-network draws for a node."""
    return page.evaluate("id => window.lineageView.network.body.data.nodes.get(id).label", node_id)


def test_previews_read_as_the_pages(page, site, watched):
    run_page, version_page = fields(page_of(site, LONG_RUN)), fields(page_of(site, BIG))
    watcher = harness.open_graph(page, site, naming.node_path(BIG), watched)
    run = preview_of(page, LONG_RUN)
    assert (run["Started"], run["Duration"]) == ("2026-11-20 10:00:00 UTC", "1h 1m 5s")
    assert (run["Started"], run["Duration"]) == (run_page["Started"], run_page["Duration"])
    version = preview_of(page, BIG)
    assert (version["Size"], version["Files"]) == ("1.2 MB", "1,234")
    for label in ("Size", "Files", "Created"):
        assert version[label] == version_page[label]
    watcher.assert_clean()


def test_cluster_and_type_nodes_show_their_counts_as_given(page, site, watched):
    watcher = harness.open_graph(page, site, naming.node_path(BIG), watched)
    (cluster,) = harness.lv(page, "clusters()")
    assert label_of(page, cluster["id"]) == "<i>eval</i>\n<b>6 runs</b>"
    watcher.assert_clean()
    watcher = harness.open_graph(page, site, naming.node_path(BIG), watched, "#view=types")
    assert label_of(page, "type:run:eval") == "<i>eval</i>\n<b>6 runs</b>"
    assert preview_of(page, "type:run:eval") == {"Count": "6 runs"}
    watcher.assert_clean()


@pytest.mark.parametrize(("query", "status"), [("long", "1 result"), ("big", "2 results")])
def test_the_search_box_counts_its_results_in_words(page, site, watched, query, status):
    watcher = watched(page, site)
    page.goto((site / naming.INDEX).as_uri())
    page.fill("#lr-search", query)  # loads the index, then searches what was typed
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel).textContent === text",
        arg=[SEARCH_STATUS, status],
    )
    watcher.assert_clean()
