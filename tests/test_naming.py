"""Naming on its own: node ids, page paths, asset names and dependency keys, no build needed.

The build and its gold files check that the names are used; these check the names: that
ids round-trip, that every node gets one safe page that no other page can take, and that
the keys pages depend on never pass for a node.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import pytest

from lineage_report import naming

HOSTILE = [
    "../../etc/passwd",
    "a/b",
    "a\\b",
    "/absolute",
    "C:\\Windows",
    "CON",
    "con",
    "NUL.txt",
    ".",
    "..",
    "",
    " ",
    "-",
    "_",
    "a:b",
    "a:v3",
    "run:x",
    "artifact:x:v0",
    "@types",
    "@name:x",
    "x.html",
    "index",
    "lineage.json",
    "Model",
    "model",
    unicodedata.normalize("NFC", "café"),
    unicodedata.normalize("NFD", "café"),
    "ﬁle",
    "file",
    "데이터셋 한국어",
    "😀-model",
    "\ud800",  # a lone surrogate, as a non-UTF-8 file name decodes
    "x" * 300,
    "x" * 301,
    "é" * 10_000,
]
SAFE_PATH = re.compile(r"^[a-z]+/[\w-]+\.html$")


def nodes_of(names: list[str]) -> list[str]:
    """Return every kind of node id each name can make."""
    return [
        node
        for name in names
        for node in (
            naming.run_node(name),
            naming.version_node(name, 0),
            naming.version_node(name, 12),
            naming.artifact_node(f"{name}:best"),
            naming.artifact_node(f"{name}@sha256:00"),
            naming.artifact_node(name),
        )
    ]


# ---------------------------------------------------------------- node ids


@pytest.mark.parametrize("name", HOSTILE)
def test_run_ids_round_trip(name: str) -> None:
    node = naming.run_node(name)
    assert naming.is_run(node)
    assert naming.node_ref(node) == name


@pytest.mark.parametrize("name", HOSTILE)
def test_version_ids_round_trip(name: str) -> None:
    node = naming.version_node(name, 3)
    assert not naming.is_run(node)
    assert naming.node_ref(node) == naming.version_ref(name, 3) == f"{name}:v3"
    assert node == naming.artifact_node(f"{name}:v3")  # a version is its reference's node


def test_ids_keep_their_written_form() -> None:
    # lineage.json and the status file hold these ids: they must never change.
    assert naming.run_node("tr1") == "run:tr1"
    assert naming.version_tag(3) == "v3"
    assert naming.version_node("corpus", 0) == "artifact:corpus:v0"
    assert naming.artifact_node("weights:best") == "artifact:weights:best"
    assert naming.type_node("run", "train") == "type:run:train"


def test_an_artifact_named_like_a_run_is_no_run() -> None:
    assert not naming.is_run(naming.version_node("run:x", 0))
    assert not naming.is_run(naming.artifact_node("run:x"))


@pytest.mark.parametrize("group", ["train", "a:b", "type:run:x", "", "../x"])
@pytest.mark.parametrize("kind", ["run", "artifact"])
def test_type_ids_round_trip(kind: str, group: str) -> None:
    assert naming.split_type_node(naming.type_node(kind, group)) == (kind, group)


# ---------------------------------------------------------------- dependency keys


def test_dependency_keys_never_pass_for_a_node() -> None:
    nodes = set(nodes_of(HOSTILE))
    keys = {naming.TYPES_KEY}
    keys |= {naming.name_key(n) for n in HOSTILE}
    keys |= {naming.group_key(k, g) for k in ("run", "artifact") for g in HOSTILE}
    assert all(key.startswith("@") for key in keys)
    assert not any(node.startswith("@") for node in nodes)
    assert keys.isdisjoint(nodes)


def test_dependency_keys_tell_names_and_groups_apart() -> None:
    names = {naming.name_key(n) for n in HOSTILE}
    groups = {naming.group_key(k, g) for k in ("run", "artifact") for g in HOSTILE}
    assert len(names) == len(HOSTILE)
    assert len(groups) == 2 * len(HOSTILE)
    assert names.isdisjoint(groups) and naming.TYPES_KEY not in names | groups


# ---------------------------------------------------------------- page paths


def test_page_stems_are_a_slug_and_a_hash() -> None:
    digest = hashlib.sha256(b"Model").hexdigest()[:12]
    assert naming.page_stem("Model") == f"model-{digest}"
    assert naming.page_stem("../../etc/passwd").startswith("etc-passwd-")
    assert naming.page_stem(".") == hashlib.sha256(b".").hexdigest()[:12]  # no slug left


@pytest.mark.parametrize("name", HOSTILE)
def test_every_page_is_safe_and_one_folder_deep(name: str) -> None:
    pages = [naming.node_path(n) for n in nodes_of([name])]
    pages += [naming.artifact_path(name), naming.type_path(name), naming.job_type_path(name)]
    for page in pages:
        assert SAFE_PATH.match(page), page
        assert len(page) <= 90


def test_one_page_per_node() -> None:
    nodes = nodes_of(HOSTILE)
    assert len(set(nodes)) == len(nodes)
    pages = {naming.node_path(n) for n in nodes}
    assert len(pages) == len(nodes)


def test_runs_and_versions_have_their_own_folders() -> None:
    assert naming.node_path(naming.run_node("x")).startswith("runs/")
    assert naming.node_path(naming.version_node("x", 0)).startswith("versions/")
    assert naming.node_path(naming.artifact_node("x:best")).startswith("versions/")


def test_no_page_takes_another_kind_of_pages_name() -> None:
    nodes = nodes_of(HOSTILE)
    own = {naming.node_path(n) for n in nodes}
    lists = {naming.list_path(n, what) for n in nodes for what in ("used", "logged", "consumers")}
    groups = {naming.group_path(k, g) for k in ("run", "artifact") for g in HOSTILE}
    named = {naming.artifact_path(n) for n in HOSTILE}
    firsts = own | lists | groups | named
    parts = {naming.part_path(p, n) for p in lists | groups for n in (2, 3, 10)}
    fixed = {naming.INDEX, naming.ARTIFACTS, naming.RUNS, naming.PROBLEMS, naming.GRAPH}
    fixed |= {naming.NOT_FOUND, naming.LINEAGE_JSON, naming.SITEMAP, naming.SEARCH_INDEX}
    every = [*own, *lists, *groups, *named, *parts, *fixed]
    assert len(every) == len(set(every))
    assert len(lists) == 3 * len(nodes) and len(parts) == 3 * len(lists | groups)
    assert firsts.isdisjoint(parts)


def test_lists_and_parts_follow_their_first_page() -> None:
    node = naming.run_node("train")
    stem = naming.page_stem("train")
    assert naming.list_path(node, "logged") == f"runs/{stem}-logged.html"
    first = naming.list_path(node, "used")
    assert naming.part_path(first, 1) == first
    assert naming.part_path(first, 2) == f"runs/{stem}-used-p2.html"


def test_groups_go_to_their_kinds_page() -> None:
    assert naming.group_path("run", "train") == naming.job_type_path("train")
    assert naming.group_path("artifact", "model") == naming.type_path("model")
    tid = naming.type_node("run", "a:b")
    assert naming.type_node_path(tid) == naming.job_type_path("a:b")
    tid = naming.type_node("artifact", "model")
    assert naming.type_node_path(tid) == naming.type_path("model")


# ---------------------------------------------------------------- assets and fixed names


def test_assets_are_named_by_their_content() -> None:
    digest = hashlib.sha256(b"body{}").hexdigest()[:10]
    assert naming.asset_path("style.css", b"body{}") == f"assets/style.{digest}.css"
    assert naming.asset_path("vis-network.min.js", b"x").endswith(".min.js")
    assert naming.asset_path("style.css", b"a") != naming.asset_path("style.css", b"b")
    assert naming.asset_path("LICENSE", b"").startswith("assets/LICENSE.")


def test_the_search_index_keeps_one_name_among_the_assets() -> None:
    assert naming.SEARCH_INDEX == naming.ASSETS + naming.SEARCH_INDEX_ASSET
    assert naming.SEARCH_INDEX == "assets/search-index.js"


# ---------------------------------------------------------------- links


def test_links_are_relative_to_the_page() -> None:
    top = naming.PageUrls(naming.INDEX)
    page = naming.PageUrls(naming.node_path(naming.run_node("x")))
    node = naming.version_node("m", 1)
    assert top.node(node) == naming.node_path(node)
    assert page.node(node) == "../" + naming.node_path(node)
    assert page.to(naming.LINEAGE_JSON) == "../lineage.json"
    assert page.artifact("m") == "../" + naming.artifact_path("m")
    assert page.type_node(naming.type_node("run", "t")) == "../" + naming.job_type_path("t")
