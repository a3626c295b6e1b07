"""`lineage-report build`: build the site, print its summary, and fail --strict on a problem."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..build import build
from ..config import load_config
from ..formats import plural
from ..remote import SOURCE_HELP, project_source
from ..terminal import safe_line


def register(subparsers) -> None:
    """Add the `build` subcommand."""
    b = subparsers.add_parser("build", help="build the site")
    b.add_argument("source", nargs="?", default=".", type=project_source, help=SOURCE_HELP)
    b.add_argument("-o", "--output", type=Path, help="output folder (default: site)")
    b.add_argument("--strict", action="store_true", help="exit 1 if there is any problem")
    b.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    b.add_argument("--timings-json", type=Path, help="write per-stage timings to this file")
    b.add_argument("-j", "--jobs", type=int, help="worker processes for rendering (default: cores)")
    b.add_argument(
        "--force",
        action="store_true",
        help="build into a folder holding files lineage-report did not write (they are kept)",
    )

    b.add_argument("--base-url", help="the URL the site is served from (canonical links)")
    b.add_argument(
        "--split-by",
        choices=("project", "namespace"),
        help="write one site per project (namespace: the same, in OpenLineage's word) and a "
        "hub page listing them, each site smaller than the whole (GitHub Pages: 1 GB at most)",
    )
    b.set_defaults(func=cmd_build)


def cmd_build(args: argparse.Namespace) -> int:
    """Build the site; with --strict, any problem makes the exit code 1 (the site is written)."""
    config = load_config(args.source, base_url=args.base_url, split_by=args.split_by)
    result = build(config, args.output, progress=not args.quiet, jobs=args.jobs, force=args.force)
    if args.timings_json:
        stats = {**result.timings, "pages": result.pages, "bytes": result.bytes_written}
        args.timings_json.write_text(json.dumps(stats, indent=2, sort_keys=True))
    if not args.quiet:
        print(f"Built {result.summary()}")
        print(f"Stages: {result.stage_times()}")
        print(safe_line(f"Open {result.output / 'index.html'}"))
    if args.strict and result.problems:
        print(f"error: {plural(len(result.problems), 'problem')} (--strict)", file=sys.stderr)
        return 1
    return 0
