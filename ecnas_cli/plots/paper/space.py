"""Figure 1 (the spaces), 7 (energy against proxies) and 8 (trade-offs)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import (
    EngFormatter,
    FuncFormatter,
    LogLocator,
    NullFormatter,
    PercentFormatter,
)

from ecnas_cli.analysis.paper.space_view import ACC_ENERGY
from ecnas_cli.plots.style import staircase

__all__ = ["ProxyInfo", "ScatterInfo", "TradeoffInfo", "draw_spaces", "plain_log_ticks",
           "proxy_info", "render_proxy", "render_scatter", "render_tradeoffs", "scatter_info",
           "tradeoff_info"]


@dataclass
class ScatterInfo:
    """Cells of one space: ``x``, ``y``, colour ``c`` (params) and an optional front line."""

    title: str
    x: np.ndarray
    y: np.ndarray
    c: np.ndarray
    front: np.ndarray | None
    xlabel: str
    ylabel: str
    y_percent: bool = False


def scatter_info(cells: pd.DataFrame, title: str, front: pd.DataFrame | None = None
                 ) -> ScatterInfo:
    """Accuracy against energy coloured by params (with the true front as a staircase), or,
    without accuracy, energy against params."""
    p = cells["trainable_params"].to_numpy(dtype=float)
    if "validation_accuracy" in cells and cells["validation_accuracy"].notna().any():
        e = cells["energy_kwh"].to_numpy(dtype=float)
        step = None
        if front is not None:
            vals = front[[o.metric for o in ACC_ENERGY]].to_numpy(dtype=float)
            nadir = np.array([-np.nanmin(cells["validation_accuracy"]), np.nanmax(e)])
            step = staircase(vals, ACC_ENERGY, nadir)[:, [1, 0]]
        return ScatterInfo(title, e, cells["validation_accuracy"].to_numpy(dtype=float), p,
                           step, "training energy (kWh)", "validation accuracy (%)", True)
    return ScatterInfo(title, p, cells["energy_kwh"].to_numpy(dtype=float), p, None,
                       "trainable parameters", "training energy (kWh)")


def render_scatter(ax: Axes, info: ScatterInfo,
                   vrange: tuple[float, float] | None = None) -> Axes:
    """Scatter coloured by params on a log colour scale over ``vrange`` (default: its own)."""
    lo, hi = vrange or (float(np.nanmin(info.c)), float(np.nanmax(info.c)))
    ax.scatter(info.x, info.y, c=info.c, s=4, lw=0, cmap="viridis", rasterized=True,
               norm=LogNorm(vmin=max(lo, 1.0), vmax=hi))
    title = info.title
    if info.front is not None:  # named in the title: a legend box would hide cells
        ax.plot(*info.front.T, color="C3", lw=1.0, label="true front")
        title += "\n(red line: true front)"
    ax.set_title(title)
    ax.set_xlabel(info.xlabel)
    ax.set_ylabel(info.ylabel)
    if info.y_percent:
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    else:
        ax.xaxis.set_major_formatter(EngFormatter(sep=""))
    return ax


def draw_spaces(fig: Figure, infos: list[ScatterInfo]) -> None:
    """The spaces side by side on one parameter colour scale, with one colour bar."""
    vrange = (min(float(i.c.min()) for i in infos), max(float(i.c.max()) for i in infos))
    axes = fig.subplots(1, len(infos))
    for ax, info in zip(axes, infos, strict=True):
        render_scatter(ax, info, vrange)
    bar = fig.colorbar(axes[0].collections[0], ax=list(axes), pad=0.01)
    bar.set_label("trainable parameters")
    bar.ax.yaxis.set_major_formatter(EngFormatter(sep=""))


@dataclass
class ProxyInfo:
    """Energy (y) against a proxy (x) per cell; ``flagged`` marks the largest misranks."""

    title: str
    xlabel: str
    x: np.ndarray
    y: np.ndarray
    flagged: np.ndarray
    text: str


def proxy_info(cells: pd.DataFrame, proxy: str, xlabel: str, title: str, tau: float,
               share: float, flag_share: float = 0.02) -> ProxyInfo:
    """The cells and the ``flag_share`` of cells whose energy and proxy ranks differ most."""
    x = cells[proxy].to_numpy(dtype=float)
    y = cells["energy_kwh"].to_numpy(dtype=float)
    gap = np.abs(pd.Series(y).rank(pct=True).to_numpy() - pd.Series(x).rank(pct=True).to_numpy())
    flagged = gap >= np.quantile(gap, 1 - flag_share)
    return ProxyInfo(title, xlabel, x, y, flagged,
                     f"Kendall $\\tau$ = {tau:.2f}\nmisranked pairs {100 * share:.1f}%")


def render_proxy(ax: Axes, info: ProxyInfo) -> Axes:
    """Log-log scatter; the most misranked cells ringed; tau in the upper left corner."""
    ax.scatter(info.x, info.y, s=3, lw=0, color="C0", alpha=0.6, rasterized=True, label="cell")
    ax.scatter(info.x[info.flagged], info.y[info.flagged], s=10, facecolors="none",
               edgecolors="C3", lw=0.6, label="largest rank gap (2%)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain_log_ticks(ax.xaxis, info.x)
    plain_log_ticks(ax.yaxis, info.y)
    ax.set_title(info.title)
    ax.set_xlabel(info.xlabel)
    ax.set_ylabel("training energy (kWh)")
    ax.text(0.97, 0.03, info.text, transform=ax.transAxes, va="bottom", ha="right",
            fontsize=6.5)
    return ax


def plain_log_ticks(axis: Axis, values: np.ndarray) -> None:
    """Plain 1-2-5 tick labels on a log ``axis`` spanning ``values`` (decades beyond 1.5
    decades), no minor labels: matplotlib's defaults write overlapping ``3x10^-2`` labels."""
    decades = np.log10(np.nanmax(values) / np.nanmin(values))
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if decades < 1.5 else (1.0,)))
    axis.set_major_formatter(FuncFormatter(_plain))
    axis.set_minor_formatter(NullFormatter())


def _plain(v: float, _: object) -> str:
    """``2e+06`` -> ``2M``, ``0.01`` -> ``0.01``: short tick labels for log axes."""
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= scale:
            return f"{v / scale:g}{suffix}"
    return f"{v:g}"


@dataclass
class TradeoffInfo:
    """Per space: tolerances (points), energy saving (%) and accuracy given up (points)."""

    series: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]


def tradeoff_info(table: pd.DataFrame) -> TradeoffInfo:
    """From :func:`ecnas_cli.analysis.paper.space_view.tradeoffs`."""
    return TradeoffInfo({str(s): (b["within_points"].to_numpy(float),
                                  b["saving_pct"].to_numpy(float),
                                  b["drop_points"].to_numpy(float))
                         for s, b in table.groupby("space", sort=True)})


def render_tradeoffs(ax: Axes, info: TradeoffInfo) -> Axes:
    """Energy saving against the accuracy tolerance, one step line per space."""
    for i, (space, (tol, saving, _)) in enumerate(info.series.items()):
        ax.step(tol, saving, where="post", color=f"C{i}", marker="o", ms=3, label=space.upper())
    ax.set_xscale("log")
    ticks = sorted({float(t) for tol, _, _ in info.series.values() for t in tol})
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_ylim(-3, 100)
    ax.set_xlabel("accuracy given up at most (percentage points)")
    ax.set_ylabel("energy saved vs most accurate cell (%)")
    ax.legend(loc="upper left", title="true front, 4 epochs", title_fontsize=6.5)
    return ax
