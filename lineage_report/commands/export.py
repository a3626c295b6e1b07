"""`lineage-report export` and `query`: the graph for other tools, and who came from what."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..errors import LineageReportError
from ..export import (
    DIRECTIONS,
    EXPORTERS,
    FORMATS,
    export_problems,
    node_id_of,
    query,
    query_json,
    query_table,
    select,
)
from ..load import load
from ..problems import Problems
from ..terminal import safe_json


def register(subparsers) -> None:
    """Add the `export` and `query` subcommands."""
    e = subparsers.add_parser("export", help="write the lineage graph for other tools")
    e.add_argument("source", nargs="?", default=".", type=Path, help="project folder")
    e.add_argument("--format", choices=FORMATS, default="mermaid", help="default: mermaid")
    e.add_argument("--focus", metavar="NODE", help="export only this node's neighbourhood")
    e.add_argument("--depth", type=_depth, metavar="N", help="edges away from --focus")
    e.add_argument("--direction", choices=DIRECTIONS, help="walk up, down or both (default)")
    e.add_argument("-o", "--output", type=Path, metavar="FILE", help="default: stdout")
    e.set_defaults(func=cmd_export)

    q = subparsers.add_parser("query", help="list what a node comes from or leads to")
    q.add_argument("direction", choices=("upstream", "downstream"))
    q.add_argument(
        "node",
        metavar="NODE",
        help="name:vN, name:alias, name (latest), run id, run name or node id",
    )
    q.add_argument("source", nargs="?", default=".", type=Path, help="project folder")
    q.add_argument("--depth", type=_depth, metavar="N", help="at most N edges away")
    q.add_argument("--format", choices=("table", "json"), default="table")
    q.set_defaults(func=cmd_query)


def _depth(text: str) -> int:
    """Parse --depth: a whole number of at least 0."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, got {text!r}")
    return int(text)


def cmd_export(args: argparse.Namespace) -> int:
    """Write the graph (or the focused part of it) in the chosen format."""
    if args.focus is None and (args.depth is not None or args.direction is not None):
        raise LineageReportError("--depth and --direction need --focus")
    lineage = load(args.source)
    graph = select(lineage, args.focus, args.depth, args.direction or "both")
    where = str(args.output) if args.output else "<stdout>"
    Problems().extend(export_problems(graph, args.format, where))  # printed, as a build's are
    emit(EXPORTERS[args.format](graph), args.output)
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    """Print the nodes upstream or downstream of one node."""
    lineage = load(args.source)
    start = node_id_of(lineage, args.node)
    rows = query(lineage, args.direction, start, args.depth)
    if args.format == "json":
        found = query_json(lineage, start, args.direction, args.depth, rows)
        emit(safe_json(json.dumps(found, indent=2, sort_keys=True)) + "\n")
    else:
        emit(query_table(lineage, start, args.direction, rows))
    return 0


def emit(text: str, output: Path | None = None) -> None:
    """Write text as UTF-8 to `output`, or to stdout whatever its encoding."""
    data = text.encode("utf-8")
    if output is not None:
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise LineageReportError(f"{output}: cannot write: {exc.strerror}") from None
        return
    try:
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # a text-only stream (some test harnesses)
            sys.stdout.write(text)
        else:
            buffer.write(data)
            buffer.flush()
    except BrokenPipeError:
        # `export | head` closed the pipe: not an error; keep Python's exit flush quiet too.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
