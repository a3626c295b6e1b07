"""Audit snapshots through the real CLI: real zips built, verified, tampered with and rebuilt."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import struct
import subprocess
import zipfile
import zlib
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


# --- Crafted zips: links from any system, overlapping entries, bombs, second names ----

LOCAL = struct.Struct("<4s5H3L2H")  # a local file header, before its name
CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # a central-directory record, before its name
END = struct.Struct("<4s4H2LH")  # the end-of-central-directory record
UNIX_LINK = 0o120777 << 16  # external_attr of a symlink


def small_zip(path: Path, files: dict, listed: dict[str, bytes] | None = None) -> str:
    """Write a zip of `files` (name or ZipInfo -> bytes, deflated) and a SHA256SUMS of `listed`
    (default: the files): a snapshot whose maker also made the digest. Return the digest."""
    if listed is None:
        listed = {getattr(key, "filename", key): data for key, data in files.items()}
    sums = snapshot.format_sums({n: hashlib.sha256(d).hexdigest() for n, d in listed.items()})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr(SUMS, sums)
    return snapshot.snapshot_digest(sums)


def central_records(data: bytes) -> dict[str, int]:
    """Return where each central-directory record of a zip starts, by entry name."""
    _, _, _, _, count, _, at, _ = END.unpack_from(data, data.rindex(b"PK\x05\x06"))
    records = {}
    for _ in range(count):
        name_length, extra_length, comment_length = CENTRAL.unpack_from(data, at)[12:15]
        records[data[at + CENTRAL.size : at + CENTRAL.size + name_length].decode()] = at
        at += CENTRAL.size + name_length + extra_length + comment_length
    return records


def patch(path: Path, name: str, *, size=None, crc=None, header_of=None) -> None:
    """Edit one entry of a zip in place: its declared size and CRC (in both of its headers),
    or point its central record at another entry's local header."""
    data = bytearray(path.read_bytes())
    records = central_records(bytes(data))
    local = struct.unpack_from("<L", data, records[name] + 42)[0]
    if size is not None:
        struct.pack_into("<L", data, records[name] + 24, size)
        struct.pack_into("<L", data, local + 22, size)
    if crc is not None:
        struct.pack_into("<L", data, records[name] + 16, crc)
        struct.pack_into("<L", data, local + 14, crc)
    if header_of is not None:
        target = struct.unpack_from("<L", data, records[header_of] + 42)[0]
        struct.pack_into("<L", data, records[name] + 42, target)
    path.write_bytes(bytes(data))


def deflated_zeros(size: int) -> bytes:
    """Return a raw deflate stream of `size` zero bytes (about a thousandth as long)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(1 << 20)
    parts = [packer.compress(block[: size - at]) for at in range(0, size, len(block))]
    return b"".join(parts) + packer.flush()


def local_header(name: str, method: int, crc: int, packed: int, size: int) -> bytes:
    """Return a zip local file header, with its name."""
    raw = name.encode()
    return LOCAL.pack(b"PK\x03\x04", 20, 0, method, 0, 33, crc, packed, size, len(raw), 0) + raw


def central_record(name: str, header: bytes, at: int) -> bytes:
    """Return the central-directory record of a plain Unix file whose local header is `header`
    (at offset `at`), with its name."""
    _, _, _, method, _, _, crc, packed, size, _, _ = LOCAL.unpack_from(header)
    raw = name.encode()
    fields = (20, 3, 20, 0, 0, method, 0, 33, crc, packed, size, len(raw), 0, 0, 0, 0)
    return CENTRAL.pack(b"PK\x01\x02", *fields, 0o100644 << 16, at) + raw


def overlap_bomb(path: Path, names: list[str], kernel_size: int) -> bytes:
    """Write a zip bomb of overlapping entries in the style of David Fifield's: each entry's
    deflate data quotes the next entry's local header in a stored block and runs on into that
    entry's data, down to one shared kernel, so every entry inflates to the whole kernel.
    SHA256SUMS lists every name (with made-up sums: the names are what match). CRCs are left 0:
    verify must refuse the zip long before it would check one. Return the SHA256SUMS bytes."""
    kernel = deflated_zeros(kernel_size)
    headers: list[bytes] = []
    packed, size = len(kernel), kernel_size
    for name in reversed(names):  # from the last: a header declares all that follows it
        if headers:
            packed += 5 + len(headers[0])
            size += len(headers[0])
        headers.insert(0, local_header(name, 8, 0, packed, size))
    body = central = b""
    for i, (name, header) in enumerate(zip(names, headers, strict=True)):
        central += central_record(name, header, len(body))
        body += header
        if i + 1 < len(headers):  # a stored, non-final block holding the next header
            quoted = len(headers[i + 1])
            body += b"\x00" + struct.pack("<HH", quoted, quoted ^ 0xFFFF)
    body += kernel
    sums = snapshot.format_sums({name: "0" * 64 for name in names})
    header = local_header(SUMS, 0, zlib.crc32(sums), len(sums), len(sums))
    central += central_record(SUMS, header, len(body))
    body += header + sums
    count = len(names) + 1
    path.write_bytes(
        body + central + END.pack(b"PK\x05\x06", 0, 0, count, count, len(central), len(body), 0)
    )
    return sums


@pytest.mark.parametrize("system", [0, 2, 5, 16, 30])
def test_links_are_refused_whatever_system_made_the_zip(tmp_path, system):
    """A symlink mode counts even when the entry claims DOS, VMS, Atari, BeOS or AtheOS:
    unzip makes links from all of those but DOS."""
    link = zipfile.ZipInfo("site/passwd.html")
    link.create_system, link.external_attr = system, UNIX_LINK
    files = {"site/index.html": b"<p>hi</p>", link: b"../../../../etc/passwd"}
    digest = small_zip(tmp_path / "t.zip", files)
    code, printed = run("verify", tmp_path / "t.zip", "--digest", digest)
    assert (code, printed.splitlines()) == (1, ["not a regular file: site/passwd.html"])
    if shutil.which("unzip") and system:  # what a reviewer's unzip would have done with it
        subprocess.run(["unzip", "-q", tmp_path / "t.zip", "-d", tmp_path / "out"], check=True)
        assert (tmp_path / "out" / "site" / "passwd.html").is_symlink()


def test_windows_reparse_points_are_refused(tmp_path):
    """The Windows attribute for links counts too, with no mode bits at all."""
    link = zipfile.ZipInfo("site/a.html")
    link.create_system, link.external_attr = 0, 0x400
    small_zip(tmp_path / "t.zip", {link: b"C:\\Windows"})
    assert run("verify", tmp_path / "t.zip") == (1, "not a regular file: site/a.html\n")


def test_overlapping_bomb_is_refused_before_anything_is_inflated(tmp_path):
    """Fifield-style overlapping entries: each would inflate to 16 MiB (1 GiB in all, from a
    zip of 28 KB), and SHA256SUMS lists all their names. Every entry is refused as overlapping
    and nothing but SHA256SUMS is inflated."""
    names = [f"site/p{i:02d}.html" for i in range(64)]
    sums = overlap_bomb(tmp_path / "bomb.zip", names, 16 << 20)
    assert (tmp_path / "bomb.zip").stat().st_size < 30_000
    scan = snapshot.scan_zip(tmp_path / "bomb.zip")
    assert scan.inflated == len(sums)
    code, printed = run("verify", tmp_path / "bomb.zip")
    assert code == 1
    assert printed.splitlines() == [
        "overlapping: site/p00.html (shares bytes with site/p01.html)",
        *[f"overlapping: {name} (shares bytes with site/p00.html)" for name in names[1:]],
    ]


def test_entries_sharing_one_local_header_are_refused(tmp_path):
    """Several central records pointing at one entry's data: all of them are refused."""
    files = {"site/a.html": b"a" * 1000, "site/b.html": b"b", "site/c.html": b"c"}
    small_zip(tmp_path / "t.zip", files)
    patch(tmp_path / "t.zip", "site/b.html", header_of="site/a.html")
    patch(tmp_path / "t.zip", "site/c.html", header_of="site/a.html")
    assert run("verify", tmp_path / "t.zip") == (
        1,
        "overlapping: site/a.html (shares bytes with site/b.html)\n"
        "overlapping: site/b.html (shares bytes with site/c.html)\n"
        "overlapping: site/c.html (shares bytes with site/b.html)\n",
    )


def test_names_are_compared_with_the_sums_before_anything_is_inflated(tmp_path):
    """A file SHA256SUMS does not list is reported as added without being inflated."""
    page = b"<p>report</p>"
    digest = small_zip(tmp_path / "t.zip", {"site/index.html": page}, {"site/index.html": page})
    with zipfile.ZipFile(tmp_path / "t.zip", "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("site/zeros.bin", bytes(64 << 20))  # 64 MiB in 64 KB
    scan = snapshot.scan_zip(tmp_path / "t.zip")
    with zipfile.ZipFile(tmp_path / "t.zip") as zf:
        assert scan.inflated == len(page) + zf.getinfo(SUMS).file_size
    code, printed = run("verify", tmp_path / "t.zip", "--digest", digest)
    assert (code, printed.splitlines()) == (1, ["added: site/zeros.bin"])


def test_entry_inflating_past_its_declared_size_is_stopped(tmp_path):
    """An entry that declares 1,000 bytes (and the CRC and sum of those) but inflates to
    8 MiB: zipfile alone would read the first 1,000 bytes and call it intact."""
    first = bytes(1000)
    digest = small_zip(tmp_path / "t.zip", {"site/a.bin": bytes(8 << 20)}, {"site/a.bin": first})
    patch(tmp_path / "t.zip", "site/a.bin", size=len(first), crc=zlib.crc32(first))
    code, printed = run("verify", tmp_path / "t.zip", "--digest", digest)
    assert code == 1
    assert printed.splitlines() == [
        "oversized: site/a.bin (holds more than its declared 1,000 bytes)"
    ]


def test_sizes_no_zip_of_this_size_can_hold_are_refused_unread(tmp_path):
    """Declared sizes past what deflate can pack into the whole zip are refused before reading."""
    digest = small_zip(tmp_path / "t.zip", {"site/a.bin": b"a"})
    patch(tmp_path / "t.zip", "site/a.bin", size=0xFFFF_FFF0)
    assert snapshot.scan_zip(tmp_path / "t.zip").inflated == len(
        snapshot.format_sums({"site/a.bin": hashlib.sha256(b"a").hexdigest()})
    )
    code, printed = run("verify", tmp_path / "t.zip", "--digest", digest)
    assert (code, printed.splitlines()) == (
        1,
        ["oversized: site/a.bin (declares 4,294,967,280 bytes, more than the zip can hold)"],
    )


def test_second_name_in_an_extra_field_is_tampering(made, audit, tmp_path):
    """unzip writes an entry under the UTF-8 name of its 0x7075 extra field: added to an honest
    entry, it overwrites another page without changing a byte the sums cover."""
    name, target = "site/problems.html", "site/index.html"
    payload = struct.pack("<BL", 1, zlib.crc32(name.encode())) + target.encode()
    tampered = tmp_path / "t.zip"
    with zipfile.ZipFile(audit) as zin, zipfile.ZipFile(tampered, "w") as zout:
        for info in zin.infolist():
            if info.filename == name:
                info.extra = struct.pack("<HH", 0x7075, len(payload)) + payload
            zout.writestr(info, zin.read(info.filename))
    code, printed = run("verify", tampered, "--digest", made[1])
    assert (code, printed.splitlines()) == (
        1,
        ["unsafe path: site/problems.html (its extra field gives it a second name)"],
    )
    if shutil.which("unzip"):
        subprocess.run(["unzip", "-q", "-o", tampered, "-d", tmp_path / "out"], check=True)
        assert not (tmp_path / "out" / name).exists()


def test_local_header_naming_another_file_is_tampering(tmp_path):
    """Tools that stream a zip read the local header's name, unzip the central one's."""
    small_zip(tmp_path / "t.zip", {"site/a.html": b"a"})
    data = tmp_path.joinpath("t.zip").read_bytes()
    at = data.index(b"site/a.html")  # the first one is in the local header
    tmp_path.joinpath("t.zip").write_bytes(data[:at] + b"site/b.html" + data[at + 11 :])
    assert run("verify", tmp_path / "t.zip") == (
        1,
        "malformed: site/a.html (its local header names site/b.html)\n",
    )


# --- Names a case-insensitive or normalizing file system merges --------------------

NFC, NFD = "r\u00e9sum\u00e9", "re\u0301sume\u0301"


@pytest.fixture(scope="module")
def clashing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a project with runs/A.json beside runs/a.json, and an NFC beside an NFD name."""
    root = tmp_path_factory.mktemp("clash") / "project"
    write_project(
        root,
        {
            "runs/A.json": manifest("upper", 0),
            "runs/a.json": manifest("lower", 2),
            f"runs/{NFC}.json": manifest("nfc", 4),
            f"runs/{NFD}.json": manifest("nfd", 6),
        },
    )
    return root


def test_snapshot_warns_about_names_that_clash(clashing, tmp_path, capsys):
    """Both names in each pair are named, the NFC/NFD pair by code point."""
    code, _ = run("snapshot", clashing, "-o", tmp_path / "a.zip")
    assert code == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "clash" in line]
    assert warnings == [
        "runs/a.json: name clash: runs/A.json and runs/a.json differ only in case; unzipped on "
        "a case-insensitive file system (Windows, macOS), one replaces the other "
        "[snapshot.name-clash]",
        f"runs/{NFC}.json: name clash: runs/re\\u0301sume\\u0301.json and "
        "runs/r\\xe9sum\\xe9.json differ only in Unicode normalization (NFC/NFD); "
        "unzipped on macOS, one replaces the other [snapshot.name-clash]",
    ]


def test_verify_warns_about_names_that_clash_but_passes(clashing, tmp_path):
    """The snapshot is intact (exit 0); the warning says where unzipping it loses a file."""
    out = tmp_path / "a.zip"
    run("snapshot", clashing, "-o", out)
    code, printed = run("verify", out)
    assert code == 0
    assert printed.splitlines()[:2] == [
        "warning: name clash: inputs/runs/A.json and inputs/runs/a.json differ only in case; "
        "unzipped on a case-insensitive file system (Windows, macOS), one replaces the other",
        "warning: name clash: inputs/runs/re\\u0301sume\\u0301.json and "
        "inputs/runs/r\\xe9sum\\xe9.json differ only in Unicode normalization (NFC/NFD); "
        "unzipped on macOS, one replaces the other",
    ]
    assert printed.splitlines()[2].startswith("OK: ")


def test_folders_that_clash_are_named_once():
    """Two spellings of one folder are one clash, not one per file inside."""
    names = ["inputs/Runs/a.json", "inputs/runs/a.json", "inputs/runs/b.json", "SHA256SUMS"]
    assert snapshot.name_clashes(names) == [("inputs/Runs/", "inputs/runs/")]
    assert snapshot.name_clashes(["a/straße", "a/STRASSE", "a/x"]) == []  # no FS folds ß


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


def test_single_file_closes_the_rows_the_site_leaves_open(single, sample_site):
    """The site's node tables leave their cells' end tags out (HTML implies them); the
    single file writes every row whole, one cell after another, none inside another."""
    site_page = (sample_site / "versions" / "mnist-cnn-v1-2203f3420403.html").read_text()
    assert '<tr class="run"><td>1<td><a href=' in site_page
    html = single[0].read_text()
    assert '<tr class="run"><td>1</td><td><a href="#runs/' in html
    assert "<td><td>" not in html and "</td></td>" not in html
    assert html.count("<tr") == html.count("</tr>")
    assert html.count("<td") == html.count("</td>")


def test_single_file_shows_the_graphs_no_js_note_as_a_paragraph(single):
    """No script runs in the single file: each graph's <noscript> note is a styled paragraph."""
    html = single[0].read_text()
    note = "The graph needs JavaScript; this page's lists show the same lineage."
    assert html.count(f'<p class="lg-noscript">{note}</p>') > 10
    assert "<noscript" not in html


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
