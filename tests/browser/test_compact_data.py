"""The browser reads the compact page data (issue 15) as Python's reference decoder does.

Every harness page (sample pages, project, hub, hostile names, overviews) is opened from
file://; the script's `expandData` applied to the page's embedded data must give exactly the
view's data as Python keeps it, and a preview shows its rows with their labels.
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

from lineage_report import graphview, naming
from lineage_report.build import build
from lineage_report.config import load_config
from tests.conftest import SAMPLE

pytestmark = pytest.mark.browser
DATA = Path(__file__).resolve().parents[1] / "data"

READ = (
    "() => window.LineageGraph.expandData("
    "JSON.parse(document.getElementById('lineage-graph-data').textContent))"
)


@pytest.fixture(scope="module")
def views():
    """Return the harness views by page name (as build_harness makes them)."""
    g = harness.sample_graph()
    href = harness.sample_href
    return {
        "train.html": graphview.page_graph(g, "artifact:mnist-train:v0", href=href),
        "project.html": graphview.project_graph(g, href=href),
        "hub.html": graphview.page_graph(
            harness.hub_graph(2_000, outputs=True), "artifact:hub-data:v0", href=href
        ),
        "overview.html": graphview.project_graph(g, href=href, limit=3),
        "types.html": graphview.type_overview(g),
        # A site's own links (naming): written as digests where the name says the rest.
        "odd-names.html": graphview.page_graph(
            harness.odd_names_graph(),
            "run:train_set",
            href=harness.site_href,
            type_href=harness.site_type_href,
        ),
        # A built site's pages: the type overview names its types in the site's type table.
        "type-table.html": graphview.page_graph(
            g,
            "artifact:mnist-train:v0",
            href=harness.site_href,
            type_href=harness.site_type_href,
            type_table=True,
        ),
        "type-table-project.html": graphview.project_graph(
            g, href=naming.node_path, type_href=naming.type_node_path, type_table=True
        ),
        "hostile.html": graphview.page_graph(
            harness.hostile_graph(), f"artifact:{harness.HOSTILE}:v0", href=href
        ),
    }


@pytest.fixture(scope="module")
def site(views, tmp_path_factory):
    """Write the views as harness pages; return the folder."""
    out = tmp_path_factory.mktemp("compact")
    harness.write_site(out, views)
    return out


PAGES = [
    "train.html",
    "project.html",
    "hub.html",
    "overview.html",
    "types.html",
    "hostile.html",
    "odd-names.html",
    "type-table.html",
    "type-table-project.html",
]


@pytest.mark.parametrize("name", PAGES)
def test_the_browser_reads_the_data_as_python_does(page, site, views, watched, name):
    watcher = harness.open_graph(page, site, name, watched)
    assert page.evaluate(READ) == views[name].data
    if name.startswith("type-table"):  # the overview's types are named in the table
        assert views[name].type_table and '"tn":' in views[name].data_json
    watcher.assert_clean()


def test_a_preview_shows_its_rows_with_their_labels(page, site, watched):
    harness.open_graph(page, site, "train.html", watched)
    page.evaluate("window.lineageView.select('run:split-1')")
    rows = page.locator('[data-lg="preview-rows"]')
    labels = rows.locator("dt").all_text_contents()
    assert labels[:4] == ["Job type", "State", "Started", "Duration"]
    assert rows.locator("dd").first.text_content() == "split"


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory):
    """Build the sample project's site, whose pages name listed nodes by their rows."""
    return build(load_config(SAMPLE), tmp_path_factory.mktemp("rows") / "site").output


READ_WITH_ROWS = (
    "() => window.LineageGraph.expandData("
    "JSON.parse(document.getElementById('lineage-graph-data').textContent),"
    " window.LineageGraph.dom.pageRows(document.getElementById('lineage-graph')))"
)


@pytest.mark.parametrize("pattern", ["versions/mnist-cnn-v6-*.html", "runs/*-*.html"])
def test_the_browser_reads_a_nodes_row_as_python_does(page, sample_site, watched, pattern):
    """A node the lineage lists show is drawn with its row's label and link (issue 15)."""
    path = sorted(sample_site.glob(pattern))[0]
    watcher = harness.open_graph(page, sample_site, path.relative_to(sample_site), watched)
    data = graphview.read_page_file(path)
    assert page.evaluate(READ_WITH_ROWS) == data
    rows = graphview.page_rows(path.read_text(encoding="utf-8"))
    named = [e for e in data["nodes"] if (e.get("h"), e["l"]) in rows and "c" not in e]
    assert {e["k"] for e in named} == {"run", "artifact"}
    drawn = set(harness.lv(page, "visibleNodeIds()"))
    for e in named:
        if e["id"] in drawn:
            label = page.evaluate(f"window.lineageView.network.body.data.nodes.get({e['id']!r})")
            assert e["l"][-4:] in label["label"], e  # drawn cut short in the middle
    assert drawn & {e["id"] for e in named}
    watcher.assert_clean()


def test_a_page_without_the_rows_its_data_names_says_so_and_keeps_its_lists(
    page, sample_site, watched
):
    """A theme's own lists, say, that lack the rows: the status line says the graph could not
    be read, no controls are made, and the error is the reader's own."""
    path = sorted(sample_site.glob("versions/mnist-cnn-v6-*.html"))[0]
    html = path.read_text(encoding="utf-8")
    broken = html.replace('<table class="nodes">', '<table class="theirs">')
    (path.parent / "no-rows.html").write_text(broken, encoding="utf-8")
    watcher = watched(page, sample_site)
    page.goto((path.parent / "no-rows.html").as_uri())
    status = page.locator('#lineage-graph [data-lg="status"]')
    status.wait_for()
    assert status.inner_text() == (
        "The graph could not be read; the lists on this page show the lineage."
    )
    assert page.locator(".lg-toolbar").count() == 0
    assert page.evaluate("window.lineageView === undefined")
    assert len(watcher.page_errors) == 1
    assert "which the page does not list" in watcher.page_errors[0]


@pytest.fixture(scope="module")
def dbt_site(tmp_path_factory):
    """Build the jaffle_shop dbt manifest's site, whose run ids end in one invocation."""
    root = tmp_path_factory.mktemp("dbt-ids")
    shutil.copy(DATA / "dbt-jaffle-shop" / "manifest.json", root / "manifest.json")
    return build(load_config(root), root / "site").output


def test_the_browser_reads_dbt_run_ids_from_the_table_as_python_does(page, dbt_site, watched):
    """A dbt run's id is `<unique_id>@<invocation>`: the data writes the end once (v6; the
    page's `re`, which its fragments name by number, since v8)."""
    path = next((dbt_site / "versions").glob("jaffle_shop-fct_orders-v0-*.html"))
    watcher = harness.open_graph(page, dbt_site, path.relative_to(dbt_site), watched)
    text = path.read_text(encoding="utf-8")
    script = text.split('id="lineage-graph-data">', 1)[1].split("</script>", 1)[0]
    embedded = json.loads(script)
    coded = [e["ri"] for e in embedded["fr"] if isinstance(e.get("ri"), list)]
    # (The page's Run section shows its own run's id too: the model is one page.)
    assert len(coded) > 5 and script.count("@f5f9ec53-b715-491d-92b0-c7d376eab70b") == 1
    data = graphview.read_page_file(path)
    assert page.evaluate(READ_WITH_ROWS) == data
    runs = {e["id"] for e in data["nodes"] if e["k"] == "run"}
    assert "run:model.jaffle_shop.stg_orders@f5f9ec53-b715-491d-92b0-c7d376eab70b" in runs
    watcher.assert_clean()
