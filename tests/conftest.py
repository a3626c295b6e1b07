"""Shared fixtures: the sample project's site, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

import lineage_report
from lineage_report.build import BuildResult, build
from lineage_report.config import load_config

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_project"
SMALL = ROOT / "tests" / "projects" / "small"


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """Build the sample project's site once; tests read it, none may change it."""
    output = tmp_path_factory.mktemp("sample") / "site"
    return build(load_config(SAMPLE), output)


@pytest.fixture(scope="session")
def sample_site(sample_build: BuildResult) -> Path:
    """Return the folder of the sample project's built site."""
    return sample_build.output


@pytest.fixture(scope="session")
def sample_lineage() -> lineage_report.Lineage:
    """Load the sample project's lineage through the public API."""
    return lineage_report.load(SAMPLE)


def pytest_configure(config: pytest.Config) -> None:
    """Register the `slow` marker (deselect with -m "not slow"; the default run keeps it)."""
    config.addinivalue_line("markers", "slow: takes seconds (builds a wheel, makes a venv)")
