"""Run the scale benchmarks: generate projects, build them, compare with the floor.

For each size (in graph nodes: runs plus artifact versions) the runner generates a project
into `benchmarks/out/<size>/`, builds it in a child process (so its memory is its own),
reads the stage timings the build writes with `--timings-json`, measures the pages it
wrote, measures the floor for the same number of pages on the same disk, and prints a
markdown row. `benchmarks/RESULTS.md` gets the machine, this run's table and a history.

Usage: `python -m benchmarks.run [--sizes 1k,10k,120k] [--rebuild]` (see README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import results
from benchmarks.floor import floor
from benchmarks.generate import generate

REPO = Path(__file__).resolve().parent.parent
HERE = REPO / "benchmarks"
STAGES = ("collect", "graph", "views", "render", "write", "total")
VERSION_PAGE = re.compile(rb'<body[^>]*\sdata-artifact="')
COLUMNS = (
    "size", "runs", "versions", "pages", "collect s", "graph s", "views s", "render s",
    "write s", "total s", "wall s", "CPU s", "peak RSS MB", "tree PSS MB", "site MB",
    "median page KB", "median version KB", "max page KB", "manifests/s", "floor s",
    "floor CPU s", "total/floor", "rebuild s", "total/floor range", "rebuild/total",
)  # fmt: skip
HISTORY_MARK = "<!-- history: the runner appends rows below -->"


class BenchmarkError(Exception):
    """A benchmark step failed in a way the user should read, not a traceback."""


# --- sizes and the machine ----------------------------------------------------------------


def parse_size(text: str) -> int:
    """Turn `1k`, `10k`, `120k`, `1.5m` or `5000` into a number of nodes."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([km]?)", text.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 10k)")
    return round(float(match[1]) * {"": 1, "k": 1_000, "m": 1_000_000}[match[2]])


def runs_for(nodes: int, versions_per_run: float) -> int:
    """Return how many runs make a project of about `nodes` nodes."""
    return max(1, round(nodes / (1 + versions_per_run)))


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo, or the platform's guess."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def memory_gib() -> float:
    """Return the machine's total memory in GiB (0 when /proc/meminfo is missing)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return 0.0


def git_commit() -> str:
    """Return the short commit of the working tree, marking uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True
        )
    except OSError:
        return "unknown"
    commit = head.stdout.strip() or "no commit"
    return commit + ("+dirty" if dirty.stdout.strip() else "")


def machine() -> dict:
    """Describe the machine the numbers come from."""
    return {
        "cpus": len(os.sched_getaffinity(0)),  # what `nproc` prints
        "model": cpu_model(),
        "memory": f"{memory_gib():.1f} GiB",
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": git_commit(),
    }


# --- memory of a child process tree -------------------------------------------------------


def children_of(root: int) -> list[int]:
    """Return `root` and all its descendants, read from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the name may hold spaces
            parents.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += parents.get(pid, [])
    return tree


def memory_kib(pid: int) -> int:
    """Return a process's proportional set size in KiB (shared pages split fairly)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


@dataclass
class TreeSampler:
    """Sample the summed PSS of a process tree in a thread; keep the peak (worker pools too)."""

    pid: int
    interval: float = 0.1
    peak_kib: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        """Sample until stopped."""
        while not self._stop.wait(self.interval):
            total = sum(memory_kib(p) for p in children_of(self.pid))
            self.peak_kib = max(self.peak_kib, total)

    def __enter__(self) -> TreeSampler:
        """Start sampling."""
        self._thread = threading.Thread(target=self.run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join()


# --- one build ----------------------------------------------------------------------------


@dataclass
class BuildResult:
    """What one build cost: wall and CPU time, memory, and the stage timings it reported."""

    wall: float
    cpu: float
    max_rss_mb: float
    tree_pss_mb: float
    timings: dict


def build_command(project: Path, site: Path, timings: Path) -> list[str]:
    """Return the build command the benchmark measures."""
    return [
        sys.executable, "-m", "lineage_report", "build", str(project), "-o", str(site),
        "--quiet", "--timings-json", str(timings),
    ]  # fmt: skip


def run_build(project: Path, site: Path, work: Path) -> BuildResult:
    """Build `project` into `site` in a child process; measure it; fail clearly if it fails."""
    timings_file, log_file = work / "timings.json", work / "build.log"
    timings_file.unlink(missing_ok=True)
    command = build_command(project, site, timings_file)
    # the repository first on the path, so the build under test is this tree's, installed or not
    paths = [str(REPO), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    started = time.perf_counter()
    with open(log_file, "wb") as log:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        with TreeSampler(proc.pid) as sampler:
            # wait4 gives this child's own peak RSS (the kernel's high-water mark), not the sum
            _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        tail = log_file.read_text(errors="replace")[-3000:]
        raise BenchmarkError(
            f"the build failed (exit {proc.returncode}):\n  {' '.join(command)}\n"
            f"last output ({log_file}):\n{tail}"
        )
    timings = read_timings(timings_file)
    cpu = usage.ru_utime + usage.ru_stime  # includes the worker processes it waited for
    return BuildResult(wall, cpu, usage.ru_maxrss / 1024, sampler.peak_kib / 1024, timings)


def read_timings(path: Path) -> dict:
    """Read the stage timings a build wrote (flat, or under `stages`), with `pages`."""
    if not path.exists():
        raise BenchmarkError(
            f"the build succeeded but wrote no timings to {path}: the runner needs "
            "`lineage_report build --timings-json FILE` (issue 5)"
        )
    data = json.loads(path.read_text())
    stages = data.get("stages", data)
    timings = {s: float(stages[s]) for s in STAGES if isinstance(stages.get(s), int | float)}
    pages = data.get("pages", data.get("pages_written"))
    if isinstance(pages, int):
        timings["pages"] = pages
    return timings


# --- measuring the output -----------------------------------------------------------------


def page_stats(site: Path) -> dict:
    """Walk the site: total bytes, HTML page count, median/largest page, median version page."""
    total, sizes, version_sizes, largest = 0, [], [], (0, "")
    for folder, _, names in os.walk(site):
        for name in names:
            path = os.path.join(folder, name)
            size = os.path.getsize(path)
            total += size
            if name.endswith(".html"):
                sizes.append(size)
                largest = max(largest, (size, path))
                with open(path, "rb") as f:
                    if VERSION_PAGE.search(f.read()):
                        version_sizes.append(size)
    return {
        "bytes": total,
        "pages": len(sizes),
        "median": statistics.median(sizes) if sizes else 0,
        "median_version": statistics.median(version_sizes) if version_sizes else 0,
        "largest": largest,
    }


def touch_one_manifest(project: Path) -> Path:
    """Change one training run's notes, as a re-run of one job would; return its path."""
    for path in sorted((project / "manifests").rglob("*.json")):
        data = json.loads(path.read_bytes())
        if data["run"]["job_type"] == "train":
            data["run"]["notes"] = f"Edited at {time.time():.0f} to measure an incremental build."
            path.write_text(json.dumps(data, indent=2))
            return path
    raise BenchmarkError(f"no training run in {project} to change")


# --- one size -----------------------------------------------------------------------------


def seconds(value: float | None) -> str:
    """Format a duration for the table."""
    return "–" if value is None else f"{value:.2f}"


def measure(label: str, nodes: int, args: argparse.Namespace) -> list[str]:
    """Generate, build, measure and compare one size; return its table row."""
    work = args.out / label
    project, site, floor_dir = work / "project", work / "site", work / "floor"
    runs = runs_for(nodes, args.versions_per_run)
    say(f"[{label}] generating {runs} runs ...")
    started = time.perf_counter()
    counts = generate(
        project, runs, seed=args.seed, versions_per_run=args.versions_per_run,
        hub_consumers=args.hub_consumers, wide_level=args.wide_level,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    say(f"[{label}] generated {counts['artifact_versions']} versions in {elapsed:.1f} s; building")
    trials = interleaved(project, site, work, floor_dir, args.repeat)
    result, floor_times = median_trial(trials)
    stats = page_stats(site)
    pages = result.timings.get("pages", stats["pages"])
    rebuilds = measure_rebuilds(project, site, work, args.repeat) if args.rebuild else []
    spread = ratio_spread(trials)
    return table_row(label, counts, result, stats, pages, floor_times, rebuilds, spread)


def interleaved(
    project: Path, site: Path, work: Path, floor_dir: Path, repeat: int
) -> list[tuple[BuildResult, tuple[float, float]]]:
    """Build from scratch and measure the floor right after, `repeat` times.

    Interleaved, so that each build is compared with a floor taken under the same load: the
    floor of a shared machine swings within minutes.
    """
    trials = []
    for i in range(repeat):
        shutil.rmtree(site, ignore_errors=True)
        settle_disk()
        result = run_build(project, site, work)
        pages = result.timings.get("pages") or page_stats(site)["pages"]
        floor_times = measure_floor(floor_dir, pages)
        say(f"  trial {i + 1}: build {total_of(result):.2f} s, floor {floor_times[0]:.2f} s")
        trials.append((result, floor_times))
    return trials


def total_of(result: BuildResult) -> float:
    """Return the build's own total, or its wall time if it reported none."""
    return result.timings.get("total", result.wall)


def ratio(trial: tuple[BuildResult, tuple[float, float]]) -> float:
    """Return one trial's build total as a multiple of its floor."""
    return total_of(trial[0]) / trial[1][0]


def median_trial(trials: list) -> tuple[BuildResult, tuple[float, float]]:
    """Return the trial whose total/floor ratio is the median (the lower one of an even count)."""
    ordered = sorted(trials, key=ratio)
    return ordered[(len(ordered) - 1) // 2]


def ratio_spread(trials: list) -> str:
    """Return the lowest and highest total/floor of the trials, e.g. "3.1–3.6×"."""
    ratios = sorted(ratio(t) for t in trials)
    return f"{ratios[0]:.2f}–{ratios[-1]:.2f}×"


def measure_floor(folder: Path, pages: int) -> tuple[float, float]:
    """Measure the floor once in an empty folder; return wall and CPU seconds."""
    shutil.rmtree(folder, ignore_errors=True)
    settle_disk()
    cpu = time.process_time()
    wall = floor(folder, pages)
    cpu = time.process_time() - cpu
    shutil.rmtree(folder, ignore_errors=True)  # 120k pages is most of a gigabyte
    return wall, cpu


def settle_disk() -> None:
    """Flush what earlier steps wrote or deleted (a 2 GB site, say), so that the step timed
    next is not charged for the disk catching up with them."""
    os.sync()


def measure_rebuilds(project: Path, site: Path, work: Path, repeat: int) -> list[float]:
    """Change one manifest and rebuild into the same site, `repeat` times; return each
    rebuild's seconds. One rebuild is a second or so: one sample moved by 10% on a shared
    machine, which decided whether the 15% target was met."""
    times = []
    for i in range(repeat):
        touch_one_manifest(project)
        settle_disk()
        result = run_build(project, site, work)
        times.append(total_of(result))
        say(f"  rebuild {i + 1}: {times[-1]:.2f} s")
    return sorted(times)


def rebuild_share(rebuilds: list[float], total: float) -> str:
    """Return the median rebuild as a share of the build's total, with the range of the
    rebuilds' shares: "13.3% (12.1–14.0%)"."""
    if not rebuilds:
        return "–"
    low, high = rebuilds[0] / total, rebuilds[-1] / total
    return f"{statistics.median(rebuilds) / total:.1%} ({low:.1%}–{high:.1%})"


def table_row(
    label: str,
    counts: dict,
    result: BuildResult,
    stats: dict,
    pages: int,
    floor_times: tuple[float, float],
    rebuilds: list[float],
    spread: str = "–",
) -> list[str]:
    """Lay out one size's numbers in COLUMNS order."""
    t = result.timings
    total = t.get("total", result.wall)
    floor_s, floor_cpu = floor_times
    collect = t.get("collect")
    return [
        label, str(counts["runs"]), str(counts["artifact_versions"]), str(pages),
        seconds(collect), seconds(t.get("graph")), seconds(t.get("views")),
        seconds(t.get("render")), seconds(t.get("write")), seconds(total),
        seconds(result.wall), seconds(result.cpu), f"{result.max_rss_mb:.0f}",
        f"{result.tree_pss_mb:.0f}",
        f"{stats['bytes'] / 2**20:.1f}", f"{stats['median'] / 1024:.1f}",
        f"{stats['median_version'] / 1024:.1f}", f"{stats['largest'][0] / 1024:.0f}",
        f"{counts['runs'] / collect:,.0f}" if collect else "–",
        seconds(floor_s), seconds(floor_cpu), f"{total / floor_s:.2f}×",
        seconds(statistics.median(rebuilds) if rebuilds else None), spread,
        rebuild_share(rebuilds, total),
    ]  # fmt: skip


# --- reporting ----------------------------------------------------------------------------


def say(message: str) -> None:
    """Print progress to stderr so stdout stays a clean markdown table."""
    print(message, file=sys.stderr, flush=True)


def table_line(cells: list[str] | tuple[str, ...]) -> str:
    """Return one markdown table line."""
    return "| " + " | ".join(cells) + " |"


def markdown_table(columns: tuple[str, ...], rows: list[list[str]]) -> str:
    """Return a markdown table."""
    lines = [table_line(columns), "|" + "---|" * len(columns)]
    return "\n".join(lines + [table_line(row) for row in rows])


def old_history(path: Path) -> list[str]:
    """Return the history rows already in RESULTS.md (none if it is new)."""
    if not path.exists() or HISTORY_MARK not in path.read_text():
        return []
    lines = path.read_text().split(HISTORY_MARK, 1)[1].splitlines()
    rows = [line for line in lines if line.startswith("|")]
    return rows[2:]  # skip the header and the separator


def write_results(path: Path, info: dict, rows: list[list[str]], history: list[str]) -> None:
    """Refresh RESULTS.md: the machine, this run's table, and every run's rows so far (the
    sections other scripts own stay as they are)."""
    stamp = [info["date"], info["commit"], f"{info['cpus']}× {info['model']}"]
    new = [table_line(stamp + row) for row in rows]
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if not text.startswith("# Benchmark results"):
        text = (
            "# Benchmark results\n\n"
            "Written by `python -m benchmarks.run`; README.md says what each column means. "
            "Compare builds through `total/floor`: absolute seconds drift on shared machines.\n\n"
        )
    machine = (
        f"- CPUs: {info['cpus']} ({info['model']}), memory {info['memory']}\n"
        f"- {info['system']}, Python {info['python']}\n"
        f"- {info['date']}, commit {info['commit']}, load average at start {info['load']}"
    )
    table = markdown_table(("date", "commit", "machine", *COLUMNS), [])
    past = "".join(line + "\n" for line in history + new)
    text = results.put_section(text, "## Machine (latest run)", machine)
    text = results.put_section(text, "## Latest run", markdown_table(COLUMNS, rows))
    text = results.put_section(text, results.HISTORY, f"{HISTORY_MARK}\n{table}\n{past}")
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--sizes", default="1k,10k,120k", help="nodes per project, e.g. 1k,10k")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--versions-per-run", type=float, default=5.0)
    parser.add_argument("--hub-consumers", type=int, default=None)
    parser.add_argument("--wide-level", type=int, default=None)
    parser.add_argument("--rebuild", action="store_true", help="also time a one-manifest rebuild")
    parser.add_argument(
        "--repeat", type=int, default=1, help="interleaved builds and floors; the median ratio"
    )
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--no-results", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args(argv)
    args.sizes = [(s.strip(), parse_size(s)) for s in args.sizes.split(",") if s.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    """Run every size, printing rows as they come and refreshing RESULTS.md after each."""
    args = parse_args(argv)
    info = machine()
    history = old_history(args.results)
    rows: list[list[str]] = []
    print(markdown_table(COLUMNS, []), flush=True)
    for label, nodes in args.sizes:
        try:
            row = measure(label, nodes, args)
        except BenchmarkError as error:
            say(f"[{label}] {error}")
            return 1
        rows.append(row)
        print(table_line(row), flush=True)
        if not args.no_results:
            write_results(args.results, info, rows, history)
    return 0


if __name__ == "__main__":
    sys.exit(main())
