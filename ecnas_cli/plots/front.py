"""The front of one run: every cell of the table, the run's front, the true front, the knee."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.ticker import (
    FuncFormatter,
    LogLocator,
    NullFormatter,
)

from benchmarks.tables.objectives import Objective
from benchmarks.tables.problem import Problem
from ecnas_cli.analysis.fronts import cell_means, run_front
from ecnas_cli.analysis.tradeoff import chosen_cells
from ecnas_cli.plots.style import (
    MARKERS,
    axis_label,
    dominated_corner,
    paper_figure,
    plot_axes,
    role_name,
    save_figure,
    staircase,
    unit_axes,
)
from ecnas_cli.run.store import RunResult, load_one_run, run_problem


# ----- (1) the front of one run -------------------------------------------------------------------
@dataclass
class FrontInfo:
    """Points in plot coordinates ``(x, y)`` (objectives ``x`` and ``y``, raw units); marks
    are ``(label, x, y)``; ``table_hashes`` name the rows of ``table``, ``cells`` are the
    run front's cells (:func:`~ecnas_cli.analysis.fronts.run_front`) for interactive views."""

    x: Objective
    y: Objective
    table: np.ndarray
    evaluated: np.ndarray
    front: np.ndarray
    true_front: np.ndarray
    marks: list[tuple[str, float, float]]
    title: str = ""
    log_x: bool = False
    table_hashes: np.ndarray | None = None
    cells: pd.DataFrame | None = None


def front_info(run: RunResult, problem: Problem, *, log_x: bool = False) -> FrontInfo:
    """Every cell of the table, the run's evaluated cells and front, the true front, and the
    run front's extremes and knee (mean values at the problem's epochs)."""
    objs, epochs = problem.objectives, problem.epochs
    if len(objs) != 2:
        raise ValueError(f"the front figure needs 2 objectives, got {len(objs)}")
    ix, iy = plot_axes(objs)
    cols = [o.metric for o in objs]
    nadir = problem.bounds[1]
    rf = run_front(run, problem)
    hashes, table = problem.benchmark.cell_values(objs, epochs=epochs)
    evaluated = cell_means(run, problem)[cols].to_numpy(dtype=float)
    true = problem.true_front_values
    step = staircase(rf.cells[cols].to_numpy(dtype=float), objs, nadir)
    marks = []
    if len(rf.cells):
        for row in chosen_cells(rf.cells, objs).itertuples(index=False):
            marks.append((role_name(str(row.role), objs), float(getattr(row, cols[ix])),
                          float(getattr(row, cols[iy]))))
    title = f"{run.meta['strategy']}, seed {(run.meta.get('spawn_key') or [0])[-1]}: " \
            f"hypervolume regret {rf.regret:.3f}"
    return FrontInfo(objs[ix], objs[iy], table[:, [ix, iy]], evaluated[:, [ix, iy]],
                     step[:, [ix, iy]], staircase(true, objs, nadir)[:, [ix, iy]], marks,
                     title, log_x, hashes, rf.cells)


def render_front(ax: Axes, info: FrontInfo) -> Axes:
    """Table cells faint, evaluated cells, the run's front (solid steps), true front (dashed)."""
    (tx, ty), (ex, ey) = info.table.T, info.evaluated.T
    ax.scatter(tx, ty, s=2, color="0.75", alpha=0.5, lw=0, label="all cells", rasterized=True)
    ax.scatter(ex, ey, s=4, color="C0", alpha=0.6, lw=0, label="evaluated")
    ax.plot(*info.true_front.T, ls="--", color="k", lw=0.8, label="true front")
    ax.plot(*info.front.T, color="C3", lw=1.1, label="run front")
    # Marked cells are named in the legend, not with text on the plot, which cannot collide.
    for (name, x, y), marker in zip(info.marks, MARKERS, strict=False):
        ax.plot(x, y, marker, ms=5, mfc="none", mec="k", mew=0.9, ls="none", label=name)
    lo, hi = info.table.min(axis=0), info.table.max(axis=0)
    pad = 0.03 * (hi - lo)
    if info.log_x:  # ticks 1, 2, 5 per decade in plain numbers
        ax.set_xscale("log")
        ax.set_xlim(lo[0] / 1.05, hi[0] * 1.05)
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
    ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
    ax.set_xlabel(axis_label(info.x))
    ax.set_ylabel(axis_label(info.y))
    if info.title:
        ax.set_title(info.title)
    unit_axes(ax, info.x, info.y)
    legend = ax.legend(loc=dominated_corner(info.x, info.y), ncols=2, frameon=True, framealpha=0.9,
                       columnspacing=1.0, handlelength=1.6)
    for handle in legend.legend_handles[:2]:  # the scatter dots, too small to see at size
        if isinstance(handle, PathCollection):
            handle.set_sizes([12])
            handle.set_alpha(1.0)
    return ax


def plot_front(run_dir: Path, out: Path | None = None, *, data_dir: Path | None = None,
               raw_dir: Path | None = None, log_x: bool = False) -> Path:
    """Draw one run's front figure to ``out`` (default ``<run_dir>/front.png``)."""
    run = load_one_run(run_dir)
    info = front_info(run, run_problem(run, data_dir=data_dir, raw_dir=raw_dir), log_x=log_x)
    with paper_figure() as fig:
        render_front(fig.add_subplot(), info)
        return save_figure(fig, Path(out) if out else Path(run_dir) / "front.png")
