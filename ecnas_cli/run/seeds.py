"""Several seeds of one search, in parallel processes."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from benchmarks.tables.registry import load_benchmark
from ecnas_cli.run.runner import run_search
from ecnas_cli.run.store import RunResult


def run_seeds(benchmark: str, strategy: str, *, seeds: int = 1, seed: int = 0, jobs: int = 1,
              data_dir: Path | None = None, raw_dir: Path | None = None,
              on_done: Callable[[int], None] | None = None, **kwargs: Any) -> list[RunResult]:
    """Run ``seeds`` repetitions (spawn keys 0..seeds-1 of one SeedSequence(seed)).

    Each repetition is independent and deterministic, so the results do not depend on
    ``jobs``; they are returned in seed order. ``on_done(k)`` is called as each finishes.
    """
    if seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {seeds}")
    if jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {jobs}")
    bench_args: dict[str, Any] = {"data_dir_": data_dir, "raw_dir": raw_dir}
    load_benchmark(benchmark, **bench_args)  # build the table once, before any worker starts
    results: dict[int, RunResult] = {}
    if jobs == 1 or seeds == 1:
        for k in range(seeds):
            results[k] = _one(benchmark, bench_args, strategy, seed, k, kwargs)
            if on_done:
                on_done(k)
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, seeds)) as pool:
            futures = {pool.submit(_one, benchmark, bench_args, strategy, seed, k, kwargs): k
                       for k in range(seeds)}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                if on_done:
                    on_done(futures[fut])
    return [results[k] for k in range(seeds)]


def _one(benchmark: str, bench_args: dict[str, Any], strategy: str, seed: int, k: int,
         kwargs: dict[str, Any]) -> RunResult:
    bench = load_benchmark(benchmark, **bench_args)
    return run_search(bench, strategy, seed=seed, spawn_key=(k,), **kwargs)
