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
`--html` changes page) and `gate` (`--fail-on`). This file holds the command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..terminal import safe_line
from .comment import markdown, report_url
from .comparison import Diff, FieldChange, compare, field_changes, problem_key
from .gate import fail_conditions, failures
from .html import write_page
from .report_json import json_text, to_json
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
    "register",
    "to_json",
]


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
