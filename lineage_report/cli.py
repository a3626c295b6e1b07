"""The command line: a thin layer over build(), printing problems and a summary.

Exit codes: 0 success; 1 problems found under --strict (or by `check`), or a user error
(bad config, unwritable output); 2 wrong command-line usage (argparse).
Each subcommand is a module of `commands`; this file parses, sets up logging and prints
user errors without a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys

from .commands import build, check, diff, export, serve, snapshot
from .errors import LineageReportError
from .terminal import SafeFormatter, safe_message
from .version import __version__

log = logging.getLogger("lineage_report")

# In the order `--help` lists them.
COMMANDS = [build, check, serve, snapshot, export, diff]


def parser() -> argparse.ArgumentParser:
    """Return the argument parser for every subcommand."""
    top = argparse.ArgumentParser(prog="lineage-report", description=__doc__.splitlines()[0])
    top.add_argument("--version", action="version", version=f"lineage-report {__version__}")
    sub = top.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
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
