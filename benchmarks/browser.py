"""Browser benchmark: time from navigation to the first drawn graph, and page sizes (issue 3).

    python -m benchmarks.browser [--out benchmarks/out/browser] [--loads 3] [--wide 5000]
                                 [--nodes 20000] [--dbt-models 10000]
                                 [--results benchmarks/BROWSER.md]

Not a test: the numbers depend on the machine. It builds four sites with
`lineage_report.build.build`: the sample project, a generated project with one level of
`--wide` runs all using one artifact (`benchmarks.generate`, `wide_level`), a generated
project of about `--nodes` graph nodes, and a dbt project of `--dbt-models` models
(`benchmarks.generate_dbt`, the peers' shape: issue 15 compares a model's lineage drawn in
dbt docs and Kedro-Viz). It opens pages from file:// in headless Chromium (the
browser tests' /usr/bin/chromium), a fresh browser context for every load, and reads
`window.lineageView.drawnAt`: `performance.now()` at the graph's first `afterDrawing`, that is
milliseconds since navigation start (`performance.timeOrigin`). Pages without a graph report
their load event instead. Each figure is the median of `--loads` loads.

Pages timed: on each generated site the project graph, the hub's and the wide artifact's
version pages, and the median-sized and largest version and run pages (node pages, not the
lists of a hub's consumers); on the dbt site the project graph, the first and the last model
(the longest lineage down and up) and the median-sized and largest version and run pages; on
the sample site one page of every type. Every site's HTML files are walked for the largest
page.
Prints a markdown report and writes it to `--results`.

Targets: under 1 s to first draw on any sample page, under 2 s on the generated and dbt
projects, no page over 1 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.generate import generate
from benchmarks.generate_dbt import write_target
from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_project"
HUB = "artifact:hub-corpus:v0"  # benchmarks.generate.HUB, version 0
WIDE = "artifact:wide-source:v0"  # benchmarks.generate.WIDE, version 0
SAMPLE_MS = 1000
LARGE_MS = 2000
MAX_PAGE = 1_000_000
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]
# BROWSER.md's sections below this line (benchmarks.before_after's) survive a rewrite.
KEPT = "<!-- benchmarks.browser rewrites the report above and keeps the sections below -->"
# Resolves with the first drawing's time, or with the load event's for a page without graph.
FIRST_DRAW = """async () => {
  const view = window.lineageView;
  if (!view && document.getElementById('lineage-graph-data')) {
    throw new Error('the page has graph data but no window.lineageView');
  }
  if (view) {
    await view.ready;
    const text = document.getElementById('lineage-graph-data').textContent;
    const rows = window.LineageGraph.dom.pageRows(document.getElementById('lineage-graph'));
    const data = window.LineageGraph.expandData(JSON.parse(text), rows);  // mode, defaults
    return { ms: view.drawnAt, graph: true, mode: data.mode,
             view: view.state().view, nodes: view.visibleNodeIds().length };
  }
  if (document.readyState !== 'complete') {
    await new Promise((done) => window.addEventListener('load', done, { once: true }));
  }
  await new Promise((done) => setTimeout(done, 0));
  const nav = performance.getEntriesByType('navigation')[0];
  return { ms: nav.loadEventEnd, graph: false, mode: '', view: '', nodes: 0 };
}"""


@dataclass
class Site:
    """A built site and the pages of it to time."""

    name: str
    folder: Path
    target_ms: int | None
    pages: list[tuple[str, str]] = field(default_factory=list)
    notes: str = ""


@dataclass
class Row:
    """One timed page: its size and the median of its loads."""

    site: str
    label: str
    path: str
    html_bytes: int
    ms: float
    spread: tuple[float, float]
    graph: bool
    view: str
    nodes: int
    target_ms: int | None


# --- sites ------------------------------------------------------------------------------------


def log(message: str) -> None:
    """Print progress on stderr (stdout carries the report)."""
    print(message, file=sys.stderr, flush=True)


def build_site(project: Path, folder: Path) -> tuple[Path, float, int]:
    """Build a project into `folder`; return the output, the build's seconds and its pages."""
    if folder.exists():
        shutil.rmtree(folder)
    started = time.perf_counter()
    result = build(load_config(project), folder)
    return result.output, time.perf_counter() - started, result.pages


def sample_site(out: Path) -> Site:
    """Build the sample project; time one page of every type."""
    folder, seconds, pages = build_site(SAMPLE, out / "sample-site")
    site = Site("sample", folder, SAMPLE_MS, notes=f"{pages} pages, built in {seconds:.1f} s")
    site.pages = [
        ("home", naming.INDEX),
        ("project graph", naming.GRAPH),
        ("version (model)", naming.node_path("artifact:mnist-cnn:v6")),
        ("version (sweep data)", naming.node_path("artifact:mnist-train:v1")),
        ("version (external)", naming.node_path("artifact:imagenet-resnet18:v0")),
        ("run", naming.node_path("run:s472we7t")),
        ("artifact", naming.artifact_path("mnist-cnn")),
        ("artifact type", naming.type_path("model")),
        ("job type", naming.job_type_path("train")),
        ("artifacts index", naming.ARTIFACTS),
        ("runs index", naming.RUNS),
        ("problems", naming.PROBLEMS),
        ("404", naming.NOT_FOUND),
    ]
    return site


def generated_site(out: Path, name: str, target_ms: int | None, **options) -> Site:
    """Generate and build a benchmark project; time its graph, hub, wide and typical pages."""
    project = out / f"{name}-project"
    started = time.perf_counter()
    counts = generate(project, **options)
    generated = time.perf_counter() - started
    folder, seconds, pages = build_site(project, out / f"{name}-site")
    notes = (
        f"{counts['runs']:,} runs, {counts['artifact_versions']:,} versions, "
        f"{counts['nodes']:,} graph nodes, wide level {counts['wide_level']:,}, "
        f"hub consumers {counts['hub_consumers']:,}; generated in {generated:.1f} s, "
        f"{pages:,} pages built in {seconds:.1f} s"
    )
    site = Site(name, folder, target_ms, notes=notes)
    site.pages = [("project graph", naming.GRAPH), ("hub version", naming.node_path(HUB))]
    if counts["wide_level"]:
        site.pages.append(
            (f"wide version ({counts['wide_level']:,} users)", naming.node_path(WIDE))
        )
    site.pages += typical_pages(folder)
    return site


def dbt_site(out: Path, models: int, target_ms: int) -> Site:
    """Generate and build a dbt project (benchmarks.generate_dbt); time its graph, its first
    and last models (the longest lineage down and up) and typical pages."""
    started = time.perf_counter()
    project = write_target(out / f"dbt-{models}-project", models)
    generated = time.perf_counter() - started
    folder, seconds, pages = build_site(project, out / f"dbt-{models}-site")
    notes = (
        f"{models:,} dbt models (`benchmarks.generate_dbt`: each reads up to two earlier ones); "
        f"generated in {generated:.1f} s, {pages:,} pages built in {seconds:.1f} s"
    )
    site = Site(f"dbt-{models}", folder, target_ms, notes=notes)
    site.pages = [
        ("project graph", naming.GRAPH),
        ("first model", naming.node_path("artifact:big.model_00000:v0")),
        ("last model", naming.node_path(f"artifact:big.model_{models - 1:05d}:v0")),
    ]
    site.pages += typical_pages(folder)
    return site


def typical_pages(folder: Path) -> list[tuple[str, str]]:
    """Return the median-sized and the largest version and run page of the site: node
    pages only (not the pages that list a hub's consumers, say)."""
    lineage = json.loads((folder / "lineage.json").read_bytes())
    nodes = {naming.node_path(node["id"]) for node in lineage["nodes"]}
    found = []
    for sub, what in (("versions", "version"), ("runs", "run")):
        files = sorted(
            (p.stat().st_size, path)
            for p in (folder / sub).glob("*.html")
            if (path := p.relative_to(folder).as_posix()) in nodes
        )
        if files:
            median, largest = files[len(files) // 2], files[-1]
            found += [(f"{what} (median size)", median[1]), (f"{what} (largest)", largest[1])]
    return found


def largest_page(folder: Path) -> tuple[str, int, int, int]:
    """Walk every HTML file; return the largest's path and size, the count, and those > 1 MB."""
    sizes = [(p.stat().st_size, p) for p in folder.rglob("*.html")]
    size, path = max(sizes)
    over = sum(1 for s, _ in sizes if s > MAX_PAGE)
    return path.relative_to(folder).as_posix(), size, len(sizes), over


# --- browser ----------------------------------------------------------------------------------


def chromium() -> str:
    """Return the system's Chromium, the one the browser tests use."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("no Chromium found (Debian: apt-get install chromium)")


def load_once(browser, url: str) -> dict:
    """Open `url` in a fresh context; return the first-draw (or load) figures."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        # Scripts have run by DOMContentLoaded; the figure is read from the page's own clock.
        page.goto(url, wait_until="domcontentloaded")
        result = page.evaluate(FIRST_DRAW)
        if errors:
            raise RuntimeError(f"{url}: {errors[0]}")
        return result
    finally:
        context.close()


def time_page(browser, site: Site, label: str, path: str, loads: int) -> Row:
    """Load one page `loads` times; return its row (median time)."""
    file = site.folder / path
    results = [load_once(browser, file.as_uri()) for _ in range(loads)]
    times = [r["ms"] for r in results]
    last = results[-1]
    return Row(
        site.name, label, path, file.stat().st_size, statistics.median(times),
        (min(times), max(times)), last["graph"], f"{last['mode']}/{last['view']}" if last["graph"]
        else "", last["nodes"], site.target_ms,
    )  # fmt: skip


def time_sites(sites: list[Site], loads: int) -> tuple[list[Row], str]:
    """Time every site's pages in one headless Chromium; return the rows and its version."""
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            version = browser.version
            for site in sites:
                for label, path in site.pages:
                    rows.append(time_page(browser, site, label, path, loads))
                    log(f"{site.name}: {label}: {rows[-1].ms:.0f} ms")
        finally:
            browser.close()
    return rows, version


# --- report -----------------------------------------------------------------------------------


def machine(chromium_version: str) -> list[str]:
    """Describe the machine: cores, CPU model, load, Python and Chromium versions."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return [
        f"- CPU: {model}, nproc {os.cpu_count()} (load average at the end: {load})",
        f"- Chromium {chromium_version} (headless, {chromium()}), "
        f"viewport {VIEWPORT['width']}x{VIEWPORT['height']}",
        f"- Python {platform.python_version()} on {platform.platform()}",
    ]


def verdict(row: Row) -> str:
    """Return ✓ or ✗ against the page's targets (time for graph pages, size for all)."""
    ok = row.html_bytes <= MAX_PAGE
    if row.graph and row.target_ms is not None:
        ok = ok and row.ms < row.target_ms
    return "✓" if ok else "✗"


def table(rows: list[Row], loads: int) -> list[str]:
    """Return the markdown table of the timed pages."""
    lines = [
        f"| site | page | HTML KB | view | drawn nodes | first draw ms (median of {loads}) "
        "| min–max ms | target |",
        "|---|---|---:|---|---:|---:|---:|---|",
    ]
    for r in rows:
        what = f"{r.ms:,.0f}" if r.graph else f"{r.ms:,.0f} (load, no graph)"
        target = f"< {r.target_ms:,} ms" if r.graph and r.target_ms else "–"
        lines.append(
            f"| {r.site} | {r.label} | {r.html_bytes / 1000:,.1f} | {r.view or '–'} | "
            f"{r.nodes or '–'} | {what} | {r.spread[0]:,.0f}–{r.spread[1]:,.0f} | "
            f"{target} {verdict(r)} |"
        )
    return lines


def largest_table(sites: list[Site]) -> list[str]:
    """Return the markdown table of each site's largest page."""
    lines = [
        "| site | HTML pages | largest page | KB | pages over 1 MB |",
        "|---|---:|---|---:|---:|",
    ]
    for site in sites:
        path, size, count, over = largest_page(site.folder)
        lines.append(f"| {site.name} | {count:,} | `{path}` | {size / 1000:,.1f} | {over} |")
    return lines


def summary(rows: list[Row], sites: list[Site]) -> list[str]:
    """Return one line per site: its slowest first draw against its target, and its largest page."""
    lines = []
    for site in sites:
        times = [r.ms for r in rows if r.site == site.name and r.graph]
        _, size, _, over = largest_page(site.folder)
        slowest = max(times, default=0.0)
        met = site.target_ms is None or slowest < site.target_ms
        lines.append(
            f"- **{site.name}**: slowest first draw {slowest:,.0f} ms (target < "
            f"{site.target_ms:,} ms) {'✓' if met else '✗'}; largest page {size / 1000:,.1f} KB, "
            f"{over} over 1 MB {'✓' if over == 0 else '✗'}"
        )
    return lines


def report(sites: list[Site], rows: list[Row], loads: int, version: str, argv: str) -> str:
    """Return the whole markdown report."""
    lines = ["# Browser benchmark: first drawn graph and page size", ""]
    lines += [f"`python -m benchmarks.browser{argv}`, {time.strftime('%Y-%m-%d %H:%M %Z')}.", ""]
    lines += machine(version) + [""]
    lines += [f"- **{s.name}**: {s.notes}" for s in sites] + [""]
    lines += summary(rows, sites) + [""]
    lines += table(rows, loads) + ["", "Largest page of each site:", ""] + largest_table(sites)
    lines += ["", __doc__.split("\n\n", 2)[2].strip()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Command line: build the sites, time their pages, print and save the report."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.browser", description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "browser")
    parser.add_argument("--loads", type=int, default=3, help="loads per page (median)")
    parser.add_argument("--wide", type=int, default=5000, help="runs in the wide level")
    parser.add_argument("--nodes", type=int, default=20_000, help="graph nodes of the large one")
    parser.add_argument(
        "--dbt-models", type=int, default=10_000, help="models of the dbt project (0: none)"
    )
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "BROWSER.md")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    log("building the sample site")
    sites = [sample_site(args.out)]
    log(f"generating and building a project with a level of {args.wide:,} runs")
    sites.append(
        generated_site(
            args.out, f"wide-{args.wide}", LARGE_MS,
            runs=args.wide + 500, wide_level=args.wide, versions_per_run=1.0,
        )
    )  # fmt: skip
    log(f"generating and building a project of about {args.nodes:,} nodes")
    sites.append(
        generated_site(
            args.out, f"nodes-{args.nodes}", LARGE_MS, runs=args.nodes // 6,
            versions_per_run=5.0,
        )
    )  # fmt: skip
    if args.dbt_models:
        log(f"generating and building a dbt project of {args.dbt_models:,} models")
        sites.append(dbt_site(args.out, args.dbt_models, LARGE_MS))
    rows, version = time_sites(sites, args.loads)
    shown = " ".join(sys.argv[1:] if argv is None else argv)
    text = report(sites, rows, args.loads, version, f" {shown}" if shown else "")
    print(text)
    args.results.write_text(text + kept(args.results), encoding="utf-8")
    log(f"wrote {args.results}")


def kept(results: Path) -> str:
    """Return the part of an existing results file that a rewrite keeps: KEPT and below."""
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    return "\n" + old[old.index(KEPT) :] if KEPT in old else ""


if __name__ == "__main__":
    main()
