"""RESULTS.md: each benchmark script owns sections of it, replaced in place on its next run.

`benchmarks.run` owns the machine, the latest run and the history; `benchmarks.wide`,
`benchmarks.diff` and the like own one section each, kept before the history. A script
that writes its own never drops another's.
"""

from __future__ import annotations

from pathlib import Path

HISTORY = "## History"


def put_section(text: str, title: str, body: str) -> str:
    """Return `text` with the section `title` holding `body`: replaced where it stands,
    else put before the history (the history itself goes last)."""
    section = f"{title}\n\n{body.strip()}\n\n"
    if title in text:
        head, rest = text.split(title, 1)
        at = rest.find("\n## ")
        return head + section + (rest[at + 1 :] if at >= 0 else "")
    if title != HISTORY and HISTORY in text:
        head, tail = text.split(HISTORY, 1)
        return head + section + HISTORY + tail
    return text + ("" if not text or text.endswith("\n\n") else "\n") + section


def write_section(path: Path, title: str, body: str) -> None:
    """Put one section into a results file, keeping every other section as it was."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(put_section(text, title, body).rstrip("\n") + "\n", encoding="utf-8")
