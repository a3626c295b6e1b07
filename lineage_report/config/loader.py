"""Loading `lineage-report.toml`, from a project folder or from object storage.

Every invalid setting in the file is gathered and reported at once (one ConfigError listing
them all); an unknown key is only a located warning (`config.unknown-key`, kept in
`Config.problems` until collect reports it with the build's own), so a newer config still
loads in an older tool. Like every input, the file and the README must lie in the project
and be within the size limit.
"""

from __future__ import annotations

import posixpath
import tomllib
from pathlib import Path
from typing import Any

from .. import remote
from ..errors import ConfigError
from ..inputfiles import (
    OUTSIDE_ROOT,
    TOO_LARGE,
    Refused,
    outside_message,
    outside_root,
    read_capped,
    too_large_message,
)
from ..problems import Problem
from .schema import fill_computed, given_values, invalid_values, unknown_keys
from .settings import CONFIG_NAME, MAX_MANIFEST_MB, OPTIONS, README_NAME, Config


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
    _override(config, overrides)
    config.readme = _checked_readme(config)
    return config


def _check_settings(data: dict[str, Any], where: Path | str) -> list[Problem]:
    """Return a warning for each unknown key; raise one ConfigError listing every invalid
    setting (and the unknown keys: a misspelt one may be why a setting is missing)."""
    errors = invalid_values(data, OPTIONS)
    unknown = unknown_keys(data, OPTIONS, CONFIG_NAME)
    if errors:
        listing = "\n  ".join(errors + [f"{p.location}: {p.message}" for p in unknown])
        raise ConfigError(f"{where}: invalid settings:\n  {listing}")
    return unknown


def _from_data(root: Path, data: dict[str, Any], url: str | None = None) -> Config:
    """Build a Config from checked TOML data: each setting as given, or its default."""
    given = given_values(data, OPTIONS, root)
    config = Config(root=root, remote=url, **given)
    fill_computed(config, OPTIONS, given)
    return config


def _override(config: Config, overrides: dict[str, Any]) -> None:
    """Apply the command line's settings, those it was given."""
    for key, value in overrides.items():
        if value is not None:
            setattr(config, key, value)


def _load_remote(url: str, overrides: dict[str, Any]) -> Config:
    """Load the settings of a project in object storage (`s3://bucket/prefix`).

    Its lineage-report.toml and README are read from there, within the size limit; the
    local paths it names (output, theme.custom_dir) are relative to the current folder.
    """
    url = url.rstrip("/")
    found = remote.listing(url, [CONFIG_NAME, README_NAME])
    where = remote.join(url, CONFIG_NAME)
    raw = _read_remote(found[CONFIG_NAME], where) if CONFIG_NAME in found else None
    data = _parse_toml(raw, where) if raw is not None else {}
    unknown = _check_settings(data, where)
    config = _from_data(Path.cwd().resolve(), data, url)
    config.problems.extend(unknown)
    config.readme = None  # not a local file: read from the bucket below, into remote_files
    if raw is not None:
        config.remote_files[CONFIG_NAME] = raw
    _override(config, overrides)
    _read_remote_readme(config, data.get("readme", README_NAME), found)
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
    listed = rel == README_NAME  # listed with the config; another name is looked up
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
