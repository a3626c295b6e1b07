"""Incremental builds: a versioned, self-describing status file kept in the output folder.

It records the build's key (tool version, settings, theme files), one hash per graph
node (its attributes, its neighbours and its manifest's bytes), and per page the hash
of what was written and the nodes the page showed. A later build re-renders a page only
when one of those nodes changed, or when the page is one of the few site-wide ones.

Most pages show only part of each node: the search index and the project graph page
show some attributes of every node, and any page but a node's own shows less of it
than its own page does. For each such aspect (ASPECTS) the status keeps one hash per
node of the part shown, so a change to the rest (a run's notes, say) remakes neither
the search index nor the graph page, and re-renders only the node's own page.

The status also carries the manifest cache (collect.ManifestCache): what the build read
of each manifest file, under its own key. The status file's modification time is the
cache's stamp: it trusts files that had settled before it.

The file is published with the site, so it is written zlib-compressed (format 4; a
10k-node project's status is 10.8 MB of JSON, 3.2 MB compressed). write.status_json reads
it, and a plain JSON status of an older format (still marking the folder as ours).

A status that is missing, of another format, inconsistent or unreadable is ignored:
the build is then a full one, reading every manifest.
"""

from __future__ import annotations

import hashlib
import itertools
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import msgspec
import networkx as nx

from .graphview import GraphFacts, model_pages, type_layout
from .naming import STATUS_NAME, TYPES_KEY, group_key, name_key
from .search import entry_source
from .write import Encode, Rows, json_array_pieces, json_object_pieces, status_json

STATUS_FORMAT = 4  # every format keeps `format` and `files`: they mark a site (write.py)

# What the project graph page (graphview.project_graph) shows of a node, besides its
# edges: labels, groups and the tooltips' fields. Notes, config, metadata and the like
# are not drawn. tests/test_incremental_speed.py checks the list against graphview.
GRAPH_ATTRS = (
    "kind",
    "label",
    "group",
    "external",
    "aliases",
    "version",
    "producer",
    "type",
    "digest",
    "created_at",
    "size",
    "file_count",
    "description",
    "job_type",
    "state",
    "started_at",
    "duration_s",
    "run_id",
    "project",
)


# What any page but a node's own shows of it (rows, tooltips, a version's producer's
# config...), besides its neighbours: a change elsewhere (a run's notes, say) re-renders
# only the node's own page. tests/test_incremental_speed.py checks the list against views.
SHOWN_ATTRS = (*GRAPH_ATTRS, "name", "config", "relogged_by")


def shown_source(graph: nx.DiGraph, node: str, data: dict) -> list:
    """Return what pages other than a node's own show of it, its neighbours and where its
    page is (links to it follow)."""
    around = [sorted(graph.predecessors(node)), sorted(graph.successors(node))]
    page = page_mark(node, data, model_pages(graph))
    return [[data.get(name) for name in SHOWN_ATTRS], *around, page]


# What the project graph's groupings (graphview/groupings.py) read of a node: its
# namespace, dbt package and folder, or the configured `group_by` key, live in these.
GROUPED_BY = ("metadata", "config")


def graph_source(graph: nx.DiGraph, node: str, data: dict) -> list:
    """Return what the project graph draws from a node: some attributes, what its groups
    are read from, its out-edges and where its page is."""
    drawn = [data.get(name) for name in (*GRAPH_ATTRS, *GROUPED_BY)]
    # Where its page is: a dbt model's run links its version's and is drawn merged with it.
    return [drawn, sorted(graph.successors(node)), page_mark(node, data, model_pages(graph))]


def search_source(graph: nx.DiGraph, node: str, data: dict) -> list:
    """Return what the search index is made from for a node, and where its page is."""
    return [entry_source(data), page_mark(node, data, model_pages(graph))]


ASPECTS: dict[str, Callable[[nx.DiGraph, str, dict], Any]] = {
    "graph": graph_source,
    "search": search_source,
    "shown": shown_source,
}


def encode_nodes(
    graph: nx.DiGraph,
    inputs: dict[str, str],
    keep: bool = True,
    facts: GraphFacts | None = None,
) -> tuple[dict[str, bytes] | None, dict[str, str]]:
    """Encode every node as lineage.json lists it, and hash it with its neighbours.

    A run's hash also covers its manifest's bytes. One pass makes both: encoding every
    node is most of the cost of hashing it, and lineage.json needs the same bytes
    (returned unless `keep` is false: they take as much memory as lineage.json). `facts`,
    the views' GraphFacts when given, lets the pages reuse the type layout hashed here.
    """
    encode = msgspec.json.Encoder(order="sorted", enc_hook=str).encode
    pred, succ = graph.pred, graph.succ
    shared = model_pages(graph)
    encoded: dict[str, bytes] = {}
    hashes: dict[str, str] = {}
    names: dict[str, list[str]] = {}
    groups: dict[str, list[str]] = {}
    for node, data in graph.nodes(data=True):
        blob = encode({**data, "id": node})
        if keep:
            encoded[node] = blob
        # The edges' own attributes count too: an input's facets live on its usage edge,
        # and the version read shows them, though its own manifest did not change.
        edges = (sorted(pred[node].items()), sorted(succ[node].items()))
        page = page_mark(node, data, shared)
        around = encode((*edges, inputs.get(data["source"], ""), page))
        hashes[node] = hashlib.blake2b(blob + b"\n" + around, digest_size=10).hexdigest()
        # A type's list is ordered by time, so its key covers each member's time too.
        when = data.get("started_at") or data.get("created_at") or ""
        where = f"{node}\t{when}\t{page}"  # a type's page links each member's page
        groups.setdefault(group_key(data["kind"], data["group"]), []).append(where)
        parent = data.get("parent")
        if parent:  # a new child rebuilds its parent's page, which lists the children
            groups.setdefault(group_key("children", parent["id"]), []).append(f"{node}\t{when}")
        if data["kind"] == "artifact":
            names.setdefault(data["name"], []).append(node)
    memberships = {name_key(name): members for name, members in names.items()}
    memberships.update(groups)
    for key, members in memberships.items():
        blob = "\n".join(sorted(members)).encode("utf-8", "surrogatepass")
        hashes[key] = hashlib.blake2b(blob, digest_size=10).hexdigest()
    hashes[TYPES_KEY] = aspect_hash(type_layout(facts if facts is not None else graph))
    return (encoded if keep else None), hashes


def page_mark(node: str, data: dict, shared: tuple[dict[str, str], dict[str, str]]) -> str:
    """Return what a node's page is, one page per dbt model (graphview.model_pages): a run's
    model version, or whether a version's page also shows its run and its artifact's. Hashed
    with the node, so the pages linking it follow when that changes."""
    runs, names = shared
    if node in runs:
        return runs[node]
    return f"{data.get('producer') in runs}|{data.get('name') in names}"


def aspect_hash(source: Any) -> str:
    """Hash the part of a node that one aspect shows."""
    blob = msgspec.json.encode(source, enc_hook=str)
    return hashlib.blake2b(blob, digest_size=10).hexdigest()


def build_key(*parts: bytes | str) -> str:
    """Hash what makes every page different when it changes: tool, settings, theme."""
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part.encode("utf-8") if isinstance(part, str) else part)
        sha.update(b"\0")
    return sha.hexdigest()


Index = Annotated[int, msgspec.Meta(ge=0)]  # a node's place in Status.nodes


class Status(msgspec.Struct):
    """The status file's content; `hashes` and each aspect's list run parallel to `nodes`,
    `digests` and `deps` to `pages` (parallel lists read three times faster than records)."""

    format: int
    key: str
    nodes: list[str]
    hashes: list[str]
    aspects: dict[str, list[str]]  # ASPECTS name -> per node hash ("" for membership keys)
    pages: list[str]  # every page written, sorted
    digests: list[str]  # each page's content hash
    deps: list[list[Index]]  # the nodes each page showed
    files: list[str] = []
    manifests_key: str = ""  # the key of the manifest cache: tool version and settings
    manifests: dict[str, msgspec.Raw] = {}  # input file -> collect.Parsed, as JSON


@dataclass
class Plan:
    """Which pages a build must render, given the previous build's status."""

    incremental: bool
    changed: set[str] = field(default_factory=set)  # nodes (and keys) whose hash changed
    old: Status | None = None
    aspects: dict[str, dict[str, str]] = field(default_factory=dict)  # ASPECTS, by node
    before: dict[str, dict[str, str]] = field(default_factory=dict)  # the last build's
    seen: set[str] = field(default_factory=set)  # changed in what other pages show
    _seen_at: set[int] = field(default_factory=set)  # their old indexes
    _page_at: dict[str, int] = field(default_factory=dict)  # old index of each page

    def __post_init__(self) -> None:
        if self.old is not None:
            self._seen_at = {i for i, n in enumerate(self.old.nodes) if n in self.seen}
            self._page_at = {path: i for i, path in enumerate(self.old.pages)}

    def needs(self, path: str, always: bool, own: str | None = None) -> bool:
        """Tell whether a page must be rendered again; `own` is the node of a node's page."""
        at = self._page_at.get(path)
        if not self.incremental or always or at is None or own in self.changed:
            return True
        return not self._seen_at.isdisjoint(self.old.deps[at])

    def unchanged(self, name: str) -> bool:
        """Tell whether what one aspect shows is exactly what the last build showed."""
        return self.incremental and self.aspects[name] == self.before[name]

    def page_table(
        self, paths: list[str], rendered: dict[str, tuple[str, list[str]]], nodes: list[str]
    ) -> tuple[list[str], list[str], Sequence[list[int]]]:
        """Return every page, sorted, with its digest and its nodes' indexes in `nodes`:
        the records of the pages rendered, the last build's for the others. A full build's
        indexes are made a chunk at a time as the status is encoded (`Rows`)."""
        index = {n: i for i, n in enumerate(nodes)}

        def indexes(deps: list[str]) -> list[int]:
            return sorted(index[d] for d in deps if d in index)

        if not self.incremental:  # every page was rendered
            order = sorted(rendered)
            return (
                order,
                [rendered[p][0] for p in order],
                Rows([rendered[p][1] for p in order], indexes),
            )
        fresh = {path: (digest, indexes(deps)) for path, (digest, deps) in rendered.items()}
        if nodes == self.old.nodes and self._same_pages(paths):
            # The usual rebuild: the same nodes and pages, so only rendered rows change.
            digests, deps = list(self.old.digests), list(self.old.deps)
            for path, (digest, ids) in fresh.items():
                digests[self._page_at[path]], deps[self._page_at[path]] = digest, ids
            return self.old.pages, digests, deps
        records = {**self._kept([p for p in paths if p not in fresh], index), **fresh}
        order = sorted(records)
        return order, [records[p][0] for p in order], [records[p][1] for p in order]

    def _same_pages(self, paths: list[str]) -> bool:
        """Tell whether `paths` (each once) are the last build's pages."""
        return len(paths) == len(self._page_at) and all(p in self._page_at for p in paths)

    def _kept(self, paths: list[str], index: dict[str, int]) -> dict[str, tuple]:
        """Return the last build's records of pages not rendered again, reindexed."""
        moved = [index.get(n) for n in self.old.nodes]
        return {
            path: (
                self.old.digests[at],
                sorted(moved[i] for i in self.old.deps[at] if moved[i] is not None),
            )
            for path in paths
            for at in (self._page_at[path],)
        }


def load_status(output: Path) -> Status | None:
    """Read the previous build's status, or None when there is none usable."""
    try:
        data = status_json((output / STATUS_NAME).read_bytes())
        status = msgspec.json.decode(data, type=Status)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None  # none, unreadable, or another format's fields
    return status if status.format == STATUS_FORMAT and consistent(status) else None


def consistent(status: Status) -> bool:
    """Tell whether a status holds together: parallel lists, page deps that index nodes."""
    count = len(status.nodes)
    if len(status.hashes) != count or status.aspects.keys() != ASPECTS.keys():
        return False
    if any(len(hashes) != count for hashes in status.aspects.values()):
        return False
    if not len(status.pages) == len(status.digests) == len(status.deps):
        return False
    if any(a >= b for a, b in itertools.pairwise(status.pages)):  # sorted, each once
        return False
    deps = [d for d in status.deps if d]
    return not deps or max(map(max, deps)) < count  # none is negative (Index)


def plan(old: Status | None, key: str, hashes: dict[str, str], graph: nx.DiGraph) -> Plan:
    """Compare this build with the last one (its status): which nodes changed since, and
    which of those changed in what pages other than their own show."""
    if old is None or old.key != key:
        return Plan(incremental=False, aspects=node_aspects(graph, {}, set()))
    before = dict(zip(old.nodes, old.hashes, strict=True))
    changed = {n for n, h in hashes.items() if before.get(n) != h}
    changed |= before.keys() - hashes.keys()
    last = {name: old_aspect(old, name) for name in ASPECTS}
    aspects = node_aspects(graph, last, changed)
    shown = aspects["shown"]
    # Membership keys and removed nodes count as seen; so does a node other pages show.
    # (A dbt model's run shows on its version's page, which follows it: the version came
    # from the run's manifest, whose bytes its hash covers.)
    seen = {n for n in changed if n not in shown or shown[n] != last["shown"].get(n)}
    return Plan(True, changed, old, aspects, last, seen)


def node_aspects(graph: nx.DiGraph, last: dict[str, dict[str, str]], changed: set[str]) -> dict:
    """Return each aspect's hash of every node; unchanged nodes keep the last build's."""
    return {
        name: _aspect(graph, source, last.get(name, {}), changed)
        for name, source in ASPECTS.items()
    }


def _aspect(
    graph: nx.DiGraph, source: Callable, before: dict[str, str], changed: set[str]
) -> dict[str, str]:
    """Return one aspect's hash of every node: the last build's, but for changed nodes."""
    if not before:
        return {node: aspect_hash(source(graph, node, d)) for node, d in graph.nodes(data=True)}
    hashes = dict(before)
    for node in changed:  # new and removed nodes count as changed
        if node in graph:
            hashes[node] = aspect_hash(source(graph, node, graph.nodes[node]))
        else:
            hashes.pop(node, None)
    return hashes


def old_aspect(old: Status, name: str) -> dict[str, str]:
    """Return the last build's hashes of one aspect, by node."""
    pairs = zip(old.nodes, old.aspects[name], strict=True)
    return {node: value for node, value in pairs if value}


def encode_status(
    key: str,
    hashes: dict[str, str],
    changes: Plan,
    pages: tuple[list[str], dict[str, tuple[str, list[str]]]],
    files: list[str],
    manifests: tuple[str, dict[str, msgspec.Raw] | Rows] = ("", {}),
) -> Iterator[bytes]:
    """Serialise the status of the build that just ran, as compressed pieces to write in turn.

    `pages`: every page's path, and the pages rendered with their digest and the node
    ids they showed (the others keep the last build's records, from `changes`);
    `manifests`: the manifest cache's key and entries (collect.ManifestCache.entries).
    """
    nodes = sorted(hashes)
    paths, digests, deps = changes.page_table(*pages, nodes)
    status = Status(
        STATUS_FORMAT,
        key,
        nodes,
        [hashes[n] for n in nodes],
        {name: [by_node.get(n, "") for n in nodes] for name, by_node in changes.aspects.items()},
        paths,
        digests,
        deps,
        sorted(files),
        manifests[0],
        entries if isinstance(entries := manifests[1], Rows) else dict(sorted(entries.items())),
    )
    return compressed_pieces(status)


STATUS_CHUNK = 5_000  # list items or dict entries encoded at a time, unless Rows say


def compressed_pieces(status: Status) -> Iterator[bytes]:
    """Yield the status as zlib-compressed JSON, encoded a field and a chunk at a time: a
    big site's status JSON (hundreds of MB at 500k nodes) is never whole in memory, nor
    its compressed bytes (38 MB at 120k nodes), which go to the file as they come."""
    packer = zlib.compressobj(PACK_LEVEL)
    for piece in _json_pieces(status):
        yield packer.compress(piece)
    yield packer.flush()


def _json_pieces(status: Status) -> Iterator[bytes]:
    """Yield the JSON of a status struct in pieces, as one encode of it writes it."""
    encode = msgspec.json.encode
    fields = [(name, getattr(status, name)) for name in status.__struct_fields__]
    return json_object_pieces([(name, _long(value, encode)) for name, value in fields], encode)


def _long(value: Any, encode: Encode) -> Any:
    """Return a long list or dict as its pieces (write.json_array_pieces), else the value."""
    if isinstance(value, Rows):  # made a chunk at a time, whatever its length
        return value.pieces(encode, value.chunk or STATUS_CHUNK)
    if not isinstance(value, list | dict) or len(value) <= STATUS_CHUNK:
        return value
    if isinstance(value, list):
        return json_array_pieces(value, lambda items: encode(items)[1:-1], STATUS_CHUNK)
    entries = list(value.items())
    return json_array_pieces(entries, lambda items: encode(dict(items))[1:-1], STATUS_CHUNK, b"{}")


# zlib level 1: a 10k-node project's status (10.5 MB of JSON) is 3.09 MB in 74 ms; level 3
# makes it 3.03 MB in 93 ms, level 6 2.77 MB in 226 ms. A rebuild writes it every time
# (about 1 s at 10k nodes), so the fastest level: 2% more bytes for 2% of the rebuild.
PACK_LEVEL = 1
