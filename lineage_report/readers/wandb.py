"""W&B file lists: an artifact's `wandb_manifest.json` -> manifest-v1 `files` entries.

W&B stores each artifact's contents as `{"version": 1, "contents": {path: {digest, size,
ref?, ...}}}` with file digests in base64 MD5. A manifest's logged artifact may point its
`files` at such a file instead of listing them; this turns that list into ours. MD5 digests
are rewritten as `md5:<hex>` so they read like our `sha256:<hex>`; any other digest (an
ETag of a reference, say) is kept as W&B wrote it.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..problems import WARNING, Problem, pointer
from .common import decode_json, problem

W_AND_B_MANIFEST_VERSION = 1


def wandb_manifest_files(path: str, raw: bytes) -> tuple[list[dict], list[Problem]]:
    """Return the `files` entries (path, size, digest; `ref` for references) of a W&B manifest."""
    data, failed = decode_json(path, raw, "wandb.invalid-json")
    if failed:
        return [], [failed]
    complaint = _manifest_problem(path, data)
    if complaint:
        return [], [complaint]
    files: list[dict] = []
    problems: list[Problem] = []
    for name in sorted(data["contents"]):
        entry = _entry(path, name, data["contents"][name], problems)
        if entry is not None:
            files.append(entry)
    return files, problems


def _manifest_problem(path: str, data: Any) -> Problem | None:
    """Return why the document is not a W&B artifact manifest we read, or None."""
    if not isinstance(data, dict) or "contents" not in data:
        return problem(
            path, "", "not a W&B artifact manifest: no 'contents' object", "wandb.invalid-manifest"
        )
    version = data.get("version")
    if version != W_AND_B_MANIFEST_VERSION or isinstance(version, bool):
        message = f"unknown W&B manifest version {version!r}; this reads version 1"
        return problem(path, "/version", message, "wandb.unknown-version")
    if not isinstance(data["contents"], dict):
        return problem(path, "/contents", "'contents' is not an object", "wandb.invalid-manifest")
    return None


def _entry(path: str, name: str, value: Any, problems: list[Problem]) -> dict | None:
    """Return one file entry; an entry without a digest is reported and left out."""
    where = pointer("contents", name)
    if not name or not isinstance(value, dict):
        problems.append(problem(path, where, "entry is not an object", "wandb.invalid-entry"))
        return None
    digest = value.get("digest")
    if not isinstance(digest, str) or not digest:
        problems.append(problem(path, where, f"file '{name}' has no digest", "wandb.invalid-entry"))
        return None
    entry: dict[str, Any] = {"path": name, "digest": convert_digest(digest)}
    size = value.get("size")
    if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
        entry["size"] = size
    elif size is not None:
        problems.append(
            problem(
                path,
                where + "/size",
                f"size {size!r} is not a byte count; left out",
                "wandb.invalid-entry",
                WARNING,
            )
        )
    if isinstance(value.get("ref"), str) and value["ref"]:
        entry["ref"] = value["ref"]
    return entry


def split_references(files: list[dict]) -> tuple[list[dict], list[dict]]:
    """Split W&B entries into stored files and references (an entry with a `ref` URI).

    A reference keeps its path inside the artifact as its `name`; its digest is left out
    when W&B wrote the URI itself there (a reference logged with `checksum=False`).
    """
    stored, references = [], []
    for entry in files:
        if "ref" not in entry:
            stored.append(entry)
            continue
        uri, digest = entry["ref"], entry.get("digest")
        references.append(
            {"uri": uri, "name": entry["path"]}
            | ({"digest": digest} if digest and digest != uri else {})
            | ({"size": entry["size"]} if "size" in entry else {})
        )
    return stored, references


def convert_digest(digest: str) -> str:
    """Return `md5:<hex>` for W&B's base64 MD5 digests; other digests as they are."""
    try:
        decoded = base64.b64decode(digest, validate=True)
    except (binascii.Error, ValueError):
        return digest
    return "md5:" + decoded.hex() if len(decoded) == 16 and len(digest) == 24 else digest
