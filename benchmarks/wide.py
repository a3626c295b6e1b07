"""The wide-run benchmark (issue 17, point 3): one run with n inputs and n outputs.

One manifest uses n external inputs and logs n outputs, so every input's page has the run
and all its outputs downstream, and every output's page has the run and all its inputs
upstream: the graph of each of those 2n pages meets a node of degree n. A second, small
run uses a few of the outputs, so the walk has somewhere to go beyond the wide run.

For each n the benchmark generates the project into `benchmarks/out/wide-<n>/project`,
builds it in a child process (`python -m lineage_report build`, as benchmarks/run.py
does: its memory is its own), then renders the floor (benchmarks/floor.py) for the same
number of pages, and prints a markdown row: build time, floor, their ratio, peak memory
and the largest page. With `--results`, the table goes into benchmarks/RESULTS.md as a
section of its own (before the history, which benchmarks/run.py owns).

Usage: `python -m benchmarks.wide [--sizes 1000,4000,10000] [--out DIR] [--results]`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from benchmarks import results
from benchmarks.run import (
    HERE,
    BenchmarkError,
    machine,
    markdown_table,
    measure_floor,
    page_stats,
    run_build,
    say,
    settle_disk,
)
from lineage_report.digest import artifact_digest

INPUT_TYPES = ("dataset", "features")
OUTPUT_TYPES = ("prediction", "report", "model")
READERS = 3  # outputs the small downstream run uses
SECTION = "## Wide run (issue 17)"
COLUMNS = (
    "n in / out", "pages", "build s", "render s", "CPU s", "peak RSS MB", "floor s",
    "build/floor", "max page KB", "max version page KB", "max version graph KB",
)  # fmt: skip


def at(second: int) -> str:
    """Return a fixed timestamp `second` seconds after the start of the project."""
    minutes, seconds = divmod(second, 60)
    hours, minutes = divmod(minutes, 60)
    return f"2026-01-05T{10 + hours:02d}:{minutes:02d}:{seconds:02d}Z"


def output_entry(index: int) -> dict:
    """Return the logged entry of output `index`: one made-up file, its own digest."""
    files = [{"path": f"part-{index}.bin", "size": 1000 + index, "digest": f"sha256:{index:064x}"}]
    return {
        "name": f"out-{index:05d}",
        "type": OUTPUT_TYPES[index % len(OUTPUT_TYPES)],
        "files": files,
        "digest": artifact_digest([(f["path"], f["digest"]) for f in files]),
        "created_at": at(60 + index % 3000),
    }


def wide_manifest(n: int) -> dict:
    """Return the manifest of the wide run: n external inputs used, n outputs logged."""
    used = [
        {
            "name": f"in-{i:05d}",
            "version": "v0",
            "type": INPUT_TYPES[i % len(INPUT_TYPES)],
            "external": True,
        }
        for i in range(n)
    ]
    return {
        "manifest_version": 1,
        "run": {
            "id": "wide",
            "name": "wide-scoring",
            "job_type": "score",
            "started_at": at(0),
            "finished_at": at(3600),
        },
        "used_artifacts": used,
        "logged_artifacts": [output_entry(i) for i in range(n)],
    }


def reader_manifest(n: int) -> dict:
    """Return a small run downstream of the wide one: it uses a few outputs, logs one."""
    used = [f"out-{i:05d}:v0" for i in range(min(READERS, n))]
    files = [{"path": "summary.json", "size": 10, "digest": "sha256:" + "ab" * 32}]
    logged = {
        "name": "summary",
        "type": "report",
        "files": files,
        "digest": artifact_digest([(f["path"], f["digest"]) for f in files]),
    }
    run = {"id": "reader", "job_type": "summarise", "started_at": at(3700)}
    run["finished_at"] = at(3760)
    return {"manifest_version": 1, "run": run, "used_artifacts": used, "logged_artifacts": [logged]}


def generate(root: Path, n: int) -> dict:
    """Write the wide project into `root` (replacing it); return its counts."""
    shutil.rmtree(root, ignore_errors=True)
    folder = root / "manifests"
    folder.mkdir(parents=True)
    (folder / "wide.json").write_text(json.dumps(wide_manifest(n)), encoding="utf-8")
    (folder / "reader.json").write_text(json.dumps(reader_manifest(n)), encoding="utf-8")
    (root / "lineage-report.toml").write_text('title = "Wide run"\n', encoding="utf-8")
    return {"runs": 2, "inputs": n, "outputs": n, "nodes": 2 * n + 3}


def version_pages_kb(site: Path) -> tuple[float, float]:
    """Return the largest version page and the largest graph data one embeds, in KB: the
    pages of the run's inputs and outputs, which must not grow with it."""
    page_max = graph_max = 0
    marker = b'id="lineage-graph-data">'
    for page in (site / "versions").glob("*.html"):
        data = page.read_bytes()
        page_max = max(page_max, len(data))
        start = data.find(marker)
        if start >= 0:
            end = data.find(b"</script>", start)
            graph_max = max(graph_max, end - start - len(marker))
    return page_max / 1000, graph_max / 1000


def measure(n: int, out: Path) -> list[str]:
    """Generate, build and compare with the floor one size; return its table row."""
    work = out / f"wide-{n}"
    project, site, floor_dir = work / "project", work / "site", work / "floor"
    counts = generate(project, n)
    say(f"[wide {n}] {counts['nodes']} nodes generated; building ...")
    shutil.rmtree(site, ignore_errors=True)
    settle_disk()
    result = run_build(project, site, work)
    stats = page_stats(site)
    pages = result.timings.get("pages", stats["pages"])
    total = result.timings.get("total", result.wall)
    say(f"[wide {n}] built {pages} pages in {total:.1f} s; measuring the floor ...")
    floor_s, _ = measure_floor(floor_dir, pages)
    version_kb, version_graph_kb = version_pages_kb(site)
    row = [
        f"{n:,}",
        f"{pages:,}",
        f"{total:.2f}",
        f"{result.timings.get('render', 0):.2f}",
        f"{result.cpu:.2f}",
        f"{result.max_rss_mb:.0f}",
        f"{floor_s:.2f}",
        f"{total / floor_s:.2f}×",
        f"{stats['largest'][0] / 1000:.0f}",
        f"{version_kb:.0f}",
        f"{version_graph_kb:.0f}",
    ]
    shutil.rmtree(site, ignore_errors=True)
    return row


def write_section(path: Path, info: dict, rows: list[list[str]], out: Path) -> None:
    """Put this run's table into RESULTS.md as its own section, before the history."""
    section = (
        "Written by `python -m benchmarks.wide`: one manifest with n external inputs and n "
        "outputs (benchmarks/wide.py). `build s` is the build's own total; the floor renders "
        "as many trivial pages (benchmarks/floor.py) right after it.\n\n"
        f"- {info['cpus']}× {info['model']}, {info['system']}, Python {info['python']}\n"
        f"- {info['date']}, commit {info['commit']}, load average at start {info['load']}\n"
        f"- projects, sites and the floor in `{out}`\n\n"
        f"{markdown_table(COLUMNS, rows)}\n\n"
    )
    results.write_section(path, SECTION, section)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.wide", description=__doc__)
    parser.add_argument("--sizes", default="1000,4000,10000", help="n, comma-separated")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--results", action="store_true", help="write the table to RESULTS.md")
    parser.add_argument("--generate-only", type=Path, help="write one project here and stop")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Measure every size, printing the table; optionally record it in RESULTS.md."""
    args = parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if args.generate_only:
        for n in sizes:
            generate(args.generate_only, n)
        return 0
    info = machine()
    rows = []
    try:
        for n in sizes:
            rows.append(measure(n, args.out))
            print(markdown_table(COLUMNS, rows[-1:]).splitlines()[-1], flush=True)
    except BenchmarkError as exc:
        print(f"benchmarks.wide: {exc}", file=sys.stderr)
        return 1
    if args.results:
        write_section(HERE / "RESULTS.md", info, rows, args.out)
    print(markdown_table(COLUMNS, rows))
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    say(f"done in {time.perf_counter() - started:.1f} s")
    sys.exit(code)
