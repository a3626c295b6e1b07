/* lineage-graph/vis.js: the vis-network adapter: groups, options, labels and drawing.
 *
 * vis-network (the global `vis`) draws a scene from model.js with the positions computed at
 * build time, physics off. Colours come from the palette in graph-style.js (the same one the
 * Python exporters use), or from the theme's CSS (dark); labels are canvas text, never DOM.
 * The camera: a graph opens whole (fit has no lower bound), and labels too small to read at
 * the scale shown are shortened or wait for a zoom (label levels); the PNG draws the whole
 * graph at a readable scale on a canvas of its own size.
 */
(function (LG) {
  'use strict';

  var FONT = 'system-ui, -apple-system, Segoe UI, sans-serif';
  var LABEL_CHARS = 28;
  // No word of a full label's name is wider than NAME_WIDTH px, the widest box less its
  // margins (220 - 2 × 10), at the focus's FOCUS_FONT (others are drawn at NAME_FONT); a
  // name is never cut below MIN_CHARS characters to fit. MAX_ROUNDS bounds distinctNames.
  var NAME_WIDTH = 200;
  var NAME_FONT = 15;
  var MARK_FONT = 12; // the red line of failing checks and failed runs, at full size
  var MARK_SHARE = 0.8; // that line's size against the name's, below full size
  var FOCUS_FONT = 16;
  var MIN_CHARS = 12;
  var MAX_ROUNDS = 8;
  // Fit never zooms in past MAX_SCALE; it has no lower bound: a graph opens whole, and labels
  // too small to read at its scale are simplified instead (levelFor).
  var MAX_SCALE = 1.2;
  // Label levels by zoom: at FULL_SCALE and above the two-line labels (15px and 12px text)
  // read at 9px or more. Below, each step of SHORT_STEPS draws the short name alone, at a
  // size that reads SCREEN_FONT px on screen and as many characters as fit in TEXT_WIDTH
  // (the box's widest less its margins); below the last step, labels wait for a zoom.
  var FULL_SCALE = 0.6;
  var SHORT_STEPS = [0.52, 0.45, 0.39, 0.34, 0.29, 0.25, 0.22];
  var SCREEN_FONT = 10.5;
  var TEXT_WIDTH = 196;
  var CHAR_WIDTH = 0.6; // a bold character's width, in font sizes
  // A graph a few rows high gets a shorter canvas (never below MIN_HEIGHT, never above the
  // stylesheet's height); NODE_BOX is a node's size in graph units. PAD is the fit's margin
  // in px, PAD_BOTTOM its margin below, clear of the zoom buttons on the canvas.
  var MIN_HEIGHT = 400;
  var NODE_BOX = { width: 220, height: 60 };
  var PAD = 20;
  var PAD_BOTTOM = 52;
  var ZOOM_STEP = 1.25; // one press of a zoom button or key
  // The PNG draws the whole graph at scale 1 (its labels as on screen at full size), smaller
  // only where the image would pass PNG_MAX pixels on a side.
  var PNG_MAX = 8000;
  var DESIGN_DASHES = [6, 4]; // design edges (OpenLineage static lineage), in px
  var SHEET_SHARE = 0.7; // a panel wider than this share of the canvas is a bottom sheet
  var DIM = 0.15; // the opacity of what a highlighted lineage (highlight.js) leaves out

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

  // The label level of a scale: its key, the short label's font size and length (graph
  // units, characters) and how much thicker borders and edges are drawn, to stay visible.
  function levelFor(scale) {
    if (scale >= FULL_SCALE) return { key: 'full', font: 0, chars: LABEL_CHARS, weight: 1 };
    var step = SHORT_STEPS.find((s) => scale >= s);
    var last = SHORT_STEPS[SHORT_STEPS.length - 1];
    if (step === undefined) return { key: 'none', font: 0, chars: 0, weight: FULL_SCALE / last };
    var font = Math.round(SCREEN_FONT / step);
    return { key: 'short' + step, font: font, weight: FULL_SCALE / step,
      chars: Math.floor(TEXT_WIDTH / (CHAR_WIDTH * font)) };
  }

  // The words of a node that matter most: a version's name, a run's, a cluster's count.
  function shortName(e) {
    if (e.k === 'cluster') return e.g === undefined ? e.l : e.t;
    if (e.k === 'type') return e.g || '(none)';
    return e.l;
  }

  // Shorten a name in its middle, keeping more of its end (mnist-train and mnist-test differ
  // there) and a version's ':vN', which tells versions of one name apart.
  function shortenName(text, limit) {
    var m = /^(.+)(:v\d+)$/.exec(text);
    var version = m && m[2].length + 4 <= limit ? m[2] : '';
    var chars = Array.from(version ? m[1] : String(text));
    var room = limit - version.length;
    if (chars.length <= room) return chars.join('') + version;
    var head = Math.ceil((room - 1) / 3);
    return chars.slice(0, head).join('') + '\u2026' +
      chars.slice(chars.length - (room - 1 - head)).join('') + version;
  }

  // Where a word of a name starts: after one of these.
  var SEPARATOR = /[./_\-: ]/;
  // Where a shared start (a namespace, a package, a folder) ends: after one of these.
  var PREFIX_END = /[./]/;

  // The names of the runs and versions drawn, each shortened by `cut` and told apart: names
  // that would read alike ("foo…_days:v0" for food_delivery.public.orders_7_days and
  // …delivery_7_days) are shortened again from the word where they differ, after a '…' for
  // the start they share ("…ord…days:v0", "…del…days:v0"), and again while some still read
  // alike and can start further on. Names that differ in two places far apart may still
  // read alike (the panel and a zoom tell them apart). `cut(name, start)` shortens a name
  // from its character `start` on (cutName). A map: name → text shown.
  function distinctNames(names, cut) {
    var start = new Map(); // a name → the character its text starts at
    var shown = new Map();
    names.forEach((name) => {
      start.set(name, 0);
      shown.set(name, cut(name, 0));
    });
    for (var round = 0, moved = true; moved && round < MAX_ROUNDS; round++) {
      moved = false;
      alike(shown).forEach((group) => {
        var further = (from) => group.every((name) => start.get(name) < from);
        // From the word they differ in; if that was tried, from the character itself.
        var from = sharedStart(group);
        if (!further(from)) from = sharedChars(group);
        if (!further(from)) return;
        group.forEach((name) => {
          start.set(name, from);
          shown.set(name, cut(name, from));
        });
        moved = true;
      });
    }
    return shown;
  }

  // The groups of names shown with one text.
  function alike(shown) {
    var by = new Map();
    shown.forEach((text, name) => by.set(text, (by.get(text) || []).concat([name])));
    return Array.from(by.values()).filter((group) => group.length > 1);
  }

  // How many characters all the names start with; every name keeps its last one.
  function sharedChars(names) {
    var chars = names.map((name) => Array.from(name));
    var n = 0;
    while (chars.every((c) => n < c.length - 1 && c[n] === chars[0][n])) n++;
    return n;
  }

  // sharedChars, back to the start of the word the names differ in.
  function sharedStart(names) {
    var chars = Array.from(names[0]);
    var n = sharedChars(names);
    for (var k = n; k > 0; k--) {
      if (SEPARATOR.test(chars[k - 1])) return k;
    }
    return n;
  }

  // A name from its character `start` on, after a '…' for what it leaves out, shortened to
  // `limit` characters in all (shortenName).
  function cutName(name, start, limit) {
    if (!start) return shortenName(name, limit);
    return '\u2026' + shortenName(Array.from(name).slice(start).join(''), limit - 1);
  }

  // A full label's name, LABEL_CHARS at most, with no word wider than the widest box at the
  // focus's font size (every name is measured so, or the focus's would be cut unlike the
  // rest): vis-network wraps a name between its words, but breaks a wider word at an odd
  // place ("…:v" above "0") or leaves an empty line under it. Kept: a scene is drawn again
  // on every selection and zoom level.
  var measure = null;
  var fitted = new Map(); // start + ' ' + name → text
  function fitName(name, start) {
    var key = start + ' ' + name;
    if (fitted.has(key)) return fitted.get(key);
    if (!measure) {
      measure = document.createElement('canvas').getContext('2d');
      measure.font = FOCUS_FONT + 'px ' + FONT;
    }
    var fits = (word) => measure.measureText(word).width <= NAME_WIDTH;
    for (var n = LABEL_CHARS; ; n--) {
      var text = cutName(name, start, n);
      if (n <= MIN_CHARS || text.split(' ').every(fits)) break;
    }
    fitted.set(key, text);
    return text;
  }

  // The names a scene's runs and versions are drawn with at a label level (distinctNames).
  // Below full size a name is drawn without what every name of its kind there starts with
  // (ownParts), which tells none of them apart.
  function namesAt(entries, level) {
    var named = entries.filter((e) => e.k !== 'cluster' && e.k !== 'type');
    var full = level.key === 'full';
    var cut = full ? fitName : (name, start) => cutName(name, start, level.chars);
    var parts = full ? new Map() : ownParts(named);
    var part = (name) => parts.get(name) || name;
    var texts = level.chars ? distinctNames(named.map((e) => part(e.l)), cut) : new Map();
    var shown = new Map();
    named.forEach((e) => {
      if (texts.has(part(e.l))) shown.set(e.l, together(texts.get(part(e.l))));
    });
    return shown;
  }

  // Each name's part after the start that all names of its kind (versions, runs) share, up
  // to a '.' or '/': a warehouse's `food_delivery.public.`, a dbt package, a bucket. Cut in
  // its middle, a name kept that start and lost the table's own ("foo…ories:v0" for
  // food_delivery.public.categories). One name alone keeps it. A map: name → its part.
  function ownParts(entries) {
    var parts = new Map();
    ['artifact', 'run'].forEach((kind) => {
      var names = Array.from(new Set(entries.filter((e) => e.k === kind).map((e) => e.l)));
      if (names.length < 2) return;
      var first = Array.from(names[0]);
      var n = sharedChars(names);
      while (n > 0 && !PREFIX_END.test(first[n - 1])) n--;
      if (n) names.forEach((name) => parts.set(name, Array.from(name).slice(n).join('')));
    });
    return parts;
  }

  // A name's closing parenthesis kept whole: vis-network wraps a label at its spaces, and an
  // external version's `(before v0)` left `v0)` alone on a line. No-break spaces hold it.
  function together(text) {
    return text.replace(/ (\([^()]*\))$/, (all, tail) => ' ' + tail.replace(/ /g, '\u00a0'));
  }

  // The label at a level below full: the short name in one line, or nothing. `shown` maps a
  // run's or version's name to the text drawn (namesAt).
  function shortLabel(e, level, shown) {
    if (!level.chars) return '';
    var name = shortName(e);
    // A count ("15 versions") reads best cut at its end; a name, in its middle.
    var text = e.k === 'cluster' ? LG.text.shorten(name, level.chars)
      : shown.get(name) || shortenName(name, level.chars);
    // Failing checks and failed runs stay marked at every level: the red border alone is
    // easy to miss.
    var failing = e.q && e.k !== 'cluster' ? '\n<code>\u2717 ' + e.q + '</code>'
      : failed(e) ? '\n<code>\u2717 ' + labelText(e.r) + '</code>' : '';
    return '<b>' + labelText(text) + '</b>' + failing;
  }

  // A node's font sizes: its name's (bold) and its red mark's (mono). DataSet.update merges,
  // so both are set in every state.
  function fonts(name, mark) {
    return { bold: { size: name }, mono: { size: mark } };
  }

  // Whether an entry is a run that failed or crashed (drawn in red; `r`, its state, is set
  // only on a run that did not finish).
  function failed(e) {
    return e.k === 'run' && (e.r === 'failed' || e.r === 'crashed');
  }

  // The colours the canvas draws with: the theme's CSS custom properties on the graph's
  // section (lineage-graph.css: light, dark, the reader's choice), and for nodes the palette
  // of graph-style.js unless the theme sets its own (dark does).
  function readColours(el, style) {
    var css = getComputedStyle(el);
    var get = (name, fallback) => css.getPropertyValue('--lg-' + name).trim() || fallback;
    var palette = {};
    ['artifact', 'run', 'external'].forEach((kind) => {
      palette[kind] = { background: get(kind + '-bg', style.palette[kind].background),
        border: get(kind + '-border', style.palette[kind].border) };
    });
    return { palette: palette, canvas: get('canvas', '#ffffff'), text: get('text', '#0f172a'),
      muted: get('muted', '#475569'), edge: get('edge', '#94a3b8'),
      edgeStrong: get('edge-strong', '#334155'), ring: get('ring', '#0f172a'),
      highlight: get('highlight', '#ffffff'), focus: get('focus', style.focusBorder),
      failing: get('failing', style.failing) };
  }

  // A node's colours in every state; `border` replaces the kind's (the focus's).
  function nodeColour(c, border, highlight) {
    return { background: c.background, border: border,
      highlight: { background: highlight, border: border },
      hover: { background: c.background, border: border } };
  }

  // One group per way a node is drawn: a kind, its clusters, its types, and externals. Groups
  // hold shapes only; colours are set on each node (visNode), so a new theme can change them.
  function groups() {
    var out = {};
    ['artifact', 'run'].forEach(function (kind) {
      var radius = kind === 'run' ? 14 : 4;
      out[kind] = { shapeProperties: { borderRadius: radius } };
      out['cluster-' + kind] = { shapeProperties: { borderRadius: radius, borderDashes: [6, 3] } };
      out['type-' + kind] = { shapeProperties: { borderRadius: radius } };
    });
    out.external = { shapeProperties: { borderRadius: 4, borderDashes: [4, 3] } };
    return out;
  }

  // The text and edge options of a theme's colours (set again when the theme changes).
  function themed(colours) {
    return {
      nodes: { font: { face: FONT, size: 15, color: colours.text, multi: 'html',
        ital: { face: FONT, size: 12, color: colours.muted, mod: '' },
        bold: { face: FONT, size: NAME_FONT, color: colours.text, mod: '' },
        mono: { face: FONT, size: MARK_FONT, color: colours.failing, mod: 'bold' } } },
      edges: { color: { color: colours.edge, highlight: colours.edgeStrong,
        hover: colours.edgeStrong } },
    };
  }

  function options(colours) {
    var theme = themed(colours);
    return {
      physics: false,
      layout: { improvedLayout: false, hierarchical: false, randomSeed: 1 },
      interaction: { hover: true, dragNodes: true, dragView: true, zoomView: true,
        multiselect: false, selectConnectedEdges: true },
      nodes: Object.assign({ shape: 'box', borderWidth: 1.5,
        margin: { top: 8, bottom: 8, left: 10, right: 10 },
        widthConstraint: { minimum: 150, maximum: 220 } }, theme.nodes),
      edges: Object.assign({ arrows: { to: { enabled: true, scaleFactor: 0.6 } }, width: 1.2,
        smooth: { enabled: true, type: 'cubicBezier', forceDirection: 'horizontal',
          roundness: 0.5 } }, theme.edges),
      groups: groups(),
    };
  }

  // The vis-network node of an entry at `p`; the focus gets a thick border of its own colour.
  // Below the full level the label is the short one and borders grow with `level.weight`.
  // `run` is the run drawn inside the entry (merge.js), if any; `shown` maps a run's or
  // version's name to the text drawn (namesAt).
  function visNode(e, p, focus, colours, level, run, shown) {
    var kind = e.ck || e.k;
    var c = colours.palette[e.e && e.k !== 'cluster' ? 'external' : kind];
    // DataSet.update merges, so every key some state sets is set in every state.
    var node = { id: e.id, x: p.x, y: p.y, font: fonts(NAME_FONT, MARK_FONT),
      heightConstraint: false, color: nodeColour(c, c.border, colours.highlight), shadow: false,
      opacity: 1 };
    var border = e.k === 'cluster' || e.k === 'type' ? 2 : 1.5;
    if (e.k === 'cluster') {
      node.label = e.g === undefined ? twoLines('cluster', e.l) : twoLines(e.g, e.t);
      node.group = 'cluster-' + kind;
      // A stack of cards: the cluster's shadow is a second box of its colour.
      node.shadow = { enabled: true, size: 0, x: 5, y: 5, color: c.background };
    } else if (e.k === 'type') {
      node.label = twoLines(e.g || '(none)', e.t);
      node.group = 'type-' + kind;
    } else {
      node.label = twoLines(e.g, shown.get(e.l) || e.l);
      node.group = e.e ? 'external' : kind;
      // Failing data-quality checks, and a run that did not finish (its own or the one
      // merged in), are a line under the label; those that failed get a thick red border.
      if (e.q) {
        node.label += '\n<code>' + e.q + ' failing check' + (e.q === 1 ? '' : 's') + '</code>';
      }
      if (e.r) {
        var tag = failed(e) ? 'code' : 'i'; // failed and crashed in red, the rest in grey
        node.label += '\n<' + tag + '>' + labelText(e.r) + '</' + tag + '>';
      }
      if (e.q || failed(e) || (run && failed(run))) {
        border = 3;
        node.color = nodeColour(c, colours.failing, colours.highlight);
      }
      if (run) {
        // A run merged into its one output: a band of the run's colour under the box, and
        // "+ <run's name>" under the label, with its state when it did not finish.
        var state = run.r ? ' (' + run.r + ')' : '';
        var line = LG.text.shorten('+ ' + run.l, LABEL_CHARS - state.length) + state;
        node.label += '\n<i>' + labelText(line) + '</i>';
        node.shadow = { enabled: true, size: 0, x: 0, y: 6, color: colours.palette.run.border };
      }
    }
    if (e.id === focus) {
      border = 4;
      node.color = nodeColour(colours.palette[kind], colours.focus, colours.highlight);
      node.font = fonts(FOCUS_FONT, MARK_FONT);
    }
    if (level.key !== 'full') {
      node.label = shortLabel(e, level, shown);
      // The red mark (`✗ 3`, `✗ failed`) grows with the name, or it would read at 5 px;
      // a little smaller, so two lines still fit a row.
      node.font = fonts(level.font, Math.round(level.font * MARK_SHARE));
      node.heightConstraint = { minimum: NODE_BOX.height * 0.75 };
    }
    node.borderWidth = border * level.weight;
    return node;
  }

  // A cluster as it stands with `out` of its members pulled out: "12 runs" reads "11 runs".
  function remaining(e, out) {
    if (!out) return e;
    var now = LG.text.clusterCount(e, out);
    return Object.assign({}, e, { t: now.words, l: now.label });
  }

  // The run drawn inside the scene's entry `i` (merge.js: `merged`), or null.
  function runIn(scene, i) {
    var r = scene.merged ? scene.merged.get(i) : undefined;
    return r === undefined ? null : scene.entries[r];
  }

  // How many of each cluster's members the scene draws on their own (pulled out).
  function pulledOut(scene) {
    var out = new Map();
    scene.list.forEach((i) => {
      var c = scene.entries[i].c;
      if (c !== undefined) out.set(c, (out.get(c) || 0) + 1);
    });
    return out;
  }

  // The theme's background, so the PNG export is not transparent.
  function paintBackground(ctx, colour) {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.restore();
  }

  // The box around boxes (graph units), or null for none.
  function union(boxes) {
    if (!boxes.length) return null;
    return {
      left: Math.min.apply(null, boxes.map((b) => b.left)),
      top: Math.min.apply(null, boxes.map((b) => b.top)),
      right: Math.max.apply(null, boxes.map((b) => b.right)),
      bottom: Math.max.apply(null, boxes.map((b) => b.bottom)),
    };
  }

  // The canvas with its data sets and network; nodes the reader dragged keep their place.
  class Drawing {
    // `redraw` draws the scene again (the graph's render, which other parts may wrap: the
    // column view lights its trace after each drawing); labels and colours change through it.
    constructor(canvas, style, redraw) {
      this.canvas = canvas;
      this.style = style;
      this.redrawScene = redraw || (() => this.draw(this.scene, this.focus));
      this.nodeSet = new vis.DataSet([]);
      this.edgeSet = new vis.DataSet([]);
      this.dragged = new Set();
      this.network = null;
      this.level = levelFor(1);
      this.scene = null;
      this.focus = null;
      this.selected = null; // the node with the selection ring (keys.js, a click)
      this.lit = null; // a highlighted lineage (highlight.js): { ids, edges }; the rest is dimmed
      this.exporting = false;
      this.colours = readColours(canvas, style);
    }

    // Draw in the theme's colours again (the reader or the system changed it).
    retheme() {
      this.colours = readColours(this.canvas, this.style);
      if (!this.network) return;
      this.network.setOptions(themed(this.colours));
      if (this.scene) this.redrawScene();
      this.network.redraw();
    }

    // Make the data sets hold the scene: only changed nodes and edges are touched.
    draw(scene, focus) {
      this.scene = scene;
      this.focus = focus;
      var out = pulledOut(scene);
      var lit = this.lit;
      var shown = namesAt(scene.list.map((i) => scene.entries[i]), this.level);
      var nodes = scene.list.map((i) => {
        var e = remaining(scene.entries[i], out.get(i));
        var node = visNode(e, scene.pos.get(i), focus, this.colours, this.level,
          runIn(scene, i), shown);
        if (lit && !lit.ids.has(node.id)) node.opacity = DIM;
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
        var run = runIn(scene, pair[1]); // an edge into a merged design run is dashed too
        edge.dashes = a.d || b.d || (run && run.d) ? DESIGN_DASHES : false;
        edge.color = { opacity: lit && !lit.edges.has(edge.id) ? DIM : 1 };
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
        { nodes: this.nodeSet, edges: this.edgeSet }, options(this.colours));
      this.network.on('dragEnd', (p) => p.nodes.forEach((id) => this.dragged.add(id)));
      this.network.on('beforeDrawing', (ctx) => paintBackground(ctx, this.colours.canvas));
      this.network.on('zoom', () => this.relabel(this.network.getScale()));
      this.network.on('afterDrawing', (ctx) => this.drawRing(ctx));
    }

    // Select a node (null: none): vis-network's highlight, a ring, and the camera moved to
    // it when it is out of view.
    select(id) {
      var net = this.network;
      this.selected = id !== null && this.isDrawn(id) ? id : null;
      if (this.selected === null) {
        net.unselectAll();
        net.redraw();
        return;
      }
      net.selectNodes([id], false);
      var p = net.canvasToDOM(net.getPosition(id));
      var margin = 40;
      if (p.x < margin || p.y < margin || p.x > this.canvas.clientWidth - margin ||
        p.y > this.canvas.clientHeight - margin) {
        net.moveTo({ position: net.getPosition(id) });
      }
      net.redraw();
    }

    // The first node drawn, left to right and then top to bottom.
    firstNode() {
      var positions = this.network.getPositions();
      var ids = Object.keys(positions);
      ids.sort((a, b) => positions[a].x - positions[b].x || positions[a].y - positions[b].y);
      return ids.length ? ids[0] : null;
    }

    // A ring around the selected node, 3 px wide on screen whatever the zoom.
    drawRing(ctx) {
      var id = this.selected;
      if (id === null || this.exporting || !this.isDrawn(id)) return;
      var b = this.network.getBoundingBox(id);
      var scale = this.network.getScale();
      var gap = 5 / scale;
      ctx.save();
      ctx.lineWidth = 3 / scale;
      ctx.strokeStyle = this.colours.ring;
      ctx.setLineDash([]);
      ctx.strokeRect(b.left - gap, b.top - gap, b.right - b.left + 2 * gap,
        b.bottom - b.top + 2 * gap);
      ctx.restore();
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
      var scale = Math.min(MAX_SCALE, (canvas.clientWidth - 2 * PAD) / width);
      var wanted = Math.round(height * scale + PAD + PAD_BOTTOM);
      if (wanted < most) canvas.style.height = Math.max(MIN_HEIGHT, wanted) + 'px';
    }

    // Draw labels at the level of `scale`; true when that changed them.
    relabel(scale) {
      var level = levelFor(scale);
      if (level.key === this.level.key) return false;
      this.level = level;
      this.network.setOptions({ edges: { width: 1.2 * level.weight } });
      if (this.scene) this.redrawScene();
      return true;
    }

    // Show the nodes `ids` whole (every node when none are given), labels at the level
    // their scale allows; a new level changes the boxes' heights, so fit once more.
    fit(ids) {
      for (var k = 0; k < 4; k++) {
        if (!this.relabel(this.fitBoxes(ids))) return;
      }
      this.fitBoxes(ids);
    }

    // Move the camera so the boxes of `ids` fill the canvas, within PAD of its sides and
    // clear of the zoom buttons below; return the scale.
    fitBoxes(ids) {
      var net = this.network;
      net.redraw(); // the boxes of the labels as they are now
      var list = ids && ids.length ? ids : this.nodeSet.getIds();
      var r = union(list.filter((id) => this.isDrawn(id)).map((id) => net.getBoundingBox(id)));
      if (r === null) return net.getScale();
      var width = Math.max(1, this.canvas.clientWidth - 2 * PAD);
      var height = Math.max(1, this.canvas.clientHeight - PAD - PAD_BOTTOM);
      var scale = Math.min(MAX_SCALE, width / (r.right - r.left), height / (r.bottom - r.top));
      var lift = (PAD_BOTTOM - PAD) / 2 / scale;
      net.moveTo({ scale: scale, animation: false,
        position: { x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2 + lift } });
      return scale;
    }

    // Pan (the scale kept) so that the box of `id` is clear of `rect`, a panel over the canvas
    // (canvas px): into the middle of the part left of the panel, or of the part above it
    // when it spans the canvas (the phone's bottom sheet). True when the view moved.
    keepClear(id, rect) {
      var net = this.network;
      var b = net.getBoundingBox(id);
      var a = net.canvasToDOM({ x: b.left, y: b.top });
      var z = net.canvasToDOM({ x: b.right, y: b.bottom });
      if (a.x >= rect.right || z.x <= rect.left || a.y >= rect.bottom || z.y <= rect.top) {
        return false;
      }
      var sheet = rect.right - rect.left > this.canvas.clientWidth * SHEET_SHARE;
      var dx = sheet ? 0 : Math.max(0, rect.left) / 2 - (a.x + z.x) / 2;
      var dy = sheet ? Math.max(0, rect.top) / 2 - (a.y + z.y) / 2 : 0;
      var scale = net.getScale();
      var view = net.getViewPosition();
      net.moveTo({ scale: scale, animation: false,
        position: { x: view.x - dx / scale, y: view.y - dy / scale } });
      return true;
    }

    // Show a node and the nodes it shares an edge with.
    fitAround(id) {
      this.fit([id].concat(this.network.getConnectedNodes(id)));
    }

    // Zoom one step in (+1) or out (-1) about the centre of the canvas.
    zoom(steps) {
      this.zoomBy(Math.pow(ZOOM_STEP, steps));
    }

    zoomBy(factor) {
      var net = this.network;
      var scale = Math.min(MAX_SCALE * 4, Math.max(0.02, net.getScale() * factor));
      net.moveTo({ scale: scale });
      this.relabel(scale);
    }

    isDrawn(id) {
      return this.nodeSet.get(id) !== null;
    }

    // Every drawn node's box, in graph units.
    boxes() {
      return this.nodeSet.getIds().map((id) => this.network.getBoundingBox(id));
    }

    // Each drawn node's box in the canvas's pixels, and the canvas's size (for tests).
    screenBoxes() {
      var net = this.network;
      var nodes = this.nodeSet.getIds().map((id) => {
        var b = net.getBoundingBox(id);
        var a = net.canvasToDOM({ x: b.left, y: b.top });
        var z = net.canvasToDOM({ x: b.right, y: b.bottom });
        return { id: id, left: a.x, top: a.y, right: z.x, bottom: z.y };
      });
      return { width: this.canvas.clientWidth, height: this.canvas.clientHeight, nodes: nodes,
        level: this.level.key, scale: net.getScale() };
    }

    // The whole graph as a PNG data: URL, drawn at a readable scale on a canvas of its own
    // size; the view on screen is put back before the browser paints again.
    snapshot() {
      var net = this.network;
      var view = { position: net.getViewPosition(), scale: net.getScale() };
      this.exporting = true;
      this.relabel(1);
      net.redraw(); // the boxes at full labels
      var range = union(this.boxes());
      if (range === null) {
        this.exporting = false;
        return this.canvas.querySelector('canvas').toDataURL('image/png');
      }
      var width = range.right - range.left;
      var height = range.bottom - range.top;
      var scale = Math.min(1, (PNG_MAX - 2 * PAD) / Math.max(width, height));
      if (this.relabel(scale)) net.redraw();
      net.setSize(Math.ceil(width * scale + 2 * PAD) + 'px', Math.ceil(height * scale + 2 * PAD) + 'px');
      net.moveTo({ scale: scale,
        position: { x: (range.left + range.right) / 2, y: (range.top + range.bottom) / 2 } });
      net.redraw();
      var url = this.canvas.querySelector('canvas').toDataURL('image/png');
      this.exporting = false;
      net.setSize('100%', '100%');
      this.relabel(view.scale);
      net.moveTo(view);
      net.redraw();
      return url;
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
