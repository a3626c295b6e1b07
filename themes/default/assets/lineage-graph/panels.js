/* lineage-graph/panels.js: the node preview and the cluster panel beside the canvas.
 *
 * The preview shows an entry's formatted rows (`p` in the page data) with its page's link; the
 * cluster panel lists the members this page embeds, filtered as the reader types, each with a
 * button to pull it out of (or put it back into) its cluster. A member's name opens its preview
 * with a link back to the cluster panel, the filter as it was. Text goes in as textContent.
 */
(function (LG) {
  'use strict';

  class Panels {
    constructor(graph) {
      this.graph = graph;
      this.parts = graph.parts;
      this.cluster = null; // the index of the cluster shown, or null
      this.previewId = null;
      this.backTo = null; // { cluster, filter, id }: the cluster panel a member's preview came from
      this.searchText = new Map(); // each member's <li> -> the text the filter searches
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
      var kind = e.ck || e.k;
      this.close();
      this.previewId = e.id;
      if (e.k === 'type') P.previewKind.textContent = kind === 'run' ? 'job type' : 'artifact type';
      else P.previewKind.textContent = (kind === 'run' ? 'run' : 'artifact') + (e.g ? ' · ' + e.g : '');
      P.previewTitle.textContent = e.l;
      P.previewRows.textContent = '';
      var rows = e.k === 'type' ? [['Count', e.t]] : e.p || [];
      rows.forEach((row) => {
        P.previewRows.appendChild(LG.dom.make('dt', row[0]));
        P.previewRows.appendChild(LG.dom.make('dd', row[1]));
      });
      var href = LG.text.safeHref(e.h);
      P.previewLink.hidden = href === null;
      if (href !== null) P.previewLink.setAttribute('href', href);
      else P.previewLink.removeAttribute('href');
      P.previewFocus.hidden = e.k === 'type' || e.id === state.focus;
      P.previewBack.hidden = !state.out.has(e.id);
      P.preview.hidden = false;
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
      (model.membersOf.get(c) || []).forEach((m) => {
        P.clusterMembers.appendChild(this.memberItem(model.entries[m]));
      });
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
      this.searchText.set(li, [e.l, e.id].concat(e.a || []).join('\n').toLowerCase());
      return li;
    }

    // Show the members the filter matches, each toggle as the state has it, and the count.
    refreshMembers() {
      if (this.cluster === null) return;
      var P = this.parts;
      var out = this.graph.state.out;
      var query = P.clusterSearch.value.trim().toLowerCase();
      var shown = 0;
      var items = P.clusterMembers.children;
      for (var k = 0; k < items.length; k++) {
        var li = items[k];
        var isOut = out.has(li.getAttribute('data-node-id'));
        li.hidden = query !== '' && this.searchText.get(li).indexOf(query) < 0;
        li.classList.toggle('is-out', isOut);
        var toggle = li.querySelector('[data-action="toggle"]');
        toggle.textContent = isOut ? 'Put back' : 'Pull out';
        toggle.setAttribute('aria-pressed', isOut ? 'true' : 'false');
        if (!li.hidden) shown++;
      }
      this.writeCount(shown, items.length);
    }

    writeCount(shown, listed) {
      var commas = LG.text.commas;
      var P = this.parts;
      var e = this.graph.model.entries[this.cluster];
      var text = commas(shown) + ' of ' + commas(listed) + ' shown';
      // A fan (e.u: its hub's label) lists a few of a hub's neighbours: the hub's page has all.
      var fan = e.u !== undefined;
      var where = fan ? 'the page of ' + e.u + ' lists them all' : 'the tables below list them all';
      if (listed === 0) {
        text = 'The ' + commas(e.n) + ' members are not listed in this page (too many to embed); ' +
          where;
      } else if (listed < e.n) {
        text += '; this page lists ' + commas(listed) + ' of the ' + commas(e.n) +
          (fan ? ' members (the first by id), ' : ' members (the most recent), ') + where;
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
