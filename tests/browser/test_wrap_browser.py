"""Chromium breaks a long name where render.wrap counts on it (issue 15 trimmed its hints):
after a hyphen before a letter on its own, and at a hint."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CELL = "<table><tr><td style='width:1ch;font:16px/20px monospace'>{}</td></tr></table>"


def line_count(page, html: str) -> int:
    """Return how many lines a 1-character-wide table cell takes to show `html`."""
    page.set_content(CELL.format(html))
    return page.evaluate(
        "() => { const td = document.querySelector('td');"
        " return Math.round(td.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(td).lineHeight)); }"
    )


def test_a_name_breaks_after_a_hyphen_before_a_letter_without_a_hint(page):
    assert line_count(page, "fancy-breeze") == 2


def test_a_name_breaks_at_a_hint(page):
    assert line_count(page, "breeze-<wbr>4399") == 2
    assert line_count(page, "breeze:<wbr>4399") == 2
    assert line_count(page, "breeze:4399") == 1
