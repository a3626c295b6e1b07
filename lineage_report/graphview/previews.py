"""Preview files: every node's preview rows, once per site, in `<script>` files read on demand.

A node's preview (its type, times, size, description...) is the same on every page that
draws it, and a node is drawn on ten pages or more: written into each page, the previews
were a sixth of a site's bytes. A built site keeps them in `SHARDS` shards under
`previews/`; a page's data names the folder (`pv`) and the shard count (`pn`), and the
browser loads the shard of a node (`shard_of`: FNV-1a over the id's UTF-16 code units,
as lineage-graph/previews.js computes it) when its preview opens; file:// forbids fetch, a
`<script>` element works everywhere. A view made for one page (the Python API, the notebook)
keeps its previews inline. Format: docs/graph.md.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..scriptjson import script_json
from .compact import decode, encode
from .entries import node_entry
from .facts import GraphFacts

FOLDER = "previews/"  # below the site's root (or a split site's part)
GLOBAL = "LineagePreviews"  # the global each file adds itself to, by shard number
# Shards of every site: a fixed number, so that no page's data changes as the project
# grows (a page is the same in a project ten times larger); a shard with no node is not
# written. 120,000 nodes: ~120 a shard (~30 KB); 1,000,000: ~1,000 (~250 KB).
SHARDS = 1024
FORMAT = 1


def shard_of(node: str, count: int) -> int:
    """Return the shard of a node: FNV-1a (32 bits) over its id's UTF-16 code units."""
    h = 0x811C9DC5
    for unit in _code_units(node):
        h = ((h ^ unit) * 0x01000193) & 0xFFFFFFFF
    return h % count


def _code_units(text: str) -> Iterable[int]:
    """Return a text's UTF-16 code units (an ASCII text's are its bytes: a rebuild hashes
    every node)."""
    if text.isascii():
        return text.encode("ascii")
    units = text.encode("utf-16-le", "surrogatepass")
    return [units[i] | units[i + 1] << 8 for i in range(0, len(units), 2)]


def shard_path(shard: int) -> str:
    """Return a shard's path relative to the site's root."""
    return f"{FOLDER}{shard}.js"


def preview_files(
    facts: GraphFacts, kept: Callable[[int, str], bool] = lambda shard, path: False
) -> Iterator[tuple[str, bytes | None]]:
    """Yield every shard's file (site path, bytes) of the graph's nodes' previews, in order;
    a shard that `kept` (shard, path) says the last build's file still holds, with None.

    A shard's rows are made as it is yielded: all at once, they took ~60 MB at 120k nodes.
    """
    shards: dict[int, list[str]] = defaultdict(list)
    for n in sorted(facts.kind):
        shards[shard_of(n, SHARDS)].append(n)
    for shard, nodes in sorted(shards.items()):
        if kept(shard, shard_path(shard)):
            yield shard_path(shard), None
            continue
        entries = [_preview(facts, n) for n in nodes]
        entries = [e for e in entries if e["p"]]
        if entries:
            yield shard_path(shard), _shard_script(shard, entries)


def changed_shards(facts: GraphFacts, changed: Iterable[str]) -> set[int]:
    """Return the shards whose file a change of these nodes (changed, added or removed) may
    alter: theirs, and those of the versions they produced, whose previews name them."""
    changed = set(changed)
    named = [
        n
        for n, producer in facts.graph.nodes(data="producer")
        if isinstance(producer, str) and producer in changed
    ]
    return {shard_of(n, SHARDS) for n in (*changed, *named)}


def _preview(facts: GraphFacts, node: str) -> dict:
    """Return one node's preview entry (its rows may be empty)."""
    return {"id": node, "k": facts.kind[node], "p": node_entry(facts, node, None).get("p")}


def read_preview_files(site: Path) -> dict[str, list[list[str]]]:
    """Return every node's preview rows from a built site's preview files (for tests and
    scripts, as graphview.read_page_data is for page data)."""
    rows = {}
    for path in sorted((site / FOLDER).glob("*.js")):
        text = path.read_text(encoding="utf-8").splitlines()[1]
        data = json.loads(text.partition(" = ")[2].rstrip(";"))
        for e in decode({**data, "types": None})["nodes"]:
            rows[e["id"]] = e["p"]
    return rows


def _shard_script(shard: int, entries: list[dict]) -> bytes:
    """Return one shard's script: it adds its previews (compact, as page data) to the global."""
    data = encode({"nodes": entries, "types": None})
    text = script_json({"v": FORMAT, "s": data["s"], "nodes": data["nodes"]})
    registry = f"window.{GLOBAL}"
    return f"{registry} = {registry} || {{}};\n{registry}[{shard}] = {text};\n".encode()
