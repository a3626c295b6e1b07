"""The graph's controls and panels as a reader meets them (issue 13, points 6, 9 and 11).

On the sample site, from file:// in Chromium: the project graph's Direction and Depth say why
they are off and then work from the node selected; the Types filter opens over the canvas
without moving it; the Highlight box (`+name+`, dbt's syntax) lights a node's lineage and dims
the rest, and a link keeps it; a panel never covers the node it is about, on a desktop or as
a phone's bottom sheet; a cluster's label counts what it still holds; Copy says it copied.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

from lineage_report import graphview
from lineage_report.build import build
from lineage_report.config import load_config

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"
MODEL = "artifact:mnist-cnn:v6"
TRAIN = "artifact:mnist-train:v1"  # a version the project graph draws on its own
SWEEP = "17 runs · train"  # the project graph's cluster of the sweep's runs
DIM = 0.15  # the opacity of what a highlight leaves out (vis.js)


# A node's box in the page's viewport pixels.
BOX = """(id) => {
  const net = window.lineageView.network, b = net.getBoundingBox(id);
  const r = document.querySelector('[data-lg="canvas"]').getBoundingClientRect();
  const a = net.canvasToDOM({x: b.left, y: b.top}), z = net.canvasToDOM({x: b.right, y: b.bottom});
  return {left: r.left + a.x, top: r.top + a.y, right: r.left + z.x, bottom: r.top + z.y};
}"""


BIG = 4_500  # runs using one dataset: one cluster, most of its members not embedded


@pytest.fixture(scope="module")
def big_site(tmp_path_factory) -> Path:
    """Write one harness page: a dataset used by 4,500 runs, drawn as one cluster."""
    g = harness.hub_graph(BIG)
    view = graphview.page_graph(g, "artifact:hub-data:v0", href=harness.sample_href)
    out = tmp_path_factory.mktemp("big")
    harness.write_site(out, {"hub.html": view})
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build the sample project's site once for this module."""
    return build(load_config(SAMPLE), tmp_path_factory.mktemp("controls") / "site").output


def version_page(site: Path, stem: str) -> str:
    """Return the relative path of a version's page, e.g. `mnist-cnn-v6`."""
    return str(next((site / "versions").glob(f"{stem}-*.html")).relative_to(site))


def click_node(page, node_id: str) -> None:
    """Click a node on the canvas, as a reader does."""
    spot = harness.node_spot(page, node_id)
    page.mouse.click(spot["x"], spot["y"])


def closure(edges: list[list[str]], start: str, forward: bool) -> set[str]:
    """Return `start` and every node reached from it along `edges` (or against them)."""
    reached, todo = {start}, [start]
    while todo:
        node = todo.pop()
        for a, b in edges:
            here, there = (a, b) if forward else (b, a)
            if here == node and there not in reached:
                reached.add(there)
                todo.append(there)
    return reached


def opacity(page, node_id: str) -> float:
    """Return the opacity vis-network draws a node with."""
    return page.evaluate(
        "id => window.lineageView.network.body.data.nodes.get(id).opacity", node_id
    )


def box(page, selector_or_id: str, *, node: bool = False) -> dict:
    """Return an element's (or, with node=True, a drawn node's) box in viewport pixels."""
    if node:
        return page.evaluate(BOX, selector_or_id)
    return page.locator(selector_or_id).bounding_box()


def overlaps(a: dict, b: dict) -> bool:
    """Say whether a node box (left/top/right/bottom) and an element box (x/y/width) meet."""
    return (
        a["left"] < b["x"] + b["width"]
        and a["right"] > b["x"]
        and a["top"] < b["y"] + b["height"]
        and a["bottom"] > b["y"]
    )


def luminance(rgb) -> float:
    """Return a colour's relative luminance (WCAG 2)."""

    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# ---------------------------------------------------------------- point 9: direction, depth


def test_project_graph_says_why_direction_and_depth_are_off_then_uses_the_selection(
    page, site, watched
):
    watcher = harness.open_graph(page, site, "graph.html", watched)
    direction = page.locator('[data-lg="direction"]')
    depth = page.locator('[data-lg="depth"]')
    hint = page.locator('[data-lg="scope-hint"]')
    assert direction.is_disabled() and depth.is_disabled()
    # The reason is on screen beside the controls, and is what they are described by.
    assert hint.is_visible()
    assert hint.inner_text() == "Select a node to use direction and depth"
    hint_id = hint.get_attribute("id")
    assert direction.get_attribute("aria-describedby") == hint_id
    assert depth.get_attribute("aria-describedby") == hint_id
    assert direction.get_attribute("title") == hint.inner_text()

    click_node(page, TRAIN)
    assert direction.is_enabled() and depth.is_enabled()
    assert hint.inner_text() == "from mnist-train:v1"
    everything = set(harness.lv(page, "visibleNodeIds()"))

    direction.select_option("down")
    state = harness.lv(page, "state()")
    assert (state["focus"], state["dir"]) == (TRAIN, "down")
    shown = set(harness.lv(page, "visibleNodeIds()"))
    assert TRAIN in shown and shown < everything
    assert "artifact:mnist-raw:v0" not in shown  # upstream of mnist-train:v1
    assert "focus=artifact%3Amnist-train%3Av1" in page.url and "dir=down" in page.url

    depth.fill("1")
    one_step = set(harness.lv(page, "visibleNodeIds()"))
    assert TRAIN in one_step and one_step < shown

    # Reset gives the project graph back, with the reason again.
    page.click('[data-lg="reset"]')
    page.mouse.click(*corner(page))  # the background: nothing selected
    assert set(harness.lv(page, "visibleNodeIds()")) == everything
    assert direction.is_disabled() and hint.inner_text().startswith("Select a node")
    watcher.assert_clean()


def corner(page) -> tuple[float, float]:
    """Return a point of the canvas's top-left corner, where the sample graphs draw nothing."""
    canvas = page.locator('[data-lg="canvas"]').bounding_box()
    return canvas["x"] + 4, canvas["y"] + 4


def test_type_overview_says_direction_and_depth_work_on_the_full_graph(page, site, watched):
    harness.open_graph(page, site, version_page(site, "mnist-cnn-v6"), watched)
    hint = page.locator('[data-lg="scope-hint"]')
    assert page.locator('[data-lg="direction"]').is_enabled()
    assert hint.inner_text() == ""  # the page's own node: nothing to say
    page.click('[data-lg="view-types"]')
    assert page.locator('[data-lg="direction"]').is_disabled()
    assert hint.is_visible() and "full graph" in hint.inner_text()


def test_types_filter_opens_over_the_canvas_without_moving_it(page, site, watched):
    watcher = harness.open_graph(page, site, "graph.html", watched)
    canvas = page.locator('[data-lg="canvas"]')
    before = canvas.bounding_box()
    page.click('[data-lg="filters"] summary')
    popover = page.locator('[data-lg="filters"] .lg-popover')
    assert popover.is_visible()
    after = canvas.bounding_box()
    assert after["y"] == before["y"] and after["height"] == before["height"]
    pop = popover.bounding_box()
    assert pop["y"] + pop["height"] > before["y"] + 40  # it lies over the canvas
    # It still filters, and it closes on Escape and on a click outside it.
    page.locator('[data-hide-key="run:train"]').uncheck()
    assert "hide=run%3Atrain" in page.url
    assert not any(i.startswith("cluster:6") for i in harness.lv(page, "visibleNodeIds()"))
    page.keyboard.press("Escape")
    assert not popover.is_visible()
    page.click('[data-lg="filters"] summary')
    assert popover.is_visible()
    page.click("h1")
    assert not popover.is_visible()
    assert canvas.bounding_box()["y"] == before["y"]
    watcher.assert_clean()


# ---------------------------------------------------------------- point 9: highlight


def test_highlight_box_lights_upstream_downstream_and_both_and_a_link_keeps_it(page, site, watched):
    path = version_page(site, "mnist-cnn-v6")
    watcher = harness.open_graph(page, site, path, watched)
    edges = harness.lv(page, "visibleEdges()")
    drawn = set(harness.lv(page, "visibleNodeIds()"))
    up = closure(edges, MODEL, forward=False)
    down = closure(edges, MODEL, forward=True)
    assert len(up) > 2 and len(down) > 1 and up < drawn and down < drawn  # a real choice
    box_ = page.locator('[data-lg="highlight"]')
    status = page.locator('[data-lg="highlight-status"]')

    box_.fill("+mnist-cnn:v6")
    box_.press("Enter")
    assert set(harness.lv(page, "highlighted()")) == up
    assert status.inner_text() == (
        f"Highlight: mnist-cnn:v6 and {len(up) - 1} upstream; the rest is dimmed."
    )
    assert all(opacity(page, n) == DIM for n in drawn - up)
    assert all(opacity(page, n) == 1 for n in up)
    # What a reader sees: a dimmed box is much paler than the same kind of box lit.
    dimmed = next(n for n in sorted(drawn - up) if n.startswith("artifact:"))
    lit = next(n for n in sorted(up - {MODEL}) if n.startswith("artifact:"))
    page.click('[data-lg="fit"]')  # the highlight opens on what it lights: show all
    dimmed_fill, lit_fill = harness.node_fill(page, dimmed), harness.node_fill(page, lit)
    assert luminance(dimmed_fill) > luminance(lit_fill) + 0.05
    assert "sel=%2Bmnist-cnn%3Av6" in page.url

    box_.fill("mnist-cnn:v6+")
    box_.press("Enter")
    assert set(harness.lv(page, "highlighted()")) == down
    box_.fill("+mnist-cnn:v6+")
    box_.press("Enter")
    assert set(harness.lv(page, "highlighted()")) == up | down
    box_.fill("1+mnist-cnn:v6")
    box_.press("Enter")
    one_up = {MODEL} | {a for a, b in edges if b == MODEL}
    assert set(harness.lv(page, "highlighted()")) == one_up
    # The lit nodes are in view.
    boxes = harness.lv(page, "screenBoxes()")
    for node in boxes["nodes"]:
        if node["id"] in one_up:
            assert node["left"] >= 0 and node["right"] <= boxes["width"], node

    # A shared link shows the same highlight; a name the page lacks says so.
    link = page.url
    other = page.context.new_page()
    other.goto(link)
    other.evaluate("window.lineageView.ready")
    assert set(harness.lv(other, "highlighted()")) == one_up
    assert other.locator('[data-lg="highlight"]').input_value() == "1+mnist-cnn:v6"
    box_.fill("+no-such-node+")
    box_.press("Enter")
    assert harness.lv(page, "highlighted()") == []
    assert "no drawn node is named" in status.inner_text()
    box_.fill("")
    box_.press("Enter")
    assert all(opacity(page, n) == 1 for n in drawn)
    assert status.inner_text() == "" and "sel=" not in page.url
    watcher.assert_clean()


def test_preview_highlights_a_selected_nodes_lineage_and_reset_clears_it(page, site, watched):
    watcher = harness.open_graph(page, site, "graph.html", watched)
    edges = harness.lv(page, "visibleEdges()")
    both = closure(edges, TRAIN, True) | closure(edges, TRAIN, False)
    click_node(page, TRAIN)
    page.click('[data-lg="preview-highlight"]')
    assert page.locator('[data-lg="preview"]').is_hidden()
    assert set(harness.lv(page, "highlighted()")) == both
    assert page.locator('[data-lg="highlight"]').input_value() == "+mnist-train:v1+"
    assert "sel=%2Bmnist-train%3Av1%2B" in page.url
    page.click('[data-lg="reset"]')
    assert harness.lv(page, "highlighted()") == []
    assert page.locator('[data-lg="highlight"]').input_value() == ""
    watcher.assert_clean()


def test_highlighting_a_member_inside_a_cluster_lights_its_cluster(page, site, watched):
    harness.open_graph(page, site, "graph.html", watched)
    page.fill('[data-lg="highlight"]', "mnist-cnn:v6")
    page.press('[data-lg="highlight"]', "Enter")
    lit = harness.lv(page, "highlighted()")
    assert lit == [harness.cluster_of(page, "15 versions · model")["id"]]


def test_a_site_search_result_is_highlighted_on_the_pages_graph(page, site, watched):
    path = version_page(site, "mnist-cnn-v6")
    watcher = harness.open_graph(page, site, path, watched)
    edges = harness.lv(page, "visibleEdges()")
    both = closure(edges, TRAIN, True) | closure(edges, TRAIN, False)
    search = page.locator("[data-lineage-search] input[type=search]")
    search.fill("mnist-train:v1")
    first = page.locator("[data-lineage-search] [role=option]").first
    first.wait_for(state="visible")
    assert "Shift+Enter highlights it" in first.inner_text()
    search.press("Shift+Enter")
    assert page.url.startswith((site / path).as_uri())  # still this page
    assert set(harness.lv(page, "highlighted()")) == both
    assert page.locator('[data-lg="highlight"]').input_value() == "+mnist-train:v1+"
    # A plain Enter still opens the result's page.
    search.fill("mnist-train:v1")
    first.wait_for(state="visible")
    search.press("Enter")
    page.wait_for_url("**/versions/mnist-train-v1-*.html")
    watcher.assert_clean()


# ---------------------------------------------------------------- point 6: panels


def test_a_panel_never_covers_the_node_it_is_about(page, site, watched):
    watcher = harness.open_graph(page, site, "graph.html", watched)
    preview = page.locator('[data-lg="preview"]')
    ids = [i for i in harness.lv(page, "visibleNodeIds()") if not i.startswith("cluster:")]
    # The nodes furthest right: where the panel docks.
    boxes = {n["id"]: n for n in harness.lv(page, "screenBoxes()")["nodes"]}
    right = sorted(ids, key=lambda i: -boxes[i]["right"])[:4]
    for node_id in right:
        click_node(page, node_id)
        preview.wait_for(state="visible")
        page.wait_for_function("() => new Promise(r => requestAnimationFrame(() => r(true)))")
        node = box(page, node_id, node=True)
        canvas = box(page, '[data-lg="canvas"]')
        assert not overlaps(node, preview.bounding_box()), node_id
        assert canvas["x"] <= node["left"] and node["right"] <= canvas["x"] + canvas["width"]
        page.click('[data-lg="preview"] [data-lg="close"]')
    # The cluster panel, too.
    page.click('[data-lg="fit"]')
    panel = harness.open_cluster(page, SWEEP)
    page.wait_for_function("() => new Promise(r => requestAnimationFrame(() => r(true)))")
    cluster = harness.cluster_of(page, SWEEP)["id"]
    assert not overlaps(box(page, cluster, node=True), panel.bounding_box())
    watcher.assert_clean()


def test_on_a_phone_the_panel_is_a_bottom_sheet_under_its_node(browser, site, watched):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    try:
        watcher = harness.open_graph(page, site, version_page(site, "mnist-cnn-v6"), watched)
        page.locator('[data-lg="canvas"]').scroll_into_view_if_needed()
        harness.lv(page, f"select('{MODEL}')")
        preview = page.locator('[data-lg="preview"]')
        preview.wait_for(state="visible")
        page.wait_for_function("() => new Promise(r => requestAnimationFrame(() => r(true)))")
        canvas = box(page, '[data-lg="canvas"]')
        sheet = preview.bounding_box()
        # A sheet: the canvas's whole width, at its bottom, leaving the top of the graph.
        assert abs(sheet["x"] - canvas["x"]) <= 1.5
        assert abs(sheet["width"] - canvas["width"]) <= 1.5
        assert abs(sheet["y"] + sheet["height"] - (canvas["y"] + canvas["height"])) <= 1.5
        assert sheet["y"] - canvas["y"] >= 0.4 * canvas["height"]
        node = box(page, MODEL, node=True)
        assert canvas["y"] <= node["top"] and node["bottom"] <= sheet["y"], (node, sheet)
        watcher.assert_clean()
    finally:
        context.close()


def test_a_clusters_label_counts_what_it_still_holds(page, site, watched):
    harness.open_graph(page, site, "graph.html", watched)
    cluster = harness.cluster_of(page, SWEEP)
    label = "id => window.lineageView.network.body.data.nodes.get(id).label"
    page.click('[data-lg="zoom-in"]')  # full labels: the type above the count
    for _ in range(4):
        page.click('[data-lg="zoom-in"]')
    assert "17 runs" in page.evaluate(label, cluster["id"])
    members = page.evaluate(
        "id => window.lineageView.clusters().find(c => c.id === id)", cluster["id"]
    )
    panel = harness.open_cluster(page, SWEEP)
    panel.locator("li[data-node-id] [data-action=toggle]").first.click()
    assert len(harness.cluster_of(page, SWEEP)["out"]) == 1
    text = page.evaluate(label, cluster["id"])
    assert "16 runs" in text and "17 runs" not in text
    panel.locator("li[data-node-id] [data-action=toggle]").nth(1).click()
    assert "15 runs" in page.evaluate(label, cluster["id"])
    assert members["size"] == 17
    # Pulled all out but one: "1 run".
    page.click('[data-lg="cluster-expand"]')
    harness.lv(page, f"putBack('{harness.cluster_of(page, SWEEP)['out'][0]}')")
    assert re.search(r"\b1 run\b(?!s)", page.evaluate(label, cluster["id"]))


def test_a_cluster_of_4500_counts_down_as_members_are_pulled_out(page, big_site, watched):
    watcher = harness.open_graph(page, big_site, "hub.html", watched)
    (cluster,) = harness.lv(page, "clusters()")
    assert cluster["size"] == BIG
    label = "id => window.lineageView.network.body.data.nodes.get(id).label"
    assert "4,500 runs" in page.evaluate(label, cluster["id"])
    panel = harness.open_cluster(page, cluster["label"])
    page.wait_for_function("() => new Promise(r => requestAnimationFrame(() => r(true)))")
    assert not overlaps(box(page, cluster["id"], node=True), panel.bounding_box())
    toggles = panel.locator("li[data-node-id] [data-action=toggle]")
    toggles.nth(0).click()
    toggles.nth(1).click()
    assert "4,498 runs" in page.evaluate(label, cluster["id"])
    toggles.nth(0).click()  # put back
    assert "4,499 runs" in page.evaluate(label, cluster["id"])
    watcher.assert_clean()


# ---------------------------------------------------------------- point 11: copy


def test_copy_says_copied_for_a_moment(page, site, watched):
    watcher = harness.open_graph(page, site, version_page(site, "mnist-cnn-v6"), watched)
    page.click('[data-lg="export-mermaid"]')
    copy = page.locator('[data-lg="copy-mermaid"]')
    status = page.locator('[data-lg="copy-status"]')
    assert status.get_attribute("aria-live") == "polite"
    copy.click()
    page.wait_for_function(
        "() => document.querySelector('[data-lg=\"copy-mermaid\"]').textContent !== 'Copy'"
    )
    assert copy.inner_text() == "Copied"
    assert status.inner_text() == "Copied to the clipboard."
    page.wait_for_function(
        "() => document.querySelector('[data-lg=\"copy-mermaid\"]').textContent === 'Copy'",
        timeout=4000,
    )
    assert status.inner_text() == ""
    watcher.assert_clean()
