"""Regression guard for scale, independent of the machine's speed: a page's work and
size depend on its neighbourhood, never on the size of the project around it."""

from __future__ import annotations

import re

from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config
from tests.factories import art, manifest, write_project


def pipeline(prefix: str, start: int) -> dict:
    """Return the manifests of one small upload → prep → train pipeline."""
    return {
        f"{prefix}-1.json": manifest(
            f"{prefix}-up", start, job_type="upload", logged=[art(f"{prefix}-raw")]
        ),
        f"{prefix}-2.json": manifest(
            f"{prefix}-prep",
            start + 1,
            job_type="prep",
            used=[f"{prefix}-raw:latest"],
            logged=[art(f"{prefix}-clean")],
        ),
        f"{prefix}-3.json": manifest(
            f"{prefix}-train",
            start + 2,
            used=[f"{prefix}-clean:latest"],
            logged=[art(f"{prefix}-model", "model")],
        ),
    }


def project_with(tmp_path, name: str, others: int):
    """Build a project holding pipeline 'focus' and `others` unrelated pipelines."""
    manifests = pipeline("focus", 0)
    for i in range(others):
        manifests.update(pipeline(f"p{i:04d}", 0))
    root = write_project(tmp_path / name, manifests, config='title = "scale"\n')
    out = tmp_path / f"{name}-site"
    build(load_config(root), out)
    return out


def test_a_page_is_the_same_in_a_project_ten_times_larger(tmp_path):
    small = project_with(tmp_path, "small", 20)
    large = project_with(tmp_path, "large", 200)
    for node in ("artifact:focus-clean:v0", "run:focus-prep", "artifact:focus-model:v0"):
        page = naming.node_path(node)
        assert (small / page).read_bytes() == (large / page).read_bytes(), page


def hub_project(tmp_path, consumers: int):
    """Build a project where one dataset is used by `consumers` runs."""
    manifests = {"hub.json": manifest("hub-up", 0, job_type="upload", logged=[art("hub")])}
    for i in range(consumers):
        manifests[f"c{i:05d}.json"] = manifest(f"c{i:05d}", 5, used=["hub:v0"])
    root = write_project(tmp_path / f"hub{consumers}", manifests)
    out = tmp_path / f"hub{consumers}-site"
    build(load_config(root), out)
    return (out / naming.node_path("artifact:hub:v0")).read_text()


def embedded_nodes(html: str) -> int:
    """Count the node entries embedded in a page's graph data."""
    data = re.search(r'id="lineage-graph-data">(.*?)</script>', html, re.S).group(1)
    return data.count('"id":')


def test_a_hub_page_does_not_grow_with_its_consumers(tmp_path):
    thousand = hub_project(tmp_path, 1_000)
    ten_thousand = hub_project(tmp_path, 10_000)
    assert embedded_nodes(thousand) == embedded_nodes(ten_thousand)
    assert abs(len(ten_thousand) - len(thousand)) < 200  # only the counts' digits differ
    assert len(ten_thousand.encode()) < 1_000_000
