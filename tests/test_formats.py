"""One formatter per value kind: a value reads the same on its page, in graph previews and in
exports (lineage_report/formats.py).

The site is built from real manifests; its pages and the graph data embedded in them are read
back as a reader's browser gets them.
"""

from __future__ import annotations

import html
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from lineage_report import formats, graphview, naming
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.export import export
from lineage_report.graphview.previews import read_preview_files
from lineage_report.load import load
from tests.browser.harness import add_artifact, add_run
from tests.factories import at, manifest, write_project

LONG_RUN = "run:long"
BIG = "artifact:big:v0"
FILES = 1_234  # files of the big version: a count with a thousands separator
EVALS = 6  # runs that used the big version: one more than the cluster threshold

# ---------------------------------------------------------------- each formatter


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (0.4, "0s"),
        (45, "45s"),
        (59.6, "1m 0s"),
        (120, "2m 0s"),
        (606, "10m 6s"),
        (3600, "1h 0m 0s"),
        (3600.0, "1h 0m 0s"),
        (3_661, "1h 1m 1s"),
        (90_000, "25h 0m 0s"),
        (-5, "-5s"),  # a run that ended before it started: the sign shows the bad clock
        (-3_600, "-1h 0m 0s"),
    ],
)
def test_duration(seconds, text):
    assert formats.duration(seconds) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1_000, "1.0 KB"),
        (123_456, "123.5 KB"),
        (999_960, "1.0 MB"),  # never "1000.0 KB"
        (1_234_000, "1.2 MB"),
        (5 * 10**12, "5.0 TB"),
        (7 * 10**15, "7000.0 TB"),
    ],
)
def test_size(n, text):
    assert formats.size(n) == text


@pytest.mark.parametrize("junk", [None, "", "3600", True, math.nan, math.inf, [1], {}])
def test_what_cannot_be_shown_reads_empty(junk):
    assert formats.duration(junk) == ""
    assert formats.size(junk) == ""
    assert formats.short_digest(junk if not isinstance(junk, str) else "") == ""


def test_size_of_less_than_nothing_reads_empty():
    assert formats.size(-1) == ""


def test_time_counts_and_digests():
    assert formats.time("2026-11-20T10:05:00Z") == "2026-11-20 10:05:00 UTC"
    assert formats.time("2026-11-20T10:05:00.123456Z") == "2026-11-20 10:05:00.123456 UTC"
    assert formats.time(None) == formats.time("") == formats.time(3) == ""
    assert [formats.count(n) for n in (0, 999, 1_000, 1_234_567)] == [
        "0",
        "999",
        "1,000",
        "1,234,567",
    ]
    assert [formats.plural(n, "run") for n in (0, 1, 2, 10_000)] == [
        "0 runs",
        "1 run",
        "2 runs",
        "10,000 runs",
    ]
    assert formats.short_digest("sha256:" + "ab" * 32) == "sha256:abababababab"
    assert formats.short_digest("x" * 40) == "x" * 19


# ---------------------------------------------------------------- one value, one reading


def formats_site(root: Path) -> Path:
    """Build, under `root`, a project with a run of 1h 1m 5s that logs a version of 1,234
    files (1.2 MB) used by six evaluation runs (one cluster on the version's page)."""
    files = [
        {"path": f"part-{i:04d}.bin", "size": 1_000, "digest": f"sha256:{i:064x}"}
        for i in range(FILES)
    ]
    big = {"name": "big", "type": "dataset", "files": files, "aliases": ["best"]}
    long = manifest("long", 0, logged=[big], finished_at="2026-11-20T11:01:05Z")
    runs = {"runs/long.json": long}
    for i in range(EVALS):
        runs[f"runs/eval-{i}.json"] = manifest(
            f"eval-{i}", 70 + i, used=["big:v0"], job_type="eval"
        )
    write_project(root, runs, 'title = "formats"\n')
    result = build(load_config(root), root / "site")
    assert result.problems == []
    return result.output


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Return the built site of formats_site's project."""
    return formats_site(tmp_path_factory.mktemp("formats"))


def fields(page: str) -> dict[str, str]:
    """Return a page's overview fields (<dt>label<dd>text, end tags implied) as plain text."""
    pairs = re.findall(r"<dt>(.*?)<dd>(.*?)(?=<dt>|</dl>)", page, re.S)
    return {html.unescape(k): html.unescape(re.sub("<[^>]+>", "", v)) for k, v in pairs}


def graph_data(page: Path) -> dict:
    """Return the graph data a page embeds for lineage-graph.js (and its site's type table)."""
    return graphview.read_page_file(page)  # embedded compactly (issue 15)


def previews(site: Path, node: str) -> list[dict[str, str]]:
    """Return the preview rows of `node` wherever the site keeps them (at least one): its
    preview file (graphview/previews.py), and any page that embeds them."""
    shared = read_preview_files(site)
    found = [dict(shared[node])] if node in shared else []
    for path in sorted(site.rglob("*.html")):
        page = path.read_text(encoding="utf-8")
        if "lineage-graph-data" not in page:
            continue
        found += [dict(e["p"]) for e in graph_data(path)["nodes"] if e["id"] == node and "p" in e]
    assert found, f"no page previews {node}"
    return found


def page_of(site: Path, node: str) -> str:
    """Return the HTML of a node's page."""
    return (site / naming.node_path(node)).read_text(encoding="utf-8")


def test_a_run_reads_the_same_on_its_page_and_in_every_preview(site):
    page = fields(page_of(site, LONG_RUN))
    assert page["Duration"] == "1h 1m 5s"
    assert page["Started"] == "2026-11-20 10:00:00 UTC"
    for preview in previews(site, LONG_RUN):
        assert preview["Duration"] == page["Duration"]
        assert preview["Started"] == page["Started"]


def test_a_version_reads_the_same_on_its_pages_and_in_every_preview(site):
    page = fields(page_of(site, BIG))
    assert (page["Size"], page["Files"]) == ("1.2 MB", "1,234")
    assert page["Created"] == "2026-11-20 11:01:05 UTC"
    artifact = (site / naming.artifact_path("big")).read_text(encoding="utf-8")
    row = re.search(r'<tr><td><a href="[^"]+">v0</a>.*?</tr>', artifact).group()
    cells = [re.sub("<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", row)]
    digest = formats.short_digest(page["Digest"])
    assert cells[2:5] == [digest, page["Created"], page["Size"]]
    for preview in previews(site, BIG):
        assert preview["Size"] == page["Size"]
        assert preview["Files"] == page["Files"]
        assert preview["Created"] == page["Created"]
        assert preview["Digest"] == digest


def test_counts_in_the_graph_data_are_worded_as_the_pages_word_them(site):
    data = graph_data(site / naming.node_path(BIG))
    (cluster,) = [e for e in data["nodes"] if e["k"] == "cluster"]
    assert cluster["t"] == "6 runs" and cluster["l"] == "6 runs · eval"
    types = {e["id"]: e["t"] for e in data["types"]["nodes"]}
    assert types == {"type:run:train": "1 run", "type:artifact:dataset": "1 version"} | {
        "type:run:eval": "6 runs"
    }
    index = (site / naming.INDEX).read_text(encoding="utf-8")
    job_types = dict(
        re.findall(r'<tr><td><a href="jobs/[^"]+">(\w+)</a></td><td>([^<]*)</td>', index)
    )
    assert job_types == {"eval": "6", "train": "1"}


def test_a_count_reads_the_same_in_the_graph_its_mermaid_export_and_pyvis():
    g = nx.DiGraph()
    data = add_artifact(g, "data", 0, "dataset")
    for i in range(1_234):
        add_run(g, f"r{i:04d}", "train", used=[data])
    view = graphview.type_overview(g)
    (train,) = [e for e in view.data["nodes"] if e["g"] == "train"]
    assert train["t"] == "1,234 runs"
    assert "train<br/>1,234 runs" in graphview.mermaid(view)
    page = graphview.page_graph(g, data)
    (cluster,) = [e for e in page.data["nodes"] if e["k"] == "cluster"]
    assert (cluster["l"], cluster["t"]) == ("1,234 runs · train", "1,234 runs")
    assert '[["1,234 runs #183; train"]]' in graphview.mermaid(page)  # "·" as an entity
    labels = {n["label"] for n in graphview.to_pyvis(g, focus=data).nodes}
    assert labels == {"dataset\ndata:v0", "1,234 runs · train"}


def test_query_counts_its_nodes_as_pages_do(site):
    root = site.parent
    cli = [sys.executable, "-m", "lineage_report", "query"]
    down = subprocess.run([*cli, "downstream", "big:v0", str(root)], capture_output=True, text=True)
    assert down.returncode == 0, down.stderr
    assert down.stdout.startswith(f"Downstream of big:v0 ({BIG}): 6 nodes\n")
    up = subprocess.run([*cli, "upstream", "big:v0", str(root)], capture_output=True, text=True)
    assert up.stdout.startswith(f"Upstream of big:v0 ({BIG}): 1 node\n")


def test_exports_keep_the_raw_values_for_tools(site):
    """Data exports hold the graph's values as they are (ISO times, seconds, bytes): a tool
    reads them, formats.py is for people."""
    data = json.loads(export(load(site.parent), "json"))
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes[LONG_RUN]["duration_s"] == 3_665.0
    assert nodes[LONG_RUN]["started_at"] == at(0)
    assert nodes[BIG]["size"] == FILES * 1_000
