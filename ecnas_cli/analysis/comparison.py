"""Comparing strategies over seeds: regret curves, statistics, whole-front metrics, anytime
ECDFs and attainment surfaces.

Everything is recomputed from the trial logs with the benchmark's mean values (see
:mod:`ecnas_cli.analysis.fronts`), and measured by the one :class:`Problem` of the runs
(regret after each trial: :meth:`Problem.regret_curve`; IGD+ in its normalised space).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.tables.objectives import from_min, to_min
from benchmarks.tables.problem import Problem
from ecnas_cli.analysis import indicators
from ecnas_cli.analysis.attainment import eaf
from ecnas_cli.analysis.coverage import front_coverage, run_coverage
from ecnas_cli.analysis.ecdf import ecdf
from ecnas_cli.analysis.fronts import cell_means, pareto_cells
from ecnas_cli.analysis.significance import REFERENCES, missing_references, pairwise_tests
from ecnas_cli.analysis.tradeoff import chosen_cells
from ecnas_cli.run.store import RunResult, charged, load_runs, run_problem

__all__ = ["AXES", "LEVELS", "MEDIANS", "Comparison", "attainment", "compare_runs", "compare_stats",
           "curve_bands", "curves", "final_igd_plus", "regret_at", "run_summaries"]

#: Curve x axes: column of :func:`curves` for each ``x`` choice.
AXES = {"evals": "evaluation", "energy": "energy_kwh"}
#: Fractions of the true front's hypervolume whose cost :func:`compare_stats` reports.
LEVELS = (0.95, 0.99)
#: Per-run columns of the summaries whose median :func:`compare_stats` reports.
MEDIANS = ("distinct_cells", "cached_queries", "final_igd_plus", "true_cells_found",
           "best_accuracy", "least_cost_near_best")


def _label(run: RunResult, i: int) -> str:
    """A unique run name: its directory (two trees may both hold ``random/seed-0``)."""
    if run.path is not None:
        return str(run.path)
    return f"{run.meta['strategy']}/seed-{(run.meta.get('spawn_key') or [0])[-1]}#{i}"


def curves(runs: Sequence[RunResult], problem: Problem, x: str = "evals") -> pd.DataFrame:
    """Hypervolume regret of each run after every evaluation (distinct training).

    A trial counts with its cell's mean values at the problem's epochs
    (:meth:`Problem.regret_curve`); lower-fidelity trials cost energy but add no result.
    Queries answered from the run's cache are not evaluations (they add no cell and cost
    nothing) and are left out.

    Returns
    -------
    pandas.DataFrame
        Columns ``strategy``, ``run``, ``evaluation`` (1-based), ``energy_kwh`` (cumulative
        search energy), ``x`` (the column chosen by ``x``: "evals" or "energy") and ``regret``.
    """
    if x not in AXES:
        raise ValueError(f"x must be one of {', '.join(AXES)}, got {x!r}")
    parts = []
    for i, run in enumerate(runs):
        trials = charged(run.trials)
        values = np.full((len(trials), len(problem.objectives)), np.nan)
        at = np.flatnonzero(trials["epochs"].to_numpy() == problem.epochs)
        values[at] = problem.cell_means(trials["module_hash"].iloc[at].tolist())
        energy = trials["cumulative_energy_kwh"].to_numpy(dtype=float) \
            if "cumulative_energy_kwh" in trials else trials["energy_kwh"].cumsum().to_numpy()
        part = pd.DataFrame({"strategy": str(run.meta["strategy"]), "run": _label(run, i),
                             "evaluation": np.arange(1, len(trials) + 1), "energy_kwh": energy,
                             "regret": problem.regret_curve(values)})
        part.insert(4, "x", part[AXES[x]])
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def curve_bands(curve_table: pd.DataFrame, *, points: int = 300,
                log: bool = False) -> pd.DataFrame:
    """Median and interquartile range of the regret per strategy on a common x grid.

    ``evaluation`` curves use every integer evaluation; other axes ``points`` grid points,
    geometric when ``log``. Before its first trial a run has regret 1 (nothing found); after
    its last one it has no value. A grid point is kept while at least half of a strategy's
    runs have a value there.

    Returns
    -------
    pandas.DataFrame
        Columns ``strategy``, ``x``, ``median``, ``q25``, ``q75``, ``runs``.
    """
    xs = curve_table["x"].to_numpy(dtype=float)
    if np.array_equal(curve_table["x"], curve_table["evaluation"]):
        grid = np.arange(1.0, xs.max() + 1)
    else:
        lo = xs[xs > 0].min() if log else 0.0
        grid = np.geomspace(lo, xs.max(), points) if log else np.linspace(lo, xs.max(), points)
    parts = []
    for strategy, block in curve_table.groupby("strategy", sort=False):
        Y = np.vstack([_on_grid(g["x"].to_numpy(float), g["regret"].to_numpy(float), grid)
                       for _, g in block.groupby("run", sort=False)])
        count = np.isfinite(Y).sum(axis=0)
        keep = count >= max(1, int(np.ceil(len(Y) / 2)))
        Y = Y[:, keep]
        q25, med, q75 = np.nanpercentile(Y, [25, 50, 75], axis=0)
        parts.append(pd.DataFrame({"strategy": strategy, "x": grid[keep], "median": med,
                                   "q25": q25, "q75": q75, "runs": count[keep]}))
    return pd.concat(parts, ignore_index=True)


def _on_grid(x: np.ndarray, y: np.ndarray, grid: np.ndarray) -> np.ndarray:
    out = np.where(grid < x[0], 1.0, indicators.curve_at(x, y, grid))
    return np.where(grid > x[-1], np.nan, out)


def run_summaries(runs: Sequence[RunResult], curve_table: pd.DataFrame) -> pd.DataFrame:
    """Per run: strategy, distinct evaluations and cells, cached queries, search energy (kWh)
    and final regret (the last value of its curve)."""
    last = curve_table.groupby("run", sort=False)["regret"].last()
    rows = []
    for i, run in enumerate(runs):
        trials, label = run.trials, _label(run, i)
        trained = charged(trials)
        energy = trials["cumulative_energy_kwh"].iloc[-1] if "cumulative_energy_kwh" in trials \
            else trained["energy_kwh"].sum()
        rows.append({"strategy": str(run.meta["strategy"]), "run": label,
                     "evaluations": len(trained), "distinct_cells":
                     int(trained["module_hash"].nunique()),
                     "cached_queries": len(trials) - len(trained),
                     "search_energy_kwh": float(energy), "final_regret": float(last[label])})
    return pd.DataFrame(rows)


def compare_stats(curve_table: pd.DataFrame, levels: Sequence[float] = LEVELS,
                  summaries: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per strategy: final regret (median, IQR), the cost of reaching each level and, with
    ``summaries`` (:func:`run_summaries`), the median of each :data:`MEDIANS` column the
    summaries hold (``final_igd_plus`` becomes ``final_igd_plus_median``).

    ``evals_to_95`` / ``kwh_to_95`` are the median over runs of the evaluations / cumulative
    search energy (kWh) after which the front holds 95% of the true front's hypervolume; a
    run that never gets there counts as infinite, and an infinite median is NaN (not reached).
    ``reached_95`` is the fraction of runs that got there. Medians are NumPy's.
    """
    rows = []
    for strategy, block in curve_table.groupby("strategy", sort=False):
        runs = [g for _, g in block.groupby("run", sort=False)]
        final = np.array([g["regret"].iat[-1] for g in runs])
        row = {"strategy": strategy, "runs": len(runs),
               "evaluations": float(np.median([len(g) for g in runs])),
               "search_energy_kwh": float(np.median([g["energy_kwh"].iat[-1] for g in runs])),
               "final_regret_median": float(np.median(final)),
               "final_regret_q25": float(np.percentile(final, 25)),
               "final_regret_q75": float(np.percentile(final, 75))}
        if summaries is not None:
            mine = summaries[summaries["strategy"] == strategy]
            for col in MEDIANS:  # compare_runs adds the columns after the first two
                if col in mine:
                    name = "final_igd_plus_median" if col == "final_igd_plus" else col
                    row[name] = float(np.median(mine[col]))
        for level in levels:
            tag = f"{round(100 * level)}"
            cost = np.array([_first_reach(g, 1.0 - level) for g in runs])  # (runs, 2)
            med = np.median(cost, axis=0)
            med[~np.isfinite(med)] = np.nan  # the median run never got there
            row[f"evals_to_{tag}"], row[f"kwh_to_{tag}"] = float(med[0]), float(med[1])
            row[f"reached_{tag}"] = float(np.isfinite(cost[:, 0]).mean())
        rows.append(row)
    return pd.DataFrame(rows)


def regret_at(curve_table: pd.DataFrame, x: float, column: str = "evaluation") -> pd.Series:
    """Each run's regret once ``column`` (``evaluation`` or ``energy_kwh``) reached ``x``:
    the value after the last trial at or below ``x``; 1 before its first trial; NaN for a
    run that stopped before ``x`` (it never spent that much)."""
    out = {}
    for run, g in curve_table.groupby("run", sort=False):
        xs = g[column].to_numpy(dtype=float)
        k = int(np.searchsorted(xs, x, side="right"))
        if k == len(xs) and xs[-1] < x and column == "evaluation":
            out[run] = np.nan
        else:
            out[run] = 1.0 if k == 0 else float(g["regret"].to_numpy()[k - 1])
    return pd.Series(out, name="regret")


def _first_reach(run: pd.DataFrame, regret: float) -> tuple[float, float]:
    hit = np.flatnonzero(run["regret"].to_numpy() <= regret + 1e-12)
    if len(hit) == 0:
        return np.inf, np.inf
    i = hit[0]
    return float(run["evaluation"].to_numpy()[i]), float(run["energy_kwh"].to_numpy()[i])


def attainment(runs: Sequence[RunResult], problem: Problem,
               levels: Sequence[float] = (25, 50, 75), *,
               cells: Sequence[pd.DataFrame] | None = None
               ) -> dict[str, dict[float, np.ndarray]]:
    """Empirical attainment surfaces per strategy in raw objective units (2 objectives).

    Each run contributes its front of mean values at the problem's epochs (from ``cells``,
    the runs' :func:`cell_means`, when the caller has them).

    Returns
    -------
    dict
        ``{strategy: {level: (p, 2) raw values}}``, rows sorted by the first objective's
        minimisation form (best first).
    """
    objs = problem.objectives
    if len(objs) != 2:
        raise ValueError(f"attainment surfaces need 2 objectives, got {len(objs)}")
    by: dict[str, list[np.ndarray]] = {}
    for run, mine in zip(runs, cells or [cell_means(r, problem) for r in runs], strict=True):
        front = pareto_cells(mine, objs)
        by.setdefault(str(run.meta["strategy"]), []).append(
            to_min(front[problem.metrics].to_numpy(dtype=float), objs))
    return {s: {p: from_min(P, objs) for p, P in eaf(fronts, levels=levels).items()}
            for s, fronts in by.items()}


def final_igd_plus(run: RunResult, problem: Problem, cells: pd.DataFrame | None = None) -> float:
    """IGD+ of a run's final front of mean values to the true front, both in the problem's
    normalised space (lower is better, 0 on the true front; inf for a run with no cell at
    the problem's epochs). ``cells``: the run's :func:`cell_means`, if the caller has them."""
    cells = cell_means(run, problem) if cells is None else cells
    front = pareto_cells(cells, problem.objectives)
    return indicators.igd_plus(problem.normalise(front[problem.metrics].to_numpy(dtype=float)),
                        ref_front=problem.normalise(problem.true_front_values))


@dataclass
class Comparison:
    """Everything ``ecnas compare`` shows, computed once from the runs and their Problem."""

    problem: Problem
    x: str
    curves: pd.DataFrame
    bands: pd.DataFrame
    stats: pd.DataFrame
    pairwise: pd.DataFrame
    attainment: dict[str, dict[float, np.ndarray]] | None
    chosen: pd.DataFrame
    #: Anytime ECDFs against evaluations and against search energy (:func:`ecdf`).
    ecdf: pd.DataFrame | None = None
    ecdf_energy: pd.DataFrame | None = None
    #: Per strategy and true-front cell, the share of runs that found it (:func:`front_coverage`).
    coverage: pd.DataFrame | None = None
    references: tuple[str, ...] = REFERENCES
    #: References asked for that no run is (their tests are missing from ``pairwise``).
    missing_references: tuple[str, ...] = ()

    # views of the problem, for the figures
    bench = property(lambda self: self.problem.benchmark)
    objectives = property(lambda self: self.problem.objectives)
    epochs = property(lambda self: self.problem.epochs)
    true_front = property(lambda self: self.problem.true_front)


def compare_runs(paths: Sequence[Path], *, x: str = "evals", log: bool = False,
                 references: Sequence[str] = REFERENCES, data_dir: Path | None = None,
                 raw_dir: Path | None = None,
                 runs: Sequence[RunResult] | None = None) -> Comparison:
    """Load the runs under ``paths`` and their benchmark; compute curves, statistics (with
    each run's final IGD+ and whole-front metrics), tests against ``references`` and among
    all strategies, anytime ECDFs, attainment surfaces and the chosen cells (extremes and
    knee of all runs' joint front).

    ``log`` places the band grid geometrically (for a logarithmic x axis); ``runs``: the
    runs of ``paths`` already loaded (read once by a caller that needs them too).
    """
    runs = load_runs(paths) if runs is None else runs
    problem = run_problem(runs[0], data_dir=data_dir, raw_dir=raw_dir)
    objs = problem.objectives
    table = curves(runs, problem, x=x)
    each = [cell_means(r, problem) for r in runs]  # once: every measure below reads them
    # The first-evaluation number of one run means nothing for the joint front: drop it.
    cells = pd.concat(each).drop_duplicates("module_hash")
    joint = pareto_cells(cells.drop(columns="evaluation"), objs)
    summaries = run_summaries(runs, table)
    summaries["final_igd_plus"] = [final_igd_plus(r, problem, c)
                                   for r, c in zip(runs, each, strict=True)]
    whole = pd.DataFrame([run_coverage(c, problem) for c in each])
    summaries = pd.concat([summaries, whole.drop(columns="true_cells")], axis=1)
    strategies = list(dict.fromkeys(str(r.meta["strategy"]) for r in runs))
    return Comparison(
        problem=problem, x=x, curves=table, bands=curve_bands(table, log=log),
        stats=compare_stats(table, summaries=summaries),
        pairwise=pairwise_tests(table, references),
        attainment=attainment(runs, problem, cells=each) if len(objs) == 2 else None,
        chosen=chosen_cells(joint, objs) if len(joint) else joint,
        ecdf=ecdf(table, x="evals"), ecdf_energy=ecdf(table, x="energy"),
        coverage=front_coverage(runs, problem, cells=each), references=tuple(references),
        missing_references=tuple(missing_references(strategies, references)))
