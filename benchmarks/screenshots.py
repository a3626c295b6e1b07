"""Screenshots of the sample project's site for the docs and the README, taken by headless Chromium.

    python -m benchmarks.screenshots [--out docs]

Builds `sample_project` into a temporary folder, opens it from file:// in the same browser as
the browser tests (the system's Chromium, 1280x800) and writes two PNGs:

- `screenshot-model.png`: the version page of `mnist-cnn:v6` (the `best` model), scrolled
  to its lineage graph, the preview of the run that logged it open;
- `screenshot-project-graph.png`: the project graph (graph.html), the sweep's cluster open,
  its member list filtered by the search box and one run pulled out with its own edges.

Run it again after changing the theme or the graph's drawing, and look at the pictures.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_project"
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
MODEL = "artifact:mnist-cnn:v6"
SWEEP_RUN = "run:s472we7t"  # dainty-forest-19, which logged the `best` model
SWEEP_SEARCH = "dainty"
REDRAWN = """() => new Promise((done) => {
  window.lineageView.network.once('afterDrawing', done);
  window.lineageView.network.redraw();
})"""


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


def open_graph(page, url: str) -> None:
    """Open a page and wait for its graph's first drawing."""
    page.goto(url)
    page.evaluate("window.lineageView.ready")


def shoot_model(page, site: Path, out: Path) -> None:
    """Photograph the model's version page at its lineage section, its producer's preview open."""
    open_graph(page, (site / naming.node_path(MODEL)).as_uri())
    # The section's heading a little below the top edge, the graph and its tables under it.
    page.evaluate(
        "() => window.scrollTo(0, document.querySelector('#lineage').getBoundingClientRect().top"
        " + window.scrollY - 16)"
    )
    page.evaluate("id => window.lineageView.select(id)", SWEEP_RUN)
    page.evaluate(REDRAWN)
    page.screenshot(path=str(out))


def shoot_project(page, site: Path, out: Path) -> None:
    """Photograph the project graph with the sweep's cluster open, searched, one run out."""
    open_graph(page, (site / naming.GRAPH).as_uri())
    sweep = page.evaluate(
        "() => window.lineageView.clusters().find(c => c.kind === 'run' && c.group === 'train')"
    )
    page.evaluate("id => window.lineageView.extract(id)", SWEEP_RUN)
    page.evaluate("id => window.lineageView.select(id)", sweep["id"])
    page.locator('[data-lg="cluster-search"]').press_sequentially(SWEEP_SEARCH)
    page.evaluate(REDRAWN)
    page.screenshot(path=str(out))


def take(out_dir: Path) -> list[Path]:
    """Build the sample site into a temporary folder and write both screenshots; return them."""
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    shots = [out_dir / "screenshot-model.png", out_dir / "screenshot-project-graph.png"]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        site = build(load_config(SAMPLE), Path(tmp) / "site").output
        browser = playwright.chromium.launch(
            executable_path=chromium(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            for shoot, path in zip((shoot_model, shoot_project), shots, strict=True):
                page = browser.new_context(viewport=VIEWPORT).new_page()
                shoot(page, site, path)
                page.context.close()
        finally:
            browser.close()
    return shots


def main(argv: list[str] | None = None) -> None:
    """Command line: write the screenshots into --out (default docs/)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.screenshots", description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNGs")
    args = parser.parse_args(argv)
    for path in take(args.out):
        print(f"{path} ({path.stat().st_size:,} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
