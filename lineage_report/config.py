"""The project's settings: `lineage-report.toml`, validated against a declarative schema.

Every problem in the file is gathered and reported at once (one ConfigError listing them
all); an unknown key is only a located warning (`config.unknown-key`, kept in
`Config.problems` until collect reports it with the build's own), so a newer config still
loads in an older tool.
"""

from __future__ import annotations

import difflib
import math
import posixpath
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import remote
from .errors import ConfigError
from .inputfiles import (
    OUTSIDE_ROOT,
    TOO_LARGE,
    Refused,
    outside_message,
    outside_root,
    read_capped,
    too_large_message,
)
from .problems import WARNING, Problem, pointer

CONFIG_NAME = "lineage-report.toml"
FORMATS = ("manifest", "openlineage", "dbt")
MAX_MANIFEST_MB = 50.0  # the default size limit of every input file (the config's own too)


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
    manifests: list[str] = field(default_factory=lambda: ["**/*.json", "**/*.ndjson", "**/*.jsonl"])
    output: Path | None = None
    external: list[str] = field(default_factory=list)
    cluster_threshold: int = 5
    base_url: str = ""
    max_manifest_mb: float = MAX_MANIFEST_MB
    theme_name: str = "default"
    theme_custom_dir: Path | None = None
    keep_files: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    config_file: Path | None = None
    problems: list[Problem] = field(default_factory=list)  # found while loading; collect reports
    # A project in object storage: its URL (then `root` is the current folder, for the
    # local paths: output, theme), and its lineage-report.toml and README as they were read.
    remote: str | None = None
    remote_files: dict[str, bytes] = field(default_factory=dict)
    remote_readme: str | None = None  # the README's project path, a key of remote_files


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
    """Return an error message unless `value` is a finite number above 0."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    return None if ok and math.isfinite(value) else "expected a number above 0"


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
SOURCE_KEYS = ("path", "format")  # of each [[sources]] entry; _sources checks their values
UNKNOWN_KEY = "config.unknown-key"


def _validate(data: dict[str, Any], schema: dict, prefix: str, errors: list[str]) -> None:
    """Check the value of each key of `data` that `schema` knows, collecting errors."""
    for key in sorted(data.keys() & schema.keys()):
        message = schema[key](data[key])
        if message:
            errors.append(f"{prefix}{key}: {message}")


def _unknown_keys(data: Any, known: Iterable[str], at: tuple) -> list[Problem]:
    """Return a warning for each key of the table `data` (at `at` in the file) not `known`."""
    if not isinstance(data, dict):
        return []
    problems = []
    for key in sorted(data.keys() - set(known)):
        near = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        message = f"unknown key '{key}' is ignored{hint}"
        problems.append(Problem(CONFIG_NAME, pointer(*at, key), message, UNKNOWN_KEY, WARNING))
    return problems


def _unknown_settings(data: dict[str, Any]) -> list[Problem]:
    """Return a warning for each key of the file that no setting has: a typo, most likely."""
    problems = _unknown_keys(data, SCHEMA, ())
    problems += _unknown_keys(data.get("theme"), THEME_SCHEMA, ("theme",))
    sources = data.get("sources")
    for i, entry in enumerate(sources if isinstance(sources, list) else []):
        problems += _unknown_keys(entry, SOURCE_KEYS, ("sources", i))
    return problems


def load_config(source: Path | str, **overrides: Any) -> Config:
    """Load the config of the project at `source` (a folder, or a URL in object storage),
    applying command-line overrides."""
    if isinstance(source, str) and remote.is_url(source):
        return _load_remote(source, overrides)
    root = Path(source).resolve()
    if not root.is_dir():
        raise ConfigError(f"{source}: not a folder")
    data = _read_toml(root, root / CONFIG_NAME)
    unknown = _check_settings(data, root / CONFIG_NAME)
    config = _from_data(root, data)
    config.problems.extend(unknown)  # collect reports them with the build's own
    config.config_file = root / CONFIG_NAME if (root / CONFIG_NAME).exists() else None
    for key, value in overrides.items():
        if value is not None:
            setattr(config, key, value)
    config.readme = _checked_readme(config)
    return config


def _check_settings(data: dict[str, Any], where: Path | str) -> list[Problem]:
    """Return a warning for each unknown key; raise one ConfigError listing every invalid
    setting (and the unknown keys: a misspelt one may be why a setting is missing)."""
    errors: list[str] = []
    _validate(data, SCHEMA, "", errors)
    _validate(
        data.get("theme", {}) if isinstance(data.get("theme"), dict) else {},
        THEME_SCHEMA,
        "theme.",
        errors,
    )
    unknown = _unknown_settings(data)
    if errors:
        listing = "\n  ".join(errors + [f"{p.location}: {p.message}" for p in unknown])
        raise ConfigError(f"{where}: invalid settings:\n  {listing}")
    return unknown


def _load_remote(url: str, overrides: dict[str, Any]) -> Config:
    """Load the settings of a project in object storage (`s3://bucket/prefix`).

    Its lineage-report.toml and README are read from there, within the size limit; the
    local paths it names (output, theme.custom_dir) are relative to the current folder.
    """
    url = url.rstrip("/")
    found = remote.listing(url, [CONFIG_NAME, "README.md"])
    where = remote.join(url, CONFIG_NAME)
    raw = _read_remote(found[CONFIG_NAME], where) if CONFIG_NAME in found else None
    data = _parse_toml(raw, where) if raw is not None else {}
    unknown = _check_settings(data, where)
    config = _from_data(Path.cwd().resolve(), data)
    config.problems.extend(unknown)
    config.title = data.get("title", remote.base_name(url))
    config.readme = None
    config.remote = url
    if raw is not None:
        config.remote_files[CONFIG_NAME] = raw
    for key, value in overrides.items():
        if value is not None:
            setattr(config, key, value)
    _read_remote_readme(config, data.get("readme", "README.md"), found)
    return config


def _read_remote(file: remote.RemoteFile, where: str) -> bytes:
    """Return the bytes of the remote config file; a ConfigError if it cannot be read."""
    try:
        return file.read(MAX_MANIFEST_MB)
    except Refused as exc:
        raise ConfigError(f"{where}: {exc.message}") from None


def _parse_toml(raw: bytes, where: str) -> dict[str, Any]:
    """Parse a config file's bytes; a ConfigError names what is wrong in it."""
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _read_remote_readme(config: Config, name: str, found: dict[str, remote.RemoteFile]) -> None:
    """Read the README of a project in object storage, or note why it may not be read."""
    rel = posixpath.normpath(name)
    if rel == ".." or rel.startswith(("../", "/")):
        message = "the README must lie in the project; not read"
        config.problems.append(Problem(name, "", message, OUTSIDE_ROOT))
        return
    listed = rel == "README.md"  # listed with the config; another name is looked up
    file = found.get(rel) if listed else remote.lookup(remote.join(config.remote, rel))
    if file is None:
        return  # as for a folder: no README, no section on the index page
    try:
        config.remote_files[rel] = file.read(config.max_manifest_mb)
    except Refused as exc:
        config.problems.append(Problem(rel, "", exc.message, exc.kind))
        return
    config.remote_readme = rel


def _read_toml(root: Path, path: Path) -> dict[str, Any]:
    """Return the parsed TOML file, or {} when there is none; it must lie in the project."""
    if not path.exists():
        return {}
    target = outside_root(root, path)
    if target:
        message = f"{outside_message(target)}; copy it into the project folder"
        raise ConfigError(f"{path}: {message}")
    try:
        return tomllib.loads(read_capped(path, MAX_MANIFEST_MB).decode("utf-8"))
    except Refused as exc:
        raise ConfigError(f"{path}: {exc.message}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _checked_readme(config: Config) -> Path | None:
    """Return the README to show, or None after noting why it may not be read.

    Like every input it must lie in the project folder, symlinks resolved (the snapshot
    ships it), and not be over the size limit.
    """
    path = config.readme
    if path is None or not (path.exists() or path.is_symlink()):
        return path
    shown = path.relative_to(config.root).as_posix() if path.is_relative_to(config.root) else path
    target = outside_root(config.root, path)
    if target:
        config.problems.append(Problem(str(shown), "", outside_message(target), OUTSIDE_ROOT))
        return None
    try:
        size = path.stat().st_size if path.is_file() else 0
    except OSError:  # gone meanwhile: the build will find no README, as when there is none
        size = 0
    if size > config.max_manifest_mb * 1_000_000:
        message = too_large_message(size, config.max_manifest_mb)
        config.problems.append(Problem(str(shown), "", message, TOO_LARGE))
        return None
    return path


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
        manifests=data.get("manifests", ["**/*.json", "**/*.ndjson", "**/*.jsonl"]),
        output=root / data["output"] if "output" in data else None,
        external=data.get("external", []),
        cluster_threshold=data.get("cluster_threshold", 5),
        base_url=data.get("base_url", ""),
        max_manifest_mb=data.get("max_manifest_mb", MAX_MANIFEST_MB),
        theme_name=theme.get("name", "default"),
        theme_custom_dir=root / theme["custom_dir"] if theme.get("custom_dir") else None,
        keep_files=data.get("keep_files", []),
        sources=[Source(s["path"], s.get("format", "manifest")) for s in data.get("sources", [])],
    )
