"""Site-level tests: links, one page per node, hooks, lineage.json, content, gold, determinism.

The sample site is built once per session (conftest.py). Page content is read through a
small HTML parser, and the numbers come from sample_project/EXPECTED.md, which is written
together with the manifests, so the pages are checked against what the project should be.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest

from lineage_report import naming
from lineage_report.build import build
from lineage_report.config import load_config
from tests import goldtest
from tests.conftest import ROOT, SAMPLE, SMALL
from tests.factories import manifest, write_project
from tests.linkcheck import check_site

GOLD = ROOT / "tests" / "gold"
EXPECTED = (SAMPLE / "EXPECTED.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------- reading pages


@dataclass
class Cell:
    """One table cell: its text (whitespace collapsed) and the links in it."""

    text: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, href)


@dataclass
class Table:
    """A table's class and its body rows (header rows left out)."""

    cls: str
    rows: list[list[Cell]] = field(default_factory=list)


class PageReader(HTMLParser):
    """Reads the body's attributes and every table of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.body: dict[str, str] = {}
        self.tables: list[Table] = []
        self._head = False
        self._cell: Cell | None = None
        self._link: list[str] | None = None  # [href, text] while inside <a>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a table, row, cell or link."""
        values = {k: v or "" for k, v in attrs}
        if tag == "body":
            self.body = values
        elif tag == "table":
            self.tables.append(Table(values.get("class", "")))
        elif tag == "thead":
            self._head = True
        elif tag == "tbody":  # it ends the head, whose end tag may be left out
            self._head = False
        elif tag == "tr" and self.tables and not self._head:
            self._close_cell()  # its end tag may be left out, as HTML allows
            self.tables[-1].rows.append([])
        elif tag in ("td", "th") and self.tables and not self._head:
            self._close_cell()
            self._cell = Cell()
            self.tables[-1].rows[-1].append(self._cell)
        elif tag == "a" and self._cell is not None:
            self._link = [values.get("href", ""), ""]

    def handle_endtag(self, tag: str) -> None:
        """Close what was opened."""
        if tag == "thead":
            self._head = False
        elif tag in ("td", "th", "tr", "tbody", "table"):  # a cell ends with its row or table
            self._close_cell()
        elif tag == "a" and self._link is not None and self._cell is not None:
            self._cell.links.append((" ".join(self._link[1].split()), self._link[0]))
            self._link = None

    def _close_cell(self) -> None:
        """End the open cell, if any."""
        if self._cell is not None:
            self._cell.text = " ".join(self._cell.text.split())
            self._cell = None

    def handle_data(self, data: str) -> None:
        """Add text to the open cell and link."""
        if self._cell is not None:
            self._cell.text += data
        if self._link is not None:
            self._link[1] += data


def read(site: Path, path: str) -> str:
    """Return a page's text, without the <wbr> break hints in names (render.wrap)."""
    return (site / path).read_text(encoding="utf-8").replace("<wbr>", "")


def parse(html: str) -> PageReader:
    """Parse a page (or part of one)."""
    reader = PageReader()
    reader.feed(html)
    reader.close()
    return reader


def section(html: str, section_id: str) -> str:
    """Return the HTML of the `<section id=...>` of a page (sections do not nest)."""
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', html, re.S)
    assert match, f"no section #{section_id}"
    return match.group(1)


def tables(html: str, cls: str) -> list[Table]:
    """Return the tables of a given class."""
    return [t for t in parse(html).tables if cls in t.cls.split()]


def kv_rows(html: str) -> dict[str, str]:
    """Return the key → value rows of every key/value table in `html`."""
    return {row[0].text: row[1].text for t in tables(html, "kv") for row in t.rows}


# ---------------------------------------------------------------- EXPECTED.md


def expected_artifacts() -> dict[str, dict]:
    """Parse the Artifacts table: name → type, version count, custom aliases, latest."""
    rows = re.findall(r"^\| `([^`]+)` \| (\w+) \| (\d+) \| (.+?) \| (v\d+) \|$", EXPECTED, re.M)
    result = {}
    for name, art_type, count, custom, latest in rows:
        aliases = dict(re.findall(r"`(\w+)` → (v\d+)", custom))
        result[name] = {"type": art_type, "count": int(count), "aliases": aliases, "latest": latest}
    assert len(result) == 8, "EXPECTED.md's Artifacts table changed shape"
    return result


def expected_producers() -> dict[tuple[str, str], tuple[str, str]]:
    """Parse the producers table: (name, vN) → (run name, run id)."""
    rows = re.findall(
        r"^\| `([^`:]+):(v\d+)` \| \S+ \| `([^`]+)` \(`([^`]+)`\) \|$", EXPECTED, re.M
    )
    assert len(rows) == 30, "EXPECTED.md's producers table changed shape"
    return {(name, v): (run, run_id) for name, v, run, run_id in rows}


def expected_relogs() -> list[tuple[str, str, str, str]]:
    """Parse the re-logs: (run name, run id, name:vN, producer run name)."""
    rows = re.findall(
        r"^- `([^`]+)` \(`([^`]+)`\) re-logs `([^`]+)` \(producer stays `([^`]+)`",
        EXPECTED,
        re.M,
    )
    assert rows, "EXPECTED.md's re-logs list changed shape"
    return rows


def expected_counts(label: str) -> dict[str, int]:
    """Parse a `Label: a 1, b 2.` line of EXPECTED.md."""
    line = re.search(rf"^{label}: (.+)$", EXPECTED, re.M)
    assert line, f"no '{label}' line in EXPECTED.md"
    return {k: int(v) for k, v in re.findall(r"([\w-]+) (\d+)", line.group(1))}


# ---------------------------------------------------------------- the link checker itself


BAD_PAGE = """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="//cdn.example.com/x.css">
<link rel="stylesheet" href="style.css">
<script src="https://cdn.example.com/lib.js"></script>
<script src="app.js"></script>
</head><body>
<a href="missing.html">gone</a>
<a href="page.html#here">fine</a>
<a href="page.html#nowhere">bad fragment</a>
<a href="page.html#focus=run:1">a graph view where there is no graph</a>
<a href="#top">bad local fragment</a>
<a href="https://example.com/anywhere">links out are fine</a>
<a href="/index.html">root-relative</a>
<a href="../outside.html">outside</a>
<img src="img/missing.png" alt="">
<img src="http://images.example.com/a.png" alt="">
<iframe src="https://embed.example.com/"></iframe>
<p style="background: url('https://img.example.com/bg.png')">x</p>
</body></html>
"""
BAD_CSS = """/* url(https://ignored.example.com/in-a-comment.png) */
@import "//fonts.example.com/css";
@font-face { src: url(https://fonts.example.com/f.woff2); }
.a { background: url("img/missing.png"); }
.b { background: url(data:image/png;base64,AAAA); }
"""


def make_site(root: Path, files: dict[str, str]) -> Path:
    """Write a hand-made site and return its folder."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_linkcheck_catches_every_kind_of_bad_link(tmp_path: Path) -> None:
    """The checker reports broken links, bad fragments and loads from other hosts, and no more."""
    site = make_site(
        tmp_path / "site",
        {
            "index.html": BAD_PAGE,
            "page.html": '<html><body><h1 id="here">Here</h1></body></html>',
            "style.css": BAD_CSS,
            "app.js": 'document.title = "x";\nfetch("data.json").then(r => r.json());\n',
            "vis-network.min.js": "var x = new XMLHttpRequest();",  # no file is exempt
        },
    )
    (tmp_path / "outside.html").write_text("<p>not part of the site</p>")
    assert sorted(check_site(site)) == sorted(
        [
            "app.js: script: makes a request (fetch()",
            "vis-network.min.js: script: makes a request (XMLHttpRequest)",
            "index.html: <link href> '//cdn.example.com/x.css': loads a resource from another host",
            "index.html: <script src> 'https://cdn.example.com/lib.js': "
            "loads a resource from another host",
            "index.html: <a href> 'missing.html': points to a missing file",
            "index.html: <a href> 'page.html#nowhere': no id 'nowhere' on the target page",
            "index.html: <a href> 'page.html#focus=run:1': "
            "a graph view 'focus=run:1' on a page with no graph",
            "index.html: <a href> '#top': no id 'top' on the target page",
            "index.html: <a href> '/index.html': root-relative URL breaks under file:// "
            "and sub-paths",
            "index.html: <a href> '../outside.html': points outside the site folder",
            "index.html: <img src> 'img/missing.png': points to a missing file",
            "index.html: <img src> 'http://images.example.com/a.png': "
            "loads a resource from another host",
            "index.html: <iframe src> 'https://embed.example.com/': "
            "loads a resource from another host",
            "index.html: css url() 'https://img.example.com/bg.png': "
            "loads a resource from another host",
            "style.css: css url() 'https://fonts.example.com/f.woff2': "
            "loads a resource from another host",
            "style.css: css url() 'img/missing.png': points to a missing file",
            "style.css: css url() '//fonts.example.com/css': loads a resource from another host",
        ]
    )


def test_linkcheck_passes_a_good_site(tmp_path: Path) -> None:
    """Links out, canonical links, data: URLs, queries and encoded names are all fine."""
    site = make_site(
        tmp_path / "site",
        {
            "index.html": """<html><head>
<link rel="canonical" href="https://example.com/report/">
<link rel="stylesheet" href="assets/style.css?v=1">
<script src="assets/app.js"></script>
</head><body id="top">
<a href="#top">top</a> <a href="#">nothing</a> <a href="sub/my%20page.html#part">sub</a>
<a href="mailto:someone@example.com">mail</a> <a href="https://example.com">out</a>
<img src="data:image/png;base64,AAAA" alt="">
<script type="application/json">{"note": "fetch(\\"x\\") in data is not code"}</script>
</body></html>""",
            "sub/my page.html": '<body><a href="../index.html" id="part">back</a></body>',
            "assets/style.css": "body { background: url(bg.png); }",
            "assets/bg.png": "png",
            "assets/app.js": "document.body.dataset.ready = 'yes';",
        },
    )
    assert check_site(site) == []


# ---------------------------------------------------------------- the sample site


def test_sample_site_has_no_broken_links_or_remote_loads(sample_site: Path) -> None:
    """Every relative link resolves; nothing loads from another host; scripts make no requests."""
    assert check_site(sample_site) == []


def test_the_site_ships_only_assets_its_pages_load(sample_site: Path) -> None:
    # Every asset is named by some page (a <script>, a stylesheet, or a data-* attribute
    # the scripts load) or is the search index, which search.js loads from the root its box
    # names (data-root): vis-network.css (220 KB) was shipped unused.
    named = set()
    for page in sample_site.rglob("*.html"):
        text = page.read_text("utf-8")
        for ref in re.findall(r'(?:src|href|data-[a-z-]+)="([^"]+)"', text):
            named.add((page.parent / ref).resolve())
        for root in re.findall(r'data-lineage-search data-root="([^"]*)"', text):
            named.add((page.parent / root / naming.SEARCH_INDEX).resolve())
    shipped = {p.resolve() for p in (sample_site / "assets").iterdir()}
    assert sorted(p.name for p in shipped - named) == []


def lineage_json(site: Path) -> dict:
    """Return the site's lineage.json."""
    return json.loads((site / naming.LINEAGE_JSON).read_text(encoding="utf-8"))


def test_every_node_has_exactly_one_page(sample_site: Path) -> None:
    """versions/ and runs/ hold one page per graph node, and nothing else."""
    nodes = [n["id"] for n in lineage_json(sample_site)["nodes"]]
    pages = {
        p.relative_to(sample_site).as_posix()
        for folder in ("versions", "runs")
        for p in (sample_site / folder).glob("*.html")
    } - {naming.RUNS}
    assert len(pages) == len(nodes) == 64
    assert pages == {naming.node_path(n) for n in nodes}


def test_page_hooks_match_lineage_json(sample_site: Path) -> None:
    """Version pages carry data-artifact="name:vN", run pages data-run="<id>"."""
    hooks: dict[str, str] = {}
    expected: dict[str, str] = {}
    for node in lineage_json(sample_site)["nodes"]:
        path = naming.node_path(node["id"])
        attrs = parse(read(sample_site, path)).body
        if node["kind"] == "run":
            hooks[path] = f"run={attrs.get('data-run')}"
            expected[path] = f"run={node['run_id']}"
        else:
            hooks[path] = f"artifact={attrs.get('data-artifact')}"
            expected[path] = f"artifact={node['label']}"
            if not node["external"]:
                assert node["label"] == f"{node['name']}:v{node['version']}"
    assert hooks == expected


def test_lineage_json_loads_as_the_same_graph(sample_site: Path, sample_lineage) -> None:
    """lineage.json is node-link data for networkx with every node's attributes."""
    data = lineage_json(sample_site)
    graph = nx.node_link_graph(data, edges="edges")
    want = sample_lineage.graph
    assert graph.is_directed()
    assert set(graph.nodes) == set(want.nodes)
    assert set(graph.edges) == set(want.edges)
    assert graph.number_of_nodes() == 64
    assert graph.number_of_edges() == 30 + 56
    for node, attrs in want.nodes(data=True):
        assert graph.nodes[node] == json.loads(json.dumps(attrs, default=str)), node
    assert data["problems"] == []


def test_index_shows_title_readme_and_counts(sample_site: Path) -> None:
    """The front page: the project title, its README rendered, and the counts of EXPECTED.md."""
    html = read(sample_site, naming.INDEX)
    assert "<title>MNIST digit classifier</title>" in html
    readme = re.search(r'<section class="readme">(.*?)</section>', html, re.S).group(1)
    assert "<p>The <code>digits-api</code> service reads handwritten digits" in readme
    assert "<h2>The pipeline</h2>" in readme and '<table tabindex="0">' in readme
    totals = dict(re.findall(r"<dt>([\w ]+)<dd>([\d,]+)(?=<dt>|</dl>)", html))  # end tags implied
    # Artifacts counts logged names; the external imagenet-resnet18 is counted on its own.
    assert {k: totals[k] for k in ("Runs", "Artifacts", "Versions", "External inputs")} == {
        "Runs": "33",
        "Artifacts": "8",
        "Versions": "30",
        "External inputs": "1",
    }
    assert "0 errors, 0 warnings" in html
    counts = [[c.text for c in row] for t in tables(html, "counts") for row in t.rows]
    jobs = {row[0]: int(row[1]) for row in counts if len(row) == 2}
    assert jobs == expected_counts("Runs by job type")
    types = {row[0]: int(row[2]) for row in counts if len(row) == 3}
    assert types == {**expected_counts("Versions by type"), "external": 1}


def test_index_lists_the_newest_runs_and_links_the_rest(sample_site: Path) -> None:
    """The front page's 20 newest runs say how many more there are and where (corpus check)."""
    html = read(sample_site, naming.INDEX)
    recent = html.split("<h2>Recent runs</h2>")[1].split("</section>")[0]
    (table,) = tables(recent, "nodes")
    assert len(table.rows) == 20
    assert (
        '<p class="more">and 13 more rows (all 33 are in <a href="runs/index.html">the full '
        'list</a> and in <a href="lineage.json">lineage.json</a>)</p>'
    ) in recent
    latest = html.split("<h2>Latest versions</h2>")[1].split("<h2>")[0]
    assert len(tables(latest, "nodes")[0].rows) == 8 and 'class="more"' not in latest


def test_an_index_with_nothing_to_count_says_so_instead_of_empty_tables(tmp_path):
    """A project whose only file is unreadable: "No artifacts yet.", not a bare header row."""
    project = write_project(tmp_path / "p", {"graph.json": {"nodes": [], "edges": []}})
    site = build(load_config(project), tmp_path / "site").output
    html = read(site, naming.INDEX)
    assert 'class="counts"' not in html
    graph = read(site, naming.GRAPH)  # not a blank canvas under a toolbar (corpus recheck)
    assert '<p class="empty">No runs or artifacts yet: there is nothing to draw.</p>' in graph
    assert "lineage-graph" not in graph
    assert (
        '<h2>Artifact types</h2>\n<p class="empty">No artifacts yet.</p>\n'
        '<h2>Job types</h2>\n<p class="empty">No runs yet.</p>'
    ) in html


def test_with_more_runs_than_the_runs_page_lists_the_index_names_only_lineage_json(tmp_path):
    """The runs page lists 200 runs: past that, "the full list" would not be (review)."""
    runs = {f"r{i:03d}.json": manifest(f"r{i:03d}", i) for i in range(201)}
    site = build(load_config(write_project(tmp_path / "p", runs)), tmp_path / "site").output
    more = '<p class="more">and {} more rows (all 201 are in <a href="{}">lineage.json</a>)</p>'
    assert more.format(181, "lineage.json") in read(site, naming.INDEX)
    assert more.format(1, "../lineage.json") in read(site, naming.RUNS)


def test_a_version_page_lists_500_files_and_references_and_says_how_many_more(tmp_path):
    """A version with more files or references than a page lists says so (both cut at 500;
    references used to be cut with no word), and lineage.json keeps every one."""
    project = Path(shutil.copytree(SMALL, tmp_path / "proj"))
    manifest = project / "runs" / "upload-calm-river-1.json"
    data = json.loads(manifest.read_text())
    data["logged_artifacts"][0]["files"] = [
        {"path": f"shard-{i:04d}.txt", "size": i} for i in range(501)
    ]
    data["logged_artifacts"][0]["references"] = [
        {"uri": f"s3://bucket/shard-{i:04d}.tar"} for i in range(502)
    ]
    manifest.write_text(json.dumps(data))
    site = build(load_config(project), tmp_path / "site").output
    html = read(site, naming.node_path("artifact:corpus:v0"))
    section = html.split('<section id="files">')[1].split("</section>")[0]
    files, references = tables(section, "files")
    assert [len(files.rows), len(references.rows)] == [500, 500]
    assert references.rows[-1][0].text == "s3://bucket/shard-0499.tar"
    more = re.findall(r'<p class="more">(.*?)</p>', section)
    assert more == [
        'and 1 more files (all 501 are in <a href="../lineage.json">lineage.json</a>)',
        'and 2 more references (all 502 are in <a href="../lineage.json">lineage.json</a>)',
    ]
    (node,) = [n for n in lineage_json(site)["nodes"] if n["id"] == "artifact:corpus:v0"]
    assert len(node["files"]) == 501 and len(node["references"]) == 502


def version_rows(site: Path, name: str) -> dict[str, list[Cell]]:
    """Return an artifact page's versions table, by version label (v0, v1, ...)."""
    html = read(site, naming.artifact_path(name))
    (table,) = tables(html, "versions")
    return {row[0].text: row for row in table.rows}


def test_artifact_pages_list_versions_aliases_and_producers(sample_site: Path) -> None:
    """Each artifact page lists its versions newest first, aliases on the right rows."""
    producers = expected_producers()
    for name, want in expected_artifacts().items():
        rows = version_rows(sample_site, name)
        count = want["count"]
        assert list(rows) == [f"v{i}" for i in reversed(range(count))], name
        holders = {a: v for v, row in rows.items() for a in row[1].text.split()}
        assert holders == {**want["aliases"], "latest": want["latest"]}, name
        for version, row in rows.items():
            run_name, run_id = producers[(name, version)]
            assert row[5].links == [(run_name, "../" + naming.node_path(f"run:{run_id}"))]
            assert row[0].links == [
                (version, "../" + naming.node_path(f"artifact:{name}:{version}"))
            ]


def test_relogs_show_on_both_pages(sample_site: Path) -> None:
    """A re-log adds no version: the version page names the re-logging run, the run page too."""
    producers = expected_producers()
    for run_name, run_id, ref, producer in expected_relogs():
        name, version = ref.split(":")
        assert producers[(name, version)][0] == producer
        page = naming.node_path(f"artifact:{name}:{version}")
        usage = section(read(sample_site, page), "usage")
        logged_by = re.search(r"<h3>Logged by</h3>\s*<p><a [^>]*>([^<]+)</a>", usage)
        assert logged_by and logged_by.group(1) == producer
        again = re.search(r"<h3>Logged again by</h3>(.*?)<h3>", usage, re.S)
        assert again and f">{run_name}</a>" in again.group(1)
        run_html = section(read(sample_site, naming.node_path(f"run:{run_id}")), "artifacts")
        relogged = re.search(r"<h3>Logged again</h3>(.*)", run_html, re.S)
        assert relogged and f">{ref}</a>" in relogged.group(1)
        logged = re.search(r"<h2>Logged artifacts</h2>(.*?)(<h3>|$)", run_html, re.S).group(1)
        assert f">{ref}</a>" not in logged


def test_problems_page_says_no_problems(sample_site: Path) -> None:
    """The sample project is clean, and the problems page says so."""
    html = read(sample_site, naming.PROBLEMS)
    assert "0 errors, 0 warnings." in html
    assert "No problems" in html
    assert not tables(html, "problems")


def test_version_page_renders_its_markdown_description(sample_site: Path) -> None:
    """The description is rendered from markdown: headings and tables, no raw markup left."""
    html = read(sample_site, naming.node_path("artifact:mnist-cnn:v6"))
    overview = section(html, "overview")
    description = re.search(r'<div class="description">(.*?)</div>', overview, re.S).group(1)
    assert "<h2>Hyperparameters</h2>" in description
    assert '<table tabindex="0">' in description
    assert "<strong>dainty-forest-19</strong>" in description
    assert "|---" not in description and "## " not in description
    assert re.search("<dd>best(?=<dt>|</dl>)", overview)


def test_run_page_shows_its_config_and_summary(sample_site: Path) -> None:
    """Every config and summary key of the manifest is on the run page, values as JSON."""
    manifest = json.loads((SAMPLE / "runs" / "train-dainty-forest-19.json").read_text())
    run = manifest["run"]
    html = read(sample_site, naming.node_path(f"run:{run['id']}"))
    assert parse(html).body.get("data-run") == run["id"]
    shown = kv_rows(section(html, "config"))
    for key, value in {**run["config"], **run["summary"]}.items():
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        assert shown.get(key) == text, key
    assert f"<code>{run['id']}</code>" in section(html, "overview")


# ---------------------------------------------------------------- the small project's gold

# The pages compared with tests/gold/small/, by what they show.
GOLD_PAGES = [
    naming.INDEX,
    naming.artifact_path("classifier"),
    naming.node_path("artifact:corpus:v0"),
    naming.node_path("run:tr1"),
    naming.PROBLEMS,
]


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the small hand-written project once for this module."""
    output = tmp_path_factory.mktemp("small") / "site"
    result = build(load_config(SMALL), output)
    assert result.problems == []
    return result.output


def test_small_pages_match_gold(small_site: Path) -> None:
    """The chosen pages equal their gold copies, asset hashes and version scrubbed."""
    goldtest.compare(small_site, GOLD / "small", GOLD_PAGES)


def test_small_site_is_what_the_manifests_say(small_site: Path) -> None:
    """Structural checks on the small project, so a wrong gold cannot be blessed unseen."""
    assert check_site(small_site) == []
    corpus = version_rows(small_site, "corpus")
    assert list(corpus) == ["v1", "v0"]
    assert [r[5].text for r in corpus.values()] == ["quiet-lake-3", "calm-river-1"]
    classifier = version_rows(small_site, "classifier")
    assert {v: r[1].text for v, r in classifier.items()} == {"v1": "latest", "v0": "best"}
    usage = section(read(small_site, naming.node_path("artifact:corpus:v0")), "usage")
    assert re.search(r"<h3>Logged again by</h3>.*>still-dawn-4</a>", usage, re.S)
    external = read(small_site, naming.node_path("artifact:pretrained-embeddings:v3"))
    assert parse(external).body.get("data-artifact") == "pretrained-embeddings:v3"
    assert "external input" in external
    used = section(read(small_site, naming.node_path("run:tr2")), "artifacts")
    assert ">corpus:v1</a>" in used and ">pretrained-embeddings:v3</a>" in used


def test_goldtest_scrubs_only_volatile_parts() -> None:
    """Asset hashes and the version are replaced; page names' hashes are kept."""
    text = (
        '<link href="../assets/style.61cfa2d6c7.css">'
        '<script src="assets/vis-network.1f20f0736f.min.js"></script>'
        '<meta content="lineage-report 0.1.0"> <a href="runs/up1-0123456789ab.html">'
    )
    assert goldtest.scrub(text) == (
        '<link href="../assets/style.HASH.css">'
        '<script src="assets/vis-network.HASH.min.js"></script>'
        '<meta content="lineage-report VERSION"> <a href="runs/up1-0123456789ab.html">'
    )


# ---------------------------------------------------------------- determinism


def tree(site: Path) -> dict[str, bytes]:
    """Return every file of a folder with its bytes."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def cli_build(project: Path, output: Path, hash_seed: str) -> Path:
    """Build a project in a fresh interpreter with the given hash seed; return the output."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
    env.pop("SOURCE_DATE_EPOCH", None)
    proc = subprocess.run(
        [sys.executable, "-m", "lineage_report", "build", str(project), "-o", str(output), "-q"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return output


def assert_same_tree(a: Path, b: Path) -> None:
    """Assert that two folders hold the same files with the same bytes."""
    first, second = tree(a), tree(b)
    assert sorted(first) == sorted(second)
    differing = sorted(name for name in first if first[name] != second[name])
    assert differing == [], f"files differ between two builds: {differing[:10]}"


def test_two_builds_of_the_small_project_are_byte_identical(tmp_path: Path) -> None:
    """Same input, different hash seeds and output folders: the same bytes in every file."""
    one = cli_build(SMALL, tmp_path / "one" / "site", "1")
    two = cli_build(SMALL, tmp_path / "two" / "elsewhere", "2")
    assert_same_tree(one, two)


def test_a_second_sample_build_is_byte_identical(sample_site: Path, tmp_path: Path) -> None:
    """The sample site rebuilt in another process and folder is identical, file for file."""
    assert_same_tree(sample_site, cli_build(SAMPLE, tmp_path / "again", "12345"))
