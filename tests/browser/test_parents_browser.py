"""A model's own page draws all of its parents, in view, none inside a cluster (#13 point 5):
in a dbt project two of a model's four parents sat in a "9 versions · model" cluster with
seven models that are not its parents."""

from __future__ import annotations

import pytest

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

from lineage_report import graphview
from tests.test_graphview import dbt_like_model

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def model_site(tmp_path_factory):
    """Write the harness page of the dbt-like model; return its folder and the model's parts."""
    g, mart, parents, others = dbt_like_model()
    out = tmp_path_factory.mktemp("parents")
    harness.write_site(out, {"mart.html": graphview.page_graph(g, mart, href=harness.sample_href)})
    return out, parents, others


def test_every_parent_is_drawn_in_view_and_the_rest_stay_clustered(page, model_site, watched):
    out, parents, others = model_site
    watcher = harness.open_graph(page, out, "mart.html", watched)
    visible = set(harness.lv(page, "visibleNodeIds()"))
    assert set(parents) <= visible
    assert visible.isdisjoint(others)
    (cluster,) = [c for c in harness.lv(page, "clusters()") if c["label"].startswith("7 ")]
    assert cluster["label"] == "7 versions · model" and cluster["size"] == 7
    boxes = page.evaluate("window.lineageView.screenBoxes()")
    inside = [
        b["id"]
        for b in boxes["nodes"]
        if b["left"] >= -0.5
        and b["top"] >= -0.5
        and b["right"] <= boxes["width"] + 0.5
        and b["bottom"] <= boxes["height"] + 0.5
    ]
    assert set(parents) <= set(inside)
    watcher.assert_clean()
