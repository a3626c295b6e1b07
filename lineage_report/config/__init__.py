"""The project's settings: `lineage-report.toml`, each setting declared once.

`settings.py` declares every key (kind, default, help) as a field of `Config`; `schema.py`
checks a file against those declarations; `loader.py` reads the file (from a folder or
object storage) into a Config; `reference.py` derives the docs table and the JSON Schema.
"""

from .loader import load_config
from .reference import json_schema, options_table
from .schema import UNKNOWN_KEY
from .settings import CONFIG_NAME, MAX_MANIFEST_MB, OPTIONS, README_NAME, Config, Source

__all__ = [
    "CONFIG_NAME",
    "MAX_MANIFEST_MB",
    "OPTIONS",
    "README_NAME",
    "UNKNOWN_KEY",
    "Config",
    "Source",
    "json_schema",
    "load_config",
    "options_table",
]
