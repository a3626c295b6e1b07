"""Exporters: a view as Mermaid text and as a pyvis Network, styled from `style`.

The Mermaid text is the one the browser's export builds for the same view (a browser test
compares them); pyvis gets the same computed positions with physics off, for notebooks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import networkx as nx

from .facts import GraphFacts
from .pagedata import GraphView, drawn_pairs, placed
from .pages import DEFAULT_THRESHOLD, page_graph, project_graph
from .style import FOCUS_BORDER, MERMAID_CLASS_DEFS, MERMAID_SHAPES, PALETTE

_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 _.,:/@+=-]")


def mermaid(view: GraphView | Mapping[str, Any]) -> str:
    """Return Mermaid flowchart text of a view as first drawn (the browser's export, same text)."""
    data = placed(view.data if isinstance(view, GraphView) else view)
    entries = data.get("nodes") or []
    if not entries and data.get("types"):
        entries, flat = data["types"]["nodes"], data["types"]["edges"]
    else:
        flat = data.get("edges") or []
    drawn = [i for i, e in enumerate(entries) if "c" not in e]
    drawn.sort(key=lambda i: (entries[i]["x"], entries[i]["y"], entries[i]["id"]))
    number = {i: n for n, i in enumerate(drawn)}
    pairs = sorted((number[a], number[b]) for a, b in drawn_pairs(entries, flat))
    focus = data.get("focus")
    return _mermaid_text([entries[i] for i in drawn], sorted(pairs), focus)


def to_pyvis(
    graph: nx.DiGraph | GraphFacts,
    focus: str | None = None,
    depth: int | None = None,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    limit: int | None = None,
    notebook: bool = True,
    height: str = "600px",
):
    """Return a pyvis Network of the same view (positions fixed, physics off), for notebooks."""
    from pyvis.network import Network  # imported late: only notebook users need it

    if focus is None:
        view = project_graph(graph, threshold=threshold)
    else:
        view = page_graph(graph, focus, depth=depth, threshold=threshold, limit=limit)
    # in_line: pyvis's other modes load from CDNs or write lib/ into the current directory.
    net = Network(
        height=height, width="100%", directed=True, notebook=notebook, cdn_resources="in_line"
    )
    data = placed(view.data)
    entries = data["nodes"] or data["types"]["nodes"]
    flat = data["edges"] if data["nodes"] else data["types"]["edges"]
    drawn = [e for e in entries if "c" not in e]
    for entry in drawn:
        net.add_node(entry["id"], **_pyvis_node(entry, entry["id"] == view.focus))
    for a, b in drawn_pairs(entries, flat):
        design = {"dashes": True} if entries[a].get("d") or entries[b].get("d") else {}
        net.add_edge(entries[a]["id"], entries[b]["id"], arrows="to", **design)
    net.toggle_physics(False)
    return net


def _mermaid_text(drawn: list[dict], pairs: list[tuple[int, int]], focus: str | None) -> str:
    """Return the flowchart; the browser's exporter builds the very same text."""
    lines = ["flowchart LR"]
    classes: dict[str, list[str]] = {"artifact": [], "run": [], "focus": []}
    for n, entry in enumerate(drawn):
        kind = entry.get("ck") or entry["k"]
        lines.append(f"  n{n}{_mermaid_shape(entry)}")
        classes[kind].append(f"n{n}")
        if entry["id"] == focus:
            classes["focus"].append(f"n{n}")
    # A design run's edges are dotted: a job definition, not an observed run.
    lines.extend(f"  n{a} {_mermaid_arrow(drawn[a], drawn[b])} n{b}" for a, b in pairs)
    lines.extend(f"  {line}" for line in MERMAID_CLASS_DEFS)
    lines.extend(f"  class {','.join(ids)} {name}" for name, ids in classes.items() if ids)
    return "\n".join(lines) + "\n"


def _mermaid_arrow(a: dict, b: dict) -> str:
    """Return the edge's arrow: dotted when an end is a design run."""
    return "-.->" if a.get("d") or b.get("d") else "-->"


def _mermaid_shape(entry: dict) -> str:
    """Return a node's Mermaid shape and quoted label: runs rounded, clusters doubled."""
    shape = "cluster" if entry["k"] == "cluster" else (entry.get("ck") or entry["k"])
    if entry["k"] == "cluster":
        text = _mermaid_escape(entry["l"])
    elif entry["k"] == "type":
        text = _mermaid_escape(entry["g"]) + "<br/>" + _mermaid_escape(entry["t"])
    else:
        top = _mermaid_escape(entry["g"])
        text = (top + "<br/>" if top else "") + _mermaid_escape(entry["l"])
    opening, closing = MERMAID_SHAPES[shape]
    return f"{opening}{text}{closing}"


def _mermaid_escape(text: str) -> str:
    """Return text with every character outside a small safe set as a Mermaid entity (#60;)."""
    return "".join(c if _MERMAID_SAFE.match(c) else f"#{ord(c)};" for c in text)


def _pyvis_node(entry: dict, focused: bool) -> dict[str, Any]:
    """Return pyvis add_node options for an entry at its computed position."""
    kind = entry.get("ck") or entry["k"]
    if entry["k"] in ("artifact", "run"):
        label = f"{entry['g']}\n{entry['l']}" if entry["g"] else entry["l"]
    elif entry["k"] == "type":
        label = f"{entry['g']}\n{entry['t']}"
    else:
        label = entry["l"]
    # Externals keep their kind's colours here (the browser greys them): as before the style
    # moved to one place, so an export's look did not change with it.
    colour = dict(PALETTE[kind])
    if focused:
        colour["border"] = FOCUS_BORDER
    return {
        # pyvis writes labels into its page's script unescaped: break every "</" apart.
        "label": label.replace("<", "<\u2060"),
        "shape": "box",
        "color": colour,
        "borderWidth": 3 if focused else 1,
        "x": entry["x"],
        "y": entry["y"],
        "physics": False,
        "shapeProperties": {"borderDashes": [6, 3]} if entry["k"] == "cluster" else {},
    }
