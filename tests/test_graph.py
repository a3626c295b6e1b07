"""The lineage graph: versions, digests, re-logs, aliases, `latest`, externals, problems."""

from __future__ import annotations

import pytest

import lineage_report
from lineage_report.digest import artifact_digest
from tests.factories import art, manifest, write_project


def load(tmp_path, manifests, config=""):
    """Write a project and load its lineage."""
    return lineage_report.load(write_project(tmp_path / "p", manifests, config))


def messages(lineage):
    """Return the problems as the CLI prints them."""
    return [str(p) for p in lineage.problems]


def test_versions_follow_logging_time_not_file_order(tmp_path):
    lineage = load(
        tmp_path,
        {
            "a.json": manifest("late", 30, logged=[art("data", content="2")]),
            "b.json": manifest("early", 0, logged=[art("data", content="1")]),
            "c.json": manifest("middle", 10, logged=[art("data", content="3")]),
        },
    )
    assert lineage.artifact("data:v0").logged_by().run_id == "early"
    assert lineage.artifact("data:v1").logged_by().run_id == "middle"
    assert lineage.artifact("data:v2").logged_by().run_id == "late"
    assert lineage.problems == []


def test_created_at_orders_versions_before_run_times(tmp_path):
    lineage = load(
        tmp_path,
        {
            "a.json": manifest(
                "a", 0, logged=[art("m", content="x", created_at="2026-11-21T00:00:00Z")]
            ),
            "b.json": manifest(
                "b", 5, logged=[art("m", content="y", created_at="2026-11-20T12:00:00Z")]
            ),
        },
    )
    assert lineage.artifact("m:v0").logged_by().run_id == "b"
    assert lineage.artifact("m:v1").logged_by().run_id == "a"


def test_digest_is_computed_from_files_in_any_order(tmp_path):
    files = [{"path": "b.csv", "digest": "sha256:bb"}, {"path": "a.csv", "digest": "sha256:aa"}]
    entry = {"name": "t", "type": "dataset", "files": files}
    lineage = load(tmp_path, {"a.json": manifest("a", logged=[entry])})
    expected = artifact_digest([("a.csv", "sha256:aa"), ("b.csv", "sha256:bb")])
    assert lineage.artifact("t:v0").digest == expected
    assert (
        expected
        == "sha256:" + __import__("hashlib").sha256(b"a.csv:sha256:aa\nb.csv:sha256:bb").hexdigest()
    )


def test_same_digest_again_is_a_relog_not_a_new_version(tmp_path):
    lineage = load(
        tmp_path,
        {
            "1.json": manifest("first", 0, logged=[art("clean", content="same")]),
            "2.json": manifest("again", 10, logged=[art("clean", content="same")]),
            "3.json": manifest("new", 20, logged=[art("clean", content="other")]),
        },
    )
    v0 = lineage.artifact("clean:v0")
    assert v0.logged_by().run_id == "first"
    assert [r.run_id for r in v0.relogged_by()] == ["again"]
    assert lineage.artifact("clean:v1").logged_by().run_id == "new"
    assert lineage.run("again").logged_artifacts() == []  # no second producer edge
    assert "artifact:clean:v2" not in lineage.graph


def test_latest_and_custom_aliases_name_one_version(tmp_path):
    lineage = load(
        tmp_path,
        {
            "1.json": manifest("a", 0, logged=[art("m", "model", "1", aliases=["best", "prod"])]),
            "2.json": manifest("b", 10, logged=[art("m", "model", "2", aliases=["best"])]),
            "3.json": manifest("c", 20, logged=[art("m", "model", "3")]),
        },
    )
    assert lineage.artifact("m:v0").aliases == ["prod"]
    assert lineage.artifact("m:v1").aliases == ["best"]
    assert lineage.artifact("m:v2").aliases == ["latest"]
    assert lineage.artifact("m:latest").id == "artifact:m:v2"
    assert lineage.artifact("m").id == "artifact:m:v2"


def test_relog_moves_an_alias(tmp_path):
    lineage = load(
        tmp_path,
        {
            "1.json": manifest("a", 0, logged=[art("m", "model", "1", aliases=["prod"])]),
            "2.json": manifest("b", 10, logged=[art("m", "model", "2", aliases=["prod"])]),
            "3.json": manifest("c", 20, logged=[art("m", "model", "1", aliases=["prod"])]),
        },
    )
    assert lineage.artifact("m:prod").id == "artifact:m:v0"


def test_latest_resolves_to_newest_version_created_before_the_run_started(tmp_path):
    lineage = load(
        tmp_path,
        {
            "1.json": manifest("p1", 0, logged=[art("d", content="1")]),
            "2.json": manifest("use", 5, used=["d:latest", "d"]),
            "3.json": manifest("p2", 10, logged=[art("d", content="2")]),
            "4.json": manifest("use2", 15, used=[{"name": "d", "alias": "latest"}]),
        },
    )
    assert [a.id for a in lineage.run("use").used_artifacts()] == ["artifact:d:v0"]
    assert [a.id for a in lineage.run("use2").used_artifacts()] == ["artifact:d:v1"]
    assert lineage.problems == []


def test_alias_resolves_to_its_holder_when_the_run_started(tmp_path):
    lineage = load(
        tmp_path,
        {
            "1.json": manifest("p1", 0, logged=[art("m", "model", "1", aliases=["best"])]),
            "2.json": manifest("use", 5, used=["m:best"]),
            "3.json": manifest("p2", 10, logged=[art("m", "model", "2", aliases=["best"])]),
            "4.json": manifest("use2", 15, used=[{"name": "m", "alias": "best"}]),
        },
    )
    assert [a.id for a in lineage.run("use").used_artifacts()] == ["artifact:m:v0"]
    assert [a.id for a in lineage.run("use2").used_artifacts()] == ["artifact:m:v1"]


def test_references_by_version_and_digest(tmp_path):
    second = art("d", content="2")
    lineage = load(
        tmp_path,
        {
            "1.json": manifest("p1", 0, logged=[art("d", content="1")]),
            "2.json": manifest("p2", 10, logged=[second]),
            "3.json": manifest(
                "use",
                20,
                used=[
                    "d:v0",
                    {"name": "d", "digest": second["digest"]},
                    {"name": "d", "version": "v1"},
                ],
            ),
        },
    )
    used = lineage.run("use").used_artifacts()
    assert [a.id for a in used] == ["artifact:d:v0", "artifact:d:v1"]


def test_unlogged_reference_is_an_external_node_with_a_warning(tmp_path):
    lineage = load(tmp_path, {"1.json": manifest("use", 0, used=["imagenet:v3", "d:v9"])})
    assert lineage.graph.nodes["artifact:imagenet:v3"]["external"] is True
    assert lineage.artifact("imagenet:v3").used_by()[0].run_id == "use"
    assert messages(lineage) == [
        "1.json: /used_artifacts/0: 'imagenet:v3' was not logged by any run here; shown as an "
        'external input (declare it with external = ["imagenet:*"] in lineage-report.toml) '
        "[graph.unresolved]",
        "1.json: /used_artifacts/1: 'd:v9' was not logged by any run here; shown as an "
        'external input (declare it with external = ["d:*"] in lineage-report.toml) '
        "[graph.unresolved]",
    ]
    assert {p.severity for p in lineage.problems} == {"warning"}


def test_runs_reading_one_unlogged_reference_cost_one_warning_that_counts_them(tmp_path):
    files = {f"{i}.json": manifest(f"use{i}", i, used=["imagenet:v3"]) for i in range(1, 4)}
    files["4.json"] = manifest("other", 4, used=["imagenet:v4"])
    lineage = load(tmp_path, files)
    assert [r.run_id for r in lineage.artifact("imagenet:v3").used_by()] == ["use1", "use2", "use3"]
    declare = '(declare it with external = ["imagenet:*"] in lineage-report.toml)'
    assert messages(lineage) == [
        f"1.json: /used_artifacts/0: 'imagenet:v3' was not logged by any run here; shown as an "
        f"external input {declare}; 2 more references to it shown the same way, the last at "
        "3.json: /used_artifacts/0 [graph.unresolved]",
        f"4.json: /used_artifacts/0: 'imagenet:v4' was not logged by any run here; shown as an "
        f"external input {declare} [graph.unresolved]",
    ]


def test_declared_external_is_not_a_warning(tmp_path):
    lineage = load(
        tmp_path,
        {"1.json": manifest("use", 0, used=["imagenet:v3"])},
        'external = ["imagenet:*"]\n',
    )
    assert lineage.problems == []
    assert lineage.graph.nodes["artifact:imagenet:v3"]["external"] is True


def test_type_clash_rejects_the_later_manifest_whole(tmp_path):
    lineage = load(
        tmp_path,
        {
            "a.json": manifest("a", 0, logged=[art("x", "dataset", "1")]),
            "b.json": manifest("b", 10, logged=[art("y", "dataset", "2"), art("x", "model", "3")]),
        },
    )
    assert messages(lineage) == [
        "b.json: /logged_artifacts/1/type: artifact 'x' is logged here as type 'model', "
        "but a.json logged it as 'dataset' [graph.type-clash]"
    ]
    assert "run:b" not in lineage.graph
    assert "artifact:y:v0" not in lineage.graph  # never half-ingested
    assert "artifact:x:v0" in lineage.graph


def test_version_claimed_with_another_digest_is_a_conflict(tmp_path):
    lineage = load(
        tmp_path,
        {
            "a.json": manifest("a", 0, logged=[art("x", content="1", version="v0")]),
            "b.json": manifest("b", 10, logged=[art("x", content="2", version="v0")]),
        },
    )
    [problem] = lineage.problems
    assert problem.kind == "graph.conflicting-producer"
    assert problem.path == "b.json" and problem.location == "/logged_artifacts/0/version"
    assert "'x:v0' is claimed here with digest sha256:" in problem.message
    assert "but a.json logged it with digest sha256:" in problem.message
    assert "run:b" not in lineage.graph


def test_duplicate_run_ids(tmp_path):
    same = manifest("r", 0, logged=[art("x")])
    lineage = load(
        tmp_path, {"a.json": same, "b.json": same, "c.json": manifest("r", 5, logged=[art("y")])}
    )
    assert messages(lineage) == [
        "c.json: /run/id: run id 'r' is also used by a.json with different content; "
        "this manifest is skipped [graph.duplicate-run]"
    ]
    assert lineage.run("r").logged_artifacts()[0].id == "artifact:x:v0"


def test_cycle_is_reported_and_the_closing_manifest_skipped(tmp_path):
    lineage = load(
        tmp_path,
        {
            "a.json": manifest("a", 0, used=["y:v0"], logged=[art("x")]),
            "b.json": manifest("b", 10, used=["x:v0"], logged=[art("y")]),
        },
    )
    cycles = [p for p in lineage.problems if p.kind == "graph.cycle"]
    assert len(cycles) == 1
    assert cycles[0].path == "b.json" and cycles[0].location == "/used_artifacts/0"
    assert cycles[0].message.startswith("cycle in the lineage: ")
    assert "run:b" not in lineage.graph
    import networkx as nx

    assert nx.is_directed_acyclic_graph(lineage.graph)


def test_walking_api(tmp_path):
    lineage = load(
        tmp_path,
        {
            "1.json": manifest("up", 0, job_type="upload", logged=[art("raw")]),
            "2.json": manifest(
                "prep", 10, job_type="preprocess", used=["raw:latest"], logged=[art("clean")]
            ),
            "3.json": manifest("train", 20, used=["clean:latest"], logged=[art("m", "model")]),
        },
    )
    model = lineage.artifact("m:v0")
    assert [n.id for n in lineage.upstream(model)] == [
        "run:train",
        "artifact:clean:v0",
        "run:prep",
        "artifact:raw:v0",
        "run:up",
    ]
    assert [n.id for n in lineage.upstream(model, depth=2)] == ["run:train", "artifact:clean:v0"]
    assert [n.id for n in lineage.downstream("raw:v0", depth=1)] == ["run:prep"]
    assert [a.id for a in lineage.run("prep").used_artifacts()] == ["artifact:raw:v0"]
    assert [a.id for a in lineage.run("prep").logged_artifacts()] == ["artifact:clean:v0"]
    assert lineage.artifact("raw:v0").used_by()[0].job_type == "preprocess"
    with pytest.raises(KeyError):
        lineage.artifact("nope:v0")


def test_unknown_keys_are_kept(tmp_path):
    doc = manifest("a", 0, logged=[art("x", future_field={"k": 1})], new_run_field="hi")
    doc["producer"] = "my-sdk 2.0"
    lineage = load(tmp_path, {"a.json": doc})
    assert lineage.problems == []
    assert lineage.run("a").extra == {
        "": {"producer": "my-sdk 2.0"},
        "/run": {"new_run_field": "hi"},
        "/logged_artifacts/0": {"future_field": {"k": 1}},
    }
    assert lineage.artifact("x:v0").extra == {"future_field": {"k": 1}}


def test_negative_versions_are_invalid(tmp_path):
    lineage = load(
        tmp_path,
        {
            "a.json": manifest("a", 0, logged=[art("x", version=-1)]),
            "b.json": manifest("b", 10, used=[{"name": "x", "version": -1}]),
        },
    )
    assert [str(p) for p in lineage.problems] == [
        "a.json: /logged_artifacts/0/version: expected an integer >= 0 [manifest.invalid]",
        "b.json: /used_artifacts/0/version: expected an integer >= 0 [manifest.invalid]",
    ]


def test_cycle_through_a_run_without_times(tmp_path):
    lineage = load(
        tmp_path,
        {
            "a.json": manifest("a", 0, used=["y:v0"], logged=[art("x")]),
            "b.json": {
                "manifest_version": 1,
                "run": {"id": "b"},
                "used_artifacts": ["x:v0"],
                "logged_artifacts": [art("y")],
            },
        },
    )
    # The run with times is the newest on the cycle, so it goes; b's input is then unresolved.
    assert [p.kind for p in lineage.problems] == ["graph.cycle", "graph.unresolved"]
    assert "run:a" not in lineage.graph and "run:b" in lineage.graph


def test_digest_reference_warning_suggests_a_pattern_that_matches(tmp_path):
    lineage = load(
        tmp_path, {"a.json": manifest("a", 0, used=[{"name": "w", "digest": "sha256:ab"}])}
    )
    [problem] = lineage.problems
    assert 'external = ["w@*"]' in problem.message
    declared = load(
        tmp_path / "2",
        {"a.json": manifest("a", 0, used=[{"name": "w", "digest": "sha256:ab"}])},
        'external = ["w@*"]\n',
    )
    assert declared.problems == []


def test_an_empty_reference_is_invalid(tmp_path):
    lineage = load(tmp_path, {"a.json": manifest("a", 0, used=[""])})
    assert [str(p) for p in lineage.problems] == [
        "a.json: /used_artifacts/0: expected a string of length >= 1 [manifest.invalid]"
    ]


def test_to_pyvis_gives_the_view_for_notebooks(tmp_path):
    lineage = load(
        tmp_path,
        {
            "1.json": manifest("up", 0, job_type="upload", logged=[art("raw")]),
            "2.json": manifest(
                "prep", 10, job_type="prep", used=["raw:latest"], logged=[art("clean")]
            ),
            "3.json": manifest("other", 20, job_type="upload", logged=[art("unrelated")]),
        },
    )
    network = lineage.to_pyvis("clean:v0", depth=2)
    ids = sorted(n["id"] for n in network.nodes)
    assert ids == ["artifact:clean:v0", "artifact:raw:v0", "run:prep"]
    assert all(n.get("physics") is False or "x" in n for n in network.nodes)


def test_to_pyvis_walks_as_far_as_the_sites_pages(tmp_path):
    manifests = {"0.json": manifest("s0", 0, job_type="upload", logged=[art("d0")])}
    for i in range(1, 8):
        manifests[f"{i}.json"] = manifest(
            f"s{i}", i, job_type="prep", used=[f"d{i - 1}:v0"], logged=[art(f"d{i}")]
        )
    lineage = load(tmp_path, manifests, "lineage_limit = 3\n")
    ids = sorted(n["id"] for n in lineage.to_pyvis("d7:v0").nodes)
    # The walk stops after the step that passes 3 nodes, as the site's page of d7 does.
    assert ids == ["artifact:d5:v0", "artifact:d6:v0", "artifact:d7:v0", "run:s6", "run:s7"]
    assert len(lineage.to_pyvis("d7:v0", limit=1_000).nodes) == 16


def test_a_project_without_inputs_says_so(tmp_path):
    lineage = load(tmp_path, {"notes.txt": "not lineage"}, 'manifests = ["runs/*.json"]\n')
    assert messages(lineage) == [
        "lineage-report.toml: no input files match the manifest globs (runs/*.json) "
        "[collect.no-inputs]"
    ]
    assert lineage.problems[0].severity == "warning"


def test_a_failed_runs_version_is_shown_but_never_latest(tmp_path):
    lineage = load(
        tmp_path,
        {
            "1.json": manifest("good", 0, logged=[art("m", "model", "1")]),
            "2.json": manifest("bad", 10, logged=[art("m", "model", "2")], state="failed"),
            "3.json": manifest("cut", 20, logged=[art("m", "model", "3")], state="crashed"),
            "4.json": manifest("use", 30, used=["m:latest"]),
        },
    )
    assert [lineage.artifact(f"m:v{i}").aliases for i in range(3)] == [["latest"], [], []]
    assert lineage.artifact("m").id == "artifact:m:v0"
    assert [a.id for a in lineage.run("use").used_artifacts()] == ["artifact:m:v0"]
    assert lineage.artifact("m:v1").logged_by().state == "failed"
    assert lineage.problems == []
    later = load(
        tmp_path / "later",
        {
            "1.json": manifest("bad", 10, logged=[art("m", "model", "2")], state="failed"),
            "2.json": manifest("fixed", 20, logged=[art("m", "model", "3")]),
        },
    )
    assert later.artifact("m").logged_by().run_id == "fixed"


def test_a_failed_version_relogged_by_a_good_run_is_latest(tmp_path):
    lineage = load(
        tmp_path,
        {
            "1.json": manifest("bad", 0, logged=[art("m", "model", "1")], state="failed"),
            "2.json": manifest("again", 10, logged=[art("m", "model", "1")]),
        },
    )
    assert lineage.artifact("m:v0").aliases == ["latest"]


def test_a_run_updating_what_it_reads_reads_the_version_before_its_own(tmp_path):
    # Fine-tuning "the latest model" and logging the result: no times at all, which used to
    # make the run read its own output and be dropped as a cycle.
    untimed = {"id": "tune", "job_type": "train"}
    lineage = load(
        tmp_path,
        {
            "a.json": manifest("base", 0, logged=[art("m", "model", "1")]),
            "b.json": {
                "manifest_version": 1,
                "run": untimed,
                "used_artifacts": ["m:latest"],
                "logged_artifacts": [art("m", "model", "2")],
            },
            "c.json": manifest("first", 0, used=["n"], logged=[art("n", "model", "1")]),
        },
    )
    assert [a.id for a in lineage.run("tune").used_artifacts()] == ["artifact:m:v0"]
    assert [a.id for a in lineage.run("tune").logged_artifacts()] == ["artifact:m:v1"]
    assert [a.id for a in lineage.run("first").used_artifacts()] == ["artifact:n (before v0)"]
    assert messages(lineage) == [
        "c.json: /used_artifacts/0: this run reads and writes 'n', and no earlier version of it "
        "was logged here by a run that did not fail; shown as the external input "
        "'n (before v0)' (declare it with external = [\"n\"] in lineage-report.toml) "
        "[graph.unresolved]"
    ]


def test_a_skipped_run_is_a_state(tmp_path):
    lineage = load(tmp_path, {"a.json": manifest("s", 0, state="skipped")})
    assert lineage.run("s").state == "skipped" and lineage.problems == []
