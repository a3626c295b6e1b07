"""The settings of `lineage-report.toml`, each declared once: key, kind, default and help.

`Config` is both the settings of one build and the table of declarations: the loader's
checks and defaults, the unknown-key warnings, docs/configuration.md and
docs/config.schema.json are all derived from its fields (see `schema.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import remote
from ..graphview.neighbourhood import MODEL_WALK_LIMIT, WALK_LIMIT
from ..problems import Problem
from ..readers import FORMATS
from .schema import (
    Choice,
    Computed,
    PositiveInt,
    PositiveNumber,
    String,
    Strings,
    TablesOf,
    options_of,
    setting,
)

CONFIG_NAME = "lineage-report.toml"
README_NAME = "README.md"
# The size limit of every input file, in MB of 1,000,000 bytes (as `formats.size` shows
# sizes); the config file itself is always read within this default.
MAX_MANIFEST_MB = 50.0
# How `split_by` may cut a site: not at all, or by a run's project (an OpenLineage run's
# project is its job namespace, hence the second name for the same cut).
SPLIT_BY = ("none", "project", "namespace")
# GitHub Pages refuses a published site over 1 GB; MB of 1,000,000 bytes, as sizes are shown.
PAGES_LIMIT_MB = 1000.0


def in_project(value: str, root: Path) -> Path:
    """Return a path given relative to the project folder as an absolute one."""
    return root / value


def in_project_if_set(value: str, root: Path) -> Path | None:
    """Return a path relative to the project folder as an absolute one; "" means none."""
    return root / value if value else None


def project_name(config: Config) -> str:
    """Return the project's name: its folder's, or the last part of its URL."""
    return remote.base_name(config.remote) if config.remote else config.root.name


def readme_found(config: Config) -> Path | None:
    """Return the project's README.md when it has one (a bucket's is read by the loader)."""
    path = config.root / README_NAME
    return path if not config.remote and path.exists() else None


@dataclass(frozen=True)
class Source:
    """One `[[sources]]` entry: files matching `path` are read as `format`."""

    path: str = setting(String(), help="A glob, relative to the project folder.")
    format: str = setting(Choice(FORMATS), "manifest", "The reader of the files the glob matches.")


@dataclass
class Config:
    """Settings for one build; paths are absolute once loaded."""

    root: Path
    title: str = setting(
        String(),
        Computed(
            "the project folder's name (in object storage: its URL's last part)", project_name
        ),
        "The site's title, on every page.",
    )
    readme: Path | None = setting(
        String(),
        Computed(f"`{README_NAME}`, if the project has one", readme_found),
        'A Markdown file shown on the index page, relative to the project folder; `""` for none.',
        convert=in_project_if_set,
    )
    manifests: list[str] = setting(
        Strings(),
        [
            "**/*.json",
            "**/*.ndjson",
            "**/*.jsonl",
            "**/mlruns/*/*/meta.yaml",
            "**/mlflow.db",
            "**/wandb/*/run-*.wandb",
        ],
        "Globs of the input files, relative to the project folder; each file's format is detected.",
    )
    output: Path | None = setting(
        String(),
        None,
        "The folder the site is written to, relative to the project folder (`-o` overrides it).",
        convert=in_project,
        shown="`site`, in the project folder (in object storage: in the current folder)",
    )
    external: list[str] = setting(
        Strings(),
        [],
        "Patterns (`imagenet:*`) of inputs that no run here logged, on purpose: no warning "
        "for them.",
    )
    cluster_threshold: int = setting(
        PositiveInt(),
        5,
        "More than this many runs of one job type, or versions of one artifact type, in one "
        "level of a graph are drawn as one cluster node.",
    )
    lineage_limit: int | None = setting(
        PositiveInt(),
        None,
        "Nodes a version's or run's page shows each way: its graph and its Upstream and "
        "Downstream lists stop after the step that passes this many, and the page says so; "
        "each node's own page goes on from there. Set, it applies to every page.",
        shown=f"{WALK_LIMIT}; {MODEL_WALK_LIMIT} on a dbt model's page, whose DAG is dense",
    )
    group_by: str = setting(
        String(),
        "",
        "A run config and artifact metadata key (`team`, say) the project graph's *Group by* "
        "offers besides namespace, dbt package, folder and project.",
    )
    base_url: str = setting(
        String(),
        "",
        "The site's public URL, for canonical links and `sitemap.xml` (`--base-url` overrides it).",
    )
    max_manifest_mb: float = setting(
        PositiveNumber(),
        MAX_MANIFEST_MB,
        "The size limit of each input file and of the README, in MB (1 MB = 1,000,000 bytes). "
        "A larger file is not read (`manifest.too-large`).",
    )
    max_dbt_manifest_mb: float = setting(
        PositiveNumber(),
        1000.0,
        "The size limit of dbt's `target/` artifacts (`manifest.json`, `run_results.json`), in "
        "MB: a large project's manifest runs to hundreds of MB, and is read node by node.",
    )
    max_mlflow_db_mb: float = setting(
        PositiveNumber(),
        1000.0,
        "The size limit of an MLflow SQLite store (`mlflow.db`), in MB: every metric value "
        "logged is a row, so a store runs to hundreds of MB; it is read into memory whole.",
    )
    theme_name: str = setting(
        String(), "default", "The bundled theme the pages are drawn with.", key="theme.name"
    )
    theme_custom_dir: Path | None = setting(
        String(),
        None,
        "A folder of your own templates, blocks and CSS, searched before the theme's.",
        key="theme.custom_dir",
        convert=in_project_if_set,
    )
    keep_files: list[str] = setting(
        Strings(),
        [],
        "Files or folders of yours in the output folder: a build keeps them.",
    )
    split_by: str = setting(
        Choice(SPLIT_BY),
        "none",
        "Write one whole site per project into a folder of its own, and a hub page listing "
        "them (`--split-by` overrides it). A run's project is W&B's project, MLflow's "
        "experiment, dbt's project or OpenLineage's job namespace (`namespace` means the same).",
    )
    site_limit_mb: float = setting(
        PositiveNumber(),
        PAGES_LIMIT_MB,
        "The size of a site (or of one part of a split site), in MB, over which a build "
        "warns (`site.too-large`): GitHub Pages refuses a published site over 1 GB.",
    )
    sources: list[Source] = setting(
        TablesOf(Source),
        [],
        "Input files read by a chosen reader: one `[[sources]]` table per glob.",
    )
    # What loading found beside the settings.
    config_file: Path | None = None
    problems: list[Problem] = field(default_factory=list)  # found while loading; collect reports
    # A project in object storage: its URL (then `root` is the current folder, for the
    # local paths: output, theme), and its lineage-report.toml and README as they were read.
    remote: str | None = None
    remote_files: dict[str, bytes] = field(default_factory=dict)
    remote_readme: str | None = None  # the README's project path, a key of remote_files


OPTIONS = options_of(Config)  # the declarations, in order, for the loader and the reference
