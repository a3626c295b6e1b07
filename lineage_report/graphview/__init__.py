"""Graph views for the browser: layers, clusters and compact page data, computed at build time.

A view is the part of the lineage graph one page draws: a node's neighbourhood
(`page_graph`), the whole project (`project_graph`) or one node per type (`type_overview`),
layered and clustered in Python and serialised once for `lineage-graph.js` (format:
docs/graph.md), which places the nodes within their layers as `layout.place` does. The
modules, bottom up: `style` (the one palette), `text`, `facts` (per-graph
lookups and what views share: the caller keeps one `GraphFacts` per build), `layout`,
`neighbourhood`, `clusters`, `fans`, `entries`, `overview`, `compact` (the page data as a page
embeds it), `pagedata`, `pages`, `exporters` (Mermaid, pyvis). This face only hands on the
names callers use.
"""

from __future__ import annotations

from .clusters import MAX_LAYER, MEMBER_BUDGET
from .compact import Rows, read_page_file
from .compact import read as read_page_data
from .exporters import mermaid, to_pyvis
from .facts import GraphFacts
from .fans import FAN_GROUPS, FAN_MEMBERS, relation
from .layout import X_GAP, Y_GAP
from .merge import model_pages
from .neighbourhood import FAN_LIMIT, MODEL_WALK_LIMIT, WALK_LIMIT, walk_limit
from .overview import TYPES_FILE, TypeTable, type_layout, type_table
from .pagedata import DATA_VERSION, GraphView, escape_json
from .pages import (
    DEFAULT_THRESHOLD,
    LEAN_NOTE,
    MAX_BYTES,
    MEMBER_CAP,
    PROJECT_LIMIT,
    page_graph,
    project_graph,
    type_overview,
)
from .rows import page_rows
from .style import style_script
from .text import GROUP_MAX, LABEL_MAX, TEXT_MAX

__all__ = [
    "DATA_VERSION",
    "DEFAULT_THRESHOLD",
    "FAN_GROUPS",
    "FAN_LIMIT",
    "FAN_MEMBERS",
    "GROUP_MAX",
    "LABEL_MAX",
    "LEAN_NOTE",
    "MAX_BYTES",
    "MAX_LAYER",
    "MEMBER_BUDGET",
    "MEMBER_CAP",
    "MODEL_WALK_LIMIT",
    "PROJECT_LIMIT",
    "TEXT_MAX",
    "TYPES_FILE",
    "WALK_LIMIT",
    "X_GAP",
    "Y_GAP",
    "GraphFacts",
    "GraphView",
    "Rows",
    "TypeTable",
    "escape_json",
    "mermaid",
    "model_pages",
    "read_page_data",
    "read_page_file",
    "page_rows",
    "page_graph",
    "project_graph",
    "relation",
    "style_script",
    "to_pyvis",
    "type_layout",
    "type_overview",
    "walk_limit",
    "type_table",
]
