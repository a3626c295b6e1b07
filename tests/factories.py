"""Small builders for manifests and projects in tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lineage_report.digest import artifact_digest


def at(minute: int) -> str:
    """Return a timestamp `minute` minutes after a fixed start."""
    hours, minutes = divmod(minute, 60)
    return f"2026-11-20T{10 + hours:02d}:{minutes:02d}:00Z"


def art(name: str, type: str = "dataset", content: str | None = None, **extra: Any) -> dict:
    """Return a logged artifact whose digest comes from one made-up file."""
    files = [{"path": "data.bin", "size": 10, "digest": f"sha256:{content or name}"}]
    entry = {
        "name": name,
        "type": type,
        "files": files,
        "digest": artifact_digest([(f["path"], f["digest"]) for f in files]),
    }
    entry.update(extra)
    return entry


def manifest(run_id: str, start: int = 0, used=(), logged=(), **run: Any) -> dict:
    """Return a manifest of one run that started at minute `start` and ran one minute."""
    info = {
        "id": run_id,
        "job_type": "train",
        "started_at": at(start),
        "finished_at": at(start + 1),
    }
    info.update(run)
    return {
        "manifest_version": 1,
        "run": info,
        "used_artifacts": list(used),
        "logged_artifacts": list(logged),
    }


def write_project(root: Path, manifests: dict[str, Any], config: str = "") -> Path:
    """Write manifests (file name -> dict, or raw bytes/str) and an optional config."""
    root.mkdir(parents=True, exist_ok=True)
    for name, content in manifests.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(json.dumps(content), encoding="utf-8")
    if config:
        (root / "lineage-report.toml").write_text(config, encoding="utf-8")
    return root
