"""Collect: find the input files, read them, and turn each into checked manifest records.

A file that cannot be used is reported (`path: location: message`) and skipped whole;
the files beside it are unaffected. Nothing here knows about the graph.

A build keeps what it read of each plain manifest file (its record, or its problems) in
its status file, and the next build reuses it while the file's stat (device, inode, size,
modification and change times) is the same. Problems of a cached file are reported
again, as if it had been read.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from .config import CONFIG_NAME, Config
from .manifest import (
    DecodeFailure,
    LoggedArtifact,
    Manifest,
    RunInfo,
    check_manifest,
    extra_keys,
    fail,
    logged_digest,
    parse_json,
)
from .problems import Problem, Problems, pointer
from .status import STATUS_NAME

# A file changed less than this before it was read could change again within its
# clock's tick (2 s on FAT), keeping its stat: its cache entry must be confirmed.
SETTLE_NS = 2_000_000_000


@dataclass
class Record:
    """One usable manifest: where it came from, what it says, and what we did not recognise."""

    path: str
    location: str
    manifest: Manifest
    digests: list[str]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """Name the record for messages: the file, and the place in it for multi-run files."""
        return f"{self.path} ({self.location})" if self.location else self.path


@dataclass
class Collected:
    """The usable records, and every input file read with its SHA-256 (for audits)."""

    records: list[Record]
    inputs: dict[str, str]


def collect(config: Config, problems: Problems, cache: ManifestCache | None = None) -> Collected:
    """Read every input file of the project and return the usable records, in path order."""
    collected = Collected([], {})
    openlineage: list[tuple[str, bytes]] = []
    inputs = find_inputs(config)
    if not inputs:  # most likely a wrong folder or glob: say so, and let --strict fail
        globs = ", ".join([*config.manifests, *(src.path for src in config.sources)]) or "none"
        problems.warning(
            CONFIG_NAME if config.config_file else ".",
            "",
            f"no input files match the manifest globs ({globs})",
            "collect.no-inputs",
        )
    for rel, path, fmt in inputs:
        info = cache.look(path) if cache and fmt in ("auto", "manifest") else None
        if info is not None and cache.reuse(rel, info, collected, problems):
            continue
        raw = read_bytes(rel, path, config.max_manifest_mb, problems)
        if raw is None:
            continue
        collected.inputs[rel] = hashlib.sha256(raw).hexdigest()
        fmt = detect(path, raw) if fmt == "auto" else fmt
        if fmt == "openlineage":
            openlineage.append((rel, raw))  # one stream: a run's events may span files
        elif fmt == "dbt":
            collected.records.extend(read_dbt_file(rel, path, raw, problems))
        elif fmt == "manifest" and info is not None and not _FILES_LINK.search(raw):
            record = cache.read(rel, path, info, raw, collected.inputs[rel], problems)
            collected.records.extend([record] if record else [])
        elif fmt == "manifest":
            record = read_manifest(rel, "", raw, problems, path.parent)
            collected.records.extend([record] if record else [])
    if openlineage:
        from .readers import read_openlineage_many

        collected.records.extend(documents(*read_openlineage_many(openlineage), problems))
    return collected


def find_inputs(config: Config) -> list[tuple[str, Path, str]]:
    """Return (relative path, path, format) of the inputs, sorted; symlinks followed once."""
    patterns = [(glob_regex(p), "auto") for p in config.manifests]
    patterns += [(glob_regex(s.path), s.format) for s in config.sources]
    skip = {config.output.resolve()} if config.output else set()
    found: dict[str, tuple[str, Path, str]] = {}
    for rel in walk_files(config.root, skip):
        fmt = next((f for regex, f in reversed(patterns) if regex.fullmatch(rel)), None)
        if fmt is not None:
            found[rel] = (rel, config.root / rel, fmt)
    return [found[rel] for rel in sorted(found)]


def walk_files(root: Path, skip: set[Path]) -> list[str]:
    """List the files under `root` as posix paths relative to it, following symlinked
    folders once and skipping hidden ones and sites we built."""
    seen: set[tuple[int, int]] = set()
    files: list[str] = []
    for folder, dirs, names in os.walk(root, followlinks=True):
        info = os.stat(folder)
        built = os.path.isfile(os.path.join(folder, STATUS_NAME))  # our site: never input
        if (info.st_dev, info.st_ino) in seen or built or Path(folder).resolve() in skip:
            dirs[:] = []
            continue
        seen.add((info.st_dev, info.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        prefix = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        files.extend(prefix + n for n in sorted(names) if not n.startswith("."))
    return files


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Compile a glob with `**` (any folders), `*` and `?` into a regex over posix paths."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            char = pattern[i]
            out.append({"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char)))
            i += 1
    return re.compile("".join(out))


def read_bytes(rel: str, path: Path, limit_mb: float, problems: Problems) -> bytes | None:
    """Return the file's bytes, or None after reporting why it cannot be read.

    Only regular files are read (a FIFO would wait forever, /dev/zero never ends), and
    never more than the limit plus one byte, whatever the file claims its size is.
    """
    limit = int(limit_mb * 1_000_000)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            problems.error(rel, "", "not a regular file; skipped", "manifest.unreadable")
            return None
        with open(path, "rb") as f:
            raw = f.read(limit + 1)
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror or exc}"
        problems.error(rel, "", message, "manifest.unreadable")
        return None
    if len(raw) > limit:
        size = max(len(raw), path.stat().st_size)
        problems.error(
            rel,
            "",
            f"file is {size / 1e6:.1f} MB, over the {limit_mb:g} MB limit "
            "(max_manifest_mb in lineage-report.toml)",
            "manifest.too-large",
        )
        return None
    return raw


# Files other tools write beside their lineage, read through the file that names them.
COMPANIONS = {"run_results.json", "wandb_manifest.json", "catalog.json", "sources.json"}


def detect(path: Path, raw: bytes) -> str:
    """Guess a file's format from its content: our manifests say `manifest_version`."""
    if b'"manifest_version"' in raw[:4096]:
        return "manifest"
    if path.name in COMPANIONS:
        return "skip"
    from .readers import detect_format

    return detect_format(path.name, raw)


def read_dbt_file(rel: str, path: Path, raw: bytes, problems: Problems) -> list[Record]:
    """Read a dbt manifest.json, with the run_results.json beside it when there is one."""
    from .readers import read_dbt

    results = path.with_name("run_results.json")
    extra = results.read_bytes() if results.is_file() else None
    return documents(*read_dbt(rel, raw, extra), problems)


def documents(docs: list, found: list, problems: Problems) -> list[Record]:
    """Check the manifest documents a reader produced, keeping its problems."""
    problems.extend(found)
    records = [read_document(d.path, d.location, d.data, problems) for d in docs]
    return [r for r in records if r]


def read_manifest(
    rel: str, location: str, raw: bytes, problems: Problems, folder: Path | None = None
) -> Record | None:
    """Decode and check one manifest file; report and return None when it is not usable."""
    try:
        data = parse_json(rel, raw)
    except DecodeFailure as exc:
        problems.add(exc.problem)
        return None
    linked = folder is not None and _FILES_LINK.search(raw)  # a cheap look before the walk
    if linked and not inline_wandb_files(rel, data, folder, problems):
        return None
    return read_document(rel, location, data, problems)


_FILES_LINK = re.compile(rb'"files"\s*:\s*"')


def inline_wandb_files(rel: str, data: Any, folder: Path, problems: Problems) -> bool:
    """Replace `files: "wandb_manifest.json"` by the files that W&B manifest lists."""
    logged = data.get("logged_artifacts") if isinstance(data, dict) else None
    for i, art in enumerate(logged if isinstance(logged, list) else []):
        if not (isinstance(art, dict) and isinstance(art.get("files"), str)):
            continue
        where = pointer("logged_artifacts", i, "files")
        target = (folder / art["files"]).resolve()
        inside = target.is_relative_to(folder.resolve())  # never read outside the project
        if not inside or not target.is_file():
            message = f"W&B manifest {art['files']!r} not found beside this manifest"
            problems.error(rel, where, message, "manifest.invalid")
            return False
        from .readers import wandb_manifest_files

        named = posixpath.join(posixpath.dirname(rel), art["files"])  # as the project names it
        files, found = wandb_manifest_files(named, target.read_bytes())
        problems.extend(found)
        if any(p.severity == "error" for p in found):
            return False
        art["files"] = files
    return True


def read_document(rel: str, location: str, data: Any, problems: Problems) -> Record | None:
    """Check one decoded manifest document and turn it into a Record."""
    try:
        manifest = check_manifest(rel, data)
        digests = [logged_digest(rel, i, a) for i, a in enumerate(manifest.logged_artifacts)]
        check_files_links(rel, manifest)
    except DecodeFailure as exc:
        problem = exc.problem
        if location:
            problem = type(problem)(
                problem.path,
                location + problem.location,
                problem.message,
                problem.kind,
                problem.severity,
            )
        problems.add(problem)
        return None
    return Record(
        rel,
        location,
        manifest,
        digests,
        gather_extra(data),
    )


def check_files_links(rel: str, manifest: Manifest) -> None:
    """Refuse `files` given as a path (a W&B manifest link) until a reader resolved it."""
    for i, art in enumerate(manifest.logged_artifacts):
        if isinstance(art.files, str):
            fail(
                rel,
                pointer("logged_artifacts", i, "files"),
                f"artifact '{art.name}': files must be a list here",
                "manifest.invalid",
            )


def gather_extra(data: dict[str, Any]) -> dict[str, Any]:
    """Collect unknown keys at each level, keyed by where they were found."""
    extra: dict[str, Any] = {}
    top = extra_keys(data, Manifest)
    if top:
        extra[""] = top
    run = extra_keys(data["run"], RunInfo)
    if run:
        extra["/run"] = run
    for i, art in enumerate(data.get("logged_artifacts", [])):
        more = extra_keys(art, LoggedArtifact)
        if more:
            extra[pointer("logged_artifacts", i)] = more
    return extra


# ---------------------------------------------------------------- the manifest cache


class Parsed(msgspec.Struct, array_like=True):
    """What reading one manifest file gave: its record's parts, or None, and its problems."""

    stat: list[int]  # device, inode, size, modification and change times (ns)
    sha256: str
    manifest: Manifest | None
    digests: list[str]
    extra: dict[str, Any]
    problems: list[tuple[str, str, str, str, str]]


class HeldProblems(Problems):
    """Problems kept for a cache entry, reported (and logged) only when replayed."""

    def add(self, problem: Problem) -> None:
        """Keep a problem, without logging it."""
        self.items.append(problem)


class ManifestCache:
    """Manifests read by the last build, reused while their file's stat is unchanged.

    Only plain manifest files are cached: their record depends on their bytes alone.
    Files that name a W&B manifest, dbt and OpenLineage files are read every time.

    An entry is trusted only if its file's last change came SETTLE_NS before `stamp`:
    every entry was read (or confirmed, by `settle`) after that, so it holds the file's
    last content, and any later change moves the stat.
    """

    def __init__(self, key: str, old: dict[str, msgspec.Raw] | None = None, stamp: int = 0):
        self.key = key
        self.old = old or {}
        self.stamp = stamp
        self.new: dict[str, msgspec.Raw] = {}
        self.since = time.time_ns()  # reads come after this
        self._unsettled: dict[str, tuple[Path, list[int], str]] = {}
        self._decode = msgspec.json.Decoder(Parsed).decode

    def look(self, path: Path) -> list[int] | None:
        """Return the file's stat key, or None when it is not a regular file."""
        try:
            info = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]

    def reuse(self, rel: str, info: list[int], collected: Collected, problems: Problems) -> bool:
        """Add the cached reading of an unchanged, settled file; tell whether there was one."""
        raw = self.old.get(rel)
        if raw is None or max(info[3], info[4]) >= self.stamp - SETTLE_NS:
            return False
        try:
            parsed = self._decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return False
        if parsed.stat != info:
            return False
        self.new[rel] = raw
        collected.inputs[rel] = parsed.sha256
        problems.extend([Problem(*p) for p in parsed.problems])
        if parsed.manifest is not None:
            collected.records.append(Record(rel, "", parsed.manifest, parsed.digests, parsed.extra))
        return True

    def read(
        self, rel: str, path: Path, info: list[int], raw: bytes, sha256: str, problems: Problems
    ) -> Record | None:
        """Read a manifest file, keeping what it gave for the next build."""
        if max(info[3], info[4]) >= self.since - SETTLE_NS:
            self._unsettled[rel] = (path, info, sha256)
        held = HeldProblems()
        record = read_manifest(rel, "", raw, held)
        problems.extend(held.items)
        found = [(p.path, p.location, p.message, p.kind, p.severity) for p in held.items]
        if record is None:
            self._keep(rel, Parsed(info, sha256, None, [], {}, found))
        else:
            parts = (record.manifest, record.digests, record.extra)
            self._keep(rel, Parsed(info, sha256, *parts, found))
        return record

    def _keep(self, rel: str, parsed: Parsed) -> None:
        """Keep an entry, if it reads back exactly as it is."""
        try:
            blob = msgspec.json.encode(parsed)
            exact = self._decode(blob) == parsed
        except (UnicodeError, TypeError, ValueError, OverflowError, msgspec.MsgspecError):
            return  # text a JSON file cannot hold (lone surrogates) or numbers it cannot
        if exact:
            self.new[rel] = msgspec.Raw(blob)

    def settle(self) -> int:
        """Confirm the entries of files that were still changing when read; return the stamp.

        A file settled since is read again: if its bytes moved while its stat did not,
        its entry goes. One still changing keeps its entry, which `stamp` then refuses.
        """
        stamp = time.time_ns()
        for rel, (path, info, sha256) in self._unsettled.items():
            now = self.look(path)
            if rel not in self.new or now != info or max(now[3], now[4]) >= stamp - SETTLE_NS:
                continue  # another stat, or too recent: not trusted next time anyway
            try:
                same = hashlib.sha256(path.read_bytes()).hexdigest() == sha256
            except OSError:
                same = False
            if not same:
                del self.new[rel]
        return stamp
