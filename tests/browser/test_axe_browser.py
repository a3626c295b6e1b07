"""axe-core finds no accessibility violation on any page type of the sample site (issue 13.11).

Every page type (the index, the lists, an artifact, a type, a job type, a version, a run, the
project graph, the problems page and the 404 page) is checked in light and in dark, from
file:// in Chromium, and so is the graph with its panels, the Types popover, a highlight and
the Mermaid box open. axe-core comes from node_modules (package.json's devDependencies; `npm
ci`); the test context bypasses the pages' CSP only to inject it.
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

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_project"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build the sample project's site once for this module."""
    return build(load_config(SAMPLE), tmp_path_factory.mktemp("axe") / "site").output


def first(site: Path, pattern: str) -> str:
    """Return the first page matching a glob under the site (a page of that type)."""
    pages = sorted(p for p in site.glob(pattern) if p.name != "index.html")
    assert pages, pattern
    return str(pages[0].relative_to(site))


def page_types(site: Path) -> dict[str, str]:
    """Return one page of each type the site has, by type."""
    return {
        "index": "index.html",
        "artifact list": "artifacts/index.html",
        "run list": "runs/index.html",
        "artifact": first(site, "artifacts/*.html"),
        "type": first(site, "types/*.html"),
        "job type": first(site, "jobs/*.html"),
        "version": first(site, "versions/mnist-cnn-v6-*.html"),
        "run": first(site, "runs/*-*.html"),
        "graph": "graph.html",
        "problems": "problems.html",
        "404": "404.html",
    }


@pytest.fixture(params=["light", "dark"])
def scheme_page(request, browser):
    """Return a page in a context with the scheme's colours, where axe may be injected."""
    with harness.axe_page(browser, request.param) as page:
        yield page


violations = harness.axe_violations


def page_type_violations(page, site: Path) -> dict[str, list[str]]:
    """Return the axe violations of one page of each type, by type, where there are any."""
    found = {}
    for kind, path in page_types(site).items():
        page.goto((site / path).as_uri())
        if page.evaluate("() => Boolean(window.lineageView)"):
            page.evaluate("window.lineageView.ready")
        found[f"{kind} ({path})"] = violations(page)
    return {k: v for k, v in found.items() if v}


def test_the_site_has_every_page_type(site):
    for kind, path in page_types(site).items():
        assert (site / path).is_file(), kind


def test_no_page_type_has_an_axe_violation(scheme_page, site):
    assert page_type_violations(scheme_page, site) == {}


def test_a_key_value_tables_keys_are_row_headers(page, site):
    """A screen reader names each value by its key: the key cells' role is rowheader.

    The markup leaves out scope="row" (issue 15): a th in a column without data cells is a
    row header by HTML's table algorithm, and this checks that Chromium reads it so."""
    page.goto((site / page_types(site)["run"]).as_uri())
    config = page.locator("#config table.kv").first
    keys = config.locator("th").all_inner_texts()
    assert len(keys) > 1
    assert config.get_by_role("rowheader").all_inner_texts() == keys
    assert config.get_by_role("columnheader").count() == 0
    values = config.locator("td").all_inner_texts()
    assert config.get_by_role("cell").all_inner_texts() == values


def test_no_page_type_has_an_axe_violation_on_a_phone(browser, site):
    # On a phone a wide table scrolls inside itself: axe checks it stays reachable and a table.
    with harness.axe_page(browser, width=390, height=844) as page:
        assert page_type_violations(page, site) == {}


def test_the_graphs_panels_and_popover_have_no_axe_violation(scheme_page, site, watched):
    page = scheme_page
    harness.open_graph(page, site, "graph.html", watched)
    page.click('[data-lg="filters"] summary')
    assert violations(page) == [], "Types popover"
    page.keyboard.press("Escape")
    harness.open_cluster(page, "17 runs · train")
    assert violations(page) == [], "cluster panel"
    harness.lv(page, "select('artifact:mnist-train:v1')")
    page.fill('[data-lg="highlight"]', "+mnist-train:v1+")
    page.press('[data-lg="highlight"]', "Enter")
    page.click('[data-lg="export-mermaid"]')
    assert page.locator('[data-lg="preview"]').is_visible()
    assert violations(page) == [], "preview, highlight and Mermaid box"
