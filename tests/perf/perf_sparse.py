"""Searching a sparse table: asks and seconds per distinct evaluation, whole space vs its cells
(not a pytest test).

Run from the repository root::

    python tests/perf/perf_sparse.py [--evals 100] [--before-evals 20] [--seed 0] [names...]

For every registered strategy (or the names given), on ``ecnas-7v-energy-sample`` (3,448 of the
423,624 7V cells, embedded): a run of ``--evals`` distinct evaluations searched over the
table's own cells (``Problem.space``, a :class:`~benchmarks.space.SubSpace`: what ``ecnas
search`` does), and, in the same run, one of ``--before-evals`` searched over the whole 7V
space (the space swapped for the full one: every cell without a row is asked, told failed and
asked past). Prints per strategy the asks (candidates the strategy proposed, repeats of known
cells included), the misses among them (cells the table lacks), the seconds, and asks and
milliseconds per distinct evaluation before and after. ``--before-evals 0`` skips the
whole-space runs. First, how many full-space mutations of a member it takes to reach another
member (why :meth:`~benchmarks.space.SubSpace.mutate` draws from the members directly).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # a script run from anywhere, without installing the package

from benchmarks.space import SubSpace  # noqa: E402
from benchmarks.tables.problem import Problem  # noqa: E402
from benchmarks.tables.registry import load_benchmark  # noqa: E402
from ecnas_cli.run import loop  # noqa: E402
from ecnas_cli.run.runner import run_search  # noqa: E402
from strategies import STRATEGIES  # noqa: E402

TABLE = "ecnas-7v-energy-sample"


class Counts:
    """Candidates answered and table queries made, counted around the loop's methods."""

    def __init__(self) -> None:
        self.asks = self.queries = 0
        answer, train = loop.Loop._answer, loop.Loop._train

        def counted_answer(this: loop.Loop, cand: Any) -> Any:
            self.asks += 1
            return answer(this, cand)

        def counted_train(this: loop.Loop, h: str, epochs: int) -> Any:
            self.queries += 1
            return train(this, h, epochs)

        loop.Loop._answer = counted_answer  # type: ignore[method-assign,assignment]
        loop.Loop._train = counted_train  # type: ignore[method-assign,assignment]


def measure(name: str, evals: int, seed: int, whole_space: bool,
            counts: Counts) -> dict[str, float]:
    """One run: distinct evaluations, asks, misses and seconds."""
    problem = Problem.from_benchmark(load_benchmark(TABLE))
    if whole_space:  # how the table was searched before it was searched over its own cells
        problem.__dict__["space"] = problem.benchmark.space
    counts.asks = counts.queries = 0
    t0 = time.perf_counter()
    result = run_search(problem, name, budget=evals, seed=seed)
    seconds = time.perf_counter() - t0
    n = int((~result.trials["cached"].astype(bool)).sum())
    return {"evals": n, "asks": counts.asks, "misses": counts.queries - n, "s": seconds}


def mutation_tries(problem: Problem, seed: int, parents: int = 100) -> None:
    """Print the quantiles of full-space mutations until one lands in the table's cells."""
    space, rng = problem.space, np.random.default_rng(seed)
    assert isinstance(space, SubSpace)
    members = set(space.cells()["module_hash"])
    tries = []
    t0 = time.perf_counter()
    for parent in space.sample(rng, parents):
        n = 1
        while space.hash(space.base.mutate(parent, rng)) not in members and n < 5000:
            n += 1
        tries.append(n)
    ms = 1e3 * (time.perf_counter() - t0) / sum(tries)
    q = np.percentile(tries, [10, 50, 90]).round().astype(int).tolist()
    print(f"mutations of a member until another member ({parents} parents): "
          f"p10/p50/p90 {q[0]}/{q[1]}/{q[2]}, {ms:.2f} ms per mutation")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(STRATEGIES))
    parser.add_argument("--evals", type=int, default=100)
    parser.add_argument("--before-evals", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    counts = Counts()
    problem = Problem.from_benchmark(load_benchmark(TABLE))
    print(f"{TABLE}: {problem.n_cells:,} cells searched; seed {args.seed}")
    mutation_tries(problem, args.seed)
    print(f"{'strategy':<15} {'space':<6} {'evals':>5} {'asks':>7} {'misses':>7} {'s':>7} "
          f"{'asks/eval':>9} {'ms/eval':>8}")
    for name in args.names:
        runs = [("table", args.evals, False)]
        if args.before_evals > 0:
            runs.insert(0, ("whole", args.before_evals, True))
        for label, evals, whole in runs:
            r = measure(name, evals, args.seed, whole, counts)
            per = max(r["evals"], 1)
            print(f"{name:<15} {label:<6} {r['evals']:>5} {r['asks']:>7} {r['misses']:>7} "
                  f"{r['s']:>7.1f} {r['asks'] / per:>9.1f} {1e3 * r['s'] / per:>8.1f}",
                  flush=True)


if __name__ == "__main__":
    main()
