"""The floor: the cheapest static site with as many pages as ours, to compare our build to.

Absolute times drift on shared machines, so the benchmarks report our build as a multiple
of this floor: one process renders a trivial jinja2 template (a title and ~6 KB of text that
differs on every page) and writes each page to its own file in a few subfolders, the way a
static-site generator would. Same interpreter, same jinja2, same disk; nothing else.

Usage: `python -m benchmarks.floor OUT --pages N [--page-bytes B]`.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import jinja2

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1><p>{{ body }}</p></body></html>
"""
# Subfolders and their share of pages (per cent), shaped like a lineage site.
FOLDERS = (("versions", 80), ("runs", 16), ("artifacts", 3), ("types", 1))
SENTENCE = (
    "The <train> split of dataset:v12 & its 'val' twin feed checkpoint sweeps; each logged "
    "artifact version keeps its digest, aliases, producer and consumers for the audit. "
)


def filler(size: int) -> str:
    """Return `size` characters of prose (some needing escaping, like real text)."""
    return (SENTENCE * (size // len(SENTENCE) + 1))[:size]


def folder_for(index: int) -> str:
    """Pick a page's subfolder so the folders get their shares of the pages."""
    bucket = index % 100
    for name, share in FOLDERS:
        if bucket < share:
            return name
        bucket -= share
    return FOLDERS[-1][0]


def floor(out: Path, pages: int, page_bytes: int = 6000) -> float:
    """Render `pages` trivial pages into `out`, one file each; return the seconds it took."""
    out = Path(out)
    text = filler(page_bytes * 2)
    started = time.perf_counter()
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(TEMPLATE)
    for name, _ in FOLDERS:
        (out / name).mkdir(parents=True, exist_ok=True)
    for index in range(pages):
        offset = (index * 7919) % page_bytes  # a different slice of text on every page
        title = f"Page {index}"
        html = template.render(title=title, body=f"{title}. {text[offset : offset + page_bytes]}")
        path = os.path.join(out, folder_for(index), f"page-{index}.html")
        with open(path, "w", encoding="utf-8") as f:
            f.write(html)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    """Command line: measure the floor for a number of pages and print the seconds."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.floor", description=__doc__)
    parser.add_argument("out", type=Path, help="folder to write the pages into")
    parser.add_argument("--pages", type=int, required=True)
    parser.add_argument("--page-bytes", type=int, default=6000)
    args = parser.parse_args(argv)
    cpu = time.process_time()
    seconds = floor(args.out, args.pages, args.page_bytes)
    cpu = time.process_time() - cpu
    rate = args.pages / seconds
    print(
        f"floor: {args.pages} pages in {seconds:.2f} s wall, {cpu:.2f} s CPU ({rate:,.0f} pages/s)"
    )


if __name__ == "__main__":
    main()
