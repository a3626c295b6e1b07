"""A job type's runs as W&B's runs table (issue 13 point 10): the data file and the pages.

The data file (runtable.py) holds every run of the job type, its varied config and summary
values as columns; the paged list stays for readers without JavaScript. The browser side is
tests/browser/test_runs_table_browser.py, on the same generated 10,000-run project.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lineage_report import naming, runtable
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.views import PAGE_SIZE
from tests.factories import art, manifest, write_project

RUNS = 10_000
STATES = ((50, "running"), (13, "crashed"), (7, "failed"))  # every n-th run, else finished
CONSTANT = ("config.dataset", "config.optimizer.name", "summary.framework")
HOSTILE = "</script><img src=x onerror=alert(1)>"


def state_of(i: int) -> str:
    """Return the state of the i-th generated run."""
    return next((s for n, s in STATES if i and i % n == 0), "finished")


def lr_of(i: int) -> float:
    """Return the i-th run's learning rate: varied, not in the runs' order."""
    return round(0.0001 * (1 + (i * 37) % 997), 6)


def generated_run(i: int) -> dict:
    """Return the manifest of the i-th run of the generated `train` job type."""
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
    config = {
        "lr": lr_of(i),
        "batch_size": 2 ** (4 + i % 4),
        "seed": i,
        "dataset": "mnist",  # the same on every run: no column
        "optimizer": {"name": "adam", "beta": 0.9 + (i % 9) / 100},
    }
    summary = {"loss": round(1 / (1 + i % 1000), 5), "framework": "torch"}
    return manifest(
        f"r{i:05d}",
        name=f"run-{i}",
        state=state_of(i),
        started_at=f"{start:%Y-%m-%dT%H:%M:%SZ}",
        finished_at=f"{start + timedelta(seconds=60 + i % 3600):%Y-%m-%dT%H:%M:%SZ}",
        config=config,
        summary=summary,
    )


def runs_project(root: Path, count: int = RUNS) -> Path:
    """Write a project of one job type, `train`, with `count` runs of varied config."""
    return write_project(root, {f"runs/{i:05d}.json": generated_run(i) for i in range(count)})


def read_table(site: Path, job_type: str) -> dict:
    """Return what a job type's data file sets window.LineageRunTable to."""
    text = (site / naming.runs_data_path(job_type)).read_text(encoding="utf-8")
    prefix = f"window.{runtable.GLOBAL} = "
    assert text.startswith(prefix) and text.endswith(";\n")
    return json.loads(text[len(prefix) : -2])


@pytest.fixture(scope="module")
def big_site(tmp_path_factory) -> Path:
    """Build the generated 10,000-run project once for this module."""
    root = tmp_path_factory.mktemp("runs10k")
    project = runs_project(root / "p")
    build(load_config(project), root / "site")
    return root / "site"


def test_the_data_file_holds_every_run_newest_first(big_site):
    table = read_table(big_site, "train")
    names = [row[0] for row in table["rows"]]
    assert len(names) == RUNS == len(set(names))
    assert names[:2] == ["run-9999", "run-9998"]  # as the paged list orders them
    href = table["rows"][0][1]
    assert href == "../" + naming.node_path("run:r09999")
    assert (big_site / naming.job_type_path("train")).parent.joinpath(href).is_file()


def test_varied_config_and_summary_are_columns_and_constant_ones_are_not(big_site):
    table = read_table(big_site, "train")
    assert table["columns"] == [
        "config.batch_size",
        "config.lr",
        "config.optimizer.beta",  # nested config, flattened W&B's way
        "config.seed",
        "summary.loss",
    ]
    assert not set(CONSTANT) & set(table["columns"])
    assert table["constant"] == len(CONSTANT) and table["omitted"] == 0
    at = len(table["fixed"]) + table["columns"].index("config.lr")
    by_name = {row[0]: row for row in table["rows"]}
    assert by_name["run-5"][at] == lr_of(5)  # a number, so the browser sorts it as one


def test_states_are_those_of_the_runs(big_site):
    table = read_table(big_site, "train")
    shown = Counter(row[table["fixed"].index("state")] for row in table["rows"])
    assert shown == Counter(state_of(i) for i in range(RUNS))
    assert set(shown) == {"finished", "failed", "crashed", "running"}


def test_the_pages_without_javascript_still_list_every_run(big_site):
    base = naming.job_type_path("train")
    parts = -(-RUNS // PAGE_SIZE)
    listed = []
    for n in range(1, parts + 1):
        html = (big_site / naming.part_path(base, n)).read_text(encoding="utf-8")
        html = html.replace("<wbr>", "")  # the break hints in names (render.wrap)
        listed += re.findall(r'<tr class="run"><td><a href="[^"]+">(run-\d+)</a>', html)
        # Only the first part loads the table: it holds every part's runs.
        assert ("-runs.js" in html) == (n == 1)
    assert len(listed) == RUNS == len(set(listed))
    first = (big_site / base).read_text(encoding="utf-8")
    assert f'<script src="../{naming.runs_data_path("train")}" defer>' in first
    assert 'id="runs-table" class="runs-table" aria-label="Runs table" hidden' in first


def test_a_run_costs_a_bounded_number_of_bytes(tmp_path):
    def config(i: int) -> dict:
        """Return a wide config: 100 long values and a number, each different on every run."""
        wide = {f"key{k:03d}": f"{i}-{k}-" + "x" * 5_000 for k in range(100)}
        return {**wide, "i": i, "long": f"{i}" + "y" * 5_000}

    runs = [manifest(f"r{i}", i, config=config(i)) for i in range(3)]
    project = write_project(tmp_path / "p", {f"{i}.json": m for i, m in enumerate(runs)})
    build(load_config(project), tmp_path / "site")
    table = read_table(tmp_path / "site", "train")
    assert len(table["columns"]) == runtable.MAX_COLUMNS
    assert table["omitted"] == 102 - runtable.MAX_COLUMNS  # said in the table
    assert "config.i" in table["columns"]  # the most varied first: every row differs
    longest = max(len(c) for row in table["rows"] for c in row if isinstance(c, str))
    assert longest == runtable.VALUE_CHARS + 1  # cut, with an ellipsis
    size = (tmp_path / "site" / naming.runs_data_path("train")).stat().st_size
    assert size < 3 * (runtable.MAX_COLUMNS + 8) * (runtable.VALUE_CHARS + 10)


def test_the_tools_own_columns_come_after_the_users_and_never_crowd_them_out(tmp_path):
    # A W&B run folder's system metadata (config.wandb.metadata.*: host, start time...)
    # differs on every run: ranked by variety alone, 30 such columns hid the user's lr
    # (corpus check of tests/data/wandb_local).
    def run(i: int) -> dict:
        system = {f"field{k:02d}": f"{i}-{k}" for k in range(runtable.MAX_COLUMNS)}
        config = {"lr": [0.1, 0.2][i % 2], "wandb.metadata": system, "_wandb": {"t": i}}
        return manifest(f"r{i}", i, config=config, summary={"loss": i / 10, "_step": i})

    runs = {f"{i}.json": run(i) for i in range(3)}
    build(load_config(write_project(tmp_path / "p", runs)), tmp_path / "site")
    columns = read_table(tmp_path / "site", "train")["columns"]
    assert columns[:2] == ["config.lr", "summary.loss"]
    assert len(columns) == runtable.MAX_COLUMNS
    assert all(runtable.is_tool_key(c) for c in columns[2:])
    assert columns[2:4] == ["config._wandb.t", "config.wandb.metadata.field00"]


def test_one_run_shows_all_its_values(tmp_path):
    project = write_project(tmp_path / "p", {"a.json": manifest("a", config={"lr": 0.1})})
    build(load_config(project), tmp_path / "site")
    assert read_table(tmp_path / "site", "train")["columns"] == ["config.lr"]


def test_hostile_values_cannot_end_the_script(tmp_path):
    run = manifest("a", job_type=HOSTILE, name=HOSTILE, config={HOSTILE: HOSTILE})
    other = manifest("b", 2, job_type=HOSTILE, config={HOSTILE: 1})
    project = write_project(tmp_path / "p", {"a.json": run, "b.json": other})
    build(load_config(project), tmp_path / "site")
    text = (tmp_path / "site" / naming.runs_data_path(HOSTILE)).read_text(encoding="utf-8")
    assert "<" not in text and ">" not in text
    assert read_table(tmp_path / "site", HOSTILE)["columns"] == ["config." + HOSTILE]


def test_the_data_file_is_the_same_bytes_every_build(tmp_path):
    project = runs_project(tmp_path / "p", 40)
    build(load_config(project), tmp_path / "one")
    build(load_config(project), tmp_path / "two")
    path = naming.runs_data_path("train")
    assert (tmp_path / "one" / path).read_bytes() == (tmp_path / "two" / path).read_bytes()


def test_flatten_and_cells():
    assert runtable.flatten({"b": 1, "a": {"y": 2, "x": {}}}) == {"a.x": {}, "a.y": 2, "b": 1}
    assert runtable.cell(True) == "true" and runtable.cell(None) is None
    assert runtable.cell(2**60) == str(2**60)  # JavaScript would lose its last digits
    assert runtable.cell(float("nan")) == "NaN" and runtable.cell([1, "a"]) == '[1, "a"]'


def two_job_types(root: Path, loss: float = 0.5, notes: str = "") -> Path:
    """Write a project of two `train` runs and an `eval` run."""
    return write_project(
        root,
        {
            "a.json": manifest("a", 0, config={"lr": 0.1}, summary={"loss": loss}),
            "b.json": manifest("b", 5, config={"lr": 0.2}, summary={"loss": 0.7}),
            "c.json": manifest("c", 9, job_type="eval", notes=notes, logged=[art("m")]),
        },
    )


def test_a_rebuild_rewrites_the_data_file_of_a_changed_run_only(tmp_path):
    out = tmp_path / "site"
    build(load_config(two_job_types(tmp_path / "p")), out)
    train, evals = naming.runs_data_path("train"), naming.runs_data_path("eval")
    result = build(load_config(two_job_types(tmp_path / "p", loss=0.25)), out)
    assert train in result.written and evals not in result.written
    rows = read_table(out, "train")["rows"]
    assert [r[-1] for r in rows] == [0.7, 0.25]  # summary.loss, newest first
    result = build(load_config(two_job_types(tmp_path / "p", 0.25, notes="again")), out)
    assert train not in result.written and evals not in result.written  # notes: not shown
    assert (out / evals).is_file()  # kept from the last build
    fresh = tmp_path / "fresh"
    build(load_config(tmp_path / "p"), fresh)
    for path in (train, evals):
        assert (out / path).read_bytes() == (fresh / path).read_bytes()


def test_artifact_types_keep_their_list(tmp_path):
    build(load_config(two_job_types(tmp_path / "p")), tmp_path / "site")
    html = (tmp_path / "site" / naming.type_path("dataset")).read_text(encoding="utf-8")
    assert "runs-table" not in html and not list((tmp_path / "site" / "types").glob("*.js"))
