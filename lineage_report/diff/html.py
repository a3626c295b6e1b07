"""The changes page that `--html DIR` writes: counts, lists and a marked graph.

`ChangesPage` is the view model of themes/default/diff/changes.html. Its graph draws the
changed nodes with one step of context, marks what was added, and draws what was removed
(put back from OLD) as ghosts, through diff-graph.js. The page and its assets go only into
a folder that is new, empty or its own (listed in a marker file), never into a built site.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
from markupsafe import Markup

from .. import formats, naming
from ..graphview import GraphView, escape_json, project_graph
from ..render import Asset, Renderer, collect_assets, hashed_asset, themes_root
from ..terminal import one_line
from ..version import __version__
from ..write import atomic_write
from .comparison import CATEGORIES, Changed, Diff
from .sides import DiffInputError
from .text import FIELDS_SHOWN, VALUE_MAX, diff_labels, impact_text, move_text, value_text

DRAW_LIMIT = 300  # nodes drawn on the changes page
PAGE_ITEMS = 500  # entries listed per section of the changes page
MARKER = ".lineage-report-diff.json"  # lists what `--html` wrote into its folder
PAGE = "index.html"


@dataclass(frozen=True)
class Row:
    """One row of the page's table of counts."""

    label: str
    added: str
    removed: str
    changed: str


@dataclass(frozen=True)
class Item:
    """One entry of a section: what changed (`mark`: added, removed, changed) and details."""

    mark: str
    text: str
    detail: str = ""


@dataclass(frozen=True)
class Section:
    """A titled list of changes, cut to PAGE_ITEMS entries."""

    title: str
    total: int
    items: list[Item]

    @property
    def heading(self) -> str:
        """Return the section's heading with its count: `Runs added (3)`."""
        return f"{self.title} ({formats.count(self.total)})"

    @property
    def more(self) -> str:
        """Say how many entries the page leaves out (the JSON report has them all), or ""."""
        left = self.total - len(self.items)
        return f"{formats.count(left)} more" if left else ""


@dataclass(frozen=True)
class ChangesPage:
    """The view model of the changes page (themes/default/diff/changes.html)."""

    title: str
    old: str
    new: str
    rows: list[Row]
    impacted: str  # "2 nodes"
    empty: bool
    sections: list[Section]
    graph: GraphView | None
    marks: Markup  # JSON for diff-graph.js: the drawn ids by mark, escaped for <script>
    graph_note: str


def changes_page(diff: Diff) -> ChangesPage:
    """Return the changes page's view model: counts, lists and the marked graph."""
    counts = diff.summary()
    rows = [
        Row(title, *(formats.count(counts[name][k]) for k in ("added", "removed", "changed")))
        for name, title in (
            ("runs", "Runs"),
            ("versions", "Artifact versions"),
            ("externals", "External inputs"),
        )
    ]
    aliases = counts["aliases"]
    count = formats.count
    rows.append(Row("Aliases", *(count(aliases[k]) for k in ("added", "removed", "moved"))))
    edges, problems = counts["edges"], counts["problems"]
    rows.append(Row("Edges", count(edges["added"]), count(edges["removed"]), "–"))
    rows.append(Row("Problems", f"{count(problems['new'])} new", count(problems["resolved"]), "–"))
    graph, marks, note = changes_graph(diff)
    return ChangesPage(
        title="Lineage changes",
        old=f"{diff.old.source} ({diff.old.kind})",
        new=f"{diff.new.source} ({diff.new.kind})",
        rows=rows,
        impacted=formats.plural(diff.impacted, "node"),
        empty=diff.empty,
        sections=page_sections(diff),
        graph=graph,
        marks=marks,
        graph_note=note,
    )


def page_sections(diff: Diff) -> list[Section]:
    """Return the page's lists, one per kind of change that has any."""
    labels = diff_labels(diff)
    impact = lambda i: impact_text(i, labels)  # noqa: E731
    aliases = [Item("changed", move_text(m), impact(m.impact)) for m in diff.aliases]
    parts: list[tuple[str, list[Item]]] = [("Aliases moved", aliases)]
    titles = {"runs": "Runs", "versions": "Artifact versions", "externals": "External inputs"}
    for name in CATEGORIES:
        cat, title = diff.category(name), titles[name]
        parts.append(
            (f"{title} added", [Item("added", n.label, impact(n.impact)) for n in cat.added])
        )
        parts.append(
            (f"{title} removed", [Item("removed", n.label, impact(n.impact)) for n in cat.removed])
        )
        parts.append((f"{title} changed", [changed_item(n, labels) for n in cat.changed]))
    for title, mark, edges in (
        ("Edges added", "added", diff.edges_added),
        ("Edges removed", "removed", diff.edges_removed),
    ):
        parts.append((title, [Item(mark, f"{labels(u)} → {labels(v)}") for u, v in edges]))
    for title, mark, found in (
        ("New problems", "added", diff.new_problems),
        ("Resolved problems", "removed", diff.resolved_problems),
    ):
        parts.append((title, [Item(mark, problem_text(p)) for p in found]))
    return [Section(t, len(items), items[:PAGE_ITEMS]) for t, items in parts if items]


def changed_item(node: Changed, labels: Callable[[str], str]) -> Item:
    """Return the page entry of a changed node: its fields, old → new."""
    shown = [
        f"{f.path}: {plain_value(f.old)} → {plain_value(f.new)}" for f in node.fields[:FIELDS_SHOWN]
    ]
    if len(node.fields) > FIELDS_SHOWN:
        shown.append(formats.plural(len(node.fields) - FIELDS_SHOWN, "more field"))
    return Item("changed", node.label, "; ".join(shown) + " — " + impact_text(node.impact, labels))


def plain_value(value: Any) -> str:
    """Return a value as short plain text."""
    text = value_text(value)
    return "(none)" if text is None else one_line(text, VALUE_MAX)


def problem_text(problem: dict[str, Any]) -> str:
    """Return a problem as builds print it."""
    where = f"{problem.get('location')}: " if problem.get("location") else ""
    return f"{problem.get('path')}: {where}{problem.get('message')} [{problem.get('kind')}]"


def marked_nodes(diff: Diff) -> dict[str, str]:
    """Return each changed node's mark, the most telling first when a node has several."""
    marks: dict[str, str] = {}
    for move in diff.aliases:
        for node in (move.old, move.new):
            if node:
                marks.setdefault(node, "changed")
    for name in CATEGORIES:
        cat = diff.category(name)
        for node in cat.removed:
            marks[node.id] = "removed"
        for node in cat.added:
            marks[node.id] = "added"
        for node in cat.changed:
            marks.setdefault(node.id, "changed")
    for u, v in [*diff.edges_added, *diff.edges_removed]:
        marks.setdefault(u, "context")
        marks.setdefault(v, "context")
    return marks


def neighbours(diff: Diff) -> dict[str, set[str]]:
    """Return each node's neighbours either way in NEW plus OLD's removed edges."""
    around: dict[str, set[str]] = {}
    for u, v in [*diff.new.edges, *diff.edges_removed]:
        around.setdefault(u, set()).add(v)
        around.setdefault(v, set()).add(u)
    return around


def merged_graph(diff: Diff, nodes: set[str]) -> nx.DiGraph:
    """Return the graph of `nodes` in NEW, with OLD's removed ones put back (as ghosts)."""
    graph = nx.DiGraph()
    for node in sorted(nodes):
        attrs = diff.new.nodes.get(node) or diff.old.nodes[node]  # NEW's attributes win
        graph.add_node(node, **{k: v for k, v in attrs.items() if k != "id"})
    edges = [*diff.new.edges, *diff.edges_removed]
    graph.add_edges_from(sorted((u, v) for u, v in edges if u in nodes and v in nodes))
    return graph


def changes_graph(diff: Diff) -> tuple[GraphView | None, Markup, str]:
    """Return the graph of the changes and their neighbours, with the marks to draw."""
    marks = marked_nodes(diff)
    if not marks:
        return None, escape_json({}), ""
    order = {"removed": 0, "added": 1, "changed": 2, "context": 3}
    chosen = sorted(marks, key=lambda n: (order[marks[n]], n))[:DRAW_LIMIT]
    note = ""
    if len(marks) > DRAW_LIMIT:
        shown, changed = formats.count(DRAW_LIMIT), formats.plural(len(marks), "changed node")
        note = f"Showing {shown} of {changed}; the lists name them all."
    drawn = set(chosen)
    around = neighbours(diff)
    for node in chosen:  # one step of context each way, while there is room
        for other in sorted(around.get(node, ())):
            if len(drawn) >= DRAW_LIMIT:
                break
            drawn.add(other)
    view = project_graph(
        merged_graph(diff, drawn),
        threshold=DRAW_LIMIT,  # mark every node: cluster only crowded layers
        limit=DRAW_LIMIT,
        title="Changed lineage",
    )
    return view, escape_json(view_marks(diff, marks, view)), note


def view_marks(diff: Diff, marks: dict[str, str], view: GraphView) -> dict[str, Any]:
    """Return the marks of what the view draws, for diff-graph.js."""
    ids = {e["id"] for e in view.data.get("nodes") or []}
    by_mark: dict[str, list[str]] = {"added": [], "removed": [], "changed": []}
    for node in sorted(ids & marks.keys()):
        if marks[node] in by_mark:
            by_mark[marks[node]].append(node)
    entries = view.data.get("nodes") or []
    clusters = sorted(
        {
            entries[e["c"]]["id"]
            for e in entries
            if "c" in e and marks.get(e["id"], "context") != "context"
        }
    )
    edges = {
        "added": [[u, v] for u, v in diff.edges_added if u in ids and v in ids],
        "removed": [[u, v] for u, v in diff.edges_removed if u in ids and v in ids],
    }
    return {"nodes": by_mark, "edges": edges, "clusters": clusters}


def diff_assets() -> list[Asset]:
    """Return the assets the changes page needs: the theme's and the diff's own."""
    wanted = {"style.css", "lineage-graph.js"}  # with the graph's styles and scripts inside
    assets = [a for a in collect_assets([themes_root() / "default"]) if a.name in wanted]
    folder = themes_root() / "default" / "diff"
    for name in ("diff-graph.js", "diff.css"):
        assets.append(hashed_asset(name, (folder / name).read_bytes()))
    return assets


def render_page(diff: Diff) -> tuple[bytes, list[Asset]]:
    """Render the changes page; return its bytes and the assets it links."""
    assets = diff_assets()
    renderer = Renderer(
        [themes_root() / "default"],
        {"site_title": "lineage-report diff", "generator": f"lineage-report {__version__}"},
    )
    text = renderer.render(
        "diff/changes.html",
        page=changes_page(diff),
        nav=[],
        assets={a.name: a.path for a in assets},
        root="",
        base_href=None,
        canonical=None,
    )
    return text.encode("utf-8", "replace"), assets


def write_page(diff: Diff, folder: Path) -> Path:
    """Write the changes page and its assets into `folder` (ours, or new, or empty)."""
    earlier = own_files(folder)
    page, assets = render_page(diff)
    files = {PAGE: page, **{a.path: a.content for a in assets}}
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, data)
    for stale in sorted(earlier - files.keys()):
        with contextlib.suppress(FileNotFoundError):
            (folder / stale).unlink()
    marker = json.dumps({"files": sorted(files)}, indent=2) + "\n"
    atomic_write(folder / MARKER, marker.encode("utf-8"))
    return folder / PAGE


def own_files(folder: Path) -> set[str]:
    """Return the files an earlier `--html` wrote into `folder`; refuse a folder not ours."""
    if folder.exists() and not folder.is_dir():
        raise DiffInputError(f"--html {folder}: not a folder")
    if (folder / naming.STATUS_NAME).exists():
        raise DiffInputError(
            f"--html {folder}: a built site; give the changes page its own folder "
            "(a subfolder listed in keep_files is published with the site)"
        )
    listed: set[str] = set()
    with contextlib.suppress(OSError, ValueError, TypeError):
        listed = set(json.loads((folder / MARKER).read_text("utf-8"))["files"])
    present = set(files_under(folder)) - {MARKER}
    foreign = sorted(present - listed)
    if foreign:
        raise DiffInputError(
            f"--html {folder}: holds files lineage-report did not write "
            f"({', '.join(foreign[:3])}{', …' if len(foreign) > 3 else ''}); "
            "give an empty or new folder"
        )
    return {name for name in listed if not Path(name).is_absolute() and ".." not in name}


def files_under(folder: Path) -> Iterator[str]:
    """Yield every file under a folder by its posix path (nothing for a missing folder)."""
    for parent, _, names in os.walk(folder):
        rel = Path(parent).relative_to(folder)
        for name in names:
            yield (rel / name).as_posix()
