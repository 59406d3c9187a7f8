"""Significance and effect size of differences between strategies, Holm-corrected.

Over the final regrets of a curve table (:func:`ecnas_cli.analysis.comparison.curves`). One
test family for every cell: :data:`TEST` (the asymptotic test everywhere, so p-values of runs
with and without ties are comparable). Beside every p-value: Vargha-Delaney A12 and the
difference of medians, each with a percentile bootstrap 95% interval (resampling each
strategy's runs independently, vectorised over a seeded Generator).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu, rankdata

__all__ = ["BOOTSTRAP", "REFERENCES", "TEST", "a12", "bootstrap_effects", "holm",
           "mann_whitney", "missing_references", "pairwise_tests"]

#: The one test behind every p-value, as the output names it.
TEST = ("two-sided Mann-Whitney U, normal approximation with tie and continuity correction; "
        "Holm over all tests")
#: Strategies every other one is tested against by default (uniform cells, genome prior).
REFERENCES = ("random", "random-genome")
#: Bootstrap resamples per interval.
BOOTSTRAP = 2000


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
    """Two-sided Mann-Whitney U of ``a`` vs ``b`` by :data:`TEST` (normal approximation with
    tie and continuity correction, with or without ties). Returns ``(U of a, p)``.

    Examples
    --------
    >>> u, p = mann_whitney([1, 2, 3], [4, 5, 6])
    >>> u, round(p, 4)
    (0.0, 0.0809)
    """
    u, p = mannwhitneyu(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                        alternative="two-sided", method="asymptotic", use_continuity=True)
    return float(u), float(p)


def a12(a: np.ndarray, b: np.ndarray) -> np.ndarray | float:
    """Vargha-Delaney A12 for lower-is-better values: the probability that a run of ``a``
    ends below a run of ``b``, ties counting half. Rows of 2-D inputs are separate samples.

    Examples
    --------
    >>> float(a12(np.array([1.0, 2.0]), np.array([2.0, 3.0])))
    0.875
    """
    one = np.ndim(a) == 1
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    n, m = a.shape[1], b.shape[1]
    ranks = rankdata(np.concatenate([a, b], axis=1), axis=1)  # mid-ranks: ties count half
    u_a = ranks[:, :n].sum(axis=1) - n * (n + 1) / 2  # pairs where a is above b
    out = 1.0 - u_a / (n * m)
    return float(out[0]) if one else out


def bootstrap_effects(a: np.ndarray, b: np.ndarray, rng: np.random.Generator,
                      resamples: int = BOOTSTRAP) -> dict[str, float]:
    """A12 and ``median(a) - median(b)`` with percentile bootstrap 95% intervals.

    Returns
    -------
    dict
        ``a12``, ``a12_low``, ``a12_high``, ``median_diff``, ``median_diff_low``,
        ``median_diff_high``.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    A = a[rng.integers(0, len(a), (resamples, len(a)))]
    B = b[rng.integers(0, len(b), (resamples, len(b)))]
    effects = {"a12": (float(a12(a, b)), a12(A, B)),
               "median_diff": (float(np.median(a) - np.median(b)),
                               np.median(A, axis=1) - np.median(B, axis=1))}
    out = {}
    for name, (value, boot) in effects.items():
        out[name] = value
        out[f"{name}_low"], out[f"{name}_high"] = (float(v) for v in
                                                   np.percentile(boot, [2.5, 97.5]))
    return out


def missing_references(strategies: Sequence[str], references: Sequence[str]) -> list[str]:
    """The ``references`` that none of ``strategies`` is (their tests cannot be made)."""
    return [r for r in references if r not in set(strategies)]


def pairwise_tests(curve_table: pd.DataFrame, references: Sequence[str] = REFERENCES, *,
                   seed: int = 0) -> pd.DataFrame:
    """:data:`TEST` of final regret and its effect sizes for every pair of strategies.

    A pair holding a reference has it as ``b`` (``against_reference`` is True); other pairs
    keep the order of the table. ``p_holm`` is Holm-corrected over every test made. ``a12``
    is the probability that a run of ``a`` ends with lower regret than a run of ``b``;
    ``median_diff`` is ``a``'s median final regret minus ``b``'s (negative: ``a`` better).
    The bootstrap draws from ``np.random.default_rng(seed)``, so the intervals repeat.
    """
    final = {str(s): g.groupby("run", sort=False)["regret"].last().to_numpy()
             for s, g in curve_table.groupby("strategy", sort=False)}
    rng = np.random.default_rng(seed)
    rows = []
    for a, b in itertools.combinations(final, 2):
        if a in references and b not in references:
            a, b = b, a
        u, p = mann_whitney(final[a], final[b])
        rows.append({"a": a, "b": b, "against_reference": b in references,
                     "n_a": len(final[a]), "n_b": len(final[b]), "u": u, "p": p,
                     **bootstrap_effects(final[a], final[b], rng)})
    columns = ["a", "b", "against_reference", "n_a", "n_b", "u", "p", "a12", "a12_low",
               "a12_high", "median_diff", "median_diff_low", "median_diff_high"]
    out = pd.DataFrame(rows, columns=columns)
    out.insert(7, "p_holm", holm(out["p"].to_numpy()) if len(out) else [])
    return out
