"""Split: one project's lineage cut into parts, one whole site each, and the hub listing them.

GitHub Pages refuses a published site over 1 GB; `build --split-by project` keeps each
part under it. A run belongs to its project's part; an artifact version to its producer's;
a version no run here made (an external input) to its first consumer's, by id. Every part
still holds the whole graph: its pages draw and list neighbours from other parts as a
single site would, and link them in their own part (naming.Parts says where), so the
parts are published side by side: `OUT/<part>/`, with `OUT/index.html` listing them.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from . import formats, naming
from .config import Config
from .lineage import Lineage
from .problems import Problem
from .write import Writer

NO_PROJECT = "(no project)"  # how the hub names the part of runs without a project


@dataclass
class Part:
    """One part of a split site: its folder, its project and the nodes whose pages it has."""

    folder: str
    project: str | None
    nodes: list[str]  # sorted
    parts: naming.Parts  # where every page is, seen from this part

    @property
    def label(self) -> str:
        """Return the part's name as people read it: its project."""
        return self.project or NO_PROJECT


@dataclass
class BuiltPart:
    """One part once written: how many pages, how many bytes."""

    part: Part
    pages: int
    size: int


@dataclass
class PartSummary:
    """What the hub says of one built part."""

    label: str
    href: str
    runs: str
    versions: str
    pages: str
    size: str


@dataclass
class HubPage:
    """The view model of the hub page (hub.html): the project's parts."""

    title: str
    parts: list[PartSummary]
    total: str


# ---------------------------------------------------------------- the partition


def partition(graph: nx.DiGraph) -> list[Part]:
    """Cut the graph into parts, sorted by folder; each node in exactly one."""
    projects = {}
    folder_of: dict[str, str] = {}
    for node, data in sorted(graph.nodes(data=True)):
        if data["kind"] == "run":
            project = data.get("project") or None
            folder_of[node] = naming.part_folder(project)
            projects[folder_of[node]] = project
    spare = min(projects, default=naming.part_folder(None))
    projects.setdefault(spare, None)
    for node, data in sorted(graph.nodes(data=True)):
        if data["kind"] != "run":
            folder_of[node] = version_folder(graph, node, data, folder_of) or spare
    members: dict[str, list[str]] = defaultdict(list)
    for node in sorted(folder_of):
        members[folder_of[node]].append(node)
    groups = group_folders(graph, folder_of)
    return [
        Part(folder, projects[folder], members[folder], naming.Parts(folder, folder_of, groups))
        for folder in sorted(members)
    ]


def version_folder(graph: nx.DiGraph, node: str, data: dict, folder_of: dict) -> str | None:
    """Return the part of an artifact version: its producer's, else its first consumer's."""
    producer = data.get("producer")
    if producer in folder_of:
        return folder_of[producer]
    consumers = sorted(r for r in graph.succ[node] if r in folder_of)
    return folder_of[consumers[0]] if consumers else None


def group_folders(graph: nx.DiGraph, folder_of: dict[str, str]) -> dict:
    """Return, for each job type and artifact type, the parts that list it (sorted)."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for node, data in graph.nodes(data=True):
        found[(data["kind"], data["group"])].add(folder_of[node])
    return {key: tuple(sorted(folders)) for key, folders in found.items()}


# ---------------------------------------------------------------- one part's inputs


def part_config(config: Config, part: Part) -> Config:
    """Return the settings a part's pages see: its own title and public URL."""
    base = config.base_url
    if base:
        base = f"{base.rstrip('/')}/{part.folder}/"
    return dataclasses.replace(config, title=f"{config.title}: {part.label}", base_url=base)


def part_lineage(lineage: Lineage, part: Part, config: Config) -> Lineage:
    """Return the lineage a part's pages are made from: the whole graph (its pages draw
    neighbours from other parts), with the problems of the part's own input files."""
    return Lineage(lineage.graph, part_problems(lineage, part), config, lineage.inputs)


def part_problems(lineage: Lineage, part: Part) -> list[Problem]:
    """Return the problems a part lists: those of its nodes' files, and those of files that
    gave no node at all (the config, an unreadable file), which every part lists."""
    nodes = lineage.graph.nodes
    mine = {nodes[n]["source"] for n in part.nodes}
    anyone = {d["source"] for _, d in lineage.graph.nodes(data=True)}
    return [p for p in lineage.problems if p.path in mine or p.path not in anyone]


def own_graph(graph: nx.DiGraph, part: Part) -> nx.DiGraph:
    """Return the part's own nodes (a view): what its search index finds."""
    return graph.subgraph(part.nodes)


def data_lineage(lineage: Lineage, part: Part, problems: list[Problem]) -> Lineage:
    """Return what a part's lineage.json holds: its nodes, their neighbours in other parts
    (so every edge that touches the part is kept) and the part's problems."""
    graph = lineage.graph
    around = set(part.nodes)
    for node in part.nodes:
        around.update(graph.pred[node])
        around.update(graph.succ[node])
    return Lineage(graph.subgraph(around), problems, lineage.config, lineage.inputs)


# ---------------------------------------------------------------- writing a part


def merge(writer: Writer, part: Writer, folder: str) -> None:
    """Record a part's files in the site's writer, under the part's folder."""
    writer.claimed.update(f"{folder}/{p}" for p in part.claimed)
    writer.written.update((f"{folder}/{p}", n) for p, n in part.written.items())


# ---------------------------------------------------------------- the hub


def hub_page(lineage: Lineage, built: list[BuiltPart], size: int) -> HubPage:
    """Return the hub's view model: every part, with a link to its own index page."""
    rows = [summary(lineage, b) for b in built]
    return HubPage(lineage.config.title, rows, formats.size(size))


def summary(lineage: Lineage, built: BuiltPart) -> PartSummary:
    """Describe one built part for the hub."""
    nodes, part = lineage.graph.nodes, built.part
    runs = sum(1 for n in part.nodes if nodes[n]["kind"] == "run")
    versions = sum(1 for n in part.nodes if nodes[n]["kind"] != "run" and not nodes[n]["external"])
    return PartSummary(
        part.label,
        f"{part.folder}/{naming.INDEX}",
        formats.count(runs),
        formats.count(versions),
        formats.count(built.pages),
        formats.size(built.size),
    )
