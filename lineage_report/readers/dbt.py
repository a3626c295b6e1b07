"""dbt reader: target/manifest.json (and run_results.json where present) -> manifests.

Every model, seed and snapshot the invocation built becomes a run (job type "dbt model",
"dbt seed", "dbt snapshot") that logs one artifact version of that node and uses the nodes
in its `depends_on.nodes`. Sources are loaded by something outside dbt, so no run logs them:
their consumers name them `<name>:latest`, which resolves to nothing and shows as an
external node. A node that failed logs its version too (shown with its error, never
`latest`); one that was skipped logs nothing. A run_results.json written by a command that
builds nothing (`dbt compile`, `dbt docs generate`) gives no statuses: the nodes are then
shown as compiled, not as built. The mapping is described in docs/readers.md.
"""

from __future__ import annotations

import posixpath
import re
from functools import cached_property
from typing import Any

from ..problems import WARNING, Problem, pointer
from . import (
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

BUILT = {"model": "run", "seed": "seed", "snapshot": "snapshot"}  # resource type -> dbt verb
STATES = {
    "success": "finished",
    "pass": "finished",
    "warn": "finished",
    "error": "failed",
    "fail": "failed",
    "runtime error": "failed",
    "skipped": "skipped",  # not built because something upstream failed
}
# run_results `args.which` of commands that build nothing, and how a person types them.
NOT_BUILDS = {
    "compile": "dbt compile",
    "generate": "dbt docs generate",
    "show": "dbt show",
    "parse": "dbt parse",
    "list": "dbt list",
}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def read_dbt(
    path: str, raw: bytes, run_results: bytes | None = None
) -> tuple[list[Document], list[Problem]]:
    """Read a dbt manifest.json (and its run_results.json) into one manifest per built node."""
    manifest, failed = decode_json(path, raw, "dbt.invalid-json")
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
    documents = [Document(path, pointer("nodes", uid), build.document(uid)) for uid in build.ran]
    return documents, problems


class _Build:
    """One dbt invocation: the manifest's nodes, their results, names and digests."""

    def __init__(self, path: str, manifest: dict, problems: list[Problem]):
        metadata = manifest.get("metadata") if isinstance(manifest.get("metadata"), dict) else {}
        self.path, self.metadata, self.problems = path, metadata, problems
        self.nodes = _nodes(path, manifest, problems)
        self.names = _artifact_names(self.nodes)
        self.results: dict[str, dict] | None = None
        self.compiled_by = ""  # the command of a compile-only run_results.json, if any
        self._upstream: dict[str, list[tuple[int, dict]]] = {}  # once: reading reports
        self.invocation = (
            _text(metadata.get("invocation_id"))
            or synthetic_digest("dbt-manifest", path, _text(metadata.get("generated_at")))[7:19]
        )
        self.generated_at = parse_time(metadata.get("generated_at"))

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
        """Return the digest of the node's version built by this invocation.

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
        """Tell whether the node's run logs its relation: built, or tried and failed.

        A failed build is shown with what it tried to write, as OpenLineage's dbt
        integration reports it (START lists the output); the graph never makes it `latest`.
        """
        return uid in self.ran and self.state(uid) != "skipped"

    def document(self, uid: str) -> dict:
        """Return the manifest-v1 document of one node's run."""
        return {
            "manifest_version": 1,
            "run": self.run_info(uid),
            "used_artifacts": self.used(uid),
            "logged_artifacts": [self.artifact(uid)] if self.logs(uid) else [],
            SOURCE_LOCATIONS: self.source_locations(uid),
        }

    def source_locations(self, uid: str) -> dict[str, str]:
        """Return where the run's parts are in manifest.json: the node, its depends_on entries."""
        node = pointer("nodes", uid)
        where = {pointer("run", "id"): node, pointer("logged_artifacts", 0): node}
        for i, (k, _) in enumerate(self.upstream(uid)):
            where[pointer("used_artifacts", i)] = node + pointer("depends_on", "nodes", k)
        return where

    def run_info(self, uid: str) -> dict:
        """Return the manifest's `run` object for a node."""
        node = self.nodes[uid]
        started, finished = _timing((self.results or {}).get(uid))
        version = node.get("version")
        suffix = f" v{version}" if isinstance(version, int | str) and version != "" else ""
        verb = "compile" if self.compiled_by else BUILT[node["resource_type"]]
        info = {
            "id": f"{uid}@{self.invocation}",
            "name": f"{verb} {node['name']}{suffix}",
            "job_type": f"dbt {node['resource_type']}",
            "project": _text(self.metadata.get("project_name")) or _text(node.get("package_name")),
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
        node = self.nodes[uid]
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
            deps = _depends_on(self.path, uid, self.nodes[uid], self.problems)
            refs = ((k, self.reference(uid, dep)) for k, dep in deps)
            cached = self._upstream[uid] = [(k, ref) for k, ref in refs if ref is not None]
        return cached

    def reference(self, uid: str, dep: str) -> dict | None:
        """Return one used reference: pinned by digest when this invocation built it."""
        node = self.nodes.get(dep)
        if node is None:
            message = f"{uid} depends on {dep}, which the manifest does not list; left out"
            self.problems.append(
                problem(
                    self.path,
                    pointer("nodes", uid, "depends_on", "nodes"),
                    message,
                    "dbt.unknown-dependency",
                    WARNING,
                )
            )
            return None
        kind = node["resource_type"]
        if kind == "source":
            return {"name": self.names[dep], "alias": "latest", "type": "source", "external": True}
        if kind not in BUILT:
            return None  # a model can name a macro or a metric; neither is data it reads
        if self.built(dep):
            return {"name": self.names[dep], "digest": self.digest(dep)}
        return {"name": self.names[dep], "alias": "latest", "type": kind}

    def artifact(self, uid: str) -> dict:
        """Return the logged artifact: the node's relation as built by this run."""
        node = self.nodes[uid]
        _, finished = _timing((self.results or {}).get(uid))
        artifact = {
            "name": self.names[uid],
            "type": node["resource_type"],
            "digest": self.digest(uid),
            "description": _text(node.get("description")).strip(),
            "metadata": _node_metadata(uid, node),
            "created_at": iso(finished or self.generated_at),
        }
        return {k: v for k, v in artifact.items() if v is not None}


def _nodes(path: str, manifest: dict, problems: list[Problem]) -> dict[str, dict]:
    """Return the usable nodes and sources by unique id; report and skip the others."""
    nodes: dict[str, dict] = {}
    for section in ("nodes", "sources"):
        entries = manifest.get(section)
        for uid, node in entries.items() if isinstance(entries, dict) else []:
            complaint = _node_problem(node)
            if complaint:
                problems.append(problem(path, pointer(section, uid), complaint, "dbt.invalid-node"))
            else:
                nodes[uid] = node
    return nodes


def _node_problem(node: Any) -> str | None:
    """Return why a node cannot be used, or None when it can."""
    if not isinstance(node, dict):
        return "expected a node object"
    for key in ("resource_type", "name"):
        if not isinstance(node.get(key), str) or not node[key]:
            return f"node has no '{key}' string"
    return None


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


def _depends_on(path: str, uid: str, node: dict, problems: list[Problem]) -> list[tuple]:
    """Return (index, unique id) of the node's upstream nodes, once each, in order."""
    depends = node.get("depends_on")
    deps = depends.get("nodes", []) if isinstance(depends, dict) else []
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        message = "depends_on.nodes is not a list of unique ids; its edges are left out"
        problems.append(
            problem(path, pointer("nodes", uid, "depends_on"), message, "dbt.invalid-node", WARNING)
        )
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
    """Return artifact metadata: where the relation lives, how it is built, its columns."""
    config = node.get("config") if isinstance(node.get("config"), dict) else {}
    checksum = node.get("checksum") if isinstance(node.get("checksum"), dict) else {}
    return non_empty(
        {
            "unique_id": uid,
            "relation_name": node.get("relation_name"),
            "database": node.get("database"),
            "schema": node.get("schema"),
            "alias": node.get("alias"),
            "materialized": config.get("materialized"),
            "access": node.get("access"),
            "version": node.get("version"),
            "package_name": node.get("package_name"),
            "original_file_path": node.get("original_file_path"),
            "checksum": ":".join(_text(checksum.get(k)) for k in ("name", "checksum")).strip(":"),
            "tags": node.get("tags"),
            "meta": node.get("meta"),
            "columns": _columns(node.get("columns")),
        }
    )


def _columns(columns: Any) -> dict:
    """Return {column: {description, data_type, ...}} with the empty parts left out."""
    kept = {}
    for name, column in columns.items() if isinstance(columns, dict) else []:
        if isinstance(column, dict):
            keys = ("description", "data_type", "tags", "meta", "constraints")
            kept[name] = non_empty({k: column.get(k) for k in keys})
    return kept


def _tags(node: dict) -> list[str]:
    """Return the node's tags, sorted, once each (nothing when they are not a list)."""
    tags = node.get("tags")
    return sorted({t for t in tags if isinstance(t, str)}) if isinstance(tags, list) else []


def _text(value: Any) -> str:
    """Return the value if it is a string, else ''."""
    return value if isinstance(value, str) else ""
