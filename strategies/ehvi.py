"""Bayesian optimisation with expected hypervolume improvement (Optuna's GPSampler, logEHVI).

The EC-NAS paper's MS-EHVI family: a Gaussian process per objective over the genome of
:mod:`strategies._genome` (categorical genes; Optuna's Matérn 5/2 kernel with automatic
relevance determination), and the next cell maximises the log expected hypervolume
improvement (Daulton et al. 2020; Ament et al. 2023) over the told front.

The space is finite, so the acquisition function is maximised over cells, not over genomes:
every proposal is the best of a pool of cells not asked before, scored in one batch through
``GPSampler._optimize_acqf`` (the method Optuna documents as the one to override for another
acquisition optimiser). The pool is every unseen cell of the space when there are at most
``pool_size`` of them (ecnas-4v and ecnas-5v: the acquisition's exact maximum), else
``pool_size`` unseen cells drawn uniformly plus the unseen neighbours of the best
``local_parents`` told cells (the local search of Optuna's own optimiser, over real cells).
So no proposal is an invalid genome or a repeated cell, and each costs one GP fit per
objective and one batched acquisition evaluation, about 0.15-0.3 s on ecnas-5v (2 cores;
``tests/perf/perf_new_strategies.py overhead``). Optuna's own continuous-and-local optimiser,
its effort cut to 256 preliminary samples, 2 local searches and 32 QMC samples to be as fast,
spent about 3.4 GP proposals per evaluation on invalid genomes and repeats.
Cells enter the GP as their canonical genome: padding vertices get the first op, so a cell has
one encoding. The first ``n_startup_trials`` cells are drawn uniformly from the unseen cells.

The GP's cost grows with the observations (fit and posterior over the pool).
``max_observations`` (default 100) bounds the training set: past it the study is rebuilt from
the best 50 told cells (non-dominated rank, then hypervolume contribution) and the 50 most
recent. With 200 instead, a proposal after 200 observations took 0.47 s rather than 0.26 s on
ecnas-5v (2 cores), for 0.25 and 0.37% regret after 200 evaluations (seeds 0 and 1) rather than
0.45 and 0.43%: a difference inside the noise of two seeds that would have doubled the cost of
the 1,000-evaluation comparison. ``n_qmc_samples`` is Optuna's (and
BoTorch's) 128 quasi-Monte-Carlo samples of logEHVI; ``n_startup_trials`` Optuna's 10.

Needs torch, an optional extra: ``pip install ecnas[bo]``.
"""

from __future__ import annotations

import importlib.util
from typing import Any, ClassVar

import numpy as np
from optuna.trial import TrialState

from benchmarks.space import SearchSpace
from strategies import _pareto
from strategies._optuna import OptunaStrategy
from strategies.base import Candidate, check_setting, is_int


class EHVI(OptunaStrategy):
    """GP-based Bayesian optimisation with logEHVI maximised over unseen cells.

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    n_startup_trials : int, default 10
        Cells drawn uniformly (from the unseen ones) before the GP is used (Optuna's default).
    max_observations : int, default 100
        Completed trials the GP is fitted on at most (see the module docstring); None for all.
    pool_size : int, default 4096
        Unseen cells scored per proposal; a space with fewer unseen cells is scored whole.
    local_parents : int, default 10
        Best told cells whose unseen neighbours join a sampled pool.
    n_qmc_samples : int, default 128
        Quasi-Monte-Carlo samples of logEHVI (Optuna's and BoTorch's default).

    Raises
    ------
    ImportError
        When torch is not installed.
    """

    name: ClassVar[str] = "ehvi"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, n_startup_trials: int = 10,
                 max_observations: int | None = 100, pool_size: int = 4096,
                 local_parents: int = 10, n_qmc_samples: int = 128) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        if importlib.util.find_spec("torch") is None:
            raise ImportError("strategy ehvi needs torch: pip install ecnas[bo]")
        for key, value, low in (("n_startup_trials", n_startup_trials, 1),
                                ("pool_size", pool_size, 1), ("local_parents", local_parents, 0),
                                ("n_qmc_samples", n_qmc_samples, 1)):
            check_setting(key, value, is_int(value) and value >= low, f"an int >= {low}")
        self.n_startup_trials = int(n_startup_trials)
        self.pool_size = int(pool_size)
        self.local_parents = int(local_parents)
        self.n_qmc_samples = int(n_qmc_samples)
        sampler = _pool_sampler(seed=int(rng.integers(2**32)), n_startup=self.n_startup_trials,
                                n_qmc=self.n_qmc_samples)
        # every proposal is an unseen cell: no repeated or invalid genome to count
        self._start(sampler, max_attempts=1, max_repeats=1, max_observations=max_observations)
        self._pool_sampler = sampler
        self._hashes = space.cells()["module_hash"].to_numpy(dtype=object)
        self._index = {h: i for i, h in enumerate(self._hashes.tolist())}
        self._genomes: dict[int, dict[str, Any]] = {}
        self._near: dict[int, list[int]] = {}

    # ----- ask ----------------------------------------------------------------------------------
    def _ask(self) -> list[Candidate]:
        unseen = self._unseen.unseen()
        if len(unseen) == 0:  # every cell asked: the runner answers the repeat from its cache
            unseen = np.arange(len(self._hashes))
        cell = None
        if len(self._evaluated) >= self.n_startup_trials and len(unseen) > 1:
            pool = self._pool(unseen)
            sampler = self._pool_sampler
            sampler.pool, sampler.choice = [(i, self._genome_of(i)) for i in pool], None
            trial = self._study.ask(self._genome.distributions)
            if sampler.choice is None:  # the GP was not used (too few trials in the study)
                self._study.tell(trial, state=TrialState.FAIL)
            else:
                cell = pool[sampler.choice]
        if cell is None:  # a uniform draw, enqueued so the trial holds its canonical genome
            cell = int(self.rng.choice(unseen))
            self._study.enqueue_trial(self._genome_of(cell))
            trial = self._study.ask(self._genome.distributions)
            self._fixed_trial_started()
        self._trial = trial
        return [Candidate(self._unseen.add(self.space.arch(cell)), self.epochs)]

    def _pool(self, unseen: np.ndarray) -> list[int]:
        if len(unseen) <= self.pool_size:
            return unseen.tolist()
        drawn = set(self.rng.choice(unseen, self.pool_size, replace=False).tolist())
        if self._evaluated and self.local_parents:
            F = np.array([self._told[self.space.hash(a)] for a in self._evaluated])
            for k in _pareto.best_first(F)[:self.local_parents].tolist():
                drawn.update(i for i in self._neighbours(self._evaluated[k])
                             if self.space.arch(i) not in self._unseen)
        return sorted(drawn)

    def _neighbours(self, arch: Any) -> list[int]:
        i = self._index[self.space.hash(arch)]
        if i not in self._near:
            self._near[i] = [self._index[self.space.hash(n)]
                             for n in self.space.neighbours(arch)]
        return self._near[i]

    def _genome_of(self, i: int) -> dict[str, Any]:
        """The canonical genome of cell ``i`` (padding vertices get the first op)."""
        params = self._genomes.get(i)
        if params is None:
            arch = self.space.arch(i)
            params = self._genome.encode(arch)
            for v in range(arch.num_vertices - 1, self.space.max_vertices - 1):
                params[f"op_{v}"] = self.space.ops[0]
            self._genomes[i] = params
        return params


def _pool_sampler(*, seed: int, n_startup: int, n_qmc: int) -> Any:
    """A GPSampler that maximises its acquisition over ``sampler.pool`` (built lazily: torch
    is imported only when ehvi is used)."""
    from optuna._gp.thread_limiting import limit_threads_in_optimization
    from optuna.samplers import GPSampler

    class PoolGPSampler(GPSampler):
        """Optuna's GPSampler with the acquisition maximised over a finite pool of genomes."""

        def __init__(self) -> None:
            super().__init__(seed=seed, n_startup_trials=n_startup)
            if not hasattr(self, "_n_qmc_samples_ehvi"):
                raise RuntimeError("this Optuna's GPSampler has no _n_qmc_samples_ehvi; "
                                   "ehvi needs Optuna 5.1")
            self._n_qmc_samples_ehvi = n_qmc
            self.pool: list[tuple[int, dict[str, Any]]] = []
            self.choice: int | None = None
            self._rows: dict[int, np.ndarray] = {}

        def sample_relative(self, *args: Any) -> dict[str, Any]:
            # one thread, as Optuna does around its own fit and optimiser: torch's and BLAS's
            # thread pools contend on small tensors (3x slower per proposal on 2 cores)
            with limit_threads_in_optimization():
                return super().sample_relative(*args)

        def _optimize_acqf(self, acqf: Any, best_params: np.ndarray | None) -> np.ndarray:
            new = [(i, p) for i, p in self.pool if i not in self._rows]
            if new:
                X = acqf.search_space.get_normalized_params([None] * len(new),
                                                            [p for _, p in new])
                self._rows.update(zip([i for i, _ in new], X, strict=True))
            X = np.stack([self._rows[i] for i, _ in self.pool])
            self.choice = int(np.argmax(acqf.eval_acqf_no_grad(X)))
            return X[self.choice]

    return PoolGPSampler()
