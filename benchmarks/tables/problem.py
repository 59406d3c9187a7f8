"""``Problem``: what a search, its runner and its reports share about one benchmark.

A :class:`Problem` fixes the benchmark, the objectives, the target epochs and the fidelities
a strategy may query, the normalisation bounds (ideal and nadir of the whole table at the
target epochs, minimisation form) and the true Pareto front. Normalisation, hypervolume and
regret are defined here and nowhere else (:meth:`Problem.regret` of a set of cells,
:meth:`Problem.regret_curve` after each trial of a run), so the runner, ``ecnas search``,
``ecnas pareto``, ``ecnas compare`` and the scripts all measure by the same rule (pymoo's
Problem plays this part there). It is built once per search and passed down.

Examples
--------
>>> from tests.fixtures.synthetic import synthetic_benchmark
>>> problem = Problem.from_benchmark(synthetic_benchmark())
>>> [str(o) for o in problem.objectives], problem.epochs
(['validation_accuracy:max', 'energy_kwh:min'], 4)
>>> round(problem.regret(problem.true_front_values), 12)
0.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import moocore
import numpy as np
import pandas as pd

from benchmarks.space import SearchSpace, SubSpace
from benchmarks.tables.benchmark import REFERENCE, Benchmark
from benchmarks.tables.objectives import Objective, parse_objectives, to_min
from benchmarks.tables.registry import searched_as_sample

#: Cost columns a budget can be spent in, by termination name.
COSTS = {"energy": "energy_kwh", "time": "training_time_s"}


@dataclass(frozen=True)
class Problem:
    """A benchmark with objectives and a target fidelity: the thing a search minimises.

    Build it with :meth:`from_benchmark`. All values handed to strategies are in minimisation
    form (:func:`~benchmarks.tables.objectives.to_min`); reports use raw units.

    Attributes
    ----------
    benchmark : Benchmark
        The table queried.
    objectives : tuple of Objective
        What is optimised, in order (the columns of ``F``).
    epochs : int
        The target fidelity: cells are compared by their values at these epochs.
    fidelities : tuple of int
        The epochs strategies may ask for (the benchmark's fidelities up to ``epochs``).
    """

    benchmark: Benchmark
    objectives: tuple[Objective, ...]
    epochs: int
    fidelities: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fidelities",
                           tuple(e for e in self.benchmark.fidelities if e <= self.epochs))

    @classmethod
    def from_benchmark(cls, benchmark: Benchmark, *,
                       objectives: str | Sequence[str | Objective] | None = None,
                       epochs: int | None = None) -> Problem:
        """The problem of ``benchmark`` (default objectives and the largest fidelity)."""
        objs = benchmark.default_objectives if objectives is None \
            else parse_objectives(objectives)
        for o in objs:
            if o.metric not in benchmark.metrics:
                raise ValueError(f"{benchmark.name} has no metric {o.metric!r}; available: "
                                 f"{', '.join(benchmark.metrics)}")
        return cls(benchmark, tuple(objs), benchmark.epochs_or_default(epochs))

    # ----- description ------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.benchmark.name

    @cached_property
    def space(self) -> SearchSpace:
        """The space strategies search: the benchmark's, or for a table that samples its space
        (:func:`~benchmarks.tables.registry.searched_as_sample`) a :class:`SubSpace` of the
        cells it holds at ``epochs``, so no proposal is a cell without a row."""
        if not searched_as_sample(self.benchmark):
            return self.benchmark.space
        return SubSpace(self.benchmark.space,
                        self.benchmark.cell_values(self.objectives, epochs=self.epochs)[0])

    @property
    def metrics(self) -> list[str]:
        return [o.metric for o in self.objectives]

    @cached_property
    def n_cells(self) -> int:
        """Cells the table holds at the target epochs (the most distinct evaluations there)."""
        return len(self.benchmark.cell_values(self.objectives, epochs=self.epochs)[0])

    @cached_property
    def n_pairs(self) -> int:
        """Distinct (cell, epochs) pairs at :attr:`fidelities`: the most trainings of a run."""
        frame = self.benchmark.frame
        rows = frame[frame["epochs"].isin(self.fidelities)]
        return len(rows[["module_hash", "epochs"]].drop_duplicates())

    @cached_property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Ideal and nadir of the whole table at ``epochs`` (minimisation form)."""
        return self.benchmark.bounds(self.objectives, epochs=self.epochs)

    def cost_available(self, column: str) -> bool:
        """Whether every measured row at the queried fidelities has a finite ``column``."""
        frame = self.benchmark.frame
        if column not in frame:
            return False
        rows = frame[frame["epochs"].isin(self.fidelities)]
        values = pd.to_numeric(rows[column], errors="coerce").to_numpy(dtype=float)
        return len(values) > 0 and bool(np.isfinite(values).all())

    def to_dict(self) -> dict[str, object]:
        """JSON-ready description (for ``run.json``)."""
        lower, upper = self.bounds
        return {"benchmark": self.name, "objectives": [str(o) for o in self.objectives],
                "epochs": self.epochs, "fidelities": list(self.fidelities),
                "cells": self.n_cells, "ideal": lower.tolist(), "nadir": upper.tolist(),
                "reference_point": REFERENCE, "true_hypervolume": self.true_hypervolume}

    # ----- measuring ----------------------------------------------------------------------------
    def normalise(self, values: np.ndarray) -> np.ndarray:
        """Raw objective values ``(n, m)`` -> minimisation form scaled to [0, 1] by the table
        (ideal -> 0, nadir -> 1; moocore's ``normalise``)."""
        lower, upper = self.bounds
        F = to_min(np.asarray(values, dtype=float).reshape(-1, len(self.objectives)),
                   self.objectives)
        return np.asarray(moocore.normalise(F, lower=lower, upper=upper), dtype=float)

    def _inside(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Normalised values and which rows count: finite and inside the reference point."""
        F = self.normalise(values)
        return F, np.asarray((F < REFERENCE).all(axis=1))  # NaN compares False: row unused

    def hypervolume(self, values: np.ndarray) -> float:
        """Hypervolume of raw values ``(n, m)`` (non-finite rows ignored), reference 1.1."""
        F, ok = self._inside(values)
        return _hypervolume(F[ok])

    @cached_property
    def true_front(self) -> pd.DataFrame:
        """The Pareto-optimal cells of the table at ``epochs`` (mean over repeats)."""
        return self.benchmark.true_front(self.objectives, epochs=self.epochs)

    @property
    def true_front_values(self) -> np.ndarray:
        return self.true_front[self.metrics].to_numpy(dtype=float)

    @cached_property
    def true_hypervolume(self) -> float:
        return self.hypervolume(self.true_front_values)

    def regret(self, values: np.ndarray) -> float:
        """``1 - HV(values) / HV(true front)`` of raw values ``(n, m)``: 0 when the true
        front is found, 1 when nothing is (NaN for a table whose true front has no volume)."""
        return float(self._regret(self.hypervolume(values)))

    def regret_curve(self, values: np.ndarray) -> np.ndarray:
        """:meth:`regret` of ``values[:k]`` for k = 1..n: a run's regret after each trial.

        A row of NaN (a trial at a lower fidelity, or a cell the table lacks) adds nothing.
        Incremental: the hypervolume is recomputed only when a row enters the front.

        Examples
        --------
        >>> from tests.fixtures.synthetic import synthetic_benchmark
        >>> problem = Problem.from_benchmark(synthetic_benchmark())
        >>> best = problem.true_front_values
        >>> curve = problem.regret_curve(np.vstack([best[:1], np.full(2, np.nan), best]))
        >>> bool(curve[0] > 0), bool(curve[1] == curve[0]), round(float(curve[-1]), 12)
        (True, True, 0.0)
        """
        F, ok = self._inside(values)
        hv, front = np.zeros(len(F)), F[:0]
        for k in np.flatnonzero(ok):
            p = F[k]
            if not (front <= p).all(axis=1).any():  # not weakly dominated: the front grows
                front = np.vstack([front[~(p <= front).all(axis=1)], p])
                hv[k] = _hypervolume(front)
        return self._regret(np.maximum.accumulate(hv))  # a run's hypervolume never falls

    def _regret(self, hv: float | np.ndarray) -> np.ndarray:
        true = self.true_hypervolume
        return 1.0 - np.asarray(hv, dtype=float) / true if true > 0 else np.full_like(
            np.asarray(hv, dtype=float), np.nan)

    def cell_means(self, hashes: Sequence[str]) -> np.ndarray:
        """Mean raw objective values ``(n, m)`` of cells at ``epochs`` (the reported values)."""
        out = self.benchmark.query_many(list(hashes), epochs=self.epochs, metrics=self.metrics)
        return np.column_stack([out[m] for m in self.metrics]) if len(hashes) \
            else np.empty((0, len(self.objectives)))


def _hypervolume(F: np.ndarray) -> float:
    """moocore's hypervolume of normalised points inside the reference point (0 for none)."""
    return float(moocore.hypervolume(F, ref=np.full(F.shape[1], REFERENCE))) if len(F) else 0.0
