"""Issue 13 points 2 and 11 in Chromium: runs merged into their one output; "Produced by" links.

A dbt model's run makes exactly one table and is its only producer, so a dbt site's graph
draws the two as one node (the model, with its run inside) and opens that way; the toolbar's
"Merge runs" splits them back, the URL keeps the choice and Back undoes it. The sample
project (W&B-like, not dbt) opens unmerged. The dbt site is built from the jaffle_shop
manifest in tests/data; its model page of fct_orders draws 20 nodes split, 11 merged.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

try:
    import harness
except ImportError:  # collected as part of a tests package
    from tests.browser import harness

from benchmarks.generate_dbt import write_target
from lineage_report import graphview, naming
from lineage_report.build import build
from lineage_report.config import load_config

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parents[1] / "data"
INVOCATION = "f5f9ec53-b715-491d-92b0-c7d376eab70b"  # the jaffle_shop manifest's
FCT = "artifact:jaffle_shop.fct_orders:v0"
STG = "artifact:jaffle_shop.stg_orders:v0"
PAYMENTS = "artifact:jaffle_shop.order_payments:v0"
SPLIT_COUNT, MERGED_COUNT = 20, 11  # drawn on fct_orders's page


def dbt_run(uid: str) -> str:
    """Return the node id of a dbt node's run in the jaffle_shop fixture."""
    return f"run:{uid}@{INVOCATION}"


STG_RUN = dbt_run("model.jaffle_shop.stg_orders")
FCT_RUN = dbt_run("model.jaffle_shop.fct_orders")
SAMPLE_MODEL = "artifact:mnist-cnn:v6"  # the sample project's best model
SAMPLE_RUN = "run:s472we7t"  # dainty-forest-19, which logged it
SAMPLE_TRAIN = "artifact:mnist-train:v1"  # the sweep's data: the sweep is one cluster


@pytest.fixture(scope="module")
def dbt_site(tmp_path_factory) -> Path:
    """Build the jaffle_shop manifest into a site once for this module."""
    root = tmp_path_factory.mktemp("jaffle")
    shutil.copy(DATA / "dbt-jaffle-shop" / "manifest.json", root / "manifest.json")
    return build(load_config(root), root / "site").output


@pytest.fixture(scope="module")
def big_dbt_site(tmp_path_factory) -> Path:
    """Build a generated dbt project of 120 models (benchmarks/generate_dbt.py, seed 1),
    each page walking up to 1,000 nodes a way: the first model's page draws them all."""
    root = write_target(tmp_path_factory.mktemp("big-dbt"), 120, seed=1)
    (root / "lineage-report.toml").write_text("lineage_limit = 1000\n", encoding="utf-8")
    return build(load_config(root), root / "site").output


@pytest.fixture(scope="module")
def dense_dbt_site(tmp_path_factory) -> Path:
    """Build a generated dbt project of 500 models, whose lineage runs deep (issue 15)."""
    root = write_target(tmp_path_factory.mktemp("dense-dbt"), 500, seed=1)
    return build(load_config(root), root / "site").output


@pytest.fixture
def open_dbt(page, dbt_site, watched):
    """Return `open_dbt(node id, fragment="")`: open a node's page of the dbt site."""

    def opener(node: str, fragment: str = ""):
        return harness.open_graph(page, dbt_site, naming.node_path(node), watched, fragment)

    return opener


def drawn(page) -> list[str]:
    """Return the ids of the drawn nodes."""
    return harness.lv(page, "visibleNodeIds()")


def merged(page) -> list[list[str]]:
    """Return the [run, artifact] pairs drawn as one node."""
    return harness.lv(page, "merged()")


def toggle(page):
    """Return the toolbar's "Merge runs" button."""
    return page.locator('[data-lg="merge"]')


def all_in_view(page) -> bool:
    """Return whether every drawn node's box is inside the canvas."""
    boxes = harness.lv(page, "screenBoxes()")
    return all(
        b["left"] >= 0
        and b["top"] >= 0
        and b["right"] <= boxes["width"]
        and b["bottom"] <= boxes["height"]
        for b in boxes["nodes"]
    )


def drawn_count_label(page) -> str:
    """Return what the canvas tells a screen reader about its nodes."""
    return page.get_attribute('[data-lg="canvas"]', "aria-label")


def test_a_dbt_model_page_opens_merged_and_the_count_says_so(page, open_dbt):
    watcher = open_dbt(FCT)
    assert toggle(page).is_visible()
    assert toggle(page).get_attribute("aria-pressed") == "true"
    ids = drawn(page)
    assert len(ids) == MERGED_COUNT
    assert drawn_count_label(page).endswith(f": {MERGED_COUNT} nodes drawn, standing for 20")
    pairs = merged(page)
    assert [FCT_RUN, FCT] in pairs and [STG_RUN, STG] in pairs
    assert not {run for run, _ in pairs} & set(ids)  # runs inside their outputs are not drawn
    # Exposures make nothing: they stay runs of their own.
    assert dbt_run("exposure.jaffle_shop.crm_export") in ids
    # The run's edges now start from, and end in, the merged nodes.
    edges = harness.lv(page, "visibleEdges()")
    assert [STG, FCT] in edges and [PAYMENTS, FCT] in edges
    assert page.evaluate("location.hash") == ""  # the page's default writes no fragment
    watcher.assert_clean()


def test_the_columns_runs_leave_empty_close_up(page, open_dbt):
    watcher = open_dbt(FCT)
    xs = sorted(
        {p["x"] for p in page.evaluate("window.lineageView.network.getPositions()").values()}
    )
    gaps = {b - a for a, b in zip(xs, xs[1:], strict=False)}
    assert len(xs) == 7 and gaps == {260}  # seven columns on the layout's grid, none empty
    toggle(page).click()
    xs = {p["x"] for p in page.evaluate("window.lineageView.network.getPositions()").values()}
    assert len(xs) == 12  # split: a column for each layer of runs and of artifacts
    watcher.assert_clean()


def test_the_toggle_splits_them_the_url_keeps_it_and_back_undoes_it(page, open_dbt):
    watcher = open_dbt(FCT)
    toggle(page).click()
    assert toggle(page).get_attribute("aria-pressed") == "false"
    ids = drawn(page)
    assert len(ids) == SPLIT_COUNT and STG_RUN in ids and FCT_RUN in ids
    assert merged(page) == []
    assert drawn_count_label(page).endswith(f": {SPLIT_COUNT} nodes drawn, standing for 20")
    assert page.evaluate("location.hash") == "#merge=0"
    assert all_in_view(page)  # a new shape of graph is shown whole
    page.go_back()
    page.wait_for_function("() => window.lineageView.visibleNodeIds().length === 11")
    assert page.evaluate("location.hash") == ""
    assert toggle(page).get_attribute("aria-pressed") == "true"
    page.wait_for_function(
        "() => window.lineageView.screenBoxes().nodes.every(b => b.right <= "
        "window.lineageView.screenBoxes().width)"
    )
    page.go_forward()
    page.wait_for_function("() => window.lineageView.visibleNodeIds().length === 20")
    page.reload()
    page.evaluate("window.lineageView.ready")
    assert len(drawn(page)) == SPLIT_COUNT  # the link reproduces the view
    assert toggle(page).get_attribute("aria-pressed") == "false"
    watcher.assert_clean()


def test_a_merged_nodes_preview_shows_the_version_then_its_run(page, dbt_site, open_dbt):
    watcher = open_dbt(FCT)
    spot = harness.node_spot(page, STG)
    page.mouse.click(spot["x"], spot["y"])
    preview = page.locator('[data-lg="preview"]')
    preview.wait_for(state="visible")
    title = preview.locator('[data-lg="preview-title"]').text_content()
    assert title == "jaffle_shop.stg_orders:v0"
    rows = preview.locator('[data-lg="preview-rows"]').text_content()
    assert "Created" in rows and "Produced by" not in rows  # the run's part says it
    run = preview.locator('[data-lg="preview-run"]')
    assert run.is_visible()
    assert run.locator(".lg-kind").text_content() == "Made by run · dbt model"
    assert run.locator(".lg-run-title").text_content() == "run stg_orders"
    assert "finished" in run.locator("dl").text_content()
    page_link = preview.locator('[data-lg="preview-link"]')
    assert page_link.evaluate("a => a.href") == (dbt_site / naming.node_path(STG)).as_uri()
    # A dbt model is one page, its version's: the run has no page of its own to link.
    assert run.locator('[data-lg="preview-run-link"]').count() == 0
    assert not (dbt_site / naming.node_path(STG_RUN)).exists()
    page_link.click()
    page.wait_for_url("**/" + naming.node_path(STG))
    page.evaluate("window.lineageView.ready")
    assert harness.lv(page, "state()")["focus"] == STG
    assert "Compiled code" in page.locator("#run").text_content()
    watcher.assert_clean()


def test_asking_for_a_merged_runs_preview_shows_its_node(page, open_dbt):
    watcher = open_dbt(FCT)
    harness.lv(page, f"select({json.dumps(STG_RUN)})")
    preview = page.locator('[data-lg="preview"]')
    preview.wait_for(state="visible")
    assert preview.locator('[data-lg="preview-title"]').text_content() == STG.partition(":")[2]
    assert preview.locator(".lg-run-title").text_content() == "run stg_orders"
    watcher.assert_clean()


RAW_ORDERS = "artifact:jaffle_shop.raw_orders:v0"  # stg_orders's input: fct_orders's +2


def test_depth_counts_the_models_drawn_not_the_runs_inside_them(page, open_dbt):
    """Depth 1 on a model's page draws the models next to it, as its Upstream list numbers
    them; split, a run is a step of its own again, as it is drawn."""
    watcher = open_dbt(FCT, "#depth=1")
    ids = drawn(page)
    assert FCT in ids and STG in ids and PAYMENTS in ids
    assert dbt_run("exposure.jaffle_shop.crm_export") in ids
    assert RAW_ORDERS not in ids  # two models up
    toggle(page).click()  # split: the run between two tables is a step
    ids = drawn(page)
    assert FCT in ids and FCT_RUN in ids and STG not in ids
    page.fill('[data-lg="depth"]', "2")
    ids = drawn(page)
    assert STG in ids and STG_RUN not in ids and RAW_ORDERS not in ids
    watcher.assert_clean()


def test_a_split_nodes_preview_links_produced_by(page, dbt_site, open_dbt):
    watcher = open_dbt(FCT, "#merge=0")
    harness.lv(page, f"select({json.dumps(STG)})")
    preview = page.locator('[data-lg="preview"]')
    preview.wait_for(state="visible")
    assert preview.locator('[data-lg="preview-run"]').is_hidden()
    link = preview.locator('[data-lg="preview-rows"] dd a')
    assert link.text_content() == "run stg_orders"
    # The run's page is the model's, its version's (one page per dbt model).
    assert link.evaluate("a => a.href") == (dbt_site / naming.node_path(STG)).as_uri()
    watcher.assert_clean()


def test_keyboard_and_highlight_work_on_merged_nodes(page, open_dbt):
    watcher = open_dbt(FCT)
    canvas = page.locator('[data-lg="canvas"]')
    canvas.focus()
    page.keyboard.press("ArrowLeft")  # the first key selects the page's node
    assert harness.lv(page, "selected()") == FCT
    page.keyboard.press("ArrowLeft")  # along an edge into it: a merged version
    assert harness.lv(page, "selected()") in (STG, PAYMENTS)
    assert "1 out" in page.locator('[data-lg="live"]').text_content()
    page.keyboard.press("Enter")
    assert page.locator('[data-lg="preview-run"]').is_visible()
    harness.lv(page, f"highlight({json.dumps('+' + FCT)})")
    lit = harness.lv(page, "highlighted()")
    assert FCT in lit and STG in lit and PAYMENTS in lit
    assert not set(lit) & {run for run, _ in merged(page)}  # its runs light as their outputs
    watcher.assert_clean()


def test_a_hidden_job_type_is_not_merged(page, open_dbt):
    watcher = open_dbt(FCT, "#hide=run%3Adbt+model")
    pairs = merged(page)
    assert pairs and not any("@" in run and "model." in run for run, _ in pairs)
    assert STG in drawn(page)  # the model's version, without its hidden run
    watcher.assert_clean()


def test_the_type_overview_has_no_merge(page, open_dbt):
    watcher = open_dbt(FCT)
    page.click('[data-lg="view-types"]')
    assert toggle(page).is_disabled()
    assert merged(page) == []
    watcher.assert_clean()


def test_the_sample_project_opens_unmerged_and_merges_on_request(page, sample_site, watched):
    path = naming.node_path(SAMPLE_MODEL)
    watcher = harness.open_graph(page, sample_site, path, watched)
    assert toggle(page).get_attribute("aria-pressed") == "false"
    split = drawn(page)
    assert SAMPLE_RUN in split and merged(page) == []
    toggle(page).click()
    assert page.evaluate("location.hash") == "#merge=1"
    assert [SAMPLE_RUN, SAMPLE_MODEL] in merged(page)
    assert len(drawn(page)) < len(split) and SAMPLE_RUN not in drawn(page)
    watcher.assert_clean()


def test_cluster_members_are_never_merged(page, sample_site, watched):
    path = naming.node_path(SAMPLE_TRAIN)
    watcher = harness.open_graph(page, sample_site, path, watched, "#merge=1")
    sweep = harness.cluster_of(page, "16 runs · train")
    assert sweep["visible"]
    harness.lv(page, f"expand({json.dumps(sweep['id'])})")  # every sweep run pulled out
    out = harness.cluster_of(page, "16 runs · train")["out"]
    assert len(out) == 16 and set(out) <= set(drawn(page))  # drawn as runs of their own
    assert not set(out) & {run for run, _ in merged(page)}
    watcher.assert_clean()


def test_produced_by_in_a_preview_opens_the_runs_page(page, sample_site, watched):
    path = naming.node_path(SAMPLE_MODEL)
    watcher = harness.open_graph(page, sample_site, path, watched)
    spot = harness.node_spot(page, SAMPLE_MODEL)
    page.mouse.click(spot["x"], spot["y"])
    preview = page.locator('[data-lg="preview"]')
    preview.wait_for(state="visible")
    link = preview.locator('[data-lg="preview-rows"] dd a')
    assert link.text_content() == "dainty-forest-19"
    assert link.evaluate("a => a.href") == (sample_site / naming.node_path(SAMPLE_RUN)).as_uri()
    link.click()
    page.wait_for_url("**/" + naming.node_path(SAMPLE_RUN))
    page.evaluate("window.lineageView.ready")
    assert harness.lv(page, "state()")["focus"] == SAMPLE_RUN
    watcher.assert_clean()


def test_the_pages_own_run_is_never_hidden_inside_its_output(page, sample_site, watched):
    """Merged on its own page, the run the page is about stays a run beside its output (a
    dbt model's run page has no graph since issue 15: a W&B run's page shows this)."""
    path = naming.node_path(SAMPLE_RUN)
    watcher = harness.open_graph(page, sample_site, path, watched, "#merge=1")
    assert toggle(page).get_attribute("aria-pressed") == "true"
    assert SAMPLE_RUN in drawn(page) and SAMPLE_MODEL in drawn(page)
    assert not [pair for pair in merged(page) if SAMPLE_RUN in pair]
    watcher.assert_clean()


def test_a_big_model_page_merged_opens_whole(page, big_dbt_site, watched):
    """Split, model_00000's page draws 62 nodes (more than open whole); merged, 39."""
    path = naming.node_path("artifact:big.model_00000:v0")
    watcher = harness.open_graph(page, big_dbt_site, path, watched)
    assert len(drawn(page)) == 39
    assert all_in_view(page) and not harness.lv(page, "minimapShown()")
    toggle(page).click()
    assert len(drawn(page)) == 62
    page.wait_for_function("() => window.lineageView.minimapShown()")  # opens on the focus
    assert not all_in_view(page)
    page.go_back()
    page.wait_for_function("() => window.lineageView.visibleNodeIds().length === 39")
    page.wait_for_function("() => !window.lineageView.minimapShown()")
    assert all_in_view(page)
    watcher.assert_clean()


def test_a_hostile_run_name_merged_stays_text(page, tmp_path, watched):
    focus = f"artifact:{harness.HOSTILE}:v0"
    view = graphview.page_graph(harness.hostile_graph(), focus, href=harness.sample_href)
    harness.write_site(tmp_path, {"hostile.html": view})
    watcher = harness.open_graph(page, tmp_path, "hostile.html", watched, "#merge=1")
    assert merged(page) == [[f"run:{harness.HOSTILE}", focus]]
    harness.lv(page, f"select({json.dumps(focus)})")
    run = page.locator('[data-lg="preview-run"]')
    assert run.locator(".lg-run-title").text_content() == harness.HOSTILE
    assert run.locator(".lg-kind").text_content() == f"Made by run · {harness.HOSTILE}"
    assert page.evaluate("window.__pwned") is None
    watcher.assert_clean()


def test_a_dense_dags_model_pages_open_with_their_labels(page, dense_dbt_site, watched):
    """Walking 1,000 nodes each way, 4 of 12 sampled pages here opened too small to draw
    any label (20 of 30 at 2,000 models). Walking 50 nodes a way, every page drew labels,
    but 1 of these 10 drew them whole. A model's page now walks 25 (MODEL_WALK_LIMIT): 6 do."""
    levels = {}
    for i in range(0, 500, 50):
        path = naming.node_path(f"artifact:big.model_{i:05d}:v0")
        watcher = harness.open_graph(page, dense_dbt_site, path, watched)
        levels[path] = harness.lv(page, "screenBoxes()")["level"]
        watcher.assert_clean()
    assert "none" not in levels.values(), levels
    assert sum(level == "full" for level in levels.values()) >= 6, levels
