"""Dataset identity: OpenLineage names as URIs, symlinks merged, dbt and OpenLineage as one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import lineage_report
from lineage_report.readers import read_dbt, read_openlineage
from lineage_report.readers.identity import (
    align_dbt_names,
    dataset_name,
    fold_checks,
    split_dataset_name,
)
from tests.test_reader_runs import DBT_FAIL, fill_dbt_events

IDENTITY = Path(__file__).parent / "data" / "openlineage-identity" / "events.ndjson"


@pytest.mark.parametrize(
    ("namespace", "name", "expected"),
    [
        ("postgres://h:5432", "db.s.t", "postgres://h:5432/db.s.t"),
        ("s3://bucket", "/key/x.parquet", "s3://bucket/key/x.parquet"),
        ("s3://bucket/", "key/x.parquet", "s3://bucket/key/x.parquet"),
        ("gs://bucket", "f.csv", "gs://bucket/f.csv"),
        ("file", "/tmp/x.csv", "file:///tmp/x.csv"),
        ("file://host", "/tmp/x.csv", "file://host/tmp/x.csv"),
        ("bigquery", "p.d.t", "bigquery/p.d.t"),
        ("food_delivery", "public.orders", "food_delivery/public.orders"),
    ],
)
def test_a_dataset_is_named_by_its_namespace_and_name(namespace, name, expected) -> None:
    assert dataset_name(namespace, name) == expected


def test_a_uri_name_splits_back_into_namespace_and_name() -> None:
    assert split_dataset_name("postgres://h:5432/db.s.t") == ("postgres://h:5432", "db.s.t")
    assert split_dataset_name("bigquery/p.d.t") == ("bigquery", "p.d.t")
    assert split_dataset_name("jaffle_shop.orders") is None


def read_identity_events():
    """Read the identity fixture; return {job: document} and the problems."""
    docs, problems = read_openlineage("events.ndjson", IDENTITY.read_bytes())
    return {d.data["run"]["job_type"]: d.data for d in docs}, problems


def test_file_datasets_get_readable_names() -> None:
    runs, _ = read_identity_events()
    assert runs["load_orders"]["used_artifacts"][0]["name"] == "file:///tmp/raw/orders.csv"


def test_symlinks_merge_a_table_and_its_location_into_one_dataset() -> None:
    runs, problems = read_identity_events()
    written = runs["load_orders"]["logged_artifacts"][0]
    assert written["name"] == "s3://warehouse/sales.db/orders"
    assert written["metadata"]["also_named"] == ["hive://metastore:9083/sales.orders"]
    read = runs["report_orders"]["used_artifacts"][0]
    assert read == {"name": "s3://warehouse/sales.db/orders", "digest": written["digest"]}
    outputs = [a["name"] for a in runs["report_orders"]["logged_artifacts"]]
    assert outputs == [
        "gs://reports/daily/orders.csv",
        "postgres://db.example.com:5432/shop.public.orders_daily",
    ]
    table = runs["report_orders"]["logged_artifacts"][1]
    source = table["column_lineage"][0]["inputs"][0]
    assert (source["artifact"], source["field"]) == ("s3://warehouse/sales.db/orders", "amount")
    assert [str(p) for p in problems] == [
        "events.ndjson: line 1: /outputs/0/facets/symlinks/identifiers/1: symlink identifier "
        "needs 'namespace' and 'name' strings; ignored [openlineage.invalid-symlink]"
    ]


def dbt_and_openlineage():
    """Read the real dbt invocation both ways: its manifest and its OpenLineage events."""
    manifest = (DBT_FAIL / "target" / "manifest.json").read_bytes()
    results = (DBT_FAIL / "target" / "run_results.json").read_bytes()
    dbt, _ = read_dbt("target/manifest.json", manifest, results)
    events = json.dumps(fill_dbt_events()).encode()
    openlineage, _ = read_openlineage("result.json", events)
    return dbt, openlineage


def names(documents) -> set[str]:
    """Return every artifact name the documents log or use."""
    return {
        ref["name"]
        for d in documents
        for ref in [*d.data["used_artifacts"], *d.data["logged_artifacts"]]
    }


def test_a_dbt_model_takes_the_name_openlineage_gives_its_table() -> None:
    dbt, openlineage = dbt_and_openlineage()
    problems = []
    align_dbt_names(dbt, openlineage, problems)
    first = "bigquery/random-gcp-project.dbt_test1.test_first_dbt_model"
    assert first in names(dbt) and first in names(openlineage)
    assert "dbt_bigquery_test.test_first_dbt_model" not in names(dbt)
    assert "bigquery/random-gcp-project.dbt_test1.source_table" in names(dbt)  # by identifier
    assert problems == []


def test_the_openlineage_versions_of_a_dbt_table_take_the_dbt_type() -> None:
    dbt, openlineage = dbt_and_openlineage()
    align_dbt_names(dbt, openlineage, [])
    first = "bigquery/random-gcp-project.dbt_test1.test_first_dbt_model"
    types = {
        a["type"] for d in openlineage for a in d.data["logged_artifacts"] if a["name"] == first
    }
    assert types == {"model"}  # one artifact, one type: else the graph refuses one side


def hosted(document, host: str):
    """Return a copy of an OpenLineage document moved from BigQuery to a Postgres host."""
    data = json.loads(json.dumps(document.data).replace("bigquery/", f"postgres://{host}/"))
    return type(document)(document.path, document.location, data)


def test_without_a_host_a_relation_is_matched_by_name_and_ambiguity_warned() -> None:
    dbt, openlineage = dbt_and_openlineage()
    for d in dbt:
        d.data["run"]["config"]["adapter_type"] = "postgres"
    one = [hosted(d, "db1:5432") for d in openlineage]
    align_dbt_names(dbt, one, problems := [])
    assert "postgres://db1:5432/random-gcp-project.dbt_test1.test_first_dbt_model" in names(dbt)
    assert problems == []

    dbt, openlineage = dbt_and_openlineage()
    for d in dbt:
        d.data["run"]["config"]["adapter_type"] = "postgres"
    two = [hosted(d, "db1:5432") for d in openlineage] + [
        hosted(d, "db2:5432") for d in openlineage
    ]
    align_dbt_names(dbt, two, problems := [])
    assert "dbt_bigquery_test.test_first_dbt_model" in names(dbt)
    relation = "random-gcp-project.dbt_test1.test_first_dbt_model"
    assert (
        f"target/manifest.json: /nodes/model.dbt_bigquery_test.test_first_dbt_model: relation "
        f"{relation} matches 2 OpenLineage datasets (postgres://db1:5432/{relation}, "
        f"postgres://db2:5432/{relation}); the dbt node keeps its own name "
        "[dbt.ambiguous-identity]"
    ) in [str(p) for p in problems]


def test_one_invocation_read_both_ways_gives_one_version_per_table(tmp_path) -> None:
    project = tmp_path / "project"
    shutil.copytree(DBT_FAIL / "target", project / "target")
    (project / "events.json").write_text(json.dumps(fill_dbt_events()))
    lineage = lineage_report.load(project)
    tables = {}
    for version in lineage.artifacts():
        if not version.external and not version.logged_by().attrs.get("design"):
            tables.setdefault(version.name, []).append(version)
    first = "bigquery/random-gcp-project.dbt_test1.test_first_dbt_model"
    assert sorted(tables) == [
        first,
        "bigquery/random-gcp-project.dbt_test1.test_second_dbt_model",
        "bigquery/random-gcp-project.dbt_test1.test_second_parallel_dbt_model",
    ]
    assert {name: len(versions) for name, versions in tables.items()} == dict.fromkeys(tables, 1)
    # one execution, one run: the model's dbt run, with what its OpenLineage run said
    (version,) = tables[first]
    assert (version.logged_by().name, version.relogged_by()) == ("run test_first_dbt_model", [])
    assert "latest" in version.aliases
    # what each side knows is on the one version: dbt's unique id, OpenLineage's statistics
    assert {"unique_id", "output.outputStatistics"} <= set(version.attrs["metadata"])
    # the second model read that one version, once
    second = tables["bigquery/random-gcp-project.dbt_test1.test_second_dbt_model"][0]
    assert [r.name for r in version.used_by()] == [second.logged_by().name]
    # one run per model the invocation ran, none left over from the events
    assert sorted(r.name for r in lineage.runs() if not r.attrs.get("design")) == [
        "run test_first_dbt_model",
        "run test_second_dbt_model",
        "run test_second_parallel_dbt_model",
        "run test_third_dbt_model",
    ]
    failed = tables["bigquery/random-gcp-project.dbt_test1.test_second_parallel_dbt_model"][0]
    assert "latest" not in failed.aliases
    # the events read the source as the manifest declares it: no second, external copy
    assert [(p.path, p.kind) for p in lineage.problems] == [
        ("target/manifest.json", "graph.unresolved")  # the skipped model's failed input
    ]


DBT_JOB = "dbt_bigquery_test.test_first_dbt_model"


def test_a_host_learned_from_one_table_names_the_rest_of_its_database() -> None:
    dbt, openlineage = dbt_and_openlineage()
    for d in dbt:
        d.data["run"]["config"]["adapter_type"] = "postgres"
    # the events name one table only: the first model, on db1
    only_first = [
        hosted(d, "db1:5432")
        for d in openlineage
        if d.data["run"]["job_type"].endswith("test_first_dbt_model")
    ]
    align_dbt_names(dbt, only_first, problems := [])
    host = "postgres://db1:5432/random-gcp-project.dbt_test1."
    assert {host + t for t in ("test_second_dbt_model", "source_table")} <= names(dbt)
    assert not any(n.startswith("dbt_bigquery_test.") for n in names(dbt))
    assert problems == []


def test_a_database_named_on_two_hosts_renames_none_of_its_other_tables() -> None:
    dbt, openlineage = dbt_and_openlineage()
    for d in dbt:
        d.data["run"]["config"]["adapter_type"] = "postgres"
    first = [d for d in openlineage if d.data["run"]["job_type"].endswith("test_first_dbt_model")]
    second = [
        d for d in openlineage if d.data["run"]["job_type"].endswith(".test_second_dbt_model")
    ]
    for d in second:
        d.data["used_artifacts"] = []  # it names the first model too: only its own table here
    events = [hosted(d, "db1:5432") for d in first] + [hosted(d, "db2:5432") for d in second]
    align_dbt_names(dbt, events, problems := [])
    unnamed = {
        "dbt_bigquery_test.test_second_parallel_dbt_model",
        "dbt_bigquery_test.dbt_test1.source_table",
    }
    assert unnamed <= names(dbt)  # no event names them: they keep their dbt names
    assert [(p.kind, p.message) for p in problems] == [
        (
            "dbt.ambiguous-identity",
            "database random-gcp-project is named on 2 hosts by the OpenLineage events "
            "(postgres://db1:5432, postgres://db2:5432); its tables no event names keep "
            "their dbt names",
        )
    ]


DBT_TEST = Path(__file__).parent / "data" / "openlineage-dbt-test"


def dbt_test_both_ways(root: Path):
    """Load a `dbt test` read both ways: its target/ folder and its OpenLineage events."""
    shutil.copytree(DBT_TEST / "target", root / "target")
    shutil.copy(DBT_TEST / "result.json", root / "result.json")
    return lineage_report.load(root)


def test_a_dbt_test_read_both_ways_names_each_table_once(tmp_path) -> None:
    lineage = dbt_test_both_ways(tmp_path / "project")
    table = "bigquery/random-gcp-project.dbt_test1."
    # a tested model is one (external: built elsewhere) node, named as OpenLineage names it,
    # with dbt's type; the tested source takes its OpenLineage name too
    assert sorted((v.name, v.type) for v in lineage.artifacts()) == [
        (table + "test_first_dbt_model", "model"),
        (table + "test_second_dbt_model", "model"),
        (table + "test_second_parallel_dbt_model", "model"),
        # only the events' START names this input (a quirk of the integration's fixture)
        (table + "test_second_parallel_dbt_model.test", "external"),
        (table + "test_third_dbt_model", "model"),
        ("bigquery/random-gcp-project.dbt_test2.source_table", "source"),
        ("dbt_bigquery_test.dbt_test1.source_table", "source"),  # no event names it
    ]


def test_a_dbt_test_read_both_ways_tells_each_check_once(tmp_path) -> None:
    lineage = dbt_test_both_ways(tmp_path / "project")
    versions = {v.name.partition(".")[2]: v for v in lineage.artifacts()}
    counts = {
        name: (len(v.attrs["checks"]), v.attrs.get("failed_checks"))
        for name, v in versions.items()
        if v.attrs.get("checks")
    }
    assert counts == {
        "dbt_test1.test_first_dbt_model": (5, 3),
        "dbt_test1.test_second_dbt_model": (2, 1),
        "dbt_test1.test_second_parallel_dbt_model": (2, 0),
        "dbt_test1.test_third_dbt_model": (4, 0),
        "dbt_test2.source_table": (1, 0),  # one test of a source, told by both sources
    }
    # the one check is dbt's test, with what the events said of it
    first = versions["dbt_test1.test_first_dbt_model"].attrs["checks"]
    unique = next(c for c in first if c["value"] == 1)
    assert (unique["name"], unique["status"], unique["message"]) == (
        "unique_test_first_dbt_model_id",
        "fail",
        "Got 1 result, configured to fail if != 0; expected 0, got 1",
    )


def test_an_assertion_is_paired_with_the_dbt_test_it_names_or_kept() -> None:
    def check(name: str, kind: str) -> dict:
        return {"name": name, "status": "pass", "column": "id", "kind": kind, "source": "dbt"}

    ours = [
        check("dbt_x_expect_column_values_to_be_unique_m_id", "test"),
        check("unique_m_id", "test"),
    ]
    theirs = [
        check("unique", "assertion") | {"message": "expected 0, got 0"},
        check("expect_column_values_to_be_unique", "assertion"),
        check("accepted_values", "assertion"),  # dbt has no such test: kept as the events'
    ]
    merged, rest = fold_checks(ours, theirs)
    assert [c.get("message") for c in merged] == [None, "expected 0, got 0"]
    assert rest == [theirs[2]]
