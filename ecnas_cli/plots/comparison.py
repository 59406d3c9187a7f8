"""The figures of ``ecnas compare``: regret curves, attainment surfaces and a radar of cells.

As in :mod:`ecnas_cli.plots.front`: a pure ``*_info`` data function and a ``render_*(ax, info)``
renderer per figure; :func:`save_comparison` writes them all.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from benchmarks.schema import METRICS
from benchmarks.tables.benchmark import Benchmark
from benchmarks.tables.objectives import Objective, to_min
from ecnas_cli.analysis import indicators
from ecnas_cli.analysis.comparison import Comparison
from ecnas_cli.analysis.ecdf import TARGETS
from ecnas_cli.plots.panels import (
    ecdf_info,
    panel_groups,
    panel_style,
    panels_size,
    render_ecdf,
    render_panels,
)
from ecnas_cli.plots.style import (
    axis_label,
    dominated_corner,
    paper_figure,
    plot_axes,
    role_name,
    save_figure,
    series_style,
    staircase,
    unit_axes,
)

__all__ = ["AttainmentInfo", "CurvesInfo", "RadarInfo", "attainment_info", "curves_info",
           "radar_info", "radar_metrics", "render_attainment", "render_curves", "render_radar",
           "save_comparison"]


# ----- (2) regret curves --------------------------------------------------------------------------
@dataclass
class CurvesInfo:
    """Median and IQR band of the regret per strategy: ``{name: (x, median, q25, q75)}``."""

    xlabel: str
    series: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    runs: dict[str, int]
    log: bool = False
    ylabel: str = "hypervolume regret"


def curves_info(bands: pd.DataFrame, x: str = "evals", *, log: bool = False) -> CurvesInfo:
    """From :func:`ecnas_cli.analysis.comparison.curve_bands`; ``x`` is "evals" or "energy"."""
    xlabel = {"evals": "evaluations", "energy": "search energy (kWh)"}[x]
    series, runs = {}, {}
    for name, b in bands.groupby("strategy", sort=False):
        xs, med, q25, q75 = (b[c].to_numpy(float) for c in ("x", "median", "q25", "q75"))
        series[str(name)] = (xs, med, q25, q75)
        runs[str(name)] = int(b["runs"].max())
    return CurvesInfo(xlabel, series, runs, log)


def render_curves(ax: Axes, info: CurvesInfo, names: Sequence[str] | None = None,
                  references: Sequence[str] = ()) -> Axes:
    """Median line and interquartile band per strategy (those in ``names``, each in the
    colour of its place in ``info``; ``references`` in neutral styles); log-log axes when
    ``info.log``."""
    for i, (name, (x, med, q25, q75)) in enumerate(info.series.items()):
        if names is not None and name not in names:
            continue
        style = panel_style(i, name, references)
        ax.fill_between(x, q25, q75, color=style["color"], alpha=0.2, lw=0, step="post")
        ax.step(x, med, where="post", **style, label=f"{name} (n={info.runs[name]})")
    if info.log:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel(info.xlabel)
    ax.set_ylabel(info.ylabel)
    shown = len(info.series) if names is None else len(names)
    where = {"loc": "upper right"} if shown <= 6 else {  # many: beside the axes
        "loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0}
    ax.legend(**where, title="median, IQR band", title_fontsize=6.5)
    return ax


# ----- (3) attainment surfaces --------------------------------------------------------------------
@dataclass
class AttainmentInfo:
    """Per strategy: the 50% line and the 25-75% band polygon, plot coordinates."""

    x: Objective
    y: Objective
    median: dict[str, np.ndarray]
    band: dict[str, np.ndarray]
    true_front: np.ndarray
    limits: tuple[tuple[float, float], tuple[float, float]]


def attainment_info(surfaces: dict[str, dict[float, np.ndarray]], objectives: Sequence[Objective],
                    bench: Benchmark, epochs: int, true_front: pd.DataFrame) -> AttainmentInfo:
    """From :func:`ecnas_cli.analysis.comparison.attainment` (levels 25, 50, 75, raw units)."""
    ix, iy = plot_axes(objectives)
    nadir = bench.bounds(objectives, epochs=epochs)[1]
    cols = [ix, iy]
    median, band, pts = {}, {}, []
    for name, s in surfaces.items():
        median[name] = staircase(s[50], objectives, nadir)[:, cols]
        band[name] = np.vstack([staircase(s[25], objectives, nadir),
                                staircase(s[75], objectives, nadir)[::-1]])[:, cols]
        pts += [s[p][:, cols] for p in (25, 50, 75) if len(s[p])]
    true = true_front[[o.metric for o in objectives]].to_numpy(dtype=float)
    allp = np.vstack([*pts, true[:, cols]])
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    pad = 0.05 * (hi - lo)
    limits = ((lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1]))
    return AttainmentInfo(objectives[ix], objectives[iy], median, band,
                          staircase(true, objectives, nadir)[:, cols], limits)


def render_attainment(ax: Axes, info: AttainmentInfo, names: Sequence[str] | None = None,
                      references: Sequence[str] = ()) -> Axes:
    """50% attainment line per strategy over its 25-75% band (those in ``names``, each in the
    colour of its place in ``info``; ``references`` in neutral styles, their band left out so
    the panel's strategy stays readable); the true front as a light band behind them."""
    for i, name in enumerate(info.median):
        if names is not None and name not in names:
            continue
        style = panel_style(i, name, references)
        if name not in references:
            ax.fill(*info.band[name].T, color=style["color"], alpha=0.2, lw=0)
        ax.plot(*info.median[name].T, **style, label=f"{name} (50%)")
    # a wide light band behind the series: apart from the references' dashed and dotted lines
    ax.plot(*info.true_front.T, ls="-", color="0.8", lw=2.5, zorder=0, label="true front")
    ax.set_xlim(*info.limits[0])
    ax.set_ylim(*info.limits[1])
    ax.set_xlabel(axis_label(info.x))
    ax.set_ylabel(axis_label(info.y))
    unit_axes(ax, info.x, info.y)
    ax.legend(loc=dominated_corner(info.x, info.y), title="attainment, 25-75% band",
              title_fontsize=6.5)
    return ax


# ----- (4) radar of chosen cells ------------------------------------------------------------------
@dataclass
class RadarInfo:
    """``values[i, j]`` in [0, 1]: cell ``names[i]`` on axis ``axes[j]``, 1 = best in table."""

    axes: list[str]
    names: list[str]
    values: np.ndarray


def radar_metrics(bench: Benchmark, objectives: Sequence[Objective]) -> list[str]:
    """The accuracy objective, energy, time and parameters that ``bench`` has; FLOPs when
    that leaves fewer than three (energy-only tables)."""
    acc = [o.metric for o in objectives if "accuracy" in o.metric] or ["validation_accuracy"]
    wanted = [*acc, "energy_kwh", "training_time_s", "trainable_params"]
    metrics = list(dict.fromkeys(m for m in wanted if m in bench.metrics))
    if len(metrics) < 3 and "flops" in bench.metrics:
        metrics.append("flops")
    return metrics


def radar_info(cells: pd.DataFrame, bench: Benchmark, objectives: Sequence[Objective],
               epochs: int) -> RadarInfo:
    """Accuracy, energy, time and parameters of ``cells`` (columns ``role``, ``module_hash``),
    mean values at ``epochs``, min-max normalised over the whole table, outwards = better.

    The axes are :func:`radar_metrics`; fewer than three make no radar (ValueError).
    """
    metrics = radar_metrics(bench, objectives)
    if len(metrics) < 3:
        raise ValueError(f"a radar needs 3 metrics; {bench.name} has {', '.join(metrics)}")
    objs = [Objective(m, METRICS[m].direction) for m in metrics]
    lower, upper = bench.bounds(objs, epochs=epochs)
    values = bench.query_many(cells["module_hash"].tolist(), epochs=epochs, metrics=metrics)
    raw = np.column_stack([values[m] for m in metrics])
    z = indicators.normalise(to_min(raw, objs), lower, upper)
    names = [role_name(str(r), objectives) for r in cells["role"]]
    return RadarInfo([METRICS[m].label for m in metrics], names, 1.0 - z)


def render_radar(ax: Axes, info: RadarInfo) -> Axes:
    """One closed polygon per cell on a polar Axes (``projection="polar"``)."""
    k = len(info.axes)
    angles = np.linspace(0, 2 * np.pi, k, endpoint=False)
    closed = np.append(angles, angles[0])
    for i, (name, v) in enumerate(zip(info.names, info.values, strict=True)):
        ring = np.append(v, v[0])
        style = series_style(i)
        ax.plot(closed, ring, **style, label=name)
        ax.fill(closed, ring, color=style["color"], alpha=0.12)
    ax.set_xticks(angles, [textwrap.fill(a, 12) for a in info.axes])
    for label, angle in zip(ax.get_xticklabels(), angles, strict=True):
        # Labels left and right of the circle grow away from it instead of across it.
        c = np.cos(angle)
        label.set_horizontalalignment("left" if c > 0.1 else "right" if c < -0.1 else "center")
    ax.set_ylim(0, 1)
    ax.set_yticks([0.25, 0.5, 0.75, 1.0], ["", "0.5", "", "1"], fontsize=6)
    # Radial labels between the last and the first axis; ``ax`` is a PolarAxes.
    ax.set_rlabel_position(np.degrees(angles[-1] + 2 * np.pi) / 2)  # type: ignore[attr-defined]
    for tick in ax.get_yticklabels():
        tick.set_bbox({"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.5})
    ax.tick_params(axis="x", pad=2)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=min(3, len(info.names)),
              title="min-max over all cells, outwards = better", title_fontsize=6.5,
              columnspacing=1.0, handlelength=1.5)
    return ax


# ----- ``ecnas compare`` figures ------------------------------------------------------------------
def _by_names(render: Callable[..., Axes], info: object, references: Sequence[str], ax: Axes,
              names: Sequence[str]) -> Axes:
    return render(ax, info, names, references)


def _save_panels(comp: Comparison, out: Path, curves: CurvesInfo) -> list[Path]:
    """The small-multiples figures: regret curves, ECDFs against evaluations and energy, and
    attainment surfaces (2 objectives)."""
    groups = panel_groups(list(curves.series), comp.references)
    figures: list[tuple[str, Callable[[Axes, Sequence[str]], Axes]]] = [
        ("curves", partial(_by_names, render_curves, curves, comp.references))]
    for name, table in (("ecdf_evals", comp.ecdf), ("ecdf_energy", comp.ecdf_energy)):
        if table is not None and len(table):
            info = ecdf_info(table, len(TARGETS))
            figures.append((name, partial(_by_names, render_ecdf, info, comp.references)))
    if comp.attainment is not None:
        att = attainment_info(comp.attainment, comp.objectives, comp.bench, comp.epochs,
                              comp.true_front)
        figures.append(("attainment", partial(_by_names, render_attainment, att,
                                              comp.references)))
    paths = []
    for name, draw in figures:
        with paper_figure(panels_size(len(groups))) as fig:
            render_panels(fig, groups, draw)
            paths += [save_figure(fig, Path(out) / f"{name}.{ext}") for ext in ("png", "pdf")]
    return paths


def save_comparison(comp: Comparison, out: Path, *, log: bool = False) -> list[Path]:
    """Write the regret-curve, ECDF and attainment (2 objectives) small multiples
    (:mod:`ecnas_cli.plots.panels`) and the radar (3+ metrics) figure as PNG and PDF to
    ``out``; return the paths written."""
    curves = curves_info(comp.bands, comp.x, log=log)
    paths = _save_panels(comp, out, curves)
    if len(comp.chosen) and len(radar_metrics(comp.bench, comp.objectives)) >= 3:
        radar = radar_info(comp.chosen, comp.bench, comp.objectives, comp.epochs)
        with paper_figure((3.5, 3.0)) as fig:
            render_radar(fig.add_subplot(projection="polar"), radar)
            paths += [save_figure(fig, Path(out) / f"radar.{ext}") for ext in ("png", "pdf")]
    return paths
