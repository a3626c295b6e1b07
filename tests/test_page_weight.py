"""Page weight (issue 15): templates send no indentation, and a page shows the same without it.

The theme's templates lose their lines' indentation and blank lines as they load
(render.TrimIndent). A browser reads any run of whitespace between words or tags as one
space (or none), so collapsing every run of whitespace must give the same page with and
without the trimming; <pre> and <textarea> keep theirs exactly.
"""

from __future__ import annotations

import re
from pathlib import Path

from lineage_report import render
from lineage_report.build import build
from lineage_report.config import load_config
from tests.conftest import SAMPLE

WHITESPACE = re.compile(r"\s+")
VERBATIM = re.compile(r"<(pre|textarea)\b.*?</\1>", re.S)
VERBATIM_ALL = re.compile(r"<(pre|textarea|script|style)\b.*?</\1>", re.S)
INDENTED = re.compile(r"^  ", re.M)  # two spaces or more at a line's start


def test_indentation_goes_but_verbatim_elements_stay_as_written():
    source = (
        "<dl>\n  <dt>a</dt>\n\n    \n  <dd>b\n     c</dd>\n</dl>\n"
        "  <pre>x\n   y</pre>\n  <textarea>\n  z</textarea>\n"
        "  {% if x %}\n    <p>q</p>\n  {% endif %}\n"
    )
    assert render.trim_indent(source) == (
        "<dl>\n<dt>a</dt>\n<dd>b\nc</dd>\n</dl>\n"
        "<pre>x\n   y</pre>\n<textarea>\n  z</textarea>\n"
        "{% if x %}\n <p>q</p>\n{% endif %}\n"  # jinja drops the line break after a tag
    )


def pages(site: Path) -> dict[str, str]:
    """Return every HTML page of a site by its relative path."""
    return {p.relative_to(site).as_posix(): p.read_text("utf-8") for p in site.rglob("*.html")}


def test_the_sample_site_shows_the_same_without_the_indentation(tmp_path, monkeypatch):
    trimmed = pages(build(load_config(SAMPLE), tmp_path / "trimmed").output)
    monkeypatch.setattr(render, "trim_indent", lambda source: source)
    render._environment.cache_clear()  # this process keeps the templates it compiled ...
    try:
        indented = pages(build(load_config(SAMPLE), tmp_path / "indented").output)
    finally:
        render._environment.cache_clear()  # ... and would keep these for the next test
    assert trimmed.keys() == indented.keys()
    for path, page in trimmed.items():
        assert WHITESPACE.sub(" ", page) == WHITESPACE.sub(" ", indented[path]), path
        assert VERBATIM.findall(page) == VERBATIM.findall(indented[path]), path
    # the templates' indentation reached every page untrimmed ...
    for path, page in indented.items():
        assert INDENTED.findall(VERBATIM_ALL.sub("", page)), path
    # ... and none is left: no line outside verbatim elements starts with an indentation
    for path, page in trimmed.items():
        assert not INDENTED.findall(VERBATIM_ALL.sub("", page)), path
