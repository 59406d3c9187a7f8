"""Pareto local search (PLS) over the space's neighbours, restarted by perturbation.

Paquete et al.'s PLS, the strong simple baseline of White et al. ("Local search is
state of the art for NAS benchmarks", 2021) made multi-objective: an archive keeps the
mutually non-dominated told cells (the SEMO rule, :class:`strategies._pareto.Archive`: a cell
enters unless an archive member weakly dominates it; members it dominates leave). An archive member
not yet explored is picked (the oldest first) and its neighbours
(:meth:`~benchmarks.space.SearchSpace.neighbours`: one edge flip or one op change) that were
never asked are proposed one by one, in random order; then it is explored. When every archive
member is explored (a Pareto local optimum), the search restarts from a perturbation: a
mutation of a random archive member with ``perturbation`` expected edge flips that was never
asked (iterated PLS; after ``max_repeats`` asked ones, a new cell from
:class:`~strategies.duplicates.DuplicateElimination`). It starts from ``n_init`` uniform cells.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from benchmarks.space import Arch, SearchSpace
from strategies._pareto import Archive
from strategies.base import Candidate, Strategy, check_setting, is_int, is_number
from strategies.duplicates import DuplicateElimination


class LocalSearch(Strategy):
    """Pareto local search with perturbation restarts.

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    n_init : int, default 10
        Uniform cells before local search starts (more while nothing could be evaluated).
    perturbation : float, default 4.0
        Expected edge flips of a restart's mutation (one op change expected besides).
    max_repeats : int, default 100
        Restart mutations that are already-asked cells per candidate before a new cell is
        taken from the duplicate elimination.
    """

    name: ClassVar[str] = "local"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, n_init: int = 10,
                 perturbation: float = 4.0, max_repeats: int = 100) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        check_setting("n_init", n_init, is_int(n_init) and n_init >= 1, "a positive int")
        check_setting("perturbation", perturbation,
                      is_number(perturbation, 0) and perturbation > 0, "a number > 0")
        check_setting("max_repeats", max_repeats, is_int(max_repeats) and max_repeats >= 1,
                      "a positive int")
        self.n_init, self.perturbation = int(n_init), float(perturbation)
        self.max_repeats = int(max_repeats)
        self._archive = Archive(space, self.n_objectives)
        self._explored: set[str] = set()
        self._queue: list[Arch] = []  # unasked neighbours of the cell being explored
        self._unseen = DuplicateElimination(space, rng, max_repeats=self.max_repeats)
        self.n_restarts = 0

    @property
    def archive_F(self) -> np.ndarray:
        """The told values of the non-dominated cells, oldest first."""
        return self._archive.F.copy()

    def _ask(self) -> list[Candidate]:
        started = len(self._unseen) >= self.n_init
        arch = self._next_neighbour() if started else None
        if arch is None:
            parents = self._archive.cells if started else []
            self.n_restarts += bool(parents)
            arch = self._perturbed(parents) if parents else self._unseen.fresh()
        return [Candidate(self._unseen.add(arch), self.epochs)]

    def _next_neighbour(self) -> Arch | None:
        while True:
            while self._queue:
                arch = self._queue.pop()
                if arch not in self._unseen:
                    return arch
            todo = [(h, a) for h, a in zip(self._archive.hashes, self._archive.cells,
                                           strict=True) if h not in self._explored]
            if not todo:
                return None
            key, arch = todo[0]
            self._explored.add(key)
            order = self.rng.permutation(len(neighbours := self.space.neighbours(arch)))
            self._queue = [neighbours[i] for i in order.tolist()]

    def _perturbed(self, parents: list[Arch]) -> Arch:
        def mutation() -> Arch:
            parent = parents[int(self.rng.integers(len(parents)))]
            return self.space.mutate(parent, self.rng, edge_changes=self.perturbation,
                                     op_changes=1.0)

        return self._unseen.first_new(mutation)

    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        for candidate, f in zip(candidates, F, strict=True):
            self._archive.insert(candidate.arch, f)
