"""Where a page puts its lineage, in a real headless Chromium (issue 13 point 3).

A W&B user looks at lineage first: on every version and run page of the sample site the
Lineage section follows the overview, and its graph starts within the first screen and a
half at 1280x800 (it started 2,000+ px down, below the metadata, files and usage tables).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lineage_report.build import build
from lineage_report.config import load_config

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build the sample project's site once for this module."""
    out = tmp_path_factory.mktemp("layout") / "site"
    build(load_config(SAMPLE), out)
    return out


def node_pages(site: Path) -> list[Path]:
    """Return every version and run page of the site."""
    pages = [*sorted((site / "versions").glob("*.html")), *sorted((site / "runs").glob("*.html"))]
    return [p for p in pages if p.name != "index.html"]


def test_lineage_comes_right_after_the_overview_on_every_node_page(page, site: Path, watched):
    pages = node_pages(site)
    assert len(pages) == 64  # 30 versions, 1 external input, 33 runs
    page.set_viewport_size({"width": 1280, "height": 800})
    tops = {}
    for path in pages:
        watcher = watched(page, site)
        page.goto(path.as_uri())
        order = page.evaluate(
            "() => [...document.querySelectorAll('main > section, body > section, section[id]')]"
            ".filter((s) => s.parentElement.closest('section') === null).map((s) => s.id)"
        )
        assert order[:2] == ["overview", "lineage"], (path.name, order)
        tabs = page.evaluate(
            "() => [...document.querySelectorAll('nav.tabs a')].map((a) => a.textContent)"
        )
        assert tabs[:2] == ["Overview", "Lineage"], (path.name, tabs)
        tops[path.name] = page.evaluate(
            "() => document.querySelector('#lineage [data-lg=\"canvas\"]')"
            ".getBoundingClientRect().top"
        )
        watcher.assert_clean()
    assert max(tops.values()) < 1.5 * 800, sorted(tops.items(), key=lambda t: -t[1])[:3]


# The characters of a text node, one after another, that the line changes after, where the
# one before the break is a letter or a digit: a name broken mid-word.
MID_WORD_BREAKS = """() => {
  const found = [];
  const cells = document.querySelectorAll('main td, main th');
  for (const cell of cells) {
    if (cell.closest('table.kv')) continue;  // config and metadata values may break anywhere
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent;
      let top = null;
      for (let i = 0; i < text.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (!rect) continue;
        if (top !== null && rect.top > top + 2 && /[A-Za-z0-9]/.test(text[i - 1] || '')
            && /[A-Za-z0-9]/.test(text[i])) {
          found.push(text.slice(Math.max(0, i - 12), i) + '|' + text.slice(i, i + 12));
        }
        top = rect.top;
      }
    }
  }
  return found;
}"""

DBT_TEST = Path(__file__).resolve().parents[1] / "data" / "openlineage-dbt-test"


@pytest.fixture(scope="module")
def dbt_site(tmp_path_factory) -> Path:
    """Build OpenLineage's dbt test fixture: long test and model names in its checks table."""
    out = tmp_path_factory.mktemp("layout-dbt") / "site"
    build(load_config(DBT_TEST), out)
    return out


@pytest.mark.parametrize("width", [1280, 390])
def test_no_name_breaks_mid_word_in_tables(page, site: Path, dbt_site: Path, width: int):
    page.set_viewport_size({"width": width, "height": 800})
    broken = {}
    for root in (site, dbt_site):
        for path in node_pages(root):
            page.goto(path.as_uri())
            found = page.evaluate(MID_WORD_BREAKS)
            if found:
                broken[path.name] = found[:3]
    assert broken == {}


# How far the page is wider than the window, and the widest thing that is not inside a
# box that scrolls by itself (a wide table scrolls inside itself on a phone).
SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  let widest = null;
  for (const el of document.querySelectorAll('main *, header *, footer *')) {
    const right = el.getBoundingClientRect().right;
    let inner = el.parentElement;
    while (inner && getComputedStyle(inner).overflowX === 'visible') inner = inner.parentElement;
    const clipped = inner && inner !== document.documentElement && inner !== document.body;
    if (!clipped && right > width + 1 && (!widest || right > widest.right)) {
      widest = { right: Math.round(right), tag: el.localName, cls: String(el.className) };
    }
  }
  return { over: document.documentElement.scrollWidth - width, widest };
}"""


def one_page_of_each_type(site: Path) -> list[Path]:
    """Return the site's pages: those at its root, and the first two of each folder."""
    pages = sorted(site.glob("*.html"))
    for folder in sorted(p for p in site.iterdir() if p.is_dir()):
        pages += sorted(folder.glob("*.html"))[:2]
    return pages


def test_no_page_scrolls_sideways_on_a_phone(page, site: Path, dbt_site: Path, watched):
    page.set_viewport_size({"width": 390, "height": 844})
    wide = {}
    for root in (site, dbt_site):
        for path in one_page_of_each_type(root):
            watcher = watched(page, root)
            page.goto(path.as_uri())
            found = page.evaluate(SIDEWAYS)
            if found["over"] > 0 or found["widest"]:
                wide[str(path.relative_to(root))] = found
            watcher.assert_clean()
    assert wide == {}


def test_the_types_popover_stays_on_a_phones_screen(page, site: Path):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto((site / "graph.html").as_uri())
    page.locator(".lg-filters summary").click()
    box = page.locator(".lg-popover").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert page.locator("[data-lg=filter-run] input").first.is_visible()


LONG_PATH = "/".join(["a-very-long-folder-name-without-spaces"] * 12) + "/manifest.json"


def test_the_problems_table_fits_a_desktop_window_with_long_paths(page, tmp_path: Path):
    project = tmp_path / "project"
    bad = project / LONG_PATH
    bad.parent.mkdir(parents=True)
    bad.write_text('{"run": {"id": "' + "x" * 300 + '"}}')
    build(load_config(project), tmp_path / "site")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto((tmp_path / "site" / "problems.html").as_uri())
    assert page.evaluate(SIDEWAYS) == {"over": 0, "widest": None}
    kind = page.locator("table.problems td:last-child").first.bounding_box()
    assert kind["x"] + kind["width"] <= 1280
