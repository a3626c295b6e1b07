/* lineage-graph/columns.js: the column view: pick a column, see its upstream columns lit.
 *
 * A page whose datasets have column lineage carries it under the page data's `columns` key
 * (lineage_report/graphview/columns.py; format: docs/graph.md): column names in a string
 * table `s`, columns as flat (entry, name) pairs `c`, edges as flat slot pairs `e` (input
 * column, output column) with their kinds `k`, and each dataset's producing run `r`. Picking a
 * column walks the edges up (and down, if asked) across every hop; the nodes holding those
 * columns are lit, the runs between them stay clear, the rest is dimmed; the node's label, its
 * preview and the status line say which columns. The choice lives in the URL fragment
 * (`col`, `of`, `coldir`) with the rest of the view. Text goes in as textContent only.
 */
(function (LG) {
  'use strict';

  var HIT = '#8b5cf6'; // violet: apart from the focus's orange and the failing red, light or dark
  var DIM = 0.2; // the opacity of what the trace does not touch
  var SHOWN_MAX = 50; // options listed at once: typing narrows the rest
  var LABEL_NAMES = 3; // column names written on a node; more are counted

  // ------------------------------------------------------------ the data

  // The page's column edges, walkable both ways; one per page data object.
  class ColumnData {
    constructor(d, entries) {
      var s = d.s || [];
      this.entries = entries;
      this.slots = [];
      for (var k = 0; k + 1 < (d.c || []).length; k += 2) {
        this.slots.push({ entry: d.c[k], name: s[d.c[k + 1]] });
      }
      this.up = this.slots.map(() => []);
      this.down = this.slots.map(() => []);
      this.edges = [];
      for (var j = 0; j + 1 < (d.e || []).length; j += 2) {
        var edge = { from: d.e[j], to: d.e[j + 1], kind: s[(d.k || [])[j / 2]] || '' };
        this.edges.push(edge);
        this.up[edge.to].push(edge);
        this.down[edge.from].push(edge);
      }
      this.run = new Map();
      for (var r = 0; r + 1 < (d.r || []).length; r += 2) this.run.set(d.r[r], d.r[r + 1]);
      this.cut = d.cut || 0;
    }

    label(slot) {
      var entry = this.entries[this.slots[slot].entry];
      return (entry ? entry.l : '?') + ' · ' + this.slots[slot].name;
    }

    find(nodeId, name) {
      for (var i = 0; i < this.slots.length; i++) {
        var entry = this.entries[this.slots[i].entry];
        if (entry && entry.id === nodeId && this.slots[i].name === name) return i;
      }
      return -1;
    }

    // Every column the slot's trace reaches: slot -> hops (negative: downstream), and the
    // edges walked.
    trace(slot, down) {
      var hops = new Map([[slot, 0]]);
      var walked = [];
      this.walk(slot, this.up, 'from', 1, hops, walked);
      if (down) this.walk(slot, this.down, 'to', -1, hops, walked);
      return { hops: hops, edges: walked };
    }

    walk(start, adj, end, sign, hops, walked) {
      var queue = [start];
      var depth = new Map([[start, 0]]);
      for (var q = 0; q < queue.length; q++) {
        var at = queue[q];
        adj[at].forEach((edge) => {
          walked.push(edge);
          var next = edge[end];
          if (depth.has(next)) return;
          depth.set(next, depth.get(at) + 1);
          if (!hops.has(next)) hops.set(next, sign * depth.get(next));
          queue.push(next);
        });
      }
    }
  }

  var cache = new WeakMap();

  function columnData(model) {
    var d = model.data && model.data.columns;
    if (!d || !Array.isArray(d.e) || !d.e.length) return null;
    if (!cache.has(model)) cache.set(model, new ColumnData(d, model.entries));
    return cache.get(model);
  }

  // ------------------------------------------------------------ the fragment

  // url-state.js asks these: `col=<column>&of=<node id>` (and `coldir=both` for downstream).
  function encode(s, params) {
    if (!s.column) return;
    params.set('col', s.column.name);
    params.set('of', s.column.node);
    if (s.column.down) params.set('coldir', 'both');
  }

  // The state's column from a fragment; a column this page does not hold is dropped.
  function decode(params, s, model) {
    s.column = null;
    var data = columnData(model);
    if (data === null || !params.has('col')) return;
    var node = params.get('of');
    var name = params.get('col');
    if (data.find(node, name) >= 0) {
      s.column = { node: node, name: name, down: params.get('coldir') === 'both' };
    }
  }

  // ------------------------------------------------------------ the view

  class ColumnView {
    constructor(graph, data) {
      this.graph = graph;
      this.data = data;
      this.saved = { nodes: new Map(), edges: new Map() }; // what lighting replaced
      this.lit = null; // the trace drawn: { slot, down, hops, edges, byEntry, shown }
      this.options = this.data.slots.map((_, i) => i)
        .sort((a, b) => LG.text.compareIds(this.data.label(a), this.data.label(b)));
    }

    // ---------------------------------------------------------- the control

    build() {
      var make = LG.dom.make;
      var bar = make('div', null, 'lg-columns');
      bar.setAttribute('data-lg', 'columns');
      bar.setAttribute('role', 'search');
      bar.setAttribute('aria-label', 'Column view');
      var label = make('label', 'Columns ');
      this.input = make('input');
      this.input.type = 'search';
      this.input.placeholder = 'Pick a column: dataset · column';
      this.input.setAttribute('aria-label', 'Pick a column to trace');
      this.input.setAttribute('autocomplete', 'off');
      this.input.setAttribute('aria-expanded', 'false');
      label.appendChild(this.input);
      this.list = make('ul', null, 'lg-col-options');
      this.list.setAttribute('role', 'listbox');
      this.list.hidden = true;
      var downLabel = make('label');
      this.down = make('input');
      this.down.type = 'checkbox';
      downLabel.appendChild(this.down);
      downLabel.appendChild(document.createTextNode(' downstream too'));
      this.clearButton = make('button', 'Clear');
      this.clearButton.type = 'button';
      this.status = make('p', null, 'lg-col-status');
      this.status.setAttribute('role', 'status');
      this.status.setAttribute('data-lg', 'column-status');
      var picker = make('span', null, 'lg-col-picker');
      picker.appendChild(label);
      picker.appendChild(this.list);
      [picker, downLabel, this.clearButton, this.status].forEach((el) => bar.appendChild(el));
      this.picker = picker;
      this.bar = bar;
      this.place(bar);
    }

    // Above the canvas and its panels, below the toolbar and the status line.
    place(bar) {
      var root = this.graph.root;
      var body = this.graph.parts.canvas && this.graph.parts.canvas.parentNode;
      while (body && body.parentNode !== root) body = body.parentNode;
      if (body) root.insertBefore(bar, body);
      else root.appendChild(bar);
    }

    bind() {
      this.input.addEventListener('input', () => this.showOptions());
      this.input.addEventListener('focus', () => this.showOptions());
      this.input.addEventListener('keydown', (event) => this.onKey(event));
      this.list.addEventListener('click', (event) => {
        var item = event.target.closest('[data-slot]');
        if (item) this.pick(Number(item.getAttribute('data-slot')));
      });
      this.picker.addEventListener('focusout', (event) => {
        if (!this.picker.contains(event.relatedTarget)) this.hideOptions();
      });
      this.down.addEventListener('change', () => {
        var c = this.graph.state.column;
        if (!c) return;
        this.graph.setState({ column: { node: c.node, name: c.name, down: this.down.checked } });
      });
      this.clearButton.addEventListener('click', () => this.clear());
      // Keep the focus in the input while an option is clicked (some browsers move it away).
      this.list.addEventListener('mousedown', (event) => event.preventDefault());
      this.list.addEventListener('keydown', (event) => this.onListKey(event));
    }

    // Up and down move between the options; Escape goes back to the input.
    onListKey(event) {
      var options = Array.from(this.list.querySelectorAll('[data-slot]'));
      var at = options.indexOf(document.activeElement);
      var step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
      if (event.key === 'Escape' || (step === -1 && at === 0)) {
        this.input.focus();
        if (event.key === 'Escape') this.hideOptions();
      } else if (step !== undefined && options[at + step]) {
        options[at + step].focus();
      } else {
        return;
      }
      event.preventDefault();
    }

    onKey(event) {
      if (event.key === 'Escape') {
        this.hideOptions();
      } else if (event.key === 'Enter') {
        var first = this.list.hidden ? null : this.list.querySelector('[data-slot]');
        if (first) this.pick(Number(first.getAttribute('data-slot')));
        event.preventDefault();
      } else if (event.key === 'ArrowDown') {
        if (this.list.hidden) this.showOptions();
        var option = this.list.querySelector('[data-slot]');
        if (option) option.focus();
        event.preventDefault();
      }
    }

    // The options matching what is typed (every word, anywhere in `dataset · column`).
    showOptions() {
      var words = this.input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var found = this.options.filter((slot) => {
        var text = this.data.label(slot).toLowerCase();
        return words.every((w) => text.indexOf(w) >= 0);
      });
      this.list.textContent = '';
      found.slice(0, SHOWN_MAX).forEach((slot) => {
        var li = LG.dom.make('li');
        li.setAttribute('role', 'none');
        var button = LG.dom.make('button', this.data.label(slot));
        button.type = 'button';
        button.setAttribute('role', 'option');
        button.setAttribute('data-slot', String(slot));
        li.appendChild(button);
        this.list.appendChild(li);
      });
      if (found.length > SHOWN_MAX) {
        var more = LG.text.commas(found.length - SHOWN_MAX) + ' more: type to narrow';
        this.list.appendChild(LG.dom.make('li', more, 'lg-col-more'));
      } else if (!found.length) {
        this.list.appendChild(LG.dom.make('li', 'No column matches', 'lg-col-more'));
      }
      this.list.hidden = false;
      this.input.setAttribute('aria-expanded', 'true');
    }

    hideOptions() {
      this.list.hidden = true;
      this.input.setAttribute('aria-expanded', 'false');
    }

    pick(slot) {
      var s = this.data.slots[slot];
      this.hideOptions();
      if (!s) return;
      this.input.value = this.data.label(slot);
      var node = this.data.entries[s.entry].id;
      this.graph.setState({ column: { node: node, name: s.name, down: this.down.checked } });
    }

    clear() {
      this.input.value = '';
      this.hideOptions();
      this.graph.setState({ column: null });
    }

    // ---------------------------------------------------------- drawing

    // Every drawing starts from the graph's own look: undo the lighting, draw, light again.
    attach() {
      var graph = this.graph;
      var render = graph.render.bind(graph);
      graph.render = () => {
        this.unlight();
        render();
        this.light();
      };
      var panels = graph.panels;
      if (panels && typeof panels.showPreview === 'function') {
        var show = panels.showPreview.bind(panels);
        panels.showPreview = (e) => {
          show(e);
          this.previewColumns(e);
        };
      }
      if (panels && typeof panels.refreshMembers === 'function') {
        var refresh = panels.refreshMembers.bind(panels);
        panels.refreshMembers = () => {
          refresh();
          this.markMembers();
        };
      }
    }

    light() {
      var state = this.graph.state;
      var c = state.view === 'full' ? state.column : null;
      var slot = c ? this.data.find(c.node, c.name) : -1;
      this.bar.hidden = state.view !== 'full';
      if (slot < 0) {
        this.lit = null;
        this.syncControl(null);
        this.previewColumns(null);
        return;
      }
      var found = this.data.trace(slot, c.down);
      this.lit = { slot: slot, down: c.down, hops: found.hops, edges: found.edges,
        byEntry: this.byEntry(found.hops) };
      this.paint();
      this.syncControl(c);
      this.writeStatus();
      this.refreshPreview();
    }

    // Entry index -> [slot, ...] of the trace's columns it holds.
    byEntry(hops) {
      var out = new Map();
      hops.forEach((_, slot) => {
        var entry = this.data.slots[slot].entry;
        if (!out.has(entry)) out.set(entry, []);
        out.get(entry).push(slot);
      });
      return out;
    }

    // The drawn node standing for an entry: itself, or its cluster while it is inside.
    shownAs(i) {
      var entries = this.data.entries;
      var e = entries[i];
      if (e.c !== undefined && !this.graph.state.out.has(e.id)) e = entries[e.c];
      return this.graph.drawing.isDrawn(e.id) ? e.id : null;
    }

    paint() {
      var drawing = this.graph.drawing;
      var held = new Map(); // drawn node id -> slots it holds
      var runs = new Set();
      this.lit.byEntry.forEach((slots, i) => {
        var id = this.shownAs(i);
        if (id === null) return;
        held.set(id, (held.get(id) || []).concat(slots));
      });
      this.lit.edges.forEach((edge) => {
        var run = this.data.run.get(this.data.slots[edge.to].entry);
        var id = run === undefined ? null : this.shownAs(run);
        if (id !== null) runs.add(id);
      });
      this.lit.shown = held;
      var nodes = drawing.nodeSet.get().filter((n) => !runs.has(n.id) || held.has(n.id))
        .map((n) => (held.has(n.id) ? this.litNode(n, held.get(n.id))
          : { id: n.id, opacity: DIM }));
      this.change(drawing.nodeSet, this.saved.nodes, nodes);
      var edges = drawing.edgeSet.get().map((e) => {
        var on = (held.has(e.from) || runs.has(e.from)) && (held.has(e.to) || runs.has(e.to));
        return on ? { id: e.id, color: { color: HIT, highlight: HIT, hover: HIT }, width: 2.5 }
          : { id: e.id, color: { opacity: DIM } };
      });
      this.change(drawing.edgeSet, this.saved.edges, edges);
    }

    // A node holding traced columns: a violet glow and a line naming them.
    litNode(n, slots) {
      var names = Array.from(new Set(slots.map((s) => this.data.slots[s].name)));
      var text = names.slice(0, LABEL_NAMES).join(', ');
      if (names.length > LABEL_NAMES) text += ' +' + (names.length - LABEL_NAMES);
      return { id: n.id, borderWidth: Math.max(3, n.borderWidth || 0),
        shadow: { enabled: true, color: HIT, size: 16, x: 0, y: 0 },
        label: n.label + '\n<i>' + labelText('columns: ' + text) + '</i>' };
    }

    // Update items, first keeping what each changed field held (null: nothing), for unlight.
    change(set, saved, updates) {
      updates.forEach((u) => {
        var before = set.get(u.id);
        var keep = saved.get(u.id) || {};
        Object.keys(u).forEach((key) => {
          if (key === 'id' || key in keep) return;
          keep[key] = before[key] === undefined ? null : before[key];
        });
        saved.set(u.id, keep);
      });
      set.update(updates);
    }

    // Put back what lighting changed. vis-network does not take null as "back to the
    // default" for every option (a null opacity draws a black node), so each changed item
    // is made anew without the lighting's fields, a node where it stands now.
    unlight() {
      var drawing = this.graph.drawing;
      var net = drawing.network;
      [[drawing.nodeSet, this.saved.nodes, net], [drawing.edgeSet, this.saved.edges, null]]
        .forEach((pair) => {
          var set = pair[0];
          var fresh = [];
          pair[1].forEach((fields, id) => {
            var item = set.get(id);
            if (item === null) return;
            Object.keys(fields).forEach((key) => {
              if (fields[key] === null) delete item[key];
              else item[key] = fields[key];
            });
            if (pair[2]) Object.assign(item, pair[2].getPosition(id));
            fresh.push(item);
          });
          pair[1].clear();
          if (!fresh.length) return;
          set.remove(fresh.map((item) => item.id));
          set.add(fresh);
        });
    }

    // ---------------------------------------------------------- words

    syncControl(c) {
      this.down.checked = Boolean(c && c.down);
      this.clearButton.disabled = !c;
      this.status.textContent = '';
      if (document.activeElement === this.input) return;
      this.input.value = c ? this.data.label(this.data.find(c.node, c.name)) : '';
    }

    // "key of test.yyy:v0: 2 upstream columns in 2 datasets, up to 2 hops; 3 nodes lit."
    writeStatus() {
      var plural = (n, word) => LG.text.commas(n) + ' ' + word + (n === 1 ? '' : 's');
      var lit = this.lit;
      var up = [];
      var down = [];
      lit.hops.forEach((hop, slot) => {
        if (hop > 0) up.push(slot);
        if (hop < 0) down.push(slot);
      });
      var datasets = (slots) => new Set(slots.map((s) => this.data.slots[s].entry)).size;
      var far = (slots) => Math.max.apply(null, slots.map((s) => Math.abs(lit.hops.get(s))));
      var part = (slots, way) => plural(slots.length, way + ' column') + ' in ' +
        plural(datasets(slots), 'dataset') + ', up to ' + plural(far(slots), 'hop');
      var words = [];
      if (up.length) words.push(part(up, 'upstream'));
      else words.push('no upstream columns on this page');
      if (lit.down) words.push(down.length ? part(down, 'downstream') : 'no downstream columns');
      var text = this.data.label(lit.slot) + ': ' + words.join('; ') + '. ' +
        plural(lit.shown.size, 'node') + ' lit';
      var hidden = Array.from(lit.byEntry.keys()).filter((i) => this.shownAs(i) === null).length;
      if (hidden) text += ', ' + plural(hidden, 'dataset') + ' of the trace not drawn in this view';
      text += '.';
      if (this.data.cut) {
        text += ' This page holds the column edges nearest its node only; the version pages' +
          ' list all.';
      }
      this.status.textContent = text;
    }

    // ---------------------------------------------------------- the preview

    refreshPreview() {
      var panels = this.graph.panels;
      var id = panels && panels.previewId;
      var e = id === null || id === undefined ? null : this.graph.model.entry(id);
      this.previewColumns(e || null);
    }

    // Under a previewed node's rows: the traced columns it holds, each with its inputs.
    previewColumns(e) {
      var panel = this.graph.parts.preview;
      if (!panel) return;
      var old = panel.querySelector('.lg-col-preview');
      if (old) old.remove();
      var i = e ? this.graph.model.index.get(e.id) : undefined;
      var slots = this.lit && i !== undefined ? this.lit.byEntry.get(i) : undefined;
      if (!slots) return;
      var make = LG.dom.make;
      var box = make('div', null, 'lg-col-preview');
      box.setAttribute('data-lg', 'column-preview');
      box.appendChild(make('p', 'Columns in this trace', 'lg-kind'));
      var list = make('ul');
      slots.forEach((slot) => list.appendChild(this.previewItem(slot)));
      box.appendChild(list);
      var rows = this.graph.parts.previewRows;
      if (rows && rows.parentNode === panel) rows.after(box);
      else panel.appendChild(box);
    }

    // In an open cluster's member list: the members holding the trace's columns, named.
    markMembers() {
      var list = this.graph.parts.clusterMembers;
      if (!list) return;
      Array.from(list.children).forEach((li) => {
        var old = li.querySelector('.lg-col-member');
        if (old) old.remove();
        var i = this.graph.model.index.get(li.getAttribute('data-node-id'));
        var slots = this.lit && i !== undefined ? this.lit.byEntry.get(i) : undefined;
        if (!slots) return;
        var names = Array.from(new Set(slots.map((slot) => this.data.slots[slot].name)));
        li.appendChild(LG.dom.make('span', 'columns: ' + names.join(', '), 'lg-col-member'));
      });
    }

    previewItem(slot) {
      var make = LG.dom.make;
      var hop = this.lit.hops.get(slot);
      var li = make('li');
      li.appendChild(make('code', this.data.slots[slot].name));
      var where = hop === 0 ? 'the column picked'
        : (hop > 0 ? 'upstream, ' : 'downstream, ') + Math.abs(hop) +
          (Math.abs(hop) === 1 ? ' hop' : ' hops');
      li.appendChild(make('span', ' ' + where, 'lg-col-hop'));
      this.lit.edges.filter((edge) => edge.to === slot).forEach((edge) => {
        var from = '← ' + this.data.label(edge.from) + (edge.kind ? ' (' + edge.kind + ')' : '');
        li.appendChild(make('span', from, 'lg-col-from'));
      });
      return li;
    }
  }

  // As vis.js writes labels: one line, and no '<' that vis-network could read as a tag.
  function labelText(text) {
    return String(text).replace(/[\r\n]+/g, ' ').replace(/</g, '<\u200b');
  }

  // The column view of a graph whose page has column lineage; nothing otherwise.
  function start(graph) {
    var data = columnData(graph.model);
    if (data === null) return null;
    var view = new ColumnView(graph, data);
    view.build();
    view.bind();
    view.attach();
    if (window.lineageView) {
      window.lineageView.columns = {
        pick: (nodeId, name) => {
          var slot = data.find(nodeId, name);
          if (slot >= 0) view.pick(slot);
          return slot >= 0;
        },
        clear: () => view.clear(),
        lit: () => (view.lit ? Array.from(view.lit.shown.keys()).sort(LG.text.compareIds) : []),
        state: () => graph.state.column || null,
      };
    }
    return view;
  }

  LG.columns = { start: start, encode: encode, decode: decode, ColumnData: ColumnData };
})(window.LineageGraph = window.LineageGraph || {});
