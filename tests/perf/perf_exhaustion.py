"""Wall time per distinct evaluation when the space is nearly exhausted (not a pytest test).

Run from the repository root (needs the EC-NAS raw data: ``$ECNAS_RAW_DIR`` or
``../shared/ecnas-data``)::

    python tests/perf/perf_exhaustion.py [--only mobohb,shemoa] [--seeds 5]

Each strategy runs through the runner on ecnas-4v with a budget of every (cell, fidelity)
pair it can ask (91 cells, at every fidelity for the multi-fidelity strategies): the run ends
with the space exhausted. The wall time per distinct evaluation over the last 10% of the
pairs (the runner's wall time summed over the trials since the previous distinct one, cached
repeats included), summed over the seeds' tails and divided by their distinct evaluations,
is set against random search's in the same run; the seeds run in turn, every strategy per
seed. Pooled rather than a median over seeds: on a loaded machine a preemption of a few ms
lands in a tail with a chance that grows with its length, and random's tail (9 of 91 cells)
is half as long as the bracket strategies' (18 of 182 pairs). Target: mobohb and shemoa at
most 2x random.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # a script run from anywhere, without installing the package
os.environ.setdefault("ECNAS_RAW_DIR", str(REPO.parent / "shared" / "ecnas-data"))

from benchmarks.tables.problem import Problem  # noqa: E402
from benchmarks.tables.registry import load_benchmark  # noqa: E402
from ecnas_cli.run.runner import run_search  # noqa: E402
from strategies import STRATEGIES  # noqa: E402

TARGET = 2.0


def tail_cost(problem: Problem, name: str, seed: int) -> tuple[float, int, float, int]:
    """Wall seconds of the last 10% of the distinct evaluations and their number, then of the
    whole run and its distinct evaluations."""
    pairs = problem.n_pairs if STRATEGIES[name].multi_fidelity else problem.n_cells
    result = run_search(problem, name, budget=pairs, seed=seed, max_cached=100_000)
    trials = result.trials
    paid = ~trials["cached"].to_numpy(dtype=bool)
    wall = np.diff(trials["wall_s"].to_numpy(dtype=float), prepend=0.0)  # it is cumulative
    # each distinct evaluation carries the cached repeats asked before it
    owner = np.cumsum(paid[::-1])[::-1]  # distinct evaluations from this trial to the end
    last = max(1, round(0.1 * int(paid.sum())))
    return float(wall[owner <= last].sum()), last, float(wall.sum()), int(paid.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="mobohb,shemoa")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    problem = Problem.from_benchmark(load_benchmark("ecnas-4v"))
    run_search(problem, "random", budget=5, seed=99)  # warm the table and the imports
    names = ["random", *args.only.split(",")]
    # seeds outermost, so a burst of load on a shared machine reaches every strategy alike
    runs: dict[str, list[tuple[float, int, float, int]]] = {name: [] for name in names}
    for seed in range(args.seeds):
        for name in names:
            runs[name].append(tail_cost(problem, name, seed))
    print(f"ecnas-4v exhausted: ms of wall time per distinct evaluation over {args.seeds} seeds, "
          "last 10% of pairs (seed with the lowest - highest) / whole run")
    floor = 0.0
    for name in names:
        r = np.array(runs[name])
        tail = r[:, 0].sum() / r[:, 1].sum() * 1e3  # pooled: a preemption weighs by its length
        each = r[:, 0] / r[:, 1] * 1e3
        line = (f"{name:8} {tail:8.3f} ({each.min():.3f}-{each.max():.3f}) / "
                f"{r[:, 2].sum() / r[:, 3].sum() * 1e3:8.3f}   {int(r[0, 3])} distinct")
        if name == "random":
            floor = tail
        else:
            line += f"   {tail / floor:5.1f}x random (target <= {TARGET:.0f}x)"
        print(line, flush=True)


if __name__ == "__main__":
    main()
