"""Export and query: the lineage graph for other tools, and who-came-from-what tables.

`lineage-report export` writes the whole graph, or one node's neighbourhood (`--focus`), as
Mermaid (for READMEs), Graphviz DOT, GraphML or node-link JSON. `lineage-report query`
prints what a node comes from (upstream) or what comes from it (downstream), nearest first.
Every output is sorted, so two runs over the same inputs give the same bytes, and every
label is escaped for its format: names in manifests are untrusted.
The commands (`commands/export.py`) are documented in docs/export.md.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

import networkx as nx

from . import naming
from .errors import LineageReportError
from .formats import did_you_mean, plural
from .graphview import GROUP_MAX, LABEL_MAX, mermaid
from .graphview.style import FOCUS_BORDER, PALETTE
from .lineage import Lineage
from .problems import WARNING, Problem
from .terminal import defuse, hash_commands, one_line, safe_json

__all__ = ["FORMATS", "QueryRow", "export", "node_id_of", "query", "select"]

FORMATS = ("mermaid", "dot", "graphml", "json")
DIRECTIONS = ("both", "up", "down")
MERMAID_MAX_EDGES = 500  # Mermaid's default `maxEdges`: beyond it the diagram does not render

_SURROGATE = re.compile("[\ud800-\udfff]")
# Characters XML 1.0 cannot hold at all, not even as a character reference.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Quote, backslash and entity start, markup (DOT is pasted into HTML too) and control characters.
_DOT_SPECIAL = re.compile('[&\\\\"<>\x00-\x1f\x7f-\x9f\u2028\u2029]')
# A line break inside an element's text (between tags every line starts with `<`).
_TEXT_BREAK = re.compile(r"\r|\n(?![ \t]*(?:<|\Z))")

ARTIFACT_STYLE = {
    "shape": "box",
    "style": "filled",
    "fillcolor": PALETTE["artifact"]["background"],
    "color": PALETTE["artifact"]["border"],
}
RUN_STYLE = {
    "shape": "box",
    "style": "rounded,filled",
    "fillcolor": PALETTE["run"]["background"],
    "color": PALETTE["run"]["border"],
}
EXTERNAL_STYLE = {"style": "dashed,filled"}
FOCUS_STYLE = {"color": FOCUS_BORDER, "penwidth": "3"}


# ---------------------------------------------------------------- warnings


def export_problems(graph: nx.DiGraph, fmt: str, where: str) -> list[Problem]:
    """Return what the reader of an export written to `where` should know: that Mermaid
    will not draw a graph this big."""
    edges = graph.number_of_edges()
    if fmt != "mermaid" or edges <= MERMAID_MAX_EDGES:
        return []
    message = (
        f"{edges:,} edges: Mermaid draws at most {MERMAID_MAX_EDGES} by default (maxEdges); "
        "export a part with --focus"
    )
    return [Problem(where, "", message, "export.too-many-edges", WARNING)]


# ---------------------------------------------------------------- choosing the nodes


def node_id_of(lineage: Lineage, ref: str) -> str:
    """Return the node id `ref` names: a node id, an artifact name as written (its latest),
    name:vN, name:alias, run id or run name.

    The whole text is tried as a name first: dataset names hold `:` and `/`
    (`postgres://h:5432/db.s.t`), so only when no artifact has that name is its last
    `:tail` read as a version or an alias. A miss suggests the nearest names.
    """
    named = _named(lineage, ref)
    if named is not None:
        return named
    try:
        return lineage.node(ref).id
    except KeyError as exc:
        message = exc.args[0]
    runs = [
        n for n, d in lineage.graph.nodes(data=True) if d["kind"] == "run" and d.get("name") == ref
    ]
    if len(runs) == 1:
        return runs[0]
    if runs:
        raise LineageReportError(f"run name '{ref}' is ambiguous: {', '.join(sorted(runs))}")
    raise LineageReportError(message + did_you_mean(ref, _names(lineage, ref)))


def _named(lineage: Lineage, name: str) -> str | None:
    """Return the node of the artifact called exactly `name`: its latest, else its newest."""
    if name in lineage.graph:
        return name
    versions = [
        (d.get("version"), n)
        for n, d in lineage.graph.nodes(data=True)
        if d["kind"] == "artifact" and d.get("name") == name
    ]
    if not versions:
        return None
    try:
        return lineage.artifact(name + ":latest").id
    except KeyError:  # no version holds `latest` (all failed): the newest one
        return max(versions, key=lambda v: (v[0] is not None, v[0] or 0, v[1]))[1]


def _names(lineage: Lineage, ref: str) -> list[str]:
    """Return what `ref` may have meant: the versions of its name, else every name and run."""
    name = ref.rpartition(":")[0]
    nodes = lineage.graph.nodes(data=True)
    own = [
        naming.node_ref(n) for n, d in nodes if d["kind"] == "artifact" and d.get("name") == name
    ]
    if own:
        return own
    return sorted({d.get("name") for _, d in nodes if isinstance(d.get("name"), str)})


def select(
    lineage: Lineage, focus: str | None = None, depth: int | None = None, direction: str = "both"
) -> nx.DiGraph:
    """Return a sorted copy of the graph, or of `focus` with its neighbourhood within depth."""
    graph = lineage.graph
    if focus is None:
        return _sorted_copy(graph, graph.nodes)
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
    start = node_id_of(lineage, focus)
    nodes = {start}
    if direction in ("both", "up"):
        nodes.update(lineage.distances(start, graph.predecessors, depth))
    if direction in ("both", "down"):
        nodes.update(lineage.distances(start, graph.successors, depth))
    copy = _sorted_copy(graph, nodes)
    copy.graph.update(focus=start, depth=depth, direction=direction)
    return copy


def _sorted_copy(graph: nx.DiGraph, nodes: Iterable[str]) -> nx.DiGraph:
    """Return the subgraph induced by `nodes`, with nodes and edges inserted in sorted order."""
    keep = sorted(set(nodes))
    copy = nx.DiGraph()
    copy.add_nodes_from((n, dict(graph.nodes[n])) for n in keep)
    edges = graph.subgraph(keep).edges(data=True)
    copy.add_edges_from(sorted(((u, v, dict(d)) for u, v, d in edges), key=lambda e: e[:2]))
    return copy


# ---------------------------------------------------------------- formats


def export(
    lineage: Lineage,
    fmt: str,
    focus: str | None = None,
    depth: int | None = None,
    direction: str = "both",
) -> str:
    """Return the lineage graph (or `focus`'s neighbourhood) as text in format `fmt`."""
    if fmt not in EXPORTERS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    return EXPORTERS[fmt](select(lineage, focus, depth, direction))


def to_mermaid(graph: nx.DiGraph) -> str:
    """Return a Mermaid flowchart: graphview's text, one node per lineage node, by id.

    Mermaid draws at most MERMAID_MAX_EDGES by default: `export_problems` says so.
    """
    index = {n: i for i, n in enumerate(graph)}
    # graphview orders nodes by position: x = rank in sorted order makes that the id order.
    entries = [_mermaid_entry(n, attrs, i) for i, (n, attrs) in enumerate(graph.nodes(data=True))]
    flat = [index[n] for pair in graph.edges() for n in pair]
    return mermaid({"nodes": entries, "edges": flat, "focus": graph.graph.get("focus")})


def _mermaid_entry(node: str, attrs: dict[str, Any], rank: int) -> dict[str, Any]:
    """Return the node entry graphview's Mermaid writer reads (format: docs/graph.md)."""
    kind = "run" if attrs.get("kind") == "run" else "artifact"
    group = one_line(attrs.get("group"), GROUP_MAX)
    return {"id": node, "k": kind, "g": group, "l": _label(node, attrs), "x": rank, "y": 0}


def to_dot(graph: nx.DiGraph) -> str:
    """Return Graphviz DOT: left to right, artifacts as boxes, runs rounded, every string quoted."""
    focus = graph.graph.get("focus")
    lines = [
        "digraph lineage {",
        "  graph [rankdir=LR];",
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [color="#64748b"];',
    ]
    for node, attrs in graph.nodes(data=True):
        lines.append(f"  {_dot_quote(node)} [{_dot_attrs(_dot_node_attrs(node, attrs, focus))}];")
    lines.extend(f"  {_dot_quote(u)} -> {_dot_quote(v)};" for u, v in graph.edges())
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_node_attrs(node: str, attrs: dict[str, Any], focus: str | None) -> dict[str, str]:
    """Return a node's DOT attributes: two-line label, shape and colours by kind."""
    style = dict(RUN_STYLE if attrs.get("kind") == "run" else ARTIFACT_STYLE)
    if attrs.get("kind") != "run" and attrs.get("external"):
        style.update(EXTERNAL_STYLE)
    if node == focus:
        style.update(FOCUS_STYLE)
    group = one_line(attrs.get("group"), GROUP_MAX)
    # "\n" is DOT's own line break inside a label; the texts around it are escaped.
    label = _dot_escape(group) + "\\n" + _dot_escape(_label(node, attrs))
    return {"label": label, **{k: _dot_escape(v) for k, v in style.items()}}


def _dot_attrs(attrs: dict[str, str]) -> str:
    """Return `key="value", ...` for values already escaped."""
    return ", ".join(f'{key}="{value}"' for key, value in attrs.items())


def _dot_quote(text: str) -> str:
    """Return text as a quoted DOT ID."""
    return '"' + _dot_escape(text) + '"'


def _dot_escape(text: str) -> str:
    """Return text safe inside a DOT quoted string, whichever Graphviz lexer reads it.

    Only `"` is escaped with a backslash. A backslash of the text becomes the entity &#92;:
    some Graphviz versions read `\\"` as backslash-quote, so a text ending in a backslash
    would swallow the closing quote. `<` and `>` become entities too, so a DOT file pasted into
    an HTML page (as d3-graphviz does) cannot close its script element. Graphviz decodes
    entities in labels.
    """
    text = _SURROGATE.sub("\ufffd", text)
    return hash_commands(_DOT_SPECIAL.sub(_dot_entity, text), "&#35;")  # `##[` in a CI log


def _dot_entity(match: re.Match) -> str:
    """Return the DOT spelling of one special character."""
    char = match.group()
    return {"&": "&amp;", '"': '\\"'}.get(char) or f"&#{ord(char)};"


def to_graphml(graph: nx.DiGraph) -> str:
    """Return GraphML; dicts and lists become JSON strings and None the empty string."""
    plain = nx.DiGraph()
    plain.graph.update(_plain_attrs(graph.graph))
    plain.add_nodes_from((_xml_text(n), _plain_attrs(a)) for n, a in graph.nodes(data=True))
    plain.add_edges_from(
        (_xml_text(u), _xml_text(v), _plain_attrs(a)) for u, v, a in graph.edges(data=True)
    )
    if plain.number_of_nodes() != graph.number_of_nodes():
        raise LineageReportError("node ids differ only in characters XML cannot hold")
    out = io.BytesIO()
    # A key holding numbers on some nodes and "" on others is declared a string.
    nx.write_graphml(plain, out, encoding="utf-8", infer_numeric_types=True)
    return _inert_xml(out.getvalue().decode("utf-8"))


def _inert_xml(text: str) -> str:
    """Return XML whose lines all start with markup: a name can start no line of a CI log.

    A line break in a value becomes a character reference, which parses to the same value
    (a raw CR would even be lost to line-end normalisation); so does the `#` of `##[`.
    """
    text = _TEXT_BREAK.sub(lambda m: "&#13;" if m.group() == "\r" else "&#10;", text)
    return hash_commands(text, "&#35;")


def _plain_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """Return attributes GraphML can hold: str, int, float and bool, sorted by key."""
    return {_xml_text(k): _plain_value(attrs[k]) for k in sorted(attrs)}


def _plain_value(value: Any) -> str | int | float | bool:
    """Return one attribute value as a GraphML scalar."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return _xml_text(value)
    return _xml_text(_json(value, indent=None))


def _xml_text(text: str) -> str:
    """Return text with the characters XML 1.0 cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", str(text))


def to_json(graph: nx.DiGraph) -> str:
    """Return node-link JSON (edges under "edges"), keys sorted, for networkx.node_link_graph."""
    return _json(nx.node_link_data(graph, edges="edges"), indent=2) + "\n"


def _json(obj: Any, indent: int | None) -> str:
    """Return sorted JSON text; lone surrogates (from hostile input) stay as \\u escapes."""
    text = json.dumps(obj, indent=indent, sort_keys=True, ensure_ascii=False, default=str)
    return safe_json(_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


EXPORTERS: dict[str, Callable[[nx.DiGraph], str]] = {
    "mermaid": to_mermaid,
    "dot": to_dot,
    "graphml": to_graphml,
    "json": to_json,
}


def _label(node: str, attrs: dict[str, Any]) -> str:
    """Return the node's label as one line of plain text."""
    return one_line(attrs.get("label") or node, LABEL_MAX)


def _plain(text: str) -> str:
    """Return a node id as one line of text, whole."""
    return one_line(text, len(text))


# ---------------------------------------------------------------- query


@dataclass(frozen=True)
class QueryRow:
    """One node found by a query, with its distance in edges from the start."""

    depth: int
    kind: str
    label: str
    group: str
    id: str


def query(lineage: Lineage, direction: str, start: str, depth: int | None = None) -> list[QueryRow]:
    """Return the nodes upstream or downstream of node id `start`, nearest first, then by id."""
    graph = lineage.graph
    step = graph.predecessors if direction == "upstream" else graph.successors
    found = lineage.distances(start, step, depth)
    return [_row(graph, n, found[n]) for n in sorted(found, key=lambda n: (found[n], n))]


def _row(graph: nx.DiGraph, node: str, depth: int) -> QueryRow:
    """Return the query row of one node."""
    attrs = graph.nodes[node]
    group = one_line(attrs.get("group"), GROUP_MAX)
    return QueryRow(depth, attrs["kind"], _label(node, attrs), group, node)


def query_table(lineage: Lineage, start: str, direction: str, rows: list[QueryRow]) -> str:
    """Return the query result as a heading and an aligned plain-text table."""
    label = _label(start, lineage.graph.nodes[start])
    title = f"{direction.capitalize()} of {label} ({_plain(start)})"
    if not rows:
        return defuse(f"{title}: nothing") + "\n"
    header = ("depth", "kind", "name", "type", "id")
    # Ids are shown raw nowhere on a terminal: an escape sequence in a name stays inert.
    cells = [header, *((str(r.depth), r.kind, r.label, r.group, _plain(r.id)) for r in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [f"{title}: {plural(len(rows), 'node')}", ""]
    for row in cells:
        padded = [row[0].rjust(widths[0])] + [
            c.ljust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(defuse(line) for line in lines) + "\n"  # a CI log runs `##[...]`


def query_json(
    lineage: Lineage, start: str, direction: str, depth: int | None, rows: list[QueryRow]
) -> dict[str, Any]:
    """Return the query result as a JSON-ready object."""
    return {
        "node": start,
        "label": _label(start, lineage.graph.nodes[start]),
        "direction": direction,
        "depth": depth,
        "results": [asdict(r) for r in rows],
    }
