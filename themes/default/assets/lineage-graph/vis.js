/* lineage-graph/vis.js: the vis-network adapter: groups, options, labels and drawing.
 *
 * vis-network (the global `vis`) draws a scene from model.js with the positions computed at
 * build time, physics off. Colours come from the palette in graph-style.js (the same one the
 * Python exporters use); labels are canvas text, never DOM.
 */
(function (LG) {
  'use strict';

  var FONT = 'system-ui, -apple-system, Segoe UI, sans-serif';
  var LABEL_CHARS = 28;
  // Fit the graph, but never so small that labels cannot be read: then centre on the focus.
  var MAX_SCALE = 1.2;
  var MIN_SCALE = 0.75;
  // A graph a few rows high gets a shorter canvas (never below MIN_HEIGHT, never above the
  // stylesheet's height); NODE_BOX is a node's size in graph units, PAD the fit's margin in px.
  var MIN_HEIGHT = 400;
  var NODE_BOX = { width: 220, height: 60 };
  var PAD = 90;
  var DESIGN_DASHES = [6, 4]; // design edges (OpenLineage static lineage), in px

  // vis-network's 'html' labels (canvas text, never DOM) read <b>, <i>, <code> and their end
  // tags as styling, and its entity decoding is broken in 9.1.2 (a line that starts with '&'
  // is garbled). So a zero-width space follows every '<' of a name, and every line of a label
  // starts with a tag: names are drawn exactly as written.
  function labelText(text) {
    return String(text).replace(/[\r\n]+/g, ' ').replace(/</g, '<\u200b');
  }

  // Two lines: the type, small and grey (in <i>, styled by the `ital` font), then the name.
  function twoLines(top, main) {
    var shorten = LG.text.shorten;
    var first = top ? '<i>' + labelText(shorten(top, LABEL_CHARS)) + '</i>\n' : '';
    return first + '<b>' + labelText(shorten(main, LABEL_CHARS)) + '</b>';
  }

  // A node's colours in every state; `border` replaces the kind's (the focus's).
  function nodeColour(c, border) {
    return { background: c.background, border: border,
      highlight: { background: '#ffffff', border: border },
      hover: { background: c.background, border: border } };
  }

  // One group per way a node is drawn: a kind, its clusters, its types, and externals.
  function groups(palette) {
    var out = {};
    ['artifact', 'run'].forEach(function (kind) {
      var c = palette[kind];
      var colour = nodeColour(c, c.border);
      var radius = kind === 'run' ? 14 : 4;
      out[kind] = { color: colour, shapeProperties: { borderRadius: radius } };
      out['cluster-' + kind] = { color: colour, borderWidth: 2,
        shapeProperties: { borderRadius: radius, borderDashes: [6, 3] },
        shadow: { enabled: true, size: 0, x: 5, y: 5, color: c.background } };
      out['type-' + kind] = { color: colour, borderWidth: 2,
        shapeProperties: { borderRadius: radius } };
    });
    var ext = palette.external;
    out.external = {
      color: { background: ext.background, border: ext.border,
        highlight: { background: '#ffffff', border: ext.border } },
      shapeProperties: { borderRadius: 4, borderDashes: [4, 3] },
    };
    return out;
  }

  function options(palette) {
    return {
      physics: false,
      layout: { improvedLayout: false, hierarchical: false, randomSeed: 1 },
      interaction: { hover: true, dragNodes: true, dragView: true, zoomView: true,
        multiselect: false, selectConnectedEdges: true },
      nodes: { shape: 'box', borderWidth: 1.5,
        margin: { top: 8, bottom: 8, left: 10, right: 10 },
        widthConstraint: { minimum: 150, maximum: 220 },
        font: { face: FONT, size: 15, color: '#0f172a', multi: 'html',
          ital: { face: FONT, size: 12, color: '#475569', mod: '' },
          bold: { face: FONT, size: 15, color: '#0f172a', mod: '' },
          mono: { face: FONT, size: 12, color: '#cf222e', mod: 'bold' } } },
      edges: { arrows: { to: { enabled: true, scaleFactor: 0.6 } }, width: 1.2,
        color: { color: '#94a3b8', highlight: '#334155', hover: '#334155' },
        smooth: { enabled: true, type: 'cubicBezier', forceDirection: 'horizontal',
          roundness: 0.5 } },
      groups: groups(palette),
    };
  }

  // The vis-network node of an entry at `p`; the focus gets a thick border of its own colour.
  function visNode(e, p, focus, style) {
    var kind = e.ck || e.k;
    var node = { id: e.id, x: p.x, y: p.y };
    if (e.k === 'cluster') {
      node.label = e.g === undefined ? twoLines('cluster', e.l) : twoLines(e.g, e.t);
      node.group = 'cluster-' + kind;
    } else if (e.k === 'type') {
      node.label = twoLines(e.g || '(none)', e.t);
      node.group = 'type-' + kind;
    } else {
      node.label = twoLines(e.g, e.l);
      node.group = e.e ? 'external' : kind;
      if (e.q) {
        // Failing data-quality checks: a red line under the label and a thick red border.
        node.label += '\n<code>' + e.q + ' failing check' + (e.q === 1 ? '' : 's') + '</code>';
        node.borderWidth = 3;
        node.color = nodeColour(style.palette[kind], style.failing);
      }
    }
    if (e.id === focus) {
      node.borderWidth = 4;
      node.color = nodeColour(style.palette[kind], style.focusBorder);
      node.font = { bold: { size: 16 } };
    }
    return node;
  }

  // A white background, so the PNG export is not transparent.
  function paintBackground(ctx) {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.restore();
  }

  // The canvas with its data sets and network; nodes the reader dragged keep their place.
  class Drawing {
    constructor(canvas, style) {
      this.canvas = canvas;
      this.style = style;
      this.nodeSet = new vis.DataSet([]);
      this.edgeSet = new vis.DataSet([]);
      this.dragged = new Set();
      this.network = null;
    }

    // Make the data sets hold the scene: only changed nodes and edges are touched.
    draw(scene, focus) {
      var nodes = scene.list.map((i) => {
        var node = visNode(scene.entries[i], scene.pos.get(i), focus, this.style);
        if (this.dragged.has(node.id)) { delete node.x; delete node.y; }
        return node;
      });
      var want = new Set(nodes.map((n) => n.id));
      this.nodeSet.remove(this.nodeSet.getIds().filter((id) => !want.has(id)));
      this.nodeSet.update(nodes);
      // diff-graph.js names edges by the same ids: JSON of [from, to]. An edge of a job
      // definition (an entry with `d`: declared, never observed) is a design edge: dashed.
      var edges = scene.pairs.map((pair) => {
        var a = scene.entries[pair[0]];
        var b = scene.entries[pair[1]];
        var edge = { id: JSON.stringify([a.id, b.id]), from: a.id, to: b.id };
        edge.dashes = a.d || b.d ? DESIGN_DASHES : false;
        return edge;
      });
      var wantEdges = new Set(edges.map((e) => e.id));
      this.edgeSet.remove(this.edgeSet.getIds().filter((id) => !wantEdges.has(id)));
      this.edgeSet.update(edges);
    }

    // Size the canvas for the first scene, then make the network over the data sets.
    open(scene) {
      this.sizeCanvas(scene);
      this.network = new vis.Network(this.canvas,
        { nodes: this.nodeSet, edges: this.edgeSet }, options(this.style.palette));
      this.network.on('dragEnd', (p) => p.nodes.forEach((id) => this.dragged.add(id)));
      this.network.on('beforeDrawing', paintBackground);
    }

    // The height the first drawing needs at the scale fit() will choose, within the bounds.
    sizeCanvas(scene) {
      var canvas = this.canvas;
      var most = canvas.clientHeight;
      var points = Array.from(scene.pos.values());
      if (!points.length || most <= MIN_HEIGHT) return;
      var xs = points.map((p) => p.x);
      var ys = points.map((p) => p.y);
      var width = Math.max.apply(null, xs) - Math.min.apply(null, xs) + NODE_BOX.width;
      var height = Math.max.apply(null, ys) - Math.min.apply(null, ys) + NODE_BOX.height;
      var scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, (canvas.clientWidth - PAD) / width));
      var wanted = Math.round(height * scale + 2 * PAD);
      if (wanted < most) canvas.style.height = Math.max(MIN_HEIGHT, wanted) + 'px';
    }

    fit(focus) {
      var net = this.network;
      net.fit({ animation: false });
      if (net.getScale() > MAX_SCALE) net.moveTo({ scale: MAX_SCALE });
      if (net.getScale() >= MIN_SCALE) return;
      var position = focus !== null && this.isDrawn(focus)
        ? net.getPosition(focus) : net.getViewPosition();
      net.moveTo({ position: position, scale: MIN_SCALE });
    }

    isDrawn(id) {
      return this.nodeSet.get(id) !== null;
    }

    // Where a node is on the page, in viewport pixels.
    domPosition(id) {
      var p = this.network.canvasToDOM(this.network.getPosition(id));
      var box = this.canvas.getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    }
  }

  LG.Drawing = Drawing;
})(window.LineageGraph = window.LineageGraph || {});
