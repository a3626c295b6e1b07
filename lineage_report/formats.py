"""Formats: how a value reads to people, one function per value kind.

Pages (views), graph previews (graphview puts the formatted strings in the page data and
lineage-graph.js shows them as given), exports and diffs all format through this module,
so one value reads the same wherever it appears: a run of an hour is "1h 0m 0s" on its page
and in its graph preview, a version's size "123.5 KB" in its table and in its preview.
Values come from untrusted manifests: whatever a function cannot show reads "".
Only counts the browser makes up as the reader types are formatted in JavaScript, the way
`count` and `plural` write them: lineage-graph.js's `commas` (`3 of 16 shown`) and
search.js's `resultCount` (`1 result`).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable

__all__ = ["count", "duration", "plural", "short_digest", "size", "time"]

SIZE_UNITS = ("KB", "MB", "GB", "TB")  # decimal: 1 KB is 1,000 bytes, as disks are sold
DIGEST_HEX = 12  # hex digits a short digest keeps; the version page shows the whole digest


def time(value: object) -> str:
    """Show a time as the graph holds it (ISO 8601, `Z`) as `2026-11-20 10:00:00 UTC`."""
    if not isinstance(value, str):
        return ""
    return value.replace("T", " ").replace("Z", " UTC")


def duration(seconds: object) -> str:
    """Show a number of seconds as `1h 2m 3s`, `2m 0s` or `45s`, to the second."""
    if not _is_real(seconds):
        return ""
    whole = round(seconds)
    hours, rest = divmod(abs(whole), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if hours or minutes else []
    # A run that ends before it starts (clocks disagree) keeps its sign: it is a data error.
    return ("-" if whole < 0 else "") + " ".join([*parts, f"{secs}s"])


def size(n: object) -> str:
    """Show a byte count in decimal units: `999 B`, `123.5 KB`, `1.2 MB`."""
    if not _is_real(n) or n < 0:
        return ""
    if n < 1000:
        return f"{int(n)} B"
    for unit in SIZE_UNITS:
        n /= 1000
        # Compare the rounded figure: 999,960 bytes read "1.0 MB", never "1000.0 KB".
        if round(n, 1) < 1000 or unit == SIZE_UNITS[-1]:
            return f"{n:.1f} {unit}"
    return ""  # not reached: the last unit takes any size


def count(n: int) -> str:
    """Show a whole number with thousands separators: `1,234`."""
    return f"{n:,}"


def plural(n: int, noun: str) -> str:
    """Show a count with its noun: `1 run`, `12 runs`, `1,000 versions`."""
    return f"{count(n)} {noun}{'' if n == 1 else 's'}"


def short_digest(digest: object) -> str:
    """Shorten `sha256:<64 hex>` to `sha256:<12 hex>` for tables and previews."""
    if not isinstance(digest, str) or not digest:
        return ""
    algo, _, hexpart = digest.rpartition(":")
    return f"{algo}:{hexpart[:DIGEST_HEX]}" if algo else digest[: DIGEST_HEX + 7]


def _is_real(value: object) -> bool:
    """Tell whether value is a finite int or float (a bool is neither here)."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return ok and math.isfinite(value)


def did_you_mean(text: str, names: Iterable[str]) -> str:
    """Return " (did you mean 'a' or 'b'?)" with the names nearest `text`, or "" when none is."""
    near = [f"'{n}'" for n in difflib.get_close_matches(text, sorted(set(names)), n=3)]
    if not near:
        return ""
    listed = near[0] if len(near) == 1 else f"{', '.join(near[:-1])} or {near[-1]}"
    return f" (did you mean {listed}?)"
