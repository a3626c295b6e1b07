/* lineage-graph.js: draws a page's lineage graph from the data embedded in the page (issue 3).
 *
 * Plain ES2017, no build step, no network: the data comes from the
 * <script type="application/json" id="lineage-graph-data"> element that
 * lineage_report/graphview.py writes (format: docs/graph.md), and vis-network (the global `vis`)
 * draws it with the positions computed at build time, physics off. Untrusted strings reach the
 * page only through textContent, attributes and canvas text, never through innerHTML.
 * Hooks for tests and users' scripts: window.lineageView (see `api` at the end).
 */
(function () {
  'use strict';

  var KIND_COLOURS = {
    artifact: { background: '#dbeafe', border: '#2563eb' },
    run: { background: '#dcfce7', border: '#16a34a' },
  };
  var FOCUS_BORDER = '#d97706';
  var FONT = 'system-ui, -apple-system, Segoe UI, sans-serif';
  var LABEL_CHARS = 28;
  // The same character set as graphview._MERMAID_SAFE: both exporters must write the same text.
  var MERMAID_SAFE = /^[A-Za-z0-9 _.,:\/@+=-]$/;
  var UNSAFE_HREF = /^\s*([a-zA-Z][a-zA-Z0-9+.-]*:|\/\/|\\)/;
  // Fit the graph, but never so small that labels cannot be read: then centre on the focus.
  var MAX_SCALE = 1.2;
  var MIN_SCALE = 0.75;
  // A graph a few rows high gets a shorter canvas (never below MIN_HEIGHT, never above the
  // stylesheet's height); NODE_BOX is a node's size in graph units, PAD the fit's margin in px.
  var MIN_HEIGHT = 400;
  var NODE_BOX = { width: 220, height: 60 };
  var PAD = 90;

  function part(root, name) {
    return root.querySelector('[data-lg="' + name + '"]');
  }

  function make(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function shorten(text, limit) {
    var chars = Array.from(String(text || ''));
    return chars.length <= limit ? chars.join('') : chars.slice(0, limit - 1).join('') + '…';
  }

  // vis-network's 'html' labels (canvas text, never DOM) read <b>, <i>, <code> and their end
  // tags as styling, and its entity decoding is broken in 9.1.2 (a line that starts with '&'
  // is garbled). So a zero-width space follows every '<' of a name, and every line of a label
  // starts with a tag: names are drawn exactly as written.
  function labelText(text) {
    return String(text).replace(/[\r\n]+/g, ' ').replace(/</g, '<\u200b');
  }

  // Two lines: the type, small and grey (in <i>, styled by the `ital` font), then the name.
  function twoLines(top, main) {
    var first = top ? '<i>' + labelText(shorten(top, LABEL_CHARS)) + '</i>\n' : '';
    return first + '<b>' + labelText(shorten(main, LABEL_CHARS)) + '</b>';
  }

  // Counts the panel makes up as the reader types ("3 of 16 shown"), written as
  // lineage_report/formats.count writes them. Every other value comes formatted in the page
  // data (a node's count as `t`, preview rows as `p`) and is shown as given.
  function commas(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  function safeHref(href) {
    return typeof href === 'string' && href !== '' && !UNSAFE_HREF.test(href) ? href : null;
  }

  function compareIds(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function mermaidEscape(text) {
    var out = '';
    for (var ch of String(text)) out += MERMAID_SAFE.test(ch) ? ch : '#' + ch.codePointAt(0) + ';';
    return out;
  }

  function mermaidShape(e) {
    var kind = e.ck || e.k;
    var text;
    if (e.k === 'cluster') return '[["' + mermaidEscape(e.l) + '"]]';
    if (e.k === 'type') text = mermaidEscape(e.g) + '<br/>' + mermaidEscape(e.t);
    else text = (e.g ? mermaidEscape(e.g) + '<br/>' : '') + mermaidEscape(e.l);
    return kind === 'run' ? '(["' + text + '"])' : '["' + text + '"]';
  }

  function visOptions() {
    var groups = {};
    ['artifact', 'run'].forEach(function (kind) {
      var c = KIND_COLOURS[kind];
      var colour = { background: c.background, border: c.border,
        highlight: { background: '#ffffff', border: c.border },
        hover: { background: c.background, border: c.border } };
      var radius = kind === 'run' ? 14 : 4;
      groups[kind] = { color: colour, shapeProperties: { borderRadius: radius } };
      groups['cluster-' + kind] = { color: colour, borderWidth: 2,
        shapeProperties: { borderRadius: radius, borderDashes: [6, 3] },
        shadow: { enabled: true, size: 0, x: 5, y: 5, color: c.background } };
      groups['type-' + kind] = { color: colour, borderWidth: 2,
        shapeProperties: { borderRadius: radius } };
    });
    groups.external = { color: { background: '#f1f5f9', border: '#64748b',
      highlight: { background: '#ffffff', border: '#64748b' } },
      shapeProperties: { borderRadius: 4, borderDashes: [4, 3] } };
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
          bold: { face: FONT, size: 15, color: '#0f172a', mod: '' } } },
      edges: { arrows: { to: { enabled: true, scaleFactor: 0.6 } }, width: 1.2,
        color: { color: '#94a3b8', highlight: '#334155', hover: '#334155' },
        smooth: { enabled: true, type: 'cubicBezier', forceDirection: 'horizontal',
          roundness: 0.5 } },
      groups: groups,
    };
  }

  class LineageGraph {
    constructor(root, data) {
      this.root = root;
      this.data = data;
      this.entries = Array.isArray(data.nodes) ? data.nodes : [];
      this.types = data.types || { nodes: [], edges: [] };
      if (data.mode === 'types') this.types = { nodes: this.entries, edges: data.edges || [] };
      if (data.mode === 'types') this.entries = [];
      this.flat = data.mode === 'types' ? [] : data.edges || [];
      this.row = data.row || 80;
      this.index = new Map();
      this.entries.forEach((e, i) => this.index.set(e.id, i));
      this.typeIndex = new Map();
      this.types.nodes.forEach((e, i) => this.typeIndex.set(e.id, i));
      this.membersOf = new Map();
      this.entries.forEach((e, i) => {
        if (e.c === undefined) return;
        if (!this.membersOf.has(e.c)) this.membersOf.set(e.c, []);
        this.membersOf.get(e.c).push(i);
      });
      this.outAdj = this.entries.map(() => []);
      this.inAdj = this.entries.map(() => []);
      for (var k = 0; k + 1 < this.flat.length; k += 2) {
        this.outAdj[this.flat[k]].push(this.flat[k + 1]);
        this.inAdj[this.flat[k + 1]].push(this.flat[k]);
      }
      this.defaults = { view: this.entries.length ? 'full' : 'types', focus: data.focus || null,
        dir: 'both', depth: null, hide: new Set(), out: new Set() };
      this.state = this.copyState(this.defaults);
      this.dragged = new Set();
      this.lastHash = null;
      this.panelCluster = null;
      this.previewId = null;
      this.drawnAt = null;
    }

    copyState(s) {
      return { view: s.view, focus: s.focus, dir: s.dir, depth: s.depth,
        hide: new Set(s.hide), out: new Set(s.out) };
    }

    // ------------------------------------------------------------ what is drawn

    isHidden(e) {
      return e.g !== undefined && this.state.hide.has((e.ck || e.k) + ':' + e.g);
    }

    reach() {
      var start = this.index.get(this.state.focus);
      if (start === undefined) return null;
      var dist = this.entries.map(() => Infinity);
      dist[start] = 0;
      var dir = this.state.dir;
      if (dir !== 'down') this.walk(start, this.inAdj, dist);
      if (dir !== 'up') this.walk(start, this.outAdj, dist);
      this.membersOf.forEach((members, c) => {
        members.forEach((m) => { dist[c] = Math.min(dist[c], dist[m]); });
      });
      return dist;
    }

    walk(start, adj, dist) {
      var seen = new Map([[start, 0]]);
      var queue = [start];
      for (var q = 0; q < queue.length; q++) {
        var n = queue[q];
        for (var m of adj[n]) {
          if (seen.has(m)) continue;
          seen.set(m, seen.get(n) + 1);
          dist[m] = Math.min(dist[m], seen.get(m));
          queue.push(m);
        }
      }
    }

    visibleFull() {
      var dist = this.reach();
      var limit = this.state.depth === null ? Infinity : this.state.depth;
      var visible = new Set();
      this.entries.forEach((e, i) => {
        if (e.c !== undefined || this.isHidden(e)) return;
        if (dist && e.id !== this.state.focus && !(dist[i] <= limit)) return;
        visible.add(i);
      });
      this.state.out.forEach((id) => {
        var i = this.index.get(id);
        if (i !== undefined && visible.has(this.entries[i].c) && !this.isHidden(this.entries[i])) {
          visible.add(i);
        }
      });
      return visible;
    }

    positions(visible) {
      var columns = new Map();
      var pulled = new Map();
      visible.forEach((i) => {
        var e = this.entries[i];
        if (e.c !== undefined) {
          if (!pulled.has(e.c)) pulled.set(e.c, []);
          pulled.get(e.c).push(i);
        } else {
          if (!columns.has(e.x)) columns.set(e.x, []);
          columns.get(e.x).push(i);
        }
      });
      var pos = new Map();
      columns.forEach((col, x) => {
        col.sort((a, b) => this.entries[a].y - this.entries[b].y);
        var offset = 0;
        col.forEach((i) => {
          var y = this.entries[i].y + offset;
          pos.set(i, { x: x, y: y });
          var out = (pulled.get(i) || []).sort((a, b) => a - b);
          // Pulled-out members stack under their cluster; the rest of the column moves down.
          out.forEach((m, j) => pos.set(m, { x: x, y: y + (j + 1) * this.row }));
          offset += out.length * this.row;
        });
      });
      return pos;
    }

    representative(i) {
      var e = this.entries[i];
      return e.c === undefined || this.state.out.has(e.id) ? i : e.c;
    }

    pairs(visible) {
      var seen = new Set();
      var out = [];
      for (var k = 0; k + 1 < this.flat.length; k += 2) {
        var a = this.representative(this.flat[k]);
        var b = this.representative(this.flat[k + 1]);
        var key = a + '>' + b;
        if (a === b || !visible.has(a) || !visible.has(b) || seen.has(key)) continue;
        seen.add(key);
        out.push([a, b]);
      }
      return out;
    }

    scene() {
      if (this.state.view === 'types') return this.typeScene();
      var visible = this.visibleFull();
      var pos = this.positions(visible);
      var list = Array.from(visible);
      return { entries: this.entries, list: list, pos: pos, pairs: this.pairs(visible) };
    }

    typeScene() {
      var entries = this.types.nodes;
      var visible = new Set();
      entries.forEach((e, i) => { if (!this.isHidden(e)) visible.add(i); });
      var pos = new Map();
      visible.forEach((i) => pos.set(i, { x: entries[i].x, y: entries[i].y }));
      var pairs = [];
      for (var k = 0; k + 1 < this.types.edges.length; k += 2) {
        var a = this.types.edges[k];
        var b = this.types.edges[k + 1];
        if (visible.has(a) && visible.has(b)) pairs.push([a, b]);
      }
      return { entries: entries, list: Array.from(visible), pos: pos, pairs: pairs };
    }

    visNode(e, p) {
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
      }
      if (e.id === this.state.focus) {
        var c = KIND_COLOURS[kind];
        node.borderWidth = 4;
        node.color = { background: c.background, border: FOCUS_BORDER,
          highlight: { background: '#ffffff', border: FOCUS_BORDER },
          hover: { background: c.background, border: FOCUS_BORDER } };
        node.font = { bold: { size: 16 } };
      }
      return node;
    }

    render() {
      var s = this.scene();
      this.current = s;
      var nodes = s.list.map((i) => {
        var node = this.visNode(s.entries[i], s.pos.get(i));
        if (this.dragged.has(node.id)) { delete node.x; delete node.y; }
        return node;
      });
      var want = new Set(nodes.map((n) => n.id));
      this.nodeSet.remove(this.nodeSet.getIds().filter((id) => !want.has(id)));
      this.nodeSet.update(nodes);
      var edges = s.pairs.map((pair) => {
        var from = s.entries[pair[0]].id;
        var to = s.entries[pair[1]].id;
        return { id: JSON.stringify([from, to]), from: from, to: to };
      });
      var wantEdges = new Set(edges.map((e) => e.id));
      this.edgeSet.remove(this.edgeSet.getIds().filter((id) => !wantEdges.has(id)));
      this.edgeSet.update(edges);
    }

    // ------------------------------------------------------------ state and URL fragment

    setState(patch, options) {
      // A new view, focus, direction or depth draws another graph: show it whole. Pulling
      // members out or filtering keeps the camera, so the eye can follow the change.
      var refit = ['view', 'focus', 'dir', 'depth'].some((key) => key in patch &&
        patch[key] !== this.state[key]) || Boolean(options && options.fit);
      Object.assign(this.state, patch);
      this.render();
      this.syncControls();
      if (this.panelCluster !== null) this.refreshMembers();
      if (!(options && options.fromHash)) this.writeHash();
      if (refit && this.network) this.fit();
    }

    encodeState() {
      var s = this.state;
      var d = this.defaults;
      var p = new URLSearchParams();
      if (s.view !== d.view) p.set('view', s.view);
      if (s.focus !== d.focus) p.set('focus', s.focus || '');
      if (s.dir !== 'both') p.set('dir', s.dir);
      if (s.depth !== null) p.set('depth', String(s.depth));
      Array.from(s.hide).sort().forEach((h) => p.append('hide', h));
      Array.from(s.out).sort((a, b) => this.index.get(a) - this.index.get(b))
        .forEach((id) => p.append('out', id));
      return p.toString();
    }

    decodeState(hash) {
      var p = new URLSearchParams(hash.replace(/^#/, ''));
      var s = this.copyState(this.defaults);
      var view = p.get('view');
      if (view === 'types' || (view === 'full' && this.entries.length)) s.view = view;
      if (p.has('focus')) {
        var focus = p.get('focus');
        s.focus = this.index.has(focus) && this.entries[this.index.get(focus)].k !== 'cluster'
          ? focus : null;
      }
      if (['both', 'up', 'down'].indexOf(p.get('dir')) >= 0) s.dir = p.get('dir');
      var depth = parseInt(p.get('depth'), 10);
      if (depth >= 1) s.depth = depth;
      p.getAll('hide').forEach((h) => s.hide.add(h));
      p.getAll('out').forEach((id) => {
        var i = this.index.get(id);
        if (i !== undefined && this.entries[i].c !== undefined) s.out.add(id);
      });
      return s;
    }

    writeHash() {
      var hash = this.encodeState();
      this.lastHash = hash ? '#' + hash : '';
      if (location.hash === this.lastHash) return;
      try {
        history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search);
      } catch (err) {
        location.replace('#' + hash);
      }
    }

    onHashChange() {
      if (location.hash === this.lastHash) return;
      this.lastHash = location.hash;
      this.setState(this.decodeState(location.hash), { fromHash: true });
    }

    // ------------------------------------------------------------ clusters

    clusterIndex(id) {
      var i = this.index.get(id);
      return i !== undefined && this.entries[i].k === 'cluster' ? i : undefined;
    }

    extract(id) {
      var i = this.index.get(id);
      if (i === undefined || this.entries[i].c === undefined) return false;
      var out = new Set(this.state.out);
      out.add(id);
      this.setState({ out: out });
      return true;
    }

    putBack(id) {
      if (!this.state.out.has(id)) return false;
      var out = new Set(this.state.out);
      out.delete(id);
      this.dragged.delete(id);
      this.setState({ out: out });
      return true;
    }

    // Expanding or collapsing every cluster reshapes the whole graph: show it whole.
    expand(clusterId) {
      var out = new Set(this.state.out);
      this.clusterIds(clusterId).forEach((c) => {
        (this.membersOf.get(c) || []).forEach((m) => out.add(this.entries[m].id));
      });
      this.setState({ out: out }, { fit: clusterId === undefined || clusterId === null });
    }

    collapse(clusterId) {
      var out = new Set(this.state.out);
      this.clusterIds(clusterId).forEach((c) => {
        (this.membersOf.get(c) || []).forEach((m) => {
          out.delete(this.entries[m].id);
          this.dragged.delete(this.entries[m].id);
        });
      });
      this.setState({ out: out }, { fit: clusterId === undefined || clusterId === null });
    }

    clusterIds(clusterId) {
      if (clusterId === undefined || clusterId === null) return Array.from(this.membersOf.keys());
      var c = this.clusterIndex(clusterId);
      return c === undefined ? [] : [c];
    }

    clusters() {
      var list = [];
      this.entries.forEach((e, i) => {
        if (e.k !== 'cluster') return;
        var members = (this.membersOf.get(i) || []).map((m) => this.entries[m].id);
        list.push({ id: e.id, label: e.l, kind: e.ck, group: e.g === undefined ? null : e.g,
          size: e.n, listed: members.length,
          out: members.filter((m) => this.state.out.has(m)),
          visible: this.nodeSet.get(e.id) !== null });
      });
      return list;
    }

    // ------------------------------------------------------------ panels

    select(id) {
      if (this.state.view === 'types') {
        var t = this.typeIndex.get(id);
        if (t !== undefined) this.showPreview(this.types.nodes[t]);
        return;
      }
      var i = this.index.get(id);
      if (i === undefined) return;
      if (this.entries[i].k === 'cluster') this.showCluster(i);
      else this.showPreview(this.entries[i]);
    }

    closePanels() {
      this.parts.preview.hidden = true;
      this.parts.cluster.hidden = true;
      this.panelCluster = null;
      this.previewId = null;
    }

    showPreview(e) {
      var P = this.parts;
      var kind = e.ck || e.k;
      this.closePanels();
      this.previewId = e.id;
      if (e.k === 'type') P.previewKind.textContent = kind === 'run' ? 'job type' : 'artifact type';
      else P.previewKind.textContent = (kind === 'run' ? 'run' : 'artifact') + (e.g ? ' · ' + e.g : '');
      P.previewTitle.textContent = e.l;
      P.previewRows.textContent = '';
      var rows = e.k === 'type' ? [['Count', e.t]] : e.p || [];
      rows.forEach((row) => {
        P.previewRows.appendChild(make('dt', row[0]));
        P.previewRows.appendChild(make('dd', row[1]));
      });
      var href = safeHref(e.h);
      P.previewLink.hidden = href === null;
      if (href !== null) P.previewLink.setAttribute('href', href);
      else P.previewLink.removeAttribute('href');
      P.previewFocus.hidden = e.k === 'type' || e.id === this.state.focus;
      P.previewBack.hidden = !this.state.out.has(e.id);
      P.preview.hidden = false;
    }

    showCluster(c) {
      var P = this.parts;
      var e = this.entries[c];
      this.closePanels();
      this.panelCluster = c;
      P.cluster.setAttribute('data-cluster-id', e.id);
      P.cluster.setAttribute('data-cluster-size', String(e.n));
      P.clusterTitle.textContent = e.l;
      P.clusterSearch.value = '';
      P.clusterMembers.textContent = '';
      this.searchText = new Map();
      (this.membersOf.get(c) || []).forEach((m) => P.clusterMembers.appendChild(this.memberItem(m)));
      this.refreshMembers();
      P.cluster.hidden = false;
    }

    memberItem(m) {
      var e = this.entries[m];
      var li = make('li');
      li.setAttribute('data-node-id', e.id);
      var name = make('button', e.l, 'lg-member-name');
      name.type = 'button';
      name.setAttribute('data-action', 'show');
      li.appendChild(name);
      var meta = [e.id].concat(e.a || []).join(' · ');
      li.appendChild(make('span', meta, 'lg-member-meta'));
      var toggle = make('button', 'Pull out', 'lg-member-toggle');
      toggle.type = 'button';
      toggle.setAttribute('data-action', 'toggle');
      li.appendChild(toggle);
      this.searchText.set(li, [e.l, e.id].concat(e.a || []).join('\n').toLowerCase());
      return li;
    }

    refreshMembers() {
      var P = this.parts;
      var e = this.entries[this.panelCluster];
      var query = P.clusterSearch.value.trim().toLowerCase();
      var shown = 0;
      var items = P.clusterMembers.children;
      for (var k = 0; k < items.length; k++) {
        var li = items[k];
        var out = this.state.out.has(li.getAttribute('data-node-id'));
        li.hidden = query !== '' && this.searchText.get(li).indexOf(query) < 0;
        li.classList.toggle('is-out', out);
        var toggle = li.querySelector('[data-action="toggle"]');
        toggle.textContent = out ? 'Put back' : 'Pull out';
        toggle.setAttribute('aria-pressed', out ? 'true' : 'false');
        if (!li.hidden) shown++;
      }
      var text = commas(shown) + ' of ' + commas(items.length) + ' shown';
      // A fan (e.u: its hub's label) lists a few of a hub's neighbours: the hub's page has all.
      var fan = e.u !== undefined;
      var where = fan ? 'the page of ' + e.u + ' lists them all' : 'the tables below list them all';
      if (items.length === 0) {
        text = 'The ' + commas(e.n) + ' members are not listed in this page (too many to embed); ' +
          where;
      } else if (items.length < e.n) {
        text += '; this page lists ' + commas(items.length) + ' of the ' + commas(e.n) +
          (fan ? ' members (the first by id), ' : ' members (the most recent), ') + where;
      }
      P.clusterCount.textContent = text;
      var href = fan ? safeHref(e.h) : null;
      if (href !== null) {
        var link = make('a', 'Open ' + e.u, 'lg-hub-link');
        link.href = href;
        P.clusterCount.appendChild(document.createTextNode(' '));
        P.clusterCount.appendChild(link);
      }
    }

    onMemberClick(event) {
      var button = event.target.closest('button[data-action]');
      var li = event.target.closest('li[data-node-id]');
      if (!button || !li) return;
      var id = li.getAttribute('data-node-id');
      if (button.getAttribute('data-action') === 'show') {
        this.showPreview(this.entries[this.index.get(id)]);
      } else if (this.state.out.has(id)) {
        this.putBack(id);
      } else {
        this.extract(id);
      }
    }

    // ------------------------------------------------------------ controls

    buildFilters() {
      var groups = this.data.groups || {};
      ['artifact', 'run'].forEach((kind) => {
        var box = this.parts['filter-' + kind];
        (groups[kind] || []).forEach((g) => {
          var label = make('label');
          var check = make('input');
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

    syncControls() {
      var P = this.parts;
      var s = this.state;
      var full = s.view === 'full';
      P.viewFull.setAttribute('aria-pressed', full ? 'true' : 'false');
      P.viewTypes.setAttribute('aria-pressed', full ? 'false' : 'true');
      P.viewFull.disabled = !this.entries.length;
      P.direction.value = s.dir;
      P.depth.value = s.depth === null ? '' : String(s.depth);
      var noFocus = !full || s.focus === null;
      P.direction.disabled = noFocus;
      P.depth.disabled = noFocus;
      P.expandAll.disabled = !full || !this.membersOf.size;
      P.collapseAll.disabled = !full || !this.membersOf.size;
      this.root.querySelectorAll('[data-hide-key]').forEach((check) => {
        check.checked = !s.hide.has(check.getAttribute('data-hide-key'));
      });
      if (!full) this.closePanels();
    }

    bindControls() {
      var P = this.parts;
      P.viewFull.addEventListener('click', () => this.setState({ view: 'full' }));
      P.viewTypes.addEventListener('click', () => this.setState({ view: 'types' }));
      P.direction.addEventListener('change', () => this.setState({ dir: P.direction.value }));
      P.depth.addEventListener('input', () => {
        var depth = parseInt(P.depth.value, 10);
        this.setState({ depth: depth >= 1 ? depth : null });
      });
      P.filters.addEventListener('change', (event) => {
        var key = event.target.getAttribute('data-hide-key');
        if (key === null) return;
        var hide = new Set(this.state.hide);
        if (event.target.checked) hide.delete(key);
        else hide.add(key);
        this.setState({ hide: hide });
      });
      P.expandAll.addEventListener('click', () => this.expand());
      P.collapseAll.addEventListener('click', () => this.collapse());
      P.fit.addEventListener('click', () => this.fit());
      P.reset.addEventListener('click', () => {
        this.dragged.clear();
        this.setState(this.copyState(this.defaults));
        this.fit();
      });
      P.exportPng.addEventListener('click', () => { this.exportPng(); P.pngLink.click(); });
      P.exportMermaid.addEventListener('click', () => {
        P.mermaid.value = this.mermaid();
        P.mermaidBox.hidden = false;
      });
      P.copyMermaid.addEventListener('click', () => this.copyMermaid());
      this.root.querySelectorAll('[data-lg="close"]').forEach((b) => {
        b.addEventListener('click', () => this.closePanels());
      });
      P.previewFocus.addEventListener('click', () => {
        if (this.previewId !== null) this.setState({ focus: this.previewId });
        this.closePanels();
      });
      P.previewBack.addEventListener('click', () => {
        if (this.previewId !== null) this.putBack(this.previewId);
        this.closePanels();
      });
      P.clusterSearch.addEventListener('input', () => this.refreshMembers());
      P.clusterMembers.addEventListener('click', (event) => this.onMemberClick(event));
      P.clusterExpand.addEventListener('click', () => {
        this.expand(this.entries[this.panelCluster].id);
      });
      P.clusterCollapse.addEventListener('click', () => {
        this.collapse(this.entries[this.panelCluster].id);
      });
      window.addEventListener('hashchange', () => this.onHashChange());
    }

    copyMermaid() {
      var box = this.parts.mermaid;
      box.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(box.value).catch(() => document.execCommand('copy'));
      } else {
        document.execCommand('copy');
      }
    }

    // ------------------------------------------------------------ exports

    mermaid() {
      var s = this.current;
      var order = s.list.slice().sort((a, b) => {
        var pa = s.pos.get(a);
        var pb = s.pos.get(b);
        return pa.x - pb.x || pa.y - pb.y || compareIds(s.entries[a].id, s.entries[b].id);
      });
      var number = new Map(order.map((i, n) => [i, n]));
      var lines = ['flowchart LR'];
      var classes = { artifact: [], run: [], focus: [] };
      order.forEach((i, n) => {
        var e = s.entries[i];
        lines.push('  n' + n + mermaidShape(e));
        classes[e.ck || e.k].push('n' + n);
        if (e.id === this.state.focus) classes.focus.push('n' + n);
      });
      s.pairs.map((p) => [number.get(p[0]), number.get(p[1])])
        .sort((p, q) => p[0] - q[0] || p[1] - q[1])
        .forEach((p) => lines.push('  n' + p[0] + ' --> n' + p[1]));
      lines.push('  classDef artifact fill:#dbeafe,stroke:#2563eb,color:#0f172a');
      lines.push('  classDef run fill:#dcfce7,stroke:#16a34a,color:#0f172a');
      lines.push('  classDef focus stroke:#d97706,stroke-width:3px');
      ['artifact', 'run', 'focus'].forEach((name) => {
        if (classes[name].length) lines.push('  class ' + classes[name].join(',') + ' ' + name);
      });
      return lines.join('\n') + '\n';
    }

    exportPng() {
      var canvas = this.parts.canvas.querySelector('canvas');
      var url = canvas.toDataURL('image/png');
      this.parts.pngLink.setAttribute('href', url);
      this.parts.pngLink.hidden = false;
      return url;
    }

    fit() {
      var net = this.network;
      net.fit({ animation: false });
      if (net.getScale() > MAX_SCALE) net.moveTo({ scale: MAX_SCALE });
      if (net.getScale() >= MIN_SCALE) return;
      var focus = this.state.focus;
      var position = focus !== null && this.nodeSet.get(focus) !== null
        ? net.getPosition(focus) : net.getViewPosition();
      net.moveTo({ position: position, scale: MIN_SCALE });
    }

    // ------------------------------------------------------------ start

    findParts() {
      var names = ['canvas', 'status', 'preview', 'preview-kind', 'preview-title', 'preview-rows',
        'preview-link', 'preview-focus', 'preview-back', 'cluster', 'cluster-title',
        'cluster-search', 'cluster-count', 'cluster-members', 'cluster-expand',
        'cluster-collapse', 'view-full', 'view-types', 'direction', 'depth', 'filters',
        'filter-artifact', 'filter-run', 'expand-all', 'collapse-all', 'fit', 'reset',
        'export-png', 'export-mermaid', 'png-link', 'mermaid-box', 'mermaid', 'copy-mermaid'];
      var parts = {};
      names.forEach((name) => {
        var key = name.replace(/-([a-z])/g, (m, c) => c.toUpperCase());
        parts[key] = part(this.root, name);
        parts[name] = parts[key];
      });
      return parts;
    }

    start() {
      this.parts = this.findParts();
      this.buildFilters();
      this.bindControls();
      this.state = this.decodeState(location.hash);
      this.lastHash = location.hash;
      this.nodeSet = new vis.DataSet([]);
      this.edgeSet = new vis.DataSet([]);
      this.render();
      this.sizeCanvas();
      this.network = new vis.Network(this.parts.canvas,
        { nodes: this.nodeSet, edges: this.edgeSet }, visOptions());
      this.bindNetwork();
      this.syncControls();
      this.fit();
    }

    // The height the first drawing needs at the scale fit() will choose, within the bounds.
    sizeCanvas() {
      var canvas = this.parts.canvas;
      var most = canvas.clientHeight;
      var points = Array.from(this.current.pos.values());
      if (!points.length || most <= MIN_HEIGHT) return;
      var xs = points.map((p) => p.x);
      var ys = points.map((p) => p.y);
      var width = Math.max.apply(null, xs) - Math.min.apply(null, xs) + NODE_BOX.width;
      var height = Math.max.apply(null, ys) - Math.min.apply(null, ys) + NODE_BOX.height;
      var scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, (canvas.clientWidth - PAD) / width));
      var wanted = Math.round(height * scale + 2 * PAD);
      if (wanted < most) canvas.style.height = Math.max(MIN_HEIGHT, wanted) + 'px';
    }

    bindNetwork() {
      var net = this.network;
      net.on('click', (p) => {
        if (p.nodes.length) this.select(p.nodes[0]);
        else if (!p.edges.length) this.closePanels();
      });
      net.on('doubleClick', (p) => {
        if (!p.nodes.length) return;
        var id = p.nodes[0];
        var e = this.state.view === 'types'
          ? this.types.nodes[this.typeIndex.get(id)] : this.entries[this.index.get(id)];
        var href = e && safeHref(e.h);
        if (href !== null && href !== undefined) window.location.href = href;
      });
      net.on('dragEnd', (p) => p.nodes.forEach((id) => this.dragged.add(id)));
      net.on('beforeDrawing', (ctx) => {
        // A white background, so the PNG export is not transparent.
        ctx.save();
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.fillStyle = '#ffffff';
        ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
        ctx.restore();
      });
    }
  }

  function api(graph, ready) {
    return {
      ready: ready,
      get drawnAt() { return graph.drawnAt; },
      get network() { return graph.network; },
      visibleNodeIds: () => graph.nodeSet.getIds().slice().sort(compareIds),
      visibleEdges: () => graph.edgeSet.get().map((e) => [e.from, e.to])
        .sort((a, b) => compareIds(a[0], b[0]) || compareIds(a[1], b[1])),
      clusters: () => graph.clusters(),
      extract: (id) => graph.extract(id),
      putBack: (id) => graph.putBack(id),
      collapse: (clusterId) => graph.collapse(clusterId),
      expand: (clusterId) => graph.expand(clusterId),
      collapseAll: () => graph.collapse(),
      expandAll: () => graph.expand(),
      select: (id) => graph.select(id),
      state: () => ({ view: graph.state.view, focus: graph.state.focus, dir: graph.state.dir,
        depth: graph.state.depth, hide: Array.from(graph.state.hide).sort(),
        out: Array.from(graph.state.out).sort(compareIds) }),
      mermaid: () => graph.mermaid(),
      exportPng: () => graph.exportPng(),
      domPosition: (id) => {
        var p = graph.network.canvasToDOM(graph.network.getPosition(id));
        var box = graph.parts.canvas.getBoundingClientRect();
        return { x: box.left + p.x, y: box.top + p.y };
      },
    };
  }

  function main() {
    var script = document.getElementById('lineage-graph-data');
    var root = document.getElementById('lineage-graph');
    if (!script || !root) return;
    root.classList.remove('lg-nojs');
    var status = part(root, 'status');
    if (typeof vis === 'undefined' || !vis.Network) {
      status.textContent = 'The graph library did not load; the lists on this page show the lineage.';
      return;
    }
    var graph = new LineageGraph(root, JSON.parse(script.textContent));
    var ready = new Promise((resolve) => { graph.resolveReady = resolve; });
    window.lineageView = api(graph, ready);
    graph.start();
    graph.network.once('afterDrawing', () => {
      graph.drawnAt = performance.now();
      graph.resolveReady(graph.drawnAt);
    });
    graph.network.redraw();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
  else main();
})();
