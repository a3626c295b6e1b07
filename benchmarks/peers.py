"""Time lineage-report against dbt docs and Kedro-Viz on one generated DAG (issue 15).

One command installs the peers into a venv of their own (benchmarks/out/peers/venv, pinned
versions), writes a real dbt project of N models (SQL with `{{ ref() }}`, a few sources, a
duckdb profile in the project folder) and a Kedro project whose pipeline has the same DAG
(one node per model, one dataset per model output), then times, interleaved and
`--repeat` times each: `dbt docs generate --static` (no warehouse: `--no-compile
--empty-catalog`), `kedro viz build`, and `lineage-report build` of the dbt project's
target/. It prints a markdown table and writes the section "Peers (issue 15)" of
benchmarks/RESULTS.md.

Usage: `python -m benchmarks.peers [--models 10000] [--seed 1] [--repeat 3] [--out DIR]`.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import results
from benchmarks.run import TreeSampler, machine, markdown_table, settle_disk

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SECTION = "## Peers (issue 15)"
RUN_RESULTS = Path("target", "run_results.json")

# dbt-core 1.12 needs a parser wheel it downloads from GitHub at install time (not from
# PyPI), so it cannot be installed from the registry alone: 1.11 is the newest that can.
PINS = {"dbt-core": "1.11.16", "dbt-duckdb": "1.11.1", "kedro": "1.7.0", "kedro-viz": "12.5.0"}
SOURCES = 5  # raw tables, read by the first models
FROM_SOURCES = 10  # models 0..9 read a source
WORDS = ["order", "customer", "payment", "amount", "status", "date", "total", "first", "last"]
# no telemetry, no version checks: the peers are timed, not the network
QUIET_ENV = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DBT_VERSION_CHECK": "false",
    "KEDRO_DISABLE_TELEMETRY": "true",
}


class BenchmarkError(Exception):
    """A step failed; the message names the command and the end of its output."""


# --- the peers' venv ------------------------------------------------------------------------


def venv_bin(out: Path) -> Path:
    """Return the bin folder of the peers' venv."""
    return out / "venv" / "bin"


def installed_versions(bin_dir: Path) -> dict[str, str]:
    """Return the installed version of each pinned package ('' when missing)."""
    code = (
        "import json, importlib.metadata as m\n"
        "def v(n):\n"
        "    try: return m.version(n)\n"
        "    except m.PackageNotFoundError: return ''\n"
        f"print(json.dumps({{n: v(n) for n in {sorted(PINS)!r}}}))"
    )
    done = subprocess.run([bin_dir / "python", "-c", code], capture_output=True, text=True)
    return json.loads(done.stdout) if done.returncode == 0 else dict.fromkeys(PINS, "")


def ensure_venv(out: Path) -> dict[str, str]:
    """Create the peers' venv and install the pinned versions unless they are there."""
    bin_dir = venv_bin(out)
    if not (bin_dir / "python").exists():
        say(f"creating {bin_dir.parent}")
        subprocess.run([sys.executable, "-m", "venv", bin_dir.parent], check=True)
    versions = installed_versions(bin_dir)
    if versions != PINS:
        wanted = [f"{name}=={version}" for name, version in PINS.items()]
        say("installing " + " ".join(wanted))
        run_checked([bin_dir / "pip", "install", "-q", *wanted], out, out / "pip.log")
        versions = installed_versions(bin_dir)
    return versions


# --- the DAG, the dbt project and the Kedro project ------------------------------------------


@dataclass
class Model:
    """One model of the generated DAG: its parents (indices) and the source it reads, if any."""

    index: int
    parents: list[int]
    source: int | None
    description: str

    @property
    def name(self) -> str:
        """Return the model's name, the same in dbt and Kedro."""
        return f"model_{self.index:05d}"


def dag(models: int, seed: int) -> list[Model]:
    """Return a DAG shaped like benchmarks/generate_dbt.py's: each model reads up to two
    earlier ones; the first few read a raw source."""
    rng = random.Random(seed)
    out = []
    for i in range(models):
        parents = sorted({rng.randrange(i) for _ in range(2)}) if i else []
        source = i % SOURCES if i < FROM_SOURCES else None
        words = " ".join(rng.choice(WORDS) for _ in range(15))
        out.append(Model(i, parents, source, f"A generated model. {words}"))
    return out


def write(path: Path, text: str) -> None:
    """Write one file, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def dbt_sql(model: Model) -> str:
    """Return a model's SQL: six columns from its parents and its source."""
    tables = ["{{ ref('" + f"model_{p:05d}" + "') }}" for p in model.parents]
    if model.source is not None:
        tables.append("{{ source('raw', 'table_" + str(model.source) + "') }}")
    joined = f"{tables[0]} as t0" + "".join(
        f"\njoin {t} as t{k} using (col_0)" for k, t in enumerate(tables[1:], 1)
    )
    columns = ",\n".join(f"    t0.col_{k}" for k in range(6))
    return f"select\n{columns}\nfrom {joined}\n"


def dbt_schema(models: list[Model], seed: int) -> str:
    """Return schema.yml: each model's description, six documented columns, two tests."""
    rng = random.Random(seed + 1)
    lines = ["version: 2", "models:"]
    for model in models:
        lines += [f"  - name: {model.name}", f'    description: "{model.description}"']
        lines.append("    columns:")
        for k in range(6):
            words = " ".join(rng.choice(WORDS) for _ in range(8))
            lines += [f"      - name: col_{k}", f'        description: "Column {k}: {words}"']
            lines.append(f"        data_type: {rng.choice(['integer', 'text', 'timestamp'])}")
            if k == 0:
                lines += ["        data_tests: [unique, not_null]"]
    return "\n".join(lines) + "\n"


def write_dbt_project(folder: Path, models: list[Model], seed: int) -> None:
    """Write a dbt project of these models with a duckdb profile beside it."""
    write(
        folder / "dbt_project.yml",
        'name: big\nversion: "1.0.0"\nconfig-version: 2\nprofile: big\n'
        'model-paths: ["models"]\nmodels:\n  big:\n    +materialized: table\n'
        "flags:\n  send_anonymous_usage_stats: false\n  partial_parse: true\n",
    )
    write(
        folder / "profiles.yml",
        "big:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        "      path: big.duckdb\n      threads: 1\n",
    )
    tables = "".join(f"      - name: table_{k}\n" for k in range(SOURCES))
    write(
        folder / "models" / "sources.yml",
        f"version: 2\nsources:\n  - name: raw\n    schema: raw\n    tables:\n{tables}",
    )
    for model in models:
        write(folder / "models" / "marts" / f"{model.name}.sql", dbt_sql(model))
    write(folder / "models" / "marts" / "schema.yml", dbt_schema(models, seed))
    # lineage-report reads the manifest (and the run_results beside it) and nothing else
    write(
        folder / "lineage-report.toml",
        'title = "dbt peers benchmark"\nmanifests = []\n\n'
        '[[sources]]\npath = "target/manifest.json"\nformat = "dbt"\n',
    )


def kedro_inputs(model: Model) -> list[str]:
    """Return a model's input datasets in Kedro: its parents' outputs and its source."""
    names = [f"model_{p:05d}" for p in model.parents]
    return names + ([f"raw_table_{model.source}"] if model.source is not None else [])


def kedro_function(model: Model) -> str:
    """Return the node function of one model, documented like the dbt model."""
    inputs = kedro_inputs(model)
    return (
        f"def {model.name}({', '.join(inputs)}):\n"
        f'    """{model.description}"""\n'
        f"    return {inputs[0]}\n\n\n"
    )


def kedro_pipeline(models: list[Model]) -> str:
    """Return pipeline_registry.py: one node per model, one dataset per model's output."""
    nodes = "".join(
        f"            node(nodes.{m.name}, {kedro_inputs(m)!r}, {m.name!r}, name={m.name!r}),\n"
        for m in models
    )
    return (
        '"""The generated pipeline: one node per dbt model."""\n\n'
        "from kedro.pipeline import Pipeline, node\n\n"
        "from big import nodes\n\n\n"
        "def register_pipelines():\n"
        '    """Return the one pipeline, as __default__."""\n'
        "    pipeline = Pipeline(\n        [\n"
        f"{nodes}"
        "        ]\n    )\n"
        '    return {"__default__": pipeline, "big": pipeline}\n'
    )


def write_kedro_project(folder: Path, models: list[Model]) -> None:
    """Write a minimal Kedro project (no `kedro new`) whose pipeline has the models' DAG."""
    write(
        folder / "pyproject.toml",
        '[project]\nname = "big"\nversion = "0.1"\n\n'
        f'[tool.kedro]\npackage_name = "big"\nproject_name = "big"\n'
        f'kedro_init_version = "{PINS["kedro"]}"\nsource_dir = "src"\n',
    )
    write(folder / "conf" / "base" / "catalog.yml", "{}\n")
    write(folder / "conf" / "base" / "parameters.yml", "{}\n")
    write(folder / "conf" / "local" / "credentials.yml", "{}\n")
    package = folder / "src" / "big"
    write(package / "__init__.py", '"""The generated Kedro project."""\n')
    write(package / "settings.py", '"""Kedro settings: the defaults."""\n')
    write(package / "pipeline_registry.py", kedro_pipeline(models))
    functions = "".join(kedro_function(m) for m in models)
    write(package / "nodes.py", '"""One function per model."""\n\n\n' + functions)


# --- running and measuring ------------------------------------------------------------------


@dataclass
class Trial:
    """One timed command: wall and CPU seconds, peak memory, and its output."""

    wall: float
    cpu: float
    max_rss_mb: float
    tree_pss_mb: float
    output_mb: float
    files: int


def run_checked(command: list, cwd: Path, log_file: Path) -> tuple[float, float, float, float]:
    """Run a command with its output in `log_file`; return wall s, CPU s, peak RSS MB and
    peak tree PSS MB; raise BenchmarkError with the end of the log if it fails."""
    env = {**os.environ, **QUIET_ENV, "PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    with open(log_file, "wb") as log:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        with TreeSampler(proc.pid) as sampler:
            _, status, usage = os.wait4(proc.pid, 0)  # CPU includes the workers it waited for
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        tail = log_file.read_text(errors="replace")[-3000:]
        shown = " ".join(str(c) for c in command)
        raise BenchmarkError(f"exit {code}: {shown}\n(in {cwd}; {log_file}):\n{tail}")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, sampler.peak_kib / 1024


def output_size(path: Path) -> tuple[float, int]:
    """Return the MB (10^6 bytes) and the number of files of a file or folder."""
    if path.is_file():
        return path.stat().st_size / 1e6, 1
    total, count = 0, 0
    for folder, _, names in os.walk(path):
        for name in names:
            total += os.path.getsize(os.path.join(folder, name))
            count += 1
    return total / 1e6, count


@dataclass
class Tool:
    """A peer: how to run it, where, what it writes, and what to clear before each run."""

    name: str
    command: list
    cwd: Path
    output: Path
    clear: Path

    def trial(self, logs: Path, k: int) -> Trial:
        """Run the tool once from a clean output folder; measure it and its output."""
        if self.clear.is_dir():
            shutil.rmtree(self.clear)
        self.clear.unlink(missing_ok=True)
        settle_disk()
        log = logs / f"{self.name.split()[0]}-{k}.log"
        wall, cpu, rss, pss = run_checked(self.command, self.cwd, log)
        if not self.output.exists():
            raise BenchmarkError(f"{self.name} wrote no {self.output} (log: {log})")
        mb, files = output_size(self.output)
        return Trial(wall, cpu, rss, pss, mb, files)


def tools(out: Path, dbt_dir: Path, kedro_dir: Path) -> list[Tool]:
    """Return the three tools, each reading the same DAG."""
    bin_dir = venv_bin(out)
    site = out / "site"
    dbt = [bin_dir / "dbt", "docs", "generate", "--static", "--no-compile", "--empty-catalog"]
    return [
        Tool("dbt docs generate --static", [*dbt, "--profiles-dir", "."], dbt_dir,
             dbt_dir / "target" / "static_index.html", dbt_dir / "target" / "static_index.html"),
        Tool("kedro viz build", [bin_dir / "kedro", "viz", "build"], kedro_dir,
             kedro_dir / "build", kedro_dir / "build"),
        Tool("lineage-report build",
             [sys.executable, "-m", "lineage_report", "build", dbt_dir, "-o", site, "--quiet"],
             REPO, site, site),
    ]  # fmt: skip


# --- the report ------------------------------------------------------------------------------

COLUMNS = (
    "tool",
    "wall s (median)",
    "wall s range",
    "CPU s",
    "peak RSS MB",
    "tree PSS MB",
    "output MB",
    "files",
)


def median_trial(trials: list[Trial]) -> Trial:
    """Return the trial with the median wall time."""
    return sorted(trials, key=lambda t: t.wall)[len(trials) // 2]


def row(name: str, trials: list[Trial]) -> list[str]:
    """Return a tool's table row from its trials (the median one, and the wall range)."""
    mid = median_trial(trials)
    walls = [t.wall for t in trials]
    return [
        name,
        f"{mid.wall:.1f}",
        f"{min(walls):.1f}–{max(walls):.1f}",
        f"{mid.cpu:.1f}",
        f"{mid.max_rss_mb:.0f}",
        f"{mid.tree_pss_mb:.0f}",
        f"{mid.output_mb:.1f}",
        f"{mid.files:,}",
    ]


def ratios(measured: dict[str, list[Trial]]) -> list[str]:
    """Return the lines comparing lineage-report with each peer: median time, size."""
    ours = median_trial(measured["lineage-report build"])
    lines = []
    for name, trials in measured.items():
        if name != "lineage-report build":
            peer = median_trial(trials)
            lines.append(
                f"- lineage-report / {name.split(' --')[0]}: time {ours.wall / peer.wall:.2f}×, "
                f"size {ours.output_mb / peer.output_mb:.1f}×"
            )
    return lines


def notes(
    models: int, versions: dict[str, str], parse_s: float, info: dict, run_results: bool
) -> list[str]:
    """Return the section's preamble: what was run, on what."""
    read = "and `run_results.json`" if run_results else "alone: dbt wrote no `run_results.json`"
    pins = ", ".join(f"{name} {version}" for name, version in sorted(versions.items()))
    return [
        "Written by `python -m benchmarks.peers`: the same generated DAG as a dbt project "
        "and as a Kedro project (benchmarks/peers.py); each tool run from a clean output "
        "folder, the three interleaved. Targets: build no slower than `kedro viz build`, "
        "site no more than 5× Kedro-Viz's output.",
        "",
        f"- {info['cpus']}× {info['model']}, {info['system']}, Python {info['python']}",
        f"- {info['date']}, commit {info['commit']}, load average at start {info['load']}",
        f"- {models:,} models ({2 * models:,} tests, {SOURCES} sources); peers: {pins}",
        f"- `dbt parse` of the fresh project (not in the table; docs generate then reuses "
        f"its partial parse): {parse_s:.1f} s",
        "- dbt: `dbt docs generate --static --no-compile --empty-catalog`, output "
        "`target/static_index.html`; Kedro-Viz: `kedro viz build`, output `build/`; "
        "lineage-report: `python -m lineage_report build <dbt project> -o site --quiet` "
        f"(reads `target/manifest.json` {read}), its modules compiled beforehand as pip "
        "compiles an installed package's (the peers' venv is pip's)",
    ]


def say(message: str) -> None:
    """Print progress to stderr."""
    print(f"[peers] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.peers", description=__doc__)
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "peers")
    parser.add_argument("--no-results", action="store_true", help="do not write RESULTS.md")
    return parser.parse_args(argv)


def prepare(args: argparse.Namespace) -> tuple[Path, Path, float]:
    """Generate both projects afresh and parse the dbt one; return their folders and the
    parse time."""
    dbt_dir, kedro_dir = args.out / f"dbt-{args.models}", args.out / f"kedro-{args.models}"
    for folder in (dbt_dir, kedro_dir):
        shutil.rmtree(folder, ignore_errors=True)
    models = dag(args.models, args.seed)
    say(f"writing {dbt_dir} and {kedro_dir}")
    write_dbt_project(dbt_dir, models, args.seed)
    write_kedro_project(kedro_dir, models)
    compile_package()
    settle_disk()
    say("dbt parse")
    parse = [venv_bin(args.out) / "dbt", "parse", "--profiles-dir", "."]
    parse_s = run_checked(parse, dbt_dir, args.out / "dbt-parse.log")[0]
    return dbt_dir, kedro_dir, parse_s


def compile_package() -> None:
    """Compile lineage-report's modules beforehand, as pip does when it installs a package.

    The peers run from a venv pip compiled. lineage-report runs from this checkout, where
    an environment with PYTHONDONTWRITEBYTECODE (as on the benchmark machines) would
    otherwise compile each of its modules again on every run: 0.26 s a build, measured.
    """
    if not compileall.compile_dir(REPO / "lineage_report", quiet=1):
        raise BenchmarkError("compileall could not compile lineage_report/")


def measure(args: argparse.Namespace, dbt_dir: Path, kedro_dir: Path) -> dict[str, list[Trial]]:
    """Run every tool `--repeat` times, interleaved; return the trials per tool."""
    measured: dict[str, list[Trial]] = {}
    for k in range(args.repeat):
        for tool in tools(args.out, dbt_dir, kedro_dir):
            say(f"{tool.name} ({k + 1}/{args.repeat})")
            trial = tool.trial(args.out, k)
            say(f"  {trial.wall:.1f} s, {trial.output_mb:.1f} MB in {trial.files:,} files")
            measured.setdefault(tool.name, []).append(trial)
    return measured


def main(argv: list[str] | None = None) -> int:
    """Install the peers, generate the projects, measure, print and record the table."""
    args = parse_args(argv)
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    info = machine()
    try:
        versions = ensure_venv(args.out)
        say("peers: " + ", ".join(f"{n} {v}" for n, v in sorted(versions.items())))
        dbt_dir, kedro_dir, parse_s = prepare(args)
        measured = measure(args, dbt_dir, kedro_dir)
    except (BenchmarkError, subprocess.CalledProcessError) as exc:
        print(f"benchmarks.peers: {exc}", file=sys.stderr)
        return 1
    rows = [row(name, trials) for name, trials in measured.items()]
    body = "\n".join(
        [
            *notes(args.models, versions, parse_s, info, (dbt_dir / RUN_RESULTS).exists()),
            "",
            markdown_table(COLUMNS, rows),
            "",
        ]
        + ratios(measured)
    )
    print(body)
    if not args.no_results:
        results.write_section(HERE / "RESULTS.md", SECTION, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
