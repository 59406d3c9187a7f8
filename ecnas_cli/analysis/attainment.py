"""Empirical attainment functions of repeated runs (2 objectives), moocore underneath.

Pure array functions in the shape of :mod:`~ecnas_cli.analysis.indicators` (minimisation form).
moocore infers runs from contiguous set ids and drops runs without points; these functions stack
runs themselves and keep an empty run as a point that attains nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import moocore
import numpy as np
from numpy.typing import ArrayLike, NDArray

from ecnas_cli.analysis.indicators import Array, _points

__all__ = ["attainment_surface", "eaf", "eaf_diff"]


def _runs(runs: Sequence[ArrayLike], name: str) -> list[Array]:
    """Validate a non-empty sequence of 2-objective runs."""
    if len(runs) == 0:
        raise ValueError(f"{name} must contain at least one run")
    return [_points(r, f"{name}[{i}]", m=2) for i, r in enumerate(runs)]


def _stacked(runs: list[Array]) -> tuple[Array, NDArray[np.int_]]:
    """Points and contiguous set ids for moocore; empty runs become one point at +inf.

    moocore infers runs from contiguous blocks of ``sets`` and silently drops a
    run without points, so each empty run is kept as a point that attains nothing.
    """
    runs = [r if len(r) else np.full((1, 2), np.inf) for r in runs]
    sets = np.repeat(np.arange(1, len(runs) + 1), [len(r) for r in runs])
    return np.vstack(runs), sets


def _staircase(P: Array) -> Array:
    """Finite rows of ``P`` sorted by the first, then the second objective."""
    P = P[np.isfinite(P).all(axis=1)]
    return P[np.lexsort(P.T[::-1])]


def attainment_surface(runs: Sequence[ArrayLike], k: int) -> Array:
    """The ``k``-th of ``n`` attainment surface of 2-objective runs.

    The minimal points attained (weakly dominated) by at least ``k`` runs,
    as a ``(p, 2)`` staircase sorted by the first objective. ``k = 1`` is the
    front of all runs together; ``k = n`` the points every run attains.

    Parameters
    ----------
    runs : sequence of array_like, each shape (n_i, 2)
        One array per run (may be empty), minimised.
    k : int
        Number of runs, ``1 <= k <= len(runs)``.

    Examples
    --------
    >>> attainment_surface([[[1, 3], [3, 1]], [[2, 2]]], k=2)
    array([[2., 3.],
           [3., 2.]])
    """
    R = _runs(runs, "runs")
    if not 1 <= k <= len(R):
        raise ValueError(f"k must be in 1..{len(R)} (the number of runs), got {k}")
    points, sets = _stacked(R)
    return _staircase(moocore.eaf(points, sets, percentiles=[100.0 * k / len(R)])[:, :2])


def eaf(runs: Sequence[ArrayLike], /, levels: Sequence[float] = (25, 50, 75)) -> dict[float, Array]:
    """Empirical attainment surfaces of 2-objective runs at percentage ``levels``.

    Level ``p`` is the surface attained by at least ``ceil(p * n / 100)`` of
    the ``n`` runs (moocore's rule), i.e. ``attainment_surface(runs, k)``.

    Parameters
    ----------
    runs : sequence of array_like, each shape (n_i, 2)
        One array per run (may be empty), minimised.
    levels : sequence of float
        Percentages in ``(0, 100]``; 50 is the median attainment surface.

    Returns
    -------
    dict
        ``{level: (p, 2) staircase sorted by the first objective}``.

    Examples
    --------
    >>> surf = eaf([[[1, 3], [3, 1]], [[2, 2]]], levels=[50, 100])
    >>> surf[50]
    array([[1., 3.],
           [2., 2.],
           [3., 1.]])
    >>> surf[100]
    array([[2., 3.],
           [3., 2.]])
    """
    R = _runs(runs, "runs")
    if len(levels) == 0 or not all(0 < p <= 100 for p in levels):
        raise ValueError(f"levels must be non-empty percentages in (0, 100], got {levels}")
    points, sets = _stacked(R)
    out = moocore.eaf(points, sets, percentiles=[float(p) for p in levels])
    return {p: _staircase(out[out[:, 2] == float(p), :2]) for p in levels}


def eaf_diff(
    runs_a: Sequence[ArrayLike], runs_b: Sequence[ArrayLike], /, *, rectangles: bool = False
) -> Array:
    """EAF differences of two strategies (moocore.eafdiff), 2 objectives.

    Both strategies need the same number of runs ``n`` (moocore splits the
    stacked runs in halves). Values are ``d = #runs of a - #runs of b`` attaining
    a point, integers in ``[-n, n]``; ``d > 0`` favours ``a``.

    Parameters
    ----------
    runs_a, runs_b : sequence of array_like, each shape (n_i, 2)
        The runs of each strategy (runs may be empty), minimised.
    rectangles : bool
        Return regions instead of transition points.

    Returns
    -------
    numpy.ndarray
        ``rectangles=False``: rows ``(f1, f2, d)``, the points where the
        difference changes and its value there. ``rectangles=True``: rows
        ``(lo1, lo2, hi1, hi2, d)``; the difference is ``d`` on
        ``[lo1, hi1) x [lo2, hi2)`` (``hi`` may be ``inf``) and 0 elsewhere.

    Examples
    --------
    >>> eaf_diff([[[1, 1]]], [[[2, 2]]])
    array([[1., 1., 1.],
           [2., 2., 0.]])
    """
    A, B = _runs(runs_a, "runs_a"), _runs(runs_b, "runs_b")
    if len(A) != len(B):
        raise ValueError(f"runs_a and runs_b need equal run counts, got {len(A)} and {len(B)}")
    (pa, sa), (pb, sb) = _stacked(A), _stacked(B)
    x, y = np.column_stack([pa, sa]), np.column_stack([pb, sb])
    out = moocore.eafdiff(x, y, rectangles=rectangles)
    # Rows placed at +inf come from the stand-ins for empty runs and cover no area.
    return out[np.isfinite(out[:, :2]).all(axis=1)]
