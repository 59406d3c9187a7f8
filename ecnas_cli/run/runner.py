"""``run``: the one ask -> query -> tell loop, with the evaluation protocol, budgets and resume.

The runner owns the protocol every strategy is measured by (:mod:`ecnas_cli.run.protocol`):
repeated (cell, epochs) queries are answered from the run's cache for free, budgets
(:mod:`ecnas_cli.run.termination`) count distinct trainings and what they cost.

Randomness: the run's ``seed`` (plus an optional spawn key) makes one SeedSequence whose two
children drive the strategy and the benchmark's repeat sampling. The same seed gives the same
trial log; resuming replays the log through a fresh strategy, checks that it asks the logged
cells, and continues, so the final log equals that of an uninterrupted run byte for byte.

Run directories: a run holds an exclusive lock on its directory (:mod:`ecnas_cli.run.lock`),
so a second search into it is refused, and a complete run there is never replaced unless
``overwrite`` is given (``resume`` just returns it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any, cast

import numpy as np

from benchmarks.progress import Progress
from benchmarks.space import SearchSpace
from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import checkpoint_fidelities
from ecnas_cli.run import boundary
from ecnas_cli.run.lock import run_lock
from ecnas_cli.run.loop import Loop, ReplayMismatchError
from ecnas_cli.run.paper_protocol import PaperEncoding
from ecnas_cli.run.protocol import Protocol
from ecnas_cli.run.store import RUN_JSON, RunResult, check_format, load_run, run_dir
from ecnas_cli.run.termination import Termination, as_termination
from strategies import get_strategy
from strategies.base import Strategy

__all__ = ["CHECKPOINT_EVERY", "ReplayMismatchError", "build_strategy", "check_replaceable",
           "check_runs", "package_versions", "previous_run", "run", "run_search",
           "strategy_class"]

CHECKPOINT_EVERY = 100  # distinct evaluations between trial-log writes while running


def strategy_class(strategy: str | type[Strategy]) -> tuple[str, type[Strategy]]:
    """The registry name and class of ``strategy`` (a name, ``package.module:Class`` or a
    class, e.g. one defined in a notebook)."""
    if isinstance(strategy, str):
        cls = get_strategy(strategy)
        return (strategy.lower() if ":" not in strategy
                else str(getattr(cls, "name", cls.__name__.lower()))), cls
    if not (isinstance(strategy, type) and issubclass(strategy, Strategy)):
        raise ValueError(f"strategy must be a name or a Strategy subclass, got {strategy!r}")
    return str(getattr(strategy, "name", strategy.__name__.lower())), strategy


def run(problem: Problem, strategy: str | type[Strategy], termination: Termination, *,
        protocol: Protocol | None = None, seed: int = 0, spawn_key: tuple[int, ...] = (),
        settings: Mapping[str, Any] | None = None, out: Path | None = None,
        fmt: str = "csv", resume: bool = False, overwrite: bool = False,
        progress: Progress | None = None, checkpoint_every: int | None = None) -> RunResult:
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
        Repeated-query and promotion rules (default: answered from the run's cache, free;
        the table's promotion rule).
    seed : int
        The run's seed; with ``out``, the log goes to ``out/<benchmark>/<name>/seed-<seed>/``.
    resume, overwrite : bool
        Continue an interrupted run in that directory (a complete one is returned as it is);
        replace a complete run there (otherwise a FileExistsError).
    settings : mapping, optional
        Keyword settings of the strategy (finite numbers only).
    """
    protocol = (protocol or Protocol()).for_table(problem.name,
                                                  checkpoint_fidelities(problem.benchmark))
    check_format(fmt)
    termination.check(problem)
    name, cls = strategy_class(strategy)
    seq = np.random.SeedSequence(seed, spawn_key=spawn_key)
    rng_strategy, rng_query = (np.random.default_rng(s) for s in seq.spawn(2))
    # PaperEncoding stands in for a SearchSpace (same interface, by delegation)
    space = cast(SearchSpace, PaperEncoding(problem.space)) if protocol.paper else problem.space
    strat = build_strategy(problem, name, cls, settings or {}, rng_strategy, space=space)
    meta = _meta(problem, name, strat, termination, protocol, seed, spawn_key)
    if out is None:
        loop = Loop(problem, strat, name, termination, protocol, rng_query, None)
        return _drive(loop, meta, None, fmt, 0, progress)
    where = run_dir(out, problem.name, name, seed, spawn_key)
    with run_lock(where):
        previous = previous_run(where, meta, resume, overwrite)
        if previous is not None and previous.complete:
            return previous
        logged = previous.trials if previous is not None else None
        loop = Loop(problem, strat, name, termination, protocol, rng_query, logged)
        return _drive(loop, meta, where, fmt, checkpoint_every or CHECKPOINT_EVERY, progress)


def _drive(loop: Loop, meta: dict[str, Any], where: Path | None, fmt: str, every: int,
           progress: Progress | None) -> RunResult:
    """Step ``loop`` to the end, writing a checkpoint every ``every`` distinct evaluations."""
    saved = 0
    total = loop.termination.describe().get("evaluations")
    try:
        while loop.step():
            if progress is not None:
                progress(loop.spent.evaluations, total)
            if where is not None and loop.new_rows and loop.spent.evaluations >= saved + every:
                saved = loop.spent.evaluations
                RunResult(loop.frame(), {**meta, **loop.summary()}).save(where, fmt)
    except boundary.StrategyError as exc:  # the strategy's fault: its run is marked failed
        if where is not None:
            RunResult(loop.frame(), {**meta, **loop.summary(), "status": "failed",
                                     "error": str(exc)}).save(where, fmt)
        raise
    result = RunResult(loop.frame(), {**meta, **loop.summary(), "status": "complete"})
    if where is not None:
        result.save(where, fmt)
    return result


def build_strategy(problem: Problem, name: str, cls: type[Strategy],
                   settings: Mapping[str, Any], rng: np.random.Generator,
                   space: SearchSpace | None = None) -> Strategy:
    """The strategy, built fresh for ``problem``; its settings checked first: known names
    and finite numbers (run.json is strict JSON: it could not record inf)."""
    unknown = sorted(set(settings) - set(cls.defaults()))
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r} for {name}; valid: "
                         f"{', '.join(cls.defaults()) or 'none'}")
    for key, value in settings.items():
        values = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(v, float | np.floating) and not math.isfinite(v) for v in values):
            raise ValueError(f"setting {key} must be finite, got {value!r}")
    return boundary.build(cls, problem.space if space is None else space, rng=rng,
                          fidelities=problem.fidelities, n_objectives=len(problem.objectives),
                          **settings)


def run_search(problem: Problem, strategy: str | type[Strategy], *,
               budget: Termination | int | dict[str, float] = 500, repeats: str | None = None,
               max_cached: int = 1000, protocol: str = "ecnas", promotion: str | None = None,
               **run_args: Any) -> RunResult:
    """:func:`run` with the budget and protocol as plain values (what the CLI and scripts call).

    ``budget`` is a :class:`~ecnas_cli.run.termination.Termination`, a number of distinct
    evaluations, or a dict such as ``{"evaluations": 1000, "energy_kwh": 5.0}``; ``protocol``
    is ``ecnas`` or ``paper`` (:meth:`Protocol.named`; ``repeats`` defaults to the protocol's
    rule); ``max_cached`` and ``promotion`` complete the
    :class:`~ecnas_cli.run.protocol.Protocol`; ``run_args`` are :func:`run`'s keywords
    (``seed``, ``settings``, ``out``, ...).
    """
    return run(problem, strategy, as_termination(budget),
               protocol=Protocol.named(protocol, repeats, max_cached, promotion),
               **run_args)


def _meta(problem: Problem, name: str, strat: Strategy, termination: Termination,
          protocol: Protocol, seed: int, spawn_key: tuple[int, ...]) -> dict[str, Any]:
    bench = problem.benchmark
    return {"benchmark": bench.name, "benchmark_sha256": bench.checksum,
            "space": bench.space.name, "strategy": name,
            "strategy_class": f"{type(strat).__module__}:{type(strat).__qualname__}",
            "settings": boundary.call(type(strat), "settings", strat.settings),
            "objectives": [str(o) for o in problem.objectives],
            "epochs": problem.epochs, "budget": termination.describe(),
            "protocol": protocol.describe(), "seed": seed, "spawn_key": list(spawn_key),
            "status": "running", "versions": package_versions()}


def package_versions() -> dict[str, str]:
    """The versions a run.json records (the packages whose changes can change a trial log)."""
    return {p: version(p) for p in ("ecnas", "numpy", "optuna", "moocore")}


def check_runs(problem: Problem, strategies: Sequence[str], seeds: Sequence[int], *,
               settings: Mapping[str, Any] | None = None, spawn_key: tuple[int, ...] = (),
               out: Path | None = None, resume: bool = False, overwrite: bool = False,
               fmt: str = "csv") -> None:
    """Check the runs :func:`run` would make, before any is made: the log format, the strategy
    settings (each strategy is built once) and no complete, interrupted or failed run in
    ``out`` to replace (:func:`check_replaceable`)."""
    check_format(fmt)
    for strategy in strategies:
        name, cls = strategy_class(strategy)
        build_strategy(problem, name, cls, settings or {}, np.random.default_rng(0))
        if out is None:
            continue
        for seed in seeds:
            check_replaceable(run_dir(out, problem.name, name, seed, spawn_key),
                              resume=resume, overwrite=overwrite)


#: Runs a new search never silently replaces (run.json status -> what to call it).
KEPT = {"complete": "a complete run", "running": "an interrupted run",
        "failed": "a run whose strategy failed"}


def check_replaceable(where: Path, *, resume: bool = False, overwrite: bool = False) -> None:
    """Refuse (FileExistsError) to start a run over the run in ``where`` (complete,
    interrupted or failed: :data:`KEPT`), unless ``overwrite`` (replace it) or ``resume``
    (report or continue it). Only ``run.json``'s status is read."""
    meta_file = Path(where) / RUN_JSON
    if resume or overwrite or not meta_file.is_file():
        return
    try:
        status = json.loads(meta_file.read_text()).get("status")
    except (ValueError, AttributeError):
        return  # not a readable run: nothing finished to lose
    if status in KEPT:
        raise FileExistsError(f"{where} already holds {KEPT[status]}; it is kept: use "
                              "--overwrite to replace it or --resume to "
                              f"{'report' if status == 'complete' else 'continue'} it")


def previous_run(where: Path, meta: dict[str, Any], resume: bool,
                 overwrite: bool) -> RunResult | None:
    """The run already in ``where`` that this one continues (resume), else None."""
    check_replaceable(where, resume=resume, overwrite=overwrite)
    if not resume or not (where / RUN_JSON).is_file():
        return None  # a trial log without run.json: killed before its first checkpoint
    previous = load_run(where)
    keys = ("benchmark", "strategy", "settings", "objectives", "epochs", "budget", "protocol",
            "seed", "spawn_key")
    changed = [k for k in keys if previous.meta.get(k) != meta[k]]
    if changed:
        raise ValueError(f"cannot resume {where}: its {changed[0]} differs from this run's")
    return previous
