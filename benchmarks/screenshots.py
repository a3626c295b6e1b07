"""Screenshots of every page type, light and dark, desktop and phone, taken by headless Chromium.

    python -m benchmarks.screenshots [--out docs/screenshots] [--only version,graph]

Builds two sites into a temporary folder, with SOURCE_DATE_EPOCH set so that dates on the
pages do not change between runs:

- the sample project (`sample_project`): most page types;
- a mixed project made of the test fixtures (dbt's jaffle shop, Marquez's seed, an MLflow
  store, an Airflow DAG's OpenLineage events), split by project: the hub that lists the
  parts, a dbt model (run and table drawn as one node) and a problems page that has entries.

It opens each page from file:// in the browser the browser tests use (the system's Chromium,
never a downloaded one), in a light and a dark colour scheme, at 1280x800 (desktop) and
390x844 (phone, touch), and writes what a reader sees without scrolling to
`<out>/<page>-<theme>-<device>.png` as a 256-colour PNG (`benchmarks/pngopt.py`: 1.7 MB for
the 60 pictures, 4.6 MB as Chromium writes them).
`<out>/README.md` is rewritten with a table of the pictures and what each one shows.

Run it again after changing the theme, a template or the graph's drawing, and look at the
pictures: `python -m benchmarks.screenshots` takes two to three minutes on a busy 2-core
machine.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.pngopt import optimise
from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_project"
FIXTURES = ROOT / "tests" / "data"
MIXED = ("dbt-jaffle-shop", "marquez-seed", "mlflow", "openlineage-airflow-dag")
MIXED_TITLE = "Data platform"
EPOCH = "1767225600"  # 2026-01-01 00:00 UTC: the report's time, whatever the clock says
DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
    },
}
THEMES = ("light", "dark")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--font-render-hinting=none"]
MODEL = "artifact:mnist-cnn:v6"
SWEEP_RUN = "run:s472we7t"  # dainty-forest-19, which logged the `best` model
SWEEP_SEARCH = "dainty"
DBT_MODEL = "artifact:jaffle_shop.fct_orders:v0"
SEARCH_QUERY = "mnist-cnn"
REDRAWN = """() => new Promise((done) => {
  window.lineageView.network.once('afterDrawing', done);
  window.lineageView.network.redraw();
})"""
# Settles a page: its graph drawn (if any), its fonts loaded, two frames painted.
SETTLED = """async () => {
  if (window.lineageView) await window.lineageView.ready;
  await document.fonts.ready;
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""


@dataclass(frozen=True)
class Shot:
    """One page to photograph: its name, site, path in the site and what the picture shows."""

    name: str
    site: str
    path: str
    shows: str
    prepare: Callable | None = None


# --- what each picture shows --------------------------------------------------------------------


def scroll_to_lineage(page) -> None:
    """Scroll the page so that its lineage section's heading is just below the top edge."""
    page.evaluate(
        "() => window.scrollTo(0, document.querySelector('#lineage').getBoundingClientRect().top"
        " + window.scrollY - 16)"
    )


def select_producer(page) -> None:
    """Scroll to the lineage graph and open the preview of the run that logged the model."""
    scroll_to_lineage(page)
    page.evaluate("id => window.lineageView.select(id)", SWEEP_RUN)
    page.evaluate(REDRAWN)


def open_sweep(page) -> None:
    """Open the sweep's cluster, filter its members and pull one run out with its edges."""
    sweep = page.evaluate(
        "() => window.lineageView.clusters().find(c => c.kind === 'run' && c.group === 'train')"
    )
    page.evaluate("id => window.lineageView.extract(id)", SWEEP_RUN)
    page.evaluate("id => window.lineageView.select(id)", sweep["id"])
    page.locator('[data-lg="cluster-search"]').press_sequentially(SWEEP_SEARCH)
    page.evaluate(REDRAWN)


def search(page) -> None:
    """Type a query into the header's search box and wait for its results."""
    page.locator("#lr-search").press_sequentially(SEARCH_QUERY)
    page.locator("#lr-search-results [role=option]").first.wait_for()


def part(project: str, path: str) -> str:
    """Return the path of a page in the split site's part for `project`."""
    return f"{naming.part_folder(project)}/{path}"


SHOTS = (
    Shot(
        "index",
        "sample",
        naming.INDEX,
        "the home page: counts, the problems' tally, the project's README",
    ),
    Shot(
        "search",
        "sample",
        naming.INDEX,
        f"the header's search box with the results for `{SEARCH_QUERY}`",
        search,
    ),
    Shot("artifacts", "sample", naming.ARTIFACTS, "the artifacts list, by type"),
    Shot("artifact-type", "sample", naming.type_path("model"), "an artifact type's page"),
    Shot(
        "artifact",
        "sample",
        naming.artifact_path("mnist-cnn"),
        "an artifact's page: its versions, aliases, digests and the runs that logged them",
    ),
    Shot(
        "version",
        "sample",
        naming.node_path(MODEL),
        "a version page (`mnist-cnn:v6`, the `best` model) as it opens: tabs, overview",
    ),
    Shot(
        "version-lineage",
        "sample",
        naming.node_path(MODEL),
        "the same page at its lineage graph, the preview of the run that logged it open",
        select_producer,
    ),
    Shot(
        "version-dbt",
        "mixed",
        part("jaffle_shop", naming.node_path(DBT_MODEL)),
        "a dbt model's page (`fct_orders`) at its lineage graph: each model's run and table"
        " drawn as one node",
        scroll_to_lineage,
    ),
    Shot("runs", "sample", naming.RUNS, "the runs list, by job type"),
    Shot(
        "job-type",
        "sample",
        naming.job_type_path("train"),
        "a job type's runs table: config and summary values as sortable columns, filters",
    ),
    Shot(
        "run",
        "sample",
        naming.node_path(SWEEP_RUN),
        "a run page (`dainty-forest-19`) as it opens: tabs, overview, the run's notes",
    ),
    Shot(
        "graph",
        "sample",
        naming.GRAPH,
        "the project graph: the sweep's cluster open and filtered, one run pulled out",
        open_sweep,
    ),
    Shot(
        "problems",
        "mixed",
        part("food_delivery", naming.PROBLEMS),
        "the problems page of a project with warnings (Marquez's seed)",
    ),
    Shot("404", "sample", naming.NOT_FOUND, "the page a host serves for a missing address"),
    Shot(
        "hub",
        "mixed",
        naming.INDEX,
        "the hub of a split build (`--split-by project`): one site per project",
    ),
)


# --- sites ---------------------------------------------------------------------------------------


def mixed_project(folder: Path) -> Path:
    """Copy the fixtures of several readers into one project folder; return it."""
    for name in MIXED:
        shutil.copytree(FIXTURES / name, folder / name, ignore=shutil.ignore_patterns("*.md"))
    (folder / "lineage-report.toml").write_text(f'title = "{MIXED_TITLE}"\n', encoding="utf-8")
    return folder


def build_sites(tmp: Path) -> dict[str, Path]:
    """Build the sample and the mixed site with a fixed build date; return their folders."""
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    # The fixtures' warnings are the problems page's content, not news for whoever runs this.
    logging.getLogger("lineage_report").setLevel(logging.ERROR)
    sample = build(load_config(SAMPLE), tmp / "sample").output
    project = mixed_project(tmp / "mixed-project")
    mixed = build(load_config(project, split_by="project"), tmp / "mixed").output
    return {"sample": sample, "mixed": mixed}


# --- browser -------------------------------------------------------------------------------------


def chromium() -> str:
    """Return the system's Chromium, the one the browser tests use."""
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("no Chromium found (Debian: apt-get install chromium)")


def file_name(shot: Shot, theme: str, device: str) -> str:
    """Return the picture's file name: `<page>-<theme>-<device>.png`."""
    return f"{shot.name}-{theme}-{device}.png"


def photograph(browser, sites: dict[str, Path], shot: Shot, theme: str, device: str) -> bytes:
    """Open one page in a fresh context with the theme and device; return its PNG."""
    context = browser.new_context(color_scheme=theme, reduced_motion="reduce", **DEVICES[device])
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto((sites[shot.site] / shot.path).as_uri())
        page.evaluate(SETTLED)
        if shot.prepare is not None:
            shot.prepare(page)
            page.evaluate(SETTLED)
        if errors:
            raise RuntimeError(f"{shot.name} ({theme}, {device}): {errors[0]}")
        return page.screenshot(animations="disabled", caret="hide")
    finally:
        context.close()


def take(out: Path, shots: tuple[Shot, ...]) -> list[Path]:
    """Build the sites, photograph every shot in each theme and device; return the files."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        sites = build_sites(Path(tmp))
        browser = playwright.chromium.launch(
            executable_path=chromium(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            for shot in shots:
                for theme in THEMES:
                    for device in DEVICES:
                        path = out / file_name(shot, theme, device)
                        path.write_bytes(optimise(photograph(browser, sites, shot, theme, device)))
                        written.append(path)
        finally:
            browser.close()
    return written


# --- index ---------------------------------------------------------------------------------------


def index(out: Path) -> str:
    """Return docs/screenshots/README.md: a table of every picture and what it shows."""
    lines = [
        "# Screenshots",
        "",
        "Every page type of a lineage-report site, light and dark, on a desktop (1280x800) and",
        "on a phone (390x844): what a reader sees without scrolling. Made by",
        "`python -m benchmarks.screenshots` from the sample project and from a project made of",
        "the test fixtures (`tests/data`: dbt, Marquez, MLflow, Airflow), split by project.",
        "Do not edit the pictures by hand: run the command again.",
        "",
        "| page | shows | light | dark |",
        "|---|---|---|---|",
    ]
    for shot in SHOTS:
        cells = [
            " · ".join(
                f"[{device}]({file_name(shot, theme, device)})"
                for device in DEVICES
                if (out / file_name(shot, theme, device)).exists()
            )
            for theme in THEMES
        ]
        lines.append(f"| {shot.name} | {shot.shows} | {cells[0]} | {cells[1]} |")
    total = sum(p.stat().st_size for p in out.glob("*.png"))
    lines += ["", f"{len(list(out.glob('*.png')))} pictures, {total / 1e6:.1f} MB in all."]
    lines += ["", *previews(out)]
    return "\n".join(lines) + "\n"


def previews(out: Path) -> list[str]:
    """Return the index's gallery: each page's light desktop picture, under its name."""
    lines = ["## Desktop, light", ""]
    for shot in SHOTS:
        if not (out / file_name(shot, "light", "desktop")).exists():
            continue
        lines += [
            f"### {shot.name}",
            "",
            f"![{shot.shows}]({file_name(shot, 'light', 'desktop')})",
            "",
        ]
    return lines[:-1]


def main(argv: list[str] | None = None) -> None:
    """Command line: take the pictures into --out and rewrite its README.md."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.screenshots", description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", default="", help="comma-separated page names (default: all)")
    args = parser.parse_args(argv)
    wanted = {n for n in args.only.split(",") if n}
    unknown = wanted - {s.name for s in SHOTS}
    if unknown:
        parser.error(
            f"unknown page {', '.join(sorted(unknown))}; pages: " + ", ".join(s.name for s in SHOTS)
        )
    started = time.perf_counter()
    files = take(args.out, tuple(s for s in SHOTS if not wanted or s.name in wanted))
    (args.out / "README.md").write_text(index(args.out), encoding="utf-8")
    total = sum(p.stat().st_size for p in files)
    print(
        f"{len(files)} pictures, {total:,} bytes, in {time.perf_counter() - started:.0f} s "
        f"-> {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
