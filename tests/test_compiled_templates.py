"""Templates compiled ahead (render.compile_templates): a build compiles its theme on the
other core while it collects, and its renderer loads that code instead of compiling.

What a user would notice if this went wrong: a page rendered from a template as it was
before an edit, or a broken custom template failing with another message, or not at all.
That a forked build's pages are the same bytes as a single process's is test_crew.py's.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from lineage_report.errors import BuildError
from lineage_report.render import Renderer, compile_templates, theme_dirs

PAGE_TEMPLATES = ["404.html", "artifact.html", "index.html", "list.html", "run.html"]
PAGE_TEMPLATES += ["version.html", "partials/graph.html", "partials/macros.html"]


def compiled_names(monkeypatch) -> list[str]:
    """Record the names of the templates jinja2 compiles from here on (the real compiler)."""
    names: list[str] = []
    compile_ = jinja2.Environment.compile

    def recording(self, source, name=None, filename=None, *args, **kwargs):
        names.append(name)
        return compile_(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", recording)
    return names


def custom_theme(tmp_path: Path, index: str) -> list[Path]:
    """Return a theme search path whose index.html is `index`, over the default theme."""
    custom = tmp_path / "theme"
    custom.mkdir(exist_ok=True)
    (custom / "index.html").write_text(index)
    return theme_dirs("default", custom)


def test_a_renderer_given_the_compiled_theme_compiles_none_of_it(monkeypatch):
    dirs = theme_dirs("default", None)
    code = compile_templates(dirs)
    compiled = compiled_names(monkeypatch)
    # Globals of their own: a new environment, not one an earlier test compiled into
    renderer = Renderer(dirs, {"test": "compiled-ahead"}, code)
    for name in PAGE_TEMPLATES:  # the pages and the partials they include
        renderer.env.get_template(name)
    assert compiled == []
    # Without the code, the same renderer's templates are compiled as they load
    Renderer(dirs, {"test": "compiled-here"}).env.get_template("run.html")
    assert compiled == ["run.html"]


def test_code_of_a_template_since_edited_is_not_used(tmp_path):
    dirs = custom_theme(tmp_path, "<p>before the edit</p>")
    code = compile_templates(dirs)
    (tmp_path / "theme" / "index.html").write_text("<p>after the edit</p>")
    assert Renderer(dirs, {}, code).render("index.html") == "<p>after the edit</p>"


def test_a_template_that_does_not_compile_fails_the_render_as_before(tmp_path, monkeypatch):
    dirs = custom_theme(tmp_path, "{% if %}broken")
    code = compile_templates(dirs)  # left out, not raised: the others are compiled
    compiled = compiled_names(monkeypatch)
    renderer = Renderer(dirs, {}, code)
    renderer.env.get_template("run.html")
    assert compiled == []
    expected = "^template index.html: Expected an expression, got 'end of statement block'$"
    with pytest.raises(BuildError, match=expected):
        renderer.render("index.html")
