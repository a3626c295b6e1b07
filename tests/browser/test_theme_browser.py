"""The default theme in a real browser: it follows the system's light or dark mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build the sample project's site once for this module."""
    return build(load_config(SAMPLE), tmp_path_factory.mktemp("theme") / "site").output


def colours(browser, site: Path, scheme: str) -> tuple[str, str]:
    """Open a version page with the given colour scheme; return body background and text."""
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto((site / naming.node_path("artifact:mnist-cnn:v6")).as_uri())
        return page.evaluate(
            "() => { const s = getComputedStyle(document.body);"
            " return [s.backgroundColor, s.color]; }"
        )
    finally:
        context.close()


def test_the_theme_follows_the_system_colour_scheme(browser, site):
    light_bg, light_fg = colours(browser, site, "light")
    dark_bg, dark_fg = colours(browser, site, "dark")
    assert light_bg == "rgb(255, 255, 255)" and light_fg == "rgb(31, 35, 40)"
    assert dark_bg == "rgb(13, 17, 23)" and dark_fg == "rgb(230, 237, 243)"
