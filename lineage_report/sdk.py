"""The offline SDK: W&B's `init`, `Artifact`, `use_artifact` and `log_artifact`, writing manifests.

A run writes one manifest (format v1, see docs/manifest.md) to `<dir>/<run id>.json`. It
rewrites it after every `use_artifact` and `log_artifact` (state `running`) and when it
ends, always through a temp file in the same folder and a rename, so a reader never sees
half a file and several processes can share one folder. Nothing here talks to a network or
a server: `use_artifact` resolves references against the manifests already in `dir`, by the
rules the site's graph follows (`refs`), so a run's manifest and its page name one version.
"""

from __future__ import annotations

import argparse
import atexit
import getpass
import json
import math
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import types
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit
from urllib.request import url2pathname

from .config import MAX_MANIFEST_MB
from .digest import artifact_digest, file_digest, listed_digest
from .errors import LineageReportError
from .naming import version_ref
from .refs import LATEST, VERSION_TAG, holder_at, logging_order, split_ref

__all__ = ["ActiveRun", "Artifact", "SDKError", "UsedArtifact", "init"]

MANIFEST_VERSION = 1
END_STATES = ("finished", "failed", "crashed")
MAX_MANIFEST_BYTES = int(MAX_MANIFEST_MB * 1_000_000)  # the collector's default limit, in bytes
GIT_TIMEOUT_S = 5
ID_LENGTH = 8
BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
# W&B's rule for artifact names, which also keeps run ids safe as file names.
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
MAX_DEPTH = 64


class SDKError(LineageReportError, ValueError):
    """A call the SDK cannot honour: a bad name, a missing file, a run already finished."""


# --- small checks and conversions -------------------------------------------------------------


def check_name(value: object, what: str) -> str:
    """Return `value` if it is a valid name (letters, digits, `.`, `_`, `-`), else raise."""
    if not isinstance(value, str) or not NAME_RE.fullmatch(value):
        raise SDKError(
            f"{what} {value!r} is not valid: use 1 to 128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return value


def check_alias(value: object) -> str:
    """Return a valid custom alias, else raise; `vN` would clash with version references."""
    alias = check_name(value, "alias")
    if VERSION_TAG.fullmatch(alias):
        raise SDKError(f"alias {alias!r} looks like a version; versions are numbered for you")
    return alias


def clean_text(text: str) -> str:
    """Return `text` as valid Unicode: undecodable file names carry lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return repair_text(text)
    return text


def repair_text(text: str) -> str:
    """Replace lone surrogates with U+FFFD, one per byte they stand for."""
    try:  # surrogates from undecodable bytes (surrogateescape) turn back into those bytes
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


def plain(value: Any, depth: int = 0) -> Any:
    """Return `value` as strict JSON data: NaN and infinities, paths and objects become text."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth >= MAX_DEPTH:  # a self-referencing config must not recurse forever
        return clean_text(repr(value))
    if isinstance(value, Mapping):
        return {clean_text(str(k)): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [plain(v, depth + 1) for v in items]
    return plain_object(value, depth)


def plain_object(value: Any, depth: int) -> Any:
    """Return a numpy-like value as its Python equivalent, anything else as its text."""
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        with suppress(Exception):
            return plain(tolist(), depth + 1)
    return clean_text(str(value))


def as_mapping(value: object, what: str) -> dict[str, Any]:
    """Return a config-like value (mapping, argparse namespace, None) as a new dict."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, argparse.Namespace | types.SimpleNamespace):
        return dict(vars(value))
    raise SDKError(f"{what} must be a mapping, got {type(value).__name__}")


def as_strings(value: object, what: str) -> list[str]:
    """Return tags or aliases as a list of strings; one string alone is one item."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, Iterable):
        raise SDKError(f"{what} must be a list of strings, got {type(value).__name__}")
    return [str(item) for item in value]


def now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Format a UTC time as ISO 8601 with microseconds and `Z`: versions are ordered by it."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(value: object) -> datetime | None:
    """Parse an ISO 8601 time from a manifest; a time without a zone is UTC; junk is None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def new_run_id() -> str:
    """Return a random run id of 8 base-36 characters."""
    return "".join(secrets.choice(BASE36) for _ in range(ID_LENGTH))


# --- the machine the run is on ------------------------------------------------------------------


def run_git(*args: str, cwd: Path) -> str | None:
    """Return git's trimmed output, or None when git is missing, fails or hangs."""
    # Optional locks off: `git status` would otherwise write the index, and several runs
    # starting at once in one repository would fight over index.lock.
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_state(cwd: Path) -> dict[str, Any] | None:
    """Return the remote, commit and dirty flag of the repository at `cwd`, or None."""
    if run_git("rev-parse", "--is-inside-work-tree", cwd=cwd) != "true":
        return None
    remote = run_git("config", "--get", "remote.origin.url", cwd=cwd)
    commit = run_git("rev-parse", "--verify", "--quiet", "HEAD", cwd=cwd)
    status = run_git("status", "--porcelain", "--untracked-files=no", cwd=cwd)
    state = {
        "remote": strip_credentials(remote) if remote else None,
        "commit": commit or None,  # None in a repository with no commit yet
        "dirty": bool(status) if status is not None else None,
    }
    return {key: value for key, value in state.items() if value is not None}


def strip_credentials(url: str) -> str:
    """Remove a password, and for http(s) the user too (often a token), from a remote URL."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    user, _, host = parts.netloc.rpartition("@")
    # Over http(s) the user part is often a token; over ssh it is a harmless `git`.
    keep = "" if parts.scheme in ("http", "https") else user.partition(":")[0] + "@"
    netloc = keep + host
    return urlunsplit(parts._replace(netloc=netloc))


def hostname() -> str | None:
    """Return the host name, or None when the system will not say."""
    try:
        return socket.gethostname() or None
    except OSError:
        return None


def username() -> str | None:
    """Return the user name, or None (containers often run as a uid with no name)."""
    try:
        return getpass.getuser() or None
    except (OSError, KeyError, ImportError):
        return None


# --- writing --------------------------------------------------------------------------------------


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to `path` via a temp file in the same folder and a rename."""
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    # pid + random: two processes (or two runs in one) never share a temp file; the leading
    # dot keeps it out of the collector's globs.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


# --- artifacts ------------------------------------------------------------------------------------


def entry_path(name: object) -> str:
    """Return a file's path inside an artifact: relative, `/`-separated, no `..`."""
    if not isinstance(name, str):
        raise SDKError(f"a file name must be a string, got {type(name).__name__}")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise SDKError(f"file name {name!r} must be a relative path inside the artifact")
    return clean_text("/".join(parts))


def local_file(uri: str) -> Path | None:
    """Return the local file a `file://` URI names, when it is a regular file."""
    parts = urlsplit(uri)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(url2pathname(unquote(parts.path)))
    return path if path.is_file() else None


@dataclass(frozen=True)
class ArtifactFile:
    """One file of an artifact: its path inside the artifact, size and digest."""

    path: str
    size: int
    digest: str

    def to_json(self) -> dict[str, Any]:
        """Return the manifest entry."""
        return {"path": self.path, "size": self.size, "digest": self.digest}


@dataclass(frozen=True)
class ArtifactReference:
    """A file the artifact points to instead of holding; digest None when unknown."""

    uri: str
    digest: str | None = None
    size: int | None = None
    name: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the manifest entry, leaving out what is unknown."""
        entry = {"uri": self.uri, "digest": self.digest, "size": self.size, "name": self.name}
        return {key: value for key, value in entry.items() if value is not None}


class Artifact:
    """A named, typed set of files and references, identified by its digest (like W&B's)."""

    def __init__(
        self,
        name: str,
        type: str,
        description: str = "",
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = check_name(name, "artifact name")
        self.type = check_name(type, "artifact type")
        if not isinstance(description, str):
            raise SDKError("an artifact's description must be a string (markdown)")
        self.description = description
        self.metadata = as_mapping(metadata, "metadata")
        self._files: dict[str, ArtifactFile] = {}
        self._references: dict[str, ArtifactReference] = {}
        self._logged = False

    def __repr__(self) -> str:
        return f"Artifact({self.name!r}, type={self.type!r}, digest={self.digest!r})"

    def add_file(self, path: str | os.PathLike[str], name: str | None = None) -> ArtifactFile:
        """Add a local file, hashed now, as `name` (default: its file name)."""
        self._check_open()
        source = Path(path)
        target = entry_path(source.name if name is None else name)
        if target in self._files:
            raise SDKError(f"artifact {self.name!r} already has a file {target!r}")
        try:
            size = source.stat().st_size
            digest = file_digest(source)
        except OSError as exc:
            raise SDKError(f"cannot add {str(source)!r} to {self.name!r}: {exc.strerror}") from exc
        entry = ArtifactFile(target, size, digest)
        self._files[target] = entry
        return entry

    def add_dir(self, path: str | os.PathLike[str], name: str | None = None) -> None:
        """Add every file under a folder, as `name/<relative path>` (default: at the root)."""
        self._check_open()
        top = Path(path)
        if not top.is_dir():
            raise SDKError(f"cannot add {str(top)!r} to {self.name!r}: not a folder")
        prefix = entry_path(name) + "/" if name is not None else ""
        for source in walk_dir(top):
            self.add_file(source, prefix + source.relative_to(top).as_posix())

    def add_reference(
        self,
        uri: str,
        name: str | None = None,
        digest: str | None = None,
        size: int | None = None,
    ) -> ArtifactReference:
        """Add a reference to data held elsewhere; a local `file://` one is hashed now."""
        self._check_open()
        if not isinstance(uri, str) or not uri:
            raise SDKError("a reference needs a URI string")
        if uri in self._references:
            raise SDKError(f"artifact {self.name!r} already has a reference {uri!r}")
        if digest is not None and (not isinstance(digest, str) or not digest):
            raise SDKError(f"the digest of {uri!r} must be a non-empty string")
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
            raise SDKError(f"the size of {uri!r} must be a whole number of bytes")
        local = local_file(uri) if digest is None else None
        if local is not None:
            digest, size = file_digest(local), local.stat().st_size
        label = entry_path(name) if name is not None else None
        reference = ArtifactReference(clean_text(uri), digest, size, label)
        self._references[uri] = reference
        return reference

    @property
    def files(self) -> list[ArtifactFile]:
        """Return the files, sorted by path."""
        return [self._files[path] for path in sorted(self._files)]

    @property
    def references(self) -> list[ArtifactReference]:
        """Return the references, sorted by URI."""
        return [self._references[uri] for uri in sorted(self._references)]

    @property
    def digest(self) -> str:
        """Return the artifact digest, computed exactly as the collector does."""
        entries = [(f.path, f.digest) for f in self._files.values()]
        entries += [(r.uri, r.digest) for r in self._references.values()]
        return artifact_digest(entries)

    @property
    def size(self) -> int:
        """Return the total size of the files in bytes (references not counted)."""
        return sum(f.size for f in self._files.values())

    def to_json(self, aliases: list[str], created_at: str) -> dict[str, Any]:
        """Return the `logged_artifacts` entry for this artifact."""
        return {
            "name": self.name,
            "type": self.type,
            "digest": self.digest,
            "aliases": aliases,
            "description": clean_text(self.description),
            "metadata": plain(self.metadata),
            "files": [f.to_json() for f in self.files],
            "references": [r.to_json() for r in self.references],
            "created_at": created_at,
        }

    def _check_open(self) -> None:
        """Refuse changes after logging: the logged digest must stay the artifact's digest."""
        if self._logged:
            raise SDKError(f"artifact {self.name!r} was logged and can no longer change")


def walk_dir(top: Path) -> list[Path]:
    """Return the regular files under `top` in a stable order; an unreadable folder raises."""

    def fail(exc: OSError) -> None:
        raise SDKError(f"cannot read folder {exc.filename!r}: {exc.strerror}") from exc

    found: list[Path] = []
    for folder, dirs, names in os.walk(top, onerror=fail):
        dirs.sort()
        found.extend(p for p in (Path(folder, n) for n in sorted(names)) if p.is_file())
    return found


# --- resolving references against the folder -----------------------------------------------------


@dataclass(frozen=True)
class Logged:
    """One logging of an artifact, as read from a manifest."""

    name: str
    digest: str
    type: str | None
    aliases: tuple[str, ...]
    when: datetime | None
    run_id: str
    index: int

    def order(self) -> tuple:
        """Sort key: created_at (else the run's time), then run id; untimed ones last."""
        return logging_order(self.when, self.run_id, self.index)


@dataclass(frozen=True)
class UsedArtifact:
    """What a run used: the reference as given and, when it resolved, the version it named."""

    name: str
    ref: str
    version: int | None = None
    digest: str | None = None
    type: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        """Return whether the reference named a version found in the folder."""
        return self.version is not None

    @property
    def label(self) -> str:
        """Return `name:vN` when resolved, else the reference."""
        return version_ref(self.name, self.version) if self.version is not None else self.ref


class Catalog:
    """The versions and alias histories of every artifact name, from loggings in W&B's order."""

    def __init__(self, loggings: Iterable[Logged]) -> None:
        self.versions: dict[str, list[Logged]] = {}
        self.numbers: dict[str, dict[str, int]] = {}
        # name -> alias -> every giving of it, (when, version number), in logging order
        self.aliases: dict[str, dict[str, list[tuple[datetime | None, int]]]] = {}
        for logged in sorted(loggings, key=Logged.order):
            self._add(logged)

    def _add(self, logged: Logged) -> None:
        """Record a logging: a new digest is a new version; its aliases are given to it."""
        numbers = self.numbers.setdefault(logged.name, {})
        versions = self.versions.setdefault(logged.name, [])
        if logged.digest not in numbers:
            numbers[logged.digest] = len(versions)
            versions.append(logged)
        aliases = self.aliases.setdefault(logged.name, {})
        for alias in logged.aliases:
            aliases.setdefault(alias, []).append((logged.when, numbers[logged.digest]))

    def number(self, name: str, how: str, what: str | int, start: datetime) -> int | None:
        """Return the version number a split reference names for a run started at `start`.

        `latest` is the newest version now; an alias, what held it at `start` (refs.holder_at).
        """
        count = len(self.versions.get(name, ()))
        if how == "version":
            return what if what < count else None
        if what == LATEST:
            return count - 1 if count else None
        return holder_at(self.aliases.get(name, {}).get(what, ()), start)

    def used(self, name: str, number: int, ref: str, start: datetime) -> UsedArtifact:
        """Describe version `number` of `name` as used through `ref` by a run started at `start`."""
        first = self.versions[name][number]
        held = self.aliases.get(name, {}).items()
        aliases = [a for a, history in held if holder_at(history, start) == number]
        if number == len(self.versions[name]) - 1:
            aliases.append(LATEST)
        return UsedArtifact(name, ref, number, first.digest, first.type, tuple(sorted(aliases)))


def loggings_in(data: dict[str, Any]) -> list[Logged]:
    """Return the usable loggings of a decoded manifest; bad entries are skipped."""
    run = data.get("run")
    if not isinstance(run, dict) or not isinstance(run.get("id"), str):
        return []
    fallback = parse_time(run.get("finished_at")) or parse_time(run.get("started_at"))
    entries = data.get("logged_artifacts")
    if not isinstance(entries, list):
        return []
    found = (logging_of(e, run["id"], i, fallback) for i, e in enumerate(entries))
    return [logged for logged in found if logged is not None]


def logging_of(entry: Any, run_id: str, index: int, fallback: datetime | None) -> Logged | None:
    """Return one `logged_artifacts` entry as a Logged, or None when it is unusable."""
    if not isinstance(entry, dict):
        return None
    name, digest = entry.get("name"), entry.get("digest") or digest_of_entries(entry)
    if not isinstance(name, str) or not name or not isinstance(digest, str) or not digest:
        return None
    kind = entry.get("type") if isinstance(entry.get("type"), str) else None
    aliases = entry.get("aliases") if isinstance(entry.get("aliases"), list) else []
    aliases = tuple(a for a in aliases if isinstance(a, str) and a != LATEST)
    when = parse_time(entry.get("created_at")) or fallback
    return Logged(name, digest, kind, aliases, when, run_id, index)


def digest_of_entries(entry: dict[str, Any]) -> str | None:
    """Compute a missing artifact digest from files and references, as the collector does."""
    files = entries_of(entry.get("files"), "path")
    refs = entries_of(entry.get("references"), "uri")
    if files is None or refs is None:
        return None
    return listed_digest(files, refs)


def entries_of(listed: object, key: str) -> list[tuple[str, str | None]] | None:
    """Return a manifest's (path or uri, digest) list, or None when an entry is malformed."""
    if not isinstance(listed, list):
        return []
    pairs = [(e.get(key), e.get("digest")) for e in listed if isinstance(e, dict)]
    usable = [(p, d) for p, d in pairs if isinstance(p, str) and isinstance(d, str | None)]
    return usable if len(usable) == len(listed) else None


def read_manifest_json(path: Path) -> dict[str, Any] | None:
    """Return a manifest's decoded JSON (unchecked), or None when it is not a usable v1 one."""
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    version = data.get("manifest_version")
    return data if type(version) is int and version == MANIFEST_VERSION else None


# Loggings per manifest path, with the (inode, mtime, size) they were read at: a run that
# calls use_artifact often in a big folder re-reads only the files that changed.
_CACHE: dict[str, tuple[tuple[int, int, int], list[Logged]]] = {}
_CACHE_LOCK = threading.Lock()


def loggings_in_folder(folder: Path, skip: Path) -> list[Logged]:
    """Return the loggings of every manifest directly in `folder`, except `skip`."""
    found: list[Logged] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return found
    for entry in entries:
        hidden = entry.name.startswith(".")  # temp files of writers in progress
        if entry.name.endswith(".json") and not hidden and Path(entry.path) != skip:
            found.extend(cached_loggings(entry))
    return found


def cached_loggings(entry: os.DirEntry[str]) -> list[Logged]:
    """Return a manifest's loggings, from the cache when the file has not changed."""
    try:
        stat = entry.stat()
    except OSError:
        return []
    if not entry.is_file():
        return []
    key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with _CACHE_LOCK:
        hit = _CACHE.get(entry.path)
    if hit and hit[0] == key:
        return hit[1]
    data = read_manifest_json(Path(entry.path))
    loggings = loggings_in(data) if data is not None else []
    with _CACHE_LOCK:
        _CACHE[entry.path] = (key, loggings)
    return loggings


def check_ref(ref: str) -> tuple[str, str, str | int]:
    """Split `name:vN`, `name:alias` or `name` (latest) as the graph does; refuse an empty part."""
    name, sep, tag = ref.rpartition(":")
    if not ref or (sep and not (name and tag)):
        raise SDKError(f"artifact reference {ref!r} is not 'name', 'name:vN' or 'name:alias'")
    return split_ref(ref)


def used_entry(used: UsedArtifact) -> str | dict[str, Any]:
    """Return the `used_artifacts` entry: precise (name, digest, version) when known."""
    if used.digest is None:
        return used.ref
    entry: dict[str, Any] = {"name": used.name, "digest": used.digest}
    if used.version is not None:
        entry["version"] = used.version
    if used.type is not None:
        entry["type"] = used.type
    return entry


# --- runs -----------------------------------------------------------------------------------------

# Runs not finished yet; finished at interpreter exit if the script forgot to.
_OPEN_RUNS: set[ActiveRun] = set()


class ActiveRun:
    """The run a script is doing (`init` is this class): its manifest, `<dir>/<id>.json`.

    Use it as a context manager; what it used and logged is written when it finishes.

    Not the read model `lineage_report.Run`, which is a run as the built lineage shows it.
    """

    def __init__(
        self,
        *,
        project: str | None = None,
        job_type: str = "run",
        name: str | None = None,
        config: Mapping[str, Any] | None = None,
        dir: str | os.PathLike[str] = "lineage/",
        id: str | None = None,
        tags: Iterable[str] | None = None,
        notes: str | None = None,
    ) -> None:
        self.dir = Path(dir).absolute()  # absolute: a chdir during the run must not move it
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SDKError(f"cannot use {str(self.dir)!r} as the manifest folder: {exc}") from exc
        self.id = check_name(id, "run id") if id is not None else self._free_id()
        self.path = self.dir / f"{self.id}.json"
        self.name = str(name) if name is not None else self.id
        self.project = str(project) if project is not None else None
        self.job_type = check_text(job_type, "job_type")
        self.config = as_mapping(config, "config")
        self.summary: dict[str, Any] = {}
        self.tags = as_strings(tags, "tags")
        self.notes = notes if notes is None else check_text(notes, "notes", empty=True)
        self.state = "running"
        self.started_at = now()
        self.finished_at: datetime | None = None
        self.git = git_state(Path.cwd())
        self.host, self.user = hostname(), username()
        self._used: list[str | dict[str, Any]] = []
        self._logged: list[dict[str, Any]] = []
        self._last_stamp = self.started_at
        self._lock = threading.RLock()
        self._write()
        _OPEN_RUNS.add(self)

    def __repr__(self) -> str:
        return f"ActiveRun(id={self.id!r}, job_type={self.job_type!r}, state={self.state!r})"

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> bool:
        self.finish("failed" if exc_type is not None else None)
        return False  # the exception, if any, goes on

    def use_artifact(self, ref: str | Artifact, type: str | None = None) -> UsedArtifact:
        """Record that this run used an artifact, resolved against the folder when possible."""
        with self._lock:
            self._check_running()
            used = self._resolve(ref)
            if type is not None and used.type is not None and used.type != type:
                raise SDKError(f"{used.label} is a {used.type!r}, not a {type!r}")
            if used.type is None and type is not None:
                used = replace(used, type=type)
            entry = used_entry(used)
            if entry not in self._used:
                self._used.append(entry)
                self._write()
            return used

    def log_artifact(self, artifact: Artifact, aliases: Iterable[str] | None = None) -> Artifact:
        """Record that this run produced `artifact` (now frozen), with custom aliases."""
        if not isinstance(artifact, Artifact):
            raise SDKError(f"log_artifact takes an Artifact, got {type(artifact).__name__}")
        names = [a for a in as_strings(aliases, "aliases") if a != LATEST]  # latest is implied
        names = list(dict.fromkeys(check_alias(a) for a in names))
        with self._lock:
            self._check_running()
            artifact._logged = True
            self._logged.append(artifact.to_json(names, iso(self._stamp())))
            self._write()
        return artifact

    def log(self, data: Mapping[str, Any]) -> None:
        """Keep the last value of each metric in the summary (no history, unlike W&B)."""
        with self._lock:
            self._check_running()
            self.summary.update(as_mapping(data, "log data"))

    def finish(self, state: str | None = None) -> None:
        """End the run as `finished` (default), `failed` or `crashed`; later calls do nothing."""
        if state is not None and state not in END_STATES:
            raise SDKError(f"state must be one of {', '.join(END_STATES)}, not {state!r}")
        with self._lock:
            if self.state != "running":
                return
            self.state = state or "finished"
            self.finished_at = max(now(), self.started_at)
            self._write()
            _OPEN_RUNS.discard(self)

    def manifest(self) -> dict[str, Any]:
        """Return the run's manifest (format v1) as it stands."""
        return {
            "manifest_version": MANIFEST_VERSION,
            "run": self._run_json(),
            "used_artifacts": list(self._used),
            "logged_artifacts": list(self._logged),
        }

    def _run_json(self) -> dict[str, Any]:
        """Return the manifest's `run` object, leaving out what is unknown."""
        run = {
            "id": self.id,
            "name": clean_text(self.name),
            "job_type": clean_text(self.job_type),
            "project": plain(self.project),
            "state": self.state,
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at) if self.finished_at else None,
            "config": plain(self.config),
            "summary": plain(self.summary),
            "tags": plain(self.tags),
            "notes": plain(self.notes),
            "git": self.git,
            "host": plain(self.host),
            "user": plain(self.user),
        }
        return {key: value for key, value in run.items() if value is not None}

    def _resolve(self, ref: str | Artifact) -> UsedArtifact:
        """Resolve a reference against the folder's manifests and this run's own loggings."""
        catalog = Catalog(loggings_in_folder(self.dir, self.path) + loggings_in(self.manifest()))
        start = self.started_at
        if isinstance(ref, Artifact):
            number = catalog.numbers.get(ref.name, {}).get(ref.digest)
            if number is not None:
                return catalog.used(ref.name, number, version_ref(ref.name, number), start)
            return UsedArtifact(ref.name, ref.name, None, ref.digest, ref.type)
        if not isinstance(ref, str):
            raise SDKError(f"use_artifact takes 'name:ref' or an Artifact, not {ref!r}")
        name, how, what = check_ref(ref)
        number = catalog.number(name, how, what, start)
        if number is None:
            return UsedArtifact(name, ref if ":" in ref else f"{name}:{LATEST}")
        return catalog.used(name, number, ref, start)

    def _stamp(self) -> datetime:
        """Return now, strictly after the last stamp: loggings of one run stay in order."""
        self._last_stamp = max(now(), self._last_stamp + timedelta(microseconds=1))
        return self._last_stamp

    def _check_running(self) -> None:
        """Refuse to record anything once the run has ended."""
        if self.state != "running":
            raise SDKError(f"run {self.id!r} has ended ({self.state})")

    def _write(self) -> None:
        """Write the manifest atomically."""
        write_json_atomic(self.path, self.manifest())

    def _free_id(self) -> str:
        """Return a random run id with no manifest in the folder yet."""
        candidate = new_run_id()
        while (self.dir / f"{candidate}.json").exists():
            candidate = new_run_id()
        return candidate


def check_text(value: object, what: str, empty: bool = False) -> str:
    """Return `value` if it is a string (non-empty unless allowed), else raise."""
    if not isinstance(value, str) or (not value and not empty):
        raise SDKError(f"{what} must be a {'' if empty else 'non-empty '}string, got {value!r}")
    return value


# W&B's `wandb.init()`: starting a run is making one. The class is the function, so its
# keywords, defaults and docs are written once.
init = ActiveRun


@atexit.register
def _finish_open_runs() -> None:
    """Finish runs a script left open: `failed` after an uncaught exception, else `finished`."""
    # The interpreter sets sys.last_type when it prints an uncaught exception, before atexit.
    state = "failed" if getattr(sys, "last_type", None) is not None else "finished"
    for run in list(_OPEN_RUNS):
        with suppress(Exception):  # the folder may be gone (a deleted temp dir): nothing to do
            run.finish(state)
