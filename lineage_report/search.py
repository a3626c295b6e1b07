"""Search: the site-wide search index, one shared JavaScript file loaded lazily by the browser.

`search_index(graph)` returns `window.LINEAGE_SEARCH = {...};`, which
`themes/default/assets/search.js` loads with a `<script>` element (so it works from
`file://`) only when a reader first focuses the search box: no page grows with the project.

The format (version 1) is compact, since a 120,000-node project has 120,000 entries:

    {"v": 1, "k": [kind names], "s": [shared strings], "e": [entries]}

An entry is `[kind, tkeep, title, pkeep, path, group, alt, field...]`, trailing empty
items dropped. `kind` indexes "k". The title and the page path (from the site root, as
`naming` gives it) are front-coded: keep the first `tkeep` (`pkeep`) UTF-16 units of the
previous entry's title (path), then append `title` (`path`). `alt` is a second name (a
version's artifact name, a run's id when it differs from the run's name). The fields are
the other searchable texts (a version's metadata keys, description excerpt and aliases; a
run's config keys and tags), each field's values joined by "\\n". A version's last field
is its failing checks ("2 failing checks"), shown as a badge and searchable. `group`, `alt` and the
fields may be integers: indexes into "s", the texts used by more than one entry.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import networkx as nx

from . import graphview, naming
from .markdown import plain_excerpt
from .refs import newest_first
from .scriptjson import script_json

FORMAT = 1
KINDS = ("type", "job type", "artifact", "version", "run")
TYPE, JOB_TYPE, ARTIFACT, VERSION, RUN = range(len(KINDS))
EXCERPT_CHARS = 100  # characters of a description kept for search
KEY_LIMIT = 20  # metadata keys, config keys, tags or aliases kept per entry
VALUE_CHARS = 60  # characters kept of one key, tag or alias
PREFIX = b"window.LINEAGE_SEARCH = "
SUFFIX = b";\n"

_SPACE = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")

IndexEntry = list[Any]


# Every attribute an entry is made from; metadata and config count by their keys only.
# A build reuses the last index when no node's entry_source changed (status.Plan).
SEARCHED = (
    *("kind", "label", "group", "name", "version", "run_id", "description", "aliases", "tags"),
    "failed_checks",
)


def entry_source(data: dict) -> list:
    """Return what a node's search entry (and its type's and artifact's) is made from."""
    keys = [
        list(m) if isinstance(m, dict) else m for m in (data.get("metadata"), data.get("config"))
    ]
    return [*(data.get(name) for name in SEARCHED), *keys]


def search_index(graph: nx.DiGraph) -> bytes:
    """Return the search index of a lineage graph as a JavaScript file."""
    runs, names = graphview.model_pages(graph)  # their pages are their versions'
    entries = type_entries(graph) + artifact_entries(graph, names)
    entries += version_entries(graph) + run_entries(graph, runs)
    strings = intern(entries)
    data = {"v": FORMAT, "k": list(KINDS), "s": strings, "e": front_code(entries)}
    return PREFIX + script_json(data).encode("utf-8") + SUFFIX


# ---------------------------------------------------------------- entries, in result order


def type_entries(graph: nx.DiGraph) -> list[IndexEntry]:
    """Return one entry per artifact type, then one per job type."""
    art_types = {d["group"] for _, d in graph.nodes(data=True) if d["kind"] == "artifact"}
    job_types = {d["group"] for _, d in graph.nodes(data=True) if d["kind"] == "run"}
    # Paths come from the raw names, as the pages' own do; only the shown text is cleaned.
    return [[TYPE, text(t), naming.type_path(t)] for t in sorted(art_types)] + [
        [JOB_TYPE, text(j), naming.job_type_path(j)] for j in sorted(job_types)
    ]


def artifact_entries(graph: nx.DiGraph, shared: Mapping[str, str]) -> list[IndexEntry]:
    """Return one entry per artifact name, with the type of its newest version."""
    newest: dict[str, tuple] = {}
    for node, data in graph.nodes(data=True):
        if data["kind"] == "artifact":
            name, key = data["name"], version_key(node, data)
            if name not in newest or key < newest[name][0]:
                newest[name] = (key, text(data["group"]))
    return [
        [ARTIFACT, text(name), entry_path(name, shared, naming.artifact_path), newest[name][1]]
        for name in sorted(newest)
    ]


def version_entries(graph: nx.DiGraph) -> list[IndexEntry]:
    """Return one entry per artifact version or external reference, newest first per name."""
    nodes = [(n, d) for n, d in graph.nodes(data=True) if d["kind"] == "artifact"]
    nodes.sort(key=lambda nd: (text(nd[1]["name"]), *version_key(*nd)))
    return [
        [
            VERSION,
            text(data["label"]),
            naming.node_path(node),
            text(data["group"]),
            text(data["name"]),
            keys_field(data.get("metadata")),
            excerpt(data.get("description")),
            values_field(data.get("aliases")),
            failing_field(data.get("failed_checks")),
        ]
        for node, data in nodes
    ]


def entry_path(key: str, shared: Mapping[str, str], path: Callable[[str], str]) -> str:
    """Return the path of a run's or artifact's page: its model version's, if it shares it."""
    return naming.node_path(shared[key]) if key in shared else path(key)


def failing_field(count: Any) -> str:
    """Return a version's failing-checks field: '2 failing checks', or '' when none fail."""
    if not isinstance(count, int) or count <= 0:
        return ""
    return f"{count:,} failing check{'s' if count != 1 else ''}"


def run_entries(graph: nx.DiGraph, shared: Mapping[str, str]) -> list[IndexEntry]:
    """Return one entry per run, by display name then id."""
    nodes = [(n, d) for n, d in graph.nodes(data=True) if d["kind"] == "run"]
    nodes.sort(key=lambda nd: (text(nd[1]["label"]), nd[0]))
    return [
        [
            RUN,
            text(data["label"]),
            entry_path(node, shared, naming.node_path),
            text(data["group"]),
            "" if data["run_id"] == data["label"] else text(data["run_id"]),
            keys_field(data.get("config")),
            values_field(data.get("tags")),
        ]
        for node, data in nodes
    ]


def version_key(node: str, data: dict) -> tuple:
    """Order an artifact's nodes as its page does: newest version first, references last."""
    return newest_first(data["version"], node)


# ---------------------------------------------------------------- field values


def text(value: Any) -> str:
    """Return a name-like attribute as a string: "" for None, no lone surrogates."""
    if value is None:
        return ""
    value = value if type(value) is str else str(value)
    return value if value.isascii() else _SURROGATE.sub("\ufffd", value)


@lru_cache(maxsize=65_536)
def clean(value: str, limit: int = VALUE_CHARS) -> str:
    """Return one value on a single line, at most `limit` characters."""
    return text(_SPACE.sub(" ", value[: limit * 4]).strip()[:limit])


def keys_field(mapping: Any) -> str:
    """Return a dict's keys as one field: sorted, at most KEY_LIMIT of them."""
    if not isinstance(mapping, dict) or not mapping:
        return ""
    return _keys_field(tuple(str(k) for k in mapping))


@lru_cache(maxsize=4_096)
def _keys_field(keys: tuple[str, ...]) -> str:
    """Return the field of a tuple of keys (cached: sweeps repeat the same keys)."""
    return "\n".join(sorted({clean(k) for k in keys} - {""})[:KEY_LIMIT])


def values_field(items: Any) -> str:
    """Return a list's values (aliases, tags) as one field, in order, without repeats."""
    if not isinstance(items, list | tuple) or not items:
        return ""
    values = (clean(str(v)) for v in items[: KEY_LIMIT * 2])
    return "\n".join(list(dict.fromkeys(v for v in values if v))[:KEY_LIMIT])


def excerpt(markdown: Any) -> str:
    """Return the start of a markdown text as plain words, at most EXCERPT_CHARS long."""
    if not isinstance(markdown, str) or not markdown:
        return ""
    return text(plain_excerpt(markdown, EXCERPT_CHARS))


# ---------------------------------------------------------------- compaction and output


def intern(entries: list[IndexEntry]) -> list[str]:
    """Replace texts used by several entries (after title and path) by shared-string indexes."""
    counts = Counter(v for e in entries for v in e[3:] if len(v) > 2)
    # Most used first, so the commonest texts get the shortest indexes.
    strings = sorted((s for s, n in counts.items() if n > 1), key=lambda s: (-counts[s], s))
    index = {s: i for i, s in enumerate(strings)}
    for entry in entries:
        entry[3:] = [index.get(v, v) for v in entry[3:]]
    return strings


def front_code(entries: list[IndexEntry]) -> list[IndexEntry]:
    """Front-code titles and paths against the previous entry's, and drop trailing blanks."""
    coded, title, path = [], "", ""
    for kind, new_title, new_path, *rest in entries:
        while rest and rest[-1] == "":
            rest.pop()
        coded.append([kind, *shared(title, new_title), *shared(path, new_path), *rest])
        title, path = new_title, new_path
    return coded


def shared(previous: str, current: str) -> tuple[int, str]:
    """Return how many UTF-16 units `current` keeps of `previous`, and what it appends."""
    low, high = 0, min(len(previous), len(current))
    while low < high:  # binary search: string slices compare in C, a loop would not
        middle = (low + high + 1) // 2
        if previous[:middle] == current[:middle]:
            low = middle
        else:
            high = middle - 1
    kept = current[:low]
    # JavaScript counts UTF-16 units: a character beyond U+FFFF is two of them.
    units = low if kept.isascii() else len(kept.encode("utf-16-le", "surrogatepass")) // 2
    return units, current[low:]
