"""Groupings: the project graph by namespace, dbt package or folder, or project (issue 13).

The type overview groups nodes by artifact type and job type; a grouping groups them by
where they live, with edges where lineage joins the groups, each counted. A node's own
key comes from its attributes (`node_keys`): an OpenLineage dataset's namespace (a dbt
relation's database.schema) or job namespace, a dbt node's package and folder, a run's
project, and a configured key (a run's config value, a version's metadata value, of one
name: `project_graph(group_key=...)`). A node without one takes its neighbours'
(`_assign`): a run its outputs' (else its inputs'), a version its producer's (else its
readers'), so an external input sits with the runs that read it. Only the project page
carries groupings; they are laid out as the type overview is (`layering` drops the back
edges of the cycles groups can form).
"""

from __future__ import annotations

import math
import posixpath
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from .. import formats
from .facts import GraphFacts
from .layout import Edge, layering, place
from .pagedata import GraphView, with_groupings
from .text import GROUP_MAX, plain

# The groupings in the order the "Group by" select offers them, and their names there.
GROUPINGS = {
    "namespace": "namespace",
    "package": "dbt package",
    "folder": "folder",
    "project": "project",
}
GROUPS_MAX = 200  # a grouping with more groups is not offered: too many boxes to tell much
TELLING_MAX = 40  # groups the grouping a too-big project opens on may have
NONE_KEY = "(none)"  # the group of nodes with no key and no neighbour that has one
TYPE_WORDS = "showing the type overview"  # what pages.py's note of a too-big project says

# dbt's resource types: the first part of a unique id (`model.jaffle_shop.orders`).
DBT_KINDS = frozenset(
    (
        "model",
        "seed",
        "snapshot",
        "source",
        "test",
        "analysis",
        "exposure",
        "metric",
        "semantic_model",
        "saved_query",
        "unit_test",
        "function",
        "operation",
    )
)


def node_keys(attrs: Mapping[str, Any], key: str = "") -> dict[str, str]:
    """Return a node's own key in each grouping it has one in (its neighbours' not counted).

    `key` names a configured grouping (`by` "key"): a run's config value of that name, an
    artifact version's metadata value.
    """
    meta, config = _mapping(attrs.get("metadata")), _mapping(attrs.get("config"))
    run = attrs.get("kind") == "run"
    keys = {
        "namespace": _namespace(attrs, meta, config),
        "package": _text(meta.get("package_name")) or _dbt_package(config.get("unique_id")),
        "folder": _folder(meta.get("original_file_path") or config.get("original_file_path")),
        "project": _text(attrs.get("project")) if run else "",
        "key": _scalar((config if run else meta).get(key)) if key else "",
    }
    return {by: value for by, value in keys.items() if value}


def groupings_data(facts: GraphFacts, key: str = "") -> list[dict[str, Any]]:
    """Return the project's groupings that split it into 2 to GROUPS_MAX groups, each once.

    A grouping that cuts the project exactly as an earlier one does is left out (a dbt
    project's one package is its project). `key` adds the configured grouping, last.
    """
    own = {n: node_keys(a, key) for n, a in facts.graph.nodes(data=True)}
    edges = [(u, v) for u, outs in facts.succ.items() for v in outs if u != v]
    labels = {**GROUPINGS, "key": plain(key, GROUP_MAX)} if key else GROUPINGS
    out: list[dict[str, Any]] = []
    seen: set[frozenset] = set()
    for by, label in labels.items():
        mine = {n: keys[by] for n, keys in own.items() if by in keys}
        if len(set(mine.values())) < 2:  # neighbours only hand keys on: no new groups
            continue
        group = _assign(facts, mine)
        cut = _partition(group)
        if len(cut) > GROUPS_MAX or cut in seen:
            continue
        seen.add(cut)
        out.append(_grouping(facts, (by, label), group, edges))
    return out


def telling(groupings: Iterable[dict[str, Any]]) -> str | None:
    """Return the grouping that tells most (most evenly many groups, up to TELLING_MAX)."""
    best, score = None, 0.0
    for grouping in groupings:
        sizes = [e["n"] for e in grouping["nodes"]]
        if len(sizes) > TELLING_MAX:
            continue
        total = sum(sizes)
        # The effective number of groups: 4 groups of 25 nodes score 4, 97+1+1+1 near 1.
        even = math.exp(-sum(s / total * math.log(s / total) for s in sizes if s))
        if even > score + 1e-9:
            best, score = grouping["by"], even
    return best


def grouped(view: GraphView, facts: GraphFacts, max_bytes: int, key: str = "") -> GraphView:
    """Return the project view with its groupings; the biggest left out while over max_bytes.

    A project too big to draw opens on the grouping that tells most, and its note says so.
    """
    groupings = groupings_data(facts, key)
    while True:
        by = telling(groupings) if not view.data["nodes"] else None
        label = next((g["l"] for g in groupings if g["by"] == by), "")
        note = view.note.replace(TYPE_WORDS, f"showing it grouped by {label}") if by else view.note
        out = with_groupings(view, groupings, by, note)
        if out.byte_size <= max_bytes or not groupings:
            return out
        groupings.remove(max(groupings, key=lambda g: len(g["nodes"])))


# ---------------------------------------------------------------- one grouping


def _assign(facts: GraphFacts, own: dict[str, str]) -> dict[str, str]:
    """Return every node's group: its own key, else its neighbours', else NONE_KEY.

    In waves out from the nodes with keys: a run takes its outputs' (else its inputs'), a
    version its producer's (else its readers'), so a chain of nodes without keys (a dbt
    metric derived from metrics) joins the group it hangs from.
    """
    key = dict(own)
    todo = sorted(n for n in facts.kind if n not in key)
    while todo:
        found = {}
        for n in todo:
            run = facts.kind[n] == "run"
            first, then = (facts.succ, facts.pred) if run else (facts.pred, facts.succ)
            k = _common(key, first[n]) or _common(key, then[n])
            if k:
                found[n] = k
        if not found:
            break
        key.update(found)
        todo = [n for n in todo if n not in found]
    key.update(dict.fromkeys(todo, NONE_KEY))
    return key


def _common(key: dict[str, str], nodes: Iterable[str]) -> str:
    """Return the key most of `nodes` have (the first by name on a tie), "" when none has one."""
    counts = Counter(key[n] for n in nodes if n in key)
    if not counts:
        return ""
    return min(counts, key=lambda k: (-counts[k], k))


def _partition(key: dict[str, str]) -> frozenset:
    """Return the groups of a node -> group map as sets of nodes, to compare two groupings."""
    groups: dict[str, set[str]] = defaultdict(set)
    for n, k in key.items():
        groups[k].add(n)
    return frozenset(frozenset(members) for members in groups.values())


def _grouping(
    facts: GraphFacts, named: tuple[str, str], key: dict[str, str], edges: list[Edge]
) -> dict:
    """Return one grouping's overview: a node per group, laid out, and the counted joins.

    `named` is the grouping's `by` and its name in the select.
    """
    by, label = named
    runs: Counter = Counter()
    versions: Counter = Counter()
    for n, k in key.items():
        (runs if facts.kind[n] == "run" else versions)[k] += 1
    joins = Counter((key[u], key[v]) for u, v in edges if key[u] != key[v])
    ids = {k: f"group:{by}:{k}" for k in set(key.values())}
    pairs = sorted((ids[a], ids[b]) for a, b in joins)
    pos = place(layering(sorted(ids.values()), pairs), pairs)
    ins, outs = Counter(), Counter()
    for (a, b), n in joins.items():
        outs[a] += n
        ins[b] += n
    order = sorted(ids, key=lambda k: (*pos[ids[k]], ids[k]))
    nodes = [_entry(ids[k], k, runs[k], versions[k], ins[k], outs[k], pos[ids[k]]) for k in order]
    index = {k: i for i, k in enumerate(order)}
    joined = sorted((index[a], index[b], n) for (a, b), n in joins.items())
    return {
        "by": by,
        "l": label,
        "nodes": nodes,
        "edges": [i for a, b, _ in joined for i in (a, b)],
        "c": [n for _, _, n in joined],
    }


def _entry(gid: str, key: str, runs: int, versions: int, ins: int, outs: int, xy) -> dict:
    """Return a group's node: drawn as a type node is, coloured by what it mostly holds."""
    label = plain(key, GROUP_MAX)
    words = [formats.plural(n, noun) for n, noun in ((runs, "run"), (versions, "version")) if n]
    rows = [
        ["Runs", formats.count(runs)],
        ["Artifact versions", formats.count(versions)],
        ["Edges in", formats.count(ins)],
        ["Edges out", formats.count(outs)],
    ]
    return {
        "id": gid,
        "k": "type",
        "ck": "run" if runs > versions else "artifact",
        "g": label,
        "l": label,
        "n": runs + versions,
        "t": " · ".join(words),
        "p": rows,
        "x": xy[0],
        "y": xy[1],
    }


# ---------------------------------------------------------------- a node's own keys


def _namespace(attrs: Mapping[str, Any], meta: Mapping, config: Mapping) -> str:
    """Return an OpenLineage namespace (a dataset's, a job's) or a dbt relation's schema."""
    if attrs.get("kind") == "run":
        job, project = _text(config.get("job")), _text(attrs.get("project"))
        # The OpenLineage reader names a run's job `namespace/name` and its project the namespace.
        return project if project and job.startswith(project + "/") else ""
    if _text(meta.get("namespace")):
        return _text(meta["namespace"])
    parts = [_text(meta.get("database")), _text(meta.get("schema"))]
    return ".".join(p for p in parts if p)


def _dbt_package(unique_id: object) -> str:
    """Return the package of a dbt unique id (`model.jaffle_shop.orders`), else ""."""
    parts = _text(unique_id).split(".")
    return parts[1] if len(parts) >= 3 and parts[0] in DBT_KINDS else ""


def _folder(path: object) -> str:
    """Return the folder of a file path in a dbt project ("." for a file at its top)."""
    text = _text(path)
    return (posixpath.dirname(text) or ".") if text else ""


def _scalar(value: object) -> str:
    """Return a configured key's value as text: a string, number or true/false; else ""."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, str | int | float) else ""


def _text(value: object) -> str:
    """Return a string value as it is, anything else as ""."""
    return value if isinstance(value, str) else ""


def _mapping(value: object) -> dict:
    """Return a dict value as it is, anything else as an empty one."""
    return value if isinstance(value, dict) else {}  # (not Mapping: 10x faster, per node)
