/* lineage-graph/merge.js: a run and its only output drawn as one node ("Merge runs").
 *
 * Where a run makes exactly one artifact and is that artifact's only producer (every dbt
 * model, many ETL tasks), the page data marks the run with `o` (2 for a dbt run, 1 for
 * another; lineage_report/graphview/merge.py). With the toolbar's "Merge runs" on, each such
 * pair the view draws is one node: the artifact, with a band of the run's green under it and
 * the run's name under its label ("+ run fct_orders"); edges into the run go to it, and the
 * columns the runs leave empty close up. Its preview shows the artifact's rows, then the
 * run's under "Made by run · <job type>" and the run's name, with the run's page. Only pairs
 * drawn on their own merge: not a cluster's member (pulled out or not), not a run the view is
 * focused on. The choice is part of the view state (`merge`, in the URL as `merge=1` or
 * `merge=0` where it differs from the page's default: on where a dbt run can merge, as dbt
 * docs draws a model as one node; off elsewhere).
 */
(function (LG) {
  'use strict';

  // Each run of the page that may merge -> the index of its one output (from the edges).
  function candidates(model) {
    if (model.mergeable) return model.mergeable;
    var pairs = new Map();
    model.entries.forEach((e, i) => {
      if (!e.o || e.k !== 'run' || e.c !== undefined || model.outAdj[i].length !== 1) return;
      var out = model.outAdj[i][0];
      var made = model.entries[out];
      if (made.k === 'artifact' && made.c === undefined) pairs.set(i, out);
    });
    model.mergeable = pairs;
    return pairs;
  }

  // The page opens merged where a dbt run can merge (model.js: the state's defaults).
  function byDefault(model) {
    return Array.from(candidates(model).keys()).some((i) => model.entries[i].o === 2);
  }

  // The pairs a state merges where both are drawn: run -> its output, with runs merged,
  // but never the run the view is focused on (model.js counts depth by these too).
  function merging(model, state) {
    var pairs = new Map();
    if (!state.merge) return pairs;
    candidates(model).forEach((a, r) => {
      if (model.entries[r].id !== state.focus) pairs.set(r, a);
    });
    return pairs;
  }

  // The scene with each mergeable pair it draws as one node: `merged` maps the artifact's
  // index to its run's; the runs leave `list`, their edges go to their outputs.
  function contract(model, scene, state) {
    if (state.view === 'types') return scene;
    var drawn = new Set(scene.list);
    var into = new Map(); // run -> artifact
    merging(model, state).forEach((a, r) => {
      if (drawn.has(r) && drawn.has(a)) into.set(r, a);
    });
    if (!into.size) return scene;
    var list = scene.list.filter((i) => !into.has(i));
    var merged = new Map();
    into.forEach((a, r) => merged.set(a, r));
    var seen = new Set();
    var pairs = [];
    scene.pairs.forEach((p) => {
      var a = into.has(p[0]) ? into.get(p[0]) : p[0];
      var b = into.has(p[1]) ? into.get(p[1]) : p[1];
      var key = a + '>' + b;
      if (a === b || seen.has(key)) return;
      seen.add(key);
      pairs.push([a, b]);
    });
    return { entries: scene.entries, list: list, pos: closeColumns(scene.pos, scene.list, list),
      pairs: pairs, merged: merged };
  }

  // Positions with the columns `after` no longer uses closed up: its k-th column moves to
  // where the k-th column of `before` was (the layout's grid; rows are kept).
  function closeColumns(pos, before, after) {
    var columns = (list) => Array.from(new Set(list.map((i) => pos.get(i).x)))
      .sort((a, b) => a - b);
    var was = columns(before);
    var to = new Map(columns(after).map((x, k) => [x, was[k]]));
    var out = new Map();
    after.forEach((i) => {
      var p = pos.get(i);
      out.set(i, { x: to.get(p.x), y: p.y });
    });
    return out;
  }

  // The run drawn inside entry `i` of the scene, or undefined.
  function runOf(scene, i) {
    var r = scene.merged ? scene.merged.get(i) : undefined;
    return r === undefined ? undefined : scene.entries[r];
  }

  // The id of the node a run is drawn inside now, or undefined (for the parts that take a
  // run's id: a search result to highlight, a preview asked for by id).
  function outputOf(graph, id) {
    var scene = graph.current;
    var r = graph.model.index.get(id);
    if (!scene || !scene.merged || r === undefined) return undefined;
    var found;
    scene.merged.forEach((run, a) => { if (run === r) found = scene.entries[a].id; });
    return found;
  }

  // ------------------------------------------------------------ the toggle

  // The toolbar's toggle, after the view buttons; hidden on a page with nothing to merge.
  function bind(graph) {
    var toggle = LG.dom.make('button', 'Merge runs', 'lg-merge');
    toggle.type = 'button';
    toggle.setAttribute('data-lg', 'merge');
    toggle.setAttribute('aria-pressed', 'false');
    toggle.title = 'Draw each run that makes one artifact, and is its only producer, ' +
      'inside that artifact';
    toggle.hidden = candidates(graph.model).size === 0;
    var tabs = graph.root.querySelector('.lg-tabs');
    tabs.parentNode.insertBefore(toggle, tabs.nextSibling);
    graph.parts.merge = toggle;
    // A new graph shape: show it whole, as a change of view does.
    toggle.addEventListener('click', () => graph.setState({ merge: !graph.state.merge },
      { fit: true }));
    if (window.lineageView) {
      window.lineageView.merged = () => merges(graph);
    }
  }

  function sync(graph) {
    var toggle = graph.parts.merge;
    if (!toggle) return;
    var on = Boolean(graph.state.merge);
    toggle.setAttribute('aria-pressed', on ? 'true' : 'false');
    toggle.disabled = graph.state.view !== 'full';
    var count = graph.current && graph.current.merged ? graph.current.merged.size : 0;
    toggle.setAttribute('aria-label', on ? 'Merge runs: ' + LG.text.commas(count) +
      ' drawn inside their outputs' : 'Merge runs');
  }

  // [[run id, artifact id], ...] drawn as one node now (window.lineageView.merged()).
  function merges(graph) {
    var scene = graph.current;
    if (!scene || !scene.merged) return [];
    return Array.from(scene.merged).map((p) => [scene.entries[p[1]].id, scene.entries[p[0]].id])
      .sort((a, b) => LG.text.compareIds(a[1], b[1]));
  }

  // ------------------------------------------------------------ the preview

  // Under a merged node's preview rows: "Made by run <name>", the run's rows and its page
  // (unless that is the node's own); hidden for any other node. Returns the run entry
  // shown, or undefined.
  function showRun(graph, e) {
    var box = runBox(graph);
    var scene = graph.current;
    var i = graph.model.index.get(e.id);
    var run = i === undefined || scene.entries !== graph.model.entries ? undefined : runOf(scene, i);
    box.textContent = '';
    box.hidden = run === undefined;
    if (run === undefined) return undefined;
    var make = LG.dom.make;
    var title = graph.parts.previewTitle;
    var level = Math.min(6, Number(title.tagName.slice(1)) + 1 || 4);
    // Laid out as the preview's own top: a kind line, then the name as a heading.
    box.appendChild(make('p', 'Made by run' + (run.g ? ' \u00b7 ' + run.g : ''), 'lg-kind'));
    box.appendChild(make('h' + level, run.l, 'lg-run-title'));
    var rows = make('dl');
    (run.p || []).forEach((row) => {
      rows.appendChild(make('dt', row[0]));
      rows.appendChild(make('dd', row[1]));
    });
    box.appendChild(rows);
    // A dbt model's run has no page of its own: its link is the version's (one page per model).
    var href = run.h === e.h ? null : LG.text.safeHref(run.h);
    if (href !== null) {
      var link = make('a', 'Open run page');
      link.setAttribute('href', href);
      link.setAttribute('data-lg', 'preview-run-link');
      box.appendChild(make('p', null, 'lg-actions')).appendChild(link);
    }
    return run;
  }

  // The preview's box for the run inside a merged node, made on first use after its rows.
  function runBox(graph) {
    var P = graph.parts;
    if (!P.previewRun) {
      var box = LG.dom.make('div', null, 'lg-preview-run');
      box.setAttribute('data-lg', 'preview-run');
      box.hidden = true;
      P.previewRows.parentNode.insertBefore(box, P.previewRows.nextSibling);
      P.previewRun = box;
    }
    return P.previewRun;
  }

  // ------------------------------------------------------------ the URL

  function encode(state, model, params) {
    if (Boolean(state.merge) !== Boolean(model.defaults.merge)) {
      params.set('merge', state.merge ? '1' : '0');
    }
  }

  function decode(params, state) {
    var value = params.get('merge');
    if (value === '1' || value === '0') state.merge = value === '1';
  }

  LG.merge = { candidates: candidates, byDefault: byDefault, merging: merging, contract: contract,
    runOf: runOf, outputOf: outputOf, bind: bind, sync: sync, showRun: showRun, encode: encode, decode: decode };
})(window.LineageGraph = window.LineageGraph || {});
