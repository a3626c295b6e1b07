/* lineage-graph.js: draws a page's lineage graph from the data embedded in the page (issue 3).
 *
 * Plain browser scripts, no modules and no network: the site ships this file as one bundle,
 * the parts in lineage-graph/ (in any order: each only adds itself to window.LineageGraph)
 * followed by this file, which wires them and starts (render.collect_assets joins them).
 * Before them in the same file come vis-network and graph-style.js (render.SHIPPED_IN), which
 * sets window.LineageGraphStyle: the palette and Mermaid classes the Python exporters use
 * too. The parts:
 *   model.js      the page data (docs/graph.md): clusters, reach, what a state draws
 *   digest.js     SHA-256, for the page names the data leaves to the browser
 *   url-state.js  the view state and the URL fragment that holds it
 *   vis.js        vis-network: groups, options, labels, the canvas and its camera
 *   panels.js     the node preview and the cluster panel
 *   controls.js   the toolbar, the type filters, full screen, the canvas's clicks
 *   keys.js       the keyboard on the canvas: selection, zoom, Escape
 *   highlight.js  a node's lineage lit (`+name+`, dbt's selection syntax), the rest dimmed
 *   minimap.js    the overview in the canvas's corner while some nodes are out of view
 *   exports.js    Mermaid text and PNG
 *   dom.js        the controls and panels (built here, not carried by every page), elements
 *   text.js       text for all of them
 * Untrusted strings reach the page only through textContent, attributes and canvas text,
 * never through innerHTML. Hooks for tests and users' scripts: window.lineageView (`api`).
 */
(function (LG) {
  'use strict';

  var OPEN_LIMIT = 60; // drawn nodes a graph may have and still open whole

  var TYPED_KEYS = ['depth', 'sel']; // typed into a box, a keystroke at a time

  // The key of a patch that changes one typed box alone, else null (url-state.js: one
  // history entry while the reader types).
  function typedKey(patch) {
    var keys = Object.keys(patch);
    return keys.length === 1 && TYPED_KEYS.indexOf(keys[0]) >= 0 ? keys[0] : null;
  }

  // One graph on the page: its data, its state, and the parts that show and change them.
  class LineageGraph {
    constructor(root, data, style, rows) {
      this.root = root;
      this.style = style;
      this.model = new LG.Model(data, rows);
      this.state = LG.urlState.copy(this.model.defaults);
      this.current = null; // the scene drawn
      this.drawnAt = null;
    }

    start() {
      this.parts = LG.dom.findParts(this.root);
      this.panels = new LG.Panels(this);
      this.drawing = new LG.Drawing(this.parts.canvas, this.style, () => this.render());
      LG.controls.buildFilters(this);
      LG.controls.bindToolbar(this);
      this.panels.bind();
      if (LG.columns) LG.columns.start(this); // the column view, on pages with column lineage
      this.hash = new LG.urlState.UrlHash();
      this.state = LG.urlState.decode(location.hash, this.model);
      this.render();
      this.drawing.open(this.current);
      this.minimap = new LG.Minimap(this, this.parts.canvas.parentNode);
      LG.controls.bindCanvas(this);
      LG.controls.bindSkip(this);
      LG.keys.bind(this);
      // Back and Forward between this page's entries (pushState fires no hashchange).
      window.addEventListener('popstate', () => this.onHashChange());
      this.keepPanelsClear();
      this.followTheme();
      LG.controls.sync(this);
      this.showOpening();
    }

    // The reader's theme toggle (search.js) and the system's setting both redraw the canvas.
    followTheme() {
      var retheme = () => this.drawing.retheme();
      document.addEventListener('lineage-report:theme', retheme);
      var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)');
      if (dark && dark.addEventListener) dark.addEventListener('change', retheme);
    }

    render() {
      this.current = this.model.scene(this.state);
      var lit = LG.highlight.lit(this, this.current, this.state.sel);
      this.drawing.lit = lit && lit.ids ? lit : null;
      this.parts.highlightStatus.textContent = LG.highlight.describe(lit);
      this.drawing.draw(this.current, this.state.focus);
      var data = this.model.data;
      this.parts.canvas.setAttribute('aria-label', (data.title || 'Lineage graph') + ': ' +
        LG.text.commas(this.current.list.length) + ' nodes drawn, standing for ' +
        LG.text.commas(data.total || this.current.list.length));
    }

    // ------------------------------------------------------------ state

    setState(patch, options) {
      // A new view, focus, direction, depth, grouping or merge draws another graph: show it
      // whole. Pulling members out or filtering keeps the camera, so the eye can follow.
      var refit = ['view', 'focus', 'dir', 'depth', 'by', 'merge'].some((key) => key in patch &&
        patch[key] !== this.state[key]) || Boolean(options && options.fit);
      Object.assign(this.state, patch);
      this.render();
      LG.controls.sync(this);
      this.panels.refresh();
      if (!(options && options.fromHash)) {
        this.hash.write(LG.urlState.encode(this.state, this.model), typedKey(patch));
      }
      if (refit && this.drawing.network) this.showOpening();
      else if (options && options.highlight && this.drawing.lit) this.fitLit();
    }

    // Show the highlighted lineage whole (the Highlight box, the preview's button).
    fitLit() {
      this.drawing.fit(Array.from(this.drawing.lit.ids));
    }

    // ------------------------------------------------------------ panels beside the node

    // A panel never hides the node it is about: when one opens over its node (beside the
    // canvas's right edge, or as a bottom sheet on a phone), the view pans the node into the
    // part of the canvas the panel leaves free.
    keepPanelsClear() {
      var watch = new MutationObserver(() => requestAnimationFrame(() => this.clearPanel()));
      [this.parts.preview, this.parts.cluster].forEach((panel) => {
        watch.observe(panel, { attributes: true, attributeFilter: ['hidden'] });
      });
    }

    // The drawn node an open panel is about, and the panel; null when none is open.
    panelSubject() {
      var P = this.parts;
      var model = this.model;
      if (!P.cluster.hidden && this.panels.cluster !== null) {
        return { id: model.entries[this.panels.cluster].id, panel: P.cluster };
      }
      var id = this.panels.previewId;
      if (P.preview.hidden || id === null) return null;
      var e = model.entry(id);
      // A member still inside its cluster: the cluster is the node it stands in.
      if (!this.drawing.isDrawn(id) && e !== undefined && e.c !== undefined) {
        id = model.entries[e.c].id;
      }
      return { id: id, panel: P.preview };
    }

    clearPanel() {
      var subject = this.panelSubject();
      if (subject === null || !this.drawing.isDrawn(subject.id)) return;
      var canvas = this.parts.canvas.getBoundingClientRect();
      var box = subject.panel.getBoundingClientRect();
      this.drawing.keepClear(subject.id, { left: box.left - canvas.left,
        top: box.top - canvas.top, right: box.right - canvas.left,
        bottom: box.bottom - canvas.top });
    }

    onHashChange() {
      var hash = this.hash.changed();
      if (hash !== null) this.setState(LG.urlState.decode(hash, this.model), { fromHash: true });
    }

    reset() {
      this.drawing.dragged.clear();
      this.setState(Object.assign(LG.urlState.copy(this.model.defaults), { sel: '' }));
      this.showOpening();
    }

    // Every node in view: the Fit button and the `0` key.
    fit() {
      this.drawing.fit();
    }

    // How a graph opens: whole up to OPEN_LIMIT drawn nodes, else on the focus and the
    // nodes next to it (the reader zooms out or presses Fit for the rest).
    showOpening() {
      var focus = this.state.focus;
      var big = this.drawing.nodeSet.length > OPEN_LIMIT;
      if (big && focus !== null && this.drawing.isDrawn(focus)) this.drawing.fitAround(focus);
      else this.drawing.fit();
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
      selected: () => graph.drawing.selected,
      highlight: (sel) => graph.setState({ sel: String(sel || '') }, { highlight: true }),
      // The site search (search.js) lights a result on this page's graph: is it here, and do.
      has: (id) => graph.model.entry(id) !== undefined,
      highlightNode: (id) => graph.setState({ sel: LG.highlight.selectorFor(graph, id) },
        { highlight: true }),
      highlighted: () => (graph.drawing.lit ? Array.from(graph.drawing.lit.ids).sort(compareIds)
        : []),
      minimapShown: () => graph.minimap.visible(),
      state: () => ({ view: graph.state.view, focus: graph.state.focus, dir: graph.state.dir,
        depth: graph.state.depth, hide: Array.from(graph.state.hide).sort(),
        out: Array.from(graph.state.out).sort(compareIds), sel: graph.state.sel || '',
        by: graph.state.by, merge: graph.state.merge }),
      mermaid: () => graph.mermaid(),
      exportPng: () => LG.exports.png(graph.parts, graph.drawing),
      screenBoxes: () => graph.drawing.screenBoxes(),
      domPosition: (id) => graph.drawing.domPosition(id),
    };
  }

  function main() {
    var script = document.getElementById('lineage-graph-data');
    var root = document.getElementById('lineage-graph');
    if (!script || !root) return;
    root.classList.remove('lg-nojs');
    var data = JSON.parse(script.textContent);
    var status = LG.dom.statusLine(root, script);
    if (typeof vis === 'undefined' || !vis.Network || !window.LineageGraphStyle) {
      status.textContent = 'The graph library did not load; the lists on this page show the lineage.';
      return;
    }
    var graph;
    try {
      graph = new LineageGraph(root, data, window.LineageGraphStyle, LG.dom.pageRows(root));
    } catch (err) { // data this page cannot read (a theme's own lists, say): the lists stand
      status.textContent = 'The graph could not be read; the lists on this page show the lineage.';
      throw err;
    }
    LG.dom.build(root);
    // The page names the region and says why the view is cut short only in its data.
    if (!root.hasAttribute('aria-label')) root.setAttribute('aria-label', graph.model.data.title);
    if (!status.textContent) status.textContent = graph.model.data.note;
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
