"""ehvi: logEHVI maximised over a pool of unseen cells (the shared contract is in
tests/strategies/test_contract.py; exhausting a small space in test_exhaustion.py)."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pytest
from optuna.trial import TrialState

from strategies.ehvi import EHVI
from strategies.testing import drive, make

pytest.importorskip("torch")


def _ehvi(**settings: Any) -> EHVI:
    return cast(EHVI, make(EHVI, **settings))


def test_the_gp_sees_each_cell_as_its_canonical_genome() -> None:
    strategy = _ehvi(n_startup_trials=4, n_qmc_samples=8)
    asked = drive(strategy, 12, fail_every=5)
    trials = strategy._study.trials
    assert len(trials) == 12  # one trial per cell: no invalid genome, no repeat re-asked
    for c, t in zip(asked, trials, strict=True):
        i = strategy._index[strategy.space.hash(c.arch)]
        assert t.params == strategy._genome_of(i)
        assert strategy._genome.valid(t.params) == c.arch
    states = [t.state for t in trials]
    assert states.count(TrialState.FAIL) == 2 and states.count(TrialState.COMPLETE) == 10


def test_a_sampled_pool_adds_the_unseen_neighbours_of_the_best_cells() -> None:
    strategy = _ehvi(n_startup_trials=6, pool_size=16, local_parents=2,
                    n_qmc_samples=8)
    drive(strategy, 6)
    s = strategy
    unseen = s._unseen.unseen()
    pool = s._pool(unseen)
    near = {i for a in s._evaluated for i in s._neighbours(a) if i in set(unseen.tolist())}
    assert 16 < len(pool) <= 16 + len(near)
    assert set(pool) <= set(unseen.tolist())
    asked = drive(strategy, 4)
    keys = {s.space.hash(c.arch) for c in asked}
    assert len(keys) == 4 and not keys & {s.space.hash(a) for a in s._evaluated[:6]}


def test_the_proposal_is_the_pool_cell_with_the_best_acquisition(
        monkeypatch: pytest.MonkeyPatch) -> None:
    strategy = _ehvi(n_startup_trials=5, n_qmc_samples=8)
    drive(strategy, 5)
    sampler = strategy._pool_sampler
    scores: list[np.ndarray] = []
    real = sampler._optimize_acqf

    def spy(acqf: Any, best: Any) -> np.ndarray:
        x = real(acqf, best)
        X = np.stack([sampler._rows[i] for i, _ in sampler.pool])
        scores.append(acqf.eval_acqf_no_grad(X))
        return x

    monkeypatch.setattr(sampler, "_optimize_acqf", spy)
    cell = drive(strategy, 1)[0].arch
    best = sampler.pool[int(np.argmax(scores[0]))][0]
    assert strategy.space.hash(cell) == strategy._hashes[best]
    assert len(sampler.pool) == len(strategy._hashes) - 5
