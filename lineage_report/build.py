"""Build: the one orchestrator, read top to bottom.

collect → graph (load.py, shared with `lineage_report.load()`) → views → render → write.
Everything is gathered (the whole graph, every page's path, what changed since the last
build) before the first file is written, since pages link across the graph. Large sites
render on every core (crew.py: workers forked after the graph and the plan are made, so
they share them). A project too large for one site is built as one site per part, with a
hub page listing them (`split_by`, split.py); a site over `site_limit_mb` (GitHub Pages'
1 GB) gets a warning that names that option.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import msgspec

from . import formats, graphview, naming, split
from .collect import ManifestCache
from .config import Config
from .crew import Crew, RenderState, processes, side_job, worth_forking
from .errors import ConfigError
from .formats import plural
from .graphview.members import FOLDER as MEMBERS
from .graphview.members import USES, decode_uses, encode_uses
from .inputfiles import megabytes_over
from .lineage import Lineage
from .load import Stopwatch, gc_paused, load_lineage
from .problems import Problem, Problems, count_errors
from .render import (
    Asset,
    Renderer,
    collect_assets,
    compile_templates,
    keeps_rows,
    templates_digest,
    theme_dirs,
)
from .search import SEARCHED, search_index
from .status import (
    ASPECTS,
    GRAPH_ATTRS,
    SHOWN_ATTRS,
    Plan,
    Status,
    build_key,
    encode_nodes,
    encode_status,
    load_status,
    plan,
)
from .version import __version__
from .views import Field, PageSpec, SiteViews
from .write import OutputFolder, Writer, json_array_pieces, json_object_pieces

log = logging.getLogger("lineage_report")

# Pages that show the whole project: always rendered again (there are few of them).
# A type's or job type's pages list their members, so they follow those members instead.
# The project graph page follows what it draws of each node (status.GRAPH_ATTRS).
SITE_WIDE = {"index", "artifacts", "runs", "problems", "404"}
# What the hub page of a split site ships of the theme's assets: its styles only.
HUB_ASSETS = ("style.css", "extra.css")


@dataclass
class BuildResult:
    """What a build did: counts, problems, the files it wrote, and each stage's time."""

    output: Path
    lineage: Lineage
    pages: int = 0
    rendered: int = 0
    written: list[str] = field(default_factory=list)
    bytes_written: int = 0
    incremental: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    parts: int = 0  # sites written side by side (`split_by`); 0 for one site
    site_problems: list[Problem] = field(default_factory=list)  # found in what was written

    @property
    def problems(self):
        """Return the problems found, sorted: the inputs', then the written site's."""
        return self.lineage.problems + self.site_problems

    def summary(self) -> str:
        """Return the one-line summary printed at the end of a build."""
        graph = self.lineage.graph
        kinds = [d for _, d in graph.nodes(data=True)]
        runs = sum(1 for d in kinds if d["kind"] == "run")
        versions = sum(1 for d in kinds if d["kind"] == "artifact" and not d["external"])
        names = len({d["name"] for d in kinds if d["kind"] == "artifact" and not d["external"]})
        external = sum(1 for d in kinds if d["kind"] == "artifact" and d["external"])
        errors = count_errors(self.problems)
        how = (
            f", {plural(len(self.written), 'file')} written (incremental)"
            if self.incremental
            else ""
        )
        counts = [
            (runs, "run"),
            (names, "artifact"),
            (versions, "version"),
            (external, "external input"),
            (errors, "error"),
            (len(self.problems) - errors, "warning"),
            (self.pages, "page"),
            *([(self.parts, "part")] if self.parts else []),
        ]
        told = ", ".join(plural(n, noun) for n, noun in counts)
        return f"{told}{how} in {self.timings.get('total', 0):.2f}s"

    def stage_times(self) -> str:
        """Return each stage's time, for the summary of long builds."""
        stages = ("collect", "graph", "views", "render", "write")
        return ", ".join(f"{s} {self.timings[s]:.2f}s" for s in stages if s in self.timings)


def build(
    config: Config,
    output: Path | None = None,
    *,
    progress: bool = False,
    jobs: int | None = None,
    force: bool = False,
) -> BuildResult:
    """Build the site of the project described by `config` into `output`.

    `force` builds into a folder that holds files the tool did not write (they are kept).
    """
    # 0. Before any work: may this build write there? (Never over the project or files
    # of anyone else's; locked against a second build.)
    given = output or config.output or config.root / "site"
    folder = OutputFolder(given, config.root, config.keep_files, force)
    try:
        if config.split_by != "none":
            return _build_split(config, folder, progress, jobs)
        return _build(config, folder, progress, jobs)
    finally:
        folder.release()  # a build that failed before writing


def _build(config: Config, folder: OutputFolder, progress: bool, jobs: int | None) -> BuildResult:
    """Build the site into an output folder that was checked and locked."""
    output = folder.path
    watch = Stopwatch()

    # The theme's templates compile on the other core meanwhile; the collector stays off
    # what is gathered here, which lives until the build ends.
    dirs = theme_dirs(config.theme_name, config.theme_custom_dir)
    with (
        side_job(compile_templates, dirs, start=processes(jobs) >= 2, optional=True) as compiled,
        gc_paused(freeze=True),
    ):
        # 1-2. Collect the manifests (reading only those changed since the last build's
        # status) and build the whole graph before anything is written.
        old = load_status(output)
        cache = manifest_cache(config, output, old)
        lineage = load_lineage(config, watch, cache)

        # 3. Views: every page's path, the theme, its assets, and what changed since last time.
        report_time = build_time(lineage)
        views = SiteViews(
            lineage,
            readme=read_readme(config),
            about=about(lineage, report_time),
            named_rows=keeps_rows(dirs),
        )
        pages = views.pages()
        assets = collect_assets(dirs)
        shipped = [a.path for a in assets] + [naming.SEARCH_INDEX]
        key = build_key(
            __version__,
            config_fingerprint(config),
            theme_fingerprint(dirs, shipped),
            repr((GRAPH_ATTRS, SHOWN_ATTRS, SEARCHED)),  # what the aspects hash
        )
        # Made before the render workers fork, which then share them: a forked process
        # copies each page of memory it touches, and making these touches every node.
        # A rebuild keeps the nodes' bytes for lineage.json; a full build (a long render)
        # frees them, and lineage.json encodes the nodes again, in one go.
        keep = old is not None and old.key == key
        # A full build of a large site makes the search index on the other core meanwhile.
        elsewhere = not keep and worth_forking(len(pages), jobs)
        with side_job(search_index, lineage.graph, start=elsewhere) as index:
            encoded, hashes = encode_nodes(lineage.graph, lineage.inputs, keep, views.graph_facts)
            changes = plan(old, key, hashes, lineage.graph)
            assets.append(search_asset(output, changes.unchanged("search"), index))
        assets.append(types_asset(views))
        always = SITE_WIDE if changes.unchanged("graph") else SITE_WIDE | {"graph"}
        todo = [p for p in pages if must_render(changes, p, p.kind in always, folder)]
        templates = compiled()
    watch.lap("views")

    # 4-5. Render the pages that need it and write them, the site-wide files meanwhile.
    try:
        writer = Writer(folder, incremental=changes.incremental)
    except BaseException:
        gc.unfreeze()
        raise
    try:
        for spec in pages:
            writer.claim(spec.path)
        renderer = Renderer(dirs, site_globals(config), templates)
        state = RenderState(views, renderer, asset_urls(assets), writer, base_url(config))
        with gc_paused():
            crew = Crew(state, todo, jobs, progress)
            # The files that need no page are written while the workers render: this
            # process then renders fewer pages, and the build's serial end is shorter.
            write_site_wide(writer, views, changes, site_files(assets, config, pages))
            write_lineage_json(writer, lineage, encoded, report_time)
            encoded = None  # free them (lineage.json's nodes) before the pages and the status
            records = crew.finish()
            watch.lap("render")
            kept = [p.path for p in pages if p.path not in records]
            last = changes.old.pages if changes.incremental else []
            write_member_files(writer, crew, sorted(p.path for p in pages), kept, last)
            writer.keep_the_rest()  # linked in on a thread while the status is made
            claimed = sorted(writer.claimed)
            stamp = cache.settle()  # the status's time: the cache trusts what settled before
            manifests = (cache.key, cache.entries())
            written = ([p.path for p in pages], records)
            status = encode_status(key, hashes, changes, written, claimed, manifests)
            writer.write_parts(naming.STATUS_NAME, status)
            os.utime(writer.root / naming.STATUS_NAME, ns=(stamp, stamp))
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    finally:
        gc.unfreeze()  # a long-lived process (serve) frees this build's cycles later
    watch.lap("write")
    result = BuildResult(
        writer.output,
        lineage,
        pages=len(pages),
        rendered=len(todo),
        incremental=changes.incremental,
    )
    result.written = sorted(writer.written)
    result.bytes_written = sum(writer.written.values())
    result.timings = dict(watch.timings)
    if not changes.incremental:  # a rebuild knows only the sizes of the pages it wrote
        result.site_problems = too_large(config, folder, [("", "the site", result.bytes_written)])
    return result


def _build_split(
    config: Config, folder: OutputFolder, progress: bool, jobs: int | None
) -> BuildResult:
    """Build one whole site per part of the project (split.py) and the hub page listing them.

    Always a full build. The output folder is staged and swapped in as one, as a single
    site is: the parts link each other's pages, so no reader may see parts of two builds.
    """
    watch = Stopwatch()
    with gc_paused(freeze=True):
        # 1-2. Collect the manifests (those unchanged since the last build reused) and build
        # the whole graph, as for one site.
        cache = manifest_cache(config, folder.path, load_status(folder.path))
        lineage = load_lineage(config, watch, cache)
        # 3. Views: which part each node is in, and what every part shares.
        parts = split.partition(lineage.graph)
        report_time = build_time(lineage)
        dirs = theme_dirs(config.theme_name, config.theme_custom_dir)
        texts = read_readme(config), about(lineage, report_time)
        # Compiled once: each part renders with its own globals (its own environment).
        theme = dirs, collect_assets(dirs), compile_templates(dirs)
        shared = SharedParts(*texts, *theme, report_time)
    watch.lap("views")

    # 4-5. Each part rendered and written into its own folder; then the hub beside them.
    try:
        writer = Writer(folder)
    except BaseException:
        gc.unfreeze()
        raise
    try:
        with gc_paused():
            built = [build_part(lineage, part, shared, writer, jobs, progress) for part in parts]
            watch.lap("render")
            write_hub(writer, lineage, shared, built)
            stamp = cache.settle()
            writer.write_parts(naming.STATUS_NAME, split_status(config, writer, cache))
            os.utime(writer.root / naming.STATUS_NAME, ns=(stamp, stamp))
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    finally:
        gc.unfreeze()
    watch.lap("write")
    result = BuildResult(writer.output, lineage, pages=sum(b.pages for b in built) + 1)
    result.rendered, result.parts = result.pages, len(parts)
    result.written = sorted(writer.written)
    result.bytes_written = sum(writer.written.values())
    result.timings = dict(watch.timings)
    sizes = [(b.part.folder, f"part '{b.part.label}'", b.size) for b in built]
    result.site_problems = too_large(config, folder, sizes)
    return result


@dataclass
class SharedParts:
    """What every part of a split site is made with: the same texts, theme and assets."""

    readme: str
    about: list[Field]
    dirs: list[Path]
    assets: list[Asset]
    templates: dict[str, bytes]  # render.compile_templates
    report_time: str


def build_part(
    lineage: Lineage,
    part: split.Part,
    shared: SharedParts,
    writer: Writer,
    jobs: int | None,
    progress: bool,
) -> split.BuiltPart:
    """Render and write one part's whole site into its folder."""
    config = split.part_config(lineage.config, part)
    mine = split.part_lineage(lineage, part, config)
    views = SiteViews(
        mine,
        readme=shared.readme,
        about=shared.about,
        parts=part.parts,
        named_rows=keeps_rows(shared.dirs),
    )
    pages = views.pages()
    index = search_index(split.own_graph(lineage.graph, part))
    search = Asset(naming.SEARCH_INDEX_ASSET, naming.SEARCH_INDEX, index)
    assets = [*shared.assets, search, types_asset(views)]
    out = writer.part(part.folder)
    for spec in pages:
        out.claim(spec.path)
    renderer = Renderer(shared.dirs, site_globals(config), shared.templates)
    state = RenderState(views, renderer, asset_urls(assets), out, base_url(config))
    crew = Crew(state, pages, jobs, progress)
    crew.finish()
    write_member_files(out, crew, None, [], [])
    for name, content in views.preview_files():
        out.write(name, content)
    data = split.data_lineage(lineage, part, mine.problems)
    for name, content in site_files(assets, config, pages).items():
        out.write(name, content)
    write_lineage_json(out, data, None, shared.report_time)
    for path, job_type in views.run_tables():
        out.write(path, views.run_table(job_type))
    split.merge(writer, out, part.folder)
    return split.BuiltPart(part, len(pages), sum(out.written.values()))


def write_hub(
    writer: Writer, lineage: Lineage, shared: SharedParts, built: list[split.BuiltPart]
) -> None:
    """Write the hub page of a split site, its styles and .nojekyll, beside the parts."""
    styles = [a for a in shared.assets if a.name in HUB_ASSETS]
    for asset in styles:
        writer.write(asset.path, asset.content)
    config = lineage.config
    page = split.hub_page(lineage, built, sum(writer.written.values()))
    base = base_url(config)
    html = Renderer(shared.dirs, site_globals(config), shared.templates).render(
        "hub.html",
        page=page,
        nav=[],
        root="",
        assets=asset_urls(styles),
        canonical=base + naming.INDEX if base else "",
        base_href="",
    )
    writer.write(naming.INDEX, html)
    writer.write(naming.NOJEKYLL, b"")  # GitHub Pages: serve files as they are, no Jekyll


def split_status(config: Config, writer: Writer, cache: ManifestCache) -> Iterator[bytes]:
    """Return the status of a split site: the files it wrote (so the next build may replace
    them) and the manifests it read; no pages' records, since a split build is always full."""
    key = build_key(__version__, config_fingerprint(config))
    empty = Plan(incremental=False, aspects={name: {} for name in ASPECTS})
    files = sorted(writer.claimed)
    return encode_status(key, {}, empty, ([], {}), files, (cache.key, cache.entries()))


def too_large(config: Config, folder: OutputFolder, sizes: list[tuple[str, str, int]]) -> list:
    """Warn of each site (or part: its folder, its name, its bytes) over `site_limit_mb`,
    naming what to do: GitHub Pages refuses to publish a site over 1 GB."""
    limit = config.site_limit_mb
    found = Problems()
    for where, what, size in sizes:
        if size <= limit * 1e6:
            continue
        advice = (
            "a part holds one project, so publish it where larger sites are allowed"
            if where
            else "`build --split-by project` writes one site per project, each smaller"
        )
        found.warning(
            str(folder.given),
            where,
            f"{what} is {megabytes_over(size, limit)} MB, over the {limit:g} MB limit "
            f"(site_limit_mb; GitHub Pages refuses a published site over 1 GB): {advice}",
            "site.too-large",
        )
    return found.sorted()


def must_render(changes: Plan, spec: PageSpec, always: bool, folder: OutputFolder) -> bool:
    """Tell whether a page must be rendered: it changed, or the last site lacks it."""
    return changes.needs(spec.path, always, own_node(spec)) or not folder.has(spec.path)


def own_node(spec: PageSpec) -> str | None:
    """Return the node whose own page this is, if it is one (it shows all of the node)."""
    return spec.key if spec.kind == "node" else None


def manifest_cache(config: Config, output: Path, old: Status | None) -> ManifestCache:
    """Return the manifests the last build read, if it read them the way this one would."""
    key = build_key(__version__, config_fingerprint(config))
    if old is None or old.manifests_key != key or os.name != "posix":  # ctime: change time
        return ManifestCache(key)
    try:
        stamp = (output / naming.STATUS_NAME).stat().st_mtime_ns
    except OSError:
        return ManifestCache(key)
    return ManifestCache(key, old.manifests, stamp)


def write_if_changed(writer: Writer, name: str, data: bytes) -> None:
    """Write a site-wide file, skipping it in an incremental build when it is the same."""
    if writer.unchanged(name, data):
        writer.claim(name)
    else:
        writer.write(name, data)


def write_site_wide(
    writer: Writer, views: SiteViews, changes: Plan, files: dict[str, bytes]
) -> None:
    """Write the site-wide files that no page's rendering changes: the preview files,
    `files` (assets, sitemap, 404 helpers) and each job type's runs table."""
    changed = changes.changed if changes.incremental else None
    for name, data in views.preview_files(changed, writer.has):
        if data is None:
            writer.claim(name)  # no node of the shard changed: the last file holds
        else:
            write_if_changed(writer, name, data)
    for name, data in files.items():
        write_if_changed(writer, name, data)
    write_run_tables(writer, views, changes)


def write_lineage_json(
    writer: Writer, lineage: Lineage, encoded: dict[str, bytes] | None, report_time: str
) -> None:
    """Write lineage.json: a rebuild keeps the last one when it is the same; a full build
    writes it a piece at a time, never whole in memory."""
    if writer.incremental:
        write_if_changed(writer, naming.LINEAGE_JSON, lineage_json(lineage, encoded, report_time))
    else:
        writer.write_parts(naming.LINEAGE_JSON, lineage_json_parts(lineage, encoded, report_time))


def write_run_tables(writer: Writer, views: SiteViews, changes: Plan) -> None:
    """Write each job type's runs-table data file (runtable.py); a rebuild keeps the last
    build's file when no run of the job type changed and none came or went."""
    for path, job_type in views.run_tables():
        members = views.group_members("run", job_type)
        key = naming.group_key("run", job_type)
        same = key not in changes.changed and changes.changed.isdisjoint(members)
        if changes.incremental and same and writer.has(path):
            writer.claim(path)  # linked in from the last site at commit
        else:
            write_if_changed(writer, path, views.run_table(job_type))


def write_member_files(
    writer: Writer, crew: Crew, pages: list[str] | None, kept: list[str], last: list[str]
) -> None:
    """Write the member files the rendered pages name (graphview/members.py); a rebuild
    also keeps those the pages it kept name, and records which page names which.

    `pages`: every page, sorted (None for a split site's part: always built whole, it needs
    no record); `kept`: the pages a rebuild did not render again; `last`: the last build's
    pages, as its status lists them.
    """
    uses = dict(crew.member_uses)
    if kept:
        before = last_member_uses(writer, last)
        if before is None:  # unreadable: keep every member file the last site had
            every = sorted(p for p in writer.folder.owned if p.startswith(MEMBERS))
            before = dict.fromkeys(kept, tuple(every))
        uses.update((page, before[page]) for page in kept if page in before)
    needed = sorted({name for names in uses.values() for name in names} - {USES})
    for name in needed:
        data = crew.member_files.get(name)
        if data is not None:
            write_if_changed(writer, name, data)
        elif writer.has(name):
            writer.claim(name)  # a kept page's file, named by its content: linked in at commit
    if needed and pages is not None:
        write_if_changed(writer, USES, encode_uses(uses, pages))


def last_member_uses(writer: Writer, last: list[str]) -> dict[str, tuple[str, ...]] | None:
    """Return which member files the last site's pages named ({} if none; None if unreadable)."""
    if not writer.has(USES):
        return {}
    try:
        return decode_uses((writer.output / USES).read_bytes(), last)
    except OSError:
        return None


def search_asset(output: Path, unchanged: bool, make: Callable[[], bytes]) -> Asset:
    """Return the search index: the last build's file when no node's entry changed since."""
    content = None
    if unchanged:
        with suppress(OSError):  # gone: make it again
            content = (output / naming.SEARCH_INDEX).read_bytes()
    if content is None:
        content = make()
    return Asset(naming.SEARCH_INDEX_ASSET, naming.SEARCH_INDEX, content)


def types_asset(views: SiteViews) -> Asset:
    """Return the site's type table, where graph pages find their type overview's types."""
    content = graphview.type_table(views.graph_facts).script()
    return Asset(graphview.TYPES_FILE, naming.asset_path(graphview.TYPES_FILE, content), content)


def site_files(assets: list[Asset], config: Config, pages: list[PageSpec]) -> dict[str, bytes]:
    """Return the files beside the pages but lineage.json (`write_lineage_json`): assets,
    .nojekyll, sitemap."""
    files = {a.path: a.content for a in assets}
    files[naming.NOJEKYLL] = b""  # GitHub Pages: serve files as they are, no Jekyll
    if config.base_url:
        files[naming.SITEMAP] = sitemap(config.base_url, pages)
    return files


def sitemap(base_url: str, pages: list[PageSpec]) -> bytes:
    """Return sitemap.xml: every page's absolute URL (sitemaps need absolute URLs)."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    urls = sorted(base + p.path for p in pages if p.kind != "404")
    body = "".join(f"  <url><loc>{escape(u)}</loc></url>\n" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{body}</urlset>\n"
    ).encode()


def asset_urls(assets: list[Asset]) -> dict[str, str]:
    """Return each asset's path in the site, by name, for the pages to link."""
    return {a.name: a.path for a in assets}


def base_url(config: Config) -> str:
    """Return the site's public URL with one trailing slash, or "" when it has none."""
    base = config.base_url or ""
    return base if not base or base.endswith("/") else base + "/"


def config_fingerprint(config: Config) -> str:
    """Describe the settings that shape pages, with paths relative to the project folder."""
    settings = {}
    for name, value in sorted(vars(config).items()):
        if isinstance(value, Path):
            value = os.path.relpath(value, config.root)
        settings[name] = value
    del settings["root"]
    del settings["remote_files"]  # a bucket's settings as read: their values are listed here
    return repr(settings)


def theme_fingerprint(dirs: list[Path], asset_paths: list[str]) -> str:
    """Hash the theme's templates and asset paths: a theme change rebuilds every page."""
    sha = hashlib.sha256(templates_digest(dirs).encode())
    for path in asset_paths:
        sha.update(path.encode())
    return sha.hexdigest()


def site_globals(config: Config) -> dict:
    """Return what every template may use: the project's title, the tool's version."""
    return {"site_title": config.title, "generator": f"lineage-report {__version__}"}


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_MAX = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second a datetime holds
EPOCH_SHOWN = 40  # characters of a bad SOURCE_DATE_EPOCH quoted in its error


def build_time(lineage: Lineage) -> str:
    """Return the report's time: SOURCE_DATE_EPOCH, else the newest time in the inputs."""
    epoch = source_date_epoch()
    if epoch is not None:
        moment = EPOCH + timedelta(seconds=epoch)  # arithmetic: no platform's time_t limits
        return moment.isoformat().replace("+00:00", "Z")
    times = [
        t
        for _, d in lineage.graph.nodes(data=True)
        for t in (d.get("finished_at"), d.get("created_at"))
        if t
    ]
    return max(times, default="")


def source_date_epoch() -> int | None:
    """Return SOURCE_DATE_EPOCH in seconds; None when it is unset or empty.

    The reproducible-builds spec asks for a decimal integer, as `date +%s` prints it, and
    for a malformed one to stop the build: a report quietly stamped with another time would
    defeat the variable. So one that is not whole seconds from 1970 to 9999 is an error.
    """
    text = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not text:
        return None
    digits = text.lstrip("0") or "0"
    # The length first: int() refuses 5,000 digits, and no valid time has more than 12.
    valid = text.isascii() and text.isdigit() and len(digits) <= len(str(EPOCH_MAX))
    if valid and int(digits) <= EPOCH_MAX:
        return int(digits)
    if len(text) > EPOCH_SHOWN:
        text = f"{text[:EPOCH_SHOWN]}… ({len(text):,} characters)"
    raise ConfigError(
        f"SOURCE_DATE_EPOCH '{text}': expected whole seconds since 1970-01-01 UTC, "
        f"from 0 to {EPOCH_MAX}, as `date +%s` prints them; or unset it"
    )


def about(lineage: Lineage, report_time: str | None = None) -> list[Field]:
    """Return what the index page says about the report itself (for audits)."""
    report_time = build_time(lineage) if report_time is None else report_time
    return [
        Field("Generated by", f"lineage-report {__version__}"),
        Field("Report time", formats.time(report_time) or "unknown"),
        Field("Inputs", plural(len(lineage.inputs), "file")),
        Field("Inputs digest", lineage.inputs_digest(), code=True),
    ]


def read_readme(config: Config) -> str:
    """Return the project's README text, or "" when there is none."""
    if config.remote_readme is not None:  # a project in a bucket: read with its settings
        text = config.remote_files[config.remote_readme].decode("utf-8", errors="replace")
        return text.replace("\r\n", "\n").replace("\r", "\n")  # as read_text does
    if config.readme and config.readme.is_file():
        return config.readme.read_text(encoding="utf-8", errors="replace")
    return ""


def lineage_json(
    lineage: Lineage, encoded: dict[str, bytes] | None = None, report_time: str | None = None
) -> bytes:
    """Return lineage.json whole (`lineage_json_parts`)."""
    return b"".join(lineage_json_parts(lineage, encoded, report_time))


def lineage_json_parts(
    lineage: Lineage, encoded: dict[str, bytes] | None = None, report_time: str | None = None
) -> Iterator[bytes]:
    """Yield the whole graph as networkx node-link JSON, sorted, for machines, in pieces.

    A big graph's JSON is never whole in memory (at 500k nodes it was a fifth of the
    build's peak): nodes and edges are encoded JSON_CHUNK at a time, as one encode of the
    whole would write them. The nodes come already encoded (status.encode_nodes, as their
    hashes used them) when the build kept them; else they are encoded here.
    """
    graph = lineage.graph
    encode = msgspec.json.Encoder(order="sorted", enc_hook=str).encode
    fields = {
        "directed": graph.is_directed(),
        "multigraph": graph.is_multigraph(),
        "graph": graph.graph,
        "nodes": _node_pieces(graph, encoded, encode),
        "edges": _edge_pieces(graph, encode),
        "problems": [p.to_json() for p in lineage.problems],
        "generator": f"lineage-report {__version__}",
        "report_time": build_time(lineage) if report_time is None else report_time,
        "inputs": [{"path": p, "sha256": d} for p, d in sorted(lineage.inputs.items())],
        "inputs_digest": lineage.inputs_digest(),
    }
    return json_object_pieces(sorted(fields.items()), encode)


JSON_CHUNK = 2_000  # nodes or edges encoded at a time


def _node_pieces(graph, encoded: dict[str, bytes] | None, encode) -> Iterator[bytes]:
    """Yield the nodes' JSON array, sorted by id, a chunk at a time (the kept bytes of each
    node when the build has them)."""

    def chunk(nodes: list[str]) -> bytes:
        if encoded is not None:
            return b",".join(map(encoded.__getitem__, nodes))
        return b",".join(encode({**graph.nodes[n], "id": n}) for n in nodes)

    return json_array_pieces(sorted(graph.nodes if encoded is None else encoded), chunk, JSON_CHUNK)


def _edge_pieces(graph, encode) -> Iterator[bytes]:
    """Yield the edges' JSON array, sorted by source and target, a chunk at a time."""
    edges = graph.edges

    def chunk(pairs: list[tuple[str, str]]) -> bytes:
        return encode([{**edges[u, v], "source": u, "target": v} for u, v in pairs])[1:-1]

    return json_array_pieces(sorted(edges), chunk, JSON_CHUNK)
