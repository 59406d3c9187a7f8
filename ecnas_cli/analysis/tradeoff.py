"""Trade-offs on a Pareto front: the cheapest cell near the best accuracy, extremes, knee.

Pure functions of a front table (one row per cell, objective metric columns in raw units),
such as :attr:`ecnas_cli.analysis.fronts.RunFront.cells` or ``Benchmark.true_front``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from benchmarks.schema import METRICS
from benchmarks.tables.objectives import Objective, to_min
from ecnas_cli.analysis import indicators

__all__ = ["REPORTED", "TOLERANCES", "chosen_cells", "knee", "tradeoff_axes", "tradeoff_table"]

#: Accuracy tolerances of the trade-off table, in percentage points.
TOLERANCES = (0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
#: Metrics reported beside the objectives (when the benchmark has them).
REPORTED = ("validation_accuracy", "test_accuracy", "trainable_params", "training_time_s",
            "energy_kwh")


def tradeoff_axes(objectives: Sequence[Objective]) -> tuple[str, str] | None:
    """The accuracy objective (maximised) and the cost objective (minimised, energy first)."""
    acc = [o.metric for o in objectives if o.direction == "max" and "accuracy" in o.metric]
    cost = [o.metric for o in objectives if o.direction == "min"]
    if not acc or not cost:
        return None
    return acc[0], "energy_kwh" if "energy_kwh" in cost else cost[0]


def tradeoff_table(front: pd.DataFrame, objectives: Sequence[Objective],
                   tolerances: Sequence[float] = TOLERANCES) -> pd.DataFrame:
    """The cheapest cell within each accuracy tolerance of the most accurate cell.

    Accuracy is a fraction in the table; tolerances are percentage points. The reference is
    the most accurate cell (the cheapest of them on ties); ``saving_pct`` is the cost saving
    relative to it.

    Parameters
    ----------
    front : pandas.DataFrame
        Cells with the objective metric columns (e.g. :attr:`RunFront.cells`).
    objectives : sequence of Objective
        Need one maximised accuracy and one minimised cost (see :func:`tradeoff_axes`).
    tolerances : sequence of float
        Accuracy tolerances in percentage points.

    Returns
    -------
    pandas.DataFrame
        One row per tolerance: ``within_points``, ``module_hash``, the accuracy,
        ``drop_points``, the cost, ``saving_pct``, then the other reported metrics present.
    """
    axes = tradeoff_axes(objectives)
    if axes is None:
        raise ValueError("a trade-off table needs a maximised accuracy and a minimised cost "
                         f"objective, got {', '.join(map(str, objectives))}")
    acc, cost = axes
    if len(front) == 0:
        raise ValueError("the front is empty")
    a, c = front[acc].to_numpy(dtype=float), front[cost].to_numpy(dtype=float)
    best = np.flatnonzero(a == np.nanmax(a))
    ref = best[np.argmin(c[best])]
    extra = [m for m in REPORTED if m in front and m not in (acc, cost)]
    rows = []
    for tol in tolerances:
        # The tiny slack keeps a cell exactly tol points below from being lost to rounding.
        inside = np.flatnonzero(a >= a[ref] - tol / 100.0 - 1e-12)
        i = inside[np.argmin(c[inside])]
        rows.append({"within_points": float(tol),
                     "module_hash": front["module_hash"].iat[i] if "module_hash" in front
                     else "", acc: a[i], "drop_points": 100.0 * (a[ref] - a[i]), cost: c[i],
                     "saving_pct": 100.0 * (c[ref] - c[i]) / c[ref] if c[ref] else np.nan,
                     **{m: front[m].iat[i] for m in extra}})
    return pd.DataFrame(rows)


def knee(front: pd.DataFrame, objectives: Sequence[Objective]) -> pd.Series:
    """The knee row of a 2-objective front (see :func:`ecnas_cli.analysis.indicators.knee_point`).

    The point farthest from the line through the two extremes, in the front's own min-max
    normalised space.
    """
    if len(objectives) != 2:
        raise ValueError(f"the knee needs 2 objectives, got {len(objectives)}")
    F = to_min(front[[o.metric for o in objectives]].to_numpy(dtype=float), objectives)
    return front.iloc[indicators.knee_point(F)]


def chosen_cells(front: pd.DataFrame, objectives: Sequence[Objective]) -> pd.DataFrame:
    """The extremes of a front (best in each objective) and its knee (2 objectives).

    Returns the front rows with a leading ``role`` column: ``best <metric label>`` or ``knee``.
    """
    if len(front) == 0:
        raise ValueError("the front is empty")
    rows, roles = [], []
    for o in objectives:
        v = front[o.metric].to_numpy(dtype=float)
        rows.append(int(np.nanargmax(v) if o.direction == "max" else np.nanargmin(v)))
        roles.append(f"best {METRICS[o.metric].label}")
    if len(objectives) == 2:
        F = to_min(front[[o.metric for o in objectives]].to_numpy(dtype=float), objectives)
        rows.append(indicators.knee_point(F))
        roles.append("knee")
    out = front.iloc[rows].reset_index(drop=True)
    out.insert(0, "role", roles)
    return out
