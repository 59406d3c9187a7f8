"""Anytime ECDF curves in the style of COCO / IOHprofiler, over hypervolume regret targets.

For a ladder of regret targets (:data:`TARGETS`), a run reaches a target at the first
evaluation (or cumulative search energy) after which its regret is at or below it. A
strategy's ECDF at ``x`` is the share of its (run, target) pairs reached by ``x``,
aggregated over seeds: a step function that rises at each first hit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["ECDF_AXES", "TARGETS", "ecdf", "first_hits"]

#: Regret targets: 10^-0.5 (31.6%) down to 10^-3 (0.1%), four per decade (11 targets).
TARGETS: tuple[float, ...] = tuple(float(t) for t in 10.0 ** -np.arange(0.5, 3.01, 0.25))
#: Curve table columns an ECDF can be drawn against, by the name ``--x`` uses.
ECDF_AXES = {"evals": "evaluation", "energy": "energy_kwh"}


def first_hits(curve_table: pd.DataFrame, targets: Sequence[float] = TARGETS,
               column: str = "evaluation") -> pd.DataFrame:
    """Per run and target: ``column`` at the first trial whose regret is at or below the
    target (inf if never).

    Parameters
    ----------
    curve_table : pandas.DataFrame
        :func:`ecnas_cli.analysis.comparison.curves` (regret never rises within a run).

    Returns
    -------
    pandas.DataFrame
        Columns ``strategy``, ``run``, ``target``, ``hit``.
    """
    t = np.asarray(targets, dtype=float)
    parts = []
    for (strategy, run), g in curve_table.groupby(["strategy", "run"], sort=False):
        regret, xs = g["regret"].to_numpy(float), g[column].to_numpy(float)
        # -regret is non-decreasing: the first index where regret <= target (1e-12 of slack).
        k = np.searchsorted(-regret, -(t + 1e-12), side="left")
        hit = np.where(k < len(xs), xs[np.minimum(k, len(xs) - 1)], np.inf)
        parts.append(pd.DataFrame({"strategy": strategy, "run": run, "target": t, "hit": hit}))
    return pd.concat(parts, ignore_index=True)


def ecdf(curve_table: pd.DataFrame, targets: Sequence[float] = TARGETS,
         x: str = "evals") -> pd.DataFrame:
    """The anytime ECDF per strategy against evaluations (``x="evals"``) or search energy.

    Exact, not on a grid: one row at the start (0, share 0), one at each distinct first-hit
    value and one at the largest ``x`` any of the strategy's runs reached.

    Returns
    -------
    pandas.DataFrame
        Columns ``strategy``, ``evaluation`` or ``energy_kwh`` (by ``x``), ``share``.
    """
    if x not in ECDF_AXES:
        raise ValueError(f"x must be one of {', '.join(ECDF_AXES)}, got {x!r}")
    column = ECDF_AXES[x]
    hits = first_hits(curve_table, targets, column)
    ends = curve_table.groupby("strategy", sort=False)[column].max()
    parts = []
    for strategy, g in hits.groupby("strategy", sort=False):
        h = np.sort(g["hit"].to_numpy(float))
        xs = np.unique(np.concatenate([[0.0], h[np.isfinite(h)], [float(ends[strategy])]]))
        share = np.searchsorted(h, xs, side="right") / len(h)
        parts.append(pd.DataFrame({"strategy": strategy, column: xs, "share": share}))
    return pd.concat(parts, ignore_index=True)
