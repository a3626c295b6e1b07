"""The manifest docs cannot go stale: schema file, examples and worked digest are checked here.

docs/manifest.md marks what it promises with `<!-- check: ... -->` comments placed just before
a code block or table; these tests find the marks, so moving text around keeps them working
and deleting a mark fails loudly.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

import lineage_report
from lineage_report.digest import artifact_digest
from lineage_report.manifest import check_manifest, json_schema, logged_digest, parse_json
from tests.factories import art, manifest, write_project

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "manifest.md"
SCHEMA = ROOT / "docs" / "manifest.schema.json"
SAMPLES = sorted((ROOT / "sample_project" / "runs").glob("*.json"))
MARK = re.compile(r"<!-- check: (?P<what>[\w-]+)(?: (?P<arg>\S+))? -->\n")
FENCE = re.compile(r"```\w*\n(?P<body>.*?)\n```", re.S)
FILE_NAME = re.compile(r"\.(html|json|js|css|md|txt|xml)$")


def marked(what: str) -> list[tuple[str | None, str]]:
    """Return (argument, text after the mark) for every `<!-- check: what -->` in the doc."""
    text = DOC.read_text(encoding="utf-8")
    return [(m["arg"], text[m.end() :]) for m in MARK.finditer(text) if m["what"] == what]


def block(what: str) -> str:
    """Return the body of the one code block right after the `what` mark."""
    (_, after), *others = marked(what)
    assert not others, f"more than one '{what}' mark"
    fence = FENCE.match(after)
    assert fence, f"no code block right after the '{what}' mark"
    return fence["body"]


def table_rows(after: str) -> list[list[str]]:
    """Return the cells of the body rows of the markdown table at the start of `after`."""
    lines = []
    for line in after.splitlines():
        if not line.startswith("|"):
            break
        lines.append([cell.strip() for cell in line.strip("|").split("|")])
    return lines[2:]  # header and separator


def unquote(cell: str) -> str:
    """Strip the backticks around a table cell's code."""
    return cell.strip().strip("`")


def decode(text: str) -> object:
    """Decode and check a manifest the way the collector does; fail the test if it is not one."""
    checked = check_manifest("doc", parse_json("doc", text.encode("utf-8")))
    for index, logged in enumerate(checked.logged_artifacts):
        logged_digest("doc", index, logged)
    return checked


def test_committed_schema_is_the_generated_one():
    generated = json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
    assert SCHEMA.read_text(encoding="utf-8") == generated, (
        "docs/manifest.schema.json is stale; regenerate it with the command in docs/manifest.md"
    )


def test_every_sample_manifest_validates_against_the_schema():
    jsonschema = pytest.importorskip(
        "jsonschema", reason="jsonschema is not installed (optional; not a test dependency)"
    )
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    assert SAMPLES
    for path in SAMPLES:
        errors = [e.message for e in validator.iter_errors(json.loads(path.read_bytes()))]
        assert errors == [], f"{path.name}: {errors}"


def test_manifest_examples_are_valid_manifests():
    examples = marked("manifest")
    assert len(examples) >= 2, "the small and the complete example must both be marked"
    for source, after in examples:
        fence = FENCE.match(after)
        assert fence, "a 'manifest' mark must sit right before a code block"
        decode(fence["body"])
        if source:
            assert json.loads(fence["body"]) == json.loads((ROOT / source).read_bytes()), (
                f"the example no longer matches {source}"
            )


def test_worked_digest_example():
    rows = table_rows(marked("digest-contents")[0][1])
    contents = {unquote(path): json.loads(unquote(text)).encode() for path, text, _ in rows}
    assert {unquote(path): int(size) for path, _, size in rows} == {
        path: len(content) for path, content in contents.items()
    }
    entry = json.loads(block("digest-entry"))
    stated = block("digest-result").strip()
    for file in entry["files"]:
        content = contents[file["path"]]
        assert file["digest"] == "sha256:" + hashlib.sha256(content).hexdigest()
        assert file["size"] == len(content)
    pairs = [(f["path"], f["digest"]) for f in entry["files"]]
    pairs += [(r["uri"], r["digest"]) for r in entry["references"]]
    lines = block("digest-lines").splitlines()
    assert lines == sorted(f"{path}:{digest}" for path, digest in pairs)
    joined = "\n".join(lines).encode()
    assert f"({len(joined)} bytes, no newline at the end)" in DOC.read_text(encoding="utf-8")
    assert stated == "sha256:" + hashlib.sha256(joined).hexdigest()
    assert artifact_digest(pairs) == stated
    checked = decode(
        json.dumps({"manifest_version": 1, "run": {"id": "r"}, "logged_artifacts": [entry]})
    )
    assert logged_digest("doc", 0, checked.logged_artifacts[0]) == stated


def test_problem_kinds_table_lists_exactly_the_kinds_the_code_reports():
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("| kind | severity | when |") :]
    documented = {unquote(row[0]): row[1].strip("*") for row in table_rows(table)}
    sources = "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "lineage_report").rglob("*.py")
    )
    prefixes = "manifest|graph|collect|config|snapshot|export"
    reported = set(re.findall(rf'"((?:{prefixes})\.[a-z]+(?:-[a-z]+)*)"', sources))
    reported = {kind for kind in reported if not FILE_NAME.search(kind)}
    assert set(documented) == reported
    assert {k for k, severity in documented.items() if severity == "warning"} == {
        "graph.unresolved",
        "collect.no-inputs",
        "config.unknown-key",
        "snapshot.name-clash",
        "snapshot.not-stored",
        "snapshot.too-big-for-mail",
        "export.too-many-edges",
    }


# The rules the doc states in words, held to the implementation.


def load(tmp_path: Path, manifests: dict, config: str = "") -> lineage_report.Lineage:
    """Write a project and load its lineage."""
    return lineage_report.load(write_project(tmp_path / "p", manifests, config))


def untimed(doc: dict) -> dict:
    """Remove a manifest's run times."""
    del doc["run"]["started_at"], doc["run"]["finished_at"]
    return doc


def producer(lineage: lineage_report.Lineage, ref: str) -> str:
    """Return the run id of the producer of an artifact version."""
    return lineage.artifact(ref).logged_by().run_id


def test_doc_untimed_entries_are_numbered_last_by_run_id(tmp_path):
    lineage = load(
        tmp_path,
        {
            "a.json": untimed(manifest("zz", logged=[art("d", content="1")])),
            "b.json": untimed(manifest("aa", logged=[art("d", content="2")])),
            "c.json": manifest("late", 500, logged=[art("d", content="3")]),
        },
    )
    assert [producer(lineage, f"d:v{n}") for n in range(3)] == ["late", "aa", "zz"]
    assert lineage.artifact("d:latest").id == "artifact:d:v2"


def test_doc_latest_counts_untimed_versions_and_is_nothing_before_the_first(tmp_path):
    lineage = load(
        tmp_path,
        {
            "1.json": manifest("timed", 10, logged=[art("d", content="1")]),
            "2.json": untimed(manifest("untimed", logged=[art("d", content="2")])),
            "3.json": manifest("early", 5, used=["d:latest"]),
            "4.json": manifest("before", 0, used=["e:latest"]),
            "5.json": manifest("e-maker", 30, logged=[art("e", content="1")]),
            "6.json": untimed(manifest("anytime", used=["e"])),
        },
    )
    assert [a.id for a in lineage.run("early").used_artifacts()] == ["artifact:d:v1"]
    assert [a.id for a in lineage.run("before").used_artifacts()] == ["artifact:e:latest"]
    assert [a.id for a in lineage.run("anytime").used_artifacts()] == ["artifact:e:v0"]
    assert [p.kind for p in lineage.problems] == ["graph.unresolved"]


def test_doc_version_claims_are_checked_only_against_existing_versions(tmp_path):
    lineage = load(
        tmp_path,
        {
            "1.json": manifest("first", 0, logged=[art("d", content="1", version="v5")]),
            "2.json": manifest("again", 5, logged=[art("d", content="1", version=7)]),
            "3.json": manifest("liar", 10, logged=[art("d", content="2", version="v0")]),
        },
    )
    assert producer(lineage, "d:v0") == "first"
    assert [r.run_id for r in lineage.artifact("d:v0").relogged_by()] == ["again"]
    assert [p.kind for p in lineage.problems] == ["graph.conflicting-producer"]


@pytest.mark.parametrize(
    ("ref", "shown"),
    [
        ("d:v0", "artifact:d:v0"),
        ("d:V0", "artifact:d:V0"),
        ("d", "artifact:d:v0"),
        ("s3://bucket/data", "artifact:s3://bucket/data:latest"),
        ("a:b:c", "artifact:a:b:c"),
        ({"name": "d", "version": "best", "alias": "gone"}, "artifact:d:gone"),
        ({"name": "d", "digest": "sha256:nope", "version": 0}, "artifact:d@sha256:nope"),
    ],
)
def test_doc_reference_forms(tmp_path, ref, shown):
    lineage = load(
        tmp_path,
        {
            "1.json": manifest("maker", 0, logged=[art("d", content="1")]),
            "2.json": manifest("user", 5, used=[ref]),
        },
    )
    assert [a.id for a in lineage.run("user").used_artifacts()] == [shown]
