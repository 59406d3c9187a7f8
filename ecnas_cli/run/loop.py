"""The state of one run: ask, answer each candidate (cache or training), tell; the trial log.

Every query is one row of the trial log: ``index`` (0-based query number), ``evaluation``
(distinct trainings so far, this one included), ``cached`` (answered from the run's cache, no
cost), the cell, its epochs, the metric values told, and the run's cumulative search energy
and training time (which only trainings increase), and ``continued_from``: under
``promotion="continue"``, the epochs of the same cell's training that this one resumed (it is
charged the difference of the two checkpoints' energy and time), else 0. The wall-clock columns
(:data:`~ecnas_cli.run.store.TIMING_COLUMNS`) ride along in memory and are stored apart.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.tables.benchmark import MissingCellError
from benchmarks.tables.objectives import to_min
from benchmarks.tables.problem import Problem
from ecnas_cli.run import boundary
from ecnas_cli.run.paper_protocol import query_epochs
from ecnas_cli.run.protocol import CachedQueryLimit, Protocol, RunCache
from ecnas_cli.run.store import TIMING_COLUMNS, TRACE_COLUMNS, TRIAL_COLUMNS
from ecnas_cli.run.termination import Spent, Termination
from strategies.base import Candidate, Strategy

MAX_MISSES = 100_000  # consecutive asks of cells the table lacks before giving up
#: The stop reason of a run that has trained every pair its strategy can ask.
SPACE_EXHAUSTED = "space exhausted"
#: The cost columns a continued training is charged the checkpoint difference of.
COSTS = ("energy_kwh", "training_time_s")


class ReplayMismatchError(ValueError):
    """A resumed run asked for a different cell than its log holds."""


class Loop:
    """One run in progress (see the module docstring for the rows it logs)."""

    def __init__(self, problem: Problem, strat: Strategy, name: str, termination: Termination,
                 protocol: Protocol, rng: np.random.Generator,
                 logged: pd.DataFrame | None) -> None:
        self.problem, self.strat, self.name = problem, strat, name
        self.termination, self.rng = termination, rng
        # the interrupted log's cells and epochs, read once: replay checks them per query
        self.logged = None if logged is None else (
            logged["module_hash"].to_numpy(dtype=object), logged["epochs"].to_numpy(dtype=int))
        self.cache = RunCache(protocol)
        self.spent = Spent()
        self.rows: list[dict[str, Any]] = []
        self.stop_reason = ""
        self.new_rows = False
        self.misses = 0
        self.invalid = 0  # proposals charged as trials under the paper protocol
        self.queries = 0  # rows answered, this step's included
        self._start = time.perf_counter()
        self._metrics = problem.metrics
        self._cost_time = "training_time_s" in problem.benchmark.metrics
        # the most distinct trainings: single-fidelity strategies ask the target epochs only
        self._limit = problem.n_pairs if strat.multi_fidelity else problem.n_cells
        # promotion="continue": cell -> (epochs, repeat, values) of its highest training so far
        self._runs: dict[str, tuple[int, int, dict[str, float]]] | None = \
            {} if protocol.promotion == "continue" else None
        self._continued = 0  # the epochs the last training resumed from (0: from scratch)
        self._n_repeats: int | None = None  # repeats of the table (continue only, when needed)

    def summary(self) -> dict[str, Any]:
        """What the run spent and why it stopped (for ``run.json``)."""
        out = {"stop_reason": self.stop_reason, "evaluations": self.spent.evaluations,
               "queries": len(self.rows), "cached_queries": self.cache.hits,
               "search_energy_kwh": self.spent.energy_kwh,
               "search_time_s": self.spent.training_time_s}
        return {**out, "invalid_proposals": self.invalid} if self.cache.protocol.paper else out

    def _stop(self, reason: str) -> bool:
        self.stop_reason = self.stop_reason or reason
        return False

    def step(self) -> bool:
        """One ask/answer/tell round; False once the run is over."""
        if self.stop_reason:
            return False
        self.spent.wall_s = time.perf_counter() - self._start
        if self.termination.reached(self.spent):
            return self._stop(f"budget reached: {self.termination.describe()}")
        if len(self.cache) >= self._limit and self.cache.protocol.repeats == "cache":
            return self._stop(f"{SPACE_EXHAUSTED}: all {self._limit} (cell, epochs) pairs "
                              "the strategy can ask are trained")
        t0 = time.perf_counter()
        candidates = boundary.ask(self.strat)
        t_ask = time.perf_counter() - t0
        F = np.full((len(candidates), len(self._metrics)), np.inf)
        rows: list[dict[str, Any]] = []
        try:
            for i, cand in enumerate(candidates):
                row = self._answer(cand)
                if row is not None:
                    F[i] = to_min(np.array([[row[m] for m in self._metrics]]),
                                  self.problem.objectives)[0]
                    rows.append(row)
                if self.stop_reason:
                    break
        except CachedQueryLimit as exc:
            self._stop(str(exc))
        t1 = time.perf_counter()
        # a candidate without finite values (not evaluable, or not queried) is told failed
        boundary.tell(self.strat, candidates, F, failed=~np.isfinite(F).all(axis=1))
        overhead = (t_ask + time.perf_counter() - t1) / max(len(rows), 1)
        wall = time.perf_counter() - self._start
        for row in rows:
            row["strategy_time_s"], row["wall_s"] = overhead, wall
        self.rows.extend(rows)
        return not self.stop_reason

    def _answer(self, cand: Candidate) -> dict[str, Any] | None:
        """The row of one query, or None (not evaluable, or the budget does not allow it)."""
        epochs = cand.epochs
        if self.cache.protocol.paper:
            epochs = query_epochs(epochs, self.problem.fidelities, self.strat.multi_fidelity,
                                  self.rng)
            if not self.problem.space.is_valid(cand.arch):
                self._charge_invalid()
                return None
        if epochs not in self.problem.fidelities:
            raise ValueError(f"{self.name} asked for {epochs} epochs; this problem's "
                             f"fidelities are {self.problem.fidelities}")
        h = self.problem.space.hash(cand.arch)
        values = self.cache.get(h, epochs)
        cached = values is not None
        if values is None:
            values = self._train(h, epochs)
            if values is None:
                return None
        if cached:
            self.cache.hit(self.name)  # may stop the run: nothing logged for this query
        self._check_replay(h, epochs)
        if not cached:
            self.cache.put(h, epochs, values)
        bits, ops = cand.arch.to_strings()
        self.queries += 1
        return {"index": self.queries - 1, "evaluation": self.spent.evaluations,
                "cached": cached, "module_hash": h, "matrix": bits, "ops": ops,
                "epochs": epochs, **values,
                "cumulative_energy_kwh": self.spent.energy_kwh,
                "cumulative_time_s": self.spent.training_time_s,
                "continued_from": 0 if cached else self._continued}

    def _train(self, h: str, epochs: int) -> dict[str, float] | None:
        """Query the table for a new training within budget; charge it."""
        if self.termination.reached(self.spent):
            self._stop(f"budget reached: {self.termination.describe()}")
            return None
        try:
            values, cost = self._query(h, epochs)
        except MissingCellError:  # a sparse table: the cell is not evaluable, costs nothing
            if self.cache.protocol.paper:  # ... but a trial under the paper protocol
                self._charge_invalid()
                return None
            self.misses += 1
            if self.misses > MAX_MISSES:
                raise ValueError(f"{self.problem.name} has no measurement for {MAX_MISSES:,} "
                                 "cells in a row: it covers too little of the space to "
                                 "search") from None
            return None
        if not self.termination.allows(self.spent, cost):
            self._stop(f"budget reached: the next training would pass "
                       f"{self.termination.describe()}")
            return None
        self.misses = 0
        self.spent.evaluations += 1
        # A cost the table lacks for this row adds nothing; a budget on a cost column with
        # gaps is refused before the run starts (Termination.check), so no budget miscounts.
        self.spent.energy_kwh += _finite(cost.get("energy_kwh"))
        if self._cost_time:
            self.spent.training_time_s += _finite(cost.get("training_time_s"))
        if self._runs is not None:
            self._remember(h, epochs, values)
        return values

    def _charge_invalid(self) -> None:
        """The paper protocol: an invalid proposal (or a cell the table lacks) uses a trial."""
        if self.termination.reached(self.spent):
            self._stop(f"budget reached: {self.termination.describe()}")
            return
        self.spent.evaluations += 1
        self.invalid += 1
    def _query(self, h: str, epochs: int) -> tuple[dict[str, float], dict[str, float]]:
        """The values of a training of ``h`` at ``epochs`` and what it costs (the values,
        with energy and time the checkpoint differences when it continues a lower one)."""
        bench = self.problem.benchmark
        lower = None if self._runs is None else self._runs.get(h)
        self._continued = 0
        if lower is not None and lower[0] < epochs:
            try:  # the same training run (repeat) continued to the later checkpoint
                values = bench.query(h, epochs=epochs, repeat=lower[1])
            except ValueError:  # that repeat has no later checkpoint: train from scratch
                pass
            else:
                self._continued = lower[0]
                return values, {**values, **{k: values[k] - lower[2][k] for k in COSTS
                                             if k in values and k in lower[2]}}
        values = bench.query(h, epochs=epochs, repeat="sample", rng=self.rng)
        return values, values

    def _remember(self, h: str, epochs: int, values: dict[str, float]) -> None:
        """Record the repeat a training of ``h`` at ``epochs`` sampled (continue only)."""
        assert self._runs is not None
        if h in self._runs and self._runs[h][0] >= epochs:
            return  # a lower fidelity asked after a higher one continues nothing
        for r in range(self._repeats()):
            try:
                row = self.problem.benchmark.query(h, epochs=epochs, repeat=r)
            except ValueError:  # repeat r not measured for this cell
                continue
            if all(row[m] == values[m] or (np.isnan(row[m]) and np.isnan(values[m]))
                   for m in row):
                self._runs[h] = (epochs, r, values)
                return

    def _repeats(self) -> int:
        if self._n_repeats is None:
            self._n_repeats = int(self.problem.benchmark.frame["repeat"].max()) + 1
        return self._n_repeats

    def _check_replay(self, h: str, epochs: int) -> None:
        k = self.queries
        if self.logged is None or k >= len(self.logged[0]):
            self.new_rows = True
            return
        hashes, epochs_logged = self.logged
        if hashes[k] != h or epochs_logged[k] != epochs:
            raise ReplayMismatchError(
                f"resume: query {k} asks {h} at {epochs} epochs but the log has "
                f"{hashes[k]}; the log is from another run")

    def frame(self) -> pd.DataFrame:
        cols = [*TRIAL_COLUMNS, *self.problem.benchmark.metrics, *TRACE_COLUMNS,
                "continued_from", *TIMING_COLUMNS]
        return pd.DataFrame(self.rows, columns=cols)


def _finite(value: float | None) -> float:
    return float(value) if value is not None and np.isfinite(value) else 0.0
