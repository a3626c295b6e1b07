"""dbt reader: target/manifest.json (and run_results.json where present) -> manifests.

Every model, seed, snapshot and function (dbt 1.11's user-defined functions) the
invocation built becomes a run (job type "dbt model", "dbt seed", "dbt snapshot", "dbt
function") that logs one artifact version of that node, with its columns (a function's
arguments) in the node's order, and uses the nodes in its `depends_on.nodes`. A node that failed
logs its version too (shown with its error, never `latest`); one that was skipped logs
nothing. A run_results.json written by a command that builds nothing (`dbt compile`,
`dbt docs generate`) gives no statuses: the nodes are then shown as compiled, not built.

What the project declares but dbt does not build is drawn as design runs (dashed edges,
never `latest`): a source (loaded outside dbt, by its `loader`) and each semantic model,
metric and saved query log a version of their definition; an exposure (a dashboard, an
ML application) and an analysis use what they depend on and log nothing. Tests and unit
tests are checks on the version they test, with their run_results status; a tested node
this invocation did not build (`dbt test`) gets a "dbt test" run that uses it with the
checks. The results of `dbt source freshness` (sources.json beside the manifest) are a
freshness check on each source's version. The mapping is described in docs/readers.md.

A big project's manifest runs to hundreds of MB: only the sections read are decoded,
one node at a time, and only the fields read are kept.
"""

from __future__ import annotations

import posixpath
import re
from functools import cached_property
from typing import Any

import msgspec

from .. import formats
from ..problems import WARNING, Problem, pointer
from .common import (
    DBT_RELATION,
    SOURCE_LOCATIONS,
    Document,
    code_block,
    decode_json,
    is_dbt_artifact,
    iso,
    non_empty,
    parse_time,
    problem,
    synthetic_digest,
)

# Resource type -> the verb of its run's name (a function is created in the warehouse).
BUILT = {"model": "run", "seed": "seed", "snapshot": "snapshot", "function": "function"}
# What the project declares but does not build: resource type -> run name prefix.
DECLARED = {
    "source": "source",
    "semantic_model": "semantic model",
    "metric": "metric",
    "saved_query": "saved query",
    "exposure": "exposure",
    "analysis": "analysis",
}
DEFINITIONS = ("source", "semantic_model", "metric", "saved_query")  # declared, with a version
TESTS = {"test": "test", "unit_test": "unit_test"}  # resource type -> check kind
STATES = {
    "success": "finished",
    "pass": "finished",
    "warn": "finished",
    "error": "failed",
    "fail": "failed",
    "runtime error": "failed",
    "skipped": "skipped",  # not built because something upstream failed
}
CHECK_STATUS = {
    "pass": "pass",
    "success": "pass",
    "fail": "fail",
    "warn": "warn",
    "error": "error",
    "runtime error": "error",
    "skipped": "skipped",
}
# sources.json (`dbt source freshness`) status -> check status: a query that failed is an error.
FRESHNESS = {"pass": "pass", "warn": "warn", "error": "error", "runtime error": "error"}
# run_results `args.which` of commands that build nothing, and how a person types them.
NOT_BUILDS = {
    "compile": "dbt compile",
    "generate": "dbt docs generate",
    "show": "dbt show",
    "parse": "dbt parse",
    "list": "dbt list",
}
SECTIONS = ("nodes", "sources", "exposures", "metrics", "semantic_models", "saved_queries")
SECTIONS += ("unit_tests", "functions")
# The node fields kept for every node while the manifest is read (names, edges, tests,
# digests); the rest is decoded again, one node at a time, when its run is written. A big
# project's nodes do not all sit in memory whole: the raw bytes are smaller.
HEADER = (
    "resource_type",
    "name",
    "checksum",
    "attached_node",
    "column_name",
    "source_name",
    "version",
    "package_name",
    "group",
    "database",  # the relation of a node read unbuilt: what OpenLineage names it by
    "schema",  # (`reference`, identity.py); a source's is renamed by its own version
    "alias",
)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class _Sections(msgspec.Struct):
    """The parts of manifest.json read; the rest (macros, docs, parent_map...) is skipped."""

    metadata: Any = None
    nodes: dict[str, msgspec.Raw] | None = None
    sources: dict[str, msgspec.Raw] | None = None
    exposures: dict[str, msgspec.Raw] | None = None
    metrics: dict[str, msgspec.Raw] | None = None
    semantic_models: dict[str, msgspec.Raw] | None = None
    saved_queries: dict[str, msgspec.Raw] | None = None
    unit_tests: dict[str, msgspec.Raw] | None = None
    groups: dict[str, msgspec.Raw] | None = None
    functions: dict[str, msgspec.Raw] | None = None


def read_dbt(
    path: str, raw: bytes, run_results: bytes | None = None, sources: bytes | None = None
) -> tuple[list[Document], list[Problem]]:
    """Read a dbt manifest.json (with its run_results.json and sources.json) into one
    manifest per run."""
    manifest, failed = _decode(path, raw)
    if failed:
        return [], [failed]
    if not isinstance(manifest, dict) or not isinstance(manifest.get("nodes"), dict):
        if isinstance(manifest, dict) and is_dbt_artifact(manifest):
            return [], []  # run_results.json, catalog.json...: read beside their manifest.json
        message = "not a dbt manifest.json: there is no 'nodes' object"
        return [], [problem(path, "", message, "dbt.invalid-manifest")]
    problems: list[Problem] = []
    build = _Build(path, manifest, problems)
    build.add_results(path, run_results)
    build.add_freshness(path, sources)
    return build.documents(), problems


def _decode(path: str, raw: bytes) -> tuple[Any, Problem | None]:
    """Decode the sections read, leaving each node as undecoded JSON; any oddity (a byte
    order mark, a section of the wrong type) falls back to decoding the whole file."""
    try:
        sections = msgspec.json.decode(raw, type=_Sections)
    except (msgspec.DecodeError, RecursionError):
        return decode_json(path, raw, "dbt.invalid-json")
    return {f: getattr(sections, f) for f in _Sections.__struct_fields__}, None


def _node(value: Any) -> Any:
    """Return one node decoded, when it is still raw JSON."""
    if isinstance(value, msgspec.Raw):
        try:
            return msgspec.json.decode(value)
        except msgspec.DecodeError:
            return None  # cannot happen: the whole file decoded; reported as not an object
    return value


def _header(node: dict) -> dict:
    """Return the fields of a node read while the manifest is read (see HEADER)."""
    header = {k: node[k] for k in HEADER if k in node}
    config, depends = node.get("config"), node.get("depends_on")
    if isinstance(config, dict):
        header["config"] = {k: config[k] for k in ("materialized", "group") if k in config}
    if "depends_on" in node:
        keep = isinstance(depends, dict) and isinstance(depends.get("nodes", []), list)
        header["depends_on"] = {"nodes": depends.get("nodes", [])} if keep else depends
    kwargs = (
        (node.get("test_metadata") or {}) if isinstance(node.get("test_metadata"), dict) else {}
    )
    kwargs = kwargs.get("kwargs") if isinstance(kwargs.get("kwargs"), dict) else {}
    if "column_name" in kwargs:
        header["test_metadata"] = {"kwargs": {"column_name": kwargs["column_name"]}}
    return header


class _Build:
    """One dbt invocation: the manifest's nodes, their results, names and digests."""

    def __init__(self, path: str, manifest: dict, problems: list[Problem]):
        metadata = manifest.get("metadata") if isinstance(manifest.get("metadata"), dict) else {}
        self.path, self.metadata, self.problems = path, metadata, problems
        self.section: dict[str, str] = {}  # unique id -> the manifest section that holds it
        self.raw: dict[str, Any] = {}  # unique id -> the node as read: raw JSON or a dict
        self._full: tuple[str, Any] = ("", None)
        self.nodes = _nodes(path, manifest, problems, self.section, self.raw)
        self.names = _artifact_names(self.nodes)
        self.groups = _groups(manifest.get("groups"))
        self.results: dict[str, dict] | None = None
        self.compiled_by = ""  # the command of a compile-only run_results.json, if any
        self.freshness: dict[str, dict] = {}  # source unique id -> its sources.json result
        self._upstream: dict[str, list[tuple[int, dict]]] = {}  # once: reading reports
        self.invocation = (
            _text(metadata.get("invocation_id"))
            or synthetic_digest("dbt-manifest", path, _text(metadata.get("generated_at")))[7:19]
        )
        self.generated_at = parse_time(metadata.get("generated_at"))
        _count_unsupported(path, self.nodes, problems)

    def add_results(self, path: str, raw: bytes | None) -> None:
        """Take statuses and timings from run_results.json; it names the building invocation."""
        if raw is None:
            return
        where = posixpath.join(posixpath.dirname(path), "run_results.json")
        parsed = _results(where, raw, self.problems)
        if parsed is None:
            return
        results, invocation, generated, command = parsed
        if command:  # nothing was built: its "success" only means "compiled"
            self.compiled_by = command
            return
        self.results = results
        self.invocation = invocation or self.invocation
        self.generated_at = generated or self.generated_at

    def add_freshness(self, path: str, raw: bytes | None) -> None:
        """Take each source's `dbt source freshness` result from sources.json."""
        if raw is None:
            return
        where = posixpath.join(posixpath.dirname(path), "sources.json")
        for i, result in enumerate(_freshness_results(where, raw, self.problems)):
            uid = result["unique_id"]
            if self.nodes.get(uid, {}).get("resource_type") == "source":
                self.freshness[uid] = result
                continue
            message = f"freshness of {uid}, which the manifest lists as no source; not shown"
            at = pointer("results", i)
            self.problems.append(problem(where, at, message, "dbt.unattached-freshness", WARNING))

    def documents(self) -> list[Document]:
        """Return one document per run: built nodes, declarations, tests of unbuilt nodes."""
        docs = [(uid, self.document(uid)) for uid in self.ran]
        docs += [(uid, self.declaration(uid)) for uid in self.declared]
        docs += [(uid, self.test_run(uid)) for uid in self.tested_elsewhere]
        return [Document(self.path, self.where(uid), doc) for uid, doc in docs]

    def full(self, uid: str) -> dict:
        """Return the whole node (decoded again: only its header is kept; the last one is
        remembered, as a run's parts each ask for it)."""
        if self._full[0] != uid:
            self._full = (uid, _node(self.raw[uid]))
        return self._full[1]

    def where(self, uid: str) -> str:
        """Return the JSON pointer of a node in manifest.json."""
        return pointer(self.section.get(uid, "nodes"), uid)

    @cached_property
    def ran(self) -> dict[str, None]:
        """Return the built nodes that ran: all of them without run_results, else those listed.

        Ephemeral models never appear in run_results (they are compiled into their
        consumers), so they always count as built. (A dict: ordered, and quick to test.)
        """
        built = [uid for uid, node in self.nodes.items() if node["resource_type"] in BUILT]
        if self.results is not None:
            built = [uid for uid in built if uid in self.results or _ephemeral(self.nodes[uid])]
        return dict.fromkeys(built)

    @cached_property
    def declared(self) -> list[str]:
        """Return the declared nodes (sources, exposures, metrics...), each a design run."""
        return [uid for uid, node in self.nodes.items() if node["resource_type"] in DECLARED]

    @cached_property
    def checks(self) -> dict[str, list[dict]]:
        """Return the checks (tests, unit tests) per tested node, in manifest order."""
        return {
            target: [self.check(uid, self.nodes[uid]) for uid in tests]
            for target, tests in self.tests.items()
        }

    @cached_property
    def tests(self) -> dict[str, list[str]]:
        """Return the unique ids of the tests and unit tests of each tested node."""
        found: dict[str, list[str]] = {}
        for uid, node in self.nodes.items():
            if node["resource_type"] in TESTS:
                target = self.tested(uid, node)
                if target:
                    found.setdefault(target, []).append(uid)
        return found

    @cached_property
    def tested_elsewhere(self) -> list[str]:
        """Return tested nodes this invocation ran tests on but did not log (`dbt test`)."""
        logs = {uid for uid in self.nodes if self.logs(uid)}
        return [
            uid
            for uid, checks in self.checks.items()
            if uid not in logs and any(c["status"] != "unknown" for c in checks)
        ]

    def tested(self, uid: str, node: dict) -> str | None:
        """Return the node a test is about: its attached node, else its first data input."""
        attached = node.get("attached_node")
        if isinstance(attached, str) and attached in self.nodes:
            return attached
        for _, dep in _depends_on(self.path, uid, node, [], self.section.get(uid, "nodes")):
            if self.nodes.get(dep, {}).get("resource_type") in (*BUILT, "source"):
                return dep
        message = (
            f"{node['resource_type']} {node['name']} tests no node this manifest lists; not shown"
        )
        self.problems.append(
            problem(self.path, self.where(uid), message, "dbt.unattached-test", WARNING)
        )
        return None

    def check(self, uid: str, node: dict) -> dict:
        """Return a test's check: its status in run_results, else 'unknown' (not run here)."""
        result = (self.results or {}).get(uid, {})
        status = result.get("status")
        failures = result.get("failures")
        return non_empty(
            {
                "name": node["name"],
                "status": CHECK_STATUS.get(status.lower(), "unknown")
                if isinstance(status, str)
                else "unknown",
                "column": _column_name(node),
                "kind": TESTS[node["resource_type"]],
                "value": failures
                if isinstance(failures, int) and not isinstance(failures, bool)
                else None,
                "message": _text(result.get("message")),
                "source": "dbt",
            }
        )

    def state(self, uid: str) -> str:
        """Return the manifest state of a node's run."""
        status = self.status(uid)
        return STATES.get(status, "finished") if status else "finished"

    def status(self, uid: str) -> str | None:
        """Return the node's run_results status, lower case, if it has one."""
        result = (self.results or {}).get(uid, {})
        status = result.get("status")
        return status.lower() if isinstance(status, str) else None

    def digest(self, uid: str) -> str:
        """Return the digest of the node's version built (or declared) by this invocation.

        A seed's sha256 checksum is the hash of its CSV: the content itself. Other nodes
        have no content hash, so their version is their code checksum in this invocation.
        """
        node = self.nodes[uid]
        checksum = node.get("checksum") if isinstance(node.get("checksum"), dict) else {}
        value = _text(checksum.get("checksum"))
        content = checksum.get("name") == "sha256" and _SHA256.match(value)
        if node["resource_type"] == "seed" and content:
            return "sha256:" + value
        return synthetic_digest("dbt-node", uid, value, self.invocation)

    def built(self, uid: str) -> bool:
        """Tell whether the node's run built its relation (it did not fail or get skipped)."""
        return uid in self.ran and self.state(uid) == "finished"

    def logs(self, uid: str) -> bool:
        """Tell whether the node's run logs its version: built, tried and failed, or declared.

        A failed build is shown with what it tried to write, as OpenLineage's dbt
        integration reports it (START lists the output); the graph never makes it `latest`.
        """
        if self.nodes[uid]["resource_type"] in DEFINITIONS:
            return True
        return uid in self.ran and self.state(uid) != "skipped"

    def document(self, uid: str) -> dict:
        """Return the manifest-v1 document of one built node's run."""
        return {
            "manifest_version": 1,
            "run": self.run_info(uid),
            "used_artifacts": self.used(uid),
            "logged_artifacts": [self.artifact(uid)] if self.logs(uid) else [],
            SOURCE_LOCATIONS: self.source_locations(uid),
        }

    def declaration(self, uid: str) -> dict:
        """Return the design run of a declared node: what it uses, the definition it logs."""
        node = self.full(uid)
        kind = node["resource_type"]
        label = _label(node)
        run = {
            "id": f"{uid}@{self.invocation}",
            "name": f"{DECLARED[kind]} {label}",
            "job_type": f"dbt {kind}",
            "project": self.project(node),
            "design": True,
            "config": non_empty({"unique_id": uid, **_declared_config(node)}),
            "tags": _tags(node),
            "notes": _notes(node) if kind == "analysis" else _declared_notes(node),
        }
        logged = [self.artifact(uid)] if kind in DEFINITIONS else []
        return {
            "manifest_version": 1,
            "run": {k: v for k, v in run.items() if v not in (None, "", {}, [])},
            "used_artifacts": self.used(uid),
            "logged_artifacts": logged,
            SOURCE_LOCATIONS: self.source_locations(uid),
        }

    def test_run(self, uid: str) -> dict:
        """Return the run of the tests of a node this invocation did not build (`dbt test`).

        It uses the node's latest version, with the checks on that reference, so they show
        on that version's page. A node this invocation did not even try to build was built
        by one the project may not hold: the reference is declared external.
        """
        ref = self.reference(uid, uid) or {}
        if self.results is not None and uid not in self.results:
            ref["external"] = True
        ref["checks"] = self.checks[uid]
        node = self.nodes[uid]
        results = [self.results[u] for u in self.tests[uid] if u in (self.results or {})]
        started, finished = _span([_timing(r) for r in results])
        skipped = all(c["status"] == "skipped" for c in ref["checks"])
        run = {
            # The run id names the page: a "test" stem, not the tested model's "model".
            "id": f"test:{uid}@{self.invocation}",
            "name": f"test {_label(node)}",
            "job_type": "dbt test",
            "project": self.project(node),
            "state": "skipped" if skipped else None,  # what they test was not built
            "started_at": iso(started),
            "finished_at": iso(finished),
            "config": self.test_config(uid),
            "summary": _tally(ref["checks"]),
        }
        return {
            "manifest_version": 1,
            "run": {k: v for k, v in run.items() if v is not None},
            "used_artifacts": [ref],
            "logged_artifacts": [],
            SOURCE_LOCATIONS: {
                pointer("run", "id"): self.where(uid),
                pointer("used_artifacts", 0): self.where(uid),  # the tested node
            },
        }

    def test_config(self, uid: str) -> dict:
        """Return a test run's config: the tested node and where its relation lives.

        The run only uses the node (by name, `latest`): its adapter and relation are what
        lets `identity.align_dbt_names` name it as OpenLineage names that table.
        """
        node = self.full(uid)
        return non_empty(
            {
                "unique_id": uid,
                "invocation_id": self.invocation,
                "adapter_type": self.metadata.get("adapter_type"),
                **{k: node.get(k) for k in ("relation_name", "database", "schema", "alias")},
            }
        )

    def group(self, node: dict) -> dict:
        """Return the node's group and that group's owner, as metadata."""
        config = node.get("config") if isinstance(node.get("config"), dict) else {}
        name = _text(node.get("group")) or _text(config.get("group"))
        owner = self.groups.get(name)
        return non_empty({"group": name, "group_owner": owner})

    def project(self, node: dict) -> str:
        """Return the dbt project a node belongs to."""
        return _text(self.metadata.get("project_name")) or _text(node.get("package_name"))

    def source_locations(self, uid: str) -> dict[str, str]:
        """Return where the run's parts are in manifest.json: the node, its depends_on entries."""
        node = self.where(uid)
        where = {pointer("run", "id"): node, pointer("logged_artifacts", 0): node}
        for i, (k, _) in enumerate(self.upstream(uid)):
            where[pointer("used_artifacts", i)] = node + pointer("depends_on", "nodes", k)
        return where

    def run_info(self, uid: str) -> dict:
        """Return the manifest's `run` object for a built node."""
        node = self.full(uid)
        started, finished = _timing((self.results or {}).get(uid))
        version = node.get("version")
        suffix = f" v{version}" if isinstance(version, int | str) and version != "" else ""
        verb = "compile" if self.compiled_by else BUILT[node["resource_type"]]
        info = {
            "id": f"{uid}@{self.invocation}",
            "name": f"{verb} {node['name']}{suffix}",
            "job_type": f"dbt {node['resource_type']}",
            "project": self.project(node),
            "state": self.state(uid),
            "started_at": iso(started),
            "finished_at": iso(finished),
            "config": self.config(uid),
            "summary": self.summary(uid),
            "tags": _tags(node),
            "notes": _notes(node),
        }
        return {k: v for k, v in info.items() if v not in (None, "")}

    def summary(self, uid: str) -> dict:
        """Return run summary: the run_results status, or what compiled the node."""
        if self.compiled_by:
            return {"status": "compiled, not built", "command": self.compiled_by}
        return _summary((self.results or {}).get(uid), self.nodes[uid], self.state(uid))

    def config(self, uid: str) -> dict:
        """Return run config: the node's dbt config and where it lives."""
        node = self.full(uid)
        config = node.get("config") if isinstance(node.get("config"), dict) else {}
        kept = non_empty({k: v for k, v in config.items() if k != "enabled"})
        return non_empty(
            {
                "unique_id": uid,
                "relation_name": node.get("relation_name"),
                "original_file_path": node.get("original_file_path"),
                "invocation_id": self.invocation,
                "dbt_version": self.metadata.get("dbt_version"),
                "adapter_type": self.metadata.get("adapter_type"),
                **{f"dbt.{k}": v for k, v in kept.items()},
            }
        )

    def used(self, uid: str) -> list[dict]:
        """Return the used references of a node's run, one per upstream node."""
        return [ref for _, ref in self.upstream(uid)]

    def upstream(self, uid: str) -> list[tuple[int, dict]]:
        """Return (index in depends_on.nodes, used reference) per upstream node that is data."""
        cached = self._upstream.get(uid)
        if cached is None:
            section = self.section.get(uid, "nodes")
            deps = _depends_on(self.path, uid, self.nodes[uid], self.problems, section)
            refs = ((k, self.reference(uid, dep)) for k, dep in deps)
            cached = self._upstream[uid] = [(k, ref) for k, ref in refs if ref is not None]
        return cached

    def reference(self, uid: str, dep: str) -> dict | None:
        """Return one used reference: pinned by digest when this invocation built it."""
        node = self.nodes.get(dep)
        if node is None:
            message = f"{uid} depends on {dep}, which the manifest does not list; left out"
            where = self.where(uid) + pointer("depends_on", "nodes")
            self.problems.append(
                problem(self.path, where, message, "dbt.unknown-dependency", WARNING)
            )
            return None
        kind = node["resource_type"]
        if kind in DEFINITIONS:
            return {"name": self.names[dep], "digest": self.digest(dep)}
        if kind not in BUILT:
            return None  # a node can name a macro or an analysis; neither is data it reads
        if self.built(dep):
            return {"name": self.names[dep], "digest": self.digest(dep)}
        relation = {k: node[k] for k in ("database", "schema", "alias") if k in node}
        return {"name": self.names[dep], "alias": "latest", "type": kind, DBT_RELATION: relation}

    def artifact(self, uid: str) -> dict:
        """Return the logged artifact: the node's relation (or definition) in this invocation."""
        node = self.full(uid)
        _, finished = _timing((self.results or {}).get(uid))
        artifact = {
            "name": self.names[uid],
            "type": node["resource_type"],
            "digest": self.digest(uid),
            "description": _text(node.get("description")).strip(),
            "metadata": {**_node_metadata(uid, node), **self.group(node)},
            "created_at": iso(finished or self.generated_at),
            "columns": _arguments(node)
            if node["resource_type"] == "function"
            else _columns(self.path, self.where(uid), node, self.problems),
            "checks": self.checks.get(uid, []),
        }
        fresh = self.freshness.get(uid)
        if fresh is not None:  # beside the rule (metadata `freshness`), and as a check
            artifact["metadata"].update(_freshness_metadata(fresh))
            artifact["checks"] = [*artifact["checks"], _freshness_check(fresh)]
        return {k: v for k, v in artifact.items() if v not in (None, [])}


def _nodes(
    path: str, manifest: dict, problems: list[Problem], section: dict[str, str], raw: dict
) -> dict[str, dict]:
    """Return the usable nodes of every section read by unique id, as headers (the whole
    node stays in `raw`); report and skip the others."""
    nodes: dict[str, dict] = {}
    for name in SECTIONS:
        entries = manifest.get(name)
        for uid, value in entries.items() if isinstance(entries, dict) else []:
            node = _node(value)
            complaint = _node_problem(node)
            if complaint:
                problems.append(problem(path, pointer(name, uid), complaint, "dbt.invalid-node"))
            else:
                nodes[uid] = _header(node)
                section[uid] = name
                raw[uid] = value
    return nodes


def _node_problem(node: Any) -> str | None:
    """Return why a node cannot be used, or None when it can."""
    if not isinstance(node, dict):
        return "expected a node object"
    for key in ("resource_type", "name"):
        if not isinstance(node.get(key), str) or not node[key]:
            return f"node has no '{key}' string"
    return None


def _count_unsupported(path: str, nodes: dict[str, dict], problems: list[Problem]) -> None:
    """Warn, once per kind, about nodes no page shows (`operation`, `sql_operation`...)."""
    known = {*BUILT, *DECLARED, *TESTS}
    kinds: dict[str, int] = {}
    for node in nodes.values():
        if node["resource_type"] not in known:
            kinds[node["resource_type"]] = kinds.get(node["resource_type"], 0) + 1
    for kind, count in sorted(kinds.items()):
        message = (
            f"{count} node(s) of resource type {kind!r} not shown (this reader does not read them)"
        )
        problems.append(problem(path, pointer("nodes"), message, "dbt.unsupported", WARNING))


def _artifact_names(nodes: dict[str, dict]) -> dict[str, str]:
    """Return readable artifact names: the unique id without its resource type.

    `model.jaffle_shop.orders` becomes `jaffle_shop.orders`; where two nodes would share a
    short name, both keep their full unique id.
    """
    short = {}
    for uid, node in nodes.items():
        prefix = node["resource_type"] + "."
        short[uid] = (
            uid[len(prefix) :] if uid.startswith(prefix) and len(uid) > len(prefix) else uid
        )
    counts: dict[str, int] = {}
    for name in short.values():
        counts[name] = counts.get(name, 0) + 1
    return {uid: name if counts[name] == 1 else uid for uid, name in short.items()}


def _ephemeral(node: dict) -> bool:
    """Tell whether a node is an ephemeral model (a CTE inlined into its consumers)."""
    config = node.get("config")
    return isinstance(config, dict) and config.get("materialized") == "ephemeral"


def _depends_on(
    path: str, uid: str, node: dict, problems: list[Problem], section: str = "nodes"
) -> list[tuple]:
    """Return (index, unique id) of the node's upstream nodes, once each, in order."""
    depends = node.get("depends_on")
    deps = depends.get("nodes", []) if isinstance(depends, dict) else []
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        message = "depends_on.nodes is not a list of unique ids; its edges are left out"
        where = pointer(section, uid, "depends_on")
        problems.append(problem(path, where, message, "dbt.invalid-node", WARNING))
        return []
    first = {dep: k for k, dep in reversed(list(enumerate(deps)))}
    return sorted((k, dep) for dep, k in first.items())


def _results(path: str, raw: bytes, problems: list[Problem]):
    """Return ({unique_id: result}, invocation id, generated_at, compile-only command) from
    run_results.json, or None when it is unusable."""
    data, failed = decode_json(path, raw, "dbt.invalid-run-results")
    if failed:
        problems.append(failed)
        return None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        message = "not a dbt run_results.json: there is no 'results' array; statuses not read"
        problems.append(problem(path, "", message, "dbt.invalid-run-results"))
        return None
    results = {}
    for i, result in enumerate(data["results"]):
        if isinstance(result, dict) and isinstance(result.get("unique_id"), str):
            results[result["unique_id"]] = result
        else:
            problems.append(
                problem(
                    path,
                    pointer("results", i),
                    "result has no 'unique_id'",
                    "dbt.invalid-run-results",
                )
            )
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    invocation = _text(metadata.get("invocation_id"))
    return results, invocation, parse_time(metadata.get("generated_at")), _not_a_build(data)


def _not_a_build(data: dict) -> str:
    """Return the command of a run_results.json that built nothing, or '' for a build.

    `args.which` names the command (dbt 0.19 on). Without it, a file whose every result is
    a bare "success" (no message, no adapter response: nothing ran in the warehouse) is a
    compile; a real build has messages ("OK", "CREATE TABLE (2 rows)") or failures.
    """
    args = data.get("args")
    which = args.get("which") if isinstance(args, dict) else None
    if isinstance(which, str):
        return NOT_BUILDS.get(which, "")
    results = [r for r in data["results"] if isinstance(r, dict)]
    bare = all(
        r.get("status") == "success" and not r.get("message") and not r.get("adapter_response")
        for r in results
    )
    return "dbt compile" if results and bare else ""


def _timing(result: dict | None):
    """Return (started, finished) from a result's timing entries (compile and execute)."""
    timing = result.get("timing") if isinstance(result, dict) else None
    entries = [t for t in timing if isinstance(t, dict)] if isinstance(timing, list) else []
    starts = [m for m in (parse_time(t.get("started_at")) for t in entries) if m]
    ends = [m for m in (parse_time(t.get("completed_at")) for t in entries) if m]
    return (min(starts) if starts else None, max(ends) if ends else None)


def _span(timings: list[tuple]) -> tuple:
    """Return (first start, last end) over (started, finished) pairs."""
    starts = [t[0] for t in timings if t[0]]
    ends = [t[1] for t in timings if t[1]]
    return (min(starts) if starts else None, max(ends) if ends else None)


def _tally(checks: list[dict]) -> dict:
    """Return how many checks ended in each status: {"pass": 3, "fail": 1}."""
    counts: dict[str, int] = {}
    for check in checks:
        counts[check["status"]] = counts.get(check["status"], 0) + 1
    return dict(sorted(counts.items()))


def _summary(result: dict | None, node: dict, state: str) -> dict:
    """Return run summary: the run_results status, timing and message (the error, if failed)."""
    if not isinstance(result, dict):
        return {"status": "ephemeral"} if _ephemeral(node) else {}
    adapter = result.get("adapter_response")
    rows = adapter.get("rows_affected") if isinstance(adapter, dict) else None
    # The same key as the OpenLineage reader's errorMessage, so both read alike.
    message = "error" if state == "failed" else "message"
    return non_empty(
        {
            "status": result.get("status"),
            "execution_time": result.get("execution_time"),
            "rows_affected": rows,
            message: result.get("message"),
            "failures": result.get("failures"),
        }
    )


def _notes(node: dict) -> str:
    """Return run notes in markdown: what the node builds and its SQL (compiled and raw)."""
    language = _text(node.get("language")) or "sql"
    lang = language if language.isalnum() else ""
    parts = []
    where = _text(node.get("original_file_path"))
    if where:
        parts.append(f"Built from `{where.replace('`', '')}`.")
    compiled = _text(node.get("compiled_code") or node.get("compiled_sql"))
    raw = _text(node.get("raw_code") or node.get("raw_sql"))
    if compiled.strip():
        parts += ["**Compiled code**", code_block(compiled, lang)]
    if raw.strip():
        parts += ["**Source code**", code_block(raw, lang)]
    return "\n\n".join(parts)


def _node_metadata(uid: str, node: dict) -> dict:
    """Return artifact metadata: where the relation lives, how it is built, what defines it."""
    config = node.get("config") if isinstance(node.get("config"), dict) else {}
    checksum = node.get("checksum") if isinstance(node.get("checksum"), dict) else {}
    return non_empty(
        {
            "unique_id": uid,
            "relation_name": node.get("relation_name"),
            "database": node.get("database"),
            "schema": node.get("schema"),
            "alias": node.get("alias"),
            "identifier": node.get("identifier"),
            "materialized": config.get("materialized"),
            "access": node.get("access"),
            "version": node.get("version"),
            "package_name": node.get("package_name"),
            "original_file_path": node.get("original_file_path"),
            "checksum": ":".join(_text(checksum.get(k)) for k in ("name", "checksum")).strip(":"),
            "tags": node.get("tags"),
            "meta": node.get("meta"),
            "column_details": _column_details(node.get("columns")),
            **_definition(node),
        }
    )


# What defines each declared kind, as dbt names it (v1-v12 names, older and newer).
DEFINED_BY = {
    "source": (
        "source_name",
        "source_description",
        "loader",
        "loaded_at_field",
        "loaded_at_query",
        "external",
    ),
    "semantic_model": ("model", "label", "defaults", "primary_entity"),
    "metric": (
        "label",
        "type",
        "type_params",
        "filter",
        "time_granularity",
        "calculation_method",
        "expression",
        "sql",
        "timestamp",
        "time_grains",
        "dimensions",
        "filters",
        "window",
        "model",
    ),
    "saved_query": ("label", "query_params"),
    "exposure": ("label", "type", "maturity", "url"),
}
NAMED_PARTS = ("entities", "measures", "dimensions", "exports")  # lists shown by their names


def _definition(node: dict) -> dict:
    """Return the fields that define a declared node (a source's loader, a metric's type)."""
    kind = node["resource_type"]
    found = {k: node.get(k) for k in DEFINED_BY.get(kind, ())}
    if kind == "source":
        found["freshness"] = _freshness(node.get("freshness"))
    if kind in ("semantic_model", "saved_query"):
        for part in NAMED_PARTS:
            names = _part_names(node.get(part))
            found[part] = ", ".join(names) if names else None
    if kind == "exposure":
        found["owner"] = _owner(node.get("owner"))
    if kind == "function":
        found.update(_function(node))
    return found


def _function(node: dict) -> dict:
    """Return what defines a user-defined function: its signature and what it returns."""
    config = node.get("config") if isinstance(node.get("config"), dict) else {}
    returns = node.get("returns") if isinstance(node.get("returns"), dict) else {}
    kind = _text(returns.get("data_type"))
    arguments = [f"{a['name']} {a.get('type') or ''}".strip() for a in _arguments(node)]
    signature = f"{node['name']}({', '.join(arguments)})" + (f" returns {kind}" if kind else "")
    return {
        "signature": signature,
        "returns": kind or None,
        "returns_description": _text(returns.get("description")).strip() or None,
        "function_type": config.get("type"),
        "volatility": config.get("volatility"),
        "language": node.get("language"),
    }


def _arguments(node: dict) -> list[dict]:
    """Return a function's arguments as columns: name, data type and description, in order."""
    items = node.get("arguments") if isinstance(node.get("arguments"), list) else []
    return [
        non_empty(
            {
                "name": item["name"],
                "type": _text(item.get("data_type")) or None,
                "description": _text(item.get("description")).strip(),
            }
        )
        for item in items
        if isinstance(item, dict) and _text(item.get("name"))
    ]


def _declared_config(node: dict) -> dict:
    """Return a design run's config: where the declaration lives and, for a kind with no
    version of its own to hold it (an exposure), what it is."""
    own = node["resource_type"] in DEFINITIONS
    return {
        "original_file_path": node.get("original_file_path"),
        **({} if own else _definition(node)),
    }


def _declared_notes(node: dict) -> str:
    """Return a design run's notes: the declaration's description and, for an exposure, its URL."""
    parts = [_text(node.get("description")).strip()]
    url = _text(node.get("url"))
    if url.startswith(("https://", "http://")):
        parts.append(f"<{url}>")
    where = _text(node.get("original_file_path"))
    if where:
        parts.append(f"Declared in `{where.replace('`', '')}`.")
    return "\n\n".join(p for p in parts if p)


def _freshness(value: Any) -> str | None:
    """Return a source's freshness rule as text: `warn after 12 hour, error after 1 day`."""
    if not isinstance(value, dict):
        return None
    parts = []
    for key in ("warn_after", "error_after"):
        rule = value.get(key)
        if isinstance(rule, dict) and rule.get("count") is not None and rule.get("period"):
            parts.append(f"{key.replace('_', ' ')} {rule['count']} {rule['period']}")
    if _text(value.get("filter")):
        parts.append(f"filter {value['filter']}")
    return ", ".join(parts) or None


def _freshness_results(path: str, raw: bytes, problems: list[Problem]) -> list[dict]:
    """Return the usable results of sources.json; report the file or entries that are not."""
    data, failed = decode_json(path, raw, "dbt.invalid-sources")
    if failed:
        problems.append(failed)
        return []
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        message = "not a dbt sources.json: there is no 'results' array; freshness not read"
        problems.append(problem(path, "", message, "dbt.invalid-sources"))
        return []
    usable = []
    for i, result in enumerate(data["results"]):
        if isinstance(result, dict) and isinstance(result.get("unique_id"), str):
            usable.append(result)
        else:
            message = "freshness result has no 'unique_id'; left out"
            problems.append(problem(path, pointer("results", i), message, "dbt.invalid-sources"))
    return usable


def _freshness_status(result: dict) -> str:
    """Return a freshness result's dbt status in lower case (`pass`, `runtime error`...)."""
    status = result.get("status")
    return status.lower() if isinstance(status, str) else ""


def _freshness_metadata(result: dict) -> dict:
    """Return a source's freshness result as metadata, named to sort beside its rule."""
    return non_empty(
        {
            "freshness_status": _freshness_status(result) or None,
            "freshness_max_loaded_at": _text(result.get("max_loaded_at")) or None,
            "freshness_age": formats.duration(result.get("max_loaded_at_time_ago_in_s")),
            "freshness_checked_at": _text(result.get("snapshotted_at")) or None,
            "freshness_criteria": _freshness(result.get("criteria")),
            "freshness_error": _text(result.get("error")) or None,
        }
    )


def _freshness_check(result: dict) -> dict:
    """Return a source's freshness result as a check: failing when dbt says error."""
    status = _freshness_status(result)
    age = formats.duration(result.get("max_loaded_at_time_ago_in_s"))
    loaded = _text(result.get("max_loaded_at"))
    rule = _freshness(result.get("criteria"))
    said = [f"last loaded {loaded}" if loaded else "", f"{age} old" if age else ""]
    said.append(f"rule: {rule}" if rule else "")
    message = _text(result.get("error")) or "; ".join(p for p in said if p)
    return non_empty(
        {
            "name": "source freshness",
            "status": FRESHNESS.get(status, "unknown"),
            "kind": "freshness",
            "value": age or None,
            "message": message,
            "source": "dbt",
        }
    )


def _groups(entries: Any) -> dict[str, str | None]:
    """Return each group's owner by group name (groups are few: decoded whole)."""
    owners = {}
    for value in entries.values() if isinstance(entries, dict) else []:
        group = _node(value)
        if isinstance(group, dict) and isinstance(group.get("name"), str):
            owners[group["name"]] = _owner(group.get("owner"))
    return owners


def _owner(value: Any) -> str | None:
    """Return an exposure's owner as `name <email>`, or what of it is given."""
    if not isinstance(value, dict):
        return None
    name, email = _text(value.get("name")), _text(value.get("email"))
    return f"{name} <{email}>" if name and email else (name or email or None)


def _part_names(value: Any) -> list[str]:
    """Return the names of a semantic model's entities, measures or dimensions."""
    items = value if isinstance(value, list) else []
    return [i["name"] for i in items if isinstance(i, dict) and isinstance(i.get("name"), str)]


def _label(node: dict) -> str:
    """Return how a run names its node: a source as `source_name.table`, others by name."""
    source = _text(node.get("source_name"))
    return (
        f"{source}.{node['name']}" if node["resource_type"] == "source" and source else node["name"]
    )


def _columns(path: str, where: str, node: dict, problems: list[Problem]) -> list[dict]:
    """Return the node's columns in its own order: name, data type and description."""
    columns = node.get("columns")
    kept = []
    for key, column in columns.items() if isinstance(columns, dict) else []:
        column = column if isinstance(column, dict) else {}
        name = _text(column.get("name")) or key
        if not name:
            message = "a column has no name; left out of the columns table"
            problems.append(
                problem(
                    path, where + pointer("columns", key), message, "dbt.invalid-column", WARNING
                )
            )
            continue
        kept.append(
            non_empty(
                {
                    "name": name,
                    "type": _text(column.get("data_type")) or None,
                    "description": _text(column.get("description")).strip(),
                }
            )
        )
    return kept


def _column_details(columns: Any) -> dict:
    """Return what the columns table does not show: each column's tags, meta, constraints."""
    kept = {}
    for name, column in columns.items() if isinstance(columns, dict) else []:
        if isinstance(column, dict):
            extra = non_empty({k: column.get(k) for k in ("tags", "meta", "constraints")})
            if extra:
                kept[name] = extra
    return kept


def _column_name(node: dict) -> str | None:
    """Return the column a test is about, without the quotes dbt keeps (`"a"` is `a`)."""
    name = node.get("column_name")
    if not isinstance(name, str) or not name.strip():
        kwargs = (
            (node.get("test_metadata") or {}).get("kwargs")
            if isinstance(node.get("test_metadata"), dict)
            else None
        )
        name = kwargs.get("column_name") if isinstance(kwargs, dict) else None
    if not isinstance(name, str):
        return None
    return name.strip().strip('"`[]') or None


def _tags(node: dict) -> list[str]:
    """Return the node's tags, sorted, once each (nothing when they are not a list)."""
    tags = node.get("tags")
    return sorted({t for t in tags if isinstance(t, str)}) if isinstance(tags, list) else []


def _text(value: Any) -> str:
    """Return the value if it is a string, else ''."""
    return value if isinstance(value, str) else ""
