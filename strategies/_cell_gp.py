"""ehvi's Gaussian process: Optuna's GP per objective over cells, its posterior updated cell
by cell between two fits of the hyperparameters.

The model is Optuna's (``optuna._gp``): Matérn 5/2 kernel with automatic relevance
determination, Hamming distance for categorical genes (every gene of
:mod:`strategies._genome` is categorical), its priors and its marginal-likelihood fit
(:func:`optuna._gp.gp.fit_kernel_params`, warm-started from the last fit). What is computed
here instead of by Optuna's ``GPRegressor`` is the posterior, in the form that can be updated:
with ``C = K(T, T) + noise I = L L^T`` over the training cells ``T``, ``V = L^-1 K(T, cells)``,

    mean = V^T L^-1 y,    var = kernel_scale - colsum(V**2),

which is Optuna's ``K C^-1 y`` and ``k - K C^-1 K^T``. When the hyperparameters are kept and a
told cell joins ``T``, ``L`` gains one row (``l = L^-1 k``, ``d = sqrt(k(x, x) + noise - l.l)``)
and so does ``V`` (``(K(x, cells) - l^T V) / d``): O(n N) per tell for ``N`` cells, where
recomputing is O(n^2 N). On a space of at most ``pool_size`` cells (ecnas-4v and ecnas-5v)
``V`` is kept for every cell; on a larger one it is computed for each proposal's pool.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.linalg import cholesky, solve_triangular
from threadpoolctl import ThreadpoolController


class CellGP:
    """Optuna's GP per objective over the cells of a space, with an updatable posterior.

    Parameters
    ----------
    distributions : dict
        The genome's Optuna distributions (all categorical).
    n_objectives : int
        Objectives, one GP each.
    genome_of : callable
        Cell index -> its (canonical) genome, a parameter dict.
    n_cells : int
        Cells of the space.
    whole : bool
        Whether to keep the posterior of every cell up to date (small spaces).
    """

    def __init__(self, distributions: dict[str, Any], n_objectives: int,
                 genome_of: Callable[[int], dict[str, Any]], n_cells: int, *,
                 whole: bool) -> None:
        from optuna._gp import search_space

        self._space = search_space.SearchSpace(distributions)
        if not self._space.is_categorical.all():
            raise ValueError("CellGP takes a genome of categorical genes only")
        self._levels = max(len(d.choices) for d in distributions.values())
        self._n = n_objectives
        self._genome_of = genome_of
        self._codes = np.zeros((n_cells, len(distributions)), dtype=np.int8)
        self._have = np.zeros(n_cells, dtype=bool)
        self._whole = whole
        self.fitted: list[Any] | None = None  # Optuna's regressors of the last fit
        self._fitted_at = 0
        self._train: list[int] = []  # the training cells the factors below belong to
        self._hyper: list[tuple[np.ndarray, float, float]] = []  # (ils, scale, noise)
        self._L: list[np.ndarray] = []
        self._V: list[np.ndarray] = []  # whole: L^-1 K(T, every cell)
        self._sq: list[np.ndarray] = []  # whole: colsum(V**2)

    def rows(self, cells: np.ndarray) -> np.ndarray:
        """The GP's input rows (gene codes) of ``cells``, encoded once per cell."""
        cells = np.asarray(cells, dtype=int)
        new = np.unique(cells[~self._have[cells]])
        if len(new):
            params = [self._genome_of(i) for i in new.tolist()]
            self._codes[new] = self._space.get_normalized_params(
                [None] * len(new), params)  # type: ignore[list-item]
            self._have[new] = True
        return self._codes[cells]

    def due(self, told: int, every: int) -> bool:
        """Whether the hyperparameters are to be refitted at ``told`` observations."""
        return self.fitted is None or told - self._fitted_at >= every

    def predict(self, train: list[int], Y: np.ndarray, refit: bool, told: int,
                pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation ``(len(pool), m)`` given ``Y`` at ``train``.

        ``Y`` is in the GP's units (standardised). With ``refit`` the hyperparameters are
        fitted first; else the last ones are kept and the posterior is updated."""
        import torch
        from optuna._gp.thread_limiting import limit_threads_in_optimization

        # one thread, as Optuna does around its own fit: torch's and BLAS's thread pools
        # contend on small matrices (3x slower per proposal on 2 cores); threadpoolctl,
        # because numpy's OpenBLAS has read OPENBLAS_NUM_THREADS long before Optuna sets it
        with limit_threads_in_optimization(), _blas().limit(limits=1), torch.no_grad():
            if refit:
                self._fit(train, Y, told)
            n = len(self._train)
            if refit or len(train) < n or train[:n] != self._train:
                self._factor(train)
            else:
                for cell in train[n:]:
                    self._extend(cell)
            means, stds = [], []
            for j in range(self._n):
                z = solve_triangular(self._L[j], Y[:, j], lower=True)
                if self._whole:
                    V, sq = self._V[j][:, pool], self._sq[j][pool]
                else:
                    V = solve_triangular(self._L[j], self._kernel(j, self.rows(np.array(
                        self._train)), self.rows(pool)), lower=True)
                    sq = np.einsum("ij,ij->j", V, V)
                means.append(V.T @ z)
                stds.append(np.sqrt(np.maximum(self._hyper[j][1] - sq, 0.0) + 1e-12))
        return np.stack(means, axis=1), np.stack(stds, axis=1)

    def _fit(self, train: list[int], Y: np.ndarray, told: int) -> None:
        import torch
        from optuna._gp import gp, prior

        X = self.rows(np.array(train)).astype(float)
        is_cat = self._space.is_categorical
        models = []
        for j in range(self._n):
            with torch.enable_grad():
                models.append(gp.fit_kernel_params(
                    X=X, Y=Y[:, j], is_categorical=is_cat, log_prior=prior.default_log_prior,
                    minimum_noise=prior.DEFAULT_MINIMUM_NOISE_VAR,
                    deterministic_objective=False,
                    gpr_cache=None if self.fitted is None else self.fitted[j]))
        self.fitted, self._fitted_at = models, told
        self._hyper = [(m.inverse_squared_lengthscales.numpy(), float(m.kernel_scale),
                        float(m.noise_var)) for m in models]

    def _factor(self, train: list[int]) -> None:
        """``L`` (and ``V``) of the training cells ``train`` from scratch."""
        X = self.rows(np.array(train))
        self._train = list(train)
        self._L, self._V, self._sq = [], [], []
        for j, (_, _, noise) in enumerate(self._hyper):
            C = self._kernel(j, X, X)
            C[np.diag_indices_from(C)] += noise
            L = cholesky(C, lower=True)
            self._L.append(L)
            if self._whole:
                V = solve_triangular(L, self._kernel(j, X, self._all), lower=True)
                self._V.append(V)
                self._sq.append(np.einsum("ij,ij->j", V, V))

    def _extend(self, cell: int) -> None:
        """Add one training cell to ``L`` (and ``V``): one new row each."""
        X, x = self.rows(np.array(self._train)), self.rows(np.array([cell]))
        for j, (_, scale, noise) in enumerate(self._hyper):
            L = self._L[j]
            l = solve_triangular(L, self._kernel(j, X, x)[:, 0], lower=True)  # noqa: E741
            # the Schur complement of C is at least the noise; rounding must not take it lower
            d = np.sqrt(max(scale + noise - l @ l, noise))
            n = len(L)
            grown = np.zeros((n + 1, n + 1))
            grown[:n, :n], grown[n, :n], grown[n, n] = L, l, d
            self._L[j] = grown
            if self._whole:
                v = (self._kernel(j, x, self._all)[0] - l @ self._V[j]) / d
                self._V[j] = np.vstack([self._V[j], v])
                self._sq[j] = self._sq[j] + v**2
        self._train.append(cell)

    @functools.cached_property
    def _all(self) -> np.ndarray:
        """One-hot rows of every cell (encoded on first use)."""
        return self._one_hot(self.rows(np.arange(len(self._codes))))

    def _one_hot(self, codes: np.ndarray) -> np.ndarray:
        return (codes[:, :, None] == np.arange(self._levels)).reshape(len(codes), -1).astype(float)

    def _kernel(self, j: int, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """Optuna's Matérn 5/2 kernel of objective ``j`` between code rows ``A`` and ``B``
        (either may be given as :meth:`_one_hot` rows): the Hamming distance weighted by the
        inverse squared lengthscales is one matrix product of one-hot codes."""
        ils, scale, _ = self._hyper[j]
        a = A if A.dtype == float else self._one_hot(A)
        b = B if B.dtype == float else self._one_hot(B)
        d2 = ils.sum() - a @ (b * np.repeat(ils, self._levels)).T
        np.maximum(d2, 0.0, out=d2)  # rounding leaves -1e-16 where the genomes are equal
        root = np.sqrt(5 * d2)
        return scale * np.exp(-root) * ((5 / 3) * d2 + root + 1)


@functools.cache
def _blas() -> ThreadpoolController:
    """The process's thread pools, found once (a search of the loaded libraries, ~5 ms)."""
    return ThreadpoolController()
