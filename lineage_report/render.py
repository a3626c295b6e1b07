"""Render: the jinja2 theme (search path + blocks) and the site's assets.

A theme is a folder of templates and `assets/`. The search path is the user's
`theme.custom_dir`, then the chosen theme, then `default`, so a user can override any
template or block, or add CSS. Assets ship under content-hashed names; a script with a folder
of parts beside it ships as one file, and `graph-style.js` is made from graphview.style. A page
loads one stylesheet and at most one graph script (#15): `lineage-graph.css` ships inside
`style.css`, and vis-network and `graph-style.js` ship inside `lineage-graph.js` (SHIPPED_IN).
Autoescape and StrictUndefined are always on: every string we print came from an untrusted
manifest. Templates lose their lines' indentation as they load (`TrimIndent`): it is for the
template's reader, and it was sent with every page.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jinja2.ext
import jinja2.meta
from markupsafe import Markup, escape

from . import naming
from .errors import BuildError
from .graphview.style import style_script

PACKAGE = Path(__file__).parent
# Made from graphview.style, not a theme file: the palette and Mermaid classes the Python
# exporters use, as `window.LineageGraphStyle` for lineage-graph.js (docs/graph.md).
GRAPH_STYLE = "graph-style.js"
# Files that ship inside another, before or after its own text, so that a page asks for one
# stylesheet and one graph script (#15: their tags and requests were on every page). The
# join is of the files as a theme resolves them, so a custom theme's override of either
# still applies. The graph's CSS is scoped under .lg (a page without a graph is unaffected);
# the scripts keep the order the page loaded them in: the library, the style, the graph.
SHIPPED_IN: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "style.css": ((), ("lineage-graph.css",)),
    "lineage-graph.js": (("vis-network.min.js", GRAPH_STYLE), ()),
}
# vis-network's last line names its source map, which we do not ship and whose positions
# would not match the joined file.
SOURCE_MAP = re.compile(rb"\n//# sourceMappingURL=\S*\s*$")
# Where whitespace is content: kept as written (a <pre> a template writes out, say).
_VERBATIM = re.compile(r"<(pre|textarea|script|style)\b.*?</\1\s*>", re.S | re.I)
# A line break, blank lines and the next line's indentation; and whether a block or comment
# tag ends the line before (trim_blocks drops the line break after one).
_INDENT = re.compile(r"([%#]\})?\n(?:[ \t]*\n)*[ \t]*(?=\S|$)")


def themes_root() -> Path:
    """Return the folder of the bundled themes: inside the wheel, or the repository's."""
    bundled = PACKAGE / "themes"
    return bundled if bundled.is_dir() else PACKAGE.parent / "themes"


def theme_dirs(name: str, custom_dir: Path | None) -> list[Path]:
    """Return the theme search path: custom folder, chosen theme, then the default theme."""
    root = themes_root()
    chosen = root / name
    if not chosen.is_dir():
        available = ", ".join(sorted(p.name for p in root.iterdir() if p.is_dir()))
        raise BuildError(f"unknown theme '{name}' (available: {available})")
    dirs = [custom_dir] if custom_dir else []
    if custom_dir and not custom_dir.is_dir():
        raise BuildError(f"theme.custom_dir {custom_dir}: not a folder")
    dirs += [chosen] if name == "default" else [chosen, root / "default"]
    return dirs


# The templates that make a node page's lineage lists. A theme that overrides one of them may
# list other rows than a page's graph data would name (graphview/rows.py): its pages name none.
ROW_TEMPLATES = (
    "partials/graph.html",
    "partials/lineage.html",
    "partials/macros.html",
    "version.html",
    "run.html",
)


def keeps_rows(dirs: list[Path]) -> bool:
    """Tell whether the theme's lineage lists are the default theme's own, whose rows the
    pages' graph data may name instead of repeating them."""
    default = (themes_root() / "default").resolve()
    mine = [d for d in dirs if d.resolve() != default]
    return not any((d / name).is_file() for d in mine for name in ROW_TEMPLATES)


def environment(dirs: list[Path]) -> jinja2.Environment:
    """Return the jinja2 environment over the theme search path.

    Each bundled theme is also reachable by name (`{% extends "default/version.html" %}`),
    so an override can extend the very template it replaces and change one block.
    """
    bundled = {
        d.name: jinja2.FileSystemLoader(str(d)) for d in themes_root().iterdir() if d.is_dir()
    }
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader([str(d) for d in dirs]),
            jinja2.PrefixLoader(bundled),
        ]
    )
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one environment per set of templates (_environment): no stat per page
        extensions=[TrimIndent],
        bytecode_cache=CompiledTemplates(),
    )
    env.filters["wrap"] = wrap
    return env


# Where a long name may break: after a separator, and inside a very long run of letters and
# digits (a digest, a generated id) every WRAP_RUN characters. Nowhere else: CSS breaking
# "anywhere" cut names mid-word (test_first_dbt_mod|el). Browsers break after a hyphen
# before a letter themselves; before a digit some keep it whole (Unicode's rule for "-5"),
# so only "-4399" gets a hint.
WRAP_AFTER = re.compile(r"([/_.:@]|-(?=[0-9]))(?=[^/_.:@-])")  # after a run: "//" stays whole
LONG_RUN = re.compile(r"[A-Za-z0-9]{24,}")
WRAP_RUN = 12


def wrap(text: object) -> Markup:
    """Return text escaped, with <wbr> where a long name may break across lines."""
    # Only a plain str is cached: Markup("<b>") == "<b>" would share its cache entry.
    return _wrapped(text) if type(text) is str else _wrap(text)


def _wrap(text: object) -> Markup:
    """Return `wrap` of any value; Markup is left as it is (its tags are not names)."""
    if isinstance(text, Markup):
        return text
    escaped = str(escape(text))
    escaped = LONG_RUN.sub(
        lambda m: "<wbr>".join(
            m.group(0)[i : i + WRAP_RUN] for i in range(0, len(m.group(0)), WRAP_RUN)
        ),
        escaped,
    )
    return Markup(WRAP_AFTER.sub(r"\1<wbr>", escaped))


# A name is printed on many pages: its wrapped form is made once.
_wrapped = functools.lru_cache(maxsize=1 << 16)(_wrap)


class TrimIndent(jinja2.ext.Extension):
    """Drop the templates' indentation and blank lines as they load; pages show the same.

    A browser reads a run of whitespace between tags as one space or nothing, so a line
    break alone does: indentation only made every page bigger. What a template prints is
    left alone, and so are its <pre>, <textarea>, <script> and <style> elements.
    """

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        """Return the template's source without indentation outside verbatim elements."""
        return trim_indent(source)


def trim_indent(source: str) -> str:
    """Return HTML template source without line indentation and blank lines, but verbatim
    elements as they are."""
    out, start = [], 0
    for match in _VERBATIM.finditer(source):
        out += [_trim(source[start : match.start()]), match.group()]
        start = match.end()
    out.append(_trim(source[start:]))
    return "".join(out)


def _trim(text: str) -> str:
    """Return text without indentation and blank lines."""
    return _INDENT.sub(_line_break, text)


def _line_break(match: re.Match) -> str:
    """Return one line break for a line break, blank lines and indentation.

    After a block tag, whose line break jinja drops, the space that was there stays as one.
    """
    tag = match.group(1)
    if tag is None:
        return "\n"
    return tag + ("\n" if match.group() == tag + "\n" else "\n ")


@dataclass(frozen=True)
class Asset:
    """One file shipped with the site, under a content-hashed name."""

    name: str
    path: str
    content: bytes


def vis_network_files() -> dict[str, Path]:
    """Return vis-network's files from the installed pyvis package (we vendor no JavaScript)."""
    spec = importlib.util.find_spec("pyvis")  # locate without importing (pyvis imports IPython)
    if spec is None or not spec.origin:
        raise BuildError("pyvis is not installed; it provides vis-network's files")
    lib = Path(spec.origin).parent / "lib" / "vis-9.1.2"
    # Only the script: vis-network.css (220 KB) styles its own manipulation and navigation
    # UI, which the graph does not use (its toolbar and panels are ours, lineage-graph.css).
    return {"vis-network.min.js": lib / "vis-network.min.js"}


def collect_assets(dirs: list[Path]) -> list[Asset]:
    """Gather the theme's assets (custom ones win), vis-network and the graph style, hashed."""
    sources = theme_asset_files(dirs)
    sources.update(vis_network_files())
    parts = script_parts(sources)
    bundled = {part for names in parts.values() for part in names}
    contents = {
        name: joined(parts.get(name, []) + [name], sources)
        for name in sources
        if name not in bundled
    }
    contents["vis-network.min.js"] = SOURCE_MAP.sub(b"\n", contents["vis-network.min.js"])
    contents[GRAPH_STYLE] = style_script().encode()
    contents = shipped_in(contents)
    return [hashed_asset(name, contents[name]) for name in sorted(contents)]


def shipped_in(contents: dict[str, bytes]) -> dict[str, bytes]:
    """Return the files as they ship: each one SHIPPED_IN names joined into its host."""
    contents = dict(contents)
    for host, (before, after) in SHIPPED_IN.items():
        if host in contents:
            names = [n for n in before if n in contents] + [host]
            names += [n for n in after if n in contents]
            contents[host] = concatenated(host, [contents[n] for n in names])
            for name in set(names) - {host}:
                del contents[name]
    return contents


def theme_asset_files(dirs: list[Path]) -> dict[str, Path]:
    """Return each file under the themes' `assets/` by its relative name; custom ones win."""
    sources: dict[str, Path] = {}
    for folder in reversed(dirs):
        assets = folder / "assets"
        if assets.is_dir():
            for file in sorted(assets.rglob("*")):
                if file.is_file():
                    sources[file.relative_to(assets).as_posix()] = file
    return sources


def script_parts(sources: dict[str, Path]) -> dict[str, list[str]]:
    """Return the parts of each bundled script: `x.js` gathers the `x/*.js` beside it."""
    parts: dict[str, list[str]] = {}
    for name in sorted(sources):
        folder, slash, file = name.rpartition("/")
        if slash and file.endswith(".js") and f"{folder}.js" in sources:
            parts.setdefault(f"{folder}.js", []).append(name)
    return parts


def joined(names: list[str], sources: dict[str, Path]) -> bytes:
    """Return one file's bytes, or a script's parts and then the script itself, in one file.

    The parts of a script (themes/default/assets/lineage-graph/) are plain scripts that only
    add themselves to one namespace, so their order does not matter; the script itself comes
    last and starts the page.
    """
    return concatenated(names[-1], [sources[n].read_bytes() for n in names])


def concatenated(name: str, texts: list[bytes]) -> bytes:
    """Return files' texts as one file of type `name`: scripts each end with a `;`.

    A `;` after each script ends its last statement, so a file that leaves it open cannot run
    into the next; in a stylesheet it would spoil the next rule, and a line break is enough.
    """
    if len(texts) == 1:
        return texts[0]
    end = b"\n;\n" if name.endswith(".js") else b"\n"
    return b"".join(text.rstrip() + end for text in texts)


def hashed_asset(name: str, content: bytes) -> Asset:
    """Name an asset by its content, so browsers never use a stale copy."""
    return Asset(name, naming.asset_path(name, content), content)


def templates_digest(dirs: list[Path]) -> str:
    """Hash the templates a theme search path can reach: its folders' and, by name
    (`default/version.html`), every bundled theme's."""
    sha = hashlib.sha256()
    # Each folder once: the search path ends in a bundled theme (the default), read once.
    bundled = sorted(d for d in themes_root().iterdir() if d.is_dir() and d not in dirs)
    for i, folder in enumerate([*dirs, *bundled]):
        sha.update(f"{i}:{folder.name}\0".encode())  # not its whole path: a site's status says it
        for file in sorted(folder.rglob("*.html")):
            sha.update(file.relative_to(folder).as_posix().encode() + b"\0" + file.read_bytes())
    return sha.hexdigest()


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates' compiled code, in memory: what another process of the build compiled
    (`compile_templates`) is loaded, not compiled again. Code is used only for the very
    source it was compiled from (jinja2 checks each template's checksum)."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Give a template its compiled code, if there is any."""
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Keep a template's code as it is compiled."""
        self.code[bucket.key] = bucket.bytecode_to_string()


def compile_templates(dirs: list[Path]) -> dict[str, bytes]:
    """Compile the theme's page templates (those at the top of its folders) and every
    template they name; return the code for `Renderer(compiled=...)`.

    A build does this on its other core while it collects (build.py): it costs about
    70 ms, 7% of a one-manifest rebuild at 10k nodes. A template that does not compile is
    left out: rendering it reports the error, as without this.
    """
    env = environment(dirs)
    todo = sorted({f.name for d in dirs for f in d.glob("*.html") if f.is_file()})
    seen = set(todo)
    while todo:
        name = todo.pop()
        try:
            named = _compile(env, name)
        except (jinja2.TemplateError, OSError, ValueError, RecursionError):
            continue  # not readable, not UTF-8, not a template: rendering it says so
        for other in named - seen:
            seen.add(other)
            todo.append(other)
    return env.bytecode_cache.code


def _compile(env: jinja2.Environment, name: str) -> set[str]:
    """Compile one template into the environment's CompiledTemplates, as loading it would
    (parsed once); return the names of the templates it extends, includes or imports."""
    source, filename, _ = env.loader.get_source(env, name)
    tree = env.parse(source, name, filename)
    bucket = env.bytecode_cache.get_bucket(env, name, filename, source)
    bucket.code = env.compile(tree, name, filename)
    env.bytecode_cache.set_bucket(bucket)
    # None: a name made at render time (a variable), compiled when it is rendered
    return set(jinja2.meta.find_referenced_templates(tree)) - {None}


class Renderer:
    """Renders view models with the theme's templates."""

    def __init__(
        self,
        dirs: list[Path],
        site_globals: dict[str, Any],
        compiled: dict[str, bytes] | None = None,
    ):
        self.env = _environment(
            tuple(dirs), templates_digest(dirs), tuple(sorted(site_globals.items()))
        )
        self.env.bytecode_cache.code.update(compiled or {})  # loaded, not compiled again
        self._templates: dict[str, jinja2.Template] = {}

    def render(self, template: str, **context: Any) -> str:
        """Render one template with the given context."""
        if template not in self._templates:
            try:
                self._templates[template] = self.env.get_template(template)
            except jinja2.TemplateError as exc:
                raise BuildError(f"template {template}: {exc}") from exc
        return self._templates[template].render(**context)


# A process that builds again (serve, a script calling build()) compiles each template once,
# not once a build (about 80 ms): the environment is kept while its templates, by their
# digest, and the site's globals stay the same. A few are kept: a split site's parts.
@functools.lru_cache(maxsize=8)
def _environment(dirs: tuple[Path, ...], digest: str, site_globals: tuple) -> jinja2.Environment:
    """Return the environment of a theme search path whose templates have `digest`."""
    env = environment(list(dirs))
    env.globals.update(site_globals)
    return env
