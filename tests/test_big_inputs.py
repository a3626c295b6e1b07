"""Big and odd, but valid: the build succeeds, pages stay small, memory stays bounded.

Four projects, each built in its own subprocess so that its peak memory (ru_maxrss of the
process and of its forked render workers) can be measured: an artifact with 200,000 files,
metadata of 5 MB, a run with 10,000 inputs, and names of 10,000 characters. Every page
must stay under 1 MB; long tables are cut with a count and a link to lineage.json, which
holds everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lineage_report import naming
from tests.conftest import ROOT
from tests.factories import art, manifest, write_project

MAX_PAGE = 1_000_000  # bytes
MAX_MEMORY_MB = 1_500  # peak resident memory
FILES = 200_000
INPUTS = 10_000
LONG = 10_000

# Runs in a fresh interpreter, which forks the build and waits for it. The build's peak is
# read as RUSAGE_CHILDREN of that small parent: a process started straight from pytest would
# inherit pytest's own high-water mark through vfork/exec and report it instead.
BUILD_SCRIPT = """
import json, os, resource, sys, time, traceback
from pathlib import Path

read, write = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(read)
    try:
        from lineage_report.build import build
        from lineage_report.config import load_config

        start = time.perf_counter()
        result = build(load_config(Path(sys.argv[1])), Path(sys.argv[2]))
        stats = {
            "problems": [str(p) for p in result.problems],
            "pages": result.pages,
            "seconds": round(time.perf_counter() - start, 2),
        }
    except BaseException:
        stats = {"error": traceback.format_exc()}
    with os.fdopen(write, "w") as out:
        out.write(json.dumps(stats))
    os._exit(0)
os.close(write)
with os.fdopen(read) as source:
    stats = json.loads(source.read())
os.waitpid(pid, 0)
stats["peak_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
print(json.dumps(stats))
"""


def build_measured(project: Path, site: Path) -> dict:
    """Build `project` into `site` in a subprocess; return its problems, pages, time and memory."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", BUILD_SCRIPT, str(project), str(site)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    assert "error" not in stats, stats.get("error")
    print(f"{project.name}: {stats}")  # shown with -s: the numbers for the notes
    return stats


def assert_small_pages(site: Path) -> None:
    """Check that no page of the site reaches MAX_PAGE bytes."""
    sizes = {p: p.stat().st_size for p in site.rglob("*.html")}
    big = {p.relative_to(site).as_posix(): s for p, s in sizes.items() if s >= MAX_PAGE}
    assert big == {}


def assert_bounded(stats: dict) -> None:
    """Check the build's peak memory (the largest of its process and any render worker)."""
    assert 0 < stats["peak_mb"] < MAX_MEMORY_MB, stats


def page(site: Path, node: str) -> str:
    """Return the text of a node's page."""
    return (site / naming.node_path(node)).read_text(encoding="utf-8")


def lineage_node(site: Path, node: str) -> dict:
    """Return a node's attributes from the site's lineage.json."""
    data = json.loads((site / naming.LINEAGE_JSON).read_text(encoding="utf-8"))
    return next(n for n in data["nodes"] if n["id"] == node)


def more_rows(
    count: int, total: int, what: str = "rows", root: str = "../", listed: str = ""
) -> str:
    """Return the line a cut table ends with (naming its full list, when it has one)."""
    full = f'<a href="{listed}">the full list</a> and in ' if listed else ""
    return (
        f'<p class="more">and {count:,} more {what} (all {total:,} are in '
        f'{full}<a href="{root}lineage.json">lineage.json</a>)</p>'
    )


def test_artifact_with_200000_files(tmp_path: Path) -> None:
    files = [
        {"path": f"shard-{i // 1000:03d}/{i:06d}.bin", "size": i, "digest": f"sha256:{i:064x}"}
        for i in range(FILES)
    ]
    logged = {"name": "many-files", "type": "dataset", "files": files}
    project = write_project(tmp_path / "files", {"r.json": manifest("r", 0, logged=[logged])})
    site = tmp_path / "site"
    stats = build_measured(project, site)
    assert stats["problems"] == []
    assert_small_pages(site)
    assert_bounded(stats)
    text = page(site, "artifact:many-files:v0")
    assert "<dd>200,000<" in text  # the overview's file count
    assert more_rows(FILES - 500, FILES, "files") in text
    assert len(lineage_node(site, "artifact:many-files:v0")["files"]) == FILES


def test_metadata_of_5_mb(tmp_path: Path) -> None:
    blob = {"blob": "x" * 5_000_000, "small": 1}
    wide = {f"key-{i:05d}": "v" * 100 for i in range(50_000)}  # 5 MB as many keys
    logged = [art("blob", metadata=blob), art("wide", metadata=wide)]
    project = write_project(
        tmp_path / "meta", {"r.json": manifest("r", 0, logged=logged, config=wide)}
    )
    site = tmp_path / "site"
    stats = build_measured(project, site)
    assert stats["problems"] == []
    assert_small_pages(site)
    assert_bounded(stats)
    assert "… (5,000,000 characters in all)" in page(site, "artifact:blob:v0")
    assert "49,800 more keys in lineage.json" in page(site, "artifact:wide:v0")
    assert "49,800 more keys in lineage.json" in page(site, "run:r")
    assert len(lineage_node(site, "artifact:blob:v0")["metadata"]["blob"]) == 5_000_000


def test_run_with_10000_inputs(tmp_path: Path) -> None:
    # One run logs 10,000 versions of one name; another uses every one of them.
    versions = [art("input", content=f"c{i}") for i in range(INPUTS)]
    used = [f"input:v{i}" for i in range(INPUTS)]
    project = write_project(
        tmp_path / "inputs",
        {
            "producer.json": manifest("producer", 0, logged=versions),
            "consumer.json": manifest("consumer", 10, used=used, logged=[art("out", "model")]),
        },
    )
    site = tmp_path / "site"
    stats = build_measured(project, site)
    assert stats["problems"] == []
    assert stats["pages"] >= INPUTS
    assert_small_pages(site)
    assert_bounded(stats)
    # A node's own long lists go on in list pages of their own (500 rows each).
    for node, table in (("run:consumer", "used"), ("run:producer", "logged")):
        listed = naming.list_path(node, table)
        assert more_rows(INPUTS - 200, INPUTS, listed=f"../{listed}") in page(site, node)
        assert (site / listed).is_file()
    versions_page = (site / naming.artifact_path("input")).read_text(encoding="utf-8")
    assert more_rows(INPUTS - 200, INPUTS, "versions") in versions_page
    assert (site / naming.node_path(f"artifact:input:v{INPUTS - 1}")).is_file()
    assert len(lineage_node(site, "run:consumer")) > 0


def test_names_of_10000_characters(tmp_path: Path) -> None:
    name, run_id, kind, job = ("n" * LONG, "r" * LONG, "t" * LONG, "j" * LONG)
    alias = "a" * LONG
    project = write_project(
        tmp_path / "names",
        {
            "a.json": manifest(run_id, 0, job_type=job, logged=[art(name, kind, aliases=[alias])]),
            "b.json": manifest("user", 5, used=[f"{name}:{alias}"], name="u" * LONG),
        },
    )
    site = tmp_path / "site"
    stats = build_measured(project, site)
    assert stats["problems"] == []
    assert_small_pages(site)
    assert_bounded(stats)
    for path in site.rglob("*"):
        assert len(path.name.encode("utf-8")) <= 255, path.name[:80]
    for node in (f"run:{run_id}", f"artifact:{name}:v0", "run:user"):
        assert (site / naming.node_path(node)).is_file()
    assert f'data-artifact="{name}:v0"' in page(site, f"artifact:{name}:v0")


@pytest.mark.parametrize("length", [255, 256, 4096])
def test_page_names_of_long_keys_fit_every_file_system(length: int) -> None:
    for char in ("x", "é", "한", "𝔘"):
        stem = naming.page_stem(char * length)
        assert len((stem + ".html").encode("utf-8")) <= 255
