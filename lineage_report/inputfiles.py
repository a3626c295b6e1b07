"""Reading one input file: only inside the project folder, only a regular file, never too much.

Every file the build reads from a project (manifests, the files read beside them, the
config and the README) comes through here, so one set of rules holds for all of them:
its path, symlinks resolved, must stay inside the project folder (a link to
`/proc/self/environ` or `~/.aws/credentials` would otherwise be read, and shipped by
`snapshot`); it must be a regular file (a FIFO would wait forever, `/dev/zero` never ends);
and it is never read past the size limit, whatever it claims its size is. `snapshot`
copies the inputs again through `read_inside`, under the same rules.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

OUTSIDE_ROOT = "collect.outside-root"
TOO_LARGE = "manifest.too-large"
UNREADABLE = "manifest.unreadable"
CHUNK = 1 << 20


class Refused(Exception):
    """A file that is not read: why (the message) and the problem kind."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.message = message
        self.kind = kind


def outside_root(root: Path, path: Path) -> str | None:
    """Return where `path` really leads when that is outside `root` (resolved), else None."""
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: reading it fails, and says so
        return None
    return None if target.is_relative_to(root) else str(target)


def outside_message(target: str) -> str:
    """Return the message of a file that leads outside the project folder."""
    return f"links to {target}, outside the project folder; not read"


def shown_name(rel: str) -> str | None:
    """Return a file name that is not UTF-8 as text with its odd bytes as `\\xNN`, else None."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(rel).decode("utf-8", "backslashreplace")
    return None


class SizeLimit(float):
    """A size limit in MB that knows its config key, so a refusal names the setting to raise."""

    def __new__(cls, mb: float, key: str = "max_manifest_mb") -> SizeLimit:
        limit = super().__new__(cls, mb)
        limit.key = key
        return limit


def megabytes_over(size: int, limit_mb: float) -> str:
    """Return `size` in MB with the fewest decimals (one at least) that show it over the limit."""
    # "0.1 MB, over the 0.1 MB limit" reads as a bug: add decimals until the two differ.
    for decimals in range(1, 7):
        text = f"{size / 1e6:.{decimals}f}"
        if float(text) > limit_mb:
            return text
    return f"{size / 1e6:.6f}"


def too_large_message(size: int, limit_mb: float) -> str:
    """Return the message of a file over the size limit, naming the key that sets it."""
    key = getattr(limit_mb, "key", "max_manifest_mb")
    return (
        f"file is {megabytes_over(size, limit_mb)} MB, over the {limit_mb:g} MB limit "
        f"({key} in lineage-report.toml)"
    )


def read_inside(root: Path, path: Path, limit_mb: float) -> bytes:
    """Return the bytes of a regular file whose real path lies inside `root` (resolved).

    The file is opened by its resolved path, its last part not followed if it became a
    link since. Raises Refused when it leads outside `root`, or as `read_capped` does.
    """
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: opening it fails, and says so
        target = path
    if not target.is_relative_to(root):
        raise Refused(outside_message(str(target)), OUTSIDE_ROOT)
    return read_capped(target, limit_mb, getattr(os, "O_NOFOLLOW", 0))


def read_capped(path: Path, limit_mb: float, flags: int = 0) -> bytes:
    """Return a regular file's bytes, never reading more than the limit plus one byte.

    Raises Refused when the file is not a regular file, cannot be read or is too large.
    """
    limit = int(limit_mb * 1_000_000)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer before we can refuse it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0) | flags)
    except OSError as exc:
        raise Refused(f"cannot read the file: {exc.strerror or exc}", UNREADABLE) from None
    with os.fdopen(fd, "rb") as f:
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise Refused("not a regular file; skipped", UNREADABLE)
            raw = _read_upto(f, info.st_size, limit)
        except OSError as exc:
            raise Refused(f"cannot read the file: {exc.strerror or exc}", UNREADABLE) from None
    if len(raw) > limit:
        raise Refused(too_large_message(max(len(raw), info.st_size), limit_mb), TOO_LARGE)
    return raw


def _read_upto(f, size: int, limit: int) -> bytes:
    """Read at most limit + 1 bytes: the stated size in one go, then on in chunks if it grew."""
    raw = f.read(min(size, limit) + 1)  # one buffer of the file's own size, not the limit's
    if len(raw) <= min(size, limit):
        return raw
    parts = [raw]
    total = len(raw)
    while total <= limit and (part := f.read(min(CHUNK, limit + 1 - total))):
        parts.append(part)
        total += len(part)
    return b"".join(parts)
