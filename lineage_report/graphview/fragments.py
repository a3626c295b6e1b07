"""Fragments: each node's entry as a page embeds it, its JSON made once per build (issue 15).

A node is drawn on ten pages or more, and its entry says the same on each: its id, type,
label, marks and, from any page of a site, its link relative to the site's root. A drawn
view's data therefore holds one JSON fragment per entry (`fr`), made the first time a node
is met and reused as text on every later page, plus the keys that are the page's own, in
columns: a drawn entry's layer (`x`), the focus (`f`), a member's cluster (`c`), a
cluster's member file (`m`) and the row of the page's lineage lists that names the node
(`wv`, `wr`: its second fragment then leaves out the link, label and id the row says).
The page's way to the site's root is written once (`hr`).

In a fragment a link (`j`) is relative to that root: the index of its folder in `FOLDERS`
when the page's name is its key's own (the browser makes it again, as for the string
table's links, compact.py), [folder, digest] when only the digest is needed, [folder, page]
or the whole link otherwise. A version's producer is its run id (`pr`), its own page (`po`,
a dbt model's) or such a link (`pj`). Texts are written in place: a page has no string
table of its own nodes, which saved bytes but cost more time per page than the rest of its
graph. Format: docs/graph.md ("Fragments").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..scriptjson import script_json
from .clusters import Cluster, member_shares
from .compact import (
    FOLDERS,
    ID_END_MIN,
    ROW_IDS,
    Rows,
    a_row_may_name,
    link_code,
    page_key,
    row_run_id,
    rows_by_link,
    without_said,
)
from .entries import cluster_entry, node_entry
from .facts import GraphFacts
from .members import site_links, site_root
from .text import Href

# What a node's entry keeps of its preview: all of it, only its producer's link (the rows
# are in the site's preview files), or neither (a lean view, except its focus).
FULL, SHARED, LEAN = "full", "shared", "lean"


@dataclass
class PageEntries:
    """A drawn view's entries: each one's fragment, and the keys that are the page's own."""

    ids: list[str] = field(default_factory=list)
    fragments: list[str] = field(default_factory=list)  # JSON text, one per entry
    own: list[dict[str, Any]] = field(default_factory=list)  # x, f, c, m, wv, wr
    index: dict[str, int] = field(default_factory=dict)  # id -> entry
    root: str = ""  # the page's way to the root its fragments' links start from (`hr`)
    focus: int | None = None  # the focused entry's index
    focus_label: str = ""
    ends: dict[int, str] = field(default_factory=dict)  # the run id ends its fragments name
    # Previews inline (a view for one page, not a site's): their labels repeat from entry to
    # entry, so the entries are written whole with the page's string table (compact.py).
    tabled: bool = False

    @property
    def drawn(self) -> int:
        """Return how many entries are drawn when the page opens (not cluster members)."""
        return sum(1 for own in self.own if "c" not in own)


def page_entries(
    facts: GraphFacts,
    xs: dict[str, int],
    clusters: list[Cluster],
    focus: str | None,
    href: Href | None,
    member_cap: int,
    previews: bool = True,
    shared: bool = False,
    site_href: Href | None = None,
    rows: Rows = (),
) -> PageEntries:
    """Return a view's entries: drawn nodes and clusters by x and id, then the members each
    cluster embeds, in the order its cluster is drawn.

    Without `previews` only the focus keeps its preview; with `shared` preview files
    (previews.py) no entry holds one: the browser reads them there. `site_href` gives a
    node's link from the site's root, the same for every page of a site: with it, a node's
    fragment is made once for all of them. A node that one of `rows` (the page's lineage
    lists, rows.py) names exactly names that row instead of its id, label and link.
    """
    by_id = {c.id: c for c in clusters}
    root, local, made = _links(facts, href, focus, site_href)
    out = PageEntries(root=root, tabled=not shared)
    page = _Page(facts, local, made, rows_by_link(rows, root) if shared else {}, out)
    for n in sorted(xs, key=lambda n: (xs[n], n)):
        own = {"x": xs[n]}
        if n == focus:
            own["f"] = 1
            out.focus = len(out.own)
        if n in by_id:
            _add(out, n, _cluster_fragment(facts, by_id[n], local), own)
        else:
            page.add_node(n, _mode(shared, previews or n == focus), own)
    if out.focus is not None:
        out.focus_label = facts.entries[focus]["l"]
    shares = member_shares(clusters, member_cap)
    for cluster in sorted(clusters, key=lambda c: out.index[c.id]):
        at = out.index[cluster.id]
        for m in cluster.members[: shares[cluster.id]]:
            page.add_node(m, _mode(shared, True), {"c": at})
    return out


def _add(out: PageEntries, n: str, text: str, own: dict[str, Any]) -> None:
    """Append one entry."""
    out.index[n] = len(out.ids)
    out.ids.append(n)
    out.fragments.append(text)
    out.own.append(own)


def _mode(shared: bool, previews: bool) -> str:
    """Return what an entry keeps of its preview."""
    return SHARED if shared else FULL if previews else LEAN


def _links(facts: GraphFacts, href: Href | None, focus: str | None, site_href: Href | None):
    """Return the page's way to the site's root, a node's link relative to it, and the
    fragments made with those links, kept for every page when `site_href` gives them.

    A page's links all start with the root its focus's link says (members.site_root); links
    made otherwise are written whole, from the page (root "").
    """
    if href is None:
        return "", None, None
    root = site_root(href, focus)
    if root is None:
        return "", href, None
    if site_href is not None:
        return root, site_href, facts.fragments.setdefault(site_href, {})
    return root, site_links(href, root) if root else href, None


@dataclass
class Fragment:
    """One node's fragment, and what a page needs to tell whether a row names the node."""

    text: str  # the entry's JSON
    ends: tuple[tuple[int, str], ...]  # the shared run id ends it names, numbered (run_ends)
    link: str | None  # its link from the root, when a row with its label may name it
    label: str
    row_key: str  # ROW_IDS[kind]: the key of the row that names it
    unlisted: dict[str, Any] = field(default_factory=dict)  # without what its row says
    listed: str = ""  # `unlisted` as JSON (made on first use)


@dataclass
class _Page:
    """What one page's node entries are made with."""

    facts: GraphFacts
    local: Href | None  # a node's link from the site's root
    made: dict | None  # the fragments kept for the build (None: made for this page alone)
    listed: dict[str, tuple[int, str]]  # the page's rows by link from the root (rows_by_link)
    out: PageEntries

    def add_node(self, n: str, mode: str, own: dict[str, Any]) -> None:
        """Append a node's entry: its fragment, or the one its row completes (the row then
        goes into `own`); the page gets the shared run id ends it names."""
        made, out = self.made, self.out
        fragment = made.get((n, mode)) if made is not None else None
        if fragment is None:
            fragment = _fragment(self.facts, n, self.local, mode)
            if made is not None:
                made[n, mode] = fragment
        if fragment.ends:
            out.ends.update(fragment.ends)
        text = fragment.text
        row = self.listed.get(fragment.link) if fragment.link is not None else None
        if row is not None and row[1] == fragment.label:
            own[fragment.row_key] = row[0]
            if not fragment.listed:
                fragment.listed = script_json(fragment.unlisted)
            text = fragment.listed
        _add(out, n, text, own)


def _fragment(facts: GraphFacts, n: str, local: Href | None, mode: str) -> Fragment:
    """Return a node's fragment with its preview as `mode` says."""
    entry = node_entry(facts, n, local, previews=mode == FULL)
    named: dict[int, str] = {}
    coded = _coded(entry, mode, run_ends(facts), named, _producer(facts, n))
    ends = tuple(sorted(named.items()))
    kind = entry["k"]
    link = entry.get("h")
    if link is None or not a_row_may_name(entry):
        return Fragment(script_json(coded), ends, None, entry["l"], "")
    unlisted = _without_row(coded, row_run_id(link) == entry["id"].partition(":")[2])
    text = script_json(coded)
    return Fragment(text, ends, link, entry["l"], ROW_IDS[kind], unlisted)


def _without_row(coded: dict[str, Any], says_id: bool) -> dict[str, Any]:
    """Return a coded entry without the keys its row says: link, label and id (a run's
    only when its page's name says it: `says_id`)."""
    e = {key: value for key, value in coded.items() if key not in ("j", "l", "vi")}
    if says_id:
        e.pop("ri", None)
    return e


def _producer(facts: GraphFacts, n: str) -> str | None:
    """Return a version's producer's node id, when it is a node of the graph."""
    producer = facts.graph.nodes[n].get("producer") if facts.kind[n] == "artifact" else None
    return producer if isinstance(producer, str) and producer in facts.kind else None


def _cluster_fragment(facts: GraphFacts, cluster: Cluster, local: Href | None) -> str:
    """Return a cluster's fragment (made for each page: its counts are the page's)."""
    return script_json(_coded(cluster_entry(facts, cluster, local), FULL, {}, {}))


def run_ends(facts: GraphFacts) -> dict[str, int]:
    """Return the ends of run ids (from their last "@", dbt's invocation) that two runs or
    more share, each with its number: a fragment names its end by number, and a page holds
    the ends its fragments name (`re`)."""
    if facts.run_ends is None:
        ids = (n.partition(":")[2] for n, kind in facts.kind.items() if kind == "run")
        counts = Counter(at + end for _, at, end in (i.rpartition("@") for i in ids) if at)
        shared = sorted(
            end for end, count in counts.items() if count > 1 and len(end) >= ID_END_MIN
        )
        facts.run_ends = {end: i for i, end in enumerate(shared)}
    return facts.run_ends


def _id_code(run_id: str, ends: dict[str, int], named: dict[int, str]) -> str | list:
    """Return a run id (without its kind) as a fragment writes it: whole, or its start and
    the number of its end from its last "@" when the graph's runs share that end (`ends`),
    which `named` then gets."""
    start, at, end = run_id.rpartition("@")
    number = ends.get(at + end) if at else None
    if number is None:
        return run_id
    named[number] = at + end
    return [start, number]


def _coded(
    entry: dict[str, Any], mode: str, ends: dict[str, int], named: dict, producer=None
) -> dict[str, Any]:
    """Return an entry as a fragment writes it: the keys its id says left out, links from
    the root, a run id's shared end (`ends`) by its number (adding it to `named`), the
    producer's link by its id."""
    e = without_said(entry)  # its preview rows only when `mode` is FULL (node_entry)
    if mode == LEAN:
        e.pop("ph", None)  # the producer's link lives in the preview
    if "ri" in e:
        e["ri"] = _id_code(e["ri"], ends, named)
    if "p" in e:
        e["p"] = [text for row in e["p"] for text in row]
    if "ph" in e:
        e.update(_producer_code(e.pop("ph"), entry.get("h"), producer, ends, named))
    if "h" in e:
        e["j"] = link_code(e.pop("h"), page_key(entry))
    return e


def _producer_code(link: str, own: str | None, producer: str | None, ends, named) -> dict:
    """Return how a fragment writes its producer's link: `po` when it is the entry's own
    page (a dbt model's run shares its version's), `pr` the producer's run id when the page
    is named by it alone, else `pj` as `link_code` writes it."""
    if link == own:
        return {"po": 1}
    key = producer.partition(":")[2] if producer else None
    if key is not None and link_code(link, key) == FOLDERS.index("runs/"):
        return {"pr": _id_code(key, ends, named)}
    return {"pj": link_code(link, None)}
