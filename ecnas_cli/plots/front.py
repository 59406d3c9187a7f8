"""Figures: each is a pure ``*_info`` data function and a ``render_*(ax, info)`` renderer.

Renderers draw on a given Axes and touch no global pyplot state (figures are made with
:class:`matplotlib.figure.Figure`). Sizes and fonts suit a single paper column. This module
holds the figure plumbing and the front of one run; :mod:`ecnas_cli.plots.comparison` the
figures of ``ecnas compare`` (regret curves, attainment surfaces, radar).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.ticker import (
    EngFormatter,
    FuncFormatter,
    LogLocator,
    NullFormatter,
    PercentFormatter,
)

from benchmarks.tables.benchmark import Benchmark
from benchmarks.tables.objectives import Objective, from_min, to_min
from benchmarks.tables.schema import METRICS
from ecnas_cli.analysis import indicators as ind
from ecnas_cli.analysis.fronts import cell_means, load_one_run, run_benchmark, run_front
from ecnas_cli.analysis.tradeoff import chosen_cells
from ecnas_cli.console import atomic_path
from ecnas_cli.run.store import RunResult

__all__ = [
    "PAPER",
    "SINGLE",
    "FrontInfo",
    "axis_label",
    "dominated_corner",
    "front_info",
    "paper_figure",
    "plot_axes",
    "plot_front",
    "render_front",
    "role_name",
    "save_figure",
    "staircase",
    "unit_axes",
]

#: Paper style: fonts >= 6.5 pt at print size, embedded TrueType fonts in PDFs.
PAPER: dict[str, Any] = {
    "font.size": 7, "axes.labelsize": 7, "axes.titlesize": 7, "legend.fontsize": 6.5,
    "xtick.labelsize": 7, "ytick.labelsize": 7, "lines.linewidth": 1.0,
    "axes.spines.top": False, "axes.spines.right": False, "savefig.dpi": 300, "pdf.fonttype": 42}
SINGLE = (3.5, 2.6)  # inches: one paper column
MARKERS = ("^", "s", "*", "D", "v")  # of the marked cells: extremes, then the knee
SHORT = {"co2eq_g": "CO2", "trainable_params": "params", "flops": "FLOPs",
         "carbon_intensity_g_per_kwh": "carbon intensity"}


@contextmanager
def paper_figure(size: tuple[float, float] = SINGLE) -> Iterator[Figure]:
    """A new Figure with paper fonts (>= 6.5 pt); save it inside the ``with`` block."""
    with mpl.rc_context(cast(Any, PAPER)):
        yield Figure(figsize=size, layout="constrained")


def save_figure(fig: Figure, path: Path) -> Path:
    """Write ``fig`` atomically as PNG or PDF, chosen by the suffix of ``path``."""
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in ("png", "pdf"):
        raise ValueError(f"figure file must end in .png or .pdf, got {Path(path).name!r}")
    with atomic_path(Path(path)) as tmp:
        # no creation date: the same figure gives the same bytes (reproducible results/)
        meta = {"CreationDate": None} if fmt == "pdf" else {"Software": None}
        fig.savefig(tmp, format=fmt, metadata=meta)
    return Path(path)


# ----- shared by the figures ---------------------------------------------------------------------
def plot_axes(objectives: Sequence[Objective]) -> tuple[int, int]:
    """Columns drawn on x and y: a maximised objective (accuracy) goes up, cost to the right."""
    iy = next((i for i, o in enumerate(objectives) if o.direction == "max"), 0)
    return 1 - iy, iy


def axis_label(o: Objective) -> str:
    return f"{METRICS[o.metric].label} (%)" if o.unit == "fraction" else o.label


def staircase(front: np.ndarray, objectives: Sequence[Objective],
              nadir: np.ndarray) -> np.ndarray:
    """Vertices of the attainment boundary of a 2-objective front, in raw units.

    ``front`` holds raw values; ``nadir`` is in minimisation form and closes both ends.
    """
    P = ind.pareto_front(to_min(front, objectives)) if len(front) else np.empty((0, 2))
    if len(P) == 0:
        return np.empty((0, 2))
    corners = np.column_stack([P[1:, 0], P[:-1, 1]])
    inner = np.empty((2 * len(P) - 1, 2))
    inner[0::2], inner[1::2] = P, corners
    ends = [[P[0, 0], nadir[1]]], inner, [[nadir[0], P[-1, 1]]]
    return from_min(np.vstack(ends), objectives)


def role_name(role: str, objectives: Sequence[Objective]) -> str:
    """Short legend name of a :func:`~ecnas_cli.analysis.tradeoff.chosen_cells` role.

    ``best validation accuracy`` -> ``highest accuracy``; ``knee`` stays ``knee``.
    """
    for o in objectives:
        if role == f"best {METRICS[o.metric].label}":
            word = SHORT.get(o.metric, METRICS[o.metric].label.split()[-1])
            return f"{'highest' if o.direction == 'max' else 'lowest'} {word}"
    return role


def unit_axes(ax: Axes, x: Objective, y: Objective) -> None:
    """Fractions (accuracy) as percentages, counts with SI prefixes (``10M``)."""
    for axis, o in ((ax.xaxis, x), (ax.yaxis, y)):
        if o.unit == "fraction":
            axis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
        elif o.unit == "count":
            axis.set_major_formatter(EngFormatter(sep=""))


Corner = Literal["upper right", "upper left", "lower right", "lower left"]
_CORNERS: dict[tuple[str, str], Corner] = {
    ("min", "min"): "upper right", ("min", "max"): "lower right",
    ("max", "min"): "upper left", ("max", "max"): "lower left"}


def dominated_corner(x: Objective, y: Objective) -> Corner:
    """Legend location in the corner of worse values, where the front never goes."""
    return _CORNERS[x.direction, y.direction]


# ----- (1) the front of one run -------------------------------------------------------------------
@dataclass
class FrontInfo:
    """Points in plot coordinates ``(x, y)`` (objectives ``x`` and ``y``, raw units); marks
    are ``(label, x, y)``."""

    x: Objective
    y: Objective
    table: np.ndarray
    evaluated: np.ndarray
    front: np.ndarray
    true_front: np.ndarray
    marks: list[tuple[str, float, float]]
    title: str = ""
    log_x: bool = False


def front_info(run: RunResult, bench: Benchmark, *, log_x: bool = False) -> FrontInfo:
    """Every cell of the table, the run's evaluated cells and front, the true front, and the
    run front's extremes and knee (mean values at the run's epochs)."""
    objs, epochs = run.objectives, int(run.meta["epochs"])
    if len(objs) != 2:
        raise ValueError(f"the front figure needs 2 objectives, got {len(objs)}")
    ix, iy = plot_axes(objs)
    cols = [o.metric for o in objs]
    nadir = bench.bounds(objs, epochs=epochs)[1]
    rf = run_front(run, bench)
    _, table = bench.cell_values(objs, epochs=epochs)
    evaluated = cell_means(run, bench)[cols].to_numpy(dtype=float)
    true = bench.true_front(objs, epochs=epochs)[cols].to_numpy(dtype=float)
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
                     title, log_x)


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
    info = front_info(run, run_benchmark(run, data_dir=data_dir, raw_dir=raw_dir), log_x=log_x)
    with paper_figure() as fig:
        render_front(fig.add_subplot(), info)
        return save_figure(fig, Path(out) if out else Path(run_dir) / "front.png")
