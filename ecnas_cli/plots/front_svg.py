"""``pareto plot --format svg``: the front figure with every front cell drawn beneath it.

The figure is :func:`~ecnas_cli.plots.front.render_front` of
:func:`~ecnas_cli.plots.front.front_info`; the cells are the drawings of
:mod:`benchmarks.space.draw` (the same ones the HTML report shows), each under its hash and
objective values. One SVG file, no external references.
"""

from __future__ import annotations

import io
import re
from html import escape
from pathlib import Path

from benchmarks.space import Arch
from benchmarks.space.draw import layout, to_svg
from benchmarks.tables.objectives import Objective
from ecnas_cli.files import atomic_path
from ecnas_cli.plots.front import FrontInfo, front_info, render_front
from ecnas_cli.plots.style import paper_figure
from ecnas_cli.run.store import load_one_run, run_problem

__all__ = ["front_svg", "plot_front_svg"]

_PT = 4 / 3  # CSS px per pt: matplotlib sizes its SVG in pt, the cell drawings in px
_COLUMNS, _CAPTION = 3, 30.0


def _short(o: Objective, v: float) -> str:
    return f"{100 * v:.2f}%" if o.unit == "fraction" else f"{v:.4g} {o.unit}"


def _figure_svg(info: FrontInfo) -> tuple[str, float, float]:
    """The matplotlib figure as an ``<svg>`` element sized in px, with its width and height."""
    with paper_figure() as fig:
        render_front(fig.add_subplot(), info)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # drop the XML declaration and doctype: it is nested
    box = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', text)
    assert box is not None  # matplotlib always writes a viewBox
    w, h = float(box[1]) * _PT, float(box[2]) * _PT
    text = re.sub(r'width="[\d.]+pt" height="[\d.]+pt"', f'width="{w:.1f}" height="{h:.1f}"',
                  text, count=1)
    return text, w, h


def front_svg(info: FrontInfo) -> str:
    """One SVG: the front figure, then a grid of the run front's cells (best first)."""
    figure, width, height = _figure_svg(info)
    parts, y, row_h = [], height + 10, 0.0
    cells = [] if info.cells is None else info.cells.to_dict("records")
    cell_w = width / _COLUMNS
    drawings = [layout(Arch.from_strings(str(c["matrix"]), str(c["ops"]))) for c in cells]
    # One scale for all cells, so equal vertex boxes mean equal vertices.
    scale = min([1.0, *((cell_w - 6) / d.size()[0] for d in drawings)])
    for k, (cell, drawing) in enumerate(zip(cells, drawings, strict=True)):
        col = k % _COLUMNS
        if col == 0 and k:
            y, row_h = y + row_h + _CAPTION, 0.0
        w, h = drawing.size()
        x = col * cell_w + (cell_w - w * scale) / 2
        caption = " ".join(_short(o, float(cell[o.metric])) for o in (info.y, info.x))
        parts.append(
            f'<g transform="translate({x:.1f},{y:.1f}) scale({scale:.3f})">'
            f"{to_svg(drawing, title=str(cell['module_hash']))}</g>"
            f'<text x="{col * cell_w + cell_w / 2:.1f}" y="{y + h * scale + 12:.1f}" '
            f'text-anchor="middle" font-family="monospace" font-size="9">'
            f"{escape(str(cell['module_hash'])[:8])}</text>"
            f'<text x="{col * cell_w + cell_w / 2:.1f}" y="{y + h * scale + 23:.1f}" '
            f'text-anchor="middle" font-family="sans-serif" font-size="9">{escape(caption)}'
            "</text>")
        row_h = max(row_h, h * scale)
    total = y + row_h + _CAPTION if cells else height
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
            f' width="{width:.0f}" height="{total:.0f}" viewBox="0 0 {width:.1f} {total:.1f}">'
            f'<rect width="100%" height="100%" fill="white"/>{figure}{"".join(parts)}</svg>\n')


def plot_front_svg(run_dir: Path, out: Path | None = None, *, data_dir: Path | None = None,
                   raw_dir: Path | None = None, log_x: bool = False) -> Path:
    """Write :func:`front_svg` of one run to ``out`` (default ``<run_dir>/front.svg``)."""
    path = Path(out) if out else Path(run_dir) / "front.svg"
    if path.suffix.lower() != ".svg":
        raise ValueError(f"an SVG figure must end in .svg, got {path.name!r}")
    run = load_one_run(run_dir)
    info = front_info(run, run_problem(run, data_dir=data_dir, raw_dir=raw_dir), log_x=log_x)
    text = front_svg(info)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return path
