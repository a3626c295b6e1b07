"""Property-based tests: random sets of valid and invalid manifests never break the build.

Hypothesis draws projects mixing valid runs (with references between them, re-logged
digests, aliases, type clashes, version claims, cycles) and invalid files (broken JSON,
wrong types in any field, unknown versions), with names and texts drawn from hostile
strings. For every project: the build does not raise, every node of the lineage has
exactly one page, every link of the site resolves, no payload appears unescaped in a page
or script, and every problem names an input file and a known kind.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config
from tests.factories import art, at, manifest, write_project
from tests.linkcheck import check_site

# Strings that would run or inject if printed raw; each has a "<" that escaping removes.
SCRIPT_PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</script><script>window.__pwned=1</script>",
    "<svg/onload=alert(1)>",
    "<!--",
]
OTHER_PAYLOADS = [
    "javascript:alert(1)",
    "[x](javascript:alert(1))",
    "' onmouseover='alert(1)",
    "{{ 7*7 }}",
    "\u202eevil\u200f",
    "a\x00b\x1b[31m",
    "\u2028\u2029",
]
NAMES = [
    "raw",
    "clean",
    "model",
    "Model",
    "../../etc/passwd",
    "a/b",
    "CON",
    ".",
    "..",
    unicodedata.normalize("NFC", "café"),
    unicodedata.normalize("NFD", "café"),
    "데이터셋",
    "训练数据",
    "x" * 300,
    "a:b",
]
KINDS = {
    "manifest.invalid-json",
    "manifest.invalid",
    "manifest.unknown-version",
    "manifest.no-digest",
    "manifest.too-large",
    "manifest.unreadable",
    "graph.type-clash",
    "graph.conflicting-producer",
    "graph.duplicate-run",
    "graph.cycle",
    "graph.unresolved",
}

hostile = st.sampled_from(SCRIPT_PAYLOADS + OTHER_PAYLOADS)
free_text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=20)
names = st.one_of(st.sampled_from(NAMES), hostile, free_text)
MARKDOWN = [
    "",
    "# Title\n\n**bold** [ok](https://example.com/a)",
    "![pixel](https://example.com/pixel.png)",
    "![local](../../../../etc/hostname)",
]
texts = st.one_of(hostile, free_text, st.sampled_from(MARKDOWN))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def logged_artifacts(draw: st.DrawFn) -> dict:
    """Draw a logged artifact: few names and contents, so versions, re-logs and clashes occur."""
    extra: dict[str, Any] = {}
    if draw(st.booleans()):
        extra["aliases"] = draw(st.lists(st.sampled_from(["best", "prod"]) | hostile, max_size=2))
    if draw(st.booleans()):
        extra["description"] = draw(texts)
    if draw(st.booleans()):
        extra["metadata"] = draw(st.dictionaries(texts, json_values, max_size=3))
    if draw(st.integers(0, 4)) == 0:
        extra["version"] = draw(st.sampled_from(["v0", "v1", 0, 1]))
    if draw(st.booleans()):
        extra["created_at"] = at(draw(st.integers(0, 90)))
    return art(
        draw(names),
        draw(st.sampled_from(["dataset", "model"]) | hostile),
        draw(st.sampled_from(["1", "2", "3"])),
        **extra,
    )


@st.composite
def used_references(draw: st.DrawFn) -> str | dict:
    """Draw a used reference: `name:vN`, `name:alias`, or an object form."""
    name = draw(names)
    how = draw(st.sampled_from(["v0", "v1", "latest", "best", "object"]))
    if how == "object":
        return {"name": name, draw(st.sampled_from(["version", "alias"])): "v0"}
    return f"{name}:{how}"


@st.composite
def valid_manifests(draw: st.DrawFn) -> dict:
    """Draw a valid manifest whose run and texts may carry hostile strings."""
    return manifest(
        draw(names),
        draw(st.integers(0, 90)),
        used=draw(st.lists(used_references(), max_size=3)),
        logged=draw(st.lists(logged_artifacts(), max_size=3)),
        job_type=draw(st.sampled_from(["train", "eval"]) | hostile),
        name=draw(names),
        notes=draw(texts),
        config=draw(st.dictionaries(texts, json_values, max_size=3)),
        tags=draw(st.lists(texts, max_size=2)),
    )


# Places in a manifest where a value of the wrong type may land.
FIELDS = [
    ("manifest_version",),
    ("run",),
    ("run", "id"),
    ("run", "job_type"),
    ("run", "tags"),
    ("run", "config"),
    ("run", "started_at"),
    ("run", "state"),
    ("used_artifacts",),
    ("logged_artifacts",),
]


@st.composite
def wrong_types(draw: st.DrawFn) -> dict:
    """Draw a valid manifest with one field replaced by a value of any type."""
    document = draw(valid_manifests())
    path = draw(st.sampled_from(FIELDS))
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = draw(json_values)
    return document


@st.composite
def broken_json(draw: st.DrawFn) -> bytes:
    """Draw bytes that are not a manifest: cut JSON, random bytes, other encodings."""
    text = json.dumps(draw(valid_manifests()), ensure_ascii=False)
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return text[: draw(st.integers(0, len(text) - 1))].encode("utf-8")
    if choice == 1:
        return draw(st.binary(max_size=64))
    if choice == 2:
        return text.encode("utf-16")
    return b"\xef\xbb\xbf" + text.encode("utf-8")


files = st.one_of(
    valid_manifests(), valid_manifests(), valid_manifests(), wrong_types(), broken_json()
)
projects = st.lists(files, min_size=1, max_size=6)


def payloads_in(site: Path) -> list[str]:
    """Return `file: payload` for every script payload found raw in a page or script."""
    found = []
    for path in sorted(site.rglob("*")):
        if path.suffix not in (".html", ".js"):  # vis-network too: it is in the graph's script
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path.name}: {p}" for p in SCRIPT_PAYLOADS if p in text]
    return found


def build_project(documents: list) -> tuple[Any, Path, list[str]]:
    """Write documents as m0.json, m1.json, ... in a fresh folder and build; return the result."""
    folder = Path(tempfile.mkdtemp(prefix="lr-prop-"))
    names = [f"m{i}.json" for i in range(len(documents))]
    write_project(folder / "project", dict(zip(names, documents, strict=True)))
    return build(load_config(folder / "project"), folder / "site"), folder, names


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(projects)
def test_any_project_builds_into_a_sound_site(documents: list) -> None:
    result, folder, inputs = build_project(documents)
    try:
        site, graph = result.output, result.lineage.graph
        # Every node has exactly one page, and no page is left without a node.
        paths = [naming.node_path(n) for n in graph]
        assert len(set(paths)) == len(paths)
        assert all((site / p).is_file() for p in paths)
        pages = [p for p in (site / "runs").glob("*.html") if p.name != "index.html"]
        pages += list((site / "versions").glob("*.html")) if (site / "versions").is_dir() else []
        assert len(pages) == graph.number_of_nodes()
        assert check_site(site) == []
        assert payloads_in(site) == []
        assert nx.is_directed_acyclic_graph(graph)
        for problem in result.problems:
            assert problem.path in inputs and problem.kind in KINDS, str(problem)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.text(max_size=400))
def test_page_names_are_safe_and_distinct(first: str, second: str) -> None:
    for key in (first, second):
        stem = naming.page_stem(key)
        assert stem and not stem.startswith((".", "-")) and "/" not in stem and "\\" not in stem
        assert len((stem + ".html").encode("utf-8")) <= 255
        assert all(c.isalnum() or c in "._-" for c in stem), stem
    if first != second:
        assert naming.page_stem(first) != naming.page_stem(second)


@pytest.mark.parametrize(
    "image", ["https://example.com/pixel.png", "//example.com/p.png", "../../../../etc/hostname"]
)
def test_markdown_images_load_nothing_from_outside_the_site(tmp_path: Path, image: str) -> None:
    # A description is untrusted: a remote image is a tracking pixel fetched when a reviewer
    # opens the report, and breaks "no request to any other host"; a ../ image leaves the site.
    text = f"see ![chart]({image}) here"
    logged = [art("data", description=text)]
    write_project(tmp_path / "p", {"a.json": manifest("a", 0, logged=logged, notes=text)})
    result = build(load_config(tmp_path / "p"), tmp_path / "site")
    assert check_site(result.output) == []
