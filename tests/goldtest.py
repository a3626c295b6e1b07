"""Golden files: compare chosen pages of a built site with their expected copies.

Volatile parts are scrubbed from both sides before comparing: the content hashes in asset
file names (`assets/style.61cfa2d6c7.css` becomes `assets/style.HASH.css`) and the
generator's version (`lineage-report 0.1.0` becomes `lineage-report VERSION`), so a CSS
tweak or a version bump does not touch the gold. Everything else must match byte for byte.

Refresh the gold after an intended change with
`LINEAGE_REPORT_REGOLD=1 python -m pytest tests/test_site.py` and review the diff in git
(see tests/gold/README.md).
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

REGOLD_ENV = "LINEAGE_REPORT_REGOLD"
DIFF_LINES = 120  # lines of diff shown per page; enough to see what changed
SCRUBS = [
    # An asset's content hash sits between its stem and its suffix(es).
    (re.compile(r"(assets/[^.\"'\s<>]+)\.[0-9a-f]{10}(?=\.)"), r"\1.HASH"),
    (re.compile(r"lineage-report \d[\w.+-]*\b"), "lineage-report VERSION"),
]


def scrub(text: str) -> str:
    """Replace the volatile parts of a page with fixed placeholders."""
    for pattern, replacement in SCRUBS:
        text = pattern.sub(replacement, text)
    return text


def regolding() -> bool:
    """Tell whether this run should rewrite the gold instead of comparing with it."""
    return os.environ.get(REGOLD_ENV, "") not in ("", "0")


def compare(actual: Path, gold: Path, pages: list[str]) -> None:
    """Assert that each page (a path relative to both folders) matches its gold copy."""
    if regolding():
        write_gold(actual, gold, pages)
        return
    failures = []
    for page in pages:
        got = scrub((actual / page).read_text(encoding="utf-8"))
        expected_file = gold / page
        if not expected_file.is_file():
            failures.append(f"{page}: no gold file {expected_file}")
            continue
        expected = expected_file.read_text(encoding="utf-8")
        if got != expected:
            failures.append(f"{page}: differs from the gold\n{diff(expected, got, page)}")
    stale = sorted(set(gold_files(gold)) - set(pages))
    failures += [f"{page}: gold file for a page no longer compared" for page in stale]
    if failures:
        hint = f"\n(if the change is intended: {REGOLD_ENV}=1 python -m pytest tests/test_site.py)"
        raise AssertionError("\n\n".join(failures) + hint)


def diff(expected: str, got: str, page: str) -> str:
    """Return a unified diff of the gold and the new page, cut to DIFF_LINES lines."""
    lines = list(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            got.splitlines(keepends=True),
            fromfile=f"gold/{page}",
            tofile=f"built/{page}",
        )
    )
    if len(lines) > DIFF_LINES:
        lines = lines[:DIFF_LINES] + [f"... {len(lines) - DIFF_LINES} more diff lines\n"]
    return "".join(lines)


def gold_files(gold: Path) -> list[str]:
    """Return the gold pages stored under `gold`, as relative paths."""
    if not gold.is_dir():
        return []
    return [p.relative_to(gold).as_posix() for p in gold.rglob("*.html")]


def write_gold(actual: Path, gold: Path, pages: list[str]) -> None:
    """Replace the gold with the scrubbed pages, dropping gold files no longer compared."""
    for stale in set(gold_files(gold)) - set(pages):
        (gold / stale).unlink()
    for page in pages:
        target = gold / page
        target.parent.mkdir(parents=True, exist_ok=True)
        text = scrub((actual / page).read_text(encoding="utf-8"))
        target.write_text(text, encoding="utf-8", newline="")
    for folder in sorted((p for p in gold.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
