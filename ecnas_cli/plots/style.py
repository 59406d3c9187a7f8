"""Figure plumbing shared by every plot: paper style, axes, labels, staircases, saving.

Every figure is a pure ``*_info`` data function and a ``render_*(ax, info)`` renderer that draws
on a given Axes and touches no global pyplot state (figures are made with
:class:`matplotlib.figure.Figure`). Sizes and fonts suit a single paper column.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, cast

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import (
    EngFormatter,
    PercentFormatter,
)

from benchmarks.schema import METRICS
from benchmarks.tables.objectives import Objective, from_min, to_min
from ecnas_cli.analysis import indicators
from ecnas_cli.files import atomic_path

#: Paper style: fonts >= 6.5 pt at print size, embedded TrueType fonts in PDFs.
PAPER: dict[str, Any] = {
    "font.size": 7, "axes.labelsize": 7, "axes.titlesize": 7, "legend.fontsize": 6.5,
    "xtick.labelsize": 7, "ytick.labelsize": 7, "lines.linewidth": 1.0,
    "axes.spines.top": False, "axes.spines.right": False, "savefig.dpi": 300, "pdf.fonttype": 42}
SINGLE = (3.5, 2.6)  # inches: one paper column
MARKERS = ("^", "s", "*", "D", "v")  # of the marked cells: extremes, then the knee
SHORT = {"co2eq_g": "CO2", "trainable_params": "params", "flops": "FLOPs",
         "carbon_intensity_g_per_kwh": "carbon intensity"}


def series_style(i: int) -> dict[str, Any]:
    """Colour and line style of the ``i``-th series: the 10 default colours, then the same
    colours dashed, then dotted, so up to 30 strategies stay apart."""
    return {"color": f"C{i % 10}", "ls": ("-", "--", ":")[(i // 10) % 3]}


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
    P = indicators.pareto_front(to_min(front, objectives)) if len(front) else np.empty((0, 2))
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
