"""A job type's runs table in a real headless Chromium, from file:// (issue 13 point 10).

On a generated job type of 10,000 runs (tests/test_runs_table.py): one table of every run,
50 rows a page, sortable by any column (numbers numerically), filtered by state and name,
the view kept in the URL fragment; without JavaScript the paged list is the view.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.views import PAGE_SIZE
from tests.browser import harness
from tests.factories import manifest, write_project
from tests.test_runs_table import HOSTILE, RUNS, lr_of, runs_project, state_of

pytestmark = pytest.mark.browser

SHOWN = "() => !document.getElementById('runs-table').hidden"
RANGE = "#rt-range"
ROWS = "#rt-table tbody tr"


@pytest.fixture(scope="module")
def big_site(tmp_path_factory) -> Path:
    """Build the generated 10,000-run project once for this module."""
    root = tmp_path_factory.mktemp("runs10k-browser")
    build(load_config(runs_project(root / "p")), root / "site")
    return root / "site"


def open_table(page, site: Path, watched, fragment: str = ""):
    """Open the `train` job type's page and wait for its table; return the watcher."""
    watcher = watched(page, site)
    page.goto((site / naming.job_type_path("train")).as_uri() + fragment)
    page.wait_for_function(SHOWN)
    return watcher


def column(page, index: int) -> list[str]:
    """Return the texts of one column of the table's shown rows."""
    return page.locator(f"{ROWS} td:nth-child({index + 1})").all_inner_texts()


def headers(page) -> list[str]:
    """Return the header cells' texts, without the sort arrows."""
    return [
        t.replace("▲", "").replace("▼", "").strip()
        for t in page.locator("#rt-table th").all_inner_texts()
    ]


def sort_by(page, column_id: str) -> None:
    """Click a column's header button."""
    page.click(f'#rt-table th button[data-column="{column_id}"]')


def test_one_table_holds_every_run_fifty_a_page(page, watched, big_site):
    watcher = open_table(page, big_site, watched)
    assert page.inner_text(RANGE) == "1–50 of 10,000"
    assert page.locator(ROWS).count() == 50
    assert page.locator("#runs-list").is_hidden()  # the paged list gives way to the table
    assert column(page, 0)[:2] == ["run-9999", "run-9998"]  # newest first, as the list
    page.click("#rt-next")
    assert page.inner_text(RANGE) == "51–100 of 10,000"
    page.click("#rt-last")
    assert page.inner_text(RANGE) == "9,951–10,000 of 10,000"
    assert page.locator("#rt-next").is_disabled()
    page.click(f"{ROWS} >> nth=0 >> a")
    assert page.url.endswith(naming.node_path("run:r00049"))
    watcher.assert_clean()


def test_constant_columns_are_left_out(page, watched, big_site):
    open_table(page, big_site, watched)
    assert headers(page) == [
        "Name",
        "State",
        "Started",
        "Duration",
        "config.batch_size",
        "config.lr",
        "config.optimizer.beta",
        "config.seed",
        "summary.loss",
    ]
    note = page.inner_text("#rt-note")
    assert note.startswith("3 columns with one value on every run not shown")


def test_a_config_column_sorts_numerically_and_stably(page, watched, big_site):
    watcher = open_table(page, big_site, watched)
    sort_by(page, "config.lr")
    lr = page.locator('#rt-table th:has(button[data-column="config.lr"])')
    assert lr.get_attribute("aria-sort") == "ascending"
    # Ties keep the list's order (newest first).
    expected = sorted(range(RUNS), key=lambda i: (lr_of(i), -i))
    assert column(page, 0) == [f"run-{i}" for i in expected[:50]]
    sort_by(page, "config.lr")
    assert lr.get_attribute("aria-sort") == "descending"
    expected = sorted(range(RUNS), key=lambda i: (-lr_of(i), -i))
    assert column(page, 0) == [f"run-{i}" for i in expected[:50]]
    sort_by(page, "config.batch_size")  # 16 < 128 as numbers, not as text
    assert set(column(page, 4)) == {"16"}
    sort_by(page, "config.batch_size")
    assert set(column(page, 4)) == {"128"}
    assert lr.get_attribute("aria-sort") == "none"
    watcher.assert_clean()


def test_the_state_filter_counts_each_state(page, watched, big_site):
    open_table(page, big_site, watched)
    counts = Counter(state_of(i) for i in range(RUNS))
    options = page.locator("#rt-state option").all_inner_texts()
    assert options[0] == "All states (10,000)"
    assert sorted(options[1:]) == sorted(f"{s} ({n:,})" for s, n in counts.items())
    page.select_option("#rt-state", "failed")
    failed = counts["failed"]
    assert page.inner_text(RANGE) == f"1–50 of {failed:,} (10,000 runs in all)"
    assert set(column(page, 1)) == {"failed"}


def test_the_name_filter_finds_runs_by_name(page, watched, big_site):
    open_table(page, big_site, watched)
    page.fill("#rt-filter", "RUN-999")
    assert page.inner_text(RANGE) == "1–11 of 11 (10,000 runs in all)"
    page.fill("#rt-filter", "no such run")
    assert page.inner_text(RANGE) == "No runs match (10,000 runs in all)"
    assert page.locator(ROWS).count() == 0


def test_the_view_is_kept_in_the_fragment(page, watched, big_site):
    open_table(page, big_site, watched, "#sort=config.lr&dir=desc&state=crashed&page=2")
    crashed = sum(1 for i in range(RUNS) if state_of(i) == "crashed")
    assert page.inner_text(RANGE) == f"51–100 of {crashed:,} (10,000 runs in all)"
    assert page.locator("#rt-state").input_value() == "crashed"
    lr = page.locator('#rt-table th:has(button[data-column="config.lr"])')
    assert lr.get_attribute("aria-sort") == "descending"
    sort_by(page, "duration")
    page.click("#rt-next")
    assert "sort=duration" in page.url and "page=2" in page.url and "state=crashed" in page.url
    page.reload()
    page.wait_for_function(SHOWN)
    assert page.inner_text(RANGE) == f"51–100 of {crashed:,} (10,000 runs in all)"
    header = page.locator('#rt-table th:has(button[data-column="duration"])')
    assert header.get_attribute("aria-sort") == "ascending"


def test_headers_sort_from_the_keyboard(page, watched, big_site):
    open_table(page, big_site, watched)
    page.focus('#rt-table th button[data-column="config.seed"]')
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # focus stays on the redrawn header: again sorts it down
    assert column(page, 0)[0] == "run-9999"
    seed = page.locator('#rt-table th:has(button[data-column="config.seed"])')
    assert seed.get_attribute("aria-sort") == "descending"


def test_without_javascript_the_paged_list_stays(browser, big_site):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto((big_site / naming.job_type_path("train")).as_uri())
        assert page.locator("#runs-list").is_visible()
        assert page.locator("#runs-table").is_hidden()
        assert page.locator("#runs-list table.nodes tbody tr").count() == PAGE_SIZE
        assert page.locator('#runs-list a[rel="next"]').is_visible()
    finally:
        context.close()


def test_hostile_names_and_values_stay_text(page, watched, tmp_path):
    runs = {
        "a.json": manifest("a", 0, name=HOSTILE, config={HOSTILE: HOSTILE}),
        "b.json": manifest("b", 2, config={HOSTILE: 2}),
    }
    project = write_project(tmp_path / "p", runs)
    build(load_config(project), tmp_path / "site")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    watcher = open_table(page, tmp_path / "site", watched)
    assert headers(page)[-1] == "config." + HOSTILE
    assert HOSTILE in column(page, 0)
    assert page.locator("#rt-table img").count() == 0 and dialogs == []
    watcher.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_table_has_no_axe_violation(browser, big_site, scheme):
    with harness.axe_page(browser, scheme) as page:
        page.goto((big_site / naming.job_type_path("train")).as_uri() + "#sort=config.lr")
        page.wait_for_function(SHOWN)
        assert harness.axe_violations(page) == []
