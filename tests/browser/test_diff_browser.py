"""The changes page of `lineage-report diff --html`, opened from file:// in Chromium.

Added nodes and edges are marked, removed ones drawn as ghosts, changed ones amber, and the
marks survive the graph's own redraws; the page works offline with its policy in force.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lineage_report.build import build
from lineage_report.config import load_config
from tests.browser.harness import open_graph
from tests.factories import write_project
from tests.test_diff import new_manifests, old_manifests, run

pytestmark = pytest.mark.browser

ADDED_BORDER = "#1a7f37"  # diff-graph.js: added nodes and edges are green
GHOST_BORDER = "#afb8c1"  # removed ones grey and dashed


@pytest.fixture(scope="module")
def changes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the folder of the changes page between the two projects of tests/test_diff."""
    root = tmp_path_factory.mktemp("changes")
    old, new = (
        build(load_config(write_project(root / name, made())), root / f"{name}-site").output
        for name, made in (("old", old_manifests), ("new", new_manifests))
    )
    code, _, err = run("diff", old / "lineage.json", new / "lineage.json", "--html", root / "out")
    assert code == 0, err
    return root / "out"


def node_style(page, node_id: str) -> dict:
    """Return what the drawn graph holds for one node: its diff mark, border and dashes."""
    return page.evaluate(
        """(id) => {
            const n = window.lineageView.network.body.data.nodes.get(id);
            return n && {mark: n.diffMark || null, border: (n.color || {}).border || null,
                         dashes: ((n.shapeProperties || {}).borderDashes) || null};
        }""",
        node_id,
    )


def edge_marks(page) -> dict[str, str]:
    """Return the diff mark of every marked edge, by 'from -> to'."""
    return page.evaluate(
        """() => Object.fromEntries(window.lineageView.network.body.data.edges.get()
            .filter((e) => e.diffMark).map((e) => [e.from + ' -> ' + e.to, e.diffMark]))"""
    )


def test_added_changed_and_removed_nodes_are_marked_on_the_graph(page, changes, watched):
    watcher = open_graph(page, changes, "index.html", watched)
    assert page.evaluate("document.documentElement.dataset.diffMarked") == "6"
    assert node_style(page, "run:deploy") == {
        "mark": "added",
        "border": ADDED_BORDER,
        "dashes": None,
    }
    assert node_style(page, "run:summarize") == {
        "mark": "removed",
        "border": GHOST_BORDER,
        "dashes": [5, 4],
    }
    assert node_style(page, "run:train2")["mark"] == "changed"
    assert node_style(page, "run:train1")["mark"] is None  # unchanged: as the site draws it
    assert edge_marks(page) == {
        "artifact:model:v1 -> run:deploy": "added",
        "artifact:model:v1 -> run:summarize": "removed",
        "run:summarize -> artifact:report:v0": "removed",
    }
    watcher.assert_clean()  # no error, nothing fetched: file:// with the policy in force


def test_the_marks_come_back_after_a_redraw(page, changes, watched):
    watcher = open_graph(page, changes, "index.html", watched)
    # What lineage-graph.js does on a redraw: the node's group (and colours) set again.
    page.evaluate(
        "window.lineageView.network.body.data.nodes.update([{id: 'run:deploy', group: 'run'}])"
    )
    assert node_style(page, "run:deploy")["mark"] == "added"
    assert node_style(page, "run:deploy")["border"] == ADDED_BORDER
    watcher.assert_clean()
