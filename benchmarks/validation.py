"""Compare msgspec and pydantic v2 at decoding and validating lineage manifests.

lineage-report decodes a manifest with msgspec in two steps: `Decoder().decode(raw)` gives
the plain dict (it needs it to keep unknown keys and to fingerprint the run), then
`msgspec.convert(data, Manifest)` validates it. This measures that path, and the other ways
each library offers, on the manifests of a generated project (20,000 runs by default), with
an equivalent pydantic model written here: pydantic is not a dependency of lineage-report,
so this benchmark needs it installed. Then it prints what each library says about five
broken inputs (and one with three mistakes), beside the message lineage-report shows.

Usage: `python -m benchmarks.validation [--runs 20000] [--repeat 5] [--project DIR]`
(`--project` reuses a project made by `python -m benchmarks.generate`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from lineage_report.manifest import DecodeFailure, Manifest, check_manifest, parse_json

try:
    import pydantic
    import pydantic_core
    from pydantic import BaseModel, ConfigDict, Field, StringConstraints
except ImportError:  # pragma: no cover - depends on the environment
    sys.exit("this benchmark needs pydantic v2: pip install 'pydantic>=2'")

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_project" / "runs" / "train-dainty-forest-19.json"

# --- The pydantic model: the same fields, defaults and strictness as lineage_report.manifest.
# strict=True matches msgspec (no "5" -> 5, no 1.0 -> 1, no true -> 1). Timestamps stay lax
# because strict pydantic refuses strings for datetime when validating a dict; lax pydantic
# also takes Unix numbers and bare dates there, which msgspec refuses.

PName = Annotated[str, StringConstraints(min_length=1)]
PMoment = Annotated[datetime | None, Field(strict=False)]


class Strict(BaseModel):
    """Base of the pydantic models: strict types, unknown keys ignored (like msgspec)."""

    model_config = ConfigDict(strict=True, extra="ignore")


class PGitInfo(Strict):
    """Where the run's code came from."""

    remote: str | None = None
    commit: str | None = None
    dirty: bool | None = None


class PRunInfo(Strict):
    """The run that wrote the manifest."""

    id: PName
    name: str | None = None
    job_type: PName = "run"
    project: str | None = None
    state: Literal["finished", "failed", "crashed", "running"] = "finished"
    started_at: PMoment = None
    finished_at: PMoment = None
    config: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    tags: list[str] = []
    notes: str = ""
    git: PGitInfo | None = None
    host: str | None = None
    user: str | None = None


class PUsedRef(Strict):
    """A used artifact given as an object."""

    name: PName
    version: str | int | None = None
    alias: str | None = None
    digest: str | None = None
    type: str | None = None
    external: bool = False


class PFileEntry(Strict):
    """One file of a logged artifact."""

    path: str
    size: int | None = None
    digest: str | None = None


class PReference(Strict):
    """A file the artifact points to."""

    uri: str
    digest: str | None = None
    size: int | None = None
    name: str | None = None


class PLoggedArtifact(Strict):
    """An artifact version the run logged."""

    name: PName
    type: PName
    digest: str | None = None
    version: str | int | None = None
    aliases: list[str] = []
    description: str = ""
    metadata: dict[str, Any] = {}
    files: list[PFileEntry] | str = []
    references: list[PReference] = []
    created_at: PMoment = None


class PManifest(Strict):
    """One run's lineage manifest (format v1)."""

    manifest_version: int
    run: PRunInfo
    used_artifacts: list[str | PUsedRef] = []
    logged_artifacts: list[PLoggedArtifact] = []


# --- The ways to decode and validate one manifest.

_DECODER = msgspec.json.Decoder()
_TYPED = msgspec.json.Decoder(Manifest)


def msgspec_two_step(raw: bytes) -> Any:
    """Decode, then convert: what lineage-report does."""
    return msgspec.convert(_DECODER.decode(raw), Manifest)


def msgspec_typed(raw: bytes) -> Any:
    """Decode straight into the model (no dict kept)."""
    return _TYPED.decode(raw)


def lineage_report_reader(raw: bytes) -> Any:
    """The whole reader: UTF-8 and BOM checks, version check, decode, convert."""
    return check_manifest("m.json", parse_json("m.json", raw))


def pydantic_two_step(raw: bytes) -> Any:
    """Decode with pydantic-core, then validate the dict (the path that keeps a dict)."""
    return PManifest.model_validate(pydantic_core.from_json(raw))


def pydantic_json(raw: bytes) -> Any:
    """Decode and validate in one call: pydantic's fastest path."""
    return PManifest.model_validate_json(raw)


WAYS: list[tuple[str, Callable[[bytes], Any]]] = [
    ("msgspec: `Decoder().decode` + `convert` (lineage-report)", msgspec_two_step),
    ("msgspec: typed `Decoder(Manifest).decode`", msgspec_typed),
    ("lineage-report reader: `parse_json` + `check_manifest`", lineage_report_reader),
    ("pydantic: `from_json` + `model_validate`", pydantic_two_step),
    ("pydantic: `model_validate_json`", pydantic_json),
]


# --- Input.


def load_manifests(project: Path) -> list[bytes]:
    """Read every manifest of a generated project, in path order."""
    return [p.read_bytes() for p in sorted((project / "manifests").rglob("*.json"))]


def simple_manifests(count: int) -> list[bytes]:
    """Make `count` manifests from the sample one, each with its own run id and digests."""
    raw = SAMPLE.read_bytes()
    out = []
    for i in range(count):
        doc = json.loads(raw)
        doc["run"]["id"] = f"run{i:06d}"
        doc["logged_artifacts"][0]["digest"] = f"sha256:{i:064x}"
        out.append(json.dumps(doc, indent=2).encode())
    return out


def manifests_for(args: argparse.Namespace) -> list[bytes]:
    """Return the benchmark's manifests: from --project, else generated, else simple ones."""
    if args.project:
        return load_manifests(args.project)
    try:
        from benchmarks.generate import generate
    except ImportError:
        return simple_manifests(args.runs)
    with tempfile.TemporaryDirectory(prefix="validation-bench-") as tmp:
        generate(Path(tmp) / "project", runs=args.runs)
        return load_manifests(Path(tmp) / "project")


# --- Speed.


def time_pass(way: Callable[[bytes], Any], manifests: list[bytes]) -> tuple[float, float, int]:
    """Run one way over every manifest; return CPU and wall seconds, and how many it refused."""
    refused = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for raw in manifests:
        try:
            way(raw)
        except Exception:  # counted, not raised: a refusal here is a finding, not a crash
            refused += 1
    return time.process_time() - cpu, time.perf_counter() - wall, refused


def measure(manifests: list[bytes], repeat: int) -> dict[str, list[tuple[float, float]]]:
    """Time every way `repeat` times, interleaved so each sees the same machine load."""
    times: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in WAYS}
    for _ in range(repeat):
        for label, way in WAYS:
            cpu, wall, refused = time_pass(way, manifests)
            if refused:
                print(f"warning: {label} refused {refused} of {len(manifests)} manifests")
            times[label].append((cpu, wall))
    return times


def speed_table(times: dict[str, list[tuple[float, float]]], count: int, size: int) -> str:
    """Format the timings as a markdown table, fastest first; rates come from CPU time."""
    # CPU time, not wall time: on a shared machine the wall clock also counts other jobs.
    rows = [
        "| path | CPU s (best) | CPU s (median) | wall s (best) | manifests/s | MB/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, runs in sorted(times.items(), key=lambda item: min(item[1])):
        best = min(cpu for cpu, _ in runs)
        median = statistics.median(cpu for cpu, _ in runs)
        wall = min(w for _, w in runs)
        rows.append(
            f"| {label} | {best:.3f} | {median:.3f} | {wall:.3f} | "
            f"{count / best:,.0f} | {size / best / 1e6:.1f} |"
        )
    return "\n".join(rows)


# --- Error messages.


def wrong_type_deep(doc: dict) -> dict:
    """Give the second file of the first logged artifact a size in words."""
    files = doc["logged_artifacts"][0]["files"]
    files[min(1, len(files) - 1)]["size"] = "311 B"
    return doc


def missing_field(doc: dict) -> dict:
    """Leave out the first logged artifact's type."""
    del doc["logged_artifacts"][0]["type"]
    return doc


def bad_timestamp(doc: dict) -> dict:
    """Write the start time the way a spreadsheet would."""
    doc["run"]["started_at"] = "10/11/2026 10:49"
    return doc


def not_an_object(doc: dict) -> list:
    """Wrap the manifest in an array."""
    return [doc]


def three_mistakes(doc: dict) -> dict:
    """Make three unrelated mistakes, to see which library reports them all."""
    del doc["run"]["id"]
    doc["run"]["state"] = "done"
    doc["logged_artifacts"][0]["files"][0]["size"] = "big"
    return doc


BROKEN: list[tuple[str, Callable[[dict], Any]]] = [
    ('wrong type deep inside (`files[1].size` is `"311 B"`)', wrong_type_deep),
    ("missing field (`logged_artifacts[0].type`)", missing_field),
    ('bad timestamp (`started_at` is `"10/11/2026 10:49"`)', bad_timestamp),
    ("not an object (the manifest inside an array)", not_an_object),
]


def broken_inputs(base: bytes) -> list[tuple[str, bytes]]:
    """Return the five broken inputs, and one with three mistakes, made from one good manifest."""
    edited = [
        (label, json.dumps(edit(json.loads(base)), indent=2).encode()) for label, edit in BROKEN
    ]
    truncated = ("truncated JSON (the first half of the file)", base[: len(base) // 2])
    several = json.dumps(three_mistakes(json.loads(base)), indent=2).encode()
    label = 'extra: three mistakes (no `run.id`, `state` is `"done"`, a size is `"big"`)'
    return [*edited, truncated, (label, several)]


def msgspec_message(raw: bytes) -> str:
    """Return msgspec's own message for an input, as lineage-report calls it."""
    try:
        msgspec_two_step(raw)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return "(accepted)"


def pydantic_message(raw: bytes) -> str:
    """Return pydantic's message for an input (one-call path), without its doc-link lines."""
    try:
        pydantic_json(raw)
    except pydantic.ValidationError as exc:
        lines = str(exc).splitlines()
        return "\n".join(line for line in lines if "errors.pydantic.dev" not in line)
    return "(accepted)"


def reader_message(raw: bytes) -> str:
    """Return the line lineage-report prints for an input."""
    try:
        lineage_report_reader(raw)
    except DecodeFailure as exc:
        return str(exc.problem)
    return "(accepted)"


def print_messages(base: bytes) -> None:
    """Print each library's message for each broken input."""
    for label, raw in broken_inputs(base):
        print(f"\n### {label}\n")
        for who, message in (
            ("msgspec", msgspec_message(raw)),
            ("pydantic", pydantic_message(raw)),
            ("lineage-report prints", reader_message(raw)),
        ):
            print(f"{who}:\n```\n{message}\n```")


# --- Main.


def machine() -> str:
    """Describe the machine and library versions in one line."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"Python {platform.python_version()}, msgspec {msgspec.__version__}, "
        f"pydantic {pydantic.VERSION} (pydantic-core {pydantic_core.__version__}), "
        f"{os.cpu_count()} CPUs, load average {load}"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.validation", description=__doc__)
    parser.add_argument("--runs", type=int, default=20_000, help="manifests to generate")
    parser.add_argument("--repeat", type=int, default=5, help="passes per path; best is kept")
    parser.add_argument("--project", type=Path, help="a generated project to read instead")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Measure speed on the generated manifests, then show the messages for broken ones."""
    args = parse_args(argv)
    manifests = manifests_for(args)
    size = sum(map(len, manifests))
    print(f"{len(manifests):,} manifests, {size / 1e6:.1f} MB; {machine()}\n")
    times = measure(manifests, args.repeat)
    print(speed_table(times, len(manifests), size))
    print(f"\n(best and median of {args.repeat} interleaved passes; {machine()})")
    print_messages(SAMPLE.read_bytes() if SAMPLE.is_file() else manifests[0])


if __name__ == "__main__":
    main()
