"""Preview files (#15): every node's preview once per site, in shards the browser reads on
demand, instead of in every page that draws the node (graphview/previews.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

import lineage_report
from lineage_report import graphview, naming
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.graphview import previews
from lineage_report.graphview.entries import node_entry
from lineage_report.graphview.previews import FOLDER, SHARDS, read_preview_files, shard_of
from tests.conftest import SAMPLE
from tests.factories import art, manifest, write_project


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory) -> Path:
    """Build the sample project's site once for this module."""
    return build(load_config(SAMPLE), tmp_path_factory.mktemp("previews") / "site").output


def test_every_node_is_previewed_once_in_its_shard(sample_site):
    graph = lineage_report.load(SAMPLE).graph
    facts = graphview.GraphFacts(graph)
    shown = read_preview_files(sample_site)
    assert shown == {n: node_entry(facts, n, None)["p"] for n in graph}
    files = sorted(p.name for p in (sample_site / FOLDER).iterdir())
    assert files == sorted({f"{shard_of(n, SHARDS)}.js" for n in graph})  # none empty


def test_pages_name_the_files_and_embed_no_preview(sample_site):
    for node in ("artifact:mnist-cnn:v6", "run:s472we7t"):
        data = graphview.read_page_file(sample_site / naming.node_path(node))
        assert (data["pv"], data["pn"]) == ("../previews/", SHARDS)
        assert not [e for e in data["nodes"] if "p" in e]
    html = (sample_site / naming.GRAPH).read_text(encoding="utf-8")
    assert '"pv":"previews/"' in html


def test_the_sample_sites_graph_data_is_half_as_big():
    graph = lineage_report.load(SAMPLE).graph
    facts = graphview.GraphFacts(graph)

    def href(n: str) -> str:
        return "../" + naming.node_path(n)

    inline = sum(graphview.page_graph(facts, n, href=href).byte_size for n in graph)
    shared = sum(
        graphview.page_graph(facts, n, href=href, preview_shards=SHARDS).byte_size for n in graph
    )
    assert shared < 0.55 * inline  # measured: 350,816 -> 166,529 bytes (-53 %)


def test_a_view_without_site_links_keeps_its_previews():
    graph = lineage_report.load(SAMPLE).graph
    view = graphview.page_graph(graph, "artifact:mnist-cnn:v6", preview_shards=SHARDS)
    assert "pv" not in view.data and all("p" in e for e in view.data["nodes"] if "c" not in e)


def test_the_shard_of_an_id_is_fixed():
    # The browser computes the same (tests/browser/test_previews_browser.py): pinned here.
    assert [shard_of(n, SHARDS) for n in ("run:abc", "artifact:x:v0")] == [272, 759]
    assert shard_of("run:\ud800", SHARDS) in range(SHARDS)  # a lone surrogate, as JS sees it


def three_runs(root: Path, state: str = "finished", notes: str = "") -> Path:
    """Write three runs; the last one's state and notes as given."""
    runs = {
        "a.json": manifest("up", 0, job_type="upload", logged=[art("raw")]),
        "b.json": manifest("prep", 10, job_type="prep", used=["raw:latest"]),
        "c.json": manifest("other", 20, job_type="upload", state=state, notes=notes),
    }
    return write_project(root, runs)


def test_a_rebuild_rewrites_only_the_shard_whose_previews_changed(tmp_path):
    out = tmp_path / "site"
    build(load_config(three_runs(tmp_path / "p")), out)
    quiet = build(load_config(three_runs(tmp_path / "p", notes="New notes")), out)
    assert quiet.incremental
    assert [p for p in quiet.written if p.startswith(FOLDER)] == []  # notes are not previewed
    failed = build(load_config(three_runs(tmp_path / "p", state="crashed")), out)
    assert [p for p in failed.written if p.startswith(FOLDER)] == [
        f"{FOLDER}{shard_of('run:other', SHARDS)}.js"
    ]
    assert read_preview_files(out)["run:other"][1] == ["State", "crashed"]


def test_a_rebuild_remakes_only_the_shards_a_change_reaches(tmp_path, monkeypatch):
    # A version's preview names its producer: renaming the run changes the version's shard
    # too, and a removed run leaves its shard. No other shard is made again, and the site
    # is the one a full build writes.
    runs = {
        "a.json": manifest("up", 0, job_type="upload", logged=[art("raw")]),
        "b.json": manifest("prep", 10, job_type="prep", used=["raw:latest"], logged=[art("clean")]),
        "c.json": manifest("other", 20, job_type="upload", logged=[art("unrelated")]),
    }
    project = write_project(tmp_path / "p", runs)
    out = tmp_path / "site"
    build(load_config(project), out)
    made = []
    real = previews._preview
    monkeypatch.setattr(previews, "_preview", lambda facts, n: made.append(n) or real(facts, n))
    write_project(
        project, {"b.json": {**runs["b.json"], "run": {**runs["b.json"]["run"], "name": "Renamed"}}}
    )
    (project / "c.json").unlink()
    assert build(load_config(project), out).incremental
    shown = read_preview_files(out)
    assert ["Produced by", "Renamed"] in shown["artifact:clean:v0"]
    assert "run:other" not in shown and "artifact:unrelated:v0" not in shown
    untouched = ["run:up", "artifact:raw:v0"]
    reached = {shard_of(n, SHARDS) for n in ("run:prep", "artifact:clean:v0", "run:other")}
    assert not reached & {shard_of(n, SHARDS) for n in untouched}  # so none is made again
    assert "artifact:clean:v0" in made and not set(untouched) & set(made)
    # Its own manifest changed too here; a producer named from elsewhere still reaches it.
    facts = graphview.GraphFacts(lineage_report.load(project).graph)
    assert shard_of("artifact:clean:v0", SHARDS) in previews.changed_shards(facts, {"run:prep"})
    fresh = build(load_config(project), tmp_path / "fresh").output
    for path in sorted((fresh / FOLDER).iterdir()) + sorted((out / FOLDER).iterdir()):
        other = (out if path.is_relative_to(fresh) else fresh) / FOLDER / path.name
        assert path.read_bytes() == other.read_bytes(), path.name
