"""Plain-text wording that the reports share: node names, impacts and alias moves.

The Markdown comment, the changes page and the `--fail-on` messages say these the same
way (one formatter per value kind); each escapes the result for its own medium.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .. import formats
from .comparison import AliasMove, Diff, Impact, label_of

FIELDS_SHOWN = 6  # changed fields shown per node in Markdown and on the page (JSON: all)
VALUE_MAX = 60  # characters of a value shown in Markdown and on the page
# A lone surrogate cannot be encoded: JSON keeps it as an escape, Markdown replaces it.
SURROGATE = re.compile("[\ud800-\udfff]")


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


def diff_labels(diff: Diff, escape: Callable[[str], str] = str) -> Callable[[str], str]:
    """Return a function naming any node of either side (NEW's name first), escaped."""

    def label(node: str) -> str:
        attrs = diff.new.nodes.get(node) or diff.old.nodes.get(node)
        return escape(label_of(node, attrs))

    return label


def move_text(move: AliasMove) -> str:
    """Return `model:production v3 → v4` in plain text."""
    old = f"v{move.old_version}" if move.old else "(none)"
    new = f"v{move.new_version}" if move.new else "(none)"
    return f"{move.artifact}:{move.alias} {old} → {new}"


def value_text(value: Any) -> str | None:
    """Return a field's value as text (JSON for anything but a string), None for no value."""
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
