"""The single-file report: the whole built site as one self-contained HTML page, for mail.

`snapshot --single-file` builds the site into a temporary folder and keeps each page's
`<main>`, re-serialised through an allow-list (no scripts, every text escaped, links rewritten
to in-file ids). A CSS-only router (`:target`) shows one page at a time, and a
Content-Security-Policy forbids every load and every script, and allows only the file's own
stylesheet (by its hash; table alignments are classes). The file's
digest is its own SHA-256; `verify` checks it with `--digest`. The page template is
`themes/default/snapshot/single-file.html`.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import posixpath
import re
import tempfile
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import SplitResult, quote, unquote, urlsplit

from markupsafe import Markup

from . import naming
from .build import build
from .config import Config
from .problems import Problems
from .render import theme_asset_files, theme_dirs
from .snapshot import SnapshotResult, snapshot_template
from .version import __version__
from .write import atomic_file

MAIL_LIMIT = 20_000_000  # above this, many mail servers refuse the attachment
# Pages left out of the single file: the graph needs its script, 404 is for web servers.
SKIP_PAGES = {naming.GRAPH, naming.NOT_FOUND}
KEEP_TAGS = {
    "a", "abbr", "article", "aside", "b", "blockquote", "br", "caption", "code", "col",
    "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "nav", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u",
    "ul", "var", "wbr",
}  # fmt: skip
# The open elements a start tag closes when their end tags were left out.
IMPLIED_BY = {
    "td": ("td", "th"), "th": ("td", "th"), "tr": ("td", "th", "tr"),
    "dt": ("dt", "dd"), "dd": ("dt", "dd"),
}  # fmt: skip
VOID_TAGS = {"br", "col", "hr", "img", "wbr", "area", "base", "embed", "input", "link", "meta",
             "param", "source", "track"}  # fmt: skip
# Elements dropped with everything inside them; any other unknown tag is unwrapped.
DROP_TAGS = {"script", "style", "template", "iframe", "object", "embed", "svg", "math",
             "canvas", "textarea", "select", "video", "audio", "title", "head", "noembed",
             "noframes"}  # fmt: skip
KEEP_ATTRS = {"class", "title", "lang", "dir", "scope", "colspan", "rowspan", "abbr", "role",
              "aria-label", "aria-hidden", "open", "datetime", "start", "reversed"}  # fmt: skip
WEB_SCHEMES = ("http", "https", "mailto")
DATA_IMAGE = re.compile(r"data:image/(png|gif|jpeg|webp)[;,]", re.I)
FRAGMENT_SAFE = "/:-._~!$&'()*+,;=@"
ROUTER_CSS = """
/* single-file router: one page at a time, chosen by the #fragment; all pages when printing */
.page + .page { border-top: 3px solid var(--line, #ccc); margin-top: 2rem; }
@supports selector(:has(*)) {
  .page { display: none; }
  .page + .page { border-top: 0; margin-top: 0; }
  .page:target, .page:has(:target), main:not(:has(:target)) > .page:first-child { display: block; }
}
@media print { .page { display: block !important; } }
"""


# --- Page bodies --------------------------------------------------------------------


def page_anchor(path: str) -> str:
    """Return the in-file id of a site page: its path without `.html`."""
    return path[: -len(".html")] if path.endswith(".html") else path


class PageBody(HTMLParser):
    """Re-serialises one built page's <main> through an allow-list, rewriting links to ids."""

    def __init__(self, path: str, pages: set[str]):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.pages = pages
        self.out: list[str] = []
        self.open: list[str] = []  # our own open elements: the body always comes out balanced
        self.in_main = False
        self.skip = 0  # depth inside an element dropped with its content

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Keep an allowed tag with its allowed attributes; drop or unwrap the rest."""
        if tag == "main":
            self.in_main = True
        elif not self.in_main:
            return
        elif self.skip or tag in DROP_TAGS:
            self.skip += tag not in VOID_TAGS
        elif tag == "img":
            self.image(dict((k, v or "") for k, v in attrs))
        elif tag == "noscript":  # no script runs here: the graph's no-JS note is a paragraph
            self.handle_starttag("p", [("class", "lg-noscript")])
        elif tag in KEEP_TAGS:
            self.close_implied(tag)
            self.out.append(f"<{tag}{self.attributes(tag, attrs)}>")
            if tag not in VOID_TAGS:
                self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        """Close an element we opened (and any left open inside it)."""
        if tag == "noscript":
            tag = "p"  # as it was opened
        if tag == "main":
            self.in_main = False
            self.close_all()
        elif not self.in_main or tag in VOID_TAGS:
            return
        elif self.skip:
            self.skip -= 1
        elif tag in self.open:
            while self.open:
                last = self.open.pop()
                self.out.append(f"</{last}>")
                if last == tag:
                    break

    def handle_data(self, data: str) -> None:
        """Keep text, escaped again."""
        if self.in_main and not self.skip:
            self.out.append(escape(data, quote=False))

    def close_implied(self, tag: str) -> None:
        """Close the cell, row, term or value a new one ends, as a browser does: the node
        tables and field lists leave their end tags out (HTML implies them)."""
        ends = IMPLIED_BY.get(tag, ())
        while self.open and self.open[-1] in ends:
            self.out.append(f"</{self.open.pop()}>")

    def close_all(self) -> None:
        """Close whatever the page left open."""
        while self.open:
            self.out.append(f"</{self.open.pop()}>")

    def image(self, attrs: dict[str, str]) -> None:
        """Keep an inline raster image; show any other image as its alt text."""
        alt = escape(attrs.get("alt", ""), quote=True)
        if DATA_IMAGE.match(attrs.get("src", "")):
            self.out.append(f'<img src="{escape(attrs["src"], quote=True)}" alt="{alt}">')
        else:
            self.out.append(f'<span class="image-alt">[image: {alt}]</span>')

    def attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> str:
        """Return the allowed attributes of a tag, ids and links rewritten for the one file."""
        kept: dict[str, str] = {}
        for name, value in attrs:
            value = value or ""
            if name in kept:
                continue
            if name == "id":
                kept["id"] = f"{page_anchor(self.path)}:{value}"
            elif name == "href" and tag == "a":
                self.link(value, kept)
            elif name in KEEP_ATTRS:
                kept[name] = value
        return "".join(f' {k}="{escape(v, quote=True)}"' for k, v in kept.items())

    def link(self, href: str, kept: dict[str, str]) -> None:
        """Point a site link at its page's id; keep web links; drop anything else."""
        href = href.strip()
        parts = urlsplit(href)
        if parts.scheme.lower() in WEB_SCHEMES and not href.startswith("//"):
            kept.update(href=href, rel="noopener noreferrer")
        elif not (parts.scheme or parts.netloc or href.startswith(("/", "\\"))):
            anchor = self.in_file_href(parts)
            if anchor:
                kept["href"] = anchor

    def in_file_href(self, parts: SplitResult) -> str | None:
        """Return `#<page id>[:<fragment>]` for a relative link, or None if it leaves the file."""
        target = self.path
        if parts.path:
            joined = posixpath.join(posixpath.dirname(self.path), unquote(parts.path))
            target = posixpath.normpath(joined)
        if target not in self.pages:
            return None  # an asset, lineage.json or the graph: not in the single file
        anchor = page_anchor(target)
        fragment = unquote(parts.fragment)
        return "#" + quote(f"{anchor}:{fragment}" if fragment else anchor, FRAGMENT_SAFE)


@dataclass
class SinglePage:
    """One site page inside the single file: its id and its cleaned body."""

    anchor: str
    body: Markup


def page_body(site: Path, path: str, pages: set[str]) -> SinglePage:
    """Return one built page's <main>, cleaned, as a section of the single file."""
    parser = PageBody(path, pages)
    parser.feed((site / path).read_text(encoding="utf-8", errors="replace"))
    parser.close()
    parser.close_all()
    return SinglePage(page_anchor(path), Markup("".join(parser.out)))


def site_pages(site: Path) -> list[str]:
    """Return the pages to include, the index first, then by path."""
    found = {p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.is_file()}
    found -= SKIP_PAGES
    return [naming.INDEX] + sorted(found - {naming.INDEX})


# --- Styles -------------------------------------------------------------------------


class Stylesheets(HTMLParser):
    """Collects the stylesheet links of a page's <head>."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record `<link rel="stylesheet" href>`."""
        values = {k: v or "" for k, v in attrs}
        if tag == "link" and "stylesheet" in values.get("rel", "").lower().split():
            self.hrefs.append(values.get("href", ""))


def graph_css(config: Config) -> str:
    """Return the graph's stylesheet, which the site's style.css carries (render.SHIPPED_IN)."""
    files = theme_asset_files(theme_dirs(config.theme_name, config.theme_custom_dir))
    path = files.get("lineage-graph.css")
    return path.read_text(encoding="utf-8", errors="replace").rstrip() if path else ""


def linked_css(site: Path) -> str:
    """Return the text of the index page's stylesheets that lie inside the site, in order."""
    parser = Stylesheets()
    parser.feed((site / naming.INDEX).read_text(encoding="utf-8", errors="replace"))
    texts = []
    for href in parser.hrefs:
        path = (site / unquote(urlsplit(href).path)).resolve()
        if site.resolve() in path.parents and path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)


def inline_css(site: Path, unused: str = "") -> Markup:
    """Return the index page's stylesheets, less the `unused` text, safe inside <style>."""
    css = linked_css(site).replace(unused, "") if unused else linked_css(site)
    # The file loads nothing (its CSP forbids it anyway), and "</" must not end the <style>.
    css = re.sub(r"@import[^;]*;", "", css)
    css = re.sub(r"url\((?!\s*['\"]?data:)[^)]*\)", "none", css, flags=re.I)
    # As the HTML parser will see it (newlines normalized, NUL replaced): the policy's hash
    # is over exactly the <style> element's text.
    css = re.sub(r"\r\n?", "\n", css).replace("\0", "\ufffd")
    return Markup("\n" + css.replace("</", "<\\/") + ROUTER_CSS)


def csp_hash(text: str) -> str:
    """Return the Content-Security-Policy source that allows exactly this inline text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def policy(css: str) -> str:
    """Return the file's Content-Security-Policy: no script, no load, only its own styles."""
    return (
        f"default-src 'none'; style-src {csp_hash(css)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


# --- The file -----------------------------------------------------------------------


def nav_links(pages: set[str]) -> list[tuple[str, str]]:
    """Return the header's links to the list pages the file holds."""
    return [(text, "#" + page_anchor(path)) for text, path in naming.SITE_NAV if path in pages]


def single_file_html(config: Config, site: Path) -> bytes:
    """Return the whole built site as one self-contained HTML page."""
    paths = site_pages(site)
    pages = set(paths)
    css = inline_css(site, graph_css(config))  # the file draws no graph: it runs no script
    html = snapshot_template("single-file.html").render(
        title=config.title,
        generator=f"lineage-report {__version__}",
        csp=Markup(policy(css)),  # hashes and keywords only: nothing to escape
        css=css,
        nav=nav_links(pages),
        pages=[page_body(site, path, pages) for path in paths],
    )
    return html.encode("utf-8")


def make_single_file(config: Config, output: Path) -> SnapshotResult:
    """Build the site and write it as one HTML file; its digest is the file's SHA-256."""
    with tempfile.TemporaryDirectory(prefix="lineage-snapshot-") as tmp:
        # One file holds one site: a split build's hub would inline no page.
        result = build(dataclasses.replace(config, split_by="none"), Path(tmp) / "site")
        data = single_file_html(config, result.output)
    with atomic_file(output) as tmp_path:
        tmp_path.write_bytes(data)
    problems = Problems()  # the file's own, printed as found, as the build's are
    if len(data) > MAIL_LIMIT:
        size, limit = len(data) / 1e6, MAIL_LIMIT / 1e6
        message = f"{size:.0f} MB, too big for most mail (over {limit:.0f} MB); send the zip"
        problems.warning(str(output), "", message, "snapshot.too-big-for-mail")
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    return SnapshotResult(output, digest, 1, len(data), result, problems.items)
