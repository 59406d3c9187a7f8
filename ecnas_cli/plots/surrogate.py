"""Figures of the energy surrogate: parity plot and learning curve (data + renderer each)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy.stats import kendalltau

from benchmarks.surrogate.evaluate import display_scale

WH = display_scale("energy_kwh")  # kWh -> Wh, the unit the surrogate literature reports


@dataclass(frozen=True)
class ParityInfo:
    measured_wh: np.ndarray
    predicted_wh: np.ndarray
    limits: tuple[float, float]
    kendall_tau: float
    mae_wh: float


def parity_info(measured_kwh: np.ndarray, predicted_kwh: np.ndarray) -> ParityInfo:
    """Measured vs out-of-fold predicted energy in Wh, with Kendall tau and MAE."""
    y, p = np.asarray(measured_kwh) * WH, np.asarray(predicted_kwh) * WH
    lo, hi = float(min(y.min(), p.min())), float(max(y.max(), p.max()))
    pad = 0.03 * (hi - lo)
    tau = float(kendalltau(y, p).statistic)
    return ParityInfo(y, p, (lo - pad, hi + pad), tau, float(np.abs(y - p).mean()))


def render_parity(ax: Axes, info: ParityInfo) -> Axes:
    ax.plot(info.limits, info.limits, color="black", lw=0.8, ls="--", label="y = x")
    ax.scatter(info.measured_wh, info.predicted_wh, s=3, alpha=0.35, lw=0,
               label="measured cells (out of fold)")
    ax.set_xlim(info.limits)
    ax.set_ylim(info.limits)
    ax.set_aspect("equal")
    ax.set_xlabel("measured 4-epoch energy (Wh)")
    ax.set_ylabel("predicted energy (Wh)")
    ax.text(0.03, 0.97, f"Kendall τ {info.kendall_tau:.3f}\nMAE {info.mae_wh:.3f} Wh",
            transform=ax.transAxes, va="top", ha="left")
    ax.legend(loc="lower right", frameon=False)
    return ax


@dataclass(frozen=True)
class LearningCurveInfo:
    n_train: np.ndarray
    median_mae_wh: np.ndarray
    q25: np.ndarray
    q75: np.ndarray


def learning_curve_info(curve: pd.DataFrame) -> LearningCurveInfo:
    """Median and IQR of test MAE (Wh) per training-set size over repeats."""
    g = curve.groupby("n_train")["mae"]
    return LearningCurveInfo(np.array(g.median().index, dtype=float), g.median().to_numpy(),
                             g.quantile(0.25).to_numpy(), g.quantile(0.75).to_numpy())


def render_learning_curve(ax: Axes, info: LearningCurveInfo) -> Axes:
    ax.fill_between(info.n_train, info.q25, info.q75, alpha=0.25, lw=0, label="IQR")
    ax.plot(info.n_train, info.median_mae_wh, marker="o", ms=3, label="median")
    ax.set_xscale("log")
    ax.set_xlabel("training cells")
    ax.set_ylabel("test MAE (Wh)")
    ax.legend(frameon=False)
    return ax
