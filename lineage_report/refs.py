"""Artifact references, W&B's way: what `name:v3` reads as, version order, what an alias named.

The graph (for the site) and the SDK (while a run works) both turn a reference into a
version; they share these rules, so `name:best` names the same version in a run's manifest
and on its page:
- versions of a name are numbered in the order they were logged (`logging_order`);
- `name:v3` names version 3, `name` alone means `name:latest`, any other tail is an alias;
- an alias names the version that held it when the using run started (`holder_at`), not
  whichever holds it now: a run cannot have read what was given the alias after it began.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TypeVar

VERSION = re.compile(r"v?(\d+)")  # a logged entry's own `version`: `v3` or `3`
VERSION_TAG = re.compile(r"v(\d+)")  # an alias or `name:` tail that names a version: `v3`
LATEST = "latest"
EARLIEST = datetime.min.replace(tzinfo=UTC)  # a sort key's stand-in for an unknown time

Holder = TypeVar("Holder")


def version_number(value: str | int | None) -> int | None:
    """Parse `v3`, `3` or 3 into 3; anything else is None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    match = VERSION.fullmatch(value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def split_ref(ref: str) -> tuple[str, str, str | int]:
    """Split `name:v3`, `name:alias` or `name` into (name, "version" or "alias", what)."""
    name, sep, tail = ref.rpartition(":")
    # A tail with a slash is no tag: `s3://bucket/x` is a name (an external input's URI).
    if not sep or not name or "/" in tail or not tail:
        return ref, "alias", LATEST
    match = VERSION_TAG.fullmatch(tail)
    return (name, "version", int(match.group(1))) if match else (name, "alias", tail)


def logging_order(when: datetime | None, run_id: str, *then: object) -> tuple:
    """Sort key of one logging: by time (unknown last), then run id, then the tie-breakers."""
    return (when is None, when or EARLIEST, run_id, *then)


def was_there(when: datetime | None, start: datetime | None) -> bool:
    """Tell whether what happened at `when` was there when a run started (unknown: yes)."""
    return when is None or start is None or when <= start


def holder_at(
    history: Iterable[tuple[datetime | None, Holder]], start: datetime | None
) -> Holder | None:
    """Return what an alias named when a run started: its last holder by then, else None.

    `history` is every giving of the alias, (when, holder), in logging order.
    """
    held = None
    for when, holder in history:
        if was_there(when, start):
            held = holder
    return held


def newest_first(version: int | None, node: str) -> tuple:
    """Sort key of an artifact's nodes as its page lists them: newest version first, external
    references (no version) last, then by node id."""
    return (version is None, -(version or 0), node)
