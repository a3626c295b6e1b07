"""Audit snapshots through the real CLI: real zips built, verified, tampered with and rebuilt."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from lineage_report import cli, snapshot
from lineage_report.snapshot import SUMS
from tests.conftest import SAMPLE
from tests.factories import art, manifest, write_project
from tests.linkcheck import PageParser, check_site

HOSTILE = "</script><script>window.__pwned = 1</script><!--"


def run(*argv: str) -> tuple[int, str]:
    """Run the CLI; return its exit code and what it printed on stdout."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue()


def printed_digest(output: str, label: str = "snapshot digest") -> str:
    """Return the digest from a `<label>: sha256:...` line."""
    line = next(x for x in output.splitlines() if x.startswith(label + ":"))
    return line.split(": ", 1)[1].split()[0]


def rewrite_zip(src: Path, dst: Path, change=None, add=None) -> Path:
    """Copy a zip entry by entry, replacing (bytes) or dropping (None) some, adding others."""
    change, add = change or {}, add or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = change.get(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info, data)
        for name, data in add.items():
            zout.writestr(name, data)
    return dst


def flip_byte(data: bytes, at: int = 200) -> bytes:
    """Return `data` with one byte changed."""
    return data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1 :]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a copy of the sample project, which the tests may not change."""
    return Path(shutil.copytree(SAMPLE, tmp_path_factory.mktemp("snap") / "project"))


@pytest.fixture(scope="module")
def made(project: Path) -> tuple[Path, str]:
    """Snapshot the sample project through the CLI; return the zip and the printed digest."""
    out = project.parent / "audit.zip"
    code, printed = run("snapshot", project, "-o", out)
    assert code == 0, printed
    return out, printed_digest(printed)


@pytest.fixture
def audit(made: tuple[Path, str], tmp_path: Path) -> Path:
    """Return a private copy of the snapshot zip, free to tamper with."""
    return Path(shutil.copyfile(made[0], tmp_path / "audit.zip"))


def test_digest_is_sha256_of_the_sums(made):
    """The printed digest is the SHA-256 of the SHA256SUMS inside the zip."""
    path, digest = made
    with zipfile.ZipFile(path) as zf:
        assert digest == "sha256:" + hashlib.sha256(zf.read(SUMS)).hexdigest()


def test_zip_holds_site_inputs_and_sums(made, project):
    """site/, inputs/ (the manifests, config and README), a cover page and SHA256SUMS."""
    with zipfile.ZipFile(made[0]) as zf:
        names = zf.namelist()
        inputs = {n[len("inputs/") :]: zf.read(n) for n in names if n.startswith("inputs/")}
        sums = zf.read(SUMS).decode()
    expected = {p.relative_to(project).as_posix() for p in (project / "runs").glob("*.json")}
    assert set(inputs) == expected | {"lineage-report.toml", "README.md"}
    for rel, data in inputs.items():
        assert data == (project / rel).read_bytes(), rel
    assert {"index.html", "site/index.html", "site/.nojekyll", "site/lineage.json"} <= set(names)
    assert names[:-1] == sorted(names[:-1]) and names[-1] == SUMS
    listed = [line.split("  ", 1)[1] for line in sums.splitlines()]
    assert listed == sorted(set(names) - {SUMS})


def test_zip_entries_carry_nothing_that_varies(made):
    """Fixed time (the report's), fixed mode, Unix, deflated, no extra fields."""
    with zipfile.ZipFile(made[0]) as zf:
        infos = zf.infolist()
    assert {i.date_time for i in infos} == {(2026, 11, 16, 10, 21, 4)}  # zip time: 2 s steps
    assert {i.external_attr >> 16 for i in infos} == {0o100644}
    assert {(i.create_system, i.compress_type, i.extra) for i in infos} == {
        (3, zipfile.ZIP_DEFLATED, b"")
    }


def test_two_snapshots_are_byte_identical(made, project, tmp_path):
    """The same inputs give the same zip, byte for byte."""
    code, printed = run("snapshot", project, "-o", tmp_path / "again.zip", "-q")
    assert code == 0
    assert printed.strip() == f"snapshot digest: {made[1]}"
    assert (tmp_path / "again.zip").read_bytes() == made[0].read_bytes()


def test_source_date_epoch_sets_the_zip_time(project, tmp_path, monkeypatch):
    """SOURCE_DATE_EPOCH wins over the newest time in the inputs."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    assert run("snapshot", project, "-o", tmp_path / "a.zip", "-q")[0] == 0
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        assert {i.date_time for i in zf.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert b"2023-11-14 22:13:20 UTC" in zf.read("site/index.html")


def test_verify_passes_an_intact_zip(made):
    """An untouched snapshot verifies, with and without the digest."""
    path, digest = made
    code, printed = run("verify", path)
    assert code == 0
    assert f"snapshot digest: {digest}" in printed
    assert run("verify", path, "--digest", digest)[0] == 0
    assert run("verify", path, "--digest", digest.removeprefix("sha256:").upper())[0] == 0


def test_verify_names_an_altered_page(audit, tmp_path):
    """One byte changed inside a page is reported by name."""
    with zipfile.ZipFile(audit) as zf:
        page = zf.read("site/index.html")
    tampered = rewrite_zip(audit, tmp_path / "t.zip", change={"site/index.html": flip_byte(page)})
    code, printed = run("verify", tampered)
    assert code == 1
    assert printed.splitlines() == ["altered: site/index.html"]


def test_rewritten_sums_pass_alone_but_fail_the_digest(made, audit, tmp_path):
    """Rewriting a file and SHA256SUMS fools the sums, not the digest printed at snapshot time."""
    with zipfile.ZipFile(audit) as zf:
        data = flip_byte(zf.read("inputs/runs/deploy-morning-voice-33.json"))
        sums = zf.read(SUMS).decode()
    fake = hashlib.sha256(data).hexdigest()
    lines = [
        f"{fake}  {line.split('  ', 1)[1]}"
        if line.endswith("deploy-morning-voice-33.json")
        else line
        for line in sums.splitlines()
    ]
    changes = {
        "inputs/runs/deploy-morning-voice-33.json": data,
        SUMS: ("\n".join(lines) + "\n").encode(),
    }
    tampered = rewrite_zip(audit, tmp_path / "t.zip", change=changes)
    assert run("verify", tampered)[0] == 0
    code, printed = run("verify", tampered, "--digest", made[1])
    assert code == 1
    assert printed.splitlines() == [f"altered: {SUMS} (its digest is not {made[1]})"]


def test_added_and_removed_entries_are_reported(audit, tmp_path):
    """An entry not in the sums is added; a listed one missing is removed."""
    changes = {"site/problems.html": None, "inputs/runs/eval-vivid-moon-7.json": None}
    tampered = rewrite_zip(audit, tmp_path / "t.zip", changes, add={"site/extra.html": b"hi"})
    code, printed = run("verify", tampered)
    assert code == 1
    assert printed.splitlines() == [
        "removed: inputs/runs/eval-vivid-moon-7.json",
        "added: site/extra.html",
        "removed: site/problems.html",
    ]


def test_missing_sums_is_reported(audit, tmp_path):
    """A zip without SHA256SUMS cannot be intact."""
    tampered = rewrite_zip(audit, tmp_path / "t.zip", change={SUMS: None})
    code, printed = run("verify", tampered)
    assert (code, printed.splitlines()) == (1, [f"removed: {SUMS}"])


def test_escaping_and_special_entries_are_tampering(audit, tmp_path):
    """`..`, absolute and backslash paths, symlinks and duplicates are refused by name."""
    link = zipfile.ZipInfo("site/link.html")
    link.create_system, link.external_attr = 3, 0o120777 << 16
    tampered = rewrite_zip(
        audit,
        tmp_path / "t.zip",
        add={"../evil.sh": b"x", "/etc/cron.d/x": b"x", "site\\..\\..\\x": b"x", link: b"/etc"},
    )
    with zipfile.ZipFile(tampered, "a") as zf, pytest.warns(UserWarning, match="Duplicate"):
        zf.writestr("site/index.html", b"second copy")
    code, printed = run("verify", tampered)
    assert code == 1
    assert printed.splitlines() == [
        "unsafe path: ../evil.sh ('..', '.' or empty part)",
        "unsafe path: /etc/cron.d/x (absolute path)",
        "unsafe path: site\\..\\..\\x (backslash (a folder separator on Windows))",
        "not a regular file: site/link.html",
        "duplicate: site/index.html",
    ]


def test_sums_listing_an_escaping_path_is_tampering(audit, tmp_path):
    """A SHA256SUMS line naming `../x` is refused rather than looked up."""
    with zipfile.ZipFile(audit) as zf:
        sums = zf.read(SUMS) + b"0" * 64 + b"  ../../home/x/.ssh/id_rsa\n"
    tampered = rewrite_zip(audit, tmp_path / "t.zip", change={SUMS: sums})
    code, printed = run("verify", tampered)
    assert code == 1
    assert printed.splitlines() == [
        f"unsafe path: ../../home/x/.ssh/id_rsa in {SUMS} ('..', '.' or empty part)"
    ]


def test_unzipped_folder_verifies_and_reports_changes(made, tmp_path):
    """The folder a reviewer unzipped verifies too, and names what changed in it."""
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(made[0]) as zf:
        zf.extractall(folder)
    assert run("verify", folder, "--digest", made[1])[0] == 0
    if shutil.which("sha256sum"):
        subprocess.run(["sha256sum", "--quiet", "-c", SUMS], cwd=folder, check=True)
    (folder / "site" / "runs" / "index.html").write_text("<p>rewritten</p>")
    (folder / "site" / "graph.html").unlink()
    (folder / "inputs" / "runs" / "new.json").write_text("{}")
    os.symlink("/etc/passwd", folder / "site" / "passwd")
    code, printed = run("verify", folder)
    assert code == 1
    assert printed.splitlines() == [
        "not a regular file: site/passwd",
        "added: inputs/runs/new.json",
        "removed: site/graph.html",
        "altered: site/runs/index.html",
    ]


def test_unzipped_snapshot_adds_no_broken_links(made, sample_site, tmp_path):
    """The unzipped snapshot links as well as a plain build: the cover page, site/ relative."""
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(made[0]) as zf:
        zf.extractall(folder)
    baseline = {"site/" + p for p in check_site(sample_site)}
    assert set(check_site(folder)) - baseline == set()
    assert 'href="site/index.html"' in (folder / "index.html").read_text()


def test_site_rebuilds_from_the_snapshot_inputs(made, tmp_path):
    """inputs/ is enough to rebuild site/: every page comes out the same (the reviewer's check)."""
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(made[0]) as zf:
        zf.extractall(folder)
    assert run("build", folder / "inputs", "-o", tmp_path / "rebuilt", "-q")[0] == 0

    def pages(root: Path) -> dict[str, bytes]:
        # Hidden files are the build's own bookkeeping (its cache key names the folder).
        files = (p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}

    rebuilt, shipped = pages(tmp_path / "rebuilt"), pages(folder / "site")
    assert sorted(rebuilt) == sorted(shipped)
    assert [name for name in rebuilt if rebuilt[name] != shipped[name]] == []


def test_verify_refuses_bad_arguments(made, tmp_path, capsys):
    """A malformed digest, a missing path or a file that is not a zip: exit 1 with a message."""
    assert run("verify", made[0], "--digest", "md5:abc")[0] == 1
    assert run("verify", tmp_path / "nope.zip")[0] == 1
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    assert run("verify", tmp_path / "x.zip")[0] == 1
    err = capsys.readouterr().err
    assert "expected sha256:<64 hex digits>" in err
    assert "no such file or folder" in err
    assert "not a zip; give --digest" in err


def test_input_changed_during_snapshot_is_refused(project, tmp_path, monkeypatch, capsys):
    """A manifest rewritten after the build read it is not packed under the old digest."""
    victim = project / "runs" / "eval-vivid-moon-7.json"
    original = victim.read_bytes()
    real_build = snapshot.build

    def build_then_change(config, output):
        result = real_build(config, output)
        victim.write_bytes(original + b" ")
        return result

    monkeypatch.setattr(snapshot, "build", build_then_change)
    try:
        assert run("snapshot", project, "-o", tmp_path / "a.zip")[0] == 1
    finally:
        victim.write_bytes(original)
    assert "runs/eval-vivid-moon-7.json changed during the snapshot" in capsys.readouterr().err
    assert not (tmp_path / "a.zip").exists() and not list(tmp_path.glob(".a.zip*"))


def test_names_with_newlines_round_trip_through_the_sums():
    """GNU sha256sum escaping: a newline in a name survives format then parse."""
    sums = snapshot.format_sums({"inputs/a\nb.json": "ab" * 32, "site/x": "cd" * 32})
    assert sums.startswith(b"\\" + b"ab" * 32 + b"  inputs/a\\nb.json\n")
    assert snapshot.parse_sums(sums) == ({"inputs/a\nb.json": "ab" * 32, "site/x": "cd" * 32}, [])


def test_malformed_sums_lines_are_named():
    """A line that is not `<64 hex>  <name>` is reported by number, the rest still used."""
    listed, problems = snapshot.parse_sums(b"nope\n" + b"ab" * 32 + b"  site/x\n\n")
    assert listed == {"site/x": "ab" * 32}
    assert problems == [f"malformed: {SUMS} line 1"]


# --- The single-file report --------------------------------------------------------


@pytest.fixture(scope="module")
def single(project: Path) -> tuple[Path, str]:
    """Write the sample project's single-file report; return it and the printed digest."""
    out = project.parent / "mail" / "report.html"
    code, printed = run("snapshot", project, "--single-file", "-o", out)
    assert code == 0
    return out, printed_digest(printed, "file digest")


def test_single_file_loads_nothing(single):
    """No script, nothing loaded from anywhere, every in-file link lands on an id."""
    html = single[0].read_text()
    assert "<script" not in html.lower()
    parser = PageParser()
    parser.feed(html)
    loads = [url for _, url, loads in parser.urls if loads]
    assert loads == []
    assert check_site(single[0].parent) == []
    assert "default-src 'none'" in html


def test_single_file_holds_every_page(single, sample_site):
    """Every page of the site but the graph and 404 is a section, the index first."""
    html = single[0].read_text()
    pages = {p.relative_to(sample_site).as_posix()[:-5] for p in sample_site.rglob("*.html")}
    sections = PageParser()
    sections.feed(html)
    assert pages - {"graph", "404"} <= sections.ids
    assert html.index('id="index"') < html.index('id="runs/index"')
    assert 'href="#versions/mnist-cnn-v1-2203f3420403:overview"' in html


def test_single_file_digest_verifies(single):
    """`verify report.html --digest` checks the file's own SHA-256."""
    path, digest = single
    assert digest == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert run("verify", path, "--digest", digest)[0] == 0
    assert run("verify", path, "--digest", "0" * 64)[0] == 1


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the single-file report of a project whose every name tries to break out."""
    root = tmp_path_factory.mktemp("hostile") / "project"
    described = art(HOSTILE, type=HOSTILE, description=f"{HOSTILE} ![x](http://evil/t.png)")
    write_project(
        root,
        {
            "a.json": manifest(HOSTILE, job_type=HOSTILE, name=HOSTILE, logged=[described]),
            "b.json": manifest("ok", 5, used=[f"{HOSTILE}:v0"], notes="[j](javascript:alert(1))"),
        },
    )
    out = root.parent / "report.html"
    assert run("snapshot", root, "--single-file", "-o", out, "-q")[0] == 0
    return out


def test_single_file_escapes_hostile_text(hostile):
    """Names and descriptions stay text: no script element, no remote image, no js: link."""
    html = hostile.read_text()
    assert "<script" not in html.lower()
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned = 1" in html
    # Markdown images are rendered as links (docs/security.md): nothing loads from evil.
    assert "<img" not in html.lower() and 'src="http://evil' not in html
    assert '<a href="http://evil/t.png" rel="noopener noreferrer">x</a>' in html
    assert "[j](javascript:alert(1))" in html  # markdown-it refused the link: plain text
    assert 'href="javascript:' not in html
    assert check_site(hostile.parent) == []
