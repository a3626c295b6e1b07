/* lineage-graph/previews.js: a node's preview rows, from the site's preview files.
 *
 * A built site writes each node's preview once, in shards under `previews/`
 * (lineage_report/graphview/previews.py); a page's data names the folder (`pv`, relative to
 * the page) and the shard count (`pn`) instead of embedding the rows (`p`). A node's shard
 * is FNV-1a over its id's UTF-16 code units, modulo `pn`, as Python computes it. The shard is
 * a script (file:// forbids fetch) loaded when a preview needs it; its rows are kept on the
 * entries, so each shard loads once a page. A view with its rows inline needs none of this.
 */
(function (LG) {
  'use strict';

  var GLOBAL = 'LineagePreviews'; // previews.py GLOBAL: each shard adds itself under its number

  function shardOf(id, count) {
    var h = 0x811c9dc5;
    for (var i = 0; i < id.length; i++) {
      h ^= id.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h % count;
  }

  // The entries among `list` whose rows are in a preview file not read yet.
  function missing(graph, list) {
    var data = graph.model.data;
    if (!data.pn || LG.text.safeHref(data.pv) === null) return [];
    return list.filter((e) => e && e.p === undefined && (e.k === 'run' || e.k === 'artifact'));
  }

  // Read the shards of `entries` and give each entry its rows (none: an empty list).
  function load(graph, entries) {
    var data = graph.model.data;
    var folder = LG.text.safeHref(data.pv);
    var wanted = new Map();
    entries.forEach((e) => {
      var shard = shardOf(e.id, data.pn);
      if (!wanted.has(shard)) wanted.set(shard, []);
      wanted.get(shard).push(e);
    });
    return Promise.all(Array.from(wanted, (pair) => LG.dom.loadScript(folder + pair[0] + '.js')
      .then(() => {
        var shard = (window[GLOBAL] || {})[pair[0]];
        if (!shard || !Array.isArray(shard.nodes)) throw new Error('no previews in shard ' + pair[0]);
        var rows = new Map(LG.expandData(shard).nodes.map((e) => [e.id, e.p || []]));
        pair[1].forEach((e) => { e.p = rows.get(e.id) || []; });
      })));
  }

  LG.previews = { shardOf: shardOf, missing: missing, load: load };
})(window.LineageGraph = window.LineageGraph || {});
