"""Clusters: where one layer holds many nodes of one kind and type, one node stands for them.

Above `threshold` nodes of one kind and type in a layer, they become a cluster node with a
member index, so a version used by ten thousand runs draws one node and its page stays
small; a layer with `MAX_LAYER` nodes of one kind folds its small types into one cluster
too. Child runs (those with a parent run) are bucketed by their parent instead of their
type, so a DAG run's tasks form one cluster "children of <parent>" whose hub is the parent.
On a node's own page its parents and children (a version's: through its runs, as a dbt
model's parents are the inputs of the run that made it) never share a cluster with other
nodes, and versions among them cluster only with versions of the same artifact: a sweep's
runs and models still form W&B's clusters, a model's distinct parents are all drawn.
A page embeds at most `MEMBER_BUDGET` members over all its clusters.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .. import formats
from .facts import PARENT_BUCKET, GraphFacts
from .text import GROUP_MAX, count_words, plain

MAX_LAYER = 40  # drawn entries of one kind in a layer before small types fold into one cluster
MEMBER_BUDGET = 1000  # members embedded in one page over all its clusters
NEAR_KEY = "\x00near:"  # a bucket of the focus's parents or children (see _near_bucket)


@dataclass(frozen=True)
class Cluster:
    """One cluster: the members of one kind (and type) in one layer, most recent first."""

    id: str
    layer: int
    kind: str
    group: str | None  # None when small types of a crowded layer were folded together
    members: tuple[str, ...]
    group_count: int
    size: int = 0  # members it stands for when it lists only some (a fan); 0: all listed
    hub: str | None = None  # a fan's hub or child runs' parent, whose page lists every member
    tally: tuple[tuple[str, int], ...] = ()  # a fan's types and how many of each it stands for
    way: str = ""  # a fan's side of its hub: "up" (its inputs) or "down" (its outputs)

    @property
    def count(self) -> int:
        """Return how many nodes the cluster stands for."""
        return self.size or len(self.members)

    def label(self) -> str:
        """Return the label drawn on the cluster node, as W&B words it."""
        count = count_words(self.count, self.kind)
        if self.group is not None:
            return f"{count} · {plain(self.group, GROUP_MAX)}"
        types = "job type" if self.kind == "run" else "type"
        return f"{count} · {formats.plural(self.group_count, types)}"


def plan_clusters(
    facts: GraphFacts, layer: dict[str, int], focus: str | None, threshold: int
) -> list[Cluster]:
    """Return the clusters: per layer, kind and type, the groups above `threshold` nodes."""
    kinds, bucket = facts.kind, facts.bucket
    near = _near(facts, layer, focus)
    groups = {n: _near_bucket(facts, n) if n in near else bucket[n] for n in layer}
    per_type: dict[tuple[int, str, str], int] = defaultdict(int)
    per_kind: dict[tuple[int, str], int] = defaultdict(int)
    for n, lay in layer.items():
        per_type[lay, kinds[n], groups[n]] += 1
        per_kind[lay, kinds[n]] += 1
    crowded = max(per_kind.values(), default=0) >= MAX_LAYER
    if not crowded and max(per_type.values(), default=0) <= threshold:
        return []  # no type above the threshold, no crowded layer: nothing to cluster
    buckets: dict[tuple[int, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for n in sorted(layer):
        if n == focus:
            continue  # the focused node is always drawn on its own
        buckets[(layer[n], kinds[n])][groups[n]].append(n)
    clusters = []
    for (lay, kind), members in sorted(buckets.items()):
        clusters.extend(_layer_clusters(facts, lay, kind, members, threshold))
    return clusters


def _near(facts: GraphFacts, layer: dict[str, int], focus: str | None) -> set[str]:
    """Return the focus's drawn parents and children: a run's inputs and outputs, a
    version's runs and their inputs (upstream) or outputs (downstream). A ring of more
    than MAX_LAYER (a version read by 4,500 runs) clusters as any layer does."""
    if focus is None:
        return set()
    near: set[str] = set()
    for side in (facts.pred, facts.succ):
        ring = {n for n in side[focus] if n in layer and n != focus}
        beyond = set()
        if facts.kind[focus] == "artifact":
            beyond = {n for run in ring for n in side[run] if n in layer and n != focus}
        near |= {n for part in (ring, beyond) if len(part) <= MAX_LAYER for n in part}
    return near


def _near_bucket(facts: GraphFacts, n: str) -> str:
    """Return the bucket of one of the focus's parents or children: apart from the rest;
    runs by job type (or parent run), versions by artifact, with their type after a NUL."""
    if facts.kind[n] == "run":
        return NEAR_KEY + facts.bucket[n]
    name = facts.graph.nodes[n].get("name") or n
    return f"{NEAR_KEY}{name}\x00{facts.group[n]}"


def _shown_group(bucket: str) -> str:
    """Return the group a cluster of this bucket is labelled with: the type, or children of."""
    if bucket.startswith(NEAR_KEY):
        bucket = bucket[len(NEAR_KEY) :]
        return bucket.rsplit("\x00", 1)[-1] if "\x00" in bucket[1:] else bucket
    return bucket


def _layer_clusters(facts, lay: int, kind: str, groups: dict[str, list[str]], threshold: int):
    """Return one layer's clusters for one kind; small types fold together when crowded."""
    out, folded, used = [], [], 0
    for group, members in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])):
        cost = 1 if len(members) > threshold else len(members)
        if used + cost > MAX_LAYER - 1:
            folded.append((group, members))
            continue
        used += cost
        if len(members) > threshold:
            out.append(_cluster(facts, lay, kind, group, members, 1, len(out)))
    if len(folded) == 1 and len(folded[0][1]) > threshold:
        out.append(_cluster(facts, lay, kind, folded[0][0], folded[0][1], 1, len(out)))
    elif sum(len(m) for _, m in folded) > 1:
        members = [n for _, m in folded for n in m]
        types = len({_shown_group(g) for g, _ in folded})
        out.append(_cluster(facts, lay, kind, None, members, types, len(out)))
    return out


def _cluster(facts, lay, kind, group, members, group_count, index) -> Cluster:
    """Return a cluster with its members sorted most recent first, then by id."""
    by_id = sorted(members)
    ordered = sorted(by_id, key=facts.when.__getitem__, reverse=True)
    cid = f"cluster:{lay}:{kind}:{index}"
    group = None if group is None else _shown_group(group)
    if group is not None and group.startswith(PARENT_BUCKET):
        return _children_cluster(facts, cid, lay, kind, group[len(PARENT_BUCKET) :], ordered)
    return Cluster(cid, lay, kind, group, tuple(ordered), group_count)


def _children_cluster(facts: GraphFacts, cid, lay, kind, parent: str, members) -> Cluster:
    """Return a cluster of one parent's child runs; the parent is its hub when drawn here."""
    graph = facts.graph
    if parent in graph:
        name = graph.nodes[parent].get("label") or parent
        hub = parent
    else:  # the parent is outside the project: its name comes from a child's parent facet
        name = graph.nodes[members[0]]["parent"].get("name") or parent
        hub = None
    return Cluster(cid, lay, kind, f"children of {name}", tuple(members), 1, hub=hub)


def member_shares(clusters: list[Cluster], member_cap: int) -> dict[str, int]:
    """Return how many members each cluster embeds: at most member_cap, MEMBER_BUDGET in all."""
    shares, left = {}, MEMBER_BUDGET
    ordered = sorted(clusters, key=lambda c: (len(c.members), c.id))
    for i, cluster in enumerate(ordered):
        take = min(len(cluster.members), member_cap, left // (len(ordered) - i))
        shares[cluster.id] = take
        left -= take
    return shares
