"""One channel for what the user must act on: every warning is a located, counted problem.

Run through the real command line. A misspelt setting, a README the snapshot cannot store, a
single file too big for mail and a Mermaid export too big to draw each print one
`path: location: message [kind]` line; the build's own are counted in its summary, listed
on the problems page and in lineage.json, and fail `build --strict` and `check`; those that
`snapshot` finds after the build are counted on its `Wrote` line.
"""

from __future__ import annotations

import json
import re
import shutil
from html import unescape
from pathlib import Path

import pytest

from tests.conftest import SMALL
from tests.factories import art, manifest, write_project
from tests.test_cli import SUMMARY, cli

TYPO = (
    "lineage-report.toml: /cluster_treshold: unknown key 'cluster_treshold' is ignored "
    "(did you mean 'cluster_threshold'?) [config.unknown-key]"
)
WROTE = re.compile(r"^Wrote (.+): (\d+) files?, ([\d,]+) bytes(.*)$")


def project_with_config(tmp_path: Path, extra: str) -> Path:
    """Return a copy of the small project with `extra` appended to its lineage-report.toml."""
    project = tmp_path / "project"
    shutil.copytree(SMALL, project)
    config = project / "lineage-report.toml"
    config.write_text(config.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return project


def warnings_in_summary(stdout: str) -> int:
    """Return the number of warnings the build's summary line states."""
    match = SUMMARY.match(stdout.splitlines()[0])
    assert match, stdout
    return int(match.group(6))


def problem_rows(site: Path) -> list[list[str]]:
    """Return the cells' text of each row of the site's problems table."""
    html = (site / "problems.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr class=\"(?:warning|error)\">(.*?)</tr>", html, re.S)
    cells = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in rows]
    return [[unescape(re.sub(r"<[^>]+>", "", cell)) for cell in row] for row in cells]


# --- Settings --------------------------------------------------------------------------


def test_misspelt_setting_is_a_counted_problem_that_fails_strict(tmp_path):
    """The bug of issue 16: a typo used to be a bare log line, "0 warnings", exit 0."""
    project = project_with_config(tmp_path, "cluster_treshold = 3\n")
    for strict, code in ((False, 0), (True, 1)):
        site = tmp_path / f"site-{strict}"
        proc = cli("build", project, "-o", site, *(["--strict"] if strict else []))
        assert proc.returncode == code, proc.stderr
        assert proc.stderr.splitlines()[0] == TYPO
        assert warnings_in_summary(proc.stdout) == 1
        assert problem_rows(site) == [
            [
                "warning",
                "lineage-report.toml",
                "/cluster_treshold",
                "unknown key 'cluster_treshold' is ignored (did you mean 'cluster_threshold'?)",
                "config.unknown-key",
            ]
        ]
        for page in ("index.html", "problems.html"):
            assert "0 errors, 1 warning" in (site / page).read_text(encoding="utf-8")
        problems = json.loads((site / "lineage.json").read_text(encoding="utf-8"))["problems"]
        assert problems == [
            {
                "path": "lineage-report.toml",
                "location": "/cluster_treshold",
                "message": "unknown key 'cluster_treshold' is ignored "
                "(did you mean 'cluster_threshold'?)",
                "kind": "config.unknown-key",
                "severity": "warning",
            }
        ]
    assert proc.stderr.splitlines() == [TYPO, "error: 1 problem (--strict)"]


def test_check_fails_on_a_misspelt_setting(tmp_path):
    """`check` prints the line once and exits 1, as for any problem in a manifest."""
    project = project_with_config(tmp_path, "cluster_treshold = 3\n")
    proc = cli("check", project)
    assert (proc.returncode, proc.stderr, proc.stdout) == (
        1,
        TYPO + "\n",
        "Checked 10 nodes: 1 problem\n",
    )


def test_unknown_keys_in_theme_and_sources_are_located(tmp_path):
    """A key in `[theme]` or in one `[[sources]]` entry is located by its JSON pointer."""
    extra = (
        '\n[theme]\nnmae = "default"\nlogo = "x.png"\n\n'
        '[[sources]]\npath = "runs/*.json"\n\n'
        '[[sources]]\npath = "more/*.json"\nfromat = "dbt"\n'
    )
    proc = cli("check", project_with_config(tmp_path, extra), "--format", "json")
    assert proc.returncode == 1
    assert [(p["location"], p["message"]) for p in json.loads(proc.stdout)] == [
        ("/sources/1/fromat", "unknown key 'fromat' is ignored (did you mean 'format'?)"),
        ("/theme/logo", "unknown key 'logo' is ignored"),
        ("/theme/nmae", "unknown key 'nmae' is ignored (did you mean 'name'?)"),
    ]


def test_invalid_setting_error_lists_the_misspelt_keys_too(tmp_path):
    """The run stops once, naming the invalid value and the typo that may explain it."""
    project = project_with_config(tmp_path, "cluster_threshold = 0\nmanifest = []\n")
    proc = cli("build", project, "-o", tmp_path / "site")
    assert proc.returncode == 1
    assert proc.stderr == (
        f"error: {project / 'lineage-report.toml'}: invalid settings:\n"
        "  cluster_threshold: expected a whole number of at least 1\n"
        "  /manifest: unknown key 'manifest' is ignored (did you mean 'manifests'?)\n"
    )
    assert not (tmp_path / "site").exists()


# --- After the build: snapshot, single file, export ------------------------------------


def test_snapshot_counts_a_readme_it_cannot_store(tmp_path):
    """A README whose name a zip cannot hold safely is named, and counted on the Wrote line."""
    project = project_with_config(tmp_path, "")
    config = project / "lineage-report.toml"
    text = config.read_text(encoding="utf-8").replace('"README.md"', "'notes\\README.md'")
    config.write_text(text, encoding="utf-8")
    (project / "README.md").rename(project / "notes\\README.md")
    proc = cli("snapshot", project, "-o", tmp_path / "audit.zip")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        "notes\\README.md: a zip cannot hold this name safely (backslash (a folder separator "
        "on Windows)); it is not in inputs/ [snapshot.not-stored]"
    ]
    assert warnings_in_summary(proc.stdout) == 0  # the build's own: none
    wrote = WROTE.match(proc.stdout.splitlines()[1])
    assert wrote and wrote.group(4) == ", 1 warning", proc.stdout


def test_snapshot_counts_its_name_clashes(tmp_path):
    """Names a case-insensitive file system merges: printed by the snapshot, and counted."""
    project = write_project(
        tmp_path / "p",
        {"runs/A.json": manifest("upper", 0), "runs/a.json": manifest("lower", 2)},
    )
    proc = cli("snapshot", project, "-o", tmp_path / "audit.zip")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        "runs/a.json: name clash: runs/A.json and runs/a.json differ only in case; unzipped on "
        "a case-insensitive file system (Windows, macOS), one replaces the other "
        "[snapshot.name-clash]"
    ]
    assert WROTE.match(proc.stdout.splitlines()[1]).group(4) == ", 1 warning"


def test_clean_snapshot_says_nothing_more(tmp_path):
    """No problem of its own: the Wrote line is as before, nothing on stderr."""
    proc = cli("snapshot", SMALL, "-o", tmp_path / "audit.zip")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert WROTE.match(proc.stdout.splitlines()[1]).group(4) == ""


def test_single_file_too_big_for_mail_is_a_counted_problem(tmp_path):
    """Over 20 MB (a README of 21 MB of code here), the single file warns and counts it."""
    project = write_project(tmp_path / "p", {"runs/a.json": manifest("a", logged=[art("d")])})
    line = "lorem ipsum dolor sit amet " * 3 + "\n"
    code = line * (21_000_000 // len(line))  # one code block: quick to render
    (project / "README.md").write_text(f"```\n{code}```\n", encoding="utf-8")
    out = tmp_path / "report.html"
    proc = cli("snapshot", project, "--single-file", "-o", out)
    assert proc.returncode == 0, proc.stderr
    size = out.stat().st_size
    assert proc.stderr.splitlines() == [
        f"{out}: {size / 1e6:.0f} MB, too big for most mail (over 20 MB); send the zip "
        "[snapshot.too-big-for-mail]"
    ]
    assert proc.stdout.splitlines()[1] == f"Wrote {out}: 1 file, {size:,} bytes, 1 warning"


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a project whose one run logs 501 artifacts: 501 edges."""
    logged = [art(f"d{i:03}") for i in range(501)]
    root = tmp_path_factory.mktemp("wide") / "p"
    return write_project(root, {"runs/a.json": manifest("a", logged=logged)})


def test_mermaid_export_too_big_to_draw_is_a_located_problem(wide, tmp_path):
    """Named by the output it concerns: the file given with -o, else <stdout>."""
    message = (
        ": 501 edges: Mermaid draws at most 500 by default (maxEdges); export a part with "
        "--focus [export.too-many-edges]"
    )
    out = tmp_path / "graph.mmd"
    proc = cli("export", wide, "-o", out)
    assert (proc.returncode, proc.stderr) == (0, f"{out}{message}\n")
    assert out.read_text(encoding="utf-8").startswith("flowchart LR")
    proc = cli("export", wide)
    assert (proc.returncode, proc.stderr) == (0, f"<stdout>{message}\n")
    assert proc.stdout == out.read_text(encoding="utf-8")


def test_other_formats_and_focused_exports_do_not_warn(wide):
    """DOT draws any size; a focused Mermaid export of 1 edge is fine."""
    for args in (("--format", "dot"), ("--focus", "d000:v0")):
        proc = cli("export", wide, *args)
        assert (proc.returncode, proc.stderr) == (0, ""), args
