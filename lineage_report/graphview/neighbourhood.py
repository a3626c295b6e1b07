"""The nodes a page draws: a node's upstream and downstream lineage, walked step by step.

A walk stops after the step that passes `walk_limit` nodes (`WALK_LIMIT`, or
`MODEL_WALK_LIMIT` on a dbt model's page), and does not go through a hub
(a node other than the page's own with more than `FAN_LIMIT` neighbours one way): a hub's
neighbours are left to its fans (`fans`), so no page grows with a hub's width.
"""

from __future__ import annotations

from collections.abc import Mapping

from .. import formats
from .facts import GraphFacts
from .layout import Edge
from .merge import is_model

# Nodes walked each way before a page's walk stops at the current step (the default of the
# `lineage_limit` setting). A dense DAG's page drew up to 1,000 each way: 20 of 30 dbt pages
# opened too small to label, and its pages grew with the project (issue 15).
WALK_LIMIT = 50
# A dbt model's page walks fewer by default. A dbt DAG's steps are wide and its run and
# table draw as one node: at 50, 4 of 40 sampled model pages of 10,000 opened with their
# labels whole, 26 of 40 at 25, and the site was a fifth smaller. Not for every page: a
# clustered level spends the walk node by node, and at 25 a sweep's data page lost its
# evaluation and deploy (benchmarks/RESULTS.md, sessions of 2026-12-07).
MODEL_WALK_LIMIT = 25
FAN_LIMIT = 200  # neighbours one way above which a node met on another's page is a hub


def walk_limit(facts: GraphFacts, focus: str, limit: int | None) -> int:
    """Return the nodes a page's walk takes each way: `limit` when the project sets it,
    else the default for the page's node (fewer for a dbt model's)."""
    if limit is not None:
        return limit
    return MODEL_WALK_LIMIT if is_model(facts, focus) else WALK_LIMIT


def neighbourhood(
    facts: GraphFacts, focus: str, depth: int | None, limit: int, direction: str, fan_limit: int
) -> tuple[list[str], dict[str, int], list[tuple[str, str]]]:
    """Return focus plus its upstream and downstream nodes, where each walk stopped, and
    the hubs met (with the way their neighbours lie)."""
    nodes, cut, hubs = [focus], {}, []
    for way, adj in (("up", facts.pred), ("down", facts.succ)):
        if direction in ("both", way):
            found, stopped, met = _walk(adj, focus, depth, limit, fan_limit)
            nodes.extend(found)
            hubs.extend((hub, way) for hub in met)
            if stopped is not None:
                cut[way] = stopped
    return nodes, cut, hubs


def _walk(
    adj: Mapping, start: str, depth: int | None, limit: int, fan_limit: int
) -> tuple[list[str], int | None, list[str]]:
    """Walk one way step by step; stop after the step that passes `limit` nodes.

    A node other than `start` with more than `fan_limit` neighbours this way is a hub:
    its neighbours are left to its fans (returned last), so no step grows with a hub.
    """
    seen, ring, found, steps, hubs = {start}, [start], [], 0, []
    while ring and (depth is None or steps < depth):
        if len(found) > limit:
            more = any(m not in seen for n in ring for m in adj[n])
            return found, (steps if more else None), hubs
        nxt = []
        for n in ring:
            around = adj[n]
            if n != start and len(around) > fan_limit:
                hubs.append(n)
                continue
            for m in around:
                if m not in seen:
                    seen.add(m)
                    nxt.append(m)
        found.extend(nxt)
        ring = nxt
        steps += 1
    return found, None, hubs


def induced_edges(facts: GraphFacts, nodes: list[str]) -> list[Edge]:
    """Return the edges among `nodes`, sorted, without scanning a hub's every neighbour."""
    inside = set(nodes)
    edges = []
    for u in nodes:
        succ = facts.succ[u]
        # A hub on a small page: test the page's nodes against it, not its 10,000 successors.
        targets = (
            (v for v in succ if v in inside)
            if len(succ) <= len(inside)
            else (v for v in inside if v in succ)
        )
        edges.extend((u, v) for v in targets if v != u)
    return sorted(edges)


def cut_note(cut: dict[str, int], limit: int) -> str:
    """Return the sentence that says where a page's walk stopped, or ""."""
    parts = [
        f"{formats.plural(steps, 'step')} {way}stream"
        for way, steps in sorted(cut.items(), reverse=True)
    ]
    if not parts:
        return ""
    return (
        f"Lineage shown for {' and '.join(parts)}: "
        f"beyond {formats.count(limit)} nodes the walk stops; "
        "open a node's page to follow it further."
    )
