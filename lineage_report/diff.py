"""Diff: what a change does to the lineage, for a pull request's reviewers.

`lineage-report diff OLD NEW` compares two lineages. Each side is a project folder (read and
resolved as a build would), a built site (its `lineage.json`), a `lineage.json` file, or an
audit snapshot (its `site/lineage.json`, read from the zip in place). The comparison lists
runs and artifact versions added and removed, aliases that moved (`production`: v3 → v4),
edges added and removed, the changed fields of nodes present on both sides, new and resolved
problems, and each change's downstream impact: the nodes of NEW that depend on it.

It prints Markdown sized for a pull-request comment (GitHub's 65,536-character limit, with a
count of what was left out and a pointer to the full report) or a stable JSON document
(docs/diff.md), and with `--html DIR` writes a changes page whose graph marks what was
added and draws what was removed as ghosts. Every name comes from an untrusted manifest: in
Markdown it is escaped so that it cannot open HTML, a table cell, a link or a mention.
Exit 0 once the comparison ran; `--fail-on` makes chosen findings exit 1 for CI gates.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import sys
import urllib.parse
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import networkx as nx
from markupsafe import Markup

from . import __version__, formats, naming
from .build import build_time, load_lineage
from .config import Config, load_config
from .crew import processes, side_job
from .errors import LineageReportError
from .graphview import GraphView, escape_json, project_graph
from .render import Asset, Renderer, collect_assets, hashed_asset, themes_root
from .snapshot import entry_problem
from .terminal import one_line, safe_line
from .write import atomic_write

__all__ = ["Diff", "Side", "compare", "load_side", "load_sides", "markdown", "register", "to_json"]

log = logging.getLogger("lineage_report")

FORMAT = "lineage-report-diff"
VERSION = 1  # of the JSON document; a change that breaks scripts bumps it (docs/diff.md)
COMMENT_LIMIT = 65_536  # GitHub's limit on a comment's body, in characters
# The report's first line: finds the comment a workflow posted before, to update it.
MARKDOWN_MARK = "<!-- lineage-report diff -->"
IMPACT_FIRST = 5  # downstream nodes named per change (all are counted)
IMPACT_BUDGET = 2_000_000  # node visits for per-change impacts; past it they are not counted
FIELDS_SHOWN = 6  # changed fields shown per node in Markdown (JSON has them all)
VALUE_MAX = 60  # characters of a value shown in Markdown
LABEL_MAX = 120
ZIP_LIMIT = 4 << 30  # a lineage.json inside a zip larger than this is not one we wrote
DRAW_LIMIT = 300  # nodes drawn on the changes page
PAGE_ITEMS = 500  # entries listed per section of the changes page
# Derived from other attributes, or reported on their own (aliases): not a "changed field".
DERIVED = frozenset({"id", "label", "group", "aliases", "relogged_by", "source"})
MARKER = ".lineage-report-diff.json"  # lists what `--html` wrote into its folder
PAGE = "index.html"
SNAPSHOT_LINEAGE = "site/" + naming.LINEAGE_JSON

Edge = tuple[str, str]


class DiffInputError(LineageReportError):
    """A side of the diff is missing, or is no project, site, lineage.json or snapshot."""


# --------------------------------------------------------------------------- reading a side


@dataclass
class Side:
    """One side of the comparison: its nodes, edges and problems as lineage.json holds them."""

    source: str  # the path as given
    kind: str  # "project", "site", "lineage.json", "snapshot"
    nodes: dict[str, dict[str, Any]]
    edges: set[Edge]
    problems: list[dict[str, str]]
    report_time: str = ""
    root: str = ""  # a project's folder, scrubbed from its problems' messages

    def describe(self) -> dict[str, Any]:
        """Return what the JSON report says about this side."""
        return {
            "source": self.source,
            "kind": self.kind,
            "report_time": self.report_time,
            "nodes": len(self.nodes),
            "edges": len(self.edges),
            "problems": len(self.problems),
        }


def load_sides(old: Path, new: Path) -> tuple[Side, Side]:
    """Read both sides; two project folders are read at once (the old one in a fork)."""
    before, after = locate(old), locate(new)
    if not before.kind == after.kind == "project" or processes(None) < 2:
        return read_side(before), read_side(after)
    old_config, new_config = load_config(old), load_config(new)  # errors: here, once
    with problems_unlogged(), side_job(project_document, old_config) as old_document:
        new_side = side_from_json(project_document(new_config), str(new), "project")
        old_side = side_from_json(old_document(), str(old), "project")
    return old_side, new_side


def load_side(path: Path) -> Side:
    """Read one side: a project folder, a built site, a lineage.json or a snapshot zip."""
    return read_side(locate(path))


@dataclass(frozen=True)
class Located:
    """What a side is (`kind`), where its lineage is, and whether that is inside a zip."""

    given: Path
    kind: str
    path: Path
    zipped: bool = False


def locate(path: Path) -> Located:
    """Tell what a side is, and which file (or folder) to read it from."""
    if path.is_dir():
        lineage_file = path / naming.LINEAGE_JSON
        if (path / "SHA256SUMS").is_file() and (path / SNAPSHOT_LINEAGE).is_file():
            return Located(path, "snapshot", path / SNAPSHOT_LINEAGE)  # unzipped
        if (path / naming.STATUS_NAME).is_file() or (path / "index.html").is_file():
            if not lineage_file.is_file():
                raise DiffInputError(f"{path}: a built site without {naming.LINEAGE_JSON}")
            return Located(path, "site", lineage_file)
        return Located(path, "project", path)
    if not path.exists():
        raise DiffInputError(f"{path}: no such file or folder")
    if zipfile.is_zipfile(path):
        return Located(path, "snapshot", path, zipped=True)
    with open_or_fail(path) as f:
        if f.read(2) == b"PK":
            raise DiffInputError(f"{path}: not a readable zip file (corrupt or cut short)")
    return Located(path, "lineage.json", path)


def read_side(where: Located) -> Side:
    """Read a located side."""
    if where.kind == "project":
        with problems_unlogged():  # the diff reports new problems itself
            data = project_document(load_config(where.path))
    elif where.zipped:
        data = read_zip_lineage(where.path)
    else:
        data = read_file(where.path)
    return side_from_json(data, str(where.given), where.kind)


@contextlib.contextmanager
def open_or_fail(path: Path) -> Iterator:
    """Open a file for reading, or say in one line why not."""
    try:
        f = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise DiffInputError(f"{path}: cannot read: {exc.strerror}") from None
    with f:
        yield f


def read_file(path: Path) -> bytes:
    """Read a file, or say in one line why not."""
    with open_or_fail(path) as f:
        return f.read()


def project_document(config: Config) -> bytes:
    """Collect and resolve a project; return what its site's lineage.json would hold.

    Through JSON and back, the values compare as a built site's would (NaN as null).
    """
    lineage = load_lineage(config)
    graph = lineage.graph
    document = {
        "nodes": [{**attrs, "id": node} for node, attrs in graph.nodes(data=True)],
        "edges": [{"source": u, "target": v} for u, v in graph.edges()],
        "problems": [p.to_json() for p in lineage.problems],
        "report_time": build_time(lineage),
        "root": str(config.root),
    }
    return msgspec.json.encode(document, enc_hook=str)


@contextlib.contextmanager
def problems_unlogged() -> Iterator[None]:
    """Keep a side's problems out of the log while it loads: the report lists the new ones."""

    def keep(record: logging.LogRecord) -> bool:
        return not hasattr(record, "problem")

    log.addFilter(keep)
    try:
        yield
    finally:
        log.removeFilter(keep)


def read_zip_lineage(path: Path) -> bytes:
    """Return the site's lineage.json from a snapshot zip, read in place."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = zip_member(archive, path)
            problem = entry_problem(info)
            if problem:
                raise DiffInputError(f"{path}: {problem}")
            if info.file_size > ZIP_LIMIT:
                raise DiffInputError(f"{path}: {info.filename} is too large to be ours")
            return archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise DiffInputError(f"{path}: not a readable zip file ({exc})") from None


def zip_member(archive: zipfile.ZipFile, path: Path) -> zipfile.ZipInfo:
    """Return the zip's lineage.json entry: a snapshot's, else a zipped site's."""
    names = {info.filename: info for info in archive.infolist()}
    for name in (SNAPSHOT_LINEAGE, naming.LINEAGE_JSON):
        if name in names:
            return names[name]
    raise DiffInputError(f"{path}: not a snapshot: it holds no {SNAPSHOT_LINEAGE}")


def side_from_json(data: bytes, source: str, kind: str) -> Side:
    """Parse lineage.json (networkx node-link JSON with problems) into a side."""
    try:
        doc = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise DiffInputError(f"{source}: not a lineage.json ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("nodes"), list):
        raise DiffInputError(f"{source}: not a lineage.json (no list of nodes)")
    nodes = parse_nodes(doc["nodes"], source)
    edges = parse_edges(doc.get("edges", doc.get("links", [])), nodes, source)
    problems = doc.get("problems") or []
    if not isinstance(problems, list) or not all(isinstance(p, dict) for p in problems):
        raise DiffInputError(f"{source}: not a lineage.json (problems is not a list of objects)")
    root = doc.get("root") if kind == "project" else ""  # our own document only
    return Side(source, kind, nodes, edges, problems, str(doc.get("report_time") or ""), root)


def parse_nodes(items: list, source: str) -> dict[str, dict[str, Any]]:
    """Return the nodes by id; each must be an object with a string id and a known kind."""
    nodes = {}
    for i, item in enumerate(items):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("id"), str)
            and item.get("kind") in ("run", "artifact")
        ):
            raise DiffInputError(f"{source}: not a lineage.json (nodes[{i}] has no id or kind)")
        nodes[item["id"]] = item
    return nodes


def parse_edges(items: object, nodes: dict, source: str) -> set[Edge]:
    """Return the edges as (source, target) pairs between known nodes."""
    if not isinstance(items, list):
        raise DiffInputError(f"{source}: not a lineage.json (edges is not a list)")
    edges = set()
    for i, item in enumerate(items):
        pair = (item.get("source"), item.get("target")) if isinstance(item, dict) else None
        if pair is None or pair[0] not in nodes or pair[1] not in nodes:
            raise DiffInputError(f"{source}: not a lineage.json (edges[{i}] joins no two nodes)")
        edges.add(pair)
    return edges


# --------------------------------------------------------------------------- comparing


@dataclass(frozen=True)
class Impact:
    """What depends on one change in NEW: how many nodes, the nearest few by id."""

    count: int | None  # None: not counted (the diff's impact budget ran out)
    first: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return the impact as the JSON report shows it."""
        return {"count": self.count, "first": list(self.first)}


@dataclass(frozen=True)
class Listed:
    """A node added or removed, with its impact."""

    id: str
    kind: str
    label: str
    impact: Impact

    def to_json(self) -> dict[str, Any]:
        """Return the node as the JSON report shows it."""
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "impact": self.impact.to_json(),
        }


@dataclass(frozen=True)
class FieldChange:
    """One changed field of a node: its dotted path and both values (None when absent)."""

    path: str
    change: str  # "added", "removed" or "changed"
    old: Any = None
    new: Any = None

    def to_json(self) -> dict[str, Any]:
        """Return the field change as the JSON report shows it."""
        return {"path": self.path, "change": self.change, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class Changed:
    """A node present on both sides whose fields differ."""

    id: str
    kind: str
    label: str
    fields: tuple[FieldChange, ...]
    impact: Impact

    def to_json(self) -> dict[str, Any]:
        """Return the changed node as the JSON report shows it."""
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "fields": [f.to_json() for f in self.fields],
            "impact": self.impact.to_json(),
        }


@dataclass(frozen=True)
class AliasMove:
    """An alias of an artifact that now names another version (or none, or is new)."""

    artifact: str
    alias: str
    old: str | None  # node ids
    new: str | None
    old_version: int | None
    new_version: int | None
    impact: Impact

    @property
    def change(self) -> str:
        """Return "moved", "added" (newly set) or "removed" (no version holds it now)."""
        if self.old is None:
            return "added"
        return "removed" if self.new is None else "moved"

    def to_json(self) -> dict[str, Any]:
        """Return the move as the JSON report shows it."""
        ends = [
            None if node is None else {"id": node, "version": number}
            for node, number in ((self.old, self.old_version), (self.new, self.new_version))
        ]
        return {
            "artifact": self.artifact,
            "alias": self.alias,
            "change": self.change,
            "from": ends[0],
            "to": ends[1],
            "impact": self.impact.to_json(),
        }


@dataclass
class Category:
    """The runs, the artifact versions or the external inputs: added, removed, changed."""

    added: list[Listed] = field(default_factory=list)
    removed: list[Listed] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the category's lists as the JSON report shows them."""
        return {
            "added": [n.to_json() for n in self.added],
            "removed": [n.to_json() for n in self.removed],
            "changed": [n.to_json() for n in self.changed],
        }

    def counts(self) -> dict[str, int]:
        """Return how many nodes were added, removed and changed."""
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
        }


CATEGORIES = ("runs", "versions", "externals")


@dataclass
class Diff:
    """Everything that differs between two sides."""

    old: Side
    new: Side
    runs: Category
    versions: Category
    externals: Category
    aliases: list[AliasMove]
    edges_added: list[Edge]
    edges_removed: list[Edge]
    new_problems: list[dict[str, str]]
    resolved_problems: list[dict[str, str]]
    impacted: int  # nodes of NEW downstream of any change, the changes themselves left out

    def category(self, name: str) -> Category:
        """Return one of CATEGORIES by name."""
        return getattr(self, name)

    @property
    def empty(self) -> bool:
        """Tell whether the two sides show the same lineage and problems."""
        counts = self.summary()
        return not any(
            n for part in counts.values() if isinstance(part, dict) for n in part.values()
        )

    def summary(self) -> dict[str, Any]:
        """Return the counts the report's table shows."""
        moves = [a.change for a in self.aliases]
        counts: dict[str, Any] = {name: self.category(name).counts() for name in CATEGORIES}
        counts["aliases"] = {c: moves.count(c) for c in ("added", "removed", "moved")}
        counts["edges"] = {"added": len(self.edges_added), "removed": len(self.edges_removed)}
        counts["problems"] = {
            "new": len(self.new_problems),
            "resolved": len(self.resolved_problems),
        }
        counts["impacted"] = self.impacted
        return counts


def kind_of(attrs: dict[str, Any]) -> str:
    """Return the category of a node: "runs", "versions" or "externals"."""
    if attrs["kind"] == "run":
        return "runs"
    return "externals" if attrs.get("external") else "versions"


def label_of(node: str, attrs: dict[str, Any] | None) -> str:
    """Return how a node is named to people: `name:vN`, or a run's name with its id."""
    if attrs is None:
        return node
    label = str(attrs.get("label") or node)
    run_id = attrs.get("run_id")
    if attrs.get("kind") == "run" and run_id and str(run_id) != label:
        return f"{label} ({run_id})"
    return label


class Walker:
    """Counts what depends on a change in NEW, within one budget of node visits for all."""

    def __init__(self, new: Side, old: Side):
        self.succ = adjacency(new.edges)
        self.old_succ = adjacency(old.edges)
        self.new_nodes = new.nodes
        self.budget = IMPACT_BUDGET

    def of_node(self, node: str) -> Impact:
        """Return the impact of a node of NEW: its descendants."""
        return self.walk(self.succ.get(node, ()))

    def of_removed(self, node: str) -> Impact:
        """Return the impact of a node gone from NEW: what used it that is still there."""
        return self.walk([n for n in self.old_succ.get(node, ()) if n in self.new_nodes])

    def walk(self, starts: Iterable[str]) -> Impact:
        """Return the nodes reachable from `starts` (themselves included), nearest first."""
        if self.budget <= 0:
            return Impact(None)
        levels, seen = reach(self.succ, starts, self.budget)
        self.budget -= len(seen)
        if self.budget <= 0:  # cut short: a count would be wrong
            return Impact(None)
        first: list[str] = []
        for level in levels:
            if len(first) >= IMPACT_FIRST:
                break
            first.extend(sorted(level)[: IMPACT_FIRST - len(first)])
        return Impact(len(seen), tuple(first))


def adjacency(edges: Iterable[Edge]) -> dict[str, list[str]]:
    """Return each node's successors."""
    succ: dict[str, list[str]] = {}
    for u, v in edges:
        succ.setdefault(u, []).append(v)
    return succ


def reach(
    succ: dict[str, list[str]], starts: Iterable[str], limit: float = float("inf")
) -> tuple[list[list[str]], set[str]]:
    """Return breadth-first levels from `starts` and every node reached (at most `limit`)."""
    level = sorted(set(starts))
    seen = set(level)
    levels = []
    while level and len(seen) < limit:
        levels.append(level)
        nxt = []
        for node in level:
            for other in succ.get(node, ()):
                if other not in seen:
                    seen.add(other)
                    nxt.append(other)
        level = nxt
    return levels, seen


def compare(old: Side, new: Side) -> Diff:
    """Compare two sides: nodes, aliases, edges, fields, problems and impact."""
    walker = Walker(new, old)
    categories = {name: Category() for name in CATEGORIES}
    for node in sorted(new.nodes.keys() - old.nodes.keys()):
        attrs = new.nodes[node]
        listed = Listed(node, attrs["kind"], label_of(node, attrs), walker.of_node(node))
        categories[kind_of(attrs)].added.append(listed)
    for node in sorted(old.nodes.keys() - new.nodes.keys()):
        attrs = old.nodes[node]
        listed = Listed(node, attrs["kind"], label_of(node, attrs), walker.of_removed(node))
        categories[kind_of(attrs)].removed.append(listed)
    for node in sorted(old.nodes.keys() & new.nodes.keys()):
        fields = field_changes(old.nodes[node], new.nodes[node])
        if fields:
            attrs = new.nodes[node]
            changed = Changed(
                node, attrs["kind"], label_of(node, attrs), fields, walker.of_node(node)
            )
            categories[kind_of(attrs)].changed.append(changed)
    moves = alias_moves(old, new, walker)
    new_problems, resolved = problem_changes(old, new)
    return Diff(
        old,
        new,
        **categories,
        aliases=moves,
        edges_added=sorted(new.edges - old.edges),
        edges_removed=sorted(old.edges - new.edges),
        new_problems=new_problems,
        resolved_problems=resolved,
        impacted=impacted(walker, categories, moves),
    )


def impacted(walker: Walker, categories: dict[str, Category], moves: list[AliasMove]) -> int:
    """Count the nodes of NEW downstream of any change (changed ones among them count too)."""
    seeds = {n.id for c in categories.values() for n in [*c.added, *c.changed]}
    seeds.update(m.new for m in moves if m.new)
    starts = {n for node in seeds for n in walker.succ.get(node, ())}
    for category in categories.values():
        for gone in category.removed:
            starts.update(n for n in walker.old_succ.get(gone.id, ()) if n in walker.new_nodes)
    return len(reach(walker.succ, starts)[1])


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[FieldChange, ...]:
    """Return the fields that differ between two versions of one node, by dotted path."""
    changes: list[FieldChange] = []
    if old == new:
        return ()  # most nodes: one comparison in C
    for key in sorted(old.keys() | new.keys()):
        if key in DERIVED:
            continue
        a, b = old.get(key, _ABSENT), new.get(key, _ABSENT)
        if a != b or type(a) is not type(b):
            diff_values(str(key), a, b, changes)
    return tuple(changes)


_ABSENT = object()


def diff_values(path: str, a: Any, b: Any, out: list[FieldChange]) -> None:
    """Add the changes between two values: into both when both are objects, else whole."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys(), key=str):
            x, y = a.get(key, _ABSENT), b.get(key, _ABSENT)
            if x != y or type(x) is not type(y):
                diff_values(f"{path}.{key}", x, y, out)
    elif a is _ABSENT:
        out.append(FieldChange(path, "added", None, b))
    elif b is _ABSENT:
        out.append(FieldChange(path, "removed", a, None))
    else:
        out.append(FieldChange(path, "changed", a, b))


def alias_holders(side: Side) -> dict[tuple[str, str], str]:
    """Return which version holds each alias, by (artifact name, alias); `latest` left out."""
    holders = {}
    for node, attrs in side.nodes.items():
        if attrs["kind"] != "artifact" or attrs.get("external"):
            continue
        aliases = attrs.get("aliases")
        for alias in aliases if isinstance(aliases, list) else ():
            # `latest` follows the newest version: its moves are the versions added.
            if isinstance(alias, str) and alias != "latest":
                holders[(str(attrs.get("name")), alias)] = node
    return holders


def alias_moves(old: Side, new: Side, walker: Walker) -> list[AliasMove]:
    """Return the aliases whose version differs between the sides, by artifact and alias."""
    before, after = alias_holders(old), alias_holders(new)
    moves = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        impact = walker.of_node(b) if b else Impact(0)
        moves.append(AliasMove(*key, a, b, version_of(old, a), version_of(new, b), impact))
    return moves


def version_of(side: Side, node: str | None) -> int | None:
    """Return a version node's number, if it has one."""
    number = side.nodes[node].get("version") if node else None
    return number if isinstance(number, int) and not isinstance(number, bool) else None


# Parts of a problem's text that change without the problem changing: where in a file it
# sits (entries move), digests, times and version numbers (versions renumber).
_VOLATILE = (
    (re.compile(r"(?:sha256:|blake2b:|md5:)?[0-9a-fA-F]{12,}"), "<digest>"),
    (re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)?"), "<time>"),
    (re.compile(r":v\d+\b"), ":v<n>"),
)


def problem_key(problem: dict[str, Any], root: str) -> tuple[str, str, str]:
    """Return a problem's identity: its file, kind and message without volatile parts."""
    message = str(problem.get("message", ""))
    if root:
        message = message.replace(root, "<project>")
    for pattern, stand_in in _VOLATILE:
        message = pattern.sub(stand_in, message)
    return (str(problem.get("path", "")), str(problem.get("kind", "")), message)


def problem_changes(old: Side, new: Side) -> tuple[list[dict], list[dict]]:
    """Return the problems of NEW not in OLD, and those of OLD gone from NEW."""
    before = {problem_key(p, old.root) for p in old.problems}
    after = {problem_key(p, new.root) for p in new.problems}
    fresh = [p for p in new.problems if problem_key(p, new.root) not in before]
    gone = [p for p in old.problems if problem_key(p, old.root) not in after]
    return sorted(fresh, key=problem_sort), sorted(gone, key=problem_sort)


def problem_sort(problem: dict[str, Any]) -> tuple[str, ...]:
    """Order problems as builds do: by file, location, message."""
    return tuple(str(problem.get(k, "")) for k in ("path", "location", "message", "kind"))


# --------------------------------------------------------------------------- JSON


def to_json(diff: Diff) -> dict[str, Any]:
    """Return the JSON report (docs/diff.md): every change, nothing cut."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "generator": f"lineage-report {__version__}",
        "old": diff.old.describe(),
        "new": diff.new.describe(),
        "summary": diff.summary(),
        **{name: diff.category(name).to_json() for name in CATEGORIES},
        "aliases": [a.to_json() for a in diff.aliases],
        "edges": {
            "added": [{"source": u, "target": v} for u, v in diff.edges_added],
            "removed": [{"source": u, "target": v} for u, v in diff.edges_removed],
        },
        "problems": {
            "new": [problem_json(p) for p in diff.new_problems],
            "resolved": [problem_json(p) for p in diff.resolved_problems],
        },
    }


def problem_json(problem: dict[str, Any]) -> dict[str, str]:
    """Return a problem with exactly the fields lineage.json gives it."""
    found = {k: str(problem.get(k, "")) for k in ("path", "location", "message", "kind")}
    found["severity"] = "warning" if problem.get("severity") == "warning" else "error"
    return found


_SURROGATE = re.compile("[\ud800-\udfff]")


def json_text(doc: dict[str, Any]) -> str:
    """Return the JSON report as sorted, indented text (lone surrogates kept as escapes)."""
    text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


# --------------------------------------------------------------------------- Markdown

# Characters that could start markup in a comment: HTML, code, emphasis, links, table
# cells, strikethrough and math. Written as character references, they show as themselves
# in Markdown and inside HTML blocks alike. `@` and `#` get an invisible break after them,
# so `@everyone` or `org/repo#1` pings and links no one.
_MD_TABLE = str.maketrans(
    {c: f"&#{ord(c)};" for c in "\\`*_[]<>&|~$"} | {"@": "@&#8203;", "#": "#&#8203;"}
)
_AUTOLINK = re.compile(r"(://|www\.)", re.IGNORECASE)


def md(value: object, limit: int = LABEL_MAX) -> str:
    """Return untrusted text as one line of inert Markdown, cut to `limit` characters."""
    text = _SURROGATE.sub("\ufffd", one_line(value, limit))
    text = text.translate(_MD_TABLE)
    return _AUTOLINK.sub(lambda m: m.group()[0] + "&#8203;" + m.group()[1:], text)


def md_value(value: Any) -> str:
    """Return a field's value as short inert Markdown (JSON for anything but a string)."""
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return md(text, VALUE_MAX)


def impact_text(impact: Impact, name: Callable[[str], str]) -> str:
    """Return `2 nodes downstream: a, b` (nearest first, each named by `name`), or "nothing
    downstream"."""
    if impact.count is None:
        return "downstream not counted (too many changes)"
    if not impact.count:
        return "nothing downstream"
    names = ", ".join(name(n) for n in impact.first)
    more = ", …" if impact.count > len(impact.first) else ""
    return f"{formats.plural(impact.count, 'node')} downstream: {names}{more}"


@dataclass
class Block:
    """A part of the comment: a head, items that may be cut, and a tail."""

    head: list[str]
    items: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    must: bool = False  # never cut (the summary)


def markdown(diff: Diff, limit: int = COMMENT_LIMIT, report_url: str | None = None) -> str:
    """Return the Markdown report, cut to `limit` characters with a count of what was left."""
    blocks = [summary_block(diff), *alias_blocks(diff), *detail_blocks(diff)]
    return fit(blocks, limit, report_url)


def summary_block(diff: Diff) -> Block:
    """Return the heading, the sides and the table of counts."""
    counts = diff.summary()
    rows = [
        ("runs", counts["runs"], "changed"),
        ("artifact versions", counts["versions"], "changed"),
        ("external inputs", counts["externals"], "changed"),
        ("aliases", counts["aliases"], "moved"),
    ]
    lines = [
        MARKDOWN_MARK,
        "## Lineage diff",
        "",
        f"{md(diff.old.source)} ({diff.old.kind}) → {md(diff.new.source)} ({diff.new.kind})",
        "",
        "| | added | removed | changed |",
        "|---|---:|---:|---:|",
    ]
    count = formats.count
    lines += [
        f"| {name} | {count(c['added'])} | {count(c['removed'])} | {count(c[key])} |"
        for name, c, key in rows
    ]
    edges, problems = counts["edges"], counts["problems"]
    lines.append(f"| edges | {count(edges['added'])} | {count(edges['removed'])} | – |")
    new, resolved = count(problems["new"]), count(problems["resolved"])
    lines.append(f"| problems | {new} new | {resolved} resolved | – |")
    lines.append("")
    if diff.empty:
        lines.append("No changes to the lineage.")
    else:
        what = formats.plural(diff.impacted, "node")
        lines.append(f"Downstream of these changes: **{what}** of the new lineage.")
    return Block(lines, must=True)


def alias_blocks(diff: Diff) -> list[Block]:
    """Return the alias moves, shown open: what reviewers look at first."""
    if not diff.aliases:
        return []
    labels = diff_labels(diff, md)
    items = []
    for move in diff.aliases:
        old = f"v{move.old_version}" if move.old else "(none)"
        new = f"v{move.new_version}" if move.new else "(none)"
        what = f"{md(move.artifact)} **{md(move.alias)}**: {old} → {new}"
        items.append(f"- {what} — {impact_text(move.impact, labels)}")
    return [Block(["", "### Aliases moved", ""], items)]


def detail_blocks(diff: Diff) -> list[Block]:
    """Return one folded block per kind of change that has any."""
    labels = diff_labels(diff, md)
    titles = {"runs": "Runs", "versions": "Artifact versions", "externals": "External inputs"}
    sections: list[tuple[str, list[str]]] = []
    for name in CATEGORIES:
        cat, title = diff.category(name), titles[name]
        sections.append((f"{title} added", [listed_line(n, labels) for n in cat.added]))
        sections.append((f"{title} removed", [listed_line(n, labels) for n in cat.removed]))
        sections.append((f"{title} changed", [changed_line(n, labels) for n in cat.changed]))
    sections.append(("Edges added", [edge_line(e, labels) for e in diff.edges_added]))
    sections.append(("Edges removed", [edge_line(e, labels) for e in diff.edges_removed]))
    sections.append(("New problems", [problem_line(p) for p in diff.new_problems]))
    sections.append(("Resolved problems", [problem_line(p) for p in diff.resolved_problems]))
    return [details(title, items) for title, items in sections if items]


def details(title: str, items: list[str]) -> Block:
    """Return a folded block: `<details>` with a summary line, then a list."""
    head = ["", f"<details><summary>{title} ({formats.count(len(items))})</summary>", ""]
    return Block(head, items, ["", "</details>"])


def diff_labels(diff: Diff, escape: Callable[[str], str] = str) -> Callable[[str], str]:
    """Return a function naming any node of either side (NEW's name first), escaped."""

    def label(node: str) -> str:
        attrs = diff.new.nodes.get(node) or diff.old.nodes.get(node)
        return escape(label_of(node, attrs))

    return label


def listed_line(node: Listed, labels: Callable[[str], str]) -> str:
    """Return the line of an added or removed node."""
    return f"- {md(node.label)} — {impact_text(node.impact, labels)}"


def changed_line(node: Changed, labels: Callable[[str], str]) -> str:
    """Return the line of a changed node: its first fields, old → new, and its impact."""
    shown = [
        f"{md(f.path)}: {md_value(f.old)} → {md_value(f.new)}" for f in node.fields[:FIELDS_SHOWN]
    ]
    more = len(node.fields) - FIELDS_SHOWN
    if more > 0:
        shown.append(formats.plural(more, "more field"))
    return f"- {md(node.label)}: {'; '.join(shown)} — {impact_text(node.impact, labels)}"


def edge_line(edge: Edge, labels: Callable[[str], str]) -> str:
    """Return the line of an edge: what → what."""
    return f"- {labels(edge[0])} → {labels(edge[1])}"


def problem_line(problem: dict[str, Any]) -> str:
    """Return the line of a problem, as builds print it."""
    where = f"{md(problem.get('location'))}: " if problem.get("location") else ""
    text = f"{md(problem.get('path'))}: {where}{md(problem.get('message'), 300)}"
    return f"- {text} \\[{md(problem.get('kind'))}\\]"


def size(text: str) -> int:
    """Return a text's length as GitHub counts it (UTF-16 code units)."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def fit(blocks: list[Block], limit: int, report_url: str | None) -> str:
    """Join the blocks, leaving out items past `limit` characters and saying how many."""
    room = limit - size(cut_note(10**9, report_url)) - 2  # what the note could need
    out: list[str] = []
    used, left_out = 0, 0
    for block in blocks:
        frame = sum(size(line) + 1 for line in block.head + block.tail)
        first = size(block.items[0]) + 1 if block.items else 0
        if not block.must and used + frame + first > room:
            left_out += len(block.items)
            continue
        out += block.head
        used += frame
        for shown, item in enumerate(block.items):
            cost = size(item) + 1
            if not block.must and used + cost > room:  # the rest of this block is left out
                left_out += len(block.items) - shown
                break
            out.append(item)
            used += cost
        out += block.tail
    if left_out:
        out += ["", cut_note(left_out, report_url)]
    return "\n".join(out) + "\n"


def cut_note(count: int, report_url: str | None) -> str:
    """Say how many lines were left out, and where the whole report is."""
    where = (
        f"[the full report]({safe_url(report_url)})"
        if report_url
        else "`lineage-report diff --format json` (the full report)"
    )
    return (
        f"**{formats.plural(count, 'more line')} left out** to stay under "
        f"GitHub's {formats.count(COMMENT_LIMIT)}-character limit: see {where}."
    )


def safe_url(url: str) -> str:
    """Return a URL fit for a Markdown link: quoted so that it cannot end the link early."""
    return urllib.parse.quote(url, safe=":/?#@!$&'*+,;=%~-._")


def report_url(text: str) -> str:
    """Parse --report-url: an http(s) URL, or a path relative to the comment."""
    scheme = urllib.parse.urlsplit(text).scheme.lower()
    if scheme and scheme not in ("http", "https"):
        raise argparse.ArgumentTypeError(f"expected an http(s) URL, got {text!r}")
    return text


# --------------------------------------------------------------------------- gating


FAIL_ON = ("removed", "added", "alias-moved", "alias-moved:NAME", "new-problems")


def fail_conditions(text: str) -> list[str]:
    """Parse --fail-on: a comma-separated list of conditions."""
    conditions = [c.strip() for c in text.split(",") if c.strip()]
    for condition in conditions:
        name, _, alias = condition.partition(":")
        plain = condition in ("removed", "added", "alias-moved", "new-problems")
        if not plain and not (name == "alias-moved" and alias):
            choices = ", ".join(FAIL_ON)
            raise argparse.ArgumentTypeError(f"unknown condition {condition!r} (use {choices})")
    if not conditions:
        raise argparse.ArgumentTypeError("expected at least one condition")
    return conditions


def failures(diff: Diff, conditions: list[str]) -> list[str]:
    """Return one line for each condition that holds, saying why."""
    counts = diff.summary()
    lines = []
    for condition in conditions:
        why = reason(diff, counts, condition)
        if why:
            lines.append(f"--fail-on {condition}: {why}")
    return lines


def reason(diff: Diff, counts: dict[str, Any], condition: str) -> str:
    """Return why a condition holds, or "" when it does not."""
    if condition in ("removed", "added"):
        nouns = {"runs": "run", "versions": "version", "externals": "external input"}
        parts = [
            formats.plural(counts[name][condition], noun)
            for name, noun in nouns.items()
            if counts[name][condition]
        ]
        return f"{', '.join(parts)} {condition}" if parts else ""
    if condition == "new-problems":
        n = len(diff.new_problems)
        return formats.plural(n, "new problem") if n else ""
    alias = condition.partition(":")[2]
    moves = [m for m in diff.aliases if not alias or m.alias == alias]
    return "; ".join(safe_line(move_text(m)) for m in moves)


def move_text(move: AliasMove) -> str:
    """Return `model:production v3 → v4` in plain text."""
    old = f"v{move.old_version}" if move.old else "(none)"
    new = f"v{move.new_version}" if move.new else "(none)"
    return f"{move.artifact}:{move.alias} {old} → {new}"


# --------------------------------------------------------------------------- changes page


@dataclass(frozen=True)
class Row:
    """One row of the page's table of counts."""

    label: str
    added: str
    removed: str
    changed: str


@dataclass(frozen=True)
class Item:
    """One entry of a section: what changed (`mark`: added, removed, changed) and details."""

    mark: str
    text: str
    detail: str = ""


@dataclass(frozen=True)
class Section:
    """A titled list of changes, cut to PAGE_ITEMS entries."""

    title: str
    total: int
    items: list[Item]

    @property
    def heading(self) -> str:
        """Return the section's heading with its count: `Runs added (3)`."""
        return f"{self.title} ({formats.count(self.total)})"

    @property
    def more(self) -> str:
        """Say how many entries the page leaves out (the JSON report has them all), or ""."""
        left = self.total - len(self.items)
        return f"{formats.count(left)} more" if left else ""


@dataclass(frozen=True)
class ChangesPage:
    """The view model of the changes page (themes/default/diff/changes.html)."""

    title: str
    old: str
    new: str
    rows: list[Row]
    impacted: str  # "2 nodes"
    empty: bool
    sections: list[Section]
    graph: GraphView | None
    marks: Markup  # JSON for diff-graph.js: the drawn ids by mark, escaped for <script>
    graph_note: str


def changes_page(diff: Diff) -> ChangesPage:
    """Return the changes page's view model: counts, lists and the marked graph."""
    counts = diff.summary()
    rows = [
        Row(title, *(formats.count(counts[name][k]) for k in ("added", "removed", "changed")))
        for name, title in (
            ("runs", "Runs"),
            ("versions", "Artifact versions"),
            ("externals", "External inputs"),
        )
    ]
    aliases = counts["aliases"]
    count = formats.count
    rows.append(Row("Aliases", *(count(aliases[k]) for k in ("added", "removed", "moved"))))
    edges, problems = counts["edges"], counts["problems"]
    rows.append(Row("Edges", count(edges["added"]), count(edges["removed"]), "–"))
    rows.append(Row("Problems", f"{count(problems['new'])} new", count(problems["resolved"]), "–"))
    graph, marks, note = changes_graph(diff)
    return ChangesPage(
        title="Lineage changes",
        old=f"{diff.old.source} ({diff.old.kind})",
        new=f"{diff.new.source} ({diff.new.kind})",
        rows=rows,
        impacted=formats.plural(diff.impacted, "node"),
        empty=diff.empty,
        sections=page_sections(diff),
        graph=graph,
        marks=marks,
        graph_note=note,
    )


def page_sections(diff: Diff) -> list[Section]:
    """Return the page's lists, one per kind of change that has any."""
    labels = diff_labels(diff)
    impact = lambda i: impact_text(i, labels)  # noqa: E731
    aliases = [Item("changed", move_text(m), impact(m.impact)) for m in diff.aliases]
    parts: list[tuple[str, list[Item]]] = [("Aliases moved", aliases)]
    titles = {"runs": "Runs", "versions": "Artifact versions", "externals": "External inputs"}
    for name in CATEGORIES:
        cat, title = diff.category(name), titles[name]
        parts.append(
            (f"{title} added", [Item("added", n.label, impact(n.impact)) for n in cat.added])
        )
        parts.append(
            (f"{title} removed", [Item("removed", n.label, impact(n.impact)) for n in cat.removed])
        )
        parts.append((f"{title} changed", [changed_item(n, labels) for n in cat.changed]))
    for title, mark, edges in (
        ("Edges added", "added", diff.edges_added),
        ("Edges removed", "removed", diff.edges_removed),
    ):
        parts.append((title, [Item(mark, f"{labels(u)} → {labels(v)}") for u, v in edges]))
    for title, mark, found in (
        ("New problems", "added", diff.new_problems),
        ("Resolved problems", "removed", diff.resolved_problems),
    ):
        parts.append((title, [Item(mark, problem_text(p)) for p in found]))
    return [Section(t, len(items), items[:PAGE_ITEMS]) for t, items in parts if items]


def changed_item(node: Changed, labels: Callable[[str], str]) -> Item:
    """Return the page entry of a changed node: its fields, old → new."""
    shown = [
        f"{f.path}: {plain_value(f.old)} → {plain_value(f.new)}" for f in node.fields[:FIELDS_SHOWN]
    ]
    if len(node.fields) > FIELDS_SHOWN:
        shown.append(formats.plural(len(node.fields) - FIELDS_SHOWN, "more field"))
    return Item("changed", node.label, "; ".join(shown) + " — " + impact_text(node.impact, labels))


def plain_value(value: Any) -> str:
    """Return a value as short plain text."""
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return one_line(text, VALUE_MAX)


def problem_text(problem: dict[str, Any]) -> str:
    """Return a problem as builds print it."""
    where = f"{problem.get('location')}: " if problem.get("location") else ""
    return f"{problem.get('path')}: {where}{problem.get('message')} [{problem.get('kind')}]"


def marked_nodes(diff: Diff) -> dict[str, str]:
    """Return each changed node's mark, the most telling first when a node has several."""
    marks: dict[str, str] = {}
    for move in diff.aliases:
        for node in (move.old, move.new):
            if node:
                marks.setdefault(node, "changed")
    for name in CATEGORIES:
        cat = diff.category(name)
        for node in cat.removed:
            marks[node.id] = "removed"
        for node in cat.added:
            marks[node.id] = "added"
        for node in cat.changed:
            marks.setdefault(node.id, "changed")
    for u, v in [*diff.edges_added, *diff.edges_removed]:
        marks.setdefault(u, "context")
        marks.setdefault(v, "context")
    return marks


def neighbours(diff: Diff) -> dict[str, set[str]]:
    """Return each node's neighbours either way in NEW plus OLD's removed edges."""
    around: dict[str, set[str]] = {}
    for u, v in [*diff.new.edges, *diff.edges_removed]:
        around.setdefault(u, set()).add(v)
        around.setdefault(v, set()).add(u)
    return around


def merged_graph(diff: Diff, nodes: set[str]) -> nx.DiGraph:
    """Return the graph of `nodes` in NEW, with OLD's removed ones put back (as ghosts)."""
    graph = nx.DiGraph()
    for node in sorted(nodes):
        attrs = diff.new.nodes.get(node) or diff.old.nodes[node]  # NEW's attributes win
        graph.add_node(node, **{k: v for k, v in attrs.items() if k != "id"})
    edges = [*diff.new.edges, *diff.edges_removed]
    graph.add_edges_from(sorted((u, v) for u, v in edges if u in nodes and v in nodes))
    return graph


def changes_graph(diff: Diff) -> tuple[GraphView | None, Markup, str]:
    """Return the graph of the changes and their neighbours, with the marks to draw."""
    marks = marked_nodes(diff)
    if not marks:
        return None, escape_json({}), ""
    order = {"removed": 0, "added": 1, "changed": 2, "context": 3}
    chosen = sorted(marks, key=lambda n: (order[marks[n]], n))[:DRAW_LIMIT]
    note = ""
    if len(marks) > DRAW_LIMIT:
        shown, changed = formats.count(DRAW_LIMIT), formats.plural(len(marks), "changed node")
        note = f"Showing {shown} of {changed}; the lists name them all."
    drawn = set(chosen)
    around = neighbours(diff)
    for node in chosen:  # one step of context each way, while there is room
        for other in sorted(around.get(node, ())):
            if len(drawn) >= DRAW_LIMIT:
                break
            drawn.add(other)
    view = project_graph(
        merged_graph(diff, drawn),
        threshold=DRAW_LIMIT,  # mark every node: cluster only crowded layers
        limit=DRAW_LIMIT,
        title="Changed lineage",
    )
    return view, escape_json(view_marks(diff, marks, view)), note


def view_marks(diff: Diff, marks: dict[str, str], view: GraphView) -> dict[str, Any]:
    """Return the marks of what the view draws, for diff-graph.js."""
    ids = {e["id"] for e in view.data.get("nodes") or []}
    by_mark: dict[str, list[str]] = {"added": [], "removed": [], "changed": []}
    for node in sorted(ids & marks.keys()):
        if marks[node] in by_mark:
            by_mark[marks[node]].append(node)
    entries = view.data.get("nodes") or []
    clusters = sorted(
        {
            entries[e["c"]]["id"]
            for e in entries
            if "c" in e and marks.get(e["id"], "context") != "context"
        }
    )
    edges = {
        "added": [[u, v] for u, v in diff.edges_added if u in ids and v in ids],
        "removed": [[u, v] for u, v in diff.edges_removed if u in ids and v in ids],
    }
    return {"nodes": by_mark, "edges": edges, "clusters": clusters}


def diff_assets() -> list[Asset]:
    """Return the assets the changes page needs: the theme's and the diff's own."""
    wanted = {"style.css", "lineage-graph.css", "lineage-graph.js", "vis-network.min.js"}
    assets = [a for a in collect_assets([themes_root() / "default"]) if a.name in wanted]
    folder = themes_root() / "default" / "diff"
    for name in ("diff-graph.js", "diff.css"):
        assets.append(hashed_asset(name, (folder / name).read_bytes()))
    return assets


def render_page(diff: Diff) -> tuple[bytes, list[Asset]]:
    """Render the changes page; return its bytes and the assets it links."""
    assets = diff_assets()
    renderer = Renderer(
        [themes_root() / "default"],
        {"site_title": "lineage-report diff", "generator": f"lineage-report {__version__}"},
    )
    text = renderer.render(
        "diff/changes.html",
        page=changes_page(diff),
        nav=[],
        assets={a.name: a.path for a in assets},
        root="",
        base_href=None,
        canonical=None,
    )
    return text.encode("utf-8", "replace"), assets


def write_page(diff: Diff, folder: Path) -> Path:
    """Write the changes page and its assets into `folder` (ours, or new, or empty)."""
    earlier = own_files(folder)
    page, assets = render_page(diff)
    files = {PAGE: page, **{a.path: a.content for a in assets}}
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, data)
    for stale in sorted(earlier - files.keys()):
        with contextlib.suppress(FileNotFoundError):
            (folder / stale).unlink()
    marker = json.dumps({"files": sorted(files)}, indent=2) + "\n"
    atomic_write(folder / MARKER, marker.encode("utf-8"))
    return folder / PAGE


def own_files(folder: Path) -> set[str]:
    """Return the files an earlier `--html` wrote into `folder`; refuse a folder not ours."""
    if folder.exists() and not folder.is_dir():
        raise DiffInputError(f"--html {folder}: not a folder")
    if (folder / naming.STATUS_NAME).exists():
        raise DiffInputError(
            f"--html {folder}: a built site; give the changes page its own folder "
            "(a subfolder listed in keep_files is published with the site)"
        )
    listed: set[str] = set()
    with contextlib.suppress(OSError, ValueError, TypeError):
        listed = set(json.loads((folder / MARKER).read_text("utf-8"))["files"])
    present = set(files_under(folder)) - {MARKER}
    foreign = sorted(present - listed)
    if foreign:
        raise DiffInputError(
            f"--html {folder}: holds files lineage-report did not write "
            f"({', '.join(foreign[:3])}{', …' if len(foreign) > 3 else ''}); "
            "give an empty or new folder"
        )
    return {name for name in listed if not Path(name).is_absolute() and ".." not in name}


def files_under(folder: Path) -> Iterator[str]:
    """Yield every file under a folder by its posix path (nothing for a missing folder)."""
    for parent, _, names in os.walk(folder):
        rel = Path(parent).relative_to(folder)
        for name in names:
            yield (rel / name).as_posix()


# --------------------------------------------------------------------------- command line


def register(subparsers) -> None:
    """Add the `diff` subcommand."""
    d = subparsers.add_parser(
        "diff",
        help="what changed in the lineage between two projects, sites or snapshots",
        description="Compare two lineages: each a project folder, a built site, its "
        "lineage.json, or a snapshot zip. Exit 0 once compared, 1 when --fail-on holds.",
    )
    d.add_argument("old", type=Path, help="the lineage before the change")
    d.add_argument("new", type=Path, help="the lineage after it")
    d.add_argument("--format", choices=("markdown", "json"), default="markdown")
    d.add_argument(
        "--fail-on",
        type=fail_conditions,
        default=[],
        metavar="CONDITIONS",
        help="exit 1 if any holds: removed, added, alias-moved, alias-moved:NAME, new-problems "
        "(comma-separated)",
    )
    d.add_argument(
        "--report-url", type=report_url, help="where the full report is (linked when cut)"
    )
    d.add_argument("--html", type=Path, metavar="DIR", help="also write a changes page here")
    d.set_defaults(func=cmd_diff)


def cmd_diff(args: argparse.Namespace) -> int:
    """Compare the two sides, print the report, and exit 1 if a --fail-on condition holds."""
    diff = compare(*load_sides(args.old, args.new))
    if args.format == "json":
        text = json_text(to_json(diff))
    else:
        text = markdown(diff, report_url=args.report_url)
    if args.html:
        page = write_page(diff, args.html)
        print(safe_line(f"Wrote {page}"), file=sys.stderr)
    emit(text)
    failed = failures(diff, args.fail_on)
    for line in failed:
        print(line, file=sys.stderr)
    return 1 if failed else 0


def emit(text: str) -> None:
    """Write the report to stdout as UTF-8, whatever the terminal's encoding."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (tests capturing output)
        sys.stdout.write(text)
    else:
        buffer.write(text.encode("utf-8", "replace"))
        buffer.flush()
