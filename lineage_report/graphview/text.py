"""Text on the drawing: labels cut to one line, counts in words, links that cannot run script.

Every string a view embeds comes from an untrusted manifest: it is cut to one plain line by
the package's one rule (`terminal.one_line`), and a link is kept only if it is relative.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .. import formats
from ..terminal import one_line

LABEL_MAX = 120
GROUP_MAX = 60
TEXT_MAX = 160

Href = Callable[[str], "str | None"]  # a node's or type's URL from the current page

_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*:|//|\\)")


def plain(value: object, limit: int = TEXT_MAX) -> str:
    """Return value as one line of plain text cut to `limit` characters ("" for None, False)."""
    return "" if value is False else one_line(value, limit)


def count_words(n: int, kind: str) -> str:
    """Return "1 run", "12 runs", "1,000 versions": what a cluster or type node stands for."""
    return formats.plural(n, "run" if kind == "run" else "version")


def safe_href(link: object) -> str | None:
    """Return a relative URL, or None for anything else (a scheme could run script)."""
    if not isinstance(link, str) or not link:
        return None
    if link.startswith("../") or not _SCHEME.match(link):  # "../": our own links, the most
        return link
    return None
