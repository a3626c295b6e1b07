"""W&B offline run folders as wandb 0.31 writes them (tests/data/wandb_offline/SOURCE.md).

Six runs of one project: a dataset, two trainings, an evaluation logging a table, a crash
and a failure. Each test names what a user saw on the site before it was mended.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import lineage_report

DATA = Path(__file__).parent / "data" / "wandb_offline"
RUNS = ["eval-best", "eval-fail", "prep-1", "train-1", "train-2", "train-crash"]


@pytest.fixture(scope="module")
def lineage(tmp_path_factory):
    """Return the lineage of a copy of the fixture's `wandb/` folder (symlink kept)."""
    project = tmp_path_factory.mktemp("project")
    shutil.copytree(DATA / "wandb", project / "wandb", symlinks=True)
    return lineage_report.load(project)


def run_names(lineage) -> list[str]:
    """Return the names of the runs, sorted."""
    return sorted(lineage.graph.nodes[n]["name"] for n in lineage.graph if n.startswith("run:"))


def test_the_newest_run_is_read_through_its_own_folder_not_latest_run(lineage):
    # The site had 5 of 6 runs: `latest-run` hid the newest folder, and was read as a manifest.
    assert run_names(lineage) == RUNS
    assert not [p for p in lineage.problems if "latest-run" in p.path]
