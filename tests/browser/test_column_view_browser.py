"""The graph's column view in a real headless Chromium, from file:// (issue 12 point 5).

Pages are made as harness.py makes them, from the lineage of Hive's CTAS-with-join event
(tests/data/openlineage-column-lineage, real) and a hand-written hop after it: t1.id feeds
test.xxx.id, which feeds test.yyy.key. Picking test.yyy's `key` lights the datasets holding
its upstream columns, two hops up, says so in the status line and in a node's preview, keeps
the choice in the URL fragment, and Clear puts the graph back as it was.
"""

from __future__ import annotations

import json
import re

import pytest

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

import lineage_report
from lineage_report import graphview, naming
from lineage_report.build import build
from lineage_report.config import load_config
from tests.factories import write_project
from tests.test_column_view import T1, XXX, YYY
from tests.test_data_quality import project_files

pytestmark = pytest.mark.browser

KEY_STATUS = (
    "hive://localhost:9083/test.yyy:v0 · key: 2 upstream columns in 2 datasets, up to 2 hops. "
    "3 nodes lit."
)
HOSTILE = "<b>k</b>\u202e"  # a tag and a right-to-left override


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Write test.yyy's page, the project page and a page without column lineage."""
    root = write_project(tmp_path_factory.mktemp("project"), project_files())
    graph = lineage_report.load(root).graph
    hostile = graph.copy()
    lineage = json.loads(json.dumps(hostile.nodes[YYY]["column_lineage"]))
    lineage[0]["column"] = HOSTILE
    hostile.nodes[YYY]["column_lineage"] = lineage
    plain = next(n for n in graph if "test_first_dbt_model" in n and n.startswith("artifact"))
    out = tmp_path_factory.mktemp("site")
    harness.write_site(
        out,
        {
            "yyy.html": graphview.page_graph(graph, YYY),
            "project.html": graphview.project_graph(graph),
            "plain.html": graphview.page_graph(graph, plain),
            "hostile.html": graphview.page_graph(hostile, YYY),
        },
    )
    return out


def open_page(page, pages, watched, name, fragment=""):
    """Open a page, wait for its first drawing; return its watcher."""
    return harness.open_graph(page, pages, name, watched, fragment)


def lit(page) -> list[str]:
    """Return the ids of the drawn nodes lit by the column view."""
    return harness.lv(page, "columns.lit()")


def drawn(page) -> dict[str, dict]:
    """Return each drawn node's label, opacity and glow, as vis-network holds them."""
    return page.evaluate(
        "() => Object.fromEntries(window.lineageView.network.body.data.nodes.get()"
        ".map(n => [n.id, {label: n.label, opacity: n.opacity === undefined ? 1 : n.opacity,"
        " glow: Boolean(n.shadow && n.shadow.size)}]))"
    )


def pick(page, typed: str, option: str) -> None:
    """Type in the column picker and click the option named `option`."""
    page.fill('[data-lg="columns"] input[type="search"]', typed)
    page.locator('[data-lg="columns"] [role="option"]', has_text=option).click()


def test_picking_a_column_lights_its_upstream_columns_across_two_hops(page, pages, watched):
    watcher = open_page(page, pages, watched, "yyy.html")
    before = drawn(page)
    assert lit(page) == []
    pick(page, "yyy key", "test.yyy:v0 · key")
    assert lit(page) == sorted([T1, XXX, YYY])
    field = page.locator('[data-lg="columns"] input[type="search"]')
    assert field.input_value() == "hive://localhost:9083/test.yyy:v0 · key"
    assert not page.locator('[data-lg="columns"] [role="listbox"]').is_visible()
    status = page.locator('[data-lg="column-status"]')
    assert status.inner_text() == KEY_STATUS
    now = drawn(page)
    assert now[XXX]["label"].endswith("\n<i>columns: id</i>") and now[XXX]["glow"]
    assert now[YYY]["label"].endswith("\n<i>columns: key</i>")
    t2 = T1.replace("t1", "t2")
    assert now[t2]["opacity"] < 1 and not now[t2]["glow"]  # name's input is not in key's trace
    runs = [n for n in now if n.startswith("run:")]
    assert all(now[r]["opacity"] == 1 for r in runs)  # the runs between them stay clear
    assert page.evaluate("location.hash") == (
        "#col=key&of=artifact%3Ahive%3A%2F%2Flocalhost%3A9083%2Ftest.yyy%3Av0"
    )
    page.click('[data-lg="columns"] button:text("Clear")')
    assert lit(page) == [] and drawn(page) == before and field.input_value() == ""
    assert not status.is_visible() and page.evaluate("location.hash") == ""
    watcher.assert_clean()


def test_a_link_with_the_column_restores_the_view(page, pages, watched):
    fragment = "#col=key&of=" + YYY
    watcher = open_page(page, pages, watched, "yyy.html", fragment)
    assert lit(page) == sorted([T1, XXX, YYY])
    assert page.locator('[data-lg="column-status"]').inner_text() == KEY_STATUS
    field = page.locator('[data-lg="columns"] input[type="search"]')
    assert field.input_value() == "hive://localhost:9083/test.yyy:v0 · key"
    page.reload()
    page.evaluate("window.lineageView.ready")
    assert lit(page) == sorted([T1, XXX, YYY])
    # Reset puts back the page's own view, column included.
    page.click('[data-lg="reset"]')
    assert lit(page) == [] and field.input_value() == ""
    # A column this page does not hold is dropped, not kept.
    page.goto(page.url.split("#")[0] + "#col=nope&of=" + YYY)
    page.evaluate("window.lineageView.ready")
    assert lit(page) == [] and harness.lv(page, "columns.state()") is None
    watcher.assert_clean()


def test_downstream_too_and_the_preview_name_the_columns(page, pages, watched):
    watcher = open_page(page, pages, watched, "yyy.html")
    page.check('[data-lg="columns"] input[type="checkbox"]')
    pick(page, "xxx id", "test.xxx:v0 · id")
    assert lit(page) == sorted([T1, XXX, YYY])
    assert page.locator('[data-lg="column-status"]').inner_text() == (
        "hive://localhost:9083/test.xxx:v0 · id: 1 upstream column in 1 dataset, up to 1 hop; "
        "1 downstream column in 1 dataset, up to 1 hop. 3 nodes lit."
    )
    assert "coldir=both" in page.evaluate("location.hash")
    harness.lv(page, f"select({json.dumps(YYY)})")
    preview = page.locator('[data-lg="column-preview"]')
    assert preview.is_visible()
    assert preview.locator("li").all_inner_texts() == [
        "key downstream, 1 hop\n← hive://localhost:9083/test.xxx:v0 · id (DIRECT/IDENTITY)"
    ]
    harness.lv(page, f"select({json.dumps(T1.replace('t1', 't2'))})")
    assert preview.count() == 0  # t2 holds none of the trace's columns
    watcher.assert_clean()


def test_a_clustered_dataset_lights_its_cluster(page, pages, watched):
    watcher = open_page(page, pages, watched, "project.html", "#col=key&of=" + YYY)
    (cluster,) = [n for n in lit(page) if n.startswith("cluster:")]
    assert sorted(lit(page)) == sorted([cluster, XXX, YYY])
    assert drawn(page)[cluster]["label"].endswith("\n<i>columns: id</i>")
    harness.lv(page, f"select({json.dumps(cluster)})")  # its panel names the member
    marked = page.locator('[data-lg="cluster"] li:has(.lg-col-member)')
    assert marked.count() == 1 and marked.get_attribute("data-node-id") == T1
    assert marked.locator(".lg-col-member").inner_text() == "columns: id"
    harness.lv(page, f"extract({json.dumps(T1)})")  # pulled out, t1 is lit itself
    assert lit(page) == sorted([T1, XXX, YYY])
    watcher.assert_clean()


def test_no_column_control_without_column_lineage(page, pages, watched):
    watcher = open_page(page, pages, watched, "plain.html")
    assert page.locator('[data-lg="columns"]').count() == 0
    assert harness.lv(page, "columns") is None
    watcher.assert_clean()


def test_hostile_column_names_stay_text(page, pages, watched):
    watcher = open_page(page, pages, watched, "hostile.html")
    pick(page, "<b>k", "test.yyy:v0 · <b>k</b>")  # the override is gone, the tag is text
    label = drawn(page)[YYY]["label"]
    # As vis.js writes names: a zero-width space after each '<', so no tag is read.
    assert re.search(r"\n<i>columns: <\u200bb>k<\u200b/b></i>$", label)
    assert page.locator('[data-lg="columns"] b').count() == 0
    watcher.assert_clean()


def test_the_picker_works_from_the_keyboard(page, pages, watched):
    watcher = open_page(page, pages, watched, "yyy.html")
    field = page.locator('[data-lg="columns"] input[type="search"]')
    options = page.locator('[data-lg="columns"] [role="listbox"]')
    field.fill("xxx")
    assert options.locator('[role="option"]').all_inner_texts() == [
        "hive://localhost:9083/test.xxx:v0 · id",
        "hive://localhost:9083/test.xxx:v0 · name",
    ]
    field.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # the second option: name
    assert lit(page) == sorted([T1.replace("t1", "t2"), XXX])
    assert page.locator('[data-lg="column-status"]').inner_text() == (
        "hive://localhost:9083/test.xxx:v0 · name: 1 upstream column in 1 dataset, up to 1 hop. "
        "2 nodes lit."
    )
    field.fill("t1 id")
    field.press("Enter")  # the first option
    assert lit(page) == [T1]
    assert page.locator('[data-lg="column-status"]').inner_text() == (
        "hive://localhost:9083/test.t1:latest · id: no upstream columns on this page. 1 node lit."
    )
    field.fill("")
    field.press("Escape")
    assert not options.is_visible()
    watcher.assert_clean()


def test_a_version_pages_column_trace_lights_its_column_on_the_graph(
    page, tmp_path_factory, watched
):
    # The trace table on a built version page links to the same page's graph, column view on.
    root = write_project(tmp_path_factory.mktemp("traced"), project_files())
    site = tmp_path_factory.mktemp("traced-site")
    build(load_config(root), site)
    watcher = harness.open_graph(page, site, naming.node_path(YYY), watched)
    trace = page.locator("details.column-trace", has=page.locator("summary code", has_text="key"))
    trace.locator("summary").click()
    trace.get_by_role("link", name="Light it up on the graph").click()
    status = page.locator('[data-lg="column-status"]')
    status.wait_for(state="visible")
    assert status.inner_text() == KEY_STATUS
    assert lit(page) == sorted([T1, XXX, YYY])
    watcher.assert_clean()
