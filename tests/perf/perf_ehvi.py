"""ehvi's time per proposal against Optuna's GPSampler per trial (not a pytest test).

Run from the repository root (needs the EC-NAS raw data: ``$ECNAS_RAW_DIR`` or
``../shared/ecnas-data``)::

    python tests/perf/perf_ehvi.py [--evals 1000] [--gp-trials 200] [--gp-seconds 150]

ehvi runs through the runner on ecnas-5v for ``--evals`` distinct evaluations (seed 0); its
time per proposal is the runner's ``strategy_time_s`` (``ask`` + ``tell``), as a mean per
window of observations told so far (the mean, so the hyperparameter refits every
``refit_every`` tells are paid for). Target: at most 50 ms in every window up to 1,000.

The baseline, measured in the same run: Optuna's own GPSampler (its defaults: logEHVI with
128 QMC samples, its continuous-and-local acquisition optimiser) on a bare study over the same
genome, ``study.ask`` + ``study.tell`` per trial with the table's values (an invalid genome is
told FAIL), for ``--gp-trials`` completed trials or until it has spent ``--gp-seconds``,
whichever comes first (its time per trial grows with the trials: hundreds of trials take
longer than ehvi's thousand), by the same windows of completed trials; a window it did not
reach is printed ``-``, one it reached in part is the mean of the trials it reached, and the
output says where it stopped and how many invalid genomes it proposed (FAIL trials do not
inform its GP, so it can propose nearly the same invalid genome again and again).
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
os.environ.setdefault("ECNAS_RAW_DIR", str(REPO.parent / "shared" / "ecnas-data"))

from benchmarks.tables.problem import Problem  # noqa: E402
from benchmarks.tables.registry import load_benchmark  # noqa: E402
from ecnas_cli.run.runner import run_search  # noqa: E402
from strategies._genome import Genome  # noqa: E402

WINDOWS = ((10, 50), (50, 100), (100, 200), (200, 500), (500, 1000))
TARGET_MS = 50.0


def ehvi_times(problem: Problem, evals: int) -> np.ndarray:
    """Seconds per proposal of ehvi through the runner (seed 0), one per evaluation."""
    run_search(problem, "ehvi", budget=12, seed=99)  # imports torch and Optuna's GP once
    result = run_search(problem, "ehvi", budget=evals, seed=0)
    return result.trials["strategy_time_s"].to_numpy(dtype=float)


def gp_sampler_times(problem: Problem, trials: int,
                     seconds: float) -> tuple[np.ndarray, int]:
    """Seconds per completed trial of Optuna's GPSampler (an invalid genome's ask and FAIL
    tell are charged to the next completed trial), for ``trials`` trials or ``seconds``, and
    the number of invalid genomes it proposed."""
    space = problem.space
    genome = Genome(space, np.random.default_rng(0))
    values = dict(zip(space.cells()["module_hash"].tolist(), problem.cell_means(
        space.cells()["module_hash"].tolist()).tolist(), strict=True))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(directions=["minimize"] * len(problem.objectives),
                                sampler=optuna.samplers.GPSampler(seed=0))
    times: list[float] = []
    spent, invalid = 0.0, 0
    while len(times) < trials and sum(times) + spent < seconds:
        start = time.perf_counter()
        trial = study.ask(genome.distributions)
        arch = genome.valid(trial.params)
        if arch is None:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            invalid += 1
        else:
            study.tell(trial, values[space.hash(arch)])
        spent += time.perf_counter() - start
        if arch is not None:
            times.append(spent)
            spent = 0.0
    return np.array(times), invalid


def by_window(t: np.ndarray) -> str:
    return " ".join(f"{np.mean(t[a:b]) * 1e3:9.1f}" if a < len(t) else f"{'-':>9}"
                    for a, b in WINDOWS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--evals", type=int, default=1000)
    parser.add_argument("--gp-trials", type=int, default=200)
    parser.add_argument("--gp-seconds", type=float, default=150.0)
    args = parser.parse_args()
    problem = Problem.from_benchmark(load_benchmark("ecnas-5v"))
    ehvi = ehvi_times(problem, args.evals)
    gp, invalid = gp_sampler_times(problem, args.gp_trials, args.gp_seconds)
    print(f"ehvi: {len(ehvi)} proposals in {ehvi.sum():.1f} s; GPSampler: {len(gp)} trials "
          f"and {invalid} invalid genomes (told FAIL) in {args.gp_seconds:.0f} s or "
          f"{args.gp_trials} trials, whichever came first")
    head = " ".join(f"{f'{a}-{b}':>9}" for a, b in WINDOWS)
    print(f"ms per proposal (mean) by observations on ecnas-5v, seed 0\n{'':22} {head}")
    print(f"{'ehvi':22} {by_window(ehvi)}")
    print(f"{'optuna GPSampler':22} {by_window(gp)}")
    ratios = " ".join(f"{np.mean(gp[a:b]) / np.mean(ehvi[a:b]):9.1f}" if a < min(
        len(gp), len(ehvi)) else f"{'-':>9}" for a, b in WINDOWS)
    print(f"{'GPSampler / ehvi':22} {ratios}")
    worst = max(np.mean(ehvi[a:b]) for a, b in WINDOWS if a < len(ehvi)) * 1e3
    print(f"ehvi's worst window: {worst:.1f} ms (target <= {TARGET_MS:.0f} ms): "
          f"{'met' if worst <= TARGET_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
