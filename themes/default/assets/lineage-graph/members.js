/* lineage-graph/members.js: a big cluster's member file, loaded when its panel needs it.
 *
 * A cluster that embeds fewer members than it stands for names a member file (`m`, relative to
 * the page; docs/graph.md): a script (file:// forbids fetch) that adds its data to
 * window.LineageMembers under its digest. It is loaded by a <script> element when the
 * cluster's panel opens, or when the page's URL pulls out a member the page does not embed.
 * Loaded, its members join the model as the cluster's (Model.addMembers), so the filter, the
 * paging, pulling out and the URL work on every one of them.
 */
(function (LG) {
  'use strict';

  var FOLDER = 'members/'; // graphview/members.py FOLDER, below the site's root

  var states = new WeakMap(); // model -> Map(cluster index -> 'loading' | 'loaded' | 'failed')

  // The data of a member file, once its <script> element has run.
  function fetchFile(url) {
    var digest = url.slice(url.lastIndexOf('/') + 1).replace(/\.js$/, '');
    return LG.dom.loadScript(url).then(() => {
      var data = (window.LineageMembers || {})[digest];
      if (data && Array.isArray(data.nodes)) return data;
      throw new Error(url + ' holds no members');
    });
  }

  function statesOf(model) {
    if (!states.has(model)) states.set(model, new Map());
    return states.get(model);
  }

  // A cluster's member file: undefined (it has none), 'loading', 'loaded' or 'failed'.
  function status(graph, c) {
    var e = graph.model.entries[c];
    if (!e || LG.text.safeHref(e.m) === null) return undefined;
    return statesOf(graph.model).get(c);
  }

  // Load cluster c's members into the model once; `done` runs when it has them or failed.
  function ensure(graph, c, done) {
    var model = graph.model;
    var url = LG.text.safeHref(model.entries[c].m);
    var known = statesOf(model);
    if (url === null || known.get(c) === 'loaded') return Promise.resolve(true);
    if (known.get(c) !== 'loading') known.set(c, 'loading');
    return fetchFile(url).then((data) => {
      if (known.get(c) !== 'loaded') model.addMembers(c, data, rootOf(url));
      known.set(c, 'loaded');
      return true;
    }, () => {
      known.set(c, 'failed');
      return false;
    }).then((ok) => {
      if (done) done(ok);
      return ok;
    });
  }

  // The site's root, seen from this page: the member file's URL up to its folder.
  function rootOf(url) {
    var at = url.lastIndexOf(FOLDER);
    return at < 0 ? '' : url.slice(0, at);
  }

  // A URL that pulls out members this page does not embed (a link, a reload): load the
  // clusters' member files, then pull those members out as the fragment says, with no new
  // history entry.
  function restore(graph) {
    var model = graph.model;
    var wanted = new URLSearchParams(location.hash.replace(/^#/, '')).getAll('out')
      .filter((id) => model.entry(id) === undefined);
    if (!wanted.length) return;
    var clusters = [];
    model.entries.forEach((e, i) => { if (e.k === 'cluster' && e.m) clusters.push(i); });
    Promise.all(clusters.map((c) => ensure(graph, c))).then(() => {
      var out = new Set(graph.state.out);
      wanted.forEach((id) => {
        var e = model.entry(id);
        if (e !== undefined && e.c !== undefined) out.add(id);
      });
      if (out.size !== graph.state.out.size) graph.setState({ out: out }, { fromHash: true });
    });
  }

  LG.members = { ensure: ensure, status: status, restore: restore };
})(window.LineageGraph = window.LineageGraph || {});
