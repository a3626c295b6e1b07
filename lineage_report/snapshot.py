"""Audit snapshots: the built site, the exact inputs it came from, and a SHA256SUMS, in one zip.

`snapshot` builds the site into a temporary folder and packs `site/` (the built site),
`inputs/` (every input file the build read, plus `lineage-report.toml` and the README) and
`SHA256SUMS` (sha256sum format) into a deterministic zip: the same inputs give the same bytes.
It prints one digest over `SHA256SUMS` for the CI log or the review ticket, because sums kept
inside the zip prove nothing against someone who rewrites both.

`verify` checks a zip (read in place) or an unzipped folder against its `SHA256SUMS`, and the
sums against that digest when given, naming every altered, added or removed file. Entries
that unzip would not make a plain file inside the folder (escaping paths, links by their mode
bits from any system, second names) are reported as tampering. A zip is hostile input, so
its work is bounded by its size: names are compared with the sums before anything is
inflated, entries sharing bytes (zip bombs) are refused unread, and no entry inflates past its
declared size. Names that a case-insensitive or normalizing file system takes for one are
warned about by both commands.

`snapshot --single-file` writes one self-contained HTML page instead, for mail: see
`singlefile`. The command line of both is `commands/snapshot.py`.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import re
import stat
import struct
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import jinja2

from . import inputfiles
from .build import BuildResult, about, build, build_time
from .collect import input_limit
from .config import MAX_MANIFEST_MB, Config
from .errors import LineageReportError
from .naming import STATUS_NAME
from .problems import WARNING, Problem, Problems
from .remote import archive_name, is_url, keeping
from .render import environment, themes_root
from .version import __version__
from .write import atomic_file

SUMS = "SHA256SUMS"
NOT_STORED = "snapshot.not-stored"
SITE = "site/"
INPUTS = "inputs/"
COVER = "index.html"
CHUNK = 1 << 20
SUMS_LIMIT = 64 << 20  # a sums file this big lists ~600,000 files; more is not ours
FILE_ATTR = (stat.S_IFREG | 0o644) << 16  # a plain rw-r--r-- file, whoever unpacks it
UNIX = 3  # ZipInfo.create_system: the attributes above are Unix mode bits
ZIP_MIN = datetime(1980, 1, 1, tzinfo=UTC)  # the zip format cannot say earlier or later
ZIP_MAX = datetime(2107, 12, 31, 23, 59, 58, tzinfo=UTC)
DIGEST = re.compile(r"(?:sha256:)?([0-9a-fA-F]{64})")
SUMS_LINE = re.compile(r"(\\?)([0-9a-fA-F]{64}) [ *](.*)")
# Deflate gives at most 258 bytes for 2 bits of input: no entry of a zip of n bytes can
# inflate to more than 1,032 n, and non-overlapping entries cannot all do so at once.
DEFLATE_RATIO = 1032
LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # a local file header, before its name and extra
LOCAL_SIGNATURE = b"PK\x03\x04"
UNICODE_PATH = 0x7075  # Info-ZIP's extra field holding a second (UTF-8) name, which unzip uses
DOS_REPARSE_POINT = 0x400  # a Windows attribute: a link, whatever the mode bits say


# --- Archive paths -----------------------------------------------------------------


def unsafe_reason(name: str) -> str | None:
    """Return why an archive path could land outside the folder it is unpacked into."""
    if not name or "\x00" in name:
        return "empty or NUL in the name"
    if "\\" in name:
        return "backslash (a folder separator on Windows)"
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "absolute path"
    if any(part in ("", ".", "..") for part in name.rstrip("/").split("/")):
        return "'..', '.' or empty part"
    return None


def show(name: str) -> str:
    """Return a name fit for a terminal: control, bidi and undecodable characters escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


# --- SHA256SUMS ---------------------------------------------------------------------


def sums_line(hexdigest: str, name: str) -> str:
    """Return one sha256sum line, escaping a newline or CR in the name the way GNU does."""
    if "\n" in name or "\r" in name:
        escaped = name.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
        return f"\\{hexdigest}  {escaped}\n"
    return f"{hexdigest}  {name}\n"


def format_sums(hashes: dict[str, str]) -> bytes:
    """Return a SHA256SUMS file for `name -> hex digest`, sorted by name."""
    return "".join(sums_line(hashes[n], n) for n in sorted(hashes)).encode("utf-8")


def unescape_name(name: str) -> str:
    """Undo GNU sha256sum's escaping of `\\\\`, `\\n` and `\\r` in a name."""
    table = {"\\": "\\", "n": "\n", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: table.get(m.group(1), m.group(0)), name)


def parse_sums(data: bytes) -> tuple[dict[str, str], list[str]]:
    """Read a SHA256SUMS file into `name -> hex`, with a problem for each line it cannot use."""
    listed: dict[str, str] = {}
    problems: list[str] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return {}, [f"malformed: {SUMS} is not UTF-8"]
    for number, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        match = SUMS_LINE.fullmatch(line)
        if not match:
            problems.append(f"malformed: {SUMS} line {number}")
            continue
        name = unescape_name(match.group(3)) if match.group(1) else match.group(3)
        if name in listed:
            problems.append(f"malformed: {SUMS} lists {show(name)} twice")
        reason = unsafe_reason(name)
        if reason:
            problems.append(f"unsafe path: {show(name)} in {SUMS} ({reason})")
            continue
        listed[name] = match.group(2).lower()
    return listed, problems


def snapshot_digest(sums: bytes) -> str:
    """Return the digest of a whole snapshot: the SHA-256 of its SHA256SUMS file."""
    return "sha256:" + hashlib.sha256(sums).hexdigest()


def normal_digest(text: str) -> str:
    """Return `sha256:<hex>` for a digest given with or without its prefix, in any case."""
    match = DIGEST.fullmatch(text.strip())
    if not match:
        raise LineageReportError(f"--digest {text!r}: expected sha256:<64 hex digits>")
    return "sha256:" + match.group(1).lower()


# --- Names that one file system may take for one -----------------------------------


def folded(part: str) -> str:
    """Return a name as case-insensitive, normalizing file systems compare it."""
    decomposed = unicodedata.normalize("NFD", part)
    # One-to-one case mappings only: NTFS and APFS do not fold "ß" into "ss".
    return "".join(c.upper() if len(c.upper()) == 1 else c for c in decomposed)


def name_clashes(names: Iterable[str]) -> list[tuple[str, str]]:
    """Return pairs of paths (folders end in "/") that differ only in case or normalization.

    Paths are compared part by part within one folder, so two spellings of a folder count
    once, not once for every file inside it.
    """
    folders = {name[: at + 1] for name in names for at, c in enumerate(name) if c == "/"}
    groups: dict[tuple[str, str], list[str]] = {}
    for path in sorted(set(names) | folders):
        parent, _, last = path.rstrip("/").rpartition("/")
        groups.setdefault((parent, folded(last)), []).append(path)
    return [(group[0], other) for group in groups.values() for other in group[1:]]


def clash_text(a: str, b: str) -> str:
    """Say how two names collide, spelled so that a reader can tell them apart."""
    if unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", b):
        a, b = (name.encode("ascii", "backslashreplace").decode() for name in (a, b))
        how = "Unicode normalization (NFC/NFD); unzipped on macOS"
    else:
        a, b = show(a), show(b)
        how = "case; unzipped on a case-insensitive file system (Windows, macOS)"
    return f"{a} and {b} differ only in {how}, one replaces the other"


def clash_warnings(names: list[str]) -> list[Problem]:
    """Return a warning for each pair of entries that a case-insensitive or normalizing file
    system merges."""
    found = []
    for a, b in name_clashes(names):
        a, b = (name.removeprefix(INPUTS) for name in (a, b))  # the project's own paths
        message = f"name clash: {clash_text(a, b)}"
        found.append(Problem(b, "", message, "snapshot.name-clash", WARNING))
    return found


# --- Making a snapshot --------------------------------------------------------------


@dataclass
class SnapshotResult:
    """What `snapshot` wrote: the file, its digest, how many files it holds, its size."""

    path: Path
    digest: str
    files: int
    size: int
    build: BuildResult
    problems: list[Problem] = field(default_factory=list)  # the snapshot's own, not the build's


# One member of the zip: its name and how to get its bytes (read late, one at a time).
ZipMember = tuple[str, Callable[[], bytes]]


def project_path(config: Config, path: Path | None) -> str | None:
    """Return `path` relative to the project folder (posix), or None when it lies outside."""
    if path is None or not path.is_file():
        return None
    rel = Path(os.path.relpath(os.path.normpath(path), config.root)).as_posix()
    return None if rel.startswith("../") or rel == ".." or unsafe_reason(rel) else rel


def extra_files(config: Config, problems: Problems) -> dict[str, Path]:
    """Return the config file and the README by project path: they shape the site too."""
    found = {}
    for path in (config.config_file, config.readme):
        rel = project_path(config, path)
        if rel:
            found[rel] = path
        elif path is not None and path.is_file():
            problems.add(not_stored(config, path))
    return found


def not_stored(config: Config, path: Path) -> Problem:
    """Return the warning for a config file or README that `inputs/` cannot hold."""
    rel = Path(os.path.relpath(os.path.normpath(path), config.root)).as_posix()
    if rel == ".." or rel.startswith("../"):
        message = f"lies outside the project folder; it is not in {INPUTS}"
        return Problem(str(path), "", message, NOT_STORED, WARNING)
    message = f"a zip cannot hold this name safely ({unsafe_reason(rel)}); it is not in {INPUTS}"
    return Problem(rel, "", message, NOT_STORED, WARNING)


def read_all(config: Config, paths: dict[str, Path]) -> dict[str, bytes]:
    """Read each file of `name -> path` as the build reads it: inside the project, capped."""
    limit = max(config.max_manifest_mb, MAX_MANIFEST_MB)  # the config file's own limit
    found = {}
    for rel, path in paths.items():
        try:
            found[rel] = inputfiles.read_inside(config.root, path, limit)
        except inputfiles.Refused as exc:
            message = f"{rel} changed during the snapshot: {exc}; run it again"
            raise LineageReportError(message) from None
    return found


def input_reader(config: Config, rel: str, expected: str, kept: Path) -> Callable[[], bytes]:
    """Return a reader of one input that refuses bytes other than those the build read.

    It reads as the build did, one file at a time: inside the project folder (a link
    swapped in since is not followed out), a regular file, never past the size limit.
    An object in a bucket is not downloaded again: its copy was kept as the build read it.
    """
    limit = input_limit(config, rel)  # the build read no more

    def read() -> bytes:
        try:
            if config.remote is not None or is_url(rel):
                copy = kept / expected  # none: the check below refuses it
                data = inputfiles.read_capped(copy, limit) if copy.is_file() else b""
            else:
                path = config.root.joinpath(*rel.split("/"))
                data = inputfiles.read_inside(config.root, path, limit)
        except inputfiles.Refused as exc:
            message = f"{rel} changed during the snapshot: {exc}; run it again"
            raise LineageReportError(message) from None
        if hashlib.sha256(data).hexdigest() != expected:
            raise LineageReportError(f"{rel} changed during the snapshot; run it again")
        return data

    return read


def input_entries(
    config: Config, inputs: dict[str, str], extras: dict[str, bytes], kept: Path
) -> list[ZipMember]:
    """Return the `inputs/` entries: every file the build read, the config and the README.

    An input named by its URL goes under its scheme and bucket: `inputs/s3/bucket/key`.
    """
    entries = {
        INPUTS + archive_name(rel): input_reader(config, rel, digest, kept)
        for rel, digest in inputs.items()
    }
    for rel, data in extras.items():
        entries.setdefault(INPUTS + rel, lambda data=data: data)
    return list(entries.items())


def site_entries(site: Path) -> list[ZipMember]:
    """Return the `site/` entries: every file of the built site but the incremental cache."""
    files = sorted(p for p in site.rglob("*") if p.is_file() and p.name != STATUS_NAME)
    return [(SITE + p.relative_to(site).as_posix(), p.read_bytes) for p in files]


def zip_time(result: BuildResult) -> tuple[int, int, int, int, int, int]:
    """Return the time stamped on every entry: SOURCE_DATE_EPOCH, else the report's time."""
    try:
        moment = datetime.fromisoformat(build_time(result.lineage))
        moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        moment = ZIP_MIN  # no time in the inputs: any fixed time keeps the zip reproducible
    moment = min(max(moment, ZIP_MIN), ZIP_MAX)
    return moment.timetuple()[:6]


def zip_info(name: str, when: tuple[int, ...]) -> zipfile.ZipInfo:
    """Return an entry header with nothing that varies between machines or runs."""
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = UNIX
    info.external_attr = FILE_ATTR
    info.extra = b""
    return info


def write_zip(output: Path, entries: list[ZipMember], when: tuple[int, ...]) -> tuple[str, int]:
    """Write the entries sorted, then SHA256SUMS; return the snapshot digest and entry count."""
    hashes: dict[str, str] = {}
    with atomic_file(output) as tmp, zipfile.ZipFile(tmp, "w") as zf:
        for name, read in sorted(entries, key=lambda entry: entry[0]):
            if unsafe_reason(name) or name == SUMS or name in hashes:
                raise LineageReportError(f"refusing to store {show(name)!r} in the snapshot")
            data = read()
            hashes[name] = hashlib.sha256(data).hexdigest()
            zf.writestr(zip_info(name, when), data, compresslevel=9)
        sums = format_sums(hashes)
        zf.writestr(zip_info(SUMS, when), sums, compresslevel=9)
    return snapshot_digest(sums), len(hashes) + 1


def make_snapshot(config: Config, output: Path) -> SnapshotResult:
    """Build the site and pack it with its inputs and their sums into a reproducible zip."""
    problems = Problems()  # the snapshot's own, printed as found, as the build's are
    paths = extra_files(config, problems)
    extras = read_all(config, paths)
    with tempfile.TemporaryDirectory(prefix="lineage-snapshot-") as tmp:
        with keeping(Path(tmp) / "downloaded") as kept:  # objects read from a bucket
            result = build(config, Path(tmp) / "site")
        if read_all(config, paths) != extras:
            raise LineageReportError("the config or README changed during the snapshot; retry")
        entries = site_entries(result.output)
        settings = {**config.remote_files, **extras}  # a bucket's settings, as they were read
        entries += input_entries(config, result.lineage.inputs, settings, kept)
        cover = render_cover(config, result, len(entries) + 2)
        entries.append((COVER, lambda: cover))
        problems.extend(clash_warnings([name for name, _ in entries] + [SUMS]))
        digest, count = write_zip(output, entries, zip_time(result))
    return SnapshotResult(output, digest, count, output.stat().st_size, result, problems.items)


def snapshot_template(name: str) -> jinja2.Template:
    """Return one of the snapshot's own page templates (`themes/default/snapshot/<name>`)."""
    # The bundled theme only: a custom theme styles the site, not the snapshot's wrapper pages.
    return environment([themes_root() / "default"]).get_template(f"snapshot/{name}")


def render_cover(config: Config, result: BuildResult, files: int) -> bytes:
    """Render the snapshot's top-level index.html, which points at site/index.html."""
    page = snapshot_template("cover.html").render(
        title=config.title,
        generator=f"lineage-report {__version__}",
        fields=about(result.lineage),
        files=files,
    )
    return page.encode("utf-8")


# --- Verifying a snapshot -----------------------------------------------------------


class Refused(Exception):
    """Why one file of a snapshot cannot be trusted: the kind and detail of its line."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass
class Member:
    """One file of a snapshot: its name, the size it declares, and a reader of its bytes."""

    name: str
    size: int
    chunks: Callable[[], Iterator[bytes]]


@dataclass
class Scan:
    """What a snapshot holds: each file's SHA-256, the SHA256SUMS bytes, and what is wrong."""

    hashes: dict[str, str | None] = field(default_factory=dict)  # None: not listed, not read
    sums: bytes | None = None
    listed: dict[str, str] = field(default_factory=dict)  # what SHA256SUMS says, by name
    sums_problems: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)  # reported already: not compared again
    inflated: int = 0  # bytes read out of the snapshot's files, SHA256SUMS included
    budget: float = math.inf  # the most bytes its files may hold together


@dataclass
class Verification:
    """The outcome of `verify`: files checked, the digest found, and every problem."""

    files: int
    digest: str
    problems: list[str]
    kind: str = "zip"  # "zip", "folder" or "file" (a single-file report checked by digest)
    warnings: list[str] = field(default_factory=list)  # true of an intact snapshot too

    @property
    def ok(self) -> bool:
        """Tell whether the snapshot is intact."""
        return not self.problems


def hash_stream(read: Callable[[int], bytes]) -> str:
    """Return the hex SHA-256 of a stream, read in chunks."""
    sha = hashlib.sha256()
    while chunk := read(CHUNK):
        sha.update(chunk)
    return sha.hexdigest()


def refuse(scan: Scan, name: str, line: str) -> bool:
    """Report a file that is not compared with the sums (its line says why); return False."""
    scan.problems.append(line)
    scan.refused.add(name)
    return False


def consume(scan: Scan, member: Member, sink: Callable[[bytes], object]) -> bool:
    """Feed a file's bytes to `sink` within the scan's budget; report a problem and say so."""
    name = show(member.name)
    if scan.inflated + member.size > scan.budget:
        line = f"oversized: {name} (declares {member.size:,} bytes, more than the zip can hold)"
        return refuse(scan, member.name, line)
    try:
        for chunk in member.chunks():
            scan.inflated += len(chunk)
            sink(chunk)
    except Refused as exc:
        return refuse(scan, member.name, f"{exc.kind}: {name} ({exc.detail})")
    except (OSError, zlib.error) as exc:
        return refuse(scan, member.name, f"altered: {name} (unreadable: {exc})")
    return True


def read_sums(scan: Scan, member: Member) -> None:
    """Read SHA256SUMS (bounded) and what it lists."""
    if member.size > SUMS_LIMIT:
        refuse(scan, SUMS, f"malformed: {SUMS} is over {SUMS_LIMIT >> 20} MB")
        return
    data = bytearray()
    if consume(scan, member, data.extend):
        scan.sums = bytes(data)
        scan.listed, scan.sums_problems = parse_sums(scan.sums)


def read_members(scan: Scan, members: list[Member]) -> None:
    """Read SHA256SUMS first, then hash only the files it lists: the others are added anyway."""
    first: dict[str, Member] = {}
    for member in members:
        if member.name in first:
            scan.problems.append(f"duplicate: {show(member.name)}")
        else:
            first[member.name] = member
    if SUMS in first:
        read_sums(scan, first.pop(SUMS))
    for name, member in first.items():
        scan.hashes[name] = None
        if name in scan.listed:
            sha = hashlib.sha256()
            if consume(scan, member, sha.update):
                scan.hashes[name] = sha.hexdigest()


def extra_ids(extra: bytes) -> set[int]:
    """Return the ids of the fields in a zip entry's extra block."""
    ids, at = set(), 0
    while at + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, at)
        ids.add(kind)
        at += 4 + size
    return ids


def entry_problem(info: zipfile.ZipInfo) -> str | None:
    """Return why a zip entry cannot be trusted as a plain file, or None."""
    name = show(info.orig_filename)
    reason = unsafe_reason(info.orig_filename)
    if reason:
        return f"unsafe path: {name} ({reason})"
    if UNICODE_PATH in extra_ids(info.extra):
        return f"unsafe path: {name} (its extra field gives it a second name)"
    # Mode bits count whatever system the entry claims to come from: unzip reads them from
    # several (VMS, Atari, BeOS, AtheOS...), so a "DOS" symlink is still a symlink.
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR) or info.external_attr & DOS_REPARSE_POINT:
        return f"not a regular file: {name}"
    if info.flag_bits & 0x1:
        return f"encrypted: {name}"
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return f"unsupported: {name} (compression method {info.compress_type})"
    return None


def central_name(info: zipfile.ZipInfo) -> bytes:
    """Return an entry's name as the central directory spells it."""
    return info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")


@dataclass
class Span:
    """Where an entry lies in the zip, by its local header, and what that header says."""

    begin: int  # the local header
    start: int  # the data
    end: int
    name: bytes
    extra: bytes


def local_span(raw: BinaryIO, info: zipfile.ZipInfo) -> Span:
    """Read an entry's local header; return where its header and data lie."""
    raw.seek(info.header_offset)
    head = raw.read(LOCAL_HEADER.size)
    if len(head) < LOCAL_HEADER.size or not head.startswith(LOCAL_SIGNATURE):
        raise Refused("malformed", "no local header where the central directory points")
    name_length, extra_length = LOCAL_HEADER.unpack(head)[-2:]
    name, extra = raw.read(name_length), raw.read(extra_length)
    start = info.header_offset + LOCAL_HEADER.size + name_length + extra_length
    return Span(info.header_offset, start, start + info.compress_size, name, extra)


def span_problem(info: zipfile.ZipInfo, span: Span, end: int) -> Refused | None:
    """Return why an entry's local header disagrees with the central directory, or None."""
    if span.name != central_name(info):
        local = show(span.name.decode("utf-8", "replace"))
        return Refused("malformed", f"its local header names {local}")
    if UNICODE_PATH in extra_ids(span.extra):
        return Refused("unsafe path", "its extra field gives it a second name")
    if span.end > end:
        return Refused("malformed", "its data runs into the central directory")
    return None


def overlapping(spans: dict[zipfile.ZipInfo, Span]) -> dict[zipfile.ZipInfo, str]:
    """Return each entry whose bytes overlap another entry's, with the name of one of those."""
    shared: dict[zipfile.ZipInfo, str] = {}
    reach: zipfile.ZipInfo | None = None  # of the entries so far, the one ending furthest
    for info, span in sorted(spans.items(), key=lambda item: (item[1].begin, item[1].end)):
        if reach is not None and span.begin < spans[reach].end:
            shared.setdefault(info, reach.filename)
            shared.setdefault(reach, info.filename)
        if reach is None or span.end > spans[reach].end:
            reach = info
    return shared


def data_starts(scan: Scan, raw: BinaryIO, infos: list[zipfile.ZipInfo], end: int) -> dict:
    """Return where each sound entry's data starts; refuse entries whose bytes are not theirs.

    An entry owns its local header and its data: entries sharing bytes (a zip bomb's trick,
    many names for one stretch of compressed data) are refused before anything is inflated.
    """
    spans, refusals = {}, {}
    for info in infos:
        try:
            spans[info] = local_span(raw, info)
        except Refused as exc:
            refusals[info] = exc
    for info, other in overlapping(spans).items():
        refusals[info] = Refused("overlapping", f"shares bytes with {show(other)}")
    for info, span in spans.items():
        problem = refusals.get(info) or span_problem(info, span, end)
        if problem:
            refusals[info] = problem
    for info in infos:  # in the zip's own order
        if info in refusals:
            exc = refusals[info]
            refuse(scan, info.filename, f"{exc.kind}: {show(info.filename)} ({exc.detail})")
    return {info: span.start for info, span in spans.items() if info not in refusals}


def zip_blocks(raw: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    """Yield `length` bytes of the zip from `start`, in chunks."""
    at, end = start, start + length
    while at < end:
        raw.seek(at)  # one file handle for every entry: never trust where it was left
        block = raw.read(min(CHUNK, end - at))
        if not block:
            raise Refused("altered", "unreadable: the zip ends inside it")
        at += len(block)
        yield block


def inflate(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """Yield the output of a raw deflate stream, at most CHUNK bytes at a time."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    for block in blocks:
        data = block
        while data and not inflater.eof:
            yield inflater.decompress(data, CHUNK)
            data = inflater.unconsumed_tail
        if inflater.eof:
            return
    while not inflater.eof:  # output still held back by the CHUNK limit
        piece = inflater.decompress(b"", CHUNK)
        if not piece:
            raise Refused("altered", "unreadable: its compressed data ends early")
        yield piece


def entry_chunks(raw: BinaryIO, info: zipfile.ZipInfo, start: int) -> Iterator[bytes]:
    """Yield an entry's bytes from its own data only, stopping once past its declared size."""
    blocks = zip_blocks(raw, start, info.compress_size)
    pieces = inflate(blocks) if info.compress_type == zipfile.ZIP_DEFLATED else blocks
    size = crc = 0
    for piece in pieces:
        size += len(piece)
        if size > info.file_size:
            raise Refused("oversized", f"holds more than its declared {info.file_size:,} bytes")
        crc = zlib.crc32(piece, crc)
        yield piece
    if size != info.file_size:
        raise Refused("altered", f"unreadable: {size:,} bytes, its header says {info.file_size:,}")
    if crc != info.CRC:
        raise Refused("altered", "unreadable: bad CRC-32")


def plain_entries(scan: Scan, archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Return the zip's file entries, refusing those that are not safe plain files."""
    infos = []
    for info in archive.infolist():
        problem = entry_problem(info)
        if problem:
            refuse(scan, info.filename, problem)
        elif not info.is_dir():
            infos.append(info)
    return infos


def scan_zip(path: Path) -> Scan:
    """Check a zip's entries without inflating any, then hash the files SHA256SUMS lists.

    Every entry is read from its own bytes only, never past its declared size, and all of
    them together within what deflate can pack into a zip of this size: a crafted zip costs
    time in proportion to its own size.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LineageReportError(f"{path}: not a readable zip file ({exc})") from None
    scan = Scan(budget=DEFLATE_RATIO * path.stat().st_size + CHUNK)
    with archive, open(path, "rb") as raw:
        starts = data_starts(scan, raw, plain_entries(scan, archive), archive.start_dir)
        members = [
            Member(info.filename, info.file_size, functools.partial(entry_chunks, raw, info, at))
            for info, at in starts.items()
        ]
        read_members(scan, members)
    return scan


def walk_folder(root: Path) -> Iterator[tuple[str, Path]]:
    """Yield every entry under `root` by its posix path, without following symlinks."""
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        base = Path(folder)
        for name in sorted(names) + [d for d in dirs if (base / d).is_symlink()]:
            yield (base / name).relative_to(root).as_posix(), base / name


def file_chunks(path: Path) -> Iterator[bytes]:
    """Yield a file's bytes in chunks."""
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def scan_folder(root: Path) -> Scan:
    """Hash every file of an unzipped snapshot that its sums list; a symlink is tampering."""
    scan = Scan()
    members = []
    for name, path in walk_folder(root):
        if path.is_symlink() or not path.is_file():
            refuse(scan, name, f"not a regular file: {show(name)}")
        else:
            members.append(Member(name, path.stat().st_size, functools.partial(file_chunks, path)))
    read_members(scan, members)
    return scan


def compare(scan: Scan, expected: str | None) -> list[str]:
    """Return every difference between the files, their SHA256SUMS and the expected digest."""
    if scan.sums is None:
        return scan.problems + ([] if SUMS in scan.refused else [f"removed: {SUMS}"])
    problems = list(scan.sums_problems)
    if expected and snapshot_digest(scan.sums) != expected:
        problems.append(f"altered: {SUMS} (its digest is not {expected})")
    for name in sorted(scan.listed.keys() | scan.hashes.keys()):
        if name in scan.refused:
            continue
        if name not in scan.hashes:
            problems.append(f"removed: {show(name)}")
        elif name not in scan.listed:
            problems.append(f"added: {show(name)}")
        elif scan.listed[name] != scan.hashes[name]:
            problems.append(f"altered: {show(name)}")
    return scan.problems + problems


def verify(path: Path, digest: str | None = None) -> Verification:
    """Check a snapshot (a zip, or the folder it was unzipped into) against its sums."""
    expected = normal_digest(digest) if digest else None
    if path.is_dir():
        scan, kind = scan_folder(path), "folder"
    elif path.is_file() and not zipfile.is_zipfile(path):
        return verify_file(path, expected)
    elif path.is_file():
        scan, kind = scan_zip(path), "zip"
    else:
        raise LineageReportError(f"{path}: no such file or folder")
    found = snapshot_digest(scan.sums) if scan.sums is not None else ""
    clashes = name_clashes(set(scan.hashes) | ({SUMS} if scan.sums is not None else set()))
    warnings = [f"warning: name clash: {clash_text(a, b)}" for a, b in clashes]
    return Verification(len(scan.hashes), found, compare(scan, expected), kind, warnings)


def verify_file(path: Path, expected: str | None) -> Verification:
    """Check a file that is not a zip (a single-file report) against the digest given."""
    if not expected:
        raise LineageReportError(f"{path}: not a zip; give --digest to check a single file")
    with open(path, "rb") as f:
        found = "sha256:" + hash_stream(f.read)
    problem = f"altered: {show(path.name)} (its digest is not {expected})"
    return Verification(1, found, [] if found == expected else [problem], "file")
