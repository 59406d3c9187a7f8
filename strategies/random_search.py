"""Random search: cells drawn uniformly from the unique cells of the space."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from benchmarks.space import SearchSpace
from strategies.base import Candidate, Strategy, check_setting, is_int


class RandomSearch(Strategy):
    """Uniform sampling (with replacement) over the unique cells of the space.

    Each cell is equally likely, whatever its number of vertices or orderings (it samples
    :meth:`~benchmarks.space.SearchSpace.sample`, the enumerated table of unique cells).

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    batch_size : int, default 1
        Candidates per :meth:`ask`.
    """

    name: ClassVar[str] = "random"
    batch: ClassVar[bool] = True

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, batch_size: int = 1) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        check_setting("batch_size", batch_size, is_int(batch_size) and batch_size >= 1,
                      "a positive int")
        self.batch_size = int(batch_size)

    def _ask(self) -> list[Candidate]:
        return [Candidate(arch, self.epochs)
                for arch in self.space.sample(self.rng, self.batch_size)]

    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        pass  # random search does not learn
