/* lineage-graph/text.js: how the graph's parts shorten, count, compare and link. */
(function (LG) {
  'use strict';

  var UNSAFE_HREF = /^\s*([a-zA-Z][a-zA-Z0-9+.-]*:|\/\/|\\)/;

  function shorten(text, limit) {
    var chars = Array.from(String(text || ''));
    return chars.length <= limit ? chars.join('') : chars.slice(0, limit - 1).join('') + '…';
  }

  // Counts the panel makes up as the reader types ("3 of 16 shown"), and a type's count when
  // the site's type table holds the type (model.js), written as lineage_report/formats.count
  // writes them. Every other value comes formatted in the page data (a node's count as `t`,
  // preview rows as `p`) and is shown as given.
  function commas(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  // Only a relative link to another page of the site: no scheme, no other host.
  function safeHref(href) {
    return typeof href === 'string' && href !== '' && !UNSAFE_HREF.test(href) ? href : null;
  }

  function compareIds(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  // A cluster's count with `out` of its members pulled out, and its label with that count:
  // "17 runs · train" reads "16 runs · train" (the canvas node and the panel's title).
  var COUNT = /^[\d,]+ (runs?|versions?)\b/;

  // "1 run", "12 runs", "1,000 versions": what a cluster or a type stands for (graphview's
  // text.count_words).
  function countWords(n, kind) {
    return commas(n) + ' ' + (kind === 'run' ? 'run' : 'version') + (n === 1 ? '' : 's');
  }

  function clusterCount(e, out) {
    var left = e.n - out;
    var words = countWords(left, e.ck);
    return { words: words, label: COUNT.test(e.l) ? e.l.replace(COUNT, words) : e.l };
  }

  LG.text = { shorten: shorten, commas: commas, safeHref: safeHref, compareIds: compareIds,
    countWords: countWords, clusterCount: clusterCount };
})(window.LineageGraph = window.LineageGraph || {});
