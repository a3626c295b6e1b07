/* lineage-graph/controls.js: the toolbar, the type filters and the canvas's clicks.
 *
 * Every control changes the view through graph.setState (or one of the cluster calls), and
 * `sync` sets each control back from the state, so a fragment edited by hand, the Reset button
 * and the controls never disagree.
 */
(function (LG) {
  'use strict';

  // One checkbox per artifact type and job type the page draws, all checked.
  function buildFilters(graph) {
    var groups = graph.model.data.groups || {};
    ['artifact', 'run'].forEach((kind) => {
      var box = graph.parts['filter-' + kind];
      (groups[kind] || []).forEach((g) => {
        var label = LG.dom.make('label');
        var check = LG.dom.make('input');
        check.type = 'checkbox';
        check.checked = true;
        check.setAttribute('data-hide-key', kind + ':' + g);
        label.appendChild(check);
        label.appendChild(document.createTextNode(' ' + (g || '(none)')));
        box.appendChild(label);
      });
      box.hidden = !(groups[kind] || []).length;
    });
  }

  function sync(graph) {
    var P = graph.parts;
    var s = graph.state;
    var model = graph.model;
    var full = s.view === 'full';
    P.viewFull.setAttribute('aria-pressed', full ? 'true' : 'false');
    P.viewTypes.setAttribute('aria-pressed', full ? 'false' : 'true');
    P.viewFull.disabled = !model.entries.length;
    P.direction.value = s.dir;
    P.depth.value = s.depth === null ? '' : String(s.depth);
    var noFocus = !full || s.focus === null;
    P.direction.disabled = noFocus;
    P.depth.disabled = noFocus;
    P.expandAll.disabled = !full || !model.membersOf.size;
    P.collapseAll.disabled = !full || !model.membersOf.size;
    graph.root.querySelectorAll('[data-hide-key]').forEach((check) => {
      check.checked = !s.hide.has(check.getAttribute('data-hide-key'));
    });
    if (!full) graph.panels.close();
  }

  function bindToolbar(graph) {
    var P = graph.parts;
    P.viewFull.addEventListener('click', () => graph.setState({ view: 'full' }));
    P.viewTypes.addEventListener('click', () => graph.setState({ view: 'types' }));
    P.direction.addEventListener('change', () => graph.setState({ dir: P.direction.value }));
    P.depth.addEventListener('input', () => {
      var depth = parseInt(P.depth.value, 10);
      graph.setState({ depth: depth >= 1 ? depth : null });
    });
    P.filters.addEventListener('change', (event) => {
      var key = event.target.getAttribute('data-hide-key');
      if (key === null) return;
      var hide = new Set(graph.state.hide);
      if (event.target.checked) hide.delete(key);
      else hide.add(key);
      graph.setState({ hide: hide });
    });
    P.expandAll.addEventListener('click', () => graph.expand());
    P.collapseAll.addEventListener('click', () => graph.collapse());
    P.fit.addEventListener('click', () => graph.fit());
    P.reset.addEventListener('click', () => graph.reset());
    bindExports(graph);
    window.addEventListener('hashchange', () => graph.onHashChange());
  }

  function bindExports(graph) {
    var P = graph.parts;
    P.exportPng.addEventListener('click', () => { LG.exports.png(P); P.pngLink.click(); });
    P.exportMermaid.addEventListener('click', () => {
      P.mermaid.value = graph.mermaid();
      P.mermaidBox.hidden = false;
    });
    P.copyMermaid.addEventListener('click', () => LG.exports.copy(P.mermaid));
  }

  // A click opens a panel (or closes them, on the background); a double click opens the page.
  function bindCanvas(graph) {
    var net = graph.drawing.network;
    net.on('click', (p) => {
      if (p.nodes.length) graph.panels.select(p.nodes[0]);
      else if (!p.edges.length) graph.panels.close();
    });
    net.on('doubleClick', (p) => {
      if (!p.nodes.length) return;
      var e = graph.model.shownEntry(p.nodes[0], graph.state);
      var href = e && LG.text.safeHref(e.h);
      if (href !== null && href !== undefined) window.location.href = href;
    });
  }

  LG.controls = { buildFilters: buildFilters, sync: sync, bindToolbar: bindToolbar,
    bindCanvas: bindCanvas };
})(window.LineageGraph = window.LineageGraph || {});
