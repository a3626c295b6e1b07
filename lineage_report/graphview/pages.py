"""Views: the part of the lineage graph one page draws, laid out, clustered and serialised.

A view is a node's upstream and downstream neighbourhood (`page_graph`), the whole project
(`project_graph`) or one node per artifact type and job type (`type_overview`). Each takes
the graph or, for a build's many pages, one `GraphFacts` made from it once. A view whose
data passes `MAX_BYTES` is made leaner (no member lists, no previews), then falls back to
the type overview.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import networkx as nx

from .. import formats
from .clusters import Cluster, plan_clusters
from .columns import column_data
from .compact import Rows
from .facts import GraphFacts, facts_of
from .fans import fan_links, fan_note, hub_fans
from .fragments import PageEntries, page_entries
from .groupings import grouped
from .layout import Edge, layer_xs, layering
from .members import member_file, site_links, site_root
from .neighbourhood import FAN_LIMIT, cut_note, induced_edges, neighbourhood, walk_limit
from .overview import type_table, types_data
from .pagedata import GraphView, Head, finish, flat_edges, view_groups
from .previews import FOLDER as PREVIEWS
from .text import LABEL_MAX, Href, plain

DEFAULT_THRESHOLD = 5  # W&B clusters a level above five runs of one type
PROJECT_LIMIT = 2000  # drawn nodes above which the project page shows the type overview
MEMBER_CAP = 200  # members of one cluster embedded in a page (the rest are counted)
MAX_BYTES = 600_000  # embedded data per page; leaner views above it (no page may pass 1 MB)
LEAN_NOTE = (
    "Too large to embed in full: cluster members are not listed and previews are left out; "
    "the tables list everything."
)
LEAN_SHARED_NOTE = (
    "Too large to embed in full: a cluster's members load when it opens; the tables list "
    "everything."
)


def page_graph(
    graph: nx.DiGraph | GraphFacts,
    focus: str,
    *,
    depth: int | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    href: Href | None = None,
    limit: int | None = None,
    member_cap: int = MEMBER_CAP,
    direction: str = "both",
    type_href: Href | None = None,
    title: str | None = None,
    fan_limit: int = FAN_LIMIT,
    preview_shards: int = 0,
    type_table: bool = False,
    rows: Rows = (),
    site_href: Href | None = None,
) -> GraphView:
    """Return the view of `focus`'s upstream and downstream lineage for its page.

    Any other node with more than `fan_limit` neighbours one way is a hub: those
    neighbours are drawn as clusters of at most FAN_MEMBERS listed members (a fan) and
    the walk goes no further that way, so the page's cost does not grow with the hub.
    With `preview_shards` (a built site's preview files, previews.py) and links made by
    naming, the previews are left to those files; `limit` None walks the node's default
    (neighbourhood.walk_limit); with `type_table` (a built site's
    types file, overview.TypeTable), the type overview names its types there; with
    `rows` (the page's lineage lists, rows.py), a node listed there names its row; with
    `site_href` (a node's link from the site's root, the same for every page), each node's
    data is made once for every page that draws it (fragments.py).
    """
    facts = facts_of(graph)
    if focus not in facts.graph:
        raise ValueError(f"page_graph: no node {focus!r} in the graph")
    if direction not in ("both", "up", "down"):
        raise ValueError(f"page_graph: direction must be both, up or down, not {direction!r}")
    limit = walk_limit(facts, focus, limit)
    nodes, cut, hubs = neighbourhood(facts, focus, depth, limit, direction, fan_limit)
    label = plain(facts.graph.nodes[focus].get("label") or focus, LABEL_MAX)
    title = title or f"Lineage of {label}"
    ask = _Ask("page", title, focus, depth, threshold, href, type_href, member_cap)
    ask = replace(ask, preview_shards=preview_shards, type_table=type_table, rows=tuple(rows))
    ask = replace(ask, site_href=site_href)
    note = _join(cut_note(cut, limit), fan_note(facts, hubs))
    return _view(facts, nodes, induced_edges(facts, nodes), ask, note, hub_fans(facts, nodes, hubs))


def project_graph(
    graph: nx.DiGraph | GraphFacts,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    href: Href | None = None,
    limit: int = PROJECT_LIMIT,
    member_cap: int = MEMBER_CAP,
    type_href: Href | None = None,
    title: str = "Project lineage",
    group_key: str = "",
    preview_shards: int = 0,
    type_table: bool = False,
    site_href: Href | None = None,
) -> GraphView:
    """Return the view of the whole project, clustered; the type overview if still too big.

    It carries the project's groupings too (groupings.py; `group_key` adds one by a run
    config and artifact metadata key), and opens on the one that tells most when the
    project is too big to draw. `preview_shards`, `type_table` and `site_href` as for
    page_graph.
    """
    facts = facts_of(graph)
    nodes = sorted(facts.graph.nodes)
    edges = sorted((u, v) for u, v in facts.graph.edges() if u != v)
    ask = _Ask("project", title, None, None, threshold, href, type_href, member_cap, limit)
    ask = replace(ask, preview_shards=preview_shards, type_table=type_table, site_href=site_href)
    # Only this page carries the groupings (by namespace, package, ...): issue 13.
    return grouped(_view(facts, nodes, edges, ask, "", []), facts, MAX_BYTES, group_key)


def type_overview(
    graph: nx.DiGraph | GraphFacts, *, type_href: Href | None = None, title: str = "Type overview"
) -> GraphView:
    """Return one node per artifact type and job type, with edges where lineage joins them."""
    facts = facts_of(graph)
    nodes = list(facts.graph.nodes)
    types = types_data(facts, nodes, facts.graph.edges(), type_href)
    head = Head("types", title, None, None, len(nodes), view_groups(facts, nodes))
    return finish(head, "", types["nodes"], types["edges"], None, 0)


@dataclass(frozen=True)
class _Ask:
    """What a view is asked to draw, besides its nodes and edges."""

    mode: str  # "page" or "project"
    title: str
    focus: str | None
    depth: int | None
    threshold: int
    href: Href | None
    type_href: Href | None
    member_cap: int
    draw_limit: int | None = None  # drawn nodes above which only the type overview is shown
    preview_shards: int = 0  # the site's preview files (previews.py); 0: previews inline
    type_table: bool = False  # the site ships its type table (overview.TypeTable)
    rows: Rows = ()  # the page's lineage list rows (rows.py), which entries may name
    site_href: Href | None = None  # a node's link from the site's root, from every page


@dataclass(frozen=True)
class _Drawing:
    """A view's nodes after clustering: what is drawn, in which layer, and who stands for whom."""

    layer: dict[str, int]  # each drawn node's and cluster's layer
    clusters: list[Cluster]
    rep: dict[str, str]  # a cluster member's cluster


def _view(
    facts: GraphFacts, nodes: list[str], edges: list[Edge], ask: _Ask, note: str, fans: list
) -> GraphView:
    """Lay out, cluster and serialise the view of `nodes`; leaner while it exceeds MAX_BYTES.

    `fans` are clusters already made of hubs' neighbours (not in `nodes`): they are laid
    out beside their hubs, and their listed members keep their edges.
    """
    links = fan_links(fans)
    layer = layering([*nodes, *(f.id for f in fans)], [*edges, *links])
    fans = [replace(f, layer=layer.pop(f.id)) for f in fans]
    drawing = _cluster(facts, layer, ask, fans)
    listed = [m for f in fans for m in f.members]
    shows = (*nodes, *listed) if ask.mode == "page" else ()
    total = len(nodes) + sum(f.count for f in fans)
    groups = view_groups(facts, [*nodes, *listed], fans)
    tabled = _type_table(facts, ask)
    head = Head(ask.mode, ask.title, ask.focus, ask.depth, total, groups, shows, tabled, ask.rows)
    types = types_data(facts, nodes, edges, ask.type_href, fans)
    if fans:  # members keep their own edges, their fans the hubs' edges to the rest
        edges = [*induced_edges(facts, [*nodes, *listed]), *links]
    drawn = len(drawing.layer)
    if ask.draw_limit is not None and drawn > ask.draw_limit:
        note = _too_many_note(len(nodes), drawn, ask.draw_limit)
    else:
        view = _drawn_view(facts, drawing, edges, ask, head, note, types)
        if view is not None:
            return view
        note = _join(
            note,
            f"Too large to draw here ({formats.plural(drawn, 'node')} after clustering);"
            " showing the type overview.",
        )
    view = finish(head, note, [], [], types, 0)
    if view.byte_size <= MAX_BYTES:
        return view
    return finish(head, "Too large to draw here; the tables list this lineage.", [], [], None, 0)


def _cluster(facts: GraphFacts, layer: dict[str, int], ask: _Ask, fans: list) -> _Drawing:
    """Return what is drawn once crowded layers are clustered (fans are clusters already)."""
    clusters = plan_clusters(facts, layer, ask.focus, ask.threshold) + fans
    rep = {m: c.id for c in clusters for m in c.members}
    drawn_layer = {n: lay for n, lay in layer.items() if n not in rep}
    drawn_layer.update((c.id, c.layer) for c in clusters)
    return _Drawing(drawn_layer, clusters, rep)


def _drawn_view(facts, drawing: _Drawing, edges, ask: _Ask, head, note, types) -> GraphView | None:
    """Return the drawn view, leaner if need be; None if even that exceeds MAX_BYTES."""
    rep = drawing.rep
    # Only x, from the layers: the browser places each layer's nodes (layout.place).
    xs = layer_xs(drawing.layer)
    clusters = drawing.clusters
    shared = _preview_files(ask)
    lean_note = LEAN_NOTE if shared is None else LEAN_SHARED_NOTE
    for cap, previews, extra in ((ask.member_cap, True, ""), (0, False, lean_note)):
        entries = page_entries(
            facts,
            xs,
            clusters,
            ask.focus,
            ask.href,
            cap,
            previews,
            shared is not None,
            ask.site_href,
            ask.rows,
        )
        flat = flat_edges(edges, entries.index, rep)
        columns = column_data(facts, entries.ids, entries.focus)
        files = _member_files(facts, clusters, entries, ask, shared is not None)
        parts = (head, _join(note, extra), entries, flat, types, len(clusters), columns, shared)
        view = finish(*parts)
        if view.byte_size <= MAX_BYTES:
            return replace(view, members=files)
    return None


def _preview_files(ask: _Ask) -> tuple[str, int] | None:
    """Return the page's link to the site's preview files and their count, if it uses them."""
    root = site_root(ask.href, ask.focus) if ask.preview_shards else None
    return None if root is None else (root + PREVIEWS, ask.preview_shards)


def _type_table(facts: GraphFacts, ask: _Ask) -> tuple | None:
    """Return the site's type table and the page's way to the site's root, if it uses one."""
    root = site_root(ask.href, ask.focus) if ask.type_table else None
    return None if root is None else (type_table(facts), root)


def _member_files(facts, clusters: list[Cluster], entries: PageEntries, ask: _Ask, shared):
    """Name a member file (`m`) in each cluster entry that embeds fewer members than it
    stands for; return the files (graphview/members.py)."""
    root = site_root(ask.href, ask.focus)
    if root is None:
        return ()
    embedded = Counter(own["c"] for own in entries.own if "c" in own)
    site_href = site_links(ask.href, root)
    files = {}
    for cluster in clusters:
        at = entries.index[cluster.id]
        if embedded[at] < cluster.count:
            file = member_file(facts, cluster, site_href, shared)
            entries.own[at]["m"] = root + file.path
            files[file.path] = file
    return tuple(files.values())


def _too_many_note(nodes: int, drawn: int, limit: int) -> str:
    """Return the note of a project too large to draw even clustered."""
    return (
        f"The project graph has {formats.plural(nodes, 'node')} "
        f"({formats.count(drawn)} after clustering), "
        f"more than {formats.count(limit)} to draw; showing the type overview. "
        "Open any artifact or run page for its lineage."
    )


def _join(*sentences: str) -> str:
    """Return the non-empty sentences joined by a space."""
    return " ".join(s for s in sentences if s)
