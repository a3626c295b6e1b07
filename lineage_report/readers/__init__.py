"""Readers: turn other tools' lineage (OpenLineage, dbt, W&B, MLflow) into manifest-v1 documents.

Every reader returns plain dicts in exactly the format of a run's manifest (issue 2), so the
collector validates and ingests all inputs one way. Readers never raise on bad input: each
unusable record becomes a Problem located in its file, and the records beside it survive.
The shared pieces (the Document record, parsing, detection) live in `common.py`; each
reader has a module of its own. The mapping of each source is described in docs/readers.md.
"""

from .common import (
    SOURCE_FILES,
    SOURCE_LOCATIONS,
    Document,
    FilesInMemory,
    RunFiles,
    detect_format,
    is_wandb_latest_link,
    wandb_run_folder,
)
from .dbt import read_dbt
from .mlflow import read_mlflow
from .mlflow_sqlite import read_mlflow_input, read_mlflow_sqlite
from .openlineage import read_openlineage, read_openlineage_many
from .wandb import split_references, wandb_manifest_files
from .wandb_run import merge_resumed, read_wandb_run

# The formats a `[[sources]]` entry may name; `lineage-report.toml` is checked against them.
FORMATS = ("manifest", "openlineage", "dbt", "mlflow", "wandb")

__all__ = [
    "FORMATS",
    "SOURCE_FILES",
    "SOURCE_LOCATIONS",
    "Document",
    "FilesInMemory",
    "RunFiles",
    "detect_format",
    "read_dbt",
    "read_mlflow",
    "read_mlflow_input",
    "read_mlflow_sqlite",
    "read_openlineage",
    "read_openlineage_many",
    "is_wandb_latest_link",
    "merge_resumed",
    "read_wandb_run",
    "split_references",
    "wandb_manifest_files",
    "wandb_run_folder",
]
