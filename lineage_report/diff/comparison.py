"""The comparison of two sides, and the dataclasses that hold its findings.

`compare(old, new)` returns a `Diff`: the runs, artifact versions and external inputs
added, removed and changed (field by dotted path), the aliases that moved, the edges added
and removed, the problems new and resolved, and each change's impact: the nodes of NEW
downstream of it, counted within one budget of node visits for the whole diff. Each finding
knows its shape in the JSON report (`to_json`); the wording is the reports' business.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .sides import Edge, Side

IMPACT_FIRST = 5  # downstream nodes named per change (all are counted)
IMPACT_BUDGET = 2_000_000  # node visits for per-change impacts; past it they are not counted
# Derived from other attributes, or reported on their own (aliases): not a "changed field".
DERIVED = frozenset({"id", "label", "group", "aliases", "relogged_by", "source"})


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
        return node_json(self)


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
        return {**node_json(self), "fields": [f.to_json() for f in self.fields]}


def node_json(node: Listed | Changed) -> dict[str, Any]:
    """Return what the JSON report says of any node it lists: its name and its impact."""
    return {
        "id": node.id,
        "kind": node.kind,
        "label": node.label,
        "impact": node.impact.to_json(),
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
