"""Markdown for descriptions and notes: CommonMark plus tables, raw HTML off, safe links only."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

# html=False renders raw HTML as text; markdown-it's validateLink refuses javascript:,
# vbscript:, file: and data: links (but images' data:image/...), so links stay inert.
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> Markup:
    """Render untrusted markdown to safe HTML (many pages share a text, hence the cache)."""
    if not text:
        return Markup("")
    return Markup(_MD.render(text))


def excerpt(text: str, chars: int = 200) -> str:
    """Return the first `chars` characters of a markdown text as plain text, for previews."""
    plain = " ".join(text.replace("#", " ").replace("*", "").split())
    return plain if len(plain) <= chars else plain[: chars - 1] + "…"
