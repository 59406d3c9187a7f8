"""The bracket strategies once the space runs out (issue 20): after every cell of ecnas-4v's 91
was asked, mobohb and shemoa ask the untold (cell, epochs) pairs directly, highest fidelity
first, with no model proposal or generation spent on cells that can only repeat."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.space import get_space
from strategies import STRATEGIES
from strategies.testing import FIDELITIES, make, objective

#: The public counter that grows with each model proposal (mobohb) or generation (shemoa).
WORK = {"mobohb": "n_model", "shemoa": "generation"}


@pytest.mark.parametrize("name", sorted(WORK))
def test_after_the_last_new_cell_only_untold_pairs_are_asked(name: str) -> None:
    space = get_space("4v")
    strategy = make(STRATEGIES[name], space=space)
    n_cells = len(space.cells())
    keys: list[tuple[str, int]] = []
    work_at_exhaustion = None
    while len(keys) < n_cells * len(FIDELITIES):
        (candidate,) = strategy.ask()
        strategy.tell([candidate], objective(candidate.arch, candidate.epochs)[None])
        keys.append((space.hash(candidate.arch), candidate.epochs))
        cells = {h for h, _ in keys}
        if work_at_exhaustion is None and len(cells) == n_cells:
            work_at_exhaustion, exhausted_at = getattr(strategy, WORK[name]), len(keys)
    assert work_at_exhaustion is not None
    assert len(set(keys)) == len(keys), "a pair was asked twice before all were told"
    assert getattr(strategy, WORK[name]) == work_at_exhaustion
    # highest fidelity first: once the low fidelity is asked again, the target is all told
    after = [e for _, e in keys[exhausted_at:]]
    assert after == sorted(after, reverse=True)


def test_untold_pairs_survive_a_failure_and_end_in_repeats_at_the_target() -> None:
    space = get_space("4v")
    strategy = make(STRATEGIES["mobohb"], space=space)
    pairs = len(space.cells()) * len(FIDELITIES)
    keys = []
    for n in range(pairs + 3):
        (candidate,) = strategy.ask()
        failed = np.array([n % 13 == 0])  # a pair that could not be evaluated is told too
        strategy.tell([candidate], objective(candidate.arch, candidate.epochs)[None],
                      failed=failed)
        keys.append((space.hash(candidate.arch), candidate.epochs))
    assert len(set(keys[:pairs])) == pairs
    assert all(e == FIDELITIES[-1] for _, e in keys[pairs:])
