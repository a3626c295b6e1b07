"""Digests: of one file, and of an artifact from its entries (W&B's manifest-digest idea).

The artifact digest is `sha256:` + the SHA-256 of the sorted `path:digest` lines of its
files and references joined by newlines, so the order in which files were added or
listed never changes it. A reference's unknown digest counts as empty (data held elsewhere
often has none); a file's unknown digest makes the artifact's unknowable. The collector and
the SDK (for its own artifacts and for other runs' manifests) compute it here alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

CHUNK = 1 << 20


def file_digest(path: Path) -> str:
    """Return `sha256:<hex>` of a file, read in chunks so a 10 GB file does not fill memory."""
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            sha.update(chunk)
    return "sha256:" + sha.hexdigest()


def artifact_digest(entries: Iterable[tuple[str, str | None]]) -> str:
    """Return the digest of an artifact from its (path or uri, digest) entries."""
    lines = sorted(f"{path}:{digest or ''}" for path, digest in entries)
    # surrogatepass: a lone surrogate in a name (JSON can escape one) must not crash a build.
    text = "\n".join(lines).encode("utf-8", "surrogatepass")
    return "sha256:" + hashlib.sha256(text).hexdigest()


def listed_digest(
    files: Iterable[tuple[str, str | None]], references: Iterable[tuple[str, str | None]]
) -> str | None:
    """Return the digest of a logged artifact that gives none, from its files and references.

    None when it cannot be known: a file has no digest, or there is nothing listed.
    """
    files, references = list(files), list(references)
    if not (files or references) or not all(digest for _, digest in files):
        return None
    return artifact_digest([*files, *references])
