"""The project graph's "Group by" select (issue 13, point 5), in Chromium from file://.

A site of OpenLineage events from three job namespaces (tests/data): the select switches the
project graph to its namespace grouping, which draws one node per namespace with the edge
between them; the URL keeps the choice, Back undoes it and stays on the page; a group's
preview names the grouping and counts what it holds; the keyboard reaches the groups.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import lineage_report
from lineage_report import graphview

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

from lineage_report.build import build
from lineage_report.config import load_config

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parents[1] / "data"
NAMESPACES = ["dbt-test-namespace", "my-datasource-namespace", "my-scheduler-namespace"]
GROUPS = sorted(f"group:namespace:{n}" for n in NAMESPACES)
SELECT = '[data-lg="group-by"]'


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build a site of OpenLineage events from three job namespaces, once for this module."""
    root = tmp_path_factory.mktemp("namespaces")
    project = root / "project"
    project.mkdir()
    shutil.copy(DATA / "openlineage-full-event" / "example_full_event.json", project / "a.json")
    shutil.copy(DATA / "openlineage-dbt-test" / "result.json", project / "b.json")
    return build(load_config(project), root / "site").output


@pytest.fixture(scope="module")
def too_big(site, tmp_path_factory) -> Path:
    """Write the same project's graph page as if it were too big to draw; return its folder."""
    lineage = lineage_report.load(site.parent / "project")
    out = tmp_path_factory.mktemp("too-big")
    view = graphview.project_graph(lineage.graph, limit=3)
    harness.write_site(out, {"graph.html": view})
    return out


def test_group_by_namespace_draws_the_namespaces_and_back_undoes_it(page, site, watched):
    watcher = harness.open_graph(page, site, "graph.html", watched)
    full = harness.lv(page, "visibleNodeIds()")
    assert not any(i.startswith("group:") for i in full)  # small: it opens on the graph
    options = page.locator(f"{SELECT} option").all_text_contents()
    assert options == ["type (8)", "namespace (3)", "project (2)"]
    url = page.url

    page.select_option(SELECT, "namespace")
    assert harness.lv(page, "visibleNodeIds()") == GROUPS
    edge = ["group:namespace:my-scheduler-namespace", "group:namespace:my-datasource-namespace"]
    assert harness.lv(page, "visibleEdges()") == [edge]
    assert "by=namespace" in page.url and "view=types" in page.url
    assert harness.lv(page, "state()")["view"] == "types"
    assert harness.lv(page, "grouping()") == "namespace"
    mermaid = harness.lv(page, "mermaid()")  # the export draws the groups too
    assert "my-scheduler-namespace<br/>1 run #183; 1 version" in mermaid

    page.go_back()
    page.wait_for_function("() => window.lineageView.state().view === 'full'")
    assert page.url == url
    assert harness.lv(page, "visibleNodeIds()") == full
    assert page.locator(SELECT).input_value() == "types"
    page.go_forward()
    page.wait_for_function("() => window.lineageView.visibleNodeIds()[0].startsWith('group:')")
    assert page.locator(SELECT).input_value() == "namespace"
    watcher.assert_clean()


def test_a_shared_link_opens_the_grouping_and_a_group_previews_its_counts(page, site, watched):
    watcher = harness.open_graph(page, site, "graph.html", watched, "#view=types&by=namespace")
    assert harness.lv(page, "visibleNodeIds()") == GROUPS
    assert page.locator(SELECT).input_value() == "namespace"
    group = "group:namespace:my-scheduler-namespace"
    spot = harness.node_spot(page, group)
    page.mouse.click(spot["x"], spot["y"])
    preview = page.locator('[data-lg="preview"]')
    preview.wait_for(state="visible")
    assert page.locator('[data-lg="preview-kind"]').text_content() == "namespace"
    assert page.locator('[data-lg="preview-title"]').text_content() == "my-scheduler-namespace"
    rows = page.locator('[data-lg="preview-rows"] dt').all_text_contents()
    values = page.locator('[data-lg="preview-rows"] dd').all_text_contents()
    shown = dict(zip(rows, values, strict=True))
    assert shown["Runs"] == "1" and shown["Artifact versions"] == "1"
    assert shown["Feeds"] == "my-datasource-namespace (1)"  # the lineage edges between them
    # The keyboard: Escape closes the preview, the arrow keys move along the edge.
    page.keyboard.press("Escape")
    assert preview.is_hidden()
    harness.lv(page, f"select('{group}')")
    page.locator('[data-lg="canvas"]').focus()
    page.keyboard.press("ArrowRight")
    assert harness.lv(page, "selected()") == "group:namespace:my-datasource-namespace"
    watcher.assert_clean()


def test_a_page_without_groupings_has_no_select(page, site, watched):
    path = next((site / "versions").glob("*.html")).relative_to(site)
    watcher = harness.open_graph(page, site, path, watched)
    assert page.locator(SELECT).count() == 0
    assert page.locator('[data-lg="view-types"]').text_content() == "Type overview"
    watcher.assert_clean()


def test_a_project_too_big_to_draw_opens_on_the_grouping_that_tells_most(page, too_big, watched):
    watcher = harness.open_graph(page, too_big, "graph.html", watched)
    assert harness.lv(page, "state()")["view"] == "types"
    assert harness.lv(page, "visibleNodeIds()") == GROUPS  # three namespaces beat two projects
    assert page.locator(SELECT).input_value() == "namespace"
    assert "#" not in page.url  # the page's own default: nothing to keep in the URL
    page.select_option(SELECT, "types")
    assert "by=types" in page.url
    assert not any(i.startswith("group:") for i in harness.lv(page, "visibleNodeIds()"))
    page.go_back()
    page.wait_for_function("() => window.lineageView.grouping() === 'namespace'")
    assert harness.lv(page, "visibleNodeIds()") == GROUPS
    watcher.assert_clean()


def test_the_browser_reads_the_groupings_as_python_does(page, site, too_big, watched):
    watcher = harness.open_graph(page, too_big, "graph.html", watched)
    view = graphview.project_graph(lineage_report.load(site.parent / "project").graph, limit=3)
    read = page.evaluate(
        "() => window.LineageGraph.expandData("
        "JSON.parse(document.getElementById('lineage-graph-data').textContent))"
    )
    assert read == view.data
    watcher.assert_clean()


def test_hostile_group_names_stay_text(page, tmp_path, watched):
    graph = harness.hostile_graph()
    graph.nodes[f"run:{harness.HOSTILE}"]["project"] = harness.HOSTILE  # the other is "mnist"
    harness.write_site(tmp_path, {"graph.html": graphview.project_graph(graph, limit=1)})
    watcher = harness.open_graph(page, tmp_path, "graph.html", watched)
    assert page.evaluate("window.__pwned") is None
    assert harness.lv(page, "grouping()") == "project"
    group = f"group:project:{harness.HOSTILE}"
    assert group in harness.lv(page, "visibleNodeIds()")
    harness.lv(page, f"select({group!r})")
    assert page.text_content('[data-lg="preview-title"]') == harness.HOSTILE
    assert page.text_content('[data-lg="preview-kind"]') == "project"
    watcher.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_grouped_view_and_its_preview_have_no_axe_violation(browser, site, watched, scheme):
    with harness.axe_page(browser, scheme) as page:
        harness.open_graph(page, site, "graph.html", watched, "#view=types&by=namespace")
        harness.lv(page, "select('group:namespace:my-scheduler-namespace')")
        assert page.locator('[data-lg="preview"]').is_visible()
        assert harness.axe_violations(page) == []
