"""Print or refresh the settings' reference: `python3 -m lineage_report.config --write docs`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .reference import options_table, schema_text, write


def main(argv: list[str] | None = None) -> int:
    """Print the docs table or the JSON Schema, or write both into a docs folder."""
    parser = argparse.ArgumentParser(prog="python3 -m lineage_report.config", description=__doc__)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--table", action="store_true", help="print the Markdown table of settings")
    what.add_argument("--schema", action="store_true", help="print the JSON Schema")
    what.add_argument("--write", metavar="DOCS", type=Path, help="refresh both files in DOCS")
    args = parser.parse_args(argv)
    if args.write:
        for path in write(args.write):
            print(f"wrote {path}")
        return 0
    sys.stdout.write(options_table() if args.table else schema_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
