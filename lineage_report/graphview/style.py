"""The graph style: node colours per kind and the Mermaid classes, defined once.

The Python exporters (Mermaid text, pyvis) read this data; the browser reads the same data
from `graph-style.js`, the text style_script() returns, so a page's drawing and its exports
cannot drift apart. Plain data only: no drawing logic lives here.
"""

from __future__ import annotations

import json
from typing import Any

# Background and border per kind of node; `external` marks nodes outside the project.
PALETTE: dict[str, dict[str, str]] = {
    "artifact": {"background": "#dbeafe", "border": "#2563eb"},
    "run": {"background": "#dcfce7", "border": "#16a34a"},
    "external": {"background": "#f1f5f9", "border": "#64748b"},
}
FOCUS_BORDER = "#d97706"  # the border of the node a page is about
FAILING = "#cf222e"  # the border and line of a version with failing data-quality checks
TEXT_COLOUR = "#0f172a"

# Mermaid wraps a node's quoted label in these brackets: runs rounded, clusters doubled.
MERMAID_SHAPES: dict[str, tuple[str, str]] = {
    "artifact": ('["', '"]'),
    "run": ('(["', '"])'),
    "cluster": ('[["', '"]]'),
}


def _kind_class(kind: str) -> str:
    """Return the Mermaid classDef line of a kind of node."""
    fill, stroke = PALETTE[kind]["background"], PALETTE[kind]["border"]
    return f"classDef {kind} fill:{fill},stroke:{stroke},color:{TEXT_COLOUR}"


# Both Mermaid writers (graphview.exporters and the browser's) emit these lines in this order.
MERMAID_CLASS_DEFS: tuple[str, ...] = (
    _kind_class("artifact"),
    _kind_class("run"),
    f"classDef focus stroke:{FOCUS_BORDER},stroke-width:3px",
)


def style_data() -> dict[str, Any]:
    """Return the style as the plain data graph-style.js carries (format: docs/graph.md)."""
    return {
        "palette": {kind: dict(colours) for kind, colours in PALETTE.items()},
        "focusBorder": FOCUS_BORDER,
        "failing": FAILING,
        "mermaid": {"classDefs": list(MERMAID_CLASS_DEFS)},
    }


def style_script() -> str:
    """Return the text of graph-style.js: the style as `window.LineageGraphStyle`."""
    return f"window.LineageGraphStyle = {json.dumps(style_data(), sort_keys=True)};\n"
