"""Graph views: layout, clusters, page size, escaping, Mermaid and pyvis export."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict

import jinja2
import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage_report import graphview, naming
from lineage_report.graphview import (
    mermaid,
    page_graph,
    project_graph,
    style,
    to_pyvis,
    type_overview,
)
from lineage_report.graphview.compact import columns, entries_of, page_of
from lineage_report.graphview.previews import SHARDS
from tests.browser import harness
from tests.browser.harness import HOSTILE, add_artifact, add_run, hub_graph, sample_graph

TRAIN = "artifact:mnist-train:v0"


def drawn(view):
    """Return the entries drawn when the page opens (clusters, not their members), each
    placed as the browser places it (pagedata.placed)."""
    return [e for e in graphview.pagedata.placed(view.data)["nodes"] if "c" not in e]


def drawn_pairs(view):
    """Return the drawn edges as (from id, to id)."""
    entries = view.data["nodes"]
    pairs = graphview.pagedata.drawn_pairs(entries, view.data["edges"])
    return [(entries[a]["id"], entries[b]["id"]) for a, b in pairs]


def expanded_size(view) -> int:
    """Return the bytes of the view's data written in full (before the compact encoding)."""
    return len(graphview.escape_json(view.data).encode("utf-8"))


def fan_out(width: int) -> nx.DiGraph:
    """Return a dataset used by `width` training runs."""
    g = nx.DiGraph()
    data = add_artifact(g, "data", 0, "dataset")
    for i in range(width):
        add_run(g, f"r{i}", "train", used=[data])
    return g


# ---------------------------------------------------------------- layout


def test_layout_is_deterministic_whatever_the_insertion_order():
    g = sample_graph()
    shuffled = nx.DiGraph()
    shuffled.add_nodes_from(sorted(g.nodes(data=True), reverse=True))
    shuffled.add_edges_from(sorted(g.edges(), reverse=True))
    for focus in (TRAIN, "run:sweep-03", "artifact:mnist-raw:v0"):
        assert page_graph(g, focus).data_json == page_graph(shuffled, focus).data_json
    assert project_graph(g).data_json == project_graph(shuffled).data_json


def test_edges_go_left_to_right_and_rows_do_not_overlap():
    for view in (page_graph(sample_graph(), TRAIN), project_graph(sample_graph())):
        x = {e["id"]: e["x"] for e in drawn(view)}
        assert all(x[u] < x[v] for u, v in drawn_pairs(view))
        columns = defaultdict(list)
        for e in drawn(view):
            columns[e["x"]].append(e["y"])
        for ys in columns.values():
            ys.sort()
            assert all(b - a >= graphview.Y_GAP - 1 for a, b in zip(ys, ys[1:], strict=False))


def test_inputs_sit_next_to_their_consumer():
    view = page_graph(sample_graph(), "artifact:mnist-cnn:v6")
    x = {e["id"]: e["x"] for e in drawn(view)}
    assert x["artifact:imagenet-subset:latest"] == x[TRAIN] == x["run:sweep-06"] - graphview.X_GAP


def test_a_chain_is_drawn_level():
    view = page_graph(sample_graph(), TRAIN)
    focus_x = next(e["x"] for e in drawn(view) if e["id"] == TRAIN)
    assert len({e["y"] for e in drawn(view) if e["x"] <= focus_x}) == 1


def test_cycles_do_not_stop_the_layout():
    g = nx.DiGraph()
    a = add_artifact(g, "a", 0, "dataset")
    r = add_run(g, "r", "train", used=[a])
    b = add_artifact(g, "b", 0, "dataset", producer=r)
    add_run(g, "r2", "train", used=[b])
    g.add_edge("run:r2", a)  # a cycle, reported as a problem by graph.py, still drawn
    view = page_graph(g, a)
    assert {e["id"] for e in drawn(view)} == set(g.nodes)


# ---------------------------------------------------------------- clusters


@pytest.mark.parametrize(("width", "clusters"), [(5, 0), (6, 1)])
def test_cluster_threshold(width, clusters):
    view = page_graph(fan_out(width), "artifact:data:v0")
    assert view.cluster_count == clusters
    assert len(drawn(view)) == 1 + (1 if clusters else width)
    if clusters:
        (cluster,) = [e for e in view.data["nodes"] if e["k"] == "cluster"]
        assert cluster["l"] == "6 runs · train" and cluster["n"] == 6
        members = [e["id"] for e in view.data["nodes"] if "c" in e]
        assert sorted(members) == [f"run:r{i}" for i in range(6)]


def test_threshold_is_a_parameter():
    assert page_graph(fan_out(6), "artifact:data:v0", threshold=6).cluster_count == 0


def test_focus_is_never_clustered():
    g = fan_out(8)
    view = page_graph(g, "run:r3")
    assert view.data["focus"] == "run:r3"
    assert [e["id"] for e in view.data["nodes"] if e.get("f")] == ["run:r3"]


def test_sweep_level_and_its_models_are_clusters():
    view = page_graph(sample_graph(), TRAIN)
    labels = sorted(e["l"] for e in view.data["nodes"] if e["k"] == "cluster")
    assert labels == ["8 runs · train", "8 versions · model"]
    assert ("artifact:mnist-train:v0", "cluster:6:run:0") in drawn_pairs(view)


def dbt_like_model() -> tuple[nx.DiGraph, str, list[str], list[str]]:
    """Return a model version with four parent models: two made from a source, two at the
    end of a longer chain whose seven middle models share a layer with the first two
    (as in a dbt project); the version, its parents and those seven."""
    g = nx.DiGraph()
    src = add_artifact(g, "src", 0, "model")
    others, parents = [], []
    for i in range(7):
        run = add_run(g, f"mid-{i}", "model", used=[src])
        others.append(add_artifact(g, f"mid-{i}", 0, "model", producer=run))
    for i in range(2):
        run = add_run(g, f"short-{i}", "model", used=[src])
        parents.append(add_artifact(g, f"short-{i}", 0, "model", producer=run))
        run = add_run(g, f"deep-{i}", "model", used=others)
        parents.append(add_artifact(g, f"deep-{i}", 0, "model", producer=run))
    run = add_run(g, "mart", "model", used=parents)
    return g, add_artifact(g, "mart", 0, "model", producer=run), parents, others


def test_a_models_parents_are_drawn_and_never_share_a_cluster_with_others():
    g, mart, parents, others = dbt_like_model()
    view = page_graph(g, mart)
    drawn = {e["id"] for e in view.data["nodes"] if "c" not in e}
    assert set(parents) <= drawn  # was: two of them inside "9 versions · model"
    (cluster,) = [e for e in view.data["nodes"] if e["k"] == "cluster" and e["ck"] == "artifact"]
    assert cluster["l"] == "7 versions · model"
    index = view.data["nodes"].index(cluster)
    assert {e["id"] for e in view.data["nodes"] if e.get("c") == index} == set(others)


def test_a_run_page_draws_its_inputs_of_distinct_artifacts():
    g, mart, parents, _ = dbt_like_model()
    view = page_graph(g, "run:mart")
    drawn = {e["id"] for e in view.data["nodes"] if "c" not in e}
    assert set(parents) | {mart} <= drawn


def all_pairs(entries, flat):
    """Return every embedded edge as (from id, to id), members included."""
    return {
        (entries[a]["id"], entries[b]["id"]) for a, b in zip(flat[::2], flat[1::2], strict=True)
    }


def test_a_member_keeps_its_own_edges():
    view = page_graph(sample_graph(), TRAIN)
    pairs = all_pairs(view.data["nodes"], view.data["edges"])
    assert (TRAIN, "run:sweep-06") in pairs
    assert ("run:sweep-06", "artifact:mnist-cnn:v6") in pairs
    assert ("artifact:mnist-cnn:v6", "run:deploy-1") in pairs


def test_crowded_layer_of_many_small_types_folds_into_one_cluster():
    g = nx.DiGraph()
    data = add_artifact(g, "data", 0, "dataset")
    for i in range(300):
        add_run(g, f"r{i}", f"job-{i:03d}", used=[data])
    view = page_graph(g, "artifact:data:v0")
    assert len(drawn(view)) <= graphview.MAX_LAYER + 1
    assert any(e["l"].endswith("job types") for e in drawn(view))


# ---------------------------------------------------------------- page size


def test_hub_page_stays_small_and_does_not_grow_with_consumers():
    small = page_graph(hub_graph(1_000), "artifact:hub-data:v0", href=harness.sample_href)
    big = page_graph(hub_graph(10_000), "artifact:hub-data:v0", href=harness.sample_href)
    assert len(small.data["nodes"]) == len(big.data["nodes"]) == 3 + graphview.MEMBER_CAP
    assert len(drawn(big)) == 3
    # Only the counts differ ("1,000" and "10,000" twice): the page does not grow with them.
    assert abs(expanded_size(big) - expanded_size(small)) <= 8
    # Embedded compactly, the members' repeated texts are written once: no bigger either.
    assert big.byte_size <= small.byte_size + 8
    assert big.byte_size < 100_000


def test_hub_with_outputs_stays_under_the_page_budget():
    view = page_graph(hub_graph(10_000, outputs=True), "artifact:hub-data:v0")
    assert view.byte_size < 200_000
    assert "1 step downstream" in view.note


def test_same_neighbourhood_same_bytes_in_a_ten_times_larger_project():
    small = sample_graph()
    big = sample_graph()
    for i in range(10):  # unrelated pipelines elsewhere in the project
        run = add_run(big, f"other-{i}", "train")
        for v in range(5):
            add_artifact(big, f"other-{i}", v, "model", producer=run)
    for focus in (TRAIN, "run:sweep-03"):
        assert page_graph(small, focus).data_json == page_graph(big, focus).data_json


def test_members_embedded_in_a_page_stay_within_budget():
    g = nx.DiGraph()
    data = add_artifact(g, "data", 0, "dataset")
    for t in range(30):
        for i in range(300):
            add_run(g, f"r{t}-{i}", f"type-{t}", used=[data])
    view = page_graph(g, "artifact:data:v0")
    members = [e for e in view.data["nodes"] if "c" in e]
    assert len(members) <= graphview.MEMBER_BUDGET
    assert view.byte_size < 400_000


def test_walk_stops_after_the_step_that_passes_the_limit():
    g = hub_graph(50, outputs=True)
    view = page_graph(g, "run:make-hub", limit=20)
    assert view.total_count == 1 + 1 + 50  # the run, the hub, its consumers; not their models
    assert view.note.startswith("Lineage shown for 2 steps downstream")


def wide_run(width: int) -> nx.DiGraph:
    """Return a run that used `width` datasets and logged `width` models."""
    g = nx.DiGraph()
    inputs = [add_artifact(g, f"in-{i:05d}", 0, "dataset") for i in range(width)]
    run = add_run(g, "wide", "score", used=inputs, name="wide-scoring")
    for i in range(width):
        add_artifact(g, f"out-{i:05d}", 0, "model", producer=run)
    return g


def test_a_wide_runs_neighbours_pages_do_not_grow_with_it():
    focus = "artifact:in-00001:v0"
    small, big = (
        page_graph(wide_run(width), focus, href=harness.sample_href) for width in (500, 5_000)
    )
    assert len(small.data["nodes"]) == len(big.data["nodes"]) == 3 + graphview.FAN_MEMBERS
    assert [e["id"] for e in drawn(big)] == [focus, "run:wide", "cluster:down:0:run:wide"]
    # Only the counts differ ("500" and "5,000" in the label, the note, the totals).
    assert abs(big.byte_size - small.byte_size) <= 16
    (fan,) = [e for e in big.data["nodes"] if e["k"] == "cluster"]
    assert (fan["l"], fan["n"], fan["u"]) == ("5,000 versions · model", 5_000, "wide-scoring")
    assert fan["h"] == harness.sample_href("run:wide")
    members = [e["id"] for e in big.data["nodes"] if "c" in e]
    assert members == [f"artifact:out-{i:05d}:v0" for i in range(graphview.FAN_MEMBERS)]
    assert big.total_count == 2 + 5_000
    assert big.note == (
        "Beyond the 5,000 outputs of wide-scoring, the walk stops: they are drawn as clusters "
        "listing at most 10 members each, and the page of that node lists them all."
    )
    assert ("run:wide", "cluster:down:0:run:wide") in drawn_pairs(big)
    pairs = all_pairs(big.data["nodes"], big.data["edges"])
    assert ("run:wide", "artifact:out-00000:v0") in pairs  # a pulled-out member keeps its edge


def test_a_wide_runs_own_page_still_walks_all_of_it():
    view = page_graph(wide_run(500), "run:wide")
    assert view.total_count == 1_001 and view.note == ""
    clusters = [e for e in view.data["nodes"] if e["k"] == "cluster"]
    assert sorted(c["l"] for c in clusters) == ["500 versions · dataset", "500 versions · model"]
    assert not [c for c in clusters if "u" in c]


def test_a_node_with_up_to_fan_limit_neighbours_is_walked_as_before():
    width = graphview.FAN_LIMIT
    view = page_graph(wide_run(width), "artifact:in-00001:v0")
    assert view.total_count == 2 + width and "Beyond" not in view.note
    assert not [e for e in view.data["nodes"] if "u" in e]


def test_a_fan_leaves_out_what_the_page_draws_on_its_own():
    g = nx.DiGraph()
    inputs = [add_artifact(g, f"in-{i:03d}", 0, "dataset") for i in range(300)]
    wide = add_run(g, "wide", "score", used=inputs)
    out = add_artifact(g, "out", 0, "model", producer=wide)
    check = add_run(g, "check", "eval", used=[out, inputs[0]])
    focus = add_artifact(g, "report", 0, "report", producer=check)
    view = page_graph(g, focus)
    entries = view.data["nodes"]
    (fan,) = [e for e in entries if e["k"] == "cluster"]
    assert (fan["l"], fan["n"]) == ("299 versions · dataset", 299)
    members = [e["id"] for e in entries if "c" in e]
    assert members == inputs[1 : 1 + graphview.FAN_MEMBERS]
    assert [e["id"] for e in entries].count(inputs[0]) == 1
    assert view.total_count == 5 + 299
    assert view.note.startswith("Beyond the 300 inputs of wide, the walk stops")


def test_a_hubs_many_types_fold_into_one_fan():
    g = nx.DiGraph()
    data = add_artifact(g, "data", 0, "dataset")
    run = add_run(g, "wide", "score", used=[data])
    for i in range(300):
        add_artifact(g, f"o{i:03d}", 0, f"type-{i % 12:02d}", producer=run)
    view = page_graph(g, data)
    labels = sorted(e["l"] for e in view.data["nodes"] if e["k"] == "cluster")
    assert labels == ["100 versions · 4 types"] + [f"25 versions · type-{t:02d}" for t in range(8)]
    counts = {e["id"]: e["n"] for e in view.data["types"]["nodes"]}
    assert counts["type:artifact:type-11"] == 25 and counts["type:run:score"] == 1


def test_project_too_big_to_draw_shows_the_type_overview():
    view = project_graph(sample_graph(), limit=3)
    assert view.data["nodes"] == [] and view.data["types"]["nodes"]
    assert "type overview" in view.note


def test_a_view_over_the_byte_budget_drops_members_and_previews(monkeypatch):
    assert page_graph(sample_graph(), TRAIN).byte_size > 4_000  # in full
    monkeypatch.setattr(graphview.pages, "MAX_BYTES", 4_000)  # where views read it
    view = page_graph(sample_graph(), TRAIN)
    assert view.byte_size <= 4_000 and view.note == graphview.LEAN_NOTE
    assert not [e for e in view.data["nodes"] if "c" in e]
    assert [e["id"] for e in view.data["nodes"] if "p" in e] == [TRAIN]
    assert view.cluster_count == 2


def test_no_view_exceeds_the_byte_budget_even_with_huge_ids():
    g = nx.DiGraph()
    previous = None
    for i in range(300):
        run = add_run(g, f"{i:03d}" + "r" * 3000, "train", used=[previous] if previous else [])
        previous = add_artifact(g, f"{i:03d}" + "a" * 3000, 0, "dataset", producer=run)
    # The page walks as far as `lineage_limit = 1000` lets it: 50 nodes of 3 KB ids fit.
    for view in (project_graph(g), page_graph(g, previous, limit=1_000)):
        assert view.byte_size <= graphview.MAX_BYTES
        assert view.data["nodes"] == [] and "type overview" in view.note
        assert len(view.data["types"]["nodes"]) == 2


# ---------------------------------------------------------------- compact page data (issue 15)


def every_kind_of_view():
    """Return views of every kind: pages, a hub, hostile names, the project, the types."""
    g = sample_graph()
    hub = hub_graph(1_000, outputs=True)
    return [
        page_graph(g, TRAIN, href=harness.sample_href),
        page_graph(g, "run:sweep-03", href=harness.sample_href),
        page_graph(hub, "artifact:hub-data:v0", href=harness.sample_href),
        hostile_view(),
        project_graph(g, href=harness.sample_href),
        project_graph(g, limit=3),
        type_overview(g),
    ]


def test_the_embedded_data_reads_back_as_the_view_data():
    for view in every_kind_of_view():
        assert graphview.read_page_data(str(view.data_json)) == view.data, view.title


def test_a_pages_head_leaves_out_what_goes_without_saying():
    """A node's page writes no default mode, depth, note or row, nor the focus and title its
    focused entry says; a project page keeps what differs; both read back whole."""
    page = page_graph(sample_graph(), TRAIN, href=harness.sample_href)
    embedded = json.loads(str(page.data_json))
    assert not {"mode", "depth", "note", "row", "focus", "title"} & set(embedded)
    assert page.data["title"] == f"Lineage of {TRAIN.partition(':')[2]}"
    assert graphview.read_page_data(str(page.data_json)) == page.data
    deep = page_graph(sample_graph(), TRAIN, depth=1, title="Nearby", href=harness.sample_href)
    embedded = json.loads(str(deep.data_json))
    assert (embedded["depth"], embedded["title"]) == (1, "Nearby")
    project = project_graph(sample_graph(), href=harness.sample_href)
    embedded = json.loads(str(project.data_json))
    assert (embedded["mode"], embedded["title"]) == ("project", project.data["title"])
    assert "focus" not in embedded and project.data["focus"] is None
    assert graphview.read_page_data(str(project.data_json)) == project.data


def test_a_page_leaves_its_filters_types_to_its_type_overview():
    """`groups` is written only where the type overview does not say the same types in the
    browser's sort order (by UTF-16 code unit); either way it reads back whole."""
    page = page_graph(sample_graph(), TRAIN, href=harness.sample_href)
    assert "groups" not in json.loads(str(page.data_json))
    assert page.data["groups"]["artifact"] and page.data["groups"]["run"]
    assert graphview.read_page_data(str(page.data_json)) == page.data

    # U+FF5E sorts after U+1F600 by code point but before it by UTF-16 code unit (a surrogate
    # pair starts with 0xD83D): the browser would sort these two the other way round.
    g = nx.DiGraph()
    add_run(g, "r", "make")
    for name, kind in (("a", "\U0001f600"), ("b", "\uff5e")):
        add_artifact(g, name, 0, kind, producer="run:r")
    odd = page_graph(g, "run:r", href=harness.sample_href)
    assert odd.data["groups"]["artifact"] == ["\uff5e", "\U0001f600"]  # code point order
    assert "groups" in json.loads(str(odd.data_json))
    assert graphview.read_page_data(str(odd.data_json)) == odd.data


def site_style_views():
    """Return views whose links are a site's (naming), odd names and hostile ones included."""
    href, type_href = harness.site_href, harness.site_type_href
    odd = harness.odd_names_graph()
    return [
        page_graph(sample_graph(), TRAIN, href=href, type_href=type_href),
        page_graph(odd, "run:train_set", href=href, type_href=type_href),
        page_graph(
            harness.hostile_graph(), f"artifact:{HOSTILE}:v0", href=href, type_href=type_href
        ),
        project_graph(odd, href=href, type_href=type_href),
    ]


def test_links_to_site_pages_read_back_whole():
    for view in site_style_views():
        assert graphview.read_page_data(str(view.data_json)) == view.data, view.title


def test_a_site_page_names_its_types_in_the_site_type_table():
    g = sample_graph()
    links = {"href": harness.site_href, "type_href": harness.site_type_href}
    view = page_graph(g, TRAIN, **links, type_table=True)
    table = view.type_table[0]
    assert view.type_table[1] == "../" and '"tn":' in view.data_json
    assert graphview.read_page_data(str(view.data_json), table) == view.data
    # The same types, written in full on a page without the table: every byte is the table's.
    full = page_graph(g, TRAIN, **links)
    assert full.type_table is None and full.data == view.data
    assert view.byte_size < full.byte_size - 300
    # The table is the site's file: one entry per type, read back as written.
    assert graphview.TypeTable.from_script(table.script().decode()) == table
    assert len(table.entries) == len({(e["ck"], e["g"]) for e in table.entries})
    with pytest.raises(ValueError, match="needs its site's type table"):
        graphview.read_page_data(str(view.data_json))


def test_types_the_table_cannot_say_are_written_in_full():
    # A link that is not the table's (another part of a split site, say): the page says it.
    other = lambda t: "../../part-b/" + naming.type_node_path(t)  # noqa: E731
    links = {"href": harness.site_href, "type_href": other}
    view = page_graph(sample_graph(), TRAIN, **links, type_table=True)
    assert view.type_table is None and '"tn":' not in view.data_json
    assert graphview.read_page_data(str(view.data_json)) == view.data


def test_a_pages_entries_are_written_in_columns_each_key_once():
    # A key most entries have is one list (null where an entry has none); any other, and
    # one whose values include null, is index-value pairs; both read back as the entries.
    entries = [{"g": 1, "x": 0, "l": "a"}, {"g": 2, "x": None}, {"g": 3, "f": 1}]
    written = columns(entries)
    assert written == {
        "n": 3,
        "each": {"g": [1, 2, 3]},
        "some": {"f": [2, 1], "l": [0, "a"], "x": [0, 0, 1, None]},
    }
    assert entries_of(written) == entries
    # A site's page (previews in their files) writes in columns only the keys that are the
    # page's own (fragments.py): layers, which stop at the first cluster member, the focus,
    # a member's cluster. 263 bytes as rows, 192 here.
    links = {"href": harness.site_href, "type_href": harness.site_type_href}
    view = page_graph(sample_graph(), TRAIN, **links, preview_shards=SHARDS)
    page = json.loads(str(view.data_json))
    size = lambda data: len(json.dumps(data, separators=(",", ":")))  # noqa: E731
    assert size(page["nodes"]) < 0.9 * size(entries_of(page["nodes"]))


_VALUES = st.one_of(
    st.none(), st.integers(-3, 3), st.text(max_size=3), st.lists(st.integers(0, 2), max_size=2)
)
_ENTRIES = st.lists(st.dictionaries(st.sampled_from("fghlpx"), _VALUES, max_size=4), max_size=8)


@settings(max_examples=300, deadline=None)
@given(_ENTRIES)
def test_any_entries_written_in_columns_read_back_and_each_key_goes_where_it_should(entries):
    # `columns` makes its lists in one pass over the entries; whatever they hold, they read
    # back as given, and a key is a column exactly when half the entries or more have it,
    # none of them null.
    written = columns(entries)
    assert entries_of(written) == entries
    for key in {k for e in entries for k in e}:
        held = [e[key] for e in entries if key in e]
        column = 2 * len(held) >= len(entries) and None not in held
        assert (key in written["each"], key in written["some"]) == (column, not column), key
    for key, values in written["each"].items():  # a column stops at the last entry with it
        assert values[-1] is not None and len(values) <= written["n"], key
    assert list(written["each"]) == sorted(written["each"])
    assert list(written["some"]) == sorted(written["some"])


def test_a_site_page_link_is_written_as_its_folder_when_its_key_says_the_rest():
    view = page_graph(harness.odd_names_graph(), "run:train_set", href=harness.site_href)
    text = str(view.data_json)
    links = {e["id"]: e["h"] for e in view.data["nodes"]}
    assert (
        links["artifact:train_set:v0"]
        == "../versions/train_set-v0-" + links["artifact:train_set:v0"][-17:-5] + ".html"
    )
    for node, link in links.items():
        page = link.rpartition("/")[2]
        digest = page[-17:-5]
        # An ASCII key says its page's name and digest (the browser hashes it): neither is
        # written; other keys' pages are written whole.
        ascii_key = node.split(":", 1)[1].isascii()
        assert (digest in text) == (not ascii_key), node
        assert (page in text) == (not ascii_key), node
    # Ids leave out their kind: "run:train_set" is written as its run id.
    written = entries_of(json.loads(text)["nodes"])
    assert {"ri": "train_set"}.items() <= next(e for e in written if e.get("f")).items()
    assert "run:" not in json.dumps([e.get("id") for e in written])


def test_the_end_of_run_ids_after_their_last_at_is_written_once():
    """dbt's run ids end in their invocation, "@<uuid>": a page holds it once, and each run's
    `ri` is its start and the end's number (data versions 6 and 8, issue 15)."""
    g = nx.DiGraph()
    invocation = "@f5f9ec53-b715-491d-92b0-c7d376eab70b"
    made = add_artifact(g, "raw", 0, "seed")
    for i in range(4):
        # The end is from the last "@": split at the first, no two ids would share theirs.
        run = add_run(g, f"model.shop.m{i}@{i}{invocation}", "dbt model", used=[made])
        add_artifact(g, f"m{i}", 0, "model", producer=run)
    add_run(g, "once@only-here", "dbt test", used=[made])  # an end used once stays whole
    add_run(g, "a@b@c", "dbt test", used=[made])
    for i in range(4):  # a short end costs more apart than it saves: ids stay whole
        add_run(g, f"t{i}@p", "dbt test", used=[made])
    starts = [f"model.shop.m{i}@{i}" for i in range(4)]
    whole_ids = {"once@only-here", "a@b@c", *(f"t{i}@p" for i in range(4))}
    # As on a built site, whose preview files hold the ids that preview rows show: the
    # entries are fragments (fragments.py), the ends the graph's runs share are numbered
    # and the page holds those its fragments name (`re`).
    view = page_graph(g, made, href=harness.site_href, preview_shards=SHARDS)
    text = str(view.data_json)
    assert text.count(invocation) == 1
    written = json.loads(text)
    assert written["re"] == {"0": invocation}
    coded = [e["ri"] for e in written["fr"] if isinstance(e.get("ri"), list)]
    assert sorted(start for start, _ in coded) == starts and {n for _, n in coded} == {0}
    assert {e["ri"] for e in written["fr"] if isinstance(e.get("ri"), str)} == whole_ids
    assert graphview.read_page_data(text) == view.data
    # A view that keeps its previews inline (whose rows show the ids whole) writes its
    # entries with the page's string table.
    view = page_graph(g, made, href=harness.site_href)
    text = str(view.data_json)
    written = json.loads(text)
    table = written["s"]
    ids = entries_of(written["nodes"])
    coded = [e["ri"] for e in ids if isinstance(e.get("ri"), list)]
    assert sorted(start for start, _ in coded) == starts
    assert {table[end] for _, end in coded} == {invocation}
    assert {e["ri"] for e in ids if isinstance(e.get("ri"), str)} == whole_ids
    assert "@p" not in table
    assert graphview.read_page_data(text) == view.data


def test_a_link_the_key_does_not_say_keeps_its_digest():
    # A page with the key's name but another digest: the page is not written, the digest is.
    def href(node_id):
        key = node_id.split(":", 1)[1]
        return "../versions/" + page_of(key, hashlib.sha256(b"x" + key.encode()).hexdigest()[:12])

    view = page_graph(sample_graph(), TRAIN, href=href)
    text = str(view.data_json)
    linked = [e for e in view.data["nodes"] if "h" in e]
    assert len(linked) > 10
    for e in linked:
        assert e["h"][-17:-5] in text and e["h"].rpartition("/")[2] not in text, e["id"]
    assert graphview.read_page_data(text) == view.data


def test_preview_row_labels_are_written_once_per_page():
    view = page_graph(sample_graph(), TRAIN, href=harness.sample_href)
    text = str(view.data_json)
    assert sum(1 for e in view.data["nodes"] if e["k"] == "run") > 10
    for label in ("Job type", "State", "Started", "Duration", "Type", "Version", "Created"):
        assert text.count(f'"{label}"') == 1, label


def test_the_embedded_data_is_well_under_the_full_data():
    view = page_graph(sample_graph(), TRAIN, href=harness.sample_href)
    assert view.byte_size < expanded_size(view) * 0.65


# ---------------------------------------------------------------- previews and links


def test_preview_rows_are_plain_text():
    view = page_graph(sample_graph(), "artifact:mnist-cnn:v6")
    entry = next(e for e in view.data["nodes"] if e["id"] == "artifact:mnist-cnn:v6")
    rows = dict(entry["p"])
    assert rows["Type"] == "model" and rows["Version"] == "v6"
    assert rows["Aliases"] == "best, production"
    assert rows["Size"] == "123.5 KB" and rows["Produced by"] == "lively-sweep-6"
    assert rows["Description"] == "The mnist-cnn model, see docs."
    # Times, sizes, counts and digests read as the node's page writes them (formats.py).
    assert rows["Created"] == "2026-11-20 10:26:00 UTC" and rows["Files"] == "3"
    assert re.fullmatch("sha256:[0-9a-f]{12}", rows["Digest"])
    run = dict(next(e for e in view.data["nodes"] if e["id"] == "run:sweep-06")["p"])
    assert run == {
        "Job type": "train",
        "State": "finished",
        "Started": "2026-11-20 10:16:00 UTC",
        "Duration": "10m 6s",
        "ID": "sweep-06",
        "Project": "mnist",
    }


def test_links_with_a_scheme_are_dropped():
    links = {TRAIN: "javascript:alert(1)", "run:sweep-03": "//evil.example/x"}
    view = page_graph(sample_graph(), TRAIN, href=lambda n: links.get(n, "page.html"))
    hrefs = {e["id"]: e.get("h") for e in view.data["nodes"]}
    assert hrefs[TRAIN] is None and hrefs["run:sweep-03"] is None
    assert hrefs["run:split-1"] == "page.html"


def test_type_overview_has_one_node_per_type():
    view = type_overview(sample_graph())
    counts = {e["id"]: e["n"] for e in view.data["nodes"]}
    assert counts["type:run:train"] == 8 and counts["type:artifact:model"] == 8
    pairs = all_pairs(view.data["nodes"], view.data["edges"])
    assert ("type:run:train", "type:artifact:model") in pairs


# ---------------------------------------------------------------- escaping


def hostile_view():
    """Return the page of an artifact whose every string is a script payload."""
    g = harness.hostile_graph()
    g.nodes[f"artifact:{HOSTILE}:v0"]["description"] = "a\u2028b\u2029c & <b>\ud800"
    return page_graph(g, f"artifact:{HOSTILE}:v0", href=lambda n: "x.html")


def test_data_json_cannot_close_the_script_element():
    view = hostile_view()
    text = str(view.data_json)
    assert "</script" not in text.lower() and "<!--" not in text
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert graphview.read_page_data(text)["focus"] == f"artifact:{HOSTILE}:v0"
    text.encode("utf-8")  # lone surrogates are escaped, so the page can be written


def test_partial_renders_hostile_data_as_data():
    env = harness.environment()
    html = env.get_template("partials/graph.html").render(
        graph=hostile_view(), assets={k: f"assets/{k}" for k in harness.ASSETS}
    )
    # The data, then lineage-graph.js (vis-network and graph-style.js ship inside it).
    assert html.count("<script") == 2 and html.count("</script>") == 2
    assert '<script src="assets/lineage-graph.js"></script>' in html
    assert "<script>window.__pwned" not in html


def test_partial_needs_its_variables():
    env = harness.environment()
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("partials/graph.html").render(graph=hostile_view(), assets={})


MERMAID_NODE = re.compile(r'^  n\d+(\[\["|\(\["|\[")[A-Za-z0-9 _.,:/@+=#;<>-]*("\]\]|"\]\)|"\])$')


def test_mermaid_escapes_every_label():
    g = nx.DiGraph()
    weird = 'a"b]c[d<e>f#g\nh|i`j{k}\u00e9\U0001f600'
    a = add_artifact(g, weird, 0, weird)
    add_run(g, weird, "train", used=[a], name=weird)
    text = mermaid(page_graph(g, a))
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    node_lines = [line for line in lines if re.match(r"^  n\d+[\[(]", line)]
    assert len(node_lines) == 2
    for line in node_lines:
        assert MERMAID_NODE.match(line), line
        assert line.replace("<br/>", "").count("<") == 0
    assert "#128512;" in text and "#34;" in text
    assert "  n0 --> n1" in lines


def test_mermaid_of_the_sample_page():
    text = mermaid(page_graph(sample_graph(), TRAIN))
    assert '  n6[["8 runs #183; train"]]' in text
    assert '  n5["dataset<br/>mnist-train:v0"]' in text
    assert "  class n5 focus" in text


# ---------------------------------------------------------------- pyvis


def test_to_pyvis_draws_the_same_view_without_physics():
    g = sample_graph()
    net = to_pyvis(g, focus=TRAIN)
    view = page_graph(g, TRAIN)
    assert len(net.nodes) == view.node_count == 16
    assert len(net.edges) == len(drawn_pairs(view))
    assert all("x" in n and n["physics"] is False for n in net.nodes)
    assert net.options.physics.enabled is False
    assert len(to_pyvis(g).nodes) == project_graph(g).node_count


def test_to_pyvis_labels_cannot_close_a_script():
    net = to_pyvis(harness.hostile_graph())
    assert all("</" not in n["label"] for n in net.nodes)


# ---------------------------------------------------------------- one style


def test_style_script_assigns_the_palette_python_draws_with():
    text = style.style_script()
    prefix, suffix = "window.LineageGraphStyle = ", ";\n"
    assert text.startswith(prefix) and text.endswith(suffix)
    data = json.loads(text[len(prefix) : -len(suffix)])
    assert list(data) == sorted(data) and data == style.style_data()
    assert data["palette"] == style.PALETTE and data["focusBorder"] == style.FOCUS_BORDER
    assert set(data["palette"]) == {"artifact", "run", "external"}
    assert all(
        re.fullmatch(r"#[0-9a-f]{6}", c) for p in data["palette"].values() for c in p.values()
    )
    assert data["mermaid"]["classDefs"] == list(style.MERMAID_CLASS_DEFS)


def test_python_exporters_draw_with_the_style():
    g = sample_graph()
    text = mermaid(page_graph(g, TRAIN))
    assert all(f"  {line}\n" in text for line in style.MERMAID_CLASS_DEFS)
    nodes = {n["id"]: n for n in to_pyvis(g, focus=TRAIN).nodes}
    assert nodes[TRAIN]["color"]["border"] == style.FOCUS_BORDER
    run = next(n for n in nodes.values() if n["id"].startswith("run:"))
    assert run["color"] == style.PALETTE["run"]


def test_a_graph_facts_object_gives_the_same_views_as_the_graph():
    for g in (sample_graph(), hub_graph(graphview.FAN_LIMIT + 5, outputs=True)):
        facts = graphview.GraphFacts(g)  # one for every view, as a build keeps it
        for focus in sorted(g.nodes)[:30]:
            assert page_graph(facts, focus).data_json == page_graph(g, focus).data_json
        assert project_graph(facts).data_json == project_graph(g).data_json
        assert graphview.type_layout(facts) == graphview.type_layout(g)


# ---------------------------------------------------------------- issue 12: parents, design, checks


def entry_of(view, node):
    """Return the entry of a node in a view's data."""
    return next(e for e in view.data["nodes"] if e["id"] == node)


def dag(children: int, parent_in_graph: bool = True) -> nx.DiGraph:
    """Return a DAG run's `children` task runs, each of its own job type, reading one table."""
    g = nx.DiGraph()
    data = add_artifact(g, "source", 0, "table")
    if parent_in_graph:
        add_run(g, "dag", "dag", name="etl_orders")
    for i in range(children):
        task = add_run(g, f"task{i}", f"etl_orders.t{i}", used=[data])
        g.nodes[task]["parent"] = {"id": "dag", "name": "etl_orders", "job_type": "dag"}
    return g


def test_child_runs_form_one_cluster_under_their_parent():
    view = project_graph(dag(8), href=lambda n: n.replace(":", "-") + ".html")
    cluster = next(e for e in drawn(view) if e["k"] == "cluster")
    assert (cluster["l"], cluster["n"], cluster["g"]) == (
        "8 runs · children of etl_orders",
        8,
        "children of etl_orders",
    )
    assert (cluster["u"], cluster["h"]) == ("etl_orders", "run-dag.html")
    members = [e["id"] for e in view.data["nodes"] if "c" in e]
    assert sorted(members) == [f"run:task{i}" for i in range(8)]


def test_few_child_runs_are_drawn_on_their_own():
    view = project_graph(dag(5))
    assert not [e for e in view.data["nodes"] if e["k"] == "cluster"]


def test_children_of_a_parent_outside_the_project_are_named_from_the_facet():
    view = project_graph(dag(8, parent_in_graph=False))
    cluster = next(e for e in drawn(view) if e["k"] == "cluster")
    assert cluster["l"] == "8 runs · children of etl_orders"
    assert "u" not in cluster and "h" not in cluster


def test_a_run_that_did_not_finish_carries_its_state():
    g = nx.DiGraph()
    table = add_artifact(g, "orders", 0, "table")
    runs = {}
    for state in ("finished", "failed", "crashed", "skipped", "running"):
        runs[state] = add_run(g, state, "report", used=[table])
        g.nodes[runs[state]]["state"] = state
    design = add_run(g, "design", "report", used=[table])
    g.nodes[design].update(design=True, state="failed")
    view = project_graph(g)
    states = {state: entry_of(view, run).get("r") for state, run in runs.items()}
    assert states == {
        "finished": None,
        "failed": "failed",
        "crashed": "crashed",
        "skipped": "skipped",
        "running": "running",
    }
    assert "r" not in entry_of(view, design)  # a job definition has no execution


def test_design_run_and_failing_checks_are_flagged():
    g = nx.DiGraph()
    table = add_artifact(g, "orders", 0, "table")
    g.nodes[table]["failed_checks"] = 3
    design = add_run(g, "design", "report", used=[table])
    g.nodes[design]["design"] = True
    plain_run = add_run(g, "observed", "report", used=[table])
    view = project_graph(g)
    assert entry_of(view, design)["d"] == 1 and "d" not in entry_of(view, plain_run)
    assert entry_of(view, table)["q"] == 3
    assert ["Failing checks", "3"] in entry_of(view, table)["p"]
    assert style.style_data()["failing"] == style.FAILING


def test_nodes_without_checks_or_design_have_no_flags():
    view = project_graph(sample_graph())
    assert not [e for e in view.data["nodes"] if "q" in e or "d" in e]


def test_design_edges_are_dotted_in_mermaid_and_dashed_in_pyvis():
    g = nx.DiGraph()
    table = add_artifact(g, "orders", 0, "table")
    design = add_run(g, "design", "report", used=[table])
    g.nodes[design]["design"] = True
    add_run(g, "observed", "report", used=[table])
    view = project_graph(g)
    arrows = re.findall(r"^  n\d+ (\S+) n\d+$", mermaid(view), re.M)
    assert sorted(arrows) == ["-->", "-.->"]
    dashed = {(e["from"], e["to"]) for e in to_pyvis(g).edges if e.get("dashes")}
    assert dashed == {(table, design)}
