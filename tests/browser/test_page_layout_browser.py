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
