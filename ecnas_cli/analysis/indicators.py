"""Multi-objective indicators for NAS runs: fronts, hypervolume, IGD+, knee.

Pure array functions in moocore's shape, ``f(F, /, ...)``. Every ``F`` is an
``(n, m)`` float array in minimisation form (maximised objectives are negated
by the caller) with finite values; reference points are arrays of length ``m``
(or a scalar, broadcast). moocore does the heavy lifting; this module adds
validation, step curves and the workarounds for moocore's input quirks. Regret, and the
benchmark's normalisation, belong to :class:`~benchmarks.tables.problem.Problem`.
"""

from __future__ import annotations

import math

import moocore
import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "curve_at",
    "hypervolume",
    "igd_plus",
    "knee_point",
    "normalise",
    "pareto_front",
    "pareto_mask",
]

Array = NDArray[np.float64]


def _points(F: ArrayLike, name: str = "F", m: int | None = None) -> Array:
    """Validate an ``(n, m)`` finite float array (``m`` fixed if given)."""
    F = np.asarray(F, dtype=float)
    if F.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (n, m) array, got {F.ndim} dimension(s)")
    if m is not None and F.shape[1] != m:
        raise ValueError(f"{name} must have {m} objective column(s), got {F.shape[1]}")
    if F.shape[1] < 1:
        raise ValueError(f"{name} must have at least one objective column")
    if not np.isfinite(F).all():
        raise ValueError(f"{name} must contain only finite values")
    return F


def _vector(v: ArrayLike, name: str, m: int) -> Array:
    """Validate a per-objective vector of length ``m``; a scalar is broadcast."""
    v = np.asarray(v, dtype=float)
    if v.ndim == 0:
        v = np.full(m, float(v))
    if v.shape != (m,):
        raise ValueError(f"{name} must have shape ({m},), got {v.shape}")
    if np.isnan(v).any():
        raise ValueError(f"{name} must not contain NaN")
    return v


def pareto_mask(F: ArrayLike) -> NDArray[np.bool_]:
    """Non-dominated rows of ``F``.

    Duplicates of a non-dominated point are all marked ``True`` (moocore's
    ``keep_weakly=True``), so every trial that reached the front is flagged.

    Parameters
    ----------
    F : array_like, shape (n, m)
        Objective values, minimised.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)

    Examples
    --------
    >>> pareto_mask([[1, 3], [2, 2], [2, 3], [1, 3]])
    array([ True,  True, False,  True])
    """
    return np.asarray(moocore.is_nondominated(_points(F), keep_weakly=True), dtype=bool)


def pareto_front(F: ArrayLike) -> Array:
    """Unique non-dominated rows of ``F``, sorted by the first objective.

    Ties in the first objective (possible for ``m > 2``) are broken by the next ones.

    Examples
    --------
    >>> pareto_front([[2, 2], [1, 3], [2, 3], [1, 3]])
    array([[1., 3.],
           [2., 2.]])
    """
    return np.unique(moocore.filter_dominated(_points(F)), axis=0)


def normalise(F: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> Array:
    """Min-max normalise each objective: ``lower -> 0``, ``upper -> 1``.

    Bounds are fixed by the caller (the benchmark's ideal and nadir over the
    whole table) so runs stay comparable; values outside the bounds map outside
    ``[0, 1]``. An objective with ``upper == lower`` maps to 0.

    Parameters
    ----------
    F : array_like, shape (n, m)
    lower, upper : array_like, shape (m,) or scalar
        Per-objective bounds, ``upper >= lower``.

    Examples
    --------
    >>> normalise([[1, 5], [3, 5]], lower=[1, 5], upper=[5, 5])
    array([[0. , 0. ],
           [0.5, 0. ]])
    """
    F = _points(F)
    lo, hi = _vector(lower, "lower", F.shape[1]), _vector(upper, "upper", F.shape[1])
    if (hi < lo).any():
        raise ValueError("upper must be >= lower for every objective")
    if len(F) == 0:
        return F.copy()
    with np.errstate(divide="ignore", invalid="ignore"):  # zero spans are set to 0 below
        z = np.asarray(moocore.normalise(F, lower=lo, upper=hi), dtype=float)
    return np.where(hi > lo, z, 0.0)


def hypervolume(F: ArrayLike, /, ref: ArrayLike) -> float:
    """Hypervolume dominated by ``F`` and bounded by ``ref``.

    Points that do not strictly dominate ``ref`` add nothing; an empty ``F`` gives 0.

    Examples
    --------
    Union of ``[1, 3] x [2, 3]`` and ``[2, 3] x [1, 3]``: 2 + 2 - 1 = 3.

    >>> hypervolume([[1, 2], [2, 1], [4, 0]], ref=[3, 3])
    3.0
    """
    F = _points(F)
    r = _vector(ref, "ref", F.shape[1])
    F = F[(F < r).all(axis=1)]
    return float(moocore.hypervolume(F, ref=r)) if len(F) else 0.0


def curve_at(x: ArrayLike, y: ArrayLike, grid: ArrayLike) -> Array:
    """Evaluate the step curve ``(x, y)`` at ``grid``: the last ``y[i]`` with ``x[i] <= g``.

    ``x`` is a non-decreasing cumulative axis (trials, search energy); grid
    points before ``x[0]`` give NaN. Used to align runs on a common axis.

    Parameters
    ----------
    x : array_like, shape (n,)
        Non-decreasing positions, e.g. cumulative search energy after each trial.
    y : array_like, shape (n,)
        Curve value after each trial, e.g. a run's regret.
    grid : array_like, shape (g,)

    Returns
    -------
    numpy.ndarray, shape (g,)

    Examples
    --------
    >>> curve_at([1, 2, 4], [10, 20, 40], grid=[0, 1, 3, 5])
    array([nan, 10., 20., 40.])
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    g = np.asarray(grid, dtype=float)
    if x.ndim != 1 or y.shape != x.shape:
        raise ValueError(f"x and y must be 1-D of equal length, got {x.shape} and {y.shape}")
    if g.ndim != 1:
        raise ValueError(f"grid must be 1-D, got {g.ndim} dimension(s)")
    if np.isnan(x).any() or (np.diff(x) < 0).any():
        raise ValueError("x must be non-decreasing and free of NaN")
    i = np.searchsorted(x, g, side="right") - 1
    return np.where(i >= 0, y[np.maximum(i, 0)] if len(y) else np.nan, np.nan)


def igd_plus(F: ArrayLike, /, ref_front: ArrayLike) -> float:
    """IGD+ of ``F`` with respect to the reference front (lower is better).

    Returns ``inf`` for an empty ``F`` (moocore returns 0 there).

    Examples
    --------
    The point (2, 2) is 1 away from both (1, 2) and (2, 1) in IGD+ distance.

    >>> igd_plus([[2, 2]], ref_front=[[1, 2], [2, 1]])
    1.0
    """
    F = _points(F)
    R = _points(ref_front, "ref_front", m=F.shape[1])
    if len(R) == 0:
        raise ValueError("ref_front must contain at least one point")
    return float(moocore.igd_plus(F, ref=R)) if len(F) else math.inf


def knee_point(F: ArrayLike) -> int:
    """Row index in ``F`` of the knee of its 2-objective Pareto front.

    The front is min-max normalised to its own extremes, which land on (0, 1)
    and (1, 0); the knee is the point farthest from the line through them on
    the side of the ideal point (points beyond the line count as negative).
    Fronts of one or two points, or with no point inside the line, return the
    extreme with the smallest first objective. Duplicates give the first row.

    Examples
    --------
    >>> knee_point([[0, 10], [10, 0], [3, 3], [4, 6]])
    2
    """
    F = _points(F, m=2)
    if len(F) == 0:
        raise ValueError("F must contain at least one point")
    front = pareto_front(F)
    lo, hi = front.min(axis=0), front.max(axis=0)
    z = normalise(front, lo, hi)
    # Distance to x + y = 1 towards the origin; the sqrt(2) factor does not change argmax.
    best = front[int(np.argmax(1.0 - z.sum(axis=1)))]
    return int(np.flatnonzero((F == best).all(axis=1))[0])
