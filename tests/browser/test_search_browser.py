"""The search box in a real headless Chromium, on built sites opened from file://.

The sample project's site (tests/conftest.py) shows the ordinary case; a small project
whose names try to break out of the page shows that results are only ever text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config
from tests.factories import art, manifest, write_project

pytestmark = pytest.mark.browser

BOX = "[data-lineage-search]"
INPUT = "#lr-search"
RESULTS = "#lr-search-results li"
QUERY = "mnist-cnn"
HOSTILE = "</script><img src=x onerror=alert(1)>"
WIRING = (
    "no search box on the page: base.html must include partials/search.html and the build "
    "must write the index as assets['search-index.js'] (see docs/search.md)"
)
INDEX_LOADED = "() => document.querySelector('script[src*=\"search-index\"]') !== null"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    """Build a project whose names, types, keys and tags are markup, and some emoji names."""
    root = tmp_path_factory.mktemp("hostile")
    logged = [
        art(HOSTILE, type=HOSTILE, description=HOSTILE, metadata={HOSTILE: 1}, aliases=[HOSTILE]),
        art("😀-data", content="emoji"),
    ]
    first = manifest("run-1", 0, logged=logged, name=HOSTILE, job_type=HOSTILE, tags=[HOSTILE])
    second = manifest(
        "run-2", 5, used=["😀-data:v0"], name="uses-😀", logged=[art("😀-model", type="model")]
    )
    write_project(root, {"runs/a.json": first, "runs/b.json": second}, 'title = "hostile"\n')
    return build(load_config(root), root / "site").output


class Tab:
    """A page of a site, watched for errors, outside requests and loads of the index."""

    def __init__(self, page, watched, site: Path, path: str):
        self.page, self.site = page, site
        self.watcher = watched(page, site)
        self.index_requests: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", self._on_request)
        page.on("dialog", self._on_dialog)
        page.goto((site / path).as_uri())
        assert page.locator(BOX).count() == 1, WIRING

    def _on_request(self, request) -> None:
        """Remember requests for the search index."""
        if "search-index" in request.url:
            self.index_requests.append(request.url)

    def _on_dialog(self, dialog) -> None:
        """Remember (and dismiss) any alert: hostile markup must never run."""
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def search(self, text: str) -> list[str]:
        """Type a query into the box; return the result rows' texts."""
        self.page.fill(INPUT, text)
        self.page.wait_for_selector(RESULTS)
        return self.page.locator(RESULTS).all_inner_texts()

    def titles(self) -> list[str]:
        """Return the results' titles."""
        return self.page.locator(f"{RESULTS} .search-title").all_inner_texts()

    def url_of(self, path: str) -> str:
        """Return the file:// URL of a site path."""
        return (self.site / path).as_uri()


def test_index_loads_only_on_first_focus(page, watched, sample_site):
    tab = Tab(page, watched, sample_site, naming.INDEX)
    page.wait_for_load_state("load")
    assert tab.index_requests == []
    assert not page.evaluate(INDEX_LOADED)
    assert page.evaluate("() => window.LINEAGE_SEARCH === undefined")

    page.focus(INPUT)
    page.wait_for_function(INDEX_LOADED)
    rows = tab.search(QUERY)
    assert 1 <= len(rows) <= 20
    assert len(tab.index_requests) == 1
    tab.watcher.assert_clean()


def test_results_rank_exact_name_then_prefix(page, watched, sample_site):
    tab = Tab(page, watched, sample_site, naming.INDEX)
    tab.search(QUERY)
    titles = tab.titles()
    assert len(titles) == 20  # more match; the box shows the best 20
    assert titles[0] == QUERY
    assert titles[1] == "mnist-cnn:v14"  # the artifact's versions follow, newest first
    others = [t for t in titles[1:] if not t.startswith(QUERY + ":")]
    assert others and all(t.startswith(QUERY + "-") for t in others)  # then longer names
    badges = page.locator(f"{RESULTS} .badge.kind").all_inner_texts()
    assert badges[:2] == ["artifact", "version"]
    hrefs = page.eval_on_selector_all(f"{RESULTS} a", "links => links.map(a => a.href)")
    for href in hrefs:
        assert href.startswith(sample_site.as_uri() + "/")
        assert Path(sample_site, href[len(sample_site.as_uri()) + 1 :]).is_file(), href
    tab.watcher.assert_clean()


def test_an_alias_names_its_version(page, watched, sample_site):
    tab = Tab(page, watched, sample_site, naming.INDEX)
    tab.search("MNIST-CNN:latest")  # case does not matter
    assert tab.titles()[0] == "mnist-cnn:v14"
    tab.watcher.assert_clean()


@pytest.mark.parametrize(
    ("moves", "target"),
    [
        (["ArrowDown"], naming.artifact_path(QUERY)),
        (
            ["ArrowDown", "ArrowDown", "ArrowDown", "ArrowUp"],
            naming.node_path("artifact:mnist-cnn:v14"),
        ),
    ],
)
def test_arrow_keys_and_enter_open_a_result(page, watched, sample_site, moves, target):
    # Start one folder deep, so result links must climb back to the site's root.
    tab = Tab(page, watched, sample_site, naming.node_path("artifact:mnist-train:v0"))
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "lr-search"
    tab.search(QUERY)
    for key in moves:
        page.keyboard.press(key)
    selected = page.locator(f'{RESULTS}[aria-selected="true"]')
    assert selected.count() == 1
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == tab.url_of(target)
    tab.watcher.assert_clean()


def test_slash_focuses_the_box_unless_typing(page, watched, sample_site):
    tab = Tab(page, watched, sample_site, naming.RUNS)
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "lr-search"
    assert page.input_value(INPUT) == ""  # the slash focused the box, it was not typed
    page.keyboard.type("a/b")
    assert page.input_value(INPUT) == "a/b"  # in the box, a slash is text
    tab.watcher.assert_clean()


def test_escape_closes_the_results_and_keeps_the_query(page, watched, sample_site):
    tab = Tab(page, watched, sample_site, naming.INDEX)
    page.focus(INPUT)
    tab.search("train")
    page.keyboard.press("Escape")
    assert page.locator("#lr-search-results").is_hidden()
    assert page.input_value(INPUT) == "train"
    assert page.get_attribute(INPUT, "aria-expanded") == "false"
    page.keyboard.press("ArrowDown")  # closed: arrows do nothing, Enter goes nowhere
    page.keyboard.press("Enter")
    assert page.url == tab.url_of(naming.INDEX)
    tab.watcher.assert_clean()


def test_no_results_says_so(page, watched, sample_site):
    tab = Tab(page, watched, sample_site, naming.INDEX)
    page.focus(INPUT)
    page.wait_for_function(INDEX_LOADED)
    page.fill(INPUT, "no-such-thing-anywhere")
    page.wait_for_function(
        "() => document.querySelector('[data-lineage-search] [role=status]').textContent"
        " === 'No results'"
    )
    assert page.locator("#lr-search-results").is_hidden()
    tab.watcher.assert_clean()


def test_hostile_names_are_shown_as_text(page, watched, hostile_site):
    tab = Tab(page, watched, hostile_site, naming.INDEX)
    page.focus(INPUT)
    tab.search("onerror")
    assert HOSTILE in tab.titles()
    assert page.locator("#lr-search-results img").count() == 0
    assert tab.dialogs == []
    tab.watcher.assert_clean()


def test_names_beyond_the_basic_plane_decode_whole(page, watched, hostile_site):
    # Titles and paths are front-coded in UTF-16 units; an emoji is two of them.
    tab = Tab(page, watched, hostile_site, naming.INDEX)
    page.focus(INPUT)
    tab.search("😀")
    titles = tab.titles()
    assert {"😀-data", "😀-model", "😀-data:v0", "😀-model:v0", "uses-😀"} <= set(titles)
    hrefs = page.eval_on_selector_all(f"{RESULTS} a", "links => links.map(a => a.href)")
    expected = {tab.url_of(naming.artifact_path("😀-model"))}
    assert expected <= set(hrefs)
    tab.watcher.assert_clean()
