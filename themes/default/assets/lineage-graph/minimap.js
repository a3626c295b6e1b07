/* lineage-graph/minimap.js: an overview of the whole graph in the canvas's corner.
 *
 * While some drawn nodes are out of view (a graph too big to open whole, or after zooming
 * in), a small map shows every node as a dot in its kind's colour and the part in view as a
 * frame; pressing or dragging on the map moves the camera there. With everything in view it
 * hides. It is for the mouse: keyboard readers have Fit, the zoom keys and the arrows.
 */
(function (LG) {
  'use strict';

  var WIDTH = 180; // CSS px
  var HEIGHT = 110;
  var PAD = 6;
  var HALF = { x: 110, y: 30 }; // half a node's box, in graph units

  class Minimap {
    constructor(graph, body) {
      this.graph = graph;
      this.map = null; // how graph units map to the minimap: { left, top, scale }
      this.pending = false;
      var el = LG.dom.make('canvas', null, 'lg-minimap');
      var ratio = window.devicePixelRatio || 1;
      el.width = Math.round(WIDTH * ratio);
      el.height = Math.round(HEIGHT * ratio);
      el.setAttribute('aria-hidden', 'true');
      el.setAttribute('data-lg', 'minimap');
      el.title = 'The whole graph: press to move there';
      el.hidden = true;
      body.appendChild(el);
      this.el = el;
      this.bind();
    }

    bind() {
      var net = this.graph.drawing.network;
      net.on('afterDrawing', () => this.schedule());
      var dragging = false;
      this.el.addEventListener('pointerdown', (event) => {
        dragging = true;
        this.el.setPointerCapture(event.pointerId);
        this.go(event);
      });
      this.el.addEventListener('pointermove', (event) => { if (dragging) this.go(event); });
      this.el.addEventListener('pointerup', () => { dragging = false; });
    }

    // Paint after the canvas's drawing, once per frame at most.
    schedule() {
      if (this.pending) return;
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.paint();
      });
    }

    // The box around every drawn node, and the box in view, in graph units.
    extent() {
      var net = this.graph.drawing.network;
      var positions = net.getPositions();
      var ids = Object.keys(positions);
      if (!ids.length) return null;
      var xs = ids.map((id) => positions[id].x);
      var ys = ids.map((id) => positions[id].y);
      var canvas = this.graph.parts.canvas;
      var a = net.DOMtoCanvas({ x: 0, y: 0 });
      var z = net.DOMtoCanvas({ x: canvas.clientWidth, y: canvas.clientHeight });
      return { ids: ids, positions: positions,
        all: { left: Math.min.apply(null, xs) - HALF.x, right: Math.max.apply(null, xs) + HALF.x,
          top: Math.min.apply(null, ys) - HALF.y, bottom: Math.max.apply(null, ys) + HALF.y },
        view: { left: a.x, top: a.y, right: z.x, bottom: z.y } };
    }

    paint() {
      var x = this.extent();
      var inView = x !== null && x.all.left >= x.view.left && x.all.right <= x.view.right &&
        x.all.top >= x.view.top && x.all.bottom <= x.view.bottom;
      this.el.hidden = x === null || inView;
      if (this.el.hidden) return;
      var ratio = window.devicePixelRatio || 1;
      var across = x.all.right - x.all.left;
      var down = x.all.bottom - x.all.top;
      // A long, flat graph gets a flat map, down to a third of the full height.
      var height = Math.round(Math.max(HEIGHT / 3, Math.min(HEIGHT,
        (WIDTH - 2 * PAD) * down / across + 2 * PAD)));
      if (this.el.height !== Math.round(height * ratio)) {
        this.el.height = Math.round(height * ratio);
        this.el.style.height = height + 'px';
      }
      var scale = Math.min((WIDTH - 2 * PAD) / across, (height - 2 * PAD) / down);
      this.map = { left: x.all.left - (WIDTH / scale - across) / 2,
        top: x.all.top - (height / scale - down) / 2, scale: scale };
      var ctx = this.el.getContext('2d');
      var colours = this.graph.drawing.colours;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.fillStyle = colours.canvas;
      ctx.fillRect(0, 0, WIDTH, height);
      var nodeSet = this.graph.drawing.nodeSet;
      var w = Math.max(2, 2 * HALF.x * scale * 0.8);
      var h = Math.max(2, 2 * HALF.y * scale * 0.8);
      x.ids.forEach((id) => {
        var node = nodeSet.get(id);
        var p = this.toMap(x.positions[id]);
        ctx.fillStyle = node && node.color ? node.color.border : colours.edge;
        ctx.fillRect(p.x - w / 2, p.y - h / 2, w, h);
      });
      var a = this.toMap({ x: x.view.left, y: x.view.top });
      var z = this.toMap({ x: x.view.right, y: x.view.bottom });
      ctx.strokeStyle = colours.ring;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(a.x, a.y, z.x - a.x, z.y - a.y);
    }

    toMap(p) {
      var m = this.map;
      return { x: (p.x - m.left) * m.scale, y: (p.y - m.top) * m.scale };
    }

    // Centre the camera on the place pressed on the map.
    go(event) {
      if (this.map === null) return;
      var box = this.el.getBoundingClientRect();
      var m = this.map;
      var position = { x: (event.clientX - box.left) / m.scale + m.left,
        y: (event.clientY - box.top) / m.scale + m.top };
      this.graph.drawing.network.moveTo({ position: position });
    }

    visible() {
      return !this.el.hidden;
    }
  }

  LG.Minimap = Minimap;
})(window.LineageGraph = window.LineageGraph || {});
