/* lineage-graph/panels.js: the node preview and the cluster panel beside the canvas.
 *
 * The preview shows an entry's formatted rows (`p` in the page data) with its page's link; the
 * cluster panel lists its members (a big cluster's all, from its member file: members.js),
 * filtered as the reader types, a hundred at a time, each with a button to pull it out of (or
 * put it back into) its cluster. A member's name opens its preview
 * with a link back to the cluster panel, the filter as it was. Text goes in as textContent.
 */
(function (LG) {
  'use strict';

  var MEMBER_PAGE = 100; // a cluster's members listed at a time (Previous / Next for more)

  class Panels {
    constructor(graph) {
      this.graph = graph;
      this.parts = graph.parts;
      this.cluster = null; // the index of the cluster shown, or null
      this.previewId = null;
      this.backTo = null; // { cluster, filter, id }: the cluster panel a member's preview came from
      this.searchText = new Map(); // each member's entry index -> the text the filter searches
    }

    bind() {
      var P = this.parts;
      var graph = this.graph;
      graph.root.querySelectorAll('[data-lg="close"]').forEach((b) => {
        b.addEventListener('click', () => this.close());
      });
      P.previewFocus.addEventListener('click', () => {
        if (this.previewId !== null) graph.setState({ focus: this.previewId });
        this.close();
      });
      P.previewBack.addEventListener('click', () => {
        if (this.previewId !== null) graph.putBack(this.previewId);
        this.close();
      });
      P.previewCluster.addEventListener('click', () => this.goBack());
      P.clusterSearch.addEventListener('input', () => this.refreshMembers());
      P.clusterMembers.addEventListener('click', (event) => this.onMemberClick(event));
      P.clusterExpand.addEventListener('click', () => {
        graph.expand(graph.model.entries[this.cluster].id);
      });
      P.clusterCollapse.addEventListener('click', () => {
        graph.collapse(graph.model.entries[this.cluster].id);
      });
      P.clusterPrev.addEventListener('click', () => this.turnPage(-1));
      P.clusterNext.addEventListener('click', () => this.turnPage(1));
      if (LG.members) LG.members.restore(graph); // a URL that pulls out members not embedded
    }

    // Open the panel of a node, a cluster or (in the type overview) a type.
    select(id) {
      var model = this.graph.model;
      var e = model.shownEntry(id, this.graph.state);
      if (e === undefined) return;
      if (e.k === 'cluster') this.showCluster(model.index.get(id));
      else this.showPreview(e);
    }

    close() {
      this.parts.preview.hidden = true;
      this.parts.cluster.hidden = true;
      this.cluster = null;
      this.previewId = null;
      this.backTo = null;
      this.parts.previewCluster.hidden = true;
    }

    // After a change of the view: the open cluster panel's title, members and back link.
    refresh() {
      if (this.cluster !== null) this.parts.clusterTitle.textContent = this.clusterTitle(this.cluster);
      this.refreshMembers();
      this.refreshBack();
    }

    // A cluster's label counting what it still holds: "17 runs · train" with one member
    // pulled out reads "16 runs · train", as its node on the canvas (text.clusterCount).
    clusterTitle(c) {
      var graph = this.graph;
      var e = graph.model.entries[c];
      var out = graph.current.list.filter((i) => graph.current.entries[i].c === c).length;
      return out ? LG.text.clusterCount(e, out).label : e.l;
    }

    // A member's preview, opened from its cluster's panel: offer the way back to it.
    offerBack(from) {
      this.backTo = from;
      this.refreshBack();
    }

    // The back link names the cluster as it stands; it goes when the cluster is not drawn.
    refreshBack() {
      var button = this.parts.previewCluster;
      var from = this.backTo;
      var drawn = from !== null && this.previewId !== null &&
        this.graph.drawing.isDrawn(this.graph.model.entries[from.cluster].id);
      button.hidden = !drawn;
      if (drawn) button.textContent = '\u2190 Back to ' + this.clusterTitle(from.cluster);
    }

    // Reopen the cluster panel the preview came from, with its filter, on the member's name.
    goBack() {
      var from = this.backTo;
      if (from === null) return;
      this.showCluster(from.cluster);
      var P = this.parts;
      P.clusterSearch.value = from.filter;
      this.refreshMembers();
      var li = Array.from(P.clusterMembers.children)
        .find((item) => item.getAttribute('data-node-id') === from.id);
      var name = li && !li.hidden ? li.querySelector('[data-action="show"]') : null;
      (name || P.clusterSearch).focus();
    }

    showPreview(e) {
      var P = this.parts;
      var state = this.graph.state;
      // A run drawn inside its output (merge.js) is previewed as that node, which shows it.
      var inside = LG.merge && e.k === 'run' ? LG.merge.outputOf(this.graph, e.id) : undefined;
      if (inside !== undefined) e = this.graph.model.entry(inside);
      var kind = e.ck || e.k;
      this.close();
      this.previewId = e.id;
      // A group of the project's overview (groupings.js): its grouping's name and its rows.
      var group = LG.groupings ? LG.groupings.preview(this.graph, e) : null;
      if (group) P.previewKind.textContent = group.kind;
      else if (e.k === 'type') P.previewKind.textContent = kind === 'run' ? 'job type' : 'artifact type';
      else P.previewKind.textContent = (kind === 'run' ? 'run' : 'artifact') + (e.g ? ' · ' + e.g : '');
      P.previewTitle.textContent = e.l;
      P.previewRows.textContent = '';
      var rows = group ? group.rows : e.k === 'type' ? [['Count', e.t]] : e.p || [];
      var waiting = this.waitingRows(e); // rows still in the site's preview files
      if (waiting.length) rows = [['Preview', 'loading\u2026']];
      // A merged node (merge.js) shows its run's rows under its own: "Produced by" would repeat it.
      var run = LG.merge ? LG.merge.showRun(this.graph, e) : undefined;
      var producer = LG.text.safeHref(e.ph); // "Produced by" links the run's page
      rows.forEach((row) => {
        var made = row[0] === 'Produced by';
        if (made && run !== undefined) return;
        P.previewRows.appendChild(LG.dom.make('dt', row[0]));
        var value = P.previewRows.appendChild(LG.dom.make('dd', made && producer ? null : row[1]));
        if (made && producer !== null) {
          var link = value.appendChild(LG.dom.make('a', row[1]));
          link.setAttribute('href', producer);
        }
      });
      var href = LG.text.safeHref(e.h);
      P.previewLink.hidden = href === null;
      if (href !== null) P.previewLink.setAttribute('href', href);
      else P.previewLink.removeAttribute('href');
      P.previewFocus.hidden = e.k === 'type' || e.id === state.focus;
      P.previewBack.hidden = !state.out.has(e.id);
      P.preview.hidden = false;
      if (waiting.length) this.readRows(e, waiting);
    }

    // The entries whose rows the preview of `e` shows (its own, a merged run's) and that
    // are still in the site's preview files (previews.js).
    waitingRows(e) {
      if (!LG.previews) return [];
      var graph = this.graph;
      var shown = [e];
      var i = graph.model.index.get(e.id);
      if (LG.merge && i !== undefined && graph.current.entries === graph.model.entries) {
        shown.push(LG.merge.runOf(graph.current, i));
      }
      return LG.previews.missing(graph, shown);
    }

    // Read the rows of a preview from its files, then show it again if it is still open,
    // with its way back to the cluster panel it came from.
    readRows(e, waiting) {
      var again = () => {
        if (this.previewId !== e.id || this.parts.preview.hidden) return;
        var back = this.backTo;
        this.showPreview(e);
        if (back !== null) this.offerBack(back);
      };
      LG.previews.load(this.graph, waiting).then(again, () => {
        waiting.forEach((w) => {
          if (w.p === undefined) w.p = [['Preview', 'could not be loaded; its page shows it all']];
        });
        again();
      });
    }

    showCluster(c) {
      var P = this.parts;
      var model = this.graph.model;
      var e = model.entries[c];
      this.close();
      this.cluster = c;
      P.cluster.setAttribute('data-cluster-id', e.id);
      P.cluster.setAttribute('data-cluster-size', String(e.n));
      P.clusterTitle.textContent = this.clusterTitle(c);
      P.clusterSearch.value = '';
      P.clusterMembers.textContent = '';
      this.searchText = new Map();
      this.memberPage = 0;
      this.lastQuery = '';
      // A cluster that embeds only some members loads them all from its member file; the
      // count says so meanwhile.
      if (LG.members) {
        LG.members.ensure(this.graph, c, () => {
          if (this.cluster === c) this.refreshMembers();
        });
      }
      this.refreshMembers();
      P.cluster.hidden = false;
    }

    memberItem(e) {
      var make = LG.dom.make;
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
      return li;
    }

    // The text the filter searches in a member (by entry index): name, id and aliases.
    memberText(m) {
      var text = this.searchText.get(m);
      if (text === undefined) {
        var e = this.graph.model.entries[m];
        text = [e.l, e.id].concat(e.a || []).join('\n').toLowerCase();
        this.searchText.set(m, text);
      }
      return text;
    }

    // Show the page of members the filter matches (MEMBER_PAGE at a time), each toggle as the
    // state has it, the pager and the count.
    refreshMembers() {
      if (this.cluster === null) return;
      var P = this.parts;
      var out = this.graph.state.out;
      var query = P.clusterSearch.value.trim().toLowerCase();
      if (query !== this.lastQuery) {
        this.memberPage = 0; // a new filter starts on its first page
        this.lastQuery = query;
      }
      var all = this.graph.model.membersOf.get(this.cluster) || [];
      var matches = query === '' ? all : all.filter((m) => this.memberText(m).indexOf(query) >= 0);
      var pages = Math.max(1, Math.ceil(matches.length / MEMBER_PAGE));
      this.memberPage = Math.min(Math.max(this.memberPage || 0, 0), pages - 1);
      var from = this.memberPage * MEMBER_PAGE;
      this.listMembers(matches.slice(from, from + MEMBER_PAGE));
      var items = P.clusterMembers.children;
      for (var k = 0; k < items.length; k++) {
        var li = items[k];
        var isOut = out.has(li.getAttribute('data-node-id'));
        li.classList.toggle('is-out', isOut);
        var toggle = li.querySelector('[data-action="toggle"]');
        toggle.textContent = isOut ? 'Put back' : 'Pull out';
        toggle.setAttribute('aria-pressed', isOut ? 'true' : 'false');
      }
      P.clusterPager.hidden = pages < 2;
      P.clusterPrev.disabled = this.memberPage === 0;
      P.clusterNext.disabled = this.memberPage >= pages - 1;
      P.clusterPage.textContent = matches.length ? (from + 1) + '\u2013' +
        Math.min(from + MEMBER_PAGE, matches.length) + ' of ' + LG.text.commas(matches.length) : '';
      this.writeCount(matches.length, all.length);
    }

    // The list holds these members (entry indexes); it is made again only when they change,
    // so a button that has the keyboard keeps it.
    listMembers(shown) {
      var P = this.parts;
      var model = this.graph.model;
      var ids = shown.map((m) => model.entries[m].id);
      var items = P.clusterMembers.children;
      var same = items.length === ids.length &&
        ids.every((id, k) => items[k].getAttribute('data-node-id') === id);
      if (same) return;
      P.clusterMembers.textContent = '';
      shown.forEach((m) => P.clusterMembers.appendChild(this.memberItem(model.entries[m])));
    }

    // Another page of the filter's matches (-1: previous, +1: next).
    turnPage(step) {
      this.memberPage = (this.memberPage || 0) + step;
      this.refreshMembers();
    }

    writeCount(shown, listed) {
      var commas = LG.text.commas;
      var P = this.parts;
      var e = this.graph.model.entries[this.cluster];
      var file = LG.members ? LG.members.status(this.graph, this.cluster) : undefined;
      var text = commas(shown) + ' of ' + commas(listed) + ' shown';
      // A fan (e.u: its hub's label) lists a few of a hub's neighbours: the hub's page has all.
      var fan = e.u !== undefined;
      var which = fan ? ' (the first by id)' : ' (the most recent)';
      if (file === 'loaded') {
        text += '; every member is searchable here';
      } else if (file === 'loading') {
        text += '; loading all ' + commas(e.n) + ' members\u2026';
      } else if (file === 'failed') {
        text += '; the list of all ' + commas(e.n) + ' members could not be loaded, so this ' +
          'page lists ' + commas(listed) + which;
      } else if (listed === 0) {
        text = 'The ' + commas(e.n) + ' members are not listed in this page (too many to embed)' +
          (fan ? '; the page of ' + e.u + ' lists them all' : '.');
      } else if (listed < e.n) {
        text += '; this page lists ' + commas(listed) + ' of the ' + commas(e.n) + ' members' +
          which + (fan ? ', the page of ' + e.u + ' lists them all' : '');
      }
      P.clusterCount.textContent = text;
      var href = fan ? LG.text.safeHref(e.h) : null;
      if (href !== null) {
        var link = LG.dom.make('a', 'Open ' + e.u, 'lg-hub-link');
        link.href = href;
        P.clusterCount.appendChild(document.createTextNode(' '));
        P.clusterCount.appendChild(link);
      }
    }

    onMemberClick(event) {
      var graph = this.graph;
      var button = event.target.closest('button[data-action]');
      var li = event.target.closest('li[data-node-id]');
      if (!button || !li) return;
      var id = li.getAttribute('data-node-id');
      if (button.getAttribute('data-action') === 'show') {
        var from = { cluster: this.cluster, filter: this.parts.clusterSearch.value, id: id };
        this.showPreview(graph.model.entry(id));
        this.offerBack(from);
      } else if (graph.state.out.has(id)) {
        graph.putBack(id);
      } else {
        graph.extract(id);
      }
    }
  }

  LG.Panels = Panels;
})(window.LineageGraph = window.LineageGraph || {});
