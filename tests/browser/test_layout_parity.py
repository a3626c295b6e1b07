"""The browser places nodes as Python's layout does, bit for bit (layout.js, layout.py).

`window.LineageGraph.place` (themes/default/assets/lineage-graph/layout.js) ports
lineage_report/graphview/layout.py's `place`, which stays the reference. Hypothesis draws
graphs (ids with astral characters and characters of U+E000..U+FFFF, whose order differs
between code points and UTF-16 code units; crowded layers, so the sweeps reorder them; many
equal means, so ties are broken by id; lineage graphs, layered as a build layers them) and
both must give the same x and y for every node, and the same floats before rounding, bit for
bit. The examples at the end pin the rules a naive port gets wrong.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

from lineage_report.graphview import layout

pytestmark = pytest.mark.browser

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>layout</title></head>
<body><script src="assets/lineage-graph.js"></script></body></html>
"""

# The layers come as [id, layer] pairs (a Map: any id is a key, even `__proto__`); the result
# as [id, x, y, y before rounding] rows, which the page's JSON carries exactly (a double's
# shortest text reads back as the same double; -0 comes as -0.0).
PLACE = """([layer, edges]) => {
  const LG = window.LineageGraph;
  const ys = LG.layout.ys(new Map(layer), edges);
  return Array.from(LG.place(new Map(layer), edges), ([id, p]) => [id, p.x, p.y, ys.get(id)]);
}"""
PLACE_OBJECT = """([layer, edges]) => Array.from(
  window.LineageGraph.place(layer, edges), ([id, p]) => [id, p.x, p.y, null])"""

EMOJI = "\U0001f600"  # astral: UTF-16 surrogates D83D DE00, below U+E000 as code units
FULLWIDTH = "\uff01"  # below every astral character by code point, above it by code unit


@pytest.fixture(scope="module")
def layout_page(browser, tmp_path_factory):
    """Open, once for the module, a page that loads the graph's bundle and nothing else."""
    site = tmp_path_factory.mktemp("layout")
    harness.write_site(site, {})  # the graph's assets, as the harness pages load them
    (site / "layout.html").write_text(PAGE, encoding="utf-8")
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((site / "layout.html").as_uri())
    assert page.evaluate("typeof window.LineageGraph.place") == "function", errors
    yield page
    context.close()
    assert errors == []


def browser_place(page, layer: dict[str, int], edges: list[tuple[str, str]], script=PLACE):
    """Return the page's places (as Python's place returns them) and its ys before rounding."""
    pairs = [list(item) for item in layer.items()] if script is PLACE else layer
    rows = page.evaluate(script, [pairs, [list(e) for e in edges]])
    assert len(rows) == len(layer)
    # Integers, as Python's: a float (or -0, which reaches Python as -0.0) is a difference.
    assert all(type(x) is int and type(y) is int for _, x, y, _ in rows), rows
    return {n: (x, y) for n, x, y, _ in rows}, {n: bits(v) for n, _, _, v in rows}


def python_place(layer: dict[str, int], edges: list[tuple[str, str]]):
    """Return Python's places and its ys before rounding.

    `place` keeps its ys to itself and rounds each once, in `layer`'s order: the test reads
    them off those round() calls.
    """
    unrounded = []

    def recording_round(y: float) -> int:
        unrounded.append(y)
        return round(y)

    layout.round = recording_round  # the module's name `round`, over the builtin
    try:
        placed = layout.place(layer, edges)
    finally:
        del layout.round
    assert len(unrounded) == len(layer)
    return placed, dict(zip(layer, unrounded, strict=True))


def bits(y) -> str | None:
    """Return a y's exact double (its hex: -0.0 and 0.0 differ), None for none."""
    return None if y is None else float(y).hex()


def assert_same(page, layer: dict[str, int], edges: list[tuple[str, str]]):
    """Check the browser places the graph exactly as Python does; return Python's places and
    its ys before rounding."""
    expected, expected_ys = python_place(layer, edges)
    placed, ys = browser_place(page, layer, edges)
    assert placed == expected, (layer, edges)
    assert ys == {n: bits(y) for n, y in expected_ys.items()}, (layer, edges)
    return expected, expected_ys


# --- generated graphs -----------------------------------------------------------------------

# Few letters, so ids share prefixes; astral characters and U+E000..U+FFFF, so code points
# and code units disagree; then any character but a surrogate (a Python id is text).
SPECIAL = ["a", "b", EMOJI, "\U0001f601", "\U00010000", "\U0010fffd", "\ue000", FULLWIDTH, "\uffff"]
CHARS = st.one_of(st.sampled_from(SPECIAL), st.characters(exclude_categories=("Cs",)))
IDS = st.text(CHARS, max_size=4)


@st.composite
def graphs(draw):
    """Draw (layer, edges) as place's callers pass them: distinct pairs sorted as Python does.

    The sizes are drawn first: left to itself, Hypothesis draws mostly tiny graphs with an
    edge or two, which rarely sweep, tie or sum a long mean.
    """
    size = draw(st.integers(1, 40))
    ids = draw(st.lists(IDS, min_size=size, max_size=size, unique=True))
    shape = draw(st.sampled_from(["spread", "crowded", "ties", "lineage"]))
    top = {"spread": 8, "crowded": 2, "ties": 3, "lineage": 8}[shape]  # 3 layers: 6+ nodes each
    low = draw(st.integers(0, top))
    layer = {n: draw(st.integers(low, top)) for n in ids}
    node = st.sampled_from(ids)
    count = draw(st.integers(0, 3 if shape == "ties" else 3 * size))
    # Any pairs: within a layer, across several, back to the left, to itself.
    edges = set(draw(st.lists(st.tuples(node, node), min_size=count, max_size=count)))
    if shape == "ties":  # whole layers joined to whole layers: many nodes share their mean
        joined = draw(st.sets(st.integers(0, top)))
        edges |= {
            (u, v) for u in ids for v in ids if layer[u] in joined and layer[v] == layer[u] + 1
        }
    if shape == "lineage":  # the layers a build gives its graph (a cycle's back edges left out)
        layer = layout.layering(ids, sorted(edges))
    return layer, sorted(edges)


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_the_browser_places_any_graph_as_python_does(layout_page, graph):
    assert_same(layout_page, *graph)


# --- the rules a naive port breaks ----------------------------------------------------------


def test_a_half_way_y_rounds_to_even(layout_page):
    """a's y comes out -87.5 and b's -7.5: round() gives -88 and -8, Math.round -87 and -7."""
    layer = {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1, "f": 2}
    edges = [("b", "d"), ("b", "f"), ("d", "f"), ("e", "f")]
    placed, ys = assert_same(layout_page, layer, edges)
    assert (ys["a"], ys["b"]) == (-87.5, -7.5)
    assert (placed["a"], placed["b"]) == ((0, -88), (0, -8))


def test_a_y_just_below_zero_rounds_to_zero_not_minus_zero(layout_page):
    """d's y comes out -1.4e-14 (the means' sums are not exact): 0, never -0."""
    layer = {"a": 0, "b": 1, "c": 2, "d": 2, "e": 2, "f": 3}
    edges = [("a", "b"), ("b", "c"), ("c", "f"), ("d", "f"), ("e", "f")]
    placed, ys = assert_same(layout_page, layer, edges)
    assert -1e-13 < ys["d"] < 0
    assert placed["d"] == (520, 0)


def test_blocks_are_compared_cross_multiplied(layout_page):
    """Two blocks' means compared divided (t1 / c1 > t2 / c2) pool one pair more here: the
    ys then differ in their last bits (the rounded ys do not), which the test compares too."""
    layer = {"n00": 1, "n01": 0, "n02": 0, "n03": 1, "n04": 0, "n07": 3, "n08": 1, "n09": 3}
    layer |= {"n10": 3, "n11": 0, "n13": 3, "n14": 3, "n15": 0, "n16": 0, "n17": 3, "n18": 1}
    assert_same(layout_page, layer, [("n10", "n03"), ("n11", "n03"), ("n15", "n13")])


@pytest.mark.parametrize(
    ("layer", "edges"),
    [
        # No edges: each node's mean is its own y, so the layer keeps its id order.
        ({EMOJI: 0, FULLWIDTH: 0}, []),
        # One input: both means are its y, and the sweep breaks the tie by id.
        ({"s": 0, EMOJI: 1, FULLWIDTH: 1}, [("s", EMOJI), ("s", FULLWIDTH)]),
    ],
    ids=["id-order", "tie-break"],
)
def test_ids_are_ordered_by_code_point(layout_page, layer, edges):
    """U+FF01 comes before U+1F600, as Python sorts; UTF-16 code units put it after."""
    placed, _ = assert_same(layout_page, layer, edges)
    assert placed[FULLWIDTH][1] < placed[EMOJI][1]


# A lineage graph (layering's own layers) whose places change when the sweeps go in another
# order: inputs first, then outputs from the right; three sweeps, two or five; or both ways
# from the left.
SWEPT = (
    {"a": 0, "b": 0, "c": 1, "d": 1, "e": 1, "f": 2, "g": 2},
    [
        ("a", "c"),
        ("a", "e"),
        ("a", "g"),
        ("b", "d"),
        ("b", "g"),
        ("c", "g"),
        ("d", "f"),
        ("e", "f"),
    ],
)


def test_the_sweeps_go_as_pythons(layout_page):
    placed, _ = assert_same(layout_page, *SWEPT)
    assert placed == {
        "a": (0, 59),
        "b": (0, -21),
        "c": (260, 93),
        "d": (260, -67),
        "e": (260, 13),
        "f": (520, -38),
        "g": (520, 42),
    }


def test_a_plain_object_of_layers_places_as_a_map(layout_page):
    layer, edges = SWEPT
    placed, _ = browser_place(layout_page, layer, edges, PLACE_OBJECT)
    assert placed == layout.place(layer, edges)


def test_layers_are_ordered_as_numbers(layout_page):
    """Eleven layers: layer 10 sorted before 2 (as text) is pulled straight too early."""
    chain = [f"c{i:02d}" for i in range(11)]
    layer = {n: i for i, n in enumerate(chain)} | {"x": 6}
    edges = sorted([*zip(chain[:-1], chain[1:], strict=True), ("c05", "x")])
    placed, _ = assert_same(layout_page, layer, edges)
    assert placed["c10"] == (2600, -40)
