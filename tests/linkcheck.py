"""A link checker for built sites: every local link resolves, nothing loads from another host.

`check_site(site)` reads every `.html`, `.css` and `.js` file under `site` and returns a
list of problems as `file: what: message` strings (empty when the site is clean):

- every relative URL a page or stylesheet uses (href, src, srcset, poster, CSS `url()` and
  `@import`) names an existing file inside the site, after dropping `?query` and `#fragment`
  and percent-decoding; a `#fragment` names an `id` on the target page (one with `=` is a
  graph view's state, docs/graph.md: the target page must have a graph);
- no page or asset *loads* anything from another host: an absolute (`https://`) or
  protocol-relative (`//`) URL is only allowed where following it is the reader's choice
  (`<a href>`, `<link rel="canonical">` and the like), so a description may link anywhere;
- no shipped script makes requests (`fetch(`, `XMLHttpRequest`, ...), vis-network's library
  included: it ships inside the graph's script, and its text has none of them.

Only the standard library is used, so the checker runs wherever the tests run.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# <link rel=...> values that point somewhere for the reader, not something the page loads.
NAVIGATION_RELS = {
    "alternate",
    "author",
    "bookmark",
    "canonical",
    "help",
    "license",
    "me",
    "next",
    "prev",
    "search",
}
# Attributes that make the browser fetch a resource, whatever the tag.
LOAD_ATTRS = {"src", "poster"}
# Tags whose href is a load rather than a navigation (SVG images and sprites).
LOAD_HREF_TAGS = {"image", "use", "feimage"}
JS_TYPES = {"", "text/javascript", "application/javascript", "module"}
# A request from script: the ways a page can talk to a server at run time.
REQUEST = re.compile(
    r"\bfetch\s*\(|\bXMLHttpRequest\b|\bWebSocket\s*\(|\bEventSource\s*\(|sendBeacon"
)
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""", re.I)
CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


class PageParser(HTMLParser):
    """Collects the ids of a page and every URL it refers to, with how it uses each."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.urls: list[tuple[str, str, bool]] = []  # (where, url, loads)
        self.css: list[str] = []  # inline <style> text and style="" attributes
        self.scripts: list[str] = []  # inline JavaScript
        self._in: str | None = None  # "style" or "script" while inside one
        self._js = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record the tag's id, URLs and inline style."""
        values = {k: v or "" for k, v in attrs}
        for key in ("id", "name") if tag == "a" else ("id",):
            if values.get(key):
                self.ids.add(values[key])
        if values.get("style"):
            self.css.append(values["style"])
        self._collect_urls(tag, values)
        if tag in ("style", "script"):
            self._in = tag
            self._js = tag == "script" and values.get("type", "").strip().lower() in JS_TYPES

    def _collect_urls(self, tag: str, values: dict[str, str]) -> None:
        """Record every URL attribute of one tag, marking those the browser loads by itself."""
        for attr, value in values.items():
            where = f"<{tag} {attr}>"
            if attr in LOAD_ATTRS or (attr == "data" and tag == "object"):
                self.urls.append((where, value, True))
            elif attr in ("srcset", "imagesrcset"):
                for candidate in value.split(","):
                    if candidate.strip():
                        self.urls.append((where, candidate.split()[0], True))
            elif attr in ("href", "xlink:href"):
                self.urls.append((where, value, self._href_loads(tag, values)))
            elif attr in ("action", "formaction"):
                self.urls.append((where, value, False))

    @staticmethod
    def _href_loads(tag: str, values: dict[str, str]) -> bool:
        """Tell whether an href makes the browser fetch something (a stylesheet, an icon)."""
        if tag == "link":
            rels = set(values.get("rel", "").lower().split())
            return not rels or not rels <= NAVIGATION_RELS
        return tag in LOAD_HREF_TAGS

    def handle_endtag(self, tag: str) -> None:
        """Leave a <style> or <script> element."""
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        """Keep the text of inline styles and scripts."""
        if self._in == "style":
            self.css.append(data)
        elif self._in == "script" and self._js:
            self.scripts.append(data)


def css_urls(text: str) -> list[str]:
    """Return every URL a stylesheet refers to (url() and @import)."""
    text = CSS_COMMENT.sub("", text)
    found = [next(g for g in m.groups() if g is not None) for m in CSS_URL.finditer(text)]
    found += [m.group(1) or m.group(2) for m in CSS_IMPORT.finditer(text)]
    return found


class SiteChecker:
    """Checks one site folder; pages are parsed once and their ids cached."""

    def __init__(self, site: Path):
        self.site = site.resolve()
        self.problems: list[str] = []
        self._pages: dict[Path, PageParser] = {}

    def page(self, path: Path) -> PageParser:
        """Parse a page (once) and return what it holds."""
        if path not in self._pages:
            parser = PageParser()
            parser.feed(path.read_text(encoding="utf-8", errors="replace"))
            parser.close()
            self._pages[path] = parser
        return self._pages[path]

    def report(self, file: Path, where: str, message: str) -> None:
        """Record one problem, naming the file by its path inside the site."""
        self.problems.append(f"{file.relative_to(self.site).as_posix()}: {where}: {message}")

    def run(self) -> list[str]:
        """Check every page, stylesheet and script of the site."""
        for file in sorted(p for p in self.site.rglob("*") if p.is_file()):
            suffix = file.suffix.lower()
            if suffix in (".html", ".htm"):
                self.check_page(file)
            elif suffix == ".css":
                self.check_css(file, file.read_text(encoding="utf-8", errors="replace"))
            elif suffix in (".js", ".mjs"):
                self.check_script(file, file.read_text(encoding="utf-8", errors="replace"))
        return self.problems

    def check_page(self, file: Path) -> None:
        """Check every URL, inline style and inline script of one page."""
        parsed = self.page(file)
        for where, url, loads in parsed.urls:
            self.check_url(file, where, url, loads)
        for text in parsed.css:
            self.check_css(file, text)
        for text in parsed.scripts:
            self.check_script(file, text)

    def check_css(self, file: Path, text: str) -> None:
        """Check the URLs of a stylesheet: all are loads."""
        for url in css_urls(text):
            self.check_url(file, "css url()", url, loads=True)

    def check_script(self, file: Path, text: str) -> None:
        """Refuse scripts that make requests."""
        match = REQUEST.search(text)
        if match:
            self.report(file, "script", f"makes a request ({match.group(0).strip()})")

    def check_url(self, file: Path, where: str, url: str, loads: bool) -> None:
        """Check one URL found in `file`."""
        url = url.strip()
        label = f"{where} {url!r}"
        if url.lower().startswith("data:"):
            return  # inline content: nothing is fetched
        if url.lower().startswith("javascript:"):
            self.report(file, label, "javascript: URL")
            return
        if url.startswith("//") or SCHEME.match(url):
            if loads:
                self.report(file, label, "loads a resource from another host")
            return
        if url.startswith("/") or url.startswith("\\"):
            self.report(file, label, "root-relative URL breaks under file:// and sub-paths")
            return
        self.check_local(file, label, url)

    def check_local(self, file: Path, label: str, url: str) -> None:
        """Check that a relative URL names a file inside the site, and its fragment an id."""
        parts = urlsplit(url)
        path = unquote(parts.path)
        target = (file.parent / path).resolve() if path else file
        if target != self.site and self.site not in target.parents:
            self.report(file, label, "points outside the site folder")
        elif target.is_dir():
            self.report(file, label, "points to a folder (file:// shows no index page)")
        elif not target.is_file():
            self.report(file, label, "points to a missing file")
        elif parts.fragment and target.suffix.lower() in (".html", ".htm"):
            fragment = unquote(parts.fragment)
            ids = self.page(target).ids
            if "=" in fragment:  # a graph view's state (docs/graph.md): the page needs a graph
                if "lineage-graph" not in ids:
                    self.report(file, label, f"a graph view '{fragment}' on a page with no graph")
            elif fragment not in ids:
                self.report(file, label, f"no id '{fragment}' on the target page")


def check_site(site: Path) -> list[str]:
    """Return every broken link and off-site load of the site in `site` (empty when clean)."""
    return SiteChecker(Path(site)).run()


def main(argv: list[str] | None = None) -> int:
    """Check the sites named on the command line; print problems; exit 1 if any."""
    import sys

    problems = [p for site in (argv or sys.argv[1:]) for p in check_site(Path(site))]
    print("\n".join(problems) or "no problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
