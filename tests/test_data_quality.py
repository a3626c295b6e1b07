"""Issue 12 points 4 and 5: data-quality checks and column lineage, read and shown.

The fixtures are real OpenLineage events (tests/data/*/SOURCE.md): a `dbt test` whose
assertions partly fail, and Hive's CTAS-with-join column lineage. The reader turns their
facets into the manifest's `checks`, `columns` and `column_lineage`; the site shows them as
tables, with a failing-checks badge on the version page, in lists and in search.
"""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

import lineage_report
from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.manifest import check_manifest
from lineage_report.readers.openlineage import read_openlineage
from tests.factories import art, manifest, write_project

DATA = Path(__file__).resolve().parent / "data"
DBT_TEST = DATA / "openlineage-dbt-test" / "result.json"
HIVE_CLL = DATA / "openlineage-column-lineage" / "cllCtasWithJoinsComplete.json"
MARQUEZ_FULL = DATA / "marquez-event-full" / "event_full.json"
FIRST_MODEL = "random-gcp-project.dbt_test1.test_first_dbt_model"


def hive_event() -> dict:
    """Return Hive's expected CTAS event with the runId and eventTime a real one carries."""
    event = json.loads(HIVE_CLL.read_bytes())
    event["run"]["runId"] = "0195f1c2-7d11-7c3e-9a40-5d7c1e2b3a01"
    event["eventTime"] = "2025-07-07T10:00:00Z"
    return event


def downstream_event() -> dict:
    """Return a hand-written second hop: a job reading Hive's test.xxx into test.yyy."""
    hive = "hive://localhost:9083"

    def source(field: str, subtype: str) -> dict:
        kind = {"type": "DIRECT", "subtype": subtype}
        return {"namespace": hive, "name": "test.xxx", "field": field, "transformations": [kind]}

    lineage = {
        "fields": {
            "key": {"inputFields": [source("id", "IDENTITY")]},
            "label": {"inputFields": [source("name", "TRANSFORMATION")]},
        }
    }
    return {
        "eventType": "COMPLETE",
        "eventTime": "2025-07-07T11:00:00Z",
        "run": {"runId": "0195f1c2-7d11-7c3e-9a40-5d7c1e2b3a02"},
        "job": {"namespace": "default", "name": "report.test.yyy"},
        "inputs": [{"namespace": hive, "name": "test.xxx"}],
        "outputs": [{"namespace": hive, "name": "test.yyy", "facets": {"columnLineage": lineage}}],
        "producer": "https://example.com/hand-written",
    }


def project_files() -> dict:
    """Return the test project: the dbt test events, Hive's CTAS and a second hop after it."""
    return {
        "dbt_test.json": DBT_TEST.read_bytes(),
        "hive.json": hive_event(),
        "report.json": downstream_event(),
    }


def read(path: str, raw: bytes) -> tuple[list[dict], list]:
    """Read events and check every document is a valid manifest."""
    docs, problems = read_openlineage(path, raw)
    for doc in docs:
        check_manifest(path, doc.data)
    return [d.data for d in docs], problems


def used_by_job(docs: list[dict], job_end: str) -> dict:
    """Return the one used artifact of the run whose job name ends with `job_end`."""
    (doc,) = [d for d in docs if d["run"]["job_type"].endswith(job_end)]
    (used,) = doc["used_artifacts"]
    return used


def test_dbt_test_assertions_become_checks_on_the_tested_input():
    docs, problems = read("result.json", DBT_TEST.read_bytes())
    assert problems == []
    used = used_by_job(docs, "test_first_dbt_model.test")
    assert used["name"].endswith(FIRST_MODEL)
    checks = used["checks"]
    assert [(c["name"], c["status"]) for c in checks] == [
        ("expect_column_quantile_values_to_be_between", "fail"),
        ("expect_column_median_to_be_between", "fail"),
        ("expect_column_values_to_not_be_null", "pass"),
        ("not_null", "pass"),
        ("unique", "fail"),
    ]
    assert checks[-1] == {
        "name": "unique",
        "status": "fail",
        "column": "id",
        "kind": "assertion",
        "value": "1",
        "message": "expected 0, got 1",
        "source": "dbt",
    }
    passing = used_by_job(docs, "test_third_dbt_model.test")["checks"]
    assert {c["status"] for c in passing} == {"pass"} and len(passing) == 4


def test_quality_metrics_and_assertions_of_an_input_are_checks_not_metadata():
    docs, _ = read("event_full.json", MARQUEZ_FULL.read_bytes())
    (doc,) = docs
    checks = doc["used_artifacts"][0]["checks"]
    metrics = {c["name"]: c["value"] for c in checks if c["kind"] == "metric"}
    assert metrics == {"rowCount": 1000, "bytes": 1048576}
    assert [c["name"] for c in checks if c["kind"] == "assertion"] == [
        "row_count_equal_to",
        "no_null_values",
    ]
    logged = doc["logged_artifacts"][0]
    assert not any("dataQuality" in key for key in logged["metadata"])
    assert logged["metadata"]["output.outputStatistics"] == {"rowCount": 2000, "size": 2097152}


def test_a_warn_severity_failure_is_a_warning_and_a_missing_result_unknown():
    event = hive_event()
    event["inputs"][0]["inputFacets"] = {
        "dataQualityAssertions": {
            "assertions": [
                {"assertion": "row_count", "success": False, "severity": "warn"},
                {"assertion": "fresh", "column": "id"},
            ]
        },
        "dataQualityMetrics": {"columnMetrics": {"id": {"nullCount": 0, "distinctCount": 7}}},
    }
    docs, _ = read("e.json", json.dumps(event).encode())
    checks = docs[0]["used_artifacts"][0]["checks"]
    assert [(c["name"], c["status"], c.get("column")) for c in checks] == [
        ("row_count", "warn", None),
        ("fresh", "unknown", "id"),
        ("nullCount", "unknown", "id"),
        ("distinctCount", "unknown", "id"),
    ]


def test_schema_and_column_lineage_become_tables_in_source_order():
    docs, problems = read("cll.json", json.dumps(hive_event()).encode())
    assert problems == []
    (doc,) = docs
    names = {
        u["name"].rsplit("/", 1)[-1].rsplit(".", 1)[-1]: u["name"] for u in doc["used_artifacts"]
    }
    (out,) = doc["logged_artifacts"]
    assert out["columns"] == [
        {"name": "id", "type": "int", "description": ""},
        {"name": "name", "type": "string", "description": ""},
    ]
    assert out["column_lineage"] == [
        {
            "column": "id",
            "inputs": [
                {
                    "artifact": names["t1"],
                    "field": "id",
                    "transformation": "DIRECT",
                    "subtype": "TRANSFORMATION",
                }
            ],
        },
        {
            "column": "name",
            "inputs": [
                {
                    "artifact": names["t2"],
                    "field": "name",
                    "transformation": "DIRECT",
                    "subtype": "IDENTITY",
                }
            ],
        },
    ]
    # The whole-dataset dependencies (the join and the filter) have no one column: kept readable.
    assert out["metadata"]["column_lineage_dataset"][0].endswith(
        "test.t2.number (INDIRECT/JOIN, INDIRECT/FILTER)"
    )
    assert "columns" not in out["metadata"] and "column_lineage" not in out["metadata"]


def test_nested_schema_fields_are_kept_with_dotted_names():
    event = hive_event()
    schema = event["outputs"][0]["facets"]["schema"]
    schema["fields"].append(
        {"name": "address", "type": "struct", "fields": [{"name": "city", "type": "string"}]}
    )
    docs, _ = read("e.json", json.dumps(event).encode())
    names = [c["name"] for c in docs[0]["logged_artifacts"][0]["columns"]]
    assert names == ["id", "name", "address", "address.city"]


def test_an_unusable_column_lineage_input_is_a_located_warning_not_a_lost_column():
    event = hive_event()
    fields = event["outputs"][0]["facets"]["columnLineage"]["fields"]
    fields["id"]["inputFields"].insert(0, {"namespace": "hive://localhost:9083", "field": "x"})
    docs, problems = read("e.json", json.dumps(event).encode())
    assert [str(p) for p in problems] == [
        "e.json: /outputs/0/facets/columnLineage/fields/id/inputFields/0: a column-lineage input "
        "field without a namespace, name and field; not shown [openlineage.invalid-facet]"
    ]
    lineage = docs[0]["logged_artifacts"][0]["column_lineage"]
    assert [len(c["inputs"]) for c in lineage] == [1, 1]


def test_deprecated_field_level_transformation_is_read():
    event = hive_event()
    spec = event["outputs"][0]["facets"]["columnLineage"]["fields"]["id"]
    del spec["inputFields"][0]["transformations"]
    spec.update(transformationType="IDENTITY", transformationDescription="copied")
    docs, _ = read("e.json", json.dumps(event).encode())
    (item,) = docs[0]["logged_artifacts"][0]["column_lineage"][0]["inputs"]
    assert (item["transformation"], item["description"]) == ("IDENTITY", "copied")


def test_a_versions_checks_gather_its_own_and_its_readers_each_naming_its_run(tmp_path):
    own = {"name": "rows", "status": "fail", "kind": "metric", "value": 0, "source": "gx"}
    seen = {"name": "unique", "status": "pass", "column": "id"}
    later = {"name": "fresh", "status": "error", "kind": "freshness", "message": "3 days old"}
    used = [{"name": "data", "version": 0, "checks": [seen]}]
    manifests = {
        "a.json": manifest("writer", 0, logged=[art("data", checks=[own])]),
        "b.json": manifest("reader", 5, used=used),
        "c.json": manifest("monitor", 9, used=[{"name": "data", "checks": [later]}]),
        "d.json": manifest("plain", 9, logged=[art("other")]),
    }
    lineage = lineage_report.load(write_project(tmp_path / "p", manifests))
    assert lineage.problems == []
    graph = lineage.graph
    node = graph.nodes["artifact:data:v0"]
    assert [(c["name"], c["status"], c["run"]) for c in node["checks"]] == [
        ("rows", "fail", "run:writer"),
        ("unique", "pass", "run:reader"),
        ("fresh", "error", "run:monitor"),
    ]
    assert node["checks"][1] == {
        "name": "unique",
        "status": "pass",
        "column": "id",
        "kind": "assertion",
        "value": None,
        "message": "",
        "source": "",
        "run": "run:reader",
    }
    assert node["failed_checks"] == 2
    # A version without checks, columns or column lineage carries none of those keys.
    assert not {"checks", "failed_checks", "columns", "column_lineage"} & set(
        graph.nodes["artifact:other:v0"]
    )


# --- the site ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build a site from the dbt test events and Hive's column-lineage event."""
    root = write_project(tmp_path_factory.mktemp("project"), project_files())
    return build(load_config(root), tmp_path_factory.mktemp("site") / "site").output


def page_of(site: Path, title_part: str) -> str:
    """Return the HTML of the one version page whose <h1> contains `title_part`, without the
    <wbr> break hints in names (render.wrap)."""
    found = [
        p.read_text(encoding="utf-8").replace("<wbr>", "")
        for p in (site / "versions").glob("*.html")
        if title_part in re.search(r"<h1>(.*?)</h1>", p.read_text(encoding="utf-8")).group(1)
    ]
    assert len(found) == 1, f"{len(found)} pages for {title_part}"
    return found[0]


def test_version_page_shows_checks_table_and_failing_badge(site):
    html = page_of(site, FIRST_MODEL)
    assert (
        '<span class="check-badge" title="failing data-quality checks">3 failing checks</span>'
        in html
    )
    assert '<section id="checks"><h2>Checks</h2>' in html
    failed = '<tr class="check-fail"><td><span class="status fail">fail</span></td>'
    assert failed + "<td>unique</td><td>id</td>" in html
    assert html.count('<tr class="check-pass">') == 2
    passing = page_of(site, "test_third_dbt_model")
    assert 'id="checks"' in passing and "check-badge" not in passing


def test_lists_and_search_carry_the_badge(site):
    runs = [p.read_text(encoding="utf-8") for p in (site / "runs").glob("*.html")]
    tester = [h for h in runs if "test_first_dbt_model.test" in h and "<h1>" in h]
    assert any("3 failing checks</span><td>" in h for h in tester)  # (end tags implied)
    index = (site / naming.SEARCH_INDEX).read_text(encoding="utf-8")
    assert '"3 failing checks"' in index and '"1 failing check"' in index


def test_version_page_shows_schema_and_column_lineage_linking_inputs(site):
    html = page_of(site, "test.xxx")
    assert '<table class="columns" tabindex="0">' in html
    assert "<tr><td><code>id</code></td><td>int</td><td></td></tr>" in html
    rows = re.findall(r'<table class="column-lineage" tabindex="0">.*?</table>', html, re.S)[0]
    links = re.findall(r'<td><code>(\w+)</code></td><td><a href="([^"]+)">([^<]+)</a></td>', rows)
    assert [(col, text.rsplit(".", 1)[-1]) for col, _, text in links] == [
        ("id", "t1"),
        ("name", "t2"),
    ]
    assert all(href.startswith("../artifacts/") for _, href, _ in links)
    assert "<td>DIRECT</td><td>IDENTITY</td>" in rows


def test_column_view_traces_a_column_upstream_across_hops(site):
    html = page_of(site, "test.yyy")
    assert '<h3 id="column-view">Upstream columns, across hops</h3>' in html
    traces = re.findall(
        r'<details class="column-trace"><summary><code>(\w+)</code>.*?</details>', html, re.S
    )
    assert traces == ["key", "label"]
    key = re.search(r"<summary><code>key</code>.*?</details>", html, re.S).group(0)
    rows = re.findall(
        r'<tr><td>(\d)</td><td><a href="[^"]+">([^<]+)</a></td><td><code>(\w+)</code></td>'
        r"<td>([^<]*)</td></tr>",
        key,
    )
    assert [(d, text.rsplit("/", 1)[-1], f, t) for d, text, f, t in rows] == [
        ("1", "test.xxx:v0", "id", "DIRECT/IDENTITY"),
        ("2", "test.t1:latest", "id", "DIRECT/TRANSFORMATION"),
    ]
    # One hop only: the column-lineage table says it all, no trace is added.
    assert 'id="column-view"' not in page_of(site, "test.xxx")


# --- issue 12's last reader points: input facets, masking, other names ---------------------

PG = "postgres://db.example.com:5432"


def facets_event() -> dict:
    """Return a hand-written run reading a table (with input facets) into a masked copy.

    The input reports inputStatistics (OpenLineage's InputStatisticsInputDatasetFacet) and a
    custom facet; the output's columnLineage (facet 1-2) masks one of its two transformations,
    and its symlinks facet names the table's location too.
    """
    source = {"namespace": PG, "name": "shop.public.customers"}
    masked = {"type": "DIRECT", "subtype": "TRANSFORMATION", "masking": True}
    plain = {"type": "DIRECT", "subtype": "IDENTITY", "masking": False}
    lineage = {
        "fields": {
            "email_hash": {
                "inputFields": [{**source, "field": "email", "transformations": [masked]}]
            },
            "id": {"inputFields": [{**source, "field": "id", "transformations": [plain]}]},
        }
    }
    symlinks = {
        "identifiers": [{"namespace": "s3://lake", "name": "crm/customers", "type": "TABLE"}]
    }
    note = "x" * 2_500  # longer than a metadata value's cut: shown whole all the same
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-01-05T10:00:00Z",
        "run": {"runId": "0195f1c2-7d11-7c3e-9a40-5d7c1e2b3a77"},
        "job": {"namespace": "crm", "name": "mask_customers"},
        "inputs": [
            {
                **source,
                "inputFacets": {
                    "inputStatistics": {"rowCount": 1200, "size": 65536, "fileCount": 1},
                    "acme_sampling": {"fraction": 0.1, "note": note},
                },
            }
        ],
        "outputs": [
            {
                "namespace": PG,
                "name": "shop.public.customers_masked",
                "facets": {"columnLineage": lineage, "symlinks": symlinks},
            }
        ],
    }


def html_text(html: str) -> str:
    """Return HTML's text with its character references read (`&#34;` is `"`)."""
    return unescape(re.sub(r"<[^>]+>", "", html))


@pytest.fixture(scope="module")
def facets_site(tmp_path_factory) -> Path:
    """Build a site from the masking run's event."""
    root = write_project(tmp_path_factory.mktemp("project"), {"events.json": facets_event()})
    return build(load_config(root), tmp_path_factory.mktemp("site") / "site").output


def test_input_facets_show_whole_on_the_version_read(facets_site):
    html = page_of(facets_site, "shop.public.customers:latest")
    table = re.search(r'<table class="input-facets" tabindex="0">.*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr><td><a [^>]*>([^<]+)</a></td><td>([^<]+)</td>", table)
    assert rows == [
        ("mask_customers", "input.acme_sampling"),
        ("mask_customers", "input.inputStatistics"),
    ]
    text = html_text(table)
    assert '"rowCount": 1200' in text
    assert '"note": "' + "x" * 2_500 + '"' in text  # whole, never cut


def test_a_masking_transformation_is_a_column_of_the_lineage_table(facets_site):
    html = page_of(facets_site, "customers_masked")
    rows = re.search(r'<table class="column-lineage" tabindex="0">.*?</table>', html, re.S).group(0)
    assert "<th>Subtype</th><th>Masking</th>" in rows
    assert "<td>DIRECT</td><td>TRANSFORMATION</td><td>masked</td>" in rows
    assert "<td>DIRECT</td><td>IDENTITY</td><td></td>" in rows
    assert "column_masking" not in html  # not a second time, as metadata


def test_other_names_are_a_readable_list_not_json(facets_site):
    html = page_of(facets_site, "customers_masked")
    assert '<ul class="links also-named"><li><code>s3://lake/crm/customers</code></li></ul>' in html
    assert '["s3://lake/crm/customers"]' not in html


def run_page_of(site: Path, title_part: str) -> str:
    """Return the HTML of the one run page whose <h1> contains `title_part`."""
    found = [
        p.read_text(encoding="utf-8")
        for p in (site / "runs").glob("*.html")
        if title_part in (re.search(r"<h1>(.*?)</h1>", p.read_text(encoding="utf-8")) or [""])[0]
    ]
    assert len(found) == 1, f"{len(found)} run pages for {title_part}"
    return found[0]


def test_input_facets_show_whole_beside_the_input_on_the_run_page(facets_site):
    html = run_page_of(facets_site, "mask_customers")
    table = re.search(r'<table class="input-facets" tabindex="0">.*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr><td><a [^>]*>([^<]+)</a></td><td>([^<]+)</td>", table)
    customers = f"{PG}/shop.public.customers (before v0)"
    assert [facet for _, facet in rows] == ["input.acme_sampling", "input.inputStatistics"]
    assert {name for name, _ in rows} <= {customers, f"{PG}/shop.public.customers:latest"}
    text = html_text(table)
    assert '"note": "' + "x" * 2_500 + '"' in text  # whole, never cut
    config = re.search(r'<section id="config">.*?</section>', html, re.S).group(0)
    assert "input_facets" not in config and "acme_sampling" not in config  # not a config value


def test_input_facets_travel_on_the_usage_edge_and_masking_on_its_column(facets_site):
    data = json.loads((facets_site / "lineage.json").read_text(encoding="utf-8"))
    used = [e for e in data["edges"] if e["target"].startswith("run:")]
    assert [sorted(e["facets"]) for e in used] == [["input.acme_sampling", "input.inputStatistics"]]
    assert used[0]["facets"]["input.inputStatistics"] == {
        "fileCount": 1,
        "rowCount": 1200,
        "size": 65536,
    }
    (run,) = [n for n in data["nodes"] if n["kind"] == "run"]
    assert "input_facets" not in run["config"]
    (masked,) = [n for n in data["nodes"] if n.get("column_lineage")]
    inputs = {c["column"]: c["inputs"][0] for c in masked["column_lineage"]}
    assert inputs["email_hash"]["masking"] is True
    assert "masking" not in inputs["id"]  # false is left out, as lineage.json stays small
    assert "column_masking" not in masked["metadata"]


def test_a_rebuild_shows_an_input_facet_changed_in_the_reading_runs_manifest(tmp_path: Path):
    # The facets live on the usage edge: the version read must be rendered again although
    # its own producer's manifest did not change.
    def used(value: str) -> dict:
        return {"name": "raw", "version": "v0", "facets": {"note": {"said": value}}}

    def page_text() -> str:
        return unescape((site / naming.node_path("artifact:raw:v0")).read_text(encoding="utf-8"))

    project = write_project(
        tmp_path / "project",
        {
            "a.json": manifest("up", 0, job_type="upload", logged=[art("raw")]),
            "b.json": manifest("train", 2, used=[used("first reading")]),
        },
    )
    site = tmp_path / "site"
    build(load_config(project), site)
    assert "first reading" in page_text()
    write_project(project, {"b.json": manifest("train", 2, used=[used("second reading")])})
    result = build(load_config(project), site)
    assert result.incremental
    assert "second reading" in page_text() and "first reading" not in page_text()
