"""Several seeds (and strategies) of one search, in parallel processes.

Repetition ``k`` of ``--seeds n --seed s`` is the run with seed ``s + k``: each repetition is
reproducible alone (``--seed s+k``), its directory names that seed, and ``--seed 1`` never
overwrites the ``--seed 0`` run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from benchmarks.tables.registry import load_benchmark
from ecnas_cli.run.runner import check_runs, run_search
from ecnas_cli.run.store import RunResult


def run_seeds(benchmark: str, strategy: str, *, seeds: int = 1, seed: int = 0, jobs: int = 1,
              data_dir: Path | None = None, raw_dir: Path | None = None,
              on_done: Callable[[int], None] | None = None, **kwargs: Any) -> list[RunResult]:
    """Run seeds ``seed .. seed + seeds - 1`` of one strategy; results in seed order.

    Each run is independent and deterministic, so the results do not depend on ``jobs``.
    ``on_done(k)`` is called as repetition ``k`` finishes.
    """
    done = (lambda s, k: on_done(k)) if on_done else None
    return run_grid(benchmark, [strategy], seeds=seeds, seed=seed, jobs=jobs,
                    data_dir=data_dir, raw_dir=raw_dir, on_done=done, **kwargs)


def run_grid(benchmark: str, strategies: Sequence[str], *, seeds: int = 1, seed: int = 0,
             jobs: int = 1, data_dir: Path | None = None, raw_dir: Path | None = None,
             on_done: Callable[[str, int], None] | None = None,
             **kwargs: Any) -> list[RunResult]:
    """Every strategy on the same seeds and budget; results by strategy, then seed.

    ``on_done(strategy, k)`` is called as each run finishes.
    """
    if seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {seeds}")
    if jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {jobs}")
    if not strategies:
        raise ValueError("give at least one strategy")
    bench_args: dict[str, Any] = {"data_dir": data_dir, "raw_dir": raw_dir}
    # build the table once and check every run, before any worker starts
    bench = load_benchmark(benchmark, **bench_args)
    check_runs(bench, strategies, [seed + k for k in range(seeds)], **kwargs)
    tasks = [(s, k) for s in strategies for k in range(seeds)]
    results: dict[tuple[str, int], RunResult] = {}
    if jobs == 1 or len(tasks) == 1:
        for s, k in tasks:
            results[s, k] = _one(benchmark, bench_args, s, seed + k, kwargs)
            if on_done:
                on_done(s, k)
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
            futures = {pool.submit(_one, benchmark, bench_args, s, seed + k, kwargs): (s, k)
                       for s, k in tasks}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                if on_done:
                    on_done(*futures[fut])
    return [results[t] for t in tasks]


def _one(benchmark: str, bench_args: dict[str, Any], strategy: str, seed: int,
         kwargs: dict[str, Any]) -> RunResult:
    bench = load_benchmark(benchmark, **bench_args)
    return run_search(bench, strategy, seed=seed, **kwargs)
