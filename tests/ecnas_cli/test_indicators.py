"""Tests for the indicators: hand-computed values and brute-force NumPy references."""

from __future__ import annotations

import doctest
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ecnas_cli.analysis import attainment, indicators

# --- tiny pure-NumPy references -------------------------------------------------------------


def ref_nondominated(F: np.ndarray) -> np.ndarray:
    """O(n^2) Pareto mask; duplicates of a front point all stay True."""
    le = (F[:, None, :] <= F[None, :, :]).all(axis=2)  # le[j, i]: F[j] weakly dominates F[i]
    lt = (F[:, None, :] < F[None, :, :]).any(axis=2)
    return np.asarray(~(le & lt).any(axis=0))


def ref_hypervolume(F: np.ndarray, ref: np.ndarray) -> float:
    """Grid sweep: sum the volumes of the cells between sorted coordinates that F dominates."""
    F = F[(F < ref).all(axis=1)]
    if len(F) == 0:
        return 0.0
    axes = [np.unique(np.append(F[:, j], ref[j])) for j in range(F.shape[1])]
    total = 0.0
    for cell in itertools.product(*(range(len(a) - 1) for a in axes)):
        lower = np.array([a[i] for a, i in zip(axes, cell, strict=True)])
        if (F <= lower).all(axis=1).any():
            total += np.prod([a[i + 1] - a[i] for a, i in zip(axes, cell, strict=True)])
    return float(total)


def count_attaining(runs: list[np.ndarray], z: np.ndarray) -> int:
    return sum(bool(len(r)) and bool((r <= z).all(axis=1).any()) for r in runs)


def ref_attainment(runs: list[np.ndarray], k: int) -> np.ndarray:
    """Minimal grid points attained by >= k runs, sorted by f1."""
    pts = np.vstack([r for r in runs if len(r)])
    grid = np.array(list(itertools.product(np.unique(pts[:, 0]), np.unique(pts[:, 1]))))
    hit = np.array([count_attaining(runs, z) >= k for z in grid], dtype=bool)
    cand = grid[hit]
    return indicators.pareto_front(cand) if len(cand) else np.empty((0, 2))


def random_runs(rng: np.random.Generator, n: int, empty_ok: bool = True) -> list[np.ndarray]:
    lo = 0 if empty_ok else 1
    return [rng.integers(0, 6, size=(rng.integers(lo, 5), 2)).astype(float) for _ in range(n)]


small_fronts = st.integers(1, 3).flatmap(
    lambda m: arrays(
        np.float64, st.tuples(st.integers(0, 7), st.just(m)), elements=st.integers(0, 5)
    )
)

# --- doctests (pytest --doctest-modules runs them) ---------------------------------------------


def test_every_public_indicator_has_a_doctest() -> None:
    for module in (indicators, attainment):
        tested = {t.name.rsplit(".", 1)[-1] for t in doctest.DocTestFinder().find(module)
                  if t.examples}
        assert set(module.__all__) <= tested, f"{module.__name__}: no doctest"


# --- fronts and normalisation ----------------------------------------------------------------


def test_pareto_mask_keeps_duplicates() -> None:
    F = np.array([[1, 3], [2, 2], [2, 3], [1, 3], [3, 1], [3, 1]])
    assert indicators.pareto_mask(F).tolist() == [True, True, False, True, True, True]
    assert indicators.pareto_mask(np.empty((0, 2))).shape == (0,)


@settings(max_examples=60)
@given(small_fronts)
def test_pareto_mask_matches_brute_force(F: np.ndarray) -> None:
    np.testing.assert_array_equal(indicators.pareto_mask(F), ref_nondominated(F))


def test_pareto_front_unique_sorted() -> None:
    F = np.array([[3, 1], [1, 3], [2, 2], [1, 3], [2, 3]])
    np.testing.assert_array_equal(indicators.pareto_front(F), [[1, 3], [2, 2], [3, 1]])


def test_normalise() -> None:
    out = indicators.normalise([[0, 10, 7], [5, 20, 7], [10, 30, 9]], lower=[0, 10, 7],
                               upper=[10, 20, 7])
    np.testing.assert_allclose(
        out, np.array([[0, 0, 0], [0.5, 1, 0], [1, 2, 0]])
    )  # 30 is above upper
    np.testing.assert_allclose(indicators.normalise([[2.0, 4.0]], lower=0, upper=4), [[0.5, 1.0]])
    with pytest.raises(ValueError, match="upper must be >= lower"):
        indicators.normalise([[1, 2]], lower=[1, 2], upper=[0, 3])


# --- hypervolume -----------------------------------------------------------------------------


def test_hypervolume_by_hand() -> None:
    # ref (4, 4); sorted by f1: (1, 3), (2, 2), (3, 1). Vertical strips:
    # [1, 2) x [3, 4) = 1, [2, 3) x [2, 4) = 2, [3, 4) x [1, 4) = 3  -> 6.
    F = np.array([[2, 2], [1, 3], [3, 1], [3, 3], [5, 0]])  # (3, 3) dominated, (5, 0) outside
    assert indicators.hypervolume(F, ref=[4, 4]) == pytest.approx(6.0)
    assert indicators.hypervolume(np.empty((0, 2)), ref=[4, 4]) == 0.0
    assert indicators.hypervolume([[4, 1]], ref=[4, 4]) == 0.0  # on the boundary: no volume
    # 3-D, ref 3: boxes [0,3]^2 x [2,3] (from (0,0,2)) = 9 and [1,3]^2 x [0,3] (from (1,1,0))
    # = 12 overlap in [1,3]^2 x [2,3] = 4: 9 + 12 - 4 = 17.
    assert indicators.hypervolume([[0, 0, 2], [1, 1, 0]], ref=3) == pytest.approx(17.0)


@settings(max_examples=60)
@given(small_fronts)
def test_hypervolume_matches_brute_force(F: np.ndarray) -> None:
    ref = np.full(F.shape[1], 4.5)
    assert indicators.hypervolume(F, ref) == pytest.approx(ref_hypervolume(F, ref))


def test_curve_at() -> None:
    x, y = [0.5, 0.5, 2.0, 3.0], [1.0, 2.0, 5.0, 6.0]
    out = indicators.curve_at(x, y, [0.0, 0.5, 1.0, 2.0, 2.5, 10.0])
    np.testing.assert_array_equal(out, [np.nan, 2.0, 2.0, 5.0, 5.0, 6.0])
    assert np.isnan(indicators.curve_at([], [], [1.0])).all()
    with pytest.raises(ValueError, match="non-decreasing"):
        indicators.curve_at([2, 1], [1, 2], [1])
    with pytest.raises(ValueError, match="equal length"):
        indicators.curve_at([1, 2], [1], [1])


def test_igd_plus() -> None:
    R = np.array([[0, 2], [1, 1], [2, 0]])
    # (1, 2): d+ to (0,2) = 1, to (1,1) = 1, to (2,0) = 2 (only f2 worse) -> mean 4/3.
    assert indicators.igd_plus([[1, 2]], R) == pytest.approx(4 / 3)
    assert indicators.igd_plus(R, R) == 0.0
    assert indicators.igd_plus(np.empty((0, 2)), R) == np.inf
    rng = np.random.default_rng(3)
    F, R = rng.random((7, 3)), rng.random((5, 3))
    brute = np.sqrt((np.maximum(F[None] - R[:, None], 0) ** 2).sum(2)).min(1).mean()
    assert indicators.igd_plus(F, R) == pytest.approx(brute)


# --- empirical attainment --------------------------------------------------------------------


def test_eaf_identical_runs_equal_front() -> None:
    F = np.array([[3, 1], [1, 3], [2, 2], [2, 3]])
    surf = attainment.eaf([F, F[::-1], F], levels=(25, 50, 100))
    for level in (25, 50, 100):
        np.testing.assert_array_equal(surf[level], indicators.pareto_front(F))


@pytest.mark.parametrize("seed", range(6))
def test_attainment_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    runs = random_runs(rng, n=int(rng.integers(1, 6)))
    if not any(len(r) for r in runs):
        runs[0] = np.array([[1.0, 1.0]])
    n = len(runs)
    for k in range(1, n + 1):
        np.testing.assert_array_equal(attainment.attainment_surface(runs, k),
                                      ref_attainment(runs, k))
    surf = attainment.eaf(runs, levels=(25, 50, 75))
    for level in (25, 50, 75):
        k = int(np.ceil(level * n / 100))
        np.testing.assert_array_equal(surf[level], ref_attainment(runs, k))


@pytest.mark.parametrize("seed", range(6))
def test_eaf_diff_counts(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 4))
    a, b = random_runs(rng, n), random_runs(rng, n)
    out = attainment.eaf_diff(a, b)
    assert out.shape[1] == 3 and np.isfinite(out).all()
    for f1, f2, d in out:
        z = np.array([f1, f2])
        assert d == count_attaining(a, z) - count_attaining(b, z)
    rects = attainment.eaf_diff(a, b, rectangles=True)
    for g1, g2 in itertools.product(np.arange(-0.5, 7.0, 0.5), repeat=2):
        inside = [r[4] for r in rects if r[0] <= g1 < r[2] and r[1] <= g2 < r[3]]
        d = count_attaining(a, np.array([g1, g2])) - count_attaining(b, np.array([g1, g2]))
        assert sum(inside) == d and len(inside) <= 1


def test_eaf_diff_identical_and_validation() -> None:
    F = np.array([[1.0, 2.0], [2.0, 1.0]])
    assert (attainment.eaf_diff([F, F], [F, F])[:, 2] == 0).all()
    with pytest.raises(ValueError, match="equal run counts"):
        attainment.eaf_diff([F, F], [F])
    with pytest.raises(ValueError, match="levels"):
        attainment.eaf([F], levels=(0,))
    with pytest.raises(ValueError, match=r"k must be in 1\.\.2"):
        attainment.attainment_surface([F, F], 3)


# --- knee point ------------------------------------------------------------------------------


def test_knee_point() -> None:
    # Extremes (0, 10) and (10, 0) normalise to (0, 1) and (1, 0); interior points normalised:
    # (2, 5) -> 1 - 0.7 = 0.3, (4, 2) -> 1 - 0.6 = 0.4 (the knee), (7, 1) -> 1 - 0.8 = 0.2.
    F = np.array([[7, 1], [0, 10], [9, 9], [4, 2], [10, 0], [2, 5], [4, 2]])
    assert indicators.knee_point(F) == 3  # first of the duplicated knee rows
    assert indicators.knee_point([[5, 5], [6, 6]]) == 0  # front of one point
    assert indicators.knee_point([[6, 6], [9, 1], [1, 9]]) == 2  # two-point front: smallest f1
    assert indicators.knee_point([[0, 10], [10, 0], [8, 8]]) == 0  # concave: beyond the line


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: indicators.pareto_mask([1.0, 2.0]), "2-D"),
        (lambda: indicators.hypervolume([[1.0, 2.0]], ref=[3.0, 3.0, 3.0]), r"shape \(2,\)"),
        (lambda: indicators.hypervolume([[1.0, np.nan]], ref=[3.0, 3.0]), "finite"),
        (lambda: indicators.igd_plus([[1.0, 2.0]], [[1.0, 2.0, 3.0]]), "ref_front must have 2"),
        (lambda: indicators.igd_plus([[1.0, 2.0]], np.empty((0, 2))), "at least one point"),
        (lambda: attainment.eaf([np.ones((2, 3))]), r"runs\[0\] must have 2"),
        (lambda: attainment.eaf([]), "at least one run"),
        (lambda: indicators.knee_point(np.ones((2, 3))), "must have 2"),
        (lambda: indicators.knee_point(np.empty((0, 2))), "at least one point"),
    ],
)
def test_validation(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
