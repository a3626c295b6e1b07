"""A project full of payloads, every page of its site opened from file:// in headless Chromium.

Names, types, aliases, ids, job types, metadata keys and values, config, notes,
descriptions, the title, the README, file paths and even a manifest's file name carry
HTML, JavaScript, `</script>`, `javascript:` links, control characters, right-to-left
marks, Korean and Chinese text and 5,000-character strings. On every page: no dialog
opens, `window.__pwned` stays undefined, no element carries an event-handler attribute,
no link has a `javascript:` URL, no script runs but the site's own, and the console stays
clean. The search box gets every payload typed into it, and the graph's preview panel and
Mermaid export get the hostile nodes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config
from tests.factories import art, manifest, write_project

pytestmark = pytest.mark.browser

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
BREAK = "</script><script>window.__pwned=1</script>"
SVG = "<svg onload=alert(1)>"
ATTR = "' onmouseover='alert(1)' x='"
JS_URL = "javascript:alert(1)"
MARKDOWN = (
    "# Notes\n\n[x](javascript:alert(1)) [y](JaVaScRiPt:alert(1)) [v](vbscript:msgbox(1)) "
    "[d](data:text/html,<script>alert(1)</script>) ![i](javascript:alert(1))\n\n"
    '<a href="javascript:alert(1)">raw</a> <img src=x onerror=alert(1)> '
    "<script>window.__pwned=1</script>\n\n"
    "[ok](https://example.com/?q=<b>) <javascript:alert(1)>\n"
)
CONTROL = "ctrl\x01\x02\x07\x1b[31m\x7f\u0085end"
RTL = "\u202e\u2067evil\u200f\u061c"
KOREAN = "한국어 데이터셋"
CHINESE = "中文训练数据"
LONG = (IMG + "长" * 40) * 70  # 5,000+ characters, payload throughout
PAYLOADS = [SCRIPT, IMG, BREAK, SVG, ATTR, JS_URL, CONTROL, RTL, KOREAN, CHINESE, LONG[:5000]]

# What a page must not contain once loaded, as one JavaScript check returning what it found.
INSPECT = """() => {
  const found = [];
  if (window.__pwned !== undefined) found.push('window.__pwned is set');
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.toLowerCase().startsWith('on')) found.push(`<${el.localName} ${attr.name}>`);
    }
  }
  for (const a of document.querySelectorAll('[href], [src], [action], [formaction]')) {
    for (const name of ['href', 'src', 'action', 'formaction']) {
      const value = (a.getAttribute(name) || '').replace(/[\\s\\u0000-\\u001f]/g, '');
      if (/^(javascript|vbscript|data:text\\/html)/i.test(value)) {
        found.push(`<${a.localName} ${name}="${value.slice(0, 40)}">`);
      }
    }
  }
  for (const s of document.scripts) {
    // Ours: the site's assets, a job type's runs-table data beside its page, the graph data,
    // its preview shards (previews/<n>.js) and cluster member files (members/<digest>.js).
    const path = s.src ? new URL(s.src).pathname : '';
    const own = s.src
      ? /\\/assets\\/|\\/jobs\\/[^/]+-runs\\.js$/.test(path)
        || /\\/(previews\\/[0-9]+|members\\/[0-9a-f]+)\\.js$/.test(path)
      : s.type === 'application/json';
    if (!own) found.push('foreign script: ' + (s.src || s.textContent.slice(0, 60)));
  }
  for (const el of document.querySelectorAll('img, iframe, object, embed, svg, frame, base')) {
    if (el.localName !== 'base' || el.getAttribute('href') !== null) {
      found.push('element <' + el.localName + '>');
    }
  }
  return found;
}"""
GRAPH_READY = "() => window.lineageView ? window.lineageView.ready.then(() => true) : false"


def payload_project(root: Path) -> Path:
    """Write a three-run project whose every string field is a payload, plus a broken file."""
    first_logged = art(
        IMG,
        SCRIPT,
        aliases=[BREAK, JS_URL, RTL, "best"],
        description=MARKDOWN,
        metadata={SCRIPT: BREAK, "control": CONTROL, JS_URL: LONG, "nested": {IMG: [SVG, ATTR]}},
        files=[{"path": SCRIPT, "size": 1, "digest": "sha256:" + "ab" * 32}],
        references=[{"uri": JS_URL, "name": IMG, "digest": BREAK, "size": 3}],
    )
    first = manifest(
        BREAK,
        0,
        name=SCRIPT,
        job_type=IMG,
        notes=MARKDOWN,
        config={SCRIPT: IMG, "lr": BREAK, "long": LONG, ATTR: [SVG]},
        summary={IMG: 0.5, "rtl": RTL},
        tags=[SVG, RTL, KOREAN],
        project=ATTR,
        host=SVG,
        user=CONTROL,
        git={"remote": JS_URL, "commit": IMG, "dirty": True},
        logged=[first_logged, art(KOREAN, CHINESE, aliases=[KOREAN]), art(LONG, LONG)],
    )
    first[SCRIPT] = {IMG: BREAK}  # an unknown top-level key: kept and shown
    second = manifest(
        KOREAN,
        10,
        name=CHINESE,
        job_type=RTL + "train",
        used=[f"{IMG}:latest", f"{KOREAN}:v0", f"{SVG}:v0", {"name": JS_URL, "alias": BREAK}],
        logged=[art(CHINESE, "model", aliases=["production", IMG], description=SCRIPT)],
    )
    third = manifest(CONTROL, 20, name=LONG, job_type=LONG, used=[f"{CHINESE}:production"])
    broken = manifest("broken", 30, started_at=IMG)
    readme = f"# {SCRIPT}\n\n{MARKDOWN}\n\n{KOREAN} {CHINESE} {RTL}\n"
    (root).mkdir(parents=True, exist_ok=True)
    (root / "README.md").write_text(readme, encoding="utf-8")
    return write_project(
        root,
        {
            "runs/first.json": first,
            "runs/second.json": second,
            "runs/third.json": third,
            f"runs/bad-{IMG.replace('/', '')}.json": broken,
        },
        f"title = {json.dumps(BREAK + ' ' + KOREAN)}\n",
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build the payload project once for this module."""
    root = tmp_path_factory.mktemp("payloads")
    return build(load_config(payload_project(root / "project")), root / "site").output


@pytest.fixture
def tab(page, site, watched):
    """Return a page that records dialogs, and its watcher (console, errors, requests)."""
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.dialogs = dialogs
    return page, watched(page, site)


def open_page(page, site: Path, path: str) -> None:
    """Open a page of the site and wait for its graph, if it has one, to draw."""
    page.goto((site / path).as_uri(), wait_until="load")
    page.evaluate(GRAPH_READY)


def every_page(site: Path) -> list[str]:
    """Return every HTML page of the site, relative to it."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def test_the_project_is_what_the_test_means(site: Path) -> None:
    data = json.loads((site / naming.LINEAGE_JSON).read_text(encoding="utf-8"))
    ids = {n["id"] for n in data["nodes"]}
    for node in (f"run:{BREAK}", f"run:{KOREAN}", f"run:{CONTROL}", f"artifact:{IMG}:v0"):
        assert node in ids
    assert [p["kind"] for p in data["problems"]].count("manifest.invalid") == 1
    assert len(every_page(site)) > 20


def test_no_page_runs_a_payload(tab, site: Path) -> None:
    page, watcher = tab
    failures = {}
    for path in every_page(site):
        open_page(page, site, path)
        found = page.evaluate(INSPECT)
        if found:
            failures[path] = found
    assert failures == {}
    assert page.dialogs == []
    watcher.assert_clean()


def test_payloads_show_as_text(tab, site: Path) -> None:
    page, watcher = tab
    open_page(page, site, naming.node_path(f"run:{BREAK}"))
    assert page.locator("h1").first.text_content() == SCRIPT
    assert page.evaluate("document.body.dataset.run") == BREAK
    assert BREAK in page.title()
    open_page(page, site, naming.node_path(f"artifact:{IMG}:v0"))
    assert page.evaluate("document.body.dataset.artifact") == f"{IMG}:v0"
    assert page.locator("h1").first.text_content() == f"{IMG}:v0"
    open_page(page, site, naming.node_path(f"run:{KOREAN}"))
    assert page.locator("h1").first.text_content() == CHINESE
    open_page(page, site, naming.PROBLEMS)
    assert IMG in page.locator("table.problems").inner_text()
    assert page.dialogs == []
    watcher.assert_clean()


def test_markdown_links_with_unsafe_schemes_are_not_links(tab, site: Path) -> None:
    page, watcher = tab
    for path in (
        naming.INDEX,
        naming.node_path(f"run:{BREAK}"),
        naming.node_path(f"artifact:{IMG}:v0"),
    ):
        open_page(page, site, path)
        hrefs = page.eval_on_selector_all(
            ".description a, main a", "els => els.map(e => e.getAttribute('href'))"
        )
        assert not [
            h
            for h in hrefs
            if h and h.strip().lower().startswith(("javascript", "vbscript", "data"))
        ]
        assert "https://example.com/?q=%3Cb%3E" in hrefs  # a safe link stays a link
    watcher.assert_clean()


def test_search_box_shows_payloads_as_text(tab, site: Path) -> None:
    page, watcher = tab
    open_page(page, site, naming.INDEX)
    box = page.locator("#lr-search")
    if box.count() == 0:
        pytest.skip("no search box on the pages")
    box.focus()
    page.wait_for_function("() => document.querySelector('script[src*=\"search-index\"]')")
    for query in [SCRIPT, IMG, BREAK, SVG, JS_URL, KOREAN, CHINESE, "onerror", "script"]:
        box.fill(query)
        page.wait_for_timeout(30)
        found = page.evaluate(INSPECT)
        assert found == [], (query, found)
    box.fill("onerror")
    titles = page.locator("#lr-search-results .search-title").all_text_contents()
    assert IMG + ":v0" in titles or IMG in titles
    assert page.dialogs == []
    watcher.assert_clean()


def test_graph_preview_and_mermaid_show_payloads_as_text(tab, site: Path) -> None:
    page, watcher = tab
    open_page(page, site, naming.GRAPH)
    if not page.evaluate("Boolean(window.lineageView)"):
        pytest.skip("the project graph page draws no graph")
    for node in harness.lv(page, "visibleNodeIds()")[:12]:
        spot = harness.node_spot(page, node)
        page.mouse.click(spot["x"], spot["y"])
        page.wait_for_timeout(30)
        assert page.evaluate(INSPECT) == [], node
    page.locator('[data-lg="export-mermaid"]').click()
    mermaid = page.locator('[data-lg="mermaid"]').input_value()
    assert mermaid
    assert "<" not in mermaid.replace("<br/>", ""), mermaid[:400]
    assert page.evaluate(INSPECT) == []
    assert page.dialogs == []
    watcher.assert_clean()


def test_a_description_image_fetches_nothing_from_another_host(page, watched, tmp_path) -> None:
    # A tracking pixel in a description would tell its author who opened the report, and when.
    text = "![pixel](https://example.com/pixel.png) ![pixel](//example.com/p.png)"
    project = write_project(
        tmp_path / "p", {"a.json": manifest("a", 0, logged=[art("d", description=text)])}
    )
    site = build(load_config(project), tmp_path / "site").output
    watcher = watched(page, site)
    open_page(page, site, naming.node_path("artifact:d:v0"))
    assert watcher.outside_requests == []
