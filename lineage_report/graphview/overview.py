"""The type overview: one node per artifact type and job type, edges where lineage joins them.

Every view carries it (`types` in the page data); the browser shows it when asked, or when
the lineage is too large to draw. Types keep the places they have in the whole project's
overview (laid out once per graph, `GraphFacts.type_places`), so it reads the same on every
page and costs a page only its counts. A type id reads `type:artifact:dataset`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from ..naming import type_node_path
from ..scriptjson import script_json
from .clusters import Cluster
from .facts import GraphFacts, facts_of
from .layout import Edge, layering, place
from .text import GROUP_MAX, Href, count_words, plain, safe_href

TYPES_FILE = "types.js"  # the site's type table, an asset (assets/types.<hash>.js)
GLOBAL = "LineageGraphTypes"  # the global it sets (lineage-graph/model.js reads it)


@dataclass(frozen=True)
class TypeTable:
    """Every type of a project, as its overview node reads on every page: a site ships it
    once (TYPES_FILE) and a page names its types by their index here, with their counts.

    A type's entry is the same on every page but for its count, its link's way back to the
    site's root and its x, which each page counts from its leftmost type.
    """

    # ck, g, x, y, h (its page, from the site's root), and id when not `type:<ck>:<g>`
    entries: tuple[dict[str, Any], ...]
    index: dict[str, int]  # type id -> its entry

    def expand(self, counts: list[int], root: str | None) -> list[dict[str, Any]]:
        """Return a page's type entries from its flat [index, count, ...] list."""
        picked = [(self.entries[k], n) for k, n in zip(counts[::2], counts[1::2], strict=True)]
        x0 = min((t["x"] for t, _ in picked), default=0)
        nodes = []
        for t, n in picked:
            entry = {"id": _table_id(t), "k": "type", "ck": t["ck"], "g": t["g"], "l": t["g"]}
            entry.update(n=n, t=count_words(n, t["ck"]), x=t["x"] - x0, y=t["y"])
            if root is not None and "h" in t:
                entry["h"] = root + t["h"]
            nodes.append(entry)
        return nodes

    def script(self) -> bytes:
        """Return the table as the script file a site ships."""
        return f"window.{GLOBAL} = {script_json(list(self.entries))};\n".encode()

    @classmethod
    def from_script(cls, text: str) -> TypeTable:
        """Return the table a site's type file holds (for tests and scripts)."""
        entries = tuple(json.loads(text.partition(" = ")[2].rstrip().rstrip(";")))
        return cls(entries, {_table_id(t): k for k, t in enumerate(entries)})


def type_table(facts: GraphFacts) -> TypeTable:
    """Return the project's type table, made on first use (its links are a site's own)."""
    if facts.type_table is None:
        places = _type_places(facts)
        entries = []
        for tid in sorted(places, key=_in_place_order(places)):
            common = _type_entry(facts, tid)
            entry = {"ck": common["ck"], "g": common["g"], "x": places[tid][0], "y": places[tid][1]}
            entry["h"] = type_node_path(tid)
            if tid != f"type:{entry['ck']}:{entry['g']}":  # its group cut short for the label
                entry["id"] = tid
            entries.append(entry)
        index = {_table_id(e): k for k, e in enumerate(entries)}
        facts.type_table = TypeTable(tuple(entries), index)
    return facts.type_table


def _in_place_order(places: dict[str, tuple[int, int]]):
    """Return the sort key of types as the overview lists them: by x, then y, then id."""
    return lambda tid: (places[tid][0], places[tid][1], tid)


def _table_id(entry: dict[str, Any]) -> str:
    """Return the type id of a type table entry."""
    return entry.get("id") or f"type:{entry['ck']}:{entry['g']}"


def type_layout(graph: nx.DiGraph | GraphFacts) -> list[tuple[str, tuple[int, int]]]:
    """Return where each type sits in the project's type overview, sorted by type."""
    return sorted(_type_places(facts_of(graph)).items())


def types_data(
    facts: GraphFacts,
    nodes: Iterable[str],
    edges: Iterable[Edge],
    type_href: Href | None,
    fans: Iterable[Cluster] = (),
) -> dict[str, Any]:
    """Return the type-level overview of nodes: one entry per artifact type and job type.

    Fans add the nodes they stand for, joined to their hubs' types.
    """
    counts, pairs = _type_counts(facts, nodes, edges, fans)
    pos = _type_places(facts)
    x0 = min(pos[t][0] for t in counts) if counts else 0
    entries = []
    for tid in sorted(counts, key=_in_place_order(pos)):
        entry = dict(_type_entry(facts, tid))
        # `t` words the count as the page would: the browser shows it as given.
        entry.update(n=counts[tid], t=count_words(counts[tid], entry["ck"]))
        entry.update(x=pos[tid][0] - x0, y=pos[tid][1])
        link = safe_href(type_href(tid)) if type_href else None
        if link:
            entry["h"] = link
        entries.append(entry)
    index = {e["id"]: i for i, e in enumerate(entries)}
    return {"nodes": entries, "edges": [index[t] for pair in pairs for t in pair]}


def _type_counts(
    facts: GraphFacts, nodes: Iterable[str], edges: Iterable[Edge], fans: Iterable[Cluster]
) -> tuple[dict[str, int], list[Edge]]:
    """Return how many nodes each type stands for, and the sorted pairs of joined types."""
    counts: dict[str, int] = defaultdict(int)
    type_of = _type_ids(facts, nodes)
    for tid in type_of.values():
        counts[tid] += 1
    links = {(type_of[u], type_of[v]) for u, v in edges if type_of[u] != type_of[v]}
    for fan in fans:
        hub = type_of[fan.hub]
        for group, n in fan.tally:
            tid = f"type:{fan.kind}:{group}"
            counts[tid] += n
            links.add((tid, hub) if fan.way == "up" else (hub, tid))
    return counts, sorted(pair for pair in links if pair[0] != pair[1])


def _type_entry(facts: GraphFacts, tid: str) -> dict[str, Any]:
    """Return the parts of a type's entry that are the same on every page (copy before use)."""
    entry = facts.type_entries.get(tid)
    if entry is None:
        kind, group = tid.split(":", 2)[1:]
        text = plain(group, GROUP_MAX)
        entry = facts.type_entries[tid] = {"id": tid, "k": "type", "ck": kind, "g": text, "l": text}
    return entry


def _type_ids(facts: GraphFacts, nodes: Iterable[str]) -> dict[str, str]:
    """Return each node's type-overview id: `type:artifact:dataset`, `type:run:train`."""
    kinds, groups = facts.kind, facts.group
    return {n: f"type:{kinds[n]}:{groups[n]}" for n in nodes}


def _type_places(facts: GraphFacts) -> dict[str, tuple[int, int]]:
    """Return each type's place in the whole project's overview, laying it out on first use."""
    if not facts.type_places and facts.kind:
        type_of = _type_ids(facts, facts.kind)
        pairs = sorted(
            {(type_of[u], type_of[v]) for u, v in facts.graph.edges() if type_of[u] != type_of[v]}
        )
        types = dict.fromkeys(sorted(set(type_of.values())), 0)
        facts.type_places.update(place(layering(types, pairs), pairs))
    return facts.type_places
