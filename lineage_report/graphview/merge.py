"""Runs that may be drawn as one node with their output: the entries' `o` mark (docs/graph.md).

Where a run makes exactly one artifact and is that artifact's only producer (every dbt
model, many ETL tasks), the browser can draw the two as one node, the artifact with the run
inside it (lineage-graph/merge.js), which halves such a graph. Whether a run qualifies is a
fact of the whole graph, not of a page (a page may not draw the run's other outputs), so it
is worked out here, once per node, with the node's cached entry. A run from dbt is marked
2: a page drawing one opens merged, as dbt docs draws a model as one node.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any
from weakref import WeakKeyDictionary

import networkx as nx

from .facts import GraphFacts

ONE_OUTPUT = 1  # a run that makes one artifact, its only producer
ONE_OUTPUT_DBT = 2  # the same, from dbt: its page opens with such pairs merged
DBT_JOB = "dbt "  # the dbt reader's job types: "dbt model", "dbt seed", "dbt source", ...
DBT_TAG = "dbt"  # OpenLineage's dbt integration (its jobType facet), as the reader tags it


def merge_mark(facts: GraphFacts, n: str) -> int:
    """Return the `o` mark of a node: 2 or 1 for a run that makes one artifact alone, else 0."""
    if made_alone(facts.kind, facts.pred, facts.succ, n) is None:
        return 0
    return ONE_OUTPUT_DBT if is_dbt_run(facts.graph.nodes[n]) else ONE_OUTPUT


def made_alone(kind: Mapping[str, str], pred: Mapping, succ: Mapping, n: str) -> str | None:
    """Return the artifact a run makes alone (its one output, of which it is the only
    producer), else None: the pair the browser may draw as one node."""
    if kind[n] != "run":
        return None
    made = succ[n]
    if len(made) != 1:
        return None
    (artifact,) = made
    if kind[artifact] != "artifact" or len(pred[artifact]) != 1:
        return None
    return artifact


# A build's graph → its model_pages: the views, the status's hashes and the search index
# all ask, and the graph does not change once built.
_MODEL_PAGES: WeakKeyDictionary = WeakKeyDictionary()


def model_pages(graph: nx.DiGraph) -> tuple[dict[str, str], dict[str, str]]:
    """Return the pages a dbt model's version page stands for: its run's (run id → version)
    and its artifact's where that version is the artifact's only one (name → version).
    One page per model: the three said one thing (issue 15)."""
    found = _MODEL_PAGES.get(graph)
    if found is None:
        found = _MODEL_PAGES[graph] = _model_pages(graph)
    return found


def _model_pages(graph: nx.DiGraph) -> tuple[dict[str, str], dict[str, str]]:
    """Work out model_pages."""
    kind = {n: d["kind"] for n, d in graph.nodes(data=True)}
    versions = Counter(d["name"] for n, d in graph.nodes(data=True) if kind[n] == "artifact")
    runs, names = {}, {}
    for n, data in graph.nodes(data=True):
        version = made_alone(kind, graph.pred, graph.succ, n)
        if version is None or not is_dbt_run(data):  # the runs merge_mark marks 2
            continue
        runs[n] = version
        name = graph.nodes[version]["name"]
        if versions[name] == 1:
            names[name] = version
    return runs, names


def is_model(facts: GraphFacts, n: str) -> bool:
    """Return whether a node is a dbt model (or seed, source, ...): a run marked 2, or the
    version such a run makes alone."""
    if facts.kind[n] == "artifact":
        made_by = facts.pred[n]
        return len(made_by) == 1 and merge_mark(facts, next(iter(made_by))) == ONE_OUTPUT_DBT
    return merge_mark(facts, n) == ONE_OUTPUT_DBT


def is_dbt_run(attrs: Mapping[str, Any]) -> bool:
    """Return whether a run came from dbt: the dbt reader's job type or OpenLineage's tag."""
    job_type = attrs.get("job_type")
    tags = attrs.get("tags")
    if isinstance(job_type, str) and job_type.startswith(DBT_JOB):
        return True
    return isinstance(tags, list | tuple) and DBT_TAG in tags
