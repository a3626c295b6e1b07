"""Per-graph facts: what every view looks up about the nodes, gathered once per graph.

The build makes one `GraphFacts` and hands it to the view of every page, so the lookups
and what the views share (a node's entry, a hub's fans, the type overview's places) are
made once per build; a view given a bare graph gathers its own. Nothing is kept at module
level: what is remembered lives exactly as long as the caller's object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from ..naming import run_node
from .text import GROUP_MAX, plain

PARENT_BUCKET = "\x00parent:"  # a bucket of child runs, by parent node (no type starts so)


class GraphFacts:
    """What every view of one graph looks up, gathered once; views treat the graph as read-only.

    Plain dicts instead of networkx's views: a page asks these questions hundreds of
    times, and a project asks them for every page.
    """

    def __init__(self, graph: nx.DiGraph) -> None:
        attrs = dict(graph.nodes(data=True))
        self.graph = graph
        self.succ: dict[str, dict] = dict(graph.adjacency())  # networkx's own (never changed)
        self.pred: dict[str, dict] = dict(graph.reverse(copy=False).adjacency())
        self.kind = {n: node_kind(a) for n, a in attrs.items()}  # "run" or "artifact"
        self.group = {n: str(a.get("group") or "") for n, a in attrs.items()}  # as given
        self.label_group = {n: plain(g, GROUP_MAX) for n, g in self.group.items()}
        self.when = {n: _timestamp(a) for n, a in attrs.items()}  # sortable, "" if unknown
        self.parent = {n: p for n, a in attrs.items() if (p := _parent_node(a))}  # child runs
        # A cluster bucket (clusters.py): its parent run's (child runs go together), or type.
        self.bucket = {
            n: PARENT_BUCKET + self.parent[n] if n in self.parent else g
            for n, g in self.group.items()
        }
        self.columned = {n for n, a in attrs.items() if a.get("column_lineage")}  # columns.py
        # Shared by the views of this graph, each filled on first use by the module that
        # owns it: node entries without links (entries), their fragments by the site's
        # links, node and preview (fragments), hubs' fans by (hub, way) (fans),
        # the type overview's places, entries by type id and table (overview), and the member
        # files by the members they hold (members).
        self.entries: dict[str, dict[str, Any]] = {}
        self.fragments: dict[Any, dict[tuple[str, str], Any]] = {}  # fragments.Fragment
        self.run_ends: dict[str, int] | None = None
        self.member_files: dict[Any, Any] = {}
        self.fan_plans: dict[tuple[str, str], tuple] = {}
        self.type_places: dict[str, tuple[int, int]] = {}
        self.type_entries: dict[str, dict[str, Any]] = {}
        self.type_table: Any = None  # overview.TypeTable, the site's (overview.type_table)


def facts_of(graph: nx.DiGraph | GraphFacts) -> GraphFacts:
    """Return the facts of a graph: the caller's own, or gathered now for a one-off view."""
    return graph if isinstance(graph, GraphFacts) else GraphFacts(graph)


def node_kind(attrs: Mapping[str, Any]) -> str:
    """Return "run" or "artifact" (anything unexpected is drawn as an artifact)."""
    return "run" if attrs.get("kind") == "run" else "artifact"


def _parent_node(attrs: Mapping[str, Any]) -> str:
    """Return the node id of a run's parent run ("" when it has none)."""
    parent = attrs.get("parent")
    run_id = parent.get("id") if isinstance(parent, Mapping) else None
    return run_node(run_id) if isinstance(run_id, str) and run_id else ""


def _timestamp(attrs: Mapping[str, Any]) -> str:
    """Return the node's creation or start time as a sortable string ("" if unknown)."""
    value = attrs.get("created_at") or attrs.get("started_at") or ""
    return value if isinstance(value, str) else ""
