"""Broken manifests: each is reported exactly, skipped whole, and costs nothing else.

Every case of issue 4's "Broken manifests" list gets its own test (one parametrized case
each): the project holds a small valid pipeline under `good/` and the broken file(s)
under `bad/`. The build must not raise, must report the exact `path: location: message
[kind]`, must list the problem on the site's problems page, must leave no trace of the
broken manifest in the graph (never half-ingested), and every page of the good pipeline
must still be written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from markupsafe import escape

from lineage_report.build import BuildResult, build
from lineage_report.config import load_config
from lineage_report.naming import node_path
from tests.factories import art, manifest, write_project
from tests.test_cli import cli

GOOD = {
    "good/up.json": manifest("good-up", 0, job_type="upload", logged=[art("good-raw")]),
    "good/train.json": manifest(
        "good-train", 10, used=["good-raw:latest"], logged=[art("good-model", "model")]
    ),
}
GOOD_NODES = ["run:good-up", "artifact:good-raw:v0", "run:good-train", "artifact:good-model:v0"]


def half(run_id: str, start: int = 20, **run: Any) -> dict:
    """Return a manifest that logs `half-<run_id>`: were it half-ingested, that node would show."""
    return manifest(run_id, start, logged=[art("half-" + run_id)], **run)


def changed(document: dict, path: tuple, value: Any) -> dict:
    """Return a deep copy of `document` with the value at `path` replaced."""
    copy = json.loads(json.dumps(document))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


def text(document: Any) -> str:
    """Return a document as JSON text (to be cut or spoiled by a case)."""
    return json.dumps(document)


@dataclass
class Case:
    """A broken input: its files, the exact problems, and nodes that must not exist."""

    id: str
    files: dict[str, Any]
    expected: list[str]
    config: str = ""
    absent: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)


def bad(name: str) -> str:
    """Return the path of a broken file in the project."""
    return f"bad/{name}.json"


INVALID_JSON = [
    Case(
        "truncated",
        {bad("t"): text(half("t"))[:60]},
        [
            "bad/t.json: line 1 column 61: invalid JSON: Input data was truncated "
            "[manifest.invalid-json]"
        ],
    ),
    Case(
        "binary",
        {bad("png"): b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"},
        [
            "bad/png.json: line 1 column 1: not UTF-8 text (byte 0x89); manifests are UTF-8 JSON "
            "[manifest.invalid-json]"
        ],
    ),
    Case(
        "latin-1",
        {bad("latin"): '{"manifest_version": 1, "run": {"id": "caf\u00e9"}}'.encode("latin-1")},
        [
            "bad/latin.json: line 1 column 43: not UTF-8 text (byte 0xe9); manifests are UTF-8 "
            "JSON [manifest.invalid-json]"
        ],
    ),
    Case(
        "utf-16",
        {bad("u16"): text(half("u16")).encode("utf-16")},
        [
            "bad/u16.json: line 1 column 1: not UTF-8 text (byte 0xff); manifests are UTF-8 JSON "
            "[manifest.invalid-json]"
        ],
    ),
    Case(
        "bom",
        {bad("bom"): b"\xef\xbb\xbf" + text(half("bom")).encode()},
        [
            "bad/bom.json: line 1 column 1: starts with a byte order mark; save it as UTF-8 "
            "without BOM [manifest.invalid-json]"
        ],
    ),
    Case(
        "empty",
        {bad("empty"): b""},
        [
            "bad/empty.json: line 1 column 1: invalid JSON: the file is empty "
            "[manifest.invalid-json]"
        ],
    ),
    Case(
        "trailing-garbage",
        {bad("tail"): '{"manifest_version": 1, "run": {"id": "tail"}}\n}'},
        [
            "bad/tail.json: line 2 column 1: invalid JSON: JSON is malformed: trailing "
            "characters [manifest.invalid-json]"
        ],
    ),
    Case(
        "line-and-column",
        {bad("lc"): '{\n  "manifest_version": 1,\n  "run": {"id": "lc",}\n}'},
        [
            "bad/lc.json: line 3 column 22: invalid JSON: JSON is malformed: trailing comma "
            "in object [manifest.invalid-json]"
        ],
    ),
]

NOT_AN_OBJECT = [
    Case(
        "array",
        {bad("array"): [half("array")]},
        ["bad/array.json: expected a JSON object, got an array [manifest.invalid]"],
    ),
    Case(
        "string",
        {bad("string"): '"manifest_version"'},
        ["bad/string.json: expected a JSON object, got a string [manifest.invalid]"],
    ),
    Case(
        "null",
        {bad("null"): "null"},
        ["bad/null.json: expected a JSON object, got null [manifest.invalid]"],
    ),
    Case(
        "number",
        {bad("number"): "42"},
        ["bad/number.json: expected a JSON object, got a number [manifest.invalid]"],
    ),
]

REQUIRED_FIELDS = [
    Case(
        "no-manifest-version",
        {bad("nomv"): {k: v for k, v in half("nomv").items() if k != "manifest_version"}},
        ["bad/nomv.json: not a lineage manifest: 'manifest_version' is missing [manifest.invalid]"],
    ),
    Case(
        "kedro-viz",
        {
            bad("kedro"): {
                **{k: [] for k in ("nodes", "edges", "layers", "tags", "pipelines")},
                "modular_pipelines": {},
                "selected_pipeline": "__default__",
            }
        },
        [
            "bad/kedro.json: a Kedro-Viz graph, which lineage-report does not read (not a "
            "lineage manifest: 'manifest_version' is missing) [manifest.invalid]"
        ],
    ),
    Case(
        "no-run",
        {bad("norun"): {"manifest_version": 1, "logged_artifacts": [art("half-norun")]}},
        ["bad/norun.json: object missing required field 'run' [manifest.invalid]"],
        absent=["artifact:half-norun:v0"],
    ),
    Case(
        "no-run-id",
        {bad("noid"): changed(half("noid"), ("run",), {"name": "noid"})},
        ["bad/noid.json: /run: object missing required field 'id' [manifest.invalid]"],
        absent=["artifact:half-noid:v0"],
    ),
    Case(
        "run-id-a-number",
        {bad("idnum"): changed(half("idnum"), ("run", "id"), 7)},
        ["bad/idnum.json: /run/id: expected a string, got an integer [manifest.invalid]"],
        absent=["artifact:half-idnum:v0", "run:7"],
    ),
    Case(
        "run-id-empty",
        {bad("idempty"): changed(half("idempty"), ("run", "id"), "")},
        ["bad/idempty.json: /run/id: expected a string of length >= 1 [manifest.invalid]"],
        absent=["artifact:half-idempty:v0"],
    ),
    Case(
        "run-an-array",
        {bad("runlist"): {"manifest_version": 1, "run": [], "logged_artifacts": []}},
        ["bad/runlist.json: /run: expected an object, got an array [manifest.invalid]"],
    ),
    Case(
        "artifact-without-type",
        {
            bad("notype"): manifest(
                "notype", 20, logged=[art("half-a"), {"name": "x", "digest": "d"}]
            )
        },
        [
            "bad/notype.json: /logged_artifacts/1: object missing required field 'type' "
            "[manifest.invalid]"
        ],
        absent=["artifact:half-a:v0"],
    ),
    Case(
        "artifact-name-empty",
        {bad("noname"): manifest("noname", 20, logged=[art("half-b"), art("")])},
        [
            "bad/noname.json: /logged_artifacts/1/name: expected a string of length >= 1 "
            "[manifest.invalid]"
        ],
        absent=["artifact:half-b:v0"],
    ),
]

WRONG_TYPES = [
    Case(
        "tags-a-string",
        {bad("tags"): half("tags", tags="a,b")},
        ["bad/tags.json: /run/tags: expected an array, got a string [manifest.invalid]"],
    ),
    Case(
        "used-a-string",
        {bad("used"): changed(half("used"), ("used_artifacts",), "good-raw:v0")},
        ["bad/used.json: /used_artifacts: expected an array, got a string [manifest.invalid]"],
    ),
    Case(
        "used-entry-a-number",
        {bad("usednum"): changed(half("usednum"), ("used_artifacts",), ["good-raw:v0", 7])},
        [
            "bad/usednum.json: /used_artifacts/1: expected 'str | object', got an integer "
            "[manifest.invalid]"
        ],
    ),
    Case(
        "used-object-without-name",
        {bad("usedobj"): changed(half("usedobj"), ("used_artifacts",), [{"alias": "latest"}])},
        [
            "bad/usedobj.json: /used_artifacts/0: object missing required field 'name' "
            "[manifest.invalid]"
        ],
    ),
    Case(
        "config-a-string",
        {bad("config"): half("config", config="lr=0.1")},
        ["bad/config.json: /run/config: expected an object, got a string [manifest.invalid]"],
    ),
    Case(
        "notes-an-array",
        {bad("notes"): half("notes", notes=["a"])},
        ["bad/notes.json: /run/notes: expected a string, got an array [manifest.invalid]"],
    ),
    Case(
        "git-a-string",
        {bad("git"): half("git", git="main")},
        ["bad/git.json: /run/git: expected 'object | null', got a string [manifest.invalid]"],
    ),
    Case(
        "state-unknown",
        {bad("state"): half("state", state="exploded")},
        ["bad/state.json: /run/state: invalid enum value 'exploded' [manifest.invalid]"],
    ),
    Case(
        "metadata-an-array",
        {bad("meta"): changed(half("meta"), ("logged_artifacts", 0, "metadata"), [1, 2])},
        [
            "bad/meta.json: /logged_artifacts/0/metadata: expected an object, got an array "
            "[manifest.invalid]"
        ],
    ),
    Case(
        "aliases-a-string",
        {bad("aliases"): changed(half("aliases"), ("logged_artifacts", 0, "aliases"), "best")},
        [
            "bad/aliases.json: /logged_artifacts/0/aliases: expected an array, got a string "
            "[manifest.invalid]"
        ],
    ),
    Case(
        "file-size-a-string",
        {bad("size"): changed(half("size"), ("logged_artifacts", 0, "files", 0, "size"), "big")},
        [
            "bad/size.json: /logged_artifacts/0/files/0/size: expected 'int | null', got a string "
            "[manifest.invalid]"
        ],
    ),
    Case(
        "references-an-object",
        {bad("refs"): changed(half("refs"), ("logged_artifacts", 0, "references"), {"uri": "s"})},
        [
            "bad/refs.json: /logged_artifacts/0/references: expected an array, got an object "
            "[manifest.invalid]"
        ],
    ),
    Case(
        "description-a-number",
        {bad("desc"): changed(half("desc"), ("logged_artifacts", 0, "description"), 5)},
        [
            "bad/desc.json: /logged_artifacts/0/description: expected a string, got an integer "
            "[manifest.invalid]"
        ],
    ),
    Case(
        "claimed-version-negative",
        {bad("neg"): changed(half("neg"), ("logged_artifacts", 0, "version"), -1)},
        ["bad/neg.json: /logged_artifacts/0/version: expected an integer >= 0 [manifest.invalid]"],
    ),
    Case(
        "version-a-float",
        {bad("mvf"): changed(half("mvf"), ("manifest_version",), 1.0)},
        ["bad/mvf.json: /manifest_version: expected an integer, got a number [manifest.invalid]"],
    ),
]

UNKNOWN_VERSION = [
    Case(
        f"manifest-version-{label}",
        {bad(f"v{label}"): changed(half(f"v{label}"), ("manifest_version",), value)},
        [
            f"bad/v{label}.json: /manifest_version: unknown manifest_version {shown}; "
            "this lineage-report reads version 1 [manifest.unknown-version]"
        ],
    )
    for label, value, shown in [
        ("2", 2, "2"),
        ("0", 0, "0"),
        ("string", "1", '"1"'),
        ("true", True, "true"),
        ("null", None, "null"),
    ]
]

NO_DIGEST = [
    Case(
        "no-digest-no-files",
        {
            bad("nodigest"): manifest(
                "nodigest", 20, logged=[art("half-c"), {"name": "x", "type": "t"}]
            )
        },
        [
            "bad/nodigest.json: /logged_artifacts/1: artifact 'x' has no digest and no files "
            "[manifest.no-digest]"
        ],
        absent=["artifact:half-c:v0"],
    ),
    Case(
        "a-file-without-digest",
        {
            bad("partial"): manifest(
                "partial",
                20,
                logged=[
                    {
                        "name": "half-d",
                        "type": "dataset",
                        "files": [{"path": "a", "digest": "sha256:1"}, {"path": "b"}],
                    }
                ],
            )
        },
        [
            "bad/partial.json: /logged_artifacts/0/files: artifact 'half-d' has no digest and not "
            "every file has a digest [manifest.no-digest]"
        ],
    ),
]

TIMESTAMPS = [
    Case(
        "started-at-words",
        {bad("words"): half("words", started_at="yesterday")},
        [
            'bad/words.json: /run/started_at: timestamp "yesterday" is not RFC 3339 '
            "(like 2026-11-20T10:00:00Z) [manifest.invalid]"
        ],
    ),
    Case(
        "created-at-month-13",
        {bad("month"): changed(half("month"), ("logged_artifacts", 0, "created_at"), "2026-13-45")},
        [
            "bad/month.json: /logged_artifacts/0/created_at: "
            'timestamp "2026-13-45" is not RFC 3339 (like 2026-11-20T10:00:00Z) '
            "[manifest.invalid]"
        ],
    ),
    Case(
        "finished-at-a-number",
        {bad("epoch"): half("epoch", finished_at=1700000000)},
        [
            "bad/epoch.json: /run/finished_at: timestamp 1700000000 is not RFC 3339 "
            "(like 2026-11-20T10:00:00Z) [manifest.invalid]"
        ],
    ),
]

# Issue 17: past 4,300 digits Python cannot parse a number, and the graph read these as one.
DIGITS = "9" * 5000
LONG = f"'v{'9' * 22}…' has 5,000 digits; a version number has at most 20"  # cut to 24
VERSIONS = [
    Case(
        "used-reference-with-5000-digits",
        {bad("ref"): half("ref", used=[f"good-raw:v{DIGITS}"])},
        [f"bad/ref.json: /used_artifacts/0: version {LONG} [manifest.invalid]"],
    ),
    Case(
        "used-version-with-5000-digits",
        {bad("uver"): half("uver", used=[{"name": "good-raw", "version": "v" + DIGITS}])},
        [f"bad/uver.json: /used_artifacts/0/version: version {LONG} [manifest.invalid]"],
    ),
    Case(
        "used-alias-with-5000-digits",
        {bad("alias"): half("alias", used=[{"name": "good-raw", "alias": "v" + DIGITS}])},
        [f"bad/alias.json: /used_artifacts/0/alias: version {LONG} [manifest.invalid]"],
    ),
    Case(
        "logged-version-with-5000-digits",
        {bad("lver"): changed(half("lver"), ("logged_artifacts", 0, "version"), DIGITS)},
        [
            f"bad/lver.json: /logged_artifacts/0/version: version '{'9' * 23}…' "
            "has 5,000 digits; a version number has at most 20 [manifest.invalid]"
        ],
    ),
]

GRAPH = [
    Case(
        "type-clash",
        {
            bad("clash"): manifest(
                "clash", 20, logged=[art("half-e"), art("good-raw", "model", "x")]
            )
        },
        [
            "bad/clash.json: /logged_artifacts/1/type: artifact 'good-raw' is logged here as type "
            "'model', but good/up.json logged it as 'dataset' [graph.type-clash]"
        ],
        absent=["artifact:half-e:v0", "artifact:good-raw:v1"],
    ),
    Case(
        "conflicting-producer",
        {
            bad("claim"): manifest(
                "claim", 20, logged=[art("half-f"), art("good-raw", content="other", version="v0")]
            )
        },
        [
            "bad/claim.json: /logged_artifacts/1/version: 'good-raw:v0' is claimed here with "
            f"digest {art('good-raw', content='other')['digest']}, but good/up.json logged it "
            f"with digest {art('good-raw')['digest']} [graph.conflicting-producer]"
        ],
        absent=["artifact:half-f:v0", "artifact:good-raw:v1"],
    ),
    Case(
        "duplicate-run-id",
        {"zz/dup.json": manifest("good-up", 30, logged=[art("half-g")])},
        [
            "zz/dup.json: /run/id: run id 'good-up' is also used by good/up.json with different "
            "content; this manifest is skipped [graph.duplicate-run]"
        ],
        absent=["artifact:half-g:v0"],
    ),
    Case(
        "cycle",
        {
            bad("cycle1"): manifest("loop-a", 20, used=["loop-y:v0"], logged=[art("loop-x")]),
            bad("cycle2"): manifest(
                "loop-b", 30, used=["loop-x:v0"], logged=[art("loop-y"), art("half-h")]
            ),
        },
        [
            # The story starts at what the skipped run (loop-b, the newest) used.
            "bad/cycle2.json: /used_artifacts/0: cycle in the lineage: artifact:loop-x:v0 → "
            "run:loop-b → artifact:loop-y:v0 → run:loop-a → artifact:loop-x:v0; "
            "this manifest is skipped [graph.cycle]",
            "bad/cycle1.json: /used_artifacts/0: 'loop-y:v0' was not logged by any run here; "
            'shown as an external input (declare it with external = ["loop-y:*"] in '
            "lineage-report.toml) [graph.unresolved]",
        ],
        absent=["run:loop-b", "artifact:half-h:v0"],
        present=["run:loop-a", "artifact:loop-x:v0"],
    ),
]

TOO_LARGE = [
    Case(
        "over-the-configured-limit",
        {bad("big"): half("big", notes="x" * 120_000)},
        [
            "bad/big.json: file is 0.12 MB, over the 0.1 MB limit (max_manifest_mb in "
            "lineage-report.toml) [manifest.too-large]"
        ],
        config="max_manifest_mb = 0.1\n",
    ),
]

CASES = (
    INVALID_JSON
    + NOT_AN_OBJECT
    + REQUIRED_FIELDS
    + WRONG_TYPES
    + UNKNOWN_VERSION
    + NO_DIGEST
    + TIMESTAMPS
    + VERSIONS
    + GRAPH
    + TOO_LARGE
)


def build_project(root: Path, files: dict[str, Any], config: str = "") -> BuildResult:
    """Write the good pipeline beside `files`, build the site, and return the result."""
    write_project(root / "project", {**GOOD, **files}, config)
    return build(load_config(root / "project"), root / "site")


def messages(result: BuildResult) -> list[str]:
    """Return the problems of a build as people read them."""
    return [str(p) for p in result.problems]


def assert_good_pages(result: BuildResult) -> None:
    """Check that every node of the good pipeline is in the graph and has its page."""
    for node in GOOD_NODES:
        assert node in result.lineage.graph, node
        assert (result.output / node_path(node)).is_file(), node_path(node)


def assert_listed(result: BuildResult) -> None:
    """Check that the problems page shows every problem's file, place and message."""
    page = (result.output / "problems.html").read_text(encoding="utf-8")
    for problem in result.problems:
        for part in (problem.path, problem.location, problem.message, problem.kind):
            assert str(escape(part)) in page, part


def assert_not_ingested(result: BuildResult, case: Case) -> None:
    """Check that nothing of a skipped manifest reached the graph (no half-ingestion)."""
    graph = result.lineage.graph
    for node in case.absent:
        assert node not in graph, node
    leftovers = [n for n in graph if n.startswith(("artifact:half-", "run:half-"))]
    assert leftovers == []
    for node in case.present:
        assert node in graph, node
        assert (result.output / node_path(node)).is_file()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_manifest_is_reported_and_skipped_whole(tmp_path: Path, case: Case) -> None:
    result = build_project(tmp_path, case.files, case.config)
    assert sorted(messages(result)) == sorted(case.expected)
    assert_not_ingested(result, case)
    assert_good_pages(result)
    assert_listed(result)


# ---------------------------------------------------------------- cases the core mishandles


def only_problem(result: BuildResult, path: str) -> Any:
    """Return the one problem of the build, checking it names `path`."""
    assert len(result.problems) == 1, messages(result)
    [problem] = result.problems
    assert problem.path == path, str(problem)
    return problem


def test_deeply_nested_json_is_reported_not_a_crash(tmp_path: Path) -> None:
    # 2 KB of brackets: msgspec raises RecursionError, which parse_json does not catch.
    deep = '{"manifest_version": 1, "run": {"id": "deep", "config": {"a": '
    deep += "[" * 5_000 + "]" * 5_000 + "}}}"
    result = build_project(tmp_path, {bad("deep"): deep})
    problem = only_problem(result, "bad/deep.json")
    assert problem.kind == "manifest.invalid-json"
    assert "run:deep" not in result.lineage.graph
    assert_good_pages(result)


@pytest.mark.parametrize(
    "number", ["1e400", "9" * 5_000], ids=["float-out-of-range", "int-over-4300-digits"]
)
def test_number_out_of_range_message_has_no_decoder_internals(tmp_path: Path, number) -> None:
    document = '{"manifest_version": 1, "run": {"id": "num", "config": {"a": NUMBER}}}'
    document = document.replace("NUMBER", number)
    result = build_project(tmp_path, {bad("num"): document})
    problem = only_problem(result, "bad/num.json")
    assert problem.kind == "manifest.invalid-json"
    assert problem.location.startswith("line 1 column ")
    assert "out of range" in problem.message
    assert "$[" not in problem.message and "`" not in problem.message, problem.message
    assert_good_pages(result)


@pytest.mark.parametrize(
    "where, value",
    [
        (("run", "finished_at"), "9999-12-31T23:59:59-01:00"),
        (("run", "started_at"), "0001-01-01T00:00:00+01:00"),
        (("logged_artifacts", 0, "created_at"), "9999-12-31T23:59:59-23:59"),
    ],
    ids=["finished-after-year-9999", "started-before-year-1", "created-after-year-9999"],
)
def test_timestamp_out_of_range_in_utc_is_reported(tmp_path: Path, where, value) -> None:
    # Valid RFC 3339, but outside Python's datetime range once moved to UTC: OverflowError.
    result = build_project(tmp_path, {bad("edge"): changed(half("edge"), where, value)})
    problem = only_problem(result, "bad/edge.json")
    assert problem.kind == "manifest.invalid"
    assert problem.location == "/" + "/".join(map(str, where))
    assert "run:edge" not in result.lineage.graph
    assert "artifact:half-edge:v0" not in result.lineage.graph
    assert_good_pages(result)


@pytest.mark.parametrize("size", [10**309, 10**400], ids=["1e309", "1e400"])
def test_size_beyond_a_float_is_not_a_crash(tmp_path: Path, size: int) -> None:
    # Valid JSON integers; int / 1000 and float(int) raise OverflowError past ~1.8e308.
    document = changed(half("huge"), ("logged_artifacts", 0, "files", 0, "size"), 1)
    raw = text(document).replace('"size": 1', f'"size": {size}')
    result = build_project(tmp_path, {bad("huge"): raw})
    assert_good_pages(result)
    assert all(p.path == "bad/huge.json" for p in result.problems)


def test_unresolved_reference_never_lands_on_a_real_version(tmp_path: Path) -> None:
    # {"alias": "v0"} resolves to nothing, but its external node id `artifact:good-raw:v0`
    # is the real version's id: the edge joins the real node, which the warning denies.
    files = {bad("alias"): manifest("alias-user", 20, used=[{"name": "good-raw", "alias": "v0"}])}
    result = build_project(tmp_path, files)
    graph = result.lineage.graph
    unresolved = [p for p in result.problems if p.kind == "graph.unresolved"]
    if unresolved:  # shown as external: then on its own external node
        assert not graph.has_edge("artifact:good-raw:v0", "run:alias-user")
        [source] = list(graph.predecessors("run:alias-user"))
        assert graph.nodes[source]["external"] is True
    else:  # or resolved as W&B does ("v0" is also an alias of version 0)
        assert graph.has_edge("artifact:good-raw:v0", "run:alias-user")
    assert_good_pages(result)


def test_a_run_using_its_own_output_by_a_version_like_alias_makes_no_cycle(tmp_path: Path) -> None:
    # The same id collision, used by the run that logs the version: a cycle nobody reported.
    selfish = manifest("selfish", 20, used=[{"name": "mine", "alias": "v0"}], logged=[art("mine")])
    result = build_project(tmp_path, {bad("self"): selfish})
    assert nx.is_directed_acyclic_graph(result.lineage.graph)
    assert_good_pages(result)


# ---------------------------------------------------------------- size limit, warnings, CLI


def test_default_size_limit_is_50_mb(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", GOOD)
    with open(project / "huge.json", "wb") as f:
        f.truncate(51_000_000)  # sparse: stat says 51 MB, the disk holds nothing
    result = build(load_config(project), tmp_path / "site")
    assert messages(result) == [
        "huge.json: file is 51.0 MB, over the 50 MB limit (max_manifest_mb in "
        "lineage-report.toml) [manifest.too-large]"
    ]
    assert_good_pages(result)


def test_unresolved_reference_is_a_warning_with_an_external_node(tmp_path: Path) -> None:
    files = {bad("ext"): manifest("uses-ext", 20, used=["imagenet:v3"], logged=[art("out")])}
    result = build_project(tmp_path, files)
    [problem] = result.problems
    assert str(problem) == (
        "bad/ext.json: /used_artifacts/0: 'imagenet:v3' was not logged by any run here; shown "
        'as an external input (declare it with external = ["imagenet:*"] in '
        "lineage-report.toml) [graph.unresolved]"
    )
    assert problem.severity == "warning"
    graph = result.lineage.graph
    assert graph.nodes["artifact:imagenet:v3"]["external"] is True
    for node in ("artifact:imagenet:v3", "run:uses-ext", "artifact:out:v0"):
        assert (result.output / node_path(node)).is_file(), node
    assert_good_pages(result)


def test_many_broken_files_together_cost_nothing_else(tmp_path: Path) -> None:
    # Graph cases interact with each other (they contradict the same good manifests): left out.
    alone = [c for c in CASES if not c.config and c not in GRAPH]
    files = {path: content for case in alone for path, content in case.files.items()}
    result = build_project(tmp_path, files)
    # Each file's own test pins its message; here each must still be reported, once.
    expected = sorted(
        f"{m.split(': ')[0]} {m.rsplit(' ', 1)[1]}" for c in alone for m in c.expected
    )
    assert sorted(f"{p.path} [{p.kind}]" for p in result.problems) == expected
    assert_good_pages(result)
    assert_listed(result)


def test_strict_turns_problems_into_exit_1_and_still_writes_the_site(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", {**GOOD, bad("t"): text(half("t"))[:60]})
    expected = (
        "bad/t.json: line 1 column 61: invalid JSON: Input data was truncated "
        "[manifest.invalid-json]"
    )
    loose = cli("build", project, "-o", tmp_path / "loose", "--quiet")
    assert loose.returncode == 0, loose.stderr
    assert expected in loose.stderr
    strict = cli("build", project, "-o", tmp_path / "strict", "--strict", "--quiet")
    assert strict.returncode == 1
    assert expected in strict.stderr
    for node in GOOD_NODES:
        assert (tmp_path / "strict" / node_path(node)).is_file()


def test_strict_counts_warnings_too(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "project", {**GOOD, "ext.json": manifest("e", 20, used=["nobody:v0"])}
    )
    assert cli("build", project, "-o", tmp_path / "a", "--quiet").returncode == 0
    assert cli("build", project, "-o", tmp_path / "b", "--strict", "--quiet").returncode == 1


def test_check_json_gives_the_same_problems(tmp_path: Path) -> None:
    files = {bad("nomv"): {"run": {"id": "x"}}, bad("ext"): manifest("e", 20, used=["nobody:v0"])}
    project = write_project(tmp_path / "project", {**GOOD, **files})
    done = cli("check", project, "--format", "json")
    assert done.returncode == 1
    assert json.loads(done.stdout) == [
        {
            "path": "bad/ext.json",
            "location": "/used_artifacts/0",
            "message": "'nobody:v0' was not logged by any run here; shown as an external input "
            '(declare it with external = ["nobody:*"] in lineage-report.toml)',
            "kind": "graph.unresolved",
            "severity": "warning",
        },
        {
            "path": "bad/nomv.json",
            "location": "",
            "message": "not a lineage manifest: 'manifest_version' is missing",
            "kind": "manifest.invalid",
            "severity": "error",
        },
    ]
