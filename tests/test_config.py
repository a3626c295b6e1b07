"""lineage-report.toml: one declaration per key, and everything derived from it.

The loader's checks and defaults, the unknown-key warnings, the table in
docs/configuration.md and docs/config.schema.json all come from the fields of `Config`;
these tests hold them to each other and pin the exact messages a user sees.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lineage_report import readers, sdk
from lineage_report.config import (
    CONFIG_NAME,
    MAX_MANIFEST_MB,
    OPTIONS,
    Config,
    Source,
    json_schema,
    load_config,
    options_table,
)
from lineage_report.config.reference import (
    DOC_NAME,
    SCHEMA_NAME,
    default_text,
    schema_text,
    with_table,
)
from lineage_report.config.schema import Choice, Computed, options_of
from lineage_report.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REFRESH = "python3 -m lineage_report.config --write docs"
KEYS = [
    "title",
    "readme",
    "manifests",
    "output",
    "external",
    "cluster_threshold",
    "lineage_limit",
    "group_by",
    "base_url",
    "max_manifest_mb",
    "max_dbt_manifest_mb",
    "max_mlflow_db_mb",
    "theme.name",
    "theme.custom_dir",
    "keep_files",
    "split_by",
    "site_limit_mb",
    "sources",
]


def project(tmp_path: Path, toml: str | None, readme: bool = False) -> Path:
    """Return a project folder holding `toml` as its config file (None: no config file)."""
    root = tmp_path / "proj"
    root.mkdir()
    if toml is not None:
        (root / CONFIG_NAME).write_text(toml, encoding="utf-8")
    if readme:
        (root / "README.md").write_text("# Hello\n", encoding="utf-8")
    return root


def invalid(tmp_path: Path, toml: str) -> list[str]:
    """Return the lines of the ConfigError that loading `toml` raises, after its first."""
    with pytest.raises(ConfigError) as caught:
        load_config(project(tmp_path, toml))
    first, *lines = str(caught.value).split("\n")
    assert first == f"{tmp_path.resolve() / 'proj' / CONFIG_NAME}: invalid settings:"
    return [line.removeprefix("  ") for line in lines]


# --- The declarations --------------------------------------------------------------------


def test_each_key_is_declared_once_in_order():
    assert [o.key for o in OPTIONS] == KEYS
    assert [o.key for o in options_of(Source)] == ["path", "format"]


def test_every_option_has_help_and_a_field():
    for cls in (Config, Source):
        names = {f.name for f in dataclasses.fields(cls)}
        for option in options_of(cls):
            assert option.help.endswith("."), option.key
            assert option.attr in names, option.key


def test_a_format_is_valid_iff_the_readers_have_it():
    """readers.FORMATS is the one list of input formats; the config takes it from there."""
    (fmt,) = [o for o in options_of(Source) if o.key == "format"]
    assert isinstance(fmt.kind, Choice) and fmt.kind.values is readers.FORMATS
    assert fmt.default in readers.FORMATS


def test_config_defaults_are_the_declared_ones(tmp_path):
    """A folder without a config file loads with exactly the declared defaults."""
    config = load_config(project(tmp_path, None))
    for option in OPTIONS:
        if not isinstance(option.default, Computed):
            assert getattr(config, option.attr) == option.default, option.key
    assert config.title == "proj"  # computed: the folder's name
    assert config.readme is None
    assert config.config_file is None and config.problems == []


def test_computed_defaults(tmp_path):
    config = load_config(project(tmp_path, "", readme=True))
    assert (config.title, config.readme) == ("proj", tmp_path.resolve() / "proj" / "README.md")
    assert config.config_file == tmp_path.resolve() / "proj" / CONFIG_NAME


def test_list_defaults_are_not_shared(tmp_path):
    first, second = load_config(project(tmp_path, None)), Config(root=tmp_path)
    first.manifests.append("x")
    assert "x" not in second.manifests


def test_given_values_are_converted(tmp_path):
    toml = (
        'title = "T"\nreadme = "docs/R.md"\noutput = "out"\nmax_manifest_mb = 7\n'
        '[theme]\ncustom_dir = "ov"\n[[sources]]\npath = "e/*.ndjson"\nformat = "openlineage"\n'
        '[[sources]]\npath = "m.json"\n'
    )
    config = load_config(project(tmp_path, toml, readme=True))
    root = tmp_path.resolve() / "proj"
    assert (config.title, config.readme, config.output) == ("T", root / "docs/R.md", root / "out")
    assert (config.theme_name, config.theme_custom_dir) == ("default", root / "ov")
    assert config.max_manifest_mb == 7
    assert config.sources == [Source("e/*.ndjson", "openlineage"), Source("m.json", "manifest")]


def test_empty_paths_mean_none_but_an_empty_output_is_the_project(tmp_path):
    toml = 'readme = ""\noutput = ""\n[theme]\ncustom_dir = ""\n'
    config = load_config(project(tmp_path, toml, readme=True))
    assert (config.readme, config.theme_custom_dir) == (None, None)
    assert config.output == tmp_path.resolve() / "proj"  # which the build then refuses


def test_overrides_win_unless_none(tmp_path):
    config = load_config(project(tmp_path, 'base_url = "a"\n'), base_url="b", output=None)
    assert (config.base_url, config.output) == ("b", None)


# --- Exact messages ----------------------------------------------------------------------


def test_every_invalid_value_is_listed_once_in_key_order(tmp_path):
    toml = (
        "title = 5\nreadme = []\nmanifests = 'x'\noutput = 1.5\nexternal = [1]\n"
        "cluster_threshold = true\nbase_url = {}\nmax_manifest_mb = -1\nkeep_files = [true]\n"
        "theme = 3\nsources = 's'\n"
    )
    assert invalid(tmp_path, toml) == [
        "base_url: expected a string, got dict",
        "cluster_threshold: expected a whole number of at least 1",
        "external: expected a list of strings",
        "keep_files: expected a list of strings",
        "manifests: expected a list of strings",
        "max_manifest_mb: expected a number above 0",
        "output: expected a string, got float",
        "readme: expected a string, got list",
        "sources: expected an array of tables ([[sources]])",
        "theme: expected a table",
        "title: expected a string, got int",
    ]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("cluster_threshold = 0\n", "cluster_threshold: expected a whole number of at least 1"),
        ("cluster_threshold = 1.5\n", "cluster_threshold: expected a whole number of at least 1"),
        ("max_manifest_mb = 0\n", "max_manifest_mb: expected a number above 0"),
        ("max_manifest_mb = true\n", "max_manifest_mb: expected a number above 0"),
        ("max_manifest_mb = nan\n", "max_manifest_mb: expected a number above 0"),
        ("sources = [1, 2]\n", "sources: entry 1: expected a table with a string 'path'"),
        (
            '[[sources]]\nformat = "dbt"\n',
            "sources: entry 1: expected a table with a string 'path'",
        ),
        ("[[sources]]\npath = 3\n", "sources: entry 1: expected a table with a string 'path'"),
        (
            '[[sources]]\npath = "a"\n[[sources]]\npath = "b"\nformat = "nope"\n',
            "sources: entry 2: format must be one of " + ", ".join(readers.FORMATS),
        ),
    ],
)
def test_one_invalid_value(tmp_path, toml, message):
    assert invalid(tmp_path, toml) == [message]


def test_table_values_follow_the_top_level_and_unknown_keys_come_last(tmp_path):
    toml = "cluster_threshold = 0\nmanifest = []\n[theme]\nnmae = 1\nname = 2\ncustom_dir = []\n"
    assert invalid(tmp_path, toml) == [
        "cluster_threshold: expected a whole number of at least 1",
        "theme.custom_dir: expected a string, got list",
        "theme.name: expected a string, got int",
        "/manifest: unknown key 'manifest' is ignored (did you mean 'manifests'?)",
        "/theme/nmae: unknown key 'nmae' is ignored (did you mean 'name'?)",
    ]


def test_unknown_keys_are_located_warnings(tmp_path):
    toml = (
        'titel = "x"\nqqqqq = 1\n[theme]\nlogo = "x"\n'
        '[[sources]]\npath = "a"\n[[sources]]\npath = "b"\nfromat = "dbt"\n'
    )
    config = load_config(project(tmp_path, toml))
    assert [(str(p), p.severity) for p in config.problems] == [
        (
            "lineage-report.toml: /qqqqq: unknown key 'qqqqq' is ignored [config.unknown-key]",
            "warning",
        ),
        (
            "lineage-report.toml: /titel: unknown key 'titel' is ignored (did you mean 'title'?) "
            "[config.unknown-key]",
            "warning",
        ),
        (
            "lineage-report.toml: /theme/logo: unknown key 'logo' is ignored [config.unknown-key]",
            "warning",
        ),
        (
            "lineage-report.toml: /sources/1/fromat: unknown key 'fromat' is ignored "
            "(did you mean 'format'?) [config.unknown-key]",
            "warning",
        ),
    ]


# --- One unit of size --------------------------------------------------------------------


def test_the_size_limit_is_in_decimal_megabytes():
    """50 MB is 50,000,000 bytes wherever the default limit applies (the SDK's reads too)."""
    assert MAX_MANIFEST_MB == 50
    assert sdk.MAX_MANIFEST_BYTES == MAX_MANIFEST_MB * 1_000_000
    (limit,) = [o for o in OPTIONS if o.key == "max_manifest_mb"]
    assert "1 MB = 1,000,000 bytes" in limit.help
    assert default_text(limit) == "`50`"


# --- The derived reference: docs table and JSON Schema ------------------------------------


def test_docs_table_is_up_to_date():
    doc = (DOCS / DOC_NAME).read_text(encoding="utf-8")
    assert doc == with_table(doc), f"docs/{DOC_NAME} is stale; refresh it with: {REFRESH}"
    assert options_table() in doc


def test_json_schema_is_up_to_date():
    committed = (DOCS / SCHEMA_NAME).read_text(encoding="utf-8")
    assert committed == schema_text(), f"docs/{SCHEMA_NAME} is stale; refresh it with: {REFRESH}"


def test_docs_table_names_every_key():
    table = options_table()
    for key in [*KEYS, "sources[].path", "sources[].format"]:
        assert f"| `{key}` |" in table


GOOD = [
    "",
    'title = "T"\nmanifests = ["a/*.json"]\nmax_manifest_mb = 0.5\ncluster_threshold = 1\n',
    '[theme]\nname = "default"\ncustom_dir = "ov"\n[[sources]]\npath = "a"\nformat = "dbt"\n',
]
BAD = [
    "title = 5\n",
    "cluster_threshold = 0\n",
    "cluster_threshold = 2.5\n",
    "max_manifest_mb = -1\n",
    "manifests = [1]\n",
    "theme = 3\n",
    "[theme]\nname = 1\n",
    "sources = [1]\n",
    '[[sources]]\nformat = "dbt"\n',
    '[[sources]]\npath = "a"\nformat = "nope"\n',
]


@pytest.mark.parametrize("toml", GOOD + BAD)
def test_the_schema_accepts_what_the_loader_accepts(tmp_path, toml):
    jsonschema = pytest.importorskip("jsonschema")
    import tomllib

    try:
        load_config(project(tmp_path, toml))
        loads = True
    except ConfigError:
        loads = False
    assert loads == (toml in GOOD)
    errors = list(jsonschema.Draft202012Validator(json_schema()).iter_errors(tomllib.loads(toml)))
    assert (not errors) == loads, errors


def test_the_schema_flags_an_unknown_key_the_loader_warns_about(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    config = load_config(project(tmp_path, "cluster_treshold = 3\n"))
    assert [p.kind for p in config.problems] == ["config.unknown-key"]
    validator = jsonschema.Draft202012Validator(json_schema())
    assert not validator.is_valid({"cluster_treshold": 3})
    assert validator.is_valid({"cluster_threshold": 3})


def test_the_module_prints_the_table_and_the_schema():
    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "lineage_report.config", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
        return done.stdout

    assert run("--table") == options_table()
    assert json.loads(run("--schema")) == json_schema()
