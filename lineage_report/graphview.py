"""Graph views for the browser: layout, clusters and compact page data, all computed at build time.

A view is the part of the lineage graph one page draws: a node's upstream and downstream
neighbourhood (`page_graph`), the whole project (`project_graph`) or one node per artifact
type and job type (`type_overview`). Positions come from a layered layout (longest-path
layers left to right, barycenter ordering within a layer), so the browser runs no physics
and two builds draw the same picture. Where one layer holds more than `threshold` nodes of
one kind and type they become a cluster node with a member index, so a version used by ten
thousand runs draws one node and its page stays small. A node met on another node's page
with more than `FAN_LIMIT` neighbours one way (a run with 10,000 outputs) is a hub: its
neighbours are not walked but drawn as clusters ("fans") that list a few members and count
the rest, so the page of each of those neighbours costs the same however wide the hub is;
the hub's own page lists them all. The data is serialised once, as JSON escaped for a
`<script>` element; `themes/default/assets/lineage-graph.js` draws it.
The data format is documented in docs/graph.md.
"""

from __future__ import annotations

import json
import re
import weakref
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import islice
from typing import Any

import msgspec
import networkx as nx
from markupsafe import Markup

from . import formats
from .markdown import plain_excerpt

__all__ = [
    "GraphView",
    "escape_json",
    "mermaid",
    "page_graph",
    "project_graph",
    "to_pyvis",
    "type_overview",
]

Href = Callable[[str], "str | None"]
Edge = tuple[str, str]

DATA_VERSION = 1
X_GAP = 260  # px between layers; the browser uses the same grid
Y_GAP = 80  # px between rows, also the row height of pulled-out cluster members
SWEEPS = 4  # barycenter sweeps; more rarely changes the order of real lineage graphs
DEFAULT_THRESHOLD = 5  # W&B clusters a level above five runs of one type
WALK_LIMIT = 1000  # nodes walked each way before a page's walk stops at the current step
PROJECT_LIMIT = 2000  # drawn nodes above which the project page shows the type overview
MEMBER_CAP = 200  # members of one cluster embedded in a page (the rest are counted)
MEMBER_BUDGET = 1000  # members embedded in one page over all its clusters
FAN_LIMIT = 200  # neighbours one way above which a node met on another's page is a hub
FAN_MEMBERS = 10  # members one cluster of a hub's neighbours lists on other nodes' pages
FAN_GROUPS = 8  # types of a hub's neighbours drawn as their own clusters; the rest fold
MAX_LAYER = 40  # drawn entries of one kind in a layer before small types fold into one cluster
MAX_BYTES = 600_000  # embedded data per page; leaner views above it (no page may pass 1 MB)
LEAN_NOTE = (
    "Too large to embed in full: cluster members are not listed and previews are left out; "
    "the tables list everything."
)
LABEL_MAX = 120
GROUP_MAX = 60
TEXT_MAX = 160
ALIASES_MAX = 20

# Characters that may not appear raw in a <script> element's JSON (or that break JS parsers).
_SCRIPT_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)
_SURROGATE = re.compile("[\ud800-\udfff]")
# Control characters, line breaks and bidi overrides: shown as one space in labels and previews.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*:|//|\\)")
_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 _.,:/@+=-]")


@dataclass(frozen=True)
class GraphView:
    """What the graph partial needs: the page data, escaped for a script element, and counts."""

    mode: str  # "page", "project" or "types"
    title: str
    focus: str | None
    data: dict[str, Any]
    data_json: Markup
    node_count: int  # nodes drawn when the page opens (clusters count as one)
    total_count: int  # lineage nodes the view stands for
    cluster_count: int
    note: str  # why the view is cut short, or ""
    shows: tuple[str, ...] = ()  # the nodes it draws, clusters or lists (a fan's hub: the rest)

    @property
    def byte_size(self) -> int:
        """Return the size of the embedded data in bytes (UTF-8)."""
        text = self.data_json
        return len(text) if text.isascii() else len(text.encode("utf-8"))


@dataclass(frozen=True)
class _Cluster:
    """One cluster: the members of one kind (and type) in one layer, most recent first."""

    id: str
    layer: int
    kind: str
    group: str | None  # None when small types of a crowded layer were folded together
    members: tuple[str, ...]
    group_count: int
    size: int = 0  # members it stands for when it lists only some (a fan); 0: all listed
    hub: str | None = None  # a fan's hub, whose page lists every member
    tally: tuple[tuple[str, int], ...] = ()  # a fan's types and how many of each it stands for
    way: str = ""  # a fan's side of its hub: "up" (its inputs) or "down" (its outputs)

    @property
    def count(self) -> int:
        """Return how many nodes the cluster stands for."""
        return self.size or len(self.members)

    def label(self) -> str:
        """Return the label drawn on the cluster node, as W&B words it."""
        count = _count(self.count, self.kind)
        if self.group is not None:
            return f"{count} · {_text(self.group, GROUP_MAX)}"
        types = "job type" if self.kind == "run" else "type"
        return f"{count} · {formats.plural(self.group_count, types)}"


def _count(n: int, kind: str) -> str:
    """Return "1 run", "12 runs", "1,000 versions": what a cluster or type node stands for."""
    return formats.plural(n, "run" if kind == "run" else "version")


# ---------------------------------------------------------------- per-graph facts


@dataclass(frozen=True)
class _Facts:
    """What every page's view looks up about nodes, gathered once per graph.

    Plain dicts instead of networkx's views: a page asks these questions hundreds of
    times, and a project asks them for every page.
    """

    succ: dict[str, dict]  # networkx's own adjacency dicts (read, never changed)
    pred: dict[str, dict]
    kind: dict[str, str]  # "run" or "artifact"
    group: dict[str, str]  # the job type or artifact type as given ("" for none)
    label_group: dict[str, str]  # the same, as one line of text for labels and filters
    when: dict[str, str]  # creation or start time, sortable ("" if unknown)


# One per graph, like the entries below: views treat the graph as read-only.
_FACTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _facts(graph: nx.DiGraph) -> _Facts:
    """Return the graph's facts, gathering them on first use."""
    facts = _FACTS.get(graph)
    if facts is None:
        attrs = dict(graph.nodes(data=True))
        group = {n: str(a.get("group") or "") for n, a in attrs.items()}
        facts = _FACTS[graph] = _Facts(
            succ=dict(graph.adjacency()),
            pred=dict(graph.reverse(copy=False).adjacency()),
            kind={n: _kind(a) for n, a in attrs.items()},
            group=group,
            label_group={n: _text(g, GROUP_MAX) for n, g in group.items()},
            when={n: _timestamp(a) for n, a in attrs.items()},
        )
    return facts


# ---------------------------------------------------------------- public API


def page_graph(
    graph: nx.DiGraph,
    focus: str,
    *,
    depth: int | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    href: Href | None = None,
    limit: int = WALK_LIMIT,
    member_cap: int = MEMBER_CAP,
    direction: str = "both",
    type_href: Href | None = None,
    title: str | None = None,
    fan_limit: int = FAN_LIMIT,
) -> GraphView:
    """Return the view of `focus`'s upstream and downstream lineage for its page.

    Any other node with more than `fan_limit` neighbours one way is a hub: those
    neighbours are drawn as clusters of at most FAN_MEMBERS listed members (a fan) and
    the walk goes no further that way, so the page's cost does not grow with the hub.
    """
    if focus not in graph:
        raise ValueError(f"page_graph: no node {focus!r} in the graph")
    if direction not in ("both", "up", "down"):
        raise ValueError(f"page_graph: direction must be both, up or down, not {direction!r}")
    facts = _facts(graph)
    nodes, cut, hubs = _neighbourhood(facts, focus, depth, limit, direction, fan_limit)
    fans = _fans(graph, facts, nodes, hubs)
    label = _text(graph.nodes[focus].get("label") or focus, LABEL_MAX)
    return _view(
        graph,
        nodes,
        _induced_edges(facts, nodes),
        mode="page",
        title=title or f"Lineage of {label}",
        focus=focus,
        depth=depth,
        threshold=threshold,
        href=href,
        type_href=type_href,
        member_cap=member_cap,
        note=_join(_cut_note(cut, limit), _fan_note(graph, facts, hubs)),
        fans=fans,
    )


def project_graph(
    graph: nx.DiGraph,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    href: Href | None = None,
    limit: int = PROJECT_LIMIT,
    member_cap: int = MEMBER_CAP,
    type_href: Href | None = None,
    title: str = "Project lineage",
) -> GraphView:
    """Return the view of the whole project, clustered; the type overview if still too big."""
    nodes = sorted(graph.nodes)
    edges = sorted((u, v) for u, v in graph.edges() if u != v)
    return _view(
        graph,
        nodes,
        edges,
        mode="project",
        title=title,
        focus=None,
        depth=None,
        threshold=threshold,
        href=href,
        type_href=type_href,
        member_cap=member_cap,
        note="",
        draw_limit=limit,
    )


def type_overview(
    graph: nx.DiGraph, *, type_href: Href | None = None, title: str = "Type overview"
) -> GraphView:
    """Return one node per artifact type and job type, with edges where lineage joins them."""
    nodes = list(graph.nodes)
    facts = _facts(graph)
    types = _types_data(graph, facts, nodes, graph.edges(), type_href)
    head = _Head("types", title, None, None, len(nodes), _groups(facts, nodes))
    return _finish(head, "", types["nodes"], types["edges"], None, 0)


def escape_json(obj: Any) -> Markup:
    """Return compact, sorted JSON that no string in it can end a <script> element early."""
    try:
        text = msgspec.json.encode(obj, order="sorted").decode("utf-8")
    except (UnicodeError, TypeError, msgspec.EncodeError):
        # Lone surrogates (from hostile JSON) cannot be UTF-8: let json write them, then escape.
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    for char, escaped in _SCRIPT_ESCAPES:
        if char in text:
            text = text.replace(char, escaped)
    return Markup(text)


def mermaid(view: GraphView | Mapping[str, Any]) -> str:
    """Return Mermaid flowchart text of a view as first drawn (the browser's export, same text)."""
    data = view.data if isinstance(view, GraphView) else view
    entries = data.get("nodes") or []
    if not entries and data.get("types"):
        entries, flat = data["types"]["nodes"], data["types"]["edges"]
    else:
        flat = data.get("edges") or []
    drawn = [i for i, e in enumerate(entries) if "c" not in e]
    drawn.sort(key=lambda i: (entries[i]["x"], entries[i]["y"], entries[i]["id"]))
    number = {i: n for n, i in enumerate(drawn)}
    pairs = sorted((number[a], number[b]) for a, b in _drawn_pairs(entries, flat))
    focus = data.get("focus")
    return _mermaid_text([entries[i] for i in drawn], sorted(pairs), focus)


def to_pyvis(
    graph: nx.DiGraph,
    focus: str | None = None,
    depth: int | None = None,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    notebook: bool = True,
    height: str = "600px",
):
    """Return a pyvis Network of the same view (positions fixed, physics off), for notebooks."""
    from pyvis.network import Network  # imported late: only notebook users need it

    if focus is None:
        view = project_graph(graph, threshold=threshold)
    else:
        view = page_graph(graph, focus, depth=depth, threshold=threshold)
    # in_line: pyvis's other modes load from CDNs or write lib/ into the current directory.
    net = Network(
        height=height, width="100%", directed=True, notebook=notebook, cdn_resources="in_line"
    )
    entries = view.data["nodes"] or view.data["types"]["nodes"]
    flat = view.data["edges"] if view.data["nodes"] else view.data["types"]["edges"]
    drawn = [e for e in entries if "c" not in e]
    for entry in drawn:
        net.add_node(entry["id"], **_pyvis_node(entry, entry["id"] == view.focus))
    for a, b in _drawn_pairs(entries, flat):
        net.add_edge(entries[a]["id"], entries[b]["id"], arrows="to")
    net.toggle_physics(False)
    return net


# ---------------------------------------------------------------- walking


def _neighbourhood(
    facts: _Facts, focus: str, depth: int | None, limit: int, direction: str, fan_limit: int
) -> tuple[list[str], dict[str, int], list[tuple[str, str]]]:
    """Return focus plus its upstream and downstream nodes, where each walk stopped, and
    the hubs met (with the way their neighbours lie)."""
    nodes, cut, hubs = [focus], {}, []
    for way, adj in (("up", facts.pred), ("down", facts.succ)):
        if direction in ("both", way):
            found, stopped, met = _walk(adj, focus, depth, limit, fan_limit)
            nodes.extend(found)
            hubs.extend((hub, way) for hub in met)
            if stopped is not None:
                cut[way] = stopped
    return nodes, cut, hubs


def _walk(
    adj: Mapping, start: str, depth: int | None, limit: int, fan_limit: int
) -> tuple[list[str], int | None, list[str]]:
    """Walk one way step by step; stop after the step that passes `limit` nodes.

    A node other than `start` with more than `fan_limit` neighbours this way is a hub:
    its neighbours are left to its fans (returned last), so no step grows with a hub.
    """
    seen, ring, found, steps, hubs = {start}, [start], [], 0, []
    while ring and (depth is None or steps < depth):
        if len(found) > limit:
            more = any(m not in seen for n in ring for m in adj[n])
            return found, (steps if more else None), hubs
        nxt = []
        for n in ring:
            around = adj[n]
            if n != start and len(around) > fan_limit:
                hubs.append(n)
                continue
            for m in around:
                if m not in seen:
                    seen.add(m)
                    nxt.append(m)
        found.extend(nxt)
        ring = nxt
        steps += 1
    return found, None, hubs


def _induced_edges(facts: _Facts, nodes: list[str]) -> list[Edge]:
    """Return the edges among `nodes`, sorted, without scanning a hub's every neighbour."""
    inside = set(nodes)
    edges = []
    for u in nodes:
        succ = facts.succ[u]
        # A hub on a small page: test the page's nodes against it, not its 10,000 successors.
        targets = (
            (v for v in succ if v in inside)
            if len(succ) <= len(inside)
            else (v for v in inside if v in succ)
        )
        edges.extend((u, v) for v in targets if v != u)
    return sorted(edges)


def _cut_note(cut: dict[str, int], limit: int) -> str:
    """Return the sentence that says where a page's walk stopped, or ""."""
    parts = [
        f"{formats.plural(steps, 'step')} {way}stream"
        for way, steps in sorted(cut.items(), reverse=True)
    ]
    if not parts:
        return ""
    return (
        f"Lineage shown for {' and '.join(parts)}: "
        f"beyond {formats.count(limit)} nodes the walk stops; "
        "open a node's page to follow it further."
    )


# ---------------------------------------------------------------- layout


def _layering(nodes: Iterable[str], edges: Iterable[Edge]) -> dict[str, int]:
    """Return each node's layer: longest path from the sources, inputs pulled next to use.

    The back edges of a cycle (of a depth-first search in id order) are left out. Lineage
    graphs have no cycles, so they are looked for only when the first pass gets stuck.
    """
    nodes, edges = list(nodes), list(edges)
    layer = _longest_paths(nodes, edges)
    if layer is None:
        back = _back_edges(_adjacency(nodes, edges))
        layer = _longest_paths(nodes, [e for e in edges if e not in back])
    return layer


def _longest_paths(nodes: list[str], edges: list[Edge]) -> dict[str, int] | None:
    """Return each node's longest path from a source (Kahn's order); None on a cycle."""
    succ = {n: [] for n in nodes}
    indeg = dict.fromkeys(succ, 0)
    for u, v in edges:
        succ[u].append(v)
        indeg[v] += 1
    sources = [n for n, d in indeg.items() if d == 0]
    layer = dict.fromkeys(succ, 0)
    queue = deque(sources)
    done = 0
    while queue:
        n = queue.popleft()
        done += 1
        below = layer[n] + 1
        for m in succ[n]:
            if layer[m] < below:
                layer[m] = below
            indeg[m] -= 1
            if indeg[m] == 0:
                queue.append(m)
    if done < len(succ):
        return None
    for n in sources:
        if succ[n]:
            layer[n] = min(layer[m] for m in succ[n]) - 1  # an input sits just before its first use
    return layer


def _adjacency(nodes: Iterable[str], edges: Iterable[Edge]) -> dict[str, list[str]]:
    """Return sorted successor lists over `nodes` (a depth-first search's order)."""
    succ = {n: [] for n in nodes}
    for u, v in edges:
        succ[u].append(v)
    for outs in succ.values():
        outs.sort()
    return succ


def _back_edges(succ: dict[str, list[str]]) -> set[Edge]:
    """Return the back edges of a depth-first search in id order (empty for a DAG)."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    back = set()
    for root in sorted(succ):
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in state:
                    state[child] = 1
                    stack.append((child, iter(succ[child])))
                    break
                if state[child] == 1:
                    back.add((node, child))
            else:
                state[node] = 2
                stack.pop()
    return back


def _place(layer: dict[str, int], edges: Iterable[Edge]) -> dict[str, tuple[int, int]]:
    """Return (x, y) per node: barycenter order within layers, then edges pulled straight."""
    sides: dict[str, tuple[list[str], list[str]]] = {n: ([], []) for n in layer}
    for u, v in edges:
        a, b = (u, v) if layer[u] < layer[v] else (v, u)
        if layer[a] != layer[b]:
            sides[a][1].append(b)  # b lies right of a
            sides[b][0].append(a)
    columns: dict[int, list[str]] = defaultdict(list)
    for n in sorted(layer):
        columns[layer[n]].append(n)
    keys = sorted(columns)
    ys: dict[str, float] = {}
    for k in keys:
        _center(columns[k], ys)
    crowded = [k for k in keys if len(columns[k]) > 1]
    for sweep in range(SWEEPS if crowded else 0):
        side = sweep % 2  # 0: order by the inputs on the left, 1: by the outputs on the right
        for k in crowded if side == 0 else crowded[::-1]:
            col = columns[k]
            col.sort(key=lambda n, side=side: (_mean(sides[n][side], ys, ys[n]), n))
            _center(col, ys)
    _straighten(columns, keys, sides, ys)
    base = keys[0] if keys else 0
    return {n: ((layer[n] - base) * X_GAP, round(ys[n])) for n in layer}


def _straighten(columns, keys, sides, ys) -> None:
    """Pull each node level with its inputs (sources with their consumers), keeping order."""
    for k in keys:
        col = columns[k]
        wanted = [_mean(sides[n][0], ys, ys[n]) for n in col]
        ys.update(zip(col, _spread(wanted, Y_GAP) if len(col) > 1 else wanted, strict=True))
    for k in keys[::-1]:
        col = columns[k]
        wanted = [ys[n] if sides[n][0] else _mean(sides[n][1], ys, ys[n]) for n in col]
        ys.update(zip(col, _spread(wanted, Y_GAP) if len(col) > 1 else wanted, strict=True))


def _center(column: list[str], ys: dict[str, float]) -> None:
    """Set the y of a column's nodes one row apart, centred on 0, in list order."""
    middle = (len(column) - 1) / 2
    for i, n in enumerate(column):
        ys[n] = (i - middle) * Y_GAP


def _mean(nodes: list[str], ys: dict[str, float], default: float) -> float:
    """Return the mean y of nodes, or default for none."""
    if not nodes:
        return default
    return ys[nodes[0]] if len(nodes) == 1 else sum(map(ys.__getitem__, nodes)) / len(nodes)


def _spread(wanted: list[float], gap: float) -> list[float]:
    """Return ys closest (least squares) to wanted that keep order and `gap` apart."""
    if len(wanted) == 1:
        return wanted
    # y_i - i*gap must not decrease: pool adjacent violators on wanted_i - i*gap.
    blocks: list[list[float]] = []
    for i, w in enumerate(wanted):
        blocks.append([w - i * gap, 1])
        while len(blocks) > 1 and blocks[-2][0] * blocks[-1][1] > blocks[-1][0] * blocks[-2][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    out: list[float] = []
    for total, count in blocks:
        start = len(out)
        out.extend([total / count + (start + j) * gap for j in range(int(count))])
    return out


# ---------------------------------------------------------------- clusters


def _plan_clusters(
    facts: _Facts, layer: dict[str, int], focus: str | None, threshold: int
) -> list[_Cluster]:
    """Return the clusters: per layer, kind and type, the groups above `threshold` nodes."""
    kinds, groups = facts.kind, facts.group
    per_type: dict[tuple[int, str, str], int] = defaultdict(int)
    per_kind: dict[tuple[int, str], int] = defaultdict(int)
    for n, lay in layer.items():
        per_type[lay, kinds[n], groups[n]] += 1
        per_kind[lay, kinds[n]] += 1
    crowded = max(per_kind.values(), default=0) >= MAX_LAYER
    if not crowded and max(per_type.values(), default=0) <= threshold:
        return []  # no type above the threshold, no crowded layer: nothing to cluster
    buckets: dict[tuple[int, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for n in sorted(layer):
        if n == focus:
            continue  # the focused node is always drawn on its own
        buckets[(layer[n], kinds[n])][groups[n]].append(n)
    clusters = []
    for (lay, kind), members in sorted(buckets.items()):
        clusters.extend(_layer_clusters(facts, lay, kind, members, threshold))
    return clusters


def _layer_clusters(facts, lay: int, kind: str, groups: dict[str, list[str]], threshold: int):
    """Return one layer's clusters for one kind; small types fold together when crowded."""
    out, folded, used = [], [], 0
    for group, members in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])):
        cost = 1 if len(members) > threshold else len(members)
        if used + cost > MAX_LAYER - 1:
            folded.append((group, members))
            continue
        used += cost
        if len(members) > threshold:
            out.append(_cluster(facts, lay, kind, group, members, 1, len(out)))
    if len(folded) == 1 and len(folded[0][1]) > threshold:
        out.append(_cluster(facts, lay, kind, folded[0][0], folded[0][1], 1, len(out)))
    elif sum(len(m) for _, m in folded) > 1:
        members = [n for _, m in folded for n in m]
        out.append(_cluster(facts, lay, kind, None, members, len(folded), len(out)))
    return out


def _cluster(facts, lay, kind, group, members, group_count, index) -> _Cluster:
    """Return a cluster with its members sorted most recent first, then by id."""
    by_id = sorted(members)
    ordered = sorted(by_id, key=facts.when.__getitem__, reverse=True)
    cid = f"cluster:{lay}:{kind}:{index}"
    return _Cluster(cid, lay, kind, group, tuple(ordered), group_count)


def _timestamp(attrs: Mapping[str, Any]) -> str:
    """Return the node's creation or start time as a sortable string ("" if unknown)."""
    value = attrs.get("created_at") or attrs.get("started_at") or ""
    return value if isinstance(value, str) else ""


def _member_shares(clusters: list[_Cluster], member_cap: int) -> dict[str, int]:
    """Return how many members each cluster embeds: at most member_cap, MEMBER_BUDGET in all."""
    shares, left = {}, MEMBER_BUDGET
    ordered = sorted(clusters, key=lambda c: (len(c.members), c.id))
    for i, cluster in enumerate(ordered):
        take = min(len(cluster.members), member_cap, left // (len(ordered) - i))
        shares[cluster.id] = take
        left -= take
    return shares


# ---------------------------------------------------------------- fans: a hub's neighbours


@dataclass(frozen=True)
class _FanPlan:
    """One fan of a hub: the hub's neighbours one way of one type (or of the folded types)."""

    kind: str
    group: str | None  # None: the types beyond FAN_GROUPS, folded together
    members: tuple[str, ...]  # sorted by id
    tally: tuple[tuple[str, int], ...]  # its types and how many of each


# Per graph: each hub's fans by (hub, way), planned once however many pages meet the hub.
_FAN_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _fan_plans(graph: nx.DiGraph, facts: _Facts, hub: str, way: str) -> tuple[_FanPlan, ...]:
    """Return the hub's fans one way, planning them on first use."""
    plans = _FAN_PLANS.get(graph)
    if plans is None:
        plans = _FAN_PLANS[graph] = {}
    plan = plans.get((hub, way))
    if plan is None:
        plan = plans[(hub, way)] = _plan_fans(facts, hub, way)
    return plan


def _plan_fans(facts: _Facts, hub: str, way: str) -> tuple[_FanPlan, ...]:
    """Group a hub's neighbours one way by kind and type: the largest types each a fan,
    the rest folded into one."""
    by_type: dict[tuple[str, str], list[str]] = defaultdict(list)
    for n in (facts.pred if way == "up" else facts.succ)[hub]:
        by_type[(facts.kind[n], facts.group[n])].append(n)
    ordered = sorted(by_type.items(), key=lambda t: (-len(t[1]), t[0]))
    own, folded = ordered[:FAN_GROUPS], ordered[FAN_GROUPS:]
    if len(folded) == 1:
        own, folded = ordered, []
    plans = [
        _FanPlan(kind, group, tuple(sorted(members)), ((group, len(members)),))
        for (kind, group), members in own
    ]
    if folded:
        members = tuple(sorted(n for _, ns in folded for n in ns))
        tally = tuple((group, len(ns)) for (_, group), ns in folded)
        plans.append(_FanPlan(folded[0][0][0], None, members, tally))
    return tuple(plans)


def _fans(
    graph: nx.DiGraph, facts: _Facts, nodes: list[str], hubs: list[tuple[str, str]]
) -> list[_Cluster]:
    """Return the fans of the hubs a page met: the hub's neighbours not drawn otherwise,
    per type, the first FAN_MEMBERS by id listed (each once on the page), the rest counted.

    Members are listed by id, not by time: which ones a page lists then depends only on
    the hub's neighbours, which the hub's own record in the build status covers.
    """
    walked = set(nodes)
    taken = set(walked)
    fans = []
    for hub, way in sorted(set(hubs)):
        around = (facts.pred if way == "up" else facts.succ)[hub]
        drawn: dict[tuple[str, str], int] = defaultdict(int)  # neighbours drawn, by type
        for n in walked:
            if n in around:
                drawn[(facts.kind[n], facts.group[n])] += 1
        for i, plan in enumerate(_fan_plans(graph, facts, hub, way)):
            left = [(g, n - drawn[(plan.kind, g)]) for g, n in plan.tally]
            tally = tuple((g, n) for g, n in left if n > 0)
            if not tally:
                continue
            listed = tuple(islice((m for m in plan.members if m not in taken), FAN_MEMBERS))
            taken.update(listed)
            size = sum(n for _, n in tally)
            cid = f"cluster:{way}:{i}:{hub}"
            fans.append(
                _Cluster(cid, 0, plan.kind, plan.group, listed, len(tally), size, hub, tally, way)
            )
    return fans


def _fan_links(fans: list[_Cluster]) -> list[Edge]:
    """Return the edges that join each fan to its hub, in lineage order."""
    return [(f.id, f.hub) if f.way == "up" else (f.hub, f.id) for f in fans]


def relation(kind: str, way: str) -> str:
    """Return how a node's neighbours one way relate to it: "outputs of", "runs that used"."""
    if kind == "run":
        return "inputs of" if way == "up" else "outputs of"
    return "producers of" if way == "up" else "runs that used"


def _fan_note(graph: nx.DiGraph, facts: _Facts, hubs: list[tuple[str, str]]) -> str:
    """Return the sentence that says whose neighbours are drawn as fans, or ""."""
    met = sorted(set(hubs))
    if not met:
        return ""
    parts = []
    for hub, way in met[:3]:
        count = len((facts.pred if way == "up" else facts.succ)[hub])
        label = _text(graph.nodes[hub].get("label") or hub, LABEL_MAX)
        parts.append(f"the {formats.count(count)} {relation(facts.kind[hub], way)} {label}")
    if len(met) > 3:
        parts.append(f"those of {formats.plural(len(met) - 3, 'more node')}")
    listed = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    return (
        f"Beyond {listed}, the walk stops: they are drawn as clusters listing at most "
        f"{FAN_MEMBERS} members each, and the page of {'each' if len(met) > 1 else 'that'} "
        "node lists them all."
    )


# ---------------------------------------------------------------- assembling the view


def _view(
    graph: nx.DiGraph,
    nodes: list[str],
    edges: list[Edge],
    *,
    mode: str,
    title: str,
    focus: str | None,
    depth: int | None,
    threshold: int,
    href: Href | None,
    type_href: Href | None,
    member_cap: int,
    note: str,
    draw_limit: int | None = None,
    fans: list[_Cluster] | None = None,
) -> GraphView:
    """Lay out, cluster and serialise the view of `nodes`; leaner while it exceeds MAX_BYTES.

    `fans` are clusters already made of hubs' neighbours (not in `nodes`): they are laid
    out beside their hubs, and their listed members keep their edges.
    """
    facts = _facts(graph)
    fans = fans or []
    links = _fan_links(fans)
    layer = _layering([*nodes, *(f.id for f in fans)], [*edges, *links])
    fans = [replace(f, layer=layer.pop(f.id)) for f in fans]
    clusters = _plan_clusters(facts, layer, focus, threshold) + fans
    rep = {m: c.id for c in clusters for m in c.members}
    drawn_layer = {n: lay for n, lay in layer.items() if n not in rep}
    drawn_layer.update((c.id, c.layer) for c in clusters)
    listed = [m for f in fans for m in f.members]
    shows = (*nodes, *listed) if mode == "page" else ()
    total = len(nodes) + sum(f.count for f in fans)
    groups = _groups(facts, [*nodes, *listed], fans)
    head = _Head(mode, title, focus, depth, total, groups, shows)
    types = _types_data(graph, facts, nodes, edges, type_href, fans)
    if fans:  # members keep their own edges, their fans the hubs' edges to the rest
        edges = [*_induced_edges(facts, [*nodes, *listed]), *links]
    if draw_limit is not None and len(drawn_layer) > draw_limit:
        note = (
            f"The project graph has {formats.plural(len(nodes), 'node')} "
            f"({formats.count(len(drawn_layer))} after clustering), "
            f"more than {formats.count(draw_limit)} to draw; showing the type overview. "
            "Open any artifact or run page for its lineage."
        )
    else:
        drawn_edges = sorted({(rep.get(u, u), rep.get(v, v)) for u, v in edges} - _loops(rep))
        # (With fans, `edges` holds the members' edges too: they map to their fans.)
        pos = _place(drawn_layer, drawn_edges)
        for cap, previews, extra in ((member_cap, True, ""), (0, False, LEAN_NOTE)):
            entries, index = _entries(graph, pos, clusters, focus, href, cap, previews)
            flat = _flat_edges(edges, index, rep)
            view = _finish(head, _join(note, extra), entries, flat, types, len(clusters))
            if view.byte_size <= MAX_BYTES:
                return view
        note = _join(
            note,
            f"Too large to draw here ({formats.plural(len(drawn_layer), 'node')} after clustering);"
            " showing the type overview.",
        )
    view = _finish(head, note, [], [], types, 0)
    if view.byte_size <= MAX_BYTES:
        return view
    return _finish(head, "Too large to draw here; the tables list this lineage.", [], [], None, 0)


@dataclass(frozen=True)
class _Head:
    """The parts of a view's data that do not change as it is made leaner."""

    mode: str
    title: str
    focus: str | None
    depth: int | None
    total: int
    groups: dict[str, list[str]]
    shows: tuple[str, ...] = ()


def _finish(head: _Head, note, entries, flat, types, cluster_count) -> GraphView:
    """Return the GraphView of entries and edges, its data serialised once."""
    data = _data_dict(head, note, entries, flat, types)
    drawn = sum(1 for e in entries if "c" not in e)
    return GraphView(
        head.mode,
        head.title,
        head.focus,
        data,
        escape_json(data),
        drawn,
        head.total,
        cluster_count if entries else 0,
        note,
        head.shows,
    )


def _join(*sentences: str) -> str:
    """Return the non-empty sentences joined by a space."""
    return " ".join(s for s in sentences if s)


def _loops(rep: dict[str, str]) -> set[Edge]:
    """Return the self-loops clustering can create (members of one cluster joined)."""
    return {(c, c) for c in set(rep.values())}


def _entries(graph, pos, clusters, focus, href, member_cap, previews=True):
    """Return the node entries (drawn nodes by position, then members) and an id->index map."""
    by_id = {c.id: c for c in clusters}
    drawn = sorted(pos, key=lambda n: (pos[n][0], pos[n][1], n))
    entries = []
    cache = _entry_cache(graph)
    for n in drawn:
        if n in by_id:
            entry = _cluster_entry(graph, by_id[n], href)
        else:
            entry = _node_entry(graph, cache, n, href)
            if n == focus:
                entry["f"] = 1
            elif not previews:
                del entry["p"]
        entry["x"], entry["y"] = pos[n]
        entries.append(entry)
    index = {e["id"]: i for i, e in enumerate(entries)}
    shares = _member_shares(clusters, member_cap)
    for cluster in sorted(clusters, key=lambda c: index[c.id]):
        for m in cluster.members[: shares[cluster.id]]:
            entry = _node_entry(graph, cache, m, href)
            entry["c"] = index[cluster.id]
            index[m] = len(entries)
            entries.append(entry)
    return entries, index


def _flat_edges(edges: list[Edge], index: dict[str, int], rep: dict[str, str]) -> list[int]:
    """Return edges as a flat index list; a member left out is stood for by its cluster."""
    pairs = set()
    for u, v in edges:
        a = index[u] if u in index else index[rep[u]]
        b = index[v] if v in index else index[rep[v]]
        if a != b:
            pairs.add((a, b))
    return [i for pair in sorted(pairs) for i in pair]


def _drawn_pairs(entries: list[dict], flat: list[int]) -> list[tuple[int, int]]:
    """Return the edges between drawn entries (members stood for by their cluster)."""
    pairs = set()
    for a, b in zip(flat[::2], flat[1::2], strict=True):
        a, b = entries[a].get("c", a), entries[b].get("c", b)
        if a != b:
            pairs.add((a, b))
    return sorted(pairs)


def _data_dict(head: _Head, note: str, entries, flat, types) -> dict[str, Any]:
    """Return the page data object (format: docs/graph.md)."""
    return {
        "v": DATA_VERSION,
        "mode": head.mode,
        "title": _text(head.title, LABEL_MAX),
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


def _groups(facts: _Facts, nodes: list[str], fans: Iterable[_Cluster] = ()) -> dict[str, list[str]]:
    """Return the artifact types and job types in the view, for the filter controls."""
    seen: dict[str, set[str]] = {"artifact": set(), "run": set()}
    kinds, groups = facts.kind, facts.label_group
    for n in nodes:
        seen[kinds[n]].add(groups[n])
    for fan in fans:
        seen[fan.kind].update(_text(g, GROUP_MAX) for g, _ in fan.tally)
    return {kind: sorted(values) for kind, values in seen.items()}


# ---------------------------------------------------------------- node entries and previews

# Node entries without links, per graph: a node appears on many pages, its preview is built
# once. Views treat the graph as read-only (the build makes a new graph for each build).
_ENTRIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _kind(attrs: Mapping[str, Any]) -> str:
    """Return "run" or "artifact" (anything unexpected is drawn as an artifact)."""
    return "run" if attrs.get("kind") == "run" else "artifact"


def _entry_cache(graph: nx.DiGraph) -> dict[str, dict[str, Any]]:
    """Return the graph's cache of node entries without links."""
    cache = _ENTRIES.get(graph)
    if cache is None:
        cache = _ENTRIES[graph] = {}
    return cache


def _node_entry(graph: nx.DiGraph, cache: dict, n: str, href: Href | None) -> dict[str, Any]:
    """Return one node's entry, with its link from the current page."""
    base = cache.get(n)
    if base is None:
        base = cache[n] = _base_entry(graph, n)
    entry = dict(base)
    link = _safe_href(href(n)) if href else None
    if link:
        entry["h"] = link
    return entry


def _base_entry(graph: nx.DiGraph, n: str) -> dict[str, Any]:
    """Return one node's compact entry: id, kind, type, label and preview rows."""
    attrs = graph.nodes[n]
    kind = _kind(attrs)
    entry: dict[str, Any] = {
        "id": n,
        "k": kind,
        "g": _text(attrs.get("group") or "", GROUP_MAX),
        "l": _text(attrs.get("label") or n, LABEL_MAX),
        "p": _run_preview(attrs) if kind == "run" else _artifact_preview(graph, attrs),
    }
    if kind == "artifact":
        aliases = _aliases(attrs)
        if aliases:
            entry["a"] = aliases
        if attrs.get("external"):
            entry["e"] = 1
    return entry


def _cluster_entry(graph: nx.DiGraph, cluster: _Cluster, href: Href | None) -> dict[str, Any]:
    """Return a cluster node's entry (its members follow as entries pointing back to it).

    A fan also names its hub (`u`) and links the hub's page (`h`), which lists every member.
    """
    entry = {"id": cluster.id, "k": "cluster", "ck": cluster.kind, "l": cluster.label()}
    entry["n"] = cluster.count
    entry["t"] = _count(cluster.count, cluster.kind)  # drawn under the type, as given
    if cluster.group is not None:
        entry["g"] = _text(cluster.group, GROUP_MAX)
    if cluster.hub is not None:
        entry["u"] = _text(graph.nodes[cluster.hub].get("label") or cluster.hub, LABEL_MAX)
        link = _safe_href(href(cluster.hub)) if href else None
        if link:
            entry["h"] = link
    return entry


def _safe_href(link: object) -> str | None:
    """Return a relative URL, or None for anything else (a scheme could run script)."""
    if not isinstance(link, str) or not link:
        return None
    if link.startswith("../") or not _SCHEME.match(link):  # "../": our own links, the most
        return link
    return None


def _aliases(attrs: Mapping[str, Any]) -> list[str]:
    """Return the node's aliases as short strings."""
    aliases = attrs.get("aliases") or []
    if not isinstance(aliases, list | tuple):
        return []
    return [_text(a, GROUP_MAX) for a in aliases[:ALIASES_MAX]]


def _artifact_preview(graph: nx.DiGraph, attrs: Mapping[str, Any]) -> list[list[str]]:
    """Return the preview rows of an artifact version."""
    version = attrs.get("version")
    producer = attrs.get("producer")
    rows = [
        ("Type", attrs.get("type")),
        ("Version", f"v{version}" if _is_int(version) else ""),
        ("Aliases", ", ".join(_aliases(attrs))),
        ("Digest", formats.short_digest(attrs.get("digest"))),
        ("Created", formats.time(attrs.get("created_at"))),
        ("Size", formats.size(attrs.get("size"))),
        ("Files", _file_count(attrs.get("file_count"))),
        ("Description", _excerpt(attrs.get("description"))),
        ("Produced by", graph.nodes[producer].get("label") if producer in graph else ""),
        ("External", "yes: no run of this project logged it" if attrs.get("external") else ""),
    ]
    return _rows(rows)


def _run_preview(attrs: Mapping[str, Any]) -> list[list[str]]:
    """Return the preview rows of a run."""
    rows = [
        ("Job type", attrs.get("job_type")),
        ("State", attrs.get("state")),
        ("Started", formats.time(attrs.get("started_at"))),
        ("Duration", formats.duration(attrs.get("duration_s"))),
        ("ID", attrs.get("run_id")),
        ("Project", attrs.get("project")),
    ]
    return _rows(rows)


def _rows(rows: list[tuple[str, object]]) -> list[list[str]]:
    """Return [label, text] pairs, leaving out empty values."""
    out = []
    for label, value in rows:
        text = _text(value, TEXT_MAX)
        if text:
            out.append([label, text])
    return out


def _text(value: object, limit: int = TEXT_MAX) -> str:
    """Return value as one line of plain text, cut to `limit` characters with an ellipsis."""
    if value is None or value is False:
        return ""
    text = str(value)
    # Printable text has none of _CONTROL's characters: skip the pattern (most text is).
    text = text.strip() if text.isprintable() else _CONTROL.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _excerpt(markdown: object, limit: int = TEXT_MAX) -> str:
    """Return the start of a markdown text as plain text (links keep their words)."""
    if not isinstance(markdown, str) or not markdown:
        return ""
    return _text(plain_excerpt(markdown, limit), limit)


def _is_int(value: object) -> bool:
    """Return whether value is a true int (bool is not a version number)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _file_count(n: object) -> str:
    """Return a version's file count as its page shows it; "" for none (the row is left out)."""
    return formats.count(n) if _is_int(n) and n > 0 else ""


# ---------------------------------------------------------------- type overview


def _types_data(
    graph, facts: _Facts, nodes: Iterable[str], edges: Iterable[Edge], type_href, fans=()
) -> dict[str, Any]:
    """Return the type-level overview of nodes: one entry per artifact type and job type.

    Types keep the places they have in the whole project's type overview (laid out once
    per graph), so the overview reads the same on every page and costs a page only counts.
    Fans add the nodes they stand for, joined to their hubs' types.
    """
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
    pairs = sorted(pair for pair in links if pair[0] != pair[1])
    pos = _type_positions(graph)
    x0 = min(pos[t][0] for t in counts) if counts else 0
    entries = []
    for tid in sorted(counts, key=lambda t: (pos[t][0], pos[t][1], t)):
        entry = dict(_type_entry(tid))
        # `t` words the count as the page would: the browser shows it as given.
        entry.update(n=counts[tid], t=_count(counts[tid], entry["ck"]))
        entry.update(x=pos[tid][0] - x0, y=pos[tid][1])
        link = _safe_href(type_href(tid)) if type_href else None
        if link:
            entry["h"] = link
        entries.append(entry)
    index = {e["id"]: i for i, e in enumerate(entries)}
    return {"nodes": entries, "edges": [index[t] for pair in pairs for t in pair]}


@lru_cache(maxsize=4096)
def _type_entry(tid: str) -> dict[str, Any]:
    """Return the parts of a type's entry that are the same on every page (copy before use)."""
    kind, group = tid.split(":", 2)[1:]
    text = _text(group, GROUP_MAX)
    return {"id": tid, "k": "type", "ck": kind, "g": text, "l": text}


def _type_ids(facts: _Facts, nodes: Iterable[str]) -> dict[str, str]:
    """Return each node's type-overview id: `type:artifact:dataset`, `type:run:train`."""
    kinds, groups = facts.kind, facts.group
    return {n: f"type:{kinds[n]}:{groups[n]}" for n in nodes}


_TYPE_POSITIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

# Stands in a page's deps for the type overview's layout: where each type sits depends on
# every type in the project, so a new job type moves the overview on every page.
TYPES_KEY = "@types"


def type_layout(graph: nx.DiGraph) -> list[tuple[str, tuple[int, int]]]:
    """Return where each type sits in the project's type overview, sorted by type."""
    return sorted(_type_positions(graph).items())


def _type_positions(graph: nx.DiGraph) -> dict[str, tuple[int, int]]:
    """Lay out the whole project's type overview once per graph; return each type's place."""
    cached = _TYPE_POSITIONS.get(graph)
    if cached is None:
        type_of = _type_ids(_facts(graph), graph)
        pairs = sorted(
            {(type_of[u], type_of[v]) for u, v in graph.edges() if type_of[u] != type_of[v]}
        )
        types = dict.fromkeys(sorted(set(type_of.values())), 0)
        cached = _TYPE_POSITIONS[graph] = _place(_layering(types, pairs), pairs)
    return cached


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
    lines.extend(f"  n{a} --> n{b}" for a, b in pairs)
    lines.append("  classDef artifact fill:#dbeafe,stroke:#2563eb,color:#0f172a")
    lines.append("  classDef run fill:#dcfce7,stroke:#16a34a,color:#0f172a")
    lines.append("  classDef focus stroke:#d97706,stroke-width:3px")
    lines.extend(f"  class {','.join(ids)} {name}" for name, ids in classes.items() if ids)
    return "\n".join(lines) + "\n"


def _mermaid_shape(entry: dict) -> str:
    """Return a node's Mermaid shape and quoted label: runs rounded, clusters doubled."""
    if entry["k"] == "cluster":
        return f'[["{_mermaid_escape(entry["l"])}"]]'
    if entry["k"] == "type":
        text = _mermaid_escape(entry["g"]) + "<br/>" + _mermaid_escape(entry["t"])
    else:
        top = _mermaid_escape(entry["g"])
        text = (top + "<br/>" if top else "") + _mermaid_escape(entry["l"])
    return f'(["{text}"])' if (entry.get("ck") or entry["k"]) == "run" else f'["{text}"]'


def _mermaid_escape(text: str) -> str:
    """Return text with every character outside a small safe set as a Mermaid entity (#60;)."""
    return "".join(c if _MERMAID_SAFE.match(c) else f"#{ord(c)};" for c in text)


_PYVIS_COLOURS = {
    "artifact": {"background": "#dbeafe", "border": "#2563eb"},
    "run": {"background": "#dcfce7", "border": "#16a34a"},
}


def _pyvis_node(entry: dict, focused: bool) -> dict[str, Any]:
    """Return pyvis add_node options for an entry at its computed position."""
    kind = entry.get("ck") or entry["k"]
    if entry["k"] in ("artifact", "run"):
        label = f"{entry['g']}\n{entry['l']}" if entry["g"] else entry["l"]
    elif entry["k"] == "type":
        label = f"{entry['g']}\n{entry['t']}"
    else:
        label = entry["l"]
    colour = dict(_PYVIS_COLOURS[kind])
    if focused:
        colour["border"] = "#d97706"
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
