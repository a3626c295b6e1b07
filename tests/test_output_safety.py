"""A build never destroys what it did not write, and an interrupted one leaves a whole site.

Real folders, real symlinks, the real command line, and real `kill -9`s of real builds.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lineage_report import write
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.errors import BuildError
from lineage_report.naming import STATUS_NAME
from lineage_report.write import STAGING_MARK, exchange
from tests.conftest import ROOT, SAMPLE, SMALL
from tests.test_cli import cli


def tree(folder: Path) -> dict[str, bytes | str]:
    """Return every entry under a folder: a file's bytes, a link's target, '/' for a folder."""
    found: dict[str, bytes | str] = {}
    for parent, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = Path(parent, name)
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                found[rel] = "/"
            else:
                found[rel] = path.read_bytes()
    return found


def home_like(folder: Path) -> Path:
    """Make a folder that looks like someone's home, with a file named lineage.json."""
    (folder / "Documents").mkdir(parents=True)
    (folder / "Documents" / "thesis.tex").write_text("chapter one")
    (folder / ".ssh").mkdir()
    (folder / ".ssh" / "id_ed25519").write_text("SECRET KEY")
    (folder / "lineage.json").write_text('{"mine": true}')
    (folder / "Music").mkdir()  # an empty folder
    return folder


# --- refusals ------------------------------------------------------------------------------


def test_a_folder_with_a_file_named_lineage_json_is_not_taken_for_a_site(tmp_path):
    home = home_like(tmp_path / "somewhere")
    before = tree(home)
    proc = cli("build", SAMPLE, "-o", home)
    assert proc.returncode == 1
    assert proc.stderr == (
        f"error: {home} is not a lineage-report site (no status file) and holds 3 files "
        "lineage-report did not write ('.ssh/id_ed25519', 'Documents/thesis.tex', "
        "'lineage.json'); a build never deletes them: choose an empty or new folder, list "
        "them in keep_files, or pass --force to build beside them (they are kept)\n"
    )
    assert tree(home) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["somewhere"]


def test_the_project_folder_itself_is_refused(tmp_path):
    project = Path(shutil.copytree(SMALL, tmp_path / "proj"))
    before = tree(project)
    proc = cli("build", project, "-o", project)
    assert proc.returncode == 1
    assert proc.stderr == (
        f"error: {project} is the project folder itself: a build there would replace its "
        f"manifests; choose another output folder (default: {project / 'site'})\n"
    )
    assert tree(project) == before


def test_a_folder_that_contains_the_project_is_refused(tmp_path):
    outer = tmp_path / "outer"
    project = Path(shutil.copytree(SMALL, outer / "proj"))
    before = tree(outer)
    proc = cli("build", project, "-o", outer)
    assert proc.returncode == 1
    assert proc.stderr == (
        f"error: {outer} contains the project folder {project}: a build there would replace "
        "it; choose an output folder outside it or inside the project\n"
    )
    assert tree(outer) == before


def test_the_project_through_a_symlink_is_still_the_project(tmp_path):
    project = Path(shutil.copytree(SMALL, tmp_path / "proj"))
    (tmp_path / "alias").symlink_to(project)
    proc = cli("build", project, "-o", tmp_path / "alias")
    assert proc.returncode == 1
    assert "is the project folder itself" in proc.stderr
    assert (project / "runs").is_dir()


def test_an_output_that_is_a_regular_file_is_refused(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("<p>my report</p>")
    for attempt in range(2):  # the second build must not crash on what the first left
        proc = cli("build", SMALL, "-o", target)
        assert proc.returncode == 1, attempt
        assert proc.stderr == (
            f"error: {target} is a file, not a folder; choose a folder for the site\n"
        )
    assert target.read_text() == "<p>my report</p>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


@pytest.mark.parametrize("suffix", [".old", ".building"])
def test_a_users_folder_with_the_staging_name_is_not_deleted(tmp_path, suffix):
    mine = tmp_path / f".site{suffix}"
    mine.mkdir()
    (mine / "draft.md").write_text("mine")
    proc = cli("build", SMALL, "-o", tmp_path / "site")
    assert proc.returncode == 1
    assert proc.stderr == (
        f"error: {mine} exists and was not made by lineage-report; a build stages its site "
        "there: move it away and build again\n"
    )
    assert (mine / "draft.md").read_text() == "mine"
    assert not (tmp_path / "site").exists()


def test_a_users_file_named_like_the_lock_is_not_truncated(tmp_path):
    lock = tmp_path / ".site.lock"
    lock.write_text("my notes")
    proc = cli("build", SMALL, "-o", tmp_path / "site")
    assert proc.returncode == 1
    assert proc.stderr == f"error: {lock} exists and is not lineage-report's lock; move it away\n"
    assert lock.read_text() == "my notes"


# --- what a build may replace, and what it keeps ------------------------------------------


def test_force_builds_beside_foreign_files_and_keeps_every_one(tmp_path):
    home = home_like(tmp_path / "somewhere")
    proc = cli("build", SMALL, "-o", home, "--force", "-q")
    assert proc.returncode == 1  # even forced, a build never replaces a file of the user's
    assert proc.stderr == (
        f"error: {home / 'lineage.json'} is a file of yours (kept) where the site has one of "
        "its own; move it away and build again\n"
    )
    (home / "lineage.json").rename(home / "my-lineage.json")
    (home / "link").symlink_to("/etc/hostname")
    mine = tree(home)
    proc = cli("build", SMALL, "-o", home, "--force", "-q")
    assert proc.returncode == 0, proc.stderr
    after = tree(home)
    assert {k: after.get(k) for k in mine} == mine  # every file, link and folder kept as it was
    assert (home / "index.html").is_file() and (home / STATUS_NAME).is_file()
    # A second forced build (full, after a settings change) keeps them again.
    project = Path(shutil.copytree(SMALL, tmp_path / "proj"))
    config = project / "lineage-report.toml"
    config.write_text(config.read_text().replace("title = ", 'title = "Changed" #', 1))
    assert cli("build", project, "-o", home, "--force", "-q").returncode == 0
    after = tree(home)
    assert {k: after.get(k) for k in mine} == mine
    assert "Changed" in (home / "index.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj", "somewhere"]


def test_a_rebuild_removes_only_the_pages_it_wrote(tmp_path):
    project = Path(shutil.copytree(SMALL, tmp_path / "proj"))
    toml = project / "lineage-report.toml"
    toml.write_text(toml.read_text() + '\nkeep_files = ["CNAME", "extras"]\n')
    config = load_config(project)
    out = tmp_path / "site"
    build(config, out)
    (out / "CNAME").write_text("lineage.example.org\n")
    (out / "extras").mkdir()
    (out / "extras" / "logo.svg").write_text("<svg/>")
    for manifest in sorted((project / "runs").glob("*.json"))[1:]:
        manifest.unlink()  # most pages become stale
    result = build(load_config(project), out)
    assert result.incremental
    assert (out / "CNAME").read_text() == "lineage.example.org\n"
    assert (out / "extras" / "logo.svg").read_text() == "<svg/>"
    fresh = tmp_path / "fresh"
    build(config, fresh)
    expected = tree(fresh)
    got = tree(out)
    assert sorted(set(got) - set(expected)) == ["CNAME", "extras", "extras/logo.svg"]
    assert {k: got[k] for k in expected if k != STATUS_NAME} == {
        k: v for k, v in expected.items() if k != STATUS_NAME
    }


def test_a_file_a_rebuild_keeps_is_never_written_through_to_the_last_site(tmp_path):
    # A rebuild links the last site's unchanged files into the new one on a thread
    # (Writer.keep_the_rest); writing such a path then would change the live site's file.
    out = tmp_path / "site"
    build(load_config(SMALL), out)
    before = tree(out)
    writer = write.Writer(out, incremental=True)
    writer.claim("index.html")  # kept: not written by this build
    writer.keep_the_rest()
    with pytest.raises(BuildError, match="^index.html: written after the build kept the last"):
        writer.put("index.html", b"<p>changed</p>")
    writer.abort()
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_rebuild_failing_while_it_links_kept_files_leaves_the_last_site(tmp_path, monkeypatch):
    project = Path(shutil.copytree(SMALL, tmp_path / "proj"))
    out = tmp_path / "site"
    build(load_config(project), out)
    before = tree(out)
    link = os.link

    def slow_link(source, target):  # the thread is still linking when the build fails
        time.sleep(0.002)
        link(source, target)

    def failing_status(*args):
        raise BuildError("the status could not be made")

    monkeypatch.setattr(write.os, "link", slow_link)
    monkeypatch.setattr("lineage_report.build.encode_status", failing_status)
    first = sorted((project / "runs").glob("*.json"))[0]
    first.write_text(first.read_text() + "\n")  # read again: a rebuild
    with pytest.raises(BuildError, match="^the status could not be made$"):
        build(load_config(project), out)
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj", "site"]  # no staging left


def test_a_kept_file_where_the_site_has_a_page_is_refused(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("<p>my own index</p>")
    with pytest.raises(BuildError, match=r"site/index.html is a file of yours \(kept\) where"):
        build(load_config(SMALL), out, force=True)
    assert tree(out) == {"index.html": b"<p>my own index</p>"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_killed_builds_staging_folder_is_cleared_by_the_next(tmp_path):
    out = tmp_path / "site"
    staging = tmp_path / ".site.building"
    staging.mkdir()
    (staging / STAGING_MARK).write_bytes(b"")
    (staging / "index.html").write_text("half")
    build(load_config(SMALL), out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


@pytest.fixture
def old_site(tmp_path) -> tuple[Path, Path, list[Path]]:
    """Return an output folder, a copy of its site where a build's swap leaves the old one,
    and that copy's files."""
    out, old = tmp_path / "site", tmp_path / ".site.building"
    build(load_config(SMALL), out)
    shutil.copytree(out, old)
    return out, old, sorted(p for p in old.rglob("*") if p.is_file())


def test_an_old_site_half_removed_by_a_killed_build_is_cleared_by_the_next(tmp_path, old_site):
    # After the swap a build removes the old site's files: killed midway, what is left must
    # still carry the status file that shows it is a site of ours, or every later build
    # refuses the folder. So the status goes last; here the kill comes after half the files.
    out, old, files = old_site
    removed = []
    real_remove = os.remove

    def remove_and_die_halfway(path):
        if len(removed) == len(files) // 2:
            raise KeyboardInterrupt  # the kill
        removed.append(Path(path).name)
        real_remove(path)

    remove_until_killed(old, files, remove_and_die_halfway)
    assert STATUS_NAME not in removed and (old / STATUS_NAME).is_file()
    build(load_config(SMALL), out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_an_old_site_is_empty_when_its_status_file_goes(tmp_path, old_site):
    # Killed just after the status file was removed, the old site must hold nothing: its
    # empty folders, without the file that shows they are ours, made every later build
    # refuse it (seen once in test_a_killed_build_leaves_the_old_site_or_the_new_one).
    out, old, files = old_site
    assert any(p.parent != old for p in files)  # the site has folders to remove
    real_remove = os.remove

    def die_after_the_status(path):
        real_remove(path)
        if Path(path).name == STATUS_NAME:
            raise KeyboardInterrupt  # the kill

    remove_until_killed(old, files, die_after_the_status)
    assert list(old.iterdir()) == []
    build(load_config(SMALL), out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


@pytest.fixture
def old_site_keeping(tmp_path) -> tuple[Path, Path, Path, list[Path]]:
    """Return a project keeping files, its output, and a copy of its site where a build's
    swap leaves the old one: its kept files are the originals, the new site's are links."""
    project = Path(shutil.copytree(SMALL, tmp_path / "proj"))
    toml = project / "lineage-report.toml"
    toml.write_text(toml.read_text() + '\nkeep_files = ["CNAME", "extras"]\n')
    out, old = tmp_path / "site", tmp_path / ".site.building"
    build(load_config(project), out)
    (out / "CNAME").write_text("lineage.example.org\n")
    (out / "extras" / "empty").mkdir(parents=True)
    (out / "extras" / "logo.svg").write_text("<svg/>")
    (out / "extras" / "logo-link.svg").symlink_to("logo.svg")
    shutil.copytree(out, old, symlinks=True)
    for kept in ("CNAME", "extras/logo.svg"):
        (old / kept).unlink()
        os.link(out / kept, old / kept)
    return project, out, old, sorted(p for p in old.rglob("*") if p.is_file())


@pytest.mark.parametrize("at", ["404.html", "extras/logo-link.svg", "extras/logo.svg"])
def test_an_old_site_keeping_files_half_removed_is_cleared_by_the_next(old_site_keeping, at):
    # The old site holds the kept files' links too (issue 15's review): a build killed while
    # removing them left a folder every later build refused. The next build now removes
    # those the live site holds the same (links, symlinks, equal copies), and keeps yours.
    project, out, old, files = old_site_keeping
    before = tree(out)
    real_remove = os.remove

    def remove_until(path):
        if Path(path) == old / at:
            raise KeyboardInterrupt  # the kill, just before this file goes
        real_remove(path)

    remove_until_killed(old, files, remove_until)
    assert os.path.lexists(old / at) and (old / STATUS_NAME).is_file()
    build(load_config(project), out)
    assert sorted(p.name for p in out.parent.iterdir()) == ["proj", "site"]
    assert tree(out) == before | {STATUS_NAME: tree(out)[STATUS_NAME]}


def test_a_file_of_an_old_site_that_the_live_site_lacks_is_never_deleted(old_site_keeping):
    # Only the live site's twins go (here logo.svg, its symlink and the empty folder): a
    # kept file whose bytes differ there, and a file the old site alone holds, stay where
    # they are, and the build refuses, as before.
    project, out, old, _ = old_site_keeping
    (old / "CNAME").unlink()
    (old / "CNAME").write_text("changed by hand\n")
    (old / "extras" / "notes.txt").write_text("only here")
    with pytest.raises(BuildError) as refused:
        build(load_config(project), out)
    assert str(refused.value) == (
        f"{old} is what a stopped build left of the last site, and it holds 2 files the site "
        "beside it does not hold the same ('CNAME', 'extras/notes.txt'); a build never "
        "deletes them: move them where you want them, remove the folder and build again"
    )
    assert tree(old) == {
        "CNAME": b"changed by hand\n",
        "extras": "/",
        "extras/notes.txt": b"only here",
    }


def test_an_old_site_with_no_live_site_beside_it_keeps_the_kept_files(old_site_keeping):
    # Killed between the two renames (where renameat2 is missing), the old site holds the
    # only copies of the kept files: nothing of them may go.
    project, out, old, _ = old_site_keeping
    shutil.rmtree(out)
    with pytest.raises(BuildError, match=r"\.site\.building is what a stopped build left"):
        build(load_config(project), out)
    assert tree(old)["CNAME"] == b"lineage.example.org\n"
    assert tree(old)["extras/logo.svg"] == b"<svg/>"


def test_a_live_folder_linked_into_the_old_site_is_no_twin_of_it(old_site_keeping):
    # Through a live folder that is a symlink into the old site, each old file would be
    # compared with itself (review of a21be66): only files at their own place are twins.
    project, out, old, _ = old_site_keeping
    (old / "extras" / "only-here.txt").write_text("nowhere else")
    shutil.rmtree(out / "extras")
    (out / "extras").symlink_to(old / "extras", target_is_directory=True)
    with pytest.raises(BuildError, match=r"holds 3 files .*'extras/only-here.txt'"):
        build(load_config(project), out)
    assert (old / "extras" / "only-here.txt").read_text() == "nowhere else"
    assert (old / "extras" / "logo.svg").read_text() == "<svg/>"


def remove_until_killed(old: Path, files: list[Path], remove) -> None:
    """Remove an old site's files as a build does, with `remove` as os.remove; it raises
    KeyboardInterrupt (the kill) at the moment a test picks."""
    real_remove = os.remove
    os.remove = remove
    try:
        with pytest.raises(KeyboardInterrupt):
            write.remove_files(old, {p.relative_to(old).as_posix() for p in files})
    finally:
        os.remove = real_remove


def test_exchange_swaps_two_real_folders_in_one_step(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("from a")
    (b / "y").write_text("from b")
    assert exchange(a, b)  # Linux: renameat2(RENAME_EXCHANGE); the commit relies on it here
    assert tree(a) == {"y": b"from b"} and tree(b) == {"x": b"from a"}


# --- kill -9 -----------------------------------------------------------------------------


def start_build(project: Path, out: Path) -> subprocess.Popen:
    """Start a real build in its own process (its workers are its children)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "lineage_report", "build", project, "-o", out, "-q"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def children(pid: int) -> list[int]:
    """Return the processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def lasting_children(pid: int, deadline: float) -> list[int]:
    """Return a process's children once one has lasted a moment: the build's render
    workers, not the search index's side job, which is forked first and soon gone."""
    while time.monotonic() < deadline:
        seen = children(pid)
        if seen:
            time.sleep(0.3)
            now = children(pid)
            if set(seen) & set(now):
                return now
        time.sleep(0.05)
    return []


def kill_during(project: Path, out: Path, delay: float) -> bool:
    """Start a build, kill -9 it after `delay` seconds; tell whether it was still running."""
    proc = start_build(project, out)
    time.sleep(delay)
    workers = children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 5
    while any(Path(f"/proc/{w}").exists() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.02)  # workers die with their parent (PR_SET_PDEATHSIG)
    assert not [w for w in workers if is_alive(w)], "a worker outlived its killed build"
    return proc.returncode == -signal.SIGKILL


def is_alive(pid: int) -> bool:
    """Tell whether a process runs (a zombie, already dead, does not count)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["incremental", "full"])
def test_a_killed_build_leaves_the_old_site_or_the_new_one(tmp_path, kind):
    """kill -9 at many moments of a build: the output is always one whole site."""
    project = Path(shutil.copytree(SAMPLE, tmp_path / "proj"))
    out = tmp_path / "site"
    build(load_config(project), out)
    old = tree(out)
    if kind == "full":  # a new title changes every page
        config = project / "lineage-report.toml"
        config.write_text(config.read_text().replace("title = ", 'title = "Renamed" #', 1))
    else:  # a run's notes change its page and a few others
        manifest = sorted((project / "runs").rglob("*.json"))[0]
        data = json.loads(manifest.read_text())
        data["run"]["notes"] = "Changed after review."
        manifest.write_text(json.dumps(data))
    new_site = tmp_path / "expected"
    build(load_config(project), new_site)
    new = {k: v for k, v in tree(new_site).items() if k != STATUS_NAME}
    pristine = tmp_path / "pristine"
    shutil.copytree(out, pristine, symlinks=True)
    started = time.monotonic()
    assert start_build(project, tmp_path / "timing").wait() == 0
    took = time.monotonic() - started
    old = {k: v for k, v in old.items() if k != STATUS_NAME}
    killed, step = 0, 0
    for _attempt in range(30):
        if step == 10:
            break
        shutil.rmtree(out)
        shutil.copytree(pristine, out, symlinks=True)
        landed = kill_during(project, out, took * (step + 0.5) / 10)
        now = {k: v for k, v in tree(out).items() if k != STATUS_NAME}
        assert now in (old, new), f"a mixed site after a kill at {step + 0.5}/10 of the build"
        # The next build finishes the job, whatever the kill left beside the output.
        finish = start_build(project, out)
        assert finish.wait() == 0, finish.stderr.read().decode()
        assert {k: v for k, v in tree(out).items() if k != STATUS_NAME} == new
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.")]
        if landed:
            killed, step = killed + 1, step + 1
        else:  # the build was faster than the timed one (a quieter machine): aim earlier
            took *= 0.8
    assert killed == 10  # a kill landed at each tenth of the build


SLOW_CREW = """
import sys, time
from pathlib import Path
from lineage_report import crew
from lineage_report.build import build
from lineage_report.config import load_config

crew.PARALLEL_FROM, crew.CHUNK = 10, 4  # fork workers even for the sample's 90 pages
render = crew.RenderState.render_chunk

def slow(self, chunk):
    time.sleep(3)  # long enough to be caught in the middle of a chunk
    return render(self, chunk)

crew.RenderState.render_chunk = slow
build(load_config(Path(sys.argv[1])), Path(sys.argv[2]), jobs=2)
"""


def test_a_killed_builds_workers_die_with_it_and_write_nothing_more(tmp_path):
    """kill -9 of a build while its forked worker renders: the worker dies at once too."""
    out = tmp_path / "site"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_CREW, str(SAMPLE), str(out)],
        env=env,
        stderr=subprocess.PIPE,
    )
    workers = lasting_children(proc.pid, time.monotonic() + 60)
    assert workers, "the build forked no worker"
    time.sleep(0.5)  # the worker is now asleep in the middle of its chunk
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(1)  # a worker without the death signal would sleep on for 1.5 s more
    assert [w for w in workers if is_alive(w)] == []
    staging = tmp_path / ".site.building"
    written = tree(staging) if staging.exists() else {}
    time.sleep(3)
    assert (tree(staging) if staging.exists() else {}) == written  # nothing written since
    assert not out.exists()
