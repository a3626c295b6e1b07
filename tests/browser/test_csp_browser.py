"""The Content-Security-Policy in a real headless Chromium: what the site needs still works,
and a script written into a page does not run.

The sample project's site is opened from file:// and from `lineage-report serve` on
127.0.0.1, whose live-reload script asks the server for the build status (connect-src 'self'
must allow it): the graph draws, markdown tables keep their alignment and the search box
answers, with no violation reported. A copy of a built page with a script and an event
handler written into it runs neither, and Chromium reports both; the same copy without the
policy runs both, so the policy is what stops them. The single-file report shows its inlined
styles under its own hash-based policy. tests/test_csp.py checks the policy text itself.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.serve import start
from lineage_report.singlefile import make_single_file
from tests.conftest import SAMPLE

pytestmark = pytest.mark.browser

# Installed before any page script (by the browser, so the policy does not apply to it).
LISTEN = (
    "window.__violations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.__violations.push([e.effectiveDirective, e.blockedURI]));"
)
INJECTED = (
    "<script>window.__script_ran = true</script>"
    '<img src="data:image/png;base64,AAAA" onerror="window.__handler_ran = true">'
)
NOT_FOUND = "the server responded with a status of 404 (Not Found)"
BLOCKED = "violates the following Content Security Policy directive 'script-src 'self''"
VERSION = naming.node_path("artifact:mnist-cnn:v6")  # a description with an aligned table


@dataclass
class Origin:
    """Where the site is opened from: its folder on disk and the URL of that folder."""

    folder: Path
    url: str


@dataclass
class Tab:
    """A page opened with the violation listener, recording errors and every request."""

    page: object
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def on_console(self, message) -> None:
        """Record a console error, with the URL it concerns."""
        if message.type == "error":
            self.errors.append(f"{message.location.get('url', '')}: {message.text}")

    def open(self, url: str) -> None:
        """Go to a page and wait for it to load."""
        self.page.goto(url)
        self.page.wait_for_load_state("load")

    def violations(self) -> list[list[str]]:
        """Return the policy violations the page reported, as [directive, blocked URI]."""
        return self.page.evaluate("window.__violations")


@pytest.fixture(scope="module")
def file_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the sample project's site once for this module."""
    return build(load_config(SAMPLE), tmp_path_factory.mktemp("csp") / "site").output


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    """Serve a copy of the sample project with `lineage-report serve` on 127.0.0.1."""
    project = Path(shutil.copytree(SAMPLE, tmp_path_factory.mktemp("served") / "project"))
    with start(load_config(project), port=0) as server:
        yield server


@pytest.fixture(params=["file", "http"])
def origin(request, file_site) -> Origin:
    """Open the site from file://, then from the local server."""
    if request.param == "file":
        return Origin(file_site, file_site.as_uri() + "/")
    server = request.getfixturevalue("served")
    return Origin(server.output, server.url)


@pytest.fixture
def tab(page) -> Tab:
    """Return a watched page: console errors, uncaught errors and requests are recorded."""
    watched = Tab(page)
    page.add_init_script(LISTEN)
    page.on("console", watched.on_console)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    page.on("request", lambda request: watched.requests.append(request.url))
    return watched


def assert_clean(tab: Tab, origin: Origin) -> None:
    """Assert no violation, no error, and nothing asked for outside the site."""
    assert tab.violations() == []
    # Over http Chromium asks for /favicon.ico by itself; the site has none.
    favicon = f"{origin.url}favicon.ico: Failed to load resource: {NOT_FOUND}"
    assert [error for error in tab.errors if error != favicon] == []
    assert all(url.startswith(origin.url) for url in tab.requests), tab.requests


def test_graph_draws_and_tables_keep_their_alignment(tab, origin):
    """vis-network and lineage-graph.js load from 'self'; markdown tables keep their alignment."""
    tab.open(origin.url + naming.GRAPH)
    tab.page.evaluate("window.lineageView.ready")
    assert len(tab.page.evaluate("window.lineageView.visibleNodeIds()")) > 10
    assert tab.violations() == []
    tab.open(origin.url + VERSION)
    tab.page.evaluate("window.lineageView.ready")
    assert tab.page.evaluate("window.lineageView.visibleNodeIds()")
    cell = "getComputedStyle(document.querySelector('td.align-right')).textAlign"
    assert tab.page.evaluate(cell) == "right"  # a class of the site's stylesheet
    assert_clean(tab, origin)


def test_search_answers(tab, origin):
    """search.js and the index it loads on first use (a <script src>) run under 'self'."""
    tab.open(origin.url + naming.INDEX)
    tab.page.fill("#lr-search", "mnist-cnn")
    tab.page.wait_for_selector("#lr-search-results li")
    assert tab.page.locator("#lr-search-results li").count() > 3
    assert any("search-index" in url for url in tab.requests)  # loaded by a <script src>
    assert_clean(tab, origin)


def test_live_reload_may_ask_the_server(tab, served):
    """connect-src 'self': serve's script reaches its status endpoint with the policy on."""
    tab.open(served.url)
    tab.page.wait_for_timeout(300)  # the script's first long-poll
    assert any("/__livereload?" in url for url in tab.requests)
    assert_clean(tab, Origin(served.output, served.url))


def test_injected_script_and_handler_do_not_run(tab, origin):
    """Written into a copy of a built page, neither runs, and both are reported."""
    page = (origin.folder / naming.RUNS).read_text(encoding="utf-8")
    injected = page.replace("</main>", INJECTED + "</main>")
    (origin.folder / "runs" / "injected.html").write_text(injected, encoding="utf-8")
    tab.open(origin.url + "runs/injected.html")
    tab.page.wait_for_timeout(200)
    ran = "[window.__script_ran, window.__handler_ran]"
    assert tab.page.evaluate(ran) == [None, None]
    assert tab.violations() == [["script-src-elem", "inline"], ["script-src-attr", "inline"]]
    blocked = [error.split(": ", 1)[1] for error in tab.errors if BLOCKED in error]
    assert [error.split(" violates ")[0] for error in blocked] == [
        "Executing inline script",
        "Executing inline event handler",
    ]

    policy = injected[injected.index('<meta http-equiv="Content-Security-Policy"') :]
    policy = policy[: policy.index(">") + 1]
    (origin.folder / "runs" / "open.html").write_text(injected.replace(policy, ""), "utf-8")
    tab.open(origin.url + "runs/open.html")
    tab.page.wait_for_function("window.__handler_ran === true")
    assert tab.page.evaluate(ran) == [True, True]  # without the policy, both run


def test_single_file_shows_its_styles_under_its_policy(tab, tmp_path):
    """Its one <style> (hash) applies, table alignments too (classes); nothing is reported."""
    report = make_single_file(load_config(SAMPLE), tmp_path / "report.html").path
    tab.open(report.as_uri() + "#" + VERSION.removesuffix(".html"))
    style = "s => getComputedStyle(document.querySelector(s))"
    assert tab.page.evaluate(f"({style})('.site-header').display") == "flex"
    assert tab.page.evaluate(f"({style})('.page:target td.align-right').textAlign") == "right"
    assert_clean(tab, Origin(tmp_path, report.as_uri()))
    assert tab.requests == [report.as_uri()]
