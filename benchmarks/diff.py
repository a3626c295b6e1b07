"""The diff benchmark (issue 14): `lineage-report diff` on two 10,000-node projects.

Generates a project (benchmarks/generate.py), copies it and changes the copy a little, the
way a pull request does: two runs' manifests deleted (their versions go too), a deploy run
added that moves a model's `production` alias, the config of three runs edited, and one
broken manifest added (a new problem). Both projects' lineage.json files are written
beforehand, so the first measurement times the diff itself; the second starts from the
project folders, so it adds collecting and resolving both projects.

Each measurement runs the real command line in a child process (`python -m lineage_report
diff OLD NEW ...`, output to /dev/null) and keeps the fastest of `--repeat` runs. The floor,
measured in the same run, is what any diff must do at least: start the interpreter and
decode both lineage.json files (msgspec). With `--results` the table goes into
benchmarks/RESULTS.md as a section of its own, before the history.

Usage: `python -m benchmarks.diff [--runs 1667] [--repeat 3] [--out DIR] [--results]`.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import results
from benchmarks.generate import generate
from benchmarks.run import HERE, machine, markdown_table, say
from lineage_report.build import lineage_json
from lineage_report.config import load_config
from lineage_report.diff.sides import problems_unlogged
from lineage_report.load import load_lineage

SECTION = "## Diff (issue 14)"
COLUMNS = (
    "from", "old nodes", "new nodes", "changes", "diff s", "diff CPU s", "floor s", "diff/floor",
)  # fmt: skip
FLOOR = (
    "import sys, msgspec\n"
    "for path in sys.argv[1:]:\n"
    "    with open(path, 'rb') as f: msgspec.json.decode(f.read())\n"
)


def change_project(root: Path) -> None:
    """Change a copy of a generated project the way a small pull request would."""
    with problems_unlogged():
        lineage = load_lineage(load_config(root))
    graph = lineage.graph
    manifests = sorted((root / "manifests").rglob("*.json"))
    for path in (manifests[len(manifests) // 3], manifests[2 * len(manifests) // 3]):
        path.unlink()  # two runs gone, with the versions only they logged
    for path in manifests[10:13]:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["run"]["config"] = {**(data["run"].get("config") or {}), "benchmark_edit": True}
        path.write_text(json.dumps(data), encoding="utf-8")
    (root / "manifests" / "broken.json").write_text("{not json", encoding="utf-8")
    (root / "manifests" / "deploy-bench.json").write_text(
        json.dumps(deploy_manifest(graph)), encoding="utf-8"
    )


def deploy_manifest(graph) -> dict:
    """Return a run, later than everything, that re-logs an older model as `production`."""
    holders = [
        (n, a)
        for n, a in graph.nodes(data=True)
        if a["kind"] == "artifact" and "production" in (a.get("aliases") or []) and a["version"]
    ]
    node, attrs = sorted(holders)[0]
    older = graph.nodes[f"artifact:{attrs['name']}:v{attrs['version'] - 1}"]
    times = [a.get("finished_at") or "" for _, a in graph.nodes(data=True)]
    when = max(times)
    entry = {
        "name": older["name"],
        "type": older["type"],
        "files": older["files"],
        "digest": older["digest"],
        "aliases": ["production"],
    }
    run = {"id": "bench-deploy", "job_type": "deploy", "started_at": when, "finished_at": when}
    used = [f"{older['name']}:v{older['version']}"]
    return {"manifest_version": 1, "run": run, "used_artifacts": used, "logged_artifacts": [entry]}


def write_lineage(project: Path, target: Path) -> int:
    """Write a project's lineage.json (as a build would) to `target`; return its node count."""
    with problems_unlogged():  # the diff reports them; the broken manifest is on purpose
        lineage = load_lineage(load_config(project))
    target.write_bytes(lineage_json(lineage))
    return lineage.graph.number_of_nodes()


def timed(command: list[str], repeat: int) -> tuple[float, float]:
    """Run a command `repeat` times; return the fastest wall time and the CPU time of that
    run (its own and its children's: the fork that reads the old project)."""
    best = (float("inf"), 0.0)
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = min(best, (wall, cpu))
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-500:]}")
    return best


def change_count(old: Path, new: Path) -> str:
    """Return the diff's summary, in short: what the benchmark compared."""
    command = [sys.executable, "-m", "lineage_report", "diff", str(old), str(new)]
    command += ["--format", "json"]
    summary = json.loads(subprocess.run(command, capture_output=True, check=True).stdout)
    counts = summary["summary"]
    return (
        f"runs +{counts['runs']['added']} −{counts['runs']['removed']} "
        f"~{counts['runs']['changed']}, versions +{counts['versions']['added']} "
        f"−{counts['versions']['removed']}, aliases moved {counts['aliases']['moved']}, "
        f"problems +{counts['problems']['new']}"
    )


def measure(runs: int, out: Path, repeat: int) -> list[list[str]]:
    """Generate both projects, then time the diff from lineage.json and from the folders."""
    work = out / "diff"
    old, new = work / "old", work / "new"
    say(f"[diff] generating {runs} runs ...")
    shutil.rmtree(work, ignore_errors=True)
    generate(old, runs)
    shutil.copytree(old, new)
    change_project(new)
    old_json, new_json = work / "old.json", work / "new.json"
    sizes = (write_lineage(old, old_json), write_lineage(new, new_json))
    changes = change_count(old_json, new_json)
    say(f"[diff] {sizes[0]:,} and {sizes[1]:,} nodes: {changes}; timing ...")
    base = [sys.executable, "-m", "lineage_report", "diff"]
    floor, _ = timed([sys.executable, "-c", FLOOR, str(old_json), str(new_json)], repeat)
    rows = []
    for label, a, b, extra in (
        ("lineage.json, markdown", old_json, new_json, []),
        ("lineage.json, json", old_json, new_json, ["--format", "json"]),
        ("lineage.json, --html", old_json, new_json, ["--html", str(work / "page")]),
        ("project folders", old, new, []),
    ):
        seconds, cpu = timed([*base, str(a), str(b), *extra], repeat)
        row = [label, f"{sizes[0]:,}", f"{sizes[1]:,}", changes, f"{seconds:.2f}", f"{cpu:.2f}"]
        rows.append([*row, f"{floor:.2f}", f"{seconds / floor:.1f}×"])
        say(f"[diff] {label}: {seconds:.2f} s, {cpu:.2f} s CPU (floor {floor:.2f} s)")
    return rows


def write_section(path: Path, info: dict, rows: list[list[str]]) -> None:
    """Put this run's table into RESULTS.md as its own section, before the history."""
    section = (
        "Written by `python -m benchmarks.diff`: a generated project against a copy with a "
        "few changes (benchmarks/diff.py). Wall time of the whole command in a child process, "
        "fastest of the repeats, and its CPU time (with the fork that reads the old project); "
        "the floor starts Python and decodes both lineage.json files.\n\n"
        f"- {info['cpus']}× {info['model']}, {info['system']}, Python {info['python']}\n"
        f"- {info['date']}, commit {info['commit']}, load average at start {info['load']}\n\n"
        f"{markdown_table(COLUMNS, rows)}\n\n"
    )
    results.write_section(path, SECTION, section)


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table, and optionally record it in RESULTS.md."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.diff", description=__doc__)
    parser.add_argument("--runs", type=int, default=1667, help="runs per project (~6 nodes each)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command; fastest kept")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--results", action="store_true", help="write the table to RESULTS.md")
    args = parser.parse_args(argv)
    info = machine()
    rows = measure(args.runs, args.out, args.repeat)
    print(markdown_table(COLUMNS, rows))
    if args.results:
        write_section(HERE / "RESULTS.md", info, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
