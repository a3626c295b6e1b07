"""What the command line prints from the input is inert (issue 17): through the real CLI.

File names and names in manifests reach the problem lines, the error line and the query
table. Printed raw, an ESC/OSC sequence would drive the terminal, a line break would forge
a line, and a line starting with `::` (or holding `##[`) is a workflow command that a
GitHub Actions runner executes (`::add-mask::`, `::error file=...::`).
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import networkx as nx

from tests.factories import art, manifest, write_project
from tests.test_cli import cli as run_cli

GOOD = {"runs/good.json": manifest("good", 0, logged=[art("good-data")])}
NOT_AN_OBJECT = "expected a JSON object, got an array [manifest.invalid]"
HOSTILE_FILES = {
    "::error file=ci.yml,line=1::boom.json": "[]",
    "esc\x1b]0;owned\x07\x1b[2J.json": "[]",
    "nl\n::add-mask::hidden.json": "[]",
    "  ::stop-commands::tok.json": "[]",
    "##[error]hash.json": "[]",
    "runs/uses.json": manifest("uses", 3, used=["x\n::warning::forged:v0"]),
}


def cli(*args: object) -> subprocess.CompletedProcess:
    """Run `python -m lineage_report` in a fresh interpreter, bytes in and out."""
    return run_cli(*args, text=False)


def assert_inert(output: bytes) -> list[str]:
    """Check that printed output holds no control character and no workflow command."""
    text = output.decode("utf-8")
    for char in "\x1b\x07\r\x9b\x9d":
        assert char not in text, repr(char)
    lines = text.split("\n")
    assert [line for line in lines if line.lstrip().startswith("::")] == []
    assert "##[" not in text
    return lines


def test_problem_lines_are_escaped_and_start_no_workflow_command(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", {**GOOD, **HOSTILE_FILES})
    out = tmp_path / "site\n::add-mask::x"  # the output folder's name is printed too
    done = cli("build", project, "-o", out)
    assert done.returncode == 0, done.stderr
    problems = assert_inert(done.stderr)
    assert sorted(problems) == [
        "",
        "  \\x3a:stop-commands::tok.json: " + NOT_AN_OBJECT,
        "\\x23#[error]hash.json: " + NOT_AN_OBJECT,
        "\\x3a:error file=ci.yml,line=1::boom.json: " + NOT_AN_OBJECT,
        "esc\\x1b]0;owned\\x07\\x1b[2J.json: " + NOT_AN_OBJECT,
        "nl\\n::add-mask::hidden.json: " + NOT_AN_OBJECT,
        "runs/uses.json: /used_artifacts/0: 'x\\n::warning::forged:v0' was not logged by any "
        "run here; shown as an external input (declare it with external = "
        '["x\\n::warning::forged:*"] in lineage-report.toml) [graph.unresolved]',
    ]
    printed = assert_inert(done.stdout)
    assert f"Open {tmp_path}/site\\n::add-mask::x/index.html" in printed


def test_check_prints_the_same_lines_and_its_json_stays_exact(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", {**GOOD, **HOSTILE_FILES})
    done = cli("check", project, "--format", "json")
    assert done.returncode == 1
    assert_inert(done.stdout)
    paths = {p["path"] for p in json.loads(done.stdout)}  # JSON keeps the exact names
    assert paths == set(HOSTILE_FILES)


def test_an_error_line_is_escaped(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "proj\x1b[2J\n::add-mask::x", GOOD, config="cluster_threshold = 0\n"
    )
    done = cli("build", project)
    assert done.returncode == 1
    assert assert_inert(done.stderr) == [
        f"error: {tmp_path}/proj\\x1b[2J\\n::add-mask::x/lineage-report.toml: invalid settings:",
        "  cluster_threshold: expected a whole number of at least 1",
        "",
    ]


def test_query_table_defuses_workflow_commands(tmp_path: Path) -> None:
    logged = [art("##[error]evil"), art("::add-mask::x")]
    project = write_project(tmp_path / "project", {"a.json": manifest("a", 0, logged=logged)})
    done = cli("query", "upstream", "##[error]evil", project)
    assert done.returncode == 0, done.stderr
    lines = assert_inert(done.stdout)
    assert lines[0] == "Upstream of \\x23#[error]evil:v0 (artifact:\\x23#[error]evil:v0): 1 node"


def test_exports_on_stdout_start_no_line_with_a_name_and_keep_every_name_exact(
    tmp_path: Path,
) -> None:
    run_id = "a\r\n::add-mask::x"
    logged = [art("m\n::error::y"), art("##[error]z", notes="\u009b31m")]
    project = write_project(tmp_path / "project", {"a.json": manifest(run_id, 0, logged=logged)})
    nodes = {"run:" + run_id, "artifact:m\n::error::y:v0", "artifact:##[error]z:v0"}
    for fmt in ("graphml", "json", "dot", "mermaid"):
        done = cli("export", project, "--format", fmt)
        assert done.returncode == 0, done.stderr
        assert_inert(done.stdout)
    graphml = cli("export", project, "--format", "graphml").stdout
    assert set(nx.read_graphml(io.BytesIO(graphml))) == nodes  # a raw CR would have been lost
    exported = json.loads(cli("export", project, "--format", "json").stdout)
    assert {n["id"] for n in exported["nodes"]} == nodes
