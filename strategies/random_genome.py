"""Random genomes: uniform over the fixed-length edge + op encoding, decoded and pruned.

This is what a genetic algorithm's first generation looks like (nsga2 samples its initial
population this way). Next to :class:`~strategies.random_search.RandomSearch` (uniform over
the unique cells) it shows the prior of the encoding: on the 5-vertex space a uniformly
random genome prunes to a 2-vertex cell (input -> output) about a fifth of the time, and
small cells, many of them on the true front of an accuracy-energy problem, are far more
likely than under uniform sampling of unique cells.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from benchmarks.space import Arch, InvalidArchError, SearchSpace
from strategies._genome import Genome
from strategies.base import Candidate, Strategy, check_setting, is_int

#: Genomes of a space above which decoded genomes are not memoised (the memo would grow with
#: every genome drawn).
MAX_MEMO = 1_000_000


class RandomGenome(Strategy):
    """Uniform sampling of the ``V(V-1)/2`` edge bits and ``V-2`` ops, decoded and pruned.

    Genomes (:mod:`strategies._genome`) that decode to an invalid cell (no input -> output
    path, too many edges) are re-drawn; the same cell may be asked again (the runner answers
    it from its cache).

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    max_attempts : int, default 10000
        Genomes drawn per candidate before giving up (a space where valid genomes are rare).
    """

    name: ClassVar[str] = "random-genome"
    asynchronous: ClassVar[bool] = True  # proposals ignore results

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int,
                 max_attempts: int = 10_000) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        check_setting("max_attempts", max_attempts, is_int(max_attempts) and max_attempts >= 1,
                      "a positive int")
        self.max_attempts = int(max_attempts)
        m = space.max_vertices
        self._slots = m * (m - 1) // 2
        self._genome = Genome(space, rng)
        self._pruned: dict[tuple[bytes, bytes], Arch | None] = {}  # genome -> cell or None
        # the memo holds every genome drawn: only where genomes are few (4v: 576, 5v: 27,648),
        # not on 7v (2^21 3^5), where a long run filled gigabytes with genomes drawn once
        self._memo = 2 ** self._slots * len(space.ops) ** (m - 2) <= MAX_MEMO

    def _ask(self) -> list[Candidate]:
        m, ops = self.space.max_vertices, self.space.ops
        for _ in range(self.max_attempts):
            edges = self.rng.integers(2, size=self._slots)
            picks = self.rng.integers(len(ops), size=m - 2)
            key = (edges.tobytes(), picks.tobytes())
            if key in self._pruned:  # repeated genomes are common on small spaces
                arch = self._pruned[key]
            else:
                try:
                    arch = self.space.validate(
                        self._genome.cell(edges, [ops[k] for k in picks.tolist()]))
                except InvalidArchError:
                    arch = None
                if self._memo:
                    self._pruned[key] = arch
            if arch is not None:
                return [Candidate(arch, self.epochs)]
        raise RuntimeError(f"no valid genome of {self.space.name} in {self.max_attempts} draws")

    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        pass  # random sampling does not learn
