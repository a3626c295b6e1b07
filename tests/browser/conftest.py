"""Playwright fixtures: a headless Chromium, a fresh context per test, a request watcher.

No browser is downloaded at test time: the tests use the system's Chromium (Debian's
/usr/bin/chromium, or `chromium` on the PATH), else Playwright's own build where `.ci/test`
installed it (machines without apt), and are skipped, with the reason, where neither exists.
"""

from __future__ import annotations

import shutil
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


def system_chromium() -> Path | None:
    """Return the system's Chromium: Debian's, else `chromium` on the PATH, else None."""
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return Path(found) if found else None


def chromium_executable(playwright) -> Path | None:
    """Return the Chromium to drive: the system's, else Playwright's own build if installed."""
    system = system_chromium()
    if system is not None:
        return system
    bundled = Path(playwright.chromium.executable_path)
    return bundled if bundled.exists() else None


@pytest.fixture(scope="session")
def browser():
    """Launch a headless Chromium once per session (see the module docstring for which)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        executable = chromium_executable(playwright)
        if executable is None:
            pytest.skip(
                f"no Chromium: neither {CHROMIUM}, `chromium` on the PATH nor Playwright's own "
                "(Debian: apt-get install chromium; elsewhere: python -m playwright install "
                "chromium)"
            )
        chromium = playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=CHROMIUM_ARGS
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
