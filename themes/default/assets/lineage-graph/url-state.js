/* lineage-graph/url-state.js: the view state, and its copy in the URL fragment.
 *
 * A state is { view, focus, dir, depth, hide, out }; the fragment holds only what differs from
 * the page's defaults (`#focus=run:7&depth=2&out=...`), so a link shows the same view. The
 * fragment is replaced, not pushed: the back button leaves the page, as on every other page.
 */
(function (LG) {
  'use strict';

  function copy(s) {
    return { view: s.view, focus: s.focus, dir: s.dir, depth: s.depth,
      hide: new Set(s.hide), out: new Set(s.out), column: s.column || null };
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
    return s;
  }

  // The page's fragment: written after each change, read back when the reader edits it.
  class UrlHash {
    constructor() {
      this.last = location.hash;
    }

    write(encoded) {
      this.last = encoded ? '#' + encoded : '';
      if (location.hash === this.last) return;
      try {
        history.replaceState(null, '', encoded ? '#' + encoded : location.pathname + location.search);
      } catch {
        // A browser may refuse replaceState (a SecurityError): a fragment navigation works.
        location.replace('#' + encoded);
      }
    }

    // The new fragment when the reader changed it, null when it is the one last written.
    changed() {
      if (location.hash === this.last) return null;
      this.last = location.hash;
      return location.hash;
    }
  }

  LG.urlState = { copy: copy, encode: encode, decode: decode, UrlHash: UrlHash };
})(window.LineageGraph = window.LineageGraph || {});
