"""Views: plain view models for every page, built from the lineage graph.

Templates receive these dataclasses and only loop, test and print. Links are already
relative to the page they appear on. Long lists are cut at a fixed size with a count
(the full data is in lineage.json), so no page grows with the project. A node's own
lists that are cut (a run's 10,000 outputs) go on in pages of their own, so the site
reaches every node; on other nodes' pages such a node (a hub, graphview.FAN_LIMIT) shows
a few of those neighbours and a count, and the page's cost does not grow with the hub.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

from . import formats, graphview, naming, refs, runtable
from .graphview import previews
from .lineage import Lineage
from .manifest import FAILING
from .markdown import render_markdown
from .naming import PageUrls, group_key, group_path, list_path, name_key, part_path
from .problems import count_errors

LIST_LIMIT = 200  # rows of consumers, versions, runs... shown on one page (lineage: lineage_limit)
RECENT_RUNS = 20  # the front page's newest runs
FILE_LIMIT = 500  # files listed on a version page
PAGE_SIZE = 500  # rows per page of a paged list (a job type's runs, say)
HUB_ROWS = graphview.FAN_MEMBERS  # a hub's neighbours listed in other nodes' lineage tables
# A node's own lists that go on in pages of their own: the way their nodes lie, and the
# words before the node's name in their title.
LISTS = {
    "used": ("up", "Artifacts used by"),
    "logged": ("down", "Artifacts logged by"),
    "consumers": ("down", "Runs that used"),
}
VALUE_CHARS = 2_000  # characters of one metadata/config value shown
OUTLINE_DEPTH = 32  # levels of a long value's outline; deeper ones are counted
# Metadata a version page shows in a place of its own, not in the metadata table.
SHOWN_METADATA = ("also_named",)
# A JobEvent's job definition (OpenLineage static lineage) was never seen running.
DESIGN_STATE = "design: a job definition, no run was observed"


@dataclass(frozen=True)
class Link:
    """Text and a relative href."""

    text: str
    href: str


@dataclass
class Field:
    """A labelled value on an overview; `link` wins over `text` when both are set."""

    label: str
    text: str = ""
    link: Link | None = None
    code: bool = False


@dataclass
class KeyValue:
    """One entry of a config, summary or metadata table."""

    key: str
    value: str


@dataclass
class Elsewhere:
    """Neighbours of a hub that a table leaves to the hub's own page: how many, and where."""

    count: int
    what: str  # how they relate to the hub: "outputs of", "runs that used"
    link: Link  # the hub's page


@dataclass
class Cut:
    """The rows of a list that fit on the page, and how many there were (None: not counted).

    It reads as its rows too (`for`, `length`, `if`), as the lists it replaced in themes did:
    a theme's template written for a plain list of rows keeps working."""

    rows: list
    total: int | None
    full: str = ""  # relative link to lineage.json, which holds every row
    pages: str = ""  # relative link to the first of the pages that list every row, if any
    elsewhere: list[Elsewhere] = field(default_factory=list)  # hubs' rows left to their pages

    @property
    def hidden(self) -> int | None:
        """Count the rows left out (None when more were left out than were counted)."""
        return None if self.total is None else self.total - len(self.rows)

    @property
    def truncated(self) -> bool:
        """Tell whether some rows were left out."""
        return self.total is None or self.total > len(self.rows)

    def __iter__(self):
        """Go through the rows shown."""
        return iter(self.rows)

    def __len__(self) -> int:
        """Count the rows shown."""
        return len(self.rows)


@dataclass
class NodeRow:
    """A run or artifact version in a table, with the facts that help pick it out."""

    link: Link
    kind: str
    group: str
    detail: str
    distance: int = 0
    external: bool = False
    failed_checks: int = 0  # a version's failing data-quality checks: a badge in the row

    @property
    def style(self) -> str:
        """Return the row's classes: "run" for a run's, none for an artifact's (the style
        sheet's default: these rows are most of a site's, issue 15), and "external"."""
        run = ["run"] if self.kind == "run" else []
        return " ".join(run + (["external"] if self.external else []))

    @property
    def lineage_type(self) -> str:
        """Return its type as a lineage list, which walks runs and artifacts by turns, says
        it: `train run` for a run of job type train, `dataset` for a version."""
        return f"{self.group} run".lstrip() if self.kind == "run" else self.group


@dataclass
class CheckRow:
    """A row of a version's checks table: one data-quality result, and the run that gave it."""

    name: str
    status: str
    failing: bool
    column: str
    kind: str
    value: str
    message: str
    source: str
    run: Link | None


@dataclass
class ColumnRow:
    """A row of a version's schema table."""

    name: str
    type: str
    description: str


@dataclass
class ColumnInputRow:
    """A row of a version's column-lineage table: one input column of one output column."""

    column: str
    dataset: Link | None  # the input dataset's page, when it is in the project
    dataset_name: str
    field: str
    transformation: str
    subtype: str
    description: str
    masking: bool = False  # the transformation masks the data (columnLineage 1-2)


@dataclass
class ColumnTrace:
    """One output column and the columns upstream of it, hop by hop (the column view)."""

    column: str
    rows: list[ColumnTraceRow]
    truncated: bool = False
    graph_href: str = ""  # this page's graph with the column view on the column (columns.js)


@dataclass
class ColumnTraceRow:
    """An upstream column of a traced column: how many hops up, where, and how it was used."""

    depth: int
    dataset: Link | None  # the version read (or the artifact's page when no run here read it)
    dataset_name: str
    field: str
    transformation: str


@dataclass
class VersionRow:
    """A row of an artifact's versions table."""

    link: Link
    aliases: list[str]
    digest: str
    created: str
    size: str
    producer: Link | None


@dataclass
class ProblemRow:
    """A row of the problems page."""

    severity: str
    path: str
    location: str
    message: str
    kind: str


@dataclass
class Pager:
    """Links between the parts of a paged list."""

    number: int
    count: int
    previous: Link | None
    next: Link | None


@dataclass
class IndexPage:
    """The site's front page."""

    title: str
    readme: Markup
    totals: list[Field]
    artifact_types: list[tuple[Link, str, str]]  # a type, its artifacts and versions
    job_types: list[tuple[Link, str]]  # a job type and its runs, counted
    latest: Cut  # the versions called latest
    recent_runs: Cut  # the newest runs, and the runs page while it lists every one
    problem_counts: str  # "0 errors, 1 warning"
    problems_link: Link
    about: list[Field]


@dataclass
class ArtifactsPage:
    """Every artifact, grouped by type."""

    title: str
    groups: list[tuple[Link, Cut]]


@dataclass
class ArtifactPage:
    """One artifact name and its versions."""

    title: str
    name: str
    type_link: Link
    versions: Cut
    external_refs: list[NodeRow]


@dataclass
class NamedLink:
    """A name, linked to its page when it is a node of the site."""

    name: str
    link: Link | None


@dataclass
class FacetRow:
    """One facet a reading run reported about its input (OpenLineage `inputFacets`), whole."""

    link: Link  # the run that read it (on a version's page), the input read (on a run's)
    facet: str
    value: str


@dataclass
class RunSection:
    """The run of a dbt model, on its version's page: what its own page would say of it
    besides its lineage, which is the version's (one page per model), and its config, which
    the page has already (VersionPage.producer_config)."""

    overview: list[Field]
    notes: Markup
    summary: list[KeyValue]
    extra: list[KeyValue]


@dataclass
class VersionPage:
    """One artifact version, with W&B's tabs: overview, metadata, files, usage, lineage."""

    title: str
    node_id: str
    hook: str
    external: bool
    overview: list[Field]
    description: Markup
    metadata: list[KeyValue]
    files: Cut
    references: Cut  # of dicts, as `files`
    producer: Link | None
    producer_config: list[KeyValue]
    relogged_by: list[Link]
    consumers: Cut
    upstream: Cut
    downstream: Cut
    extra: list[KeyValue]
    graph: Any = None
    columns: list[ColumnRow] = field(default_factory=list)
    column_lineage: list[ColumnInputRow] = field(default_factory=list)
    checks: list[CheckRow] = field(default_factory=list)
    failed_checks: int = 0
    column_traces: list[ColumnTrace] = field(default_factory=list)
    also_named: list[NamedLink] = field(default_factory=list)  # its other identities
    read_as: list[FacetRow] = field(default_factory=list)  # input facets of its readers
    lineage_at: Link | None = None  # themes from before one page per dbt model may ask
    references_named: bool = False  # a reference has a path in its artifact (W&B's): a column
    lineage_by: str = ""  # partials/lineage.html asks too: only a run's children give it
    run: RunSection | None = None  # a dbt model's run: this page is its page too

    @property
    def masking(self) -> bool:
        """Tell whether the column-lineage table needs its Masking column."""
        return any(row.masking for row in self.column_lineage)


@dataclass
class RunPage:
    """One run: what it is, what it used, what it logged."""

    title: str
    node_id: str
    hook: str
    overview: list[Field]
    notes: Markup
    config: list[KeyValue]
    summary: list[KeyValue]
    used: Cut
    logged: Cut
    relogged: list[NodeRow]
    upstream: Cut
    downstream: Cut
    extra: list[KeyValue]
    graph: Any = None
    children: Cut | None = None  # the runs whose parent run facet names this one
    input_facets: list[FacetRow] = field(default_factory=list)  # what it said of its inputs
    # Themes from before one page per dbt model may ask; a run with a page has its own.
    lineage_at: Link | None = None
    lineage_as: str = ""
    lineage_by: str = ""  # "2 child runs": a run with no lineage of its own lists theirs


@dataclass
class RunsPage:
    """Every job type with its runs, and the most recent runs."""

    title: str
    job_types: list[tuple[Link, str]]  # a job type and its runs, counted
    recent: Cut


@dataclass
class GroupPage:
    """The members of one artifact type or job type, in pages of PAGE_SIZE."""

    title: str
    kind: str
    rows: list[NodeRow]
    total: int
    pager: Pager
    runs_data: str = ""  # a job type's first page: its runs table's data file (runtable.py)


@dataclass
class ListPage:
    """One part of a node's long list (what a run used or logged, the runs that used a
    version), in pages of PAGE_SIZE."""

    title: str
    kind: str
    what: str  # "Artifacts used by", ...
    node: Link
    rows: list[NodeRow]
    total: int
    pager: Pager


@dataclass
class ProblemsPage:
    """Every warning and error, with its file."""

    title: str
    rows: Cut
    problem_counts: str


@dataclass
class GraphPage:
    """The project-wide lineage graph."""

    title: str
    graph: Any = None  # None: no run or artifact to draw


@dataclass
class NotFoundPage:
    """The 404 page."""

    title: str


@dataclass(frozen=True)
class PageSpec:
    """One page to write: its path, its template, and what to build its model from."""

    path: str
    template: str
    kind: str
    key: str = ""
    part: int = 1


# ---------------------------------------------------------------- formatting helpers


def fmt_value(value: Any) -> str:
    """Show a JSON value compactly, cut at VALUE_CHARS characters.

    A long object or array is shown as an outline that is still JSON (its first keys and
    items, then how many more), never cut inside a key or a number: a Spark run's
    `spark.logicalPlan` facet is megabytes, and half a token tells nothing.
    """
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    )
    if len(text) <= VALUE_CHARS:
        return text
    total = f"({formats.plural(len(text), 'character')} in all)"
    if isinstance(value, dict | list):
        outline = _outline(value, VALUE_CHARS, OUTLINE_DEPTH)
        return json.dumps(outline, ensure_ascii=False, default=str) + " " + total
    return text[:VALUE_CHARS] + "… " + total


def _outline(value: Any, room: int, depth: int) -> Any:
    """Return the value pruned to about `room` characters of JSON: the rest counted."""
    if isinstance(value, str):
        return value if len(value) <= max(room, 20) else value[: max(room, 20)] + "…"
    if not isinstance(value, dict | list):
        return value
    size = len(value)
    if depth == 0 and size:
        return f"… {formats.plural(size, 'key' if isinstance(value, dict) else 'item')}"
    if isinstance(value, dict):
        items = [(str(k), value[k]) for k in sorted(value, key=str)]
    else:
        items = list(enumerate(value))
    out: Any = {} if isinstance(value, dict) else []
    used = 2
    for shown, (key, item) in enumerate(items):
        if used >= room:
            if isinstance(out, dict):
                out["…"] = formats.plural(size - shown, "more key")
            else:
                out.append(f"… {formats.plural(size - shown, 'more item')}")
            break
        child = _outline(item, room - used, depth - 1)
        used += len(json.dumps(child, ensure_ascii=False, default=str)) + 2
        if isinstance(out, dict):
            used += len(key) + 4
            out[key] = child
        else:
            out.append(child)
    return out


def _whole_json(value: Any) -> str:
    """Show a JSON value whole and indented (a facet table must not cut what it shows)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=2, default=str)


def _place_text(place: dict | None) -> str:
    """Show a file and a place in it as problems do: `events.json: /1`."""
    if not place:
        return ""
    return ": ".join(x for x in (place["path"], place["location"]) if x)


def _without(mapping: dict | None, keys: tuple[str, ...]) -> dict:
    """Return the mapping without the keys a page shows elsewhere."""
    return {k: v for k, v in (mapping or {}).items() if k not in keys}


def key_values(mapping: dict | None, limit: int = LIST_LIMIT) -> list[KeyValue]:
    """Turn a dict into sorted table rows, at most `limit` of them."""
    if not mapping:
        return []
    rows = [KeyValue(str(k), fmt_value(mapping[k])) for k in sorted(mapping, key=str)[:limit]]
    if len(mapping) > limit:
        rows.append(
            KeyValue("…", f"{formats.plural(len(mapping) - limit, 'more key')} in lineage.json")
        )
    return rows


def problem_counts(problems: list) -> str:
    """Say how many problems of each severity there are: "2 errors, 1 warning"."""
    errors = count_errors(problems)
    return f"{formats.plural(errors, 'error')}, {formats.plural(len(problems) - errors, 'warning')}"


def cut(rows: list, urls: PageUrls, limit: int = LIST_LIMIT) -> Cut:
    """Keep the first `limit` rows and remember how many there were."""
    return Cut(rows[:limit], len(rows), full_data(urls))


def full_data(urls: PageUrls) -> str:
    """Return the link to lineage.json, where a cut list's every row is."""
    return urls.to(naming.LINEAGE_JSON)


# ---------------------------------------------------------------- the site's views


@dataclass
class SiteViews:
    """Builds the page list and each page's view model from one lineage."""

    lineage: Lineage
    readme: str = ""
    about: list[Field] = field(default_factory=list)
    parts: naming.Parts | None = None  # one part of a split site: own nodes' pages only (split.py)
    # The theme's lineage lists are the default's, whose rows graph data may name (rows.py).
    named_rows: bool = False
    _by_group: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        graph = self.lineage.graph
        self.nodes = graph.nodes
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        names: dict[str, list[str]] = defaultdict(list)
        for node, data in graph.nodes(data=True):
            if self.parts and not self.parts.owns(node):
                continue  # listed by its own part; drawn and linked here all the same
            groups[(data["kind"], data["group"])].append(node)
            if data["kind"] == "artifact":
                names[data["name"]].append(node)
        self._by_group = {k: self.newest_first(v) for k, v in groups.items()}
        self._names = {k: sorted(v, key=self._version_order) for k, v in names.items()}
        self.deps: set[str] = set()
        self._row_facts: dict[str, tuple[str, str, str, str, bool]] = {}
        self._hub_lists: dict[tuple[str, str], list[str]] = {}
        # Made once: what every page's graph looks up and shares (entries, fans, type places).
        self.graph_facts = graphview.GraphFacts(graph)
        # The site's preview files: every page's graph reads its nodes' previews there.
        self.preview_shards = previews.SHARDS
        # A dbt model's run and artifact pages are its version's (one page per model).
        self.shared = graphview.model_pages(graph)
        # A node's link from the site's root, the same from every page: each node's graph
        # data (graphview/fragments.py) is made once for all the pages that draw it.
        self.site_href = PageUrls("", self.parts, self.shared).node
        # Each such run and its version, either way: one row, so no step between them.
        runs = self.shared[0]
        self._one_row = {**runs, **{version: run for run, version in runs.items()}}

    # ordering -------------------------------------------------------------------

    def newest_first(self, nodes) -> list[str]:
        """Order nodes newest first (by start or creation time), then by id; untimed last."""

        def when(node: str) -> tuple[bool, str]:
            data = self.nodes[node]
            time = data.get("started_at") or data.get("created_at") or ""
            return (time != "", time)

        # Two stable sorts: ids ascending, then times descending keeps ids in order on ties.
        return sorted(sorted(nodes), key=when, reverse=True)

    def _version_order(self, node: str) -> tuple:
        """Order an artifact's nodes: versions newest first, external references last."""
        return refs.newest_first(self.nodes[node]["version"], node)

    # the page list --------------------------------------------------------------

    def pages(self) -> list[PageSpec]:
        """Return every page of the site, in a stable order."""
        specs = [
            PageSpec(naming.INDEX, "index.html", "index"),
            PageSpec(naming.ARTIFACTS, "artifacts.html", "artifacts"),
            PageSpec(naming.RUNS, "runs.html", "runs"),
            PageSpec(naming.PROBLEMS, "problems.html", "problems"),
            PageSpec(naming.GRAPH, "graph.html", "graph"),
            PageSpec(naming.NOT_FOUND, "404.html", "404"),
        ]
        shared_nodes, shared_names = self.shared
        for name in sorted(self._names.keys() - shared_names.keys()):
            specs.append(PageSpec(naming.artifact_path(name), "artifact.html", "artifact", name))
        for (kind, group), members in sorted(self._by_group.items()):
            specs.extend(self._group_specs(kind, group, len(members)))
        for node in sorted(self.nodes):
            if self.parts and not self.parts.owns(node):
                continue
            template = "run.html" if self.nodes[node]["kind"] == "run" else "version.html"
            if node not in shared_nodes:
                specs.append(PageSpec(naming.node_path(node), template, "node", node))
            specs.extend(self._list_specs(node))
        return specs

    def _list_specs(self, node: str) -> list[PageSpec]:
        """Return the pages of a node's own lists too long for its page, PAGE_SIZE rows each."""
        graph = self.lineage.graph
        specs = []
        for what in ("used", "logged") if self.nodes[node]["kind"] == "run" else ("consumers",):
            size = len((graph.pred if LISTS[what][0] == "up" else graph.succ)[node])
            if size > LIST_LIMIT:
                base = list_path(node, what)
                parts = -(-size // PAGE_SIZE)
                specs.extend(
                    PageSpec(part_path(base, n), "list.html", what, node, n)
                    for n in range(1, parts + 1)
                )
        return specs

    def _group_specs(self, kind: str, group: str, size: int) -> list[PageSpec]:
        """Return the pages of one type's (or job type's) list, PAGE_SIZE rows each."""
        page_kind, template = ("jobs", "jobs.html") if kind == "run" else ("types", "group.html")
        base = group_path(kind, group)
        parts = max(1, -(-size // PAGE_SIZE))
        return [
            PageSpec(part_path(base, n), template, page_kind, group, n) for n in range(1, parts + 1)
        ]

    def model(self, spec: PageSpec) -> Any:
        """Build the view model of one page."""
        urls = PageUrls(spec.path, self.parts, self.shared)
        builder = {
            "index": self.index_page,
            "artifacts": self.artifacts_page,
            "runs": self.runs_page,
            "problems": self.problems_page,
            "graph": self.graph_page,
            "404": self.not_found_page,
            "artifact": self.artifact_page,
            "node": self.node_page,
            "jobs": self.group_page,
            "types": self.group_page,
            "used": self.list_page,
            "logged": self.list_page,
            "consumers": self.list_page,
        }[spec.kind]
        self.deps = set()
        return builder(spec, urls)

    def locality(self, spec: PageSpec) -> tuple[str, str]:
        """Return a sort key that puts the pages of nodes from neighbouring manifests together."""
        mine = spec.kind == "node" or spec.kind in LISTS
        source = self.nodes[spec.key]["source"] if mine else ""
        return (source, spec.path)

    # rows -----------------------------------------------------------------------

    def touch(self, nodes) -> None:
        """Note nodes the current page shows: when one changes, the page is rebuilt."""
        self.deps.update(nodes)

    def row(self, node: str, urls: PageUrls, distance: int = 0) -> NodeRow:
        """Describe a node for a table row."""
        self.deps.add(node)
        facts = self._row_facts.get(node)
        if facts is None:
            facts = self._row_facts[node] = self._describe(node)
        label, kind, group, detail, external = facts
        failed = self.nodes[node].get("failed_checks", 0)
        link = Link(label, urls.node(node))
        return NodeRow(link, kind, group, detail, distance, external, failed)

    def _describe(self, node: str) -> tuple[str, str, str, str, bool]:
        """Return what a node's row says on every page (kept: a node appears on many)."""
        data = self.nodes[node]
        if data["kind"] == "run":
            state = "design" if data.get("design") else data["state"]
            detail = " · ".join(x for x in (state, formats.time(data["started_at"])) if x)
        else:
            aliases = ", ".join(data["aliases"])
            detail = "external input" if data["external"] else aliases
        return data["label"], data["kind"], data["group"], detail, data.get("external", False)

    def rows(
        self,
        nodes: list[str],
        urls: PageUrls,
        limit: int = LIST_LIMIT,
        pages: str = "",
        distance: int = 0,
    ) -> Cut:
        """Describe up to `limit` nodes as rows (`pages`: a page that lists them all;
        `distance`: their depth, in a lineage list)."""
        rows = [self.row(n, urls, distance) for n in nodes[:limit]]
        return Cut(rows, len(nodes), full_data(urls), pages=pages)

    def own_list(self, node: str, what: str, urls: PageUrls) -> Cut:
        """List what a node used, logged or was used by (LISTS) on its own page; a list
        too long for it links the pages that list every row."""
        cut = self.rows(self._around(node, LISTS[what][0]), urls)
        if cut.truncated:
            cut.pages = urls.to(list_path(node, what))
        return cut

    def _around(self, node: str, way: str) -> list[str]:
        """Return a node's neighbours one way ("up" or "down"), sorted by id.

        A hub's are sorted once and kept: every page that meets the hub needs them.
        """
        graph = self.lineage.graph
        around = (graph.pred if way == "up" else graph.succ)[node]
        if len(around) <= graphview.FAN_LIMIT:
            return sorted(around)
        kept = self._hub_lists.get((node, way))
        if kept is None:
            kept = self._hub_lists[(node, way)] = sorted(around)
        return kept

    def lineage_rows(self, node: str, upstream: bool, urls: PageUrls) -> Cut:
        """List the node's upstream or downstream, nearest first, up to its walk's limit
        (`lineage_limit`, or graphview.walk_limit's default for the node) rows.

        The walk stops after the level that passes the limit, as the page's graph does, so
        a page costs the same however far its lineage reaches; the full lineage is in
        lineage.json. Another
        node with more than graphview.FAN_LIMIT neighbours that way (a hub) gives its level
        only its first HUB_ROWS of them and ends the walk: the rest are counted, with a
        link to the hub's page, which lists them all.
        """
        way = "up" if upstream else "down"
        limit = graphview.walk_limit(self.graph_facts, node, self.lineage.config.lineage_limit)
        seen = {node}
        level, found, hubs = [node], [], []
        steps = {node: 0}
        while level and len(found) <= limit and not hubs:
            self.touch(level)  # what the next level holds follows from this one's neighbours
            nxt, hubs = self._next_level(node, level, way, seen)
            self._steps(level, nxt, way, steps)
            level = sorted(nxt)
            seen.update(level)
            found.extend(level)
        listed = set(found[:limit])
        self.touch(listed)  # whether a run is listed follows from where its page is
        # A dbt model's run is its version's row, as the graph draws the two as one node:
        # their page is one (model_pages), and the run is no step of the list's depth.
        shown = [n for n in found[:limit] if n not in self.shared[0]]
        rows = [self.row(n, urls, steps[n]) for n in shown]
        rows.sort(key=lambda row: row.distance)  # nearest first (stable: the walk's order)
        total = None if len(found) > limit or hubs else len(shown)
        elsewhere = [self._elsewhere(hub, way, listed, urls) for hub in hubs]
        return Cut(rows, total, full_data(urls), elsewhere=[e for e in elsewhere if e.count])

    def _steps(self, level: list[str], nxt: set[str], way: str, steps: dict[str, int]) -> None:
        """Set the depth of each node of the walk's next level: one more than its nearest
        neighbour in this level, none between a dbt model's run and its version (one row)."""
        facts = self.graph_facts  # plain dicts: networkx's views cost a call per lookup
        back = facts.succ if way == "up" else facts.pred  # towards the start
        one_row = self._one_row
        here = set(level)
        for m in nxt:
            around = back[m]
            # A hub's every neighbour is not scanned: the level is the smaller side.
            near = (
                [n for n in around if n in here]
                if len(around) <= len(here)
                else [n for n in level if n in around]
            )
            step = min([steps[n] for n in near]) + 1
            partner = one_row.get(m)
            if partner in here and partner in around:
                step = min(step, steps[partner])
            steps[m] = step

    def _next_level(
        self, start: str, level: list[str], way: str, seen: set[str]
    ) -> tuple[set[str], list[str]]:
        """Return the unseen neighbours of a level's nodes, and its hubs, which give only
        their first HUB_ROWS (by id)."""
        facts = self.graph_facts
        adj = facts.pred if way == "up" else facts.succ
        nxt: set[str] = set()
        hubs = []
        for n in level:
            around = adj[n]
            if n != start and len(around) > graphview.FAN_LIMIT:
                hubs.append(n)
            else:
                nxt.update(o for o in around if o not in seen)
        for hub in hubs:
            nxt.update(islice((o for o in self._around(hub, way) if o not in seen), HUB_ROWS))
        return nxt, hubs

    def _elsewhere(self, hub: str, way: str, listed: set[str], urls: PageUrls) -> Elsewhere:
        """Count a hub's neighbours one way that a table does not list; link the hub's page."""
        graph = self.lineage.graph
        around = (graph.pred if way == "up" else graph.succ)[hub]
        count = len(around) - sum(1 for n in listed if n in around)
        data = self.nodes[hub]
        what = graphview.relation(data["kind"], way)
        return Elsewhere(count, what, Link(data["label"], urls.node(hub)))

    # pages ------------------------------------------------------------------------

    def index_page(self, spec: PageSpec, urls: PageUrls) -> IndexPage:
        """Build the front page."""
        lineage = self.lineage
        runs = self._all("run")
        versions = [n for n in self._all("artifact") if not self.nodes[n]["external"]]
        latest = sorted(
            (n for n in versions if "latest" in self.nodes[n]["aliases"]),
            key=lambda n: self.nodes[n]["name"],
        )
        return IndexPage(
            title=lineage.config.title,
            readme=render_markdown(self.readme),
            totals=[
                Field("Runs", formats.count(len(runs))),
                Field("Artifacts", formats.count(len({self.nodes[n]["name"] for n in versions}))),
                Field("Versions", formats.count(len(versions))),
                Field("External inputs", formats.count(len(self._all("artifact")) - len(versions))),
            ],
            artifact_types=self._artifact_type_counts(urls),
            job_types=self._job_type_counts(urls),
            latest=self.rows(latest, urls),
            # The runs page lists LIST_LIMIT runs: "the full list" only while that is all.
            recent_runs=self.rows(
                self.newest_first(runs),
                urls,
                RECENT_RUNS,
                urls.to(naming.RUNS) if len(runs) <= LIST_LIMIT else "",
            ),
            problem_counts=problem_counts(lineage.problems),
            problems_link=Link("Problems", urls.to(naming.PROBLEMS)),
            about=self.about,
        )

    def _artifact_type_counts(self, urls: PageUrls) -> list[tuple[Link, str, str]]:
        """Return each artifact type's link and how many artifacts and versions it has."""
        rows = []
        for t in sorted(g for k, g in self._by_group if k == "artifact"):
            members = self._by_group[("artifact", t)]
            names = {self.nodes[n]["name"] for n in members}
            rows.append(
                (Link(t, urls.artifact_type(t)), *map(formats.count, (len(names), len(members))))
            )
        return rows

    def _job_type_counts(self, urls: PageUrls) -> list[tuple[Link, str]]:
        """Return each job type's link and how many runs it has."""
        job_types = sorted(g for k, g in self._by_group if k == "run")
        return [
            (Link(j, urls.job_type(j)), formats.count(len(self._by_group[("run", j)])))
            for j in job_types
        ]

    def _all(self, kind: str) -> list[str]:
        """Return every node of one kind."""
        return [n for (k, _), members in self._by_group.items() if k == kind for n in members]

    def artifacts_page(self, spec: PageSpec, urls: PageUrls) -> ArtifactsPage:
        """Build the artifacts index: each type with its artifact names."""
        by_type: dict[str, list[str]] = defaultdict(list)
        for name, nodes in self._names.items():
            by_type[self.nodes[nodes[0]]["type"]].append(name)
        groups = []
        for art_type in sorted(by_type):
            names = sorted(by_type[art_type])
            rows = [self._name_row(n, urls) for n in names[:LIST_LIMIT]]
            groups.append(
                (
                    Link(art_type, urls.artifact_type(art_type)),
                    Cut(rows, len(names), full_data(urls)),
                )
            )
        return ArtifactsPage("Artifacts", groups)

    def _name_row(self, name: str, urls: PageUrls) -> NodeRow:
        """Describe an artifact name: its link, type and number of versions."""
        nodes = self._names[name]
        data = self.nodes[nodes[0]]
        count = sum(1 for n in nodes if not self.nodes[n]["external"])
        detail = formats.plural(count, "version") if count else "external input"
        return NodeRow(
            Link(name, urls.artifact(name)), "artifact", data["type"], detail, external=not count
        )

    def artifact_page(self, spec: PageSpec, urls: PageUrls) -> ArtifactPage:
        """Build the page of one artifact name."""
        nodes = self._names[spec.key]
        self.touch([*nodes, name_key(spec.key)])
        versions = [n for n in nodes if not self.nodes[n]["external"]]
        external = [n for n in nodes if self.nodes[n]["external"]]
        art_type = self.nodes[nodes[0]]["type"]
        rows = [self._version_row(n, urls) for n in versions[:LIST_LIMIT]]
        return ArtifactPage(
            spec.key,
            spec.key,
            Link(art_type, urls.artifact_type(art_type)),
            Cut(rows, len(versions), full_data(urls)),
            [self.row(n, urls) for n in external],
        )

    def _version_row(self, node: str, urls: PageUrls) -> VersionRow:
        """Describe a version for its artifact's table."""
        data = self.nodes[node]
        producer = data["producer"]
        self.touch([node, producer] if producer else [node])
        return VersionRow(
            Link(naming.version_tag(data["version"]), urls.node(node)),
            data["aliases"],
            formats.short_digest(data["digest"]),
            formats.time(data["created_at"]),
            formats.size(data["size"]),
            Link(self.nodes[producer]["label"], urls.node(producer)) if producer else None,
        )

    def node_page(self, spec: PageSpec, urls: PageUrls) -> VersionPage | RunPage:
        """Build the page of a run or an artifact version."""
        if self.nodes[spec.key]["kind"] == "run":
            return self.run_page(spec.key, urls)
        return self.version_page(spec.key, urls)

    def version_page(self, node: str, urls: PageUrls) -> VersionPage:
        """Build an artifact version's page."""
        data = self.nodes[node]
        producer = data["producer"]
        self.touch([node, *([producer] if producer else []), *data["relogged_by"]])
        hook = (
            data["label"] if data["external"] else naming.version_ref(data["name"], data["version"])
        )
        return VersionPage(
            title=data["label"],
            node_id=node,
            hook=hook,
            external=data["external"],
            overview=self._version_overview(data, urls),
            description=render_markdown(data["description"]),
            metadata=key_values(_without(data["metadata"], SHOWN_METADATA)),
            files=cut(data["files"], urls, FILE_LIMIT),
            references=cut(data["references"], urls, FILE_LIMIT),
            references_named=any(r.get("name") for r in data["references"][:FILE_LIMIT]),
            producer=Link(self.nodes[producer]["label"], urls.node(producer)) if producer else None,
            producer_config=key_values(self.nodes[producer]["config"]) if producer else [],
            relogged_by=[Link(self.nodes[r]["label"], urls.node(r)) for r in data["relogged_by"]],
            consumers=self.own_list(node, "consumers", urls),
            **self.lineage_section(node, urls),
            extra=key_values(data["extra"]),
            columns=[
                ColumnRow(c["name"], c["type"] or "", c["description"])
                for c in data.get("columns", [])
            ],
            column_lineage=self._column_inputs(data.get("column_lineage", []), urls),
            checks=[self._check_row(c, urls) for c in data.get("checks", [])],
            failed_checks=data.get("failed_checks", 0),
            column_traces=self._column_traces(node, urls),
            also_named=self._name_links((data["metadata"] or {}).get("also_named"), urls),
            read_as=self._input_facets(node, urls),
            run=self._run_section(producer, urls) if producer in self.shared[0] else None,
        )

    def _name_links(self, names: object, urls: PageUrls) -> list[NamedLink]:
        """Return a dataset's other names, each linked when the site has a page of that name."""
        found = []
        for name in names if isinstance(names, list) else []:
            name = str(name)
            self.touch([name_key(name)])  # the link appears when that name does
            found.append(
                NamedLink(name, Link(name, urls.artifact(name)) if name in self._names else None)
            )
        return found

    def _input_facets(self, node: str, urls: PageUrls, upstream: bool = False) -> list[FacetRow]:
        """Return what the runs that read a version said about it (their usage edges'
        facets), whole: on a version's page each reading run's, on a run's page (`upstream`)
        each input's."""
        graph = self.lineage.graph
        rows = []
        for other in sorted(graph.predecessors(node) if upstream else graph.successors(node)):
            edge = graph.edges[(other, node) if upstream else (node, other)]
            facets = edge.get("facets")
            if not facets:
                continue
            self.touch([other])  # its label is on this page (not every neighbour of a hub)
            link = Link(self.nodes[other]["label"], urls.node(other))
            rows += [FacetRow(link, k, _whole_json(v)) for k, v in sorted(facets.items())]
        return rows

    def _column_traces(self, node: str, urls: PageUrls) -> list[ColumnTrace]:
        """Trace each output column upstream across hops; none when no trace goes past one."""
        lineage = self.nodes[node].get("column_lineage", [])
        traces = [self._trace(node, entry["column"], urls) for entry in lineage]
        deep = any(row.depth > 1 for trace in traces for row in trace.rows)
        return traces if deep else []

    def _trace(self, node: str, column: str, urls: PageUrls) -> ColumnTrace:
        """Walk a column's inputs breadth first, through the versions their producers read."""
        rows: list[ColumnTraceRow] = []
        seen = {(node, column)}
        frontier = [(node, column)]
        depth = 0
        while frontier and len(rows) < LIST_LIMIT:
            depth += 1
            following = []
            for at, name in frontier:
                for item, upstream in self._column_sources(at, name):
                    rows.append(self._trace_row(depth, item, upstream, urls))
                    if upstream is not None and (upstream, item["field"]) not in seen:
                        seen.add((upstream, item["field"]))
                        following.append((upstream, item["field"]))
            frontier = following
        # The fragment the graph's column view reads (url-state.js): `col` of node `of`.
        graph_href = "#" + urlencode({"col": column, "of": node})
        return ColumnTrace(column, rows[:LIST_LIMIT], len(rows) > LIST_LIMIT, graph_href)

    def _column_sources(self, node: str, column: str) -> list[tuple[dict, str | None]]:
        """Return a version column's inputs, each with the version its producer read, if any."""
        data = self.nodes[node]
        producer = data.get("producer")
        read = (
            {self.nodes[u]["name"]: u for u in self.lineage.graph.predecessors(producer)}
            if producer
            else {}
        )
        self.touch([node, *read.values()])
        return [
            (item, read.get(item["artifact"]))
            for entry in data.get("column_lineage", [])
            if entry["column"] == column
            for item in entry["inputs"]
        ]

    def _trace_row(
        self, depth: int, item: dict, upstream: str | None, urls: PageUrls
    ) -> ColumnTraceRow:
        """Describe one upstream column: linked to the version read, else to its artifact."""
        name = item["artifact"]
        if upstream is not None:
            link = Link(self.nodes[upstream]["label"], urls.node(upstream))
        else:
            self.touch([name_key(name)])
            link = Link(name, urls.artifact(name)) if name in self._names else None
        kind = "/".join(x for x in (item["transformation"], item["subtype"]) if x)
        return ColumnTraceRow(depth, link, name, item["field"], kind)

    def _column_inputs(self, lineage: list[dict], urls: PageUrls) -> list[ColumnInputRow]:
        """Return one row per input column of each output column, linking input datasets."""
        rows = []
        for entry in lineage:
            for item in entry["inputs"]:
                name = item["artifact"]
                self.touch([name_key(name)])  # the link appears when that dataset does
                link = Link(name, urls.artifact(name)) if name in self._names else None
                rows.append(
                    ColumnInputRow(
                        entry["column"],
                        link,
                        name,
                        item["field"],
                        item["transformation"],
                        item["subtype"],
                        item["description"],
                        item.get("masking", False),
                    )
                )
        return rows

    def _check_row(self, check: dict, urls: PageUrls) -> CheckRow:
        """Describe one check for the checks table."""
        run = check["run"]
        self.touch([run])
        value = "" if check["value"] is None else fmt_value(check["value"])
        return CheckRow(
            check["name"],
            check["status"],
            check["status"] in FAILING,
            check["column"] or "",
            check["kind"],
            value,
            check["message"],
            check["source"],
            Link(self.nodes[run]["label"], urls.node(run)) if run in self.nodes else None,
        )

    def lineage_section(self, node: str, urls: PageUrls) -> dict[str, Any]:
        """Return a node page's Lineage section: its upstream and downstream lists and its
        graph, which names the nodes the lists show by their rows where the theme keeps
        them (partials/lineage.html: the graph, then the two lists)."""
        upstream = self.lineage_rows(node, True, urls)
        downstream = self.lineage_rows(node, False, urls)
        rows = []
        if self.named_rows:
            rows = [(r.link.href, r.link.text) for r in upstream.rows + downstream.rows]
        graph = self.node_graph(node, urls, rows)
        return {"upstream": upstream, "downstream": downstream, "graph": graph}

    def _run_lineage(self, node: str, urls: PageUrls) -> dict[str, Any]:
        """Return a run page's Lineage section (a dbt model's run has no page: its version's
        page is its, graphview.model_pages)."""
        return self._children_lineage(node, urls) or self.lineage_section(node, urls)

    def _children_lineage(self, node: str, urls: PageUrls) -> dict[str, Any] | None:
        """Return the Lineage section of a run that read and wrote nothing itself while its
        child runs did (an Airflow DAG run, a Spark application), else None: what they read
        and wrote, listed. Its page drew one node and said "Nothing upstream"."""
        graph = self.lineage.graph
        if graph.pred[node] or graph.succ[node]:
            return None
        children = self._children().get(self.nodes[node]["run_id"], [])
        self.touch(children)  # what they read and wrote is what the lists show
        wrote = {n for c in children for n in graph.succ[c]}
        # Upstream: what they read from outside (a table one task writes and the next reads
        # is theirs: it is listed once, downstream).
        read = sorted({n for c in children for n in graph.pred[c]} - wrote - set(children))
        wrote = sorted(wrote - set(children))
        if not read and not wrote:
            return None
        return {
            "upstream": self.rows(read, urls, distance=1),
            "downstream": self.rows(wrote, urls, distance=1),
            "graph": None,
            "lineage_by": formats.plural(len(children), "child run"),
        }

    def node_graph(
        self, node: str, urls: PageUrls, rows: graphview.Rows = ()
    ) -> graphview.GraphView:
        """Return the interactive graph of a node's page; the page depends on what it draws."""
        view = graphview.page_graph(
            self.graph_facts,
            node,
            threshold=self.lineage.config.cluster_threshold,
            limit=self.lineage.config.lineage_limit,
            href=urls.node,
            type_href=urls.type_node,
            preview_shards=self.preview_shards,
            type_table=True,
            rows=rows,
            site_href=self.site_href,
        )
        # Every node it walked or lists: each decides what is drawn (a fan's hub its rest).
        self.touch(view.shows)
        if view.overview:
            self.touch([naming.TYPES_KEY])  # the overview's places follow every type
        return view

    def _version_overview(self, data: dict, urls: PageUrls) -> list[Field]:
        """Return the overview fields of a version."""
        fields = [
            Field("Type", link=Link(data["type"], urls.artifact_type(data["type"]))),
            self._artifact_field(data["name"], urls),
        ]
        if data["external"]:
            return [*fields, Field("Source", "external input: no run in this project logged it")]
        fields += [
            Field("Version", naming.version_tag(data["version"])),
            Field("Aliases", ", ".join(data["aliases"])),
            Field("Digest", data["digest"], code=True),
            Field("Created", formats.time(data["created_at"])),
            Field("Size", formats.size(data["size"])),
            Field("Files", formats.count(data["file_count"])),
            Field("Manifest", data["source"], code=True),
        ]
        return shown(fields)

    def _run_section(self, run: str, urls: PageUrls) -> RunSection:
        """Describe a dbt model's run for its version's page, which is its page too."""
        data = self.nodes[run]
        return RunSection(
            overview=self._run_overview(data, urls),
            notes=render_markdown(data["notes"]),
            summary=key_values(data["summary"]),
            extra=key_values(_flatten_extra(data["extra"])),
        )

    def _artifact_field(self, name: str, urls: PageUrls) -> Field:
        """Return a version's Artifact field: a link, unless the artifact's page is this one."""
        if name in self.shared[1]:
            return Field("Artifact", name)
        return Field("Artifact", link=Link(name, urls.artifact(name)))

    def run_page(self, node: str, urls: PageUrls) -> RunPage:
        """Build a run's page."""
        data = self.nodes[node]
        self.touch([node])
        relogged = sorted(n for n in self._relogs().get(node, []))
        return RunPage(
            title=data["label"],
            node_id=node,
            hook=data["run_id"],
            overview=self._run_overview(data, urls),
            notes=render_markdown(data["notes"]),
            config=key_values(data["config"]),
            summary=key_values(data["summary"]),
            used=self.own_list(node, "used", urls),
            logged=self.own_list(node, "logged", urls),
            relogged=[self.row(n, urls) for n in relogged],
            **self._run_lineage(node, urls),
            extra=key_values(_flatten_extra(data["extra"])),
            children=self._child_rows(data["run_id"], urls),
            input_facets=self._input_facets(node, urls, upstream=True),
        )

    def _child_rows(self, run_id: str, urls: PageUrls) -> Cut:
        """List the runs that name this one as their parent, in the order they started."""
        # Stands for the set of children, so a new child run rebuilds its parent's page.
        self.touch([group_key("children", run_id)])
        return self.rows(self._children().get(run_id, []), urls)

    def _children(self) -> dict[str, list[str]]:
        """Map each parent run id to its child runs, oldest first (computed once)."""
        if not hasattr(self, "_child_index"):
            index: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for node, data in self.nodes(data=True):
                parent = data.get("parent")
                if parent:
                    index[parent["id"]].append((data.get("started_at") or "~", node))
            self._child_index = {k: [n for _, n in sorted(v)] for k, v in index.items()}
        return self._child_index

    def _parent_field(self, data: dict, urls: PageUrls) -> Field | None:
        """Return the parent run's field: a link when it is in the project, else its name and id."""
        parent = data.get("parent")
        if not parent:
            return None
        node = naming.run_node(parent["id"])
        self.touch([node])  # a parent that arrives later turns the text into a link
        if node in self.nodes:
            return Field("Parent run", link=Link(self.nodes[node]["label"], urls.node(node)))
        name = parent.get("name")
        text = f"{name} (run {parent['id']})" if name else f"run {parent['id']}"
        return Field("Parent run", f"{text}: not in this project")

    def _relogs(self) -> dict[str, list[str]]:
        """Map each run to the versions it logged again (computed once)."""
        if not hasattr(self, "_relog_index"):
            index: dict[str, list[str]] = defaultdict(list)
            for node, data in self.nodes(data=True):
                for run in data.get("relogged_by", []):
                    index[run].append(node)
            self._relog_index = index
        return self._relog_index

    def _run_overview(self, data: dict, urls: PageUrls) -> list[Field]:
        """Return the overview fields of a run."""
        git = data["git"] or {}
        dirty = {True: " (dirty)", False: "", None: ""}[git.get("dirty")]
        fields = [
            Field("Run id", data["run_id"], code=True),
            Field("Job type", link=Link(data["job_type"], urls.job_type(data["job_type"]))),
            self._parent_field(data, urls),
            Field("State", DESIGN_STATE if data.get("design") else data["state"]),
            Field("Project", data["project"] or ""),
            Field("Started", formats.time(data["started_at"])),
            Field("Finished", formats.time(data["finished_at"])),
            Field("Duration", formats.duration(data["duration_s"])),
            Field("Tags", ", ".join(data["tags"])),
            Field("Git remote", git.get("remote") or ""),
            Field("Git commit", (git.get("commit") or "") + dirty, code=True),
            Field("Host", data["host"] or ""),
            Field("User", data["user"] or ""),
            Field("Manifest", data["source"], code=True),
            Field("Also read from", _place_text(data.get("also_read_from")), code=True),
        ]
        return shown(fields)

    def runs_page(self, spec: PageSpec, urls: PageUrls) -> RunsPage:
        """Build the runs index: job types and the most recent runs."""
        runs = self.newest_first(self._all("run"))
        return RunsPage(
            "Runs",
            self._job_type_counts(urls),
            self.rows(runs, urls),
        )

    def group_page(self, spec: PageSpec, urls: PageUrls) -> GroupPage:
        """Build one part of an artifact type's or job type's list."""
        kind = "run" if spec.kind == "jobs" else "artifact"
        members = self._by_group[(kind, spec.key)]
        self.touch([group_key(kind, spec.key)])
        start = (spec.part - 1) * PAGE_SIZE
        rows = [self.row(n, urls) for n in members[start : start + PAGE_SIZE]]
        label = "Job type" if spec.kind == "jobs" else "Artifact type"
        pager = self._pager(spec, len(members), urls, group_path(kind, spec.key))
        page = GroupPage(f"{label}: {spec.key}", label, rows, len(members), pager)
        if spec.kind == "jobs" and spec.part == 1:  # the table holds every part's runs
            page.runs_data = urls.to(naming.runs_data_path(spec.key))
        return page

    def preview_files(
        self, changed: set[str] | None = None, has: Callable[[str], bool] | None = None
    ) -> Iterator[tuple[str, bytes | None]]:
        """Yield the site's preview files (graphview/previews.py): path and bytes, in turn.

        A rebuild passes the nodes that `changed` and whether the last site `has` a file: a
        shard none of them alters comes with None, as the last build's file holds.
        """
        if changed is None or has is None:
            return previews.preview_files(self.graph_facts)
        stale = previews.changed_shards(self.graph_facts, changed)
        return previews.preview_files(self.graph_facts, lambda s, p: s not in stale and has(p))

    def run_tables(self) -> list[tuple[str, str]]:
        """Return each job type's runs-table data file, with the job type, in a stable order."""
        return [(naming.runs_data_path(g), g) for k, g in sorted(self._by_group) if k == "run"]

    def group_members(self, kind: str, group: str) -> list[str]:
        """Return the nodes of a job type ("run") or artifact type, newest first."""
        return self._by_group.get((kind, group), [])

    def run_table(self, job_type: str) -> bytes:
        """Return the data file of a job type's runs table: every run, as its list orders them."""
        urls = PageUrls(group_path("run", job_type), self.parts, self.shared)
        members = self._by_group[("run", job_type)]
        return runtable.data_file(runtable.runs_of(self.nodes, members, urls.node))

    def list_page(self, spec: PageSpec, urls: PageUrls) -> ListPage:
        """Build one part of a node's long list: what a run used or logged, who used a version."""
        node, data = spec.key, self.nodes[spec.key]
        way, what = LISTS[spec.kind]
        members = self._around(node, way)
        self.touch([node])  # its record covers its neighbours; the rows add their own
        start = (spec.part - 1) * PAGE_SIZE
        rows = [self.row(n, urls) for n in members[start : start + PAGE_SIZE]]
        base = list_path(node, spec.kind)
        return ListPage(
            f"{what} {data['label']}",
            "run" if data["kind"] == "run" else "artifact version",
            what,
            Link(data["label"], urls.node(node)),
            rows,
            len(members),
            self._pager(spec, len(members), urls, base),
        )

    def _pager(self, spec: PageSpec, size: int, urls: PageUrls, base: str) -> Pager:
        """Link a paged list's part (`base` is its first page's path) to its neighbours."""
        count = max(1, -(-size // PAGE_SIZE))
        prev = Link("Previous", urls.to(part_path(base, spec.part - 1))) if spec.part > 1 else None
        nxt = Link("Next", urls.to(part_path(base, spec.part + 1))) if spec.part < count else None
        return Pager(spec.part, count, prev, nxt)

    def problems_page(self, spec: PageSpec, urls: PageUrls) -> ProblemsPage:
        """Build the list of every problem."""
        problems = self.lineage.problems
        rows = [ProblemRow(p.severity, p.path, p.location, p.message, p.kind) for p in problems]
        return ProblemsPage("Problems", cut(rows, urls, 2_000), problem_counts(problems))

    def graph_page(self, spec: PageSpec, urls: PageUrls) -> GraphPage:
        """Build the project-wide graph page (with no graph when there is nothing to draw)."""
        if not self.nodes:
            return GraphPage("Lineage graph")
        view = graphview.project_graph(
            self.graph_facts,
            threshold=self.lineage.config.cluster_threshold,
            href=urls.node,
            type_href=urls.type_node,
            group_key=self.lineage.config.group_by,
            preview_shards=self.preview_shards,
            type_table=True,
            site_href=self.site_href,
        )
        return GraphPage("Lineage graph", view)

    def not_found_page(self, spec: PageSpec, urls: PageUrls) -> NotFoundPage:
        """Build the 404 page."""
        return NotFoundPage("Page not found")


def shown(fields: list[Field | None]) -> list[Field]:
    """Return the overview fields that have something to show: no empty rows."""
    return [f for f in fields if f and (f.text or f.link)]


def _flatten_extra(extra: dict[str, dict]) -> dict[str, Any]:
    """Merge unknown keys found at several levels into one table, keyed by where they were."""
    return {
        f"{where or '/'}{'/' if where else ''}{key}": value
        for where, keys in sorted(extra.items())
        for key, value in keys.items()
    }
