/* lineage-graph/dom.js: the graph's controls and panels, and new elements for every part.
 *
 * partials/graph.html carries only the section, the <noscript> note, the data and the
 * scripts: the status line, the toolbar, the canvas, the panels and the Mermaid box are used
 * by script alone, so `statusLine` and `build` make them here from one definition (LAYOUT)
 * instead of every page carrying their markup. Untrusted strings reach the page only through
 * textContent and attributes: `make` is the one way the graph's parts create an element with
 * text.
 */
(function (LG) {
  'use strict';

  // An element of LAYOUT: tag, attributes, children (text or elements).
  function el(tag, attrs, children) {
    return { tag: tag, attrs: attrs || {}, children: children || [] };
  }

  function button(name, text, attrs) {
    return el('button', Object.assign({ type: 'button', 'data-lg': name }, attrs), [text]);
  }

  function closeButton() {
    return button('close', '\u00d7', { class: 'lg-close', 'aria-label': 'Close' });
  }

  var TOOLBAR = el('div', { class: 'lg-toolbar', role: 'toolbar', 'aria-label': 'Graph controls' }, [
    el('span', { class: 'lg-tabs', role: 'group', 'aria-label': 'View' }, [
      button('view-full', 'Full graph', { 'aria-pressed': 'true' }),
      button('view-types', 'Type overview', { 'aria-pressed': 'false' }),
    ]),
    el('label', {}, ['Direction ', el('select', { 'data-lg': 'direction',
      'aria-describedby': 'lineage-graph-scope' }, [
      el('option', { value: 'both' }, ['both']),
      el('option', { value: 'up' }, ['upstream']),
      el('option', { value: 'down' }, ['downstream']),
    ])]),
    el('label', {}, ['Depth ', el('input', { 'data-lg': 'depth', type: 'number', min: '1',
      step: '1', placeholder: 'all', size: '4', 'aria-describedby': 'lineage-graph-scope' })]),
    // What Direction and Depth count from, or why they are off (controls.js: syncScope).
    el('span', { class: 'lg-hint', id: 'lineage-graph-scope', 'data-lg': 'scope-hint' }),
    // A popover over the canvas: opening it does not push the graph down.
    el('details', { class: 'lg-filters', 'data-lg': 'filters' }, [
      el('summary', {}, ['Types']),
      el('div', { class: 'lg-popover' }, [
        el('fieldset', { 'data-lg': 'filter-artifact' }, [el('legend', {}, ['Artifact types'])]),
        el('fieldset', { 'data-lg': 'filter-run' }, [el('legend', {}, ['Job types'])]),
      ]),
    ]),
    el('label', { class: 'lg-highlight' }, ['Highlight ', el('input', { type: 'search',
      'data-lg': 'highlight', placeholder: '+name+', size: '14', list: 'lineage-graph-names',
      title: '+name: the node and its upstream; name+: and its downstream; +name+: both; ' +
        '2+name: two steps up', 'aria-describedby': 'lineage-graph-highlight-status' })]),
    el('datalist', { id: 'lineage-graph-names', 'data-lg': 'names' }),
    button('expand-all', 'Expand all', { title: 'Pull every member out of every cluster' }),
    button('collapse-all', 'Collapse all', { title: 'Put every member back' }),
    button('reset', 'Reset'),
    button('export-png', 'PNG', { title: 'Download the whole graph as an image' }),
    button('export-mermaid', 'Mermaid'),
    el('a', { 'data-lg': 'png-link', download: 'lineage.png', hidden: '' }, ['Download PNG']),
  ]);

  // What the Highlight box lights, or that it names no node.
  var HIGHLIGHT_STATUS = el('p', { class: 'lg-status lg-hl-status', role: 'status',
    id: 'lineage-graph-highlight-status', 'data-lg': 'highlight-status' });

  // The camera's controls float on the canvas's corner, as on a map.
  var CAMERA = el('div', { class: 'lg-camera', role: 'group', 'aria-label': 'Zoom' }, [
    el('span', { class: 'lg-zoom' }, [
      button('zoom-out', '\u2212', { 'aria-label': 'Zoom out', title: 'Zoom out (-)' }),
      button('fit', 'Fit', { title: 'Show every node (0)' }),
      button('zoom-in', '+', { 'aria-label': 'Zoom in', title: 'Zoom in (+)' }),
    ]),
    button('fullscreen', 'Full screen', { 'aria-pressed': 'false' }),
  ]);

  var PREVIEW = el('aside', { class: 'lg-panel', 'data-lg': 'preview', hidden: '',
    'aria-label': 'Node preview' }, [
    closeButton(),
    // Back to the cluster panel this preview was opened from (a member's name), its filter kept.
    button('preview-cluster', '\u2190 Back', { class: 'lg-back', hidden: '' }),
    el('p', { class: 'lg-kind', 'data-lg': 'preview-kind' }),
    el('h3', { 'data-lg': 'preview-title' }),
    el('dl', { 'data-lg': 'preview-rows' }),
    el('p', { class: 'lg-actions' }, [
      el('a', { 'data-lg': 'preview-link', hidden: '' }, ['Open page']),
      button('preview-focus', 'Focus here'),
      button('preview-highlight', 'Highlight lineage', { title: 'Light its upstream and ' +
        'downstream on the graph, dim the rest' }),
      button('preview-back', 'Put back', { hidden: '' }),
    ]),
  ]);

  var CLUSTER = el('aside', { class: 'lg-panel lg-cluster', 'data-lg': 'cluster', hidden: '',
    'data-cluster-id': '', 'data-cluster-size': '0', 'aria-label': 'Cluster members' }, [
    closeButton(),
    el('p', { class: 'lg-kind' }, ['cluster']),
    el('h3', { 'data-lg': 'cluster-title' }),
    el('input', { type: 'search', 'data-lg': 'cluster-search', 'aria-label': 'Filter members',
      placeholder: 'Filter by name, version, alias or id' }),
    el('p', { class: 'lg-count', 'data-lg': 'cluster-count' }),
    el('p', { class: 'lg-actions' }, [
      button('cluster-expand', 'Pull all out'),
      button('cluster-collapse', 'Put all back'),
    ]),
    // A big cluster's matches, a page at a time (panels.js MEMBER_PAGE), above the list so
    // the buttons stay in reach of a panel scrolled to its top.
    el('p', { class: 'lg-pager', 'data-lg': 'cluster-pager', hidden: '' }, [
      button('cluster-prev', 'Previous', { 'aria-label': 'Previous members' }),
      ' ',
      el('span', { 'data-lg': 'cluster-page', 'aria-live': 'polite' }),
      ' ',
      button('cluster-next', 'Next', { 'aria-label': 'Next members' }),
    ]),
    el('ul', { class: 'lg-members', 'data-lg': 'cluster-members' }),
  ]);

  // The canvas takes keys (arrows, Enter, +, -, 0, Escape: keys.js); the key help and the
  // live line tell a screen reader; the skip link, first in the section, leads past it all.
  var SKIP = el('a', { class: 'lg-skip', href: '#lineage-graph-end' }, ['Skip the graph']);

  var BODY = el('div', { class: 'lg-body' }, [
    el('div', { class: 'lg-canvas', 'data-lg': 'canvas', role: 'application',
      'aria-roledescription': 'lineage graph', tabindex: '0',
      'aria-describedby': 'lineage-graph-keys' }),
    el('p', { class: 'lg-sr', id: 'lineage-graph-keys' }, ['Arrow keys move between nodes ' +
      'along their edges, Enter opens the selected node, Space puts a pulled-out member back, ' +
      'plus and minus zoom, 0 fits, Escape closes the panel.']),
    el('p', { class: 'lg-sr', 'data-lg': 'live', 'aria-live': 'polite' }),
    CAMERA,
    PREVIEW,
    CLUSTER,
  ]);

  var EXPORT = el('div', { class: 'lg-export', 'data-lg': 'mermaid-box', hidden: '' }, [
    el('label', { for: 'lineage-graph-mermaid' }, ['Mermaid (paste into a README or pull request)']),
    el('textarea', { id: 'lineage-graph-mermaid', 'data-lg': 'mermaid', rows: '8', readonly: '' }),
    button('copy-mermaid', 'Copy'),
    el('span', { class: 'lg-copied', 'data-lg': 'copy-status', 'aria-live': 'polite' }),
  ]);

  var END = el('span', { id: 'lineage-graph-end', class: 'lg-end', tabindex: '-1' });

  // Every element the graph fills in or listens to, by its data-lg name (LAYOUT above).
  var PART_NAMES = ['canvas', 'status', 'live', 'preview', 'preview-kind', 'preview-title',
    'preview-rows', 'preview-link', 'preview-focus', 'preview-back', 'preview-cluster', 'cluster',
    'cluster-title', 'cluster-search', 'cluster-count', 'cluster-members', 'cluster-expand',
    'cluster-pager', 'cluster-prev', 'cluster-page', 'cluster-next',
    'cluster-collapse', 'view-full', 'view-types', 'direction', 'depth', 'filters',
    'filter-artifact', 'filter-run', 'expand-all', 'collapse-all', 'zoom-out', 'fit', 'zoom-in',
    'fullscreen', 'reset', 'export-png', 'export-mermaid', 'png-link', 'mermaid-box', 'mermaid',
    'copy-mermaid', 'copy-status', 'scope-hint', 'highlight', 'highlight-status', 'names',
    'preview-highlight'];

  // The element of a LAYOUT entry, with its children; a panel's title ('h3' in LAYOUT) is
  // the heading level `heading` says.
  function create(spec, heading) {
    var node = document.createElement(spec.tag === 'h3' && heading ? heading : spec.tag);
    Object.keys(spec.attrs).forEach((name) => node.setAttribute(name, spec.attrs[name]));
    spec.children.forEach((child) => {
      node.appendChild(typeof child === 'string' ? document.createTextNode(child)
        : create(child, heading));
    });
    return node;
  }

  // The panels' heading: one level below the last heading before the graph (an h2 under the
  // project graph's h1, an h3 under a page's "Lineage" h2), so headings never skip a level.
  function panelHeading(root) {
    var level = 1;
    document.querySelectorAll('h1, h2, h3, h4, h5').forEach((h) => {
      if (h.compareDocumentPosition(root) & Node.DOCUMENT_POSITION_FOLLOWING) {
        level = Number(h.tagName.slice(1));
      }
    });
    return 'h' + Math.min(6, level + 1);
  }

  // The status line (why the view is cut short, or that the library did not load): a theme's
  // own, or a new one before the page's data.
  var STATUS = el('p', { class: 'lg-status', 'data-lg': 'status', role: 'status' });

  function statusLine(root, data) {
    return part(root, 'status') || root.insertBefore(create(STATUS), data);
  }

  // Put the controls and panels around the status line; the end mark (the skip link's
  // target) goes after the section.
  function build(root) {
    var status = part(root, 'status');
    root.insertBefore(create(SKIP), status);
    root.insertBefore(create(TOOLBAR), status);
    root.insertBefore(create(HIGHLIGHT_STATUS), status);
    var body = create(BODY, panelHeading(root));
    root.insertBefore(body, status.nextSibling);
    root.insertBefore(create(EXPORT), body.nextSibling);
    root.parentNode.insertBefore(create(END), root.nextSibling);
  }

  function part(root, name) {
    return root.querySelector('[data-lg="' + name + '"]');
  }

  // Each part under its data-lg name and its camelCase one ('cluster-search', clusterSearch).
  function findParts(root) {
    var parts = {};
    PART_NAMES.forEach(function (name) {
      var key = name.replace(/-([a-z])/g, function (m, c) { return c.toUpperCase(); });
      parts[key] = part(root, name);
      parts[name] = parts[key];
    });
    return parts;
  }

  function make(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  // A data file of the site (member files, preview files) run by a <script> element, since
  // file:// forbids fetch; one promise per URL, resolved once it has run.
  var scripts = new Map();
  function loadScript(url) {
    if (!scripts.has(url)) {
      scripts.set(url, new Promise((resolve, reject) => {
        var script = document.createElement('script');
        script.onload = () => resolve();
        script.onerror = () => reject(new Error(url + ' could not be loaded'));
        script.src = url;
        document.head.appendChild(script);
      }));
    }
    return scripts.get(url);
  }

  // The rows the page data may name (graphview/rows.py): [link, text] of the first link of
  // each row of the node tables in the section around the graph's, in page order.
  function pageRows(root) {
    var rows = [];
    var around = root.parentElement && root.parentElement.closest('section');
    if (!around) return rows;
    around.querySelectorAll('table.nodes tr').forEach((tr) => {
      var link = tr.querySelector('a[href]');
      if (link) rows.push([link.getAttribute('href'), link.textContent]);
    });
    return rows;
  }

  LG.dom = { build: build, statusLine: statusLine, part: part, findParts: findParts, make: make,
    loadScript: loadScript, pageRows: pageRows };
})(window.LineageGraph = window.LineageGraph || {});
