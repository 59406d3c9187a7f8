"""Measure each strategy's seconds per distinct evaluation: the table ``ecnas campaign plan``
estimates with (``ecnas_cli/campaign/costs.csv``).

One run per strategy on ecnas-5v, seed 0, ``--evals`` distinct evaluations (default 1,000:
costs that grow with the observations are then paid as a long run pays them), in this
process, one after another; a run's wall time includes building the strategy and every
ask, query and tell, not loading the benchmark. Also measures the fixed cost of one run (a
1-evaluation run of random search). The times are this machine's, under its load when
measured: the estimate is a guide, not a promise. Prints the table and writes it.

Usage: ``python scripts/measure_strategy_costs.py [--evals 1000] [--out PATH]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from benchmarks.atomic import atomic_path
from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import load_benchmark
from ecnas_cli.campaign.estimate import COSTS_FILE
from ecnas_cli.run.runner import run_search
from strategies import STRATEGIES

BENCHMARK = "ecnas-5v"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evals", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=COSTS_FILE)
    args = parser.parse_args()
    problem = Problem.from_benchmark(load_benchmark(BENCHMARK))
    start = time.perf_counter()
    run_search(problem, "random", budget=1)
    overhead = time.perf_counter() - start
    rows = [{"strategy": "(per run)", "seconds_per_evaluation": round(overhead, 4),
             "evaluations": 1, "benchmark": BENCHMARK}]
    for name in STRATEGIES:
        start = time.perf_counter()
        result = run_search(problem, name, budget=args.evals)
        wall = time.perf_counter() - start
        evals = int(result.meta["evaluations"])
        rows.append({"strategy": name, "seconds_per_evaluation": round(wall / evals, 5),
                     "evaluations": evals, "benchmark": BENCHMARK})
        print(f"{name}: {wall:.1f} s for {evals} evaluations", flush=True)
    table = pd.DataFrame(rows)
    with atomic_path(args.out) as tmp:
        table.to_csv(tmp, index=False)
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
