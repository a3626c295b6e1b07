"""A page's graph data names the nodes its lineage lists show by their rows (issue 15).

The rows' links and texts are on the page already: the data then leaves out those nodes'
ids, labels and links (graphview/rows.py, compact.py `wv`/`wr`). Read back with the page's
rows, the data is exactly what a build that names no rows writes. A theme that overrides
the lineage lists' templates gets no row names, since its rows may differ.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from lineage_report import graphview
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.render import ROW_TEMPLATES, keeps_rows, theme_dirs
from tests.conftest import ROOT, SAMPLE

DATA = re.compile(r'id="lineage-graph-data">(.*?)</script>', re.S)


def graph_pages(site: Path) -> dict[str, Path]:
    """Return the pages that embed graph data, by their path in the site."""
    return {
        str(p.relative_to(site)): p
        for p in sorted(site.rglob("*.html"))
        if 'id="lineage-graph-data"' in p.read_text(encoding="utf-8")
    }


def embedded(page: Path) -> dict:
    """Return a page's compact graph data as it embeds it."""
    return json.loads(DATA.search(page.read_text(encoding="utf-8")).group(1))


def row_names(page: Path) -> int:
    """Return how many of a page's entries name their row."""
    entries = graphview.compact.entries_of(embedded(page)["nodes"])
    return sum(1 for e in entries if "wv" in e or "wr" in e)


@pytest.fixture(scope="module")
def named_and_not(tmp_path_factory) -> tuple[Path, Path]:
    """Build the sample project as it is, and with the default lineage partial copied into
    a custom theme folder (the same markup, but the build cannot know that)."""
    root = tmp_path_factory.mktemp("rows")
    named = build(load_config(SAMPLE), root / "named").output
    custom = root / "custom" / "partials"
    custom.mkdir(parents=True)
    shutil.copy(ROOT / "themes/default/partials/lineage.html", custom / "lineage.html")
    config = load_config(SAMPLE)
    config.theme_custom_dir = custom.parent
    plain = build(config, root / "plain").output
    return named, plain


def test_listed_nodes_are_named_by_their_rows_and_read_back_whole(named_and_not):
    named, plain = named_and_not
    pages = graph_pages(named)
    assert pages.keys() == graph_pages(plain).keys()
    naming_pages = [path for path, page in pages.items() if row_names(page)]
    node_pages = [path for path in pages if path.startswith(("versions/", "runs/"))]
    assert len(node_pages) > 50 and naming_pages == node_pages  # not the project page
    assert not [path for path, page in graph_pages(plain).items() if row_names(page)]
    for path, page in pages.items():
        assert graphview.read_page_file(page) == graphview.read_page_file(plain / path), path
    named_bytes = sum(len(DATA.search(p.read_text()).group(1)) for p in pages.values())
    plain_bytes = sum(len(DATA.search(p.read_text()).group(1)) for p in graph_pages(plain).values())
    assert named_bytes < 0.85 * plain_bytes


def test_a_listed_run_and_version_are_in_the_page_data_only_through_their_rows(named_and_not):
    named, _ = named_and_not
    page = next((named / "versions").glob("mnist-cnn-v6-*.html"))
    html = page.read_text(encoding="utf-8")
    text = DATA.search(html).group(1)
    rows = graphview.page_rows(html)
    entries = graphview.read_page_file(page)["nodes"]
    listed = [e for e in entries if (e.get("h"), e["l"]) in rows]
    kinds = {e["k"] for e in listed}
    assert kinds == {"run", "artifact"}
    for e in listed:
        assert json.dumps(e["l"]) not in text and e["h"].rpartition("/")[2] not in text, e


@pytest.mark.parametrize("template", ROW_TEMPLATES)
def test_a_theme_that_overrides_the_lineage_lists_gets_no_row_names(tmp_path, template):
    (tmp_path / template).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / template).write_text("{# a theme's own #}")
    assert not keeps_rows(theme_dirs("default", tmp_path))


def test_the_default_theme_and_other_overrides_keep_row_names(tmp_path):
    assert keeps_rows(theme_dirs("default", None))
    (tmp_path / "base.html").write_text("{# a theme's own #}")
    (tmp_path / "index.html").write_text("{# a theme's own #}")
    assert keeps_rows(theme_dirs("default", tmp_path))


ROWS_PAGE = """<main><table class="nodes"><tr><td><a href="elsewhere.html">outside</a></table>
<section id="lineage"><h2>Lineage</h2>
<section class="lg" id="lineage-graph"><script type="application/json">{}</script></section>
<table class="nodes"><thead><tr><th>Depth<th>Name<tbody>
<tr><td>1<td><a href="../runs/r1-0123456789ab.html">calm-<wbr>river &amp; co</a><td>train run
<tr><td>2<td><a>no link</a><a href="../versions/x-v1-0123456789ab.html">x:<wbr>v1</a>
<tr><td>3<td>not linked</table>
<table class="kv"><tr><th>k<td><a href="k.html">a value</a></table>
<table class="nodes"><tr><td>1<td><a href="../versions/y-v2-0123456789ab.html">y:v2</a></table>
</section>
<section id="usage"><table class="nodes"><tr><td><a href="u.html">after</a></table></section>
</main>"""


def test_page_rows_reads_the_linked_node_rows_around_the_graph_as_the_browser_does():
    assert graphview.page_rows(ROWS_PAGE) == [
        ("../runs/r1-0123456789ab.html", "calm-river & co"),
        ("../versions/x-v1-0123456789ab.html", "x:v1"),
        ("../versions/y-v2-0123456789ab.html", "y:v2"),
    ]
    assert graphview.page_rows(ROWS_PAGE.replace('id="lineage-graph"', 'id="other"')) == []


def test_data_that_names_a_row_the_page_lacks_is_an_error(named_and_not):
    named, _ = named_and_not
    page = next((named / "versions").glob("mnist-cnn-v6-*.html"))
    text = DATA.search(page.read_text(encoding="utf-8")).group(1)
    with pytest.raises(
        ValueError, match=r"^the page data names row \d+, which the page does not list$"
    ):
        graphview.read_page_data(text)
