"""Rendering on every core (crew.py): forked workers and this process share the pages.

Real forked workers, with the thresholds lowered so the sample project's 90 pages are
split into many chunks: the site must be byte for byte the one a single process builds,
both ends of the list must have been worked, and a page that fails in a worker must fail
the build with its name while leaving the previous site in place.

Each test runs in a fresh interpreter: a build forks only when no other thread runs, and
other tests (the browser's, the server's) leave threads behind in this one.
"""

from __future__ import annotations

import multiprocessing
import shutil
import time
from pathlib import Path

import pytest

from lineage_report import crew
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.errors import BuildError
from tests.conftest import SAMPLE

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="workers are forked"
)


def in_fresh_process(test, tmp_path: Path) -> None:
    """Run `test(tmp_path)` in a new interpreter and fail if it fails there."""
    child = multiprocessing.get_context("spawn").Process(target=test, args=(tmp_path,))
    child.start()
    child.join(300)
    assert child.exitcode == 0, "the test failed in its own process (its output is above)"


def small_chunks_worker_first() -> None:
    """Split even a small site into chunks, and hold this process back until a worker has
    taken its first chunk (from the front), so both ends are always worked."""
    crew.PARALLEL_FROM, crew.CHUNK = 10, 4
    take = crew.Crew.take

    def patient(self, from_front: bool):
        deadline = time.monotonic() + 30
        while not from_front and self.front.value == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        return take(self, from_front)

    crew.Crew.take = patient


def files_of(site: Path) -> dict[str, bytes]:
    """Return every file of a site with its bytes."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_workers_build_the_same_site_as_one_process(tmp_path):
    in_fresh_process(same_site, tmp_path)


def same_site(tmp_path: Path) -> None:
    """The body of the test above."""
    small_chunks_worker_first()
    taken = []
    finish = crew.Crew.finish

    def watched(self):
        records = finish(self)
        if self.pool is not None:  # forked: how far the workers got from the front
            taken.append((self.front.value, len(self.chunks)))
        return records

    crew.Crew.finish = watched
    together = build(load_config(SAMPLE), tmp_path / "two", jobs=2)
    alone = build(load_config(SAMPLE), tmp_path / "one", jobs=1)
    site = files_of(tmp_path / "two")
    assert site == files_of(tmp_path / "one")
    assert together.written == alone.written and together.pages == 90
    # Pages written by the worker count too (the timings JSON reports these bytes).
    assert together.bytes_written == alone.bytes_written == sum(map(len, site.values()))
    [(front, chunks)] = taken  # the two-process build forked; the one-process build did not
    assert chunks == 23
    assert 0 < front < chunks  # the worker took some chunks from the front, we the rest


def test_a_page_failing_in_a_worker_fails_the_build_and_keeps_the_site(tmp_path):
    in_fresh_process(failing_page, tmp_path)


def failing_page(tmp_path: Path) -> None:
    """The body of the test above."""
    small_chunks_worker_first()
    project = Path(shutil.copytree(SAMPLE, tmp_path / "p"))  # links out would be refused
    out = tmp_path / "site"
    build(load_config(project), out, jobs=2)
    before = files_of(out)
    # The 404 page fails: pages of no node sort first, so the worker's first chunk has it.
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "404.html").write_text(
        '{% extends "default/404.html" %}{% block content %}{{ page.missing }}{% endblock %}'
    )
    config = load_config(project)
    config.theme_custom_dir = overrides
    with pytest.raises(BuildError, match=r"^error rendering 404\.html for 404 ''"):
        build(config, out, jobs=2)
    assert files_of(out) == before
    assert multiprocessing.active_children() == []


def test_a_side_job_returns_its_result_its_error_or_is_stopped(tmp_path):
    in_fresh_process(side_jobs, tmp_path)


def side_jobs(tmp_path: Path) -> None:
    """The body of the test above: a forked job's result, its failure, its end."""
    with crew.side_job(sorted, "cab") as made:
        assert made() == ["a", "b", "c"]
    failing = pytest.raises(BuildError, match="^ZeroDivisionError: integer division or modulo")
    with failing, crew.side_job(divmod, 1, 0) as made:
        made()
    # An optional job (compiling the templates ahead) only saves time: failed, or not
    # started, it gives nothing and the build goes on without it.
    with crew.side_job(divmod, 1, 0, optional=True) as made:
        assert made() is None
    with crew.side_job(sorted, "cab", start=False, optional=True) as made:
        assert made() is None
    with crew.side_job(sorted, "cab", optional=True) as made:
        assert made() == ["a", "b", "c"]
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="the block failed"), crew.side_job(time.sleep, 60):
        raise RuntimeError("the block failed")
    assert time.monotonic() - started < 30  # stopped, not waited for
    assert multiprocessing.active_children() == []
