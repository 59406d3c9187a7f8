"""Random search: cells drawn uniformly from the unique cells of the space, without replacement."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from benchmarks.space import SearchSpace
from strategies.base import Candidate, Strategy, check_setting, is_int


class RandomSearch(Strategy):
    """Uniform sampling without replacement over the unique cells of the space.

    Each cell is equally likely, whatever its number of vertices or orderings: the strategy
    walks a random permutation of the enumerated table of unique cells
    (:meth:`~benchmarks.space.SearchSpace.cells`), so no cell is asked twice until every cell
    was asked (then a new permutation starts).

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    batch_size : int, default 1
        Candidates per :meth:`ask`.
    """

    name: ClassVar[str] = "random"
    batch: ClassVar[bool] = True
    asynchronous: ClassVar[bool] = True  # proposals ignore results

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, batch_size: int = 1) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        check_setting("batch_size", batch_size, is_int(batch_size) and batch_size >= 1,
                      "a positive int")
        self.batch_size = int(batch_size)
        self._order: list[int] = []
        self._next = 0

    def _ask(self) -> list[Candidate]:
        out = []
        for _ in range(self.batch_size):
            if self._next >= len(self._order):  # first ask, or every cell was asked
                self._order = self.rng.permutation(len(self.space.cells())).tolist()
                self._next = 0
            out.append(Candidate(self.space.arch(self._order[self._next]), self.epochs))
            self._next += 1
        return out

    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        pass  # random search does not learn
