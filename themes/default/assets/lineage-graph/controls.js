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
    fillNames(graph);
  }

  var NAMES_MAX = 500; // names the Highlight box suggests

  // The Highlight box's suggestions: the names of the page's nodes, each once.
  function fillNames(graph) {
    var seen = new Set();
    graph.model.entries.forEach((e) => {
      if (e.k !== 'cluster' && seen.size < NAMES_MAX) seen.add(e.l);
    });
    seen.forEach((name) => {
      var option = LG.dom.make('option');
      option.value = name;
      graph.parts.names.appendChild(option);
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
    syncScope(graph);
    if (document.activeElement !== P.highlight) P.highlight.value = s.sel || '';
    P.expandAll.disabled = !full || !model.membersOf.size;
    P.collapseAll.disabled = !full || !model.membersOf.size;
    graph.root.querySelectorAll('[data-hide-key]').forEach((check) => {
      check.checked = !s.hide.has(check.getAttribute('data-hide-key'));
    });
    if (LG.merge) LG.merge.sync(graph); // the "Merge runs" toggle
    if (LG.groupings) LG.groupings.sync(graph); // the "Group by" select
    if (!full) graph.panels.close();
  }

  // ------------------------------------------------------------ direction and depth

  // The node Direction and Depth count from: the page's (or the one focused), else on a graph
  // with none (the project graph) the node selected on the canvas. `why` says why they are
  // off, and is shown beside them: a greyed control alone does not say.
  function scopeOf(graph) {
    var s = graph.state;
    if (s.view !== 'full') return { id: null, why: 'Direction and depth work on the full graph' };
    if (s.focus !== null) return { id: s.focus, why: null };
    var e = graph.drawing.selected === null ? undefined : graph.model.entry(graph.drawing.selected);
    if (e !== undefined && e.k !== 'cluster') return { id: e.id, why: null };
    return { id: null, why: 'Select a node to use direction and depth' };
  }

  function syncScope(graph) {
    var P = graph.parts;
    var scope = scopeOf(graph);
    P.direction.disabled = scope.id === null;
    P.depth.disabled = scope.id === null;
    var own = scope.id !== null && scope.id === graph.model.defaults.focus;
    var text = scope.why !== null ? scope.why
      : own ? '' : 'from ' + graph.model.entry(scope.id).l;
    P.scopeHint.textContent = text;
    P.direction.title = text || 'From this page\u2019s node';
    P.depth.title = P.direction.title;
  }

  // A change of direction or depth; on a graph without a focus it starts from the selection.
  function setScope(graph, patch) {
    var scope = scopeOf(graph);
    if (scope.id === null) return;
    if (graph.state.focus === null) patch.focus = scope.id;
    graph.setState(patch);
  }

  function bindToolbar(graph) {
    var P = graph.parts;
    P.viewFull.addEventListener('click', () => graph.setState({ view: 'full' }));
    P.viewTypes.addEventListener('click', () => graph.setState({ view: 'types' }));
    if (LG.merge) LG.merge.bind(graph); // "Merge runs", after the view buttons
    if (LG.groupings) LG.groupings.bind(graph); // "Group by" (the project page's groupings)
    P.direction.addEventListener('change', () => setScope(graph, { dir: P.direction.value }));
    P.depth.addEventListener('input', () => {
      var depth = parseInt(P.depth.value, 10);
      setScope(graph, { depth: depth >= 1 ? depth : null });
    });
    bindPopover(P.filters);
    bindHighlight(graph);
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
    P.zoomIn.addEventListener('click', () => graph.drawing.zoom(1));
    P.zoomOut.addEventListener('click', () => graph.drawing.zoom(-1));
    P.reset.addEventListener('click', () => graph.reset());
    bindFullscreen(graph);
    bindExports(graph);
    window.addEventListener('hashchange', () => graph.onHashChange());
  }

  // The Types popover closes on a click outside it and on Escape, as a menu does.
  function bindPopover(details) {
    document.addEventListener('click', (event) => {
      if (details.open && !details.contains(event.target)) details.open = false;
    });
    details.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || !details.open) return;
      details.open = false;
      details.querySelector('summary').focus();
      event.stopPropagation();
    });
  }

  // ------------------------------------------------------------ highlight

  var TYPING_MS = 300; // the Highlight box applies once typing pauses this long

  // The Highlight box (`+name+`, highlight.js) and the preview's "Highlight lineage".
  function bindHighlight(graph) {
    var P = graph.parts;
    var timer = null;
    var apply = () => {
      clearTimeout(timer);
      var sel = P.highlight.value.trim();
      if (sel !== (graph.state.sel || '')) graph.setState({ sel: sel }, { highlight: true });
    };
    P.highlight.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(apply, TYPING_MS);
    });
    P.highlight.addEventListener('change', apply);
    P.highlight.addEventListener('keydown', (event) => { if (event.key === 'Enter') apply(); });
    P.previewHighlight.addEventListener('click', () => {
      var id = graph.panels.previewId;
      if (id === null) return;
      graph.panels.close();
      graph.setState({ sel: LG.highlight.selectorFor(graph, id) }, { highlight: true });
    });
  }

  function bindExports(graph) {
    var P = graph.parts;
    P.exportPng.addEventListener('click', () => { LG.exports.png(P, graph.drawing); P.pngLink.click(); });
    P.exportMermaid.addEventListener('click', () => {
      P.mermaid.value = graph.mermaid();
      P.mermaidBox.hidden = false;
    });
    P.copyMermaid.addEventListener('click', () => LG.exports.copy(P.mermaid, P.copyMermaid,
      P.copyStatus));
  }

  // ------------------------------------------------------------ full screen

  // The section fills the screen (the Fullscreen API), or, where the browser refuses, the
  // window ('lg-expanded' in lineage-graph.css); the same button and Escape leave either.
  function bindFullscreen(graph) {
    graph.parts.fullscreen.addEventListener('click', () => toggleFullscreen(graph));
    document.addEventListener('fullscreenchange', () => resized(graph));
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && graph.root.classList.contains('lg-expanded')) {
        setExpanded(graph, false);
      }
    });
  }

  function isFull(graph) {
    return document.fullscreenElement === graph.root ||
      graph.root.classList.contains('lg-expanded');
  }

  function toggleFullscreen(graph) {
    var root = graph.root;
    if (document.fullscreenElement === root) document.exitFullscreen();
    else if (root.classList.contains('lg-expanded')) setExpanded(graph, false);
    else if (!root.requestFullscreen) setExpanded(graph, true);
    else root.requestFullscreen().catch(() => setExpanded(graph, true));
  }

  function setExpanded(graph, on) {
    graph.root.classList.toggle('lg-expanded', on);
    resized(graph);
  }

  // The canvas takes the screen's height (the stylesheet's), or gets its own back; then the
  // graph is shown again as it opens.
  function resized(graph) {
    var full = isFull(graph);
    var canvas = graph.parts.canvas;
    graph.root.classList.toggle('lg-full', full);
    graph.parts.fullscreen.setAttribute('aria-pressed', full ? 'true' : 'false');
    if (full && canvas.dataset.height === undefined) {
      canvas.dataset.height = canvas.style.height;
      canvas.style.height = '';
    } else if (!full && canvas.dataset.height !== undefined) {
      canvas.style.height = canvas.dataset.height;
      delete canvas.dataset.height;
    }
    requestAnimationFrame(() => {
      graph.drawing.network.redraw();
      graph.showOpening();
    });
  }

  // Escape closes the open panel; with none open, it leaves full screen. True when it did.
  function escape(graph) {
    var P = graph.parts;
    if (!P.preview.hidden || !P.cluster.hidden) {
      graph.panels.close();
      return true;
    }
    if (document.fullscreenElement === graph.root) document.exitFullscreen();
    else if (graph.root.classList.contains('lg-expanded')) setExpanded(graph, false);
    else return false;
    return true;
  }

  // The skip link moves the keyboard past the graph without touching the URL's fragment,
  // which holds the view.
  function bindSkip(graph) {
    var skip = graph.root.querySelector('.lg-skip');
    skip.addEventListener('click', (event) => {
      event.preventDefault();
      document.getElementById('lineage-graph-end').focus();
    });
  }

  // A click opens a panel (or closes them, on the background); a double click opens the page.
  function bindCanvas(graph) {
    var net = graph.drawing.network;
    net.on('click', (p) => {
      if (p.nodes.length) {
        LG.keys.select(graph, p.nodes[0]);
        graph.panels.select(p.nodes[0]);
      } else if (!p.edges.length) {
        LG.keys.select(graph, null);
        graph.panels.close();
      }
    });
    net.on('doubleClick', (p) => {
      if (!p.nodes.length) return;
      var e = graph.model.shownEntry(p.nodes[0], graph.state);
      var href = e && LG.text.safeHref(e.h);
      if (href !== null && href !== undefined) window.location.href = href;
    });
  }

  LG.controls = { buildFilters: buildFilters, sync: sync, bindToolbar: bindToolbar,
    bindCanvas: bindCanvas, bindSkip: bindSkip, escape: escape, syncScope: syncScope };
})(window.LineageGraph = window.LineageGraph || {});
