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

The package, its imports pointing one way (each module imports only those before it):
`sides` reads OLD and NEW; `comparison` compares them; `text` words what it found for
`report_json` (the JSON document), `comment` (the Markdown PR comment), `html` (the
`--html` changes page) and `gate` (`--fail-on`). This file names the public API; the command
line is `commands/diff.py`.
"""

from __future__ import annotations

from .comment import markdown
from .comparison import Diff, FieldChange, compare, field_changes, problem_key
from .report_json import to_json
from .sides import DiffInputError, Side, load_side, load_sides

__all__ = [
    "Diff",
    "DiffInputError",
    "FieldChange",
    "Side",
    "compare",
    "field_changes",
    "load_side",
    "load_sides",
    "markdown",
    "problem_key",
    "to_json",
]
