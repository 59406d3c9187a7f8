"""Figure 11: energy of the same cells on four GPUs; figure 15: the 7V front with its knee."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from ecnas_cli.analysis.paper.space_view import ACC_ENERGY
from ecnas_cli.plots.paper.space import plain_log_ticks
from ecnas_cli.plots.style import staircase

__all__ = ["GpuInfo", "KneeInfo", "gpu_info", "knee_info", "render_gpu_spread", "render_gpus",
           "render_knee"]


@dataclass
class GpuInfo:
    """Energy per cell on each GPU (columns) against the reference GPU, and the tau matrix."""

    reference: str
    energy: pd.DataFrame
    tau: np.ndarray


def gpu_info(energy: pd.DataFrame, agreement: pd.DataFrame) -> GpuInfo:
    """From :func:`ecnas_cli.analysis.paper.hardware.gpu_energy` and ``gpu_agreement``."""
    gpus = list(energy.columns)
    tau = np.eye(len(gpus))
    for r in agreement.itertuples(index=False):
        i, j = gpus.index(str(r.gpu_a)), gpus.index(str(r.gpu_b))
        tau[i, j] = tau[j, i] = float(r.kendall_tau)
    return GpuInfo(gpus[0], energy, tau)


def render_gpus(ax: Axes, info: GpuInfo) -> Axes:
    """Each GPU's cell energies against the reference GPU's, log-log, with the diagonal."""
    ref = info.energy[info.reference].to_numpy(dtype=float)
    for i, gpu in enumerate(info.energy.columns[1:]):
        k = list(info.energy.columns).index(gpu)
        ax.scatter(ref, info.energy[gpu], s=4, lw=0, color=f"C{i}",
                   label=f"{gpu} ($\\tau$={info.tau[0, k]:.2f})")
    lo, hi = np.nanmin(info.energy.to_numpy()), np.nanmax(info.energy.to_numpy())
    ax.plot([lo, hi], [lo, hi], color="k", lw=0.7, ls="--", label="equal energy")
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain_log_ticks(ax.xaxis, info.energy.to_numpy())
    plain_log_ticks(ax.yaxis, info.energy.to_numpy())
    ax.set_title("the same 4V cells on each GPU")
    ax.set_xlabel(f"energy on {info.reference} (kWh)")
    ax.set_ylabel("energy on other GPU (kWh)")
    ax.legend(loc="upper left")
    return ax


def render_gpu_spread(ax: Axes, info: GpuInfo) -> Axes:
    """Each GPU's cell energies (Wh) as a box (quartiles, 1.5 IQR whiskers), median written."""
    wh = [1000 * info.energy[g].to_numpy(dtype=float) for g in info.energy.columns]
    ax.boxplot(wh, tick_labels=list(info.energy.columns), widths=0.5, flierprops={"ms": 2},
               medianprops={"color": "C3"})
    for i, values in enumerate(wh, start=1):
        med = float(np.median(values))
        ax.annotate(f"{med:.3g}", (i, med), xytext=(14, 0), textcoords="offset points",
                    va="center", fontsize=6.5, color="C3")
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis, np.concatenate(wh))
    ax.set_ylabel("energy per cell (Wh)")
    ax.set_title("the same cells' energy on each GPU")
    return ax


@dataclass
class KneeInfo:
    """All cells, the true front (staircase) and the knee / most accurate cell, (x, y)."""

    title: str
    cells: np.ndarray
    front: np.ndarray
    knee: tuple[float, float]
    best: tuple[float, float]
    text: str


def knee_info(cells: pd.DataFrame, front: pd.DataFrame, summary: dict[str, float | str],
              title: str) -> KneeInfo:
    """From the table's cells, its true front and :func:`...hardware.front_knee`."""
    cols = [o.metric for o in ACC_ENERGY]
    nadir = np.array([-cells["validation_accuracy"].min(), cells["energy_kwh"].max()])
    step = staircase(front[cols].to_numpy(dtype=float), ACC_ENERGY, nadir)[:, [1, 0]]
    s = summary
    return KneeInfo(title, cells[["energy_kwh", "validation_accuracy"]].to_numpy(dtype=float),
                    step, (float(s["knee_energy_kwh"]), float(s["knee_accuracy"])),
                    (float(s["best_energy_kwh"]), float(s["best_accuracy"])),
                    f"knee: {float(s['energy_saving_pct']):.0f}% less energy\nfor "
                    f"{float(s['accuracy_drop_points']):.1f} points of accuracy")


def render_knee(ax: Axes, info: KneeInfo) -> Axes:
    """Cells faint, the true front, the knee and the most accurate cell marked."""
    ax.scatter(info.cells[:, 0], info.cells[:, 1], s=2, lw=0, color="0.7", rasterized=True,
               label="all cells")
    ax.plot(*info.front.T, color="C3", lw=1.0, label="true front")
    ax.plot(*info.best, "^", mfc="none", mec="k", ms=5, label="highest accuracy")
    ax.plot(*info.knee, "*", mfc="none", mec="k", ms=6, label="knee")
    ax.set_xscale("log")
    plain_log_ticks(ax.xaxis, info.cells[:, 0])
    ax.set_xlabel("training energy (kWh)")
    ax.set_ylabel("validation accuracy (%)")
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ax.set_title(info.title)
    ax.text(0.97, 0.03, info.text, transform=ax.transAxes, ha="right", va="bottom",
            fontsize=6.5)
    ax.legend(loc="upper left")
    return ax
