"""Layout: layers left to right, barycenter order within a layer, edges pulled straight.

No physics: two builds, and two browsers, draw the same picture. Longest-path layers put
each node right of its inputs (an input sits just before its first use); a few barycenter
sweeps order each layer; then each node is pulled level with its inputs while keeping rows
at least `Y_GAP` apart. A build works out the layers; a page's nodes are placed within them
by the browser (lineage-graph/layout.js), which does exactly what `place` does here, so the
page need not carry every node's y (issue 15).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable

Edge = tuple[str, str]

X_GAP = 260  # px between layers; the browser uses the same grid
Y_GAP = 80  # px between rows, also the row height of pulled-out cluster members
SWEEPS = 4  # barycenter sweeps; more rarely changes the order of real lineage graphs


def layering(nodes: Iterable[str], edges: Iterable[Edge]) -> dict[str, int]:
    """Return each node's layer: longest path from the sources, inputs pulled next to use.

    The back edges of a cycle (of a depth-first search in id order) are left out. Lineage
    graphs have no cycles, so they are looked for only when the first pass gets stuck.
    """
    nodes, edges = list(nodes), list(edges)
    layer = _longest_paths(nodes, edges)
    if layer is None:
        back = _back_edges(_adjacency(nodes, edges))
        layer = _longest_paths(nodes, [e for e in edges if e not in back])
    return layer


def _longest_paths(nodes: list[str], edges: list[Edge]) -> dict[str, int] | None:
    """Return each node's longest path from a source (Kahn's order); None on a cycle."""
    succ = {n: [] for n in nodes}
    indeg = dict.fromkeys(succ, 0)
    for u, v in edges:
        succ[u].append(v)
        indeg[v] += 1
    sources = [n for n, d in indeg.items() if d == 0]
    layer = dict.fromkeys(succ, 0)
    queue = deque(sources)
    done = 0
    while queue:
        n = queue.popleft()
        done += 1
        below = layer[n] + 1
        for m in succ[n]:
            if layer[m] < below:
                layer[m] = below
            indeg[m] -= 1
            if indeg[m] == 0:
                queue.append(m)
    if done < len(succ):
        return None
    for n in sources:
        if succ[n]:
            layer[n] = min(layer[m] for m in succ[n]) - 1  # an input sits just before its first use
    return layer


def _adjacency(nodes: Iterable[str], edges: Iterable[Edge]) -> dict[str, list[str]]:
    """Return sorted successor lists over `nodes` (a depth-first search's order)."""
    succ = {n: [] for n in nodes}
    for u, v in edges:
        succ[u].append(v)
    for outs in succ.values():
        outs.sort()
    return succ


def _back_edges(succ: dict[str, list[str]]) -> set[Edge]:
    """Return the back edges of a depth-first search in id order (empty for a DAG)."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    back = set()
    for root in sorted(succ):
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in state:
                    state[child] = 1
                    stack.append((child, iter(succ[child])))
                    break
                if state[child] == 1:
                    back.add((node, child))
            else:
                state[node] = 2
                stack.pop()
    return back


def layer_xs(layer: dict[str, int]) -> dict[str, int]:
    """Return each node's x: its layer's, counted from the leftmost (as `place` gives it)."""
    base = min(layer.values(), default=0)
    return {n: (k - base) * X_GAP for n, k in layer.items()}


def place(layer: dict[str, int], edges: Iterable[Edge]) -> dict[str, tuple[int, int]]:
    """Return (x, y) per node: barycenter order within layers, then edges pulled straight."""
    sides: dict[str, tuple[list[str], list[str]]] = {n: ([], []) for n in layer}
    for u, v in edges:
        a, b = (u, v) if layer[u] < layer[v] else (v, u)
        if layer[a] != layer[b]:
            sides[a][1].append(b)  # b lies right of a
            sides[b][0].append(a)
    columns: dict[int, list[str]] = defaultdict(list)
    for n in sorted(layer):
        columns[layer[n]].append(n)
    keys = sorted(columns)
    ys: dict[str, float] = {}
    for k in keys:
        _center(columns[k], ys)
    crowded = [k for k in keys if len(columns[k]) > 1]
    for sweep in range(SWEEPS if crowded else 0):
        side = sweep % 2  # 0: order by the inputs on the left, 1: by the outputs on the right
        for k in crowded if side == 0 else crowded[::-1]:
            col = columns[k]
            col.sort(key=lambda n, side=side: (_mean(sides[n][side], ys, ys[n]), n))
            _center(col, ys)
    _straighten(columns, keys, sides, ys)
    base = keys[0] if keys else 0
    return {n: ((layer[n] - base) * X_GAP, round(ys[n])) for n in layer}


def _straighten(columns, keys, sides, ys) -> None:
    """Pull each node level with its inputs (sources with their consumers), keeping order."""
    for k in keys:
        col = columns[k]
        wanted = [_mean(sides[n][0], ys, ys[n]) for n in col]
        ys.update(zip(col, _spread(wanted, Y_GAP) if len(col) > 1 else wanted, strict=True))
    for k in keys[::-1]:
        col = columns[k]
        wanted = [ys[n] if sides[n][0] else _mean(sides[n][1], ys, ys[n]) for n in col]
        ys.update(zip(col, _spread(wanted, Y_GAP) if len(col) > 1 else wanted, strict=True))


def _center(column: list[str], ys: dict[str, float]) -> None:
    """Set the y of a column's nodes one row apart, centred on 0, in list order."""
    middle = (len(column) - 1) / 2
    for i, n in enumerate(column):
        ys[n] = (i - middle) * Y_GAP


def _mean(nodes: list[str], ys: dict[str, float], default: float) -> float:
    """Return the mean y of nodes, or default for none."""
    if not nodes:
        return default
    total = 0.0
    for n in nodes:  # left to right, as the browser adds (sum() compensates from Python 3.12)
        total += ys[n]
    return total / len(nodes)


def _spread(wanted: list[float], gap: float) -> list[float]:
    """Return ys closest (least squares) to wanted that keep order and `gap` apart."""
    if len(wanted) == 1:
        return wanted
    # y_i - i*gap must not decrease: pool adjacent violators on wanted_i - i*gap.
    blocks: list[list[float]] = []
    for i, w in enumerate(wanted):
        blocks.append([w - i * gap, 1])
        while len(blocks) > 1 and blocks[-2][0] * blocks[-1][1] > blocks[-1][0] * blocks[-2][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    out: list[float] = []
    for total, count in blocks:
        start = len(out)
        out.extend([total / count + (start + j) * gap for j in range(int(count))])
    return out
