/* lineage-graph/url-state.js: the view state, and its copy in the URL fragment.
 *
 * A state is { view, focus, dir, depth, hide, out }; the fragment holds only what differs from
 * the page's defaults (`#focus=run:7&depth=2&out=...`), so a link shows the same view. Each
 * change is a history entry (pushed, as Kedro-Viz and W&B do): Back undoes it and stays on the
 * page. Typing in a box (Depth, Highlight) makes one entry, not one per keystroke.
 */
(function (LG) {
  'use strict';

  // A state to change without touching the one it came from.
  function copy(s) {
    return { view: s.view, focus: s.focus, dir: s.dir, depth: s.depth,
      hide: new Set(s.hide), out: new Set(s.out), column: s.column || null,
      merge: Boolean(s.merge), by: s.by || 'types' };
  }

  function encode(s, model) {
    var d = model.defaults;
    var p = new URLSearchParams();
    if (s.view !== d.view) p.set('view', s.view);
    if (s.focus !== d.focus) p.set('focus', s.focus || '');
    if (s.dir !== 'both') p.set('dir', s.dir);
    if (s.depth !== null) p.set('depth', String(s.depth));
    Array.from(s.hide).sort().forEach((h) => p.append('hide', h));
    Array.from(s.out).sort((a, b) => model.index.get(a) - model.index.get(b))
      .forEach((id) => p.append('out', id));
    if (LG.columns) LG.columns.encode(s, p); // the column view's `col`, `of`, `coldir`
    if (LG.highlight) LG.highlight.encode(s, p); // the highlighted lineage's `sel`
    if (LG.merge) LG.merge.encode(s, model, p); // runs drawn in their outputs: `merge`
    if (s.by !== model.defaults.by) p.set('by', s.by); // the overview's grouping
    return p.toString();
  }

  // A fragment's state; what names nothing on this page is dropped, not kept.
  function decode(hash, model) {
    var p = new URLSearchParams(hash.replace(/^#/, ''));
    var s = copy(model.defaults);
    var view = p.get('view');
    if (view === 'types' || (view === 'full' && model.entries.length)) s.view = view;
    if (p.has('focus')) {
      var focus = model.entry(p.get('focus'));
      s.focus = focus !== undefined && focus.k !== 'cluster' ? focus.id : null;
    }
    if (['both', 'up', 'down'].indexOf(p.get('dir')) >= 0) s.dir = p.get('dir');
    var depth = parseInt(p.get('depth'), 10);
    if (depth >= 1) s.depth = depth;
    p.getAll('hide').forEach((h) => s.hide.add(h));
    p.getAll('out').forEach((id) => {
      var e = model.entry(id);
      if (e !== undefined && e.c !== undefined) s.out.add(id);
    });
    if (LG.columns) LG.columns.decode(p, s, model);
    if (LG.highlight) LG.highlight.decode(p, s);
    if (LG.merge) LG.merge.decode(p, s);
    if (model.overviews.has(p.get('by'))) s.by = p.get('by');
    return s;
  }

  var TYPING_MS = 1000; // changes of one typed key this close together are one history entry

  // The page's fragment: written (pushed) after each change, read back on Back and Forward or
  // when the reader edits it.
  class UrlHash {
    constructor() {
      this.last = location.hash;
      this.typed = null; // { key, at }: the key typed into and when, for the entry to amend
    }

    // Write a view's fragment; `key` names the one typed key changed, if that is what changed.
    write(encoded, key) {
      var hash = encoded ? '#' + encoded : '';
      this.last = hash;
      if (location.hash === hash) return; // the view did not change: no entry

      var now = performance.now();
      var amend = key && this.typed !== null && this.typed.key === key &&
        now - this.typed.at < TYPING_MS;
      this.typed = key ? { key: key, at: now } : null;
      var url = encoded ? hash : location.pathname + location.search;
      try {
        if (amend) history.replaceState(null, '', url);
        else history.pushState(null, '', url);
      } catch {
        // A browser may refuse the History API (a SecurityError): a fragment navigation works.
        if (amend) location.replace('#' + encoded);
        else location.hash = encoded;
      }
    }

    // The new fragment when Back, Forward or the reader changed it, null when it is the one
    // last written.
    changed() {
      if (location.hash === this.last) return null;
      this.last = location.hash;
      this.typed = null;
      return location.hash;
    }
  }

  LG.urlState = { copy: copy, encode: encode, decode: decode, UrlHash: UrlHash };
})(window.LineageGraph = window.LineageGraph || {});
