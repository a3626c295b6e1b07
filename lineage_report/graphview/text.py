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


# A reference by digest, `mnist-train@sha256:1a0746d9...` (MLflow's datasets, OpenLineage's
# inputs that no run here wrote): the digest after its algorithm's name.
_DIGEST_TAIL = re.compile(r"@(?:[A-Za-z0-9_-]+:)?([0-9a-fA-F]{8})[0-9a-fA-F]{8,}$")


def node_label(value: object) -> str:
    """Return a node's label for the drawing: a reference by digest keeps its name and the
    digest's first 8 digits (`mnist-train@1a0746d9`), as git shows a commit. Drawn whole,
    it was cut in its middle and read `mnist-t…024d970de001`: names alike, told apart by
    hex alone."""
    label = plain(value, LABEL_MAX)
    return _DIGEST_TAIL.sub(lambda m: "@" + m.group(1), label)


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
