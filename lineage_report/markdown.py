"""Markdown for descriptions and notes: CommonMark plus tables, raw HTML off, safe links only."""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

# html=False renders raw HTML as text; markdown-it's validateLink refuses javascript:,
# vbscript:, file: and data: links, so links stay inert. Images are off: an <img> would
# load from another host when the report is opened (a tracking pixel, and not offline);
# `![alt](url)` reads as "!" and a link to the image instead.
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").disable("image")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


def _validate_link(url: str) -> bool:
    """Allow web and mail links only: a relative path or anchor means nothing in the report
    (its pages and ids are ours, not the author's), so it stays text."""
    return url.strip().lower().startswith(_SAFE_SCHEMES)


_MD.validateLink = _validate_link


def _table_open(renderer, tokens, idx, options, env) -> str:
    """Open a table that the keyboard can reach: on a phone a wide one scrolls by itself."""
    tokens[idx].attrSet("tabindex", "0")
    return renderer.renderToken(tokens, idx, options, env)


_MD.add_render_rule("table_open", _table_open)


ALIGN = re.compile(r"text-align:(left|right|center)")  # as markdown-it writes it


def _cell_open(renderer, tokens, idx, options, env) -> str:
    """Open a table cell with its alignment as a class (align-left|right|center), not a
    style="": the pages' policy then allows no inline style at all (docs/security.md)."""
    token = tokens[idx]
    align = ALIGN.fullmatch(token.attrGet("style") or "")
    if align:
        del token.attrs["style"]
        token.attrJoin("class", "align-" + align.group(1))
    return renderer.renderToken(tokens, idx, options, env)


_MD.add_render_rule("th_open", _cell_open)
_MD.add_render_rule("td_open", _cell_open)


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> Markup:
    """Render untrusted markdown to safe HTML (many pages share a text, hence the cache)."""
    if not text:
        return Markup("")
    return Markup(_MD.render(text))


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"<[^>]*>|[#>*_`~|\\]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?)])")


@lru_cache(maxsize=4096)
def plain_excerpt(markdown: str, limit: int = 200) -> str:
    """Return the start of a markdown text as plain words, at most `limit` characters.

    Tables and code blocks are skipped (their cells read as noise in a one-line preview);
    links keep their words. Previews and the search index share this one reading.
    """
    lines, fenced = [], False
    for line in markdown[: limit * 8].splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and not stripped.startswith("|"):
            lines.append(stripped)
    plain = _MARKS.sub(" ", _LINK.sub(r"\1", " ".join(lines)))
    plain = _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(plain.split()))
    if len(plain) <= limit:
        return plain
    cut = plain[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut) + "…"
