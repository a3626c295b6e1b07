"""Node entries: what the page data holds about each drawn node, cluster and member.

An entry is compact (one-letter keys, format: docs/graph.md): id, kind, type, label, a
preview's rows, and the link from the current page. The part without the link is made once
per graph (`GraphFacts.entries`): a node appears on many pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from .. import formats
from ..markdown import plain_excerpt
from .clusters import Cluster
from .facts import GraphFacts, node_kind
from .merge import merge_mark
from .text import (
    GROUP_MAX,
    LABEL_MAX,
    TEXT_MAX,
    Href,
    count_words,
    node_label,
    plain,
    safe_href,
)

ALIASES_MAX = 20
UNFINISHED = ("failed", "crashed", "skipped", "running")  # run states the graph draws


def node_entry(
    facts: GraphFacts, n: str, href: Href | None, previews: bool = True
) -> dict[str, Any]:
    """Return one node's entry, with its link (and its producer's) from the current page,
    and its preview rows unless a site's preview files hold them (`previews` False)."""
    base = facts.entries.get(n)
    if base is None:
        base = facts.entries[n] = _base_entry(facts.graph, n)
        mark = merge_mark(facts, n)
        if mark:
            base["o"] = mark  # a run the browser may draw inside its one output (merge.py)
    entry = dict(base)
    if previews:
        entry["p"] = _preview_rows(facts.graph, n)
    link = safe_href(href(n)) if href else None
    if link:
        entry["h"] = link
    producer = facts.graph.nodes[n].get("producer") if facts.kind[n] == "artifact" else None
    made_by = safe_href(href(producer)) if href and _is_node(facts, producer) else None
    if made_by:
        entry["ph"] = made_by  # the preview's "Produced by" links the run's page
    return entry


def _is_node(facts: GraphFacts, n: object) -> bool:
    """Return whether n names a node of the graph (a producer may be missing or malformed)."""
    return isinstance(n, str) and n in facts.kind


def _base_entry(graph: nx.DiGraph, n: str) -> dict[str, Any]:
    """Return one node's compact entry without links or preview: id, kind, type, label, marks."""
    attrs = graph.nodes[n]
    kind = node_kind(attrs)
    entry: dict[str, Any] = {
        "id": n,
        "k": kind,
        "g": plain(attrs.get("group") or "", GROUP_MAX),
        "l": node_label(attrs.get("label") or n),
    }
    if kind == "artifact":
        aliases = _aliases(attrs)
        if aliases:
            entry["a"] = aliases
        if attrs.get("external"):
            entry["e"] = 1
        failed = attrs.get("failed_checks")
        if _is_int(failed) and failed > 0:
            entry["q"] = failed  # failing data-quality checks: a red line on the node
    if kind == "run" and attrs.get("design"):
        entry["d"] = 1  # a job definition (OpenLineage static lineage): its edges are dashed
    elif kind == "run" and attrs.get("state") in UNFINISHED:
        entry["r"] = attrs["state"]  # drawn under the run's label; failed and crashed in red
    return entry


def _preview_rows(graph: nx.DiGraph, n: str) -> list[list[str]]:
    """Return a node's preview rows (made each time: a site's are made once, for its files)."""
    attrs = graph.nodes[n]
    return _run_preview(attrs) if node_kind(attrs) == "run" else _artifact_preview(graph, attrs)


def cluster_entry(facts: GraphFacts, cluster: Cluster, href: Href | None) -> dict[str, Any]:
    """Return a cluster node's entry (its members follow as entries pointing back to it).

    A fan also names its hub (`u`) and links the hub's page (`h`), which lists every member.
    """
    entry = {"id": cluster.id, "k": "cluster", "ck": cluster.kind, "l": cluster.label()}
    entry["n"] = cluster.count
    entry["t"] = count_words(cluster.count, cluster.kind)  # drawn under the type, as given
    if cluster.group is not None:
        entry["g"] = plain(cluster.group, GROUP_MAX)
    if cluster.hub is not None:
        entry["u"] = plain(facts.graph.nodes[cluster.hub].get("label") or cluster.hub, LABEL_MAX)
        link = safe_href(href(cluster.hub)) if href else None
        if link:
            entry["h"] = link
    return entry


def _aliases(attrs: Mapping[str, Any]) -> list[str]:
    """Return the node's aliases as short strings."""
    aliases = attrs.get("aliases") or []
    if not isinstance(aliases, list | tuple):
        return []
    return [plain(a, GROUP_MAX) for a in aliases[:ALIASES_MAX]]


def _artifact_preview(graph: nx.DiGraph, attrs: Mapping[str, Any]) -> list[list[str]]:
    """Return the preview rows of an artifact version."""
    version = attrs.get("version")
    producer = attrs.get("producer")
    rows = [
        ("Type", attrs.get("type")),
        ("Version", f"v{version}" if _is_int(version) else ""),
        ("Aliases", ", ".join(_aliases(attrs))),
        ("Digest", formats.short_digest(attrs.get("digest"))),
        ("Created", formats.time(attrs.get("created_at"))),
        ("Size", formats.size(attrs.get("size"))),
        ("Files", _file_count(attrs.get("file_count"))),
        ("Failing checks", _file_count(attrs.get("failed_checks"))),
        ("Description", _excerpt(attrs.get("description"))),
        ("Produced by", graph.nodes[producer].get("label") if producer in graph else ""),
        ("External", "yes: no run of this project logged it" if attrs.get("external") else ""),
    ]
    return _rows(rows)


def _run_preview(attrs: Mapping[str, Any]) -> list[list[str]]:
    """Return the preview rows of a run."""
    rows = [
        ("Job type", attrs.get("job_type")),
        ("State", attrs.get("state")),
        ("Started", formats.time(attrs.get("started_at"))),
        ("Duration", formats.duration(attrs.get("duration_s"))),
        ("ID", attrs.get("run_id")),
        ("Project", attrs.get("project")),
    ]
    return _rows(rows)


def _rows(rows: list[tuple[str, object]]) -> list[list[str]]:
    """Return [label, text] pairs, leaving out empty values."""
    out = []
    for label, value in rows:
        text = plain(value, TEXT_MAX)
        if text:
            out.append([label, text])
    return out


def _excerpt(markdown: object, limit: int = TEXT_MAX) -> str:
    """Return the start of a markdown text as plain text (links keep their words)."""
    if not isinstance(markdown, str) or not markdown:
        return ""
    return plain(plain_excerpt(markdown, limit), limit)


def _is_int(value: object) -> bool:
    """Return whether value is a true int (bool is not a version number)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _file_count(n: object) -> str:
    """Return a version's file count as its page shows it; "" for none (the row is left out)."""
    return formats.count(n) if _is_int(n) and n > 0 else ""
