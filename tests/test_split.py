"""`build --split-by project`: one whole site per project beside a hub page, and the 1 GB warning.

The project: `alpha` makes `raw` and `clean`; `beta` trains on `clean` (and on `imagenet`,
which no run logged) and evaluates the model; one run has no project and reads the model.
What a reader meets: the hub lists the parts, each part is a whole site listing its own
runs and versions, a neighbour from another part is shown and linked in its own part, no
link anywhere is broken, the same inputs give the same bytes, and a site (or a part) over
`site_limit_mb` is named in a warning with its size and what to do.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lineage_report import graphview, naming, render
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.errors import ConfigError
from lineage_report.inputfiles import megabytes_over
from tests.conftest import ROOT
from tests.factories import art, manifest, write_project
from tests.linkcheck import check_site
from tests.test_compiled_templates import compiled_names

ALPHA, BETA = naming.part_folder("alpha"), naming.part_folder("beta")
NONE = naming.NO_PROJECT_FOLDER
PART_FILES = [
    "index.html",
    "runs/index.html",
    "artifacts/index.html",
    "graph.html",
    "problems.html",
    "404.html",
    "lineage.json",
    ".nojekyll",
    naming.SEARCH_INDEX,
]


def two_projects(root: Path, config: str = "") -> Path:
    """Write the project of two projects sharing a dataset, plus a run with no project."""
    return write_project(
        root,
        {
            "a1.json": manifest("a1", 1, logged=[art("raw")], project="alpha", job_type="ingest"),
            "a2.json": manifest(
                "a2", 3, used=["raw:v0"], logged=[art("clean")], project="alpha", job_type="prep"
            ),
            "b1.json": manifest(
                "b1",
                5,
                used=["clean:v0", "imagenet:v2"],
                logged=[art("model", "model")],
                project="beta",
            ),
            "b2.json": manifest(
                "b2",
                7,
                used=["model:v0"],
                logged=[art("report", "report")],
                project="beta",
                job_type="eval",
            ),
            "c1.json": manifest("c1", 9, used=["model:v0"]),
        },
        config,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the project folder (tests must not change it)."""
    return two_projects(tmp_path_factory.mktemp("split") / "project")


@pytest.fixture(scope="module")
def site(project: Path) -> Path:
    """Build the project split by project, once."""
    out = project.parent / "site"
    build(load_config(project, split_by="project"), out)
    return out


def page(site: Path, part: str, node: str) -> Path:
    """Return the file of a node's page in one part."""
    return site / part / naming.node_path(node)


def hub_rows(site: Path) -> list[list[str]]:
    """Return the hub table's rows as the cells' text, links as `text -> href`."""
    html = (site / "index.html").read_text()
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", html)
    cells = [r.split("</td><td>") for r in rows]
    link = re.compile(r'<a href="([^"]*)">([^<]*)</a>')
    return [[link.sub(r"\2 -> \1", c) for c in row] for row in cells]


# ---------------------------------------------------------------- the parts and the hub


def test_the_hub_lists_every_part_with_its_counts_and_a_link(site: Path):
    rows = hub_rows(site)
    assert [r[:3] for r in rows] == [
        [f"alpha -> {ALPHA}/index.html", "2", "2"],
        [f"beta -> {BETA}/index.html", "2", "2"],
        [f"(no project) -> {NONE}/index.html", "1", "0"],
    ]
    pages = [str(sum(1 for _ in (site / p).rglob("*.html"))) for p in (ALPHA, BETA, NONE)]
    assert [r[3] for r in rows] == pages
    assert all(re.fullmatch(r"\d+\.\d (KB|MB)", r[4]) for r in rows)
    assert (site / ".nojekyll").read_bytes() == b""


def test_each_part_is_a_whole_site(site: Path):
    for part in (ALPHA, BETA, NONE):
        missing = [f for f in PART_FILES if not (site / part / f).is_file()]
        assert missing == [], part


def test_a_node_has_its_page_in_its_own_part_only(site: Path):
    # A run in its project; a version with its producer; an external input with its first
    # consumer (b1, in beta); the run without a project in a part of its own.
    where = {
        "run:a1": ALPHA,
        "artifact:clean:v0": ALPHA,
        "run:b1": BETA,
        "artifact:model:v0": BETA,
        "artifact:imagenet:v2": BETA,
        "run:c1": NONE,
    }
    for node, part in where.items():
        homes = [p for p in (ALPHA, BETA, NONE) if page(site, p, node).is_file()]
        assert homes == [part], node


def test_a_part_lists_its_own_runs_and_types(site: Path):
    runs = (site / BETA / "runs/index.html").read_text()
    assert ">b1<" in runs and ">b2<" in runs
    assert ">a1<" not in runs and ">c1<" not in runs
    index = (site / ALPHA / "index.html").read_text()
    assert "ingest" in index and "eval" not in index


def test_a_neighbour_from_another_part_is_linked_in_its_part(site: Path):
    html = page(site, BETA, "run:b1").read_text()
    link = f"../../{ALPHA}/{naming.node_path('artifact:clean:v0')}"
    assert f'href="{link}"' in html  # the list of what b1 used
    # The graph's node links there too (its data may name the list's row for the link).
    assert link in [
        e.get("h") for e in graphview.read_page_file(page(site, BETA, "run:b1"))["nodes"]
    ]
    assert (page(site, BETA, "run:b1").parent / link).resolve().is_file()


def test_no_link_is_broken_anywhere(site: Path):
    assert check_site(site) == []


def test_search_finds_a_parts_own_pages(site: Path):
    alpha = (site / ALPHA / naming.SEARCH_INDEX).read_text()
    beta = (site / BETA / naming.SEARCH_INDEX).read_text()
    stem = naming.page_stem
    assert stem("a1") in alpha and stem("a1") not in beta
    assert stem("b1") in beta and stem("b1") not in alpha


def test_a_problem_is_listed_by_the_part_of_its_file(site: Path):
    assert "imagenet:v2" in (site / BETA / "problems.html").read_text()
    assert "imagenet:v2" not in (site / ALPHA / "problems.html").read_text()


def test_a_parts_lineage_json_keeps_the_edges_that_cross_into_it(site: Path):
    data = json.loads((site / BETA / "lineage.json").read_text())
    nodes = {n["id"] for n in data["nodes"]}
    assert {"run:b1", "artifact:clean:v0"} <= nodes and "run:a1" not in nodes
    edges = {(e["source"], e["target"]) for e in data["edges"]}
    assert ("artifact:clean:v0", "run:b1") in edges


def test_the_same_inputs_give_the_same_bytes(project: Path, site: Path, tmp_path: Path):
    again = tmp_path / "again"
    build(load_config(project, split_by="project"), again)
    files = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert [f for f in files if (site / f).read_bytes() != (again / f).read_bytes()] == []


def test_parts_rendered_by_forked_workers_are_the_same(project, site, tmp_path, monkeypatch):
    monkeypatch.setattr("lineage_report.crew.PARALLEL_FROM", 5)
    monkeypatch.setattr("lineage_report.crew.CHUNK", 2)
    forked = tmp_path / "forked"
    build(load_config(project, split_by="project"), forked, jobs=2)
    files = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    assert [f for f in files if (site / f).read_bytes() != (forked / f).read_bytes()] == []
    assert check_site(forked) == []


def test_the_theme_is_compiled_once_for_every_part(project, tmp_path, monkeypatch):
    # Each part renders with its own title, so its own jinja2 environment; the templates'
    # code is compiled once (render.compile_templates) and loaded by every part's.
    render._environment.cache_clear()  # no environment of an earlier build to reuse
    compiled = compiled_names(monkeypatch)
    result = build(load_config(project, split_by="project"), tmp_path / "site", jobs=1)
    assert result.parts == 3
    assert "run.html" in compiled and "hub.html" in compiled
    assert sorted(compiled) == sorted(set(compiled))


def test_namespace_is_the_same_cut(project: Path, site: Path, tmp_path: Path):
    out = tmp_path / "ns"
    result = build(load_config(project, split_by="namespace"), out)
    assert result.parts == 3
    assert (out / "index.html").read_bytes() == (site / "index.html").read_bytes()


def test_a_base_url_gives_each_part_its_own(project: Path, tmp_path: Path):
    out = tmp_path / "pub"
    build(load_config(project, split_by="project", base_url="https://u.github.io/lin"), out)
    html = (out / ALPHA / "index.html").read_text()
    assert f'href="https://u.github.io/lin/{ALPHA}/index.html"' in html
    assert f"https://u.github.io/lin/{ALPHA}/runs/" in (out / ALPHA / naming.SITEMAP).read_text()


# ---------------------------------------------------------------- the output folder


def test_split_and_single_builds_replace_each_other(project: Path, tmp_path: Path):
    out = tmp_path / "out"
    build(load_config(project, split_by="project"), out)
    build(load_config(project), out)
    assert not (out / ALPHA).exists() and (out / "runs/index.html").is_file()
    build(load_config(project, split_by="project"), out)
    assert not (out / "runs").exists() and (out / ALPHA / "runs/index.html").is_file()


def test_a_failed_split_build_leaves_the_last_site(project, tmp_path, monkeypatch):
    out = tmp_path / "out"
    build(load_config(project, split_by="project"), out)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("lineage_report.build.write_hub", broken)
    with pytest.raises(RuntimeError):
        build(load_config(project, split_by="project"), out)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging left


# ---------------------------------------------------------------- the size warning


def warning_text(out: Path, where: str, what: str, size: int, limit: float, advice: str) -> str:
    """Return the site.too-large warning as the build prints it."""
    location = f"{where}: " if where else ""
    return (
        f"{out}: {location}{what} is {megabytes_over(size, limit)} MB, over the {limit:g} MB "
        f"limit (site_limit_mb; GitHub Pages refuses a published site over 1 GB): {advice} "
        "[site.too-large]"
    )


def folder_bytes(folder: Path) -> int:
    """Return the bytes of every file under a folder."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_a_site_over_the_limit_is_warned_of_naming_the_option(tmp_path: Path):
    project = two_projects(tmp_path / "p", "site_limit_mb = 0.01\n")
    out = tmp_path / "out"
    result = build(load_config(project), out)
    shown = [str(p) for p in result.problems if p.kind == "site.too-large"]
    advice = "`build --split-by project` writes one site per project, each smaller"
    assert shown == [warning_text(out, "", "the site", folder_bytes(out), 0.01, advice)]


def test_a_part_over_the_limit_is_named(tmp_path: Path):
    project = two_projects(tmp_path / "p", 'split_by = "project"\nsite_limit_mb = 0.01\n')
    out = tmp_path / "out"
    result = build(load_config(project), out)
    advice = "a part holds one project, so publish it where larger sites are allowed"
    expected = [
        warning_text(out, part, f"part '{name}'", folder_bytes(out / part), 0.01, advice)
        for part, name in ((ALPHA, "alpha"), (BETA, "beta"), (NONE, "(no project)"))
    ]
    assert sorted(str(p) for p in result.problems if p.kind == "site.too-large") == sorted(expected)


def test_a_site_under_the_limit_is_not_warned_of(project: Path, tmp_path: Path):
    result = build(load_config(project), tmp_path / "out")
    assert [p for p in result.problems if p.kind == "site.too-large"] == []


# ---------------------------------------------------------------- the command line


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run the command line for real."""
    return subprocess.run(
        [sys.executable, "-m", "lineage_report", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_the_cli_flag_splits_and_says_how_many_parts(project: Path, tmp_path: Path):
    out = tmp_path / "cli"
    proc = run_cli("build", str(project), "-o", str(out), "--split-by", "project")
    assert proc.returncode == 0, proc.stderr
    pages = sum(1 for _ in out.rglob("*.html"))  # the parts' and the hub
    assert re.search(rf", {pages} pages, 3 parts in \d+\.\d\ds$", proc.stdout.splitlines()[0])
    assert check_site(out) == []


def test_the_config_key_splits(tmp_path: Path):
    project = two_projects(tmp_path / "p", 'split_by = "namespace"\n')
    result = build(load_config(project), tmp_path / "out")
    assert result.parts == 3 and (tmp_path / "out" / BETA / "index.html").is_file()


def test_a_bad_config_value_is_refused_by_name(tmp_path: Path):
    project = two_projects(tmp_path / "p", 'split_by = "projects"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(project)
    assert str(caught.value) == (
        f"{project / 'lineage-report.toml'}: invalid settings:\n"
        "  split_by: must be one of none, project, namespace"
    )


def test_a_bad_flag_value_is_refused_by_argparse(project: Path, tmp_path: Path):
    proc = run_cli("build", str(project), "-o", str(tmp_path / "x"), "--split-by", "team")
    assert proc.returncode == 2
    last = proc.stderr.splitlines()[-1]  # argparse's own words (their quoting varies)
    assert last.startswith("lineage-report build: error: argument --split-by: invalid choice:")
    assert "team" in last and "project" in last and "namespace" in last


# ---------------------------------------------------------------- the URL rule


def test_page_urls_link_a_node_of_another_part_from_this_parts_root():
    parts = naming.Parts(
        "a", {"run:x": "a", "run:y": "b"}, {("run", "train"): ("b",), ("run", "prep"): ("a", "b")}
    )
    urls = naming.PageUrls("runs/x.html", parts)
    assert urls.node("run:x") == "../" + naming.node_path("run:x")
    assert urls.node("run:y") == "../../b/" + naming.node_path("run:y")
    assert urls.type_node("type:run:train") == "../../b/" + naming.job_type_path("train")
    assert urls.type_node("type:run:prep") == "../" + naming.job_type_path("prep")
    assert naming.PageUrls("index.html").node("run:y") == naming.node_path("run:y")


def test_a_single_file_report_of_a_split_project_holds_every_page(tmp_path: Path):
    # One file holds one site: with split_by in the config it must still inline the pages,
    # not a hub whose links lead to folders the file does not have.
    from lineage_report.singlefile import make_single_file

    project = two_projects(tmp_path / "project", config='split_by = "project"\n')
    out = tmp_path / "report.html"
    make_single_file(load_config(project), out)
    text = out.read_text(encoding="utf-8")
    for run in ("a1", "a2", "b1", "b2", "c1"):
        section = naming.node_path(f"run:{run}").removesuffix(".html")
        assert f'<section class="page" id="{section}"' in text, run
