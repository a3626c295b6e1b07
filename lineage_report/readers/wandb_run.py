"""W&B local run folders: `wandb/run-<date>_<time>-<id>/` -> one manifest per run.

A run folder holds `files/wandb-metadata.json` (host, program, git, start), `files/config.yaml`
and `files/wandb-summary.json` (written by an online run), and `run-<id>.wandb`: the run's
transaction log, which every run writes, offline ones too, and which alone names the run,
its job type, tags, exit, and the artifacts it used and logged. The log is a LevelDB-style
record log of protocol buffer `Record` messages; the few fields read are decoded here by
their field numbers (W&B's `wandb_internal.proto`), so no W&B package is needed.
"""

from __future__ import annotations

import copy
import json
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from ..problems import WARNING, Problem, pointer
from .common import (
    SOURCE_FILES,
    SOURCE_LOCATIONS,
    WANDB_CONFIG,
    WANDB_METADATA,
    WANDB_SUMMARY,
    Document,
    RunFiles,
    decode_json,
    decode_yaml,
    iso,
    non_empty,
    parse_time,
    problem,
    wandb_run_id,
)
from .wandb import split_references, wandb_manifest_files

LOG_IDENT = b":W&B"
BLOCK = 32768  # the log is written in blocks; a record never straddles a block's last 7 bytes
HEADER = 7  # checksum (4), length (2), type (1)
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
# Field numbers of wandb_internal.proto's Record, and of the messages read inside it.
RECORD = {3: "summary", 5: "config", 8: "artifact", 17: "run", 18: "exit", 25: "use_artifact"}
RUN = {1: "run_id", 3: "project", 4: "config", 5: "summary", 6: "group", 7: "job_type"}
RUN |= {8: "display_name", 9: "notes", 10: "tags", 12: "sweep_id", 13: "host", 17: "start_time"}
RUN |= {21: "git"}
ARTIFACT = {4: "type", 5: "name", 6: "digest", 7: "description", 8: "metadata", 11: "aliases"}
ARTIFACT |= {12: "manifest", 19: "tags"}
MANIFEST = {1: "version", 4: "contents", 5: "manifest_file_path"}
ENTRY = {1: "path", 2: "digest", 3: "ref", 4: "size"}
USE = {1: "id", 2: "type", 3: "name"}
EXIT = {1: "exit_code", 2: "runtime"}
ITEM = {1: "key", 2: "nested_key", 16: "value_json"}  # ConfigItem and SummaryItem
REPEATED = {"tags", "aliases", "contents", "update", "nested_key"}
KIND = "wandb.invalid-log"


def read_wandb_run(folder: str, files: RunFiles) -> tuple[list[Document], list[Problem]]:
    """Read one W&B run folder (its files/ and its .wandb log) into one manifest."""
    problems: list[Problem] = []
    run = _Run(folder, problems)
    run.read_files(files)
    log = f"{folder}/run-{wandb_run_id(folder)}.wandb"
    raw = files.read(log)
    if raw is not None:
        run.read_log(log, raw)
        if not run.has_run_record and raw.startswith(LOG_IDENT):
            message = (
                "the log holds no run record (the run was stopped before W&B wrote it); "
                "shown as a running run known only by its folder's id"
            )
            problems.append(problem(log, "", message, KIND, WARNING))
    elif not run.seen:
        message = "a W&B run folder with no metadata, summary, config or .wandb log"
        return [], [problem(folder, "", message, "wandb.empty-run")]
    return [Document(run.entry(log if raw is not None else ""), "", run.document())], problems


class _Run:
    """What a W&B run folder says about its run, gathered from each of its files."""

    def __init__(self, folder: str, problems: list[Problem]):
        self.folder, self.problems = folder, problems
        self.seen: list[str] = []
        self.info: dict[str, Any] = {"id": wandb_run_id(folder)}
        self.config: dict[str, Any] = {}
        self.summary: dict[str, Any] = {}
        self.metadata: dict[str, Any] = {}
        self.used: list[dict] = []
        self.logged: list[dict] = []
        self.exit: dict[str, Any] | None = None
        self.has_run_record = False

    def entry(self, log: str) -> str:
        """Return the file the run's document is located in: its log, else its first file."""
        return log or self.seen[0]

    def read_files(self, files: RunFiles) -> None:
        """Read files/wandb-metadata.json, files/config.yaml and files/wandb-summary.json."""
        for name, read in (
            (WANDB_METADATA, self._metadata),
            (WANDB_CONFIG, self._config_file),
            (WANDB_SUMMARY, self._summary_file),
        ):
            rel = f"{self.folder}/{name}"
            raw = files.read(rel)
            if raw is not None:
                self.seen.append(rel)
                read(rel, raw)

    def _metadata(self, rel: str, raw: bytes) -> None:
        """Take the host, user, program, git and start time from wandb-metadata.json."""
        value = self._object(rel, *decode_json(rel, raw, "wandb.invalid-json"))
        self.metadata = {k: v for k, v in value.items() if k not in ("host", "username", "git")}
        self.info.setdefault("host", value.get("host"))
        self.info["user"] = value.get("username") or value.get("email")
        git = value.get("git") if isinstance(value.get("git"), dict) else {}
        self.info["git"] = non_empty({"remote": git.get("remote"), "commit": git.get("commit")})
        self.info["started_at"] = parse_time(value.get("startedAt"))

    def _config_file(self, rel: str, raw: bytes) -> None:
        """Take the config from config.yaml (`key: {desc, value}`, older: `key: value`)."""
        value = self._object(rel, *decode_yaml(rel, raw, "wandb.invalid-yaml"))
        for key, item in value.items():
            if key == "wandb_version":
                continue
            self.config[str(key)] = item.get("value") if isinstance(item, dict) else item

    def _summary_file(self, rel: str, raw: bytes) -> None:
        """Take the summary from wandb-summary.json."""
        self.summary.update(self._object(rel, *self._json(rel, raw, "wandb.invalid-json")))

    def _json(self, path: str, raw: bytes, kind: str, where: str = "", key: str = "") -> tuple:
        """Decode a JSON value as W&B writes it: NaN and Infinity, which JSON (and the site's
        lineage.json) cannot hold, are kept as their text, with a warning."""
        value, failed = decode_json(path, raw, kind, where)
        if failed is None or "is not valid JSON" not in failed.message:
            return value, failed
        constants: list[str] = []
        try:
            value = json.loads(raw, parse_constant=lambda name: constants.append(name) or name)
        except ValueError:
            return None, failed
        held = " and ".join(sorted(set(constants)))
        message = f"{f'{key!r} holds ' if key else ''}{held}, which JSON cannot hold; kept as text"
        self.problems.append(problem(path, where, message, kind, WARNING))
        return value, None

    def _object(self, rel: str, value: Any, failed: Problem | None) -> dict:
        """Return a decoded object; report a file that is not one (the run keeps the rest)."""
        if failed is not None:
            self.problems.append(failed)
            return {}
        if not isinstance(value, dict):
            self.problems.append(problem(rel, "", "expected an object", "wandb.invalid-file"))
            return {}
        return value

    def read_log(self, path: str, raw: bytes) -> None:
        """Read the run, config, summary, exit and artifact records of the run's .wandb log."""
        if not raw.startswith(LOG_IDENT):
            message = "not a W&B transaction log (it does not start with ':W&B')"
            self.problems.append(problem(path, "", message, KIND))
            return
        for number, payload in log_records(path, raw, self.problems):
            try:
                self._record(path, number, decode(payload, RECORD))
            except ValueError as exc:
                where = f"record {number}"
                self.problems.append(problem(path, where, f"undecodable record: {exc}", KIND))

    def _record(self, path: str, number: int, record: dict) -> None:
        """Take what one log record says about the run."""
        where = f"record {number}"
        if "run" in record:
            self._run_record(decode(record["run"], RUN))
        if "config" in record:
            self._items(path, where, decode(record["config"], {1: "update"}), self.config)
        if "summary" in record:
            self._items(path, where, decode(record["summary"], {1: "update"}), self.summary)
        if "exit" in record:
            self.exit = decode(record["exit"], EXIT)
        if "use_artifact" in record:
            self.used.append(used_reference(decode(record["use_artifact"], USE)))
        if "artifact" in record:
            self._artifact(path, where, decode(record["artifact"], ARTIFACT))

    def _run_record(self, run: dict) -> None:
        """Take the run's identity, names, tags, start and git from its run record."""
        self.has_run_record = True
        for key, field in (("id", "run_id"), ("project", "project"), ("job_type", "job_type")):
            if text(run.get(field)):
                self.info[key] = text(run[field])
        self.info["name"] = text(run.get("display_name")) or None
        self.info["notes"] = text(run.get("notes"))
        self.info["tags"] = [text(t) for t in run.get("tags", [])]
        self.info["host"] = text(run.get("host")) or self.info.get("host")
        if text(run.get("group")):
            self.config.setdefault("wandb.group", text(run["group"]))
        if text(run.get("sweep_id")):
            self.config.setdefault("wandb.sweep", text(run["sweep_id"]))
        if "start_time" in run:
            self.info["started_at"] = timestamp(decode(run["start_time"], {1: "s", 2: "ns"}))
        if "git" in run:
            git = decode(run["git"], {1: "remote", 2: "commit"})
            self.info["git"] = non_empty({k: text(v) for k, v in git.items()}) or None
        if "config" in run:
            self._items("", "", decode(run["config"], {1: "update"}), self.config)
        if "summary" in run:
            self._items("", "", decode(run["summary"], {1: "update"}), self.summary)

    def _items(self, path: str, where: str, record: dict, into: dict) -> None:
        """Apply a config or summary record's updates (values are JSON texts)."""
        for raw_item in record.get("update", []):
            item = decode(raw_item, ITEM)
            keys = [text(k) for k in item.get("nested_key", [])] or [text(item.get("key"))]
            raw, named = item.get("value_json", b"null"), ".".join(keys)
            value, failed = self._json(path, raw, KIND, where, named)
            if failed is not None:
                self.problems.append(failed)
                continue
            target = into
            for key in keys[:-1]:
                target = target.setdefault(key, {}) if isinstance(target.get(key, {}), dict) else {}
            target[keys[-1]] = value

    def _artifact(self, path: str, where: str, art: dict) -> None:
        """Add a logged artifact version from an artifact record."""
        name, kind = text(art.get("name")), text(art.get("type"))
        if not name or not kind:
            self.problems.append(problem(path, where, "artifact without name or type", KIND))
            return
        entry: dict[str, Any] = {
            "name": name,
            "type": kind,
            "digest": text(art.get("digest")) or None,
            "aliases": [a for a in map(text, art.get("aliases", [])) if a != "latest"],
            "description": text(art.get("description")),
        }
        entry["metadata"] = self._artifact_metadata(path, where, art)
        if "manifest" in art:
            listed = self._files(path, where, name, decode(art["manifest"], MANIFEST))
            entry["files"], entry["references"] = split_references(listed)
        self.logged.append(non_empty(entry) | {"name": name, "type": kind})

    def _artifact_metadata(self, path: str, where: str, art: dict) -> dict:
        """Return an artifact's metadata (a JSON text in the record) with its tags."""
        metadata: dict[str, Any] = {}
        if text(art.get("metadata")):
            value, failed = decode_json(path, art["metadata"], KIND, where)
            if failed is None and isinstance(value, dict):
                metadata = value
            else:
                message = f"artifact '{text(art.get('name'))}': metadata is not a JSON object"
                self.problems.append(problem(path, where, message, KIND, WARNING))
                metadata = {"metadata": text(art["metadata"])}
        if art.get("tags"):
            metadata["tags"] = [text(t) for t in art["tags"]]
        return metadata

    def _files(self, path: str, where: str, name: str, manifest: dict) -> list[dict]:
        """Return an artifact's files from the manifest in its record."""
        if text(manifest.get("manifest_file_path")):
            message = (
                f"artifact '{name}': its file list was written to "
                f"{text(manifest['manifest_file_path'])}, outside the run folder; not read"
            )
            self.problems.append(problem(path, where, message, "wandb.unsupported", WARNING))
        contents = {}
        for raw_entry in manifest.get("contents", []):
            entry = decode(raw_entry, ENTRY)
            contents[text(entry.get("path"))] = non_empty(
                {"digest": text(entry.get("digest")), "size": entry.get("size")}
                | {"ref": text(entry.get("ref"))}
            )
        # W&B's manifest file and its log record hold the same entries: one conversion.
        listed = json.dumps({"version": 1, "contents": contents}).encode()
        files, found = wandb_manifest_files(path, listed)
        self.problems.extend(
            problem(path, where, f"artifact '{name}': {p.message}", p.kind, p.severity)
            for p in found
        )
        return files

    def document(self) -> dict:
        """Return the manifest-v1 document of the run."""
        info = self.info
        started = info.get("started_at")
        finished = self._finished(started)
        run = {
            "id": info["id"],
            "name": info.get("name"),
            "job_type": info.get("job_type") or "run",
            "project": info.get("project"),
            "state": self._state(),
            "started_at": iso(started),
            "finished_at": iso(finished),
            "config": self._config(),
            "summary": {k: v for k, v in self.summary.items() if k != "_wandb"},
            "tags": info.get("tags", []),
            "notes": info.get("notes", ""),
            "git": info.get("git") or None,
            "host": info.get("host"),
            "user": info.get("user"),
        }
        moment = iso(finished or started)
        logged = [art | ({"created_at": moment} if moment else {}) for art in self.logged]
        return {
            "manifest_version": 1,
            "run": {k: v for k, v in run.items() if v is not None},
            "used_artifacts": self.used,
            "logged_artifacts": logged,
        }

    def _config(self) -> dict:
        """Return the config, without W&B's own `_wandb` entry, with the run's metadata."""
        config = {k: v for k, v in self.config.items() if k != "_wandb"}
        if self.metadata:
            config["wandb.metadata"] = self.metadata
        return config

    def _state(self) -> str:
        """Return `finished` or `failed` from the exit record; `running` without one."""
        if self.exit is None:
            return "running"
        return "finished" if signed(self.exit.get("exit_code", 0)) == 0 else "failed"

    def _finished(self, started: datetime | None) -> datetime | None:
        """Return the run's end: its start plus the runtime of its exit record."""
        if started is None or self.exit is None:
            return None
        runtime = self.exit.get("runtime", 0)  # a zero is not written: protobuf's default
        return started + timedelta(seconds=signed(runtime))


def merge_resumed(documents: list[Document]) -> list[Document]:
    """Make one run of the folders of a resumed run (`wandb.init(id=..., resume=...)`).

    Each time a run is resumed W&B starts a new run folder with the same run id, as W&B's
    server then shows one run: its first start, its last segment's state and end, config
    and summary with later values winning, and every segment's used and logged artifacts
    (each located in its own folder's log).
    """
    by_id: dict[str, list[Document]] = {}
    for doc in documents:
        by_id.setdefault(doc.data["run"]["id"], []).append(doc)
    merged = []
    for segments in by_id.values():
        segments.sort(key=lambda d: (d.data["run"].get("started_at") or "~", d.path))
        merged.append(segments[0] if len(segments) == 1 else _merged(segments))
    return merged


def _merged(segments: list[Document]) -> Document:
    """Return the document of a run read from several folders, in the order they started."""
    first, data = segments[0], copy.deepcopy(segments[0].data)
    run, files, origins = data["run"], {}, {}
    for segment in segments[1:]:
        later = segment.data["run"]
        for key in ("name", "job_type", "project", "notes", "tags", "host", "user", "git"):
            if later.get(key) and later.get(key) != "run":
                run[key] = later[key]
        for key in ("state", "finished_at"):
            run.pop(key, None)
            if key in later:
                run[key] = later[key]
        run["config"] = {**run.get("config", {}), **later.get("config", {})}
        run["summary"] = {**run.get("summary", {}), **later.get("summary", {})}
        for part in ("used_artifacts", "logged_artifacts"):
            for entry in segment.data[part]:
                at = pointer(part, len(data[part]))
                files[at], origins[at] = segment.path, ""
                data[part].append(entry)
    run["config"]["wandb.resumed_in"] = [s.path for s in segments[1:]]
    data |= {SOURCE_FILES: files, SOURCE_LOCATIONS: origins}
    return Document(first.path, first.location, data)


def used_reference(use: dict) -> dict:
    """Return the used reference of a use_artifact record (`name:v3` or `name:alias`)."""
    name = text(use.get("name"))
    base, sep, tail = name.rpartition(":")
    ref: dict[str, Any] = {"name": base if sep and base else name}
    if sep and base and tail[:1] == "v" and tail[1:].isdigit():
        ref["version"] = tail
    elif sep and base:
        ref["alias"] = tail
    if text(use.get("type")):
        ref["type"] = text(use["type"])
    return ref


def log_records(path: str, raw: bytes, problems: list[Problem]) -> Iterator[tuple[int, bytes]]:
    """Yield (record number, payload) of each whole, intact record of a .wandb log.

    A chunk whose checksum fails, or a record cut short (a run killed mid-write), is
    reported and skipped; the records after it are read.
    """
    position, number, pending = HEADER, 0, b""
    while position + HEADER <= len(raw):
        space = BLOCK - position % BLOCK
        if space < HEADER:
            position += space  # the block's tail is padding
            continue
        checksum = int.from_bytes(raw[position : position + 4], "little")
        length = int.from_bytes(raw[position + 4 : position + 6], "little")
        kind = raw[position + 6]
        data = raw[position + HEADER : position + HEADER + length]
        position += HEADER + length
        if kind == 0 and length == 0:
            continue  # padding written before a block's end
        if len(data) < length or zlib.crc32(data, zlib.crc32(bytes([kind]))) != checksum:
            number += 1
            problems.append(problem(path, f"record {number}", "damaged record; left out", KIND))
            pending = b""
            continue
        if kind in (FULL, FIRST):
            pending = data
        elif kind in (MIDDLE, LAST):
            pending += data
        if kind in (FULL, LAST):
            number += 1
            yield number, pending
            pending = b""


def decode(data: bytes, names: dict[int, str]) -> dict[str, Any]:
    """Decode the named fields of a protocol buffer message (raw bytes for nested ones)."""
    fields: dict[str, Any] = {}
    for number, value in wire_fields(data):
        name = names.get(number)
        if name in REPEATED:
            fields.setdefault(name, []).append(value)
        elif name is not None:
            fields[name] = value
    return fields


def wire_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """Yield (field number, value) of a protocol buffer message, in order."""
    position = 0
    while position < len(data):
        key, position = varint(data, position)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, position = varint(data, position)
        elif wire == 2:
            length, position = varint(data, position)
            if position + length > len(data):
                raise ValueError("a field runs past the end of its message")
            value, position = data[position : position + length], position + length
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            value, position = data[position : position + width], position + width
        else:
            raise ValueError(f"unknown wire type {wire}")
        yield number, value


def varint(data: bytes, position: int) -> tuple[int, int]:
    """Decode one base-128 varint; return it and the position after it."""
    result = shift = 0
    while position < len(data) and shift < 70:
        byte = data[position]
        result |= (byte & 0x7F) << shift
        position += 1
        if not byte & 0x80:
            return result, position
        shift += 7
    raise ValueError("a number runs past the end of its message")


def signed(value: Any) -> int:
    """Return a varint int32/int64 as a signed number (negative ones take ten bytes)."""
    if not isinstance(value, int):
        return 0
    return value - (1 << 64) if value >= 1 << 63 else value


def text(value: Any) -> str:
    """Return a string field's text (bytes decoded as UTF-8); '' when it is not one."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else ""


def timestamp(value: dict) -> datetime | None:
    """Return a google.protobuf.Timestamp as a UTC datetime."""
    seconds, nanos = value.get("s", 0), value.get("ns", 0)
    if not isinstance(seconds, int) or not isinstance(nanos, int):
        return None
    try:
        return datetime.fromtimestamp(signed(seconds), UTC) + timedelta(microseconds=nanos // 1000)
    except (OverflowError, OSError, ValueError):
        return None
