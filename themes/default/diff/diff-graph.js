// diff-graph.js: marks the changes on the graph of `lineage-report diff --html`.
// lineage-graph.js draws the view; this script restyles the nodes and edges named in
// #lineage-diff-marks: added ones green, changed ones amber, removed ones as grey dashed
// ghosts. lineage-graph.js sets each node's group again whenever it redraws (a filter, a
// member pulled out), which brings back the group's colours: the marks are put back then.
(function () {
  'use strict';

  var STYLES = {
    added: { borderWidth: 3, color: { background: '#dafbe1', border: '#1a7f37',
      highlight: { background: '#ffffff', border: '#1a7f37' },
      hover: { background: '#dafbe1', border: '#1a7f37' } } },
    changed: { borderWidth: 3, color: { background: '#fff8c5', border: '#9a6700',
      highlight: { background: '#ffffff', border: '#9a6700' },
      hover: { background: '#fff8c5', border: '#9a6700' } } },
    removed: { borderWidth: 1.5, shapeProperties: { borderDashes: [5, 4] },
      font: { color: '#8c959f' },
      color: { background: 'rgba(246, 248, 250, 0.5)', border: '#afb8c1',
        highlight: { background: '#ffffff', border: '#8c959f' },
        hover: { background: 'rgba(246, 248, 250, 0.5)', border: '#8c959f' } } },
    cluster: { borderWidth: 3, color: { border: '#9a6700',
      highlight: { border: '#9a6700' }, hover: { border: '#9a6700' } } },
  };
  var EDGE_STYLES = {
    added: { color: { color: '#1a7f37', highlight: '#1a7f37', hover: '#1a7f37' }, width: 2.5 },
    removed: { color: { color: '#afb8c1', highlight: '#8c959f', hover: '#8c959f' },
      dashes: [5, 4], width: 1.2 },
  };

  function marks() {
    var script = document.getElementById('lineage-diff-marks');
    var data = script ? JSON.parse(script.textContent) : {};
    var byNode = new Map();
    var nodes = data.nodes || {};
    Object.keys(nodes).forEach((mark) => nodes[mark].forEach((id) => byNode.set(id, mark)));
    (data.clusters || []).forEach((id) => byNode.set(id, 'cluster'));
    var byEdge = new Map();
    var edges = data.edges || {};
    // The same edge ids lineage-graph.js gives its edges.
    Object.keys(edges).forEach((mark) => edges[mark].forEach((pair) => {
      byEdge.set(JSON.stringify(pair), mark);
    }));
    return { nodes: byNode, edges: byEdge };
  }

  function restyle(set, ids, styles, byId) {
    var patch = [];
    ids.forEach((id) => {
      var mark = byId.get(id);
      if (mark) patch.push(Object.assign({ id: id, diffMark: mark }, styles[mark]));
    });
    if (patch.length) set.update(patch);
  }

  function start(view) {
    var found = marks();
    var nodeSet = view.network.body.data.nodes;
    var edgeSet = view.network.body.data.edges;
    restyle(nodeSet, nodeSet.getIds(), STYLES, found.nodes);
    restyle(edgeSet, edgeSet.getIds(), EDGE_STYLES, found.edges);
    nodeSet.on('add', (event, params) => restyle(nodeSet, params.items, STYLES, found.nodes));
    nodeSet.on('update', (event, params) => {
      // Our own patches carry diffMark; a redraw's do not, and need the marks again.
      var redrawn = params.items.filter((id, i) => !('diffMark' in (params.data[i] || {})));
      restyle(nodeSet, redrawn, STYLES, found.nodes);
    });
    edgeSet.on('add', (event, params) => restyle(edgeSet, params.items, EDGE_STYLES, found.edges));
    document.documentElement.dataset.diffMarked = String(found.nodes.size);
  }

  function main() {
    var view = window.lineageView;
    if (!view || !view.network) return;  // no graph library: the lists carry the changes
    start(view);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
  else main();
})();
