"""Metrics that see the whole front: which true-front cells a run found, and its accuracy end.

Hypervolume regret weighs the true front's cells by their hypervolume contribution under the
problem's normalisation, so a cell worth 0.2% of the volume (the most accurate one on
ecnas-5v) barely moves it. These metrics count cells instead: true-front cells found (k of N),
per true-front cell the share of runs that found it, the best validation accuracy found and
the least energy among cells within :data:`ACCURACY_POINTS` of it; :func:`cell_worth` says
what each true-front cell is worth to the regret.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from benchmarks.tables.problem import Problem
from ecnas_cli.analysis.fronts import cell_means, pareto_cells
from ecnas_cli.analysis.tradeoff import tradeoff_axes, tradeoff_table
from ecnas_cli.run.store import RunResult

__all__ = ["ACCURACY_POINTS", "cell_worth", "front_coverage", "run_coverage", "true_cells_found"]

#: Accuracy tolerance (percentage points) of ``least_energy_near_best``.
ACCURACY_POINTS = 1.0


def true_cells_found(cells: pd.DataFrame, problem: Problem) -> np.ndarray:
    """Boolean per row of ``problem.true_front``: whether ``cells`` (a ``module_hash``
    column, e.g. :func:`~ecnas_cli.analysis.fronts.cell_means`) holds that cell."""
    return problem.true_front["module_hash"].isin(set(cells["module_hash"])).to_numpy()


def run_coverage(cells: pd.DataFrame, problem: Problem) -> dict[str, float]:
    """Whole-front metrics of one run's evaluated cells (:func:`cell_means`).

    Returns
    -------
    dict
        ``true_cells_found`` (k), ``true_cells`` (N), and for problems with an accuracy and a
        cost objective (:func:`tradeoff_axes`) ``best_accuracy`` (the best mean accuracy
        found, a fraction) and ``least_cost_near_best`` (the least cost, e.g. energy in kWh,
        among cells within :data:`ACCURACY_POINTS` of it); NaN where nothing was found.
    """
    found = true_cells_found(cells, problem)
    out = {"true_cells_found": float(found.sum()), "true_cells": float(len(found))}
    axes = tradeoff_axes(problem.objectives)
    if axes is not None:
        front = pareto_cells(cells, problem.objectives)
        near = tradeoff_table(front, problem.objectives, (ACCURACY_POINTS,)) if len(front) \
            else None
        out["best_accuracy"] = float(front[axes[0]].max()) if len(front) else np.nan
        out["least_cost_near_best"] = float(near[axes[1]].iat[0]) if near is not None \
            else np.nan
    return out


def cell_worth(problem: Problem) -> pd.Series:
    """Per true-front cell (by ``module_hash``): its hypervolume contribution share under the
    problem's normalisation and reference point, i.e. the regret of a front that holds every
    true-front cell but that one."""
    values = problem.true_front_values
    worth = [problem.regret(np.delete(values, i, axis=0)) for i in range(len(values))]
    return pd.Series(worth, index=problem.true_front["module_hash"].to_numpy(), name="worth")


def front_coverage(runs: Sequence[RunResult], problem: Problem, *,
                   cells: Sequence[pd.DataFrame] | None = None) -> pd.DataFrame:
    """Per strategy and true-front cell: the share of runs that found it, with the cell's
    objective values and :func:`cell_worth`. ``cells``: the runs' :func:`cell_means`, when
    the caller has them.

    Returns
    -------
    pandas.DataFrame
        Columns ``strategy``, ``module_hash``, the objective metrics, ``worth``, ``runs``
        and ``found_share``; cells in ``problem.true_front`` order.
    """
    found: dict[str, list[np.ndarray]] = {}
    for run, mine in zip(runs, cells or [cell_means(r, problem) for r in runs], strict=True):
        found.setdefault(str(run.meta["strategy"]), []).append(true_cells_found(mine, problem))
    base = problem.true_front[["module_hash", *problem.metrics]].reset_index(drop=True)
    base["worth"] = cell_worth(problem).to_numpy()
    parts = []
    for strategy, hits in found.items():
        part = base.copy()
        part.insert(0, "strategy", strategy)
        part["runs"] = len(hits)
        part["found_share"] = np.mean(hits, axis=0)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
