"""``run``: the one ask -> query -> tell loop, with the evaluation protocol, budgets and resume.

The runner owns the protocol every strategy is measured by (:mod:`ecnas_cli.run.protocol`):
repeated (cell, epochs) queries are answered from the run's cache for free, budgets
(:mod:`ecnas_cli.run.termination`) count distinct trainings and what they cost.

Randomness: the run's ``seed`` (plus an optional spawn key) makes one SeedSequence whose two
children drive the strategy and the benchmark's repeat sampling. The same seed gives the same
trial log; resuming replays the log through a fresh strategy, checks that it asks the logged
cells, and continues, so the final log equals that of an uninterrupted run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.tables.benchmark import Benchmark
from benchmarks.tables.objectives import Objective
from benchmarks.tables.problem import Problem
from ecnas_cli.run.loop import Loop, ReplayMismatchError
from ecnas_cli.run.protocol import Protocol
from ecnas_cli.run.store import RunResult, load_run, run_dir
from ecnas_cli.run.termination import MaxEvaluations, Termination, from_dict
from strategies import get_strategy
from strategies.base import Strategy

__all__ = ["CHECKPOINT_EVERY", "ReplayMismatchError", "run", "run_search", "strategy_class"]

CHECKPOINT_EVERY = 100  # distinct evaluations between trial-log writes while running


def strategy_class(strategy: str | type[Strategy]) -> tuple[str, type[Strategy]]:
    """The registry name and class of ``strategy`` (a name, ``package.module:Class`` or a
    class, e.g. one defined in a notebook)."""
    if isinstance(strategy, str):
        cls = get_strategy(strategy)
        return (strategy.lower() if ":" not in strategy else getattr(cls, "name", strategy)), cls
    if not (isinstance(strategy, type) and issubclass(strategy, Strategy)):
        raise ValueError(f"strategy must be a name or a Strategy subclass, got {strategy!r}")
    return str(getattr(strategy, "name", strategy.__name__.lower())), strategy


def run(problem: Problem, strategy: str | type[Strategy], termination: Termination, *,
        protocol: Protocol | None = None, seed: int = 0, spawn_key: tuple[int, ...] = (),
        out: Path | None = None, fmt: str = "csv", resume: bool = False,
        progress: Callable[[int, int | None], None] | None = None,
        checkpoint_every: int | None = None, **settings: Any) -> RunResult:
    """Search ``problem`` with ``strategy`` until ``termination``; return the trial log.

    Parameters
    ----------
    problem : Problem
        Benchmark, objectives and target epochs.
    strategy : str or Strategy subclass
        A registered name, ``package.module:Class``, or a class.
    termination : Termination
        Budgets (:mod:`ecnas_cli.run.termination`); the first one reached stops.
    protocol : Protocol, optional
        Repeated-query rule (default: answered from the run's cache, free).
    seed : int
        The run's seed; with ``out``, the log goes to ``out/<benchmark>/<name>/seed-<seed>/``.
    settings
        Keyword settings of the strategy.
    """
    protocol = protocol or Protocol()
    termination.check(problem)
    name, cls = strategy_class(strategy)
    unknown = sorted(set(settings) - set(cls.defaults()))
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r} for {name}; valid: "
                         f"{', '.join(cls.defaults()) or 'none'}")
    seq = np.random.SeedSequence(seed, spawn_key=spawn_key)
    rng_strategy, rng_query = (np.random.default_rng(s) for s in seq.spawn(2))
    strat = cls(problem.space, rng=rng_strategy, fidelities=problem.fidelities,
                n_objectives=len(problem.objectives), **settings)
    meta = _meta(problem, name, strat, termination, protocol, seed, spawn_key)
    where = run_dir(out, problem.name, name, seed, spawn_key) if out is not None else None
    logged = _previous_log(where, meta) if resume and where is not None else None
    loop = Loop(problem, strat, name, termination, protocol, rng_query, logged)
    every = checkpoint_every or CHECKPOINT_EVERY
    saved = 0
    while loop.step():
        if progress is not None:
            progress(loop.spent.evaluations, termination.describe().get("evaluations"))
        if where is not None and loop.new_rows and loop.spent.evaluations >= saved + every:
            saved = loop.spent.evaluations
            RunResult(loop.frame(), meta).save(where, fmt)
    result = RunResult(loop.frame(), {**meta, **loop.summary(), "status": "complete"})
    if where is not None:
        result.save(where, fmt)
    return result


def run_search(benchmark: Benchmark, strategy: str | type[Strategy], *,
               objectives: str | Sequence[str | Objective] | None = None,
               budget: Termination | int | dict[str, float] = 500, seed: int = 0,
               spawn_key: tuple[int, ...] = (), epochs: int | None = None,
               repeats: str = "cache", max_cached: int = 1000, **kwargs: Any) -> RunResult:
    """:func:`run` from a benchmark and plain values (what the CLI and scripts call).

    ``budget`` is a :class:`~ecnas_cli.run.termination.Termination`, a number of distinct
    evaluations, or a dict such as ``{"evaluations": 1000, "energy_kwh": 5.0}``.
    """
    problem = Problem.from_benchmark(benchmark, objectives=objectives, epochs=epochs)
    if isinstance(budget, Termination):
        term = budget
    elif isinstance(budget, dict):
        term = from_dict(budget)
    else:
        term = MaxEvaluations(budget)
    return run(problem, strategy, term, protocol=Protocol(repeats, max_cached), seed=seed,
               spawn_key=spawn_key, **kwargs)


def _meta(problem: Problem, name: str, strat: Strategy, termination: Termination,
          protocol: Protocol, seed: int, spawn_key: tuple[int, ...]) -> dict[str, Any]:
    bench = problem.benchmark
    return {"benchmark": bench.name, "benchmark_sha256": bench.checksum,
            "space": bench.space.name, "strategy": name,
            "strategy_class": f"{type(strat).__module__}:{type(strat).__qualname__}",
            "settings": strat.settings(), "objectives": [str(o) for o in problem.objectives],
            "epochs": problem.epochs, "budget": termination.describe(),
            "protocol": protocol.describe(), "seed": seed, "spawn_key": list(spawn_key),
            "status": "running", "versions": _versions()}


def _versions() -> dict[str, str]:
    return {p: version(p) for p in ("ecnas", "numpy", "optuna", "moocore")}


def _previous_log(where: Path, meta: dict[str, Any]) -> pd.DataFrame | None:
    """The trial log of an interrupted run with the same settings, if there is one."""
    try:
        previous = load_run(where)
    except FileNotFoundError:
        return None
    keys = ("benchmark", "strategy", "settings", "objectives", "epochs", "budget", "protocol",
            "seed", "spawn_key")
    changed = [k for k in keys if previous.meta.get(k) != meta[k]]
    if changed:
        raise ValueError(f"cannot resume {where}: its {changed[0]} differs from this run's")
    return previous.trials
