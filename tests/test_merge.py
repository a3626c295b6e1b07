"""Runs drawn inside their one output (issue 13 point 2) and "Produced by" links (point 11).

The page data marks a run that makes exactly one artifact, that artifact's only producer,
with `o` (2 when it came from dbt: its pages open merged); an artifact's entry links its
producer's page from the current page (`ph`), written as the index of the producer's entry
when the page has one. The dbt fixture is the jaffle_shop manifest in tests/data.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import networkx as nx
import pytest

from lineage_report import graphview, load, naming
from lineage_report.build import build
from lineage_report.config import load_config
from lineage_report.graphview import compact, page_graph
from lineage_report.graphview.facts import GraphFacts
from lineage_report.graphview.merge import merge_mark
from tests.browser.harness import add_artifact, add_run, sample_graph
from tests.factories import art, manifest, write_project

DATA = Path(__file__).resolve().parent / "data"
INVOCATION = "f5f9ec53-b715-491d-92b0-c7d376eab70b"  # the jaffle_shop manifest's
FCT_ORDERS = "artifact:jaffle_shop.fct_orders:v0"


def dbt_run(uid: str) -> str:
    """Return the node id of a dbt node's run in the jaffle_shop fixture."""
    return f"run:{uid}@{INVOCATION}"


@pytest.fixture(scope="module")
def jaffle(tmp_path_factory) -> nx.DiGraph:
    """Return the lineage graph of the jaffle_shop dbt manifest."""
    root = tmp_path_factory.mktemp("jaffle")
    shutil.copy(DATA / "dbt-jaffle-shop" / "manifest.json", root / "manifest.json")
    return load(root).graph


def href(node_id: str) -> str:
    """Return a page link for any node, as a build's would be."""
    return "../pages/" + node_id.replace(":", "-").replace("@", "-") + ".html"


def entries_by_id(view) -> dict[str, dict]:
    """Return the view's entries (expanded data) by node id."""
    return {e["id"]: e for e in view.data["nodes"]}


def test_a_dbt_models_run_is_marked_to_merge_by_default(jaffle):
    entries = entries_by_id(page_graph(jaffle, FCT_ORDERS, href=href))
    assert entries[dbt_run("model.jaffle_shop.fct_orders")]["o"] == 2
    assert entries[dbt_run("seed.jaffle_shop.raw_orders")]["o"] == 2
    # An exposure uses models and makes nothing: nothing to merge it into.
    assert "o" not in entries[dbt_run("exposure.jaffle_shop.crm_export")]
    assert not any("o" in e for e in entries.values() if e["k"] == "artifact")


def test_only_a_run_that_alone_makes_one_artifact_is_marked():
    g = sample_graph()
    g.add_edge("run:prep-2", "artifact:mnist-clean:v0")  # a second producer of clean v0
    facts = GraphFacts(g)
    assert merge_mark(facts, "run:upload-1") == 1  # one output, its only producer
    assert merge_mark(facts, "run:split-1") == 0  # three outputs
    assert merge_mark(facts, "run:prep-1") == 0  # its output has two producers
    assert merge_mark(facts, "run:prep-2") == 0  # two outputs now
    assert merge_mark(facts, "run:deploy-1") == 1
    assert merge_mark(facts, "artifact:mnist-raw:v0") == 0


def test_a_run_from_openlineages_dbt_integration_is_a_dbt_run():
    g = nx.DiGraph()
    run = add_run(g, "ol-1", "jaffle.model.orders")
    g.nodes[run]["tags"] = ["dbt", "job"]  # the reader's tags from the jobType facet
    add_artifact(g, "orders", 0, "dataset", producer=run)
    assert merge_mark(GraphFacts(g), run) == 2


def test_an_artifacts_entry_links_its_producers_page(jaffle):
    view = page_graph(jaffle, FCT_ORDERS, href=href)
    entry = entries_by_id(view)[FCT_ORDERS]
    producer = dbt_run("model.jaffle_shop.fct_orders")
    assert ["Produced by", "run fct_orders"] in entry["p"]
    assert entry["ph"] == href(producer)


def test_a_producer_on_the_page_is_written_as_its_entrys_index(jaffle):
    view = page_graph(jaffle, FCT_ORDERS, href=href)
    embedded = json.loads(str(view.data_json))
    index = {e["id"]: i for i, e in enumerate(view.data["nodes"])}
    coded = compact.entries_of(embedded["nodes"])[index[FCT_ORDERS]]
    assert coded["ph"] == index[dbt_run("model.jaffle_shop.fct_orders")]
    assert compact.decode_page(embedded) == view.data


def test_a_producer_off_the_page_keeps_its_link_as_text():
    g = sample_graph()
    view = page_graph(g, "artifact:mnist-train:v0", href=href, direction="down")
    assert "run:split-1" not in entries_by_id(view)  # downstream only: its producer is not here
    embedded = json.loads(str(view.data_json))
    index = {e["id"]: i for i, e in enumerate(view.data["nodes"])}
    coded = compact.entries_of(embedded["nodes"])[index["artifact:mnist-train:v0"]]
    assert coded["ph"] == href("run:split-1")
    assert compact.decode_page(embedded) == view.data


def test_no_link_without_an_href_or_a_producer():
    g = sample_graph()
    view = page_graph(g, "artifact:mnist-train:v0")
    assert not any("ph" in e for e in view.data["nodes"])
    entries = entries_by_id(page_graph(g, "artifact:mnist-cnn:v0", href=href))
    assert "ph" not in entries["artifact:imagenet-subset:latest"]  # external: no producer


def test_the_marks_and_links_cost_little(jaffle):
    """The dbt model page's data grows by well under a tenth (measured: about 2%)."""
    view = page_graph(jaffle, FCT_ORDERS, href=href)
    bare = dict(view.data, nodes=[_without(e, "o", "ph") for e in view.data["nodes"]])
    before = len(graphview.pagedata.escape_json(compact.encode(bare)))
    assert view.byte_size < before * 1.05


def _without(entry: dict, *keys: str) -> dict:
    """Return an entry without some keys."""
    return {k: v for k, v in entry.items() if k not in keys}


# --- a dbt model's two pages: the version's page keeps the lineage (issue 15) --------------


@pytest.fixture(scope="module")
def jaffle_site(tmp_path_factory) -> Path:
    """Return the built site of the jaffle_shop dbt manifest."""
    root = tmp_path_factory.mktemp("jaffle-site")
    shutil.copy(DATA / "dbt-jaffle-shop" / "manifest.json", root / "manifest.json")
    return build(load_config(root), root / "site").output


def page(site: Path, folder: str, name: str) -> str:
    """Return the text of the one page in `folder` whose file name holds `name`."""
    (found,) = (site / folder).glob(f"*{name}-*.html")
    return found.read_text(encoding="utf-8")


def lineage_section(html: str) -> str:
    """Return a page's Lineage section."""
    return html.split('<section id="lineage">', 1)[1].split("</section>\n<section", 1)[0]


def test_a_dbt_model_is_one_page_its_versions_with_its_run(jaffle_site):
    # A run, an artifact and a version said one thing: only the version's page is written.
    assert not list((jaffle_site / "runs").glob("*fct_orders*"))
    assert not list((jaffle_site / "artifacts").glob("*fct_orders*"))
    html = page(jaffle_site, "versions", "jaffle_shop-fct_orders-v0")
    run = html.split('<section id="run"><h2>Run</h2>', 1)[1].split("</section>", 1)[0]
    assert "<dt>Job type<dd>" in run and ">dbt model</a>" in run
    assert "<p><strong>Compiled code</strong></p>" in run  # the model's SQL, as dbt docs has
    assert "<dt>Artifact<dd>jaffle_shop.fct_orders<" in html  # no link to itself
    # Pages that name the run or the artifact link the model's page.
    version = next((jaffle_site / "versions").glob("*fct_orders-v0-*")).name
    upstream = page(jaffle_site, "versions", "jaffle_shop-stg_orders-v0")
    assert f'<a href="../versions/{version}">run fct_<wbr>orders</a>' in upstream
    search = (jaffle_site / naming.SEARCH_INDEX).read_text(encoding="utf-8")
    assert "fct_orders-v0-" in search and "runs/model-jaffle_shop-fct_orders" not in search


def test_the_models_version_page_draws_and_lists_the_pairs_lineage(jaffle_site):
    html = page(jaffle_site, "versions", "jaffle_shop-fct_orders-v0")
    section = lineage_section(html)
    assert 'id="lineage-graph-data"' in section
    upstream = section.split("<h3>Upstream</h3>", 1)[1].split("<h3>Downstream</h3>", 1)[0]
    # What its run read; no model's run has a row: its version's row stands for it (they
    # are one page), as the graph draws the two as one node, so a run is no step of the
    # depth: a parent model is one step up, its parents two, as dbt counts them (+2).
    assert '<tr><td>1<td><a href="../versions/jaffle_shop-stg_orders-v0-' in upstream
    assert '<tr><td>2<td><a href="../versions/jaffle_shop-raw_orders-v0-' in upstream
    assert '<tr><td>3<td><a href="../versions/jaffle_shop-raw_payments-v0-' in upstream
    assert '<tr class="run">' not in upstream
    downstream = section.split("<h3>Downstream</h3>", 1)[1]
    assert '<tr><td>1<td><a href="../versions/jaffle_shop-count_orders-v0-' in downstream
    assert '<tr><td>2<td><a href="../versions/jaffle_shop-orders_per_customer-v0-' in downstream
    assert "metric count_<wbr>orders" not in downstream  # the metric's design run
    assert ">exposure crm_<wbr>export</a>" in downstream  # it makes nothing: a run, listed
    stg = lineage_section(page(jaffle_site, "versions", "jaffle_shop-stg_orders-v0"))
    down = stg.split("<h3>Downstream</h3>", 1)[1]
    assert '<tr><td>1<td><a href="../versions/jaffle_shop-fct_orders-v0-' in down
    assert "run fct_<wbr>orders" not in down


def list_depths(html: str, heading: str) -> list[tuple[int, str]]:
    """Return (depth, text) of each row of a lineage list ("Upstream" or "Downstream")."""
    table = lineage_section(html).split(f"<h3>{heading}</h3>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*><td>(\d+)<td><a [^>]*>(.*?)</a>", table)
    return [(int(depth), text.replace("<wbr>", "")) for depth, text in rows]


def test_a_lists_depth_counts_a_dbt_models_run_as_no_step_and_other_runs_as_one(tmp_path):
    """A dbt seed and model, then a training run on the model's table: the model's run has
    no row (its version's page is its own), so it is no step; the training run has one."""
    root = write_project(
        tmp_path / "p",
        {
            "r.json": manifest("r", 0, logged=[art("raw")], job_type="dbt seed"),
            "a.json": manifest("a", 2, used=["raw:v0"], logged=[art("data")], job_type="dbt model"),
            "b.json": manifest("b", 4, used=["data:v0"], logged=[art("model", "model")]),
        },
    )
    site = build(load_config(root), tmp_path / "site").output
    assert list_depths(page(site, "versions", "model-v0"), "Upstream") == [
        (1, "b"),
        (2, "data:v0"),
        (3, "raw:v0"),
    ]
    assert list_depths(page(site, "versions", "raw-v0"), "Downstream") == [
        (1, "data:v0"),
        (2, "b"),
        (3, "model:v0"),
    ]


def test_a_run_that_makes_one_artifact_outside_dbt_keeps_its_lineage(tmp_path):
    """Only a dbt model is one thing to its users; a W&B run that logs one model is a run."""
    root = write_project(
        tmp_path / "p",
        {
            "a.json": manifest("a", logged=[art("data")]),
            "b.json": manifest("b", 2, used=["data:v0"], logged=[art("model", "model")]),
        },
    )
    site = build(load_config(root), tmp_path / "site").output
    html = page(site, "runs", "a")
    assert merge_mark(GraphFacts(load(root).graph), "run:a") == 1
    assert 'id="lineage-graph-data"' in html
    assert "<h3>Downstream</h3>" in html and "b</a>" in lineage_section(html)


@pytest.mark.parametrize(
    "run",
    [
        {"job_type": "dbt seed"},
        {"job_type": "dbt source", "design": True},
        {"job_type": "transform", "tags": ["dbt"]},  # OpenLineage's dbt integration's tag
    ],
)
def test_a_dbt_pair_is_one_page(tmp_path, run):
    root = write_project(tmp_path / "p", {"a.json": manifest("a", logged=[art("data")], **run)})
    site = build(load_config(root), tmp_path / "site").output
    assert not (site / naming.node_path("run:a")).exists()
    assert not (site / naming.artifact_path("data")).exists()
    assert '<section id="run"><h2>Run</h2>' in page(site, "versions", "data-v0")


def test_a_dbt_run_that_makes_two_versions_keeps_its_lineage(tmp_path):
    logged = [art("data"), art("more")]
    root = write_project(
        tmp_path / "p", {"a.json": manifest("a", logged=logged, job_type="dbt model")}
    )
    html = page(build(load_config(root), tmp_path / "site").output, "runs", "a")
    assert 'id="lineage-graph-data"' in html and "are one" not in html
    assert "<h3>Downstream</h3>" in lineage_section(html)
