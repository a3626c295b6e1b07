"""`lineage-report diff OLD NEW`: what a change does to the lineage, for a pull request."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..diff.comment import markdown, report_url
from ..diff.comparison import compare
from ..diff.gate import fail_conditions, failures, unknown_names
from ..diff.html import write_page
from ..diff.report_json import json_text, to_json
from ..diff.sides import load_sides
from ..terminal import safe_line


def argument(parse):
    """Wrap a library parser for argparse: its ValueError becomes the error argparse prints."""

    def parse_argument(text: str):
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse_argument.__name__ = parse.__name__  # argparse names the type in some messages
    return parse_argument


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
        type=argument(fail_conditions),
        default=[],
        metavar="CONDITIONS",
        help="exit 1 if any holds: removed, added, alias-moved, alias-moved:NAME, new-problems "
        "(comma-separated)",
    )
    d.add_argument(
        "--report-url", type=argument(report_url), help="where the full report is (linked when cut)"
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
    for hint in unknown_names(diff, args.fail_on):
        print(hint, file=sys.stderr)
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
