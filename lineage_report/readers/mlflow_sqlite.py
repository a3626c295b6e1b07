"""MLflow reader for a SQLite store (`mlflow.db`, MLflow 3's default) -> one manifest per run.

The store is opened from the bytes the collector read (`deserialize`: no temporary file, so
a store in object storage reads as one on disk). Its rows are laid out as the file store
lays out its folders (`<experiment>/<run>/meta.yaml`, `params/`, `metrics/`, `tags/`,
`inputs/`, `outputs/`, `datasets/`, `models/`) and read by the file store's reader, so both
stores give the same documents. Problems point into the database: `mlflow.db: runs/<id>/...`.
"""

from __future__ import annotations

import posixpath
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import yaml

from ..problems import WARNING, Problem
from .common import Document, FilesInMemory, RunFiles, is_sqlite, problem
from .mlflow import read_mlflow, registry_message

# The tables every MLflow SQL store has had; a SQLite file without them is not a store.
TABLES = ("experiments", "runs", "params", "metrics", "tags")
# A read that takes more SQLite steps than this is stopped: a hostile schema (a generated
# column, say) could compute without end. A store of 1.2 million metric rows (281 MB) took
# 1e8 steps: one at the 1000 MB size limit, about a fifth of this bound.
MAX_STEPS = 2_000_000_000
STEP_CHECK = 100_000
# Bytes 18 and 19 of the header: 2 and 2 for a database in WAL mode, which an in-memory copy
# cannot open; 1 and 1 (rollback journal) read the same pages.
_WAL_MODE, _ROLLBACK = b"\x02\x02", b"\x01\x01"
# Where MLflow's default artifact roots put a run's or a model's files beside `mlflow.db`:
# `./mlruns/...` (written as an absolute path), or `./mlartifacts/...` under `mlflow server`
# (written `mlflow-artifacts:/<exp>/<run>/artifacts`). Found there, they are listed (run) or
# read (a model's MLmodel). The location is the writer's text: a `.` or `..` part would name
# another folder of the project.
_PART = r"(?!\.\.?/)[^/]+"
_LOCAL_ARTIFACTS = re.compile(
    rf"(?:^|/)((?:mlruns|mlartifacts)/{_PART}/(?:models/)?{_PART}/artifacts)/?$"
)
_SERVED = re.compile(r"^mlflow-artifacts:(?://[^/]*)?/*")  # the server's own scheme (and host)


def read_mlflow_input(path: str, raw: bytes, files: RunFiles) -> tuple[list[Document], list]:
    """Read an MLflow input: a SQLite store, else a file store run's `meta.yaml`."""
    if is_sqlite(raw):
        return read_mlflow_sqlite(path, raw, files)
    return read_mlflow(path, raw, files)


def read_mlflow_sqlite(path: str, raw: bytes, files: RunFiles) -> tuple[list[Document], list]:
    """Read every run of the MLflow SQLite store `path` (its bytes: `raw`)."""
    try:
        store = _open(raw)
        tables = _tables(store)
        missing = [t for t in TABLES if t not in tables]
        if missing:
            message = (
                f"a SQLite database without MLflow's tables ({', '.join(missing)} missing); "
                "not read"
            )
            return [], [problem(path, "", message, "mlflow.unknown-file", WARNING)]
        tree = _Tree(path, store, files)
        runs = tree.build()
    except (sqlite3.Error, UnicodeDecodeError) as exc:  # damaged, truncated, or stopped
        # SQLite's message about a damaged schema quotes it, and Python decodes it strictly.
        reason = "a damaged schema" if isinstance(exc, UnicodeDecodeError) else exc
        message = f"not a readable SQLite database ({reason}); not read"
        return [], [problem(path, "", message, "mlflow.invalid-store"), *_writing(path, files)]
    documents, problems = _read_runs(path, tree, runs)
    return documents, _unwritten(path, raw, files) + _writing(path, files) + problems


def _writing(path: str, files: RunFiles) -> list[Problem]:
    """Say that a write was under way when the store was read (a `-journal` file beside it).

    SQLite's readers roll such a write back from the journal first; a copy of the store
    alone may hold it half done, so its rows (or its pages) may not agree.
    """
    if not files.read(f"{path}-journal"):
        return []
    message = (
        f"{posixpath.basename(path)}-journal: MLflow was writing to the store as it was read; "
        "build again once it is done"
    )
    return [problem(path, "", message, "mlflow.write-in-progress", WARNING)]


def _unwritten(path: str, raw: bytes, files: RunFiles) -> list[Problem]:
    """Count the changes of a WAL-mode store still in its `-wal` file: they are not read.

    MLflow's writer merges them into the store when it closes; while it runs, the newest
    rows may be only there, and an in-memory copy of the store alone cannot apply them.
    """
    if raw[18:20] != _WAL_MODE or not files.read(f"{path}-wal"):
        return []
    message = (
        f"{posixpath.basename(path)}-wal holds changes not yet written into the store "
        "(is MLflow still running?); they are not read"
    )
    return [problem(path, "", message, "mlflow.unsupported", WARNING)]


def _read_runs(path: str, tree: _Tree, runs: list[tuple[str, str]]) -> tuple[list, list]:
    """Read each run of the laid-out store; point its documents and problems into the store."""
    documents, problems = [], [_located(path, p) for p in tree.problems]
    stored = FilesInMemory(tree.files)
    for meta, run_id in runs:
        docs, found = read_mlflow(meta, stored.read(meta) or b"", stored)
        documents += [Document(path, f"runs/{run_id}", d.data) for d in docs]
        problems += [_located(path, p) for p in found]
    return documents, problems


def _open(raw: bytes) -> sqlite3.Connection:
    """Return a connection to an in-memory copy of the database, with a bound on its work."""
    store = sqlite3.connect(":memory:")
    # A value that is not UTF-8 keeps its bytes (decoding it strictly failed the whole store).
    store.text_factory = lambda raw: raw.decode("utf-8", "surrogateescape")
    # The schema is the writer's too: no function it names may act beyond its value, and
    # no value it computes may be larger than the file it came from.
    store.execute("PRAGMA trusted_schema = OFF")
    store.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max(len(raw), 1_000_000))
    if raw[18:20] == _WAL_MODE:
        raw = raw[:18] + _ROLLBACK + raw[20:]
    store.deserialize(raw)
    steps = iter(range(MAX_STEPS // STEP_CHECK))
    store.set_progress_handler(lambda: next(steps, None) is None, STEP_CHECK)
    return store


def _tables(store: sqlite3.Connection) -> set[str]:
    """Return the names of the database's tables (never its views: see MAX_STEPS)."""
    return {name for (name,) in store.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _located(path: str, found: Problem) -> Problem:
    """Return a problem of the laid-out store as one in the database: `runs/<id>/params/x`."""
    if not found.path.startswith(path + "/"):
        return found  # a file of the project itself (a model's MLmodel)
    where = _store_location(found.path[len(path) + 1 :])
    location = f"{where}: {found.location}" if found.location else where
    # A message may name another laid-out file ("<db>/1/datasets/<id>/meta.yaml is missing").
    named = re.compile(re.escape(path) + r"/(\S+)")
    message = named.sub(lambda m: _store_location(m.group(1)), found.message)
    return Problem(path, location, message, found.kind, found.severity)


def _store_location(rel: str) -> str:
    """Name a laid-out path by the rows it came from: `runs/<id>/tags/x`, `datasets/<id>`."""
    parts = rel.split("/")
    if parts[-1] == "meta.yaml":
        parts.pop()
    if len(parts) == 1:
        return f"experiments/{parts[0]}"
    if parts[1] in ("datasets", "models"):
        return "/".join(["logged_models" if parts[1] == "models" else "datasets", *parts[2:]])
    return "/".join(["runs", *parts[1:]])


class _Tree:
    """The store's rows as the file store's files, below the database's own path."""

    def __init__(self, path: str, store: sqlite3.Connection, files: RunFiles):
        self.path, self.store, self.project = path, store, files
        self.tables = _tables(store)
        self.files: dict[str, bytes] = {}
        self.problems: list[Problem] = []
        self.run_folders: dict[str, str] = {}  # run id -> `<experiment>/<run id>`

    def rows(self, table: str, columns: str, where: str = "") -> Iterator[tuple]:
        """Yield a table's rows (none when this MLflow version has no such table)."""
        if table in self.tables:
            yield from self.store.execute(
                f"SELECT {self.select(table, columns)} FROM {table} {where}"
            )

    def select(self, table: str, columns: str) -> str:
        """Return a select list of `columns`, NULL for those this MLflow version lacks (an
        MLflow 2 store's `inputs` has no `step`): a missing column must not cost the store."""
        have = {row[1] for row in self.store.execute(f"PRAGMA table_info({table})")}
        wanted = [c.strip() for c in columns.split(",")]
        return ", ".join(c if c in have else f"NULL AS {c}" for c in wanted)

    def put(self, rel: str, value: Any) -> None:
        """Lay out one file: text as it is, a mapping as YAML (as MLflow writes meta.yaml).

        Text that was not UTF-8 in the store keeps its bytes in a file of its own (a param's,
        a tag's): the file reader says so there, as for a file store. In a path or a YAML
        value, its bad bytes are replaced here, and said so.
        """
        rel = self._clean(rel, rel, None)
        if isinstance(value, str):
            data = value.encode("utf-8", "surrogateescape")
        else:
            data = yaml.safe_dump(self._clean(rel, value, ""), sort_keys=True).encode("utf-8")
        self.files[f"{self.path}/{rel}"] = data

    def _clean(self, rel: str, value: Any, where: str | None) -> Any:
        """Return a value (a path, where None) with the bytes that were not UTF-8 replaced,
        reporting each such text."""
        if isinstance(value, dict):
            return {
                self._clean(rel, k, f"{where}/{k}"): self._clean(rel, v, f"{where}/{k}")
                for k, v in value.items()
            }
        if not isinstance(value, str):
            return value
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:  # decoded with surrogateescape by the connection
            text = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            at = f"{self.path}/{text if where is None else rel}"
            message = "not UTF-8 text; read with its bad bytes replaced"
            self.problems.append(problem(at, where or "", message, "mlflow.invalid-value", WARNING))
            return text

    def build(self) -> list[tuple[str, str]]:
        """Lay out the whole store; return (meta.yaml path, run id) of each run."""
        self._experiments()
        runs = self._runs()
        self._params_tags()
        self._metrics()
        self._inputs()
        self._datasets()
        self._models()
        self._registry()
        return runs

    def _experiments(self) -> None:
        """Lay out each experiment's meta.yaml (its name)."""
        for exp, name, stage in self.rows(
            "experiments", "experiment_id, name, lifecycle_stage", "ORDER BY experiment_id"
        ):
            self.put(f"{exp}/meta.yaml", {"experiment_id": str(exp), "name": name} | _stage(stage))

    def _runs(self) -> list[tuple[str, str]]:
        """Lay out each run's meta.yaml and list its artifacts; return (meta, run id)."""
        columns = "run_uuid, name, experiment_id, status, start_time, end_time, user_id, "
        columns += "lifecycle_stage, artifact_uri"
        runs = []
        for row in self.rows("runs", columns, "ORDER BY run_uuid"):
            run_id, name, exp, status, start, end, user, stage, artifacts = row
            meta = {"run_id": run_id, "run_name": name, "experiment_id": str(exp)}
            meta |= {"status": status, "start_time": start, "end_time": end, "user_id": user}
            meta |= {"lifecycle_stage": stage, "artifact_uri": artifacts}
            self.run_folders[run_id] = f"{exp}/{run_id}"
            self.put(f"{exp}/{run_id}/meta.yaml", meta)
            self._artifacts(f"{exp}/{run_id}/artifacts", artifacts)
            runs.append((f"{self.path}/{exp}/{run_id}/meta.yaml", run_id))
        return runs

    def _artifacts(self, rel: str, uri: Any) -> None:
        """List the files a run logged, when they sit beside the store: the file reader
        counts them as unsupported, as it counts a file store run's `artifacts/`."""
        for found in self._local_files(uri):
            self.files[f"{self.path}/{rel}/{found}"] = b""  # listed, never read

    def _local_files(self, uri: Any) -> list[str]:
        """Return the files below an artifact location found beside the store, relative to it."""
        folder = self._local_folder(uri)
        if folder is None:
            return []
        return [rel[len(folder) + 1 :] for rel in self.project.list(folder)]

    def _local_folder(self, uri: Any) -> str | None:
        """Return the project path of an artifact location in `./mlruns/` or `./mlartifacts/`
        beside the store, or None."""
        text = _SERVED.sub("mlartifacts/", str(uri or "")).removeprefix("file://")
        match = _LOCAL_ARTIFACTS.search(text)
        if match is None:
            return None
        return posixpath.join(posixpath.dirname(self.path), match.group(1))

    def _params_tags(self) -> None:
        """Lay out each run's params and tags, one file per key."""
        for table, folder in (("params", "params"), ("tags", "tags")):
            for key, value, run_id in self.rows(table, "key, value, run_uuid", "ORDER BY key"):
                if run_id in self.run_folders:
                    self.put(f"{self.run_folders[run_id]}/{folder}/{key}", value or "")

    def latest(self, table: str, columns: str, nan: str | None = None) -> Iterator[tuple]:
        """Yield the latest row of each metric of `table`, as (owner, key, value, timestamp,
        step, is NaN), its `columns` named in that order and its NaN flag by `nan`.

        The file reader would pick the same line from the whole history, but a history of a
        million rows laid out as text took 24 s and 156 MB; SQLite picks it by the same order
        (highest step, then latest time, then a number over NaN, then the larger value).
        """
        if table not in self.tables:
            return
        owner, key, value, moment, step = (c.strip() for c in columns.split(","))
        flag = nan or "NULL"
        inner = self.select(table, f"{columns}, {nan}" if nan else columns)
        order = f"{step} DESC, {moment} DESC, {flag} IS 1, {value} IS NULL, {value} DESC"
        ranked = (
            f"SELECT *, ROW_NUMBER() OVER (PARTITION BY {owner}, {key} ORDER BY {order}) AS n "
            f"FROM (SELECT {inner} FROM {table})"
        )
        yield from self.store.execute(
            f"SELECT {columns}, {flag} FROM ({ranked}) WHERE n = 1 ORDER BY {owner}, {key}"
        )

    def _metrics(self) -> None:
        """Lay out each run's metrics, one "timestamp value step" line each: the latest."""
        columns = "run_uuid, key, value, timestamp, step"
        for run_id, key, value, moment, step, nan in self.latest("metrics", columns, "is_nan"):
            if run_id in self.run_folders:
                line = f"{moment} {_number(value, nan)} {step}\n"
                self.put(f"{self.run_folders[run_id]}/metrics/{key}", line)

    def _inputs(self) -> None:
        """Lay out the runs' dataset and model inputs and their logged models (outputs)."""
        tags: dict[str, dict[str, str]] = {}
        for input_id, name, value in self.rows("input_tags", "input_uuid, name, value"):
            tags.setdefault(input_id, {})[name] = value
        columns = "input_uuid, source_type, source_id, destination_type, destination_id, step"
        for row in self.rows("inputs", columns, "ORDER BY input_uuid"):
            self._input(row, tags.get(row[0], {}))

    def _input(self, row: tuple, tags: dict[str, str]) -> None:
        """Lay out one row of `inputs` where the file store keeps it; report any other."""
        input_id, source_type, source_id, destination_type, destination_id, step = row
        if destination_type == "RUN" and destination_id in self.run_folders:
            entry = {"source_type": source_type, "source_id": source_id, "tags": tags}
            self.put(f"{self.run_folders[destination_id]}/inputs/{input_id}/meta.yaml", entry)
        elif source_type == "RUN_INPUT" and source_id in self.run_folders:
            entry = {"source_type": "MODEL", "source_id": destination_id, "tags": tags}
            self.put(f"{self.run_folders[source_id]}/inputs/{input_id}/meta.yaml", entry)
        elif source_type == "RUN_OUTPUT" and source_id in self.run_folders:
            entry = {"destination_id": destination_id, "step": step, "tags": tags}
            self.put(f"{self.run_folders[source_id]}/outputs/{destination_id}/meta.yaml", entry)
        else:
            message = f"an input from {source_type} to {destination_type} of no run here; not read"
            where = f"inputs/{input_id}"
            self.problems.append(problem(self.path, where, message, "mlflow.unsupported", WARNING))

    def _datasets(self) -> None:
        """Lay out each dataset's meta.yaml in its experiment."""
        columns = "dataset_uuid, experiment_id, name, digest, dataset_source_type, "
        columns += "dataset_source, dataset_schema, dataset_profile"
        for row in self.rows("datasets", columns, "ORDER BY dataset_uuid"):
            dataset_id, exp, name, digest, source_type, source, schema, profile = row
            meta = {"name": name, "digest": digest, "source_type": source_type}
            meta |= {"source": source, "schema": schema, "profile": profile}
            self.put(f"{exp}/datasets/{dataset_id}/meta.yaml", meta)

    def _models(self) -> None:
        """Lay out each logged model: meta.yaml, params, metrics, tags and its MLmodel."""
        columns = "model_id, experiment_id, name, artifact_location, creation_timestamp_ms, "
        columns += "status, status_message, model_type, source_run_id"
        folders = {}
        for row in self.rows("logged_models", columns, "ORDER BY model_id"):
            model_id, exp, name, location, created, status, message, kind, run_id = row
            folders[model_id] = folder = f"{exp}/models/{model_id}"
            meta = {"model_id": model_id, "name": name, "artifact_location": location}
            meta |= {"creation_timestamp": created, "status": status, "model_type": kind}
            meta |= {"status_message": message, "source_run_id": run_id}
            self.put(f"{folder}/meta.yaml", meta)
            self._mlmodel(folder, location)
        self._model_values(folders)

    def _mlmodel(self, folder: str, location: Any) -> None:
        """Read a model's MLmodel (its flavors) when its artifacts sit beside the store."""
        found = self._local_folder(location)
        raw = self.project.read(f"{found}/MLmodel") if found else None
        if raw is not None:
            self.files[f"{self.path}/{folder}/artifacts/MLmodel"] = raw

    def _model_values(self, folders: dict[str, str]) -> None:
        """Lay out the logged models' params and tags, one file per key, and metrics."""
        for table, key, value in (
            ("logged_model_params", "param_key", "param_value"),
            ("logged_model_tags", "tag_key", "tag_value"),
        ):
            kind = "params" if table.endswith("params") else "tags"
            for model_id, name, text in self.rows(table, f"model_id, {key}, {value}"):
                if model_id in folders:
                    self.put(f"{folders[model_id]}/{kind}/{name}", text or "")
        self._model_metrics(folders)

    def _model_metrics(self, folders: dict[str, str]) -> None:
        """Lay out the logged models' metrics, the latest row of each, as for runs."""
        columns = "model_id, metric_name, metric_value, metric_timestamp_ms, metric_step"
        for model_id, name, value, moment, step, _ in self.latest("logged_model_metrics", columns):
            if model_id in folders:
                line = f"{moment} {_number(value, False)} {step}\n"
                self.put(f"{folders[model_id]}/metrics/{name}", line)

    def _registry(self) -> None:
        """Count each registered model as unsupported, as the file store's reader does."""
        for (name,) in self.rows("registered_models", "name", "ORDER BY name"):
            where = f"registered_models/{name}"
            message = registry_message(name)
            self.problems.append(problem(self.path, where, message, "mlflow.unsupported", WARNING))


def _stage(stage: Any) -> dict:
    """Return an experiment's lifecycle stage as its meta.yaml holds it."""
    return {"lifecycle_stage": stage} if stage else {}


def _number(value: Any, nan: Any) -> str:
    """Write a metric value as MLflow's file store does (`20.0`, `nan`): SQLite keeps a NaN
    as NULL, with `is_nan` set in `metrics` (logged models' metrics have no such flag)."""
    if nan or value is None:
        return "nan"
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return str(value)
