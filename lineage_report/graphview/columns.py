"""Column lineage for the graph's column view: which of a page's datasets' columns feed which.

A version read from OpenLineage's `columnLineage` facet carries `column_lineage`: each output
column with its input columns, named by dataset. Among the entries a page embeds, an input
column is resolved to the version its producer read of that dataset (as the version page's
"upstream columns" trace does), and only edges with both ends on the page are kept. The
browser (`lineage-graph/columns.js`) walks them across hops; nothing is fetched.

The data (format: docs/graph.md, "The column view") is compact: column names and
transformation kinds in one string table, columns as (entry, name) slots, edges as index
pairs, the producing run of each dataset that has edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .facts import GraphFacts
from .text import TEXT_MAX, plain

COLUMN_EDGES_MAX = 5000  # column edges one page embeds (about 60 KB); the rest are counted

Slot = tuple[int, str]  # an entry's index and one of its column names


def column_data(facts: GraphFacts, ids: list[str], focus: int | None) -> dict[str, Any] | None:
    """Return the column view's data for a page's entries (their ids, and the focus's index);
    None when they have no column edges."""
    columned = facts.columned
    if not columned or columned.isdisjoint(ids):  # most pages of most projects
        return None
    index = {n: i for i, n in enumerate(ids)}
    edges: dict[tuple[Slot, Slot], str] = {}
    runs: dict[int, int] = {}
    for i, n in enumerate(ids):
        if n not in columned:
            continue
        attrs = facts.graph.nodes[n]
        found = _column_edges(facts, attrs, i, index)
        edges.update(found)
        producer = attrs.get("producer")
        if found and producer in index:
            runs[i] = index[producer]
    if not edges:
        return None
    return _encode(_nearest_first(sorted(edges.items()), focus, len(ids)), runs)


def _nearest_first(edges: list, focus: int | None, far: int) -> list:
    """Return the edges, those nearest the page's focus first (what the cap keeps); `far`
    counts the entries, further than any of them."""
    if focus is None or len(edges) <= COLUMN_EDGES_MAX:
        return edges
    near: dict[int, set[int]] = {}
    for ((a, _), (b, _)), _ in edges:
        near.setdefault(a, set()).add(b)
        near.setdefault(b, set()).add(a)
    hops = _hops(near, focus)
    return sorted(
        edges, key=lambda item: min(hops.get(item[0][0][0], far), hops.get(item[0][1][0], far))
    )


def _hops(near: dict[int, set[int]], start: int) -> dict[int, int]:
    """Return each entry's distance from `start` along column edges, either way."""
    hops = {start: 0}
    frontier = [start]
    while frontier:
        following = []
        for n in frontier:
            for m in sorted(near.get(n, ())):
                if m not in hops:
                    hops[m] = hops[n] + 1
                    following.append(m)
        frontier = following
    return hops


def _column_edges(
    facts: GraphFacts, attrs: Mapping[str, Any], at: int, index: Mapping[str, int]
) -> dict[tuple[Slot, Slot], str]:
    """Return one version's column edges to the page's entries it was made from, with kinds."""
    read = _versions_read(facts, attrs.get("producer"))
    found: dict[tuple[Slot, Slot], str] = {}
    for output in attrs["column_lineage"]:
        for item in output.get("inputs", ()):
            upstream = read.get(item.get("artifact"))
            if upstream not in index:
                continue  # not read by the producer, or not on this page
            edge = ((index[upstream], _name(item.get("field"))), (at, _name(output["column"])))
            found.setdefault(edge, _kind(item))
    return found


def _versions_read(facts: GraphFacts, producer: object) -> dict[str, str]:
    """Return the versions a run read, by artifact name ({} without a run)."""
    if not isinstance(producer, str) or producer not in facts.pred:
        return {}
    nodes = facts.graph.nodes
    return {nodes[u].get("name"): u for u in facts.pred[producer]}


def _encode(edges: list[tuple[tuple[Slot, Slot], str]], runs: dict[int, int]) -> dict[str, Any]:
    """Return the edges with their slots and strings numbered, in first-seen order."""
    kept = edges[:COLUMN_EDGES_MAX]
    strings: dict[str, int] = {}
    slots: dict[Slot, int] = {}
    flat: list[int] = []
    kinds: list[int] = []
    for (a, b), kind in kept:
        flat += [_number(slots, a), _number(slots, b)]
        kinds.append(_number(strings, kind))
    for _, name in slots:
        _number(strings, name)
    data: dict[str, Any] = {
        "s": list(strings),
        "c": [n for entry, name in slots for n in (entry, strings[name])],
        "e": flat,
        "k": kinds,
        "r": [n for pair in sorted(runs.items()) for n in pair],
    }
    if len(edges) > len(kept):
        data["cut"] = len(edges)
    return data


def _number(numbers: dict, key: Any) -> int:
    """Return key's number in `numbers`, giving it the next one on first sight."""
    return numbers.setdefault(key, len(numbers))


def _name(value: object) -> str:
    """Return a column name as one plain line."""
    return plain(value, TEXT_MAX)


def _kind(item: Mapping[str, Any]) -> str:
    """Return how an input column was used: "DIRECT/IDENTITY", "" when unknown."""
    parts: Iterable[object] = (item.get("transformation"), item.get("subtype"))
    return "/".join(_name(p) for p in parts if p)
