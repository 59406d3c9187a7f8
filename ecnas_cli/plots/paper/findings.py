"""Figure 6 (operation-swap heatmaps), 9 (measurement noise) and 10 (linear scaling)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ecnas_cli.analysis.paper.op_swap import OPS

__all__ = ["HeatInfo", "HistInfo", "draw_heat_grid", "draw_row", "heat_info", "hist_info",
           "render_heat", "render_hist"]

SHORT_OPS = {"conv3x3-bn-relu": "conv3x3", "conv1x1-bn-relu": "conv1x1",
             "maxpool3x3": "maxpool"}
METRIC_TITLES = {"energy_kwh": "energy (%)", "training_time_s": "training time (%)",
                 "trainable_params": "parameters (%)",
                 "validation_accuracy": "accuracy (points)"}


@dataclass
class HeatInfo:
    """A 3x3 grid (old op rows, new op columns) of mean changes; NaN = no pairs."""

    title: str
    labels: list[str]
    values: np.ndarray
    pairs: np.ndarray
    scale: float  # symmetric colour limit


def heat_info(impact: pd.DataFrame, metric: str, title: str, scale: float | None = None
              ) -> HeatInfo:
    """From :func:`ecnas_cli.analysis.paper.op_swap.impact`; accuracy shown in points."""
    values, pairs = np.full((3, 3), np.nan), np.zeros((3, 3), dtype=int)
    block = impact[impact["metric"] == metric]
    factor = 100.0 if metric == "validation_accuracy" else 1.0
    for r in block.itertuples(index=False):
        i, j = OPS.index(str(r.old_op)), OPS.index(str(r.new_op))
        values[i, j], pairs[i, j] = factor * float(r.mean), int(r.pairs)
    finite = values[np.isfinite(values)]
    lim = scale if scale is not None else (float(np.abs(finite).max()) if len(finite) else 1.0)
    return HeatInfo(title, [SHORT_OPS[o] for o in OPS], values, pairs, lim or 1.0)


def render_heat(ax: Axes, info: HeatInfo) -> Axes:
    """Diverging heatmap, each cell annotated with its mean change; grey when unmeasured."""
    ax.set_facecolor("0.92")
    ax.imshow(np.ma.masked_invalid(info.values), cmap="RdBu_r", vmin=-info.scale,
              vmax=info.scale)
    for (i, j), v in np.ndenumerate(info.values):
        if i == j:
            continue
        text = "n/a" if np.isnan(v) else f"{v:+.1f}"
        dark = np.isfinite(v) and abs(v) > 0.6 * info.scale
        ax.text(j, i, text, ha="center", va="center", fontsize=6,
                color="white" if dark else "black")
    ax.set_xticks(range(3), info.labels, rotation=30, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(3), info.labels)
    ax.set_title(info.title, fontsize=6.5)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


@dataclass
class HistInfo:
    """One histogram: values, bins, reference lines ``(label, x, style)`` and axis labels."""

    values: np.ndarray
    bins: np.ndarray
    lines: list[tuple[str, float, str]]
    xlabel: str
    title: str


def hist_info(values: Sequence[float] | np.ndarray, xlabel: str, title: str, *,
              lines: Sequence[tuple[str, float, str]] = (), bins: int = 40,
              clip: tuple[float, float] = (0.5, 99.5)) -> HistInfo:
    """Bins between the ``clip`` percentiles (so a few outliers do not squash the bulk); the
    median is always one of the lines. Values beyond the bins go into the edge bins, and the
    title says how many."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    lo, hi = np.percentile(v, clip)
    for _, x, _ in lines:
        lo, hi = min(lo, x), max(hi, x)
    med = float(np.median(v))
    below, above = int((v < lo).sum()), int((v > hi).sum())
    if below or above:
        title = f"{title}\n({below} below, {above} above: in the edge bins)"
    return HistInfo(v, np.linspace(lo, hi, bins + 1),
                    [(f"median {med:.3g}", med, "-"), *lines], xlabel, title)


def render_hist(ax: Axes, info: HistInfo) -> Axes:
    """Histogram (values beyond the bins piled into the edge bins), labelled vertical lines."""
    ax.hist(np.clip(info.values, info.bins[0], info.bins[-1]), bins=info.bins.tolist(), color="C0",
            alpha=0.7)
    top = ax.get_ylim()[1]
    ax.set_ylim(0, 1.45 * top)  # headroom: the legend sits above the bars and lines
    for k, (label, x, style) in enumerate(info.lines):
        ax.axvline(x, ymax=0.66, color=f"C{k + 1}", ls=style, lw=1.0, label=label)
    ax.set_xlabel(info.xlabel)
    ax.set_ylabel("count")
    ax.set_title(info.title)
    ax.legend(loc="upper right")
    return ax


def draw_row(fig: Figure, render: Callable[[Axes, Any], Axes], infos: Sequence[Any]
             ) -> list[Axes]:
    """One panel per info, side by side, each drawn by ``render``."""
    axes = list(np.atleast_1d(fig.subplots(1, len(infos), squeeze=False)[0]))
    for ax, info in zip(axes, infos, strict=True):
        render(ax, info)
    return axes


def draw_heat_grid(fig: Figure, impacts: Mapping[str, pd.DataFrame],
                   metrics: Sequence[str]) -> None:
    """Rows = data sets, columns = metrics; one colour scale per metric (its largest change)."""
    infos = {k: [heat_info(v, m, METRIC_TITLES[m]) for m in metrics]
             for k, v in impacts.items()}
    scale = [max(row[j].scale for row in infos.values()) for j in range(len(metrics))]
    axes = fig.subplots(len(infos), len(metrics), squeeze=False)
    for i, (name, row) in enumerate(infos.items()):
        for j, info in enumerate(row):
            info.scale = scale[j]
            render_heat(axes[i, j], info)
        axes[i, 0].set_ylabel(name, fontsize=8, fontweight="bold")
    fig.suptitle("mean change when one operation is replaced: old operation (row) -> new "
                 "operation (column)", fontsize=7)
