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
