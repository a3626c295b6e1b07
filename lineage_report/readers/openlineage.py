"""OpenLineage reader: RunEvents (one document, an array, or an NDJSON stream) -> manifests.

One manifest per `runId`: the run's events are merged (facets combined, later events win),
its state comes from the last terminal event, its inputs become used artifacts and its
outputs logged artifact versions. OpenLineage carries no content hash, so a dataset version's
digest is made up from what identifies it: sha256 of namespace/name and the `version` facet's
`datasetVersion` when there is one, else of namespace/name and the producing `runId` (one
version per producing run). A run that reads a dataset it also writes (a MERGE, an upsert,
an incremental model) reads it by `latest`, which the graph takes to be the version before
the run's own. Each document notes where its parts came from (`source_locations`), so later
problems point into the events. A run's parent run facet becomes its `parent`
(Airflow DAG run -> task runs, dbt invocation -> models). OpenLineage 2's static lineage
is read too: a JobEvent is a job definition without an observed run (a `design` run, its
edges drawn dashed, never making `latest`), and a DatasetEvent's facets are kept on every
version of that dataset the events write. The mapping is described in docs/readers.md.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from ..problems import WARNING, Problem, pointer
from .common import (
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
from .identity import Identities, dataset_name, symlink_identities

EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
TERMINAL_STATES = {"COMPLETE": "finished", "FAIL": "failed", "ABORT": "crashed"}
# The job name Spark's integration (1.34) may send in an application's START before it
# knows the name (OpenLineage issue 3846); a later event's real name replaces it.
PLACEHOLDER_JOB = "unknown"
# Facets shown in their own place (notes, parent link, tags, summary) rather than in config.
SHOWN_RUN_FACETS = ("parent", "errorMessage", "nominalTime")
SHOWN_JOB_FACETS = ("sql", "documentation")
SHOWN_DATASET_FACETS = (
    "documentation",
    "schema",
    "columnLineage",
    "dataSource",
    "version",
    "symlinks",
)
# Facets that become checks (data-quality results) instead of metadata.
CHECK_FACETS = ("dataQualityAssertions", "dataQualityMetrics")
# A dataQualityMetrics facet's dataset-wide numbers, each one metric check.
DATASET_METRICS = ("rowCount", "bytes", "fileCount", "lastUpdated")


@dataclass
class Dataset:
    """One input or output dataset of a run, its facets merged over the run's events."""

    namespace: str
    name: str
    where: str = ""  # where the first event naming it lists it: "line 3: /inputs/0"
    facets: dict = field(default_factory=dict)
    io_facets: dict = field(default_factory=dict)

    also: list[str] = field(default_factory=list)  # its other names (symlinks facet)
    # Each facet's place: the file and the dataset entry of the event that gave it (facets
    # merge over a run's events, the latest winning: `_newer`), for problems inside it.
    facet_at: dict[str, tuple[str, str]] = field(default_factory=dict)
    stamps: dict[str, datetime | None] = field(default_factory=dict)  # `_newer`'s, per facet
    only_read: bool = False  # no run or JobEvent here writes it: no version shows `also`

    @property
    def artifact_name(self) -> str:
        """Return the artifact name: namespace and name as one URI (`identity.dataset_name`)."""
        return dataset_name(self.namespace, self.name)

    def facet_place(self, name: str, path: str) -> tuple[str, str]:
        """Return (file, location) of a facet's dataset entry; the first mention without one."""
        return self.facet_at.get(name, (path, self.where))

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
    design: bool = False  # a JobEvent's job definition, not an observed run
    stamps: dict[str, datetime | None] = field(default_factory=dict)  # `_newer`'s, per facet

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
    statics: dict[tuple[str, str], tuple[str, Dataset]] = {}  # (path, DatasetEvents merged)
    order = 0
    for path, raw in sources:
        for location, event in _usable(path, _events(path, raw, problems), problems):
            _add_event(path, location, order, event, (runs, statics), problems)
            order += 1
    ordered = sorted(runs.values(), key=lambda r: r.order)
    _attach_dataset_events(statics, ordered, problems)
    names = _merge_identities(ordered, problems)
    _mark_only_read(ordered)
    versions = _VersionIndex(ordered)
    jobs = _run_suffixes(ordered)
    documents = [
        Document(run.path, run.location, _manifest(run, jobs, versions, problems))
        for run in ordered
    ]
    _rename_column_inputs(documents, names)
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


def _add_event(path, location, order, event, found: tuple[dict, dict], problems) -> None:
    """Check one event and merge it into its run (or job, or dataset); a bad one is skipped."""
    runs, statics = found
    static = _static_event(event) if isinstance(event, dict) else None
    if static == "a JobEvent":
        _add_job_event(path, location, order, event, runs, problems)
        return
    if static == "a DatasetEvent":
        _add_dataset_event(path, location, event, statics, problems)
        return
    complaint = _event_problem(path, location, event)
    if complaint:
        problems.append(complaint)
        return
    run_id, job = event["run"]["runId"], event["job"]
    run = runs.get(run_id)
    if run is None:
        run = runs[run_id] = Run(run_id, job["namespace"], job["name"], path, location, order)
    elif (job["namespace"], job["name"]) != (run.namespace, run.job):
        _job_mismatch(path, location, run, job, problems)
    kind, time = (
        _event_type(path, location, event, problems),
        _event_time(path, location, event, problems),
    )
    run.events.append(Event(kind, time, order))
    if isinstance(event.get("producer"), str) and _newer(run.stamps, "producer", time):
        run.producer = event["producer"]
    run_facets = _facets(path, location, event["run"], ("run",), problems)
    run.run_facets.update(_taken(run_facets, run.stamps, "run.", time))
    _check_parent(path, location, event["run"], problems)
    job_facets = _facets(path, location, job, ("job",), problems)
    run.job_facets.update(_taken(job_facets, run.stamps, "job.", time))
    _merge_datasets(path, location, event, "inputs", run.inputs, problems, time)
    _merge_datasets(path, location, event, "outputs", run.outputs, problems, time)


_UNSET = object()


def _newer(stamps: dict[str, datetime | None], key: str, time: datetime | None) -> bool:
    """Tell whether an event's value of `key` at `time` replaces the one kept, and note its
    time when it does: the latest event's value wins, by eventTime (a transport may deliver
    a COMPLETE before its RUNNING), in file order among equal times and untimed events."""
    was = stamps.get(key, _UNSET)
    if was is not _UNSET and time is not None and was is not None and time < was:
        return False
    stamps[key] = time
    return True


def _taken(facets: dict, stamps: dict, prefix: str, time: datetime | None) -> dict:
    """Return the facets of an event at `time` that replace those kept (`_newer`)."""
    return {k: v for k, v in facets.items() if _newer(stamps, prefix + k, time)}


def _job_mismatch(path, location, run: Run, job: dict, problems) -> None:
    """Warn about an event naming another job for a run: the first name is kept, unless it
    was the placeholder `unknown`, which a later real name replaces."""
    first, this = f"{run.namespace}/{run.job}", f"{job['namespace']}/{job['name']}"
    if run.job == PLACEHOLDER_JOB and job["name"] != PLACEHOLDER_JOB:
        run.namespace, run.job = job["namespace"], job["name"]
        message = (
            f"run {run.run_id} was first reported as job {first}, a placeholder (Spark's "
            f"integration sends it at some application starts); it is named {this}, as here"
        )
    else:
        message = (
            f"run {run.run_id} belongs to job {first}, "
            f"but this event names job {this}; the first is kept"
        )
    _warn(problems, path, location, message, "openlineage.job-mismatch")


def _event_problem(path: str, location: str, event: Any) -> Problem | None:
    """Return why an event cannot be used as a RunEvent, or None when it can."""
    kind = "openlineage.invalid-event"
    if not isinstance(event, dict):
        return problem(path, location, f"expected a RunEvent object, got {_json_type(event)}", kind)
    for key, inner in (("run", "runId"), ("job", "namespace"), ("job", "name")):
        part = event.get(key)
        if key not in event:
            return problem(path, location, f"this RunEvent has no '{key}'; it is not read", kind)
        if not isinstance(part, dict):
            return problem(path, location, f"'{key}' is {_json_type(part)}, not an object", kind)
        if not isinstance(part.get(inner), str) or not part[inner].strip():
            return problem(path, location, f"'{key}.{inner}' is missing or not a string", kind)
    return None


def _add_job_event(path, location, order, event: dict, runs: dict[str, Run], problems) -> None:
    """Merge a JobEvent into its job's design run: the job as defined, inputs and outputs."""
    job = event.get("job")
    complaint = _named_problem(path, location, "JobEvent", "job", job)
    if complaint:
        problems.append(complaint)
        return
    key = f"design:{job['namespace']}/{job['name']}"  # one design run per job, never a runId
    run = runs.get(key)
    if run is None:
        run = Run(key, job["namespace"], job["name"], path, location, order, design=True)
        runs[key] = run
    run.events.append(Event("JobEvent", _event_time(path, location, event, problems), order))
    if isinstance(event.get("producer"), str):
        run.producer = event["producer"]
    run.job_facets.update(_facets(path, location, job, ("job",), problems))
    _merge_datasets(path, location, event, "inputs", run.inputs, problems)
    _merge_datasets(path, location, event, "outputs", run.outputs, problems)


def _add_dataset_event(path, location, event: dict, statics: dict, problems) -> None:
    """Merge a DatasetEvent's facets into what the stream says of that dataset."""
    item = event.get("dataset")
    complaint = _named_problem(path, location, "DatasetEvent", "dataset", item)
    if complaint:
        problems.append(complaint)
        return
    ident = (item["namespace"], item["name"])
    if ident not in statics:  # problems about it point at its first DatasetEvent
        statics[ident] = (path, Dataset(*ident, sub_location(location, "dataset")))
    dataset = statics[ident][1]
    facets = _facets(path, location, item, ("dataset",), problems)
    dataset.facets.update(facets)
    dataset.facet_at.update((name, (path, dataset.where)) for name in facets)


def _named_problem(path, location, what: str, key: str, part: Any) -> Problem | None:
    """Return why a JobEvent's job or a DatasetEvent's dataset is unusable, else None."""
    kind = "openlineage.invalid-event"
    if not isinstance(part, dict):
        return problem(path, location, f"this {what}'s '{key}' is {_json_type(part)}", kind)
    inner = _unnamed(part)
    return (
        problem(path, location, f"'{key}.{inner}' is missing or not a string", kind)
        if inner
        else None
    )


def _unnamed(part: dict) -> str | None:
    """Return the first of a dataset's or job's `namespace` and `name` that is missing."""
    keys = ("namespace", "name")
    return next((k for k in keys if not isinstance(part.get(k), str) or not part[k].strip()), None)


def _attach_dataset_events(statics: dict, runs: list[Run], problems) -> None:
    """Put DatasetEvent facets under each written version's own; say where none is written.

    A DatasetEvent describes a dataset, not a version, so every version the events write
    shows them; a run's own facets win, being about that version.
    """
    attached = set()
    for run in runs:
        for ident, dataset in run.outputs.items():
            if ident in statics:
                dataset.facets = {**statics[ident][1].facets, **dataset.facets}
                dataset.facet_at = {**statics[ident][1].facet_at, **dataset.facet_at}
                attached.add(ident)
    for ident, (path, static) in statics.items():
        if ident not in attached:
            message = (
                f"a DatasetEvent for {static.artifact_name}, which no run or JobEvent here "
                "writes: its facets are not shown"
            )
            _warn(problems, path, static.where, message, "openlineage.unattached-dataset-event")


def _check_parent(path, location, run: dict, problems) -> None:
    """Warn about a parent run facet that names no parent run: the run is kept without one."""
    facets = run.get("facets")
    facet = facets.get("parent") if isinstance(facets, dict) else None
    if facet is not None and _parent(facet) is None:
        where = sub_location(location, "run", "facets", "parent")
        message = "the parent run facet has no 'run.runId'; the run is shown without a parent"
        _warn(problems, path, where, message, "openlineage.invalid-facet")


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
    """Return an object's facets (empty when absent); a non-object is reported and ignored.

    A facet that is null is absent: Java clients of OpenLineage 1.x wrote unset facets as
    null (`"nominalTime": null`), and a later event's null must not erase an earlier value.
    """
    facets = owner.get("facets")
    if facets is None:
        return {}
    if isinstance(facets, dict):
        return {k: v for k, v in facets.items() if isinstance(k, str) and v is not None}
    message = f"facets are {_json_type(facets)}, not an object; ignored"
    where = sub_location(location, *parts, "facets")
    _warn(problems, path, where, message, "openlineage.invalid-facet")
    return {}


def _merge_datasets(path, location, event, key, into: dict, problems, time=None) -> None:
    """Merge an event's inputs or outputs into the run's, each facet the latest event's by
    `time` (`_newer`); bad entries are reported and skipped."""
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
        facets = _taken(
            _facets(path, location, item, (key, i), problems), dataset.stamps, "facet.", time
        )
        dataset.facets.update(facets)
        dataset.facet_at.update((name, (path, where)) for name in facets)
        io = item.get(io_key)
        if isinstance(io, dict):
            io = {k: v for k, v in io.items() if v is not None}
            dataset.io_facets.update(_taken(io, dataset.stamps, "io.", time))


def _dataset_problem(path: str, where: str, item: Any) -> Problem | None:
    """Return why a dataset entry cannot be used, or None when it can."""
    kind = "openlineage.invalid-dataset"
    if not isinstance(item, dict):
        return problem(path, where, f"expected a dataset object, got {_json_type(item)}", kind)
    key = _unnamed(item)
    return (
        problem(path, where, f"dataset '{key}' is missing or not a string", kind) if key else None
    )


# --- stage 2b: one name per dataset -------------------------------------------------------


def _merge_identities(runs: list[Run], problems: list[Problem]) -> Identities:
    """Show the datasets a symlinks facet ties together under one name, the first a run used;
    return the names, for the column-lineage inputs that name a dataset otherwise."""
    names = Identities()
    for dataset in _datasets(runs):
        names.add(dataset.namespace, dataset.name, primary=True)
    for run in runs:
        for dataset in _run_datasets(run):
            key = dataset_name(dataset.namespace, dataset.name)
            path, where = dataset.facet_place("symlinks", run.path)
            for other in symlink_identities(dataset.facets, path, where, problems):
                names.union(key, names.add(*other, primary=False))
    for run in runs:
        run.inputs = _renamed(run.inputs, names)
        run.outputs = _renamed(run.outputs, names)
    return names


def _mark_only_read(runs: list[Run]) -> None:
    """Mark the inputs that nothing here writes: their other names are shown as read."""
    written = {ident for run in runs for ident in run.outputs}
    for run in runs:
        for ident, dataset in run.inputs.items():
            dataset.only_read = ident not in written


def _rename_column_inputs(documents: list[Document], names: Identities) -> None:
    """Name each column-lineage input by its dataset's shown name (a symlink may name it)."""
    for document in documents:
        for artifact in document.data["logged_artifacts"]:
            for column in artifact.get("column_lineage", []):
                for source in column["inputs"]:
                    source["artifact"] = names.primary(source["artifact"])


def _datasets(runs: list[Run]):
    """Yield every dataset of the runs, in stream order."""
    for run in runs:
        yield from _run_datasets(run)


def _run_datasets(run: Run) -> list[Dataset]:
    """Return a run's inputs then outputs."""
    return [*run.inputs.values(), *run.outputs.values()]


def _renamed(datasets: dict, names: Identities) -> dict:
    """Return a run's inputs or outputs keyed by their group's name, merged where two meet."""
    merged: dict[tuple[str, str], Dataset] = {}
    for dataset in datasets.values():
        ident = names.canonical(dataset.namespace, dataset.name)
        kept = merged.get(ident)
        if kept is None:
            dataset.namespace, dataset.name = ident
            dataset.also = names.others(*ident)
            merged[ident] = dataset
        else:
            kept.facets.update(dataset.facets)
            kept.facet_at.update(dataset.facet_at)
            kept.io_facets.update(dataset.io_facets)
    return merged


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
            if run.design or run.state in ("failed", "crashed"):
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


def _manifest(run: Run, jobs: dict[str, str], versions: _VersionIndex, problems) -> dict:
    """Return the manifest-v1 document of one run, noting where each part came from."""
    return {
        "manifest_version": 1,
        "run": _run_info(run, jobs),
        "used_artifacts": [
            {**_used(run, d, versions, problems), **_input_checks(run, d), **_input_facets(d)}
            for d in run.inputs.values()
        ],
        "logged_artifacts": [_logged(run, d, problems) for d in run.outputs.values()],
        SOURCE_LOCATIONS: _source_locations(run),
    }


def _source_locations(run: Run) -> dict[str, str]:
    """Return where the run's id, inputs and outputs are in its events (their first mention)."""
    run_id = ("job",) if run.design else ("run", "runId")  # a JobEvent's id is its job
    where = {pointer("run", "id"): sub_location(run.location, *run_id)}
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
    if run.design:  # a job definition reads whatever is current, not a version of its time
        return {"name": dataset.artifact_name, "alias": "latest"}
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


def _run_info(run: Run, jobs: dict[str, str]) -> dict:
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
    info["parent"] = _parent(run.run_facets.get("parent"))
    if run.design:
        info.update(_design_info(run))
    return {k: v for k, v in info.items() if v is not None}


def _design_info(run: Run) -> dict:
    """Return what a job definition's `run` object says instead of an observed run's times.

    It has no state or times: its JobEvent's time is when the job was defined, kept in
    config, so its outputs sort after every observed version and never shift their numbers.
    """
    times = [e.time for e in run.events if e.time]
    config = dict(_config(run), defined_at=iso(max(times)) if times else None)
    return {
        "name": f"{run.job} (design)",
        "design": True,
        "state": None,
        "started_at": None,
        "finished_at": None,
        "config": non_empty(config),
    }


def _display_name(run: Run, suffixes: dict[str, str]) -> str:
    """Return the job name, with a short run id when the job ran more than once here."""
    suffix = suffixes.get(run.run_id)
    return f"{run.job} {suffix}" if suffix else run.job


def _run_suffixes(runs: list[Run]) -> dict[str, str]:
    """Return, for each run of a job that ran more than once here, a short id telling it apart.

    The id's first 8 characters, unless two runs of the job share them: UUIDv7 run ids
    (OpenLineage 1.15 on) begin with their time, so a Spark application's SQL executions
    or an Airflow task's retries a minute apart share them. Those runs are told apart by
    the end of the id (its random part), else by the whole id.
    """
    by_job: dict[tuple[str, str], list[str]] = {}
    for run in runs:
        if not run.design:
            by_job.setdefault((run.namespace, run.job), []).append(run.run_id)
    suffixes: dict[str, str] = {}
    for ids in by_job.values():
        if len(ids) > 1:
            suffixes.update(zip(ids, _distinct_shorts(ids), strict=True))
    return suffixes


def _distinct_shorts(ids: list[str]) -> list[str]:
    """Return short forms of the ids, distinct from each other: head, else tail, else whole."""
    for short in (lambda i: i[:8], lambda i: i[-8:]):
        shorts = [short(i) for i in ids]
        if len(set(shorts)) == len(set(ids)):
            return shorts
    return list(ids)


def _parent(facet: Any) -> dict | None:
    """Return the manifest's `parent` from a parent run facet, None when it has no run id.

    The parent is named as this reader names runs: its runId, and its job's name as both
    name and job type, so a page can link it when its events are in the project too.
    """
    if not isinstance(facet, dict) or not isinstance(facet.get("run"), dict):
        return None
    run_id = facet["run"].get("runId")
    if not isinstance(run_id, str) or not run_id.strip():
        return None
    job = facet.get("job") if isinstance(facet.get("job"), dict) else {}
    name = job.get("name") if isinstance(job.get("name"), str) and job["name"] else None
    return non_empty({"id": run_id, "name": name, "job_type": name})


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


def _input_facets(dataset: Dataset) -> dict:
    """Return {"facets": ...} of an input, or {}: what the run said about the dataset it read
    besides its data-quality checks (and its other names, when a version here shows them),
    its inputFacets as `input.<name>` and its dataset facets as `facet.<name>`. Both pages
    show them whole (docs/readers.md)."""
    # A written dataset's other names are its version's (*Also named*); an external one has
    # no version, so the symlinks facet is kept with what the run said (a Hive table's name).
    hidden = (*CHECK_FACETS, *(() if dataset.only_read else ("symlinks",)))
    found = {
        f"facet.{name}": without_private(value)
        for name, value in dataset.facets.items()
        if name not in hidden
    }
    found.update(
        (f"input.{name}", without_private(value))
        for name, value in dataset.io_facets.items()
        if name not in CHECK_FACETS
    )
    return {"facets": dict(sorted(found.items()))} if found else {}


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


def _logged(run: Run, dataset: Dataset, problems: list[Problem]) -> dict:
    """Return the logged-artifact entry for one output dataset."""
    _check_lifecycle(run, dataset, problems)
    artifact = {
        "name": dataset.artifact_name,
        "type": _dataset_type(dataset),
        "digest": dataset_digest(dataset.namespace, dataset.name, dataset.version, run.run_id),
        "description": _dataset_description(dataset),
        "metadata": _dataset_metadata(dataset),
        # A design output has no time, so it never outranks an observed version's number.
        "created_at": None if run.design else iso(run.finished_at or run.started_at),
        "columns": _columns(dataset.facets.get("schema")),
        "column_lineage": _column_lineage(run.path, dataset, problems),
        "checks": _checks(run, dataset.facets, dataset.io_facets),
    }
    return {k: v for k, v in artifact.items() if v is not None}


def _check_lifecycle(run: Run, dataset: Dataset, problems: list[Problem]) -> None:
    """Warn about an output whose lifecycle change a version cannot say: a DROP or RENAME.

    A Spark `DROP TABLE` lists the table as its output; read as any output, it is a new
    version that becomes `latest` (and later readers read it) though the table is gone.
    A RENAME's `previousIdentifier` names the old table, which is not tied to the new one.
    """
    facet = dataset.facets.get("lifecycleStateChange")
    change = facet.get("lifecycleStateChange") if isinstance(facet, dict) else None
    if change not in ("DROP", "RENAME"):
        return
    what = {
        "DROP": "drops it: shown as a new version, which is `latest` though the table is gone",
        "RENAME": "renames it: the name it had before (previousIdentifier) is not linked to it",
    }[change]
    message = (
        f"run {run.run_id} writes {dataset.artifact_name} with lifecycleStateChange "
        f"{change}, which {what}"
    )
    path, at = dataset.facet_place("lifecycleStateChange", run.path)
    where = sub_location(at, "facets", "lifecycleStateChange")
    _warn(problems, path, where, message, "openlineage.unsupported")


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
    """Return artifact metadata: identity, version, data source, facets not shown elsewhere."""
    metadata: dict[str, Any] = {"namespace": dataset.namespace, "name": dataset.name}
    metadata["also_named"] = dataset.also  # from the symlinks facets, merged into this one
    if dataset.version is not None:
        metadata["dataset_version"] = dataset.version
    lineage = dataset.facets.get("columnLineage")
    if isinstance(lineage, dict):  # whole-dataset dependencies (filters, joins): no one column
        metadata["column_lineage_dataset"] = [
            _field_text(item) for item in _objects(lineage.get("dataset"))
        ]
    source = dataset.facets.get("dataSource")
    if isinstance(source, dict):
        uri = source.get("uri")
        uri = redact_uri(uri) if isinstance(uri, str) else None
        metadata["data_source"] = non_empty({"name": source.get("name"), "uri": uri})
    for name in sorted(dataset.facets):
        if name not in SHOWN_DATASET_FACETS + CHECK_FACETS:
            metadata[f"facet.{name}"] = without_private(dataset.facets[name])
    for name in sorted(dataset.io_facets):
        if name not in CHECK_FACETS:
            metadata[f"output.{name}"] = without_private(dataset.io_facets[name])
    return non_empty(metadata)


# --- facets: schema, column lineage, data quality ------------------------------------------


def _columns(facet: Any, prefix: str = "") -> list[dict]:
    """Return the schema facet's columns in order; a nested field is named `parent.child`."""
    fields = facet.get("fields") if isinstance(facet, dict) else None
    columns = []
    for item in _objects(fields):
        if not isinstance(item.get("name"), str) or not item["name"]:
            continue
        name = prefix + item["name"]
        kind, text = item.get("type"), item.get("description")
        columns.append(
            {
                "name": name,
                "type": kind if isinstance(kind, str) and kind else None,
                "description": text if isinstance(text, str) else "",
            }
        )
        columns += _columns(item, name + ".")
    return columns


def _column_lineage(path: str, dataset: Dataset, problems: list[Problem]) -> list[dict]:
    """Return, per output column, the input columns it comes from (columnLineage facet)."""
    facet = dataset.facets.get("columnLineage")
    fields = facet.get("fields") if isinstance(facet, dict) else None
    path, at = dataset.facet_place("columnLineage", path)
    lineage = []
    for column, spec in fields.items() if isinstance(fields, dict) else []:
        if not column or not isinstance(spec, dict):
            continue
        inputs = []
        for i, item in enumerate(_objects(spec.get("inputFields"))):
            where = sub_location(at, "facets", "columnLineage", "fields", column, "inputFields", i)
            inputs += _column_inputs(path, where, item, spec, problems)
        lineage.append({"column": column, "inputs": inputs})
    return lineage


def _column_inputs(path: str, where: str, item: dict, spec: dict, problems) -> list[dict]:
    """Return one input field as column inputs: one per transformation it lists."""
    parts = [item.get(k) for k in ("namespace", "name", "field")]
    if not all(isinstance(p, str) and p for p in parts):
        message = "a column-lineage input field without a namespace, name and field; not shown"
        _warn(problems, path, where, message, "openlineage.invalid-facet")
        return []
    base = {"artifact": Dataset(parts[0], parts[1]).artifact_name, "field": parts[2]}
    # Before facet 1-1-0 the type and description sat on the output field, not the input.
    old_type, old_text = spec.get("transformationType"), spec.get("transformationDescription")
    listed = _objects(item.get("transformations")) or [{"type": old_type, "description": old_text}]
    return [{**base, **_transformation(t)} for t in listed]


def _transformation(item: dict) -> dict:
    """Return a transformation's type, subtype and description as strings, and whether it
    masks the data (columnLineage facet 1-2: `masking: true`)."""
    keys = {"transformation": "type", "subtype": "subtype", "description": "description"}
    found = {k: item[v] for k, v in keys.items() if isinstance(item.get(v), str) and item[v]}
    return {**found, "masking": True} if item.get("masking") is True else found


def _field_text(item: dict) -> str:
    """Return an input field as 'namespace/name.field (TYPE/SUBTYPE)'."""
    parts = [str(item.get(k, "?")) for k in ("namespace", "name", "field")]
    kinds = [
        "/".join(str(t[k]) for k in ("type", "subtype") if t.get(k))
        for t in _objects(item.get("transformations"))
    ]
    text = f"{parts[0]}/{parts[1]}.{parts[2]}"
    return f"{text} ({', '.join(k for k in kinds if k)})" if any(kinds) else text


def _input_checks(run: Run, dataset: Dataset) -> dict:
    """Return {"checks": [...]} of an input (its inputFacets' data quality), or {}."""
    checks = _checks(run, dataset.facets, dataset.io_facets)
    return {"checks": checks} if checks else {}


def _checks(run: Run, *facet_sets: dict) -> list[dict]:
    """Return the data-quality checks in a dataset's facets and input or output facets.

    A facet given whole in both places is read once: OpenLineage's dbt integration puts its
    assertions in an input's dataset facets and in its inputFacets alike (1.x, "for
    compatibility").
    """
    checks: list[dict] = []
    seen: list[Any] = []
    for given in facet_sets:
        facets = {k: given[k] for k in CHECK_FACETS if k in given and given[k] not in seen}
        seen += facets.values()
        source = _check_source(run, facets)
        checks += [_assertion(a, source) for a in _assertions(facets)]
        checks += _metrics(facets.get("dataQualityMetrics"), source)
    return checks


def _assertions(facets: dict) -> list[dict]:
    """Return the assertion objects of a dataQualityAssertions facet."""
    facet = facets.get("dataQualityAssertions")
    found = _objects(facet.get("assertions")) if isinstance(facet, dict) else []
    return [a for a in found if isinstance(a.get("assertion"), str) and a["assertion"]]


def _assertion(item: dict, source: str) -> dict:
    """Return one assertion as a check: failed, warned (severity warn), passed or unknown.

    It is named by the test's `name` where the facet gives one (1-1-0: dbt's test name,
    `unique_orders_id`), else by its classification (`assertion`: `unique`), which the
    message then begins with.
    """
    success = item.get("success")
    if success is True:
        status = "pass"
    elif success is False:
        status = "warn" if str(item.get("severity", "")).lower() == "warn" else "fail"
    else:
        status = "unknown"
    column = item.get("column")
    expected, actual = item.get("expected"), item.get("actual")
    said = f"expected {expected}, got {actual}" if None not in (expected, actual) else ""
    name = item.get("name")
    named = isinstance(name, str) and name.strip() != "" and name != item["assertion"]
    message = ": ".join(p for p in (item["assertion"] if named else "", said) if p)
    check = {
        "name": name if named else item["assertion"],
        "status": status,
        "column": column if isinstance(column, str) and column else None,
        "kind": "assertion",
        "value": actual,
        "message": message,
        "source": source,
    }
    return {k: v for k, v in check.items() if v is not None}


def _metrics(facet: Any, source: str) -> list[dict]:
    """Return a dataQualityMetrics facet as metric checks: dataset-wide, then per column."""
    if not isinstance(facet, dict):
        return []
    metrics = [(None, key, facet[key]) for key in DATASET_METRICS if key in facet]
    columns = facet.get("columnMetrics")
    for column, values in columns.items() if isinstance(columns, dict) else []:
        for key, value in values.items() if isinstance(values, dict) else []:
            metrics.append((column, key, value))
    return [
        non_empty(
            {"name": key, "status": "unknown", "column": column, "kind": "metric"}
            | {"value": value, "source": source}
        )
        for column, key, value in metrics
        if value is not None
    ]


def _check_source(run: Run, facets: dict) -> str:
    """Name who produced a facet set's checks: dbt, Great Expectations, else openlineage."""
    producers = [run.producer]
    for name in CHECK_FACETS:
        facet = facets.get(name)
        if isinstance(facet, dict) and isinstance(facet.get("_producer"), str):
            producers.append(facet["_producer"])
    text = " ".join(producers).lower()
    if "great_expectations" in text or "great-expectations" in text:
        return "great_expectations"
    return "dbt" if "/dbt" in text else "openlineage"


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
