/* lineage-graph/model.js: the page's graph data, and what a view state shows of it.
 *
 * The data is the page's <script type="application/json" id="lineage-graph-data"> element
 * (lineage_report/graphview writes it; format: docs/graph.md): the entries with their layers
 * (x) computed at build time, edges as a flat list of index pairs, and the type overview, written
 * compactly (a string table, flat preview rows, the entries in columns; on a built site's pages,
 * each node's entry as a fragment made once per build); `expand` reads it back as
 * lineage_report/graphview/compact.py's `decode` does, so the rest sees whole entries, and
 * `place` gives each drawn entry its y as graphview/pagedata.py's `placed` does. A view
 * state (view, focus, direction, depth, hidden types, members pulled out of their clusters)
 * picks a scene: the entries drawn, where, and the edges between them. Nothing here touches
 * the page or vis-network.
 */
(function (LG) {
  'use strict';

  class Model {
    // `rows`: the page's lineage list rows, which the data's entries may name (dom.pageRows).
    constructor(compact, rows) {
      var data = expand(compact, rows);
      // A type overview page carries only types: they come as its nodes and edges.
      var types = data.mode === 'types';
      var nodes = Array.isArray(data.nodes) ? data.nodes : [];
      this.data = data;
      this.entries = types ? [] : nodes;
      this.types = types ? { nodes: nodes, edges: data.edges || [] }
        : data.types || { nodes: [], edges: [] };
      this.flat = types ? [] : data.edges || [];
      this.place();
      this.row = data.row; // `expand` fills in the default (DEFAULTS)
      this.index = indexById(this.entries);
      this.typeIndex = indexById(this.types.nodes);
      this.overviews = overviews(this.types, this.typeIndex, data.groupings);
      this.membersOf = this.clusterMembers();
      this.outAdj = this.entries.map(() => []);
      this.inAdj = this.entries.map(() => []);
      for (var k = 0; k + 1 < this.flat.length; k += 2) {
        this.outAdj[this.flat[k]].push(this.flat[k + 1]);
        this.inAdj[this.flat[k + 1]].push(this.flat[k]);
      }
      this.defaults = { view: this.entries.length ? 'full' : 'types', focus: data.focus || null,
        dir: 'both', depth: null, hide: new Set(), out: new Set(),
        merge: LG.merge ? LG.merge.byDefault(this) : false, // merge.js: runs in their outputs
        by: this.overviews.has(data.by) ? data.by : 'types' }; // the overview's grouping
    }

    // The overview a state's `by` names: the type overview, or a grouping (namespace, ...).
    overview(by) {
      return this.overviews.get(by) || this.overviews.get('types');
    }

    // Each cluster's index -> the indices of the members this page lists.
    clusterMembers() {
      var membersOf = new Map();
      this.entries.forEach((e, i) => {
        if (e.c === undefined) return;
        if (!membersOf.has(e.c)) membersOf.set(e.c, []);
        membersOf.get(e.c).push(i);
      });
      return membersOf;
    }

    entry(id) {
      var i = this.index.get(id);
      return i === undefined ? undefined : this.entries[i];
    }

    // The entry of the view the state shows: a type in the overview, else a node or cluster.
    shownEntry(id, state) {
      if (state.view !== 'types') return this.entry(id);
      var o = this.overview(state.by);
      var t = o.index.get(id);
      return t === undefined ? undefined : o.nodes[t];
    }

    // ------------------------------------------------------------ what is drawn

    isHidden(e, state) {
      return e.g !== undefined && state.hide.has((e.ck || e.k) + ':' + e.g);
    }

    scene(state) {
      if (state.view === 'types') return this.typeScene(state);
      var visible = this.visibleFull(state);
      var pos = this.positions(visible, state);
      var list = Array.from(visible);
      var scene = { entries: this.entries, list: list, pos: pos, pairs: this.pairs(visible, state) };
      return LG.merge ? LG.merge.contract(this, scene, state) : scene; // runs in their outputs
    }

    typeScene(state) {
      var o = this.overview(state.by);
      var entries = o.nodes;
      var visible = new Set();
      // The Types filter hides types; a group holds many types, so it stays.
      entries.forEach((e, i) => {
        if (o.by !== 'types' || !this.isHidden(e, state)) visible.add(i);
      });
      var pos = new Map();
      visible.forEach((i) => pos.set(i, { x: entries[i].x, y: entries[i].y }));
      var pairs = [];
      for (var k = 0; k + 1 < o.edges.length; k += 2) {
        var a = o.edges[k];
        var b = o.edges[k + 1];
        if (visible.has(a) && visible.has(b)) pairs.push([a, b]);
      }
      return { entries: entries, list: Array.from(visible), pos: pos, pairs: pairs };
    }

    // The distance of each entry from the focus, along the state's direction (null: no focus),
    // in steps of the graph as drawn: a run merged into its output is no step (merge.js).
    reach(state) {
      var start = this.index.get(state.focus);
      if (start === undefined) return null;
      var dist = this.entries.map(() => Infinity);
      dist[start] = 0;
      var one = LG.merge ? LG.merge.merging(this, state) : new Map(); // drawn as one node
      if (state.dir !== 'down') walk(start, this.inAdj, dist, one);
      if (state.dir !== 'up') walk(start, this.outAdj, dist, one);
      this.membersOf.forEach((members, c) => {
        members.forEach((m) => { dist[c] = Math.min(dist[c], dist[m]); });
      });
      return dist;
    }

    visibleFull(state) {
      var dist = this.reach(state);
      var limit = state.depth === null ? Infinity : state.depth;
      var visible = new Set();
      this.entries.forEach((e, i) => {
        if (e.c !== undefined || this.isHidden(e, state)) return;
        // Not reached that way (Infinity) is out even with no depth limit (Infinity).
        if (dist && e.id !== state.focus && !(dist[i] <= limit && dist[i] < Infinity)) return;
        visible.add(i);
      });
      state.out.forEach((id) => {
        var i = this.index.get(id);
        if (i !== undefined && visible.has(this.entries[i].c) &&
          !this.isHidden(this.entries[i], state)) {
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
        var groups = e.c !== undefined ? pulled : columns;
        var key = e.c !== undefined ? e.c : e.x;
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push(i);
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

    // Give each drawn entry its y (layout.js), as lineage_report/graphview/pagedata.py's
    // `placed` does: the layers are the entries' x, the edges those between drawn entries
    // as the page opens (`pairs`: a member's given to its cluster), sorted by their ends' ids.
    place() {
      var drawn = [];
      this.entries.forEach((e, i) => { if (e.c === undefined) drawn.push(i); });
      if (!drawn.length || this.entries[drawn[0]].y !== undefined) return;
      var id = (i) => this.entries[i].id;
      var byId = LG.layout.compareCodePoints; // Python's order, as `placed` sorts them
      var edges = this.pairs(new Set(drawn), { out: new Set() })
        .map(([a, b]) => [id(a), id(b)])
        .sort((p, q) => byId(p[0], q[0]) || byId(p[1], q[1]));
      var pos = LG.place(new Map(drawn.map((i) => [id(i), this.entries[i].x])), edges);
      drawn.forEach((i) => { this.entries[i].y = pos.get(id(i)).y; });
    }

    // The entry an edge of `i` is drawn from: itself, or its cluster while it is inside.
    representative(i, state) {
      var e = this.entries[i];
      return e.c === undefined || state.out.has(e.id) ? i : e.c;
    }

    pairs(visible, state) {
      var seen = new Set();
      var out = [];
      for (var k = 0; k + 1 < this.flat.length; k += 2) {
        var a = this.representative(this.flat[k], state);
        var b = this.representative(this.flat[k + 1], state);
        var key = a + '>' + b;
        if (a === b || !visible.has(a) || !visible.has(b) || seen.has(key)) continue;
        seen.add(key);
        out.push([a, b]);
      }
      return out;
    }

    // ------------------------------------------------------------ clusters

    clusterIndex(id) {
      var i = this.index.get(id);
      return i !== undefined && this.entries[i].k === 'cluster' ? i : undefined;
    }

    // The clusters one call acts on: the one named, or all when none is.
    clusterIds(clusterId) {
      if (clusterId === undefined || clusterId === null) return Array.from(this.membersOf.keys());
      var c = this.clusterIndex(clusterId);
      return c === undefined ? [] : [c];
    }

    memberIds(c) {
      return (this.membersOf.get(c) || []).map((m) => this.entries[m].id);
    }

    // A cluster's member file (members.js) read: its members join cluster c as entries, their
    // links made relative to this page (`root`: the site's root from here), with their edges
    // to what the page holds (a neighbour on the page, or in the file). Members the page has
    // already (embedded, or drawn on their own) are left as they are.
    addMembers(c, data, root) {
      var nodes = expand(data).nodes;
      var refs = Array.isArray(data.r) ? data.r : [];
      if (!this.membersOf.has(c)) this.membersOf.set(c, []);
      var added = new Set();
      var at = nodes.map((m) => {
        var known = this.index.get(m.id);
        if (known !== undefined) return known;
        var e = Object.assign({}, m, { c: c });
        delete e.ni;
        delete e.no;
        if (typeof e.h === 'string') e.h = root + e.h;
        if (this.data.pn) delete e.p; // the site's preview files hold its rows (previews.js)
        var i = this.entries.push(e) - 1;
        this.index.set(e.id, i);
        this.outAdj.push([]);
        this.inAdj.push([]);
        this.membersOf.get(c).push(i);
        added.add(i);
        return i;
      });
      var find = (j) => (j < nodes.length ? at[j] : this.index.get(refs[j - nodes.length]));
      nodes.forEach((m, k) => {
        if (!added.has(at[k])) return;
        (m.ni || []).forEach((j) => this.addEdge(find(j), at[k]));
        (m.no || []).forEach((j) => this.addEdge(at[k], find(j)));
      });
    }

    addEdge(a, b) {
      if (a === undefined || b === undefined || a === b) return;
      this.flat.push(a, b);
      this.outAdj[a].push(b);
      this.inAdj[b].push(a);
    }

    // Every cluster as window.lineageView.clusters() lists it; isDrawn(id) says if it is drawn.
    clusters(state, isDrawn) {
      var list = [];
      this.entries.forEach((e, i) => {
        if (e.k !== 'cluster') return;
        var members = this.memberIds(i);
        list.push({ id: e.id, label: e.l, kind: e.ck, group: e.g === undefined ? null : e.g,
          size: e.n, listed: members.length,
          out: members.filter((m) => state.out.has(m)),
          visible: isDrawn(e.id) });
      });
      return list;
    }
  }

  var TEXTS = ['g', 'l', 't', 'u', 'ck']; // an entry's texts that may be in the table
  var LISTS = ['p', 'a']; // its lists of texts (p: preview rows, flat)
  var KIND_IDS = { run: 'ri', artifact: 'vi' }; // a node's id without its kind, by kind
  // The head's values a page leaves out (compact.py DEFAULTS), and its usual title's start.
  var DEFAULTS = { mode: 'page', depth: null, note: '', row: 80 };
  var TITLE = 'Lineage of ';

  // The page data with every entry whole (compact.py's `decode_page`): the head's left-out
  // values back, the table's texts in place, preview rows as [label, text] pairs, links
  // whole, x in pixels, and the keys the id or the entry's row (`rows`) says put back.
  function expand(compact, rows) {
    var table = Array.isArray(compact.s) ? compact.s : [];
    var grid = compact.xg || 1;
    var data = Object.assign({}, DEFAULTS, compact);
    ['s', 'xg', 'fr', 'hr', 're'].forEach((key) => delete data[key]);
    var whole = (e) => expandEntry(e, table, grid, rows, compact.hr || '');
    data.nodes = withFragments(entriesOf(compact.nodes), compact).map(whole);
    if (compact.groups) { // the filters' types, maybe as texts of the table
      data.groups = {};
      Object.keys(compact.groups).forEach((kind) => {
        data.groups[kind] = compact.groups[kind].map(textIn(table));
      });
    }
    data.nodes.forEach((e) => {
      if (typeof e.ph === 'number') e.ph = data.nodes[e.ph].h; // the producer's link: its own
    });
    var focused = data.nodes.find((e) => e.f); // the focus and title it says (encode_page)
    if (!('focus' in data)) data.focus = focused ? focused.id : null;
    if (!('title' in data)) data.title = focused ? TITLE + focused.l : '';
    if (compact.types && Array.isArray(compact.types.tn)) {
      data.types = tabledTypes(compact.types, window.LineageGraphTypes || []);
    } else if (compact.types) {
      data.types = Object.assign({}, compact.types, { nodes: compact.types.nodes.map(whole) });
    }
    if (!('groups' in compact) && data.types) data.groups = overviewGroups(data.types);
    if (Array.isArray(compact.groupings)) {
      data.groupings = compact.groupings.map((g) => Object.assign({}, g,
        { nodes: g.nodes.map(whole) }));
    }
    return data;
  }

  // The filters' types of a page that leaves them to its type overview (compact.py's
  // `_overview_groups`): each kind's types, sorted.
  function overviewGroups(types) {
    var groups = { artifact: [], run: [] };
    types.nodes.forEach((e) => { if (groups[e.ck]) groups[e.ck].push(e.g); });
    Object.keys(groups).forEach((kind) => groups[kind].sort());
    return groups;
  }

  // A page's entries from their columns (compact.py's `entries_of`): `each` holds one value
  // per entry (null where it has none), `some` index, value, index, value... A list (member
  // and preview files) is already entries.
  function entriesOf(nodes) {
    if (Array.isArray(nodes)) return nodes;
    if (!nodes || typeof nodes !== 'object' || !(nodes.n >= 0)) return [];
    var entries = [];
    for (var i = 0; i < nodes.n; i++) entries.push({});
    Object.keys(nodes.each || {}).forEach((key) => {
      nodes.each[key].forEach((value, k) => { if (value !== null) entries[k][key] = value; });
    });
    Object.keys(nodes.some || {}).forEach((key) => {
      var pairs = nodes.some[key];
      for (var k = 0; k + 1 < pairs.length; k += 2) entries[pairs[k]][key] = pairs[k + 1];
    });
    return entries;
  }

  // A drawn view's entries: each one's fragment (`fr`, made once per build) with the page's
  // own keys, its run ids' shared ends (`re`) in place (graphview/compact.py's `_merged`).
  function withFragments(own, compact) {
    if (!Array.isArray(compact.fr)) return own;
    var ends = compact.re || {};
    return compact.fr.map((fragment, i) => {
      var e = Object.assign({}, fragment, own[i]);
      ['ri', 'pr'].forEach((key) => { // a run id: whole, or [start, the number of its end]
        if (Array.isArray(e[key])) e[key] = e[key][0] + ends[e[key][1]];
      });
      return e;
    });
  }

  // The overviews by their `by`: 'types', then the project page's groupings (graphview's
  // groupings.py: by namespace, dbt package, folder, project), each with its name `l`, nodes,
  // edges and the number of lineage edges each of those stands for (`c`).
  function overviews(types, typeIndex, groupings) {
    var map = new Map([['types', { by: 'types', label: 'type', nodes: types.nodes,
      edges: types.edges || [], counts: [], index: typeIndex }]]);
    (groupings || []).forEach((g) => {
      map.set(g.by, { by: g.by, label: g.l, nodes: g.nodes, edges: g.edges || [],
        counts: g.c || [], index: indexById(g.nodes) });
    });
    return map;
  }

  // A type overview that names its types in the site's type table (assets/types.*.js,
  // graphview/overview.py TypeTable.expand): `tn` is index, count, index, count...; `tr` the
  // way to the site's root, where the table's links start; x counts from the leftmost type.
  function tabledTypes(types, table) {
    var picked = [];
    for (var k = 0; k + 1 < types.tn.length; k += 2) picked.push([table[types.tn[k]], types.tn[k + 1]]);
    var x0 = Math.min.apply(null, picked.map((p) => p[0].x));
    var nodes = picked.map((p) => {
      var t = p[0];
      var n = p[1];
      var e = { id: t.id || 'type:' + t.ck + ':' + t.g, k: 'type', ck: t.ck, g: t.g, l: t.g,
        n: n, t: LG.text.countWords(n, t.ck),
        x: t.x - x0, y: t.y };
      if (t.h !== undefined) e.h = (types.tr || '') + t.h;
      return e;
    });
    var out = Object.assign({}, types, { nodes: nodes });
    delete out.tn;
    delete out.tr;
    return out;
  }

  // A text as the data writes it: an index into the string table, or the text itself.
  function textIn(table) {
    return (t) => (typeof t === 'number' ? table[t] : t);
  }

  // `root`: the page's way to the site's root, where a fragment's links (`j`, `pj`) start.
  function expandEntry(entry, table, grid, rows, root) {
    var e = Object.assign({}, entry);
    var text = textIn(table);
    if (e.wv !== undefined) { // a version's link and id are its row's
      [e.h, e.vi] = rowAt(rows, e.wv);
      delete e.wv;
    } else if (e.wr !== undefined) { // a run's link and label; its id too, unless given
      [e.h, e.l] = rowAt(rows, e.wr);
      if (e.ri === undefined) e.ri = rowRunId(e.h);
      delete e.wr;
    }
    if (Array.isArray(e.ri)) e.ri = e.ri[0] + text(e.ri[1]); // a run id's start, then its end
    TEXTS.forEach((key) => { if (e[key] !== undefined) e[key] = text(e[key]); });
    LISTS.forEach((key) => { if (Array.isArray(e[key])) e[key] = e[key].map(text); });
    if (e.p) {
      var pairs = [];
      for (var k = 0; k + 1 < e.p.length; k += 2) pairs.push([e.p[k], e.p[k + 1]]);
      e.p = pairs;
    }
    Object.keys(KIND_IDS).forEach((kind) => { // a run's or a version's id, without its kind
      if (e[KIND_IDS[kind]] === undefined) return;
      e.id = kind + ':' + e[KIND_IDS[kind]];
      delete e[KIND_IDS[kind]];
    });
    if (e.id === undefined) e.id = 'type:' + e.ck + ':' + e.g;
    var colon = e.id.indexOf(':');
    if (e.k === undefined) e.k = colon < 0 ? e.id : e.id.slice(0, colon);
    // A label left out is the id after its first colon (none: '').
    if (e.l === undefined) e.l = e.k === 'type' ? e.g : e.id.slice(colon + 1 || e.id.length);
    if (e.j !== undefined) { // a fragment's links (graphview/fragments.py)
      e.h = linkOf(e.j, pageKey(e), root);
      delete e.j;
    }
    if (typeof e.h === 'number') { // the folder: the page is named by its key alone
      e.h = folderLink(text(e.h), null, pageKey(e));
    } else if (Array.isArray(e.h)) { // [folder, page], the page maybe only its name's digest
      e.h = folderLink(text(e.h[0]), e.h[1], pageKey(e));
    }
    if (e.x !== undefined) e.x *= grid;
    if (e.pj !== undefined) { // a fragment's producer: its link, its run id, or this page
      e.ph = linkOf(e.pj, '', root);
    } else if (e.pr !== undefined) {
      e.ph = linkOf(FOLDERS.indexOf('runs/'), e.pr, root);
    } else if (e.po) {
      e.ph = e.h;
    }
    ['pj', 'pr', 'po'].forEach((key) => delete e[key]);
    return e;
  }

  // naming.node_path's folders, which a fragment's link names by index (compact.py FOLDERS).
  var FOLDERS = ['runs/', 'versions/'];

  // The link a fragment writes (compact.py `link_of`): whole from the root, its folder's
  // index (the page is its key's own), or [folder, the page or only its digest].
  function linkOf(code, key, root) {
    if (typeof code === 'string') return root + code;
    if (typeof code === 'number') return folderLink(root + FOLDERS[code], null, key);
    return folderLink(root + FOLDERS[code[0]], code[1], key);
  }

  // A link written as its folder and its page (compact.py `_folder_link`): the page whole,
  // only its name's digest (the rest made from the key), or null: named by the key alone.
  function folderLink(folder, page, key) {
    if (page === null) return folder + pageOf(key, LG.digest.sha256(key).slice(0, 12));
    return folder + (/\.html$/.test(page) ? page : pageOf(key, page));
  }

  // Row `k` of the page's lineage lists, [link, text] (compact.py `_row`).
  function rowAt(rows, k) {
    if (!rows || !rows[k]) {
      throw new Error('the page data names row ' + k + ', which the page does not list');
    }
    return rows[k];
  }

  // The run id a run's page link says (compact.py `_row_run_id`): its page's name less
  // `-<digest>.html`.
  function rowRunId(link) {
    return link.slice(link.lastIndexOf('/') + 1).slice(0, -(12 + '-.html'.length));
  }

  // The key an entry's page is named from (compact.py `page_key`): a node's id after its
  // kind, a type's group.
  function pageKey(e) {
    if (e.k === 'run' || e.k === 'artifact') return e.id.slice(e.id.indexOf(':') + 1);
    return e.k === 'type' ? e.g : '';
  }

  // The page an ASCII key and its digest name (compact.py `page_of`, naming.page_stem).
  function pageOf(key, digest) {
    var slug = String(key || '').toLowerCase().replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^[-_]+|[-_]+$/g, '').slice(0, 48).replace(/[-_]+$/, '');
    return (slug ? slug + '-' : '') + digest + '.html';
  }

  function indexById(entries) {
    var index = new Map();
    entries.forEach((e, i) => index.set(e.id, i));
    return index;
  }

  // Walk one way from `start`, lowering `dist` to each entry's steps: an edge between a run
  // and the output it is drawn inside (`one`) is no step, every other edge one. Level by
  // level: a free edge's end joins the level being walked, any other the next.
  function walk(start, adj, dist, one) {
    var seen = new Map([[start, 0]]);
    var level = [start];
    for (var steps = 0; level.length; steps++) {
      var next = [];
      for (var q = 0; q < level.length; q++) {
        var n = level[q];
        if (seen.get(n) !== steps) continue; // reached again for free, walked there
        for (var m of adj[n]) {
          var free = one.get(n) === m || one.get(m) === n;
          var far = steps + (free ? 0 : 1);
          if (seen.has(m) && seen.get(m) <= far) continue;
          seen.set(m, far);
          dist[m] = Math.min(dist[m], far);
          (free ? level : next).push(m);
        }
      }
      level = next;
    }
  }

  LG.Model = Model;
  LG.expandData = expand;
})(window.LineageGraph = window.LineageGraph || {});
