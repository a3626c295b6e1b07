"""The command line: a thin layer over build(), printing problems and a summary.

Exit codes: 0 success; 1 problems found under --strict (or by `check`), or a user error
(bad config, unwritable output); 2 wrong command-line usage (argparse).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import sys
from pathlib import Path

from . import __version__
from .build import build, load_lineage, plural
from .config import load_config
from .errors import LineageReportError
from .remote import SOURCE_HELP, project_source
from .terminal import SafeFormatter, safe_json, safe_line, safe_message

log = logging.getLogger("lineage_report")


def parser() -> argparse.ArgumentParser:
    """Return the argument parser for every subcommand."""
    top = argparse.ArgumentParser(prog="lineage-report", description=__doc__.splitlines()[0])
    top.add_argument("--version", action="version", version=f"lineage-report {__version__}")
    sub = top.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build the site")
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
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("check", help="validate the inputs without writing anything")
    c.add_argument("source", nargs="?", default=".", type=project_source, help=SOURCE_HELP)
    c.add_argument("--format", choices=["text", "json"], default="text")
    c.set_defaults(func=cmd_check)

    for name in COMMAND_MODULES:
        importlib.import_module(f"lineage_report.{name}").register(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = parser().parse_args(argv)
    setup_logging(quiet=getattr(args, "quiet", False) or getattr(args, "format", "") == "json")
    try:
        return args.func(args)
    except LineageReportError as exc:
        print(f"error: {safe_message(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `lineage-report query ... | head`: the reader left early
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error at exit
        return 0


def run() -> None:
    """Run the `lineage-report` command and exit without tearing the build down object by
    object: freeing a large site's graph one object at a time takes seconds (1.5 s at
    60,000 nodes), where the operating system frees a process's memory at once."""
    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to tell
            stream.flush()
    os._exit(code)


def setup_logging(quiet: bool) -> None:
    """Print problems and messages on stderr as plain lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(SafeFormatter("%(message)s"))  # names are input: escaped
    log.handlers[:] = [handler]
    log.setLevel(logging.ERROR if quiet else logging.INFO)
    log.propagate = False


def cmd_build(args: argparse.Namespace) -> int:
    """Build the site; with --strict, any problem makes the exit code 1 (the site is written)."""
    config = load_config(args.source, base_url=args.base_url)
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


def cmd_check(args: argparse.Namespace) -> int:
    """Validate the inputs and print every problem; exit 1 if there is any."""
    config = load_config(args.source)
    lineage = load_lineage(config)
    if args.format == "json":
        print(safe_json(json.dumps([p.to_json() for p in lineage.problems], indent=2)))
    else:
        graph = lineage.graph
        nodes, problems = graph.number_of_nodes(), len(lineage.problems)
        print(f"Checked {plural(nodes, 'node')}: {plural(problems, 'problem')}")
    return 1 if lineage.problems else 0


# Further subcommands live beside what they drive; each module's register(subparsers)
# adds its parser and sets `func`, so this file stays a thin dispatcher.
COMMAND_MODULES = ["serve", "snapshot", "export", "diff"]
