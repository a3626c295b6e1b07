"""The readers' shared pieces: the Document record, JSON, YAML and time parsing, digests,
the files of a run folder, and format detection.

Every reader imports from here; nothing here imports a reader.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import yaml

from ..problems import ERROR, Problem, pointer


@dataclass(frozen=True)
class Document:
    """One manifest-v1 document made by a reader, with where in its source file it came from."""

    path: str
    location: str
    data: dict


class _BadConstant(ValueError):
    """JSON held NaN or Infinity, which the site's own JSON output could not carry."""


def _reject_constant(name: str) -> Any:
    """Refuse NaN and Infinity while parsing JSON."""
    raise _BadConstant(f"{name} is not valid JSON")


def decode_json(path: str, raw: bytes, kind: str, where: str = "") -> tuple[Any, Problem | None]:
    """Decode JSON bytes; on failure return (None, a Problem saying what and where)."""
    text, problem = _text(path, raw, kind, where)
    if problem:
        return None, problem
    try:
        return json.loads(text, parse_constant=_reject_constant), None
    except json.JSONDecodeError as exc:
        at = where or f"line {exc.lineno} column {exc.colno}"
        message = "the file is empty" if not text.strip() else f"invalid JSON: {exc.msg}"
        return None, Problem(path, at, message, kind)
    except (_BadConstant, RecursionError, ValueError) as exc:
        # RecursionError: hostile nesting; ValueError: e.g. integers past the digit limit.
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        return None, Problem(path, where, f"invalid JSON: {reason}", kind)


def _text(path: str, raw: bytes, kind: str, where: str) -> tuple[str, Problem | None]:
    """Decode UTF-8 (a byte order mark is tolerated: other tools write one)."""
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        return "", Problem(path, where, message, kind)


def ndjson_lines(raw: bytes) -> Iterator[tuple[int, bytes]]:
    """Yield (line number, line) for each non-blank line of a newline-delimited stream."""
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if line.strip():
            yield number, line


def looks_like_ndjson(raw: bytes, probe: int = 5) -> bool:
    """Tell whether some of the first lines are whole JSON objects on their own."""
    for _, (_, line) in zip(range(probe), ndjson_lines(raw), strict=False):
        value, problem = decode_json("", line, "")
        if problem is None and isinstance(value, dict):
            return True
    return False


def sub_location(location: str, *parts: object) -> str:
    """Return a location inside a record: '/3/outputs/0', or 'line 12: /outputs/0' in NDJSON.

    A location that already points into a line ('line 12: /outputs/0') goes on as one
    pointer: 'line 12: /outputs/0/facets/schema', never 'line 12: /outputs/0: /facets/...'.
    """
    inner = pointer(*parts)
    if location.startswith("line ") and inner and ": /" not in location:
        return f"{location}: {inner}"
    return location + inner


# The key under which a reader's document says where each of its parts came from in the
# source file ({"/used_artifacts/0": "line 12: /inputs/0"}), so that a problem the graph
# finds later points into the event or node a person can open, not into the translation.
SOURCE_LOCATIONS = "source_locations"
# The key under which a document names the other file a part of it was read from
# ({"/used_artifacts/2": "events.ndjson"}): one dbt model's run is read from its manifest
# and from its OpenLineage events, so a problem about a part names the file it came from.
SOURCE_FILES = "source_files"
# The key under which the dbt reader gives a used reference the relation of a node it reads
# but did not build ({"database", "schema", "alias"}), so that identity.align_dbt_names can
# name that table as OpenLineage does; align_dbt_names removes it.
DBT_RELATION = "dbt_relation"


def parse_time(value: Any) -> datetime | None:
    """Parse an ISO 8601 time into an aware UTC datetime (no zone means UTC); None if unusable."""
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def iso(moment: datetime | None) -> str | None:
    """Format a UTC time as RFC 3339 with a `Z`, the form manifests use."""
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")


def synthetic_digest(*parts: str) -> str:
    """Return a stable `sha256:` digest of identifying strings, for sources with no content hash."""
    text = "\n".join(parts)
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def code_block(text: str, language: str = "") -> str:
    """Return `text` as a fenced markdown code block that no backtick run inside can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = text.strip("\n").rstrip()
    return f"{fence}{language}\n{body}\n{fence}"


def redact_uri(uri: str) -> str:
    """Hide the password in a URI's user info: the site is published, credentials must not be."""
    return _USERINFO.sub(r"\1:***@", uri)


_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/@:]*):[^/@]*@")


def without_private(facet: Any) -> Any:
    """Return a facet without its `_producer`/`_schemaURL`-style bookkeeping keys."""
    if not isinstance(facet, dict):
        return facet
    return {k: v for k, v in facet.items() if not (isinstance(k, str) and k.startswith("_"))}


def non_empty(mapping: dict) -> dict:
    """Return the entries of `mapping` whose values say something (not None, '', [] or {})."""
    return {k: v for k, v in mapping.items() if v not in (None, "", [], {})}


def problem(path: str, location: str, message: str, kind: str, severity: str = ERROR) -> Problem:
    """Make a Problem (a short name for the readers' many call sites)."""
    return Problem(path, location, message, kind, severity)


def decode_yaml(path: str, raw: bytes, kind: str) -> tuple[Any, Problem | None]:
    """Decode YAML bytes (plain data only: no tags that build objects); on failure return
    (None, a Problem saying what and where)."""
    text, failed = _text(path, raw, kind, "")
    if failed:
        return None, failed
    try:
        return yaml.safe_load(text), None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = f"line {mark.line + 1} column {mark.column + 1}" if mark else ""
        return None, Problem(path, at, f"invalid YAML: {exc.problem or exc}", kind)
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        return None, Problem(path, "", f"invalid YAML: {reason}", kind)


def from_millis(value: Any) -> datetime | None:
    """Turn milliseconds since the epoch (MLflow's times) into a UTC datetime; None if unusable."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        return None


class RunFiles(Protocol):
    """The files of a project that a reader of run folders (MLflow, W&B) reads besides its entry.

    The collector's implementation reads as every input is read (inside the project, capped,
    recorded among the inputs) and reports why a file could not be read itself.
    """

    def list(self, folder: str) -> list[str]:
        """Return the project paths of the files below `folder`, sorted."""
        ...

    def read(self, rel: str) -> bytes | None:
        """Return a file's bytes; None when it is absent or could not be read."""
        ...


class FilesInMemory:
    """RunFiles from a mapping of project path to bytes: for tests and callers with no folder."""

    def __init__(self, files: dict[str, bytes]):
        self.files = dict(files)
        # Sorted once, so that a folder's files are one slice: the MLflow SQLite reader lists
        # each run's folder of a whole store's files (3,000 runs took 17 s scanning them all).
        self.paths = sorted(self.files)

    def list(self, folder: str) -> list[str]:
        """Return the paths below `folder`, sorted."""
        prefix = folder.rstrip("/") + "/" if folder else ""
        start = bisect.bisect_left(self.paths, prefix)
        end = start
        while end < len(self.paths) and self.paths[end].startswith(prefix):
            end += 1
        return self.paths[start:end]

    def read(self, rel: str) -> bytes | None:
        """Return the bytes of `rel`, or None."""
        return self.files.get(rel)


MLFLOW_META = "meta.yaml"
# The first 16 bytes of every SQLite database: MLflow's default store (`mlflow.db`) is one.
SQLITE_HEADER = b"SQLite format 3\x00"


def is_sqlite(raw: bytes) -> bool:
    """Tell whether bytes are a SQLite database (by its 16-byte header)."""
    return raw.startswith(SQLITE_HEADER)


# A W&B run folder: wandb/run-20261120_100000-3kf9x2 (offline-run-... before a sync).
_WANDB_RUN = re.compile(r"(?:^|/)(?:offline-)?run-\d{8}_\d{6}-(?P<id>[^/]+)$")
WANDB_LATEST = "latest-run"
WANDB_METADATA = "files/wandb-metadata.json"
WANDB_CONFIG = "files/config.yaml"
WANDB_SUMMARY = "files/wandb-summary.json"
_WANDB_PARTS = (WANDB_METADATA, WANDB_SUMMARY, WANDB_CONFIG)


def wandb_run_folder(path: str) -> str | None:
    """Return the W&B run folder a file belongs to (its metadata, summary, config or .wandb
    log), or None when the file is none of these."""
    for part in _WANDB_PARTS:
        if path.endswith("/" + part) and _WANDB_RUN.search(path[: -len(part) - 1]):
            return path[: -len(part) - 1]
    folder, _, name = path.rpartition("/")
    match = _WANDB_RUN.search(folder)
    if match and name == f"run-{match.group('id')}.wandb":
        return folder
    return None


def is_wandb_latest_link(name: str, target: str) -> bool:
    """Tell whether a symlink is W&B's `latest-run`: a second name for the run folder beside
    it (`wandb/latest-run` -> `offline-run-...`), which the walk reaches under its own name."""
    return (
        name == WANDB_LATEST and "/" not in target.rstrip("/") and bool(_WANDB_RUN.search(target))
    )


def wandb_run_id(folder: str) -> str:
    """Return the run id in a W&B run folder's name (`run-<date>_<time>-<id>`)."""
    match = _WANDB_RUN.search(folder)
    return match.group("id") if match else folder.rpartition("/")[2]


def mlflow_kind(path: str, raw: bytes) -> str:
    """Tell what an MLflow `meta.yaml` describes: 'run', 'other' (an experiment, dataset,
    input, output or logged model, read with its run) or 'unknown'."""
    value, failed = decode_yaml(path, raw, "detect")
    if failed is not None or not isinstance(value, dict):
        return "unknown"
    if "run_id" in value and "experiment_id" in value or "run_uuid" in value:
        return "run"
    known = {"experiment_id", "source_type", "digest", "model_id", "artifact_location"}
    return "other" if known & set(value) else "unknown"


# What W&B and MLflow keep beside their lineage: a run's media (`files/media/**.table.json`),
# the files a run logged (`mlruns/<exp>/<run>/artifacts/`, counted by the run as
# `mlflow.unsupported`; `mlartifacts/...` under a tracking server) and a logged model's
# (`input_example.json`). Not manifests.
_TOOL_OWNED = re.compile(
    r"(?:^|/)(?:(?:offline-)?run-\d{8}_\d{6}-[^/]+/"
    r"|(?:mlruns|mlartifacts)/[^/]+/(?:models/)?[^/]+/artifacts/)"
)


def tool_owned(path: str) -> bool:
    """Tell whether a file is W&B's or MLflow's own, inside a run folder or store."""
    return bool(_TOOL_OWNED.search(path))


def detect_format(path: str, raw: bytes) -> str:
    """Guess a file's format from its path and content: 'manifest', 'openlineage', 'dbt',
    'mlflow', 'wandb', or 'skip' for a part of an MLflow store read with its run
    ('manifest' when unsure). A SQLite database is given to the MLflow reader, which says
    in one problem when it is not an MLflow store (a JSON reader's error would not tell)."""
    if is_sqlite(raw):
        return "mlflow"
    name = path.rpartition("/")[2]
    if name == MLFLOW_META:
        return {"run": "mlflow", "other": "skip"}.get(mlflow_kind(path, raw), "mlflow")
    if wandb_run_folder(path) is not None:
        return "wandb"
    if tool_owned(path):
        return "skip"
    value, failed = decode_json(path, raw, "detect")
    if failed is not None:
        return "openlineage" if _is_event_stream(raw) else "manifest"
    if isinstance(value, list):
        first = next((item for item in value if isinstance(item, dict)), None)
        return "openlineage" if first is not None and is_openlineage_event(first) else "manifest"
    if not isinstance(value, dict) or "manifest_version" in value:
        return "manifest"
    if is_dbt_artifact(value):
        return "dbt"
    return "openlineage" if is_openlineage_event(value) else "manifest"


def _is_event_stream(raw: bytes) -> bool:
    """Tell whether a file that is not one JSON document is a stream of JSON objects.

    OpenLineage is the only stream format read, so a `.jsonl` of anything else goes to its
    reader too, which says in one problem that it holds no events (a manifest's parse error
    at line 2 would not tell why); a manifest with junk after it stays a manifest.
    """
    if not looks_like_ndjson(raw):
        return False
    for _, line in ndjson_lines(raw):
        value, failed = decode_json("", line, "detect")
        if failed is None and isinstance(value, dict):
            return "manifest_version" not in value
    return False


def is_openlineage_event(value: dict) -> bool:
    """Tell whether a JSON object looks like an OpenLineage event."""
    schema = value.get("schemaURL")
    if isinstance(schema, str) and "openlineage" in schema.lower():
        return True
    return "eventType" in value or ("run" in value and "job" in value)


def is_dbt_artifact(value: dict) -> bool:
    """Tell whether a JSON object is one of dbt's target/ artifacts."""
    metadata = value.get("metadata")
    return isinstance(metadata, dict) and isinstance(metadata.get("dbt_schema_version"), str)
