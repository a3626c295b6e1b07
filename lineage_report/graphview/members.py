"""Member files: every member of a big cluster in one `<script>` file, loaded on demand.

A page embeds at most `MEMBER_CAP` members of a cluster (fewer when many clusters share the
page's budget, and none in a lean view); a fan lists `FAN_MEMBERS`. Such a cluster's entry
names a member file (`m`), `members/<digest>.js`, that holds all of them, so its panel can
search every member and pull any out onto the graph. The file lists each member's entry (as
the page data has it, compact, its link relative to the site's root) and up to
`NEIGHBOURS_MAX` of its neighbours each way, by index (`ni` inputs, `no` outputs): a member
below, else `r[index - len(nodes)]`. It is named by its content, sorted by id, so every page
whose cluster holds the same members (a hub's page and each fan of that hub) shares one file.
Format: docs/graph.md.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass

from ..naming import node_path
from ..scriptjson import script_json
from .clusters import Cluster
from .compact import encode
from .entries import node_entry
from .facts import GraphFacts
from .text import Href

FOLDER = "members/"  # below the site's root (or a split site's part)
GLOBAL = "LineageMembers"  # the global each file adds itself to, by digest (members.js)
NEIGHBOURS_MAX = 20  # a member's neighbours listed each way, the first by id
FORMAT = 1
# The preview rows a member keeps: the rest are on its page (a 4,500-run file stays small).
PREVIEW_ROWS = frozenset({"State", "Started", "Created"})
LEFT_OUT = ("ph", "o")  # the producer's link, merge.py's mark: a page's own keys


@dataclass(frozen=True)
class MemberFile:
    """One member file: its site path (relative to the root) and its bytes."""

    path: str
    data: bytes


def member_file(
    facts: GraphFacts, cluster: Cluster, site_href: Href, shared: bool = False
) -> MemberFile:
    """Return the member file of a cluster, made once per graph for each set of members.

    `site_href(node)` is a node's link relative to the site's root. With `shared` preview
    files (previews.py) the members' previews are read there, not kept here.
    """
    made = facts.member_files  # a hub's fans are met on thousands of pages
    key = (_fan_key(cluster) if cluster.size else tuple(cluster.members), shared)
    found = made.get(key)
    if found is None:
        members = sorted(_all_members(facts, cluster))
        kept = frozenset() if shared else PREVIEW_ROWS
        found = made[key] = _make(facts, members, site_href, kept)
    return found


def _fan_key(fan: Cluster) -> tuple:
    """Return what decides a fan's members: its hub, side, kind and types (not its counts,
    which leave out what each page draws)."""
    return ("fan", fan.hub, fan.way, fan.kind, fan.group, tuple(g for g, _ in fan.tally))


def _all_members(facts: GraphFacts, cluster: Cluster) -> list[str]:
    """Return every member a cluster stands for: a fan's are all its hub's neighbours that
    way of its kind and types (those drawn on a page too: the browser skips them)."""
    if not cluster.size:
        return list(cluster.members)
    around = (facts.pred if cluster.way == "up" else facts.succ)[cluster.hub]
    groups = {cluster.group} if cluster.group is not None else {g for g, _ in cluster.tally}
    kind, group = facts.kind, facts.group
    return [n for n in around if kind[n] == cluster.kind and group[n] in groups]


def _make(facts: GraphFacts, members: list[str], site_href: Href, kept: frozenset) -> MemberFile:
    """Return the file of these members (sorted by id): entries, neighbours, named by digest;
    `kept` names the preview rows they keep."""
    at = {n: i for i, n in enumerate(members)}
    others: dict[str, int] = {}
    entries = []
    for n in members:
        entry = node_entry(facts, n, site_href, previews=bool(kept))
        for key in LEFT_OUT:
            entry.pop(key, None)
        rows = [row for row in entry.pop("p", ()) if row[0] in kept]
        if rows:
            entry["p"] = rows
        entry["ni"] = _refs(sorted(facts.pred[n])[:NEIGHBOURS_MAX], at, others)
        entry["no"] = _refs(sorted(facts.succ[n])[:NEIGHBOURS_MAX], at, others)
        entries.append(entry)
    data = encode({"nodes": entries, "types": None})
    data = {"v": FORMAT, "s": data["s"], "nodes": data["nodes"], "r": list(others)}
    text = script_json(data)
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=10).hexdigest()
    registry = f"window.{GLOBAL}"
    script = f'{registry} = {registry} || {{}};\n{registry}["{digest}"] = {text};\n'
    return MemberFile(f"{FOLDER}{digest}.js", script.encode("utf-8"))


def _refs(neighbours: list[str], at: dict[str, int], others: dict[str, int]) -> list[int]:
    """Return neighbours as indexes: a member's own, else past the members into `r`."""
    out = []
    for n in neighbours:
        if n in at:
            out.append(at[n])
        else:
            out.append(len(at) + others.setdefault(n, len(others)))
    return out


def site_root(href: Href | None, focus: str | None) -> str | None:
    """Return the page's relative way to its site's root ("../"), read off the focus's own
    link (a node's page lies in its own part); "" for the project graph, at the root.
    None when links are not known (no href, or one not made by naming)."""
    if href is None:
        return None
    if focus is None:
        return ""
    link, own = href(focus) or "", node_path(focus)
    return link[: -len(own)] if link.endswith(own) else None


def site_links(href: Href, root: str) -> Href:
    """Return a node's link relative to the site's root, from its link relative to the page."""

    def site_href(n: str) -> str | None:
        link = href(n)
        return link[len(root) :] if link and link.startswith(root) else None

    return site_href


# ---------------------------------------------------------------- across builds

USES = FOLDER + "uses.json"  # which page names which member file, for the next rebuild


def encode_uses(uses: dict[str, tuple[str, ...]], pages: list[str]) -> bytes:
    """Return the record of which member files each page names (pages naming none left out).

    `pages` is every page of the site, sorted (as the build's status lists them): a page is
    written as its place there, the gaps between places of one set of files (4,000 pages of a
    hub's fans cost 4,000 small numbers, not 4,000 paths); the record names the list's digest,
    so a rebuild reads it only against the same list.
    """
    names = sorted({name for files in uses.values() for name in files})
    at = {name: i for i, name in enumerate(names)}
    place = {page: i for i, page in enumerate(pages)}
    sets: dict[tuple[int, ...], list[int]] = {}
    for page, files in uses.items():
        if files:
            sets.setdefault(tuple(at[name] for name in files), []).append(place[page])
    groups = [[list(key), _gaps(sorted(where))] for key, where in sorted(sets.items())]
    record = {"v": FORMAT, "pages": _digest(pages), "files": names, "uses": groups}
    return script_json(record).encode("utf-8")


def decode_uses(data: bytes, pages: list[str]) -> dict[str, tuple[str, ...]] | None:
    """Return the pages' member files from `encode_uses`'s bytes, made with this list of
    pages; None if unreadable or made with another list."""
    try:
        record = json.loads(data)
        if record["pages"] != _digest(pages):
            return None
        names, uses = record["files"], {}
        for files, gaps in record["uses"]:
            named = tuple(names[i] for i in files)
            uses.update((pages[i], named) for i in itertools.accumulate(gaps))
        return uses
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def _gaps(places: list[int]) -> list[int]:
    """Return sorted places as the first and the gaps after it."""
    return [b - a for a, b in zip([0, *places], places, strict=False)]


def _digest(pages: list[str]) -> str:
    """Return a short digest of a list of page paths."""
    return hashlib.blake2b("\n".join(pages).encode("utf-8"), digest_size=10).hexdigest()
