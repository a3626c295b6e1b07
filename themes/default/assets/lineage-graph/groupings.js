/* lineage-graph/groupings.js: the project graph grouped by namespace, package, folder, project.
 *
 * Besides the type overview, the project page carries the project grouped by where its nodes
 * live (lineage_report/graphview/groupings.py; `groupings` in the page data): a node per group,
 * counting its runs and versions, with edges where lineage joins two groups. The toolbar's
 * "Group by" select picks the overview's grouping and shows it. The choice is part of the view
 * state (`by`, in the URL as `by=namespace` where it differs from the page's default: the type
 * overview, or on a project too big to draw the grouping that tells most). A group is drawn as
 * a type node is; its preview names the grouping and counts its runs, versions and the lineage
 * edges to and from each other group. Pages without groupings get no select.
 */
(function (LG) {
  'use strict';

  var JOINS_SHOWN = 5; // groups a preview names each way; the rest are counted

  // The select, after the view buttons, with one option per overview.
  function bind(graph) {
    var model = graph.model;
    if (model.overviews.size < 2) return;
    var label = LG.dom.make('label', 'Group by ', 'lg-group-by');
    var select = LG.dom.make('select');
    select.setAttribute('data-lg', 'group-by');
    model.overviews.forEach((o) => {
      var option = LG.dom.make('option', o.label + ' (' + LG.text.commas(o.nodes.length) + ')');
      option.value = o.by;
      select.appendChild(option);
    });
    label.appendChild(select);
    var tabs = graph.root.querySelector('.lg-tabs');
    tabs.parentNode.insertBefore(label, tabs.nextSibling);
    graph.parts.groupBy = select;
    // The overview button shows the grouping chosen, not only the types.
    graph.parts.viewTypes.textContent = 'Overview';
    // A new graph: show it whole, as a change of view does.
    select.addEventListener('change', () => graph.setState({ view: 'types', by: select.value },
      { fit: true }));
    if (window.lineageView) window.lineageView.grouping = () => graph.state.by;
  }

  function sync(graph) {
    var select = graph.parts.groupBy;
    if (select) select.value = graph.state.by;
  }

  // ------------------------------------------------------------ the preview of a group

  function isGroup(e) {
    return e.k === 'type' && e.id.indexOf('group:') === 0;
  }

  // A group's preview (panels.js): the grouping's name, the group's counts, and the groups it
  // feeds and is fed by; null for any other entry.
  function preview(graph, e) {
    if (!isGroup(e)) return null;
    var o = graph.model.overview(graph.state.by);
    return { kind: o.label, rows: (e.p || []).concat(joinRows(o, o.index.get(e.id))) };
  }

  // The "Feeds" and "Fed by" rows: the groups joined to group `i`, each with the number of
  // lineage edges between them, most first.
  function joinRows(o, i) {
    var feeds = [];
    var fedBy = [];
    for (var k = 0; k + 1 < o.edges.length; k += 2) {
      var n = o.counts[k / 2] || 0;
      if (o.edges[k] === i) feeds.push([o.nodes[o.edges[k + 1]].l, n]);
      if (o.edges[k + 1] === i) fedBy.push([o.nodes[o.edges[k]].l, n]);
    }
    return [['Feeds', feeds], ['Fed by', fedBy]].filter((row) => row[1].length)
      .map((row) => [row[0], listed(row[1])]);
  }

  // "marts (8), staging (3) and 2 more groups"
  function listed(joins) {
    joins.sort((a, b) => b[1] - a[1] || LG.text.compareIds(a[0], b[0]));
    var words = joins.slice(0, JOINS_SHOWN).map((j) => j[0] + ' (' + LG.text.commas(j[1]) + ')');
    var rest = joins.length - JOINS_SHOWN;
    if (rest > 0) {
      words.push('and ' + LG.text.commas(rest) + (rest === 1 ? ' more group' : ' more groups'));
    }
    return words.join(', ');
  }

  LG.groupings = { bind: bind, sync: sync, preview: preview };
})(window.LineageGraph = window.LineageGraph || {});
