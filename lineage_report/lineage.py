"""The public walking API over a project's lineage, shaped like W&B's.

lineage = lineage_report.load("sample_project")  # see load.py
model = lineage.artifact("mnist-cnn:best")
model.logged_by().config, [r.name for r in model.used_by()]
lineage.upstream(model, depth=2)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import networkx as nx

from . import naming
from .config import Config
from .graphview import to_pyvis
from .problems import Problem


class Node:
    """A node of the lineage graph: an artifact version or a run."""

    def __init__(self, lineage: Lineage, node_id: str):
        self._lineage = lineage
        self.id = node_id

    @property
    def attrs(self) -> dict[str, Any]:
        """Return every attribute the graph holds for this node."""
        return self._lineage.graph.nodes[self.id]

    def __getattr__(self, name: str) -> Any:
        try:
            return self._lineage.graph.nodes[self.id][name]
        except KeyError:
            raise AttributeError(name) from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"


class ArtifactVersion(Node):
    """An artifact version (or an external input nobody here logged)."""

    def logged_by(self) -> Run | None:
        """Return the run that first logged this version."""
        producer = self.attrs["producer"]
        return Run(self._lineage, producer) if producer else None

    def used_by(self) -> list[Run]:
        """Return the runs that used this version, by run id."""
        return [Run(self._lineage, n) for n in sorted(self._lineage.graph.successors(self.id))]

    def relogged_by(self) -> list[Run]:
        """Return the runs that logged this same digest again after its producer."""
        return [Run(self._lineage, n) for n in self.attrs["relogged_by"]]


class Run(Node):
    """A run: what it used and what it logged."""

    def used_artifacts(self) -> list[ArtifactVersion]:
        """Return the artifact versions this run used."""
        nodes = sorted(self._lineage.graph.predecessors(self.id))
        return [ArtifactVersion(self._lineage, n) for n in nodes]

    def logged_artifacts(self) -> list[ArtifactVersion]:
        """Return the artifact versions this run produced."""
        nodes = sorted(self._lineage.graph.successors(self.id))
        return [ArtifactVersion(self._lineage, n) for n in nodes]


class Lineage:
    """A project's whole lineage: the graph, its problems, and ways to walk it."""

    def __init__(
        self,
        graph: nx.DiGraph,
        problems: list[Problem],
        config: Config,
        inputs: dict[str, str] | None = None,
    ):
        self.graph = graph
        self.problems = problems
        self.config = config
        self.inputs = inputs or {}  # every file read (companions too) -> SHA-256 of its bytes
        self._aliases = self._alias_index()

    def _alias_index(self) -> dict[str, str]:
        """Map `name:alias` to node ids, for artifact() look-ups."""
        index = {}
        for node, data in self.graph.nodes(data=True):
            if data["kind"] == "artifact" and not data["external"]:
                for alias in data["aliases"]:
                    index[f"{data['name']}:{alias}"] = node
        return index

    def inputs_digest(self) -> str:
        """Return one SHA-256 over every input file's path and content digest."""
        lines = "".join(f"{digest}  {path}\n" for path, digest in sorted(self.inputs.items()))
        # surrogatepass: a path that is not UTF-8 (which collect refuses) must not crash this.
        return "sha256:" + hashlib.sha256(lines.encode("utf-8", "surrogatepass")).hexdigest()

    def node(self, ref: str | Node) -> ArtifactVersion | Run:
        """Return a node by id (`run:x`, `artifact:n:v1`) or by `name:vN` / `name:alias`."""
        if isinstance(ref, Node):
            return ref
        if ref in self.graph:
            kind = self.graph.nodes[ref]["kind"]
            return Run(self, ref) if kind == "run" else ArtifactVersion(self, ref)
        if naming.run_node(ref) in self.graph:
            return Run(self, naming.run_node(ref))
        return self.artifact(ref)

    def artifact(self, ref: str) -> ArtifactVersion:
        """Return an artifact version by `name:vN`, `name:alias` or `name` (latest)."""
        key = ref if ":" in ref else ref + ":latest"
        node = self._aliases.get(key) or naming.artifact_node(key)
        if node not in self.graph or self.graph.nodes[node]["kind"] != "artifact":
            raise KeyError(f"no artifact version '{ref}'")
        return ArtifactVersion(self, node)

    def run(self, run_id: str) -> Run:
        """Return a run by its id."""
        node = naming.run_node(run_id)
        if node not in self.graph:
            raise KeyError(f"no run '{run_id}'")
        return Run(self, node)

    def runs(self) -> Iterator[Run]:
        """Iterate over every run, by id."""
        for node in sorted(self.graph):
            if self.graph.nodes[node]["kind"] == "run":
                yield Run(self, node)

    def artifacts(self) -> Iterator[ArtifactVersion]:
        """Iterate over every artifact version (external inputs included), by id."""
        for node in sorted(self.graph):
            if self.graph.nodes[node]["kind"] == "artifact":
                yield ArtifactVersion(self, node)

    def to_pyvis(self, focus: str | Node | None = None, depth: int | None = None, **options):
        """Return a pyvis Network of the same view the site draws, for Jupyter notebooks."""
        node = self.node(focus).id if focus is not None else None
        threshold = options.pop("threshold", self.config.cluster_threshold)
        limit = options.pop("limit", self.config.lineage_limit)
        return to_pyvis(self.graph, node, depth, threshold=threshold, limit=limit, **options)

    def upstream(self, node: str | Node, depth: int | None = None) -> list[ArtifactVersion | Run]:
        """Return what `node` comes from, nearest first, up to `depth` edges away."""
        return self._walk(self.node(node).id, self.graph.predecessors, depth)

    def downstream(self, node: str | Node, depth: int | None = None) -> list[ArtifactVersion | Run]:
        """Return what comes from `node`, nearest first, up to `depth` edges away."""
        return self._walk(self.node(node).id, self.graph.successors, depth)

    def distances(self, start: str, step, depth: int | None) -> dict[str, int]:
        """Return the nodes reachable from `start` by `step`, with their distance in edges."""
        seen = {start: 0}
        frontier = [start]
        level = 0
        while frontier and (depth is None or level < depth):
            level += 1
            nxt = []
            for node in frontier:
                for other in step(node):
                    if other not in seen:
                        seen[other] = level
                        nxt.append(other)
            frontier = nxt
        del seen[start]
        return seen

    def _walk(self, start: str, step, depth: int | None) -> list[ArtifactVersion | Run]:
        """Return the nodes reachable from `start`, ordered by distance then id."""
        found = self.distances(start, step, depth)
        return [self.node(n) for n in sorted(found, key=lambda n: (found[n], n))]
