/* lineage-graph/exports.js: the drawn view as Mermaid text and as a PNG.
 *
 * The Mermaid text is the one lineage_report/graphview writes for the same view (a browser
 * test compares them): nodes numbered by position, the same shapes, the same escaping, and
 * the classDef lines of graph-style.js, which both take from one definition.
 */
(function (LG) {
  'use strict';

  // The same character set as graphview's Mermaid writer: others are written as #code;.
  var MERMAID_SAFE = /^[A-Za-z0-9 _.,:/@+=-]$/;

  function mermaidEscape(text) {
    var out = '';
    for (var ch of String(text)) out += MERMAID_SAFE.test(ch) ? ch : '#' + ch.codePointAt(0) + ';';
    return out;
  }

  function mermaidShape(e) {
    var kind = e.ck || e.k;
    var text;
    if (e.k === 'cluster') return '[["' + mermaidEscape(e.l) + '"]]';
    if (e.k === 'type') text = mermaidEscape(e.g) + '<br/>' + mermaidEscape(e.t);
    else text = (e.g ? mermaidEscape(e.g) + '<br/>' : '') + mermaidEscape(e.l);
    return kind === 'run' ? '(["' + text + '"])' : '["' + text + '"]';
  }

  // The scene as a Mermaid flowchart, left to right, the focus marked.
  function mermaid(scene, focus, style) {
    var order = scene.list.slice().sort((a, b) => {
      var pa = scene.pos.get(a);
      var pb = scene.pos.get(b);
      return pa.x - pb.x || pa.y - pb.y ||
        LG.text.compareIds(scene.entries[a].id, scene.entries[b].id);
    });
    var number = new Map(order.map((i, n) => [i, n]));
    var lines = ['flowchart LR'];
    var classes = { artifact: [], run: [], focus: [] };
    order.forEach((i, n) => {
      var e = scene.entries[i];
      lines.push('  n' + n + mermaidShape(e));
      classes[e.ck || e.k].push('n' + n);
      if (e.id === focus) classes.focus.push('n' + n);
    });
    // A design run's edges are dotted: a job definition, not an observed run (also when it
    // is drawn inside its output, merge.js).
    var design = (i) => scene.entries[i].d ||
      (scene.merged && scene.merged.has(i) && scene.entries[scene.merged.get(i)].d);
    var arrow = (p) => (scene.entries[p[0]].d || design(p[1]) ? ' -.-> ' : ' --> ');
    scene.pairs.map((p) => [number.get(p[0]), number.get(p[1]), arrow(p)])
      .sort((p, q) => p[0] - q[0] || p[1] - q[1])
      .forEach((p) => lines.push('  n' + p[0] + p[2] + 'n' + p[1]));
    style.mermaid.classDefs.forEach((line) => lines.push('  ' + line));
    ['artifact', 'run', 'focus'].forEach((name) => {
      if (classes[name].length) lines.push('  class ' + classes[name].join(',') + ' ' + name);
    });
    return lines.join('\n') + '\n';
  }

  // Point the download link at the whole graph as a PNG; return its data: URL.
  function png(parts, drawing) {
    var url = drawing.snapshot();
    parts.pngLink.setAttribute('href', url);
    parts.pngLink.hidden = false;
    return url;
  }

  var CONFIRM_MS = 2000; // how long the button says "Copied"

  // Copy the Mermaid box (the clipboard API where the page may use it, else the old command)
  // and say so: the button reads "Copied" for a moment, the live line tells a screen reader.
  function copy(box, button, status) {
    var done = (ok) => confirmCopy(button, status, ok);
    box.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(box.value).then(() => done(true),
        () => done(document.execCommand('copy')));
    } else {
      done(document.execCommand('copy'));
    }
  }

  function confirmCopy(button, status, ok) {
    if (!button) return;
    if (button.dataset.label === undefined) button.dataset.label = button.textContent;
    button.textContent = ok ? 'Copied' : 'Copy failed';
    if (status) status.textContent = ok ? 'Copied to the clipboard.'
      : 'Copy failed: the text is selected, press Ctrl+C.';
    clearTimeout(button.copyTimer);
    button.copyTimer = setTimeout(() => {
      button.textContent = button.dataset.label;
      if (status) status.textContent = '';
    }, CONFIRM_MS);
  }

  LG.exports = { mermaid: mermaid, png: png, copy: copy };
})(window.LineageGraph = window.LineageGraph || {});
