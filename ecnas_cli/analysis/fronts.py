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
from benchmarks.tables.registry import load_benchmark
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
from ecnas_cli.run.store import RunResult, find_runs, load_run

__all__ = ["TOLERANCES", "ParetoReport", "RunFront", "cell_means", "charged", "chosen_cells",
           "knee", "load_one_run", "load_runs", "normalised", "pareto_cells", "pareto_report",
           "run_benchmark", "run_front", "search_cost", "tradeoff_axes", "tradeoff_table"]

_REQUIRED = ("benchmark", "strategy", "objectives", "epochs")


# ----- loading ------------------------------------------------------------------------------------
def load_runs(paths: Sequence[Path]) -> list[RunResult]:
    """Every run at or under ``paths``; they must share benchmark, objectives and epochs.

    Raises
    ------
    FileNotFoundError
        A path is missing or holds no run.
    ValueError
        A ``run.json`` is malformed, or the runs are not comparable.
    """
    dirs = list(dict.fromkeys(d for p in paths for d in find_runs(Path(p))))
    runs = [_checked(load_run(d)) for d in dirs]
    if not runs:
        raise FileNotFoundError("no runs given")
    first = runs[0]
    for run in runs[1:]:
        for key in ("benchmark", "objectives", "epochs"):
            if run.meta[key] != first.meta[key]:
                raise ValueError(f"cannot compare runs with different {key}: {first.path} has "
                                 f"{first.meta[key]}, {run.path} has {run.meta[key]}")
    return runs


def load_one_run(path: Path) -> RunResult:
    """The single run at ``path``; a folder holding several runs is an error."""
    runs = load_runs([path])
    if len(runs) != 1:
        raise ValueError(f"{path} holds {len(runs)} runs; give one seed directory")
    return runs[0]


def _checked(run: RunResult) -> RunResult:
    missing = [k for k in _REQUIRED if k not in run.meta]
    if missing:
        raise ValueError(f"malformed run.json in {run.path}: no {missing[0]!r}")
    run.objectives  # noqa: B018  (parses, so a bad objective is reported here)
    for col in ("module_hash", "epochs"):
        if col not in run.trials:
            raise ValueError(f"malformed trial log in {run.path}: no {col!r} column")
    if len(run.trials) == 0:
        raise ValueError(f"run {run.path} has no trials yet")
    return run


def run_benchmark(run: RunResult, *, data_dir: Path | None = None,
                  raw_dir: Path | None = None) -> Benchmark:
    """The benchmark a run was made on, loaded by the name in its ``run.json``."""
    return load_benchmark(str(run.meta["benchmark"]), data_dir=data_dir, raw_dir=raw_dir)


# ----- cells of a run -----------------------------------------------------------------------------
def charged(trials: pd.DataFrame) -> pd.DataFrame:
    """The rows of a trial log that were trainings (paid budget), not cached answers."""
    if "cached" not in trials:
        return trials
    return trials[~trials["cached"].astype(bool).to_numpy()]


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


def cell_means(run: RunResult, bench: Benchmark) -> pd.DataFrame:
    """The unique cells a run evaluated at its target epochs, with their mean metric values.

    Columns: ``module_hash``, ``matrix``, ``ops``, ``evaluation`` (1-based trial number of the
    first evaluation), then the objective and reported metrics (raw units, mean over repeats).
    Cells evaluated only at a lower fidelity are not results of the run and are left out.
    """
    epochs = int(run.meta["epochs"])
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
                              metrics=_metrics(run.objectives, bench))
    for m, v in values.items():
        cells[m] = v
    return cells


def normalised(values: np.ndarray, objectives: Sequence[Objective], bench: Benchmark,
               epochs: int) -> np.ndarray:
    """Raw objective values -> minimisation form, min-max normalised by the benchmark."""
    lower, upper = bench.bounds(objectives, epochs=epochs)
    return indicators.normalise(to_min(values, objectives), lower, upper)


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
    hypervolume : float
        Of the front, normalised by the benchmark's bounds, reference point ``REFERENCE``.
    true_hypervolume : float
        Of the benchmark's true front, same normalisation.
    regret : float
        ``(true_hypervolume - hypervolume) / true_hypervolume``.
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


def run_front(run: RunResult, bench: Benchmark) -> RunFront:
    """The non-dominated cells of a run by mean objective values, with hypervolume and regret.

    Parameters
    ----------
    run : RunResult
        A run made on ``bench``.
    bench : Benchmark
        The benchmark named in the run's ``run.json``.
    """
    objs, epochs = run.objectives, int(run.meta["epochs"])
    cells = cell_means(run, bench)
    front = pareto_cells(cells, objs)
    problem = Problem.from_benchmark(bench, objectives=objs, epochs=epochs)  # shared measure
    true_hv = problem.true_hypervolume
    hv = problem.hypervolume(front[problem.metrics].to_numpy(dtype=float))
    trials = run.trials
    trained = len(charged(trials))
    return RunFront(
        benchmark=str(run.meta["benchmark"]), strategy=str(run.meta["strategy"]),
        seed=int(run.meta.get("seed", 0)),
        spawn_key=[int(k) for k in run.meta.get("spawn_key", [])], objectives=objs,
        epochs=epochs, cells=front, hypervolume=hv, true_hypervolume=true_hv,
        regret=(true_hv - hv) / true_hv if true_hv > 0 else float("nan"),
        evaluations=trained, unique_cells=len(cells), cached_queries=len(trials) - trained,
        search_energy_kwh=search_cost(trials, "energy_kwh"),
        search_time_s=search_cost(trials, "training_time_s"))


# ----- one report for ``ecnas pareto show`` -------------------------------------------------------
@dataclass
class ParetoReport:
    """A run's front, its trade-off table (None without accuracy and cost) and knee."""

    front: RunFront
    tradeoff: pd.DataFrame | None
    knee: pd.Series | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: NaN becomes None."""
        return json_ready({"summary": self.front.summary(),
                       "front": self.front.cells.to_dict("records"),
                       "tradeoff": None if self.tradeoff is None
                       else self.tradeoff.to_dict("records"),
                       "knee": None if self.knee is None else self.knee.to_dict()})


def pareto_report(run_dir: Path, *, data_dir: Path | None = None,
                  raw_dir: Path | None = None) -> ParetoReport:
    """Load one run and its benchmark; its front, trade-off table and knee."""
    run = load_one_run(run_dir)
    front = run_front(run, run_benchmark(run, data_dir=data_dir, raw_dir=raw_dir))
    cells, objs = front.cells, front.objectives
    ok = len(cells) > 0
    table = tradeoff_table(cells, objs) if ok and tradeoff_axes(objs) else None
    return ParetoReport(front, table, knee(cells, objs) if ok and len(objs) == 2 else None)
