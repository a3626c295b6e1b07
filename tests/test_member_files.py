"""A cluster's search finds every member (issue 13, point 5): member files.

A version used by 4,500 runs of one job type is drawn as one cluster that embeds at most
MEMBER_CAP members. Its entry names a member file, `members/<digest>.js`, that lists all
4,500 with links that work from the site's root; the producer's page (a fan of the same
runs) and the project graph name the same file; a rebuild keeps it while pages name it and
removes it once no page does.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lineage_report import graphview, naming
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.graphview.members import GLOBAL, USES, decode_uses, encode_uses
from lineage_report.graphview.previews import read_preview_files
from lineage_report.status import load_status
from tests.browser.harness import HOSTILE, hub_graph
from tests.factories import art, manifest, write_project
from tests.test_crew import in_fresh_process, small_chunks_worker_first

BIG = 4_500
HUB = "artifact:hub-data:v0"
MAKER = "run:make"
GRAPH_DATA = re.compile(
    r'<script type="application/json" id="lineage-graph-data">(.*?)</script>', re.S
)
FILE = re.compile(
    rf'^window\.{GLOBAL} = window\.{GLOBAL} \|\| {{}};\nwindow\.{GLOBAL}\["(\w+)"\] = (.*);\n$',
    re.S,
)


def big_manifests(consumers: int) -> dict:
    """Return a producer of `hub-data` and `consumers` train runs that use it."""
    runs = {"runs/make.json": manifest("make", 0, logged=[art("hub-data")], job_type="prep")}
    for i in range(consumers):
        runs[f"runs/c{i:05d}.json"] = manifest(
            f"c{i:05d}", 2 + i % 50, used=["hub-data:v0"], name=f"consumer-{i:05d}"
        )
    return runs


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    """Build the 4,500-consumer project's site once (its folder: the project's root)."""
    root = write_project(tmp_path_factory.mktemp("members") / "project", big_manifests(BIG))
    build(load_config(root), root / "site")
    return root


def page_data(site: Path, path: str) -> dict:
    """Return the expanded graph data a page embeds."""
    return graphview.read_page_file(site / path)


def big_cluster(data: dict) -> dict:
    """Return the page's cluster of the 4,500 train runs."""
    return next(e for e in data["nodes"] if e["k"] == "cluster" and e["n"] >= BIG - 1)


def read_member_file(path: Path) -> dict:
    """Return a member file's data (compact, as the browser reads it) and check its name."""
    match = FILE.match(path.read_text(encoding="utf-8"))
    assert match, path.read_text(encoding="utf-8")[:200]
    assert path.name == match.group(1) + ".js"  # named by its digest, as the page data says
    return json.loads(match.group(2))


def member_files(site: Path) -> list[str]:
    """Return the site's member files (its record of which page names which left out)."""
    folder = site / "members"
    return sorted(p.name for p in folder.glob("*.js")) if folder.exists() else []


def test_the_big_clusters_page_names_a_file_listing_every_member(big: Path) -> None:
    site = big / "site"
    page = naming.node_path(HUB)
    cluster = big_cluster(page_data(site, page))
    embedded = [e for e in page_data(site, page)["nodes"] if e.get("c") is not None]
    assert len(embedded) < BIG  # the page embeds a few; the file has the rest
    assert cluster["m"].startswith("../members/") and cluster["m"].endswith(".js")
    data = read_member_file(site / "versions" / cluster["m"])
    members = graphview.read_page_data(json.dumps({**data, "types": None}))["nodes"]
    ids = {e["id"] for e in members}
    assert len(members) == BIG and ids == {f"run:c{i:05d}" for i in range(BIG)}
    for e in members[:50] + members[-50:]:  # each link is the member's page, from the root
        assert e["h"] == naming.node_path(e["id"]) and (site / e["h"]).is_file()
        assert e["l"] == "consumer-" + e["id"][len("run:c") :]
        [up] = e["ni"]  # its input: the hub version, listed after the members
        assert data["r"][up - BIG] == HUB
    # Their previews are in the site's preview files, as every node's (graphview/previews.py).
    assert all("p" not in e for e in members)
    shown = read_preview_files(site)
    assert all({"State", "Started"} <= {row[0] for row in shown[e["id"]]} for e in members)


def test_pages_with_the_same_cluster_share_one_file(big: Path) -> None:
    site = big / "site"
    on_hub = big_cluster(page_data(site, naming.node_path(HUB)))["m"]
    on_maker = big_cluster(page_data(site, naming.node_path(MAKER)))["m"]  # a fan of the hub
    on_project = big_cluster(page_data(site, naming.GRAPH))["m"]
    name = on_hub.rpartition("/")[2]
    assert on_maker == on_hub and on_project == "members/" + name
    assert member_files(site) == [name]
    pages = load_status(site).pages
    uses = decode_uses((site / USES).read_bytes(), pages)
    assert uses[naming.GRAPH] == ("members/" + name,)
    assert uses[naming.node_path(MAKER)] == uses[naming.node_path(HUB)]


def test_a_small_cluster_names_no_file(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", big_manifests(30))
    site = build(load_config(root), root / "site").output
    data = page_data(site, naming.node_path(HUB))
    [small] = [e for e in data["nodes"] if e["k"] == "cluster"]
    assert small["n"] == 30 and "m" not in small
    assert member_files(site) == [] and not (site / USES).exists()


def test_a_rebuild_keeps_the_file_its_kept_pages_name_and_removes_it_once_none_does(
    tmp_path: Path,
) -> None:
    manifests = big_manifests(300)
    root = write_project(tmp_path / "project", manifests)
    site = build(load_config(root), root / "site").output
    [name] = member_files(site)
    # One more unrelated run: the hub's and the maker's pages are not rendered again.
    write_project(root, {"runs/other.json": manifest("other", 99, job_type="prep")})
    again = build(load_config(root), root / "site")
    assert again.incremental and naming.node_path(HUB) not in again.written
    assert member_files(site) == [name]
    # Remove the consumers: no cluster is left, and so no member file.
    for i in range(300):
        (root / f"runs/c{i:05d}.json").unlink()
    last = build(load_config(root), root / "site")
    assert last.incremental
    assert member_files(site) == [] and not (site / USES).exists()


def test_the_record_of_uses_reads_back_only_against_its_pages() -> None:
    pages = ["a.html", "b/c.html", "b/d.html", "e.html"]
    uses = {"a.html": ("members/x.js",), "b/c.html": ("members/x.js", "members/y.js")}
    uses["e.html"] = ("members/x.js",)
    assert decode_uses(encode_uses(uses, pages), pages) == uses
    assert decode_uses(encode_uses(uses, pages), [*pages, "f.html"]) is None
    assert decode_uses(b"not json", pages) is None


def test_forked_workers_send_the_member_files_one_process_writes(tmp_path: Path) -> None:
    in_fresh_process(same_member_files, tmp_path)


def same_member_files(tmp_path: Path) -> None:
    """The body of the test above: workers render most pages; the files are the same."""
    small_chunks_worker_first()
    root = write_project(tmp_path / "project", big_manifests(300))
    build(load_config(root), tmp_path / "two", jobs=2)
    build(load_config(root), tmp_path / "one", jobs=1)
    two, one = tmp_path / "two" / "members", tmp_path / "one" / "members"
    assert len(member_files(tmp_path / "two")) == 1
    assert {p.name: p.read_bytes() for p in two.iterdir()} == {
        p.name: p.read_bytes() for p in one.iterdir()
    }


def test_a_member_file_escapes_hostile_names_and_reads_back() -> None:
    g = hub_graph(250)
    g.nodes["run:c00000"]["label"] = HOSTILE
    view = graphview.page_graph(g, HUB, href=naming.PageUrls(naming.node_path(HUB)).node)
    [file] = view.members
    assert b"<" not in file.data and b"\xe2\x80\xa8" not in file.data
    match = FILE.match(file.data.decode("utf-8"))
    assert file.path == f"members/{match.group(1)}.js"
    data = json.loads(match.group(2))
    members = graphview.read_page_data(json.dumps({**data, "types": None}))["nodes"]
    assert HOSTILE in {e["l"] for e in members} and len(members) == 250
