"""The EC-NAS authors' search protocol (``--protocol paper``), as their published runs used it.

What differs from ecnas's own protocol (:mod:`ecnas_cli.run.protocol`), read from EC-NAS-Bench
(commit 1a82fdd: ``baselines/problems/ecnas/{search_space,ecnasnet}.py``, ``examples/``):

- **Proposals are configurations of the authors' encoding** (their Ax search space), not unique
  cells: an op per inner vertex, a bit per possible edge, ``vertices`` in {2, n} and an edge cap
  ``edges`` in {1, n(n-1)/2} (the first ``edges`` set bits in row order are kept). Many
  configurations are invalid (no input -> output path, more than 9 edges, or a cell the table
  lacks); others map to the same cell. :class:`PaperEncoding` is the space strategies see: its
  :meth:`~PaperEncoding.cells` table enumerates every configuration, so random search walks them
  uniformly (the authors drew them with Ax's Sobol sequence: a low-discrepancy design with the
  same uniform marginals).
- **The training budget is a search dimension**: a strategy that does not choose the epochs
  (single-fidelity) gets each candidate's epochs drawn uniformly from the problem's fidelities
  (their ``budget`` parameter); multi-fidelity strategies choose it themselves.
- **An invalid proposal costs a trial** and trains nothing (the runs logged all-zero metrics);
  the strategy is told ``inf``.
- **A repeated query costs again** (repeats are retrained: ``Protocol(repeats="retrain")``).
- So the evaluations budget (``--evals``) counts trials: every proposal.

Regret is still measured from the cells a run trained at the target epochs.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.space import Arch, SearchSpace
from strategies.semoa import configuration_arch

#: The authors' encoding is enumerated; beyond 5 vertices it has billions of configurations.
MAX_VERTICES = 5

__all__ = ["PaperEncoding", "describe_paper", "query_epochs"]


def describe_paper() -> dict[str, str]:
    """The paper protocol's rules for ``run.json``."""
    return {"budget_counts": "trials: every proposal, invalid ones and repeats included",
            "repeated_query": "retrained: costs a trial, samples a repeat",
            "invalid_proposal": "costs a trial, trains nothing, told inf",
            "proposals": "configurations of the EC-NAS authors' encoding (ops, edge bits, "
                         "vertices in {2, n}, edge cap in {1, n(n-1)/2})",
            "epochs": "a search dimension: drawn uniformly from the fidelities for "
                      "single-fidelity strategies, chosen by multi-fidelity ones"}


def query_epochs(epochs: int, fidelities: tuple[int, ...], multi_fidelity: bool,
                 rng: np.random.Generator) -> int:
    """The epochs a candidate is trained at under the paper protocol: its own if the strategy
    chooses them, else one drawn uniformly from ``fidelities`` (the authors' budget
    parameter)."""
    return epochs if multi_fidelity else int(fidelities[int(rng.integers(len(fidelities)))])


def _configurations(n: int, ops: tuple[str, ...]) -> Iterator[tuple[Any, ...]]:
    n_pairs = n * (n - 1) // 2
    return itertools.product(itertools.product(ops, repeat=n - 2),
                             itertools.product((0, 1), repeat=n_pairs), (2, n), (1, n_pairs))


class PaperEncoding:
    """A search space whose "cells" are the configurations of the authors' encoding.

    :meth:`cells` and :meth:`arch` (what random search walks) and :meth:`sample` draw
    configurations, valid or not; everything else (hashing, validity, mutation, neighbours,
    encodings) is the wrapped space's, so other strategies search as they do in ecnas.

    Parameters
    ----------
    space : SearchSpace
        The space of the table searched (at most :data:`MAX_VERTICES` vertices).
    """

    #: Strategies that can ask invalid configurations (SEMOA) may: the runner charges them.
    proposes_invalid = True

    def __init__(self, space: SearchSpace) -> None:
        if space.max_vertices > MAX_VERTICES:
            raise ValueError(f"--protocol paper enumerates the authors' encoding, which is "
                             f"only done up to {MAX_VERTICES} vertices; {space.name} has "
                             f"{space.max_vertices}")
        self._space = space
        self.name = space.name
        self._archs = [
            configuration_arch(space.max_vertices, ops, bits, vertices, edges)
            for ops, bits, vertices, edges in _configurations(space.max_vertices, space.ops)]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._space, name)  # the wrapped space for everything not redefined

    def __repr__(self) -> str:
        return f"PaperEncoding({self._space!r}, configurations={len(self._archs)})"

    def cells(self, progress: Any = None) -> pd.DataFrame:
        """One row per configuration (its number): what random search permutes."""
        return pd.DataFrame({"configuration": np.arange(len(self._archs))})

    def arch(self, i: int) -> Arch:
        """The cell configuration ``i`` asks for (it may be invalid)."""
        return self._archs[i]

    def sample(self, rng: np.random.Generator, n: int = 1) -> list[Arch]:
        """``n`` configurations drawn uniformly (with replacement)."""
        return [self.arch(i) for i in rng.integers(len(self._archs), size=n).tolist()]
