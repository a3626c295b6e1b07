"""The house: imports point down the order docs/architecture.md declares, with no circle."""

from __future__ import annotations

from tests import architecture
from tests.architecture import Unit


def test_every_import_points_down_and_no_circle() -> None:
    """The package holds the declared import order (an upward import or circle fails here)."""
    layers = architecture.declared_layers(architecture.DOC.read_text(encoding="utf-8"))
    assert architecture.problems(architecture.read_units(), layers) == []


def test_the_docs_module_list_and_diagram_are_up_to_date() -> None:
    """The generated part of docs/architecture.md matches the code."""
    text = architecture.DOC.read_text(encoding="utf-8")
    fresh = architecture.refreshed(
        text, architecture.generated(architecture.read_units(), architecture.declared_layers(text))
    )
    assert text == fresh, "run: python3 tests/architecture.py --write"


def test_the_check_catches_an_upward_import_and_a_circle() -> None:
    """The check can fail: an import of a higher layer, and two units importing each other."""
    units = {
        "low": Unit("low", "", imports={"high"}, where={"high": "low.py:3"}),
        "high": Unit("high", "", imports={"low"}, where={"low": "high.py:1"}),
    }
    assert architecture.problems(units, [["low"], ["high"]]) == [
        "low.py:3: low imports high, a higher layer",
        "circle: high -> low",
    ]


def test_relative_imports_resolve_to_units() -> None:
    """`from . import a, b` names modules a and b; `from ..x import y` names the unit x."""
    here = architecture.PACKAGE / "diff" / "html.py"
    units = {architecture.unit_of(m) for m, _ in architecture.imported_modules(here)}
    assert {"graphview", "naming", "diff"} <= units
