"""Told values for selection: the non-dominated archive, and ranking by non-dominated rank,
then hypervolume contribution.

Shared by the strategies that select among evaluated cells (archives, successive-halving
promotion, survival, tournaments). Everything is in minimisation form; rows with a non-finite
value always rank last, in their original order.
"""

from __future__ import annotations

import moocore
import numpy as np

from benchmarks.space import Arch, SearchSpace


class Archive:
    """The mutually non-dominated told cells, oldest first (Laumanns et al.'s SEMO rule).

    A told cell enters unless its module hash is already in the archive or a member weakly
    dominates it (better or equal in every objective, so equal values are kept once); the
    members it dominates leave.

    Attributes
    ----------
    cells : list of Arch
        The members.
    hashes : list of str
        Their module hashes.
    F : numpy.ndarray
        Their told values, row by row.
    """

    def __init__(self, space: SearchSpace, n_objectives: int) -> None:
        self.space = space
        self.cells: list[Arch] = []
        self.hashes: list[str] = []
        self.F = np.empty((0, n_objectives))

    def __len__(self) -> int:
        return len(self.cells)

    def insert(self, arch: Arch, f: np.ndarray) -> bool:
        """Add ``arch`` told ``f`` unless it is a member or weakly dominated; whether it was.

        Examples
        --------
        >>> from benchmarks.space import get_space
        >>> space = get_space("4v")
        >>> archive = Archive(space, 2)
        >>> a, b, c = space.arch(0), space.arch(1), space.arch(2)
        >>> [archive.insert(a, np.array([1.0, 1.0])), archive.insert(b, np.array([1.0, 1.0])),
        ...  archive.insert(c, np.array([0.0, 1.0]))], archive.cells == [c]
        ([True, False, True], True)
        """
        key = self.space.hash(arch)
        if key in self.hashes or (self.F <= f).all(axis=1).any():
            return False
        keep = np.flatnonzero(~(f <= self.F).all(axis=1)).tolist()
        self.cells = [*(self.cells[i] for i in keep), arch]
        self.hashes = [*(self.hashes[i] for i in keep), key]
        self.F = np.vstack([self.F[keep], f])
        return True


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


def tournament(F: np.ndarray, k: int, rng: np.random.Generator) -> int:
    """The index of the best row (:func:`best_first`) of ``min(k, len(F))`` rows of ``F``
    drawn uniformly without replacement.

    Examples
    --------
    >>> tournament(np.array([[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]]), 3, np.random.default_rng(0))
    1
    """
    picked = rng.choice(len(F), size=min(k, len(F)), replace=False)
    return int(picked[best_first(np.asarray(F)[picked])[0]])
