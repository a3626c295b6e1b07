"""The two sides of a diff: what OLD and NEW are, and their nodes, edges and problems.

A side is a project folder (collected and resolved as a build would, its problems kept out
of the log: the report lists the new ones), a built site (its `lineage.json`), a
`lineage.json` file, or an audit snapshot: a zip, whose `site/lineage.json` is read in
place, or its unzipped folder. Two project folders are read at once, the old one in a fork.
Anything else stops the diff with a `DiffInputError`: one line that names the path.
"""

from __future__ import annotations

import contextlib
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from .. import naming
from ..build import build_time
from ..config import Config, load_config
from ..crew import processes, side_job
from ..errors import LineageReportError
from ..load import load_lineage
from ..snapshot import SITE, SUMS, entry_problem

log = logging.getLogger("lineage_report")

ZIP_LIMIT = 4 << 30  # a lineage.json inside a zip larger than this is not one we wrote
SNAPSHOT_LINEAGE = SITE + naming.LINEAGE_JSON

Edge = tuple[str, str]


class DiffInputError(LineageReportError):
    """A side of the diff is missing, or is no project, site, lineage.json or snapshot."""


@dataclass
class Side:
    """One side of the comparison: its nodes, edges and problems as lineage.json holds them."""

    source: str  # the path as given
    kind: str  # "project", "site", "lineage.json", "snapshot"
    nodes: dict[str, dict[str, Any]]
    edges: set[Edge]
    problems: list[dict[str, str]]
    report_time: str = ""
    root: str = ""  # a project's folder, scrubbed from its problems' messages

    def describe(self) -> dict[str, Any]:
        """Return what the JSON report says about this side."""
        return {
            "source": self.source,
            "kind": self.kind,
            "report_time": self.report_time,
            "nodes": len(self.nodes),
            "edges": len(self.edges),
            "problems": len(self.problems),
        }


def load_sides(old: Path, new: Path) -> tuple[Side, Side]:
    """Read both sides; two project folders are read at once (the old one in a fork)."""
    before, after = locate(old), locate(new)
    if not before.kind == after.kind == "project" or processes(None) < 2:
        return read_side(before), read_side(after)
    old_config, new_config = load_config(old), load_config(new)  # errors: here, once
    with problems_unlogged(), side_job(project_document, old_config) as old_document:
        new_side = side_from_json(project_document(new_config), str(new), "project")
        old_side = side_from_json(old_document(), str(old), "project")
    return old_side, new_side


def load_side(path: Path) -> Side:
    """Read one side: a project folder, a built site, a lineage.json or a snapshot zip."""
    return read_side(locate(path))


@dataclass(frozen=True)
class Located:
    """What a side is (`kind`), where its lineage is, and whether that is inside a zip."""

    given: Path
    kind: str
    path: Path
    zipped: bool = False


def locate(path: Path) -> Located:
    """Tell what a side is, and which file (or folder) to read it from."""
    if path.is_dir():
        lineage_file = path / naming.LINEAGE_JSON
        if (path / SUMS).is_file() and (path / SNAPSHOT_LINEAGE).is_file():
            return Located(path, "snapshot", path / SNAPSHOT_LINEAGE)  # unzipped
        if (path / naming.STATUS_NAME).is_file() or (path / naming.INDEX).is_file():
            if not lineage_file.is_file():
                raise DiffInputError(f"{path}: a built site without {naming.LINEAGE_JSON}")
            return Located(path, "site", lineage_file)
        return Located(path, "project", path)
    if not path.exists():
        raise DiffInputError(f"{path}: no such file or folder")
    if zipfile.is_zipfile(path):
        return Located(path, "snapshot", path, zipped=True)
    with open_or_fail(path) as f:
        if f.read(2) == b"PK":
            raise DiffInputError(f"{path}: not a readable zip file (corrupt or cut short)")
    return Located(path, "lineage.json", path)


def read_side(where: Located) -> Side:
    """Read a located side."""
    if where.kind == "project":
        with problems_unlogged():  # the diff reports new problems itself
            data = project_document(load_config(where.path))
    elif where.zipped:
        data = read_zip_lineage(where.path)
    else:
        data = read_file(where.path)
    return side_from_json(data, str(where.given), where.kind)


@contextlib.contextmanager
def open_or_fail(path: Path) -> Iterator:
    """Open a file for reading, or say in one line why not."""
    try:
        f = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise DiffInputError(f"{path}: cannot read: {exc.strerror}") from None
    with f:
        yield f


def read_file(path: Path) -> bytes:
    """Read a file, or say in one line why not."""
    with open_or_fail(path) as f:
        return f.read()


def project_document(config: Config) -> bytes:
    """Collect and resolve a project; return what its site's lineage.json would hold.

    Through JSON and back, the values compare as a built site's would (NaN as null).
    """
    lineage = load_lineage(config)
    graph = lineage.graph
    document = {
        "nodes": [{**attrs, "id": node} for node, attrs in graph.nodes(data=True)],
        "edges": [{"source": u, "target": v} for u, v in graph.edges()],
        "problems": [p.to_json() for p in lineage.problems],
        "report_time": build_time(lineage),
        "root": str(config.root),
    }
    return msgspec.json.encode(document, enc_hook=str)


@contextlib.contextmanager
def problems_unlogged() -> Iterator[None]:
    """Keep a side's problems out of the log while it loads: the report lists the new ones."""

    def keep(record: logging.LogRecord) -> bool:
        return not hasattr(record, "problem")

    log.addFilter(keep)
    try:
        yield
    finally:
        log.removeFilter(keep)


def read_zip_lineage(path: Path) -> bytes:
    """Return the site's lineage.json from a snapshot zip, read in place."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = zip_member(archive, path)
            problem = entry_problem(info)
            if problem:
                raise DiffInputError(f"{path}: {problem}")
            if info.file_size > ZIP_LIMIT:
                raise DiffInputError(f"{path}: {info.filename} is too large to be ours")
            return archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise DiffInputError(f"{path}: not a readable zip file ({exc})") from None


def zip_member(archive: zipfile.ZipFile, path: Path) -> zipfile.ZipInfo:
    """Return the zip's lineage.json entry: a snapshot's, else a zipped site's."""
    names = {info.filename: info for info in archive.infolist()}
    for name in (SNAPSHOT_LINEAGE, naming.LINEAGE_JSON):
        if name in names:
            return names[name]
    raise DiffInputError(f"{path}: not a snapshot: it holds no {SNAPSHOT_LINEAGE}")


def side_from_json(data: bytes, source: str, kind: str) -> Side:
    """Parse lineage.json (networkx node-link JSON with problems) into a side."""
    try:
        doc = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise DiffInputError(f"{source}: not a lineage.json ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("nodes"), list):
        raise DiffInputError(f"{source}: not a lineage.json (no list of nodes)")
    nodes = parse_nodes(doc["nodes"], source)
    edges = parse_edges(doc.get("edges", doc.get("links", [])), nodes, source)
    problems = doc.get("problems") or []
    if not isinstance(problems, list) or not all(isinstance(p, dict) for p in problems):
        raise DiffInputError(f"{source}: not a lineage.json (problems is not a list of objects)")
    root = doc.get("root") if kind == "project" else ""  # our own document only
    return Side(source, kind, nodes, edges, problems, str(doc.get("report_time") or ""), root)


def parse_nodes(items: list, source: str) -> dict[str, dict[str, Any]]:
    """Return the nodes by id; each must be an object with a string id and a known kind."""
    nodes = {}
    for i, item in enumerate(items):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("id"), str)
            and item.get("kind") in ("run", "artifact")
        ):
            raise DiffInputError(f"{source}: not a lineage.json (nodes[{i}] has no id or kind)")
        nodes[item["id"]] = item
    return nodes


def parse_edges(items: object, nodes: dict, source: str) -> set[Edge]:
    """Return the edges as (source, target) pairs between known nodes."""
    if not isinstance(items, list):
        raise DiffInputError(f"{source}: not a lineage.json (edges is not a list)")
    edges = set()
    for i, item in enumerate(items):
        pair = (item.get("source"), item.get("target")) if isinstance(item, dict) else None
        if pair is None or pair[0] not in nodes or pair[1] not in nodes:
            raise DiffInputError(f"{source}: not a lineage.json (edges[{i}] joins no two nodes)")
        edges.add(pair)
    return edges
