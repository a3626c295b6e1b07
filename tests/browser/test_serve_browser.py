"""Live preview in a real headless Chromium: an open page follows the served site.

The server, the project copy and the helpers that change it are those of tests/test_serve.py;
the browser and a fresh page per test come from tests/browser/conftest.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from lineage_report.serve import Server
from tests import test_serve
from tests.test_serve import RAW_PAGE, describe_raw

pytestmark = pytest.mark.browser

# The same fixtures as tests/test_serve.py: bound to names here so pytest finds them for this
# module (an import of the names alone would look unused to ruff and shadowed by the arguments).
project = test_serve.project
server = test_serve.server


def test_open_page_reloads_itself_after_a_manifest_change(server: Server, project: Path, page):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + RAW_PAGE)
    page.wait_for_load_state("load")
    page.evaluate("window.__before_reload = true")
    page.wait_for_timeout(200)  # let the script's first long-poll reach the server
    began = time.monotonic()
    describe_raw(project, "# Reloaded by itself")
    page.wait_for_function(  # a function, not an expression: the CSP forbids eval
        "() => document.body.textContent.includes('Reloaded by itself')", timeout=8000
    )
    elapsed = time.monotonic() - began
    assert page.evaluate("window.__before_reload") is None  # a new document, not a patch
    assert errors == []
    print(f"change to reloaded page: {elapsed:.2f}s")


def test_failed_build_shows_its_error_as_text_in_a_banner(server: Server, project: Path, page):
    page.goto(server.url)
    hostile = "<img src=x onerror=window.__pwned=1>"
    config = project / "lineage-report.toml"
    good = config.read_text(encoding="utf-8")
    config.write_text(good + f'\n[theme]\ncustom_dir = "{hostile}"\n', encoding="utf-8")
    banner = page.locator("#lineage-report-build-error")
    banner.wait_for(state="visible", timeout=8000)
    assert hostile in banner.text_content()
    assert page.locator("#lineage-report-build-error img").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert "MNIST digit classifier" in page.text_content("h1")  # the last good site

    config.write_text(good.replace("MNIST digit classifier", "Fixed title"), encoding="utf-8")
    page.wait_for_function(
        "() => document.querySelector('h1').textContent.includes('Fixed')", timeout=8000
    )
    assert banner.count() == 0


def test_a_missing_page_deep_in_the_site_shows_the_styled_404_with_working_links(
    server: Server, page
):
    # Hosts and `serve` show 404.html at the missing address, folders below the root: its
    # links, written for the root, must still reach the styles and the overview.
    response = page.goto(server.url + "runs/nested/no-such-run.html")
    assert response.status == 404
    assert page.text_content("h1") == "Page not found"
    styled = page.evaluate(
        "() => [...document.styleSheets].some((sheet) => sheet.cssRules.length > 0)"
    )
    assert styled
    page.click("text=overview")
    page.wait_for_load_state("load")
    assert page.url == server.url + "index.html"
    assert "MNIST digit classifier" in page.text_content("h1")
