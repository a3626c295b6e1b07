"""`lineage-report check`: validate the inputs without writing anything."""

from __future__ import annotations

import argparse
import json

from ..config import load_config
from ..formats import plural
from ..load import load_lineage
from ..remote import SOURCE_HELP, project_source
from ..terminal import safe_json


def register(subparsers) -> None:
    """Add the `check` subcommand."""
    c = subparsers.add_parser("check", help="validate the inputs without writing anything")
    c.add_argument("source", nargs="?", default=".", type=project_source, help=SOURCE_HELP)
    c.add_argument("--format", choices=["text", "json"], default="text")
    c.set_defaults(func=cmd_check)


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
