"""Run tables: a job type's runs as W&B's runs table, one data file for the browser.

A job type's pages list its runs in parts of views.PAGE_SIZE, for readers without
JavaScript. With it, runs-table.js shows every run in one sortable table, read from a
`<script>` file beside the page (file:// forbids fetch): one row a run, with its name,
state, start and duration, then its config and summary values flattened W&B's way
(`optimizer.lr`). A column that holds one value on every row tells nothing and is dropped;
of the rest the MAX_COLUMNS most varied are kept, the user's before those the tracking tool
wrote (TOOL_KEYS), and every value is cut at VALUE_CHARS,
so a run costs a bounded number of bytes however wide its config is.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import formats
from .scriptjson import script_json

MAX_COLUMNS = 30  # config and summary columns shipped; the rest are counted
VALUE_CHARS = 100  # characters of one value shipped; the run's page shows more
NAME_CHARS = 200  # characters of a run's name shipped
KEYS_PER_RUN = 200  # config (or summary) keys read of one run, as its page lists them
DEPTH = 4  # levels of nested dicts flattened into dotted keys; deeper ones show as JSON
SAFE_INT = 2**53  # larger integers lose digits in JavaScript: shipped as text
GLOBAL = "LineageRunTable"  # the global the data file sets, which runs-table.js reads
SECTIONS = ("config", "summary")
# Columns the tracking tool wrote, not the user: the W&B reader's system metadata
# (`wandb.metadata`, host and start time: different on every run) and W&B's own `_` keys
# (`_wandb`, `_runtime`, `_step`). W&B's table hides them; here they come after the user's
# columns, and only while MAX_COLUMNS leaves room, so they never crowd out a varied `lr`.
TOOL_KEYS = ("config.wandb.", "config._", "summary._")
# What each row holds before its config and summary values (runs-table.js reads it so).
FIXED = ("name", "href", "state", "started", "duration_s", "duration")

Cell = str | int | float | None


@dataclass
class RunTable:
    """Every run of a job type as rows, with the columns worth showing."""

    columns: list[str]  # config.lr, summary.loss, ...
    rows: list[list[Any]]  # FIXED values, then one cell per column
    constant: int  # columns left out because every row holds the same value
    omitted: int  # varied columns left out past MAX_COLUMNS

    def to_json(self) -> dict[str, Any]:
        """Return the table as the data file holds it."""
        return {
            "columns": self.columns,
            "constant": self.constant,
            "fixed": list(FIXED),
            "omitted": self.omitted,
            "rows": self.rows,
        }


def flatten(mapping: Mapping, prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """Flatten nested dicts into dotted keys, sorted: {"opt": {"lr": 1}} -> {"opt.lr": 1}."""
    out: dict[str, Any] = {}
    for key in sorted(mapping, key=str):
        value, name = mapping[key], f"{prefix}{key}"
        if isinstance(value, dict) and value and depth < DEPTH:
            out.update(flatten(value, name + ".", depth + 1))
        else:
            out[name] = value
    return out


def cell(value: Any) -> Cell:
    """Return a value as one cell: numbers stay numbers (they sort so), the rest short text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) < SAFE_INT:
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS] + "…"


def run_values(data: Mapping) -> dict[str, Cell]:
    """Return a run's config and summary values by column name (config.lr)."""
    values: dict[str, Cell] = {}
    for section in SECTIONS:
        mapping = data.get(section) or {}
        kept = {k: mapping[k] for k in sorted(mapping, key=str)[:KEYS_PER_RUN]}
        for key, value in flatten(kept).items():
            values[f"{section}.{key}"] = cell(value)
    return values


def fixed_cells(data: Mapping, href: str) -> list[Any]:
    """Return a run's FIXED cells: what its row in the job type's list says, and a link."""
    label = str(data.get("label") or "")
    name = label if len(label) <= NAME_CHARS else label[:NAME_CHARS] + "…"
    state = "design" if data.get("design") else str(data.get("state") or "")
    seconds = data.get("duration_s")
    seconds = seconds if isinstance(seconds, int | float) and math.isfinite(seconds) else None
    started = formats.time(data.get("started_at"))
    return [name, href, state, started, seconds, formats.duration(seconds)]


def is_tool_key(column: str) -> bool:
    """Tell whether a column is one the tracking tool wrote (TOOL_KEYS)."""
    return column.startswith(TOOL_KEYS)


def choose_columns(values: list[dict[str, Cell]]) -> tuple[list[str], int, int]:
    """Pick the columns to show: not constant, the user's before the tool's (TOOL_KEYS),
    then the MAX_COLUMNS most varied, config first.

    Returns them with how many were constant and how many were left out past the cap.
    """
    seen: dict[str, set] = {}
    for row in values:
        for key, value in row.items():
            seen.setdefault(key, set()).add((type(value) is str, value))
    varied = {}
    for key, distinct in seen.items():
        missing = any(key not in row for row in values)
        count = len(distinct) + missing
        if count > 1 or len(values) == 1:  # one run: nothing to compare, show it all
            varied[key] = count
    ranked = sorted(varied, key=lambda k: (is_tool_key(k), -varied[k], k))[:MAX_COLUMNS]
    columns = sorted(ranked, key=lambda k: (is_tool_key(k), SECTIONS.index(k.partition(".")[0]), k))
    return columns, len(seen) - len(varied), len(varied) - len(columns)


def run_table(runs: Iterable[tuple[Mapping, str]]) -> RunTable:
    """Build the table of runs given as (node data, link from the job type's page)."""
    runs = list(runs)
    values = [run_values(data) for data, _ in runs]
    columns, constant, omitted = choose_columns(values)
    rows = [
        [*fixed_cells(data, href), *(row.get(c) for c in columns)]
        for (data, href), row in zip(runs, values, strict=True)
    ]
    return RunTable(columns, rows, constant, omitted)


def data_file(runs: Iterable[tuple[Mapping, str]]) -> bytes:
    """Return the runs' data file: a script that sets window.LineageRunTable."""
    table = run_table(runs)
    return f"window.{GLOBAL} = {script_json(table.to_json())};\n".encode()


def runs_of(nodes: Mapping, members: list[str], href: Callable[[str], str]):
    """Yield (node data, link) for each member run, in the order given."""
    for node in members:
        yield nodes[node], href(node)
