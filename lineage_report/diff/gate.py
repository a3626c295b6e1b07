"""`--fail-on`: the findings that make `lineage-report diff` exit 1, for CI gates."""

from __future__ import annotations

from typing import Any

from .. import formats
from ..terminal import safe_line
from .comparison import AliasMove, Diff, alias_holders
from .text import move_text

FAIL_ON = ("removed", "added", "alias-moved", "alias-moved:NAME", "new-problems")


def fail_conditions(text: str) -> list[str]:
    """Parse --fail-on: a comma-separated list of conditions."""
    conditions = [c.strip() for c in text.split(",") if c.strip()]
    for condition in conditions:
        name, _, alias = condition.partition(":")
        plain = condition in ("removed", "added", "alias-moved", "new-problems")
        if not plain and not (name == "alias-moved" and alias):
            choices = ", ".join(FAIL_ON)
            raise ValueError(f"unknown condition {condition!r} (use {choices})")
    if not conditions:
        raise ValueError("expected at least one condition")
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
    moves = moves_named(diff, condition.partition(":")[2])
    return "; ".join(safe_line(move_text(m)) for m in moves)


def moves_named(diff: Diff, what: str) -> list[AliasMove]:
    """Return the alias moves `alias-moved:WHAT` watches: all of them when WHAT is empty.

    WHAT is read as written: an artifact name first (dataset names hold `:` and `/`,
    `postgres://h:5432/db.s.t`), then `name:alias`, then an alias of any artifact.
    """
    if not what:
        return diff.aliases
    names = artifact_names(diff)
    if what in names:
        return [m for m in diff.aliases if m.artifact == what]
    name, _, alias = what.rpartition(":")
    if name in names:
        return [m for m in diff.aliases if (m.artifact, m.alias) == (name, alias)]
    return [m for m in diff.aliases if m.alias == what]


def artifact_names(diff: Diff) -> set[str]:
    """Return the names of the artifacts on either side."""
    nodes = [*diff.old.nodes.values(), *diff.new.nodes.values()]
    return {str(n.get("name")) for n in nodes if n.get("kind") == "artifact"}


def unknown_names(diff: Diff, conditions: list[str]) -> list[str]:
    """Return a hint for each `alias-moved:WHAT` naming nothing on either side but near a name.

    A WHAT near nothing stays quiet: a gate may watch an alias before it is first given.
    """
    names = artifact_names(diff)
    holders = [key for side in (diff.old, diff.new) for key in alias_holders(side)]
    aliases = {alias for _, alias in holders}
    known = sorted(names | aliases | {f"{name}:{alias}" for name, alias in holders})
    hints = []
    for condition in conditions:
        what = condition.partition(":")[2]
        if what and what not in names | aliases and what.rpartition(":")[0] not in names:
            near = formats.did_you_mean(what, known)
            hints += [_hint(condition, what, near)] if near else []
    return hints


def _hint(condition: str, what: str, near: str) -> str:
    """Return the line saying what a condition names nothing of, and what it may have meant."""
    return safe_line(f"--fail-on {condition}: no artifact or alias '{what}' on either side{near}")
