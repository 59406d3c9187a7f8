"""A cell drawn as a DAG: one layout, three renderers (SVG text, terminal rows, matplotlib).

:func:`layout` places the pruned cell's vertices in layers by their longest path from the
input (input on top, output at the bottom); :func:`to_svg` and :func:`text_rows` render that
one geometry, so the HTML report, ``pareto plot --format svg`` and ``ecnas arch info --draw``
show the same picture. Vertices are coloured by operation (:data:`OP_COLOURS`, Okabe-Ito
colours, distinguishable with the common colour-vision deficiencies).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np

from benchmarks.space.arch import INPUT, OUTPUT, Arch, prune

__all__ = ["OP_COLOURS", "OP_SHORT", "CellDrawing", "layout", "text_rows", "to_svg"]

#: Fill colour of a vertex by operation.
OP_COLOURS = {INPUT: "#999999", OUTPUT: "#555555", "conv3x3-bn-relu": "#0072B2",
              "conv1x1-bn-relu": "#56B4E9", "maxpool3x3": "#E69F00"}
#: Short vertex label by operation.
OP_SHORT = {INPUT: "in", OUTPUT: "out", "conv3x3-bn-relu": "3x3", "conv1x1-bn-relu": "1x1",
            "maxpool3x3": "pool"}

_BOX_W, _BOX_H, _GAP_X, _GAP_Y, _PAD = 44.0, 20.0, 14.0, 22.0, 6.0  # SVG units (px)
_SIDE = 34.0  # room left and right of the boxes for the edges that skip layers


@dataclass(frozen=True)
class CellDrawing:
    """Geometry of a pruned cell.

    Attributes
    ----------
    ops : tuple of str
        Operation per vertex, input first, output last.
    edges : tuple of (int, int)
        Edges ``i -> j`` of the pruned cell.
    layer : numpy.ndarray
        ``(n,)`` longest-path distance from the input (0 for the input).
    slot : numpy.ndarray
        ``(n,)`` position of the vertex within its layer, 0-based, left to right.
    width : int
        Vertices in the widest layer.
    """

    ops: tuple[str, ...]
    edges: tuple[tuple[int, int], ...]
    layer: np.ndarray
    slot: np.ndarray
    width: int

    def centres(self) -> np.ndarray:
        """``(n, 2)`` vertex centres in SVG units, every layer centred horizontally."""
        counts = np.bincount(self.layer)
        full = self.width * _BOX_W + (self.width - 1) * _GAP_X
        row = counts[self.layer] * _BOX_W + (counts[self.layer] - 1) * _GAP_X
        x = _PAD + _SIDE + (full - row) / 2 + self.slot * (_BOX_W + _GAP_X) + _BOX_W / 2
        y = _PAD + self.layer * (_BOX_H + _GAP_Y) + _BOX_H / 2
        return np.column_stack([x, y])

    def size(self) -> tuple[float, float]:
        """Width and height of the drawing in SVG units."""
        depth = int(self.layer.max()) + 1
        return (2 * (_PAD + _SIDE) + self.width * _BOX_W + (self.width - 1) * _GAP_X,
                2 * _PAD + depth * _BOX_H + (depth - 1) * _GAP_Y)


def layout(arch: Arch) -> CellDrawing:
    """Layered layout of ``arch`` after pruning (vertex order is a topological order).

    Examples
    --------
    >>> d = layout(Arch([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]],
    ...                 ["input", "conv3x3-bn-relu", "maxpool3x3", "output"]))
    >>> d.layer.tolist(), d.slot.tolist(), d.width
    ([0, 1, 1, 2], [0, 0, 1, 0], 2)
    """
    cell = prune(arch)
    m = np.asarray(cell.matrix, dtype=np.int64)
    n = len(m)
    layer = np.zeros(n, dtype=np.int64)
    for j in range(1, n):
        parents = np.flatnonzero(m[:, j])
        layer[j] = layer[parents].max() + 1 if len(parents) else 0
    slot = np.zeros(n, dtype=np.int64)
    for k in np.unique(layer):
        members = np.flatnonzero(layer == k)
        slot[members] = np.arange(len(members))
    edges = tuple((int(i), int(j)) for i, j in zip(*np.nonzero(m), strict=True))
    return CellDrawing(tuple(cell.ops), edges, layer, slot, int(np.bincount(layer).max()))


def _edge_path(a: np.ndarray, b: np.ndarray, side: int,
               span: int) -> tuple[str, np.ndarray, np.ndarray]:
    """SVG path of edge ``a -> b`` (box centres): to the next layer, bottom to top; an edge
    that skips layers leaves and enters the boxes' ``side`` (+1 right, -1 left) and bows out,
    further the more layers it skips, so it never runs through the boxes between."""
    if span == 1:
        half = np.array([0.0, _BOX_H / 2])
        start, end = a + half, b - half
        return f"M{start[0]:.1f},{start[1]:.1f}L{end[0]:.1f},{end[1]:.1f}", start, end
    bow = side * min(_SIDE - 4, 14.0 + 6.0 * (span - 2))
    edge, out = np.array([side * _BOX_W / 2, 0.0]), np.array([bow, 0.0])
    start, end = a + edge, b + edge
    c1, c2 = start + out, end + out
    return (f"M{start[0]:.1f},{start[1]:.1f}C{c1[0]:.1f},{c1[1]:.1f} {c2[0]:.1f},{c2[1]:.1f} "
            f"{end[0]:.1f},{end[1]:.1f}", c2, end)


def to_svg(drawing: CellDrawing, *, title: str | None = None) -> str:
    """The drawing as a standalone ``<svg>`` element (no ids, so many can share a page).

    Arrowheads are drawn as polygons rather than ``<marker>`` definitions, whose ids would
    collide when several drawings are inlined in one HTML page.
    """
    w, h = drawing.size()
    xy = drawing.centres()
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="cell" width="{w:.0f}" '
             f'height="{h:.0f}" viewBox="0 0 {w:.0f} {h:.0f}" role="img">']
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    mid = w / 2
    for k, (i, j) in enumerate(drawing.edges):
        span = int(drawing.layer[j] - drawing.layer[i])
        lean = xy[i, 0] + xy[j, 0] - 2 * mid  # bow on the side the edge already leans to
        side = 1 if lean > 1e-6 else -1 if lean < -1e-6 else (1, -1)[k % 2]
        path, toward, tip = _edge_path(xy[i], xy[j], side, span)
        d = (tip - toward) / max(float(np.hypot(*(tip - toward))), 1e-9)
        normal = np.array([d[1], -d[0]])
        left, right = tip - 6 * d + 3 * normal, tip - 6 * d - 3 * normal
        parts.append(f'<path d="{path}" fill="none" stroke="#444" stroke-width="1.2"/>'
                     f'<polygon points="{tip[0]:.1f},{tip[1]:.1f} {left[0]:.1f},{left[1]:.1f} '
                     f'{right[0]:.1f},{right[1]:.1f}" fill="#444"/>')
    for (x, y), op in zip(xy, drawing.ops, strict=True):
        colour = OP_COLOURS.get(op, "#CC79A7")
        text = "#000" if op in ("conv1x1-bn-relu", "maxpool3x3") else "#fff"
        parts.append(f'<rect x="{x - _BOX_W / 2:.1f}" y="{y - _BOX_H / 2:.1f}" '
                     f'width="{_BOX_W:.0f}" height="{_BOX_H:.0f}" rx="4" fill="{colour}">'
                     f"<title>{escape(op)}</title></rect>"
                     f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" '
                     f'font-family="sans-serif" font-size="11" fill="{text}">'
                     f"{escape(OP_SHORT.get(op, op))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def text_rows(drawing: CellDrawing) -> list[tuple[int, int, str, list[int]]]:
    """One row per vertex, layer by layer: ``(layer, vertex, op, successors)``.

    The terminal renderer prints these as the layers of the same drawing, top to bottom.
    """
    order = np.lexsort((drawing.slot, drawing.layer))
    succ: dict[int, list[int]] = {}
    for i, j in drawing.edges:
        succ.setdefault(i, []).append(j)
    return [(int(drawing.layer[v]), int(v), drawing.ops[v], succ.get(int(v), []))
            for v in order]
