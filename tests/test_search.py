"""The search index: its entries, their pages, escaping, determinism and size at scale."""

from __future__ import annotations

import json
import random

import networkx as nx

from lineage_report import naming, search
from lineage_report.search import search_index

HOSTILE = "</script><img src=x onerror=alert(1)>"


def decode(index: bytes) -> list[dict]:
    """Decode an index as search.js does: shared strings, front-coded titles and paths."""
    assert index.startswith(search.PREFIX) and index.endswith(search.SUFFIX)
    data = json.loads(index[len(search.PREFIX) : -len(search.SUFFIX)])
    assert data["v"] == 1

    def text(value):
        return data["s"][value] if isinstance(value, int) else value

    def keep(previous: str, units: int) -> str:
        return previous.encode("utf-16-le", "surrogatepass")[: 2 * units].decode("utf-16-le")

    entries, title, path = [], "", ""
    for kind, tkeep, tail, pkeep, ptail, *rest in data["e"]:
        title, path = keep(title, tkeep) + tail, keep(path, pkeep) + ptail
        rest = [text(v) for v in rest] + [""] * (5 - len(rest))
        group, alt, *fields = rest
        entries.append(
            {"kind": data["k"][kind], "title": title, "path": path, "group": group, "alt": alt}
            | {"fields": [f.split("\n") if f else [] for f in fields]}
        )
    return entries


def by_title(entries: list[dict], kind: str) -> dict[str, dict]:
    """Index one kind of entries by title."""
    return {e["title"]: e for e in entries if e["kind"] == kind}


# ---------------------------------------------------------------- content


def test_entries_of_the_sample_project(sample_build):
    entries = decode(search_index(sample_build.lineage.graph))
    graph = sample_build.lineage.graph
    kinds = [e["kind"] for e in entries]
    assert kinds == sorted(kinds, key=search.KINDS.index)  # types, jobs, artifacts, ...
    assert kinds.count("version") == sum(
        1 for _, d in graph.nodes(data=True) if d["kind"] == "artifact"
    )
    assert kinds.count("run") == sum(1 for _, d in graph.nodes(data=True) if d["kind"] == "run")

    artifact = by_title(entries, "artifact")["mnist-cnn"]
    assert (artifact["group"], artifact["path"]) == ("model", naming.artifact_path("mnist-cnn"))

    version = by_title(entries, "version")["mnist-cnn:v14"]
    metadata_keys, description, aliases = version["fields"]
    assert version["alt"] == "mnist-cnn" and version["group"] == "model"
    assert version["path"] == naming.node_path("artifact:mnist-cnn:v14")
    assert "val_accuracy" in metadata_keys and aliases == ["latest"]
    assert len(description) == 1 and 0 < len(description[0]) <= search.EXCERPT_CHARS

    node, data = next((n, d) for n, d in graph.nodes(data=True) if d["kind"] == "run")
    run = next(e for e in entries if e["path"] == naming.node_path(node))
    config_keys, tags = run["fields"][:2]
    assert run["title"] == data["label"] and run["group"] == data["job_type"]
    assert data["run_id"] in (run["alt"], run["title"])
    assert config_keys == sorted(map(str, data["config"]))[: search.KEY_LIMIT]
    assert tags == data["tags"][: search.KEY_LIMIT]

    types = by_title(entries, "type")
    assert types["model"]["path"] == naming.type_path("model")
    assert by_title(entries, "job type")["train"]["path"] == naming.job_type_path("train")


def test_every_path_is_a_page_of_the_built_site(sample_build, sample_site):
    entries = decode(search_index(sample_build.lineage.graph))
    missing = [e["path"] for e in entries if not (sample_site / e["path"]).is_file()]
    assert missing == []


def test_versions_follow_their_artifact_newest_first(sample_build):
    entries = decode(search_index(sample_build.lineage.graph))
    titles = [e["title"] for e in entries if e["kind"] == "version" and e["alt"] == "mnist-cnn"]
    assert titles == [f"mnist-cnn:v{n}" for n in range(14, -1, -1)]


def test_excerpt_is_plain_and_short():
    text = "# Title\n\nSome **bold** `code` and a [link](http://x). " + "word " * 200
    excerpt = search.excerpt(text)
    assert excerpt.startswith("Title Some bold code and a link.")
    assert len(excerpt) <= search.EXCERPT_CHARS and excerpt.endswith("…")
    assert search.excerpt(None) == search.excerpt(42) == ""


def test_fields_are_bounded():
    graph = nx.DiGraph()
    metadata = {f"key-{i:05d}" + "x" * 500: i for i in range(10_000)}
    add_version(graph, "big", 0, metadata=metadata, aliases=[f"a{i}" for i in range(100)])
    keys, _, aliases = decode(search_index(graph))[-1]["fields"]
    assert len(keys) == search.KEY_LIMIT and len(aliases) == search.KEY_LIMIT
    assert all(len(k) == search.VALUE_CHARS for k in keys)


# ---------------------------------------------------------------- hostile input


def hostile_graph() -> nx.DiGraph:
    """Return a graph whose every searchable text is hostile."""
    graph = nx.DiGraph()
    strange = [HOSTILE, "line\u2028sep\u2029para", "a & b", "😀 emoji", "lone \ud800 surrogate"]
    for i, name in enumerate(strange):
        add_version(
            graph,
            name,
            i,
            type_=name,
            description=name,
            metadata={name: 1},
            aliases=[name],
        )
        add_run(graph, f"{name}-{i}", name, config={name: 2}, tags=[name], name=name)
    return graph


def test_hostile_strings_cannot_end_the_script():
    index = search_index(hostile_graph())
    body = index[len(search.PREFIX) : -len(search.SUFFIX)]
    for raw in (b"<", b">", b"&", "\u2028".encode(), "\u2029".encode()):
        assert raw not in body
    assert b"\\u003c/script\\u003e" in body
    index.decode("utf-8")  # valid UTF-8: the lone surrogate became U+FFFD


def test_hostile_strings_survive_the_round_trip():
    graph = hostile_graph()
    entries = decode(search_index(graph))
    titles = {e["title"] for e in entries}
    assert {HOSTILE, "line\u2028sep\u2029para", "a & b", "😀 emoji"} <= titles
    assert "lone \ufffd surrogate" in titles
    version = by_title(entries, "version")[HOSTILE + ":v0"]
    assert version["fields"][0] == [HOSTILE] and version["fields"][2] == [HOSTILE]
    paths = {e["path"] for e in entries}
    for name in ("😀 emoji", "lone \ud800 surrogate"):  # paths come from the raw names
        assert {naming.artifact_path(name), naming.type_path(name)} <= paths
    assert {naming.node_path(node) for node in graph} <= paths


# ---------------------------------------------------------------- determinism


def test_same_graph_same_bytes_whatever_the_insertion_order():
    graph = synthetic_graph(runs=300, versions=1_000, seed=3)
    shuffled = nx.DiGraph()
    nodes = list(graph.nodes(data=True))
    random.Random(1).shuffle(nodes)
    shuffled.add_nodes_from(nodes)
    assert search_index(graph) == search_index(shuffled) == search_index(graph)


# ---------------------------------------------------------------- size at scale


def test_size_of_a_120k_node_project():
    graph = synthetic_graph(runs=20_000, versions=100_000)
    index = search_index(graph)
    per_node = len(index) / graph.number_of_nodes()
    print(f"search index: {len(index):,} bytes for 120,000 nodes, {per_node:.1f} bytes/node")
    assert per_node < 70
    paths = {e["path"] for e in decode(index)}
    assert len(paths) == graph.number_of_nodes() + 2_000 + 2 + len(JOBS) + 1  # names, types
    assert {naming.node_path(n) for n in random.Random(0).sample(list(graph), 100)} <= paths


# ---------------------------------------------------------------- graph builders


def add_version(graph, name, version, *, type_="dataset", **attrs):
    """Add an artifact-version node shaped like graph.py's."""
    node = f"artifact:{name}:v{version}"
    graph.add_node(
        node,
        kind="artifact",
        label=f"{name}:v{version}",
        group=type_,
        name=name,
        type=type_,
        version=version,
        aliases=attrs.get("aliases", []),
        description=attrs.get("description", ""),
        metadata=attrs.get("metadata", {}),
        external=False,
    )
    return node


def add_run(graph, run_id, job_type, *, name=None, config=None, tags=()):
    """Add a run node shaped like graph.py's."""
    node = f"run:{run_id}"
    label = name or run_id
    graph.add_node(
        node,
        kind="run",
        label=label,
        group=job_type,
        run_id=run_id,
        name=label,
        job_type=job_type,
        config=config or {},
        tags=list(tags),
    )
    return node


ADJECTIVES = ("bright", "calm", "dark", "eager", "fancy", "gentle", "happy", "icy", "jolly")
NOUNS = ("sun", "river", "forest", "mountain", "cloud", "meadow", "ocean", "star", "field")
DOMAINS = ("mnist", "reviews", "churn", "fraud", "speech", "ner", "retail", "weather")
ARCHS = ("resnet50", "vit-b16", "bert-base", "lstm", "xgboost", "unet", "t5-small")
JOBS = ("upload", "preprocess", "split", "evaluate", "deploy")
CONFIG = {"lr": 0.1, "batch_size": 32, "epochs": 10, "seed": 1, "optimizer": "adam"}


def synthetic_graph(runs: int = 20_000, versions: int = 100_000, seed: int = 0) -> nx.DiGraph:
    """Return sweeps as big projects have them: runs, and checkpoints of 50 versions each."""
    rng = random.Random(seed)
    graph = nx.DiGraph()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    for i in range(runs):
        run_id = "".join(rng.choices(alphabet, k=8))
        job = JOBS[i // 5 % len(JOBS)] if i % 5 == 0 else "train"
        name = f"{rng.choice(ADJECTIVES)}-{rng.choice(NOUNS)}-{i}"
        config = CONFIG if job == "train" else {"seed": 0}
        add_run(graph, run_id, job, name=name, config=config, tags=[job, "sweep"])
    for a in range(versions // 50):
        name = f"{DOMAINS[a % len(DOMAINS)]}-{ARCHS[a % len(ARCHS)]}-sweep{a}"
        for v in range(50):
            described = v % 10 == 0
            add_version(
                graph,
                name,
                v,
                type_="model" if a % 4 else "dataset",
                aliases=(["latest"] if v == 49 else []) + (["best"] if v == 17 else []),
                description=f"# {name}\n\nCheckpoint at epoch {v}. See [the report](http://x)."
                if described
                else "",
                metadata={"epoch": v, "val_loss": rng.random()},
            )
    return graph
