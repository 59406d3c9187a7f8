"""Quality and speed of every registered strategy on ecnas-5v (not a pytest test).

Run from the repository root (needs the EC-NAS raw data: ``$ECNAS_RAW_DIR`` or
``../shared/ecnas-data``)::

    python tests/perf/perf_new_strategies.py overhead [--evals 200] [--only a,b]
    python tests/perf/perf_new_strategies.py nevergrad [--seeds 10] [--evals 200]

* ``overhead``: per strategy, the strategy's own time per evaluation (ask + tell, the
  runner's ``strategy_time_s``) next to a raw table query measured in the same run, and for
  every strategy its mean time per evaluation by number of observations told so far
  (mean, not median: bracket strategies pay their model once per bracket).
* ``nevergrad``: nevergrad's discrete optimisers (:data:`strategies.nevergrad_search.CANDIDATES`)
  compared at ``--evals`` on ecnas-5v: the numbers behind the default of ``nevergrad``.

Search quality of every strategy (10 seeds, 50 to 1,000 evaluations, tests against random) is
``scripts/compare_strategies.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # a script run from anywhere, without installing the package
os.environ.setdefault("ECNAS_RAW_DIR", str(REPO.parent / "shared" / "ecnas-data"))

from benchmarks.tables.problem import Problem  # noqa: E402
from benchmarks.tables.registry import load_benchmark  # noqa: E402
from ecnas_cli.run.runner import run_search  # noqa: E402
from ecnas_cli.run.store import charged  # noqa: E402
from strategies import STRATEGIES  # noqa: E402
from strategies.nevergrad_search import CANDIDATES  # noqa: E402

MARKS = (50, 200, 1000)


def regret_of(rows: pd.DataFrame, problem: Problem) -> float:
    at = rows[rows["epochs"].to_numpy() == problem.epochs]
    return problem.regret(problem.cell_means(at["module_hash"].unique().tolist()))


def one_run(bench, problem: Problem, name: str, seed: int, evals: int, **settings) -> dict:
    start = time.perf_counter()
    result = run_search(problem, name, budget=evals, seed=seed, settings=settings)
    wall = time.perf_counter() - start
    rows = charged(result.trials)
    out = {"strategy": name, "seed": seed, "wall_s": wall, "trainings": len(rows),
           "energy_per_training": float(rows["energy_kwh"].mean()),
           "low_fidelity": float((rows["epochs"].to_numpy() < problem.epochs).mean()),
           "energy_kwh": rows["energy_kwh"].to_numpy(dtype=float).cumsum(),
           "rows": rows}
    for n in MARKS:
        out[f"regret@{n}"] = regret_of(rows.iloc[:n], problem) if len(rows) >= n else np.nan
    return out


def iqr(values: pd.Series) -> str:
    v = values.dropna().to_numpy(dtype=float)
    if len(v) == 0:
        return "-"
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    return f"{med:6.2%} ({q1:.2%}-{q3:.2%})"


def overhead(args: argparse.Namespace, bench, problem: Problem) -> None:
    rng = np.random.default_rng(0)
    hashes = bench.space.cells()["module_hash"].to_numpy(dtype=object)
    picks = hashes[rng.integers(len(hashes), size=2000)]
    start = time.perf_counter()
    for h in picks:
        bench.query(h, epochs=problem.epochs, repeat="sample", rng=rng)
    query = (time.perf_counter() - start) / len(picks)
    print(f"raw table query: {query * 1e6:.0f} us; strategies on ecnas-5v, {args.evals} "
          "distinct trainings, seed 0")
    windows = [(0, 50), (50, 100), (100, 200), (200, 500), (500, 1000)]
    head = " ".join(f"{f'{a}-{b}':>9}" for a, b in windows if a < args.evals)
    print(f"{'strategy':11} {'s/run':>6} {'ms/eval':>8} {'x query':>8}   ms/eval (mean) by "
          f"observations: {head}")
    for name in ["random", *[n for n in selected(args) if n != "random"]]:
        run = one_run(bench, problem, name, 0, args.evals)
        t = run["rows"]["strategy_time_s"].to_numpy(dtype=float)
        cells = " ".join(f"{np.mean(t[a:b]) * 1e3:9.2f}" for a, b in windows if a < len(t))
        print(f"{name:11} {run['wall_s']:6.1f} {t.mean() * 1e3:8.2f} {t.mean() / query:8.1f}"
              f"   {cells}", flush=True)


def nevergrad(args: argparse.Namespace, bench, problem: Problem) -> None:
    print(f"nevergrad optimisers on ecnas-5v, {args.seeds} seeds, regret after "
          f"{args.evals} distinct trainings")
    for optimizer in CANDIDATES:
        runs = [one_run(bench, problem, "nevergrad", s, args.evals, optimizer=optimizer)
                for s in range(args.seeds)]
        frame = pd.DataFrame(runs)
        print(f"{optimizer:40} regret@50 {iqr(frame['regret@50'])}  regret@200 "
              f"{iqr(frame['regret@200'])}  {frame['wall_s'].median():.1f} s/run", flush=True)


def selected(args: argparse.Namespace) -> list[str]:
    return args.only.split(",") if args.only else sorted(STRATEGIES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("overhead", "nevergrad"))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--evals", type=int, default=200)
    parser.add_argument("--only", default="", help="comma list of strategies")
    args = parser.parse_args()
    bench = load_benchmark("ecnas-5v")
    problem = Problem.from_benchmark(bench)
    {"overhead": overhead, "nevergrad": nevergrad}[args.what](
        args, bench, problem)


if __name__ == "__main__":
    main()
