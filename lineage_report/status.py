"""Incremental builds: a versioned, self-describing status file kept in the output folder.

It records the build's key (tool version, settings, theme files), one hash per graph
node (its attributes, its neighbours and its manifest's bytes), and per page the hash
of what was written and the nodes the page showed. A later build re-renders a page only
when one of those nodes changed, or when the page is one of the few site-wide ones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import networkx as nx

STATUS_NAME = ".lineage-report-status.json"
STATUS_FORMAT = 1


def node_hashes(graph: nx.DiGraph, inputs: dict[str, str]) -> dict[str, str]:
    """Hash every node with its neighbours; a run's hash also covers its manifest's bytes."""
    encode = msgspec.json.Encoder(order="sorted").encode
    hashes: dict[str, str] = {}
    names: dict[str, list[str]] = {}
    groups: dict[str, list[str]] = {}
    for node, data in graph.nodes(data=True):
        # A type's list is ordered by time, so its key covers each member's time too.
        when = data.get("started_at") or data.get("created_at") or ""
        groups.setdefault(group_key(data["kind"], data["group"]), []).append(f"{node}\t{when}")
        source = inputs.get(data["source"], "")
        blob = encode(
            [data, sorted(graph.predecessors(node)), sorted(graph.successors(node)), source]
        )
        hashes[node] = hashlib.blake2b(blob, digest_size=10).hexdigest()
        if data["kind"] == "artifact":
            names.setdefault(data["name"], []).append(node)
    memberships = {"@name:" + name: members for name, members in names.items()}
    memberships.update(groups)
    for key, members in memberships.items():
        blob = "\n".join(sorted(members)).encode("utf-8", "surrogatepass")
        hashes[key] = hashlib.blake2b(blob, digest_size=10).hexdigest()
    return hashes


def group_key(kind: str, group: str) -> str:
    """Return the key that stands for the members of a job type or artifact type in deps."""
    return f"@group:{kind}:{group}"


def build_key(*parts: bytes | str) -> str:
    """Hash what makes every page different when it changes: tool, settings, theme."""
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part.encode("utf-8") if isinstance(part, str) else part)
        sha.update(b"\0")
    return sha.hexdigest()


class PageRecord(msgspec.Struct, array_like=True):
    """What a build knows about one written page."""

    digest: str
    deps: list[int]


class Status(msgspec.Struct):
    """The status file's content."""

    format: int
    key: str
    nodes: list[str]
    hashes: list[str]
    pages: dict[str, PageRecord]
    files: list[str] = []


@dataclass
class Plan:
    """Which pages a build must render, given the previous build's status."""

    incremental: bool
    changed: set[str] = field(default_factory=set)
    old: Status | None = None

    def needs(self, path: str, always: bool) -> bool:
        """Tell whether a page must be rendered again."""
        if not self.incremental or always or path not in self.old.pages:
            return True
        nodes = self.old.nodes
        return any(nodes[i] in self.changed for i in self.old.pages[path].deps)


def load_status(output: Path) -> Status | None:
    """Read the previous build's status, or None when there is none usable."""
    path = output / STATUS_NAME
    try:
        status = msgspec.json.decode(path.read_bytes(), type=Status)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None
    return status if status.format == STATUS_FORMAT else None


def plan(output: Path, key: str, hashes: dict[str, str]) -> Plan:
    """Compare this build with the last one: which nodes changed since."""
    old = load_status(output)
    if old is None or old.key != key:
        return Plan(incremental=False)
    before = dict(zip(old.nodes, old.hashes, strict=True))
    changed = {n for n, h in hashes.items() if before.get(n) != h}
    changed |= before.keys() - hashes.keys()
    return Plan(incremental=True, changed=changed, old=old)


def encode_status(
    key: str, hashes: dict[str, str], pages: dict[str, tuple[str, list[str]]], files: list[str]
) -> bytes:
    """Serialise the status of the build that just ran."""
    nodes = sorted(hashes)
    index = {n: i for i, n in enumerate(nodes)}
    records = {
        path: PageRecord(digest, sorted(index[d] for d in deps if d in index))
        for path, (digest, deps) in sorted(pages.items())
    }
    status = Status(STATUS_FORMAT, key, nodes, [hashes[n] for n in nodes], records, sorted(files))
    return msgspec.json.encode(status)
