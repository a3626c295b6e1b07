"""The wheel, installed in a fresh virtual environment, builds the sample site: themes ship.

The wheel is built from the repository with pip (no build isolation, no index: hatchling and
the runtime dependencies come from the test run's environment, so no network is needed) and
installed with `--no-deps` into a venv that sees the test run's own packages (whether the
suite runs in a venv or not). The build then runs from another working directory with
PYTHONPATH cleared, so the repository's `themes/` cannot be found by accident: if the site
builds, the templates and assets came from inside the wheel.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lineage_report.render import SHIPPED_IN
from tests.conftest import ROOT, SAMPLE
from tests.linkcheck import check_site
from tests.test_site import assert_same_tree

# Each theme asset that ships inside another, by the name of the one it ships in.
INSIDE = {name: host for host, sides in SHIPPED_IN.items() for side in sides for name in side}

pytestmark = pytest.mark.slow


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    """Run a command away from the repository, without the test run's PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    proc = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )
    assert proc.returncode == 0, f"{args}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the project's wheel once."""
    dist = tmp_path_factory.mktemp("dist")
    run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "-q", "-w", dist, ROOT, cwd=dist,
    )  # fmt: skip
    (found,) = dist.glob("lineage_report-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Make a venv that sees the system's packages and install the wheel into it."""
    folder = tmp_path_factory.mktemp("venv") / "env"
    run(
        sys.executable,
        "-m",
        "venv",
        "--system-site-packages",
        "--without-pip",
        folder,
        cwd=folder.parent,
    )
    python = folder / "bin" / "python"
    see_outer_packages(python)
    # --ignore-installed: the wheel goes into this venv even when the outer environment has
    # lineage-report installed already (the test command installs it there), else pip skips it.
    run(
        python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--ignore-installed",
        wheel, cwd=folder.parent,
    )  # fmt: skip
    return folder


def see_outer_packages(python: Path) -> None:
    """Let the new venv import what the test run's own interpreter has installed.

    `--system-site-packages` reaches the base interpreter's packages only: when the suite
    itself runs in a venv, the runtime dependencies live in that venv, so a `.pth` file
    names its site folders too (after the new venv's own, so the wheel still comes first).
    """
    own = run(python, "-c", "import site; print(site.getsitepackages()[0])", cwd=python.parent)
    outer = [*site.getsitepackages(), site.getusersitepackages()]
    Path(own.stdout.strip(), "outer-site-packages.pth").write_text("\n".join(outer) + "\n")


def test_wheel_holds_the_package_and_the_default_theme(wheel: Path) -> None:
    """Every file of themes/default and every module of the package is in the wheel."""
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = ROOT / "themes" / "default"
    want = {
        f"lineage_report/themes/default/{p.relative_to(theme).as_posix()}"
        for p in theme.rglob("*")
        if p.is_file()
    }
    want |= {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "lineage_report").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert "lineage_report/themes/default/base.html" in want
    assert sorted(want - names) == []


def test_installed_wheel_builds_the_sample_site(
    venv: Path, sample_site: Path, tmp_path: Path
) -> None:
    """From another folder, the venv's lineage-report builds the site the repository builds."""
    python = venv / "bin" / "python"
    where = run(
        python, "-c",
        "import lineage_report, lineage_report.render as r; "
        "print(lineage_report.__file__); print(r.themes_root())",
        cwd=tmp_path,
    ).stdout.split()  # fmt: skip
    assert all(Path(p).is_relative_to(venv) for p in where), where

    out = tmp_path / "site"
    proc = run(
        venv / "bin" / "lineage-report", "build", SAMPLE, "-o", out, "--strict", cwd=tmp_path
    )
    assert proc.stdout.startswith("Built 33 runs, ")
    assert (out / "index.html").is_file()
    assert len(list((out / "versions").glob("*.html"))) == 31
    for asset in filter(Path.is_file, (ROOT / "themes" / "default" / "assets").iterdir()):
        host = INSIDE.get(asset.name, asset.name)  # lineage-graph.css ships inside style.css
        stem, _, suffix = host.partition(".")
        (shipped,) = (out / "assets").glob(f"{stem}.*.{suffix}")
        assert asset.read_text().rstrip() in shipped.read_text(), f"{asset.name} not shipped"
    (graph,) = (out / "assets").glob("lineage-graph.*.js")
    assert graph.read_text().startswith("/**\n * vis-network\n")  # from pyvis, in the wheel's venv
    assert check_site(out) == []
    assert_same_tree(sample_site, out)
