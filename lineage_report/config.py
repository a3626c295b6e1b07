"""The project's settings: `lineage-report.toml`, validated against a declarative schema.

Every problem in the file is gathered and reported at once (one ConfigError listing them
all); unknown keys only warn, so a newer config still loads in an older tool.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

log = logging.getLogger("lineage_report")

CONFIG_NAME = "lineage-report.toml"
FORMATS = ("manifest", "openlineage", "dbt")


@dataclass(frozen=True)
class Source:
    """One `[[sources]]` entry: files matching `path` are read as `format`."""

    path: str
    format: str


@dataclass
class Config:
    """Settings for one build; paths are absolute once loaded."""

    root: Path
    title: str = "Lineage report"
    readme: Path | None = None
    manifests: list[str] = field(default_factory=lambda: ["**/*.json"])
    output: Path | None = None
    external: list[str] = field(default_factory=list)
    cluster_threshold: int = 5
    base_url: str = ""
    max_manifest_mb: float = 50.0
    theme_name: str = "default"
    theme_custom_dir: Path | None = None
    keep_files: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    config_file: Path | None = None


def _string(value: Any) -> str | None:
    """Return an error message unless `value` is a string."""
    return None if isinstance(value, str) else f"expected a string, got {type(value).__name__}"


def _strings(value: Any) -> str | None:
    """Return an error message unless `value` is a list of strings."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return None
    return "expected a list of strings"


def _positive_int(value: Any) -> str | None:
    """Return an error message unless `value` is a whole number of at least 1."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return None if ok else "expected a whole number of at least 1"


def _positive_number(value: Any) -> str | None:
    """Return an error message unless `value` is a number above 0."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    return None if ok else "expected a number above 0"


def _table(value: Any) -> str | None:
    """Return an error message unless `value` is a TOML table."""
    return None if isinstance(value, dict) else "expected a table"


def _sources(value: Any) -> str | None:
    """Return an error message unless `value` is a list of {path, format} tables."""
    if not isinstance(value, list):
        return "expected an array of tables ([[sources]])"
    for i, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            return f"entry {i + 1}: expected a table with a string 'path'"
        if item.get("format", "manifest") not in FORMATS:
            return f"entry {i + 1}: format must be one of {', '.join(FORMATS)}"
    return None


# key -> validator; the schema of lineage-report.toml, in one place.
SCHEMA = {
    "title": _string,
    "readme": _string,
    "manifests": _strings,
    "output": _string,
    "external": _strings,
    "cluster_threshold": _positive_int,
    "base_url": _string,
    "max_manifest_mb": _positive_number,
    "keep_files": _strings,
    "theme": _table,
    "sources": _sources,
}
THEME_SCHEMA = {"name": _string, "custom_dir": _string}


def _validate(data: dict[str, Any], schema: dict, prefix: str, errors: list[str]) -> None:
    """Check each key of `data` against `schema`, collecting errors and warning on unknown keys."""
    for key in sorted(data):
        check = schema.get(key)
        if check is None:
            log.warning("%s: unknown key '%s%s' is ignored", CONFIG_NAME, prefix, key)
            continue
        message = check(data[key])
        if message:
            errors.append(f"{prefix}{key}: {message}")


def load_config(source: Path, **overrides: Any) -> Config:
    """Load the config of the project at `source` (a folder), applying command-line overrides."""
    root = source.resolve()
    if not root.is_dir():
        raise ConfigError(f"{source}: not a folder")
    data = _read_toml(root / CONFIG_NAME)
    errors: list[str] = []
    _validate(data, SCHEMA, "", errors)
    _validate(
        data.get("theme", {}) if isinstance(data.get("theme"), dict) else {},
        THEME_SCHEMA,
        "theme.",
        errors,
    )
    if errors:
        listing = "\n  ".join(errors)
        raise ConfigError(f"{root / CONFIG_NAME}: invalid settings:\n  {listing}")
    config = _from_data(root, data)
    config.config_file = root / CONFIG_NAME if (root / CONFIG_NAME).exists() else None
    for key, value in overrides.items():
        if value is not None:
            setattr(config, key, value)
    return config


def _read_toml(path: Path) -> dict[str, Any]:
    """Return the parsed TOML file, or {} when there is none."""
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _from_data(root: Path, data: dict[str, Any]) -> Config:
    """Build a Config from validated TOML data."""
    theme = data.get("theme", {})
    readme = data.get("readme")
    if readme is None and (root / "README.md").exists():
        readme = "README.md"
    return Config(
        root=root,
        title=data.get("title", root.name),
        readme=root / readme if readme else None,
        manifests=data.get("manifests", ["**/*.json"]),
        output=root / data["output"] if "output" in data else None,
        external=data.get("external", []),
        cluster_threshold=data.get("cluster_threshold", 5),
        base_url=data.get("base_url", ""),
        max_manifest_mb=data.get("max_manifest_mb", 50.0),
        theme_name=theme.get("name", "default"),
        theme_custom_dir=root / theme["custom_dir"] if theme.get("custom_dir") else None,
        keep_files=data.get("keep_files", []),
        sources=[Source(s["path"], s.get("format", "manifest")) for s in data.get("sources", [])],
    )
