"""A real dbt project on DuckDB, read as dbt wrote it and as OpenLineage's dbt integration
reported it (tests/data/dbt-duckdb/SOURCE.md): nothing counted twice, nothing dropped."""

from __future__ import annotations

import shutil
from pathlib import Path

import lineage_report
from lineage_report.readers import read_openlineage
from lineage_report.readers.identity import fold_checks

DATA = Path(__file__).parent / "data" / "dbt-duckdb"
DUCKDB = "duckdb:///tmp/hdbt/shop/shop.duckdb/shop."  # the events' namespace: a file path


def load(tmp_path: Path, *invocations: str):
    """Load the named invocations' folders (target/ and events.ndjson) as one project."""
    for name in invocations:
        shutil.copytree(DATA / name, tmp_path / "project" / name)
    return lineage_report.load(tmp_path / "project")


def test_a_duckdb_file_namespace_names_each_dbt_table_as_the_events_do(tmp_path) -> None:
    lineage = load(tmp_path, "build")
    names = sorted(v.name for v in lineage.artifacts())
    assert names == [
        DUCKDB + t
        for t in (
            "ext.promotions",
            "main.customers",
            "main.orders",
            "main.raw_customers",
            "main.raw_orders",
            "main.raw_payments",
            "main.stg_customers",
            "main.stg_orders",
            "main.stg_payments",
            "main.stg_promotions",
            "snapshots.customers_snapshot",
        )
    ]
    # each model's execution is one run: dbt's, with its events folded in
    runs = sorted(r.name for r in lineage.runs())
    assert not [r for r in runs if r.endswith((".build.run", ".build.snapshot"))]
    assert [p for p in lineage.problems if p.kind == "graph.unresolved"] == []


def test_an_assertion_in_both_an_inputs_facets_and_its_input_facets_is_one_check() -> None:
    raw = (DATA / "test" / "events.ndjson").read_bytes()
    documents, problems = read_openlineage("events.ndjson", raw)
    tested = {
        d.data["run"]["job_type"]: [c["status"] for c in d.data["used_artifacts"][0]["checks"]]
        for d in documents
        if d.data["run"]["job_type"].endswith(".test")
    }
    # dbt's 4 tests of customers, one failing, not 8: the integration writes each twice
    assert sorted(tested["shop.main.shop.customers.test"]) == ["fail", "pass", "pass", "pass"]
    assert len(tested["shop.main.shop.orders.test"]) == 5  # its 5 data tests
    assert problems == []


def checks_by_table(lineage) -> dict[str, tuple[int, int]]:
    """Return {table: (checks, failing checks)} of every version with checks."""
    return {
        v.name.removeprefix(DUCKDB): (len(v.attrs["checks"]), v.attrs.get("failed_checks"))
        for v in lineage.artifacts()
        if v.attrs.get("checks")
    }


def test_a_dbt_test_read_both_ways_has_dbt_s_checks_once_each(tmp_path) -> None:
    lineage = load(tmp_path, "test")
    # run_results.json: 12 results, 1 failing; the events pair each, the singular test too
    assert checks_by_table(lineage) == {
        "ext.promotions": (1, 0),
        "main.customers": (4, 1),
        "main.orders": (6, 0),  # 5 data tests and the unit test
        "main.stg_payments": (1, 0),
    }
    (failing,) = [
        c for v in lineage.artifacts() for c in v.attrs["checks"] if c["status"] != "pass"
    ]
    assert (failing["name"], failing["message"]) == (
        "positive_customers_number_of_orders",
        "Got 1 result, configured to fail if != 0; positive: expected 0, got 1",
    )


def test_an_assertion_named_as_a_dbt_test_is_that_test_whatever_its_status() -> None:
    ours = [{"name": "unique_m_id", "status": "skipped", "column": "id", "kind": "test"}]
    theirs = [{"name": "unique_m_id", "status": "fail", "column": "id", "kind": "assertion"}]
    merged, rest = fold_checks(ours, theirs)
    assert rest == []
    assert merged == [ours[0] | {"message": "the events say fail"}]  # dbt's status is kept


def test_a_dbt_build_read_both_ways_has_dbt_s_checks_once_each(tmp_path) -> None:
    lineage = load(tmp_path, "build")
    # run_results.json: 11 data tests and a unit test, one failing; the integration's test
    # jobs of the built models report them again, on what they read: the same versions
    assert checks_by_table(lineage) == {
        "ext.promotions": (1, 0),
        "main.customers": (4, 1),
        "main.orders": (6, 0),
        "main.stg_payments": (1, 0),
    }
    (orders,) = [v for v in lineage.artifacts() if v.name == DUCKDB + "main.orders"]
    tests = [r for r in orders.used_by() if r.name == "shop.main.shop.orders.build.test"]
    assert len(tests) == 1  # the test job is kept: it ran, and read that version


def test_a_failed_dbt_build_shows_its_skipped_tests_as_skipped(tmp_path) -> None:
    lineage = load(tmp_path, "model-fail")
    # stg_payments failed; 10 tests of it and of orders and customers downstream skipped
    assert checks_by_table(lineage) == {
        "ext.promotions": (1, 0),
        "main.customers": (4, 0),
        "main.orders": (6, 0),
        "main.stg_payments": (1, 0),
    }
    statuses = {c["status"] for v in lineage.artifacts() for c in v.attrs.get("checks", [])}
    assert statuses == {"pass", "skipped"}


def test_a_model_dbt_run_select_only_reads_is_one_node_named_as_the_events_do(tmp_path) -> None:
    lineage = load(tmp_path, "run-select")
    # `dbt run --select stg_orders+`: stg_orders, orders and customers built; what they read
    # of the rest (stg_payments, stg_customers, raw_orders) is external, once each
    assert sorted((v.name.removeprefix(DUCKDB), v.external) for v in lineage.artifacts()) == [
        ("ext.promotions", False),
        ("main.customers", False),
        ("main.orders", False),
        ("main.raw_orders", True),
        ("main.stg_customers", True),
        ("main.stg_orders", False),
        ("main.stg_payments", True),
    ]
    (orders,) = [r for r in lineage.runs() if r.name == "run orders"]
    assert sorted(v.name.removeprefix(DUCKDB) for v in orders.used_artifacts()) == [
        "main.stg_orders",
        "main.stg_payments",
    ]


def test_two_runs_of_one_job_with_time_ordered_ids_have_two_names(tmp_path) -> None:
    lineage = load(tmp_path, "run-select", "test")
    # the integration's client makes UUIDv7 run ids: both invocations' begin `01a24ebc`
    names = sorted(r.name for r in lineage.runs() if r.name.startswith("dbt-run-shop"))
    assert names == ["dbt-run-shop 0487762e", "dbt-run-shop f71645f2"]


def test_the_tests_of_a_node_a_failed_build_skipped_are_a_skipped_run(tmp_path) -> None:
    lineage = load(tmp_path, "model-fail")
    states = {r.name: r.state for r in lineage.runs() if r.job_type == "dbt test"}
    # dbt skipped them all (the integration reports its test jobs as failed: a warning each)
    assert states == {"test customers": "skipped", "test orders": "skipped"}
    told = sorted((p.location, p.kind) for p in lineage.problems if "/nodes/" in p.location)
    # the tested node itself (orders' test run is counted in the warning of customers' read of it)
    assert ("/nodes/model.shop.customers", "graph.unresolved") in told
    assert not [where for where, _ in told if "/used_artifacts/" in where]  # not in manifest.json
    disagree = [p.message for p in lineage.problems if "of dbt run test:" in p.message]
    assert len(disagree) == 2 and all("'failed'" in m and "'skipped'" in m for m in disagree)


def test_a_test_job_whose_tests_dbt_skipped_is_skipped(tmp_path) -> None:
    lineage = load(tmp_path, "model-fail")
    # stg_payments failed; the integration's job of its test says FAIL, dbt skipped the test
    (job,) = [r for r in lineage.runs() if r.name == "shop.main.shop.stg_payments.build.test"]
    assert job.state == "skipped"
    told = [(p.path, p.location, p.message) for p in lineage.problems if job.name in p.message]
    assert told == [
        (
            "model-fail/events.ndjson",
            "line 9",
            "the OpenLineage events say test job shop.main.shop.stg_payments.build.test "
            "failed; model-fail/target/manifest.json says dbt skipped its tests; shown as "
            "skipped",
        )
    ]


def test_a_dbt_run_then_a_dbt_test_give_each_test_its_one_result(tmp_path) -> None:
    lineage = load(tmp_path, "run-select", "test")
    # the run's manifest declares the tests (unknown: not run there); the test ran them
    counts = checks_by_table(lineage)
    assert (counts["main.orders"], counts["main.customers"]) == ((6, 0), (4, 1))
    (orders,) = [v for v in lineage.artifacts() if v.name == DUCKDB + "main.orders"]
    assert {c["status"] for c in orders.attrs["checks"]} == {"pass"}


def test_the_run_of_a_singular_test_dbt_skipped_is_skipped(tmp_path) -> None:
    lineage = load(tmp_path, "model-fail")
    # the integration's run of the singular test assert_orders_have_payments says FAIL
    (job,) = [r for r in lineage.runs() if r.name == "test.shop.assert_orders_have_payments"]
    assert job.state == "skipped"
    told = [(p.location, p.kind) for p in lineage.problems if job.name in p.message]
    assert told == [("line 11", "dbt.disagreement")]


def test_a_dbt_test_read_both_ways_keeps_dbt_s_times_without_a_warning(tmp_path) -> None:
    lineage = load(tmp_path, "test")
    # the integration sent orders' test job at 04:21:28.81, after dbt had run its tests
    (orders,) = [r for r in lineage.runs() if r.name == "test orders"]
    assert orders.started_at.startswith("2026-12-07T04:21:27.68")  # dbt's first test
    assert [p for p in lineage.problems if p.kind == "dbt.disagreement"] == []
