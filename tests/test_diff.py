"""`lineage-report diff`: two real projects that differ the way a pull request does.

OLD and NEW differ by an added run (`deploy`), a removed run and the version it logged
(`summarize`, `report:v0`), a moved `production` alias (v0 → v1), a changed config
(`train2`'s learning rate) and a new problem (a manifest that is not JSON). Each kind of
side is made for real: the project folders, sites built from them, snapshot zips and bare
lineage.json files. Reports are checked line by line, the JSON against the schema in
docs/diff.md, exit codes through the command line (a subprocess where a traceback could
show), and hostile names in the Markdown and the changes page.
"""

from __future__ import annotations

import contextlib
import html.parser
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import jsonschema
import pytest

from lineage_report import cli, diff
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.graphview import read_page_data
from lineage_report.snapshot import make_snapshot
from tests.conftest import ROOT
from tests.factories import art, manifest, write_project
from tests.linkcheck import check_site
from tests.test_cli import cli as run_cli
from tests.test_csp import inline, site_policy

HOSTILE = "<img src=x onerror=alert(1)> @everyone | `x` [a](javascript:alert(2))"
SUMMARY_TABLE = [
    "| | added | removed | changed |",
    "|---|---:|---:|---:|",
    "| runs | 1 | 1 | 1 |",
    "| artifact versions | 0 | 1 | 0 |",
    "| external inputs | 0 | 0 | 0 |",
    "| aliases | 0 | 0 | 1 |",
    "| edges | 1 | 2 | – |",
    "| problems | 1 new | 0 resolved | – |",
]


def old_manifests() -> dict:
    """Return the manifests of OLD: data prep, two trainings, a summary, an evaluation."""
    model = art("model", "model", content="m0", aliases=["production"])
    return {
        "runs/prep.json": manifest(
            "prep", 0, logged=[art("corpus", content="c0")], job_type="prep"
        ),
        "runs/train1.json": manifest(
            "train1", 10, used=["corpus:v0"], logged=[model], config={"lr": 0.001}
        ),
        "runs/train2.json": manifest(
            "train2",
            20,
            used=["corpus:v0"],
            logged=[art("model", "model", content="m1")],
            config={"lr": 0.01},
        ),  # fmt: skip
        "runs/summarize.json": manifest(
            "summarize",
            30,
            used=["model:v1"],
            logged=[art("report", "report", content="r0")],
            job_type="report",
        ),  # fmt: skip
        "runs/eval.json": manifest("eval", 40, used=["model:production"], job_type="eval"),
    }


def new_manifests() -> dict:
    """Return NEW: summarize gone, train2's lr changed, a deploy moving production, a bad file."""
    manifests = old_manifests()
    del manifests["runs/summarize.json"]
    manifests["runs/train2.json"]["run"]["config"] = {"lr": 0.02}
    production = art("model", "model", content="m1", aliases=["production"])
    manifests["runs/deploy.json"] = manifest(
        "deploy", 50, used=["model:v1"], logged=[production], job_type="deploy"
    )
    manifests["runs/bad.json"] = "{not json"
    return manifests


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Return OLD and NEW as each kind of side: folders, sites, zips, lineage.json files."""
    root = tmp_path_factory.mktemp("diff")
    made = {"project": (write_project(root / "old", old_manifests()),)}
    made["project"] += (write_project(root / "new", new_manifests()),)
    made["site"], made["snapshot"], made["lineage.json"] = (), (), ()
    for project in made["project"]:
        config = load_config(project)
        site = build(config, root / f"{project.name}-site").output
        made["site"] += (site,)
        made["snapshot"] += (make_snapshot(config, root / f"{project.name}.zip").path,)
        made["lineage.json"] += (shutil.copy(site / "lineage.json", root / f"{project.name}.json"),)
    return {kind: (Path(a), Path(b)) for kind, (a, b) in made.items()}


def run(*argv: object) -> tuple[int, str, str]:
    """Run the command line in this process; return its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def report(old: Path, new: Path, *options: object) -> dict:
    """Return the JSON report of a diff."""
    code, out, _ = run("diff", old, new, "--format", "json", *options)
    assert code == 0
    return json.loads(out)


def docs_json_blocks() -> list[dict]:
    """Return the JSON blocks of docs/diff.md: the schema, then the example."""
    text = (ROOT / "docs" / "diff.md").read_text(encoding="utf-8")
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, re.S)]


# ---------------------------------------------------------------- Markdown


def test_markdown_summary_of_two_projects(sides):
    old, new = sides["project"]
    code, out, err = run("diff", old, new)
    assert code == 0
    assert err == ""  # the sides' problems are not logged: the report lists the new ones
    lines = out.splitlines()
    assert lines[:4] == [
        "<!-- lineage-report diff -->",
        "## Lineage diff",
        "",
        f"{old} (project) → {new} (project)",
    ]
    assert lines[5:13] == SUMMARY_TABLE
    assert "Downstream of these changes: **2 nodes** of the new lineage." in lines
    assert "- model **production**: v0 → v1 — 1 node downstream: deploy" in lines
    assert "- train2: config.lr: 0.01 → 0.02 — 2 nodes downstream: model:v1, deploy" in lines
    assert "- deploy — nothing downstream" in lines
    assert "- report:v0 — nothing downstream" in lines
    assert "- model:v1 → summarize" in lines
    assert lines.count("<details><summary>Runs removed (1)</summary>") == 1
    assert (
        "- runs/bad.json: line 1 column 2: invalid JSON: JSON is malformed: object keys must "
        "be strings \\[manifest.invalid-json\\]"
    ) in lines
    assert out.count("<details>") == out.count("</details>") == 7


def test_identical_sides_say_so(sides):
    old, _ = sides["project"]
    code, out, _ = run("diff", old, sides["site"][0])
    assert code == 0
    assert "No changes to the lineage." in out.splitlines()
    assert "<details>" not in out
    assert report(old, sides["snapshot"][0])["summary"] == {
        "runs": {"added": 0, "removed": 0, "changed": 0},
        "versions": {"added": 0, "removed": 0, "changed": 0},
        "externals": {"added": 0, "removed": 0, "changed": 0},
        "aliases": {"added": 0, "removed": 0, "moved": 0},
        "edges": {"added": 0, "removed": 0},
        "problems": {"new": 0, "resolved": 0},
        "impacted": 0,
    }


# ---------------------------------------------------------------- JSON


def test_json_document(sides):
    old, new = sides["project"]
    code, out, _ = run("diff", old, new, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert out == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert doc["format"] == "lineage-report-diff" and doc["version"] == 1
    assert doc["summary"] == {
        "runs": {"added": 1, "removed": 1, "changed": 1},
        "versions": {"added": 0, "removed": 1, "changed": 0},
        "externals": {"added": 0, "removed": 0, "changed": 0},
        "aliases": {"added": 0, "removed": 0, "moved": 1},
        "edges": {"added": 1, "removed": 2},
        "problems": {"new": 1, "resolved": 0},
        "impacted": 2,
    }
    assert doc["aliases"] == [
        {
            "artifact": "model",
            "alias": "production",
            "change": "moved",
            "from": {"id": "artifact:model:v0", "version": 0},
            "to": {"id": "artifact:model:v1", "version": 1},
            "impact": {"count": 1, "first": ["run:deploy"]},
        }
    ]
    assert doc["runs"]["changed"] == [
        {
            "id": "run:train2",
            "kind": "run",
            "label": "train2",
            "fields": [{"path": "config.lr", "change": "changed", "old": 0.01, "new": 0.02}],
            "impact": {"count": 2, "first": ["artifact:model:v1", "run:deploy"]},
        }
    ]
    assert [n["id"] for n in doc["runs"]["added"]] == ["run:deploy"]
    assert [n["id"] for n in doc["runs"]["removed"]] == ["run:summarize"]
    assert [n["id"] for n in doc["versions"]["removed"]] == ["artifact:report:v0"]
    assert doc["edges"] == {
        "added": [{"source": "artifact:model:v1", "target": "run:deploy"}],
        "removed": [
            {"source": "artifact:model:v1", "target": "run:summarize"},
            {"source": "run:summarize", "target": "artifact:report:v0"},
        ],
    }
    assert doc["problems"] == {
        "new": [
            {
                "path": "runs/bad.json",
                "location": "line 1 column 2",
                "message": "invalid JSON: JSON is malformed: object keys must be strings",
                "kind": "manifest.invalid-json",
                "severity": "error",
            }
        ],
        "resolved": [],
    }


def test_json_follows_the_documented_schema(sides):
    schema, example = docs_json_blocks()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(report(*sides["project"]), schema)
    jsonschema.validate(report(*reversed(sides["snapshot"])), schema)
    jsonschema.validate(example, schema)


def test_documented_example_is_this_diff(sides):
    _, example = docs_json_blocks()
    doc = report(*sides["project"])
    for key in ("aliases", "edges", "externals", "problems", "runs", "summary", "versions"):
        assert doc[key] == example[key], key


# ---------------------------------------------------------------- input kinds


@pytest.mark.parametrize("kind", ["site", "snapshot", "lineage.json"])
def test_every_kind_of_side_gives_the_same_diff(sides, kind):
    expected = report(*sides["project"])
    doc = report(*sides[kind])
    assert doc["old"]["kind"] == doc["new"]["kind"] == kind
    for key in ("aliases", "edges", "externals", "problems", "runs", "summary", "versions"):
        assert doc[key] == expected[key], key


def test_sides_of_different_kinds_mix(sides):
    doc = report(sides["lineage.json"][0], sides["project"][1])
    assert (doc["old"]["kind"], doc["new"]["kind"]) == ("lineage.json", "project")
    assert doc["summary"] == report(*sides["project"])["summary"]


def test_unzipped_snapshot_is_a_side(sides, tmp_path):
    with zipfile.ZipFile(sides["snapshot"][1]) as archive:
        archive.extractall(tmp_path / "unzipped")
    doc = report(sides["snapshot"][0], tmp_path / "unzipped")
    assert doc["new"]["kind"] == "snapshot"
    assert doc["summary"] == report(*sides["project"])["summary"]


# ---------------------------------------------------------------- exit codes and errors


def test_fail_on_conditions(sides):
    old, new = sides["lineage.json"]
    cases = {
        "removed": "--fail-on removed: 1 run, 1 version removed",
        "added": "--fail-on added: 1 run added",
        "alias-moved": "--fail-on alias-moved: model:production v0 → v1",
        "alias-moved:production": "--fail-on alias-moved:production: model:production v0 → v1",
        "new-problems": "--fail-on new-problems: 1 new problem",
    }
    for condition, line in cases.items():
        code, out, err = run("diff", old, new, "--fail-on", condition)
        assert (code, err) == (1, line + "\n"), condition
        assert out.startswith(
            "<!-- lineage-report diff -->\n## Lineage diff\n"
        )  # printed all the same
    assert run("diff", old, new, "--fail-on", "alias-moved:staging")[0] == 0
    assert run("diff", old, old, "--fail-on", ",".join(cases))[0] == 0
    code, _, err = run("diff", old, new, "--fail-on", "alias-moved:staging,new-problems,removed")
    assert code == 1
    assert err.splitlines() == [cases["new-problems"], cases["removed"]]


def test_fail_on_through_the_real_command_line(sides):
    old, new = sides["project"]
    done = run_cli("diff", old, new, "--format", "json", "--fail-on", "alias-moved:production")
    assert done.returncode == 1
    assert done.stderr == "--fail-on alias-moved:production: model:production v0 → v1\n"
    assert json.loads(done.stdout)["summary"]["aliases"]["moved"] == 1
    assert run_cli("diff", old, new).returncode == 0


def test_unknown_condition_is_a_usage_error(sides):
    done = run_cli("diff", *sides["lineage.json"], "--fail-on", "removed,everything")
    assert done.returncode == 2
    assert "argument --fail-on: unknown condition 'everything'" in done.stderr


def bad_inputs(tmp_path: Path, sides) -> dict[str, tuple[Path, str]]:
    """Return sides that are no lineage, each with the error line it must give."""
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(sides["snapshot"][0].read_bytes()[:300])
    empty_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("notes.txt", "hello")
    text = tmp_path / "notes.txt"
    text.write_text("not json at all")
    nodes = tmp_path / "nodes.json"
    nodes.write_text(json.dumps({"nodes": [{"label": "no id"}], "edges": []}))
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>hi</p>")
    missing = tmp_path / "missing"
    return {
        "missing": (missing, f"error: {missing}: no such file or folder"),
        "corrupt zip": (
            corrupt, f"error: {corrupt}: not a readable zip file (corrupt or cut short)"
        ),
        "zip without a site": (
            empty_zip, f"error: {empty_zip}: not a snapshot: it holds no site/lineage.json"
        ),
        "text": (
            text,
            f"error: {text}: not a lineage.json (JSON is malformed: invalid character "
            "(byte 4))",
        ),
        "nodes without ids": (
            nodes, f"error: {nodes}: not a lineage.json (nodes[0] has no id or kind)"
        ),
        "site without lineage.json": (site, f"error: {site}: a built site without lineage.json"),
    }  # fmt: skip


def test_bad_input_is_one_error_line(sides, tmp_path):
    good = sides["lineage.json"][0]
    for name, (path, line) in bad_inputs(tmp_path, sides).items():
        code, out, err = run("diff", good, path)
        assert (code, out, err) == (1, "", line + "\n"), name


def test_bad_input_shows_no_traceback(sides, tmp_path):
    corrupt, line = bad_inputs(tmp_path, sides)["corrupt zip"]
    done = run_cli("diff", corrupt, sides["project"][1])
    assert (done.returncode, done.stdout, done.stderr) == (1, "", line + "\n")


# ---------------------------------------------------------------- size and escaping


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Return OLD (one run) and NEW (with 300 more runs, long names) as lineage.json files."""
    root = tmp_path_factory.mktemp("crowded")
    base = {"runs/prep.json": manifest("prep", 0, logged=[art("corpus")])}
    many = dict(base)
    for i in range(300):
        name = f"run-{i:03d}-" + "<long&name>" * 10
        many[f"runs/r{i}.json"] = manifest(
            f"r{i:03d}", 5, used=["corpus:v0"], logged=[art(f"out-{i}", content=str(i))], name=name
        )
    sides = []
    for label, manifests in (("old", base), ("new", many)):
        project = write_project(root / label, manifests)
        site = build(load_config(project), root / f"{label}-site").output
        sides.append(site / "lineage.json")
    return sides[0], sides[1]


def test_markdown_is_cut_to_a_comment_with_a_count(crowded):
    url = "https://ci.example/runs/1 (artifacts)"
    code, out, _ = run("diff", *crowded, "--report-url", url)
    assert code == 0
    assert len(out.encode("utf-16-le")) // 2 <= 65_536
    summary = report(*crowded)["summary"]
    assert summary["runs"]["added"] == 300 and summary["versions"]["added"] == 300
    total = 300 + 300 + 600  # runs, versions and edges added: one line each
    shown = sum(1 for line in out.splitlines() if line.startswith("- "))
    left_out = total - shown
    assert 0 < shown < total
    assert out.endswith(
        f"\n**{left_out:,} more lines left out** to stay under GitHub's 65,536-character "
        "limit: see [the full report](https://ci.example/runs/1%20%28artifacts%29).\n"
    )
    assert out.count("<details>") == out.count("</details>")
    assert "| runs | 300 | 0 | 0 |" in out.splitlines()  # the summary is never cut


def test_cut_markdown_without_url_points_at_the_json(crowded):
    out = run("diff", *crowded)[1]
    assert out.splitlines()[-1].endswith(
        "see `lineage-report diff --format json` (the full report)."
    )


def test_report_url_must_be_http(crowded):
    done = run_cli("diff", *crowded, "--report-url", "javascript:alert(1)")
    assert done.returncode == 2
    assert "expected an http(s) URL" in done.stderr


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Return two projects whose new run, artifact, job type and alias are hostile names."""
    root = tmp_path_factory.mktemp("hostile")
    base = {"runs/prep.json": manifest("prep", 0, logged=[art("corpus")])}
    changed = dict(base)
    logged = art(HOSTILE, HOSTILE, content="h", aliases=["@everyone"])
    changed["runs/evil.json"] = manifest(
        "evil", 5, used=["corpus:v0"], logged=[logged], name=HOSTILE, job_type=HOSTILE
    )
    return write_project(root / "old", base), write_project(root / "new", changed)


def test_hostile_names_are_inert_in_markdown(hostile):
    code, out, _ = run("diff", *hostile)
    assert code == 0
    assert "<img" not in out and "@everyone" not in out
    escaped = (
        "&#60;img src=x onerror=alert(1)&#62; @&#8203;everyone &#124; &#96;x&#96; "
        "&#91;a&#93;(javascript:alert(2))"  # no `[`: the parentheses are text, not a link
    )
    assert f"- {escaped} (evil) — 1 node downstream: {escaped}:v0" in out.splitlines()
    assert f"- {escaped} **@&#8203;everyone**: (none) → v0 — nothing downstream" in out
    for line in out.splitlines():
        if line.startswith("|"):
            assert line.count("|") == 5  # no name opens a table cell
    ours = ("<!--", "<details>", "</details>", "<summary>", "</summary>")
    assert out.count("<") == sum(out.count(tag) for tag in ours)


class Tags(html.parser.HTMLParser):
    """Collects every start tag and attribute name of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)

    def handle_data(self, data):
        self.text.append(data)


def test_hostile_names_are_text_on_the_changes_page(hostile, tmp_path):
    code, _, err = run("diff", *hostile, "--html", tmp_path / "changes")
    assert code == 0
    assert err == f"Wrote {tmp_path / 'changes' / 'index.html'}\n"
    page = (tmp_path / "changes" / "index.html").read_text(encoding="utf-8")
    tags = Tags()
    tags.feed(page)
    assert "img" not in tags.tags and "onerror" not in tags.attributes
    assert HOSTILE in "".join(tags.text)  # shown as text, whole
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page  # the graph's data, escaped


# ---------------------------------------------------------------- the changes page


def test_changes_page_is_a_standalone_folder(sides, tmp_path):
    folder = tmp_path / "changes"
    assert run("diff", *sides["lineage.json"], "--html", folder)[0] == 0
    assert check_site(folder) == []  # every link and asset inside the folder
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page
    marks = re.search(r'id="lineage-diff-marks">(.*?)</script>', page).group(1)
    assert json.loads(marks)["nodes"] == {
        "added": ["run:deploy"],
        "removed": ["artifact:report:v0", "run:summarize"],
        "changed": ["artifact:model:v0", "artifact:model:v1", "run:train2"],
    }
    assert json.loads(marks)["edges"]["removed"] == [
        ["artifact:model:v1", "run:summarize"],
        ["run:summarize", "artifact:report:v0"],
    ]
    graph = read_page_data(re.search(r'id="lineage-graph-data">(.*?)</script>', page).group(1))
    drawn = {entry["id"] for entry in graph["nodes"]}
    assert {"run:summarize", "artifact:report:v0", "run:deploy"} <= drawn  # ghosts drawn too
    assert "<h2>Aliases moved (1)</h2>" in page
    assert "model:production v0 → v1" in page


def test_changes_page_carries_the_site_policy_and_nothing_it_blocks(sides, tmp_path):
    run("diff", *sides["lineage.json"], "--html", tmp_path / "changes")
    found = inline(tmp_path / "changes" / "index.html")
    assert found.policies == [site_policy()]
    assert found.head[:2] == ["meta:charset", "meta:Content-Security-Policy"]
    assert found.scripts == [
        f"assets/{p.name}"
        for pattern in ("lineage-graph.*.js", "diff-graph.*.js")  # vis-network in the first
        for p in (tmp_path / "changes" / "assets").glob(pattern)
    ]
    assert (found.styles, found.handlers, found.style_attrs) == ([], [], set())


def test_changes_page_rewrites_its_own_folder_only(sides, tmp_path):
    folder = tmp_path / "changes"
    run("diff", *sides["lineage.json"], "--html", folder)
    first = sorted(p.name for p in folder.rglob("*"))
    assert run("diff", *sides["lineage.json"], "--html", folder)[0] == 0  # ours: replaced
    assert sorted(p.name for p in folder.rglob("*")) == first
    (folder / "notes.txt").write_text("mine")
    code, _, err = run("diff", *sides["lineage.json"], "--html", folder)
    assert (code, err) == (
        1,
        f"error: --html {folder}: holds files lineage-report did not write (notes.txt); "
        "give an empty or new folder\n",
    )
    code, _, err = run("diff", *sides["lineage.json"], "--html", sides["site"][0])
    assert code == 1 and err.startswith(f"error: --html {sides['site'][0]}: a built site;")


def test_changes_page_is_published_with_a_site_that_keeps_it(sides, tmp_path):
    project = shutil.copytree(sides["project"][1], tmp_path / "project")
    (project / "lineage-report.toml").write_text('keep_files = ["changes"]\n')
    site = build(load_config(project), tmp_path / "site").output
    assert run("diff", sides["lineage.json"][0], project, "--html", site / "changes")[0] == 0
    page = (site / "changes" / "index.html").read_bytes()
    (project / "runs" / "bad.json").unlink()  # a change: the next build writes the site again
    build(load_config(project), site)
    assert (site / "changes" / "index.html").read_bytes() == page
    assert check_site(site) == []


# ---------------------------------------------------------------- parts


def test_problem_identity_leaves_out_volatile_parts():
    first = {
        "path": "runs/a.json",
        "location": "/logged_artifacts/0/version",
        "message": "'m:v3' is claimed here with digest sha256:"
        + "a" * 64
        + " at 2026-01-01T10:00:00Z",
        "kind": "graph.conflicting-producer",
    }
    moved = dict(first, location="/logged_artifacts/4/version")
    moved["message"] = (
        "'m:v4' is claimed here with digest sha256:" + "b" * 64 + " at 2026-01-02T11:00:00Z"
    )
    assert diff.problem_key(first, "") == diff.problem_key(moved, "")
    other = dict(first, message="'n:v3' is claimed here")
    assert diff.problem_key(first, "") != diff.problem_key(other, "")


def test_nested_fields_are_compared_by_path():
    old = {"config": {"opt": {"lr": 1, "beta": 2}, "seed": 1}, "source": "a.json", "tags": [1]}
    new = {"config": {"opt": {"lr": 1}, "seed": 1, "epochs": 3}, "source": "b.json", "tags": [2]}
    assert diff.field_changes(old, new) == (
        diff.FieldChange("config.epochs", "added", None, 3),
        diff.FieldChange("config.opt.beta", "removed", 2, None),
        diff.FieldChange("tags", "changed", [1], [2]),
    )


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--fail-on", "bogus", "unknown condition 'bogus' (use "),
        ("--fail-on", ",", "expected at least one condition"),
        ("--report-url", "ftp://x", "expected an http(s) URL, got 'ftp://x'"),
    ],
)
def test_a_bad_diff_option_says_why(tmp_path, flag, value, message) -> None:
    """The library's parsers raise ValueError; the command prints their message, exit 2."""
    proc = run_cli("diff", str(tmp_path), str(tmp_path), flag, value)
    assert proc.returncode == 2
    assert f"argument {flag}: {message}" in proc.stderr
