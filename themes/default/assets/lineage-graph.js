/* lineage-graph.js: draws a page's lineage graph from the data embedded in the page (issue 3).
 *
 * Plain browser scripts, no modules and no network: the site ships this file as one bundle,
 * the parts in lineage-graph/ (in any order: each only adds itself to window.LineageGraph)
 * followed by this file, which wires them and starts (render.collect_assets joins them).
 * graph-style.js, loaded first, sets window.LineageGraphStyle: the palette and Mermaid
 * classes the Python exporters use too. The parts:
 *   model.js      the page data (docs/graph.md): clusters, reach, what a state draws
 *   url-state.js  the view state and the URL fragment that holds it
 *   vis.js        vis-network: groups, options, labels, the canvas and its camera
 *   panels.js     the node preview and the cluster panel
 *   controls.js   the toolbar, the type filters, the canvas's clicks
 *   exports.js    Mermaid text and PNG
 *   dom.js, text.js  elements and text for all of them
 * Untrusted strings reach the page only through textContent, attributes and canvas text,
 * never through innerHTML. Hooks for tests and users' scripts: window.lineageView (`api`).
 */
(function (LG) {
  'use strict';

  // One graph on the page: its data, its state, and the parts that show and change them.
  class LineageGraph {
    constructor(root, data, style) {
      this.root = root;
      this.style = style;
      this.model = new LG.Model(data);
      this.state = LG.urlState.copy(this.model.defaults);
      this.current = null; // the scene drawn
      this.drawnAt = null;
    }

    start() {
      this.parts = LG.dom.findParts(this.root);
      this.panels = new LG.Panels(this);
      this.drawing = new LG.Drawing(this.parts.canvas, this.style);
      LG.controls.buildFilters(this);
      LG.controls.bindToolbar(this);
      this.panels.bind();
      this.hash = new LG.urlState.UrlHash();
      this.state = LG.urlState.decode(location.hash, this.model);
      this.render();
      this.drawing.open(this.current);
      LG.controls.bindCanvas(this);
      LG.controls.sync(this);
      this.fit();
    }

    render() {
      this.current = this.model.scene(this.state);
      this.drawing.draw(this.current, this.state.focus);
    }

    // ------------------------------------------------------------ state

    setState(patch, options) {
      // A new view, focus, direction or depth draws another graph: show it whole. Pulling
      // members out or filtering keeps the camera, so the eye can follow the change.
      var refit = ['view', 'focus', 'dir', 'depth'].some((key) => key in patch &&
        patch[key] !== this.state[key]) || Boolean(options && options.fit);
      Object.assign(this.state, patch);
      this.render();
      LG.controls.sync(this);
      this.panels.refreshMembers();
      if (!(options && options.fromHash)) this.hash.write(LG.urlState.encode(this.state, this.model));
      if (refit && this.drawing.network) this.fit();
    }

    onHashChange() {
      var hash = this.hash.changed();
      if (hash !== null) this.setState(LG.urlState.decode(hash, this.model), { fromHash: true });
    }

    reset() {
      this.drawing.dragged.clear();
      this.setState(LG.urlState.copy(this.model.defaults));
      this.fit();
    }

    fit() {
      this.drawing.fit(this.state.focus);
    }

    mermaid() {
      return LG.exports.mermaid(this.current, this.state.focus, this.style);
    }

    // ------------------------------------------------------------ clusters

    extract(id) {
      var e = this.model.entry(id);
      if (e === undefined || e.c === undefined) return false;
      var out = new Set(this.state.out);
      out.add(id);
      this.setState({ out: out });
      return true;
    }

    putBack(id) {
      if (!this.state.out.has(id)) return false;
      var out = new Set(this.state.out);
      out.delete(id);
      this.drawing.dragged.delete(id);
      this.setState({ out: out });
      return true;
    }

    // Expanding or collapsing every cluster reshapes the whole graph: show it whole.
    expand(clusterId) {
      var out = new Set(this.state.out);
      this.model.clusterIds(clusterId).forEach((c) => {
        this.model.memberIds(c).forEach((id) => out.add(id));
      });
      this.setState({ out: out }, { fit: clusterId === undefined || clusterId === null });
    }

    collapse(clusterId) {
      var out = new Set(this.state.out);
      this.model.clusterIds(clusterId).forEach((c) => {
        this.model.memberIds(c).forEach((id) => {
          out.delete(id);
          this.drawing.dragged.delete(id);
        });
      });
      this.setState({ out: out }, { fit: clusterId === undefined || clusterId === null });
    }

    clusters() {
      return this.model.clusters(this.state, (id) => this.drawing.isDrawn(id));
    }
  }

  function api(graph, ready) {
    var compareIds = LG.text.compareIds;
    return {
      ready: ready,
      get drawnAt() { return graph.drawnAt; },
      get network() { return graph.drawing.network; },
      visibleNodeIds: () => graph.drawing.nodeSet.getIds().slice().sort(compareIds),
      visibleEdges: () => graph.drawing.edgeSet.get().map((e) => [e.from, e.to])
        .sort((a, b) => compareIds(a[0], b[0]) || compareIds(a[1], b[1])),
      clusters: () => graph.clusters(),
      extract: (id) => graph.extract(id),
      putBack: (id) => graph.putBack(id),
      collapse: (clusterId) => graph.collapse(clusterId),
      expand: (clusterId) => graph.expand(clusterId),
      collapseAll: () => graph.collapse(),
      expandAll: () => graph.expand(),
      select: (id) => graph.panels.select(id),
      state: () => ({ view: graph.state.view, focus: graph.state.focus, dir: graph.state.dir,
        depth: graph.state.depth, hide: Array.from(graph.state.hide).sort(),
        out: Array.from(graph.state.out).sort(compareIds) }),
      mermaid: () => graph.mermaid(),
      exportPng: () => LG.exports.png(graph.parts),
      domPosition: (id) => graph.drawing.domPosition(id),
    };
  }

  function main() {
    var script = document.getElementById('lineage-graph-data');
    var root = document.getElementById('lineage-graph');
    if (!script || !root) return;
    root.classList.remove('lg-nojs');
    var status = LG.dom.part(root, 'status');
    if (typeof vis === 'undefined' || !vis.Network || !window.LineageGraphStyle) {
      status.textContent = 'The graph library did not load; the lists on this page show the lineage.';
      return;
    }
    var graph = new LineageGraph(root, JSON.parse(script.textContent), window.LineageGraphStyle);
    var ready = new Promise((resolve) => { graph.resolveReady = resolve; });
    window.lineageView = api(graph, ready);
    graph.start();
    graph.drawing.network.once('afterDrawing', () => {
      graph.drawnAt = performance.now();
      graph.resolveReady(graph.drawnAt);
    });
    graph.drawing.network.redraw();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
  else main();
})(window.LineageGraph = window.LineageGraph || {});
