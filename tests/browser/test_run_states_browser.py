"""A run that did not finish says so on the graph (vis.js; the entries' `r`).

Seen in the corpus check (MLflow's failed `broken` run, a dbt run skipped after a failure):
only the click preview said a run had failed, as in Marquez's graph it is coloured. A failed
or crashed run now has a red line and a thick red border, as a failing check does, and keeps
a `✗ failed` mark at the short label sizes; skipped and running runs say so in grey. A failed
run drawn inside its one output (*Merge runs*) marks that node the same way.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

from lineage_report import graphview
from lineage_report.graphview import style

pytestmark = pytest.mark.browser

STATES = ("finished", "failed", "crashed", "skipped", "running")

# Each drawn node's last label line, border colour and width, by id.
MARKS = """() => Object.fromEntries(window.lineageView.network.body.data.nodes.get()
  .map((n) => [n.id, [n.label.split('\\n').pop(), n.color.border, n.borderWidth]]))"""


@pytest.fixture(scope="module")
def states(tmp_path_factory) -> Path:
    """Write a table read by one run in each state, each logging a report; return the page."""
    g = nx.DiGraph()
    table = harness.add_artifact(g, "orders", 0, "table")
    for state in STATES:
        run = harness.add_run(g, state, "report", used=[table])
        g.nodes[run]["state"] = state
        harness.add_artifact(g, f"report-{state}", 0, "report", producer=run)
    out = tmp_path_factory.mktemp("states")
    view = graphview.page_graph(g, table, href=harness.sample_href)
    return harness.write_site(out, {"states.html": view})["states.html"]


def test_runs_that_did_not_finish_say_so_failed_ones_in_red(page, states, watched):
    watcher = harness.open_graph(page, states.parent, states.name, watched)
    for _ in range(6):  # full-size labels
        page.click('[data-lg="zoom-in"]')
    assert harness.lv(page, "screenBoxes()")["level"] == "full"
    marks = page.evaluate(MARKS)
    plain = marks["run:finished"][1]
    assert {state: marks[f"run:{state}"] for state in STATES} == {
        "finished": ["<b>finished</b>", plain, 1.5],
        "failed": ["<code>failed</code>", style.FAILING, 3],
        "crashed": ["<code>crashed</code>", style.FAILING, 3],
        "skipped": ["<i>skipped</i>", plain, 1.5],
        "running": ["<i>running</i>", plain, 1.5],
    }
    page.click('[data-lg="fit"]')
    for _ in range(6):
        page.click('[data-lg="zoom-out"]')
    assert harness.lv(page, "screenBoxes()")["level"].startswith("short")
    short = page.evaluate(MARKS)
    assert [short[f"run:{s}"][0] for s in ("failed", "crashed")] == [
        "<code>\u2717 failed</code>",
        "<code>\u2717 crashed</code>",
    ]
    # The mark grows with the name: at 12 graph units it read at 5 px (recheck of cc-ol).
    font = page.evaluate("window.lineageView.network.body.data.nodes.get('run:failed').font")
    scale = harness.lv(page, "screenBoxes()")["scale"]
    assert font["mono"]["size"] == round(font["bold"]["size"] * 0.8)
    assert font["mono"]["size"] * scale >= 8  # px on screen
    watcher.assert_clean()


def test_a_failed_run_merged_into_its_output_marks_it(page, states, watched):
    watcher = harness.open_graph(page, states.parent, states.name, watched, "#merge=1")
    for _ in range(6):
        page.click('[data-lg="zoom-in"]')
    marks = page.evaluate(MARKS)
    assert "run:failed" not in marks  # drawn inside its report
    report = marks["artifact:report-failed:v0"]
    assert report == ["<i>+ failed (failed)</i>", style.FAILING, 3]
    assert marks["artifact:report-skipped:v0"][0] == "<i>+ skipped (skipped)</i>"
    assert marks["artifact:report-finished:v0"][0] == "<i>+ finished</i>"
    watcher.assert_clean()
