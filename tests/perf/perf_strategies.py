"""Strategy overhead per distinct evaluation under the runner's protocol (not a pytest test).

Run from the repository root: ``python tests/perf/perf_strategies.py [--evals 1000]``.

Every native strategy runs through the runner on ecnas-5v (the embedded table) for
``--evals`` distinct evaluations; repeated cells are answered from the run's cache. The
strategy's time is what the runner logs (``strategy_time_s``: ``ask`` + ``tell``, the space
calls they make included) summed over the run, divided by the distinct evaluations: the
target is <= 100 us. Its floor, measured in the same process: one ``space.sample`` per
evaluation (what random search cannot avoid).

nsga2 is also timed against Optuna's own floor, measured in the same run: a bare loop of
``study.ask(distributions)`` / ``study.tell`` with a default NSGAIISampler over the same 21 + 5
parameters (7 vertices) or 10 + 3 (5 vertices), for as many trials as nsga2 made evaluations
(target: ratio <= 1.2), alternately three times, the median ratio printed. Runner time per
query (everything but the strategy) and the load average are printed too.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import optuna

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # a script run from anywhere, without installing the package

from benchmarks.space import get_space  # noqa: E402
from benchmarks.tables.problem import Problem  # noqa: E402
from benchmarks.tables.registry import load_benchmark  # noqa: E402
from ecnas_cli.run.runner import run_search  # noqa: E402
from strategies._genome import Genome  # noqa: E402
from strategies.nsga2 import NSGA2  # noqa: E402
from strategies.testing import CONV, drive  # noqa: E402

NATIVE = ("random", "random-genome", "semo", "nsga2")
TARGET_US = 100.0


def per_distinct(name: str, evals: int) -> dict[str, float]:
    """Strategy seconds per distinct evaluation through the runner, and what it took."""
    problem = Problem.from_benchmark(load_benchmark("ecnas-5v"))
    run_search(problem, name, budget=20, seed=99)  # warm caches (cell table, Optuna imports)
    start = time.perf_counter()
    result = run_search(problem, name, budget=evals, seed=0, max_cached=100_000)
    wall = time.perf_counter() - start
    trials = result.trials
    strategy = float(trials["strategy_time_s"].sum())
    distinct = int((~trials["cached"]).sum())
    return {"per_distinct": strategy / distinct, "queries": len(trials), "distinct": distinct,
            "runner_per_query": (wall - strategy) / len(trials)}


def sample_floor(evals: int) -> float:
    space = get_space("5v")
    rng = np.random.default_rng(0)
    space.sample(rng, 1)
    start = time.perf_counter()
    for _ in range(evals):
        space.sample(rng, 1)
    return (time.perf_counter() - start) / evals


def optuna_floor(space_name: str, trials: int, seed: int) -> float:
    """Seconds per trial of a bare NSGA-II ask/tell loop over the same parameters."""
    space = get_space(space_name)
    distributions = Genome(space, np.random.default_rng(seed)).distributions
    study = optuna.create_study(directions=["minimize"] * 2,
                                sampler=optuna.samplers.NSGAIISampler(seed=seed))
    start = time.perf_counter()
    for _ in range(trials):
        trial = study.ask(distributions)
        params = trial.params
        edges = sum(v for k, v in params.items() if k.startswith("edge_"))
        convs = sum(v == CONV for k, v in params.items() if k.startswith("op_"))
        study.tell(trial, [-convs, edges])
    return (time.perf_counter() - start) / trials


def nsga2_ratio(space_name: str, evals: int, repeats: int = 3) -> None:
    """nsga2 alone (synthetic objective, no runner) per distinct cell vs Optuna's floor,
    measured alternately ``repeats`` times (the median ratio: the machine's load drifts)."""
    space = get_space(space_name)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ratios, spents, floors = [], [], []
    for _ in range(repeats):
        strategy = NSGA2(space, rng=np.random.default_rng(1), fidelities=(4, 12),
                         n_objectives=2)
        start = time.perf_counter()
        asked = drive(strategy, evals)
        spents.append((time.perf_counter() - start) / len(asked))
        floors.append(optuna_floor(space_name, evals, seed=1))
        ratios.append(spents[-1] / floors[-1])
    trials = len(strategy._study.trials)
    print(f"nsga2 {space_name}: {len(asked)} distinct cells in {trials} Optuna trials "
          f"({strategy.n_invalid + strategy.n_known} invalid/repeated first-generation genomes, "
          f"{strategy.n_regenerated} children regenerated, {strategy.n_repaired} repaired): "
          f"{np.median(spents) * 1e3:.2f} ms per distinct cell; bare Optuna ask/tell "
          f"{np.median(floors) * 1e3:.2f} ms per trial; ratio x{np.median(ratios):.2f} "
          f"(median of {repeats}: " + ", ".join(f"{r:.2f}" for r in ratios)
          + "; target <= 1.2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evals", type=int, default=1000)
    args = parser.parse_args()
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    floor = sample_floor(args.evals)
    print(f"floor: space.sample {floor * 1e6:.1f} us per call (5v)")
    for name in NATIVE:
        m = per_distinct(name, args.evals)
        us = m["per_distinct"] * 1e6
        print(f"{name:13s} ecnas-5v: {us:8.1f} us per distinct evaluation "
              f"(x{us / TARGET_US:.2f} of the {TARGET_US:.0f} us target, x"
              f"{m['per_distinct'] / floor:.1f} of the floor); {m['queries']} queries for "
              f"{m['distinct']} distinct; runner {m['runner_per_query'] * 1e6:.0f} us/query")
    for space_name in ("5v", "7v"):
        nsga2_ratio(space_name, args.evals)
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
