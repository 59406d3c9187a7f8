"""Evaluate the energy surrogate: k-fold cross-validation and learning curves (scikit-learn's).

Metrics compare predictions with measurements of cells the model did not see. ``mae`` is in Wh
when the target is ``energy_kwh`` (kWh x 1000) and in the target's unit otherwise; ``mape`` is
in percent; ``mean_std`` is the mean ensemble spread in the unit of ``mae``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import kendalltau, spearmanr
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import mean_absolute_error, mean_absolute_percentage_error, r2_score
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    ShuffleSplit,
    cross_val_predict,
    learning_curve,
)

from benchmarks.progress import Progress
from benchmarks.schema import WH_PER_KWH
from benchmarks.surrogate.model import KINDS, Surrogate, fit_surrogate


def display_scale(target: str) -> float:
    """Factor from the target's unit to the unit of ``mae`` (kWh -> Wh for energy)."""
    return WH_PER_KWH if target == "energy_kwh" else 1.0


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray, *, scale: float = 1.0
                       ) -> dict[str, float]:
    """Kendall tau, Spearman rho, R^2, MAE (x ``scale``) and MAPE (%) of predictions.

    Examples
    --------
    >>> m = regression_metrics(np.array([1.0, 2.0, 4.0]), np.array([1.0, 2.5, 3.5]))
    >>> m["kendall_tau"], round(m["mae"], 3), round(m["mape"], 1)
    (1.0, 0.333, 12.5)
    """
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    return {
        "kendall_tau": float(kendalltau(y_true, y_pred)[0]),
        "spearman": float(spearmanr(y_true, y_pred)[0]),
        "r2": float(r2_score(y_true, y_pred)),
        "mae": float(mean_absolute_error(y_true, y_pred) * scale),
        "mape": float(mean_absolute_percentage_error(y_true, y_pred) * 100.0),
    }


class SurrogateRegressor(RegressorMixin, BaseEstimator):
    """:func:`fit_surrogate` as a scikit-learn regressor: ``X`` a table of cells, ``y`` target.

    It lets scikit-learn's :func:`~sklearn.model_selection.cross_val_predict` and
    :func:`~sklearn.model_selection.learning_curve` do the splitting and bookkeeping. With
    ``return_std``, :meth:`predict` gives ``(n, 2)``: the ensemble mean and spread per cell.
    ``on_fit`` (no arguments) is called after each fit, to report progress.
    """

    def __init__(self, kind: str = "mlp", seed: int = 0, target: str = "energy_kwh",
                 options: dict[str, Any] | None = None, return_std: bool = False,
                 on_fit: Callable[[], None] | None = None) -> None:
        self.kind, self.seed, self.target, self.options = kind, seed, target, options
        self.return_std, self.on_fit = return_std, on_fit

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> SurrogateRegressor:
        train = X.assign(**{self.target: np.asarray(y, dtype=float)})
        self.model_ = fit_surrogate(train, kind=self.kind, seed=self.seed, target=self.target,
                                    **(self.options or {}))
        if self.on_fit is not None:
            self.on_fit()
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        mean, std = self.model_.predict(X)
        return np.column_stack([mean, std]) if self.return_std else mean


def fit_counter(total: int, progress: Progress | None) -> Callable[[], None] | None:
    """An ``on_fit`` callback that reports ``progress(fits done, total)``; None without one."""
    if progress is None:
        return None
    done = itertools.count(1)
    return lambda: progress(next(done), total)


def _with_target(cells: pd.DataFrame, target: str) -> tuple[pd.DataFrame, np.ndarray]:
    data = cells[cells[target].notna()].reset_index(drop=True)
    return data, data[target].to_numpy(dtype=float)


def out_of_fold_predictions(cells: pd.DataFrame, *, kind: str = "mlp", folds: int = 5,
                            seed: int = 0, target: str = "energy_kwh",
                            progress: Progress | None = None, **fit_kwargs: Any
                            ) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold predictions (mean, std) for every row of ``cells`` with a ``target``.

    The folds are scikit-learn's ``KFold(folds, shuffle=True, random_state=seed)``;
    ``progress(done, folds)`` is called after each fold's fit.
    """
    data, y = _with_target(cells, target)
    if not 2 <= folds <= len(data):
        raise ValueError(f"folds must be in [2, {len(data)}], got {folds}")
    model = SurrogateRegressor(kind, seed, target, fit_kwargs, return_std=True,
                               on_fit=fit_counter(folds, progress))
    both = cross_val_predict(model, data, y, cv=KFold(folds, shuffle=True, random_state=seed))
    return both[:, 0], both[:, 1]


def cross_validate(cells: pd.DataFrame, *, kind: str = "mlp", folds: int = 5, seed: int = 0,
                   target: str = "energy_kwh", **fit_kwargs: Any) -> dict[str, float]:
    """k-fold cross-validated metrics of :func:`benchmarks.surrogate.model.fit_surrogate`.

    Parameters
    ----------
    cells : pandas.DataFrame
        Training table (``matrix``, ``ops``, ``target``), e.g. from ``load_training_data``.
    kind, seed, target, **fit_kwargs
        Passed to ``fit_surrogate``; ``seed`` also draws the folds.
    folds : int
        Number of folds.

    Returns
    -------
    dict
        :func:`regression_metrics` of the pooled out-of-fold predictions, plus ``mean_std``
        (mean ensemble spread), ``n`` (cells) and ``folds``.
    """
    mean, std = out_of_fold_predictions(cells, kind=kind, folds=folds, seed=seed,
                                        target=target, **fit_kwargs)
    y = cells.loc[cells[target].notna(), target].to_numpy(dtype=float)
    scale = display_scale(target)
    return {**regression_metrics(y, mean, scale=scale), "mean_std": float(std.mean() * scale),
            "n": float(len(y)), "folds": float(folds)}


def training_size_curve(cells: pd.DataFrame, *, sizes: Sequence[int | None] = (
        100, 250, 500, 1000, 2000, None), repeats: int = 5, seed: int = 0, kind: str = "mlp",
        test_fraction: float = 0.2, target: str = "energy_kwh", progress: Progress | None = None,
        **fit_kwargs: Any) -> pd.DataFrame:
    """Test MAE against the number of training cells, by scikit-learn's ``learning_curve``.

    Each repeat is one ``ShuffleSplit(repeats, test_size=test_fraction, random_state=seed)``
    split: a random test set and, from the rest (in random order), the first ``size`` cells for
    training (``None``: all of the rest), so smaller sets are nested in larger ones.
    ``progress(done, total)`` is called after each fit.

    Returns
    -------
    pandas.DataFrame
        One row per (size, repeat): ``size`` (requested, -1 for all), ``n_train``, ``repeat``
        and ``mae`` on the test set (in Wh for energy, see :func:`display_scale`).
    """
    data, y = _with_target(cells, target)
    n_test = round(test_fraction * len(data))
    if not 0 < n_test < len(data):
        raise ValueError(f"test_fraction {test_fraction} leaves no test or no training cells")
    pool = len(data) - n_test
    wanted = [pool if s is None else min(int(s), pool) for s in sizes]
    on_fit = fit_counter(repeats * len(set(wanted)), progress)
    n_train, _, scores = learning_curve(
        SurrogateRegressor(kind, seed, target, fit_kwargs, on_fit=on_fit), data, y,
        train_sizes=sorted(set(wanted)), scoring="neg_mean_absolute_error",
        cv=ShuffleSplit(repeats, test_size=n_test, random_state=seed))
    mae = dict(zip(n_train.tolist(), -scores * display_scale(target), strict=True))
    return pd.DataFrame([
        {"size": -1 if s is None else int(s), "n_train": n, "repeat": r, "mae": mae[n][r]}
        for r in range(repeats) for s, n in zip(sizes, wanted, strict=True)])


def fit_best(cells: pd.DataFrame, *, seed: int = 0, folds: int = 3,
             target: str = "energy_kwh", **fit_kwargs: Any) -> Surrogate:
    """Fit the kind (``mlp`` or ``gbt``) with the lower ``folds``-fold CV MAE on ``cells``.

    scikit-learn's ``GridSearchCV`` over the kind, on the folds of
    :func:`out_of_fold_predictions`, refitted on all of ``cells``. The scores (the mean of the
    per-fold MAEs, in the unit of :func:`display_scale`) are kept in the model's ``selection``.
    """
    data, y = _with_target(cells, target)
    search = GridSearchCV(SurrogateRegressor(seed=seed, target=target, options=fit_kwargs),
                          {"kind": list(KINDS)}, scoring="neg_mean_absolute_error",
                          cv=KFold(folds, shuffle=True, random_state=seed)).fit(data, y)
    model: Surrogate = search.best_estimator_.model_
    scores = -search.cv_results_["mean_test_score"] * display_scale(target)
    model.selection = {f"cv{folds}_mae_{p['kind']}": float(v)
                       for p, v in zip(search.cv_results_["params"], scores, strict=True)}
    return model

