"""Evaluate the energy surrogate: k-fold cross-validation and learning curves.

Metrics compare predictions with measurements of cells the model did not see. ``mae`` is in Wh
when the target is ``energy_kwh`` (kWh x 1000) and in the target's unit otherwise; ``mape`` is
in percent; ``mean_std`` is the mean ensemble spread in the unit of ``mae``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import kendalltau, spearmanr

from benchmarks.surrogate.model import KINDS, Surrogate, fit_surrogate


def display_scale(target: str) -> float:
    """Factor from the target's unit to the unit of ``mae`` (kWh -> Wh for energy)."""
    return 1000.0 if target == "energy_kwh" else 1.0


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
    err = y_pred - y_true
    return {
        "kendall_tau": float(kendalltau(y_true, y_pred)[0]),
        "spearman": float(spearmanr(y_true, y_pred)[0]),
        "r2": float(1.0 - np.sum(err**2) / np.sum((y_true - y_true.mean()) ** 2)),
        "mae": float(np.mean(np.abs(err)) * scale),
        "mape": float(np.mean(np.abs(err) / np.abs(y_true)) * 100.0),
    }


def fold_indices(n: int, folds: int, seed: int) -> list[np.ndarray]:
    """A seeded random partition of ``range(n)`` into ``folds`` near-equal test folds."""
    if not 2 <= folds <= n:
        raise ValueError(f"folds must be in [2, {n}], got {folds}")
    order = np.random.default_rng(seed).permutation(n)
    return np.array_split(order, folds)


def cross_val_predict(cells: pd.DataFrame, *, kind: str = "mlp", folds: int = 5, seed: int = 0,
                      target: str = "energy_kwh", **fit_kwargs: Any
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold predictions (mean, std) for every row of ``cells`` with a ``target``."""
    data = cells[cells[target].notna()].reset_index(drop=True)
    mean, std = np.empty(len(data)), np.empty(len(data))
    for test in fold_indices(len(data), folds, seed):
        train = np.setdiff1d(np.arange(len(data)), test)
        model = fit_surrogate(data.iloc[train], kind=kind, seed=seed, target=target,
                              **fit_kwargs)
        mean[test], std[test] = model.predict(data.iloc[test])
    return mean, std


def cross_validate(cells: pd.DataFrame, *, kind: str = "mlp", folds: int = 5, seed: int = 0,
                   target: str = "energy_kwh", **fit_kwargs: Any) -> dict[str, float]:
    """k-fold cross-validated metrics of :func:`benchmarks.surrogate.fit_surrogate`.

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
    mean, std = cross_val_predict(cells, kind=kind, folds=folds, seed=seed, target=target,
                                  **fit_kwargs)
    y = cells.loc[cells[target].notna(), target].to_numpy(dtype=float)
    scale = display_scale(target)
    return {**regression_metrics(y, mean, scale=scale), "mean_std": float(std.mean() * scale),
            "n": float(len(y)), "folds": float(folds)}


def learning_curve(cells: pd.DataFrame, *, sizes: Sequence[int | None] = (
        100, 250, 500, 1000, 2000, None), repeats: int = 5, seed: int = 0, kind: str = "mlp",
        test_fraction: float = 0.2, target: str = "energy_kwh", **fit_kwargs: Any
        ) -> pd.DataFrame:
    """Test error against the number of training cells.

    Each repeat draws its own random split (``SeedSequence(seed).spawn(repeats)``): a test set
    of ``test_fraction`` of the cells and, from the rest, the first ``size`` cells of a random
    order for training (``None``: all of the rest), so smaller sets are nested in larger ones.

    Returns
    -------
    pandas.DataFrame
        One row per (size, repeat): ``size`` (requested, -1 for all), ``n_train``, ``repeat``
        and the :func:`regression_metrics` of the test set.
    """
    data = cells[cells[target].notna()].reset_index(drop=True)
    n_test = round(test_fraction * len(data))
    if not 0 < n_test < len(data):
        raise ValueError(f"test_fraction {test_fraction} leaves no test or no training cells")
    rows = []
    for repeat, child in enumerate(np.random.SeedSequence(seed).spawn(repeats)):
        order = np.random.default_rng(child).permutation(len(data))
        test, pool = data.iloc[order[:n_test]], data.iloc[order[n_test:]]
        y = test[target].to_numpy(dtype=float)
        for size in sizes:
            n_train = len(pool) if size is None else min(int(size), len(pool))
            model = fit_surrogate(pool.iloc[:n_train], kind=kind, seed=seed, target=target,
                                  **fit_kwargs)
            metrics = regression_metrics(y, model.predict(test)[0],
                                         scale=display_scale(target))
            rows.append({"size": -1 if size is None else int(size), "n_train": n_train,
                         "repeat": repeat, **metrics})
    return pd.DataFrame(rows)


def fit_best(cells: pd.DataFrame, *, seed: int = 0, folds: int = 3, **fit_kwargs: Any
             ) -> Surrogate:
    """Fit the kind (``mlp`` or ``gbt``) with the lower ``folds``-fold CV MAE on ``cells``.

    The scores are kept in the model's ``selection``.
    """
    scores = {k: cross_validate(cells, kind=k, folds=folds, seed=seed, **fit_kwargs)["mae"]
              for k in KINDS}
    best = min(scores, key=lambda k: scores[k])
    model = fit_surrogate(cells, kind=best, seed=seed, **fit_kwargs)
    model.selection = {f"cv{folds}_mae_{k}": v for k, v in scores.items()}
    return model

