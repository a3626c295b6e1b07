"""Problems are listed in reading order: `line 9` before `line 10`, wherever they are shown."""

from __future__ import annotations

import json
import re
from pathlib import Path

from lineage_report.problems import Problem, Problems
from tests.test_cli import cli

RUN_EVENT = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent"


def event(i: int) -> dict:
    """Return a good OpenLineage RunEvent that writes table t<i>."""
    return {
        "eventType": "COMPLETE",
        "eventTime": f"2024-01-01T00:00:{i:02d}Z",
        "run": {"runId": f"00000000-0000-0000-0000-0000000000{i:02d}"},
        "job": {"namespace": "ns", "name": f"job{i}"},
        "inputs": [],
        "outputs": [{"namespace": "ns", "name": f"t{i}"}],
        "producer": "test",
        "schemaURL": RUN_EVENT,
    }


def events_project(root: Path) -> Path:
    """Write a 12-line event stream with bad lines 2, 5, 9, 10 and 11; return its folder."""
    no_run = json.dumps({"eventType": "COMPLETE", "job": {"namespace": "ns", "name": "j"}})
    lines = [json.dumps(event(i)) for i in range(1, 13)]
    for i in (2, 9, 10, 11):
        lines[i - 1] = no_run
    lines[4] = "not json"
    root.mkdir()
    (root / "events.ndjson").write_text("\n".join(lines) + "\n")
    return root


def test_check_lists_problems_by_line_number_not_as_text(tmp_path: Path) -> None:
    done = cli("check", events_project(tmp_path / "p"), "--format", "json")
    found = [p["location"] for p in json.loads(done.stdout)]
    assert found == ["line 2", "line 5", "line 9", "line 10", "line 11"]


def test_the_problems_page_lists_them_in_the_same_order(tmp_path: Path) -> None:
    project = events_project(tmp_path / "p")
    assert cli("build", project, "-o", tmp_path / "site", "--quiet").returncode == 0
    page = (tmp_path / "site" / "problems.html").read_text()
    found = re.findall(r"<td><code>(line \d+)</code></td>", page)
    assert found == ["line 2", "line 5", "line 9", "line 10", "line 11"]


def test_pointers_and_file_names_compare_numbers_by_value() -> None:
    problems = Problems()
    for path, location in [
        ("run10.json", "/inputs/2"),
        ("run9.json", "/inputs/10"),
        ("run9.json", "/inputs/2"),
        ("run9.json", ""),
    ]:
        problems.add(Problem(path, location, "m", "k"))
    assert [(p.path, p.location) for p in problems.sorted()] == [
        ("run9.json", ""),
        ("run9.json", "/inputs/2"),
        ("run9.json", "/inputs/10"),
        ("run10.json", "/inputs/2"),
    ]
