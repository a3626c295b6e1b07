"""The command line, run for real: `python -m lineage_report ...` in a subprocess.

Checks what a person sees: the summary line and the path to open, problems on stderr as
`path: location: message [kind]`, exit codes with and without --strict, `check` writing
nothing, user errors as `error: ...` without a traceback, and a foreign folder left alone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import lineage_report
from lineage_report import naming
from tests.conftest import ROOT, SAMPLE, SMALL
from tests.factories import manifest

SUMMARY = re.compile(
    r"^Built (\d+) runs?, (\d+) artifacts?, (\d+) versions?, (\d+) external inputs?, "
    r"(\d+) errors?, (\d+) warnings?, "
    r"(\d+) pages? in \d+\.\d\ds$"
)
BAD_MANIFEST = {
    "manifest_version": 1,
    "run": {"id": "bad1", "name": "broken-run", "started_at": "2026-01-10T09:00:00Z"},
    "logged_artifacts": [
        {"name": "corpus-extra", "type": "dataset"},  # no digest, no files
        {"name": "notes", "type": "report", "digest": "sha256:" + "ab" * 32},
    ],
}
BAD_PROBLEM = (
    "runs/bad.json: /logged_artifacts/0: artifact 'corpus-extra' has no digest and no files "
    "[manifest.no-digest]"
)


def cli(
    *args: object, cwd: Path | None = None, env: dict | None = None, text: bool = True, **popen
) -> subprocess.CompletedProcess:
    """Run the command line in a fresh interpreter; return its exit code and output.

    `env` adds variables to this process's own; `text=False` keeps the output as bytes;
    anything else goes to `subprocess.run` (a timeout, a `preexec_fn`).
    """
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    popen.setdefault("timeout", 120)
    return subprocess.run(
        [sys.executable, "-m", "lineage_report", *map(str, args)],
        capture_output=True,
        text=text,
        cwd=cwd or ROOT,
        env=environ,
        **popen,
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file under a folder with its bytes (to prove nothing was written)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def broken_project(tmp_path: Path) -> Path:
    """The small project plus one manifest whose first logged artifact has no digest."""
    project = tmp_path / "broken"
    shutil.copytree(SMALL, project)
    (project / "runs" / "bad.json").write_text(json.dumps(BAD_MANIFEST, indent=2))
    return project


def test_build_prints_summary_and_path_to_open(tmp_path: Path) -> None:
    """A clean build: summary line with the counts, then the page to open; exit 0 in --strict."""
    out = tmp_path / "site"
    proc = cli("build", SMALL, "-o", out, "--strict")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 3, proc.stdout
    assert re.fullmatch(
        r"Stages: collect \d+\.\d\ds, graph \d+\.\d\ds, views \d+\.\d\ds, "
        r"render \d+\.\d\ds, write \d+\.\d\ds",
        lines[1],
    ), lines[1]
    match = SUMMARY.match(lines[0])
    assert match, lines[0]
    runs, names, versions, external, errors, warnings, pages = map(int, match.groups())
    assert (runs, names, versions, external, errors, warnings) == (5, 2, 4, 1, 0, 0)
    html = {p for p in out.rglob("*.html")}
    assert pages == len(html)
    assert lines[2] == f"Open {out.resolve() / 'index.html'}"
    assert (out / "index.html").is_file()
    assert proc.stderr == ""


def test_problems_print_on_stderr_and_strict_decides_the_exit_code(
    broken_project: Path, tmp_path: Path
) -> None:
    """A broken manifest: the problem line on stderr, the site written, exit 0 or 1 (--strict)."""
    for strict, code in ((False, 0), (True, 1)):
        out = tmp_path / f"site-{strict}"
        proc = cli("build", broken_project, "-o", out, *(["--strict"] if strict else []))
        assert proc.returncode == code, proc.stderr
        assert BAD_PROBLEM in proc.stderr.splitlines()
        assert "Traceback" not in proc.stderr
        assert SUMMARY.match(proc.stdout.splitlines()[0]).group(5) == "1"  # one error
        assert (out / "index.html").is_file()
        assert (
            "artifact &#39;corpus-extra&#39; has no digest" in (out / "problems.html").read_text()
        )
    assert proc.stderr.splitlines()[-1] == "error: 1 problem (--strict)"


def test_a_bad_entry_skips_its_manifest_whole(broken_project: Path) -> None:
    """A logged artifact with neither digest nor files is an error, and its manifest is skipped.

    Issue 4 lists "a logged artifact without digest or files" among the cases that are
    "skipped whole (never half-ingested)": the run does not appear with half its outputs,
    and every other manifest is unaffected.
    """
    lineage = lineage_report.load(broken_project)
    assert [str(p) for p in lineage.problems] == [BAD_PROBLEM]
    assert "run:bad1" not in lineage.graph
    assert "artifact:notes:v0" not in lineage.graph
    assert len(list(lineage.runs())) > 0  # the good manifests beside it still count


def test_check_exit_codes_and_writes_nothing(broken_project: Path, tmp_path: Path) -> None:
    """`check` exits 0 on the sample and 1 on a broken project, and writes no file."""
    before = snapshot(broken_project)
    proc = cli("check", broken_project, cwd=tmp_path)
    assert proc.returncode == 1
    assert BAD_PROBLEM in proc.stderr.splitlines()
    assert snapshot(broken_project) == before
    assert list(tmp_path.iterdir()) == [broken_project]
    sample_before = snapshot(SAMPLE)
    ok = cli("check", SAMPLE, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert ok.stderr == ""
    assert re.fullmatch(r"Checked 64 nodes: 0 problems\n", ok.stdout)
    assert snapshot(SAMPLE) == sample_before


def test_check_json_lists_the_problems(broken_project: Path) -> None:
    """`check --format json` prints the problems as a JSON list on stdout."""
    proc = cli("check", broken_project, "--format", "json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == [
        {
            "path": "runs/bad.json",
            "location": "/logged_artifacts/0",
            "message": "artifact 'corpus-extra' has no digest and no files",
            "kind": "manifest.no-digest",
            "severity": "error",
        }
    ]
    clean = cli("check", SMALL, "--format", "json")
    assert (clean.returncode, json.loads(clean.stdout)) == (0, [])


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("cluster_threshold = 0\n", "cluster_threshold: expected a whole number of at least 1"),
        ('title = "unclosed\n', "lineage-report.toml: "),
    ],
    ids=["invalid-value", "invalid-toml"],
)
def test_bad_config_is_an_error_without_traceback(tmp_path: Path, toml: str, message: str) -> None:
    """A config the tool cannot use: `error: ...` naming the problem, exit 1, nothing written."""
    project = tmp_path / "project"
    shutil.copytree(SMALL, project)
    (project / "lineage-report.toml").write_text(toml)
    for command in ("build", "check"):
        proc = cli(command, project, cwd=tmp_path)
        assert proc.returncode == 1, proc.stdout
        assert proc.stderr.startswith("error: "), proc.stderr
        assert message in proc.stderr
        assert "Traceback" not in proc.stderr
        assert proc.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]
    assert not (project / "site").exists()


def test_refuses_to_build_into_a_foreign_folder(tmp_path: Path) -> None:
    """A non-empty folder that is not a lineage-report site is left exactly as it was."""
    out = tmp_path / "docs"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    (out / "sub").mkdir()
    (out / "sub" / "index.html").write_text("<p>someone's page</p>")
    before = snapshot(out)
    proc = cli("build", SMALL, "-o", out)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ")
    assert "not a lineage-report site" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs"]  # no staging folder left


def test_rebuilds_over_its_own_site_and_into_an_empty_folder(tmp_path: Path) -> None:
    """An existing site (or an empty folder) is a fine output; stale pages do not survive."""
    project = tmp_path / "project"
    shutil.copytree(SMALL, project)
    extra = project / "runs" / "zz-extra.json"
    extra.write_text(json.dumps(manifest("gone-soon", 7)))
    out = tmp_path / "site"
    out.mkdir()
    assert cli("build", project, "-o", out, "-q").returncode == 0
    stale = out / naming.node_path("run:gone-soon")
    assert stale.is_file()
    extra.unlink()
    proc = cli("build", project, "-o", out, "-q")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project", "site"]


def test_version() -> None:
    """`--version` prints the package's version."""
    proc = cli("--version")
    assert proc.returncode == 0
    assert proc.stdout == f"lineage-report {lineage_report.__version__}\n"
