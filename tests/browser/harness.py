"""Graph pages for the browser tests: a harness site, and helpers that drive any graph page.

The harness builds lineage graphs shaped like the contract's (node attributes as graph.py
sets them) for what the sample project cannot show (a hub with 10,000 consumers, hostile
names), renders `themes/default/partials/graph.html` into bare pages with a minimal jinja2
environment (autoescape and StrictUndefined, as the site's), and writes the graph's assets next
to them as the site's asset step makes them (lineage-graph.js bundled from vis-network of the
installed pyvis package, the generated graph-style.js and its parts; style.css with the
graph's styles, linked in <head> as base.html does). The helpers at the end
(`open_graph`, `lv`, `cluster_of`, `node_spot`, `open_cluster`) work on these pages and on the
real site's alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jinja2
import networkx as nx
import pytest

from lineage_report import graphview, naming, render

ROOT = Path(__file__).resolve().parents[2]
THEME = ROOT / "themes" / "default"
GRAPH_ASSETS = ("style.css", "lineage-graph.js")
ASSETS = {a.name: a.content for a in render.collect_assets([THEME]) if a.name in GRAPH_ASSETS}
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ graph.title }}</title>
<link rel="stylesheet" href="{{ assets['style.css'] }}"></head>
<body><h1>{{ graph.title }}</h1>
{% include "partials/graph.html" %}
</body></html>
"""
HOSTILE = "</script><script>window.__pwned = 1</script><!--"


def add_artifact(g, name, version, type_, *, producer=None, aliases=(), created=None, **extra):
    """Add an artifact version node (and its producer's edge); return its id."""
    node = f"artifact:{name}:v{version}" if version is not None else f"artifact:{name}:latest"
    label = f"{name}:v{version}" if version is not None else f"{name}:latest"
    g.add_node(
        node,
        kind="artifact",
        label=label,
        group=type_,
        source="",
        name=name,
        type=type_,
        version=version,
        aliases=list(aliases),
        digest="sha256:" + format(abs(hash(node)) % 16**16, "016x") * 4,
        created_at=created,
        size=extra.pop("size", 123_456),
        file_count=extra.pop("file_count", 3),
        description=extra.pop("description", f"The **{name}** {type_}, see [docs](http://x)."),
        metadata={},
        external=extra.pop("external", False),
        producer=producer,
    )
    if producer:
        g.add_edge(producer, node)
    return node


def add_run(g, run_id, job_type, *, used=(), name=None, started=None, duration=120.0):
    """Add a run node with edges from the artifacts it used; return its id."""
    node = f"run:{run_id}"
    g.add_node(
        node,
        kind="run",
        label=name or run_id,
        group=job_type,
        source=f"runs/{run_id}.json",
        run_id=run_id,
        name=name or run_id,
        job_type=job_type,
        project="mnist",
        state="finished",
        started_at=started,
        finished_at=None,
        duration_s=duration,
        config={},
        summary={},
        tags=[],
        notes="",
    )
    for artifact in used:
        g.add_edge(artifact, node)
    return node


def sample_graph() -> nx.DiGraph:
    """Return a pipeline like the sample project: upload, preprocess, split, sweep, eval."""
    g = nx.DiGraph()
    t = "2026-11-20T10:{:02d}:00Z".format
    up = add_run(g, "upload-1", "upload", name="upload-raw", started=t(0))
    raw = add_artifact(g, "mnist-raw", 0, "raw_data", producer=up, created=t(1))
    imagenet = add_artifact(g, "imagenet-subset", None, "dataset", external=True)
    pre = add_run(g, "prep-1", "preprocess", used=[raw], name="clean-pass", started=t(2))
    clean0 = add_artifact(g, "mnist-clean", 0, "dataset", producer=pre, created=t(3))
    pre2 = add_run(g, "prep-2", "preprocess", used=[raw], name="clean-pass-2", started=t(4))
    clean = add_artifact(g, "mnist-clean", 1, "dataset", producer=pre2, created=t(5))
    g.nodes[clean0]["aliases"] = []
    split = add_run(g, "split-1", "split", used=[clean], name="split-80-10-10", started=t(6))
    parts = {}
    for i, part in enumerate(("train", "val", "test")):
        parts[part] = add_artifact(
            g, f"mnist-{part}", 0, "dataset", producer=split, created=t(7 + i)
        )
    models = []
    for i in range(8):
        run = add_run(
            g,
            f"sweep-{i:02d}",
            "train",
            used=[parts["train"], parts["val"], imagenet],
            name=f"lively-sweep-{i}",
            started=t(10 + i),
            duration=600.0 + i,
        )
        aliases = ["latest"] if i == 7 else ["best"] if i == 6 else []
        models.append(
            add_artifact(
                g, "mnist-cnn", i, "model", producer=run, aliases=aliases, created=t(20 + i)
            )
        )
    for i, model in enumerate(models[5:]):
        ev = add_run(g, f"eval-{i}", "evaluate", used=[model, parts["test"]], started=t(30 + i))
        add_artifact(g, "eval-report", i, "report", producer=ev, created=t(35 + i))
    deploy = add_run(g, "deploy-1", "deploy", used=[models[6]], name="ship-it", started=t(40))
    g.nodes[models[6]]["aliases"].append("production")
    add_artifact(g, "serving-bundle", 0, "bundle", producer=deploy, created=t(41))
    return g


def hub_graph(consumers: int, *, outputs: bool = False) -> nx.DiGraph:
    """Return a hub dataset used by `consumers` runs (each logging a model when `outputs`)."""
    g = nx.DiGraph()
    up = add_run(g, "make-hub", "preprocess", started="2026-01-01T00:00:00Z")
    hub = add_artifact(g, "hub-data", 0, "dataset", producer=up, created="2026-01-01T01:00:00Z")
    for i in range(consumers):
        stamp = f"2026-02-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"
        run = add_run(g, f"c{i:05d}", "train", used=[hub], name=f"consumer-{i:05d}", started=stamp)
        if outputs:
            add_artifact(g, f"m{i:05d}", 0, "model", producer=run, created=stamp)
    return g


def hostile_graph() -> nx.DiGraph:
    """Return a small graph whose names and types try to break out of the page."""
    g = nx.DiGraph()
    run = add_run(g, HOSTILE, HOSTILE, name=HOSTILE)
    add_artifact(g, HOSTILE, 0, HOSTILE, producer=run, description=HOSTILE, aliases=[HOSTILE])
    add_run(g, "ok-1", "train", used=[f"artifact:{HOSTILE}:v0"], name="\u202eevil\u2028name")
    return g


# Names whose pages the site names three ways (naming.page_stem): readable ASCII, too long
# for the slug, and not ASCII at all (the compact data writes only the first two's digests).
ODD_NAMES = ("train_set", "x" * 60 + "--tail", "Größe-ﬁlter", "ß", "--", "İstanbul")


def odd_names_graph() -> nx.DiGraph:
    """Return a chain through artifacts and runs named as ODD_NAMES says."""
    g = nx.DiGraph()
    used: list[str] = []
    for i, name in enumerate(ODD_NAMES):
        run = add_run(g, name, name, used=used, name=name)
        add_artifact(g, name, i, name, producer=run)
        used = [f"artifact:{name}:v{i}"]
    return g


def site_href(node_id: str) -> str:
    """Return a node's link as a site's version or run page writes it (naming.node_path)."""
    return "../" + naming.node_path(node_id)


def site_type_href(type_id: str) -> str:
    """Return a type's link as a site's page writes it (naming.type_node_path)."""
    return "../" + naming.type_node_path(type_id)


def environment() -> jinja2.Environment:
    """Return a jinja2 environment like the site's: theme loader, autoescape, StrictUndefined."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(THEME)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def write_site(out: Path, pages: dict[str, graphview.GraphView]) -> dict[str, Path]:
    """Write one page per view (file name -> view) and the assets; return name -> path."""
    assets_dir = out / "assets"
    assets_dir.mkdir(parents=True, exist_ok=True)
    for name, content in ASSETS.items():
        (assets_dir / name).write_bytes(content)
    site = {"assets": {name: f"assets/{name}" for name in ASSETS}}
    template = environment().from_string(PAGE)
    written = {}
    for name, view in pages.items():
        path = out / name
        assets = dict(site["assets"])
        if view.type_table:  # the type table its data names (a built site's assets/types.*.js)
            assets["types.js"] = f"assets/types-{name}.js"
            (out / assets["types.js"]).write_bytes(view.type_table[0].script())
        path.write_text(template.render(graph=view, assets=assets), encoding="utf-8")
        written[name] = path
    return written


SAMPLE_PAGES = {
    "artifact:mnist-train:v0": "train.html",
    "artifact:mnist-cnn:v6": "model.html",
}


def sample_href(node_id: str) -> str:
    """Return the harness page of a node (two real pages, the rest point nowhere)."""
    return SAMPLE_PAGES.get(node_id, "missing/" + node_id.replace(":", "_") + ".html")


def build_harness(out: Path, *, hub_consumers: int = 10_000) -> dict[str, Path]:
    """Write the harness site: sample pages, project pages, hub page, hostile page."""
    g = sample_graph()
    hub = hub_graph(hub_consumers, outputs=True)
    pages = {
        "train.html": graphview.page_graph(g, "artifact:mnist-train:v0", href=sample_href),
        "model.html": graphview.page_graph(g, "artifact:mnist-cnn:v6", href=sample_href),
        "project.html": graphview.project_graph(g, href=sample_href),
        "hub.html": graphview.page_graph(hub, "artifact:hub-data:v0", href=sample_href),
        "overview.html": graphview.project_graph(g, href=sample_href, limit=3),
        "types.html": graphview.type_overview(g),
        "hostile.html": graphview.page_graph(
            hostile_graph(), f"artifact:{HOSTILE}:v0", href=sample_href
        ),
    }
    return write_site(out, pages)


# --- driving a graph page -------------------------------------------------------------------


def open_graph(page, site: Path, path: str | Path, watch, fragment: str = ""):
    """Open a page of `site` (relative path), wait for its first drawing; return its watcher."""
    watcher = watch(page, site)
    page.goto((site / path).as_uri() + fragment)
    page.evaluate("window.lineageView.ready")
    return watcher


def lv(page, call: str):
    """Evaluate `window.lineageView.<call>` in the page."""
    return page.evaluate(f"window.lineageView.{call}")


def cluster_of(page, label: str) -> dict:
    """Return the cluster whose label is `label`."""
    return next(c for c in lv(page, "clusters()") if c["label"] == label)


def node_spot(page, node_id: str) -> dict:
    """Scroll the graph into view; return a node's position in the viewport ({x, y})."""
    page.locator('[data-lg="canvas"]').scroll_into_view_if_needed()
    return page.evaluate("id => window.lineageView.domPosition(id)", node_id)


def open_cluster(page, label: str):
    """Click a cluster node on the canvas; return the cluster panel locator."""
    spot = node_spot(page, cluster_of(page, label)["id"])
    page.mouse.click(spot["x"], spot["y"])
    panel = page.locator('[data-lg="cluster"]')
    panel.wait_for(state="visible")
    return panel


# The commonest colour inside a node's box, `margin` px in from its border: its fill (the
# text is thinner than the rest). Arguments: [node id, margin].
NODE_FILL = """([id, margin]) => {
  const net = window.lineageView.network;
  const canvas = document.querySelector('[data-lg="canvas"] canvas');
  const ratio = canvas.width / canvas.clientWidth;
  const b = net.getBoundingBox(id);
  const a = net.canvasToDOM({x: b.left, y: b.top}), z = net.canvasToDOM({x: b.right, y: b.bottom});
  const x = Math.round((a.x + margin) * ratio), y = Math.round((a.y + margin) * ratio);
  const w = Math.round((z.x - a.x - 2 * margin) * ratio);
  const h = Math.round((z.y - a.y - 2 * margin) * ratio);
  const d = canvas.getContext('2d').getImageData(x, y, w, h).data;
  const counts = new Map();
  for (let i = 0; i < d.length; i += 4) {
    const key = d[i] + ',' + d[i + 1] + ',' + d[i + 2];
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  return [...counts.entries()].sort((p, q) => q[1] - p[1])[0][0].split(',').map(Number);
}"""


def node_fill(page, node_id: str, margin: int = 4) -> tuple[int, int, int]:
    """Return the (r, g, b) a drawn node is filled with."""
    return tuple(page.evaluate(NODE_FILL, [node_id, margin]))


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # from `npm ci`
# Each violation as "rule (impact): the elements", what a reader of the failure needs.
RUN_AXE = """() => axe.run(document, {resultTypes: ['violations']}).then((r) =>
  r.violations.map((v) => v.id + ' (' + v.impact + '): ' +
    v.nodes.map((n) => n.target.join(' ') + ' ' + n.failureSummary).join(' | ')))"""


@contextmanager
def axe_page(browser, scheme: str = "light", width: int = 1280, height: int = 800) -> Iterator:
    """Yield a page in a context with the scheme's colours, where axe-core may be injected."""
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: run `npm ci`")
    viewport = {"width": width, "height": height}
    context = browser.new_context(viewport=viewport, color_scheme=scheme, bypass_csp=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def axe_violations(page) -> list[str]:
    """Return what axe-core finds wrong with the page as it is now."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)
