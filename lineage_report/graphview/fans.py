"""Fans: a hub's neighbours drawn as clusters that list a few members and count the rest.

A node met on another node's page with more than `FAN_LIMIT` neighbours one way (a run with
10,000 outputs) is a hub: its neighbours are not walked but drawn as fans, one per type for
its `FAN_GROUPS` largest types and one for the rest, each listing `FAN_MEMBERS` members, so
the page of each of those neighbours costs the same however wide the hub is; the hub's own
page lists them all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import islice

from .. import formats
from .clusters import Cluster
from .facts import GraphFacts
from .layout import Edge
from .text import LABEL_MAX, plain

FAN_MEMBERS = 10  # members one cluster of a hub's neighbours lists on other nodes' pages
FAN_GROUPS = 8  # types of a hub's neighbours drawn as their own clusters; the rest fold


@dataclass(frozen=True)
class _FanPlan:
    """One fan of a hub: the hub's neighbours one way of one type (or of the folded types)."""

    kind: str
    group: str | None  # None: the types beyond FAN_GROUPS, folded together
    members: tuple[str, ...]  # sorted by id
    tally: tuple[tuple[str, int], ...]  # its types and how many of each


def _fan_plans(facts: GraphFacts, hub: str, way: str) -> tuple[_FanPlan, ...]:
    """Return the hub's fans one way, planned once per graph however many pages meet it."""
    plans = facts.fan_plans.get((hub, way))
    if plans is None:
        plans = facts.fan_plans[(hub, way)] = _plan_fans(facts, hub, way)
    return plans


def _plan_fans(facts: GraphFacts, hub: str, way: str) -> tuple[_FanPlan, ...]:
    """Group a hub's neighbours one way by kind and type: the largest types each a fan,
    the rest folded into one."""
    by_type: dict[tuple[str, str], list[str]] = defaultdict(list)
    for n in (facts.pred if way == "up" else facts.succ)[hub]:
        by_type[(facts.kind[n], facts.group[n])].append(n)
    ordered = sorted(by_type.items(), key=lambda t: (-len(t[1]), t[0]))
    own, folded = ordered[:FAN_GROUPS], ordered[FAN_GROUPS:]
    if len(folded) == 1:
        own, folded = ordered, []
    plans = [
        _FanPlan(kind, group, tuple(sorted(members)), ((group, len(members)),))
        for (kind, group), members in own
    ]
    if folded:
        members = tuple(sorted(n for _, ns in folded for n in ns))
        tally = tuple((group, len(ns)) for (_, group), ns in folded)
        plans.append(_FanPlan(folded[0][0][0], None, members, tally))
    return tuple(plans)


def hub_fans(facts: GraphFacts, nodes: list[str], hubs: list[tuple[str, str]]) -> list[Cluster]:
    """Return the fans of the hubs a page met: the hub's neighbours not drawn otherwise,
    per type, the first FAN_MEMBERS by id listed (each once on the page), the rest counted.

    Members are listed by id, not by time: which ones a page lists then depends only on
    the hub's neighbours, which the hub's own record in the build status covers.
    """
    walked = set(nodes)
    taken = set(walked)
    fans = []
    for hub, way in sorted(set(hubs)):
        around = (facts.pred if way == "up" else facts.succ)[hub]
        drawn: dict[tuple[str, str], int] = defaultdict(int)  # neighbours drawn, by type
        for n in walked:
            if n in around:
                drawn[(facts.kind[n], facts.group[n])] += 1
        for i, plan in enumerate(_fan_plans(facts, hub, way)):
            left = [(g, n - drawn[(plan.kind, g)]) for g, n in plan.tally]
            tally = tuple((g, n) for g, n in left if n > 0)
            if not tally:
                continue
            listed = tuple(islice((m for m in plan.members if m not in taken), FAN_MEMBERS))
            taken.update(listed)
            size = sum(n for _, n in tally)
            cid = f"cluster:{way}:{i}:{hub}"
            fans.append(
                Cluster(cid, 0, plan.kind, plan.group, listed, len(tally), size, hub, tally, way)
            )
    return fans


def fan_links(fans: list[Cluster]) -> list[Edge]:
    """Return the edges that join each fan to its hub, in lineage order."""
    return [(f.id, f.hub) if f.way == "up" else (f.hub, f.id) for f in fans]


def relation(kind: str, way: str) -> str:
    """Return how a node's neighbours one way relate to it: "outputs of", "runs that used"."""
    if kind == "run":
        return "inputs of" if way == "up" else "outputs of"
    return "producers of" if way == "up" else "runs that used"


def fan_note(facts: GraphFacts, hubs: list[tuple[str, str]]) -> str:
    """Return the sentence that says whose neighbours are drawn as fans, or ""."""
    met = sorted(set(hubs))
    if not met:
        return ""
    parts = []
    for hub, way in met[:3]:
        count = len((facts.pred if way == "up" else facts.succ)[hub])
        label = plain(facts.graph.nodes[hub].get("label") or hub, LABEL_MAX)
        parts.append(f"the {formats.count(count)} {relation(facts.kind[hub], way)} {label}")
    if len(met) > 3:
        parts.append(f"those of {formats.plural(len(met) - 3, 'more node')}")
    listed = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    return (
        f"Beyond {listed}, the walk stops: they are drawn as clusters listing at most "
        f"{FAN_MEMBERS} members each, and the page of {'each' if len(met) > 1 else 'that'} "
        "node lists them all."
    )
