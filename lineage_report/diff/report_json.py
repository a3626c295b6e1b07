"""The JSON report of a diff (docs/diff.md): every change, nothing cut, keys sorted.

`FORMAT` and `VERSION` name the document; a change that breaks scripts bumps `VERSION`.
"""

from __future__ import annotations

import json
from typing import Any

from ..version import __version__
from .comparison import CATEGORIES, Diff
from .text import SURROGATE

FORMAT = "lineage-report-diff"
VERSION = 1  # of the JSON document; a change that breaks scripts bumps it (docs/diff.md)


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


def json_text(doc: dict[str, Any]) -> str:
    """Return the JSON report as sorted, indented text (lone surrogates kept as escapes)."""
    text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"
