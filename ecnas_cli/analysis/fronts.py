"""What one search run found: its Pareto front by mean values, trade-offs and the knee.

Every number here is recomputed from the trial log and the benchmark table. A trial log holds
one sampled repeat per evaluation (as a NAS-Bench-101 query does); reports use the table's
mean over repeats for the evaluated cells, so the front is not flattered by lucky samples.
Selection is on the run's objectives (validation accuracy when it is one); test accuracy is
reported beside it, never used to select. Trade-offs on a front live in
:mod:`ecnas_cli.analysis.tradeoff` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.tables.benchmark import Benchmark
from benchmarks.tables.objectives import Objective, to_min
from benchmarks.tables.problem import Problem
from ecnas_cli.analysis import indicators
from ecnas_cli.analysis.tradeoff import (
    REPORTED,
    TOLERANCES,
    chosen_cells,
    knee,
    tradeoff_axes,
    tradeoff_table,
)
from ecnas_cli.files import json_ready
from ecnas_cli.run.store import RunResult, charged, load_one_run, run_problem

__all__ = ["TOLERANCES", "ParetoReport", "RunFront", "cell_means", "chosen_cells",
           "knee", "pareto_cells", "pareto_report", "run_front", "search_cost", "tradeoff_axes",
           "tradeoff_table"]


# ----- cells of a run -----------------------------------------------------------------------------
def search_cost(trials: pd.DataFrame, column: str) -> float:
    """Total training cost of a run in ``column`` (cached answers are free); NaN if unknown."""
    cumulative = {"energy_kwh": "cumulative_energy_kwh", "training_time_s": "cumulative_time_s"}
    if cumulative.get(column) in trials and len(trials):
        return float(trials[cumulative[column]].iloc[-1])
    if column not in trials:
        return float("nan")
    return float(charged(trials)[column].sum())


def _metrics(objectives: Sequence[Objective], bench: Benchmark) -> list[str]:
    """Objective metrics first, then the reported ones the benchmark has, without repeats."""
    names = [o.metric for o in objectives] + [m for m in REPORTED if m in bench.metrics]
    return list(dict.fromkeys(names))


def cell_means(run: RunResult, problem: Problem) -> pd.DataFrame:
    """The unique cells a run evaluated at the problem's epochs, with their mean metric values.

    Columns: ``module_hash``, ``matrix``, ``ops``, ``evaluation`` (1-based trial number of the
    first evaluation), then the objective and reported metrics (raw units, mean over repeats).
    Cells evaluated only at a lower fidelity are not results of the run and are left out.
    """
    epochs, bench = problem.epochs, problem.benchmark
    trials = charged(run.trials)
    trials = trials[trials["epochs"].to_numpy() == epochs]
    first = trials.drop_duplicates("module_hash")
    cells = pd.DataFrame({"module_hash": first["module_hash"].to_numpy(dtype=object)})
    for col in ("matrix", "ops"):
        if col in first:
            cells[col] = first[col].to_numpy()
    if "evaluation" in first:  # distinct trainings so far (cached queries do not count)
        cells["evaluation"] = first["evaluation"].to_numpy(dtype=np.int64)
    else:  # a log from before the run cache: every row was a training
        position = first["index"] if "index" in first else first.index
        cells["evaluation"] = position.to_numpy(dtype=np.int64) + 1
    values = bench.query_many(cells["module_hash"].tolist(), epochs=epochs,
                              metrics=_metrics(problem.objectives, bench))
    for m, v in values.items():
        cells[m] = v
    return cells


def pareto_cells(cells: pd.DataFrame, objectives: Sequence[Objective]) -> pd.DataFrame:
    """Non-dominated rows of ``cells`` (NaN rows dropped), best first in objective 0."""
    values = cells[[o.metric for o in objectives]].to_numpy(dtype=float)
    ok = np.isfinite(values).all(axis=1)
    cells, F = cells[ok], to_min(values[ok], objectives)
    if len(cells) == 0:
        return cells.reset_index(drop=True)
    front = cells[indicators.pareto_mask(F)]
    order = np.lexsort(to_min(front[[o.metric for o in objectives]].to_numpy(dtype=float),
                              objectives).T[::-1])
    return front.iloc[order].reset_index(drop=True)


@dataclass
class RunFront:
    """A run's Pareto front by mean values and how good it is.

    Attributes
    ----------
    cells : pandas.DataFrame
        Non-dominated cells (columns of :func:`cell_means`), best first in objective 0.
    hypervolume, true_hypervolume, regret : float
        Of the front and of the true front, and the regret, all by :class:`Problem`.
    """

    benchmark: str
    strategy: str
    seed: int
    spawn_key: list[int]
    objectives: tuple[Objective, ...]
    epochs: int
    cells: pd.DataFrame
    hypervolume: float
    true_hypervolume: float
    regret: float
    evaluations: int
    unique_cells: int
    cached_queries: int
    search_energy_kwh: float
    search_time_s: float

    def summary(self) -> dict[str, Any]:
        """The scalar fields as a JSON-ready dict."""
        return {"benchmark": self.benchmark, "strategy": self.strategy, "seed": self.seed,
                "spawn_key": self.spawn_key, "objectives": [str(o) for o in self.objectives],
                "epochs": self.epochs, "front_size": len(self.cells),
                "hypervolume": self.hypervolume, "true_hypervolume": self.true_hypervolume,
                "regret": self.regret, "evaluations": self.evaluations,
                "unique_cells": self.unique_cells, "cached_queries": self.cached_queries,
                "search_energy_kwh": self.search_energy_kwh,
                "search_time_s": self.search_time_s}


def run_front(run: RunResult, problem: Problem) -> RunFront:
    """The non-dominated cells of a run by mean objective values, with hypervolume and regret.

    Parameters
    ----------
    run : RunResult
        A run made on ``problem`` (its benchmark, objectives and epochs).
    problem : Problem
        What measures it (built once by the caller, e.g. :func:`~ecnas_cli.run.store.run_problem`).
    """
    cells = cell_means(run, problem)
    front = pareto_cells(cells, problem.objectives)
    values = front[problem.metrics].to_numpy(dtype=float)
    trials = run.trials
    trained = len(charged(trials))
    return RunFront(
        benchmark=str(run.meta["benchmark"]), strategy=str(run.meta["strategy"]),
        seed=int(run.meta.get("seed", 0)),
        spawn_key=[int(k) for k in run.meta.get("spawn_key", [])],
        objectives=problem.objectives, epochs=problem.epochs, cells=front,
        hypervolume=problem.hypervolume(values), true_hypervolume=problem.true_hypervolume,
        regret=problem.regret(values), evaluations=trained, unique_cells=len(cells),
        cached_queries=len(trials) - trained, search_energy_kwh=search_cost(trials, "energy_kwh"),
        search_time_s=search_cost(trials, "training_time_s"))


# ----- one report for ``ecnas pareto show`` -------------------------------------------------------
@dataclass
class ParetoReport:
    """A run's front, its trade-off table (None without accuracy and cost) and knee."""

    front: RunFront
    tradeoff: pd.DataFrame | None
    knee: pd.Series | None
    #: Whole-front metrics (:func:`ecnas_cli.analysis.coverage.run_coverage`).
    coverage: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: NaN becomes None."""
        return json_ready({"summary": self.front.summary(), "coverage": self.coverage,
                       "front": self.front.cells.to_dict("records"),
                       "tradeoff": None if self.tradeoff is None
                       else self.tradeoff.to_dict("records"),
                       "knee": None if self.knee is None else self.knee.to_dict()})


def pareto_report(run_dir: Path, *, data_dir: Path | None = None,
                  raw_dir: Path | None = None) -> ParetoReport:
    """Load one run and its benchmark; its front, trade-off table, knee and whole-front
    metrics (true-front cells found, best accuracy, least cost near it)."""
    from ecnas_cli.analysis.coverage import run_coverage  # it builds on this module
    run = load_one_run(run_dir)
    problem = run_problem(run, data_dir=data_dir, raw_dir=raw_dir)
    front = run_front(run, problem)
    cells, objs = front.cells, front.objectives
    ok = len(cells) > 0
    table = tradeoff_table(cells, objs) if ok and tradeoff_axes(objs) else None
    return ParetoReport(front, table, knee(cells, objs) if ok and len(objs) == 2 else None,
                        run_coverage(cell_means(run, problem), problem))
