"""Untrusted text made safe to print: on a terminal, in a CI log, in a table cell.

Names in manifests and the input files' own names are hostile. Printed raw, an ESC or OSC
sequence drives the terminal (colours, titles, hyperlinks, even the clipboard), a line
break forges a line of output, and a line that starts with `::` is a GitHub Actions
workflow command (`::add-mask::`, `::error file=...::`, `::stop-commands::`) that the
runner executes. So every line the command line prints from the input goes through here:
`escape` shows control characters as `\\xNN` / `\\uNNNN`, `defuse` spells the first colon
of a leading `::` (and the `#` of `##[` and `##vso[`, the older runner and Azure Pipelines
forms) as an escape too, and `one_line` makes a table cell of one plain line.
"""

from __future__ import annotations

import logging
import re

# C1 controls, bidi marks and overrides, line and paragraph separators; with the C0
# controls, what makes text more (or other) than one line of plain text.
_C1_AND_BIDI = "\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
CONTROL = re.compile(f"[\x00-\x1f{_C1_AND_BIDI}]+")
_ONE_CONTROL = re.compile(f"[\x00-\x1f{_C1_AND_BIDI}]")
_JSON_RAW = re.compile(f"[{_C1_AND_BIDI}]")  # what JSON may hold raw in a string
_SURROGATE = re.compile("[\ud800-\udfff]")
# A workflow command: `::name ...::` at the start of a line (the runner trims spaces first),
# or `##[name]` / `##vso[name]` anywhere in it.
_COMMAND_START = re.compile(r"^(\s*):")
_HASH_COMMAND = re.compile(r"#(?=#(?:vso)?\[)", re.IGNORECASE)


def one_line(value: object, limit: int) -> str:
    """Return value as one line of text cut to `limit` characters, with an ellipsis.

    The one rule for a label or cell: graph previews, exports, diffs and the terminal.
    """
    if value is None:
        return ""
    text = str(value)
    # Printable text has none of CONTROL's characters: skip the pattern (most text is).
    text = text.strip() if text.isprintable() else CONTROL.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def escape(text: str) -> str:
    """Return text with every control character, line break and lone surrogate escaped."""
    if text.isprintable() and text.isascii():
        return text  # most text: nothing to do
    text = _ONE_CONTROL.sub(_escaped, text)
    return _SURROGATE.sub(_escaped, text)


def _escaped(match: re.Match) -> str:
    """Return the visible escape of one character: `\\x1b`, `\\n`, `\\u202e`."""
    return repr(match.group())[1:-1]


def defuse(line: str) -> str:
    """Return a line that no CI runner reads as a workflow command."""
    if ":" not in line and "#" not in line:
        return line
    line = _COMMAND_START.sub(r"\1\\x3a", line) if line.lstrip().startswith("::") else line
    return hash_commands(line, "\\x23")


def hash_commands(text: str, spelling: str) -> str:
    """Return text with the first `#` of each `##[` and `##vso[` spelled as `spelling`."""
    return _HASH_COMMAND.sub(lambda _: spelling, text) if "##" in text else text


def safe_line(text: str) -> str:
    """Return untrusted text as one printable line: escaped, then defused."""
    return defuse(escape(text))


def safe_lines(text: str) -> str:
    """Return a message of several lines (ours) with each line escaped and defused."""
    return "\n".join(safe_line(line) for line in text.split("\n"))


def safe_message(text: str) -> str:
    """Return an error message as printable lines: it breaks only where ours do.

    Our multi-line messages indent each further line by two spaces (a config's list of
    invalid settings); any other line break in it came with a name, and is escaped.
    """
    return "\n  ".join(safe_line(part) for part in text.split("\n  "))


def safe_json(text: str) -> str:
    """Return JSON text that is inert on a terminal and in a CI log, and decodes the same.

    JSON quotes every string and escapes C0 controls and line breaks, so no line can start
    with `::`. Inside a string, C1 controls, bidi marks and `##[` may still sit raw: they
    are written as `\\uXXXX` escapes, which stand for the same characters.
    """
    text = _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return hash_commands(text, "\\u0023")


class SafeFormatter(logging.Formatter):
    """A log formatter that escapes the arguments of each message and defuses every line.

    The format string is ours, so its line breaks stay; each argument (a problem, a file
    name) is input, so its line breaks and control characters are escaped.
    """

    def format(self, record: logging.LogRecord) -> str:
        """Format a copy of the record whose message is safe to print."""
        safe = logging.makeLogRecord(record.__dict__)
        safe.msg = safe_lines(_message(record))
        safe.args = None
        return super().format(safe)


def _message(record: logging.LogRecord) -> str:
    """Return the record's message with each argument escaped (numbers are kept as numbers)."""
    args = record.args
    if not args:
        return str(record.msg)
    try:
        if isinstance(args, dict):
            return str(record.msg) % {k: _arg(v) for k, v in args.items()}
        return str(record.msg) % tuple(_arg(a) for a in args)
    except (TypeError, ValueError):  # a format that wants the argument's own type
        return escape(record.getMessage())


def _arg(value: object) -> object:
    """Return a log argument fit for printing: numbers as they are, anything else escaped."""
    if isinstance(value, int | float):
        return value
    return escape(str(value))
