"""Graph: resolve manifest records into artifact versions and runs, as a networkx DiGraph.

Identity follows W&B: an artifact is a name with one type; its versions v0, v1, ... are
numbered in the order they were first logged and identified by digest; `latest` is the
newest version that landed (its run did not fail, crash or get skipped), a custom alias
names the last version given it. A run that reads by alias an artifact it also logs (a
MERGE, an upsert, an incremental model) reads the version before its own, or an external
"before" node when there is none. Records that contradict the others (a type clash, a
version claimed with another digest, a cycle) are rejected whole, and resolution runs
again without them, so no record is ever half-ingested. Problems point into the file a
reader read when the record says where its parts came from (`source_locations`).
"""

from __future__ import annotations

import fnmatch
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import msgspec
import networkx as nx

from . import formats
from .collect import Record
from .config import Config
from .manifest import FAILING, Check, ColumnInput, LoggedArtifact, RunInfo, UsedRef, iso, utc
from .naming import artifact_node, run_node, version_node, version_ref
from .problems import Problem, Problems, pointer
from .readers import SOURCE_FILES, SOURCE_LOCATIONS
from .refs import EARLIEST, LATEST, VERSION_TAG, holder_at, logging_order, split_ref, version_number

ARTIFACT = "artifact"
RUN = "run"
NOT_LANDED = ("failed", "crashed", "skipped")  # what such a run logged may not exist


@dataclass
class LoggedEntry:
    """One logged-artifact entry of one record."""

    record: Record
    index: int
    art: LoggedArtifact
    digest: str
    when: datetime | None

    def key(self) -> tuple:
        """Order entries by time (unknown last), then run id, then place in the manifest."""
        return logging_order(self.when, self.record.manifest.run.id, self.record.path, self.index)


@dataclass
class Version:
    """One version of an artifact: its first entry is its producer."""

    name: str
    number: int
    entry: LoggedEntry
    relogs: list[LoggedEntry] = field(default_factory=list)

    @property
    def node_id(self) -> str:
        """Return the graph node id, `artifact:name:vN`."""
        return version_node(self.name, self.number)

    @property
    def landed(self) -> bool:
        """Tell whether a run that logged this version ended well (failed writes may not exist)."""
        entries = [self.entry, *self.relogs]
        return any(landed_by(e.record.manifest.run) for e in entries)


@dataclass
class Artifact:
    """An artifact name: its type, versions in order, and the history of its aliases."""

    name: str
    type: str
    first: LoggedEntry
    versions: list[Version] = field(default_factory=list)
    by_digest: dict[str, Version] = field(default_factory=dict)
    alias_history: dict[str, list[tuple[datetime | None, Version]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    _order: VersionOrder | None = field(default=None, repr=False, compare=False)

    def order(self) -> VersionOrder:
        """Return the index for `latest` lookups, built once all entries are logged."""
        if self._order is None:
            self._order = VersionOrder(self.versions)
        return self._order


class VersionOrder:
    """Which version was `latest` when, found by binary search.

    A stream can hold thousands of versions of one hourly table, each read by the next
    run: a scan of all versions per read would make that quadratic.
    """

    def __init__(self, versions: list[Version]):
        self.versions = versions
        # Unknown times sort last, so the known ones are a sorted prefix.
        self.times = [v.entry.when for v in versions if v.entry.when is not None]
        self.best: list[Version | None] = []  # best[i]: newest landed one of versions[: i + 1]
        for version in versions:
            self.best.append(version if version.landed else (self.best or [None])[-1])

    def newest(
        self, start: datetime | None, landed: bool = True, below: int | None = None
    ) -> Version | None:
        """Return the newest version (that landed) logged by `start`, or below number `below`.

        A version with an unknown time counts as logged before every start.
        """
        pick = self.best if landed else self.versions
        if below is not None:
            return pick[below - 1] if below > 0 else None
        last = pick[-1] if pick else None
        if start is None or (last is not None and last.number >= len(self.times)):
            return last
        count = bisect_right(self.times, start)
        return pick[count - 1] if count else None


@dataclass
class Usage:
    """A used-artifact reference of one run, resolved to a version or left external."""

    record: Record
    index: int
    name: str
    display: str
    version: Version | None
    type: str | None
    declared_external: bool = False
    before: bool = False  # reads what it writes, and nothing earlier was logged here
    unlanded: bool = False  # `latest`, but every version there was is a failed run's


@dataclass
class Resolution:
    """The outcome of one resolution pass."""

    artifacts: dict[str, Artifact]
    usages: list[Usage]
    rejects: list[tuple[Record, Problem]]


def build_graph(records: list[Record], config: Config, problems: Problems) -> nx.DiGraph:
    """Resolve the records (rejecting contradictory ones) and return the lineage graph."""
    records = drop_duplicate_runs(records, problems)
    while True:
        resolution = resolve_records(records)
        if not resolution.rejects:
            break
        rejected = set()
        for record, problem in resolution.rejects:
            problems.add(problem)
            rejected.add(id(record))
        records = [r for r in records if id(r) not in rejected]
    report_unresolved(resolution.usages, config, problems)
    return to_graph(records, resolution)


def located(record: Record, *parts: object) -> str:
    """Return where a part of a record is in its file, e.g. `/used_artifacts/0`."""
    return place(record, *parts)[1]


def place(record: Record, *parts: object) -> tuple[str, str]:
    """Return the file and the place in it of a part of a record.

    A reader's record says where its parts came from (`line 12: /inputs/0`), and from which
    file when not its own (a dbt run's part read from OpenLineage events); the nearest
    enclosing part it names is used, so a problem points into what a person can open.
    """
    origins = reader_map(record, SOURCE_LOCATIONS)
    for end in range(len(parts), 0, -1):
        key = pointer(*parts[:end])
        where = origins.get(key)
        if where is not None:
            return reader_map(record, SOURCE_FILES).get(key, record.path), where
    return record.path, record.location + pointer(*parts)


def reader_map(record: Record, key: str) -> dict[str, str]:
    """Return a reader's {manifest pointer: text} map of a record (SOURCE_LOCATIONS or
    SOURCE_FILES), if the reader gave one."""
    given = record.extra.get("", {}).get(key) if record.extra else None
    if not isinstance(given, dict):
        return {}
    return {k: v for k, v in given.items() if isinstance(k, str) and isinstance(v, str)}


def drop_duplicate_runs(records: list[Record], problems: Problems) -> list[Record]:
    """Keep one record per run id: identical copies are merged, differing ones are errors."""
    kept: dict[str, Record] = {}
    for record in records:
        run_id = record.manifest.run.id
        first = kept.get(run_id)
        if first is None:
            kept[run_id] = record
        elif (first.manifest, first.extra) != (record.manifest, record.extra):
            problems.error(
                *place(record, "run", "id"),
                f"run id '{run_id}' is also used by {first.where} with different "
                "content; this manifest is skipped",
                "graph.duplicate-run",
            )
    return list(kept.values())


def landed_by(run: RunInfo) -> bool:
    """Tell whether what a run logged exists: it ended well and is no mere job definition."""
    return not run.design and run.state not in NOT_LANDED


def run_time(run: RunInfo) -> datetime | None:
    """Return when a run's outputs appeared: its end, else its start."""
    return utc(run.finished_at or run.started_at)


def entries_of(records: list[Record]) -> list[LoggedEntry]:
    """Return every logged entry of every record, in logging order."""
    entries = []
    for record in records:
        fallback = run_time(record.manifest.run)
        for i, art in enumerate(record.manifest.logged_artifacts):
            when = utc(art.created_at) or fallback
            entries.append(LoggedEntry(record, i, art, record.digests[i], when))
    entries.sort(key=LoggedEntry.key)
    return entries


def resolve_records(records: list[Record]) -> Resolution:
    """Number versions, track aliases and resolve used references, noting contradictions."""
    artifacts: dict[str, Artifact] = {}
    rejects: list[tuple[Record, Problem]] = []
    for entry in entries_of(records):
        problem = add_entry(artifacts, entry)
        if problem:
            rejects.append((entry.record, problem))
    usages = [u for r in records for u in usages_of(r, artifacts)]
    if not rejects:
        rejects = find_cycle(records, usages)
    return Resolution(artifacts, usages, rejects)


def add_entry(artifacts: dict[str, Artifact], entry: LoggedEntry) -> Problem | None:
    """Add one logged entry: a new version, or a re-log of a known digest."""
    art = entry.art
    artifact = artifacts.setdefault(art.name, Artifact(art.name, art.type, entry))
    if art.type != artifact.type:
        return _entry_problem(
            entry,
            "type",
            f"artifact '{art.name}' is logged here as type '{art.type}', but "
            f"{artifact.first.record.where} logged it as '{artifact.type}'",
            "graph.type-clash",
        )
    version = artifact.by_digest.get(entry.digest)
    if version is None:
        claimed = claimed_version(art)
        if claimed is not None and claimed < len(artifact.versions):
            holder = artifact.versions[claimed].entry
            return _entry_problem(
                entry,
                "version",
                f"'{version_ref(art.name, claimed)}' is claimed here with digest {entry.digest}, "
                f"but {holder.record.where} logged it with digest {holder.digest}",
                "graph.conflicting-producer",
            )
        version = Version(art.name, len(artifact.versions), entry)
        artifact.versions.append(version)
        artifact.by_digest[entry.digest] = version
    elif version.entry.record is not entry.record:
        version.relogs.append(entry)
    for alias in art.aliases:
        if alias != "latest":
            artifact.alias_history[alias].append((entry.when, version))
    return None


def _entry_problem(entry: LoggedEntry, field: str, message: str, kind: str) -> Problem:
    """Return a problem located at one field of a logged entry."""
    return Problem(
        *place(entry.record, "logged_artifacts", entry.index, field),
        message,
        kind,
    )


def claimed_version(art: LoggedArtifact) -> int | None:
    """Return the version number an entry states for itself (`"v3"` or `3`), if any."""
    return version_number(art.version)


def split_used(ref: str | UsedRef) -> tuple[str, str, str | int]:
    """Split a used reference into (name, how, what): how is version, alias or digest."""
    if not isinstance(ref, UsedRef):
        return split_ref(ref)
    if ref.digest:
        return ref.name, "digest", ref.digest
    number = version_number(ref.version)
    tag = VERSION_TAG.fullmatch(ref.alias) if number is None and ref.alias else None
    if tag:
        number = int(tag.group(1))  # as in W&B, "v3" is also an alias of version 3
    if number is not None:
        return ref.name, "version", number
    return ref.name, "alias", ref.alias or LATEST


def ref_display(name: str, how: str, what: str | int) -> str:
    """Show a reference the way people write it: `name:v3`, `name:best`, `name@sha256:...`."""
    if how == "version":
        return version_ref(name, what)
    if how == "digest":
        return f"{name}@{what}"
    return f"{name}:{what}"


def usages_of(record: Record, artifacts: dict[str, Artifact]) -> list[Usage]:
    """Resolve each used reference of a record against the artifacts logged so far."""
    run = record.manifest.run
    start = utc(run.started_at or run.finished_at)
    own = own_versions(record, artifacts)
    usages = []
    for i, ref in enumerate(record.manifest.used_artifacts):
        name, how, what = split_used(ref)
        artifact = artifacts.get(name)
        version = lookup(artifact, how, what, start, own.get(name)) if artifact else None
        ref_type = ref.type if isinstance(ref, UsedRef) else None
        external = isinstance(ref, UsedRef) and ref.external
        usage = Usage(record, i, name, ref_display(name, how, what), version, ref_type, external)
        if version is None and (how, what) == ("alias", "latest") and artifact:
            if name in own:
                usage.before, usage.display, usage.type = True, before_display(name), artifact.type
            else:
                usage.unlanded = artifact.order().newest(start, landed=False) is not None
        usages.append(usage)
    return usages


def own_versions(record: Record, artifacts: dict[str, Artifact]) -> dict[str, Version]:
    """Return the first version of each artifact that the record logs, by name."""
    own: dict[str, Version] = {}
    for i, art in enumerate(record.manifest.logged_artifacts):
        artifact = artifacts.get(art.name)
        version = artifact.by_digest.get(record.digests[i]) if artifact else None
        if version is not None and (art.name not in own or version.number < own[art.name].number):
            own[art.name] = version
    return own


def before_display(name: str) -> str:
    """Name the external node of what a run read before the first version it wrote."""
    return f"{name} (before v0)"


def lookup(
    artifact: Artifact,
    how: str,
    what: str | int,
    start: datetime | None,
    own: Version | None = None,
) -> Version | None:
    """Find the version a reference names, as it stood when the consuming run started.

    `latest` is the newest version that landed. A run that logs a version of the artifact
    itself (`own`) read one logged before its own: version order, not time, decides, so
    two runs updating one table at the same instant never read each other's output.
    """
    if how == "version":
        return artifact.versions[what] if what < len(artifact.versions) else None
    if how == "digest":
        return artifact.by_digest.get(what)
    if what == "latest":
        return artifact.order().newest(start, below=own.number if own else None)
    history = artifact.alias_history.get(what, [])
    if own is not None:
        history = [v for _, v in history if v.number < own.number]
        return history[-1] if history else None
    return holder_at(history, start)  # the SDK's rule too: what held the alias at the start


def find_cycle(records: list[Record], usages: list[Usage]) -> list[tuple[Record, Problem]]:
    """Return a rejection for the newest run on a cycle, if the lineage has one."""
    edges = set()
    for usage in usages:
        if usage.version:
            edges.add((usage.version.node_id, record_node(usage.record)))
            edges.add((record_node(usage.version.entry.record), usage.version.node_id))
    stuck = nodes_on_or_after_cycles(edges)
    if not stuck:
        return []
    graph = nx.DiGraph(sorted((u, v) for u, v in edges if u in stuck and v in stuck))
    cycle = nx.find_cycle(graph)
    on_cycle = {u for u, _ in cycle}
    runs = [
        u
        for u in usages
        if record_node(u.record) in on_cycle and u.version and u.version.node_id in on_cycle
    ]
    culprit = max(
        runs,
        key=lambda u: (run_time(u.record.manifest.run) or EARLIEST, u.record.manifest.run.id),
    )
    # Start the story at what the culprit used: "its input → it → ... → its input".
    hops = [u for u, _ in cycle]
    start = hops.index(culprit.version.node_id)
    hops = hops[start:] + hops[:start]
    path = " → ".join([*hops, hops[0]])
    problem = Problem(
        *place(culprit.record, "used_artifacts", culprit.index),
        f"cycle in the lineage: {path}; this manifest is skipped",
        "graph.cycle",
    )
    return [(culprit.record, problem)]


def nodes_on_or_after_cycles(edges: set[tuple[str, str]]) -> set[str]:
    """Return the nodes a topological sort cannot reach (empty for a DAG): Kahn's algorithm,
    far cheaper than a networkx cycle search on a graph that almost always has none."""
    succ: dict[str, list[str]] = defaultdict(list)
    indegree: dict[str, int] = defaultdict(int)
    for u, v in edges:
        succ[u].append(v)
        indegree[v] += 1
        indegree.setdefault(u, 0)
    ready = [n for n, d in indegree.items() if d == 0]
    while ready:
        node = ready.pop()
        for other in succ[node]:
            indegree[other] -= 1
            if indegree[other] == 0:
                ready.append(other)
    return {n for n, d in indegree.items() if d > 0}


def report_unresolved(usages: list[Usage], config: Config, problems: Problems) -> None:
    """Warn about references that name nothing logged, unless declared external: once per
    message, at its first reference, counting the others and naming the last (a Spark
    application's thousands of executions read the same source table)."""
    alike: dict[str, list[Usage]] = {}
    for usage in usages:
        if usage.version is None and not is_declared_external(usage, config):
            alike.setdefault(unresolved_message(usage), []).append(usage)
    for message, found in alike.items():
        path, where = place(found[0].record, "used_artifacts", found[0].index)
        if len(found) > 1:
            more = formats.plural(len(found) - 1, "more reference")
            last = place(found[-1].record, "used_artifacts", found[-1].index)
            message += f"; {more} to it shown the same way, the last at {last[0]}: {last[1]}"
        problems.warning(path, where, message, "graph.unresolved")


def unresolved_message(usage: Usage) -> str:
    """Say why a reference is drawn as an external node, and how to declare it."""
    declare = f'declare it with external = ["{external_pattern(usage)}"] in lineage-report.toml'
    if usage.before:
        return (
            f"this run reads and writes '{usage.name}', and no earlier version of it was "
            f"logged here by a run that did not fail; shown as the external input "
            f"'{usage.display}' ({declare})"
        )
    if usage.unlanded:
        return (
            f"'{usage.display}': every version of '{usage.name}' logged here before this run "
            f"started comes from a run that failed, crashed or was skipped; shown as an "
            f"external input ({declare})"
        )
    shown = "shown as an external input"
    return f"'{usage.display}' was not logged by any run here; {shown} ({declare})"


def external_pattern(usage: Usage) -> str:
    """Return the `external` pattern that would declare this reference: `name:*` or `name@*`."""
    if usage.before:
        return usage.name
    return f"{usage.name}@*" if "@" in usage.display[len(usage.name) :] else f"{usage.name}:*"


def is_declared_external(usage: Usage, config: Config) -> bool:
    """Tell whether the reference itself or the config declares it external."""
    return usage.declared_external or any(
        fnmatch.fnmatchcase(usage.display, p) or fnmatch.fnmatchcase(usage.name, p)
        for p in config.external
    )


def to_graph(records: list[Record], resolution: Resolution) -> nx.DiGraph:
    """Build the bipartite DiGraph: artifact → run (used), run → artifact (logged)."""
    graph = nx.DiGraph()
    for record in sorted(records, key=lambda r: r.manifest.run.id):
        graph.add_node(record_node(record), **run_attrs(record))
    for name in sorted(resolution.artifacts):
        add_artifact(graph, resolution.artifacts[name])
    for usage in resolution.usages:
        node = usage.version.node_id if usage.version else external_node(graph, usage)
        attrs = {**design_edge(usage.record), **used_facets(graph, node, usage)}
        graph.add_edge(node, record_node(usage.record), ref=usage.display, **attrs)
        add_checks(graph.nodes[node], used_checks(usage), record_node(usage.record))
    return graph


def settled(checks: list[dict]) -> list[dict]:
    """Return the checks without a test whose status is unknown (an invocation that declared
    it but did not run it: `dbt run`) where another run's result for the same test on this
    version is there (`dbt test`): it is one test, and that is its result."""
    known = {_test_key(c) for c in checks if c["status"] != "unknown"}
    return [c for c in checks if not _settled(c, known)]


def _test_key(check: dict) -> tuple:
    """Return what names one test on a version: name, column, kind and source."""
    return (check["name"], check["column"], check["kind"], check["source"])


def _settled(check: dict, known: set[tuple]) -> bool:
    """Tell whether a check is an unknown test that another run's result settles."""
    unknown = check["status"] == "unknown" and check["kind"] in ("test", "unit_test")
    return unknown and _test_key(check) in known


def used_checks(usage: Usage) -> list[Check]:
    """Return the checks a run reported about a version it read (OpenLineage inputFacets)."""
    ref = usage.record.manifest.used_artifacts[usage.index]
    return [] if isinstance(ref, str) else ref.checks


def used_facets(graph: nx.DiGraph, node: str, usage: Usage) -> dict:
    """Return the usage edge's `facets`: what the run said about the version it read.

    An edge without facets has no `facets` key. A run that names one version twice keeps
    the facets of both references (one edge stands for both).
    """
    ref = usage.record.manifest.used_artifacts[usage.index]
    facets = {} if isinstance(ref, str) else ref.facets
    run = record_node(usage.record)
    earlier = graph.edges[node, run].get("facets", {}) if graph.has_edge(node, run) else {}
    merged = {**earlier, **facets}
    return {"facets": merged} if merged else {}


def add_checks(attrs: dict, checks: list[Check], run: str) -> None:
    """Add checks to a version node, each naming the run that reported it (`settled`: one
    result per test); recount failures.

    A node without checks has no `checks` key at all (nor `failed_checks`), so
    lineage.json does not grow with empty lists and older sites' nodes diff the same.
    """
    if not checks:
        return
    added = [
        {
            "name": c.name,
            "status": c.status,
            "column": c.column,
            "kind": c.kind,
            "value": c.value,
            "message": c.message,
            "source": c.source,
            "run": run,
        }
        for c in checks
    ]
    attrs["checks"] = settled(attrs.get("checks", []) + added)
    attrs["failed_checks"] = sum(c["status"] in FAILING for c in attrs["checks"])


def design_edge(record: Record) -> dict:
    """Return the attributes that mark an edge of a job definition (drawn dashed), if it is one."""
    return {"design": True} if record.manifest.run.design else {}


def record_node(record: Record) -> str:
    """Return the node id of a record's run."""
    return run_node(record.manifest.run.id)


def run_attrs(record: Record) -> dict:
    """Return the attributes of a run node."""
    run = record.manifest.run
    start, end = utc(run.started_at), utc(run.finished_at)
    return {
        "kind": RUN,
        "label": run.name or run.id,
        "group": run.job_type,
        "source": record.path,
        "run_id": run.id,
        "name": run.name or run.id,
        "job_type": run.job_type,
        "project": run.project,
        "state": run.state,
        "started_at": iso(start),
        "finished_at": iso(end),
        "duration_s": (end - start).total_seconds() if start and end else None,
        "config": run.config,
        "summary": run.summary,
        "tags": run.tags,
        "notes": run.notes,
        "git": {"remote": run.git.remote, "commit": run.git.commit, "dirty": run.git.dirty}
        if run.git
        else None,
        "host": run.host,
        "user": run.user,
        "extra": shown_extra(record.extra),
        **hierarchy_attrs(run),
        **also_read_from(record),
    }


def also_read_from(record: Record) -> dict:
    """Return `also_read_from`: the other file a run was read from (a dbt model's run, from
    its OpenLineage events too) and the place in it; nothing for a run read from one file."""
    other = reader_map(record, SOURCE_FILES).get("")
    if other is None:
        return {}
    where = reader_map(record, SOURCE_LOCATIONS).get("", "")
    return {"also_read_from": {"path": other, "location": where}}


def hierarchy_attrs(run: RunInfo) -> dict:
    """Return a run's parent (its id, name, job type) and design flag, when it has them."""
    attrs: dict = {}
    if run.parent is not None:
        parent = run.parent
        attrs["parent"] = {"id": parent.id, "name": parent.name, "job_type": parent.job_type}
    if run.design:
        attrs["design"] = True
    return attrs


def shown_extra(extra: dict) -> dict:
    """Return a record's unknown keys without the reader's source locations (not for show)."""
    top = extra.get("", {})
    if SOURCE_LOCATIONS not in top and SOURCE_FILES not in top:
        return extra
    rest = {k: v for k, v in top.items() if k not in (SOURCE_LOCATIONS, SOURCE_FILES)}
    return {**{k: v for k, v in extra.items() if k != ""}, **({"": rest} if rest else {})}


def add_artifact(graph: nx.DiGraph, artifact: Artifact) -> None:
    """Add an artifact's versions and their producer edges."""
    holders = {alias: history[-1][1] for alias, history in artifact.alias_history.items()}
    landed = [v for v in artifact.versions if v.landed]
    for version in artifact.versions:
        aliases = sorted(a for a, v in holders.items() if v is version)
        if landed and version is landed[-1]:
            aliases = ["latest", *aliases]
        graph.add_node(version.node_id, **version_attrs(artifact, version, aliases))
        record = version.entry.record
        graph.add_edge(record_node(record), version.node_id, **design_edge(record))
        for entry in (version.entry, *version.relogs):
            add_checks(graph.nodes[version.node_id], entry.art.checks, record_node(entry.record))


def version_attrs(artifact: Artifact, version: Version, aliases: list[str]) -> dict:
    """Return the attributes of an artifact-version node."""
    entry, art = version.entry, version.entry.art
    files = [{"path": f.path, "size": f.size, "digest": f.digest} for f in art.files]
    refs = [
        {"uri": r.uri, "name": r.name, "size": r.size, "digest": r.digest} for r in art.references
    ]
    sizes = [f["size"] for f in files + refs if f["size"] is not None]
    return {
        "kind": ARTIFACT,
        "label": version_ref(artifact.name, version.number),
        "group": artifact.type,
        "source": entry.record.path,
        "name": artifact.name,
        "type": artifact.type,
        "version": version.number,
        "aliases": aliases,
        "digest": entry.digest,
        "created_at": iso(entry.when),
        "size": sum(sizes) if sizes else None,
        "file_count": len(files),
        "description": art.description,
        "metadata": art.metadata,
        "files": files,
        "references": refs,
        **schema_attrs(art),
        "external": False,
        "producer": record_node(entry.record),
        "relogged_by": [record_node(e.record) for e in version.relogs],
        "extra": entry.record.extra.get(pointer("logged_artifacts", entry.index), {})
        if entry.record.extra
        else {},
    }


def schema_attrs(art: LoggedArtifact) -> dict:
    """Return a version's `columns` and `column_lineage`, each only when the entry has some."""
    attrs: dict = {}
    if art.columns:
        attrs["columns"] = [msgspec.structs.asdict(c) for c in art.columns]
    if art.column_lineage:
        attrs["column_lineage"] = [
            {"column": c.column, "inputs": [column_input(i) for i in c.inputs]}
            for c in art.column_lineage
        ]
    return attrs


def column_input(item: ColumnInput) -> dict:
    """Return one input column's attributes; `masking` only when the transformation masks,
    so lineage.json does not grow with a `false` on every input column."""
    attrs = msgspec.structs.asdict(item)
    if not item.masking:
        del attrs["masking"]
    return attrs


def external_node(graph: nx.DiGraph, usage: Usage) -> str:
    """Add (once) and return the node of a reference that resolves to nothing logged here."""
    node = artifact_node(usage.display)
    if node not in graph:
        group = usage.type or "external"
        graph.add_node(
            node,
            kind=ARTIFACT,
            label=usage.display,
            group=group,
            source="",
            name=usage.name,
            type=group,
            version=None,
            aliases=[],
            digest=None,
            created_at=None,
            size=None,
            file_count=0,
            description="",
            metadata={},
            files=[],
            references=[],
            external=True,
            producer=None,
            relogged_by=[],
            extra={},
        )
    return node
