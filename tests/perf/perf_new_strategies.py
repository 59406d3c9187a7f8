"""Quality and speed of every registered strategy on ecnas-5v (not a pytest test).

Run from the repository root (needs the EC-NAS raw data: ``$ECNAS_RAW_DIR`` or
``../shared/ecnas-data``)::

    python tests/perf/perf_new_strategies.py quality [--seeds 10] [--evals 200] [--only a,b]
    python tests/perf/perf_new_strategies.py overhead [--evals 200] [--only a,b]
    python tests/perf/perf_new_strategies.py nevergrad [--seeds 10] [--evals 200]

* ``quality``: every strategy through ``run_search`` (the runner's protocol: budgets count
  distinct trainings) for ``--seeds`` seeds; median hypervolume regret (IQR) after 50, 200
  and (when run that far) 1,000 distinct trainings and at equal search energy (the least
  median energy any strategy spends in its run, so every run reaches it); one-sided
  Mann-Whitney U tests against random at 200 trainings, Holm-corrected; mean search energy
  per distinct training and the share of low-fidelity trainings; wall time per run.
* ``overhead``: per strategy, the strategy's own time per evaluation (ask + tell, the
  runner's ``strategy_time_s``) next to a raw table query measured in the same run, and for
  every strategy its mean time per evaluation by number of observations told so far
  (mean, not median: bracket strategies pay their model once per bracket).
* ``nevergrad``: nevergrad's discrete optimisers (:data:`strategies.nevergrad_search.CANDIDATES`)
  compared at ``--evals`` on ecnas-5v: the numbers behind the default of ``nevergrad``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # a script run from anywhere, without installing the package
os.environ.setdefault("ECNAS_RAW_DIR", str(REPO.parent / "shared" / "ecnas-data"))

from benchmarks.tables.problem import Problem  # noqa: E402
from benchmarks.tables.registry import load_benchmark  # noqa: E402
from ecnas_cli.run.runner import run_search  # noqa: E402
from strategies import STRATEGIES  # noqa: E402
from strategies.nevergrad_search import CANDIDATES  # noqa: E402

MARKS = (50, 200, 1000)


def trainings(result_trials: pd.DataFrame) -> pd.DataFrame:
    """The rows of a trial log that were trainings (not answered from the run's cache)."""
    if "cached" in result_trials:
        return result_trials[~result_trials["cached"].astype(bool).to_numpy()]
    return result_trials


def regret_of(rows: pd.DataFrame, problem: Problem) -> float:
    at = rows[rows["epochs"].to_numpy() == problem.epochs]
    return problem.regret(problem.cell_means(at["module_hash"].unique().tolist()))


def one_run(bench, problem: Problem, name: str, seed: int, evals: int, **settings) -> dict:
    start = time.perf_counter()
    result = run_search(bench, name, budget=evals, seed=seed, **settings)
    wall = time.perf_counter() - start
    rows = trainings(result.trials)
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


def holm(p: dict[str, float]) -> dict[str, float]:
    """Holm-Bonferroni adjusted p-values."""
    order = sorted(p, key=p.get)
    out, running = {}, 0.0
    for k, name in enumerate(order):
        running = max(running, min(1.0, (len(order) - k) * p[name]))
        out[name] = running
    return out


def quality(args: argparse.Namespace, bench, problem: Problem) -> None:
    names = ["random", *[n for n in selected(args) if n != "random"]]
    runs = []
    for name in names:
        for seed in range(args.seeds):
            runs.append(one_run(bench, problem, name, seed, args.evals))
            print(f"  {name} seed {seed}: {runs[-1]['wall_s']:.1f} s", file=sys.stderr,
                  flush=True)
    frame = pd.DataFrame(runs)
    random_runs = frame[frame["strategy"] == "random"]
    # the least any strategy spends (median over seeds) in its whole run: every run reaches it
    energy = float(min(np.median([e[-1] for e in g["energy_kwh"]])
                       for _, g in frame.groupby("strategy")))
    frame["regret@energy"] = [regret_of(r.iloc[:int(np.searchsorted(e, energy, "right"))],
                                        problem) for r, e in zip(frame["rows"],
                                                                 frame["energy_kwh"],
                                                                 strict=True)]
    base = random_runs["regret@200"].to_numpy()
    p = {n: float(mannwhitneyu(frame.loc[frame["strategy"] == n, "regret@200"], base,
                               alternative="less").pvalue) for n in names if n != "random"}
    adjusted = holm(p)
    print(f"ecnas-5v, {args.seeds} seeds, {args.evals} distinct trainings per run; "
          f"equal energy = {energy:.3f} kWh (the least median search energy of a strategy)")
    print(f"{'strategy':11} {'regret@50':>22} {'regret@200':>22} {'regret@1000':>22} "
          f"{'regret@energy':>22} {'p<random@200':>12} {'kWh/training':>12} {'low-fid':>7} "
          f"{'s/run':>6}")
    for name in names:
        g = frame[frame["strategy"] == name]
        pv = f"{adjusted[name]:.3g}" if name in adjusted else "-"
        print(f"{name:11} {iqr(g['regret@50']):>22} {iqr(g['regret@200']):>22} "
              f"{iqr(g['regret@1000']):>22} {iqr(g['regret@energy']):>22} {pv:>12} "
              f"{g['energy_per_training'].mean():12.4f} {g['low_fidelity'].mean():7.0%} "
              f"{g['wall_s'].median():6.1f}")


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
    parser.add_argument("what", choices=("quality", "overhead", "nevergrad"))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--evals", type=int, default=200)
    parser.add_argument("--only", default="", help="comma list of strategies")
    args = parser.parse_args()
    bench = load_benchmark("ecnas-5v")
    problem = Problem.from_benchmark(bench)
    {"quality": quality, "overhead": overhead, "nevergrad": nevergrad}[args.what](
        args, bench, problem)


if __name__ == "__main__":
    main()
