"""The Content-Security-Policy of the site's pages and of the single-file report, read as text.

What the policy does in a browser (the graph and search still work, an injected script does
not run) is tested in tests/browser/test_csp_browser.py; these tests check that every page
carries it in the right place and holds nothing it would block.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.markdown import render_markdown
from lineage_report.singlefile import make_single_file
from tests.conftest import ROOT, SAMPLE

JS_TYPES = {"", "text/javascript", "application/javascript", "module"}


def source(text: str) -> str:
    """Return the CSP hash source that allows exactly `text` inline."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def site_policy(base_uri: str = "'none'") -> str:
    """Return the policy every page of the regular site must carry."""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data:; base-uri {base_uri}; "
        "form-action 'none'"
    )


class Inline(HTMLParser):
    """Collects what a Content-Security-Policy governs on one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.head: list[str] = []  # the <head>'s elements in order, as "tag" or "meta:<key>"
        self.policies: list[str] = []
        self.scripts: list[str] = []  # src of each script, "inline" for inline JavaScript
        self.styles: list[str] = []  # inline <style> texts
        self.style_attrs: set[str] = set()
        self.handlers: list[str] = []  # on* attributes
        self._in: str | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record the element's policy, script, style and handlers."""
        values = {k: v or "" for k, v in attrs}
        if tag == "head":
            self._in_head = True
        elif self._in_head:
            key = values.get("http-equiv") or values.get("name") or ",".join(values)
            self.head.append(f"{tag}:{key}" if tag == "meta" else tag)
        if tag == "meta" and values.get("http-equiv", "").lower() == "content-security-policy":
            self.policies.append(values.get("content", ""))
        if "style" in values:
            self.style_attrs.add(values["style"])
        self.handlers += [name for name in values if name.startswith("on")]
        if tag == "script" and values.get("type", "").lower() in JS_TYPES:
            self.scripts.append(values.get("src") or "inline")
            self._in = "script"
        elif tag == "style":
            self._in = "style"
            self.styles.append("")

    def handle_endtag(self, tag: str) -> None:
        """Leave the head, a script or a style."""
        if tag == "head":
            self._in_head = False
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        """Keep the text of an inline style."""
        if self._in == "style":
            self.styles[-1] += data


def inline(path: Path) -> Inline:
    """Parse one page."""
    parser = Inline()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


@pytest.fixture(scope="module")
def based_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the sample project with a --base-url (its 404 page gets a <base>)."""
    config = load_config(SAMPLE, base_url="https://example.github.io/mnist/")
    return build(config, tmp_path_factory.mktemp("based") / "site").output


def test_every_page_carries_the_policy_first(sample_site):
    """One policy per page, right after the charset: it governs only what follows it."""
    pages = sorted(sample_site.rglob("*.html"))
    assert len(pages) == 90
    for page in pages:
        found = inline(page)
        assert found.policies == [site_policy()], page
        assert found.head[:2] == ["meta:charset", "meta:Content-Security-Policy"], page


def test_a_404_page_with_a_base_allows_that_base(based_site):
    """--base-url puts a <base> on 404.html; only there is base-uri 'self'."""
    assert inline(based_site / "404.html").policies == [site_policy("'self'")]
    assert '<base href="https://example.github.io/mnist/">' in (based_site / "404.html").read_text()
    assert inline(based_site / "index.html").policies == [site_policy()]


def test_pages_hold_nothing_the_policy_blocks(sample_site):
    """No inline script or style, no style="" (the policy allows none), no event handler."""
    for page in sample_site.rglob("*.html"):
        found = inline(page)
        assert "inline" not in found.scripts, page
        assert found.styles == [] and found.handlers == [], page
        assert found.style_attrs == set(), page
        assert all(not re.match(r"\w+:|//", src) for src in found.scripts), page  # 'self' only
    right = '<td class="align-right">'
    aligned = [p for p in sample_site.rglob("*.html") if right in p.read_text()]
    assert aligned  # the sample's descriptions hold right-aligned markdown columns


def test_markdown_table_alignments_are_classes_not_styles():
    """markdown-it's style="text-align:…" becomes a class the theme's stylesheet aligns."""
    html = render_markdown("| a | b | c | d |\n|:--|--:|:-:|---|\n| 1 | 2 | 3 | 4 |\n")
    assert "style=" not in html
    cells = re.findall(r"<t[hd]( class=\"[^\"]*\")?>", html)
    assert cells == [' class="align-left"', ' class="align-right"', ' class="align-center"', ""] * 2
    css = (ROOT / "themes" / "default" / "assets" / "style.css").read_text()
    assert all(
        f".align-{side} {{ text-align: {side}; }}" in css for side in ("left", "right", "center")
    )


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Write the single-file report of the sample project with an extra.css in CRLF lines."""
    root = Path(shutil.copytree(SAMPLE, tmp_path_factory.mktemp("single") / "project"))
    (root / "theme" / "assets").mkdir(parents=True)
    (root / "theme" / "assets" / "extra.css").write_bytes(b"h1 {\r\n  color: #a00;\r\n}\r\n")
    with open(root / "lineage-report.toml", "a", encoding="utf-8") as config:
        config.write('\n[theme]\ncustom_dir = "theme"\n')
    return make_single_file(load_config(root), root.parent / "report.html").path


def test_single_file_policy_allows_only_its_own_style(single):
    """The single file runs no script and loads nothing; its one <style> is allowed by hash
    (line ends normalized first, as the browser's parser does before hashing)."""
    assert b"\r" not in single.read_bytes()
    found = inline(single)
    assert found.scripts == [] and found.handlers == []
    assert len(found.styles) == 1 and found.style_attrs == set()
    assert found.policies == [
        f"default-src 'none'; style-src {source(found.styles[0])}; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    ]


def test_single_file_style_leaves_out_the_graph_rules(single):
    """The file draws no graph, so the graph's rules that style.css carries stay out of it;
    the site's own rules and the custom extra.css stay in."""
    (style,) = inline(single).styles
    assert ".lg" not in style and "--lg-" not in style
    assert ".align-right { text-align: right; }" in style and "color: #a00;" in style
