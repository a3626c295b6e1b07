/* lineage-graph/highlight.js: a node's lineage lit on the graph, the rest dimmed (dbt docs' way).
 *
 * The toolbar's Highlight box takes dbt's selection syntax: `+name` a node and its upstream,
 * `name+` and its downstream, `+name+` both, `2+name` / `name+3` only so many steps, `name`
 * the node alone. The name is a drawn node's label or id; a member inside its cluster lights
 * the cluster; else the first drawn node whose label contains it. The preview's "Highlight
 * lineage" button writes `+name+` for its node. The selector is part of the view state
 * (`sel`) and of the URL fragment (`#sel=%2Bmnist-cnn%3Av6%2B`); vis.js draws the dimming.
 */
(function (LG) {
  'use strict';

  // '+name+', '2+name', 'name+3', 'name' -> { name, up, down } (steps each way), or null.
  function parse(text) {
    var rest = String(text || '').trim();
    var up = 0;
    var down = 0;
    var m = /^(\d*)\+/.exec(rest);
    if (m) {
      up = m[1] ? parseInt(m[1], 10) : Infinity;
      rest = rest.slice(m[0].length);
    }
    m = /\+(\d*)$/.exec(rest);
    if (m && m.index > 0) {
      down = m[1] ? parseInt(m[1], 10) : Infinity;
      rest = rest.slice(0, m.index);
    }
    rest = rest.trim();
    return rest ? { name: rest, up: up, down: down } : null;
  }

  // The scene index of the node `name` stands for, or undefined.
  function resolve(graph, scene, name) {
    var drawn = new Set(scene.list);
    var lower = name.toLowerCase();
    var byText = (test) => scene.list.find((i) => test(scene.entries[i]));
    var found = byText((e) => e.id === name);
    if (found === undefined) found = byText((e) => String(e.l).toLowerCase() === lower);
    if (found === undefined && scene.merged) {
      // A run drawn inside its output (merge.js): that node stands for it.
      scene.merged.forEach((r, a) => {
        var run = scene.entries[r];
        if (found === undefined && (run.id === name || String(run.l).toLowerCase() === lower)) {
          found = a;
        }
      });
    }
    if (found === undefined && scene.entries === graph.model.entries) {
      // A member still inside its cluster: the cluster stands for it.
      var member = graph.model.entries.findIndex((e) => e.c !== undefined && drawn.has(e.c) &&
        (e.id === name || String(e.l).toLowerCase() === lower));
      if (member >= 0) found = graph.model.entries[member].c;
    }
    if (found === undefined) found = byText((e) => String(e.l).toLowerCase().indexOf(lower) >= 0);
    return found;
  }

  // Breadth-first from `start` over `adj` (index -> [index]) for `steps`; adds what it meets.
  function walk(start, adj, steps, nodes, pairs, forward) {
    var seen = new Map([[start, 0]]);
    var queue = [start];
    for (var q = 0; q < queue.length; q++) {
      var n = queue[q];
      if (seen.get(n) >= steps) continue;
      (adj.get(n) || []).forEach((m) => {
        pairs.push(forward ? [n, m] : [m, n]);
        if (seen.has(m)) return;
        seen.set(m, seen.get(n) + 1);
        nodes.add(m);
        queue.push(m);
      });
    }
    return seen.size - 1;
  }

  // What the state's selector lights in a scene: { ids, edges, node, up, down }, or null when
  // there is no selector; { missing: name } when it names no drawn node.
  function lit(graph, scene, sel) {
    var selector = parse(sel);
    if (selector === null) return null;
    var start = resolve(graph, scene, selector.name);
    if (start === undefined) return { missing: selector.name };
    var outs = new Map();
    var ins = new Map();
    scene.pairs.forEach((p) => {
      if (!outs.has(p[0])) outs.set(p[0], []);
      if (!ins.has(p[1])) ins.set(p[1], []);
      outs.get(p[0]).push(p[1]);
      ins.get(p[1]).push(p[0]);
    });
    var nodes = new Set([start]);
    var pairs = [];
    var up = walk(start, ins, selector.up, nodes, pairs, false);
    var down = walk(start, outs, selector.down, nodes, pairs, true);
    var id = (i) => scene.entries[i].id;
    var edges = new Set(pairs.filter((p) => nodes.has(p[0]) && nodes.has(p[1]))
      .map((p) => JSON.stringify([id(p[0]), id(p[1])])));
    return { ids: new Set(Array.from(nodes).map(id)), edges: edges, node: scene.entries[start],
      up: up, down: down, selector: selector };
  }

  // The line under the toolbar that says what is lit.
  function describe(result) {
    if (result === null) return '';
    if (result.missing !== undefined) return 'Highlight: no drawn node is named \u201c' +
      result.missing + '\u201d.';
    var s = result.selector;
    var parts = [];
    if (s.up) parts.push(LG.text.commas(result.up) + ' upstream');
    if (s.down) parts.push(LG.text.commas(result.down) + ' downstream');
    return 'Highlight: ' + result.node.l + (parts.length ? ' and ' + parts.join(', ') : '') +
      '; the rest is dimmed.';
  }

  // The selector the preview's button writes for a node: its label when no other drawn node
  // has it, else its id.
  function selectorFor(graph, id) {
    var scene = graph.current;
    var inside = LG.merge ? LG.merge.outputOf(graph, id) : undefined; // a run inside its output
    if (inside !== undefined) id = inside;
    var e = graph.model.shownEntry(id, graph.state);
    if (e === undefined) return '';
    var same = scene.entries.filter((x) => x.l === e.l).length; // drawn or in a cluster
    return '+' + (same === 1 && !/^\d*\+|\+\d*$/.test(e.l) ? e.l : e.id) + '+';
  }

  // The fragment's `sel` (url-state.js calls these).
  function encode(state, params) {
    if (state.sel) params.set('sel', state.sel);
  }

  function decode(params, state) {
    state.sel = params.get('sel') || '';
  }

  LG.highlight = { parse: parse, lit: lit, describe: describe, selectorFor: selectorFor,
    encode: encode, decode: decode };
})(window.LineageGraph = window.LineageGraph || {});
