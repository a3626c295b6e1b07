/* lineage-graph/keys.js: the graph by keyboard, once its canvas has focus.
 *
 * Arrow keys move the selection: right to a node this one feeds (an edge out), left to one
 * that feeds it (an edge in), up and down to the nearest node above or below; where no edge
 * leads that way, the nearest node that way. Enter opens the selected node's preview or
 * cluster panel, Space puts a pulled-out member back into its cluster (the cluster panel's
 * list pulls members out), + and - zoom, 0 fits, Escape closes the open panel (then leaves
 * full screen).
 * The selection has a ring on the canvas (vis.js) and is read out by the live line.
 */
(function (LG) {
  'use strict';

  var MOVES = { ArrowRight: 'right', ArrowLeft: 'left', ArrowUp: 'up', ArrowDown: 'down' };

  // How far `to` is from `from` going `way`, or Infinity when it is not that way.
  function distance(from, to, way) {
    var dx = to.x - from.x;
    var dy = to.y - from.y;
    var along = { right: dx, left: -dx, down: dy, up: -dy }[way];
    var across = way === 'right' || way === 'left' ? Math.abs(dy) : Math.abs(dx);
    return along > 0.5 ? along + 2 * across : Infinity;
  }

  // The nearest of `ids` going `way` from `id`, or null.
  function nearest(positions, id, ids, way) {
    var best = null;
    var bestDistance = Infinity;
    ids.forEach((other) => {
      var d = other === id ? Infinity : distance(positions[id], positions[other], way);
      if (d < bestDistance) { best = other; bestDistance = d; }
    });
    return best;
  }

  // The node the selection moves to from `id` going `way`: along an edge first.
  function step(drawing, id, way) {
    var positions = drawing.network.getPositions();
    var edges = drawing.edgeSet.get();
    var linked = edges.filter((e) => (way === 'right' ? e.from === id : e.to === id))
      .map((e) => (way === 'right' ? e.to : e.from));
    if (way === 'right' || way === 'left') {
      var next = nearest(positions, id, linked, way);
      if (next !== null) return next;
    }
    return nearest(positions, id, Object.keys(positions), way);
  }

  // The sentence the live line reads for a selected node.
  function announce(graph, id) {
    var e = graph.model.shownEntry(id, graph.state);
    if (e === undefined) return '';
    var edges = graph.drawing.edgeSet.get();
    var ins = edges.filter((x) => x.to === id).length;
    var outs = edges.filter((x) => x.from === id).length;
    var group = LG.groupings ? LG.groupings.preview(graph, e) : null; // a group of the overview
    var kind = e.k === 'cluster' ? 'cluster' : group ? group.kind : e.k === 'type' ? 'type'
      : (e.ck || e.k);
    var words = [kind + (e.g ? ' ' + e.g : '') + ': ' + (e.k === 'type' ? e.t : e.l)];
    var i = graph.current.entries === graph.model.entries ? graph.model.index.get(id) : undefined;
    var run = LG.merge && i !== undefined ? LG.merge.runOf(graph.current, i) : undefined;
    if (run !== undefined) words.push('made by run ' + run.l); // drawn inside (merge.js)
    if (e.id === graph.state.focus) words.push('this page');
    words.push(ins + ' in, ' + outs + ' out');
    return words.join('; ') + '.';
  }

  // Select a node: the ring, the camera (when it is out of view) and the live line.
  function select(graph, id) {
    graph.drawing.select(id);
    graph.parts.live.textContent = id === null ? '' : announce(graph, id);
    LG.controls.syncScope(graph); // the project graph's Direction and Depth start from it
  }

  // Move the selection `way`; with none yet, select the page's node (or the first drawn).
  function move(graph, way) {
    var drawing = graph.drawing;
    var current = drawing.selected;
    if (current === null || !drawing.isDrawn(current)) {
      var focus = graph.state.focus;
      select(graph, focus !== null && drawing.isDrawn(focus) ? focus : drawing.firstNode());
      return;
    }
    var next = step(drawing, current, way);
    if (next !== null) select(graph, next);
  }

  // Put the selected member back into its cluster; the selection moves to the cluster.
  function putBack(graph) {
    var id = graph.drawing.selected;
    var cluster = graph.model.entries[graph.model.entry(id).c];
    graph.putBack(id);
    select(graph, cluster.id);
  }

  // Act on one key; true when it was the graph's.
  function onKey(graph, key) {
    var drawing = graph.drawing;
    if (MOVES[key]) move(graph, MOVES[key]);
    else if (key === 'Enter' && drawing.selected !== null) graph.panels.select(drawing.selected);
    else if (key === ' ' && graph.state.out.has(drawing.selected)) putBack(graph);
    else if (key === '+' || key === '=') drawing.zoom(1);
    else if (key === '-' || key === '_') drawing.zoom(-1);
    else if (key === '0') graph.fit();
    else if (key === 'Escape') return LG.controls.escape(graph);
    else return false;
    return true;
  }

  function bind(graph) {
    graph.parts.canvas.addEventListener('keydown', (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      if (onKey(graph, event.key)) event.preventDefault();
    });
  }

  LG.keys = { bind: bind, select: select };
})(window.LineageGraph = window.LineageGraph || {});
