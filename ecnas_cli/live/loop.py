"""The live runner: a strategy's candidates trained on N workers, each told as it arrives.

:class:`LiveLoop` is the runner's protocol (:mod:`ecnas_cli.run.loop`) with trainings in place
of table lookups: budgets count distinct trainings, their measured kWh, their training time and
wall-clock seconds (:mod:`ecnas_cli.run.termination`); a repeated cell is answered from the
run's cache for free (:class:`~ecnas_cli.run.protocol.RunCache`, with its ``max_cached`` guard),
and a cell asked again while it trains waits for that training. Candidates never trained because
the budget ran out are told failed.

Asynchrony: an :attr:`~strategies.base.Strategy.asynchronous` strategy is asked again whenever a
worker is free and each candidate is told alone as its training ends; any other strategy gets
its whole ``ask()`` list trained (up to N at once) and told as one batch, in ask order, so it
sees exactly what a table search shows it. An energy or training-time budget cannot know what a
training will cost before it ends: trainings in flight when it is reached finish and are charged.

Every row of the trial log is one answered query, in the order answers arrived: the runner's
columns, plus ``asked`` (the query's position in ask order), ``reused`` (the cell's run was in
the tree already), ``worker`` and ``train_start_s`` / ``train_end_s`` (seconds since the search
started; reused and cached answers have the times of the work that found them).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from benchmarks.create.layout import write_run
from benchmarks.tables.objectives import to_min
from ecnas_cli.live.problem import LIVE_METRICS, LiveProblem, values_of
from ecnas_cli.run import boundary
from ecnas_cli.run.loop import SPACE_EXHAUSTED
from ecnas_cli.run.protocol import CachedQueryLimit, RunCache
from ecnas_cli.run.protocol import Protocol as RunProtocol
from ecnas_cli.run.store import TIMING_COLUMNS, TRACE_COLUMNS, TRIAL_COLUMNS
from ecnas_cli.run.termination import Spent, Termination
from strategies.base import Candidate, Strategy

__all__ = ["LIVE_COLUMNS", "LiveLoop", "Workers"]

#: Trial-log columns of a live search after the runner's trace columns.
LIVE_COLUMNS = ["asked", "reused", "worker", "train_start_s", "train_end_s"]


class Workers(Protocol):
    """What the loop needs of :class:`benchmarks.create.workers.Pool`."""

    @property
    def free(self) -> int: ...

    @property
    def in_flight(self) -> int: ...

    def submit(self, *args: Any) -> int: ...

    def wait(self) -> tuple[int, dict[str, Any]]: ...


@dataclass
class _Query:
    cand: Candidate
    h: str
    asked: int


class LiveLoop:
    """One live search in progress; :meth:`run` drives it to the end."""

    def __init__(self, problem: LiveProblem, strat: Strategy, name: str,
                 termination: Termination, workers: Workers, *,
                 protocol: RunProtocol | None = None,
                 on_answer: Callable[[LiveLoop], None] | None = None) -> None:
        self.problem, self.strat, self.name = problem, strat, name
        self.termination, self.workers, self.on_answer = termination, workers, on_answer
        self.cache = RunCache(protocol or RunProtocol())
        self.spent = Spent()
        self.rows: list[dict[str, Any]] = []
        self.stop_reason = ""
        self.reused = 0
        self.most_in_flight = 0  # the most trainings that ran at once
        self.energy_now_kwh = 0.0  # what this search itself spent (reused runs excluded)
        self._queue: list[_Query] = []         # waiting for a free worker
        self._running: dict[int, _Query] = {}  # task id -> its query
        self._waiting: dict[str, list[_Query]] = {}  # cell in training -> later asks of it
        self._open: dict[int, np.ndarray | None] | None = None  # a batch's answers by asked
        self._batch: list[_Query] = []
        self._asked = 0
        self._t0 = time.perf_counter()
        self._t0_unix = time.time()

    # ----- driving ----------------------------------------------------------------------------
    def run(self) -> None:
        """Ask, train and tell until a budget, the space or the cache guard stops the search;
        trainings in flight then finish and are told."""
        try:
            while True:
                self._fill()
                if not self.workers.in_flight:
                    break
                task_id, result = self.workers.wait()
                self._finish(self._running.pop(task_id), result)
        except CachedQueryLimit as exc:
            self.stop_reason = self.stop_reason or str(exc)
        # never trained (the budget ran out first): told failed, with later asks of them
        never = [*self._queue, *(q for later in self._waiting.values() for q in later)]
        self._queue.clear()
        self._waiting.clear()
        for q in never:
            self._answer(q, None)

    @property
    def in_training(self) -> set[str]:
        return {q.h for q in self._running.values()} | {q.h for q in self._queue}

    def _stop(self, reason: str) -> None:
        self.stop_reason = self.stop_reason or reason

    def _may_start(self) -> bool:
        """Whether one more training may start (trainings in flight count as spent)."""
        self.spent.wall_s = time.perf_counter() - self._t0
        ahead = Spent(self.spent.evaluations + len(self._running), self.spent.energy_kwh,
                      self.spent.training_time_s, self.spent.wall_s)
        if self.termination.reached(ahead):
            self._stop(f"budget reached: {self.termination.describe()}")
            return False
        return True

    def _may_ask(self) -> bool:
        if self.stop_reason or not self._may_start():
            return False
        if self.strat.asynchronous:
            if self._queue or self.workers.free < 1:
                return False
        elif self._open is not None:
            return False
        if len(self.cache) + len(self.in_training) >= self.problem.n_cells:
            if not self.workers.in_flight and not self._queue:
                self._stop(f"{SPACE_EXHAUSTED}: all {self.problem.n_cells} cells are trained")
            return False
        return True

    def _fill(self) -> None:
        """Start queued trainings on free workers and ask for more while allowed."""
        while True:
            while self._queue and self.workers.free > 0 and self._may_start():
                q = self._queue.pop(0)
                self._running[self.workers.submit(self.problem.spec, q.h)] = q
                self.most_in_flight = max(self.most_in_flight, len(self._running))
            if self._queue and self.workers.free > 0:  # the budget stopped them
                return
            if not self._may_ask():
                return
            self._ask()

    def _ask(self) -> None:
        candidates = boundary.ask(self.strat)
        queries = []
        for cand in candidates:
            if cand.epochs != self.problem.epochs:
                raise ValueError(f"{self.name} asked for {cand.epochs} epochs; a live search "
                                 f"trains {self.problem.epochs}")
            queries.append(_Query(cand, self.problem.space.hash(cand.arch), self._asked))
            self._asked += 1
        if not self.strat.asynchronous:
            self._batch, self._open = queries, {q.asked: None for q in queries}
        for q in queries:
            values = self.cache.get(q.h, q.cand.epochs)
            if values is not None:
                self.cache.hit(self.name)
                self._record(q, values, cached=True, work=None)
            elif q.h in self.in_training:
                self._waiting.setdefault(q.h, []).append(q)
            else:
                self._queue.append(q)

    def _finish(self, q: _Query, result: dict[str, Any]) -> None:
        path = self.problem.path(q.h)
        if not path.is_file():  # trained on a machine that does not share this tree
            write_run(path, result["record"])
        values = values_of(result["record"], path, self.problem.epochs)
        self.spent.evaluations += 1
        self.spent.energy_kwh += values["energy_kwh"]
        self.spent.training_time_s += values["training_time_s"]
        if result["reused"]:
            self.reused += 1
        else:
            self.energy_now_kwh += values["energy_kwh"]
        self.cache.put(q.h, q.cand.epochs, values)
        self._record(q, values, cached=False, work=result)
        for later in self._waiting.pop(q.h, []):
            self.cache.hit(self.name)
            self._record(later, values, cached=True, work=result)

    # ----- answers ----------------------------------------------------------------------------
    def _record(self, q: _Query, values: dict[str, float], *, cached: bool,
                work: dict[str, Any] | None) -> None:
        bits, ops = q.cand.arch.to_strings()
        self.rows.append({
            "index": len(self.rows), "evaluation": self.spent.evaluations, "cached": cached,
            "module_hash": q.h, "matrix": bits, "ops": ops, "epochs": q.cand.epochs, **values,
            "cumulative_energy_kwh": self.spent.energy_kwh,
            "cumulative_time_s": self.spent.training_time_s, "asked": q.asked,
            "reused": bool(work is not None and work["reused"] and not cached),
            "worker": "" if work is None else work["worker"],
            "train_start_s": np.nan if work is None else work["start"] - self._t0_unix,
            "train_end_s": np.nan if work is None else work["end"] - self._t0_unix,
            "strategy_time_s": 0.0, "wall_s": time.perf_counter() - self._t0})
        self._answer(q, to_min(np.array([[values[m] for m in self.problem.metrics]]),
                               self.problem.objectives)[0])
        if self.on_answer is not None:
            self.on_answer(self)

    def _answer(self, q: _Query, F: np.ndarray | None) -> None:
        """Tell ``q`` (None: failed), alone or, for a batch strategy, with its whole batch."""
        n = len(self.problem.objectives)
        if self.strat.asynchronous:
            row = np.full((1, n), np.inf) if F is None else F[None, :]
            boundary.tell(self.strat, [q.cand], row, failed=np.array([F is None]))
            return
        assert self._open is not None
        self._open[q.asked] = np.full(n, np.inf) if F is None else F
        if any(v is None for v in self._open.values()):
            return
        F_all = np.array([self._open[b.asked] for b in self._batch])
        self._open = None
        boundary.tell(self.strat, [b.cand for b in self._batch], F_all,
                      failed=~np.isfinite(F_all).all(axis=1))

    def summary(self) -> dict[str, Any]:
        """What the search spent and why it stopped (for ``run.json``)."""
        return {"stop_reason": self.stop_reason, "evaluations": self.spent.evaluations,
                "queries": len(self.rows), "cached_queries": self.cache.hits,
                "search_energy_kwh": self.spent.energy_kwh,
                "search_time_s": self.spent.training_time_s, "reused_trainings": self.reused,
                "most_in_flight": self.most_in_flight,
                "energy_spent_now_kwh": self.energy_now_kwh,
                "wall_s": time.perf_counter() - self._t0}

    def frame(self) -> pd.DataFrame:
        cols = [*TRIAL_COLUMNS, *LIVE_METRICS, *TRACE_COLUMNS, *LIVE_COLUMNS, *TIMING_COLUMNS]
        return pd.DataFrame(self.rows, columns=cols)
