"""The graph view opens whole, fits, zooms, goes full screen, exports it all (issue 13).

Every graph page of the sample site, opened from file:// in Chromium at 1280x800, must show
all its drawn nodes inside the canvas, again after zooming in and pressing Fit, and its PNG
must hold the whole graph. A long chain (harness page, 80 nodes drawn) opens on its focus and
neighbours instead; Fit still shows it all. The toolbar and panels are built by the script,
so the page itself carries none of their markup.
"""

from __future__ import annotations

import base64
import re
import struct
from pathlib import Path

import networkx as nx
import pytest

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

from lineage_report import graphview, naming
from lineage_report.build import build
from lineage_report.config import load_config

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"
MODEL = "artifact:mnist-cnn:v6"  # a chain of 14 nodes, 12 layers long: wider than the canvas
CHAIN = 40  # runs in the long chain: 80 drawn nodes, more than a graph opens whole with
CHAIN_FOCUS = "artifact:step-20:v0"
FIRST = "artifact:step:v0"  # the chain's start
TOLERANCE = 0.5  # px: a box edge on the canvas's edge is inside

# Each drawn node's box and the canvas's size, in the canvas's pixels.
BOXES = "window.lineageView.screenBoxes()"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build the sample project's site once for this module."""
    return build(load_config(SAMPLE), tmp_path_factory.mktemp("view") / "site").output


@pytest.fixture(scope="module")
def chain_site(tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    """Write one harness page: the middle of a chain of 40 runs and 41 versions."""
    g = nx.DiGraph()
    previous = harness.add_artifact(g, "step", 0, "dataset")
    for i in range(1, CHAIN + 1):
        run = harness.add_run(g, f"r{i:02d}", "step", used=[previous])
        previous = harness.add_artifact(g, f"step-{i}", 0, "dataset", producer=run)
    view = graphview.page_graph(g, CHAIN_FOCUS, href=harness.sample_href)
    out = tmp_path_factory.mktemp("chain")
    return out, harness.write_site(out, {"chain.html": view})


def graph_pages(site: Path) -> list[str]:
    """Return every page of the site that carries the interactive graph, sorted."""
    return sorted(
        str(p.relative_to(site))
        for p in site.rglob("*.html")
        if 'id="lineage-graph"' in p.read_text(encoding="utf-8")
    )


def outside(boxes: dict) -> list[str]:
    """Return the ids of the drawn nodes whose box is not wholly inside the canvas."""
    w, h = boxes["width"], boxes["height"]
    return [
        n["id"]
        for n in boxes["nodes"]
        if n["left"] < -TOLERANCE
        or n["top"] < -TOLERANCE
        or n["right"] > w + TOLERANCE
        or n["bottom"] > h + TOLERANCE
    ]


def png_size(url: str) -> tuple[int, int]:
    """Return a PNG data: URL's width and height, read from its IHDR chunk."""
    data = base64.b64decode(url.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def spread(page) -> tuple[float, float]:
    """Return how far apart the drawn nodes' centres are, across and down (graph units)."""
    return page.evaluate(
        "() => { const p = Object.values(window.lineageView.network.getPositions());"
        " const xs = p.map(q => q.x), ys = p.map(q => q.y);"
        " return [Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)]; }"
    )


def open_page(page, site: Path, path: str, watched):
    """Open a page and wait for its first drawing; return its watcher."""
    return harness.open_graph(page, site, path, watched)


def test_sample_site_has_the_graph_pages_the_issue_counted(site):
    assert len(graph_pages(site)) >= 60


def test_every_graph_page_opens_whole_fits_again_and_exports_whole(page, site, watched):
    crowded = []
    for path in graph_pages(site):
        watcher = open_page(page, site, path, watched)
        boxes = page.evaluate(BOXES)
        assert boxes["nodes"], path
        crowded += [f"{path} on opening: {n}" for n in outside(boxes)]
        for _ in range(4):
            page.click('[data-lg="zoom-in"]')
        assert page.evaluate(BOXES)["scale"] > boxes["scale"], path
        page.click('[data-lg="fit"]')
        crowded += [f"{path} after Fit: {n}" for n in outside(page.evaluate(BOXES))]
        width, height = png_size(harness.lv(page, "exportPng()"))
        across, down = spread(page)
        # At scale 1 a node's box is at least 150 graph units wide (vis.js widthConstraint).
        assert width >= across + 150 and height >= down + 20, path
        watcher.assert_clean()
    assert crowded == []


def test_the_browser_places_every_node_where_the_build_would(page, site, watched):
    # The page data carries layers only (#15): the browser's layout.js places each drawn
    # node exactly where Python's reference (pagedata.placed) puts it, on every page.
    for path in graph_pages(site):
        data = graphview.pagedata.placed(graphview.compact.read_page_file(site / path))
        want = {e["id"]: [e["x"], e["y"]] for e in data["nodes"] if "c" not in e}
        if not want:
            continue  # a type overview: its types come with their places
        open_page(page, site, path, watched).assert_clean()
        drawn = page.evaluate(
            "() => Object.entries(window.lineageView.network.getPositions())"
            ".map(([id, p]) => [id, [p.x, p.y]])"
        )
        assert dict(drawn) == want, path


def test_a_long_chain_shows_short_labels_and_full_ones_when_zoomed(page, site, watched):
    open_page(page, site, naming.node_path(MODEL), watched)
    opened = page.evaluate(BOXES)
    assert opened["level"] != "full" and outside(opened) == []
    for _ in range(4):
        page.click('[data-lg="zoom-in"]')
    zoomed = page.evaluate(BOXES)
    assert zoomed["level"] == "full" and zoomed["scale"] > opened["scale"]
    assert outside(zoomed)  # zoomed in, some of the chain is off the canvas
    page.click('[data-lg="zoom-out"]')
    assert page.evaluate(BOXES)["scale"] < zoomed["scale"]


def test_png_of_a_long_chain_is_wider_than_the_canvas_and_not_cropped(page, site, watched):
    open_page(page, site, naming.node_path(MODEL), watched)
    canvas_width = page.evaluate(BOXES)["width"]
    url = harness.lv(page, "exportPng()")
    width, _ = png_size(url)
    assert width > 2 * canvas_width
    # Ink (not the white background) near both ends, and a clean margin at both edges.
    ink = page.evaluate(
        """async (url) => {
          const img = new Image(); img.src = url; await img.decode();
          const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
          const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
          const column = (x) => { const d = ctx.getImageData(x, 0, 1, img.height).data;
            for (let i = 0; i < d.length; i += 4) {
              if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) return true; }
            return false; };
          const w = img.width;
          return [column(2), column(Math.round(w * 0.03)), column(Math.round(w * 0.97)),
                  column(w - 3)];
        }""",
        url,
    )
    assert ink == [False, True, True, False]
    assert page.evaluate(BOXES)["level"] != "full"  # the view on screen is as it was


def test_a_graph_over_sixty_nodes_opens_on_its_focus_with_a_minimap_fit_shows_it_all(
    page, chain_site, watched
):
    out, _ = chain_site
    open_page(page, out, "chain.html", watched)
    opened = page.evaluate(BOXES)
    assert len(opened["nodes"]) == 2 * CHAIN + 1
    shown = {n["id"] for n in opened["nodes"]} - set(outside(opened))
    assert shown >= {CHAIN_FOCUS, "run:r20", "run:r21"}
    assert len(shown) < 20
    # The minimap shows where the rest is; pressing its left end goes to the chain's start.
    page.wait_for_function("() => window.lineageView.minimapShown()")
    assert FIRST in outside(page.evaluate(BOXES))
    box = page.locator('[data-lg="minimap"]').bounding_box()
    page.mouse.click(box["x"] + 8, box["y"] + box["height"] / 2)
    assert FIRST not in outside(page.evaluate(BOXES))
    page.click('[data-lg="fit"]')
    assert outside(page.evaluate(BOXES)) == []
    page.wait_for_function("() => !window.lineageView.minimapShown()")  # all in view: no map


def test_full_screen_fills_the_window_and_gives_the_canvas_back(page, site, watched):
    watcher = open_page(page, site, naming.node_path(MODEL), watched)
    before = page.evaluate(BOXES)
    button = page.locator('[data-lg="fullscreen"]')
    button.click()
    page.wait_for_function("() => document.querySelector('.lg').classList.contains('lg-full')")
    page.wait_for_function("() => window.lineageView.screenBoxes().height > 600")
    full = page.evaluate(BOXES)
    assert button.get_attribute("aria-pressed") == "true"
    assert full["width"] > before["width"] and outside(full) == []
    button.click()
    page.wait_for_function("() => !document.querySelector('.lg').classList.contains('lg-full')")
    page.wait_for_function("() => window.lineageView.screenBoxes().height < 600")
    back = page.evaluate(BOXES)
    assert (back["width"], back["height"]) == (before["width"], before["height"])
    assert button.get_attribute("aria-pressed") == "false"
    watcher.assert_clean()


def test_controls_are_built_by_the_script_not_carried_by_the_page(page, site, watched):
    path = naming.node_path(MODEL)
    html = (site / path).read_text(encoding="utf-8")
    assert "lg-toolbar" not in html and 'data-lg="preview"' not in html
    opening = re.search(r'<section class="lg[^>]*>', html).group(0)
    assert 'data-lg="status"' not in html and "aria-label=" not in opening
    watcher = open_page(page, site, path, watched)
    for name in ("view-full", "direction", "fit", "zoom-in", "zoom-out", "fullscreen"):
        assert page.locator(f'[data-lg="{name}"]').is_visible(), name
    # The status line and the section's name come from the page's data.
    data = graphview.read_page_file(site / path)
    assert page.locator('[data-lg="status"][role="status"]').count() == 1
    assert page.locator('[data-lg="status"]').text_content() == data["note"]
    assert page.locator("#lineage-graph").get_attribute("aria-label") == data["title"]
    assert page.locator('[data-lg="preview"]').count() == 1
    assert page.locator('[data-lg="cluster"]').count() == 1
    watcher.assert_clean()


# --- dark mode (issue 13, point 4) -----------------------------------------------------------

RUN = "run:s472we7t"  # dainty-forest-19, which logged MODEL
EVAL = "run:m87bmxdj"  # jolly-cloud-30, which evaluated MODEL

# The colour of the canvas at (x, y), in its CSS pixels.
PIXEL = """([x, y]) => {
  const canvas = document.querySelector('[data-lg="canvas"] canvas');
  const ratio = canvas.width / canvas.clientWidth;
  const at = [Math.round(x * ratio), Math.round(y * ratio)];
  const d = canvas.getContext('2d').getImageData(at[0], at[1], 1, 1).data;
  return [d[0], d[1], d[2]];
}"""


def pixel(page, x: float = 3, y: float = 3) -> tuple[int, int, int]:
    """Return the (r, g, b) the canvas shows at (x, y): by default, its background."""
    return tuple(page.evaluate(PIXEL, [x, y]))


def ring_pixel(page, node_id: str) -> tuple[int, int, int]:
    """Return the colour where a selection ring runs, above the middle of a node's box."""
    spot = page.evaluate(
        "id => { const net = window.lineageView.network, b = net.getBoundingBox(id);"
        " return net.canvasToDOM({x: (b.left + b.right) / 2, y: b.top}); }",
        node_id,
    )
    return pixel(page, spot["x"], spot["y"] - 6.5)


def fill(page, node_id: str) -> tuple[int, int, int]:
    """Return the colour a node's box is filled with, as drawn on the canvas."""
    return harness.node_fill(page, node_id, margin=6)


def luminance(rgb) -> float:
    """Return a colour's relative luminance (WCAG 2)."""

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """Return the WCAG contrast ratio of two colours."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def hex_rgb(text: str) -> tuple[int, int, int]:
    """Return '#rrggbb' as (r, g, b)."""
    text = text.strip().lstrip("#")
    return tuple(int(text[i : i + 2], 16) for i in (0, 2, 4))


def graph_colours(page) -> dict[str, tuple[int, int, int]]:
    """Return the graph's theme colours (lineage-graph.css) that the canvas draws with."""
    names = ["text", "muted", "canvas", "artifact-bg", "run-bg"]
    values = page.evaluate(
        "names => { const s = getComputedStyle(document.querySelector('.lg'));"
        " return names.map(n => s.getPropertyValue('--lg-' + n)); }",
        names,
    )
    return {n: hex_rgb(v) for n, v in zip(names, values, strict=True) if v.strip()}


def assert_dark_graph(page) -> None:
    """Check that the canvas, its nodes, labels and toolbar are drawn dark and readable."""
    assert luminance(pixel(page)) < 0.02  # the canvas's background
    r, g, b = fill(page, MODEL)  # artifacts blue
    assert b > r and b > g and luminance((r, g, b)) < 0.1, (r, g, b)
    r, g, b = fill(page, RUN)  # runs green
    assert g > r and g > b and luminance((r, g, b)) < 0.1, (r, g, b)
    colours = graph_colours(page)
    for background in ("canvas", "artifact-bg", "run-bg"):
        assert contrast(colours["text"], colours[background]) >= 7, background
        assert contrast(colours["muted"], colours[background]) >= 4.5, background
    toolbar = page.evaluate(
        "getComputedStyle(document.querySelector('.lg-toolbar')).backgroundColor"
    )
    channels = [int(c) for c in toolbar[toolbar.index("(") + 1 : -1].split(",")[:3]]
    assert luminance(channels) < 0.05, toolbar


def test_dark_mode_reaches_the_graph(browser, site, watched):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="dark")
    try:
        page = context.new_page()
        watcher = open_page(page, site, naming.node_path(MODEL), watched)
        assert page.locator(".theme-toggle").get_attribute("aria-pressed") == "true"
        assert_dark_graph(page)
        watcher.assert_clean()
    finally:
        context.close()


def test_the_theme_toggle_turns_the_graph_dark_and_is_kept_across_pages(page, site, watched):
    watcher = open_page(page, site, naming.node_path(MODEL), watched)
    assert luminance(pixel(page)) > 0.9  # light, as the system is
    toggle = page.locator(".theme-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert toggle.get_attribute("aria-pressed") == "true"
    assert_dark_graph(page)
    watcher.assert_clean()
    open_page(page, site, naming.node_path(RUN), watched)  # another page: still dark
    assert page.locator(".theme-toggle").get_attribute("aria-pressed") == "true"
    assert luminance(pixel(page)) < 0.02
    page.locator(".theme-toggle").click()
    assert luminance(pixel(page)) > 0.9
    open_page(page, site, naming.node_path(MODEL), watched)
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert luminance(pixel(page)) > 0.9


# --- keyboard (issue 13, point 7) -------------------------------------------------------------


def selected(page) -> str | None:
    """Return the id of the node the keyboard selection is on."""
    return harness.lv(page, "selected()")


def test_arrow_keys_move_the_selection_along_edges(page, site, watched):
    watcher = open_page(page, site, naming.node_path(MODEL), watched)
    page.locator('[data-lg="canvas"]').focus()
    live = page.locator('[data-lg="live"]')
    page.keyboard.press("ArrowRight")  # the first key selects the page's node
    assert selected(page) == MODEL
    assert "mnist-cnn:v6" in live.text_content() and "this page" in live.text_content()
    page.keyboard.press("ArrowRight")  # to the run that used it
    assert selected(page) == EVAL
    assert "jolly-cloud-30" in live.text_content()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")  # back over the model to the run that logged it
    assert selected(page) == RUN
    assert live.get_attribute("aria-live") == "polite"
    # The selection ring: the theme's ring colour just above the node's box.
    assert luminance(ring_pixel(page, RUN)) < 0.05
    assert luminance(ring_pixel(page, MODEL)) > 0.9  # no ring on the others
    watcher.assert_clean()


def test_enter_opens_the_preview_escape_closes_it_and_keys_zoom(page, site, watched):
    watcher = open_page(page, site, naming.node_path(MODEL), watched)
    page.locator('[data-lg="canvas"]').focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")  # the run that logged the model
    page.keyboard.press("Enter")
    preview = page.locator('[data-lg="preview"]')
    assert preview.is_visible()
    assert preview.locator('[data-lg="preview-title"]').text_content() == "dainty-forest-19"
    page.keyboard.press("Escape")
    assert not preview.is_visible()
    scale = page.evaluate(BOXES)["scale"]
    page.keyboard.press("+")
    page.keyboard.press("+")
    assert page.evaluate(BOXES)["scale"] > scale
    page.keyboard.press("-")
    assert page.evaluate(BOXES)["scale"] < scale * 1.25**2
    page.keyboard.press("0")
    assert outside(page.evaluate(BOXES)) == []
    watcher.assert_clean()


def test_a_skip_link_moves_the_keyboard_past_the_graph(page, site, watched):
    watcher = open_page(page, site, naming.node_path(MODEL), watched)
    url = page.url
    skip = page.locator(".lg-skip")
    assert skip.bounding_box()["width"] <= 1  # shown only when the keyboard reaches it
    skip.focus()
    assert skip.bounding_box()["width"] > 50 and skip.text_content() == "Skip the graph"
    page.keyboard.press("Tab")  # without it: into the graph's toolbar
    assert page.evaluate("document.activeElement.dataset.lg") == "view-full"
    skip.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "lineage-graph-end"
    assert page.url == url  # the fragment, which holds the view, is untouched
    watcher.assert_clean()


def test_space_puts_a_pulled_out_member_back(page, site, watched):
    watcher = open_page(page, site, naming.node_path("artifact:mnist-train:v1"), watched)
    sweep = harness.cluster_of(page, "16 runs · train")
    harness.lv(page, f"extract({RUN!r})")
    spot = harness.node_spot(page, RUN)
    page.mouse.click(spot["x"], spot["y"])  # selects it, opens its preview, focuses the canvas
    assert selected(page) == RUN
    page.keyboard.press("Escape")
    page.keyboard.press(" ")
    assert RUN not in harness.lv(page, "visibleNodeIds()")
    assert selected(page) == sweep["id"]
    assert "16 runs" in page.locator('[data-lg="live"]').text_content()
    watcher.assert_clean()


@pytest.mark.parametrize("path", [naming.node_path(MODEL), naming.GRAPH])
def test_a_phone_opens_the_graph_whole_too(browser, site, watched, path):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        watcher = open_page(page, site, path, watched)
        boxes = page.evaluate(BOXES)
        assert boxes["width"] < 390 and outside(boxes) == []
        watcher.assert_clean()
    finally:
        context.close()
