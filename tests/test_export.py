"""`export` and `query`: every format parsed back, focus narrowing, hostile labels, tables.

Most checks run the real command line (`python -m lineage_report ...`) on the sample project;
the rest call the module directly. DOT is read back by a small parser that follows the
Graphviz lexer's rules for quoted strings, so a label that broke out would change the count.
"""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import networkx as nx
import pytest

import lineage_report
from lineage_report import export
from lineage_report.cli import main
from lineage_report.errors import LineageReportError
from tests.conftest import SAMPLE
from tests.factories import art, manifest, write_project
from tests.test_cli import cli

HOSTILE_RUN = '"]; click n0 "javascript:alert(1)"'
HOSTILE_ART = "evil</script><script>alert(1)</script>\nclick n1 call x()\n%%{init: {}}%%\\"
HOSTILE_JOB = 'job"]\n  click n2 href "javascript:alert(2)"'

MERMAID_NODE = re.compile(r'^  (n\d+)(\(\["|\[")([A-Za-z0-9 _.,:/@+=#;-]|<br/>)*("\]\)|"\])$')
MERMAID_EDGE = re.compile(r"^  n(\d+) --> n(\d+)$")
MERMAID_STYLE = re.compile(
    r"^  (classDef (artifact|run|focus) [a-z0-9:#,-]+|class n\d+(,n\d+)* (artifact|run|focus))$"
)
DOT_TOKEN = re.compile(r'\s*(?:"((?:\\"|[^"])*)"|(->|[\[\]{};,=])|([A-Za-z0-9_.#-]+))', re.S)


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a project whose names try to break out of Mermaid and DOT labels."""
    root = tmp_path_factory.mktemp("hostile")
    first = manifest("r1", 0, logged=[art(HOSTILE_ART)], name=HOSTILE_RUN)
    second = manifest("r2\x1b[31m", 5, used=[f"{HOSTILE_ART}:v0"], job_type=HOSTILE_JOB)
    return write_project(root, {"runs/a.json": first, "runs/b.json": second})


def edges_of(graph: nx.DiGraph) -> set[tuple[str, str]]:
    """Return a graph's edges as a set of pairs."""
    return set(graph.edges())


# ---------------------------------------------------------------- readers for the outputs


def parse_dot(text: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str]]]:
    """Return the node statements (id -> attributes) and edge statements of a DOT digraph."""
    tokens = tokenize_dot(text)
    assert tokens[:3] == [("word", "digraph"), ("word", "lineage"), ("punct", "{")]
    assert tokens[-1] == ("punct", "}")
    statements, current = [], []
    for token in tokens[3:-1]:
        if token == ("punct", ";"):
            statements.append(current)
            current = []
        else:
            current.append(token)
    assert not current, "statement without a closing ';'"
    nodes, edges = {}, []
    for stmt in statements:
        if stmt[0][0] == "word" and stmt[0][1] in ("graph", "node", "edge"):
            continue
        assert stmt[0][0] == "string", stmt
        if len(stmt) == 3 and stmt[1] == ("punct", "->"):
            assert stmt[2][0] == "string", stmt
            edges.append((stmt[0][1], stmt[2][1]))
        else:
            nodes[stmt[0][1]] = dot_attrs(stmt[1:])
    return nodes, edges


def tokenize_dot(text: str) -> list[tuple[str, str]]:
    """Split DOT into (kind, value) tokens; strings are unescaped (\\" only, as Graphviz does)."""
    tokens, pos = [], 0
    while text[pos:].strip():
        match = DOT_TOKEN.match(text, pos)
        assert match, f"cannot read DOT at {text[pos : pos + 40]!r}"
        string, punct, word = match.groups()
        if string is not None:
            tokens.append(("string", string.replace('\\"', '"')))
        else:
            tokens.append(("punct", punct) if punct else ("word", word))
        pos = match.end()
    return tokens


def dot_attrs(tokens: list[tuple[str, str]]) -> dict[str, str]:
    """Return `[key=value, ...]` tokens as a dict."""
    assert tokens[0] == ("punct", "[") and tokens[-1] == ("punct", "]"), tokens
    inner = [t for t in tokens[1:-1] if t != ("punct", ",")]
    assert len(inner) % 3 == 0, inner
    attrs = {}
    for key, eq, value in zip(inner[::3], inner[1::3], inner[2::3], strict=True):
        assert eq == ("punct", "=") and value[0] == "string", (key, eq, value)
        attrs[key[1]] = value[1]
    return attrs


def dot_label(text: str) -> list[str]:
    """Return a DOT label's lines as Graphviz draws them (\\n breaks, entities decoded)."""
    return [html.unescape(part) for part in text.split("\\n")]


def mermaid_parts(text: str) -> tuple[list[str], list[tuple[int, int]], list[str]]:
    """Return a flowchart's node lines, edges and style lines; fail on any other line."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes, edges, styles = [], [], []
    for line in lines[1:]:
        if MERMAID_NODE.match(line):
            nodes.append(line)
        elif edge := MERMAID_EDGE.match(line):
            edges.append((int(edge[1]), int(edge[2])))
        elif MERMAID_STYLE.match(line):
            styles.append(line)
        else:
            raise AssertionError(f"unexpected Mermaid line {line!r}")
    return nodes, edges, styles


# ---------------------------------------------------------------- each format, read back


def test_graphml_reads_back_with_networkx(sample_lineage, tmp_path):
    out = tmp_path / "lineage.graphml"
    result = cli("export", SAMPLE, "--format", "graphml", "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    back = nx.read_graphml(out)
    assert back.is_directed()
    assert back.number_of_nodes() == sample_lineage.graph.number_of_nodes() == 64
    assert back.number_of_edges() == sample_lineage.graph.number_of_edges() == 86
    assert set(back) == set(sample_lineage.graph)
    assert edges_of(back) == edges_of(sample_lineage.graph)
    best = back.nodes["artifact:mnist-cnn:v6"]
    assert json.loads(best["aliases"]) == ["best"]
    assert json.loads(best["metadata"])["arch"] == "resnet18-ft"
    assert back.nodes["artifact:imagenet-resnet18:v0"]["digest"] == ""  # None


def test_json_reads_back_with_node_link_graph(sample_lineage):
    result = cli("export", SAMPLE, "--format", "json")
    assert result.returncode == 0, result.stderr
    back = nx.node_link_graph(json.loads(result.stdout), edges="edges")
    assert set(back) == set(sample_lineage.graph)
    assert edges_of(back) == edges_of(sample_lineage.graph)
    best = "artifact:mnist-cnn:v6"
    assert back.nodes[best] == sample_lineage.graph.nodes[best]  # every attribute, as is


def test_dot_statements_match_the_graph(sample_lineage):
    result = cli("export", SAMPLE, "--format", "dot")
    assert result.returncode == 0, result.stderr
    nodes, edges = parse_dot(result.stdout)
    assert set(nodes) == set(sample_lineage.graph)
    assert sorted(edges) == sorted(sample_lineage.graph.edges()) and len(edges) == 86
    assert "  graph [rankdir=LR];" in result.stdout.splitlines()
    run, model = nodes["run:s472we7t"], nodes["artifact:mnist-cnn:v6"]
    assert dot_label(run["label"]) == ["train", "dainty-forest-19"]
    assert run["style"] == "rounded,filled" and run["fillcolor"] == "#dcfce7"
    assert dot_label(model["label"]) == ["model", "mnist-cnn:v6"]
    assert model["shape"] == "box" and model["fillcolor"] == "#dbeafe"
    assert "dashed" in nodes["artifact:imagenet-resnet18:v0"]["style"]


def test_mermaid_has_one_line_per_node_and_edge(sample_lineage):
    result = cli("export", SAMPLE)  # mermaid is the default
    assert result.returncode == 0, result.stderr
    nodes, edges, styles = mermaid_parts(result.stdout)
    ids = sorted(sample_lineage.graph)
    assert len(nodes) == len(ids) == 64
    assert [line.split("[")[0].split("(")[0].strip() for line in nodes] == [
        f"n{i}" for i in range(len(ids))
    ]
    number = {node: i for i, node in enumerate(ids)}  # n-ids follow the sorted node ids
    assert sorted(edges) == sorted((number[u], number[v]) for u, v in sample_lineage.graph.edges())
    best = number["artifact:mnist-cnn:v6"]
    assert f'  n{best}["model<br/>mnist-cnn:v6"]' in nodes
    assert f'  n{number["run:s472we7t"]}(["train<br/>dainty-forest-19"])' in nodes
    assert "  classDef artifact fill:#dbeafe,stroke:#2563eb,color:#0f172a" in styles
    assert "  classDef run fill:#dcfce7,stroke:#16a34a,color:#0f172a" in styles


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_output_is_deterministic_and_o_matches_stdout(sample_lineage, fmt, tmp_path, capsys):
    first = export.export(sample_lineage, fmt)
    assert export.export(lineage_report.load(SAMPLE), fmt) == first
    path = tmp_path / f"out.{fmt}"
    args = ["export", str(SAMPLE), "--format", fmt]
    assert main([*args, "-o", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == first
    assert main(args) == 0
    assert capsys.readouterr().out == first


# ---------------------------------------------------------------- focus and depth


def test_focus_depth_one_is_the_node_and_its_neighbours(sample_lineage):
    graph = export.select(sample_lineage, "mnist-cnn:best", depth=1)
    runs = {sample_lineage.graph.nodes[n]["name"] for n in graph if n.startswith("run:")}
    assert set(graph) - {n for n in graph if n.startswith("run:")} == {"artifact:mnist-cnn:v6"}
    assert runs == {"dainty-forest-19", "jolly-cloud-30", "morning-voice-33"}
    assert graph.graph == {"focus": "artifact:mnist-cnn:v6", "depth": 1, "direction": "both"}


def test_focus_direction_and_depth_narrow_the_walk(sample_lineage):
    best = "artifact:mnist-cnn:v6"
    up2 = export.select(sample_lineage, best, depth=2, direction="up")
    expected = {n.id for n in sample_lineage.upstream(best, 2)} | {best}
    assert set(up2) == expected
    assert "artifact:mnist-train:v1" in up2 and "run:s472we7t" in up2
    up_all = export.select(sample_lineage, best, direction="up")
    assert "artifact:mnist-raw:v1" in up_all and len(up_all) > len(up2)
    down = export.select(sample_lineage, best, direction="down")
    assert set(down) == {n.id for n in sample_lineage.downstream(best)} | {best}
    assert export.select(sample_lineage, best, depth=0).number_of_nodes() == 1
    assert set(export.select(sample_lineage, best)) == set(up_all) | set(down)


def test_focus_through_the_cli_reads_back(sample_lineage):
    result = cli("export", SAMPLE, "--format", "json", "--focus", "mnist-cnn:best", "--depth", "2")
    assert result.returncode == 0, result.stderr
    back = nx.node_link_graph(json.loads(result.stdout), edges="edges")
    wanted = export.select(sample_lineage, "mnist-cnn:best", depth=2)
    assert set(back) == set(wanted) and edges_of(back) == edges_of(wanted)
    assert back.graph["focus"] == "artifact:mnist-cnn:v6"
    text = export.export(sample_lineage, "mermaid", "mnist-cnn:best", 1)
    nodes, edges, styles = mermaid_parts(text)
    assert len(nodes) == 4 and len(edges) == 3
    assert "  class n0 focus" in styles  # artifact:mnist-cnn:v6 sorts first


def test_depth_without_focus_is_a_user_error():
    result = cli("export", SAMPLE, "--depth", "1")
    assert (result.returncode, result.stderr) == (
        1,
        "error: --depth and --direction need --focus\n",
    )
    assert cli("export", SAMPLE, "--focus", "x", "--depth", "-1").returncode == 2


# ---------------------------------------------------------------- hostile labels


def test_hostile_labels_stay_inert_in_mermaid(hostile_project):
    result = cli("export", hostile_project, "--format", "mermaid")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    nodes, edges, _ = mermaid_parts(text)  # fails on any line a label could have made
    assert len(nodes) == 3 and len(edges) == 2
    for line in nodes:
        assert line.count('"') == 2, line
        assert line.replace("<br/>", "").count("<") == 0, line
    assert "</script>" not in text and "%%" not in text and "\x1b" not in text
    assert "#34;#93;#59; click n0 #34;javascript:alert#40;1#41;#34;" in text


def test_hostile_labels_stay_inert_in_dot(hostile_project):
    result = cli("export", hostile_project, "--format", "dot")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    nodes, edges = parse_dot(text)
    assert len(nodes) == 3 and len(edges) == 2
    assert len(text.splitlines()) == 4 + 3 + 2 + 1  # one line per statement, nothing more
    assert "</script>" not in text and "<" not in text and "\x1b" not in text
    assert re.search(r'\\(?!["n])', text) is None  # no backslash but \" and our \n
    labels = {dot_label(a["label"])[1] for a in nodes.values()}
    art_label = " ".join(HOSTILE_ART.split("\n")) + ":v0"
    assert labels == {HOSTILE_RUN, art_label, "r2 [31m"}
    assert set(next(iter(nodes.values()))) == {"label", "shape", "style", "fillcolor", "color"}


def test_hostile_labels_survive_graphml_and_json(hostile_project):
    lineage = lineage_report.load(hostile_project)
    back = nx.read_graphml(io.BytesIO(export.export(lineage, "graphml").encode("utf-8")))
    assert back.number_of_nodes() == 3 and back.number_of_edges() == 2
    assert "run:r2\ufffd[31m" in back  # ESC cannot be held by XML 1.0
    data = json.loads(export.export(lineage, "json"))
    assert nx.node_link_graph(data, edges="edges").nodes["run:r1"]["name"] == HOSTILE_RUN


def test_dot_escape_never_leaves_a_backslash_before_the_closing_quote():
    for text in ["a\\", 'a\\"', '"', "\\\\", "x&#92;y", "\u2028", "\ud800"]:
        quoted = export._dot_quote(text)
        assert tokenize_dot(quoted) == [("string", quoted[1:-1].replace('\\"', '"'))]
        assert "\\" not in quoted[1:-1].replace('\\"', "")
    assert html.unescape(export._dot_escape('a\\b"&<>')).replace('\\"', '"') == 'a\\b"&<>'


# ---------------------------------------------------------------- query


def query_rows(stdout: str) -> list[list[str]]:
    """Return the rows of a query table (after its heading and column names) split on spaces."""
    lines = stdout.splitlines()
    assert lines[1] == "" and lines[2].split() == ["depth", "kind", "name", "type", "id"]
    return [line.split() for line in lines[3:]]


def test_query_upstream_of_the_best_model():
    result = cli("query", "upstream", "mnist-cnn:best", SAMPLE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Upstream of mnist-cnn:v6 (artifact:mnist-cnn:v6): 9 nodes\n")
    rows = query_rows(result.stdout)
    assert rows[0] == ["1", "run", "dainty-forest-19", "train", "run:s472we7t"]
    depth2 = {row[2]: row[3] for row in rows if row[0] == "2"}
    assert depth2 == {
        "imagenet-resnet18:v0": "external",
        "mnist-train:v1": "dataset",
        "mnist-val:v1": "dataset",
    }
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)


def test_query_downstream_of_the_raw_dataset_lists_the_preprocessing_runs():
    result = cli("query", "downstream", "mnist-raw:v0", SAMPLE, "--depth", "1")
    assert result.returncode == 0, result.stderr
    rows = query_rows(result.stdout)
    preprocess = {row[2] for row in rows if row[3] == "preprocess"}
    assert preprocess == {"twilight-night-3", "silent-eon-4", "dry-frog-9"}
    assert {row[0] for row in rows} == {"1"} and {row[1] for row in rows} == {"run"}
    latest = cli("query", "downstream", "mnist-raw", SAMPLE, "--depth", "1")
    assert {row[2] for row in query_rows(latest.stdout) if row[3] == "preprocess"} == {
        "polar-firefly-12"
    }


def test_query_json_and_run_names(sample_lineage):
    result = cli("query", "downstream", "dainty-forest-19", SAMPLE, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["node"] == "run:s472we7t" and data["direction"] == "downstream"
    first = data["results"][0]
    assert first == {
        "depth": 1,
        "group": "model",
        "id": "artifact:mnist-cnn:v6",
        "kind": "artifact",
        "label": "mnist-cnn:v6",
    }
    ids = [r["id"] for r in data["results"]]
    assert ids == [n.id for n in sample_lineage.downstream("run:s472we7t")]


def test_query_with_nothing_to_show():
    result = cli("query", "upstream", "zesty-leaf-1", SAMPLE)  # a run name works too
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Upstream of zesty-leaf-1 (run:6147448o): nothing\n"


@pytest.mark.parametrize(
    "args",
    [
        ("query", "upstream", "x:v9", SAMPLE),
        ("export", SAMPLE, "--focus", "x:v9"),
    ],
)
def test_unknown_node_is_an_exact_error(args):
    result = cli(*args)
    assert result.returncode == 1
    assert result.stderr == "error: no artifact version 'x:v9'\n"
    assert result.stdout == ""


def test_node_id_of_rejects_an_ambiguous_run_name(tmp_path):
    root = write_project(
        tmp_path,
        {"a.json": manifest("a1", 0, name="twin"), "b.json": manifest("b1", 5, name="twin")},
    )
    with pytest.raises(LineageReportError, match="run name 'twin' is ambiguous: run:a1, run:b1"):
        export.node_id_of(lineage_report.load(root), "twin")
