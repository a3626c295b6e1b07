"""The rows of a page's lineage lists, which its graph data may name instead of repeating them.

A version's or run's page lists its upstream and downstream in tables (`table.nodes`) beside
the graph. A node listed there is named in the page data by its row (`wv`, `wr`:
compact.py): the row's first link is the node's page and the link's text its label (and a
version's id). The rows are those of every `table.nodes` in the section around the graph's
section (`#lineage-graph`), in document order, that have a link: `page_rows` reads them here
as the browser does (lineage-graph/dom.js `pageRows`). Only the default theme's graph and
lineage lists are known to keep that, so a build names rows only with them
(render.keeps_rows).
"""

from __future__ import annotations

from html.parser import HTMLParser

GRAPH_ID = "lineage-graph"  # the id of the graph's section (partials/graph.html)


def page_rows(html: str) -> list[tuple[str, str]]:
    """Return (link, text) of each linked row of the node tables around a page's graph."""
    reader = _RowReader()
    reader.feed(html)
    reader.close()
    if reader.scope is None:
        return []
    return [(link, text) for at, link, text in reader.rows if reader.scope in at]


class _RowReader(HTMLParser):
    """Collects every node-table row's first link with the sections it sits in.

    Sections are where a page's parts nest: their end tags are never left out, unlike a
    row's or a cell's, so a stack of them is exact where one of all elements would not be.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[int] = []  # the open sections, by the order they opened in
        self.opened = 0
        self.scope: int | None = None  # the section around the graph's
        self.rows: list[tuple[tuple[int, ...], str, str]] = []  # (sections, link, text)
        self._tables: list[bool] = []  # open tables: a node table or not
        self._row_open = False  # in a node table's row that has no link yet
        self._text: list[str] | None = None  # the text of the row's link while in it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a section, a table, a row or a row's link."""
        values = dict(attrs)
        if tag == "section":
            if values.get("id") == GRAPH_ID and self.sections:
                self.scope = self.sections[-1]
            self.opened += 1
            self.sections.append(self.opened)
        elif tag == "table":
            self._tables.append("nodes" in (values.get("class") or "").split())
        elif tag == "tr" and self._tables and self._tables[-1]:
            self._row_open = True
        elif tag == "a" and self._row_open and "href" in values:  # `<a href>` links to ""
            self._row_open = False
            self.rows.append((tuple(self.sections), values["href"] or "", ""))
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        """Close what was opened; a row's link gives its text."""
        if tag == "section" and self.sections:
            self.sections.pop()
        elif tag == "table" and self._tables:
            self._tables.pop()
            self._row_open = False
        elif tag == "a" and self._text is not None:
            at, link, _ = self.rows[-1]
            self.rows[-1] = (at, link, "".join(self._text))
            self._text = None

    def handle_data(self, data: str) -> None:
        """Add text to the open row link."""
        if self._text is not None:
            self._text.append(data)
