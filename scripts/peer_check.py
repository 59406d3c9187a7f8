"""Strategies side by side on one benchmark, under one or more promotion rules (Markdown).

Prints, per strategy and rule, the median (IQR) hypervolume regret in % at 50, 200 and the
full budget of evaluations and at equal search energy (``--energy``, kWh), the median search
energy, the share of budget-charged trainings
below the target epochs and of those that continued a lower checkpoint; then two-sided
Mann-Whitney U p-values (:func:`ecnas_cli.analysis.significance.mann_whitney`) at each mark:
between the rules for each strategy when two rules are given, else between the first
strategy and each other one. Runs are kept under ``--runs`` and reused (``resume``)::

    python scripts/peer_check.py nsga2,pymoo-nsga2
    python scripts/peer_check.py mobohb,shemoa --promotion continue,restart
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from benchmarks.tables.problem import Problem
from benchmarks.tables.registry import load_benchmark
from ecnas_cli.analysis.comparison import curves, regret_at
from ecnas_cli.analysis.significance import mann_whitney
from ecnas_cli.run.seeds import run_grid
from ecnas_cli.run.store import RunResult


def iqr(values: np.ndarray, scale: float = 100.0) -> str:
    """``median (q25-q75)`` of ``values * scale``."""
    q = np.nanpercentile(np.asarray(values, dtype=float) * scale, [50, 25, 75])
    return f"{q[0]:.2f} ({q[1]:.2f}-{q[2]:.2f})"


def shares(run: RunResult, epochs: int) -> tuple[float, float]:
    """Shares of a run's budget-charged trainings below ``epochs`` and continued ones."""
    paid = run.trials[~run.trials["cached"].astype(bool)]
    low = float((paid["epochs"] < epochs).mean())
    return low, float((paid.get("continued_from", 0) > 0).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("strategies", help="comma list of registered strategies")
    parser.add_argument("--benchmark", default="ecnas-5v")
    parser.add_argument("--promotion", default="continue", help="comma list of rules")
    parser.add_argument("--evals", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=Path, default=Path("runs/peer-check"))
    parser.add_argument("--energy", default="2,5", help="comma list of search energies, kWh")
    args = parser.parse_args()
    names, rules = args.strategies.split(","), args.promotion.split(",")
    problem = Problem.from_benchmark(load_benchmark(args.benchmark))
    marks = [m for m in (50, 200) if m < args.evals] + [args.evals]
    kwh = [float(e) for e in args.energy.split(",")] if args.energy else []
    regrets: dict[tuple[str, str], list[np.ndarray]] = {}
    print(f"{args.benchmark}, {args.seeds} seeds x {args.evals} evaluations; regret in %\n")
    print("| strategy | promotion | " + " | ".join(f"regret at {m}" for m in marks)
          + "".join(f" | regret at {e:g} kWh" for e in kwh)
          + " | search energy kWh | low-fidelity | continued |")
    print("|---" * (len(marks) + len(kwh) + 5) + "|")
    for rule in rules:
        results = run_grid(problem, names, seeds=args.seeds, jobs=args.jobs, budget=args.evals,
                           promotion=rule, out=args.runs / rule, resume=True)
        for k, name in enumerate(names):
            runs = results[k * args.seeds:(k + 1) * args.seeds]
            table = curves(runs, problem)
            regrets[name, rule] = [regret_at(table, m).to_numpy() for m in marks] + [
                regret_at(table, e, column="energy_kwh").to_numpy() for e in kwh]
            energy = np.median([r.meta["search_energy_kwh"] for r in runs])
            low, cont = np.mean([shares(r, problem.epochs) for r in runs], axis=0)
            print(f"| {name} | {rule} | " + " | ".join(map(iqr, regrets[name, rule]))
                  + f" | {energy:.2f} | {low:.0%} | {cont:.0%} |")
    pairs = [((n, rules[0]), (n, rules[1])) for n in names] if len(rules) == 2 else \
        [((names[0], rules[0]), (n, rules[0])) for n in names[1:]]
    print("\nMann-Whitney U, two-sided p at " + ", ".join(
        [*map(str, marks), *(f"{e:g} kWh" for e in kwh)]))
    for a, b in pairs:
        ps = [mann_whitney(x, y)[1] for x, y in zip(regrets[a], regrets[b], strict=True)]
        print(f"- {a[0]} ({a[1]}) vs {b[0]} ({b[1]}): " + ", ".join(f"{p:.2g}" for p in ps))


if __name__ == "__main__":
    main()
