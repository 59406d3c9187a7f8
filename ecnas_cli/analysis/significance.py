"""Significance of differences between strategies: Mann-Whitney U tests, Holm-corrected.

Over the final regrets of a curve table (:func:`ecnas_cli.analysis.comparison.curves`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu

__all__ = ["holm", "mann_whitney", "pairwise_tests"]


def holm(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (step-down; NaN stays NaN and is not counted).

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03])
    array([0.03, 0.06, 0.06])
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    idx = np.flatnonzero(~np.isnan(p))
    order = idx[np.argsort(p[idx], kind="stable")]
    m = len(order)
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adjusted, 1.0)
    return out


def mann_whitney(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Two-sided Mann-Whitney U of ``a`` vs ``b``: exact p-value without ties, else the
    normal approximation with tie correction. Returns ``(U of a, p)``."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    both = np.concatenate([a, b])
    method = "exact" if len(np.unique(both)) == len(both) else "asymptotic"
    u, p = mannwhitneyu(a, b, alternative="two-sided", method=method)
    return float(u), float(p)


def pairwise_tests(curve_table: pd.DataFrame, against: str | None = None) -> pd.DataFrame:
    """Two-sided Mann-Whitney U tests of final regret (:func:`mann_whitney`) for every pair
    of strategies, or every strategy against ``against``.

    ``p_holm`` is Holm-corrected over the tests made; ``prob_a_better`` is the probability
    that a run of ``a`` ends with lower regret than a run of ``b`` (ties count half),
    ``1 - U/(n m)``.
    """
    final = {s: b.groupby("run", sort=False)["regret"].last().to_numpy()
             for s, b in curve_table.groupby("strategy", sort=False)}
    pairs = list(itertools.combinations(final, 2)) if against is None else \
        [(s, against) for s in final if s != against]
    rows = []
    for a, b in pairs:
        u, p = mann_whitney(final[a], final[b])
        rows.append({"a": a, "b": b, "u": u, "p": p,
                     "prob_a_better": 1.0 - u / (len(final[a]) * len(final[b]))})
    out = pd.DataFrame(rows, columns=["a", "b", "u", "p", "prob_a_better"])
    out.insert(4, "p_holm", holm(out["p"].to_numpy()) if len(out) else [])
    return out
