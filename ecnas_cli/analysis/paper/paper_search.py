"""The paper's search experiment: the authors' runs beside ecnas's, on one Problem.

Every run, the authors' (from their files) and ecnas's (from its trial log), becomes a regret
curve over *trials* (every proposal, invalid ones and repeats included, as the authors counted
them; under ecnas's protocol a trial is a distinct training) and over cumulative search energy.
Regret after a trial is that of the cells the run has trained at the target epochs, measured by
the :class:`~benchmarks.tables.problem.Problem` on ``ecnas-4v-paper`` (108 epochs): the same
normalisation and reference point for every run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from benchmarks.sources.official_runs import RunFile, identify, read_run
from benchmarks.tables.objectives import from_min, to_min
from benchmarks.tables.problem import Problem
from ecnas_cli.analysis.attainment import eaf
from ecnas_cli.analysis.paper.official import PAPER_NAMES
from ecnas_cli.analysis.significance import mann_whitney
from ecnas_cli.run.store import RunResult

CURVE_COLUMNS = ["source", "strategy", "seed", "trial", "energy_kwh", "regret"]


def _curve(problem: Problem, trial: np.ndarray, energy: np.ndarray, epochs: np.ndarray,
           values: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Regret after each row (rows below the target epochs sit at the reference point), and
    the raw values of the rows at the target epochs."""
    at = epochs == problem.epochs
    rows = np.full((len(trial), len(problem.objectives)), np.nan)  # NaN rows add nothing
    rows[at] = values[at]
    regret = np.maximum(problem.regret_curve(rows), 0.0)  # found: rounding leaves -1e-16
    return pd.DataFrame({"trial": trial, "energy_kwh": energy, "regret": regret}), values[at]


def authors_curve(run: RunFile, base: pd.DataFrame, problem: Problem
                  ) -> tuple[pd.DataFrame, np.ndarray]:
    """One authors' run: regret after every trial (invalid ones add nothing) and the raw
    values of its cells at the target epochs."""
    trials = read_run(run.path)
    valid = trials[trials["valid"]]
    rows = identify(valid, base, source=run.path.name)
    epochs = np.zeros(len(trials), dtype=np.int64)
    epochs[valid.index.to_numpy()] = rows["epochs"].to_numpy()
    values = np.full((len(trials), len(problem.objectives)), np.nan)
    at = np.flatnonzero(epochs == problem.epochs)
    if len(at):
        values[at] = problem.cell_means(rows.set_index(valid.index).loc[at, "module_hash"])
    curve, found = _curve(problem, trials["trial_index"].to_numpy() + 1,
                          trials["energy"].cumsum().to_numpy(), epochs, values)
    return curve.assign(source="authors", strategy=PAPER_NAMES[run.strategy],
                        seed=run.seed)[CURVE_COLUMNS], found


def ecnas_curve(result: RunResult, problem: Problem, label: str
                ) -> tuple[pd.DataFrame, np.ndarray]:
    """One ecnas run: its trial log's charged rows, at its trial count (``evaluation``).

    A last row at the run's total trials carries the final regret up to invalid proposals
    charged after its last training (the paper protocol)."""
    log = result.trials[~result.trials["cached"].astype(bool)]
    values = problem.cell_means(log["module_hash"].tolist()) if len(log) else \
        np.empty((0, len(problem.objectives)))
    epochs = log["epochs"].to_numpy(dtype=np.int64)
    values = np.where((epochs == problem.epochs)[:, None], values, np.nan)
    curve, found = _curve(problem, log["evaluation"].to_numpy(dtype=np.int64),
                          log["cumulative_energy_kwh"].to_numpy(dtype=float), epochs, values)
    total = int(result.meta["evaluations"])
    if len(curve) == 0 or curve["trial"].iat[-1] < total:
        last = curve.iloc[-1:] if len(curve) else pd.DataFrame(
            {"trial": [0], "energy_kwh": [0.0], "regret": [1.0]})
        curve = pd.concat([curve, last.assign(trial=total)], ignore_index=True)
    return curve.assign(source="ecnas", strategy=label,
                        seed=int(result.meta["seed"]))[CURVE_COLUMNS], found


def regret_at(curves: pd.DataFrame, column: str, x: float) -> pd.DataFrame:
    """Each run's regret once ``column`` (``trial`` or ``energy_kwh``) reached ``x`` (the
    value after its last row at or below ``x``; 1 before its first row). A run that ended
    before ``x`` keeps its final regret: it had nothing left to spend (``ended`` is True)."""
    rows = []
    for (source, strategy, seed), g in curves.groupby(["source", "strategy", "seed"],
                                                       sort=False):
        xs = g[column].to_numpy(dtype=float)
        k = int(np.searchsorted(xs, x, side="right"))
        rows.append({"source": source, "strategy": strategy, "seed": seed,
                     "regret": 1.0 if k == 0 else float(g["regret"].to_numpy()[k - 1]),
                     "ended": bool(xs[-1] < x)})
    return pd.DataFrame(rows)


def summary_at(curves: pd.DataFrame, points: Mapping[str, tuple[str, float]]) -> pd.DataFrame:
    """Median and IQR of regret per (source, strategy) at each named point (column, x)."""
    rows = []
    for name, (column, x) in points.items():
        at = regret_at(curves, column, x)
        for (source, strategy), g in at.groupby(["source", "strategy"], sort=False):
            q = g["regret"].quantile([0.25, 0.5, 0.75]).to_numpy()
            rows.append({"point": name, "column": column, "x": x, "source": source,
                         "strategy": strategy, "runs": len(g), "ended": int(g["ended"].sum()),
                         "median": q[1], "q25": q[0], "q75": q[2]})
    return pd.DataFrame(rows)


def versus(curves: pd.DataFrame, pairs: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """Two-sided Mann-Whitney U of final regret: ecnas strategy vs the authors' optimiser."""
    final = curves.groupby(["source", "strategy", "seed"], sort=False)["regret"].last()
    rows = []
    for ours, theirs in pairs:
        a, b = final["ecnas"][ours].to_numpy(), final["authors"][theirs].to_numpy()
        u, p = mann_whitney(a, b)
        rows.append({"ecnas": ours, "authors": theirs, "runs_ecnas": len(a),
                     "runs_authors": len(b), "median_ecnas": float(np.median(a)),
                     "median_authors": float(np.median(b)), "u": u, "p": p})
    return pd.DataFrame(rows)


def attainment(fronts: Mapping[str, Sequence[np.ndarray]], problem: Problem,
               levels: Sequence[float] = (25, 50, 75)) -> dict[str, dict[float, np.ndarray]]:
    """Attainment surfaces (raw units) per strategy from each run's raw 108-epoch values."""
    objs = problem.objectives
    out = {}
    for name, runs in fronts.items():
        mins = [to_min(np.asarray(v, dtype=float).reshape(-1, len(objs)), objs) for v in runs]
        out[name] = {p: from_min(P, objs) for p, P in eaf(mins, levels=levels).items()}
    return out
