"""`--fail-on`: the findings that make `lineage-report diff` exit 1, for CI gates."""

from __future__ import annotations

import argparse
from typing import Any

from .. import formats
from ..terminal import safe_line
from .comparison import Diff
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
