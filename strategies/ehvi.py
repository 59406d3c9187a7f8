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
  the last fit, as Optuna does); in between the GP is conditioned on the new data with the
  last hyperparameters (one Cholesky factorisation);
* the GP is fitted on at most ``max_observations`` told cells: past it the training set is
  rebuilt from the best half (non-dominated rank, then hypervolume contribution) and the most
  recent other half;
* the EHVI is exact (a closed form over a box decomposition), not 128 quasi-Monte-Carlo
  samples per cell.

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

import functools
import importlib.util
from typing import Any, ClassVar

import numpy as np
from scipy.linalg import cho_solve
from threadpoolctl import ThreadpoolController

from benchmarks.space import SearchSpace
from strategies import _pareto
from strategies._genome import Genome
from strategies._logehvi import log_ehvi
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
        self._hashes = space.cells()["module_hash"].to_numpy(dtype=object)
        self._index = {h: i for i, h in enumerate(self._hashes.tolist())}
        self._near: dict[int, list[int]] = {}
        self._rows: dict[int, np.ndarray] = {}  # cell -> its normalised canonical genome
        self._cells: list[int] = []  # told cells, in order, and their values
        self._F: list[np.ndarray] = []
        self._train: list[int] = []  # positions in _cells the GP is fitted on
        self._gp = _GP(self._genome.distributions, n_objectives)
        self.n_fits = 0

    # ----- ask ----------------------------------------------------------------------------------
    def _ask(self) -> list[Candidate]:
        unseen = self._unseen.unseen()
        if len(unseen) == 0:  # every cell asked: the runner answers the repeat from its cache
            unseen = np.arange(len(self._hashes))
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
        X = np.stack([self._row(self._cells[k]) for k in train.tolist()])
        # the GP's units: each objective standardised over the training set
        mu, sd = F[train].mean(axis=0), F[train].std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        mean, std = self._gp.predict(X, (F[train] - mu) / sd, refit, len(self._cells),
                                     np.stack([self._row(i) for i in pool]))
        return log_ehvi(mean, std, (F - mu) / sd, (_pareto.reference_point(F) - mu) / sd)

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
            self._near[i] = [self._index[self.space.hash(n)]
                             for n in self.space.neighbours(self.space.arch(i))]
        return self._near[i]

    def _row(self, i: int) -> np.ndarray:
        row = self._rows.get(i)
        if row is None:
            row = self._rows[i] = self._gp.encode(self._genome_of(i))
        return row

    def _genome_of(self, i: int) -> dict[str, Any]:
        """The canonical genome of cell ``i`` (padding vertices get the first op)."""
        arch = self.space.arch(i)
        params = self._genome.encode(arch)
        for v in range(arch.num_vertices - 1, self.space.max_vertices - 1):
            params[f"op_{v}"] = self.space.ops[0]
        return params

    # ----- tell ---------------------------------------------------------------------------------
    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        self._cells.append(self._index[self.space.hash(candidates[0].arch)])
        self._F.append(np.asarray(F[0], dtype=float))
        self._train.append(len(self._cells) - 1)
        cap = self.max_observations
        if cap is not None and len(self._train) > cap + cap // 4:  # rebuild in steps
            kept = keep_indices(np.array(self._F)[self._train], cap)
            self._train = [self._train[k] for k in kept]


class _GP:
    """Optuna's GP per objective: fitted every few tells, conditioned on the data in between."""

    def __init__(self, distributions: dict[str, Any], n_objectives: int) -> None:
        from optuna._gp import search_space

        self._space = search_space.SearchSpace(distributions)
        self._n = n_objectives
        self._fitted: list[Any] | None = None
        self._fitted_at = 0

    def encode(self, params: dict[str, Any]) -> np.ndarray:
        """The GP's input row of a genome."""
        return self._space.get_normalized_params([None], [params])[0]  # type: ignore[list-item]

    def due(self, told: int, every: int) -> bool:
        """Whether the hyperparameters are to be refitted at ``told`` observations."""
        return self._fitted is None or told - self._fitted_at >= every

    def predict(self, X: np.ndarray, Y: np.ndarray, refit: bool, told: int,
                pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation ``(len(pool), m)`` given ``(X, Y)``."""
        import torch
        from optuna._gp import gp, prior
        from optuna._gp.thread_limiting import limit_threads_in_optimization

        is_cat = self._space.is_categorical
        means, stds = [], []
        # one thread, as Optuna does around its own fit: torch's and BLAS's thread pools
        # contend on small matrices (3x slower per proposal on 2 cores); threadpoolctl,
        # because numpy's OpenBLAS has read OPENBLAS_NUM_THREADS long before Optuna sets it
        with limit_threads_in_optimization(), _blas().limit(limits=1), torch.no_grad():
            models = []
            for j in range(self._n):
                if refit:
                    with torch.enable_grad():
                        model = gp.fit_kernel_params(
                            X=X, Y=Y[:, j], is_categorical=is_cat,
                            log_prior=prior.default_log_prior,
                            minimum_noise=prior.DEFAULT_MINIMUM_NOISE_VAR,
                            deterministic_objective=False,
                            gpr_cache=None if self._fitted is None else self._fitted[j])
                else:
                    last = self._fitted[j]  # type: ignore[index]
                    model = gp.GPRegressor(
                        is_categorical=torch.from_numpy(is_cat), X_train=torch.from_numpy(X),
                        y_train=torch.from_numpy(Y[:, j]),
                        inverse_squared_lengthscales=last.inverse_squared_lengthscales,
                        kernel_scale=last.kernel_scale, noise_var=last.noise_var)
                    model._cache_matrix()
                models.append(model)
                mean, std = _posterior(model, X, is_cat, pool)
                means.append(mean)
                stds.append(std)
            if refit:
                self._fitted, self._fitted_at = models, told
        return np.stack(means, axis=1), np.stack(stds, axis=1)


@functools.cache
def _blas() -> ThreadpoolController:
    """The process's thread pools, found once (a search of the loaded libraries, ~5 ms)."""
    return ThreadpoolController()


def _posterior(model: Any, X: np.ndarray, is_cat: np.ndarray,
               pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and standard deviation of Optuna's fitted ``model`` at ``pool``.

    Optuna's kernel (Matérn 5/2 of the lengthscale-weighted squared distance, Hamming for
    categorical genes), computed with one matrix product per kind of gene instead of Optuna's
    ``(pool, train, genes)`` difference tensor: 5x faster over a whole 5V space."""
    ils = model.inverse_squared_lengthscales.numpy()
    d2 = np.zeros((len(pool), len(X)))
    cont = ~is_cat
    if cont.any():
        a, b, w = pool[:, cont], X[:, cont], ils[cont]
        d2 += (a**2 @ w)[:, None] + (b**2 @ w)[None] - 2 * (a * w) @ b.T
    if is_cat.any():  # Hamming: sum of ils_j over the genes that differ, from one-hot codes
        a, b, w = pool[:, is_cat], X[:, is_cat], ils[is_cat]
        levels = np.arange(int(max(a.max(), b.max())) + 1)
        one_a = (a[:, :, None] == levels).astype(float) * w[:, None]
        one_b = (b[:, :, None] == levels).astype(float)
        d2 += w.sum() - one_a.reshape(len(a), -1) @ one_b.reshape(len(b), -1).T
    np.maximum(d2, 0.0, out=d2)  # rounding leaves -1e-16 where the genomes are equal
    root = np.sqrt(5 * d2)
    K = float(model.kernel_scale) * np.exp(-root) * ((5 / 3) * d2 + root + 1)
    mean = K @ model._cov_Y_Y_inv_Y.numpy()
    # K C^-1 K^T's diagonal through C^-1 (one n x n inverse, then a matrix product): BLAS's
    # product is several times faster than its triangular solve with thousands of columns
    L = model._cov_Y_Y_chol.numpy()
    inv = cho_solve((L, True), np.eye(len(L)))
    var = np.maximum(float(model.kernel_scale) - np.einsum("ij,ij->i", K @ inv, K), 0.0)
    return mean, np.sqrt(var + 1e-12)
