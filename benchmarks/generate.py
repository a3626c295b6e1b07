"""Generate realistic lineage projects of any size, deterministically, for the benchmarks.

A project is a set of pipelines, each iterating in rounds: upload raw data, preprocess it
(some re-runs reproduce the same digest), split it into train/val/test, run sweeps of
training runs that log checkpoints, evaluate models (ensembles fan in), and deploy the
best one, which moves the `production` alias. Around them: a hub dataset used by
thousands of runs, external inputs declared in the config, cross-pipeline fan-in and,
optionally, one wide level of runs that all use the same artifact (the graph benchmark's
worst case).

Everything comes from one seeded `random.Random`, so a seed always gives the same files.
The clock only moves forward and every logged artifact gets its own second, so version
numbers follow the order of emission and `latest` resolves to what the generator meant.

Usage: `python -m benchmarks.generate OUT --runs N [--seed S] [--hub-consumers K]
[--wide-level W] [--versions-per-run F]`.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import time
from collections import namedtuple
from dataclasses import dataclass
from pathlib import Path

from lineage_report.digest import artifact_digest

try:  # orjson is several times faster; plain json keeps the harness usable without it
    import orjson

    def dump_json(data: dict) -> bytes:
        """Serialise a manifest the way an SDK would: indented UTF-8 JSON."""
        return orjson.dumps(data, option=orjson.OPT_INDENT_2)

except ImportError:  # pragma: no cover - depends on the environment
    import json

    def dump_json(data: dict) -> bytes:
        """Serialise a manifest the way an SDK would: indented UTF-8 JSON."""
        return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


MARKER = ".generated-by-benchmarks"
START = 1_736_121_600  # 2025-01-06T00:00:00Z: a fixed epoch keeps output deterministic
PIPELINE_RUNS = 400  # average runs per pipeline
ROUND_RUNS = 100  # average runs per round of a pipeline
SWEEP_SIZES = (8, 40)
HUB = "hub-corpus"
WIDE = "wide-source"
EXTERNALS = ("imagenet:*", "bert-base:*")
# New versions each stage logs; training runs absorb the rest of the versions budget.
FIXED_VERSIONS = {
    "hub": 1,
    "wide-source": 1,
    "wide": 0,
    "upload": 1,
    "preprocess": 1,
    "rerun": 0,
    "split": 3,
    "train": 0,
    "eval": 1,
    "deploy": 1,
}
# fmt: off
DOMAINS = (
    "mnist", "reviews", "churn", "fraud", "speech", "ner", "retail", "weather", "traffic",
    "genomics", "radiology", "captions", "translation", "recsys", "forecasting", "anomaly",
)
ADJECTIVES = (
    "bright", "calm", "dark", "eager", "fancy", "gentle", "happy", "icy", "jolly", "kind",
    "lively", "misty", "noble",
)
NOUNS = (
    "sun", "river", "forest", "mountain", "cloud", "meadow", "ocean", "star", "field", "breeze",
    "glade", "dawn",
)
# fmt: on
ARCHS = ("resnet50", "vit-b16", "bert-base", "lstm", "xgboost", "unet", "t5-small")
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"

Ver = namedtuple("Ver", "name version digest entry")


@dataclass
class RunSpec:
    """One planned run: its stage, where it sits, and the choices made while planning."""

    stage: str
    pipeline: int = -1
    round: int = 0
    sweep: int = 0
    checkpoints: int = 0
    hub: bool = False


# --- planning -----------------------------------------------------------------------------


def split_budget(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split `total` into `parts` uneven positive shares (when total >= parts)."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    scale = total / sum(weights)
    shares = [max(1, int(w * scale)) if total >= parts else 0 for w in weights]
    while sum(shares) < total:
        shares[rng.randrange(parts)] += 1
    while sum(shares) > total:
        i = rng.randrange(parts)
        if shares[i] > 1:
            shares[i] -= 1
    return shares


def round_specs(pipeline: int, rnd: int, budget: int, rng: random.Random) -> list[RunSpec]:
    """Plan one round of a pipeline: upload → preprocess → split → sweeps → evals → deploy."""
    if budget < 6:  # too small for the full shape: keep a prefix that still makes sense
        stages = ["upload", "preprocess", "split", "train", "eval", "deploy"][:budget]
        return [RunSpec(s, pipeline, rnd, checkpoints=1) for s in stages]
    evals = max(1, round(budget * 0.12))
    rerun = budget >= 12 and rng.random() < 0.6
    trains = budget - 4 - rerun - evals
    specs = [RunSpec("upload", pipeline, rnd), RunSpec("preprocess", pipeline, rnd)]
    if rerun:
        specs.append(RunSpec("rerun", pipeline, rnd))
    specs.append(RunSpec("split", pipeline, rnd))
    sweep = 0
    while trains > 0:
        size = min(trains, rng.randint(*SWEEP_SIZES))
        specs += [RunSpec("train", pipeline, rnd, sweep, checkpoints=1) for _ in range(size)]
        trains -= size
        sweep += 1
    specs += [RunSpec("eval", pipeline, rnd) for _ in range(evals)]
    specs.append(RunSpec("deploy", pipeline, rnd))
    return specs


def plan_pipelines(runs: int, rng: random.Random) -> list[RunSpec]:
    """Plan `runs` runs as pipelines of rounds, in time order."""
    if runs <= 0:
        return []
    specs: list[RunSpec] = []
    budgets = split_budget(runs, max(1, round(runs / PIPELINE_RUNS)), rng)
    for pipeline, budget in enumerate(budgets):
        rounds = split_budget(budget, max(1, round(budget / ROUND_RUNS)), rng)
        for rnd, round_budget in enumerate(rounds):
            specs += round_specs(pipeline, rnd, round_budget, rng)
    return specs


def special_runs(runs: int, wide_level: int | None) -> tuple[list[RunSpec], list[RunSpec]]:
    """Plan the hub upload and the wide level: runs before and after the pipelines."""
    head = [RunSpec("hub")] if runs >= 2 else []
    tail: list[RunSpec] = []
    if wide_level:
        head.append(RunSpec("wide-source"))
        tail = [RunSpec("wide") for _ in range(wide_level)]
    if len(head) + len(tail) > runs:
        raise ValueError(f"--wide-level {wide_level} needs at least {len(head) + len(tail)} runs")
    return head, tail


def assign_checkpoints(specs: list[RunSpec], target: int, rng: random.Random) -> None:
    """Give training runs checkpoint counts so the project logs about `target` versions."""
    trains = [s for s in specs if s.stage == "train"]
    if not trains:
        return
    wanted = max(len(trains), target - sum(FIXED_VERSIONS[s.stage] for s in specs))
    weights = [rng.uniform(0.4, 1.6) for _ in trains]
    scale = wanted / sum(weights)
    for spec, weight in zip(trains, weights, strict=True):
        spec.checkpoints = max(1, int(weight * scale))
    surplus = sum(s.checkpoints for s in trains) - wanted
    while surplus != 0:
        spec = trains[rng.randrange(len(trains))]
        if surplus < 0:
            spec.checkpoints, surplus = spec.checkpoints + 1, surplus + 1
        elif spec.checkpoints > 1:
            spec.checkpoints, surplus = spec.checkpoints - 1, surplus - 1


def choose_hub_consumers(specs: list[RunSpec], count: int | None, rng: random.Random) -> int:
    """Mark which runs use the hub dataset (training and evaluation runs first); return how many."""
    if not any(s.stage == "hub" for s in specs):
        return 0
    preferred = [s for s in specs if s.stage in ("train", "eval")]
    others = [s for s in specs if s.stage in ("upload", "preprocess", "rerun", "split", "deploy")]
    count = len(specs) // 4 if count is None else count
    count = max(0, min(count, len(preferred) + len(others)))
    first = min(count, len(preferred))
    for spec in rng.sample(preferred, first) + rng.sample(others, count - first):
        spec.hub = True
    return count


def plan_project(
    runs: int,
    rng: random.Random,
    versions_per_run: float,
    hub_consumers: int | None,
    wide_level: int | None,
) -> tuple[list[RunSpec], int]:
    """Lay out every run in time order; return the plan and the number of hub consumers."""
    head, tail = special_runs(runs, wide_level)
    specs = head + plan_pipelines(runs - len(head) - len(tail), rng) + tail
    assign_checkpoints(specs, round(runs * versions_per_run), rng)
    return specs, choose_hub_consumers(specs, hub_consumers, rng)


# --- emitting -----------------------------------------------------------------------------


def iso(seconds: int) -> str:
    """Format epoch seconds as an ISO 8601 UTC timestamp."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def pipeline_name(pipeline: int) -> str:
    """Name a pipeline after a domain, numbering repeats."""
    base = DOMAINS[pipeline % len(DOMAINS)]
    return base if pipeline < len(DOMAINS) else f"{base}-{pipeline // len(DOMAINS)}"


def describe(title: str, lines: list[str]) -> str:
    """Write a markdown description: a heading, a paragraph and a list, like people do."""
    bullets = "\n".join(f"- {line}" for line in lines)
    return (
        f"## {title}\n\nProduced by the nightly pipeline; see the "
        f"[runbook](https://example.com/runbooks/{title.split()[0]}) for how to reproduce "
        f"it. Values are computed on the `holdout` slice.\n\n{bullets}\n"
    )


class Emitter:
    """Turn planned runs into manifest dicts, numbering versions as the tool will."""

    def __init__(self, seed: int, rng: random.Random) -> None:
        """Start the clock and the registries empty."""
        self.seed, self.rng = seed, rng
        self.clock = START
        self.step = 60
        self.count = 0
        self.versions: dict[str, dict[str, int]] = {}
        self.pipelines: dict[int, dict] = {}
        self.run_ids: set[str] = set()
        self.externals: set[str] = set()
        self.used_edges = 0
        self.hub: Ver | None = None
        self.wide: Ver | None = None

    # helpers shared by the stages

    def tick(self, seconds: int) -> int:
        """Move the clock forward by at least one second and return it."""
        self.clock += max(1, seconds)
        return self.clock

    def new_id(self) -> str:
        """Return a fresh W&B-style run id."""
        while True:
            run_id = "".join(self.rng.choices(ALPHABET, k=8))
            if run_id not in self.run_ids:
                self.run_ids.add(run_id)
                return run_id

    def state(self, pipeline: int) -> dict:
        """Return the pipeline's running state (latest versions, models, team)."""
        if pipeline not in self.pipelines:
            rng = self.rng
            self.pipelines[pipeline] = {
                "name": pipeline_name(pipeline) if pipeline >= 0 else "shared",
                "arch": rng.choice(ARCHS),
                "per_run_models": rng.random() < 0.5,  # Lightning's `model-<run id>` naming
                "users": [f"user{rng.randrange(200)}" for _ in range(3)],
                "commit": f"{rng.getrandbits(160):040x}",
                "models": [],
                "evaluated": [],
            }
        return self.pipelines[pipeline]

    def begin(self, spec: RunSpec, job_type: str, minutes: int, logged: int) -> dict:
        """Start a run: its manifest skeleton, with the clock at its start."""
        rng, st = self.rng, self.state(spec.pipeline)
        self.count += 1
        start = self.tick(rng.randint(30, 600))
        self.step = max(1, minutes * 60 // (logged + 1))
        run = {
            "id": self.new_id(),
            "name": f"{rng.choice(ADJECTIVES)}-{rng.choice(NOUNS)}-{self.count}",
            "job_type": job_type,
            "project": st["name"],
            "state": "finished",
            "started_at": iso(start),
            "config": {},
            "summary": {},
            "tags": [job_type],
            "git": {"remote": f"git@example.com:ml/{st['name']}.git", "commit": st["commit"]},
            "host": f"gpu-node-{rng.randrange(64):02d}",
            "user": rng.choice(st["users"]),
        }
        run["git"]["dirty"] = rng.random() < 0.1
        return {"manifest_version": 1, "run": run, "used_artifacts": [], "logged_artifacts": []}

    def finish(self, manifest: dict) -> dict:
        """Close a run: its end time now that everything is logged."""
        run = manifest["run"]
        if run["state"] != "running":
            run["finished_at"] = iso(self.tick(self.step))
        self.used_edges += len(manifest["used_artifacts"])
        return manifest

    def files(self, layout: list[tuple[str, int]]) -> list[dict]:
        """Make file entries with made-up but unique content digests."""
        self.count += 1
        files = []
        for path, size in layout:
            key = f"{self.seed}|{self.count}|{path}".encode()
            files.append(
                {"path": path, "size": size, "digest": "sha256:" + hashlib.sha256(key).hexdigest()}
            )
        return files

    def log(self, manifest: dict, name: str, kind: str, files: list[dict], **extra) -> Ver:
        """Log an artifact entry in `manifest`; return the version it names."""
        refs = extra.pop("references", [])
        entries = [(f["path"], f["digest"]) for f in files] + [
            (r["uri"], r["digest"]) for r in refs
        ]
        digest = artifact_digest(entries)
        entry = {"name": name, "type": kind, "digest": digest, "files": files, **extra}
        if refs:
            entry["references"] = refs
        entry["created_at"] = iso(self.tick(self.step))
        if self.rng.random() < 0.1:  # let the collector compute some digests from the files
            del entry["digest"]
        manifest["logged_artifacts"].append(entry)
        versions = self.versions.setdefault(name, {})
        return Ver(name, versions.setdefault(digest, len(versions)), digest, entry)

    def relog(self, manifest: dict, ver: Ver, aliases: list[str]) -> None:
        """Log an existing version again (same digest), moving aliases onto it."""
        entry = {k: ver.entry[k] for k in ("name", "type", "files")}
        entry.update(digest=ver.digest, aliases=aliases, created_at=iso(self.tick(self.step)))
        manifest["logged_artifacts"].append(entry)

    def pin(self, ver: Ver) -> str | dict:
        """Refer to an exact version, in one of the forms the format allows."""
        if self.rng.random() < 0.25:
            return {"name": ver.name, "digest": ver.digest}
        return f"{ver.name}:v{ver.version}"

    def latest(self, ver: Ver) -> str | dict:
        """Refer to a name's latest version (which `ver` is when the run starts)."""
        if self.rng.random() < 0.5:
            return {"name": ver.name, "alias": "latest"}
        return f"{ver.name}:latest"

    def external(self, name: str, ref: str) -> str:
        """Refer to data no run logged (declared external in the config)."""
        self.externals.add(f"{name}:{ref}")
        return f"{name}:{ref}"

    def use_hub(self, manifest: dict, spec: RunSpec) -> None:
        """Add the hub dataset to the run's inputs when the plan says so."""
        if spec.hub and self.hub is not None:
            manifest["used_artifacts"].append(self.pin(self.hub))

    # one method per stage

    def emit_hub(self, spec: RunSpec) -> dict:
        """Upload the hub dataset that thousands of runs use."""
        m = self.begin(spec, "upload", 45, 1)
        layout = [(f"corpus/shard-{i:04d}.jsonl.zst", 512_000_000 + i) for i in range(64)]
        lines = ["64 shards, 2.1 B tokens", "deduplicated with MinHash", "licence: CC-BY-4.0"]
        self.hub = self.log(
            m, HUB, "dataset", self.files(layout), aliases=["golden"],
            description=describe("Shared pretraining corpus", lines),
            metadata={"tokens": 2_100_000_000, "languages": ["en", "de", "fr"]},
        )  # fmt: skip
        return self.finish(m)

    def emit_wide_source(self, spec: RunSpec) -> dict:
        """Upload the artifact that the wide level all uses."""
        m = self.begin(spec, "upload", 10, 1)
        files = self.files([("probe/tasks.jsonl", 4_200_000)])
        self.wide = self.log(m, WIDE, "dataset", files, description="Probe tasks for analysis.")
        return self.finish(m)

    def emit_wide(self, spec: RunSpec) -> dict:
        """Run one analysis over the wide source, logging nothing (one graph level)."""
        m = self.begin(spec, "analysis", 3, 0)
        m["used_artifacts"].append(self.pin(self.wide))
        m["run"]["config"] = {"probe": self.count % 97, "threshold": 0.5}
        return self.finish(m)

    def emit_upload(self, spec: RunSpec) -> dict:
        """Upload a new drop of raw data, sometimes derived from an external source."""
        rng, st = self.rng, self.state(spec.pipeline)
        m = self.begin(spec, "upload", rng.randint(2, 10), 1)
        if rng.random() < 0.3:
            m["used_artifacts"].append(self.external("imagenet", "2012"))
        self.use_hub(m, spec)
        shards = rng.randint(4, 12)
        layout = [(f"raw/part-{i:05d}.parquet", rng.randint(10**6, 10**8)) for i in range(shards)]
        day = iso(self.clock)[:10]
        ref = {"uri": f"s3://ml-raw/{st['name']}/{day}/", "digest": f"etag-{rng.getrandbits(64):x}"}
        ref["size"] = rng.randint(10**8, 10**10)
        lines = [f"{shards} shards", f"exported {day}", "schema v3"]
        st["raw"] = self.log(
            m, f"raw-{st['name']}", "raw_dataset", self.files(layout), references=[ref],
            description=describe(f"{st['name']} raw export", lines),
            metadata={"rows": rng.randint(10**5, 10**7), "export_day": day},
        )  # fmt: skip
        return self.finish(m)

    def emit_preprocess(self, spec: RunSpec) -> dict:
        """Clean the latest raw drop into a new dataset version."""
        rng, st = self.rng, self.state(spec.pipeline)
        m = self.begin(spec, "preprocess", rng.randint(10, 30), 1)
        m["used_artifacts"].append(self.latest(st["raw"]))
        self.use_hub(m, spec)
        m["run"]["config"] = {"dedupe": True, "min_length": rng.choice([8, 16, 32]), "seed": 0}
        layout = [(f"clean/part-{i:05d}.parquet", rng.randint(10**6, 10**8)) for i in range(6)]
        st["clean_files"], st["clean_config"] = self.files(layout), m["run"]["config"]
        st["clean"] = self.log(
            m, f"clean-{st['name']}", "dataset", st["clean_files"],
            description=describe(f"{st['name']} cleaned", ["deduplicated", "normalised text"]),
            metadata={"rows": rng.randint(10**5, 10**7), "dropped": rng.randint(0, 10**4)},
        )  # fmt: skip
        return self.finish(m)

    def emit_rerun(self, spec: RunSpec) -> dict:
        """Re-run the preprocessing on the same input; it reproduces the same digest."""
        st = self.state(spec.pipeline)
        m = self.begin(spec, "preprocess", self.rng.randint(10, 30), 1)
        m["used_artifacts"].append(self.pin(st["raw"]))
        self.use_hub(m, spec)
        m["run"]["config"] = dict(st["clean_config"])
        m["run"]["notes"] = "Re-run to check that preprocessing is **deterministic**."
        m["run"]["tags"].append("rerun")
        self.log(m, f"clean-{st['name']}", "dataset", st["clean_files"])
        return self.finish(m)

    def emit_split(self, spec: RunSpec) -> dict:
        """Split the latest clean dataset into train, validation and test sets."""
        rng, st = self.rng, self.state(spec.pipeline)
        m = self.begin(spec, "split", rng.randint(1, 5), 3)
        m["used_artifacts"].append(self.latest(st["clean"]))
        self.use_hub(m, spec)
        m["run"]["config"] = {"ratios": [0.8, 0.1, 0.1], "stratify": "label", "seed": 13}
        for part, shards in (("train", 4), ("val", 1), ("test", 1)):
            layout = [
                (f"{part}/part-{i:03d}.parquet", rng.randint(10**6, 10**8)) for i in range(shards)
            ]
            st[part] = self.log(
                m, f"{part}-{st['name']}", "dataset", self.files(layout),
                metadata={"rows": rng.randint(10**4, 10**6), "split": part},
            )  # fmt: skip
        st["models"], st["evaluated"] = [], []
        return self.finish(m)

    def train_inputs(self, m: dict, spec: RunSpec, st: dict) -> None:
        """Add a training run's inputs: its splits, maybe another pipeline's, maybe the hub."""
        rng = self.rng
        used = m["used_artifacts"]
        used += [self.latest(st["train"]), self.latest(st["val"])]
        others = [p for p in self.pipelines.values() if p is not st and "train" in p]
        if others and rng.random() < 0.15:  # fan-in across pipelines
            used.append(self.latest(rng.choice(others)["train"]))
        if rng.random() < 0.1:
            used.append(self.external("bert-base", "main"))
        self.use_hub(m, spec)

    def train_config(self, spec: RunSpec, st: dict) -> dict:
        """Return a sweep member's hyperparameters."""
        rng = self.rng
        return {
            "lr": round(10 ** rng.uniform(-5, -2), 7),
            "batch_size": rng.choice([16, 32, 64, 128]),
            "optimizer": rng.choice(["adam", "adamw", "sgd"]),
            "dropout": round(rng.uniform(0, 0.5), 3),
            "arch": st["arch"],
            "epochs": spec.checkpoints,
        }

    def log_checkpoints(self, m: dict, spec: RunSpec, st: dict) -> Ver:
        """Log one model version per epoch, one of them `best`; return the last."""
        rng = self.rng
        name = f"model-{m['run']['id']}" if st["per_run_models"] else f"model-{st['name']}"
        best = rng.randrange(spec.checkpoints)
        for epoch in range(spec.checkpoints):
            layout = [("model.safetensors", rng.randint(10**7, 10**9)), ("config.json", 900)]
            ver = self.log(
                m, name, "model", self.files(layout), aliases=["best"] if epoch == best else [],
                metadata={"epoch": epoch, "val_loss": round(rng.uniform(0.1, 2.0), 4)},
            )  # fmt: skip
        return ver

    def emit_train(self, spec: RunSpec) -> dict:
        """Train one sweep member, logging a checkpoint per epoch."""
        rng, st = self.rng, self.state(spec.pipeline)
        m = self.begin(spec, "train", rng.randint(20, 120), spec.checkpoints)
        run = m["run"]
        self.train_inputs(m, spec, st)
        run["config"] = self.train_config(spec, st)
        run["sweep"] = {"id": f"{st['name']}-r{spec.round}-s{spec.sweep}", "method": "bayes"}
        run["tags"] += ["sweep", st["arch"]]
        run["state"] = rng.choices(["finished", "crashed", "failed"], [93, 4, 3])[0]
        st["models"].append(self.log_checkpoints(m, spec, st))
        run["summary"] = {"loss": round(rng.uniform(0.05, 1.5), 4), "epoch": spec.checkpoints}
        run["summary"]["val_accuracy"] = round(rng.uniform(0.6, 0.99), 4)
        return self.finish(m)

    def emit_eval(self, spec: RunSpec) -> dict:
        """Evaluate one model (or an ensemble of three) on the test set."""
        rng, st = self.rng, self.state(spec.pipeline)
        m = self.begin(spec, "eval", rng.randint(5, 20), 1)
        models = st["models"] or [st["clean"]]
        picked = rng.sample(models, min(len(models), 3 if rng.random() < 0.2 else 1))
        m["used_artifacts"] += [self.pin(v) for v in picked] + [self.latest(st["test"])]
        self.use_hub(m, spec)
        score = round(rng.uniform(0.6, 0.99), 4)
        st["evaluated"].append((score, picked[0]))
        m["run"]["config"] = {"metric": "accuracy", "ensemble": len(picked)}
        m["run"]["summary"] = {"accuracy": score, "f1": round(score - 0.03, 4)}
        files = self.files(
            [("metrics.json", 2_000), ("predictions.parquet", rng.randint(10**5, 10**7))]
        )
        st["eval"] = self.log(
            m, f"eval-{st['name']}", "evaluation", files,
            description=describe("Evaluation report", [f"accuracy {score}", "test split"]),
            metadata={"accuracy": score, "confusion": [[50, 3], [4, 43]]},
        )  # fmt: skip
        return self.finish(m)

    def emit_deploy(self, spec: RunSpec) -> dict:
        """Deploy the best evaluated model: re-log it as `production`, log the service."""
        rng, st = self.rng, self.state(spec.pipeline)
        m = self.begin(spec, "deploy", rng.randint(2, 5), 2)
        if st["evaluated"]:
            _, best = max(st["evaluated"], key=lambda pair: pair[0])
            m["used_artifacts"] += [self.pin(best), self.latest(st["eval"])]
            if best.name.startswith("model-"):
                self.relog(m, best, ["production"])
        files = self.files([("deployment.yaml", 1_200)])
        self.log(
            m, f"service-{st['name']}", "deployment", files,
            aliases=["production", f"release-{spec.round}"],
            description=describe("Deployment", [f"release {spec.round}", "canary 10%"]),
        )  # fmt: skip
        return self.finish(m)


# --- writing ------------------------------------------------------------------------------


def prepare(out: Path) -> None:
    """Make `out` ready: create it, or clear a folder this generator made before."""
    if (out / MARKER).exists():
        shutil.rmtree(out / "manifests", ignore_errors=True)
    elif out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty and was not made by benchmarks.generate")
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("delete me freely\n")


def write_config(out: Path, runs: int, seed: int, counts: dict) -> None:
    """Write the project's lineage-report.toml and README.md."""
    patterns = ", ".join(f'"{p}"' for p in EXTERNALS)
    (out / "lineage-report.toml").write_text(
        f'title = "Benchmark project ({runs} runs, seed {seed})"\n'
        'readme = "README.md"\n'
        'manifests = ["manifests/**/*.json"]\n'
        f"external = [{patterns}]\n"
    )
    (out / "README.md").write_text(
        "# Generated benchmark project\n\n"
        f"Made by `python -m benchmarks.generate` with seed {seed}: "
        f"{counts['runs']} runs, {counts['artifact_versions']} artifact versions of "
        f"{counts['artifact_names']} artifacts. The data is made up.\n"
    )


def generate(
    out: Path,
    runs: int,
    *,
    seed: int = 0,
    versions_per_run: float = 5.0,
    hub_consumers: int | None = None,
    wide_level: int | None = None,
) -> dict:
    """Write a project of `runs` manifests (plus its config) into `out`; return its counts."""
    if runs < 1:
        raise ValueError("runs must be at least 1")
    out = Path(out)
    rng = random.Random(seed)
    specs, hub_count = plan_project(runs, rng, versions_per_run, hub_consumers, wide_level)
    prepare(out)
    emitter = Emitter(seed, rng)
    made: set[str] = set()
    written = 0
    for spec in specs:
        manifest = getattr(emitter, "emit_" + spec.stage.replace("-", "_"))(spec)
        folder = out / "manifests" / emitter.state(spec.pipeline)["name"]
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        data = dump_json(manifest)
        written += len(data)
        with open(os.path.join(folder, manifest["run"]["id"] + ".json"), "wb") as f:
            f.write(data)
    versions = sum(len(v) for v in emitter.versions.values())
    counts = {
        "runs": len(specs),
        "artifact_versions": versions,
        "artifact_names": len(emitter.versions),
        "external_refs": len(emitter.externals),
        "nodes": len(specs) + versions + len(emitter.externals),
        "used_edges": emitter.used_edges,
        "hub": f"{HUB}:v0" if emitter.hub else None,
        "hub_consumers": hub_count,
        "wide_level": wide_level or 0,
        "manifest_bytes": written,
    }
    write_config(out, runs, seed, counts)
    return counts


def main(argv: list[str] | None = None) -> None:
    """Command line: generate a project and print its counts and the time taken."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__)
    parser.add_argument("out", type=Path, help="folder to write (created; regenerated if ours)")
    parser.add_argument("--runs", type=int, required=True, help="number of runs (manifests)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--versions-per-run", type=float, default=5.0)
    parser.add_argument("--hub-consumers", type=int, default=None, help="default: runs / 4")
    parser.add_argument("--wide-level", type=int, default=None, help="runs using one artifact")
    args = parser.parse_args(argv)
    started, cpu = time.perf_counter(), time.process_time()
    counts = generate(
        args.out, args.runs, seed=args.seed, versions_per_run=args.versions_per_run,
        hub_consumers=args.hub_consumers, wide_level=args.wide_level,
    )  # fmt: skip
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    rate = counts["runs"] / seconds
    print(f"generated in {seconds:.2f} s wall, {cpu:.2f} s CPU ({rate:,.0f} manifests/s)")


if __name__ == "__main__":
    main()
