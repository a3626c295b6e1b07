"""`lineage-report snapshot` and `verify`: write an audit snapshot (or a single file), check one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import load_config
from ..formats import plural
from ..problems import Problem, count_errors
from ..remote import SOURCE_HELP, project_source
from ..singlefile import make_single_file
from ..snapshot import SUMS, make_snapshot, verify
from ..terminal import safe_line


def register(subparsers) -> None:
    """Add the `snapshot` and `verify` subcommands."""
    s = subparsers.add_parser("snapshot", help="pack the site, its inputs and their sums")
    s.add_argument("source", nargs="?", default=".", type=project_source, help=SOURCE_HELP)
    s.add_argument(
        "-o", "--output", type=Path, help="the zip to write (default: audit.zip; report.html)"
    )
    s.add_argument(
        "--single-file",
        action="store_true",
        help="write one self-contained HTML file (for mail) instead of the zip",
    )
    s.add_argument("-q", "--quiet", action="store_true", help="print only the digest")
    s.set_defaults(func=cmd_snapshot)

    v = subparsers.add_parser("verify", help="check a snapshot against its SHA256SUMS")
    v.add_argument("snapshot", type=Path, help="the snapshot zip, or the folder it was unzipped to")
    v.add_argument("--digest", help="the snapshot digest printed by `snapshot` (sha256:...)")
    v.set_defaults(func=cmd_verify)


def cmd_snapshot(args: argparse.Namespace) -> int:
    """Write the snapshot (or the single file) and print its digest."""
    config = load_config(args.source)
    if args.single_file:
        result = make_single_file(config, args.output or Path("report.html"))
    else:
        result = make_snapshot(config, args.output or Path("audit.zip"))
    if not args.quiet:
        print(f"Built {result.build.summary()}")
        what = "1 file" if args.single_file else f"{result.files} files"
        told = f"{what}, {result.size:,} bytes{own_problems(result.problems)}"
        print(safe_line(f"Wrote {result.path}: {told}"))
    label = "file digest" if args.single_file else "snapshot digest"
    print(f"{label}: {result.digest}")
    return 0


def own_problems(problems: list[Problem]) -> str:
    """Return `, 1 warning` for the snapshot's own problems (the build's are in its summary)."""
    errors = count_errors(problems)
    counts = [(errors, "error"), (len(problems) - errors, "warning")]
    return "".join(f", {plural(n, noun)}" for n, noun in counts if n)


def cmd_verify(args: argparse.Namespace) -> int:
    """Check a snapshot; print each problem; exit 1 unless it is intact."""
    outcome = verify(args.snapshot, args.digest)
    for line in outcome.problems + outcome.warnings:
        print(safe_line(line))
    if not outcome.ok:
        failed = f"FAILED: {len(outcome.problems)} problems in {args.snapshot}"
        print(safe_line(failed), file=sys.stderr)
        return 1
    if outcome.kind == "file":
        print(safe_line(f"OK: {args.snapshot} matches its digest"))
        return 0
    print(f"OK: {outcome.files} files match {SUMS}")
    note = "matches --digest" if args.digest else "compare it with the digest you were given"
    print(f"snapshot digest: {outcome.digest} ({note})")
    return 0
