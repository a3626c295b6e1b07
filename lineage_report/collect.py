"""Collect: find the input files, read them, and turn each into checked manifest records.

A file that cannot be used is reported (`path: location: message`) and skipped whole;
the files beside it are unaffected. Nothing here knows about the graph. Every file is read
through `inputfiles`: only inside the project folder (symlinks resolved), only regular
files, never past the size limit; a file name that is not UTF-8 is reported, not read.

A build keeps what it read of each plain manifest file (its record, or its problems) in
its status file, and the next build reuses it while the file's stat (device, inode, size,
modification and change times) is the same. Problems of a cached file are reported
again, as if it had been read.

Every file read is recorded with the SHA-256 of the bytes read, the files an input names
beside itself (dbt's run_results.json, a W&B manifest) included, whether a glob matches them
or not: the inputs digest covers them and `snapshot` ships them, so the site can be built
again from a snapshot alone.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import stat
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from . import remote
from .config import CONFIG_NAME, Config
from .inputfiles import (
    OUTSIDE_ROOT,
    Refused,
    SizeLimit,
    outside_message,
    outside_root,
    read_capped,
    shown_name,
)
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
from .naming import STATUS_NAME
from .problems import Problem, Problems, pointer
from .readers import (
    Document,
    detect_format,
    is_wandb_latest_link,
    merge_resumed,
    read_dbt,
    read_mlflow_input,
    read_openlineage_many,
    read_wandb_run,
    split_references,
    wandb_manifest_files,
    wandb_run_folder,
)
from .readers.common import is_sqlite
from .readers.identity import align_dbt_names
from .readers.invocations import merge_invocation_runs
from .remote import RemoteFile, is_url
from .write import Rows

# Manifest cache entries (a few KB each, unpacked as they are encoded) made at a time for
# the status: 5,000 of them were ~50 MB of JSON at once.
ENTRY_CHUNK = 200

# A file changed less than this before it was read could change again within its
# clock's tick (2 s on FAT), keeping its stat: its cache entry must be confirmed.
SETTLE_NS = 2_000_000_000
BAD_NAME = "collect.bad-name"


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
    problems.extend(config.problems)  # found while loading the settings (a README refused)
    inputs, refused = find_inputs(config, problems)
    if not inputs and not refused:  # most likely a wrong folder or glob: say so
        globs = ", ".join([*config.manifests, *(src.path for src in config.sources)]) or "none"
        problems.warning(
            CONFIG_NAME if config.config_file else ".",
            "",
            f"no input files match the manifest globs ({globs})",
            "collect.no-inputs",
        )
    plan_downloads(inputs, cache)
    run_folders: set[str] = set()  # W&B run folders read: any file of one names the folder
    dbt: list[Document] = []  # held until the events are read: see align_dbt_names
    wandb: list[Document] = []  # held until all are read: a resumed run has several folders
    for rel, path, fmt in inputs:
        info = cache.look(path) if cache and fmt in ("auto", "manifest") else None
        if info is not None and cache.reuse(rel, info, collected, problems):
            continue
        raw = read_bytes(rel, path, input_limit(config, rel, fmt), problems)
        if raw is None:
            continue
        sha256 = hashlib.sha256(raw).hexdigest()
        fmt = detect(as_seen(config, rel), raw) if fmt == "auto" else fmt
        if fmt == "skip":  # a companion: the digest is that of the read its input made
            collected.inputs.setdefault(rel, sha256)
            continue
        collected.inputs[rel] = sha256
        if fmt == "openlineage":
            openlineage.append((rel, raw))  # one stream: a run's events may span files
        elif fmt == "dbt":
            dbt.extend(read_dbt_file(rel, raw, config, problems, collected.inputs))
        elif fmt == "mlflow":
            files = ProjectFiles(config, problems, collected.inputs)
            collected.records.extend(documents(*read_mlflow_input(rel, raw, files), problems))
        elif fmt == "wandb":
            wandb.extend(read_wandb_folder(rel, config, problems, collected.inputs, run_folders))
        elif fmt == "manifest" and info is not None and not _FILES_LINK.search(raw):
            record = cache.read(rel, path, info, raw, sha256, problems)
            collected.records.extend([record] if record else [])
        elif fmt == "manifest":
            record = read_manifest(rel, "", raw, problems, config, collected.inputs)
            collected.records.extend([record] if record else [])
    collected.records.extend(documents(merge_resumed(wandb), [], problems))
    events, found = read_openlineage_many(openlineage) if openlineage else ([], [])
    align_dbt_names(dbt, events, found)  # a dbt table OpenLineage names takes that name
    events = merge_invocation_runs(dbt, events, found)  # one model execution, one run
    collected.records.extend(documents(dbt, [], problems))
    collected.records.extend(documents(events, found, problems))
    return collected


def find_inputs(config: Config, problems: Problems) -> tuple[list[tuple[str, Path, str]], int]:
    """Return (relative path, path, format) of the inputs, sorted, and how many were refused.

    A file or folder whose path leads outside the project folder, a glob that reaches
    outside it and a file name that is not UTF-8 are reported and not read.
    """
    patterns, refused = input_patterns(config, problems)
    skip = {config.output.resolve()} if config.output else set()
    walk = walk_files(config.root, skip) if config.remote is None else Walk()  # all in a bucket
    found: dict[str, tuple[str, Path | RemoteFile, str]] = find_remote(config, patterns)
    for rel in walk.files:
        seen = as_seen(config, rel)
        fmt = next(
            (f for _, r, f in reversed(patterns) if r.fullmatch(rel) or r.fullmatch(seen)), None
        )
        if fmt is None:
            continue
        shown = shown_name(rel)
        if shown is not None:
            message = "the file name is not UTF-8; rename the file to read it"
            problems.error(shown, "", message, BAD_NAME)
            refused += 1
        else:
            found[rel] = (rel, config.root / rel, fmt)
    for rel, target, folder in walk.outside:
        if folder and any(may_hold(glob, rel) for glob, _, _ in patterns):
            message = f"links to {target}, outside the project folder; nothing in it is read"
        elif not folder and any(regex.fullmatch(rel) for _, regex, _ in patterns):
            message = outside_message(target)
        else:
            continue  # no glob would read it: nothing was lost
        problems.error(shown_name(rel) or rel, "", message, OUTSIDE_ROOT)
        refused += 1
    return [found[rel] for rel in sorted(found)], refused


# A project folder that is itself a W&B folder or an MLflow store (`build wandb`).
STORE_NAMES = ("wandb", "mlruns")


def as_seen(config: Config, rel: str) -> str:
    """Return a path as the globs and detection see it: inside a project folder named
    `wandb` or `mlruns`, with that name in front, as one level up (`**/wandb/*/run-*.wandb`)."""
    named = config.remote is None and config.root.name in STORE_NAMES
    return f"{config.root.name}/{rel}" if named else rel


def find_remote(config: Config, patterns: list[tuple]) -> dict[str, tuple[str, RemoteFile, str]]:
    """Return the inputs in object storage: those of the globs that are URLs, or of every
    glob for a project in a bucket. As in a folder, hidden names and built sites are skipped.
    """
    globs = [p for p in patterns if config.remote is not None or is_url(p[0])]
    if not globs:
        return {}
    listed = remote.listing(config.remote, [glob for glob, _, _ in globs])
    sites = [rel[: rel.rfind("/") + 1] for rel in listed if rel.endswith("/" + STATUS_NAME)]
    sites += [""] if STATUS_NAME in listed else []
    found = {}
    for rel, file in listed.items():
        if any(part.startswith(".") for part in rel.split("/")) or rel.startswith(tuple(sites)):
            continue
        fmt = remote_format(globs, rel, file)
        if fmt is not None:
            found[rel] = (rel, file, fmt)
    return found


def remote_format(globs: list[tuple], rel: str, file: RemoteFile) -> str | None:
    """Return the format of the last glob matching a remote file (a URL glob: its URL)."""
    for glob, regex, fmt in reversed(globs):
        if regex.fullmatch(file.url if is_url(glob) else rel):
            return fmt
    return None


def plan_downloads(inputs: list[tuple], cache: ManifestCache | None) -> None:
    """Tell object storage which remote inputs this build reads (the cache holds the others),
    so that they are fetched together."""
    wanted = []
    for rel, path, fmt in inputs:
        if not isinstance(path, RemoteFile):
            continue
        cacheable = cache is not None and fmt in ("auto", "manifest")
        cached = cacheable and cache.holds(rel, cache.look(path))
        if not cached:
            wanted.append(path)
    remote.plan(wanted)


def remote_tokens(config: Config) -> dict[str, str]:
    """Return the token of each remote file a build of `config` would read, by project path,
    with the settings of a project in a bucket: `serve` polls this to see changes."""
    patterns, _ = input_patterns(config, HeldProblems())
    tokens = {rel: file.token for rel, (_, file, _) in find_remote(config, patterns).items()}
    if config.remote is not None:
        settings = [CONFIG_NAME, config.remote_readme or "README.md"]
        tokens.update((rel, f.token) for rel, f in remote.listing(config.remote, settings).items())
    return tokens


def input_patterns(config: Config, problems: Problems) -> tuple[list[tuple], int]:
    """Return (glob, regex, format) of each input glob, and how many reach outside the project."""
    where = CONFIG_NAME if config.config_file else "."
    globs = [(pointer("manifests", i), g, "auto") for i, g in enumerate(config.manifests)]
    sources = enumerate(config.sources)
    globs += [(pointer("sources", i, "path"), s.path, s.format) for i, s in sources]
    patterns = []
    for location, glob, fmt in globs:
        normal = normal_glob(glob)
        if normal is None:
            message = f"the glob '{glob}' reaches outside the project folder; nothing there is read"
            problems.error(where, location, message, OUTSIDE_ROOT)
        else:
            patterns.append((normal, glob_regex(normal), fmt))
    return patterns, len(globs) - len(patterns)


def normal_glob(glob: str) -> str | None:
    """Return the glob with its `.` and `..` parts resolved; None when it leaves the project."""
    if glob.startswith("/"):
        return None
    if is_url(glob) or not {".", ".."} & set(glob.split("/")):  # a URL names its own place
        return glob
    normal = posixpath.normpath(glob)
    return None if normal == ".." or normal.startswith("../") else normal


@dataclass
class Walk:
    """What a walk of the project found: its files, and the symlinks that lead out of it."""

    files: list[str] = field(default_factory=list)
    outside: list[tuple[str, str, bool]] = field(default_factory=list)  # path, target, folder?


def walk_files(root: Path, skip: set[Path]) -> Walk:
    """List the files under `root` as posix paths relative to it, following the symlinks
    that stay inside it (each folder once) and skipping hidden ones and sites we built.

    Only a symlink can lead out of the (resolved) root, so only symlinks are resolved.
    """
    walk = Walk()
    seen: set[tuple[int, int]] = set()
    stack = [""]  # folders still to list, as prefixes ("", "runs/"): depth first, in order
    while stack:
        prefix = stack.pop()
        folders = []
        for entry in folder_entries(root / prefix, seen, skip):
            rel = prefix + entry.name
            if entry.is_symlink() and second_name(entry):
                continue
            target = outside_root(root, Path(entry.path)) if entry.is_symlink() else None
            if target is not None:
                walk.outside.append((rel, target, is_folder(entry)))
            elif is_folder(entry):
                folders.append(rel + "/")
            else:
                walk.files.append(rel)
        stack.extend(reversed(folders))
    return walk


def second_name(link: os.DirEntry) -> bool:
    """Tell whether a symlink only renames a folder beside it that the walk reads anyway.

    W&B's `wandb/latest-run` points at the newest run folder; followed first (it sorts
    before `offline-run-...` and `run-...`), it hid that folder, whose run was then lost.
    """
    try:
        return is_wandb_latest_link(link.name, os.readlink(link.path))
    except OSError:
        return False


def folder_entries(folder: Path, seen: set[tuple[int, int]], skip: set[Path]) -> list[os.DirEntry]:
    """Return a folder's visible entries by name; none for a folder seen before or a site."""
    try:
        info = os.stat(folder)
        key = (info.st_dev, info.st_ino)
        built = os.path.isfile(os.path.join(folder, STATUS_NAME))  # our site: never input
        if key in seen or built or folder.resolve() in skip:
            return []
        seen.add(key)
        with os.scandir(folder) as entries:
            return sorted((e for e in entries if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError:  # unreadable, or gone meanwhile: as os.walk, nothing to list
        return []


def is_folder(entry: os.DirEntry) -> bool:
    """Tell whether an entry is a folder (or a symlink to one)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


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


def may_hold(glob: str, folder: str) -> bool:
    """Tell whether `glob` could match a file somewhere below `folder` (a posix path)."""
    parts = glob.split("/")
    for i, name in enumerate(folder.split("/")):
        if "**" in parts[i]:
            return True
        if i == len(parts) - 1 or not glob_regex(parts[i]).fullmatch(name):
            return False  # the glob's last part names a file here, not a folder
    return True


DBT_ARTIFACTS = ("manifest.json", "run_results.json", "sources.json")
MLFLOW_DB = "mlflow.db"  # MLflow's SQLite store; its file store's runs are `meta.yaml` files


def input_limit(config: Config, rel: str, fmt: str = "auto") -> float:
    """Return an input's size limit in MB: dbt's artifacts and MLflow's SQLite stores have
    their own, larger ones."""
    name = posixpath.basename(rel)
    if fmt == "dbt" or name in DBT_ARTIFACTS:
        dbt = config.max_dbt_manifest_mb
        return SizeLimit(dbt, "max_dbt_manifest_mb") if dbt > config.max_manifest_mb else dbt
    if name == MLFLOW_DB or (fmt == "mlflow" and name != "meta.yaml"):
        return SizeLimit(config.max_mlflow_db_mb, "max_mlflow_db_mb")
    return config.max_manifest_mb


def read_bytes(
    rel: str, path: Path | RemoteFile, limit_mb: float, problems: Problems
) -> bytes | None:
    """Return the file's bytes, or None after reporting why it cannot be read.

    Only regular files are read (a FIFO would wait forever, /dev/zero never ends), and
    never more than the limit plus one byte, whatever the file claims its size is. An
    object in a bucket over the limit is not downloaded at all.
    """
    try:
        if isinstance(path, RemoteFile):
            return path.read(limit_mb)
        return read_capped(path, limit_mb)
    except Refused as exc:
        problems.error(rel, "", exc.message, exc.kind)
        return None


def read_companion(
    rel: str, path: Path | RemoteFile, config: Config, problems: Problems, inputs: dict[str, str]
) -> bytes | None:
    """Read a file an input names beside itself, and record it among the inputs read.

    The site depends on its bytes as on any input's: the inputs digest covers it and
    `snapshot` ships it, so the site can be built again from the snapshot alone.
    """
    raw = read_bytes(rel, path, input_limit(config, rel), problems)
    if raw is not None:
        inputs[rel] = hashlib.sha256(raw).hexdigest()
    return raw


def inside(config: Config, rel: str, problems: Problems) -> Path | None:
    """Return the path of a project file named by another; None, reported, if it leads out."""
    path = config.root / rel
    target = outside_root(config.root, path)
    if target is None:
        return path
    problems.error(rel, "", outside_message(target), OUTSIDE_ROOT)
    return None


def in_bucket(config: Config, rel: str) -> bool:
    """Tell whether a project path names an object in a bucket, not a local file."""
    return config.remote is not None or is_url(rel)


def remote_companion(config: Config, rel: str) -> RemoteFile | None:
    """Return the object a remote input names beside itself, or None when there is none."""
    return remote.lookup(rel if is_url(rel) else remote.join(config.remote, rel))


# Files other tools write beside their lineage, read through the file that names them.
COMPANIONS = {"run_results.json", "wandb_manifest.json", "catalog.json", "sources.json"}


def detect(rel: str, raw: bytes) -> str:
    """Guess a file's format from its path and content: our manifests say `manifest_version`
    (a SQLite database may hold those bytes too: it is never a manifest)."""
    if b'"manifest_version"' in raw[:4096] and not is_sqlite(raw):
        return "manifest"
    if posixpath.basename(rel) in COMPANIONS:
        return "skip"
    return detect_format(rel, raw)


class ProjectFiles:
    """The project's files as a run-folder reader sees them (MLflow, W&B): each one read as
    every input is (inside the project, capped) and recorded among the inputs read."""

    def __init__(self, config: Config, problems: Problems, inputs: dict[str, str]):
        self.config, self.problems, self.inputs = config, problems, inputs

    def list(self, folder: str) -> list[str]:
        """Return the project paths of the files below `folder`, sorted."""
        if in_bucket(self.config, folder):
            root = None if is_url(folder) else self.config.remote
            return sorted(remote.listing(root, [folder.rstrip("/") + "/**"]))
        path = inside(self.config, folder, self.problems)
        if path is None or not path.is_dir():
            return []
        skip = {self.config.output.resolve()} if self.config.output else set()
        return [f"{folder}/{rel}" for rel in walk_files(path, skip).files]

    def read(self, rel: str) -> bytes | None:
        """Return a file's bytes; None when it is absent or was refused (reported)."""
        if in_bucket(self.config, rel):
            found = remote_companion(self.config, rel)
            return (
                read_companion(rel, found, self.config, self.problems, self.inputs)
                if found
                else None
            )
        path = self.config.root / rel
        if not (path.exists() or path.is_symlink()):
            return None
        path = inside(self.config, rel, self.problems)
        if path is None:
            return None
        return read_companion(rel, path, self.config, self.problems, self.inputs)


def read_wandb_folder(
    rel: str, config: Config, problems: Problems, inputs: dict[str, str], done: set[str]
) -> list[Document]:
    """Read the W&B run folder that `rel` belongs to, unless another of its files did."""
    folder = wandb_run_folder(rel) or posixpath.dirname(rel)
    if folder in done:
        return []
    done.add(folder)
    docs, found = read_wandb_run(folder, ProjectFiles(config, problems, inputs))
    problems.extend(found)
    return docs


def read_dbt_file(
    rel: str, raw: bytes, config: Config, problems: Problems, inputs: dict[str, str]
) -> list[Document]:
    """Read a dbt manifest.json, with the run_results.json and sources.json beside it
    (recorded in `inputs`) when there are."""
    results = dbt_companion(rel, "run_results.json", config, problems, inputs)
    sources = dbt_companion(rel, "sources.json", config, problems, inputs)
    docs, found = read_dbt(rel, raw, results, sources)
    problems.extend(found)
    return docs


def dbt_companion(
    rel: str, name: str, config: Config, problems: Problems, inputs: dict[str, str]
) -> bytes | None:
    """Return the bytes of a dbt artifact beside a manifest.json, or None when there is none."""
    named = posixpath.join(posixpath.dirname(rel), name)
    path = config.root / named
    if in_bucket(config, named):
        found = remote_companion(config, named)
        return read_companion(named, found, config, problems, inputs) if found else None
    if path.exists() or path.is_symlink():  # read as every input is: confined, capped
        path = inside(config, named, problems)
        return read_companion(named, path, config, problems, inputs) if path else None
    return None


def documents(docs: list[Document], found: list[Problem], problems: Problems) -> list[Record]:
    """Check the manifest documents a reader produced, keeping its problems."""
    problems.extend(found)
    records = [read_document(d.path, d.location, d.data, problems) for d in docs]
    return [r for r in records if r]


def read_manifest(
    rel: str,
    location: str,
    raw: bytes,
    problems: Problems,
    config: Config | None = None,
    inputs: dict[str, str] | None = None,
) -> Record | None:
    """Decode and check one manifest file; report and return None when it is not usable.

    With the project's config, a W&B manifest named by `files` is read in too (and
    recorded in `inputs`).
    """
    try:
        data = parse_json(rel, raw)
    except DecodeFailure as exc:
        problems.add(exc.problem)
        return None
    linked = config is not None and _FILES_LINK.search(raw)  # a cheap look before the walk
    if linked and not inline_wandb_files(rel, data, config, problems, inputs or {}):
        return None
    return read_document(rel, location, data, problems)


_FILES_LINK = re.compile(rb'"files"\s*:\s*"')


def inline_wandb_files(
    rel: str, data: Any, config: Config, problems: Problems, inputs: dict[str, str]
) -> bool:
    """Replace `files: "wandb_manifest.json"` by the files that W&B manifest lists.

    The W&B file must sit in the manifest's folder or below it (as the path is written),
    and be read as every input is: inside the project, regular, within the size limit.
    Each one read is recorded in `inputs`.
    """
    logged = data.get("logged_artifacts") if isinstance(data, dict) else None
    for i, art in enumerate(logged if isinstance(logged, list) else []):
        if not (isinstance(art, dict) and isinstance(art.get("files"), str)):
            continue
        named = beside(rel, art["files"])  # as the project names it
        if named and in_bucket(config, named):
            path = remote_companion(config, named)
        else:
            path = inside(config, named, problems) if named else None
            if named and path is None:
                return False  # it leads out of the project: reported, not read
        if path is None or not (isinstance(path, RemoteFile) or path.is_file()):
            where = pointer("logged_artifacts", i, "files")
            message = f"W&B manifest {art['files']!r} not found beside this manifest"
            problems.error(rel, where, message, "manifest.invalid")
            return False
        raw = read_companion(named, path, config, problems, inputs)
        if raw is None:
            return False
        files, found = wandb_manifest_files(named, raw)
        problems.extend(found)
        if any(p.severity == "error" for p in found):
            return False
        art["files"], references = split_references(files)
        if references:  # W&B's `ref` entries: data the artifact points to, not holds
            listed = art.get("references")
            art["references"] = [*(listed if isinstance(listed, list) else []), *references]
    return True


def beside(rel: str, name: str) -> str | None:
    """Return the project path of `name` in the folder of file `rel` or below; None if not."""
    if is_url(rel):  # below its folder in the same bucket: normalise the part after `s3://`
        scheme, path = rel.split("://", 1)
        named = beside(path, name)
        return f"{scheme}://{named}" if named else None
    folder = posixpath.dirname(rel)
    named = posixpath.normpath(posixpath.join(folder, name))
    below = named.startswith(folder + "/") if folder else not named.startswith(("../", "/"))
    return named if below and named not in (".", "..") and shown_name(named) is None else None


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

    stat: list[int] | str  # device, inode, size, modification and change times (ns);
    # for an object in a bucket, its token (ETag or generation)
    sha256: str
    manifest: Manifest | None
    digests: list[str]
    extra: dict[str, Any]
    problems: list[tuple[str, str, str, str, str]]


def recent(info: list[int] | str, moment: int) -> bool:
    """Tell whether a file changed too shortly before `moment` for its stat to be trusted.

    An object's token changes with every write: it needs no settling.
    """
    return isinstance(info, list) and max(info[3], info[4]) >= moment - SETTLE_NS


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
        # What this build read, for the next: the last status's entry (kept alive by it
        # anyway) or a fresh one zlib-packed (`pack`: held from collect to the status
        # write, 20,000 manifests' entries took ~100 MB unpacked).
        self.new: dict[str, msgspec.Raw | bytes] = {}
        self.since = time.time_ns()  # reads come after this
        self._unsettled: dict[str, tuple[Path, list[int], str]] = {}
        self._decode = msgspec.json.Decoder(Parsed).decode

    def look(self, path: Path | RemoteFile) -> list[int] | str | None:
        """Return the file's stat key (an object's token), or None when it is not a regular
        file (an object without a token)."""
        if isinstance(path, RemoteFile):
            return path.token or None
        try:
            info = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]

    def holds(self, rel: str, info: list[int] | str | None) -> bool:
        """Tell whether the last build's reading of a file is good for its stat or token."""
        return info is not None and self._entry(rel, info) is not None

    def _entry(self, rel: str, info: list[int] | str) -> Parsed | None:
        """Return the last build's reading of an unchanged, settled file, if there is one."""
        raw = self.old.get(rel)
        if raw is None or recent(info, self.stamp):
            return None
        try:
            parsed = self._decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
        return parsed if parsed.stat == info else None

    def reuse(
        self, rel: str, info: list[int] | str, collected: Collected, problems: Problems
    ) -> bool:
        """Add the cached reading of an unchanged, settled file; tell whether there was one."""
        parsed = self._entry(rel, info)
        if parsed is None:
            return False
        self.new[rel] = self.old[rel]
        collected.inputs[rel] = parsed.sha256
        problems.extend([Problem(*p) for p in parsed.problems])
        if parsed.manifest is not None:
            collected.records.append(Record(rel, "", parsed.manifest, parsed.digests, parsed.extra))
        return True

    def read(
        self,
        rel: str,
        path: Path | RemoteFile,
        info: list[int] | str,
        raw: bytes,
        sha256: str,
        problems: Problems,
    ) -> Record | None:
        """Read a manifest file, keeping what it gave for the next build."""
        if recent(info, self.since):
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
            self.new[rel] = pack(blob)

    def entries(self) -> Rows:
        """Return the entries for the status, by file, each unpacked as it is encoded."""
        return Rows(sorted(self.new.items()), unpacked, b"{}", ENTRY_CHUNK)

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
            try:  # at most the size it had when read (plus one byte, to see it grew)
                data = read_capped(path, (info[2] + 1) / 1_000_000)
                same = hashlib.sha256(data).hexdigest() == sha256
            except Refused:
                same = False
            if not same:
                del self.new[rel]
        return stamp


PACK_LEVEL = 1  # zlib: ~2.7x smaller entries; the status is compressed again as a whole


def pack(blob: bytes) -> bytes:
    """Return a manifest cache entry's JSON as held until the status is written."""
    return zlib.compress(blob, PACK_LEVEL)


def unpacked(entry: tuple[str, msgspec.Raw | bytes]) -> tuple[str, msgspec.Raw]:
    """Return a (file, entry) pair with its entry as JSON again (`pack`)."""
    rel, held = entry
    return rel, held if isinstance(held, msgspec.Raw) else msgspec.Raw(zlib.decompress(held))
