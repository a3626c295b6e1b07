"""Data quality and column lineage in a real headless Chromium (issue 12 points 4 and 5).

The site is built from real OpenLineage events: a `dbt test` whose assertions partly fail
and Hive's CTAS-with-join column lineage (tests/data/*/SOURCE.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.graphview import style
from tests.factories import write_project
from tests.test_data_quality import FIRST_MODEL, project_files

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build the dbt test events and Hive's column-lineage event into one site."""
    root = write_project(tmp_path_factory.mktemp("project"), project_files())
    return build(load_config(root), tmp_path_factory.mktemp("site") / "site").output


def version_page(site: Path, title_part: str) -> Path:
    """Return the one version page whose <h1> contains `title_part`."""
    heading = re.compile(r"<h1>(.*?)</h1>")
    (found,) = [
        p
        for p in sorted((site / "versions").glob("*.html"))
        if title_part in heading.search(p.read_text(encoding="utf-8")).group(1)
    ]
    return found


def test_failing_assertions_show_a_badge_and_a_checks_table(page, site, watched):
    watcher = watched(page, site)
    page.goto(version_page(site, FIRST_MODEL).as_uri())
    badge = page.locator("h1 .check-badge")
    assert badge.is_visible() and badge.inner_text() == "3 failing checks"
    assert page.locator("nav.tabs a[href='#checks']").is_visible()
    table = page.locator("#checks table.checks")
    assert table.is_visible()
    failed = table.locator("tr.check-fail")
    assert failed.count() == 3
    assert failed.last.locator("td").nth(1).inner_text() == "unique"
    assert failed.last.locator("td").nth(2).inner_text() == "id"
    color = failed.first.locator(".status").evaluate("e => getComputedStyle(e).color")
    assert color != page.locator("h1").evaluate("e => getComputedStyle(e).color")
    watcher.assert_clean()


def test_search_results_carry_the_failing_badge(page, site, watched):
    watcher = watched(page, site)
    page.goto(version_page(site, FIRST_MODEL).as_uri())
    page.fill("#lr-search", "test_first_dbt_model")
    page.wait_for_selector("#lr-search-results li")
    badges = page.locator("#lr-search-results .badge.check-badge").all_inner_texts()
    assert "3 failing checks" in badges
    watcher.assert_clean()


def test_column_lineage_table_links_the_input_dataset_page(page, site, watched):
    watcher = watched(page, site)
    page.goto(version_page(site, "test.xxx").as_uri())
    assert page.locator("#schema table.columns tbody tr").count() == 2
    rows = page.locator("#schema table.column-lineage tbody tr")
    assert rows.count() == 2
    name_row = rows.filter(has=page.locator("td:first-child", has_text="name"))
    assert name_row.locator("td").nth(4).inner_text() == "IDENTITY"
    link = name_row.locator("a")
    target = link.inner_text()
    assert target.endswith("test.t2")
    link.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == target
    watcher.assert_clean()


def test_column_view_opens_a_columns_upstream_trace(page, site, watched):
    watcher = watched(page, site)
    page.goto(version_page(site, "test.yyy").as_uri())
    trace = page.locator("details.column-trace", has=page.locator("summary code", has_text="key"))
    assert not trace.locator("table").is_visible()
    trace.locator("summary").click()
    rows = trace.locator("tbody tr")
    assert rows.count() == 2 and rows.nth(1).locator("td").first.inner_text() == "2"
    rows.nth(1).locator("a").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().endswith("test.t1:latest")
    watcher.assert_clean()


def test_a_version_with_failing_checks_is_marked_red_on_the_graph(page, site, watched):
    watcher = watched(page, site)
    page.goto((site / naming.GRAPH).as_uri())
    page.evaluate("window.lineageView.ready")
    page.evaluate("window.lineageView.expandAll()")  # the external inputs form a cluster

    def marked(text: str) -> dict:
        found = page.evaluate(
            "(text) => window.lineageView.network.body.data.nodes.get()"
            ".filter(n => n.label.includes(text))"
            ".map(n => [n.id, n.label.split('\\n').pop(), n.color.border])",
            text,
        )
        # Versions only: a failed run is marked too (test_run_states_browser.py).
        return {
            node.split(".")[-1].split(":")[0]: rest
            for node, *rest in found
            if node.startswith("artifact:")
        }

    # Opened whole, labels are short: the failing count stays, with the red border.
    assert marked("\u2717") == {
        "test_first_dbt_model": ["<code>\u2717 3</code>", style.FAILING],
        "test_second_dbt_model": ["<code>\u2717 1</code>", style.FAILING],
    }
    for _ in range(8):  # zoomed in, the full labels say it in words
        page.click('[data-lg="zoom-in"]')
    assert marked("failing check") == {
        "test_first_dbt_model": ["<code>3 failing checks</code>", style.FAILING],
        "test_second_dbt_model": ["<code>1 failing check</code>", style.FAILING],
    }
    widths = page.evaluate(
        "window.lineageView.network.body.data.nodes.get()"
        ".filter(n => n.label.includes('failing check')).map(n => n.borderWidth)"
    )
    assert widths == [3, 3]
    watcher.assert_clean()
