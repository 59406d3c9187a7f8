"""``run_search``: the one ask -> query -> tell loop, with budgets, logging and resume.

Randomness: the run's ``seed`` (plus a spawn key per repetition) makes one SeedSequence whose
two children drive the strategy and the benchmark's repeat sampling. The same seed gives the
same trial log; resuming replays the log through a fresh strategy, checks that it asks the
logged cells, and continues, so the final log equals that of an uninterrupted run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.tables.benchmark import Benchmark, MissingCellError
from benchmarks.tables.objectives import Objective, parse_objectives, to_min
from ecnas_cli.run.store import TRACE_COLUMNS, TRIAL_COLUMNS, RunResult, load_run, run_dir
from strategies import get_strategy
from strategies.base import Candidate

BUDGET_KINDS = {"evals": "evaluations", "energy": "energy_kwh", "time": "training_time_s"}
CHECKPOINT_EVERY = 100  # evaluations between trial-log writes while running
MAX_MISSES = 100_000  # consecutive asks of cells the table lacks before giving up


@dataclass(frozen=True)
class Budget:
    """How long a search runs: ``evals`` (count), ``energy`` (kWh) or ``time`` (s).

    Energy and time budgets sum the cost of every evaluation (the energy or training time the
    search would have paid); an evaluation that would exceed the budget is not made.
    """

    kind: str
    amount: float

    def __post_init__(self) -> None:
        if self.kind not in BUDGET_KINDS:
            raise ValueError(f"budget kind must be one of {', '.join(BUDGET_KINDS)}, "
                             f"got {self.kind!r}")
        if not self.amount > 0:
            raise ValueError(f"budget must be > 0, got {self.amount}")


class ReplayMismatchError(ValueError):
    """A resumed run asked for a different cell than its log holds."""


def run_search(benchmark: Benchmark, strategy: str, *,
               objectives: str | Sequence[str | Objective] | None = None,
               budget: Budget | int = 500, seed: int = 0, spawn_key: tuple[int, ...] = (),
               epochs: int | None = None, out: Path | None = None, fmt: str = "csv",
               resume: bool = False, progress: Callable[[float, float], None] | None = None,
               **settings: Any) -> RunResult:
    """Search ``benchmark`` with ``strategy`` until ``budget`` is spent; return the trial log.

    With ``out``, the log is written to ``out/<benchmark>/<strategy>/seed-<k>/`` (k = the last
    spawn key, or 0) every :data:`CHECKPOINT_EVERY` evaluations and at the end; ``resume``
    continues an interrupted log found there.
    """
    budget = budget if isinstance(budget, Budget) else Budget("evals", budget)
    objs = benchmark.default_objectives if objectives is None else parse_objectives(objectives)
    for o in objs:
        if o.metric not in benchmark.metrics:
            raise ValueError(f"{benchmark.name} has no metric {o.metric!r}; available: "
                             f"{', '.join(benchmark.metrics)}")
    target = benchmark.epochs_or_default(epochs)
    seq = np.random.SeedSequence(seed, spawn_key=spawn_key)
    rng_strategy, rng_query = (np.random.default_rng(s) for s in seq.spawn(2))
    cls = get_strategy(strategy)
    unknown = sorted(set(settings) - set(cls.defaults()))
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r} for {strategy}; valid: "
                         f"{', '.join(cls.defaults()) or 'none'}")
    fidelities = tuple(b for b in benchmark.fidelities if b <= target)
    strat = cls(benchmark.space, rng=rng_strategy, fidelities=fidelities, n_objectives=len(objs),
                **settings)
    meta = {"benchmark": benchmark.name, "benchmark_sha256": benchmark.checksum,
            "space": benchmark.space.name, "strategy": strategy, "settings": strat.settings(),
            "objectives": [str(o) for o in objs], "epochs": target, "budget": asdict(budget),
            "seed": seed, "spawn_key": list(spawn_key), "status": "running",
            "versions": _versions()}
    where = run_dir(out, benchmark.name, strategy, spawn_key[-1] if spawn_key else 0) \
        if out is not None else None
    logged = _previous_log(where, meta) if resume and where is not None else None
    loop = _Loop(benchmark, strat, objs, budget, rng_query, logged)
    while loop.step():
        if progress is not None:
            progress(loop.spent(), budget.amount)
        if where is not None and loop.count % CHECKPOINT_EVERY == 0 and loop.new_rows:
            RunResult(loop.frame(), meta).save(where, fmt)
    result = RunResult(loop.frame(), {**meta, "status": "complete"})
    if where is not None:
        result.save(where, fmt)
    return result


def _versions() -> dict[str, str]:
    return {p: version(p) for p in ("ecnas", "numpy", "optuna", "moocore")}


def _previous_log(where: Path, meta: dict[str, Any]) -> pd.DataFrame | None:
    """The trial log of an interrupted run with the same settings, if there is one."""
    try:
        previous = load_run(where)
    except FileNotFoundError:
        return None
    keys = ("benchmark", "strategy", "settings", "objectives", "epochs", "budget", "seed",
            "spawn_key")
    changed = [k for k in keys if previous.meta.get(k) != meta[k]]
    if changed:
        raise ValueError(f"cannot resume {where}: its {changed[0]} differs from this run's")
    return previous.trials


class _Loop:
    """The state of one run: ask, evaluate within budget, tell; rows of the trial log."""

    def __init__(self, bench: Benchmark, strat: Any, objs: tuple[Objective, ...],
                 budget: Budget, rng: np.random.Generator, logged: pd.DataFrame | None) -> None:
        self.bench, self.strat, self.objs, self.budget, self.rng = bench, strat, objs, budget, rng
        self.logged = logged
        self.rows: list[dict[str, Any]] = []
        self.count = 0
        self.energy = 0.0
        self.time = 0.0
        self.done = False
        self.new_rows = False
        self.misses = 0

    def spent(self) -> float:
        return {"evals": self.count, "energy": self.energy, "time": self.time}[self.budget.kind]

    def step(self) -> bool:
        """One ask/evaluate/tell round; False once the budget is spent."""
        if self.done:
            return False
        t0 = time.perf_counter()
        candidates = self.strat.ask()
        t_ask = time.perf_counter() - t0
        F = np.full((len(candidates), len(self.objs)), np.inf)
        evaluated: list[dict[str, Any]] = []
        for i, cand in enumerate(candidates):
            try:
                row = self._evaluate(cand)
            except MissingCellError:  # a sparse table: the cell is not evaluable, costs nothing
                self.misses += 1
                if self.misses > MAX_MISSES:
                    raise ValueError(f"{self.bench.name} has no measurement for {MAX_MISSES:,} "
                                     "cells in a row: it covers too little of the space to "
                                     "search") from None
                continue
            if row is None:
                self.done = True
                break
            self.misses = 0
            F[i] = to_min(np.array([[row[o.metric] for o in self.objs]]), self.objs)[0]
            evaluated.append(row)
        t1 = time.perf_counter()
        self.strat.tell(candidates, F)
        overhead = (t_ask + time.perf_counter() - t1) / max(len(evaluated), 1)
        for row in evaluated:
            row["strategy_time_s"] = overhead
        self.rows.extend(evaluated)
        if self.budget.kind == "evals" and self.count >= self.budget.amount:
            self.done = True
        return bool(evaluated) or not self.done

    def _evaluate(self, cand: Candidate) -> dict[str, Any] | None:
        if self.budget.kind == "evals" and self.count >= self.budget.amount:
            return None
        h = self.bench.space.hash(cand.arch)
        values = self.bench.query(h, epochs=cand.epochs, repeat="sample", rng=self.rng)
        energy = self.energy + values["energy_kwh"]
        spent_time = self.time + values["training_time_s"] if "training_time_s" in values \
            else self.time
        if (self.budget.kind == "energy" and energy > self.budget.amount) or (
                self.budget.kind == "time" and spent_time > self.budget.amount):
            return None
        self._check_replay(h, cand.epochs)
        self.energy, self.time = energy, spent_time
        bits, ops = cand.arch.to_strings()
        row = {"index": self.count, "module_hash": h, "matrix": bits, "ops": ops,
               "epochs": cand.epochs, **values, "cumulative_energy_kwh": self.energy,
               "cumulative_time_s": self.time}
        self.count += 1
        return row

    def _check_replay(self, h: str, epochs: int) -> None:
        log = self.logged
        if log is None or self.count >= len(log):
            self.new_rows = True
            return
        logged_epochs = int(log["epochs"].to_numpy()[self.count])
        if log["module_hash"].iat[self.count] != h or logged_epochs != epochs:
            raise ReplayMismatchError(
                f"resume: evaluation {self.count} asks {h} at {epochs} epochs but the log has "
                f"{log['module_hash'].iat[self.count]}; the log is from another run")

    def frame(self) -> pd.DataFrame:
        metrics = list(self.bench.metrics)
        cols = [*TRIAL_COLUMNS, *metrics, *TRACE_COLUMNS]
        return pd.DataFrame(self.rows, columns=cols)
