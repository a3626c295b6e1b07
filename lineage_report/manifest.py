"""Manifest format v1: the model, its JSON Schema, and decoding bytes into checked records.

msgspec decodes and validates in one pass and names the failing field (`$.run.id`),
which we turn into a JSON pointer. Unknown keys are not errors: they are kept (as
`extra`) and shown, so newer producers keep working with this reader.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec

from .digest import listed_digest
from .problems import Problem, pointer
from .refs import VERSION, VERSION_TAG
from .terminal import one_line

MANIFEST_VERSION = 1
STATES = ("finished", "failed", "crashed", "skipped", "running")
Name = Annotated[str, msgspec.Meta(min_length=1)]
VersionNumber = Annotated[int, msgspec.Meta(ge=0)]
Size = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]  # bytes; bounded so sums stay sane
# As many digits as a JSON version number can have (below 2**64): a `v<digits>` string
# longer than that is no version, and past 4,300 digits Python cannot even parse it.
MAX_VERSION_DIGITS = 20


class GitInfo(msgspec.Struct, kw_only=True):
    """Where the run's code came from."""

    remote: str | None = None
    commit: str | None = None
    dirty: bool | None = None


class ParentRun(msgspec.Struct, kw_only=True):
    """The run that started this one (an Airflow DAG run, a Spark application, a dbt invocation)."""

    id: Name  # as the reader names runs, so the page can link it when it is in the project
    name: str | None = None
    job_type: str | None = None


class RunInfo(msgspec.Struct, kw_only=True):
    """The run that wrote the manifest."""

    id: Name
    name: str | None = None
    job_type: Name = "run"
    project: str | None = None
    state: Literal["finished", "failed", "crashed", "skipped", "running"] = "finished"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    config: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    tags: list[str] = []
    notes: str = ""
    git: GitInfo | None = None
    host: str | None = None
    user: str | None = None
    parent: ParentRun | None = None
    # A job definition without an observed run (OpenLineage static lineage): its edges
    # are design edges, drawn dashed, and never make a version `latest`.
    design: bool = False


CheckStatus = Literal["pass", "fail", "warn", "error", "skipped", "unknown"]
CheckKind = Literal["assertion", "metric", "test", "unit_test", "freshness"]
FAILING = ("fail", "error")  # the statuses a failing-checks badge counts


class Check(msgspec.Struct, kw_only=True):
    """One data-quality result about an artifact version: an assertion, a metric, a test."""

    name: Name
    status: CheckStatus
    column: str | None = None
    kind: CheckKind = "assertion"
    value: Any = None
    message: str = ""
    source: str = ""  # who produced it: "dbt", "great_expectations", "openlineage"


class Column(msgspec.Struct, kw_only=True):
    """One column of a dataset's schema, in the source's order."""

    name: Name
    type: str | None = None
    description: str = ""


class ColumnInput(msgspec.Struct, kw_only=True):
    """One input column an output column is derived from."""

    artifact: Name  # the input dataset's artifact name, as the reader names that dataset
    field: Name
    transformation: str = ""  # DIRECT or INDIRECT
    subtype: str = ""  # IDENTITY, TRANSFORMATION, AGGREGATION, FILTER, JOIN...
    description: str = ""
    masking: bool = False  # the transformation masks the data (a hash, a redaction)


class ColumnLineage(msgspec.Struct, kw_only=True):
    """The input columns one output column is derived from."""

    column: Name
    inputs: list[ColumnInput] = []


class UsedRef(msgspec.Struct, kw_only=True):
    """A used artifact given as an object: by version, alias or digest."""

    name: Name
    version: str | VersionNumber | None = None
    alias: str | None = None
    digest: str | None = None
    type: str | None = None
    external: bool = False
    checks: list[Check] = []  # about the version this names (OpenLineage inputFacets)
    # What the run said about the version it read, besides checks and other names
    # (OpenLineage inputFacets and the input's dataset facets), by facet name.
    facets: dict[str, Any] = {}


class FileEntry(msgspec.Struct, kw_only=True):
    """One file of a logged artifact."""

    path: str
    size: Size | None = None
    digest: str | None = None


class Reference(msgspec.Struct, kw_only=True):
    """A file the artifact points to instead of holding (s3://, gs://, https://...)."""

    uri: str
    digest: str | None = None
    size: Size | None = None
    name: str | None = None


class LoggedArtifact(msgspec.Struct, kw_only=True):
    """An artifact version the run logged."""

    name: Name
    type: Name
    digest: str | None = None
    version: str | VersionNumber | None = None
    aliases: list[str] = []
    description: str = ""
    metadata: dict[str, Any] = {}
    files: list[FileEntry] | str = []
    references: list[Reference] = []
    created_at: datetime | None = None
    columns: list[Column] = []
    column_lineage: list[ColumnLineage] = []
    checks: list[Check] = []


class Manifest(msgspec.Struct, kw_only=True):
    """One run's lineage manifest (format v1)."""

    manifest_version: int
    run: RunInfo
    used_artifacts: list[Name | UsedRef] = []
    logged_artifacts: list[LoggedArtifact] = []


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema of format v1, generated from the same model the reader uses."""
    schema = msgspec.json.schema(Manifest)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "lineage-report manifest v1"
    return schema


def utc(moment: datetime | None) -> datetime | None:
    """Return `moment` in UTC; a time without a zone is taken to be UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso(moment: datetime | None) -> str | None:
    """Format a time as ISO 8601 in UTC with a `Z`."""
    if moment is None:
        return None
    return utc(moment).isoformat().replace("+00:00", "Z")


class DecodeFailure(Exception):
    """The document is not a usable manifest; carries the problem to report."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


_DECODER = msgspec.json.Decoder()
_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_BYTE = re.compile(r"\(byte (\d+)\)")


def line_column(raw: bytes, offset: int) -> str:
    """Return 'line L column C' for a byte offset."""
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line} column {column}"


def parse_json(path: str, raw: bytes) -> Any:
    """Decode JSON bytes, raising DecodeFailure with a line and column on bad input."""
    if raw.startswith(b"\xef\xbb\xbf"):
        fail(
            path,
            "line 1 column 1",
            "starts with a byte order mark; save it as UTF-8 without BOM",
            "manifest.invalid-json",
        )
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        fail(
            path,
            line_column(raw, exc.start),
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); manifests are UTF-8 JSON",
            "manifest.invalid-json",
        )
    try:
        return _DECODER.decode(raw)
    except RecursionError:
        fail(path, "", "invalid JSON: nested too deeply", "manifest.invalid-json")
    except msgspec.DecodeError as exc:
        message = _AT.match(str(exc)).group("msg")  # drop msgspec's "- at `$[...]`"
        match = _BYTE.search(message)
        offset = int(match.group(1)) if match else len(raw)
        if "trailing characters" in message:
            offset -= 1  # msgspec counts one past the first extra character
        where = line_column(raw, max(offset, 0))
        text = _BYTE.sub("", message).strip().rstrip(",")
        if not raw.strip():
            text = "the file is empty"
        fail(path, where, f"invalid JSON: {text}", "manifest.invalid-json")


def fail(path: str, location: str, message: str, kind: str) -> None:
    """Raise a DecodeFailure for this problem."""
    raise DecodeFailure(Problem(path, location, message, kind))


def _json_pointer(msgspec_path: str) -> str:
    """Turn msgspec's `.run.id` / `[3]` path into a JSON pointer `/run/id`, `/3`."""
    parts = re.findall(r"\.([^.\[]+)|\[(\d+)\]|\[\"?([^\]]*?)\"?\]", msgspec_path)
    return pointer(*(a or b or c for a, b, c in parts))


# The top-level keys of a Kedro-Viz graph (`kedro viz build`'s api/main), a format users
# hand the tool that no reader reads: said by name rather than as a broken manifest.
KEDRO_VIZ_KEYS = frozenset({"nodes", "edges", "pipelines", "modular_pipelines"})


def _not_a_manifest(data: dict) -> str:
    """Return the message for a JSON object without `manifest_version`."""
    message = "not a lineage manifest: 'manifest_version' is missing"
    if data.keys() >= KEDRO_VIZ_KEYS:
        return f"a Kedro-Viz graph, which lineage-report does not read ({message})"
    return message


def check_manifest(path: str, data: Any) -> Manifest:
    """Validate decoded JSON as a manifest, raising DecodeFailure with a JSON pointer."""
    if not isinstance(data, dict):
        kind = type(data).__name__.replace("NoneType", "null")
        fail(path, "", f"expected a JSON object, got {_json_type(kind)}", "manifest.invalid")
    if "manifest_version" not in data:
        fail(path, "", _not_a_manifest(data), "manifest.invalid")
    version = data["manifest_version"]
    if version != MANIFEST_VERSION or isinstance(version, bool):
        fail(
            path,
            "/manifest_version",
            f"unknown manifest_version {msgspec.json.encode(version).decode()}; "
            f"this lineage-report reads version {MANIFEST_VERSION}",
            "manifest.unknown-version",
        )
    try:
        manifest = msgspec.convert(data, Manifest)
    except RecursionError:
        fail(path, "", "nested too deeply", "manifest.invalid")
    except msgspec.ValidationError as exc:
        match = _AT.match(str(exc))
        location = _json_pointer(match.group("path") or "")
        fail(path, location, _plain_message(match.group("msg"), data, location), "manifest.invalid")
    check_times(path, manifest)
    check_versions(path, manifest)
    return manifest


def check_times(path: str, manifest: Manifest) -> None:
    """Refuse timestamps that cannot be moved to UTC (year 1 or 9999 with an offset)."""
    run = manifest.run
    moments = [
        (pointer("run", "started_at"), run.started_at),
        (pointer("run", "finished_at"), run.finished_at),
    ]
    moments += [
        (pointer("logged_artifacts", i, "created_at"), a.created_at)
        for i, a in enumerate(manifest.logged_artifacts)
    ]
    for where, moment in moments:
        try:
            utc(moment)
        except OverflowError:
            fail(
                path,
                where,
                f"timestamp {moment.isoformat()} is out of range in UTC",
                "manifest.invalid",
            )


def check_versions(path: str, manifest: Manifest) -> None:
    """Refuse version numbers too long to be one (`name:v` and 5,000 digits, say)."""
    for where, value, pattern in _version_texts(manifest):
        match = pattern.fullmatch(value) if isinstance(value, str) else None
        if match and len(match.group(1)) > MAX_VERSION_DIGITS:
            shown = one_line(value, 24)
            fail(
                path,
                where,
                f"version '{shown}' has {len(match.group(1)):,} digits; "
                f"a version number has at most {MAX_VERSION_DIGITS}",
                "manifest.invalid",
            )


def _version_texts(manifest: Manifest) -> list[tuple[str, Any, re.Pattern[str]]]:
    """Return (location, text, pattern) of every text the graph reads a version number from."""
    texts = [
        (pointer("logged_artifacts", i, "version"), art.version, VERSION)
        for i, art in enumerate(manifest.logged_artifacts)
    ]
    for i, ref in enumerate(manifest.used_artifacts):
        if isinstance(ref, str):
            name, sep, tail = ref.rpartition(":")
            texts.append(
                (pointer("used_artifacts", i), tail if sep and name else None, VERSION_TAG)
            )
        else:
            texts.append((pointer("used_artifacts", i, "version"), ref.version, VERSION))
            texts.append((pointer("used_artifacts", i, "alias"), ref.alias, VERSION_TAG))
    return texts


def _json_type(python_type: str) -> str:
    """Name a Python type as its JSON type."""
    return {
        "list": "an array",
        "str": "a string",
        "int": "a number",
        "float": "a number",
        "bool": "a boolean",
        "null": "null",
    }.get(python_type, python_type)


_TYPE_WORDS = {
    "`str`": "a string",
    "`int`": "an integer",
    "`float`": "a number",
    "`bool`": "a boolean",
    "`array`": "an array",
    "`object`": "an object",
    "`null`": "null",
    "`datetime`": "a timestamp",
}


def _plain_message(message: str, data: Any, location: str) -> str:
    """Reword msgspec's message for people: JSON type names, the bad value where it helps."""
    for word, plain in _TYPE_WORDS.items():
        message = message.replace(word, plain)
    message = message.replace("`", "'")
    if "datetime" in message:
        value = _at_pointer(data, location)
        shown = msgspec.json.encode(value).decode()[:80]
        message = f"timestamp {shown} is not RFC 3339 (like 2026-11-20T10:00:00Z)"
    return message[:1].lower() + message[1:]


def _at_pointer(data: Any, location: str) -> Any:
    """Return the value at a JSON pointer in decoded data (None when it is not there)."""
    for part in location.split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        try:
            data = data[int(key)] if isinstance(data, list) else data[key]
        except (KeyError, IndexError, ValueError, TypeError):
            return None
    return data


def logged_digest(path: str, index: int, art: LoggedArtifact) -> str:
    """Return the entry's digest, computed from its files when missing; fail when it has none."""
    if art.digest:
        return art.digest
    files = [(f.path, f.digest) for f in art.files] if isinstance(art.files, list) else []
    digest = listed_digest(files, [(r.uri, r.digest) for r in art.references])
    if digest is None and files:
        fail(
            path,
            pointer("logged_artifacts", index, "files"),
            f"artifact '{art.name}' has no digest and not every file has a digest",
            "manifest.no-digest",
        )
    if digest is None:
        fail(
            path,
            pointer("logged_artifacts", index),
            f"artifact '{art.name}' has no digest and no files",
            "manifest.no-digest",
        )
    return digest


def extra_keys(data: dict[str, Any], model: type[msgspec.Struct]) -> dict[str, Any]:
    """Return the keys of `data` that `model` does not know, to keep and show them."""
    known = set(model.__struct_fields__)
    return {k: v for k, v in data.items() if k not in known}
