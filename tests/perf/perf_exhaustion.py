"""Wall time per distinct evaluation when the space is nearly exhausted (not a pytest test).

Run from the repository root (needs the EC-NAS raw data: ``$ECNAS_RAW_DIR`` or
``../shared/ecnas-data``)::

    python tests/perf/perf_exhaustion.py [--only mobohb,shemoa] [--seeds 3]

Each strategy runs through the runner on ecnas-4v with a budget of every (cell, fidelity)
pair it can ask (91 cells, at every fidelity for the multi-fidelity strategies): the run ends
with the space exhausted. The wall time per distinct evaluation over the last 10% of the
pairs (the runner's wall time summed over the trials since the previous distinct one, cached
repeats included) is set against random search's in the same run. Target: mobohb and shemoa
at most 2x random.
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


def tail_cost(problem: Problem, name: str, seed: int) -> tuple[float, float, int]:
    """Seconds per distinct evaluation over the last 10% of the pairs and over the run, and
    the distinct evaluations made."""
    pairs = problem.n_pairs if STRATEGIES[name].multi_fidelity else problem.n_cells
    result = run_search(problem, name, budget=pairs, seed=seed, max_cached=100_000)
    trials = result.trials
    paid = ~trials["cached"].to_numpy(dtype=bool)
    wall = np.diff(trials["wall_s"].to_numpy(dtype=float), prepend=0.0)  # it is cumulative
    # each distinct evaluation carries the cached repeats asked before it
    owner = np.cumsum(paid[::-1])[::-1]  # distinct evaluations from this trial to the end
    last = max(1, round(0.1 * int(paid.sum())))
    return float(wall[owner <= last].sum() / last), float(wall.sum() / paid.sum()), \
        int(paid.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="mobohb,shemoa")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    problem = Problem.from_benchmark(load_benchmark("ecnas-4v"))
    run_search(problem, "random", budget=5, seed=99)  # warm the table and the imports
    print(f"ecnas-4v exhausted: ms of wall time per distinct evaluation (median of "
          f"{args.seeds} seeds), last 10% of pairs / whole run")
    base = [tail_cost(problem, "random", s) for s in range(args.seeds)]
    floor = float(np.median([b[0] for b in base]))
    print(f"{'random':8} {floor * 1e3:8.3f} / {np.median([b[1] for b in base]) * 1e3:8.3f}"
          f"   {base[0][2]} distinct")
    for name in args.only.split(","):
        runs = [tail_cost(problem, name, s) for s in range(args.seeds)]
        tail = float(np.median([r[0] for r in runs]))
        print(f"{name:8} {tail * 1e3:8.3f} / {np.median([r[1] for r in runs]) * 1e3:8.3f}"
              f"   {runs[0][2]} distinct   {tail / floor:5.1f}x random (target <= {TARGET:.0f}x)",
              flush=True)


if __name__ == "__main__":
    main()
