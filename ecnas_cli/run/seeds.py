"""Several seeds (and strategies) of one search, in parallel (local processes or Ray).

Repetition ``k`` of ``--seeds n --seed s`` is the run with seed ``s + k``: each repetition is
reproducible alone (``--seed s+k``), its directory names that seed, and ``--seed 1`` never
overwrites the ``--seed 0`` run. The :class:`Problem` is built once by the caller and handed
to each worker process once (not once per run): :mod:`ecnas_cli.run.executors`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.tables.problem import Problem
from ecnas_cli.run.executors import OnEvent, check_executor, execute
from ecnas_cli.run.runner import check_runs, run_search
from ecnas_cli.run.store import RunResult
from ecnas_cli.run.termination import as_termination


def run_seeds(problem: Problem, strategy: str, *, seeds: int = 1, seed: int = 0, jobs: int = 1,
              on_done: Callable[[int], None] | None = None, **kwargs: Any) -> list[RunResult]:
    """Run seeds ``seed .. seed + seeds - 1`` of one strategy; results in seed order.

    Each run is independent and deterministic, so the results do not depend on ``jobs``.
    ``on_done(k)`` is called as repetition ``k`` finishes.
    """
    done = (lambda s, k: on_done(k)) if on_done else None
    return run_grid(problem, [strategy], seeds=seeds, seed=seed, jobs=jobs, on_done=done,
                    **kwargs)


def run_grid(problem: Problem, strategies: Sequence[str], *, seeds: int = 1, seed: int = 0,
             jobs: int = 1, settings: Mapping[str, Any] | None = None,
             spawn_key: tuple[int, ...] = (), out: Path | None = None, resume: bool = False,
             overwrite: bool = False, on_done: Callable[[str, int], None] | None = None,
             executor: str = "local", address: str | None = None,
             **run_args: Any) -> list[RunResult]:
    """Every strategy on the same seeds and budget; results by strategy, then seed.

    ``settings`` are the strategies' settings, ``run_args`` the other keywords of
    :func:`~ecnas_cli.run.runner.run_search` (``budget``, ``repeats``, ``fmt``, ...).
    ``on_done(strategy, k)`` is called as each run finishes. ``executor`` and ``address``:
    :func:`~ecnas_cli.run.executors.execute` (one task per run, ``jobs`` at once).
    """
    if seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {seeds}")
    check_executor(executor, jobs, address)
    if not strategies:
        raise ValueError("give at least one strategy")
    # check every run before any starts: a budget that buys nothing is refused here, once
    as_termination(run_args.get("budget", 500)).check(problem)
    check_runs(problem, strategies, [seed + k for k in range(seeds)], settings=settings,
               spawn_key=spawn_key, out=out, resume=resume, overwrite=overwrite,
               fmt=run_args.get("fmt", "csv"))
    run_args = {**run_args, "settings": settings, "spawn_key": spawn_key, "out": out,
                "resume": resume, "overwrite": overwrite}
    if executor == "ray" and not overwrite:
        # check_runs left no run to keep in ``out``: one found there now is this task's own,
        # left by a Ray worker that died, so the retried task resumes it
        run_args["resume"] = True
    tasks = [(s, k) for s in strategies for k in range(seeds)]
    results = execute(_one, [(s, seed + k, run_args) for s, k in tasks], shared=problem,
                      executor=executor, jobs=jobs, address=address,
                      on_event=_done(tasks, on_done) if on_done else None)
    return list(results)


def _done(tasks: list[tuple[str, int]], on_done: Callable[[str, int], None]) -> OnEvent:
    return lambda i, state: on_done(*tasks[i]) if state == "done" else None


def _one(problem: Problem, strategy: str, seed: int, run_args: dict[str, Any]) -> RunResult:
    return run_search(problem, strategy, seed=seed, **run_args)
