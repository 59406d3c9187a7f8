"""Ranking told values for selection: non-dominated rank, then hypervolume contribution.

Shared by the strategies that select among evaluated cells (successive-halving promotion,
survival, tournaments). Everything is in minimisation form; rows with a non-finite value
(cells that could not be evaluated) always rank last, in their original order.
"""

from __future__ import annotations

import moocore
import numpy as np


def reference_point(F: np.ndarray) -> np.ndarray:
    """The worst finite value per objective plus 10% of the range (1.0 where it is zero).

    Every finite point is then strictly better than the reference in every objective, so each
    non-dominated point has a positive hypervolume contribution.

    Examples
    --------
    >>> reference_point(np.array([[0.0, 2.0], [1.0, 2.0], [np.inf, 0.0]])).tolist()
    [1.1, 3.0]
    """
    F = np.asarray(F, dtype=float)
    finite = F[np.isfinite(F).all(axis=1)]
    if len(finite) == 0:
        return np.ones(F.shape[1])
    lo, hi = finite.min(axis=0), finite.max(axis=0)
    span = hi - lo
    return hi + np.where(span > 0, 0.1 * span, 1.0)


def best_first(F: np.ndarray, ref: np.ndarray | None = None) -> np.ndarray:
    """Row indices of ``F`` from best to worst: by non-dominated rank, then by contribution.

    Within one front the rows are ordered by their hypervolume contribution to that front
    (largest first, ties in row order), with ``ref`` (default :func:`reference_point`).

    Examples
    --------
    >>> best_first(np.array([[2.0, 2.0], [0.0, 3.0], [1.0, 1.0], [np.inf, 0.0]]),
    ...            ref=np.array([4.0, 4.0])).tolist()
    [2, 1, 0, 3]
    """
    F = np.asarray(F, dtype=float)
    ok = np.flatnonzero(np.isfinite(F).all(axis=1))
    order: list[int] = []
    if len(ok):
        ref = reference_point(F) if ref is None else np.asarray(ref, dtype=float)
        ranks = moocore.pareto_rank(F[ok])
        for r in range(int(ranks.max()) + 1):
            members = ok[ranks == r]
            contributions = moocore.hv_contributions(F[members], ref=ref)
            order.extend(members[np.argsort(-contributions, kind="stable")].tolist())
    failed = np.flatnonzero(~np.isfinite(F).all(axis=1))
    return np.array([*order, *failed.tolist()], dtype=int)


def best(F: np.ndarray, k: int) -> np.ndarray:
    """The indices of the ``k`` best finite rows (fewer when fewer are finite), best first.

    Examples
    --------
    >>> best(np.array([[1.0, 1.0], [np.inf, 0.0], [0.0, 2.0]]), 2).tolist()
    [0, 2]
    """
    F = np.asarray(F, dtype=float)
    n_finite = int(np.isfinite(F).all(axis=1).sum())
    return best_first(F)[:min(k, n_finite)]


def worst(F: np.ndarray) -> int:
    """The index of the row to discard first (SMS-EMOA): a failed row, else the smallest
    contributor of the last front.

    Examples
    --------
    >>> worst(np.array([[0.0, 3.0], [1.0, 1.0], [3.0, 0.0], [2.0, 2.0]]))
    3
    """
    return int(best_first(F)[-1])
