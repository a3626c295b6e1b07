"""Audit snapshots in a real headless Chromium, opened from file:// with no network.

The snapshot zip and the single-file reports are made by tests/test_snapshot.py's fixtures;
the browser, a fresh page per test and the request watcher come from tests/browser/conftest.py.
"""

from __future__ import annotations

import zipfile

import pytest

from tests import test_snapshot
from tests.test_snapshot import HOSTILE

pytestmark = pytest.mark.browser

# The same fixtures as tests/test_snapshot.py: bound to names here so pytest finds them for
# this module (an import of the names alone would look unused to ruff and shadowed by the
# arguments). They are module-scoped, so this module makes its own snapshot once.
project = test_snapshot.project
made = test_snapshot.made
single = test_snapshot.single
hostile = test_snapshot.hostile


def test_single_file_navigates_offline(page, watched, single):
    """From file://: the index shows first; links show one page at a time; no errors."""
    watcher = watched(page, single[0].parent)
    page.goto(single[0].as_uri())
    assert page.locator("#index").is_visible()
    assert not page.locator('[id="runs/index"]').is_visible()
    page.click("header nav >> text=Runs")
    assert page.locator('[id="runs/index"]').is_visible()
    assert not page.locator("#index").is_visible()
    page.locator('[id="runs/index"] a[href^="#runs/"]').first.click()
    shown = page.locator("section.page:visible")
    assert shown.count() == 1
    assert shown.get_attribute("id").startswith("runs/")
    page.goto(single[0].as_uri() + "#versions/mnist-cnn-v1-2203f3420403:files")
    assert page.locator('[id="versions/mnist-cnn-v1-2203f3420403"]').is_visible()
    watcher.assert_clean()


def test_hostile_single_file_runs_nothing(page, watched, hostile):
    """The hostile names render as text and run no script."""
    watcher = watched(page, hostile.parent)
    page.goto(hostile.as_uri())
    assert page.evaluate("window.__pwned") is None
    assert HOSTILE in page.locator("#index").inner_text()
    watcher.assert_clean()


def test_unzipped_snapshot_opens_offline(page, watched, made, tmp_path):
    """The cover page and site/index.html open from file:// with no errors or requests."""
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(made[0]) as zf:
        zf.extractall(folder)
    watcher = watched(page, folder)
    page.goto((folder / "index.html").as_uri())
    page.click("text=Open the report")
    assert page.url.endswith("/site/index.html")
    assert "Inputs digest" in page.content()
    watcher.assert_clean()
