"""The file system: hostile names get safe, distinct pages; nothing is written outside the site.

Names like `../../etc/passwd`, `a/b`, `CON`, `.`, `..`, names that differ only in case or
Unicode normalization, and names longer than a file name may be: each node gets its own
readable page inside the output folder, and the folder beside the site is byte-for-byte
unchanged. Symlinked manifest folders are followed once (a loop does not hang), and a file
that cannot be read is reported as `manifest.unreadable` without stopping the build.
Cases that could hang (a FIFO, a loop, /dev/zero) run in a subprocess with a timeout.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

import lineage_report
from lineage_report import naming
from lineage_report.build import BuildResult, build
from lineage_report.config import load_config
from lineage_report.errors import BuildError
from lineage_report.write import Writer
from tests.conftest import ROOT
from tests.factories import art, manifest, write_project
from tests.linkcheck import check_site

CAFE_NFC = unicodedata.normalize("NFC", "café")
CAFE_NFD = unicodedata.normalize("NFD", "café")
HOSTILE_NAMES = [
    "../../etc/passwd",
    "../../../../../../tmp/escaped",
    "a/b",
    "a\\b",
    "/absolute/path",
    "C:\\Windows\\system32",
    "CON",
    "con",
    "NUL.txt",
    "aux",
    "LPT1",
    ".",
    "..",
    "...",
    "-",
    "_",
    " ",
    "Model",
    "model",
    "MODEL",
    CAFE_NFC,
    CAFE_NFD,
    "ﬁle",  # the "fi" ligature: NFKC folds it to "file"
    "file",
    "x" * 300,
    "x" * 301,
    "é" * 300,
    "데이터셋 한국어",
    "中文数据集",
    "index",
    "index.html",
    "lineage.json",
    "x.html",
    "a:b",
    "name with spaces",
    "tab\tand\nnewline",
    "\u202eevil\u200f",
    "emoji 🎉",
    "%2e%2e%2fetc",
    "?query#fragment",
]
# Windows refuses these as a file's stem, whatever the extension.
RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.I)
SAFE_NAME = re.compile(r"^[\w][\w.-]*$")
OUR_DOTFILES = {".nojekyll", ".lineage-report-status.json"}


def hostile_project(root: Path) -> Path:
    """Write a chain of runs whose ids, job types, artifact names and types are hostile names."""
    manifests = {}
    for i, name in enumerate(HOSTILE_NAMES):
        used = [f"{HOSTILE_NAMES[i - 1]}:v0"] if i else []
        logged = [art(name, type=name, content=f"c{i}")]
        manifests[f"m{i:03d}.json"] = manifest(name, i, used=used, logged=logged, job_type=name)
    return write_project(root, manifests)


def snapshot(folder: Path, skip: Path) -> dict[str, str]:
    """Return every path under `folder` (but `skip`) with a hash of its content or its kind."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path == skip or skip in path.parents:
            continue
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = "link:" + os.readlink(path)
        elif path.is_file():
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[rel] = "dir"
    return found


class Hooks(HTMLParser):
    """Reads the `data-run` / `data-artifact` hook of a page's body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.body: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Keep the body's attributes."""
        if tag == "body":
            self.body = {k: v or "" for k, v in attrs}


def body_attrs(page: Path) -> dict[str, str]:
    """Return the attributes of a page's <body>."""
    parser = Hooks()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.body


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, dict, dict]:
    """Build the hostile-names project deep inside a folder; return the build and snapshots."""
    top = tmp_path_factory.mktemp("fs")
    project = hostile_project(top / "project")
    site = top / "x" / "y" / "site"
    site.parent.mkdir(parents=True)
    before = snapshot(top, site)
    result = build(load_config(project), site)
    after = snapshot(top, site)
    return result, before, after


def test_hostile_names_are_all_valid_and_all_in_the_graph(hostile_site) -> None:
    result, _, _ = hostile_site
    assert [str(p) for p in result.problems] == []
    graph = result.lineage.graph
    for name in HOSTILE_NAMES:
        assert f"run:{name}" in graph, name
        assert f"artifact:{name}:v0" in graph, name


def test_nothing_is_written_outside_the_output_folder(hostile_site) -> None:
    # The site sits three folders deep, so `../../../x` from any page would land in `top`.
    _, before, after = hostile_site
    assert after == before


def test_every_file_of_the_site_has_a_safe_name_inside_it(hostile_site) -> None:
    result, _, _ = hostile_site
    site = result.output
    for path in site.rglob("*"):
        assert site in path.resolve().parents, path
        name = path.name
        assert len(name.encode("utf-8")) <= 255, name
        if name in OUR_DOTFILES:
            continue
        assert SAFE_NAME.match(name), name
        assert not RESERVED.match(name), name
        assert not name.endswith((".", " ")), name


def test_no_two_nodes_share_a_page(hostile_site) -> None:
    result, _, _ = hostile_site
    graph = result.lineage.graph
    paths = [naming.node_path(n) for n in graph]
    assert len(set(paths)) == len(paths)
    runs = [p for p in (result.output / "runs").glob("*.html") if p.name != "index.html"]
    versions = list((result.output / "versions").glob("*.html"))
    assert len(runs) == sum(1 for _, d in graph.nodes(data=True) if d["kind"] == "run")
    assert len(versions) == sum(1 for _, d in graph.nodes(data=True) if d["kind"] == "artifact")
    for maker in (naming.artifact_path, naming.type_path, naming.job_type_path):
        assert len({maker(n) for n in HOSTILE_NAMES}) == len(HOSTILE_NAMES)


def test_each_page_carries_its_own_node_exactly(hostile_site) -> None:
    # Case-only and NFC/NFD-only twins must each land on the page that names them.
    result, _, _ = hostile_site
    for name in HOSTILE_NAMES:
        run_page = result.output / naming.node_path(f"run:{name}")
        version_page = result.output / naming.node_path(f"artifact:{name}:v0")
        assert body_attrs(run_page)["data-run"] == name
        assert body_attrs(version_page)["data-artifact"] == f"{name}:v0"


def test_twins_get_distinct_pages(hostile_site) -> None:
    result, _, _ = hostile_site
    for twins in (["Model", "model", "MODEL"], [CAFE_NFC, CAFE_NFD], ["ﬁle", "file"]):
        pages = {naming.node_path(f"run:{t}") for t in twins}
        assert len(pages) == len(twins)
        assert all((result.output / p).is_file() for p in pages)


def test_page_names_stay_readable() -> None:
    assert naming.page_stem("model").startswith("model-")
    assert naming.page_stem("../../etc/passwd").startswith("etc-passwd-")
    assert naming.page_stem("데이터셋 한국어").startswith("데이터셋-한국어-")
    assert len(naming.page_stem("x" * 10_000)) <= 64


def test_the_hostile_site_has_no_broken_links(hostile_site) -> None:
    result, _, _ = hostile_site
    assert check_site(result.output) == []


def test_writer_refuses_paths_outside_the_folder(tmp_path: Path) -> None:
    writer = Writer(tmp_path / "site")
    try:
        for path in ("../x.html", "/etc/x.html", "a/../../x.html", "a\\..\\x.html", ""):
            with pytest.raises(BuildError):
                writer.claim(path)
        writer.claim("ok.html")
        with pytest.raises(BuildError, match="two pages would be written"):
            writer.claim("ok.html")
    finally:
        writer.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the site inside the project


@pytest.mark.parametrize("output", [None, "public"], ids=["default-site-folder", "explicit"])
def test_a_site_inside_the_project_is_not_read_as_input(tmp_path: Path, output) -> None:
    # The default output is <project>/site; its lineage.json matches the "**/*.json" glob.
    project = write_project(tmp_path, {"a.json": manifest("a", 0, logged=[art("x")])})
    config = load_config(project)
    target = project / output if output else None
    for _ in range(2):
        result = build(config, target)
        assert [str(p) for p in result.problems] == []
        assert sorted(result.lineage.inputs) == ["a.json"]
    assert lineage_report.load(project).problems == []


# ---------------------------------------------------------------- symlinks


def check(project: Path, timeout: float = 60, **popen) -> list[dict]:
    """Run `check --format json` in a subprocess (so a hang fails the test); return problems."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "lineage_report", "check", str(project), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
        **popen,
    )
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)


def test_symlinked_manifest_folder_outside_the_project_is_reported_not_read(tmp_path: Path) -> None:
    # Issue 17: a link out of the project could hand any file to the site and the snapshot.
    elsewhere = write_project(tmp_path / "elsewhere", {"r.json": manifest("far", 0)})
    project = write_project(tmp_path / "project", {"a.json": manifest("near", 5)})
    (project / "runs").symlink_to(elsewhere, target_is_directory=True)
    lineage = lineage_report.load(project)
    assert [str(p) for p in lineage.problems] == [
        f"runs: links to {elsewhere}, outside the project folder; nothing in it is read "
        "[collect.outside-root]"
    ]
    assert "run:far" not in lineage.graph
    assert "run:near" in lineage.graph


def test_symlink_loops_do_not_hang_and_read_each_manifest_once(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "project",
        {"a.json": manifest("a", 0, logged=[art("x")]), "sub/b.json": manifest("b", 5)},
    )
    (project / "self").symlink_to(project, target_is_directory=True)
    (project / "sub" / "up").symlink_to("..", target_is_directory=True)
    (project / "sub" / "loop").symlink_to(project / "sub", target_is_directory=True)
    assert check(project, timeout=60) == []
    lineage = lineage_report.load(project)
    assert sorted(lineage.inputs) == ["a.json", "sub/b.json"]


def test_a_symlinked_copy_of_a_manifest_is_the_same_run(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"a.json": manifest("a", 0, logged=[art("x")])})
    (project / "again.json").symlink_to(project / "a.json")
    lineage = lineage_report.load(project)
    assert lineage.problems == []
    assert sorted(lineage.graph) == ["artifact:x:v0", "run:a"]


# ---------------------------------------------------------------- unreadable files


GOOD = {"good.json": manifest("good", 0, logged=[art("g")])}


def kinds(problems: list[dict]) -> list[tuple[str, str]]:
    """Return (path, kind) of each problem."""
    return [(p["path"], p["kind"]) for p in problems]


def test_dangling_symlink_is_reported(tmp_path: Path) -> None:
    project = write_project(tmp_path, GOOD)
    (project / "gone.json").symlink_to(tmp_path / "nowhere.json")
    lineage = lineage_report.load(project)
    assert [str(p) for p in lineage.problems] == [
        "gone.json: cannot read the file: No such file or directory [manifest.unreadable]"
    ]
    assert "run:good" in lineage.graph


def drop_read_override() -> list[str] | None:
    """Return a command prefix that runs without root's read override, or None if impossible."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        return None
    caps = "-dac_override,-dac_read_search"
    probe = subprocess.run(
        [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}", "true"], capture_output=True
    )
    return (
        [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"] if not probe.returncode else None
    )


def test_file_without_read_permission_is_reported(tmp_path: Path) -> None:
    # As root chmod 000 blocks nothing; setpriv drops CAP_DAC_OVERRIDE for the subprocess.
    prefix = drop_read_override()
    if prefix is None:
        pytest.skip("running as root without setpriv: chmod 000 cannot block reads here")
    project = write_project(tmp_path, {**GOOD, "secret.json": manifest("secret", 1)})
    (project / "secret.json").chmod(0)
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        command = [
            sys.executable,
            "-m",
            "lineage_report",
            "check",
            str(project),
            "--format",
            "json",
        ]
        done = subprocess.run(
            prefix + command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
        )
    finally:
        (project / "secret.json").chmod(0o644)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout) == [
        {
            "path": "secret.json",
            "location": "",
            "message": "cannot read the file: Permission denied",
            "kind": "manifest.unreadable",
            "severity": "error",
        }
    ]


def test_fifo_is_reported_not_waited_on(tmp_path: Path) -> None:
    # Opening a FIFO for reading blocks until a writer comes: the build must not wait.
    project = write_project(tmp_path, GOOD)
    os.mkfifo(project / "pipe.json")
    try:
        problems = check(project, timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("the check hung on a FIFO named pipe.json")
    assert kinds(problems) == [("pipe.json", "manifest.unreadable")]


def limit_memory() -> None:
    """Cap the subprocess's address space, so an endless read fails fast instead of swapping."""
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


def test_device_that_never_ends_is_reported(tmp_path: Path) -> None:
    # stat() says 0 bytes, so the size limit never fires; reading would never end. A link
    # to /dev/zero leads out of the project, so it is refused before anything is opened
    # (a device inside the project: tests/test_confined_inputs.py).
    project = write_project(tmp_path, GOOD)
    (project / "zero.json").symlink_to("/dev/zero")
    try:
        problems = check(project, timeout=30, preexec_fn=limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail("the check kept reading /dev/zero")
    assert len(problems) == 1, problems
    assert problems[0]["path"] == "zero.json"
    assert problems[0]["kind"] == "collect.outside-root"
    assert problems[0]["message"] == "links to /dev/zero, outside the project folder; not read"


def test_a_folder_named_like_a_manifest_is_walked_not_read(tmp_path: Path) -> None:
    project = write_project(tmp_path, {**GOOD, "x.json/inner.json": manifest("inner", 2)})
    lineage = lineage_report.load(project)
    assert lineage.problems == []
    assert "run:inner" in lineage.graph


# ---------------------------------------------------------------- W&B file links


NOT_BESIDE = "runs/w.json: /logged_artifacts/0/files: W&B manifest {!r} not found beside this "
LINKS_OUT = "runs/outside.bin: links to /etc/passwd, outside the project folder; not read "


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (
            "../../../etc/passwd",
            NOT_BESIDE.format("../../../etc/passwd") + "manifest [manifest.invalid]",
        ),
        ("/etc/passwd", NOT_BESIDE.format("/etc/passwd") + "manifest [manifest.invalid]"),
        # A link out of the project is refused as every input's is (issue 17).
        ("outside.bin", LINKS_OUT + "[collect.outside-root]"),
    ],
)
def test_files_link_never_reads_outside_the_manifest_folder(
    tmp_path: Path, link: str, expected: str
) -> None:
    project = write_project(
        tmp_path / "project",
        {
            **GOOD,
            "runs/w.json": manifest("w", 1, logged=[{"name": "w", "type": "t", "files": link}]),
        },
    )
    (project / "runs" / "outside.bin").symlink_to("/etc/passwd")
    lineage = lineage_report.load(project)
    assert [str(p) for p in lineage.problems] == [expected]
    assert "run:w" not in lineage.graph
