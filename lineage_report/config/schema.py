"""A declarative schema for a TOML settings file: kinds of value, and one option per key.

Each option is declared once, as a dataclass field made by `setting()`: its key, kind of
value, default and one line of help. The checks below, the loader's defaults, the docs
table and the JSON Schema (`reference.py`) all read those declarations, so no two of them
can disagree. Nothing here knows lineage-report's own settings (`settings.py` declares them).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ..problems import WARNING, Problem, pointer

UNKNOWN_KEY = "config.unknown-key"
OPTION = "option"  # the key of a declared field's metadata that holds its Option

Convert = Callable[[Any, Path], Any]  # (a checked TOML value, the project folder) -> a field value


# --- Kinds of value: each checks a TOML value and describes itself for the docs and JSON Schema


class Kind:
    """What values an option takes."""

    name = ""  # how the docs table names the kind
    noun = ""  # how a message names one value of it ("a string")

    def check(self, value: Any, key: str) -> str | None:
        """Return an error message unless `value`, given for `key`, is of this kind."""
        raise NotImplementedError

    def convert(self, value: Any, root: Path) -> Any:
        """Return the field value of a checked TOML value: the value itself."""
        return value

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema of a value of this kind."""
        raise NotImplementedError


class String(Kind):
    """A string."""

    name, noun = "string", "a string"

    def check(self, value: Any, key: str) -> str | None:
        """Return an error message unless `value` is a string."""
        return None if isinstance(value, str) else f"expected a string, got {type(value).__name__}"

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema of a string."""
        return {"type": "string"}


class Strings(Kind):
    """A list of strings."""

    name, noun = "list of strings", "a list of strings"

    def check(self, value: Any, key: str) -> str | None:
        """Return an error message unless `value` is a list of strings."""
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return None
        return "expected a list of strings"

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema of a list of strings."""
        return {"type": "array", "items": {"type": "string"}}


class PositiveInt(Kind):
    """A whole number of at least 1."""

    name, noun = "integer ≥ 1", "a whole number of at least 1"

    def check(self, value: Any, key: str) -> str | None:
        """Return an error message unless `value` is a whole number of at least 1."""
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
        return None if ok else "expected a whole number of at least 1"

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema of a whole number of at least 1."""
        return {"type": "integer", "minimum": 1}


class PositiveNumber(Kind):
    """A finite number above 0 (TOML allows `inf` and `nan`; we do not)."""

    name, noun = "number > 0", "a number above 0"

    def check(self, value: Any, key: str) -> str | None:
        """Return an error message unless `value` is a finite number above 0."""
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        return None if ok and math.isfinite(value) else "expected a number above 0"

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema of a number above 0 (JSON has no infinities)."""
        return {"type": "number", "exclusiveMinimum": 0}


@dataclass(frozen=True)
class Choice(Kind):
    """One of a fixed list of strings."""

    values: tuple[str, ...]

    @property
    def name(self) -> str:  # type: ignore[override]
        """Name the kind by its values, for the docs."""
        return "one of " + ", ".join(f"`{v}`" for v in self.values)

    @property
    def noun(self) -> str:  # type: ignore[override]
        """Name one value, for a message."""
        return "one of " + ", ".join(self.values)

    def check(self, value: Any, key: str) -> str | None:
        """Return an error message unless `value` is one of the values."""
        return None if value in self.values else f"must be {self.noun}"

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema of one of the values."""
        return {"enum": list(self.values)}


@dataclass(frozen=True)
class TablesOf(Kind):
    """An array of tables (`[[sources]]`), each one an instance of a declared dataclass."""

    entry: type

    name = "array of tables"

    def check(self, value: Any, key: str) -> str | None:
        """Return an error message for the first bad entry, or unless `value` is a list."""
        if not isinstance(value, list):
            return f"expected an array of tables ([[{key}]])"
        for number, item in enumerate(value, start=1):
            message = self._check_entry(item)
            if message:
                return f"entry {number}: {message}"
        return None

    def _check_entry(self, item: Any) -> str | None:
        """Return an error message unless `item` is a table whose every key is right."""
        options = options_of(self.entry)
        for option in options:
            if option.required and (not isinstance(item, dict) or _bad(option, item)):
                return f"expected a table with {option.kind.noun} '{option.key}'"
        if not isinstance(item, dict):
            return "expected a table"
        for option in (o for o in options if o.key in item):
            message = option.kind.check(item[option.key], option.key)
            if message:
                return f"{option.key} {message}"
        return None

    def convert(self, value: list[dict[str, Any]], root: Path) -> list[Any]:
        """Return one entry object per table of a checked array."""
        return [self.entry(**given_values(item, options_of(self.entry), root)) for item in value]

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema of an array of such tables."""
        options = options_of(self.entry)
        required = [o.key for o in options if o.required]
        return {"type": "array", "items": {**object_schema(options), "required": required}}


def _bad(option: Option, item: dict[str, Any]) -> bool:
    """Tell whether a required option is missing from a table, or holds a bad value."""
    return option.key not in item or option.kind.check(item[option.key], option.key) is not None


# --- Options: one declaration per key


@dataclass(frozen=True)
class Computed:
    """A default worked out at load time from the rest of the settings; `text` tells the docs."""

    text: str
    compute: Callable[[Any], Any]  # (the settings object, every given value set) -> the value


@dataclass(frozen=True)
class Option:
    """One key of the settings file: its kind of value, default, help, and field."""

    key: str  # dotted for a key in a table: "theme.name"
    kind: Kind
    default: Any  # dataclasses.MISSING when the key is required; or a Computed
    help: str
    convert: Convert | None = None  # when the field holds something else than the TOML value
    shown: str = ""  # how the docs tell a default that another part applies (None here)
    attr: str = ""  # the dataclass field that holds the value

    @property
    def required(self) -> bool:
        """Tell whether the key must be given."""
        return self.default is MISSING

    @property
    def table(self) -> str:
        """Return the table the key lies in, "" for the top level."""
        return self.key.rpartition(".")[0]

    @property
    def name(self) -> str:
        """Return the key's name inside its table."""
        return self.key.rpartition(".")[2]


def setting(
    kind: Kind,
    default: Any = MISSING,
    help: str = "",
    *,
    key: str = "",
    convert: Convert | None = None,
    shown: str = "",
) -> Any:
    """Declare one option as a dataclass field; its key is the field's name unless given."""
    option = Option(key, kind, default, help, convert, shown)
    meta = {OPTION: option}
    if default is MISSING:
        return field(metadata=meta)
    if isinstance(default, Computed):
        return field(default=None, metadata=meta)  # set by the loader, from the others
    if isinstance(default, list):
        return field(default_factory=default.copy, metadata=meta)
    return field(default=default, metadata=meta)


def options_of(cls: type) -> tuple[Option, ...]:
    """Return the options a dataclass declares, in order, each knowing its key and field."""
    return tuple(_named(f) for f in fields(cls) if OPTION in f.metadata)


def _named(declared: Field) -> Option:
    """Return a field's option with its key and field name filled in."""
    option: Option = declared.metadata[OPTION]
    return replace(option, key=option.key or declared.name, attr=declared.name)


def tables(options: Iterable[Option]) -> list[str]:
    """Return the names of the tables that hold dotted keys, sorted."""
    return sorted({o.table for o in options if o.table})


# --- Checking a parsed file against the options


def invalid_values(data: dict[str, Any], options: Sequence[Option]) -> list[str]:
    """Return a message naming the key for each bad value: the top level, then each table."""
    top = {o.key: o.kind for o in options if not o.table}
    top.update((name, _TABLE) for name in tables(options))
    errors = _invalid(data, top, "")
    for name in tables(options):
        inner = data.get(name)
        kinds = {o.name: o.kind for o in options if o.table == name}
        errors += _invalid(inner if isinstance(inner, dict) else {}, kinds, f"{name}.")
    return errors


def _invalid(data: dict[str, Any], kinds: dict[str, Kind], prefix: str) -> list[str]:
    """Return a message for each key of `data` that `kinds` knows whose value is not of its kind."""
    errors = []
    for key in sorted(data.keys() & kinds.keys()):
        message = kinds[key].check(data[key], key)
        if message:
            errors.append(f"{prefix}{key}: {message}")
    return errors


class _Table(Kind):
    """A TOML table (it holds the dotted keys)."""

    name, noun = "table", "a table"

    def check(self, value: Any, key: str) -> str | None:
        """Return an error message unless `value` is a table."""
        return None if isinstance(value, dict) else "expected a table"

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema of a table."""
        return {"type": "object"}


_TABLE = _Table()


def unknown_keys(data: dict[str, Any], options: Sequence[Option], path: str) -> list[Problem]:
    """Return a warning for each key no option has (a typo, most likely): the top level,
    then each table, then each entry of each array of tables."""
    known = [o.key for o in options if not o.table] + tables(options)
    problems = _unknown(data, known, (), path)
    for name in tables(options):
        problems += _unknown(
            data.get(name), [o.name for o in options if o.table == name], (name,), path
        )
    for option in options:
        if isinstance(option.kind, TablesOf):
            entries = data.get(option.key)
            inner = [o.key for o in options_of(option.kind.entry)]
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                problems += _unknown(entry, inner, (option.key, i), path)
    return problems


def _unknown(data: Any, known: list[str], at: tuple, path: str) -> list[Problem]:
    """Return a warning for each key of the table `data` (at `at` in the file) not `known`."""
    if not isinstance(data, dict):
        return []
    problems = []
    for key in sorted(data.keys() - set(known)):
        near = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        message = f"unknown key '{key}' is ignored{hint}"
        problems.append(Problem(path, pointer(*at, key), message, UNKNOWN_KEY, WARNING))
    return problems


# --- From checked data to field values


def given_values(data: dict[str, Any], options: Sequence[Option], root: Path) -> dict[str, Any]:
    """Return the field values of the keys `data` gives, converted (paths made absolute)."""
    values = {}
    for option in options:
        value = lookup(data, option)
        if value is not MISSING:
            convert = option.convert or option.kind.convert
            values[option.attr] = convert(value, root)
    return values


def lookup(data: dict[str, Any], option: Option) -> Any:
    """Return the value `data` gives the option, or MISSING."""
    table = data.get(option.table, {}) if option.table else data
    return table.get(option.name, MISSING)


def fill_computed(obj: Any, options: Sequence[Option], given: Iterable[str]) -> None:
    """Set each computed default of `obj` that no key gave, once every given value is set."""
    for option in options:
        if isinstance(option.default, Computed) and option.attr not in given:
            setattr(obj, option.attr, option.default.compute(obj))


def object_schema(options: Sequence[Option]) -> dict[str, Any]:
    """Return the JSON Schema of a table holding the options' keys (nested tables included)."""
    properties = {o.name: property_schema(o) for o in options if not o.table}
    for name in tables(options):
        inner = [replace(o, key=o.name) for o in options if o.table == name]
        properties[name] = {"description": f"The [{name}] table.", **object_schema(inner)}
    return {"type": "object", "additionalProperties": False, "properties": properties}


def property_schema(option: Option) -> dict[str, Any]:
    """Return the JSON Schema of one option's value: its kind, help and plain default."""
    schema = {**option.kind.schema(), "description": option.help}
    if not option.required and not isinstance(option.default, Computed | type(None)):
        schema["default"] = option.default
    return schema
