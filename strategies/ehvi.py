"""Bayesian optimisation with expected hypervolume improvement over the unseen cells.

The EC-NAS paper's MS-EHVI family: a Gaussian process per objective over the genome of
:mod:`strategies._genome` (Optuna's GP: Matérn 5/2 kernel with automatic relevance
determination over categorical genes, its priors and its marginal-likelihood fit), and the
next cell maximises the expected hypervolume improvement over the told front.

The space is finite, so the acquisition is maximised over cells, not over genomes: every
proposal is the best of a pool of cells not asked before, scored in one batched call (the GP
posterior of the pool, then :func:`strategies._logehvi.log_ehvi`, the exact EHVI of
independent Gaussians in log space). The pool is every unseen cell when there are at most
``pool_size`` of them (ecnas-4v and ecnas-5v: the acquisition's exact maximum), else
``pool_size`` unseen cells drawn uniformly plus the unseen neighbours of the best
``local_parents`` told cells. So no proposal is an invalid genome or a repeated cell. Cells
enter the GP as their canonical genome (padding vertices get the first op), so a cell has one
encoding. The first ``n_startup_trials`` cells are drawn uniformly from the unseen cells.

What keeps a proposal cheap up to 1,000 observations (``tests/perf/perf_ehvi.py`` times it
against Optuna's own GPSampler per trial, on ecnas-5v):

* the kernel's hyperparameters are refitted every ``refit_every`` tells (warm-started from
  the last fit, as Optuna does); in between the posterior is updated with each told cell and
  the last hyperparameters (one new row of the Cholesky factor and of ``L^-1 K``, kept for
  every cell of a space of at most ``pool_size`` cells: :mod:`strategies._cell_gp`);
* the GP is fitted on at most ``max_observations`` told cells: past it the training set is
  rebuilt from the best half (non-dominated rank, then hypervolume contribution) and the most
  recent other half;
* the EHVI is exact (a closed form over a box decomposition), not 128 quasi-Monte-Carlo
  samples per cell, and the boxes are kept until the front or the reference point changes.

The front and the reference point of the acquisition come from every told cell, not only
the training set: the reference point is the worst told value plus 10% of the told range per
objective, as the regret's whole-table normalisation with reference 1.1 (Optuna's GPSampler
takes 1.1 times the worst value of its training set, in standardised units).

A limit, measured (``tests/perf/ehvi_most_accurate.py``): ecnas-5v's most accurate cell
(77.0%, 46.8 Wh) is trained in 2 of 10 runs of 1,000 evaluations, where uniform sampling
trains it with probability 39.5% per run. It is an outlier among its neighbours (its 15
one-edit neighbours reach at most 73.3%, the 61 other cells of >= 40 Wh at most 73.1%), so
after 200 evaluations the GP predicts 50-58% (+- 11-14%) for it, fitted on 100 observations
or on all of them alike, and ranks it 650th to 1,010th of the 2,332 unseen cells.

Needs torch, an optional extra: ``pip install ecnas[bo]``.
"""

from __future__ import annotations

import importlib.util
from typing import Any, ClassVar

import moocore
import numpy as np

from benchmarks.space import SearchSpace
from strategies import _pareto
from strategies._cell_gp import CellGP
from strategies._genome import Genome
from strategies._logehvi import box_bounds, log_ehvi_boxes
from strategies._optuna import keep_indices
from strategies.base import Candidate, Strategy, check_setting, is_int
from strategies.duplicates import DuplicateElimination


class EHVI(Strategy):
    """GP-based Bayesian optimisation with exact logEHVI maximised over unseen cells.

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    n_startup_trials : int, default 10
        Cells drawn uniformly (from the unseen ones) before the GP is used (Optuna's default).
    max_observations : int, default 100
        Told cells the GP is fitted on at most (see the module docstring); None for all.
    refit_every : int, default 10
        Tells between two fits of the kernel's hyperparameters (1: every proposal).
    pool_size : int, default 4096
        Unseen cells scored per proposal; a space with fewer unseen cells is scored whole.
    local_parents : int, default 10
        Best told cells whose unseen neighbours join a sampled pool.

    Raises
    ------
    ImportError
        When torch is not installed.
    """

    name: ClassVar[str] = "ehvi"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, n_startup_trials: int = 10,
                 max_observations: int | None = 100, refit_every: int = 10,
                 pool_size: int = 4096, local_parents: int = 10) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        if importlib.util.find_spec("torch") is None:
            raise ImportError("strategy ehvi needs torch: pip install ecnas[bo]")
        for key, value, low in (("n_startup_trials", n_startup_trials, 1),
                                ("refit_every", refit_every, 1),
                                ("pool_size", pool_size, 1), ("local_parents", local_parents, 0)):
            check_setting(key, value, is_int(value) and value >= low, f"an int >= {low}")
        check_setting("max_observations", max_observations, max_observations is None or (
            is_int(max_observations) and max_observations >= 10), "None or an int >= 10")
        self.n_startup_trials = int(n_startup_trials)
        self.max_observations = None if max_observations is None else int(max_observations)
        self.refit_every = int(refit_every)
        self.pool_size = int(pool_size)
        self.local_parents = int(local_parents)
        self._unseen = DuplicateElimination(space, rng, max_repeats=1)
        self._genome = Genome(space, rng)
        self._n_cells = len(space.cells())
        self._near: dict[int, list[int]] = {}
        self._cells: list[int] = []  # told cells, in order, and their values
        self._F: list[np.ndarray] = []
        self._train: list[int] = []  # positions in _cells the GP is fitted on
        self._gp = CellGP(self._genome.distributions, n_objectives, self._genome_of,
                          self._n_cells, whole=self._n_cells <= self.pool_size)
        self.n_fits = 0
        self._box_key: tuple[bytes, bytes] | None = None
        self._box_bounds = (np.empty((0, n_objectives)), np.empty((0, n_objectives)))

    # ----- ask ----------------------------------------------------------------------------------
    def _ask(self) -> list[Candidate]:
        unseen = self._unseen.unseen()
        if len(unseen) == 0:  # every cell asked: the runner answers the repeat from its cache
            unseen = np.arange(self._n_cells)
        if len(self._cells) >= self.n_startup_trials and len(unseen) > 1:
            pool = self._pool(unseen)
            cell = pool[int(np.argmax(self._acquisition(pool)))]
        else:
            cell = int(self.rng.choice(unseen))
        return [Candidate(self._unseen.add(self.space.arch(cell)), self.epochs)]

    def _acquisition(self, pool: list[int]) -> np.ndarray:
        """Log EHVI of each pool cell (the GP refitted or conditioned on the training set)."""
        F = np.array(self._F)
        train = np.array(self._train)
        refit = self._gp.due(len(self._cells), self.refit_every)
        self.n_fits += refit
        # the GP's units: each objective standardised over the training set
        mu, sd = F[train].mean(axis=0), F[train].std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        mean, std = self._gp.predict([self._cells[k] for k in train.tolist()],
                                     (F[train] - mu) / sd, refit, len(self._cells),
                                     np.asarray(pool))
        lower, upper = self._boxes(F)
        return log_ehvi_boxes(mean, std, (lower - mu) / sd, (upper - mu) / sd)

    def _boxes(self, F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The box decomposition of every told value's front, in the objectives' units: kept
        until the front or the reference point changes (most tells change neither)."""
        front = F[moocore.is_nondominated(F, keep_weakly=True)]
        ref = _pareto.reference_point(F)
        key = (front.tobytes(), ref.tobytes())
        if key != self._box_key:
            self._box_key, self._box_bounds = key, box_bounds(front, ref)
        return self._box_bounds

    def _pool(self, unseen: np.ndarray) -> list[int]:
        if len(unseen) <= self.pool_size:
            return unseen.tolist()
        drawn = set(self.rng.choice(unseen, self.pool_size, replace=False).tolist())
        if self._cells and self.local_parents:
            for k in _pareto.best_first(np.array(self._F))[:self.local_parents].tolist():
                drawn.update(i for i in self._neighbours(self._cells[k])
                             if self.space.arch(i) not in self._unseen)
        return sorted(drawn)

    def _neighbours(self, i: int) -> list[int]:
        if i not in self._near:
            self._near[i] = [self.space.row(n) for n in self.space.neighbours(self.space.arch(i))]
        return self._near[i]

    def _genome_of(self, i: int) -> dict[str, Any]:
        """The canonical genome of cell ``i`` (padding vertices get the first op)."""
        arch = self.space.arch(i)
        params = self._genome.encode(arch)
        for v in range(arch.num_vertices - 1, self.space.max_vertices - 1):
            params[f"op_{v}"] = self.space.ops[0]
        return params

    # ----- tell ---------------------------------------------------------------------------------
    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        self._cells.append(self.space.row(candidates[0].arch))
        self._F.append(np.asarray(F[0], dtype=float))
        self._train.append(len(self._cells) - 1)
        cap = self.max_observations
        if cap is not None and len(self._train) > cap + cap // 4:  # rebuild in steps
            kept = keep_indices(np.array(self._F)[self._train], cap)
            self._train = [self._train[k] for k in kept]
