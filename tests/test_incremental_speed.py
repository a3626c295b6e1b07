"""Fast incremental builds: what a rebuild reuses, and that reusing never changes the site.

A rebuild reuses the manifests it read last time (while their files' stat is unchanged),
the search index, the project graph page and every page that shows a node but is not
its own (while what they show of it is unchanged), and the status records of the pages
it does not render. Each test checks the reuse and that the site is byte for byte what
a full build of the same inputs writes; guards check the lists of what pages show.
"""

from __future__ import annotations

import copy
import gc
import hashlib
import json
import logging
import os
import time
import zlib
from pathlib import Path
from typing import Any

import msgspec
import networkx as nx
import pytest

from lineage_report import __version__, cli, collect, graphview, naming, views
from lineage_report import build as build_module
from lineage_report import status as status_module
from lineage_report.build import SITE_WIDE, build, build_time, lineage_json
from lineage_report.config import load_config
from lineage_report.errors import BuildError
from lineage_report.lineage import Lineage
from lineage_report.search import SEARCHED, search_index
from lineage_report.status import (
    GRAPH_ATTRS,
    GROUPED_BY,
    SHOWN_ATTRS,
    STATUS_FORMAT,
    STATUS_NAME,
    Status,
    encode_nodes,
)
from lineage_report.write import Rows
from tests.conftest import SAMPLE
from tests.factories import art, manifest, write_project

SEARCH_JS = naming.SEARCH_INDEX


def three_runs(root: Path) -> Path:
    """Write a project of three runs: an upload, a training run using it, another upload."""
    return write_project(
        root,
        {
            "a.json": manifest("up", 0, job_type="upload", logged=[art("raw")]),
            "b.json": prep_run(),
            "c.json": other_run(),
        },
    )


def prep_run(**run) -> dict:
    """Return b.json's manifest, with changes to its run."""
    return manifest("prep", 10, job_type="prep", used=["raw:latest"], logged=[art("clean")], **run)


def other_run(**run) -> dict:
    """Return c.json's manifest, with changes to its run."""
    return manifest("other", 20, job_type="upload", logged=[art("unrelated")], **run)


def files_of(site: Path) -> dict[str, bytes]:
    """Return every file of a site with its bytes."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def fresh_build(project: Path, tmp_path: Path) -> dict[str, bytes]:
    """Build from scratch into a new folder and return its files (a rebuild must match)."""
    fresh = tmp_path / "fresh"
    result = build(load_config(project), fresh)
    assert not result.incremental
    return files_of(fresh)


def compact(data) -> str:
    """Return JSON as the status holds it (reused cache entries are copied as they are)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def read_status(status: Path) -> dict:
    """Return a status file's content (zlib-compressed JSON since format 4)."""
    return json.loads(zlib.decompress(status.read_bytes()))


def edit_cache(status: Path, change) -> None:
    """Apply `change` to the manifest cache in a status file, keeping its time."""
    data = read_status(status)
    change(data["manifests"])
    stamp = status.stat().st_mtime_ns
    status.write_bytes(zlib.compress(compact(data).encode()))
    os.utime(status, ns=(stamp, stamp))


def rewrite(project: Path, name: str, doc: dict) -> None:
    """Replace one manifest of the project."""
    (project / name).write_text(json.dumps(doc))


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Record the manifest files each build parses (cached ones are not parsed)."""
    seen: list[str] = []
    real = collect.read_manifest

    def spy(rel, *args, **kwargs):
        seen.append(rel)
        return real(rel, *args, **kwargs)

    monkeypatch.setattr(collect, "read_manifest", spy)
    return seen


@pytest.fixture
def settled(monkeypatch) -> None:
    """Trust files written just before a build (the tests cannot wait for them to settle)."""
    monkeypatch.setattr(collect, "SETTLE_NS", 0)


# ---------------------------------------------------------------- the manifest cache


def test_a_rebuild_parses_only_the_changed_manifest(tmp_path, reads, settled):
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    assert sorted(reads) == ["a.json", "b.json", "c.json"]
    reads.clear()
    rewrite(project, "c.json", other_run(notes="New notes"))
    result = build(load_config(project), out)
    assert result.incremental and reads == ["c.json"]
    assert files_of(out) == fresh_build(project, tmp_path)


def test_files_still_changing_when_a_build_ends_are_parsed_again(tmp_path, reads, monkeypatch):
    # Changed within SETTLE_NS of the end of the first build: they could change again
    # within their clock's tick, unseen by stat.
    monkeypatch.setattr(collect, "SETTLE_NS", 3600 * 10**9)
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    reads.clear()
    build(load_config(project), out)
    assert sorted(reads) == ["a.json", "b.json", "c.json"]


def test_files_that_settle_during_a_build_are_confirmed_and_reused(tmp_path, reads, monkeypatch):
    monkeypatch.setattr(collect, "SETTLE_NS", 300_000_000)  # 0.3 s
    real = collect.ManifestCache.settle

    def slow_settle(self):
        time.sleep(0.4)  # a long build: the files settle before it ends
        return real(self)

    monkeypatch.setattr(collect.ManifestCache, "settle", slow_settle)
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    assert sorted(reads) == ["a.json", "b.json", "c.json"]
    reads.clear()
    build(load_config(project), out)
    assert reads == []


@pytest.mark.parametrize("moved", [False, True])
def test_settle_drops_an_entry_whose_bytes_moved_unseen(tmp_path, monkeypatch, moved):
    # A change within the clock tick of the one before keeps the stat: simulated here.
    path = tmp_path / "m.json"
    path.write_text(json.dumps(manifest("m", 0)))
    cache = collect.ManifestCache("key")  # just written: read while still changing
    info = cache.look(path)
    raw = path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    assert cache.read("m.json", path, info, raw, sha, collect.Problems()) is not None
    assert "m.json" in cache.new
    if moved:
        path.write_text(json.dumps(manifest("n", 0)))
    monkeypatch.setattr(cache, "look", lambda _path: info)  # the stat did not move
    monkeypatch.setattr(collect, "SETTLE_NS", 0)
    cache.settle()
    assert ("m.json" in cache.new) is not moved


def test_a_same_size_rewrite_that_keeps_the_mtime_is_noticed(tmp_path, reads, settled):
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    path = project / "c.json"
    before = path.stat()
    text = path.read_text()
    changed = text.replace('"other"', '"OTHER"')
    assert changed != text and len(changed) == len(text)
    path.write_text(changed)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `rsync -t` or `touch -r`
    reads.clear()
    build(load_config(project), out)
    assert reads == ["c.json"]  # its change time moved
    assert "OTHER" in (out / naming.node_path("run:OTHER")).read_text()
    assert files_of(out) == fresh_build(project, tmp_path)


def test_problems_of_cached_manifests_are_reported_on_every_build(tmp_path, reads, settled):
    project = three_runs(tmp_path / "p")
    (project / "broken.json").write_text('{"manifest_version": 1, "run": ')
    bad = manifest("bad", 30, logged=[{"name": "x", "type": "model"}])  # no digest, no files
    (project / "bad.json").write_text(json.dumps(bad))
    out = tmp_path / "site"
    logged = []
    handler = logging.Handler()
    handler.emit = lambda record: logged.append(record.getMessage())
    logger = logging.getLogger("lineage_report")
    logger.addHandler(handler)
    try:
        first = build(load_config(project), out)
        first_log = list(logged)
        logged.clear()
        reads.clear()
        again = build(load_config(project), out)
    finally:
        logger.removeHandler(handler)
    assert reads == []  # every file came from the cache
    assert first.problems and again.problems == first.problems
    assert {p.path for p in again.problems} >= {"broken.json", "bad.json"}
    assert logged == first_log  # reported again, in the same order
    assert cli.main(["build", str(project), "-o", str(out), "--quiet", "--strict"]) == 1


@pytest.mark.parametrize("odd", ["lone \ud800 surrogate", float("nan"), float("inf")])
def test_an_entry_that_would_not_read_back_the_same_is_not_kept(odd):
    # JSON files cannot hold these, so parsing never gives them; the cache checks anyway.
    cache = collect.ManifestCache("key")
    parsed = collect.Parsed([1, 2, 3, 4, 5], "sha", None, [], {"odd": odd}, [])
    cache._keep("odd.json", parsed)
    cache._keep("plain.json", collect.Parsed([1, 2, 3, 4, 5], "sha", None, [], {"n": 1.5}, []))
    assert list(cache.new) == ["plain.json"]


def test_other_settings_do_not_reuse_the_cache(tmp_path, reads, settled):
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    reads.clear()
    config = load_config(project)
    config.max_manifest_mb = 0.0001  # what a file gives depends on the settings
    result = build(config, out)  # a reused entry would hide that the files are too large
    assert {p.kind for p in result.problems} == {"manifest.too-large"}


# ---------------------------------------------------------------- stale or corrupt status


def dep_out_of_range(data: dict) -> bytes:
    """Return the status with a page's deps pointing past the node list."""
    data["deps"][0] = [len(data["nodes"]) + 5]
    return json.dumps(data).encode()


def negative_dep(data: dict) -> bytes:
    """Return the status with a negative node index."""
    data["deps"][0] = [-1]
    return json.dumps(data).encode()


def short_digests(data: dict) -> bytes:
    """Return the status with fewer page digests than pages."""
    data["digests"].pop()
    return json.dumps(data).encode()


def short_aspect(data: dict) -> bytes:
    """Return the status with an aspect list shorter than the node list."""
    data["aspects"]["search"].pop()
    return json.dumps(data).encode()


def missing_aspect(data: dict) -> bytes:
    """Return the status without the graph aspect."""
    del data["aspects"]["graph"]
    return json.dumps(data).encode()


def old_format(data: dict) -> bytes:
    """Return the status in format 1 (pages as records; no aspects, no manifests)."""
    pages = dict(zip(data["pages"], zip(data["digests"], data["deps"], strict=True), strict=True))
    old = {k: data[k] for k in ("key", "nodes", "hashes", "files")}
    return json.dumps({"format": 1, **old, "pages": pages}).encode()


def newer_format(data: dict) -> bytes:
    """Return the status claiming a format this version does not know."""
    return json.dumps({**data, "format": STATUS_FORMAT + 1}).encode()


@pytest.mark.parametrize(
    "spoil",
    [
        dep_out_of_range,
        negative_dep,
        short_digests,
        short_aspect,
        missing_aspect,
        old_format,
        newer_format,
    ],
    ids=[
        "dep-out-of-range",
        "negative-dep",
        "short-digests",
        "short-aspect",
        "missing-aspect",
        "old-format",
        "newer-format",
    ],
)
def test_a_stale_or_corrupt_status_means_a_full_build(tmp_path, reads, settled, spoil):
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    status = out / STATUS_NAME
    status.write_bytes(zlib.compress(spoil(read_status(status))))
    rewrite(project, "c.json", other_run(notes="New notes"))
    reads.clear()
    result = build(load_config(project), out)
    assert not result.incremental
    assert sorted(reads) == ["a.json", "b.json", "c.json"]  # no cache either
    assert files_of(out) == fresh_build(project, tmp_path)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda data: b"\x00garbage",
        lambda data: b'{"format": 2}',
        lambda data: json.dumps(data).encode()[:-100],
        lambda data: zlib.compress(json.dumps(data).encode())[:-100],
        lambda data: zlib.compress(b'{"format": 4}'),
    ],
    ids=["garbage", "fields-missing", "truncated", "compressed-truncated", "compressed-no-files"],
)
def test_a_damaged_status_stops_the_build_and_deletes_nothing(tmp_path, spoil):
    """Without its format and file list, the status no longer tells the tool's files from
    the user's: the build is refused, the folder left as it was (a full build needs it
    gone; before the safety rules it replaced the whole folder)."""
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    status = out / STATUS_NAME
    status.write_bytes(spoil(read_status(status)))
    before = files_of(out)
    with pytest.raises(BuildError) as caught:
        build(load_config(project), out)
    assert str(caught.value) == (
        f"{out} has a damaged {STATUS_NAME}, so lineage-report cannot tell the files it "
        "wrote from yours, and it never deletes yours: delete the folder (or choose "
        "another) and build again"
    )
    assert files_of(out) == before


@pytest.mark.parametrize(
    "entry",
    [[1, 2, 3], "not an entry", {"stat": []}],
    ids=["wrong-shape", "wrong-type", "wrong-fields"],
)
def test_a_corrupt_cache_entry_is_parsed_again(tmp_path, reads, settled, entry):
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    edit_cache(out / STATUS_NAME, lambda cache: cache.update({"b.json": entry}))
    reads.clear()
    result = build(load_config(project), out)
    assert result.incremental and reads == ["b.json"]
    assert files_of(out) == fresh_build(project, tmp_path)


def test_a_cache_entry_for_another_file_state_is_not_used(tmp_path, reads, settled):
    # An entry whose stat no longer matches its file (copied from elsewhere, say).
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)

    def other_size(cache: dict) -> None:
        cache["b.json"][0][2] += 1  # the size it was read at

    edit_cache(out / STATUS_NAME, other_size)
    reads.clear()
    build(load_config(project), out)
    assert reads == ["b.json"]


def test_the_status_file_is_compressed_and_holds_the_manifest_cache(tmp_path, reads, settled):
    # The status file is published with the site: it is compressed, and the cache of every
    # manifest read reads back whole from it.
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    status = out / STATUS_NAME
    data = read_status(status)
    assert data["format"] == STATUS_FORMAT == 4
    assert sorted(data["manifests"]) == ["a.json", "b.json", "c.json"]
    assert status.stat().st_size < len(compact(data)) / 2
    reads.clear()
    assert build(load_config(project), out).incremental and reads == []


@pytest.mark.parametrize(
    "manifests",
    ["eJzLSM3JyVcozy/KSQEAGgsEXQ==", ["a.json"]],
    ids=["format-3-packed", "not-a-mapping"],
)
def test_a_status_with_an_unreadable_cache_means_a_full_build(tmp_path, reads, settled, manifests):
    # Format 3 packed its cache as base64 text: a site built by that version is still ours
    # (its format and files say so), and is built again in full, every manifest read.
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    status = out / STATUS_NAME
    data = read_status(status)
    data["manifests"] = manifests
    status.write_text(compact({**data, "format": 3}))  # plain JSON, as format 3 wrote it
    rewrite(project, "c.json", other_run(notes="New notes"))
    reads.clear()
    result = build(load_config(project), out)
    assert not result.incremental and sorted(reads) == ["a.json", "b.json", "c.json"]
    assert files_of(out) == fresh_build(project, tmp_path)


# ---------------------------------------------------------------- site-wide outputs


def test_a_notes_change_keeps_the_search_index_and_the_graph_page(tmp_path, monkeypatch):
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    drawn = []
    real = views.SiteViews.graph_page
    monkeypatch.setattr(
        views.SiteViews, "graph_page", lambda self, *a: drawn.append(1) or real(self, *a)
    )
    rewrite(project, "c.json", other_run(notes="New notes"))
    result = build(load_config(project), out)
    assert result.incremental and drawn == []
    assert SEARCH_JS not in result.written and naming.GRAPH not in result.written
    assert files_of(out) == fresh_build(project, tmp_path)


def test_a_notes_change_renders_only_the_runs_own_page(tmp_path):
    # Other pages show a run's label, times or config, not its notes (status.SHOWN_ATTRS).
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    rewrite(project, "b.json", prep_run(notes="Cleaned *twice*"))
    result = build(load_config(project), out)
    # The run's page, and its version's (whose hash covers the manifest it came from).
    assert result.rendered == len(SITE_WIDE) + 2
    assert naming.node_path("run:prep") in result.written
    assert files_of(out) == fresh_build(project, tmp_path)


def test_a_config_change_renders_the_pages_that_show_it(tmp_path):
    # A version's page shows its producer's config.
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    rewrite(project, "b.json", prep_run(config={"threshold": 0.5}))
    result = build(load_config(project), out)
    assert result.rendered > len(SITE_WIDE) + 2
    assert naming.node_path("artifact:clean:v0") in result.written
    assert files_of(out) == fresh_build(project, tmp_path)


def test_a_label_change_redraws_the_graph_page(tmp_path, monkeypatch):
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    rewrite(project, "c.json", other_run(name="Renamed upload"))
    result = build(load_config(project), out)
    assert result.incremental
    assert naming.GRAPH in result.written and SEARCH_JS in result.written
    assert "Renamed upload" in (out / naming.GRAPH).read_text()
    assert files_of(out) == fresh_build(project, tmp_path)


def test_a_change_of_the_grouped_by_key_redraws_the_graph_page(tmp_path):
    # The project graph's groupings read run config and artifact metadata (`group_by`),
    # which GRAPH_ATTRS does not hold: status.GROUPED_BY puts them in the graph's hash.
    runs = {
        "a.json": manifest("up", 0, job_type="upload", logged=[art("raw")]),
        "b.json": prep_run(config={"team": "team-vision"}),
        "c.json": other_run(config={"team": "team-speech"}),
    }
    project = write_project(tmp_path / "p", runs, 'group_by = "team"\n')
    out = tmp_path / "site"
    build(load_config(project), out)
    assert "team-speech" in (out / naming.GRAPH).read_text()
    rewrite(project, "c.json", other_run(config={"team": "team-audio"}))
    result = build(load_config(project), out)
    assert result.incremental and naming.GRAPH in result.written
    page = (out / naming.GRAPH).read_text()
    assert "team-audio" in page and "team-speech" not in page
    assert files_of(out) == fresh_build(project, tmp_path)


def test_a_tag_change_rewrites_only_the_search_index_of_the_site_wide_files(tmp_path):
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    rewrite(project, "c.json", other_run(tags=["golden"]))
    result = build(load_config(project), out)
    assert SEARCH_JS in result.written and naming.GRAPH not in result.written
    assert b"golden" in (out / SEARCH_JS).read_bytes()
    assert files_of(out) == fresh_build(project, tmp_path)


def test_a_lost_search_index_is_made_again(tmp_path):
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    (out / SEARCH_JS).unlink()
    rewrite(project, "c.json", other_run(notes="New notes"))
    result = build(load_config(project), out)
    assert SEARCH_JS in result.written
    assert files_of(out) == fresh_build(project, tmp_path)


def test_an_added_run_carries_the_other_records_over_reindexed(tmp_path, settled):
    # The node list changes, so kept page records are re-indexed: the status must be
    # exactly the one a full build writes.
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    late = manifest("late", 30, job_type="prep", used=["clean:latest"], logged=[art("m")])
    rewrite(project, "d.json", late)
    (project / "c.json").unlink()
    result = build(load_config(project), out)
    assert result.incremental
    assert files_of(out) == fresh_build(project, tmp_path)


def test_a_new_job_type_moves_the_type_overview_on_every_page(tmp_path, settled):
    # Where a type sits in every page's type overview depends on all the project's
    # types: a run of a new job type must re-render pages that show none of its nodes.
    project = three_runs(tmp_path / "p")
    out = tmp_path / "site"
    build(load_config(project), out)
    late = manifest("late", 30, job_type="evaluate", used=["clean:latest"], logged=[art("m")])
    rewrite(project, "d.json", late)
    (project / "a.json").unlink()  # raw becomes an external input: the types move
    result = build(load_config(project), out)
    assert result.incremental
    assert naming.node_path("run:other") in result.written  # none of its lineage changed
    assert files_of(out) == fresh_build(project, tmp_path)


# ---------------------------------------------------------------- guards on the aspects


def perturbed(value):
    """Return a different value of the same shape."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 7
    if isinstance(value, str):
        return value + " (changed)"
    if isinstance(value, list):
        return value[1:] if value else ["changed"]  # who is in it changes too
    if isinstance(value, dict):
        return {**value, "changed": 1}
    return "changed"


def perturb_all_but(
    graph: nx.DiGraph, keep: tuple[str, ...], keys_of=(), spare: str | None = None
) -> nx.DiGraph:
    """Copy the graph changing every node attribute not in `keep` (and every edge's).

    Dicts named in `keys_of` keep their keys but have every value changed; the node
    `spare` keeps all of its attributes.
    """
    other = copy.deepcopy(graph)
    for node, data in other.nodes(data=True):
        if node == spare:
            continue
        for name, value in data.items():
            if name in keys_of and isinstance(value, dict):
                data[name] = {k: perturbed(v) for k, v in value.items()}
            elif name not in keep and name not in keys_of:
                data[name] = perturbed(value)
    for _, _, data in other.edges(data=True):
        for name, value in data.items():
            data[name] = perturbed(value)
    return other


def all_but(graph: nx.DiGraph, name: str) -> tuple[str, ...]:
    """Return every node attribute name but one."""
    return tuple({a for _, data in graph.nodes(data=True) for a in data} - {name})


def test_the_project_graph_shows_only_graph_attrs(sample_lineage):
    # status.GRAPH_ATTRS decides when graph.html is drawn again: the page must not show
    # any other attribute, or a rebuild would leave it stale.
    graph = sample_lineage.graph
    other = perturb_all_but(graph, (*GRAPH_ATTRS, *GROUPED_BY))
    assert graphview.project_graph(other).data == graphview.project_graph(graph).data
    grouped = perturb_all_but(graph, GRAPH_ATTRS, keys_of=GROUPED_BY)  # `group_by` reads them
    by_arch = graphview.project_graph(graph, group_key="arch").data
    assert graphview.project_graph(grouped, group_key="arch").data != by_arch
    relabelled = perturb_all_but(graph, all_but(graph, "label"))  # the check can fail
    assert graphview.project_graph(relabelled).data != graphview.project_graph(graph).data


def page_models(lineage: Lineage, graph: nx.DiGraph, only=None) -> dict[str, Any]:
    """Return the view models (all a template prints) of the pages, or of those in `only`."""
    site = views.SiteViews(Lineage(graph, lineage.problems, lineage.config, lineage.inputs))
    specs = [s for s in site.pages() if only is None or s.path in only]
    return {spec.path: site.model(spec) for spec in specs}


def test_pages_show_only_shown_attrs_of_nodes_not_their_own(sample_lineage):
    # status.SHOWN_ATTRS decides which pages a node's change re-renders: all pages when
    # one of those changed, else only the node's own page. No other page may show more.
    graph = sample_lineage.graph
    before = page_models(sample_lineage, graph)
    own = {naming.node_path(n) for n in graph}
    others = set(before) - own
    after = page_models(sample_lineage, perturb_all_but(graph, SHOWN_ATTRS), only=others)
    assert {p for p in others if before[p] != after[p]} == set()
    for node in graph:
        spared = perturb_all_but(graph, SHOWN_ATTRS, spare=node)
        path = naming.node_path(node)
        assert page_models(sample_lineage, spared, only={path})[path] == before[path], node
    relabelled = page_models(sample_lineage, perturb_all_but(graph, all_but(graph, "label")))
    assert relabelled[naming.INDEX] != before[naming.INDEX]  # the check can fail


def test_the_search_index_reads_only_searched_attributes(sample_lineage):
    graph = sample_lineage.graph
    other = perturb_all_but(graph, SEARCHED, keys_of=("metadata", "config"))
    assert search_index(other) == search_index(graph)
    retagged = perturb_all_but(graph, all_but(graph, "tags"))  # the check can fail
    assert search_index(retagged) != search_index(graph)


def test_lineage_json_is_networkx_node_link_data(sample_lineage):
    def reference(lineage) -> bytes:
        data = nx.node_link_data(lineage.graph, edges="edges")
        data["nodes"].sort(key=lambda n: n["id"])
        data["edges"].sort(key=lambda e: (e["source"], e["target"]))
        data["problems"] = [p.to_json() for p in lineage.problems]
        data["generator"] = f"lineage-report {__version__}"
        data["report_time"] = build_time(lineage)
        data["inputs"] = [{"path": p, "sha256": d} for p, d in sorted(lineage.inputs.items())]
        data["inputs_digest"] = lineage.inputs_digest()
        return msgspec.json.encode(data, order="sorted", enc_hook=str)

    expected = reference(sample_lineage)
    assert lineage_json(sample_lineage) == expected
    encoded, _ = encode_nodes(sample_lineage.graph, sample_lineage.inputs)
    assert lineage_json(sample_lineage, encoded) == expected  # as a rebuild makes it


def test_lineage_json_in_small_pieces_is_the_same_file(sample_lineage, monkeypatch, tmp_path):
    # A full build writes lineage.json a chunk of nodes and edges at a time: the chunks
    # must join into exactly the one-piece JSON, however many there are.
    whole = lineage_json(sample_lineage)
    monkeypatch.setattr(build_module, "JSON_CHUNK", 3)
    pieces = list(build_module.lineage_json_parts(sample_lineage))
    assert len(pieces) > 40 and b"".join(pieces) == whole
    encoded, _ = encode_nodes(sample_lineage.graph, sample_lineage.inputs)
    assert lineage_json(sample_lineage, encoded) == whole
    site = build(load_config(SAMPLE), tmp_path / "site").output  # written in pieces
    assert (site / naming.LINEAGE_JSON).read_bytes() == whole


def test_the_status_in_small_pieces_is_the_same_json(monkeypatch):
    # The status is compressed a field and a chunk at a time: it must decompress to exactly
    # what one encode of the whole status writes.
    status = Status(
        STATUS_FORMAT,
        "key",
        [f"run:r{i}" for i in range(12)],
        [f"h{i}" for i in range(12)],
        {"graph": [f"g{i}" for i in range(12)], "search": [""] * 12},
        ["runs/a.html", "runs/b.html"],
        ["d1", "d2"],
        [[0, 1, 2], [3]],
        [f"f{i}" for i in range(9)],
        "manifest-key",
        {f"manifests/m{i}.json": msgspec.Raw(b'{"sha256":"%d"}' % i) for i in range(11)},
    )
    monkeypatch.setattr(status_module, "STATUS_CHUNK", 4)
    assert zlib.decompress(
        b"".join(status_module.compressed_pieces(status))
    ) == msgspec.json.encode(status)


def test_rows_made_while_encoding_give_the_same_status(monkeypatch):
    # A full build's page indexes and the manifest cache's packed entries are made a chunk
    # at a time as the status is encoded (write.Rows): the same bytes as plain lists.
    nodes = [f"run:r{i}" for i in range(12)]
    shown = [[f"run:r{i}" for i in (2, 0, 1)], ["run:r3", "gone"]]
    index = {n: i for i, n in enumerate(nodes)}
    entries = {f"manifests/m{i}.json": b'{"sha256":"%d"}' % i for i in range(11)}
    held = {rel: collect.pack(blob) for rel, blob in entries.items()}
    held["manifests/m3.json"] = msgspec.Raw(entries["manifests/m3.json"])  # reused as read

    def status(deps, manifests):
        fields = [nodes, nodes, {"graph": nodes}, ["a.html", "b.html"], ["d1", "d2"]]
        return Status(STATUS_FORMAT, "key", *fields, deps, [], "mk", manifests)

    plain = status([[0, 1, 2], [3]], {k: msgspec.Raw(v) for k, v in sorted(entries.items())})
    cache = collect.ManifestCache("mk")
    cache.new = held
    made = Rows(shown, lambda ids: sorted(index[n] for n in ids if n in index))
    monkeypatch.setattr(collect, "ENTRY_CHUNK", 3)
    lazy = status(made, cache.entries())
    assert lazy.manifests.chunk == 3
    monkeypatch.setattr(status_module, "STATUS_CHUNK", 4)
    assert zlib.decompress(b"".join(status_module.compressed_pieces(lazy))) == msgspec.json.encode(
        plain
    )


# ---------------------------------------------------------------- the garbage collector


def test_builds_leave_nothing_frozen_from_the_collector(tmp_path):
    project = three_runs(tmp_path / "p")
    build(load_config(project), tmp_path / "site")
    assert gc.get_freeze_count() == 0
    custom = tmp_path / "custom"
    custom.mkdir()
    (custom / "run.html").write_text("{{ page.no_such_field }}")
    config = load_config(project)
    config.theme_custom_dir = custom
    with pytest.raises(BuildError):
        build(config, tmp_path / "site")
    assert gc.get_freeze_count() == 0


# --- One page per dbt model: a rebuild follows where a run's page is ----------------------


def dbt_models(root: Path, **fct: Any) -> Path:
    """Write three dbt models: stg builds stg_orders; fct reads it and builds fct_orders;
    rep, in a manifest of its own, reads fct_orders."""
    logged = fct.pop("logged", [art("fct_orders")])
    return write_project(
        root,
        {
            "a.json": manifest("stg", 0, job_type="dbt model", logged=[art("stg_orders")]),
            "b.json": dbt_fct(logged, **fct),
            "c.json": manifest(
                "rep", 20, job_type="dbt model", used=["fct_orders:v0"], logged=[art("rep")]
            ),
        },
    )


def dbt_fct(logged: list, **run) -> dict:
    """Return b.json's manifest: the fct model, which reads stg_orders."""
    run = {"job_type": "dbt model", **run}
    return manifest("fct", 10, used=["stg_orders:v0"], logged=logged, **run)


TAGGED = {"job_type": "transform", "tags": ["dbt"]}  # OpenLineage's dbt integration's tag


@pytest.mark.parametrize(
    ("before", "after", "run_page"),
    [
        # Its notes (the model's SQL) are on its version's page: that page follows.
        ({}, {"notes": "select *\n"}, False),
        # A second output: the run is a run again, with a page of its own, and so is the
        # artifact that was the model's; every page that linked them links those.
        ({}, {"logged": [art("fct_orders"), art("fct_extra")]}, True),
        ({"logged": [art("fct_orders"), art("fct_extra")]}, {}, False),
        # Tagged dbt (or not) only: rep's page, from a manifest that did not change, lists
        # the run and follows it.
        ({**TAGGED, "tags": []}, TAGGED, False),
        (TAGGED, {**TAGGED, "tags": []}, True),
    ],
)
def test_a_rebuild_follows_where_a_dbt_models_pages_are(tmp_path, before, after, run_page):
    project = dbt_models(tmp_path / "p", **before)
    out = tmp_path / "site"
    build(load_config(project), out)
    logged = after.pop("logged", [art("fct_orders")])
    rewrite(project, "b.json", dbt_fct(logged, **after))
    result = build(load_config(project), out)
    assert result.incremental
    assert (out / naming.node_path("run:fct")).exists() == run_page
    assert (out / naming.artifact_path("fct_orders")).exists() == run_page
    assert files_of(out) == fresh_build(project, tmp_path)
