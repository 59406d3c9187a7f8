"""ehvi: exact logEHVI of Optuna's GP maximised over unseen cells (the shared contract is in
tests/strategies/test_contract.py; exhausting a small space in test_exhaustion.py)."""

from __future__ import annotations

from typing import Any, cast

import moocore
import numpy as np
import pytest

from strategies import _pareto
from strategies import ehvi as ehvi_module
from strategies._logehvi import box_bounds, log_ehvi, log_ehvi_boxes
from strategies.ehvi import EHVI
from strategies.testing import drive, make

pytest.importorskip("torch")


def _ehvi(**settings: Any) -> EHVI:
    return cast(EHVI, make(EHVI, **settings))


@pytest.mark.parametrize("m", [2, 3])
def test_log_ehvi_is_the_expected_improvement_of_moocore_hypervolume(m: int) -> None:
    rng = np.random.default_rng(m)
    front, ref = rng.random((6, m)), np.full(m, 1.2)
    mean, std = rng.random((3, m)) * 0.8, rng.random((3, m)) * 0.3 + 0.05
    exact = np.exp(log_ehvi(mean, std, front, ref))
    base = moocore.hypervolume(front, ref=ref)
    for i in range(3):  # Monte Carlo with moocore, within 4 standard errors
        draws = mean[i] + std[i] * rng.standard_normal((20_000, m))
        hvi = np.array([moocore.hypervolume(np.vstack([front, y]), ref=ref) - base
                        for y in draws])
        assert abs(exact[i] - hvi.mean()) <= 4 * hvi.std() / np.sqrt(len(hvi)) + 1e-12
        assert exact[i] > 0


def test_log_ehvi_ranks_cells_whose_improvement_underflows() -> None:
    # far from the front the EHVI underflows in linear space; its log still orders the cells
    front, ref = np.array([[0.0, 0.0]]), np.array([1.0, 1.0])
    mean = np.array([[40.0, 0.5], [60.0, 0.5], [5.0, 0.5]])
    scores = log_ehvi(mean, np.ones((3, 2)), front, ref)
    assert np.isfinite(scores).all() and np.exp(scores[:2]).max() == 0.0
    assert scores[2] > scores[0] > scores[1]


@pytest.mark.parametrize(("refit", "pool_size"), [(True, 4096), (False, 4096), (False, 16)])
def test_the_posterior_is_optunas(refit: bool, pool_size: int) -> None:
    # refit: the hyperparameters fitted on the training set; else the last fit's kept and the
    # posterior updated cell by cell (every cell's kept: pool_size 4096; the pool's: 16)
    import torch
    from optuna._gp import gp as optuna_gp

    strategy = _ehvi(n_startup_trials=5, refit_every=4, pool_size=pool_size)
    drive(strategy, 24)  # fits at 5, 9, ..., 21 observations: the last 3 cells behind
    gp, train = strategy._gp, [strategy._cells[k] for k in strategy._train]
    F = np.array(strategy._F)
    Y = (F - F.mean(axis=0)) / F.std(axis=0)
    pool = strategy._unseen.unseen()
    mean, std = gp.predict(train, Y, refit, len(train), pool)
    X = torch.from_numpy(gp.rows(np.array(train)).astype(float))
    for j, last in enumerate(gp.fitted):  # type: ignore[arg-type]
        model = optuna_gp.GPRegressor(
            is_categorical=torch.from_numpy(gp._space.is_categorical), X_train=X,
            y_train=torch.from_numpy(Y[:, j]),
            inverse_squared_lengthscales=last.inverse_squared_lengthscales,
            kernel_scale=last.kernel_scale, noise_var=last.noise_var)
        model._cache_matrix()
        expected_mean, expected_var = model.posterior(
            torch.from_numpy(gp.rows(pool).astype(float)))
        np.testing.assert_allclose(mean[:, j], expected_mean.numpy(), atol=1e-9)
        np.testing.assert_allclose(std[:, j], np.sqrt(expected_var.numpy() + 1e-12), atol=1e-9)
    assert gp._fitted_at == (24 if refit else 21)


def test_each_cell_is_asked_once_as_its_canonical_genome() -> None:
    strategy = _ehvi(n_startup_trials=4)
    asked = drive(strategy, 12, fail_every=5)
    keys = [strategy.space.hash(c.arch) for c in asked]
    assert len(set(keys)) == 12
    assert len(strategy._cells) == 10  # the two failed cells are not told
    for c in asked:
        i = strategy.space.row(c.arch)
        assert strategy._genome.valid(strategy._genome_of(i)) == c.arch
        np.testing.assert_array_equal(strategy._gp.rows(np.array([i]))[0],
                                      strategy._gp._space.get_normalized_params(
                                          [None], [strategy._genome_of(i)])[0])


def test_a_sampled_pool_adds_the_unseen_neighbours_of_the_best_cells() -> None:
    strategy = _ehvi(n_startup_trials=6, pool_size=16, local_parents=2)
    drive(strategy, 6)
    s = strategy
    unseen = s._unseen.unseen()
    pool = s._pool(unseen)
    near = {i for c in s._cells for i in s._neighbours(c) if i in set(unseen.tolist())}
    assert 16 < len(pool) <= 16 + len(near)
    assert set(pool) <= set(unseen.tolist())
    asked = drive(strategy, 4)
    keys = {s.space.hash(c.arch) for c in asked}
    told = set(s.space.cells()["module_hash"].iloc[s._cells[:6]])
    assert len(keys) == 4 and not keys & told


def test_the_proposal_is_the_pool_cell_with_the_best_acquisition(
        monkeypatch: pytest.MonkeyPatch) -> None:
    strategy = _ehvi(n_startup_trials=5)
    drive(strategy, 5)
    seen: list[tuple[list[int], np.ndarray]] = []
    real = strategy._acquisition

    def spy(pool: list[int]) -> np.ndarray:
        scores = real(pool)
        seen.append((pool, scores))
        return scores

    monkeypatch.setattr(strategy, "_acquisition", spy)
    cell = drive(strategy, 1)[0].arch
    pool, scores = seen[0]
    assert len(pool) == len(strategy.space.cells()) - 5
    best = pool[int(np.argmax(scores))]
    assert strategy.space.hash(cell) == strategy.space.cells()["module_hash"].iloc[best]


def test_front_and_reference_come_from_every_told_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    # the GP sees at most max_observations cells, but the improvement is measured against all
    # of them: a reference from the training set alone shuts out the extreme cells (issue 18)
    strategy = _ehvi(n_startup_trials=10, max_observations=10)
    drive(strategy, 40)
    F, kept = np.array(strategy._F), list(strategy._train)
    assert len(kept) < len(F)
    calls: list[tuple[np.ndarray, np.ndarray]] = []

    def spy(mean: np.ndarray, std: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> Any:
        calls.append((lower, upper))
        return log_ehvi_boxes(mean, std, lower, upper)

    monkeypatch.setattr(ehvi_module, "log_ehvi_boxes", spy)
    drive(strategy, 1)
    train = F[kept]
    mu, sd = train.mean(axis=0), train.std(axis=0)
    expected = box_bounds(F[:40], _pareto.reference_point(F[:40]))  # kept from an earlier ask
    for got, want in zip(calls[0], expected, strict=True):
        np.testing.assert_allclose(got * sd + mu, want)


def test_hyperparameters_are_refitted_every_refit_every_tells() -> None:
    strategy = _ehvi(n_startup_trials=5, refit_every=4)
    drive(strategy, 5 + 12)  # GP proposals at 5, 6, ..., 16 observations: fits at 5, 9, 13
    assert strategy.n_fits == 3
