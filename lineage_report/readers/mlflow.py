"""MLflow reader: a file store's run (`mlruns/<experiment>/<run>/meta.yaml`) -> one manifest.

MLflow's file store keeps a run as a folder: `meta.yaml` (ids, status, times), one file per
param (`params/<key>`, its value), per metric (`metrics/<key>`, lines "timestamp value step")
and per tag (`tags/<key>`); since 2.4 `inputs/<id>/meta.yaml` names the datasets (kept in
`<experiment>/datasets/<id>/meta.yaml`) and, since 3.0, the logged models the run read;
`outputs/<model id>/meta.yaml` names the models it logged (`<experiment>/models/<id>/`).
MLflow 2 lists logged models in the `mlflow.log-model.history` tag instead. Keys with a `/`
are folders. The experiment's `meta.yaml` gives its name. The mapping is in docs/readers.md.
"""

from __future__ import annotations

import math
import posixpath
from typing import Any

from ..problems import WARNING, Problem
from .common import (
    Document,
    RunFiles,
    decode_json,
    decode_yaml,
    from_millis,
    iso,
    non_empty,
    parse_time,
    problem,
    synthetic_digest,
)

STATES = {1: "running", 2: "running", 3: "finished", 4: "failed", 5: "crashed"}
STATES |= {"RUNNING": "running", "SCHEDULED": "running", "FINISHED": "finished"}
STATES |= {"FAILED": "failed", "KILLED": "crashed"}
MODEL_STATES = {0: "unspecified", 1: "pending", 2: "ready", 3: "upload failed"}
FOLDERS = ("params", "metrics", "tags", "inputs", "outputs")
LOG_MODEL_HISTORY = "mlflow.log-model.history"
# System tags that have a place of their own in the manifest; the others go to config.
PLACED = {"mlflow.runName", "mlflow.user", "mlflow.note.content", LOG_MODEL_HISTORY}
PLACED |= {"mlflow.source.git.commit", "mlflow.source.git.repoURL", "mlflow.parentRunId"}


def read_mlflow(path: str, raw: bytes, files: RunFiles) -> tuple[list[Document], list[Problem]]:
    """Read the run whose `meta.yaml` is `path` (its other files through `files`)."""
    meta, failed = decode_yaml(path, raw, "mlflow.invalid-yaml")
    if failed:
        return [], [failed]
    run_id = meta.get("run_id") or meta.get("run_uuid") if isinstance(meta, dict) else None
    if registered_model(path, meta):
        return [], [
            problem(path, "", registry_message(meta["name"]), "mlflow.unsupported", WARNING)
        ]
    if not isinstance(meta, dict) or not run_id or meta.get("experiment_id") is None:
        message = "not an MLflow run's meta.yaml: it has no run_id and experiment_id; not read"
        return [], [problem(path, "", message, "mlflow.unknown-file", WARNING)]
    problems: list[Problem] = []
    run = _Run(path, meta, str(run_id), files, problems)
    return [Document(path, "", run.document())], problems


class _Run:
    """One MLflow run folder and the experiment folder around it."""

    def __init__(self, path: str, meta: dict, run_id: str, files: RunFiles, problems: list):
        self.path, self.meta, self.run_id = path, meta, run_id
        self.files, self.problems = files, problems
        self.folder = posixpath.dirname(path)
        self.experiment = posixpath.dirname(self.folder)
        listed = files.list(self.folder) if self.folder else []
        self.listed = [rel for rel in listed if rel != path]
        self.tags = self._values("tags")
        self.extra_config: dict[str, Any] = {}  # what the inputs say about their datasets

    def under(self, folder: str) -> list[str]:
        """Return the files of the run below one of its folders."""
        prefix = f"{self.folder}/{folder}/" if self.folder else f"{folder}/"
        return [rel for rel in self.listed if rel.startswith(prefix)]

    def _values(self, folder: str) -> dict[str, str]:
        """Return the params or tags: each file's text, keyed by its path below the folder."""
        values = {}
        prefix = len(self.folder) + len(folder) + 2 if self.folder else len(folder) + 1
        for rel in self.under(folder):
            raw = self.files.read(rel)
            if raw is None:
                continue
            try:
                values[rel[prefix:]] = raw.decode("utf-8")
            except UnicodeDecodeError:
                message = "not UTF-8 text; read with its bad bytes replaced"
                self.problems.append(problem(rel, "", message, "mlflow.invalid-value", WARNING))
                values[rel[prefix:]] = raw.decode("utf-8", "replace")
        return values

    def document(self) -> dict:
        """Return the manifest-v1 document of the run."""
        used, logged = self._inputs(), self._models()
        return {
            "manifest_version": 1,
            "run": self._run(),
            "used_artifacts": used,
            "logged_artifacts": logged,
        }

    def _run(self) -> dict:
        """Return the run: ids, names, state, times, params, metrics and tags."""
        meta, tags = self.meta, self.tags
        self._report_unsupported()
        run = {
            "id": self.run_id,
            "name": tags.get("mlflow.runName") or _text(meta.get("run_name")) or None,
            "job_type": job_type(tags),
            "project": self._experiment_name(),
            "state": self._state(),
            "started_at": iso(from_millis(meta.get("start_time"))),
            "finished_at": iso(from_millis(meta.get("end_time"))),
            "config": self._config(),
            "summary": self._metrics(),
            "tags": [
                f"{k}:{v}" if v else k for k, v in tags.items() if not k.startswith("mlflow.")
            ],
            "notes": tags.get("mlflow.note.content", ""),
            "git": non_empty(
                {
                    "remote": tags.get("mlflow.source.git.repoURL"),
                    "commit": tags.get("mlflow.source.git.commit"),
                }
            )
            or None,
            "user": tags.get("mlflow.user") or _text(meta.get("user_id")) or None,
            "parent": self._parent(tags.get("mlflow.parentRunId", "").strip()),
        }
        if meta.get("lifecycle_stage") == "deleted":
            run["tags"].append("deleted")
        return {k: v for k, v in run.items() if v is not None}

    def _parent(self, parent_id: str) -> dict | None:
        """Return the run a nested run was started in, named as its own tags name it."""
        if not parent_id or "/" in parent_id or parent_id in (".", ".."):
            return None
        folder = f"{self.experiment}/{parent_id}/tags".lstrip("/")
        tags = {}
        for key in ("mlflow.runName", "mlflow.source.name", "mlflow.project.entryPoint"):
            raw = self.files.read(f"{folder}/{key}")
            if raw is not None:
                tags[key] = raw.decode("utf-8", "replace")
        found = {"name": tags.get("mlflow.runName"), "job_type": job_type(tags)} if tags else {}
        return {"id": parent_id} | found

    def _experiment_name(self) -> str:
        """Return the experiment's name from its meta.yaml, else its id."""
        experiment_id = str(self.meta.get("experiment_id"))
        raw = self.files.read(f"{self.experiment}/meta.yaml" if self.experiment else "meta.yaml")
        value, failed = (
            decode_yaml(f"{self.experiment}/meta.yaml".lstrip("/"), raw, "mlflow.invalid-yaml")
            if raw
            else ({}, None)
        )
        if failed:
            self.problems.append(failed)
        if isinstance(value, dict) and _text(value.get("name")):
            return value["name"]
        return experiment_id

    def _state(self) -> str:
        """Return the manifest state of MLflow's status (an enum number, or its name)."""
        status = self.meta.get("status", 1)
        state = STATES.get(status) if isinstance(status, int | str) else None
        if state is None:
            message = f"unknown status {status!r}; read as running"
            self.problems.append(
                problem(self.path, "/status", message, "mlflow.invalid-run", WARNING)
            )
        return state or "running"

    def _config(self) -> dict:
        """Return the params, then the system tags that have no place of their own."""
        config: dict[str, Any] = dict(self._values("params"))
        for key, value in self.tags.items():
            if key.startswith("mlflow.") and key not in PLACED:
                config[key] = value
        return config | self.extra_config

    def _metrics(self) -> dict:
        """Return each metric's latest value (highest step, then latest time), as MLflow does."""
        summary: dict[str, Any] = {}
        prefix = len(self.folder) + len("metrics") + 2 if self.folder else len("metrics") + 1
        for rel in self.under("metrics"):
            latest = self._latest(rel)
            if latest is not None:
                summary[rel[prefix:]] = latest
        return summary

    def _latest(self, rel: str) -> Any:
        """Return the latest value of one metric file; report lines that are not metrics."""
        raw = self.files.read(rel)
        best: tuple | None = None
        for number, line in enumerate((raw or b"").decode("utf-8", "replace").splitlines(), 1):
            parts = line.split()
            if not parts:
                continue
            try:
                moment, value = int(parts[0]), float(parts[1])
                step = int(parts[2]) if len(parts) > 2 else 0
            except (ValueError, IndexError):
                message = f"not 'timestamp value step': {line[:60]!r}; left out"
                self.problems.append(
                    problem(rel, f"line {number}", message, "mlflow.invalid-metric", WARNING)
                )
                continue
            key = (step, moment, value if not math.isnan(value) else -math.inf)
            if best is None or key >= best[0]:
                best = (key, value, number, parts[1])
        if best is None:
            return None
        _, value, number, written = best
        if not math.isfinite(value):
            message = f"latest value {written} is not a finite number; shown as text"
            self.problems.append(
                problem(rel, f"line {number}", message, "mlflow.invalid-metric", WARNING)
            )
            return written
        return (
            int(value)
            if value.is_integer() and "." not in written and "e" not in written.lower()
            else value
        )

    def _report_unsupported(self) -> None:
        """Count the run's files that no part of the manifest holds (artifacts/, say)."""
        read = tuple(f"{self.folder}/{f}/" if self.folder else f"{f}/" for f in FOLDERS)
        left = [rel for rel in self.listed if not rel.startswith(read)]
        if left:
            folders = sorted({rel[len(self.folder) + 1 :].split("/")[0] for rel in left})
            message = (
                f"{len(left)} file(s) in {', '.join(f + '/' for f in folders)} not read: "
                "only params, metrics, tags, dataset inputs and logged models are"
            )
            self.problems.append(problem(self.path, "", message, "mlflow.unsupported", WARNING))

    def _inputs(self) -> list[dict]:
        """Return the datasets and logged models the run read (`inputs/<id>/meta.yaml`)."""
        used = []
        for rel in self.under("inputs"):
            if posixpath.basename(rel) != "meta.yaml":
                continue
            entry = self._yaml(rel)
            kind = entry.get("source_type")
            if kind == "DATASET":
                used.extend(self._dataset(rel, entry))
            elif kind == "MODEL":
                used.extend(self._model_input(rel, entry))
            elif entry:
                message = f"input of source type {kind!r} is not read"
                self.problems.append(
                    problem(rel, "/source_type", message, "mlflow.unsupported", WARNING)
                )
        return used

    def _dataset(self, rel: str, entry: dict) -> list[dict]:
        """Return the used reference of a dataset input (with its details in the config)."""
        found = f"{self.experiment}/datasets/{entry.get('source_id')}/meta.yaml".lstrip("/")
        dataset = self._yaml(found, rel)
        name, digest = _text(dataset.get("name")), _text(dataset.get("digest"))
        if not name:
            return []
        context = (
            entry.get("tags", {}).get("mlflow.data.context")
            if isinstance(entry.get("tags"), dict)
            else None
        )
        self._dataset_details(name, digest, dataset, context)
        return [
            {
                "name": name,
                "digest": synthetic_digest("mlflow-dataset", name, digest),
                "type": "dataset",
                "external": True,  # no MLflow run logs a dataset: it comes from outside
            }
        ]

    def _dataset_details(self, name: str, digest: str, dataset: dict, context: Any) -> None:
        """Keep what MLflow knows of a dataset input in the run's config."""
        source, failed = (
            decode_json("", _text(dataset.get("source")).encode(), "")
            if dataset.get("source")
            else (None, None)
        )
        details = {
            "digest": digest,
            "context": context,
            "source_type": dataset.get("source_type"),
            "source": source if failed is None else dataset.get("source"),
            "schema": dataset.get("schema"),
            "profile": dataset.get("profile"),
        }
        self.extra_config[f"dataset.{name}"] = non_empty(details)

    def _model_input(self, rel: str, entry: dict) -> list[dict]:
        """Return the used reference of a logged model the run read (MLflow 3)."""
        model_id = _text(entry.get("source_id"))
        model = self._yaml(f"{self.experiment}/models/{model_id}/meta.yaml".lstrip("/"), rel)
        name = _text(model.get("name")) or model_id
        return (
            [{"name": name, "digest": model_digest(model_id), "type": "model"}] if model_id else []
        )

    def _models(self) -> list[dict]:
        """Return the models the run logged: MLflow 3's outputs, MLflow 2's history tag."""
        models = []
        for rel in self.under("outputs"):
            if posixpath.basename(rel) == "meta.yaml":
                models.extend(self._output(rel, self._yaml(rel)))
        digests = {m["digest"] for m in models}
        history = self.tags.get(LOG_MODEL_HISTORY)
        if history is not None:
            rel = f"{self.folder}/tags/{LOG_MODEL_HISTORY}".lstrip("/")
            models += [m for m in self._history(rel, history) if m["digest"] not in digests]
        return models

    def _output(self, rel: str, entry: dict) -> list[dict]:
        """Return the logged model an output names (`<experiment>/models/<id>/`)."""
        model_id = _text(entry.get("destination_id")) or _text(entry.get("source_id"))
        if not model_id:
            return []
        folder = f"{self.experiment}/models/{model_id}".lstrip("/")
        model = self._yaml(f"{folder}/meta.yaml", rel)
        metadata = {
            "model_id": model_id,
            "model_type": model.get("model_type"),
            "status": MODEL_STATES.get(model.get("status"), model.get("status")),
            "status_message": model.get("status_message"),
            "artifact_location": model.get("artifact_location"),
            "step": entry.get("step"),
            "params": self._model_values(folder, "params"),
            "metrics": self._model_metrics(folder),
            "tags": self._model_values(folder, "tags"),
            "flavors": self._flavors(f"{folder}/artifacts/MLmodel"),
        }
        created = from_millis(model.get("creation_timestamp"))
        return [
            non_empty(
                {
                    "name": _text(model.get("name")) or model_id,
                    "type": "model",
                    "digest": model_digest(model_id),
                    "metadata": non_empty(metadata),
                    "created_at": iso(created),
                }
            )
        ]

    def _model_values(self, folder: str, kind: str) -> dict[str, str]:
        """Return a logged model's params or tags (files below its folder)."""
        values = {}
        for rel in self.files.list(f"{folder}/{kind}"):
            raw = self.files.read(rel)
            if raw is not None:
                values[rel[len(folder) + len(kind) + 2 :]] = raw.decode("utf-8", "replace")
        return values

    def _model_metrics(self, folder: str) -> dict[str, Any]:
        """Return a logged model's metrics (MLflow 3 logs a run's metrics to its model too):
        the latest value of each, as for the run."""
        metrics = {}
        for rel in self.files.list(f"{folder}/metrics"):
            latest = self._latest(rel)
            if latest is not None:
                metrics[rel[len(folder) + len("metrics") + 2 :]] = latest
        return metrics

    def _flavors(self, rel: str) -> list[str]:
        """Return the flavors of a model's MLmodel file, when it is there."""
        raw = self.files.read(rel)
        value, failed = decode_yaml(rel, raw, "mlflow.invalid-yaml") if raw else (None, None)
        flavors = value.get("flavors") if isinstance(value, dict) else None
        return sorted(map(str, flavors)) if isinstance(flavors, dict) else []

    def _history(self, rel: str, text: str) -> list[dict]:
        """Return the models of MLflow 2's `mlflow.log-model.history` tag (a JSON list)."""
        value, failed = decode_json(rel, text.encode(), "mlflow.invalid-tag")
        if failed or not isinstance(value, list):
            self.problems.append(
                failed or problem(rel, "", "expected a JSON list of models", "mlflow.invalid-tag")
            )
            return []
        models = []
        for i, model in enumerate(value):
            path = _text(model.get("artifact_path")) if isinstance(model, dict) else ""
            if not path:
                self.problems.append(
                    problem(
                        rel,
                        f"/{i}",
                        "a model without artifact_path; left out",
                        "mlflow.invalid-tag",
                    )
                )
                continue
            ident = _text(model.get("model_uuid")) or f"{self.run_id}/{path}"
            metadata = {k: v for k, v in model.items() if k not in ("artifact_path", "run_id")}
            created = parse_time(model.get("utc_time_created"))
            models.append(
                non_empty(
                    {
                        "name": path,
                        "type": "model",
                        "digest": model_digest(ident),
                        "metadata": metadata,
                        "created_at": iso(created),
                    }
                )
            )
        return models

    def _yaml(self, rel: str, named_by: str = "") -> dict:
        """Return a YAML object file of the store; report it when absent or unusable."""
        raw = self.files.read(rel)
        if raw is None:
            where = named_by or rel
            message = f"{rel} is missing; this part of the run is left out"
            self.problems.append(problem(where, "", message, "mlflow.missing-file", WARNING))
            return {}
        value, failed = decode_yaml(rel, raw, "mlflow.invalid-yaml")
        if failed or not isinstance(value, dict):
            self.problems.append(
                failed or problem(rel, "", "expected a YAML mapping", "mlflow.invalid-yaml")
            )
            return {}
        return value


def registry_message(name: str) -> str:
    """Say that a registered model is not read (counted as unsupported, in either store)."""
    return f"registered model {name!r}: MLflow's model registry is not read"


def registered_model(path: str, meta: Any) -> bool:
    """Tell whether a `meta.yaml` is a registered model's (`mlruns/models/<name>/meta.yaml`)."""
    parts = path.split("/")
    return (
        isinstance(meta, dict)
        and "experiment_id" not in meta
        and isinstance(meta.get("name"), str)
        and len(parts) >= 3
        and parts[-3] == "models"
    )


def job_type(tags: dict[str, str]) -> str:
    """Return a run's job type: its MLflow Project entry point, else its script's name."""
    entry = tags.get("mlflow.project.entryPoint")
    if entry:
        return entry
    source = tags.get("mlflow.source.name", "")
    stem = posixpath.splitext(posixpath.basename(source.replace("\\", "/")))[0]
    return stem or "run"


def model_digest(ident: str) -> str:
    """Return the made-up digest of a logged model: one version per model id."""
    return synthetic_digest("mlflow-model", ident)


def _text(value: Any) -> str:
    """Return a scalar as text ('' for none): MLflow's YAML holds ids as strings or numbers."""
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value)
