"""The genome of nsga2 (and the other genome strategies) decodes by one table look-up on the
small spaces: the same pruned cells as decoding and pruning, so the same proposals."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.space import SearchSpace, get_space
from strategies._genome import Genome


def test_a_genome_decodes_by_look_up_as_by_pruning(monkeypatch: pytest.MonkeyPatch) -> None:
    space, plain = get_space("5v"), SearchSpace("plain-5v", 5)
    monkeypatch.setattr(plain, "_mutation_table", lambda: None)
    fast, slow = Genome(space, np.random.default_rng(0)), Genome(plain, np.random.default_rng(0))
    assert fast._table is not None and slow._table is None
    rng = np.random.default_rng(1)
    for _ in range(2000):
        params = {k: d.choices[int(rng.integers(len(d.choices)))]  # type: ignore[attr-defined]
                  for k, d in fast.distributions.items()}
        cell = fast.valid(params)
        assert cell == slow.valid(params)
        assert cell is None or space.hash(cell) == cell.module_hash()
