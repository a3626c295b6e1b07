"""Where a name may break in a table (render.wrap, issue 13 point 11): after a separator, or
inside a very long run of letters and digits, never elsewhere; always escaped."""

from __future__ import annotations

from markupsafe import Markup

from lineage_report.render import wrap


def test_a_name_breaks_after_its_separators_only():
    assert wrap("test_first_dbt_model") == "test_<wbr>first_<wbr>dbt_<wbr>model"
    assert wrap("postgres://db:5432/shop.orders:v0") == (
        "postgres://<wbr>db:<wbr>5432/<wbr>shop.<wbr>orders:<wbr>v0"
    )
    assert wrap("model") == "model" and wrap("a-") == "a-"


def test_a_hyphen_gets_a_hint_only_before_a_digit():
    # Browsers break after "fancy-" on their own (tests/browser/test_wrap_browser.py);
    # before a digit some keep the hyphen's number whole.
    assert wrap("fancy-breeze-4399") == "fancy-breeze-<wbr>4399"
    assert wrap("train-reviews:v2") == "train-reviews:<wbr>v2"


def test_a_long_run_of_letters_and_digits_breaks_every_twelve():
    digest = "fe856e6afb0c330900d6defe69357a05"
    assert wrap(digest) == "fe856e6afb0c<wbr>330900d6defe<wbr>69357a05"


def test_a_hostile_name_is_escaped_and_markup_is_left_alone():
    hostile = "<img src=x onerror=alert(1)>_x"
    assert wrap(Markup(hostile)) == hostile  # a template's own markup: not a name
    assert wrap(hostile) == "&lt;img src=x onerror=alert(1)&gt;_<wbr>x"  # not its cache entry
    assert wrap(7) == "7"
