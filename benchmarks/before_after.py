"""First draw and page weight of two versions of lineage-report on the same generated project.

    git worktree add /tmp/lr-before 1f6cdb4
    python -m benchmarks.before_after --before /tmp/lr-before [--after .] [--nodes 20000]
                                      [--seed 0] [--loads 3] [--reuse]
    git worktree remove /tmp/lr-before

Generates one project of about `--nodes` graph nodes (`benchmarks.generate`, this checkout's
generator, `--seed`), then builds it with each version's own code: `python -m lineage_report
build` in a child process with PYTHONPATH set to that checkout and SOURCE_DATE_EPOCH fixed.
On each site it opens, from file:// in headless Chromium (as `benchmarks.browser` does, a
fresh context per load), the project graph (on generated projects also the largest HTML page)
and the largest other page whose graph draws (by bytes; the hub dataset's version page), the
two versions taking turns load by load after one unmeasured load each. It reports the median
first draw of `--loads` loads and each page's weight: its HTML and every file it loaded before
its graph was drawn, split into data beside the page and the shared assets (scripts and
styles every page loads, cached by the browser after the first page; the search index loads
only when the search box is used and is not counted), and the member files of big clusters
that the page names, loaded when such a cluster's panel opens.

Prints a markdown section and, with `--results`, appends it to that file (the default
`benchmarks/BROWSER.md`, whose sections after `benchmarks.browser.KEPT` that script keeps).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from benchmarks.browser import CHROMIUM_ARGS, FIRST_DRAW, KEPT, VIEWPORT, chromium, machine
from benchmarks.generate import generate

ROOT = Path(__file__).resolve().parents[1]
EPOCH = "1767225600"
GRAPH = "graph.html"  # naming.GRAPH in every version
GRAPH_DATA = b'id="lineage-graph-data"'
# Milliseconds from navigation to DOMContentLoaded: the HTML parsed and the deferred scripts
# run; the graph is built and drawn in that event's handler, so first draw minus this is its.
DOM_READY = "() => performance.getEntriesByType('navigation')[0].domContentLoadedEventStart"
# Member files of big clusters (lineage_report.graphview.members), named in the page's data
# relative to the site's root and loaded when a cluster's panel opens.
MEMBER_FILE = re.compile(rb"members/[0-9A-Za-z_-]+\.js")


@dataclass
class Weighed:
    """One page of one version: its load figures and what it weighs."""

    version: str
    label: str
    path: str
    ms: float
    dom_ready: float
    spread: tuple[float, float]
    nodes: int
    html: int
    data: int
    assets: int
    on_demand: int


def log(message: str) -> None:
    """Print progress on stderr (stdout carries the report)."""
    print(message, file=sys.stderr, flush=True)


def build_with(tree: Path, project: Path, site: Path, reuse: bool) -> float:
    """Build `project` into `site` with the lineage_report of checkout `tree`; return seconds."""
    if reuse and (site / "index.html").exists():
        return 0.0
    env = dict(os.environ, PYTHONPATH=str(tree.resolve()), SOURCE_DATE_EPOCH=EPOCH)
    command = [sys.executable, "-m", "lineage_report", "build", str(project), "-o", str(site)]
    command.append("--quiet")
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, cwd=tree)
    return time.perf_counter() - started


def graph_pages(site: Path) -> list[Path]:
    """Return the HTML pages that carry graph data, largest first."""
    sized = []
    for page in site.rglob("*.html"):
        data = page.read_bytes()
        if GRAPH_DATA in data:
            sized.append((len(data), page.relative_to(site).as_posix()))
    return [site / p for _, p in sorted(sized, reverse=True)]


def loaded_files(browser, url: str) -> tuple[dict, list[Path]]:
    """Open `url` once; return its first-draw figures and every local file it requested."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        files: list[Path] = []
        page.on("request", lambda r: files.append(Path(unquote(urlparse(r.url).path))))
        page.goto(url, wait_until="domcontentloaded")
        result = page.evaluate(FIRST_DRAW)
        result["dcl"] = page.evaluate(DOM_READY)
        return result, files
    finally:
        context.close()


def weigh(version: str, label: str, site: Path, page: Path, loads: list) -> Weighed:
    """Return a page's median first draw over its loads, and its weight (from the last)."""
    times = [r["ms"] for r, _ in loads]
    files = {f for f in loads[-1][1] if f.is_file() and f != page}
    assets = site / "assets"
    shared = sum(f.stat().st_size for f in files if assets in f.parents)
    data = sum(f.stat().st_size for f in files if assets not in f.parents)
    return Weighed(
        version, label, page.relative_to(site).as_posix(), statistics.median(times),
        statistics.median(r["dcl"] for r, _ in loads),
        (min(times), max(times)), loads[-1][0]["nodes"], page.stat().st_size, data, shared,
        member_bytes(site, page),
    )  # fmt: skip


def member_bytes(site: Path, page: Path) -> int:
    """Return the bytes of the member files a page names (loaded when a cluster opens)."""
    names = {m.decode() for m in MEMBER_FILE.findall(page.read_bytes())}
    return sum((site / n).stat().st_size for n in names if (site / n).is_file())


def biggest_drawn(browser, site: Path) -> Path:
    """Return the largest page besides graph.html with graph data whose graph draws."""
    for page in graph_pages(site):
        if page == site / GRAPH:
            continue
        result, _ = loaded_files(browser, page.as_uri())
        if result["graph"] and result["ms"]:
            return page
        log(f"{page}: no drawing; trying the next largest")
    raise SystemExit(f"{site}: no page draws a graph")


def pages_to_time(browser, site: Path) -> dict[str, Path]:
    """Return the pages to time on a site, by label."""
    return {"project graph": site / GRAPH, "biggest other page": biggest_drawn(browser, site)}


def largest_html(site: Path) -> str:
    """Describe a site's largest HTML page: its path and size."""
    size, path = max((p.stat().st_size, p) for p in site.rglob("*.html"))
    return f"largest HTML page `{path.relative_to(site).as_posix()}` ({kb(size)} KB)"


def measure(sites: dict[str, Path], loads: int) -> tuple[list[Weighed], str]:
    """Time and weigh each site's project graph and its biggest other drawn page.

    The versions take turns, load by load, after one unmeasured load each (disk cache):
    a busy shared machine then slows both alike.
    """
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            pages = {v: pages_to_time(browser, s) for v, s in sites.items()}
            for label in ("project graph", "biggest other page"):
                done = {v: [] for v in sites}
                for _ in range(loads + 1):
                    for version in sites:
                        done[version].append(loaded_files(browser, pages[version][label].as_uri()))
                for version, site in sites.items():
                    rows.append(
                        weigh(version, label, site, pages[version][label], done[version][1:])
                    )
                    log(f"{version}: {label}: {rows[-1].ms:.0f} ms, {rows[-1].html:,} B")
            chromium_version = browser.version
        finally:
            browser.close()
    return rows, chromium_version


def kb(size: int) -> str:
    """Return bytes as KB with one decimal."""
    return f"{size / 1000:,.1f}"


def table(rows: list[Weighed], loads: int) -> list[str]:
    """Return the markdown table of both versions' pages."""
    lines = [
        f"| version | page | file | drawn nodes | first draw ms (median of {loads}) | min–max ms "
        "| DOMContentLoaded ms (median) "
        "| HTML KB | data files KB | page weight KB (HTML + data) | shared assets KB "
        "| member files KB (on demand) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.version} | {r.label} | `{r.path}` | {r.nodes} | {r.ms:,.0f} | "
            f"{r.spread[0]:,.0f}–{r.spread[1]:,.0f} | {r.dom_ready:,.0f} | {kb(r.html)} | "
            f"{kb(r.data)} | {kb(r.html + r.data)} | {kb(r.assets)} | {kb(r.on_demand)} |"
        )
    return lines


def section(rows, loads, version, notes: list[str], argv: str) -> str:
    """Return the dated markdown section."""
    lines = [f"## Before and after: {time.strftime('%Y-%m-%d %H:%M %Z')}", ""]
    lines += [f"`python -m benchmarks.before_after{argv}`", ""]
    lines += machine(version) + [""] + notes + [""] + table(rows, loads) + [""]
    lines += [__doc__.split("\n\n", 2)[2].split("\n\nPrints")[0].strip()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Command line: generate, build with both checkouts, measure, print and append."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.before_after", description=__doc__)
    parser.add_argument("--before", type=Path, required=True, help="checkout of the old version")
    parser.add_argument("--after", type=Path, default=ROOT, help="checkout of the new version")
    parser.add_argument("--nodes", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "before-after")
    parser.add_argument("--reuse", action="store_true", help="keep sites already built in --out")
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "BROWSER.md")
    parser.add_argument("--no-results", action="store_true", help="print only")
    args = parser.parse_args(argv)
    project = args.out / "project"
    if not (args.reuse and project.exists()):
        counts = generate(project, runs=args.nodes // 6, versions_per_run=5.0, seed=args.seed)
        log(f"generated {counts['nodes']:,} nodes into {project}")
    notes, sites = [], {}
    for version, tree in (("before", args.before), ("after", args.after)):
        sites[version] = args.out / f"site-{version}"
        seconds = build_with(tree, project, sites[version], args.reuse)
        commit = subprocess.run(
            ["git", "-C", str(tree), "describe", "--always", "--dirty"],
            capture_output=True, text=True, check=False,
        ).stdout.strip()  # fmt: skip
        built = f"built in {seconds:.0f} s" if seconds else "built earlier"
        notes.append(
            f"- **{version}**: `{tree}` at {commit or '?'}, {built}; {largest_html(sites[version])}"
        )
    notes.insert(0, f"- project: `benchmarks.generate`, {args.nodes:,} nodes, seed {args.seed}")
    rows, version = measure(sites, args.loads)
    shown = " ".join(sys.argv[1:] if argv is None else argv)
    text = section(rows, args.loads, version, notes, f" {shown}" if shown else "")
    print(text)
    if not args.no_results:
        append(args.results, text)
        log(f"appended to {args.results}")


def append(results: Path, text: str) -> None:
    """Append a section below the KEPT marker of a results file (adding the marker if absent)."""
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    if KEPT not in old:
        old = old.rstrip("\n") + "\n\n" + KEPT + "\n"
    results.write_text(old.rstrip("\n") + "\n\n" + text, encoding="utf-8")


if __name__ == "__main__":
    main()
