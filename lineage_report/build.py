"""Build: the one orchestrator, read top to bottom.

collect → graph → views → render → write. Everything is gathered (the whole graph,
every page's path) before the first file is written, since pages link across the graph.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import __version__, naming
from .collect import collect
from .config import Config
from .errors import BuildError
from .graph import build_graph
from .lineage import Lineage
from .problems import Problems
from .render import Renderer, collect_assets, theme_dirs
from .views import Field, SiteViews, fmt_time
from .write import Writer

log = logging.getLogger("lineage_report")


@dataclass
class BuildResult:
    """What a build did: counts, problems and the time each stage took."""

    output: Path
    lineage: Lineage
    pages: int = 0
    bytes_written: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def problems(self):
        """Return the problems found, sorted."""
        return self.lineage.problems

    def summary(self) -> str:
        """Return the one-line summary printed at the end of a build."""
        graph = self.lineage.graph
        runs = sum(1 for _, d in graph.nodes(data=True) if d["kind"] == "run")
        versions = sum(
            1 for _, d in graph.nodes(data=True) if d["kind"] == "artifact" and not d["external"]
        )
        names = len({d["name"] for _, d in graph.nodes(data=True) if d["kind"] == "artifact"})
        errors = sum(1 for p in self.problems if p.severity == "error")
        return (
            f"{runs} runs, {names} artifacts, {versions} versions, "
            f"{errors} errors, {len(self.problems) - errors} warnings, "
            f"{self.pages} pages in {self.timings.get('total', 0):.2f}s"
        )


class Stopwatch:
    """Times the stages of a build."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.timings: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        """Record the time since the previous lap under `stage`."""
        now = time.perf_counter()
        self.timings[stage] = now - self.last
        self.last = now
        self.timings["total"] = now - self.start


def load_lineage(config: Config, watch: Stopwatch | None = None) -> Lineage:
    """Collect the project's inputs and build its lineage graph."""
    problems = Problems()
    collected = collect(config, problems)
    if watch:
        watch.lap("collect")
    graph = build_graph(collected.records, config, problems)
    if watch:
        watch.lap("graph")
    return Lineage(graph, problems.sorted(), config, collected.inputs)


def build(config: Config, output: Path | None = None) -> BuildResult:
    """Build the site of the project described by `config` into `output`."""
    output = output or config.output or config.root / "site"
    watch = Stopwatch()

    # 1-2. Collect the manifests and build the whole graph before anything is written.
    lineage = load_lineage(config, watch)

    # 3. Views: every page's path and model source; the theme and its assets.
    views = SiteViews(lineage, readme=read_readme(config), about=about(lineage))
    pages = views.pages()
    dirs = theme_dirs(config.theme_name, config.theme_custom_dir)
    assets = collect_assets(dirs)
    watch.lap("views")

    # 4-5. Render each page and write it; then assets and the machine-readable graph.
    writer = Writer(output)
    result = BuildResult(writer.output, lineage)
    try:
        renderer = Renderer(dirs, site_globals(config))
        asset_urls = {a.name: a.path for a in assets}
        for spec in pages:
            result.bytes_written += writer.write(
                spec.path, render_page(renderer, views, spec, asset_urls)
            )
        for asset in assets:
            writer.write(asset.path, asset.content)
        writer.write(naming.LINEAGE_JSON, lineage_json(lineage))
        writer.write(".nojekyll", b"")
        writer.commit(config.keep_files)
    except BaseException:
        writer.abort()
        raise
    result.pages = len(pages)
    watch.lap("write")
    result.timings = dict(watch.timings)
    return result


def render_page(renderer: Renderer, views: SiteViews, spec, asset_urls: dict[str, str]) -> str:
    """Render one page; a failure names the page and the manifest it came from."""
    urls = naming.PageUrls(spec.path)
    try:
        model = views.model(spec)
        return renderer.render(
            spec.template,
            page=model,
            nav=nav(urls),
            assets={k: urls.to(v) for k, v in asset_urls.items()},
            root=urls.root,
        )
    except BuildError:
        raise
    except Exception as exc:
        source = views.nodes[spec.key]["source"] if spec.key in views.nodes else ""
        origin = f" (from {source})" if source else ""
        raise BuildError(
            f"error rendering {spec.path} for {spec.kind} '{spec.key}'{origin}: {exc}"
        ) from exc


def nav(urls: naming.PageUrls) -> list[tuple[str, str]]:
    """Return the site's navigation links, relative to one page."""
    return [
        ("Overview", urls.to(naming.INDEX)),
        ("Artifacts", urls.to(naming.ARTIFACTS)),
        ("Runs", urls.to(naming.RUNS)),
        ("Graph", urls.to(naming.GRAPH)),
        ("Problems", urls.to(naming.PROBLEMS)),
    ]


def site_globals(config: Config) -> dict:
    """Return what every template may use: the project's title, the tool's version."""
    return {"site_title": config.title, "generator": f"lineage-report {__version__}"}


def build_time(lineage: Lineage) -> str:
    """Return the report's time: SOURCE_DATE_EPOCH, else the newest time in the inputs."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        moment = datetime.fromtimestamp(int(epoch), tz=UTC)
        return moment.isoformat().replace("+00:00", "Z")
    times = [t for _, d in lineage.graph.nodes(data=True)
             for t in (d.get("finished_at"), d.get("created_at")) if t]
    return max(times, default="")


def about(lineage: Lineage) -> list[Field]:
    """Return what the index page says about the report itself (for audits)."""
    return [
        Field("Generated by", f"lineage-report {__version__}"),
        Field("Report time", fmt_time(build_time(lineage)) or "unknown"),
        Field("Inputs", f"{len(lineage.inputs):,} files"),
        Field("Inputs digest", lineage.inputs_digest(), code=True),
    ]


def read_readme(config: Config) -> str:
    """Return the project's README text, or "" when there is none."""
    if config.readme and config.readme.is_file():
        return config.readme.read_text(encoding="utf-8", errors="replace")
    return ""


def lineage_json(lineage: Lineage) -> bytes:
    """Serialise the whole graph as networkx node-link JSON, sorted, for machines."""
    import networkx as nx

    data = nx.node_link_data(lineage.graph, edges="edges")
    data["nodes"].sort(key=lambda n: n["id"])
    data["edges"].sort(key=lambda e: (e["source"], e["target"]))
    data["problems"] = [p.to_json() for p in lineage.problems]
    data["generator"] = f"lineage-report {__version__}"
    data["report_time"] = build_time(lineage)
    data["inputs"] = [{"path": p, "sha256": d} for p, d in sorted(lineage.inputs.items())]
    data["inputs_digest"] = lineage.inputs_digest()
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
