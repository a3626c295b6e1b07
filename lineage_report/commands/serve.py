"""`lineage-report serve`: build, serve on localhost and rebuild on change, until Ctrl-C."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config import load_config
from ..remote import SOURCE_HELP, project_source
from ..serve import serve


def register(subparsers) -> None:
    """Add the `serve` subcommand."""
    s = subparsers.add_parser("serve", help="build, serve on localhost and rebuild on change")
    s.add_argument("source", nargs="?", default=".", type=project_source, help=SOURCE_HELP)
    s.add_argument(
        "-o", "--output", type=Path, help="build into this folder (default: a temporary one)"
    )
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument(
        "--port", type=port_number, default=8000, help="port (default 8000; 0 picks a free one)"
    )
    s.add_argument("--open", action="store_true", help="open the report in a web browser")
    s.add_argument(
        "--poll",
        action="store_true",
        help="poll for changes (network mounts, containers, where file events don't arrive)",
    )
    s.set_defaults(func=cmd_serve)


def port_number(text: str) -> int:
    """Parse a TCP port number (0 means any free port)."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return int(text)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C (or SIGTERM); return the exit code."""
    output = args.output.resolve() if args.output else None
    config = load_config(args.source, output=output)
    serve(config, args.host, args.port, poll=args.poll, output=output, open_browser=args.open)
    return 0
