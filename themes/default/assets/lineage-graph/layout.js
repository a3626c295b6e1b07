/* lineage-graph/layout.js: node positions from their layers, as the build works them out.
 *
 * A port of lineage_report/graphview/layout.py's `place` (and its helpers), which stays the
 * reference: for the same layers and edges it gives the same x and y, bit for bit, so a page
 * may place its nodes here instead of carrying their positions. Every step keeps Python's:
 * ids sorted by code point (not by UTF-16 code unit), each sort key worked out once, the
 * floating-point operations in the same order, and round() taking halves to even
 * (tests/browser/test_layout_parity.py holds the two to the same numbers).
 *
 *   LineageGraph.place(layer, edges) -> a Map: id -> {x, y} (integers)
 *     layer  a Map or a plain object: node id (string) -> layer (integer)
 *     edges  an array of [u, v] id pairs, in the caller's order, both ids in `layer`
 *   LineageGraph.layout.compareCodePoints(a, b) -> -1, 0, 1: ids in Python's order
 */
(function (LG) {
  'use strict';

  // layout.py's grid (X_GAP, Y_GAP: px between layers and rows) and its barycenter sweeps.
  var X_GAP = 260;
  var Y_GAP = 80;
  var SWEEPS = 4;

  // Python's string order: by code point. JavaScript's `<` compares UTF-16 code units, which
  // puts U+E000..U+FFFF after the astral characters (whose surrogates are D800..DFFF).
  function compareCodePoints(a, b) {
    var n = Math.min(a.length, b.length);
    for (var i = 0; i < n;) {
      var p = a.codePointAt(i);
      var q = b.codePointAt(i);
      if (p !== q) return p < q ? -1 : 1;
      i += p > 0xffff ? 2 : 1; // equal so far: both strings step over the same units
    }
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }

  // Python's round() of a float: the nearest integer, halves to the even one, and 0 for -0.
  function roundHalfEven(v) {
    var f = Math.floor(v);
    var d = v - f; // exact: a double's fraction is a double
    var r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
    return r === 0 ? 0 : r;
  }

  // The layers as a Map, from a Map or from a plain object's own keys.
  function layerMap(layer) {
    if (layer instanceof Map) return layer;
    var map = new Map();
    Object.keys(layer).forEach((n) => map.set(n, layer[n]));
    return map;
  }

  // Each node's neighbours in other layers, [left (its inputs), right], in the edges' order.
  function sidesOf(layer, edges) {
    var sides = new Map();
    layer.forEach((k, n) => sides.set(n, [[], []]));
    edges.forEach(([u, v]) => {
      // Python's dict lookups raise KeyError here: an edge must join two placed nodes.
      if (!layer.has(u) || !layer.has(v)) throw new Error('place: no layer for an edge ' + [u, v]);
      var [a, b] = layer.get(u) < layer.get(v) ? [u, v] : [v, u];
      if (layer.get(a) === layer.get(b)) return; // an edge within a layer pulls nothing
      sides.get(a)[1].push(b); // b lies right of a
      sides.get(b)[0].push(a);
    });
    return sides;
  }

  // Each layer's nodes in id order (Python's sorted(layer)), by layer.
  function columnsOf(layer) {
    var columns = new Map();
    Array.from(layer.keys()).sort(compareCodePoints).forEach((n) => {
      var k = layer.get(n);
      if (!columns.has(k)) columns.set(k, []);
      columns.get(k).push(n);
    });
    return columns;
  }

  // Set the y of a column's nodes one row apart, centred on 0, in list order.
  function center(column, ys) {
    var middle = (column.length - 1) / 2;
    column.forEach((n, i) => ys.set(n, (i - middle) * Y_GAP));
  }

  // The mean y of nodes, or `fallback` for none, added left to right from 0 as layout.py does.
  function mean(nodes, ys, fallback) {
    if (!nodes.length) return fallback;
    var total = 0.0;
    for (var i = 0; i < nodes.length; i++) total += ys.get(nodes[i]);
    return total / nodes.length;
  }

  // Sort a column by its nodes' neighbours' mean y on one side, then by id. The keys are
  // worked out before the sort, as Python's sort(key=...) does.
  function sortColumn(col, sides, side, ys) {
    var keys = new Map();
    col.forEach((n) => keys.set(n, mean(sides.get(n)[side], ys, ys.get(n))));
    col.sort((a, b) => {
      var ka = keys.get(a);
      var kb = keys.get(b);
      return ka < kb ? -1 : ka > kb ? 1 : compareCodePoints(a, b);
    });
  }

  // True while the last two blocks break the order (their means, cross-multiplied as Python).
  function violated(blocks) {
    var n = blocks.length;
    return n > 1 && blocks[n - 2][0] * blocks[n - 1][1] > blocks[n - 1][0] * blocks[n - 2][1];
  }

  // The ys closest (least squares) to `wanted` that keep its order and `gap` apart.
  function spread(wanted, gap) {
    if (wanted.length === 1) return wanted;
    // y_i - i*gap must not decrease: pool adjacent violators on wanted_i - i*gap.
    var blocks = []; // [total, count]
    wanted.forEach((w, i) => {
      blocks.push([w - i * gap, 1]);
      while (violated(blocks)) {
        var [total, count] = blocks.pop();
        blocks[blocks.length - 1][0] += total;
        blocks[blocks.length - 1][1] += count;
      }
    });
    var out = [];
    blocks.forEach(([total, count]) => {
      var start = out.length;
      for (var j = 0; j < count; j++) out.push(total / count + (start + j) * gap);
    });
    return out;
  }

  // Set a column's ys to `wanted`, spread a row apart when the column has more than one node.
  function settle(col, wanted, ys) {
    var placed = col.length > 1 ? spread(wanted, Y_GAP) : wanted;
    col.forEach((n, i) => ys.set(n, placed[i]));
  }

  // Pull each node level with its inputs (sources with their consumers), keeping order.
  function straighten(columns, keys, sides, ys) {
    keys.forEach((k) => {
      var col = columns.get(k);
      settle(col, col.map((n) => mean(sides.get(n)[0], ys, ys.get(n))), ys);
    });
    keys.slice().reverse().forEach((k) => {
      var col = columns.get(k);
      settle(col, col.map((n) => (sides.get(n)[0].length ? ys.get(n)
        : mean(sides.get(n)[1], ys, ys.get(n)))), ys);
    });
  }

  // Each node's y before rounding: barycenter order within layers, then edges pulled straight.
  function unrounded(layer, edges) {
    var sides = sidesOf(layer, edges);
    var columns = columnsOf(layer);
    var keys = Array.from(columns.keys()).sort((a, b) => a - b);
    var ys = new Map();
    keys.forEach((k) => center(columns.get(k), ys));
    var crowded = keys.filter((k) => columns.get(k).length > 1);
    for (var sweep = 0; sweep < (crowded.length ? SWEEPS : 0); sweep++) {
      var side = sweep % 2; // 0: order by the inputs on the left, 1: by the outputs on the right
      (side === 0 ? crowded : crowded.slice().reverse()).forEach((k) => {
        sortColumn(columns.get(k), sides, side, ys);
        center(columns.get(k), ys);
      });
    }
    straighten(columns, keys, sides, ys);
    return ys;
  }

  // Each node's {x, y}: x its layer's, counted from the leftmost; y rounded as Python rounds.
  function place(layers, edges) {
    var layer = layerMap(layers);
    var ys = unrounded(layer, edges);
    var base = Infinity; // the leftmost layer (no node: no x to work out)
    layer.forEach((k) => { if (k < base) base = k; });
    var out = new Map();
    layer.forEach((k, n) => out.set(n, { x: (k - base) * X_GAP, y: roundHalfEven(ys.get(n)) }));
    return out;
  }

  LG.place = place;
  // The parts the parity test holds to Python's one by one (ys: the floats before rounding).
  LG.layout = { place: place, compareCodePoints: compareCodePoints, roundHalfEven: roundHalfEven,
    ys: (layers, edges) => unrounded(layerMap(layers), edges) };
})(window.LineageGraph = window.LineageGraph || {});
