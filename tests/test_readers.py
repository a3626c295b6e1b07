"""Tests for the readers: OpenLineage, dbt and W&B file lists into manifest-v1 documents.

Real data: the Marquez demo events (time placeholders filled in as Marquez's seed.sh does)
and dbt-docs' jaffle_shop manifest.json, both in tests/data with their sources. Hand-made
events and manifests cover the edge cases. Every document any test produces goes through
`sanity()`, our own check of the manifest-v1 shape, and through the collector's manifest model.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import networkx as nx
import pytest

from lineage_report.readers import (
    Document,
    detect_format,
    read_dbt,
    read_openlineage,
    read_openlineage_many,
    wandb_manifest_files,
)

DATA = Path(__file__).parent / "data"
MARQUEZ = DATA / "marquez-seed" / "metadata.template.json"
JAFFLE = DATA / "dbt-jaffle-shop" / "manifest.json"
STATES = {"finished", "failed", "crashed", "skipped", "running"}
T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


# --- helpers ------------------------------------------------------------------------------


def sanity(documents: list[Document]) -> None:
    """Check that documents are manifest-v1 shaped, JSON-clean and have what the graph needs."""
    for doc in documents:
        data = json.loads(json.dumps(doc.data, allow_nan=False))
        assert data["manifest_version"] == 1
        run = data["run"]
        assert isinstance(run["id"], str) and run["id"]
        assert run.get("state", "finished") in STATES
        assert isinstance(run.get("job_type", "run"), str)
        for key in ("started_at", "finished_at"):
            if key in run:
                assert datetime.fromisoformat(run[key]).tzinfo is not None
        for art in data["logged_artifacts"]:
            assert all(isinstance(art[k], str) and art[k] for k in ("name", "type", "digest"))
            assert re.fullmatch(r"sha256:[0-9a-f]{64}", art["digest"])
        for ref in data["used_artifacts"]:
            assert isinstance(ref["name"], str) and ref["name"]
            assert sum(k in ref for k in ("digest", "alias", "version")) == 1
        _lead_check(doc.path, data)


def _lead_check(path: str, data: dict) -> None:
    """Validate with the collector's own manifest model, when it exists in this tree."""
    try:
        from lineage_report.manifest import check_manifest
    except ImportError:
        return
    check_manifest(path, data)


def graph(documents: list[Document]) -> nx.DiGraph:
    """Build a run/artifact graph: used refs by digest join the version that digest names."""
    g = nx.DiGraph()
    for doc in documents:
        run = "run:" + doc.data["run"]["id"]
        g.add_node(run)
        for art in doc.data["logged_artifacts"]:
            g.add_edge(run, f"artifact:{art['name']}@{art['digest']}")
        for ref in doc.data["used_artifacts"]:
            ref_id = ref.get("digest") or ref.get("alias")
            g.add_edge(f"artifact:{ref['name']}@{ref_id}", run)
    return g


def by_job(documents: list[Document]) -> dict[str, dict]:
    """Index documents by their run's job type."""
    return {d.data["run"]["job_type"]: d.data for d in documents}


def kinds(problems) -> list[str]:
    """Return the kinds of problems, in order."""
    return [p.kind for p in problems]


def fill_marquez(text: str) -> str:
    """Replace the template's time placeholders the way Marquez's seed.sh does."""
    text = text.replace("{{RUN_START_TIME}}", T0.isoformat().replace("+00:00", "Z"))

    def end(match: re.Match) -> str:
        return (T0 + timedelta(minutes=int(match.group(1)))).isoformat().replace("+00:00", "Z")

    return re.sub(r"\{\{RUN_END_TIME_AFTER_(\d+)_MINUTES\}\}", end, text)


def event(kind, run_id, job, minute=0, inputs=(), outputs=(), run_facets=None, job_facets=None):
    """Make an OpenLineage RunEvent."""
    return {
        "eventType": kind,
        "eventTime": (T0 + timedelta(minutes=minute)).isoformat(),
        "run": {"runId": run_id, "facets": run_facets or {}},
        "job": {"namespace": "ns", "name": job, "facets": job_facets or {}},
        "inputs": [dataset(d) for d in inputs],
        "outputs": [dataset(d) for d in outputs],
        "producer": "https://example.com/test",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }


def dataset(spec):
    """Make a dataset from 'name' or ('name', datasetVersion)."""
    name, version = (spec, None) if isinstance(spec, str) else spec
    facets = {"version": {"datasetVersion": version}} if version is not None else {}
    return {"namespace": "db", "name": name, "facets": facets}


def read_events(events, path="events.json"):
    """Read a list of events given as a JSON array."""
    docs, problems = read_openlineage(path, json.dumps(events).encode())
    sanity(docs)
    return docs, problems


# --- OpenLineage: the Marquez demo ----------------------------------------------------------


@pytest.fixture(scope="module")
def marquez():
    """The Marquez seed events with their times filled in, read."""
    docs, problems = read_openlineage("metadata.json", fill_marquez(MARQUEZ.read_text()).encode())
    sanity(docs)
    return docs, problems


def test_marquez_runs_and_datasets(marquez):
    docs, problems = marquez
    assert problems == []
    assert len(docs) == 13
    assert {d.data["run"]["state"] for d in docs} == {"finished"}
    logged = {a["name"] for d in docs for a in d.data["logged_artifacts"]}
    assert len(logged) == 13
    assert all(name.startswith("food_delivery/public.") for name in logged)
    menus = by_job(docs)["etl_menus"]["run"]
    assert (menus["started_at"], menus["finished_at"]) == (
        "2024-05-01T10:00:00Z",
        "2024-05-01T10:08:00Z",
    )
    assert menus["project"] == "food_delivery" and menus["name"] == "etl_menus"


def test_marquez_graph_is_the_documented_dag(marquez):
    docs, _ = marquez
    g = graph(docs)
    assert (g.number_of_nodes(), g.number_of_edges()) == (26, 27)
    assert nx.is_directed_acyclic_graph(g) and nx.is_weakly_connected(g)
    # every input is pinned to the version its producer in the file logged
    used = [r for d in docs for r in d.data["used_artifacts"]]
    assert len(used) == 14 and all("digest" in r for r in used)
    logged = {a["digest"] for d in docs for a in d.data["logged_artifacts"]}
    assert {r["digest"] for r in used} <= logged


def test_marquez_facets_land_where_the_site_shows_them(marquez):
    docs, _ = marquez
    run = by_job(docs)["etl_delivery_7_days"]
    notes = run["run"]["notes"]
    assert notes.startswith("Loads new deliveries for the week.")
    assert "```sql\nINSERT INTO delivery_7_days" in notes
    art = run["logged_artifacts"][0]
    assert art["description"] == "A table for weekly deliveries."
    assert art["columns"][0] == {
        "name": "order_id",
        "type": "INTEGER",
        "description": "The ID of the order.",
    }
    order_id = next(c for c in art["column_lineage"] if c["column"] == "order_id")
    assert order_id["inputs"][0]["artifact"] == "food_delivery/public.orders_7_days"
    assert order_id["inputs"][0]["field"] == "order_id"
    assert art["checks"] and "facet.dataQualityAssertions" not in art["metadata"]
    assert "columns" not in art["metadata"] and "column_lineage" not in art["metadata"]
    assert art["metadata"]["data_source"]["uri"].startswith("postgres://food_delivery:***@")
    with_lineage = [a for d in docs for a in d.data["logged_artifacts"] if a["column_lineage"]]
    assert len(with_lineage) == 5


def test_marquez_template_unfilled_reports_times_and_keeps_lineage():
    docs, problems = read_openlineage("metadata.template.json", MARQUEZ.read_bytes())
    sanity(docs)
    assert len(docs) == 13 and len(problems) == 26
    assert set(kinds(problems)) == {"openlineage.invalid-time"}
    assert str(problems[0]) == (
        "metadata.template.json: /0/eventTime: eventTime '{{RUN_START_TIME}}' is not an "
        "ISO 8601 time; the event is used without it [openlineage.invalid-time]"
    )
    assert graph(docs).number_of_edges() == 27
    assert all("started_at" not in d.data["run"] for d in docs)


# --- OpenLineage: hand-made events ---------------------------------------------------------


def test_states_from_the_last_event():
    error = {"message": "boom", "programmingLanguage": "python", "stackTrace": "Traceback ..."}
    events = [
        event("START", "r-ok", "ok"),
        event("RUNNING", "r-ok", "ok", 1),
        event("COMPLETE", "r-ok", "ok", 2),
        event("START", "r-fail", "fail"),
        event("FAIL", "r-fail", "fail", 3, run_facets={"errorMessage": error}),
        event("START", "r-abort", "abort"),
        event("ABORT", "r-abort", "abort", 4),
        event("START", "r-live", "live"),
        event("RUNNING", "r-live", "live", 5),
    ]
    docs, problems = read_events(events)
    assert problems == []
    runs = {k: v["run"] for k, v in by_job(docs).items()}
    assert {k: r["state"] for k, r in runs.items()} == {
        "ok": "finished",
        "fail": "failed",
        "abort": "crashed",
        "live": "running",
    }
    assert runs["ok"]["summary"]["events"] == "START → RUNNING → COMPLETE"
    assert runs["fail"]["finished_at"] == "2024-05-01T10:03:00Z"
    assert "finished_at" not in runs["live"]
    assert runs["fail"]["summary"]["error"] == "boom"
    assert "**Error:** boom\n\n```python\nTraceback ...\n```" in runs["fail"]["notes"]


def test_state_follows_time_not_file_order():
    events = [event("COMPLETE", "r", "j", 5), event("START", "r", "j", 0)]
    docs, _ = read_events(events)
    run = docs[0].data["run"]
    assert (run["state"], run["started_at"], run["finished_at"]) == (
        "finished",
        "2024-05-01T10:00:00Z",
        "2024-05-01T10:05:00Z",
    )
    assert docs[0].location == "/0"


def test_facets_of_one_run_are_combined():
    schema = {"fields": [{"name": "id", "type": "INT"}]}
    events = [
        event("START", "r", "j", job_facets={"sql": {"query": "select 1"}}, outputs=["t"]),
        event("COMPLETE", "r", "j", 1, job_facets={"documentation": {"description": "Docs."}}),
    ]
    events[1]["outputs"] = [{"namespace": "db", "name": "t", "facets": {"schema": schema}}]
    docs, _ = read_events(events)
    run = docs[0].data
    assert run["run"]["notes"] == "Docs.\n\n**SQL**\n\n```sql\nselect 1\n```"
    assert run["logged_artifacts"][0]["columns"] == [
        {"name": "id", "type": "INT", "description": ""}
    ]


def test_parent_run_is_kept_for_drawing():
    parent = {"run": {"runId": "dag-run"}, "job": {"namespace": "airflow", "name": "my_dag"}}
    events = [
        event("START", "dag-run", "my_dag"),
        event("START", "task", "t", 1, run_facets={"parent": parent}),
    ]
    docs, _ = read_events(events)
    task = by_job(docs)["t"]["run"]
    assert task["parent"] == {"id": "dag-run", "name": "my_dag", "job_type": "my_dag"}
    assert "parent_run" not in task["config"]  # shown as the parent link, not twice
    assert "parent" not in by_job(docs)["my_dag"]["run"]


def test_dataset_versions_join_producer_and_consumer():
    events = [
        event("COMPLETE", "w1", "writer", 0, outputs=[("t", "5")]),
        event("COMPLETE", "w2", "writer", 10, outputs=[("t", "5")]),  # re-writes the same
        event("COMPLETE", "r1", "reader", 20, inputs=[("t", "5")]),
        event("COMPLETE", "r2", "reader", 30, inputs=[("t", "4")]),  # a version nobody wrote here
    ]
    docs, _ = read_events(events)
    runs = {d.data["run"]["id"]: d.data for d in docs}
    written = {runs[r]["logged_artifacts"][0]["digest"] for r in ("w1", "w2")}
    assert len(written) == 1
    assert runs["r1"]["used_artifacts"][0]["digest"] in written
    assert runs["r2"]["used_artifacts"][0]["digest"] not in written
    assert runs["w1"]["logged_artifacts"][0]["metadata"]["dataset_version"] == "5"


def test_unversioned_datasets_get_one_version_per_producing_run():
    events = [
        event("COMPLETE", "w1", "writer", 0, outputs=["t"]),
        event("COMPLETE", "w2", "writer", 10, outputs=["t"]),
        event("FAIL", "w3", "writer", 15, outputs=["t"]),
        event("COMPLETE", "r1", "reader", 12, inputs=["t"]),
        event("COMPLETE", "r2", "reader", 20, inputs=["t"]),
        event("COMPLETE", "r0", "reader", -5, inputs=["t"]),
    ]
    docs, _ = read_events(events)
    runs = {d.data["run"]["id"]: d.data for d in docs}
    digest = {r: runs[r]["logged_artifacts"][0]["digest"] for r in ("w1", "w2", "w3")}
    assert len(set(digest.values())) == 3
    # r1 and r2 read the newest version written before they started (w3 failed: not it)
    assert runs["r1"]["used_artifacts"] == [{"name": "db/t", "digest": digest["w2"]}]
    assert runs["r2"]["used_artifacts"] == [{"name": "db/t", "digest": digest["w2"]}]
    # r0 started before any writer: it read a version from outside this file
    assert runs["r0"]["used_artifacts"] == [{"name": "db/t", "alias": "latest"}]
    assert by_job(docs)["reader"]["run"]["name"].startswith("reader ")  # several runs: id added


def test_inputs_with_colons_in_the_namespace_use_the_object_form():
    ev = event("COMPLETE", "r", "j")
    ev["inputs"] = [{"namespace": "postgres://host:5432", "name": "db.public.t"}]
    docs, _ = read_events([ev])
    assert docs[0].data["used_artifacts"] == [
        {"name": "postgres://host:5432/db.public.t", "alias": "latest"}
    ]


def test_dataset_type_comes_from_its_facet():
    ev = event("COMPLETE", "r", "j")
    ev["outputs"] = [
        {"namespace": "db", "name": "v", "facets": {"datasetType": {"datasetType": "VIEW"}}}
    ]
    docs, _ = read_events([ev])
    assert docs[0].data["logged_artifacts"][0]["type"] == "view"


def test_reading_and_writing_one_version_is_no_cycle():
    # The read is kept: the graph takes it to be the version before the run's own.
    ev = event("COMPLETE", "r", "j", inputs=[("t", "1")], outputs=[("t", "1")])
    docs, problems = read_events([ev])
    # the version the input named is kept as what the run said of it (its input facets)
    version = {"facet.version": {"datasetVersion": "1"}}
    assert docs[0].data["used_artifacts"] == [
        {"name": "db/t", "alias": "latest", "facets": version}
    ]
    assert [str(p) for p in problems] == [
        "events.json: /0/inputs/0: run r reads and writes db/t at the same datasetVersion "
        "'1'; it is taken to read the version before its own [openlineage.self-loop]"
    ]


def test_ndjson_with_a_broken_line_keeps_the_others():
    lines = [
        json.dumps(event("START", "a", "j")),
        '{"eventType": "START", "run": {',
        json.dumps(event("COMPLETE", "a", "j", 3, outputs=["t"])),
        "",
        json.dumps(event("COMPLETE", "b", "k", 4, inputs=["t"])),
    ]
    raw = "\n".join(lines).encode()
    assert detect_format("events.ndjson", raw) == "openlineage"
    docs, problems = read_openlineage("events.ndjson", raw)
    sanity(docs)
    assert [p.location for p in problems] == ["line 2"]
    assert problems[0].kind == "openlineage.invalid-json"
    assert [d.location for d in docs] == ["line 1", "line 5"]
    assert docs[0].data["run"]["state"] == "finished"
    assert "digest" in docs[1].data["used_artifacts"][0]


def test_bad_events_and_datasets_cost_only_themselves():
    good = event("COMPLETE", "ok", "j", outputs=["t", "u"])
    good["outputs"].insert(1, {"namespace": "db"})
    no_run_id = event("COMPLETE", "x", "j")
    del no_run_id["run"]["runId"]
    odd_type = event("DONE", "odd", "k")
    events = [good, "not an event", no_run_id, {"eventTime": "x", "dataset": {}}, odd_type]
    docs, problems = read_events(events)
    assert [d.data["run"]["id"] for d in docs] == ["ok", "odd"]
    assert [a["name"] for a in docs[0].data["logged_artifacts"]] == ["db/t", "db/u"]
    assert [(p.location, p.kind, p.severity) for p in problems] == [
        ("/0/outputs/1", "openlineage.invalid-dataset", "error"),
        ("/1", "openlineage.invalid-event", "error"),
        ("/2", "openlineage.invalid-event", "error"),
        ("/3", "openlineage.invalid-event", "error"),  # a DatasetEvent naming no dataset
        ("/4/eventType", "openlineage.invalid-event", "warning"),
    ]
    assert problems[0].message == "dataset 'name' is missing or not a string"
    assert problems[2].message == "'run.runId' is missing or not a string"
    assert docs[1].data["run"]["state"] == "running"


def test_a_run_split_over_two_files_is_one_run():
    day1 = json.dumps(event("START", "r", "j", outputs=["t"])).encode()
    day2 = "\n".join(
        json.dumps(event(k, "r", "j", m))
        for k, m in (("RUNNING", 1), ("RUNNING", 2), ("COMPLETE", 3))
    ).encode()
    docs, problems = read_openlineage_many([("day1.json", day1), ("day2.ndjson", day2)])
    sanity(docs)
    assert problems == [] and len(docs) == 1
    assert (docs[0].path, docs[0].location) == ("day1.json", "")
    run = docs[0].data["run"]
    assert run["state"] == "finished"
    assert run["summary"]["events"] == "START → RUNNING ×2 → COMPLETE"


def test_a_run_that_changes_job_keeps_the_first():
    docs, problems = read_events([event("START", "r", "a"), event("COMPLETE", "r", "b", 1)])
    assert docs[0].data["run"]["job_type"] == "a"
    assert kinds(problems) == ["openlineage.job-mismatch"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "the file is empty"),
        (b"[" * 100_000, "invalid JSON: nested too deeply"),
        (b'{"eventType": NaN}', "invalid JSON: NaN is not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8 text (byte 0xff at offset 0)"),
        (b"{not json", "invalid JSON: Expecting property name enclosed in double quotes"),
    ],
)
def test_unreadable_files_are_one_problem(raw, message):
    docs, problems = read_openlineage("bad.json", raw)
    assert docs == [] and len(problems) == 1
    assert problems[0].message == message


def test_a_single_event_document():
    raw = json.dumps(event("COMPLETE", "r", "j", outputs=["t"])).encode()
    assert detect_format("e.json", raw) == "openlineage"
    docs, problems = read_openlineage("e.json", raw)
    assert problems == [] and [d.location for d in docs] == [""]


# --- dbt --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jaffle_manifest() -> dict:
    """The jaffle_shop manifest.json, decoded."""
    return json.loads(JAFFLE.read_text())


def read_manifest(manifest: dict, run_results: dict | None = None):
    """Read a (modified) dbt manifest, with run_results if given."""
    results = json.dumps(run_results).encode() if run_results is not None else None
    docs, problems = read_dbt("target/manifest.json", json.dumps(manifest).encode(), results)
    sanity(docs)
    return docs, problems


def test_jaffle_shop_nodes_become_runs_and_artifacts():
    raw = JAFFLE.read_bytes()
    assert detect_format("manifest.json", raw) == "dbt"
    docs, problems = read_dbt("manifest.json", raw)
    sanity(docs)
    assert problems == []
    jobs = [d.data["run"]["job_type"] for d in docs]
    assert (jobs.count("dbt model"), jobs.count("dbt seed"), len(docs)) == (11, 3, 24)
    runs = {d.data["run"]["name"]: d.data for d in docs}
    fct = runs["run fct_orders"]
    assert fct["run"]["id"] == "model.jaffle_shop.fct_orders@f5f9ec53-b715-491d-92b0-c7d376eab70b"
    assert [r["name"] for r in fct["used_artifacts"]] == [
        "jaffle_shop.stg_orders",
        "jaffle_shop.order_payments",
    ]
    art = fct["logged_artifacts"][0]
    assert (art["name"], art["type"], art["metadata"]["materialized"]) == (
        "jaffle_shop.fct_orders",
        "model",
        "table",
    )
    assert art["description"].startswith("This table has basic information about orders")
    assert art["columns"][0] == {
        "name": "order_id",
        "description": "This is a unique identifier for an order",
    }
    assert (
        "**Compiled code**" in fct["run"]["notes"]
        and "{{ ref('stg_orders') }}" in fct["run"]["notes"]
    )
    assert runs["run stg_orders"]["run"]["tags"] == ["hourly", "staging"]


def test_jaffle_shop_graph(jaffle_manifest):
    docs, _ = read_manifest(jaffle_manifest)
    g = graph(docs)
    assert nx.is_directed_acyclic_graph(g)
    used = [r for d in docs for r in d.data["used_artifacts"]]
    logged = {a["digest"] for d in docs for a in d.data["logged_artifacts"]}
    pinned = [r for r in used if "digest" in r]
    assert {r["digest"] for r in pinned} <= logged
    # the 26 parent_map edges that are not tests': 16 into models and seeds, 10 into
    # exposures, metrics and the analysis; a source is pinned to its declared version
    assert len(used) == 26
    assert [r for r in used if "digest" not in r] == []
    v1 = next(d.data for d in docs if d.data["run"]["name"] == "run dim_customers v1")
    assert v1["used_artifacts"][0]["name"] == "jaffle_shop.dim_customers.v2"


def test_seed_digest_is_its_csv_checksum(jaffle_manifest):
    docs, _ = read_manifest(jaffle_manifest)
    seed = next(d.data for d in docs if d.data["run"]["name"] == "seed raw_customers")
    checksum = jaffle_manifest["nodes"]["seed.jaffle_shop.raw_customers"]["checksum"]["checksum"]
    assert seed["logged_artifacts"][0]["digest"] == "sha256:" + checksum


def _result(uid, status, start="2024-05-01T10:00:00Z", end="2024-05-01T10:00:05Z"):
    """Make one run_results.json entry."""
    timing = [{"name": "execute", "started_at": start, "completed_at": end}]
    return {
        "unique_id": uid,
        "status": status,
        "timing": timing,
        "execution_time": 5.0,
        "message": status.upper(),
        "adapter_response": {"rows_affected": 3},
    }


def test_run_results_give_state_and_times(jaffle_manifest):
    ids = [
        u for u, n in jaffle_manifest["nodes"].items() if n["resource_type"] in ("model", "seed")
    ]
    ephemeral = {
        u for u in ids if jaffle_manifest["nodes"][u]["config"]["materialized"] == "ephemeral"
    }
    left_out = ephemeral | {"model.jaffle_shop.holiday_orders"}
    results = [_result(u, "success") for u in ids if u not in left_out]
    status = {r["unique_id"]: r for r in results}
    status["model.jaffle_shop.stg_orders"].update(status="error", message="Database Error")
    status["model.jaffle_shop.fct_orders"].update(status="skipped")
    run_results = {"metadata": {"invocation_id": "inv-2"}, "results": results}
    docs, problems = read_manifest(jaffle_manifest, run_results)
    assert problems == []
    runs = {d.data["run"]["config"]["unique_id"]: d.data for d in docs}
    assert "model.jaffle_shop.holiday_orders" not in runs  # not part of this invocation
    stg = runs["model.jaffle_shop.stg_orders"]
    # a failed build shows what it tried to write (the graph never makes it latest)
    assert stg["run"]["state"] == "failed"
    assert [a["name"] for a in stg["logged_artifacts"]] == ["jaffle_shop.stg_orders"]
    assert stg["run"]["summary"]["error"] == "Database Error"
    assert stg["run"]["id"] == "model.jaffle_shop.stg_orders@inv-2"
    skipped = runs["model.jaffle_shop.fct_orders"]
    assert (skipped["run"]["state"], skipped["logged_artifacts"]) == ("skipped", [])
    relation = {"database": "analytics", "schema": "dbt_jcohen", "alias": "stg_orders"}
    assert {
        "name": "jaffle_shop.stg_orders",
        "alias": "latest",
        "type": "model",
        "dbt_relation": relation,  # for identity.align_dbt_names, which removes it
    } in runs["model.jaffle_shop.fct_orders"]["used_artifacts"]
    ok = runs["model.jaffle_shop.stg_customers"]
    assert ok["run"]["started_at"] == "2024-05-01T10:00:00Z"
    assert ok["run"]["summary"] == {
        "status": "success",
        "execution_time": 5.0,
        "rows_affected": 3,
        "message": "SUCCESS",
    }
    assert ok["logged_artifacts"][0]["created_at"] == "2024-05-01T10:00:05Z"
    ephemeral = runs["model.jaffle_shop.order_payments"]  # never in run_results
    assert ephemeral["run"]["summary"] == {"status": "ephemeral"}


def test_bad_nodes_and_run_results_cost_only_themselves(jaffle_manifest):
    manifest = copy.deepcopy(jaffle_manifest)
    manifest["nodes"]["model.jaffle_shop.broken"] = {"resource_type": "model"}
    manifest["nodes"]["model.jaffle_shop.stg_orders"]["depends_on"]["nodes"].append("model.x.gone")
    docs, problems = read_manifest(manifest, run_results={"results": "nope"})
    assert len(docs) == 24
    assert [(p.location, p.kind) for p in problems] == [
        ("/nodes/model.jaffle_shop.broken", "dbt.invalid-node"),
        ("", "dbt.invalid-run-results"),
        ("/nodes/model.jaffle_shop.stg_orders/depends_on/nodes", "dbt.unknown-dependency"),
    ]
    assert problems[1].path == "target/run_results.json"


def test_other_dbt_artifacts_are_read_with_their_manifest():
    run_results = {
        "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v4.json"},
        "results": [],
    }
    raw = json.dumps(run_results).encode()
    assert detect_format("run_results.json", raw) == "dbt"
    assert read_dbt("run_results.json", raw) == ([], [])
    docs, problems = read_dbt("x.json", b"[]")
    assert docs == [] and kinds(problems) == ["dbt.invalid-manifest"]


# --- W&B file lists ---------------------------------------------------------------------


def test_wandb_manifest_files():
    md5 = hashlib.md5(b"hello").digest()
    manifest = {
        "version": 1,
        "storagePolicy": "wandb-storage-policy-v1",
        "storagePolicyConfig": {"storageLayout": "V2"},
        "contents": {
            "model.pt": {"digest": base64.b64encode(md5).decode(), "size": 5},
            "data/ref.csv": {"digest": '"etag-123"', "ref": "s3://bucket/ref.csv", "size": 9},
            "broken": {"size": 3},
            "odd-size": {"digest": "abc", "size": "big"},
        },
    }
    files, problems = wandb_manifest_files("wandb_manifest.json", json.dumps(manifest).encode())
    assert files == [
        {"path": "data/ref.csv", "digest": '"etag-123"', "size": 9, "ref": "s3://bucket/ref.csv"},
        {"path": "model.pt", "digest": "md5:" + md5.hex(), "size": 5},
        {"path": "odd-size", "digest": "abc"},
    ]
    assert [(p.location, p.kind, p.severity) for p in problems] == [
        ("/contents/broken", "wandb.invalid-entry", "error"),
        ("/contents/odd-size/size", "wandb.invalid-entry", "warning"),
    ]


def test_wandb_manifest_of_an_unknown_version():
    files, problems = wandb_manifest_files("m.json", b'{"version": 2, "contents": {}}')
    assert files == [] and kinds(problems) == ["wandb.unknown-version"]


# --- format detection -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"manifest_version": 1, "run": {"id": "a"}}', "manifest"),
        (b'[{"eventType": "START", "run": {}, "job": {}}]', "openlineage"),
        (b'{"run": {}, "job": {}}\n{"run": {}, "job": {}}\n', "openlineage"),
        (
            b'{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v9.json"}}',
            "dbt",
        ),
        (b"not json at all", "manifest"),
        (b"[]", "manifest"),
    ],
)
def test_detect_format(raw, expected):
    assert detect_format("f.json", raw) == expected
