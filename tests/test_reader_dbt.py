"""The dbt reader on every manifest schema version and every resource kind (issue 12, point 9).

Real data: dbt-core's own manifests of schema v1 to v12 and its `defer_state` manifest, which
holds every resource kind of dbt 1.11 (tests/data/dbt-core-manifests), and the `target/`
folder of a `dbt test` with failing tests from OpenLineage's dbt integration tests
(tests/data/openlineage-dbt-test). Sources are in each folder's SOURCE.md.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

import lineage_report
from lineage_report.config import load_config
from lineage_report.load import load_lineage
from lineage_report.readers import detect_format, read_dbt
from tests.test_readers import sanity

DATA = Path(__file__).parent / "data"
MANIFESTS = DATA / "dbt-core-manifests"
ALL_KINDS = MANIFESTS / "v12-all-kinds.json"
DBT_TEST = DATA / "openlineage-dbt-test" / "target"
JAFFLE = DATA / "dbt-jaffle-shop" / "manifest.json"


def read(path: Path, run_results: bytes | None = None):
    """Read a manifest file (with run_results bytes, if given); check every document."""
    docs, problems = read_dbt("target/manifest.json", path.read_bytes(), run_results)
    sanity(docs)
    return docs, problems


def by_job(docs) -> dict[str, list[dict]]:
    """Return the documents' data grouped by job type."""
    found: dict[str, list[dict]] = {}
    for doc in docs:
        found.setdefault(doc.data["run"]["job_type"], []).append(doc.data)
    return found


def by_name(docs) -> dict[str, dict]:
    """Return the documents' data by run name."""
    return {doc.data["run"]["name"]: doc.data for doc in docs}


# What each schema version's test project holds, as runs of each job type.
V1 = {"dbt model": 1}
V4 = {**V1, "dbt metric": 1}
V7 = {
    "dbt model": 1,
    "dbt seed": 1,
    "dbt snapshot": 1,
    "dbt analysis": 1,
    "dbt source": 1,
    "dbt exposure": 1,
    "dbt metric": 1,
}
V10 = {**V7, "dbt model": 2, "dbt metric": 4, "dbt semantic_model": 1}
EXPECTED = {1: V1, 2: V1, 3: V1, 4: V4, 5: V4, 6: V4, 7: V7, 8: V7, 9: V7}
EXPECTED.update({10: V10, 11: V10, 12: V10})


@pytest.mark.parametrize("version", range(1, 13))
def test_every_schema_version_is_read_whole(version):
    path = MANIFESTS / f"v{version}.json"
    raw = path.read_bytes()
    assert detect_format("manifest.json", raw) == "dbt"
    assert json.loads(raw)["metadata"]["dbt_schema_version"].endswith(f"/v{version}.json")
    docs, problems = read(path)
    assert problems == []
    jobs = by_job(docs)
    assert {job: len(runs) for job, runs in jobs.items()} == EXPECTED[version]
    model = by_name(docs)["run my_model"]
    assert model["logged_artifacts"][0]["name"] == "test.my_model"
    if version >= 7:  # tests from v7 (dbt 1.3) on: checks on the model they test
        checks = model["logged_artifacts"][0]["checks"]
        assert [(c["name"], c.get("column"), c["kind"], c["status"]) for c in checks] == [
            ("just_my", None, "test", "unknown"),  # no run_results: defined, not run
            ("not_null_my_model_id", "id", "test", "unknown"),
            ("check_nothing_my_model_", None, "test", "unknown"),
        ]
        assert model["logged_artifacts"][0]["columns"] == [{"name": "id"}]


def test_declared_kinds_are_design_runs_with_their_dependencies():
    docs, problems = read(ALL_KINDS)
    runs = by_name(docs)
    for doc in docs:
        built = doc.data["run"]["job_type"] in (
            "dbt model",
            "dbt seed",
            "dbt snapshot",
            "dbt function",
        )
        assert doc.data["run"].get("design", False) is not built
    uses = {name: [u["name"] for u in d["used_artifacts"]] for name, d in runs.items()}
    assert uses["semantic model my_sm"] == ["test.outer"]
    assert uses["metric total_outer"] == ["test.my_sm"]
    assert uses["saved query my_saved_query"] == ["test.total_outer"]
    assert uses["exposure weekly_jaffle_metrics"] == ["test.incremental"]
    logged = {n: [(a["name"], a["type"]) for a in d["logged_artifacts"]] for n, d in runs.items()}
    assert logged["exposure weekly_jaffle_metrics"] == logged["analysis a"] == []
    analysis = by_name(read(JAFFLE)[0])["analysis my_analysis"]
    assert [u["name"] for u in analysis["used_artifacts"]] == ["jaffle_shop.stg_orders"]
    assert "**Compiled code**" in analysis["run"]["notes"]
    assert logged["saved query my_saved_query"] == [("test.my_saved_query", "saved_query")]
    assert logged["semantic model my_sm"] == [("test.my_sm", "semantic_model")]
    # every use of a declared definition is pinned to the version this manifest declares
    pinned = {a["digest"] for d in runs.values() for a in d["logged_artifacts"]}
    assert all(u["digest"] in pinned for d in runs.values() for u in d["used_artifacts"])
    assert [(p.location, p.message, p.kind, p.severity) for p in problems] == [
        ("/nodes/test.test.t", "test t tests no node this manifest lists; not shown",
         "dbt.unattached-test", "warning"),
    ]  # fmt: skip


def test_an_exposure_is_a_consumer_with_its_owner_and_url():
    runs = by_name(read(ALL_KINDS)[0])
    exposure = runs["exposure weekly_jaffle_metrics"]["run"]
    assert exposure["job_type"] == "dbt exposure" and exposure["design"] is True
    assert exposure["config"] == {
        "unique_id": "exposure.test.weekly_jaffle_metrics",
        "original_file_path": "models/e.yml",
        "label": "Jaffles by the Week",
        "type": "dashboard",
        "maturity": "high",
        "url": "https://bi.tool/dashboards/1",
        "owner": "Callum McData <data@jaffleshop.com>",
    }
    assert exposure["notes"] == (
        'Did someone say "exponential growth"?\n\n<https://bi.tool/dashboards/1>\n\n'
        "Declared in `models/e.yml`."
    )


def test_a_source_shows_its_loader_freshness_and_columns():
    runs = by_name(read(ALL_KINDS)[0])
    source = runs["source my_source.my_table"]
    assert source["run"]["job_type"] == "dbt source" and source["run"]["design"] is True
    art = source["logged_artifacts"][0]
    assert (art["name"], art["type"], art["description"]) == (
        "test.my_source.my_table",
        "source",
        "description",
    )
    meta = art["metadata"]
    assert (meta["loader"], meta["loaded_at_field"], meta["source_name"]) == (
        "test",
        "column_name",
        "my_source",
    )
    assert meta["freshness"] == "warn after 1 minute, error after 2 hour, filter column_name = 1"
    assert meta["relation_name"] == '"raw"."jaffle_shop"."table_identifier"'
    # a model reading the source pins the version the manifest declares
    consumer = runs["run model_with_lots_of_schema_configs"]
    assert consumer["used_artifacts"][0] == {
        "name": "test.my_source.my_table",
        "digest": art["digest"],
    }


def test_metrics_and_semantic_models_keep_their_definitions():
    runs = by_name(read(ALL_KINDS)[0])
    sm = runs["semantic model my_sm"]["logged_artifacts"][0]["metadata"]
    assert sm["model"] == "ref('outer')"
    assert sm["defaults"] == {"agg_time_dimension": "created_at"}
    assert sm["entities"] and sm["measures"] and sm["dimensions"]
    metric = runs["metric total_outer"]["logged_artifacts"][0]["metadata"]
    assert metric["type"] == "simple" and "type_params" in metric
    saved = runs["saved query my_saved_query"]["logged_artifacts"][0]["metadata"]
    assert saved["label"] == "My Saved Query"
    assert saved["query_params"]["metrics"] == ["total_outer"]


def test_unit_tests_and_tests_are_checks_on_the_model_they_test():
    runs = by_name(read(ALL_KINDS)[0])
    unit = runs["run model_to_unit_test"]["logged_artifacts"][0]["checks"]
    assert [(c["name"], c["kind"], c["status"]) for c in unit] == [
        ("test_model_to_unit_test", "unit_test", "unknown"),
        ("test_model_to_unit_test_2", "unit_test", "unknown"),
    ]
    seed = runs["seed seed"]["logged_artifacts"][0]["checks"]
    # dbt keeps a quoted column's quotes (`"a"`); the check names the column itself
    assert [(c["name"], c.get("column")) for c in seed] == [
        ("not_null_seed__a_", "a"),
        ("not_null_seed__b_", "b"),
        ("expression_is_true_seed_b_2", None),
    ]


def test_columns_are_a_table_in_the_models_order():
    runs = by_name(read(ALL_KINDS)[0])
    art = runs["run model_with_lots_of_schema_configs"]["logged_artifacts"][0]
    assert art["columns"] == [
        {"name": "id", "description": "The id value"},
        {"name": "created_at", "description": "The date the row was created"},
    ]
    # what the table does not show stays in the metadata
    assert art["metadata"]["column_details"] == {
        "id": {"tags": ["column_level_tag"], "meta": {"column_meta": "column_meta_value"}}
    }
    jaffle = by_name(read(JAFFLE)[0])["run fct_orders"]["logged_artifacts"][0]
    names = [c["name"] for c in jaffle["columns"]]
    assert names[:3] == ["order_id", "customer_id", "order_date"] and len(names) == 9


def test_groups_name_their_owner_on_the_models():
    runs = by_name(read(ALL_KINDS)[0])
    grouped = [
        a["metadata"]
        for d in runs.values()
        for a in d["logged_artifacts"]
        if a["metadata"].get("group")
    ]
    assert grouped and all("group_owner" in m for m in grouped)


def test_a_dbt_test_invocation_gives_checks_not_an_empty_site():
    results = (DBT_TEST / "run_results.json").read_bytes()
    docs, problems = read(DBT_TEST / "manifest.json", results)
    assert problems == []
    tests = by_job(docs)["dbt test"]
    assert [d["run"]["name"] for d in tests] == [
        "test test_first_dbt_model",
        "test test_second_dbt_model",
        "test test_second_parallel_dbt_model",
        "test test_third_dbt_model",
    ]
    first = tests[0]
    assert first["run"]["summary"] == {"fail": 3, "pass": 2}
    assert first["run"]["started_at"] < first["run"]["finished_at"]
    ref = first["used_artifacts"][0]
    # the model was built by an invocation this project does not hold
    assert {k: v for k, v in ref.items() if k != "checks"} == {
        "name": "dbt_bigquery_test.test_first_dbt_model",
        "alias": "latest",
        "type": "model",
        "external": True,
        # where its table is, for identity.align_dbt_names (which removes it)
        "dbt_relation": {
            "database": "random-gcp-project",
            "schema": "dbt_test1",
            "alias": "test_first_dbt_model",
        },
    }
    failed = [(c["name"], c["column"], c["value"]) for c in ref["checks"] if c["status"] == "fail"]
    expect = "dbt_expectations_expect_column_"
    assert failed == [
        ("unique_test_first_dbt_model_id", "id", 1),
        (expect + "median_to_be_between_test_first_dbt_model_id__21__7", "id", 6),
        (expect + "quantile_values_to_be_between_test_first_dbt_model_id__2__0__0_95", "id", 6),
    ]
    assert {c["source"] for c in ref["checks"]} == {"dbt"}
    # a source's tests are checks on the version the manifest declares
    source = by_name(docs)["source dbt_test2.source_table"]["logged_artifacts"][0]
    assert [(c["name"], c["status"]) for c in source["checks"]] == [
        ("source_not_null_dbt_test2_source_table_id", "pass")
    ]


def test_a_dbt_test_project_builds_without_errors(tmp_path):
    shutil.copytree(DBT_TEST, tmp_path / "target")
    lineage = lineage_report.load(tmp_path)
    assert [p for p in lineage.problems if p.severity == "error"] == []
    assert sum(1 for r in lineage.runs() if r.job_type == "dbt test") == 4


def _result(uid: str, status: str, failures: int | None = None) -> dict:
    """Return one run_results.json entry of a `dbt build`."""
    return {"unique_id": uid, "status": status, "failures": failures, "message": status}


def test_a_build_attaches_test_results_to_the_version_it_built():
    manifest = json.loads(JAFFLE.read_text())
    built = [u for u, n in manifest["nodes"].items() if n["resource_type"] in ("model", "seed")]
    results = [_result(u, "success") for u in built]
    results.append(_result("test.jaffle_shop.unique_fct_orders_order_id.523ddb6ce5", "fail", 2))
    results.append(_result("test.jaffle_shop.not_null_fct_orders_order_id.4e687af8d0", "pass", 0))
    raw = json.dumps({"args": {"which": "build"}, "results": results}).encode()
    docs, problems = read(JAFFLE, raw)
    assert problems == [] and "dbt test" not in by_job(docs)
    checks = by_name(docs)["run fct_orders"]["logged_artifacts"][0]["checks"]
    assert [(c["name"], c["status"], c.get("value")) for c in checks[:3]] == [
        ("unique_fct_orders_order_id", "fail", 2),
        ("not_null_fct_orders_order_id", "pass", 0),
        ("not_null_fct_orders_customer_id", "unknown", None),  # not run by this invocation
    ]


def test_odd_records_cost_a_warning_not_the_manifest():
    manifest = json.loads(ALL_KINDS.read_text())
    manifest["exposures"] = ["not", "an", "object"]  # a section of the wrong type
    manifest["nodes"]["model.test.outer"]["columns"] = {"": {"name": "", "description": "x"}}
    raw = b"\xef\xbb\xbf" + json.dumps(manifest).encode()  # a byte order mark, too
    docs, problems = read_dbt("target/manifest.json", raw)
    sanity(docs)
    assert "exposure weekly_jaffle_metrics" not in by_name(docs)
    assert "run outer" in by_name(docs)
    assert [(p.location, p.kind) for p in problems if p.kind != "dbt.unsupported"] == [
        ("/nodes/test.test.t", "dbt.unattached-test"),
        ("/nodes/model.test.outer/columns/", "dbt.invalid-column"),
    ]


def test_a_big_dbt_manifest_is_read_under_its_own_limit(tmp_path: Path) -> None:
    """dbt's manifest has its own, larger limit; any other input over the general one is refused."""
    manifest = MANIFESTS / "v12.json"
    (tmp_path / "target").mkdir()
    shutil.copy(manifest, tmp_path / "target" / "manifest.json")
    (tmp_path / "other.json").write_bytes(manifest.read_bytes())  # the same bytes, no dbt name
    size_mb = manifest.stat().st_size / 1e6
    config = load_config(tmp_path, max_manifest_mb=size_mb / 2)
    lineage = load_lineage(config)
    assert any(r.job_type == "dbt model" for r in lineage.runs())
    refused = [p for p in lineage.problems if p.kind == "manifest.too-large"]
    assert [p.path for p in refused] == ["other.json"]


# --- issue 12's last dbt points: test run pages, functions, source freshness ---------------

FRESHNESS = DATA / "dbt-source-freshness" / "sources.json"


def build_site(tmp_path: Path, files: dict[str, Path | bytes]) -> Path:
    """Build a site of a project holding the given files; return the site folder."""
    from lineage_report.build import build

    root = tmp_path / "project"
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.read_bytes())
    return build(load_config(root), tmp_path / "site").output


def titled(site: Path, folder: str, title: str) -> list[Path]:
    """Return the pages of a folder whose <h1> starts with `title`."""
    return [
        p
        for p in sorted((site / folder).glob("*.html"))
        if f"<h1>{title}" in p.read_text(encoding="utf-8")
    ]


def test_the_runs_of_dbt_tests_are_pages_named_for_tests(tmp_path):
    site = build_site(
        tmp_path,
        {f"target/{n}": DBT_TEST / n for n in ("manifest.json", "run_results.json")},
    )
    pages = titled(site, "runs", "test test_")
    assert len(pages) == 4
    assert all(p.name.startswith("test-") for p in pages), [p.name for p in pages]


def test_a_function_is_a_node_with_its_signature_arguments_and_edges():
    manifest = json.loads(ALL_KINDS.read_text())
    outer = manifest["nodes"]["model.test.outer"]
    outer["depends_on"]["nodes"].append("function.test.area_of_circle")
    docs, problems = read_dbt("target/manifest.json", json.dumps(manifest).encode())
    sanity(docs)
    assert not [p for p in problems if p.kind == "dbt.unsupported"]
    runs = by_name(docs)
    function = runs["function area_of_circle"]
    assert function["run"]["job_type"] == "dbt function"
    (version,) = function["logged_artifacts"]
    assert (version["name"], version["type"]) == ("test.area_of_circle", "function")
    assert version["description"] == "Calculates the area of a circle for a given radius"
    assert version["metadata"]["signature"] == "area_of_circle(radius float) returns float"
    assert version["metadata"]["returns"] == "float"
    assert version["columns"] == [
        {
            "name": "radius",
            "type": "float",
            "description": "A floating point number representing the radius of the circle",
        }
    ]
    used = {u["name"]: u for u in runs["run outer"]["used_artifacts"]}
    assert used["test.area_of_circle"]["digest"] == version["digest"]


def test_source_freshness_is_shown_beside_its_rule_and_fails_like_a_check(tmp_path):
    site = build_site(
        tmp_path,
        {"target/manifest.json": ALL_KINDS, "target/sources.json": FRESHNESS},
    )
    (page,) = titled(site, "versions", "test.my_source.my_table:v0")
    html = page.read_text(encoding="utf-8")
    assert (
        '<span class="check-badge" title="failing data-quality checks">1 failing check</span>'
        in html
    )
    row = re.search(r'<tr class="check-error">.*?</tr>', html).group(0)
    assert "<td>source freshness</td>" in row and "<td>freshness</td>" in row
    assert "2h 30m 4s" in row and "last loaded 2025-11-19T15:30:00+00:00" in row
    metadata = dict(re.findall(r"<th>(freshness\w*)<td><code>([^<]*)</code>", html))
    assert metadata == {
        "freshness": "warn after 1 minute, error after 2 hour, filter column_name = 1",
        "freshness_age": "2h 30m 4s",
        "freshness_checked_at": "2025-11-19T18:00:03.998877+00:00",
        "freshness_criteria": "warn after 1 minute, error after 2 hour, filter column_name = 1",
        "freshness_max_loaded_at": "2025-11-19T15:30:00+00:00",
        "freshness_status": "error",
    }
    problems = (site / "problems.html").read_text(encoding="utf-8")
    assert "source.test.my_source.gone_table" in problems
    assert "dbt.unattached-freshness" in problems


@pytest.mark.parametrize(
    ("status", "check"), [("pass", "pass"), ("warn", "warn"), ("runtime error", "error")]
)
def test_each_freshness_status_is_a_check_status(status, check):
    sources = json.loads(FRESHNESS.read_text())
    sources["results"][0]["status"] = status
    if status == "runtime error":
        sources["results"][0] = {"unique_id": "source.test.my_source.my_table", "status": status}
        sources["results"][0]["error"] = "relation does not exist"
    docs, _ = read_dbt(
        "target/manifest.json", ALL_KINDS.read_bytes(), None, json.dumps(sources).encode()
    )
    source = by_name(docs)["source my_source.my_table"]["logged_artifacts"][0]
    (fresh,) = [c for c in source["checks"] if c["kind"] == "freshness"]
    assert fresh["status"] == check
    assert source["metadata"]["freshness_status"] == status
    if status == "runtime error":
        assert fresh["message"] == "relation does not exist"


def test_a_function_has_a_page_with_its_arguments_as_a_table(tmp_path):
    site = build_site(tmp_path, {"target/manifest.json": ALL_KINDS})
    (page,) = titled(site, "versions", "test.area_of_circle:v0")
    html = page.read_text(encoding="utf-8")
    assert "<p>Calculates the area of a circle for a given radius</p>" in html
    assert (
        "<tr><td><code>radius</code></td><td>float</td>"
        "<td>A floating point number representing the radius of the circle</td></tr>"
    ) in html
    assert "<code>area_of_circle(radius float) returns float</code>" in html
    problems = (site / "problems.html").read_text(encoding="utf-8")
    assert "functions not shown" not in problems
