"""Time the strategies per evaluation (ask + tell) against their floors (not a pytest test).

Run from the repository root: ``python tests/perf/perf_strategies.py [--evals 1000]``.

* random and semo on the 5-vertex space: the time per evaluation of the strategy, the floor
  (the space calls it cannot avoid: one ``space.sample`` or one ``space.mutate`` per
  evaluation) and the strategy's own overhead, measured with the space replaced by
  :class:`InstantSpace`, whose sample and mutate return precomputed cells. The 5-vertex space
  has only 2,532 cells, so semo's re-draws of already asked cells (``avoid_duplicates``) soon
  take many mutations each; it is timed with and without them.
* nsga2 on the 7-vertex space (26 parameters): the time per evaluation and per Optuna trial
  (invalid genomes are extra, failed, trials) against Optuna's own floor: a bare loop of
  ``study.ask(distributions)`` and ``study.tell`` with the same sampler and parameters.

Only ``ask`` and ``tell`` are timed; the synthetic objective is not.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import optuna

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # a script run from anywhere, without installing the package

from benchmarks.space import Arch, SearchSpace, get_space  # noqa: E402
from strategies import NSGA2, SEMO, RandomSearch, Strategy  # noqa: E402
from strategies.nsga2 import genome_distributions  # noqa: E402

CONV = "conv3x3-bn-relu"


def objective(arch: Arch) -> list[float]:
    """Minimise: minus the conv3x3 count (and cell size), and the edges."""
    return [-(arch.ops.count(CONV) + 0.1 * arch.num_vertices), float(arch.num_edges)]


class InstantSpace:
    """A stand-in for a SearchSpace whose moves return precomputed cells (no work)."""

    def __init__(self, space: SearchSpace, rng: np.random.Generator) -> None:
        self.name, self.max_vertices, self.ops = space.name, space.max_vertices, space.ops
        self._cells = [space.arch(i) for i in rng.permutation(len(space.cells())).tolist()]
        self._hashes = {arch: space.hash(arch) for arch in self._cells}
        self._next = 0

    def _take(self) -> Arch:
        self._next = (self._next + 1) % len(self._cells)
        return self._cells[self._next]

    def sample(self, rng: np.random.Generator, n: int = 1) -> list[Arch]:
        return [self._take() for _ in range(n)]

    def mutate(self, arch: Arch, rng: np.random.Generator, **kwargs: Any) -> Arch:
        return self._take()

    def hash(self, arch: Arch) -> str:
        return self._hashes[arch]

    def validate(self, arch: Arch) -> Arch:
        return arch


def per_eval(strategy: Strategy, evals: int) -> float:
    """Seconds per evaluation spent in ``ask`` and ``tell``."""
    spent = 0.0
    for _ in range(evals):
        start = time.perf_counter()
        candidates = strategy.ask()
        spent += time.perf_counter() - start
        F = np.array([objective(c.arch) for c in candidates])
        start = time.perf_counter()
        strategy.tell(candidates, F)
        spent += time.perf_counter() - start
    return spent / evals


def per_call(call: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        call()
    return (time.perf_counter() - start) / n


def bench_local(evals: int) -> None:
    space = get_space("5v")
    rng = np.random.default_rng(0)
    space.sample(rng, 1)  # load the cell table outside the timings
    parents = space.sample(rng, 64)
    floors = {"random": per_call(lambda: space.sample(rng, 1), evals),
              "semo": per_call(lambda: space.mutate(parents[int(rng.integers(64))], rng),
                               evals)}
    variants: list[tuple[str, Callable[..., Strategy], str]] = [
        ("random", RandomSearch, "space.sample"),
        ("semo", SEMO, "space.mutate"),
        ("semo (avoid_duplicates=False)", partial(SEMO, avoid_duplicates=False), "space.mutate")]
    for label, make, floor_name in variants:
        full = per_eval(make(space, rng=np.random.default_rng(1), fidelities=(108,),
                             n_objectives=2), evals)
        instant = InstantSpace(space, np.random.default_rng(2))
        own = per_eval(make(instant, rng=np.random.default_rng(1), fidelities=(108,),
                            n_objectives=2), evals)
        floor = floors[label.split()[0]]
        print(f"{label} 5v: {full * 1e6:.1f} us/eval; floor ({floor_name}) {floor * 1e6:.1f} us "
              f"(ratio x{full / floor:.2f}); own overhead {own * 1e6:.1f} us/eval "
              f"(target <= 50 us)")


def optuna_floor(space: SearchSpace, trials: int, seed: int) -> float:
    """Seconds per trial of a bare NSGA-II ask/tell loop over the same parameters."""
    distributions = genome_distributions(space.max_vertices, space.ops)
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


def bench_nsga2(space_name: str, evals: int) -> None:
    space = get_space(space_name)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    strategy = NSGA2(space, rng=np.random.default_rng(1), fidelities=(108,), n_objectives=2)
    full = per_eval(strategy, evals)
    n_trials = len(strategy._study.trials)
    per_trial = full * evals / n_trials
    floor = optuna_floor(space, n_trials, seed=1)
    n_params = len(genome_distributions(space.max_vertices, space.ops))
    print(f"nsga2  {space_name} ({n_params} params, {evals} evals, {n_trials} trials, "
          f"{strategy.n_invalid} invalid, {strategy.n_repaired} repaired): "
          f"{full * 1e3:.2f} ms/eval, {per_trial * 1e3:.2f} ms/trial; Optuna floor "
          f"{floor * 1e3:.2f} ms/trial; ratio per trial x{per_trial / floor:.2f}, "
          f"per eval x{full / floor:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evals", type=int, default=1000, help="evaluations for random/semo")
    parser.add_argument("--nsga2-evals", type=int, default=1000)
    args = parser.parse_args()
    bench_local(args.evals)
    for name in ("5v", "7v"):
        bench_nsga2(name, args.nsga2_evals)


if __name__ == "__main__":
    main()
