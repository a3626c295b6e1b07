"""Page data: the object a page embeds for the browser, and the GraphView that carries it.

The data (format: docs/graph.md) holds node entries ordered by position, edges as one flat
list of entry indexes, the type overview and the filters' types; it is encoded compactly
(`compact`) and serialised once, as JSON escaped for a `<script>` element (`scriptjson`),
and `lineage-graph.js` draws it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from markupsafe import Markup

from ..scriptjson import script_json
from .clusters import Cluster
from .compact import encode_page, read
from .facts import GraphFacts
from .layout import Y_GAP, Edge, place
from .text import GROUP_MAX, LABEL_MAX, plain

# 2: the compact encoding (string table, flat preview rows); 3: a lean head; 4: the entries
# in columns (compact.columns); 5: listed nodes named by their rows (rows.py), `groups` left
# to the type overview; 6: a run id's end after its last "@" in the string table; 7: drawn
# nodes without their y, which the browser works out (`placed`), in (x, id) order; 8: a drawn
# view's entries as fragments made once per build (fragments.py), with the page's own keys
DATA_VERSION = 8


@dataclass(frozen=True)
class GraphView:
    """What the graph partial needs: the page data, escaped for a script element, and counts."""

    mode: str  # "page", "project" or "types"
    title: str
    focus: str | None
    data_json: Markup  # compact (compact.encode_page), as the page embeds it
    node_count: int  # nodes drawn when the page opens (clusters count as one)
    total_count: int  # lineage nodes the view stands for
    cluster_count: int
    note: str  # why the view is cut short, or ""
    shows: tuple[str, ...] = ()  # the nodes it draws, clusters or lists (a fan's hub: the rest)
    members: tuple = ()  # the member files its clusters name (graphview.members.MemberFile)
    type_table: Any = None  # the site's type table and root its data names (overview.TypeTable)
    rows: tuple = ()  # the page's lineage list rows, which its data may name (rows.py)
    overview: bool = False  # it carries a type overview (data["types"])

    @functools.cached_property
    def data(self) -> dict[str, Any]:
        """Return the data expanded, as Python reads it (a build's pages never need it)."""
        return read(self.data_json, self.type_table[0] if self.type_table else None, self.rows)

    @property
    def byte_size(self) -> int:
        """Return the size of the embedded data in bytes (UTF-8)."""
        text = self.data_json
        return len(text) if text.isascii() else len(text.encode("utf-8"))


@dataclass(frozen=True)
class Head:
    """The parts of a view's data that do not change as it is made leaner."""

    mode: str
    title: str
    focus: str | None
    depth: int | None
    total: int
    groups: dict[str, list[str]]
    shows: tuple[str, ...] = ()
    types: Any = None  # the site's type table and the page's root, if it may name them
    rows: tuple = ()  # the page's lineage list rows, which its entries may name (rows.py)


def finish(
    head: Head, note, entries, flat, types, cluster_count, columns=None, previews=None
) -> GraphView:
    """Return the GraphView of entries and edges, its data serialised once.

    `previews` is (folder link, shard count) of the site's preview files (previews.py),
    where the entries' previews are, or None when the entries hold their own.
    """
    data = _data_dict(head, note, entries, flat, types)
    if columns:  # the column view's data (graphview/columns.py), on pages that have some
        data["columns"] = columns
    if previews is not None:
        data["pv"], data["pn"] = previews
    drawn = sum(1 for e in entries if "c" not in e) if isinstance(entries, list) else entries.drawn
    compact = encode_page(data, head.types, head.rows)
    return GraphView(
        head.mode,
        head.title,
        head.focus,
        escape_json(compact),
        drawn,
        head.total,
        cluster_count if drawn else 0,
        note,
        head.shows,
        type_table=head.types if names_types(compact) else None,
        rows=head.rows,
        overview=bool(types),
    )


def names_types(compact: dict[str, Any]) -> bool:
    """Tell whether compact data names its types in the site's type table."""
    return "tn" in (compact.get("types") or {})


def with_groupings(view: GraphView, groupings: list[dict], by: str | None, note: str) -> GraphView:
    """Return the project view with its groupings (groupings.py) and the one it opens on.

    Only the project page carries them. `by` and `note` apply only to a view that draws
    no nodes of its own (a project too big to draw), else the view keeps its own note.
    """
    if not groupings:
        return view
    if view.data["nodes"]:
        by, note = None, view.note
    data = {**view.data, "groupings": groupings, "note": note}
    if by:
        data["by"] = by
    compact = encode_page(data, view.type_table)
    table = view.type_table if names_types(compact) else None
    return replace(view, data_json=escape_json(compact), note=note, type_table=table)


def _data_dict(head: Head, note: str, entries, flat, types) -> dict[str, Any]:
    """Return the page data object (format: docs/graph.md)."""
    return {
        "v": DATA_VERSION,
        "mode": head.mode,
        "title": plain(head.title, LABEL_MAX),
        "focus": head.focus,
        "depth": head.depth,
        "note": note,
        "row": Y_GAP,
        "nodes": entries,
        "edges": flat,
        "types": types,
        "groups": head.groups,
        "total": head.total,
    }


def view_groups(
    facts: GraphFacts, nodes: list[str], fans: Iterable[Cluster] = ()
) -> dict[str, list[str]]:
    """Return the artifact types and job types in the view, for the filter controls."""
    seen: dict[str, set[str]] = {"artifact": set(), "run": set()}
    kinds, groups = facts.kind, facts.label_group
    for n in nodes:
        seen[kinds[n]].add(groups[n])
    for fan in fans:
        seen[fan.kind].update(plain(g, GROUP_MAX) for g, _ in fan.tally)
    return {kind: sorted(values) for kind, values in seen.items()}


def flat_edges(edges: list[Edge], index: dict[str, int], rep: dict[str, str]) -> list[int]:
    """Return edges as a flat index list; a member left out is stood for by its cluster."""
    pairs = set()
    for u, v in edges:
        a = index[u] if u in index else index[rep[u]]
        b = index[v] if v in index else index[rep[v]]
        if a != b:
            pairs.add((a, b))
    return [i for pair in sorted(pairs) for i in pair]


def placed(data: dict[str, Any]) -> dict[str, Any]:
    """Return page data with each drawn node's y, as the browser works it out from the
    layers (x) and the edges between drawn nodes (lineage-graph/layout.js, `layout.place`).

    Data that has them (a type overview's, a grouping's) is returned as it is.
    """
    entries = data.get("nodes") or []
    drawn = [e for e in entries if "c" not in e]
    if not drawn or "y" in drawn[0]:
        return data
    ids = [e["id"] for e in entries]
    edges = sorted((ids[a], ids[b]) for a, b in drawn_pairs(entries, data["edges"]))
    pos = place({e["id"]: e["x"] for e in drawn}, edges)
    nodes = [e if "c" in e else {**e, "y": pos[e["id"]][1]} for e in entries]
    return {**data, "nodes": nodes}


def drawn_pairs(entries: list[dict], flat: list[int]) -> list[tuple[int, int]]:
    """Return the edges between drawn entries (members stood for by their cluster)."""
    pairs = set()
    for a, b in zip(flat[::2], flat[1::2], strict=True):
        a, b = entries[a].get("c", a), entries[b].get("c", b)
        if a != b:
            pairs.add((a, b))
    return sorted(pairs)


def escape_json(obj: Any) -> Markup:
    """Return compact, sorted JSON that no string in it can end a <script> element early;
    a drawn view's fragments (fragments.py, already so) come last, as they are."""
    page = obj.get("fr") if isinstance(obj, dict) else None
    if page is None:
        return Markup(script_json(obj))
    text = script_json({key: value for key, value in obj.items() if key != "fr"})
    return Markup(f'{text[:-1]},"fr":[{",".join(page.fragments)}]}}')
