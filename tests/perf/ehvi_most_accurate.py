"""Why ehvi rarely trains ecnas-5v's most accurate cell (not a pytest test).

Run from the repository root (needs the EC-NAS raw data: ``$ECNAS_RAW_DIR`` or
``../shared/ecnas-data``)::

    python tests/perf/ehvi_most_accurate.py [--evals 200] [--seeds 2] [--runs DIR]

Prints, for the most accurate cell of ecnas-5v (the last point of its true front):

* the cell against its one-edit neighbours and the other expensive cells (the table alone);
* ehvi's view of it after ``--evals`` evaluations (seeds 0..): the GP's predicted accuracy
  and its standard deviation, and the cell's rank among the unseen cells by the acquisition,
  with the GP fitted on at most 100 observations (the default) and on all of them;
* with ``--runs DIR`` (a directory of ``ecnas search`` runs, ``DIR/seed-*/trials.csv``): in
  how many runs the cell was trained, and the median regret; beside uniform sampling's chance
  of training it in as many evaluations.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # a script run from anywhere, without installing the package
os.environ.setdefault("ECNAS_RAW_DIR", str(REPO.parent / "shared" / "ecnas-data"))

from benchmarks.tables.objectives import to_min  # noqa: E402
from benchmarks.tables.problem import Problem  # noqa: E402
from benchmarks.tables.registry import load_benchmark  # noqa: E402
from strategies import ehvi as ehvi_module  # noqa: E402
from strategies.ehvi import EHVI  # noqa: E402


def table_view(problem: Problem, values: np.ndarray, best: int) -> None:
    space = problem.space
    index = {h: i for i, h in enumerate(space.cells()["module_hash"].tolist())}
    near = [index[space.hash(n)] for n in space.neighbours(space.arch(best))]
    acc, energy = values[:, 0], values[:, 1]
    costly = np.flatnonzero((energy >= 0.04) & (np.arange(len(acc)) != best))
    print(f"most accurate cell: {acc[best]:.2%} validation accuracy, {energy[best] * 1e3:.1f} Wh")
    print(f"  its {len(near)} one-edit neighbours: accuracy median {np.median(acc[near]):.2%}, "
          f"max {acc[near].max():.2%}")
    print(f"  cells above 76%: {(acc > 0.76).sum()} of {len(acc)}; the other {len(costly)} cells "
          f">= 40 Wh: accuracy max {acc[costly].max():.2%}")


def gp_view(problem: Problem, F: np.ndarray, best: int, evals: int, seed: int,
            cap: int | None) -> str:
    strategy = EHVI(problem.space, rng=np.random.default_rng(seed),
                    fidelities=(problem.epochs,), n_objectives=2, max_observations=cap)
    for _ in range(evals):
        candidates = strategy.ask()
        strategy.tell(candidates, F[[problem.space.row(candidates[0].arch)]])
    pool = strategy._unseen.unseen().tolist()
    if best not in pool:
        return f"seed {seed}, GP on {cap or 'all'} observations: trained within {evals}"
    seen: dict[str, np.ndarray] = {}
    real = ehvi_module.log_ehvi_boxes

    def spy(mean: np.ndarray, std: np.ndarray, lower: np.ndarray,
            upper: np.ndarray) -> np.ndarray:
        seen.update(mean=mean, std=std)
        return real(mean, std, lower, upper)

    ehvi_module.log_ehvi_boxes = spy
    try:
        scores = strategy._acquisition(pool)
    finally:
        ehvi_module.log_ehvi_boxes = real
    told = np.array(strategy._F)[strategy._train]
    mu, sd = told.mean(axis=0), told.std(axis=0)
    j = pool.index(best)
    mean, std = -(seen["mean"][j, 0] * sd[0] + mu[0]), seen["std"][j, 0] * sd[0]
    rank = int((scores > scores[j]).sum()) + 1
    return (f"seed {seed}, GP on {cap or 'all'} observations: predicted accuracy {mean:.1%} "
            f"+- {std:.1%}; acquisition rank {rank} of {len(pool)} unseen cells")


def runs_view(problem: Problem, runs: Path, best_hash: str) -> None:
    found, regrets, evals = 0, [], 0
    for trials in sorted(runs.glob("seed-*/trials.csv")):
        frame = pd.read_csv(trials)
        cells = frame["module_hash"].unique().tolist()
        found += best_hash in cells
        regrets.append(problem.regret(problem.cell_means(cells)))
        evals = max(evals, len(frame))
    n = len(regrets)
    print(f"{runs}: trained in {found} of {n} runs of {evals} evaluations; median regret "
          f"{np.median(regrets):.2%} (per run: {', '.join(f'{r:.2%}' for r in regrets)})")
    print(f"  uniform sampling of unseen cells trains it in {evals} evaluations with probability "
          f"{evals / problem.n_cells:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--evals", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--runs", type=Path, default=None)
    args = parser.parse_args()
    problem = Problem.from_benchmark(load_benchmark("ecnas-5v"))
    hashes = problem.space.cells()["module_hash"].tolist()
    values = problem.cell_means(hashes)
    best = int(np.argmax(values[:, 0]))
    table_view(problem, values, best)
    F = to_min(values, problem.objectives)
    for seed in range(args.seeds):
        for cap in (100, None):
            print(" ", gp_view(problem, F, best, args.evals, seed, cap), flush=True)
    if args.runs is not None:
        runs_view(problem, args.runs, hashes[best])


if __name__ == "__main__":
    main()
