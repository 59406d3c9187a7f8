"""Ranking strategies over several problems: the Friedman test and Nemenyi's post-hoc test.

Demsar (2006, JMLR 7) "Statistical comparisons of classifiers over multiple data sets": rank
the strategies within each block (lower score, better rank; ties share the mean rank), test
that all mean ranks are equal with Friedman's chi-square (:func:`scipy.stats.friedmanchisquare`),
then compare every pair with Nemenyi's test (:func:`scikit_posthocs.posthoc_nemenyi_friedman`):
two strategies differ at level ``alpha`` when their mean ranks differ by more than the
critical difference ``CD = q_alpha / sqrt(2) * sqrt(k (k + 1) / (6 N))`` (``q_alpha``: the
studentized range quantile for ``k`` groups and infinite degrees of freedom).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["Ranking", "critical_difference", "friedman_nemenyi"]


@dataclass
class Ranking:
    """Mean ranks (best first), the Friedman test and the Nemenyi p-values of every pair."""

    mean_ranks: pd.Series
    statistic: float
    p: float
    nemenyi: pd.DataFrame
    cd: float
    blocks: int
    alpha: float


def critical_difference(k: int, blocks: int, alpha: float = 0.05) -> float:
    """Nemenyi's critical difference of mean ranks for ``k`` strategies over ``blocks``.

    >>> round(critical_difference(3, 10), 3)  # Demsar's q_0.05 = 2.343 for k = 3
    1.048
    """
    if k < 2 or blocks < 1:
        raise ValueError(f"a critical difference needs k >= 2 and blocks >= 1, got {k}, {blocks}")
    q = stats.studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
    return float(q * np.sqrt(k * (k + 1) / (6 * blocks)))


def friedman_nemenyi(scores: pd.DataFrame, alpha: float = 0.05) -> Ranking:
    """Rank the columns (strategies) of ``scores`` (one row per block, lower is better).

    Raises a ValueError for fewer than 3 strategies or 2 blocks, or a missing score (every
    strategy needs a score in every block).
    """
    import scikit_posthocs  # a heavy import, needed only here

    if scores.shape[1] < 3 or scores.shape[0] < 2:
        raise ValueError(f"Friedman needs >= 3 strategies and >= 2 blocks, got "
                         f"{scores.shape[1]} and {scores.shape[0]}")
    if scores.isna().any().any():
        missing = scores.columns[scores.isna().any()].tolist()
        raise ValueError(f"every strategy needs a score in every block; missing for {missing}")
    values = scores.to_numpy(dtype=float)
    ranks = pd.DataFrame(stats.rankdata(values, axis=1), columns=scores.columns)
    statistic, p = stats.friedmanchisquare(*values.T)
    nemenyi = scikit_posthocs.posthoc_nemenyi_friedman(values)
    nemenyi.index = nemenyi.columns = scores.columns
    return Ranking(ranks.mean().sort_values(), float(statistic), float(p), nemenyi,
                   critical_difference(scores.shape[1], scores.shape[0], alpha),
                   scores.shape[0], alpha)
