"""``ecnas search --live``: check everything, then search by training; keep every training.

Layout: every training lands in a raw tree (the official layout, as ``ecnas bench create``
writes it; by default ``<data dir>/live/<table>``), one tree per dataset and training settings,
so a second live search with the same settings reuses what was measured; at the end the tree is
imported as table ``<table>`` (``live-<dataset>-<space>-<8 hex>``), so
``ecnas search --benchmark <table>`` replays the search. The trial log goes where table searches
put theirs (``<out>/<table>/<strategy>/seed-<seed>``) and is rewritten after every answer.

Resuming a killed live search (``resume``) runs it again from its seed: every training that
finished before the kill is in the tree and is reused, not repeated; a strategy told the same
results asks the same cells, so the search continues where it stopped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from benchmarks.create.job import CreateSpec, network_for
from benchmarks.create.workers import Pool
from benchmarks.paths import data_dir as resolve_data_dir
from benchmarks.sources.builders import frame_from_raw
from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import import_table
from ecnas_cli.live.loop import LiveLoop
from ecnas_cli.live.problem import LiveProblem, table_name
from ecnas_cli.live.trainer import train_or_reuse
from ecnas_cli.run import boundary
from ecnas_cli.run.lock import run_lock
from ecnas_cli.run.protocol import Protocol
from ecnas_cli.run.runner import build_strategy, package_versions, previous_run, strategy_class
from ecnas_cli.run.store import RunResult, check_format, run_dir
from ecnas_cli.run.termination import Spent, Termination
from ecnas_cli.workflows.create import check_resume, claim_tree, ensure_dir, spec_settings

__all__ = ["Note", "estimate_s", "live_search", "prepare"]

#: ``note(done, total, text)``: the progress line after each answer.
Note = Callable[[int, "int | None", str], None]


def prepare(spec: CreateSpec, *, objectives: str | None = None, tree: Path | None = None,
            data_dir: Path | None = None) -> LiveProblem:
    """The problem of a live search, every setting checked before any training: the
    dataset is loaded (a bad name or folder fails here) and the tree must hold the same
    settings if it holds any."""
    network_for(spec)  # loads the dataset: an unknown or unreadable one is refused now
    name = table_name(spec, spec_settings(spec))
    out = Path(tree) if tree is not None else resolve_data_dir(data_dir) / "live" / name
    spec = replace(spec, out=out)
    check_resume(spec)
    ensure_dir(out)
    return LiveProblem.make(spec, name, objectives)


def live_search(problem: LiveProblem, strategy: str, budget: Termination, *, seed: int = 0,
                settings: dict[str, Any] | None = None, out: Path = Path("runs"),
                fmt: str = "csv", resume: bool = False, overwrite: bool = False,
                workers: int = 1, address: str | None = None, max_cached: int = 1000,
                data_dir: Path | None = None, note: Note | None = None,
                trainer: Callable[..., dict[str, Any]] = train_or_reuse) -> RunResult:
    """Search ``problem`` by training on ``workers``; return the run (its trial log and
    ``run.json``), and store the tree as table ``problem.name``.

    Parameters
    ----------
    strategy : str
        A registered name or ``package.module:Class``.
    budget : Termination
        Distinct trainings, measured kWh, training seconds and/or wall-clock seconds.
    seed : int
        Seeds the strategy, as ``ecnas search --seed`` does (the same proposals on the table).
    workers, address : int, str
        Trainings at once; a Ray cluster to join (default: a local one for ``workers > 1``).
    trainer : callable
        ``trainer(spec, module_hash) -> dict`` (:func:`~ecnas_cli.live.trainer.train_or_reuse`;
        tests give a fake one).
    """
    check_format(fmt)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"--workers must be >= 1, got {workers!r}")
    protocol = Protocol(max_cached=max_cached)
    name, cls = strategy_class(strategy)
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[0])  # as run() does
    strat = build_strategy(cast(Problem, problem), name, cls, settings or {}, rng)
    meta = _meta(problem, name, strat, budget, protocol, seed, workers)
    where = run_dir(out, problem.name, name, seed)
    with run_lock(where):
        previous = previous_run(where, meta, resume, overwrite)
        if previous is not None and previous.complete:
            return previous
        claim_tree(problem.spec)

        def answered(loop: LiveLoop) -> None:
            RunResult(loop.frame(), {**meta, **loop.summary()}).save(where, fmt)
            if note is not None:
                note(loop.spent.evaluations, _total(budget), _note(loop, budget))

        with Pool(trainer, workers=workers, address=address) as pool:
            loop = LiveLoop(problem, strat, name, budget, pool, protocol=protocol,
                            on_answer=answered)
            loop.run()
        result = RunResult(loop.frame(), {**meta, **loop.summary(), "status": "complete"})
        result.save(where, fmt)
    frame, table_meta = frame_from_raw(problem.spec.out, problem.spec.space)
    import_table(frame, table_meta, name=problem.name, space=problem.spec.space,
                 data_dir=data_dir, overwrite=True)
    return result


def _meta(problem: LiveProblem, name: str, strat: Any, budget: Termination,
          protocol: Protocol, seed: int, workers: int) -> dict[str, Any]:
    return {"benchmark": problem.name, "space": problem.space.name, "strategy": name,
            "strategy_class": f"{type(strat).__module__}:{type(strat).__qualname__}",
            "settings": boundary.call(type(strat), "settings", strat.settings),
            "objectives": [str(o) for o in problem.objectives], "epochs": problem.epochs,
            "budget": budget.describe(), "protocol": protocol.describe(), "seed": seed,
            "spawn_key": [], "status": "running", "versions": package_versions(),
            "live": {"dataset": problem.spec.dataset, "tree": str(problem.spec.out),
                     "workers": workers, "asynchronous": bool(strat.asynchronous)}}


def _total(budget: Termination) -> int | None:
    total = budget.describe().get("evaluations")
    return None if total is None else int(total)


def estimate_s(budget: Termination, spent: Spent) -> float:
    """Seconds until the first budget is reached, at the pace so far (NaN before any data).

    >>> from ecnas_cli.run.termination import termination
    >>> estimate_s(termination(10), Spent(evaluations=4, wall_s=20.0))
    30.0
    """
    if spent.evaluations == 0 or spent.wall_s <= 0:
        return float("nan")
    rates = {"evaluations": spent.evaluations / spent.wall_s,
             "energy_kwh": spent.energy_kwh / spent.wall_s,
             "training_time_s": spent.training_time_s / spent.wall_s, "wall_s": 1.0}
    left = [(amount - spent.get(key)) / rates[key]
            for key, amount in budget.describe().items() if rates.get(key, 0) > 0]
    return max(min(left), 0.0) if left else float("nan")


def _note(loop: LiveLoop, budget: Termination) -> str:
    eta = estimate_s(budget, loop.spent)
    return (f"{loop.spent.evaluations} trained, {loop.workers.in_flight} in flight, "
            f"{loop.spent.energy_kwh * 1000:.4g} Wh so far"
            + ("" if math.isnan(eta) else f", ~{eta:.0f} s to the budget"))
