"""Logic that had two copies has one home: both users give the same answer, and names say which.

Script-safe JSON (`scriptjson`), the digest of listed files (`digest.listed_digest`) and the
reading of artifact references (`refs`) each used to be written twice; these tests hold the
users to one answer, including on the inputs where the copies used to differ.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest

import lineage_report
from lineage_report import graph, sdk
from lineage_report.digest import artifact_digest, listed_digest
from lineage_report.manifest import DecodeFailure, LoggedArtifact, logged_digest
from lineage_report.refs import holder_at, split_ref
from lineage_report.scriptjson import script_json

HOSTILE = ["</script><script>alert(1)</script>", "<!--", "a & b", "\u2028\u2029", "é ✓ 😀", '"\\']


# --- script-safe JSON -------------------------------------------------------------------------


def test_script_json_cannot_end_its_element_and_decodes_the_same() -> None:
    data = {"b": HOSTILE, "a": {"z": 1, "y": None}}
    text = script_json(data)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == data
    assert text.startswith('{"a":{"y":null,"z":1},"b":')  # compact, keys sorted


def test_script_json_escapes_a_lone_surrogate() -> None:
    text = script_json(["x\ud800y"])
    assert text == '["x\\ud800y"]' and json.loads(text) == ["x\ud800y"]


def test_script_json_writes_the_search_index_as_its_old_copy_did() -> None:
    """The search index's bytes do not change: its data (texts and integers) reads the same."""
    data = {"v": 1, "k": ["run"], "s": HOSTILE, "e": [[4, 0, "t\u2028", 3, "p", 0]]}
    old = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    for char in "<>&\u2028\u2029":
        old = old.replace(char, f"\\u{ord(char):04x}")
    assert script_json(data) == old


# --- the digest of listed files ---------------------------------------------------------------

FILES = [{"path": "b.csv", "digest": "sha256:bb"}, {"path": "a.csv", "digest": "sha256:aa"}]
REFS = [{"uri": "s3://b/x", "digest": "etag-1"}, {"uri": "s3://b/y"}]


def collector_digest(entry: dict) -> str | None:
    """Return the collector's digest of a logged entry, or None where it reports no-digest."""
    art = msgspec.convert({"name": "t", "type": "dataset", **entry}, LoggedArtifact)
    try:
        return logged_digest("p.json", 0, art)
    except DecodeFailure:
        return None


@pytest.mark.parametrize(
    "entry",
    [
        {"files": FILES},
        {"files": FILES, "references": REFS},
        {"references": REFS},
        {"files": [*FILES, {"path": "c.csv"}]},  # a file without a digest: unknowable
        {"files": [{"path": "c.csv", "digest": ""}]},  # an empty digest too (the SDK took it)
        {},
    ],
)
def test_the_sdk_and_the_collector_compute_one_digest(entry: dict) -> None:
    assert sdk.digest_of_entries(entry) == collector_digest(entry)


def test_a_reference_without_a_digest_counts_as_empty() -> None:
    expected = artifact_digest([("a.csv", "sha256:aa"), ("s3://b/y", "")])
    assert listed_digest([("a.csv", "sha256:aa")], [("s3://b/y", None)]) == expected
    art = sdk.Artifact("t", "dataset")
    art.add_reference("s3://b/y")
    assert art.digest == artifact_digest([("s3://b/y", "")])


# --- artifact references ----------------------------------------------------------------------

REFERENCES = ["raw", "raw:v3", "raw:best", "raw:latest", "a:b:v0", "s3://bucket/x", "x:a/b"]


@pytest.mark.parametrize("ref", REFERENCES)
def test_the_sdk_and_the_graph_read_a_reference_alike(ref: str) -> None:
    assert sdk.check_ref(ref) == graph.split_used(ref) == split_ref(ref)


def test_the_sdk_refuses_a_reference_with_an_empty_part() -> None:
    for ref in ("", "raw:", ":best"):
        with pytest.raises(sdk.SDKError, match="is not 'name'"):
            sdk.check_ref(ref)


def at(hour: int) -> datetime:
    """Return a time on one day, `hour` o'clock UTC."""
    return datetime(2026, 1, 1, hour, tzinfo=UTC)


def test_an_alias_names_its_holder_when_the_run_started() -> None:
    history = [(at(1), "v0"), (at(3), "v1"), (None, "v2")]  # untimed: there all along
    assert holder_at(history[:2], at(2)) == "v0"
    assert holder_at(history[:2], at(3)) == "v1"
    assert holder_at(history[:2], at(0)) is None
    assert holder_at(history, at(2)) == "v2"
    assert holder_at(history[:2], None) == "v1"


# --- names that no longer mislead -------------------------------------------------------------


def test_the_sdk_run_is_not_the_read_model_run(tmp_path: Path) -> None:
    with sdk.init(dir=tmp_path) as run:
        assert type(run) is sdk.ActiveRun
    assert sdk.ActiveRun is not lineage_report.Run
    assert not hasattr(sdk, "Run")
