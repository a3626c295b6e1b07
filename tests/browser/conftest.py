"""Playwright fixtures: Debian's headless Chromium, a fresh context per test, a request watcher.

No browser is downloaded: the tests use /usr/bin/chromium and are skipped, with the reason,
only where it is absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@dataclass
class Watcher:
    """What a page did that a static, offline site must not: errors and outside requests."""

    site: Path
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)

    def on_console(self, message) -> None:
        """Record a console error."""
        if message.type == "error":
            self.console_errors.append(message.text)

    def on_request(self, request) -> None:
        """Record any request that is not a file inside the site folder."""
        url = request.url
        if not url.startswith(self.site.as_uri() + "/"):
            self.outside_requests.append(url)

    def assert_clean(self) -> None:
        """Fail if the page logged an error, threw, or asked for anything outside the site."""
        assert self.page_errors == [], self.page_errors
        assert self.console_errors == [], self.console_errors
        assert self.outside_requests == [], self.outside_requests


def watch(page, site: Path) -> Watcher:
    """Attach a Watcher to a page for the site folder `site`."""
    watcher = Watcher(site.resolve())
    page.on("console", watcher.on_console)
    page.on("pageerror", lambda error: watcher.page_errors.append(str(error)))
    page.on("request", watcher.on_request)
    return watcher


@pytest.fixture(scope="session")
def browser():
    """Launch Debian's Chromium headless once per session."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    """Return a fresh browser context (no shared storage or history between tests)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    yield ctx
    ctx.close()


@pytest.fixture
def watched():
    """Return `watch(page, site)`, which records a page's errors and outside requests."""
    return watch


@pytest.fixture
def page(context):
    """Return a new page in a fresh context."""
    return context.new_page()
