/* lineage-graph/dom.js: the page's parts and new elements, for every other part.
 *
 * Untrusted strings reach the page only through textContent and attributes: `make` is the one
 * way the graph's parts create an element with text.
 */
(function (LG) {
  'use strict';

  // Every element the graph fills in or listens to, by its data-lg name (partials/graph.html).
  var PART_NAMES = ['canvas', 'status', 'preview', 'preview-kind', 'preview-title',
    'preview-rows', 'preview-link', 'preview-focus', 'preview-back', 'cluster', 'cluster-title',
    'cluster-search', 'cluster-count', 'cluster-members', 'cluster-expand', 'cluster-collapse',
    'view-full', 'view-types', 'direction', 'depth', 'filters', 'filter-artifact', 'filter-run',
    'expand-all', 'collapse-all', 'fit', 'reset', 'export-png', 'export-mermaid', 'png-link',
    'mermaid-box', 'mermaid', 'copy-mermaid'];

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

  LG.dom = { part: part, findParts: findParts, make: make };
})(window.LineageGraph = window.LineageGraph || {});
