"""`query`, `export --focus` and `diff --fail-on` take a dataset name as written (issue 12)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from lineage_report import cli
from tests.factories import art, manifest, write_project

FILE = "gs://bucket/f.csv"
TABLE = "postgres://h:5432/db.s.t"


def project(root: Path, moved: bool) -> Path:
    """Write a project: a load writes FILE, two transforms write TABLE; `production` on v0
    (or, when `moved`, on v1)."""
    first, second = (["production"], []) if not moved else ([], ["production"])
    return write_project(
        root,
        {
            "load.json": manifest("load", 0, logged=[art(FILE, content="f0")], job_type="load"),
            "t1.json": manifest(
                "t1", 10, used=[{"name": FILE, "alias": "latest"}],
                logged=[art(TABLE, content="t0", aliases=first)], job_type="transform",
            ),
            "t2.json": manifest(
                "t2", 20, used=[{"name": FILE, "alias": "latest"}],
                logged=[art(TABLE, content="t1", aliases=second)], job_type="transform",
            ),
        },
    )  # fmt: skip


def run(*argv: object) -> tuple[int, str, str]:
    """Run the command line in this process; return its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return project(tmp_path / "p", moved=False)


@pytest.mark.parametrize(
    ("written", "node"),
    [
        (TABLE, f"artifact:{TABLE}:v1"),  # the name alone: its latest
        (f"{TABLE}:v0", f"artifact:{TABLE}:v0"),
        (f"{TABLE}:production", f"artifact:{TABLE}:v0"),
        (f"artifact:{TABLE}:v0", f"artifact:{TABLE}:v0"),  # a node id
    ],
)
def test_query_takes_a_dataset_name_as_written(root, written, node) -> None:
    code, out, err = run("query", "upstream", written, root, "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out)["node"] == node


def test_query_names_the_nearest_names_on_a_miss(root) -> None:
    code, out, err = run("query", "upstream", "postgres://h:5432/db.s.tt", root)
    assert (code, out) == (1, "")
    assert err == (
        "error: no artifact version 'postgres://h:5432/db.s.tt' "
        "(did you mean 'postgres://h:5432/db.s.t'?)\n"
    )


def test_query_names_the_versions_of_a_known_name_on_a_miss(root) -> None:
    code, _, err = run("query", "upstream", f"{TABLE}:v7", root)
    assert code == 1
    assert err == (
        f"error: no artifact version '{TABLE}:v7' (did you mean '{TABLE}:v1' or '{TABLE}:v0'?)\n"
    )


def test_export_focus_takes_a_dataset_name_as_written(root) -> None:
    code, out, err = run("export", root, "--format", "json", "--focus", FILE, "--depth", "1")
    assert (code, err) == (0, "")
    graph = json.loads(out)
    assert graph["graph"]["focus"] == f"artifact:{FILE}:v0"
    assert sorted(n["id"] for n in graph["nodes"]) == [
        f"artifact:{FILE}:v0",
        "run:load",
        "run:t1",
        "run:t2",
    ]


def test_export_focus_misses_with_the_nearest_names(root) -> None:
    code, _, err = run("export", root, "--focus", "gs://bucket/f.cvs")
    assert code == 1
    assert (
        err
        == "error: no artifact version 'gs://bucket/f.cvs' (did you mean 'gs://bucket/f.csv'?)\n"
    )


@pytest.fixture
def sides(tmp_path: Path) -> tuple[Path, Path]:
    return project(tmp_path / "old", moved=False), project(tmp_path / "new", moved=True)


@pytest.mark.parametrize("watched", [TABLE, f"{TABLE}:production", "production"])
def test_diff_fail_on_takes_a_dataset_name_as_written(sides, watched) -> None:
    code, _, err = run("diff", *sides, "--fail-on", f"alias-moved:{watched}")
    assert code == 1
    assert err == f"--fail-on alias-moved:{watched}: {TABLE}:production v0 → v1\n"


def test_diff_fail_on_a_name_that_moved_nothing_holds_not(sides) -> None:
    assert run("diff", *sides, "--fail-on", f"alias-moved:{FILE}")[:3:2] == (0, "")
    assert run("diff", *sides, "--fail-on", f"alias-moved:{TABLE}:staging")[:3:2] == (0, "")


def test_diff_fail_on_a_misspelt_name_suggests_the_nearest(sides) -> None:
    code, _, err = run("diff", *sides, "--fail-on", "alias-moved:postgres://h:5432/db.s.tt")
    assert code == 0
    assert err == (
        "--fail-on alias-moved:postgres://h:5432/db.s.tt: no artifact or alias "
        f"'postgres://h:5432/db.s.tt' on either side "
        f"(did you mean '{TABLE}' or '{TABLE}:production'?)\n"
    )
