"""The Markdown report: a pull-request comment, escaped, and cut to GitHub's size limit.

Every name comes from an untrusted manifest: `md()` makes it one line of inert Markdown
that cannot open HTML, a table cell, a link or a mention. The comment is a list of blocks
(the summary, the alias moves, one folded block per kind of change); `fit()` leaves out the
items past the limit, measured in UTF-16 code units as GitHub counts, and says how many it
left out and where the full report is.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import formats
from ..terminal import one_line
from .comparison import CATEGORIES, Changed, Diff, Listed
from .sides import Edge
from .text import FIELDS_SHOWN, SURROGATE, VALUE_MAX, diff_labels, impact_text, value_text

COMMENT_LIMIT = 65_536  # GitHub's limit on a comment's body, in characters
# The report's first line: finds the comment a workflow posted before, to update it.
MARKDOWN_MARK = "<!-- lineage-report diff -->"
LABEL_MAX = 120
# Characters that could start markup in a comment: HTML, code, emphasis, links, table
# cells, strikethrough and math. Written as character references, they show as themselves
# in Markdown and inside HTML blocks alike. `@` and `#` get an invisible break after them,
# so `@everyone` or `org/repo#1` pings and links no one.
_MD_TABLE = str.maketrans(
    {c: f"&#{ord(c)};" for c in "\\`*_[]<>&|~$"} | {"@": "@&#8203;", "#": "#&#8203;"}
)
_AUTOLINK = re.compile(r"(://|www\.)", re.IGNORECASE)


def md(value: object, limit: int = LABEL_MAX) -> str:
    """Return untrusted text as one line of inert Markdown, cut to `limit` characters."""
    text = SURROGATE.sub("\ufffd", one_line(value, limit))
    text = text.translate(_MD_TABLE)
    return _AUTOLINK.sub(lambda m: m.group()[0] + "&#8203;" + m.group()[1:], text)


def md_value(value: Any) -> str:
    """Return a field's value as short inert Markdown (JSON for anything but a string)."""
    text = value_text(value)
    return "(none)" if text is None else md(text, VALUE_MAX)


@dataclass
class Block:
    """A part of the comment: a head, items that may be cut, and a tail."""

    head: list[str]
    items: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    must: bool = False  # never cut (the summary)


def markdown(diff: Diff, limit: int = COMMENT_LIMIT, report_url: str | None = None) -> str:
    """Return the Markdown report, cut to `limit` characters with a count of what was left."""
    blocks = [summary_block(diff), *alias_blocks(diff), *detail_blocks(diff)]
    return fit(blocks, limit, report_url)


def summary_block(diff: Diff) -> Block:
    """Return the heading, the sides and the table of counts."""
    counts = diff.summary()
    rows = [
        ("runs", counts["runs"], "changed"),
        ("artifact versions", counts["versions"], "changed"),
        ("external inputs", counts["externals"], "changed"),
        ("aliases", counts["aliases"], "moved"),
    ]
    lines = [
        MARKDOWN_MARK,
        "## Lineage diff",
        "",
        f"{md(diff.old.source)} ({diff.old.kind}) → {md(diff.new.source)} ({diff.new.kind})",
        "",
        "| | added | removed | changed |",
        "|---|---:|---:|---:|",
    ]
    count = formats.count
    lines += [
        f"| {name} | {count(c['added'])} | {count(c['removed'])} | {count(c[key])} |"
        for name, c, key in rows
    ]
    edges, problems = counts["edges"], counts["problems"]
    lines.append(f"| edges | {count(edges['added'])} | {count(edges['removed'])} | – |")
    new, resolved = count(problems["new"]), count(problems["resolved"])
    lines.append(f"| problems | {new} new | {resolved} resolved | – |")
    lines.append("")
    if diff.empty:
        lines.append("No changes to the lineage.")
    else:
        what = formats.plural(diff.impacted, "node")
        lines.append(f"Downstream of these changes: **{what}** of the new lineage.")
    return Block(lines, must=True)


def alias_blocks(diff: Diff) -> list[Block]:
    """Return the alias moves, shown open: what reviewers look at first."""
    if not diff.aliases:
        return []
    labels = diff_labels(diff, md)
    items = []
    for move in diff.aliases:
        old = f"v{move.old_version}" if move.old else "(none)"
        new = f"v{move.new_version}" if move.new else "(none)"
        what = f"{md(move.artifact)} **{md(move.alias)}**: {old} → {new}"
        items.append(f"- {what} — {impact_text(move.impact, labels)}")
    return [Block(["", "### Aliases moved", ""], items)]


def detail_blocks(diff: Diff) -> list[Block]:
    """Return one folded block per kind of change that has any."""
    labels = diff_labels(diff, md)
    titles = {"runs": "Runs", "versions": "Artifact versions", "externals": "External inputs"}
    sections: list[tuple[str, list[str]]] = []
    for name in CATEGORIES:
        cat, title = diff.category(name), titles[name]
        sections.append((f"{title} added", [listed_line(n, labels) for n in cat.added]))
        sections.append((f"{title} removed", [listed_line(n, labels) for n in cat.removed]))
        sections.append((f"{title} changed", [changed_line(n, labels) for n in cat.changed]))
    sections.append(("Edges added", [edge_line(e, labels) for e in diff.edges_added]))
    sections.append(("Edges removed", [edge_line(e, labels) for e in diff.edges_removed]))
    sections.append(("New problems", [problem_line(p) for p in diff.new_problems]))
    sections.append(("Resolved problems", [problem_line(p) for p in diff.resolved_problems]))
    return [details(title, items) for title, items in sections if items]


def details(title: str, items: list[str]) -> Block:
    """Return a folded block: `<details>` with a summary line, then a list."""
    head = ["", f"<details><summary>{title} ({formats.count(len(items))})</summary>", ""]
    return Block(head, items, ["", "</details>"])


def listed_line(node: Listed, labels: Callable[[str], str]) -> str:
    """Return the line of an added or removed node."""
    return f"- {md(node.label)} — {impact_text(node.impact, labels)}"


def changed_line(node: Changed, labels: Callable[[str], str]) -> str:
    """Return the line of a changed node: its first fields, old → new, and its impact."""
    shown = [
        f"{md(f.path)}: {md_value(f.old)} → {md_value(f.new)}" for f in node.fields[:FIELDS_SHOWN]
    ]
    more = len(node.fields) - FIELDS_SHOWN
    if more > 0:
        shown.append(formats.plural(more, "more field"))
    return f"- {md(node.label)}: {'; '.join(shown)} — {impact_text(node.impact, labels)}"


def edge_line(edge: Edge, labels: Callable[[str], str]) -> str:
    """Return the line of an edge: what → what."""
    return f"- {labels(edge[0])} → {labels(edge[1])}"


def problem_line(problem: dict[str, Any]) -> str:
    """Return the line of a problem, as builds print it."""
    where = f"{md(problem.get('location'))}: " if problem.get("location") else ""
    text = f"{md(problem.get('path'))}: {where}{md(problem.get('message'), 300)}"
    return f"- {text} \\[{md(problem.get('kind'))}\\]"


def size(text: str) -> int:
    """Return a text's length as GitHub counts it (UTF-16 code units)."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def fit(blocks: list[Block], limit: int, report_url: str | None) -> str:
    """Join the blocks, leaving out items past `limit` characters and saying how many."""
    room = limit - size(cut_note(10**9, report_url)) - 2  # what the note could need
    out: list[str] = []
    used, left_out = 0, 0
    for block in blocks:
        frame = sum(size(line) + 1 for line in block.head + block.tail)
        first = size(block.items[0]) + 1 if block.items else 0
        if not block.must and used + frame + first > room:
            left_out += len(block.items)
            continue
        out += block.head
        used += frame
        for shown, item in enumerate(block.items):
            cost = size(item) + 1
            if not block.must and used + cost > room:  # the rest of this block is left out
                left_out += len(block.items) - shown
                break
            out.append(item)
            used += cost
        out += block.tail
    if left_out:
        out += ["", cut_note(left_out, report_url)]
    return "\n".join(out) + "\n"


def cut_note(count: int, report_url: str | None) -> str:
    """Say how many lines were left out, and where the whole report is."""
    where = (
        f"[the full report]({safe_url(report_url)})"
        if report_url
        else "`lineage-report diff --format json` (the full report)"
    )
    return (
        f"**{formats.plural(count, 'more line')} left out** to stay under "
        f"GitHub's {formats.count(COMMENT_LIMIT)}-character limit: see {where}."
    )


def safe_url(url: str) -> str:
    """Return a URL fit for a Markdown link: quoted so that it cannot end the link early."""
    return urllib.parse.quote(url, safe=":/?#@!$&'*+,;=%~-._")


def report_url(text: str) -> str:
    """Parse --report-url: an http(s) URL, or a path relative to the comment."""
    scheme = urllib.parse.urlsplit(text).scheme.lower()
    if scheme and scheme not in ("http", "https"):
        raise ValueError(f"expected an http(s) URL, got {text!r}")
    return text
