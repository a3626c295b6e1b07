"""OpenLineage reader: RunEvents (one document, an array, or an NDJSON stream) -> manifests.

One manifest per `runId`: the run's events are merged (facets combined, later events win),
its state comes from the last terminal event, its inputs become used artifacts and its
outputs logged artifact versions. OpenLineage carries no content hash, so a dataset version's
digest is made up from what identifies it: sha256 of namespace/name and the `version` facet's
`datasetVersion` when there is one, else of namespace/name and the producing `runId` (one
version per producing run). A run that reads a dataset it also writes (a MERGE, an upsert,
an incremental model) reads it by `latest`, which the graph takes to be the version before
the run's own. Each document notes where its parts came from (`source_locations`), so later
problems point into the events. The mapping is described in docs/readers.md.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from ..problems import WARNING, Problem, pointer
from . import (
    SOURCE_LOCATIONS,
    Document,
    code_block,
    decode_json,
    is_openlineage_event,
    iso,
    looks_like_ndjson,
    ndjson_lines,
    non_empty,
    parse_time,
    problem,
    redact_uri,
    sub_location,
    synthetic_digest,
    without_private,
)

EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
TERMINAL_STATES = {"COMPLETE": "finished", "FAIL": "failed", "ABORT": "crashed"}
# Facets shown in their own place (notes, parent link, tags, summary) rather than in config.
SHOWN_RUN_FACETS = ("parent", "errorMessage", "nominalTime")
SHOWN_JOB_FACETS = ("sql", "documentation")
SHOWN_DATASET_FACETS = ("documentation", "schema", "columnLineage", "dataSource", "version")


@dataclass
class Dataset:
    """One input or output dataset of a run, its facets merged over the run's events."""

    namespace: str
    name: str
    where: str = ""  # where the first event naming it lists it: "line 3: /inputs/0"
    facets: dict = field(default_factory=dict)
    io_facets: dict = field(default_factory=dict)

    @property
    def artifact_name(self) -> str:
        """Return the artifact name: `<namespace>/<name>`."""
        return f"{self.namespace}/{self.name}"

    @property
    def version(self) -> str | None:
        """Return the `version` facet's datasetVersion, if the producer gave one."""
        facet = self.facets.get("version")
        value = facet.get("datasetVersion") if isinstance(facet, dict) else None
        return str(value) if isinstance(value, str | int) and value != "" else None


@dataclass
class Event:
    """What a run keeps of one event: its type, time and order in the file."""

    type: str
    time: datetime | None
    order: int


@dataclass
class Run:
    """One run (runId) gathered from all its events."""

    run_id: str
    namespace: str
    job: str
    path: str
    location: str
    order: int
    producer: str = ""
    events: list[Event] = field(default_factory=list)
    run_facets: dict = field(default_factory=dict)
    job_facets: dict = field(default_factory=dict)
    inputs: dict[tuple[str, str], Dataset] = field(default_factory=dict)
    outputs: dict[tuple[str, str], Dataset] = field(default_factory=dict)

    @cached_property
    def state(self) -> str:
        """Return the manifest state: from the last COMPLETE/FAIL/ABORT, else 'running'."""
        terminal = [e for e in self.ordered_events() if e.type in TERMINAL_STATES]
        return TERMINAL_STATES[terminal[-1].type] if terminal else "running"

    @cached_property
    def started_at(self) -> datetime | None:
        """Return the START event's time, else the earliest time seen."""
        starts = [e.time for e in self.events if e.type == "START" and e.time]
        times = starts or [e.time for e in self.events if e.time]
        return min(times) if times else None

    @cached_property
    def finished_at(self) -> datetime | None:
        """Return the time of the last terminal event, if any."""
        terminal = [e for e in self.ordered_events() if e.type in TERMINAL_STATES and e.time]
        return terminal[-1].time if terminal else None

    def ordered_events(self) -> list[Event]:
        """Return events by time when every one has a time, else in file order."""
        if all(e.time for e in self.events):
            return sorted(self.events, key=lambda e: (e.time, e.order))
        return sorted(self.events, key=lambda e: e.order)


def read_openlineage(path: str, raw: bytes) -> tuple[list[Document], list[Problem]]:
    """Read OpenLineage RunEvents from one file into one manifest document per run."""
    return read_openlineage_many([(path, raw)])


def read_openlineage_many(
    sources: Iterable[tuple[str, bytes]],
) -> tuple[list[Document], list[Problem]]:
    """Read RunEvents from several files as one stream: a run's events may span files.

    Exports are often cut by day or by size, so a run's START can sit in one file and its
    COMPLETE in the next; read apart, they would make two conflicting runs with one id.
    Each document's path is the file of its run's first event.
    """
    problems: list[Problem] = []
    runs: dict[str, Run] = {}
    order = 0
    for path, raw in sources:
        for location, event in _usable(path, _events(path, raw, problems), problems):
            _add_event(path, location, order, event, runs, problems)
            order += 1
    ordered = sorted(runs.values(), key=lambda r: r.order)
    versions = _VersionIndex(ordered)
    jobs = Counter((r.namespace, r.job) for r in ordered)
    documents = [
        Document(run.path, run.location, _manifest(run, jobs, versions, problems))
        for run in ordered
    ]
    return documents, problems


# --- stage 1: events out of the file -------------------------------------------------------


def _events(path: str, raw: bytes, problems: list[Problem]) -> list[tuple[str, Any]]:
    """Return (location, value) for each event: a document, an array or an NDJSON stream."""
    value, failed = decode_json(path, raw, "openlineage.invalid-json")
    if failed is None:
        if isinstance(value, list):
            return [(f"/{i}", item) for i, item in enumerate(value)]
        return [("", value)]
    if not looks_like_ndjson(raw):
        problems.append(failed)
        return []
    return list(_ndjson_events(path, raw, problems))


def _usable(path: str, events: list[tuple[str, Any]], problems: list[Problem]) -> list:
    """Return the events, or none after one problem when a stream holds no event at all.

    A `.jsonl` of training data matches the default globs; one line saying so beats a
    complaint about every one of its records.
    """
    if len(events) < 2 or any(_looks_like_event(value) for _, value in events):
        return events
    message = (
        f"none of its {len(events):,} records is an OpenLineage event (they have no "
        "'eventType', 'run' or 'job'); the file is not read"
    )
    problems.append(problem(path, "", message, "openlineage.no-events"))
    return []


def _looks_like_event(value: Any) -> bool:
    """Tell whether a record is meant as an OpenLineage event of any kind, however broken."""
    if not isinstance(value, dict):
        return False
    return is_openlineage_event(value) or "job" in value or "dataset" in value


def _ndjson_events(path: str, raw: bytes, problems: list[Problem]):
    """Yield (line location, value) for each line that parses; report the others."""
    for number, line in ndjson_lines(raw):
        where = f"line {number}"
        value, failed = decode_json(path, line, "openlineage.invalid-json", where)
        if failed:
            problems.append(failed)
        else:
            yield where, value


# --- stage 2: events merged into runs ------------------------------------------------------


def _add_event(path, location, order, event, runs: dict[str, Run], problems) -> None:
    """Check one event and merge it into its run; a bad event is reported and skipped."""
    complaint = _event_problem(path, location, event)
    if complaint:
        problems.append(complaint)
        return
    run_id, job = event["run"]["runId"], event["job"]
    run = runs.get(run_id)
    if run is None:
        run = runs[run_id] = Run(run_id, job["namespace"], job["name"], path, location, order)
    elif (job["namespace"], job["name"]) != (run.namespace, run.job):
        message = (
            f"run {run_id} belongs to job {run.namespace}/{run.job}, "
            f"but this event names job {job['namespace']}/{job['name']}; the first is kept"
        )
        _warn(problems, path, location, message, "openlineage.job-mismatch")
    run.events.append(
        Event(
            _event_type(path, location, event, problems),
            _event_time(path, location, event, problems),
            order,
        )
    )
    if isinstance(event.get("producer"), str):
        run.producer = event["producer"]
    run.run_facets.update(_facets(path, location, event["run"], ("run",), problems))
    run.job_facets.update(_facets(path, location, job, ("job",), problems))
    _merge_datasets(path, location, event, "inputs", run.inputs, problems)
    _merge_datasets(path, location, event, "outputs", run.outputs, problems)


def _event_problem(path: str, location: str, event: Any) -> Problem | None:
    """Return why an event cannot be used as a RunEvent, or None when it can."""
    kind = "openlineage.invalid-event"
    if not isinstance(event, dict):
        return problem(path, location, f"expected a RunEvent object, got {_json_type(event)}", kind)
    static = _static_event(event)
    if static:
        message = f"{static}, not a RunEvent: it describes no run, so it is not read"
        return problem(path, location, message, "openlineage.unsupported-event", WARNING)
    for key, inner in (("run", "runId"), ("job", "namespace"), ("job", "name")):
        part = event.get(key)
        if key not in event:
            return problem(path, location, f"this RunEvent has no '{key}'; it is not read", kind)
        if not isinstance(part, dict):
            return problem(path, location, f"'{key}' is {_json_type(part)}, not an object", kind)
        if not isinstance(part.get(inner), str) or not part[inner].strip():
            return problem(path, location, f"'{key}.{inner}' is missing or not a string", kind)
    return None


def _static_event(event: dict) -> str | None:
    """Name a DatasetEvent or JobEvent (they describe no run); None for a RunEvent.

    The schemaURL says which it is when it ends in the definition's name; otherwise a
    RunEvent is what has `run` or an `eventType` (which the other two never carry), so a
    RunEvent that lost its `run` is still called a RunEvent.
    """
    schema = event.get("schemaURL")
    for name in ("RunEvent", "DatasetEvent", "JobEvent"):
        if isinstance(schema, str) and schema.endswith("/" + name):
            return None if name == "RunEvent" else f"a {name}"
    if "run" in event or "eventType" in event:
        return None
    if "dataset" in event:
        return "a DatasetEvent"
    return "a JobEvent" if "job" in event else None


def _event_type(path: str, location: str, event: dict, problems: list[Problem]) -> str:
    """Return the event's type; an unknown or missing one counts as OTHER."""
    value = event.get("eventType")
    if value is None or value in EVENT_TYPES:
        return value or "OTHER"
    message = f"unknown eventType {_short(value)}; read as OTHER"
    _warn(problems, path, sub_location(location, "eventType"), message, "openlineage.invalid-event")
    return "OTHER"


def _event_time(path, location, event: dict, problems) -> datetime | None:
    """Return the event's time; an unusable one is reported and the event kept without it."""
    value = event.get("eventTime")
    moment = parse_time(value)
    if moment is None:
        message = f"eventTime {_short(value)} is not an ISO 8601 time; the event is used without it"
        _warn(
            problems, path, sub_location(location, "eventTime"), message, "openlineage.invalid-time"
        )
    return moment


def _facets(path, location, owner: dict, parts: tuple, problems) -> dict:
    """Return an object's facets (empty when absent); a non-object is reported and ignored."""
    facets = owner.get("facets")
    if facets is None:
        return {}
    if isinstance(facets, dict):
        return {k: v for k, v in facets.items() if isinstance(k, str)}
    message = f"facets are {_json_type(facets)}, not an object; ignored"
    where = sub_location(location, *parts, "facets")
    _warn(problems, path, where, message, "openlineage.invalid-facet")
    return {}


def _merge_datasets(path, location, event, key, into: dict, problems) -> None:
    """Merge an event's inputs or outputs into the run's; bad entries are reported, skipped."""
    items = event.get(key)
    if items is None:
        return
    if not isinstance(items, list):
        message = f"'{key}' is {_json_type(items)}, not an array; ignored"
        problems.append(
            problem(path, sub_location(location, key), message, "openlineage.invalid-dataset")
        )
        return
    io_key = "inputFacets" if key == "inputs" else "outputFacets"
    for i, item in enumerate(items):
        where = sub_location(location, key, i)
        complaint = _dataset_problem(path, where, item)
        if complaint:
            problems.append(complaint)
            continue
        ident = (item["namespace"], item["name"])
        dataset = into.setdefault(ident, Dataset(*ident, where))
        dataset.facets.update(_facets(path, location, item, (key, i), problems))
        io = item.get(io_key)
        if isinstance(io, dict):
            dataset.io_facets.update(io)


def _dataset_problem(path: str, where: str, item: Any) -> Problem | None:
    """Return why a dataset entry cannot be used, or None when it can."""
    kind = "openlineage.invalid-dataset"
    if not isinstance(item, dict):
        return problem(path, where, f"expected a dataset object, got {_json_type(item)}", kind)
    for key in ("namespace", "name"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            return problem(path, where, f"dataset '{key}' is missing or not a string", kind)
    return None


# --- stage 3: versions and digests --------------------------------------------------------


def dataset_digest(namespace: str, name: str, version: str | None, run_id: str) -> str:
    """Return a dataset version's digest: from its datasetVersion, else from its producing run."""
    if version is not None:
        return synthetic_digest("openlineage-dataset", namespace, name, "version", version)
    return synthetic_digest("openlineage-dataset", namespace, name, "run", run_id)


class _VersionIndex:
    """Which runs in this file produced which dataset, to pin inputs to a version.

    Producers are kept sorted by start time, then run id (so that runs starting at the
    same instant are ordered the same way whatever the file order), and finding the one a
    consumer read is a binary search, not a scan: a stream can hold thousands of runs of
    one hourly job.
    """

    def __init__(self, runs: list[Run]):
        self.timed: dict[tuple[str, str], list[tuple[datetime, int, str, Run]]] = {}
        self.untimed: dict[tuple[str, str], list[tuple[str, Run]]] = {}
        for run in runs:
            if run.state in ("failed", "crashed"):
                continue  # what a failed run meant to write may never have been written
            for ident, dataset in run.outputs.items():
                digest = dataset_digest(*ident, dataset.version, run.run_id)
                if run.started_at is None:
                    self.untimed.setdefault(ident, []).append((digest, run))
                else:
                    entry = (run.started_at, run.run_id, digest, run)
                    self.timed.setdefault(ident, []).append(entry)
        for entries in self.timed.values():
            entries.sort(key=lambda e: (e[0], e[1]))
        for entries in self.untimed.values():
            entries.sort(key=lambda e: e[1].run_id)

    def pinned(self, consumer: Run, dataset: Dataset) -> str | None:
        """Return the digest the consumer read: its own datasetVersion, else the newest producer.

        The newest producer is the last run here that started no later than the consumer
        and did not fail (runs without a time rank below timed ones); None means no run
        in this file wrote what it read.
        """
        if dataset.version is not None:
            return dataset_digest(dataset.namespace, dataset.name, dataset.version, "")
        ident = (dataset.namespace, dataset.name)
        timed = self.timed.get(ident, [])
        start = consumer.started_at
        end = len(timed) if start is None else bisect_right(timed, start, key=lambda e: e[0])
        for i in range(end - 1, -1, -1):
            if timed[i][3] is not consumer:
                return timed[i][2]
        untimed = [digest for digest, run in self.untimed.get(ident, []) if run is not consumer]
        return untimed[-1] if untimed else None


# --- stage 4: the manifest ----------------------------------------------------------------


def _manifest(run: Run, jobs: Counter, versions: _VersionIndex, problems) -> dict:
    """Return the manifest-v1 document of one run, noting where each part came from."""
    return {
        "manifest_version": 1,
        "run": _run_info(run, jobs),
        "used_artifacts": [_used(run, d, versions, problems) for d in run.inputs.values()],
        "logged_artifacts": [_logged(run, d) for d in run.outputs.values()],
        SOURCE_LOCATIONS: _source_locations(run),
    }


def _source_locations(run: Run) -> dict[str, str]:
    """Return where the run's id, inputs and outputs are in its events (their first mention)."""
    where = {pointer("run", "id"): sub_location(run.location, "run", "runId")}
    for i, dataset in enumerate(run.inputs.values()):
        where[pointer("used_artifacts", i)] = dataset.where
    for i, dataset in enumerate(run.outputs.values()):
        where[pointer("logged_artifacts", i)] = dataset.where
    return where


def _used(run: Run, dataset: Dataset, versions: _VersionIndex, problems) -> dict:
    """Return the used-artifact reference: pinned by digest when known, else the latest.

    A dataset the run also writes (MERGE, upsert, incremental model) is read by `latest`,
    which the graph resolves to the version before the run's own: never its own output,
    nor that of a run ordered after it.
    """
    written = run.outputs.get((dataset.namespace, dataset.name))
    if written is not None and (dataset.version is None or dataset.version == written.version):
        if dataset.version is not None:
            message = (
                f"run {run.run_id} reads and writes {dataset.artifact_name} at the same "
                f"datasetVersion {_short(dataset.version)}; it is taken to read the version "
                "before its own"
            )
            _warn(problems, run.path, dataset.where, message, "openlineage.self-loop")
        return {"name": dataset.artifact_name, "alias": "latest"}
    digest = versions.pinned(run, dataset)
    if digest is not None:
        return {"name": dataset.artifact_name, "digest": digest}
    # Object form, not "name:latest": dataset namespaces are often URIs full of colons.
    return {"name": dataset.artifact_name, "alias": "latest"}


def _run_info(run: Run, jobs: Counter) -> dict:
    """Return the manifest's `run` object."""
    info: dict[str, Any] = {
        "id": run.run_id,
        "name": _display_name(run, jobs),
        "job_type": run.job,
        "project": run.namespace,
        "state": run.state,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "config": _config(run),
        "summary": _summary(run),
        "tags": _tags(run.job_facets),
        "notes": _notes(run),
    }
    parent = _parent(run.run_facets.get("parent"))
    if parent:
        info["parent"] = parent
        info["config"]["parent_run"] = parent["run_id"]
    return {k: v for k, v in info.items() if v is not None}


def _display_name(run: Run, jobs: Counter) -> str:
    """Return the job name, with a short run id when the job ran more than once here."""
    return run.job if jobs[(run.namespace, run.job)] == 1 else f"{run.job} {run.run_id[:8]}"


def _parent(facet: Any) -> dict | None:
    """Return {"run_id", "job"} from a parent run facet, or None when it has no run id."""
    if not isinstance(facet, dict) or not isinstance(facet.get("run"), dict):
        return None
    run_id = facet["run"].get("runId")
    if not isinstance(run_id, str) or not run_id:
        return None
    job = facet.get("job") if isinstance(facet.get("job"), dict) else {}
    parent = {"run_id": run_id}
    if isinstance(job.get("namespace"), str) and isinstance(job.get("name"), str):
        parent["job"] = f"{job['namespace']}/{job['name']}"
    return parent


def _config(run: Run) -> dict:
    """Return run config: the job's identity, nominal time and the facets not shown elsewhere."""
    config: dict[str, Any] = {"job": f"{run.namespace}/{run.job}"}
    if run.producer:
        config["producer"] = run.producer
    nominal = run.run_facets.get("nominalTime")
    if isinstance(nominal, dict):
        config["nominal_time"] = non_empty(
            {"start": nominal.get("nominalStartTime"), "end": nominal.get("nominalEndTime")}
        )
    for name in sorted(run.run_facets):
        if name not in SHOWN_RUN_FACETS:
            config[f"run.{name}"] = without_private(run.run_facets[name])
    for name in sorted(run.job_facets):
        if name not in SHOWN_JOB_FACETS:
            config[f"job.{name}"] = without_private(run.job_facets[name])
    return config


def _summary(run: Run) -> dict:
    """Return run summary: the events received and the error message of a failed run."""
    summary: dict[str, Any] = {"events": _event_sequence(run.ordered_events())}
    error = run.run_facets.get("errorMessage")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        summary["error"] = error["message"]
    return summary


def _event_sequence(events: list[Event]) -> str:
    """Return the event types in order, repeats counted: 'START → RUNNING ×40 → COMPLETE'."""
    steps: list[list] = []
    for e in events:
        if steps and steps[-1][0] == e.type:
            steps[-1][1] += 1
        else:
            steps.append([e.type, 1])
    return " → ".join(kind if n == 1 else f"{kind} ×{n}" for kind, n in steps)


def _tags(job_facets: dict) -> list[str]:
    """Return tags from the jobType facet (integration, processing and job type) and tags facet."""
    tags: list[str] = []
    job_type = job_facets.get("jobType")
    if isinstance(job_type, dict):
        keys = ("integration", "processingType", "jobType")
        tags += [job_type[k].lower() for k in keys if isinstance(job_type.get(k), str)]
    listed = job_facets.get("tags")
    entries = listed.get("tags") if isinstance(listed, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("key"), str):
            value = entry.get("value")
            tags.append(f"{entry['key']}:{value}" if isinstance(value, str) else entry["key"])
    return sorted(set(t for t in tags if t))


def _notes(run: Run) -> str:
    """Return run notes in markdown: the job's documentation, its SQL and any error."""
    parts = []
    doc = run.job_facets.get("documentation")
    if isinstance(doc, dict) and isinstance(doc.get("description"), str):
        parts.append(doc["description"].strip())
    sql = run.job_facets.get("sql")
    if isinstance(sql, dict) and isinstance(sql.get("query"), str):
        parts += ["**SQL**", code_block(sql["query"], "sql")]
    error = run.run_facets.get("errorMessage")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        parts.append(f"**Error:** {error['message'].strip()}")
        if isinstance(error.get("stackTrace"), str):
            language = error.get("programmingLanguage")
            lang = language.lower() if isinstance(language, str) and language.isalnum() else ""
            parts.append(code_block(error["stackTrace"], lang))
    return "\n\n".join(p for p in parts if p)


def _logged(run: Run, dataset: Dataset) -> dict:
    """Return the logged-artifact entry for one output dataset."""
    artifact = {
        "name": dataset.artifact_name,
        "type": _dataset_type(dataset),
        "digest": dataset_digest(dataset.namespace, dataset.name, dataset.version, run.run_id),
        "description": _dataset_description(dataset),
        "metadata": _dataset_metadata(dataset),
        "created_at": iso(run.finished_at or run.started_at),
    }
    return {k: v for k, v in artifact.items() if v is not None}


def _dataset_type(dataset: Dataset) -> str:
    """Return the artifact type: the datasetType facet's type in lower case, else 'dataset'."""
    facet = dataset.facets.get("datasetType")
    value = facet.get("datasetType") if isinstance(facet, dict) else None
    return value.strip().lower() if isinstance(value, str) and value.strip() else "dataset"


def _dataset_description(dataset: Dataset) -> str:
    """Return the documentation facet's description (markdown), or ''."""
    doc = dataset.facets.get("documentation")
    text = doc.get("description") if isinstance(doc, dict) else None
    return text.strip() if isinstance(text, str) else ""


def _dataset_metadata(dataset: Dataset) -> dict:
    """Return artifact metadata: identity, version, columns, column lineage, other facets."""
    metadata: dict[str, Any] = {"namespace": dataset.namespace, "name": dataset.name}
    if dataset.version is not None:
        metadata["dataset_version"] = dataset.version
    metadata["columns"] = _columns(dataset.facets.get("schema"))
    metadata["column_lineage"] = _column_lineage(dataset.facets.get("columnLineage"))
    source = dataset.facets.get("dataSource")
    if isinstance(source, dict):
        uri = source.get("uri")
        uri = redact_uri(uri) if isinstance(uri, str) else None
        metadata["data_source"] = non_empty({"name": source.get("name"), "uri": uri})
    for name in sorted(dataset.facets):
        if name not in SHOWN_DATASET_FACETS:
            metadata[f"facet.{name}"] = without_private(dataset.facets[name])
    for name in sorted(dataset.io_facets):
        metadata[f"output.{name}"] = without_private(dataset.io_facets[name])
    return non_empty(metadata)


def _columns(facet: Any) -> dict:
    """Return {column: {type, description, ...}} from a schema facet."""
    fields = facet.get("fields") if isinstance(facet, dict) else None
    columns = {}
    for item in fields if isinstance(fields, list) else []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            columns[item["name"]] = non_empty({k: v for k, v in item.items() if k != "name"})
    return columns


def _column_lineage(facet: Any) -> dict:
    """Return {column: ["namespace/name.field", ...]} from a columnLineage facet."""
    fields = facet.get("fields") if isinstance(facet, dict) else None
    lineage = {}
    for column, spec in fields.items() if isinstance(fields, dict) else []:
        inputs = spec.get("inputFields") if isinstance(spec, dict) else None
        sources = (_column_source(i) for i in _objects(inputs))
        lineage[column] = [s for s in sources if s]
    return lineage


def _column_source(item: dict) -> str:
    """Return one column-lineage input as 'namespace/name.field (transformation)'."""
    parts = [item.get(k) for k in ("namespace", "name", "field")]
    if not all(isinstance(p, str) for p in parts):
        return ""
    text = f"{parts[0]}/{parts[1]}.{parts[2]}"
    kinds = [
        "/".join(str(t[k]) for k in ("type", "subtype") if t.get(k))
        for t in _objects(item.get("transformations"))
    ]
    kinds = [k for k in kinds if k]
    return f"{text} ({', '.join(kinds)})" if kinds else text


def _objects(value: Any) -> list[dict]:
    """Return the objects in a JSON array (nothing when it is not an array)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _warn(problems: list[Problem], path: str, where: str, message: str, kind: str) -> None:
    """Record a warning: the data is used, but something about it is off."""
    problems.append(problem(path, where, message, kind, WARNING))


def _json_type(value: Any) -> str:
    """Name a decoded JSON value's type the way JSON does."""
    names = {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    """Show a value in a message, cut short."""
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 60 else text[:57] + "...'"
