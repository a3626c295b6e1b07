"""One wide run (issue 17, point 3): a run with 2,000 inputs and 2,000 outputs.

Each of those 4,000 version pages meets the run, a node of degree 2,000. What a page
embeds and records must not grow with that degree (it did: every input's page carried
600 cluster members and every output's page recorded all 2,000 inputs as shown), while
the run's own page, through its lists and their pages, still reaches every input and
output. Nothing here is timed: benchmarks/wide.py measures the build.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lineage_report import graphview, naming
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.graphview.compact import entries_of
from lineage_report.naming import list_path, part_path
from lineage_report.status import load_status
from lineage_report.views import HUB_ROWS, LIST_LIMIT, PAGE_SIZE
from tests.factories import art, manifest, write_project
from tests.linkcheck import check_site

N = 2_000
INPUT_TYPES = ("dataset", "features")
OUTPUT_TYPES = ("prediction", "report", "model")
RUN = "run:wide"
GRAPH_DATA = re.compile(
    r'<script type="application/json" id="lineage-graph-data">(.*?)</script>', re.S
)
HREF = re.compile(r'href="([^"#]*)')
MORE = re.compile(r'<p class="more">(.*?)</p>')
TAGS = re.compile(r"<[^>]+>")
PART = re.compile(r"-p\d+\.html$")


def wide_manifest(n: int) -> dict:
    """Return the manifest of a run that used n external inputs and logged n outputs."""
    used = [
        {"name": f"in-{i:05d}", "version": "v0", "type": INPUT_TYPES[i % 2], "external": True}
        for i in range(n)
    ]
    logged = [art(f"out-{i:05d}", OUTPUT_TYPES[i % 3]) for i in range(n)]
    return manifest(
        "wide", used=used, logged=logged, name="wide-scoring", job_type="score", state="finished"
    )


def wide_project(root: Path, n: int) -> Path:
    """Write a project of one wide run."""
    return write_project(root, {"runs/wide.json": wide_manifest(n)}, 'title = "Wide"\n')


@pytest.fixture(scope="module")
def wide_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wide project's site once; tests only read it."""
    root = wide_project(tmp_path_factory.mktemp("wide") / "project", N)
    return build(load_config(root), root / "site").output


def read(site: Path, path: str) -> str:
    """Return a page's text."""
    return (site / path).read_text(encoding="utf-8")


def graph_data(text: str) -> str:
    """Return the graph data a page embeds, as the JSON text in its script element."""
    match = GRAPH_DATA.search(text)
    assert match, "the page embeds no graph data"
    return match.group(1)


def labels(page: Path) -> set[str]:
    """Return the labels of the entries a page's graph data holds."""
    return {e["l"] for e in graphview.read_page_file(page)["nodes"]}


def more_lines(text: str) -> list[str]:
    """Return the text of a page's "and N more" lines, tags stripped."""
    return [TAGS.sub("", line) for line in MORE.findall(text)]


def version_page(name: str) -> str:
    """Return the site path of version v0 of an artifact."""
    return naming.node_path(f"artifact:{name}:v0")


# ---------------------------------------------------------------- bounded pages


def test_every_version_page_embeds_a_bounded_graph(wide_site: Path) -> None:
    """The run and one cluster per type of its other neighbours, each listing a few."""
    pages = sorted((wide_site / "versions").glob("*.html"))
    assert len(pages) == 2 * N
    most = 2 + len(OUTPUT_TYPES) * (1 + graphview.FAN_MEMBERS)  # the page's node, the run
    for page in pages:
        data = graph_data(page.read_text(encoding="utf-8"))
        assert len(data) < 15_000, page.name
        assert len(entries_of(json.loads(data)["nodes"])) <= most, page.name


def test_each_version_page_records_a_bounded_set_of_shown_nodes(wide_site: Path) -> None:
    """The build status keeps, per page, the nodes it shows: a few dozen, not the run's 2,000."""
    status = load_status(wide_site)
    assert status is not None
    deps = dict(zip(status.pages, status.deps, strict=True))
    versions = [p for p in status.pages if p.startswith("versions/")]
    assert len(versions) == 2 * N
    assert max(len(deps[p]) for p in versions) <= 4 * graphview.FAN_MEMBERS


def test_an_inputs_graph_draws_the_runs_outputs_as_clusters_that_link_the_run(
    wide_site: Path,
) -> None:
    data = graphview.read_page_file(wide_site / version_page("in-00007"))
    entries = data["nodes"]
    clusters = [e for e in entries if e["k"] == "cluster"]
    run_page = "../" + naming.node_path(RUN)
    assert [(c["l"], c["n"], c["u"], c["h"]) for c in clusters] == [
        ("667 versions · prediction", 667, "wide-scoring", run_page),
        ("667 versions · report", 667, "wide-scoring", run_page),
        ("666 versions · model", 666, "wide-scoring", run_page),
    ]
    for cluster in clusters:
        at = entries.index(cluster)
        members = [e["id"] for e in entries if e.get("c") == at]
        assert len(members) == graphview.FAN_MEMBERS
        assert members == sorted(members)  # the first by id: the run's record covers them
    assert data["total"] == 2 + N
    assert data["note"] == (
        "Beyond the 2,000 outputs of wide-scoring, the walk stops: they are drawn as clusters "
        "listing at most 10 members each, and the page of that node lists them all."
    )


def test_an_outputs_tables_list_a_few_inputs_and_link_the_run(wide_site: Path) -> None:
    text = read(wide_site, version_page("out-00042"))
    assert more_lines(text) == [
        "and more rows beyond these: open a row's page to follow it further "
        "(all are in lineage.json)",
        f"and {N - HUB_ROWS:,} more inputs of wide-scoring (its page lists them all)",
    ]
    upstream = text.split("<h3>Upstream</h3>", 1)[1].split("<h3>Downstream</h3>", 1)[0]
    linked = HREF.findall(upstream)
    assert linked[0] == "../" + naming.node_path(RUN)
    assert linked[1 : 1 + HUB_ROWS] == [
        "../" + version_page(f"in-{i:05d}") for i in range(HUB_ROWS)
    ]
    assert "../" + naming.node_path(RUN) in linked[1 + HUB_ROWS :]  # the count's link


# ---------------------------------------------------------------- the run's own page


def test_the_runs_own_page_reaches_every_input_and_output(wide_site: Path) -> None:
    """Its tables list the first rows and link pages that list the rest, PAGE_SIZE each."""
    start = naming.node_path(RUN)
    lists = {list_path(RUN, what) for what in ("used", "logged")}
    todo, seen, reached = [start], {start}, set()
    while todo:
        path = todo.pop()
        for href in HREF.findall(read(wide_site, path)):
            target = (Path(path).parent / href).as_posix().replace("runs/../", "")
            reached.add(target)
            if PART.sub(".html", target) in lists and target not in seen:
                seen.add(target)
                todo.append(target)
    every = {version_page(f"{side}-{i:05d}") for side in ("in", "out") for i in range(N)}
    assert every <= reached
    assert len(seen) == 1 + 2 * -(-N // PAGE_SIZE)  # the run's page and 4 + 4 list pages
    # The used and logged tables (the Lineage section, above them, has "more" lines too).
    text = read(wide_site, start).split('<section id="artifacts">', 1)[1]
    assert (
        more_lines(text)[:2]
        == [
            f"and {N - LIST_LIMIT:,} more rows (all {N:,} are in the full list and in lineage.json)"
        ]
        * 2
    )


def test_a_list_page_says_what_it_lists_and_where_it_is(wide_site: Path) -> None:
    text = read(wide_site, part_path(list_path(RUN, "logged"), 2))
    assert "<h1>Artifacts logged by wide-scoring</h1>" in text
    assert ": 2,000 in all; page 2 of 4.</p>" in text
    rows = re.findall(r'<tr><td><a href="([^"]+)"', text)  # an artifact's row: no class
    assert rows == ["../" + version_page(f"out-{i:05d}") for i in range(500, 1000)]
    assert 'rel="prev" href="../runs/' in text and 'rel="next" href="../runs/' in text


def test_the_wide_site_has_no_broken_links(wide_site: Path) -> None:
    assert check_site(wide_site) == []


# ---------------------------------------------------------------- rebuilds


def test_a_new_output_updates_the_count_on_the_inputs_pages(tmp_path: Path) -> None:
    """The pages that count the run's outputs follow the run: a rebuild redraws them."""
    root = wide_project(tmp_path / "project", 250)
    site = build(load_config(root), root / "site").output
    page = version_page("in-00003")
    counted = f"and {250 - HUB_ROWS} more outputs of wide-scoring (its page lists them all)"
    assert counted in more_lines(read(site, page))
    assert "83 versions · report" in labels(site / page)
    wide_project(root, 251)
    result = build(load_config(root), root / "site")
    assert result.incremental
    assert page in result.written
    counted = f"and {251 - HUB_ROWS} more outputs of wide-scoring (its page lists them all)"
    assert counted in more_lines(read(site, page))
    assert "84 versions · report" in labels(site / page)  # it had 83
