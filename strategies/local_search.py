"""Pareto local search (PLS) over the space's neighbours, restarted by perturbation.

Paquete et al.'s PLS, the strong simple baseline of White et al. ("Local search is
state of the art for NAS benchmarks", 2021) made multi-objective: an archive keeps the
mutually non-dominated told cells (the SEMO rule of :mod:`strategies.semo`: a cell enters
unless an archive member weakly dominates it; members it dominates leave). An archive member
not yet explored is picked (the oldest first) and its neighbours
(:meth:`~benchmarks.space.SearchSpace.neighbours`: one edge flip or one op change) that were
never asked are proposed one by one, in random order; then it is explored. When every archive
member is explored (a Pareto local optimum), the search restarts from a perturbation: a
mutation of a random archive member with ``perturbation`` expected edge flips that was never
asked (iterated PLS). It starts from ``n_init`` uniform cells.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from benchmarks.space import Arch, SearchSpace
from strategies._genome import fresh_cell
from strategies.base import Candidate, Strategy, check_setting, is_int


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
    """

    name: ClassVar[str] = "local"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, n_init: int = 10,
                 perturbation: float = 4.0) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        check_setting("n_init", n_init, is_int(n_init) and n_init >= 1, "a positive int")
        check_setting("perturbation", perturbation, isinstance(perturbation, int | float)
                      and not isinstance(perturbation, bool) and perturbation > 0, "a number > 0")
        self.n_init, self.perturbation = int(n_init), float(perturbation)
        self._archive: list[tuple[str, Arch, np.ndarray]] = []
        self._explored: set[str] = set()
        self._queue: list[Arch] = []  # unasked neighbours of the cell being explored
        self._asked: set[str] = set()
        self.n_restarts = 0

    @property
    def archive_F(self) -> np.ndarray:
        """The told values of the non-dominated cells, oldest first."""
        return np.array([f for _, _, f in self._archive]).reshape(-1, self.n_objectives)

    def _ask(self) -> list[Candidate]:
        arch = self._next_neighbour() if len(self._asked) >= self.n_init else None
        if arch is None:
            parents = [a for _, a, _ in self._archive] if len(self._asked) >= self.n_init \
                else []
            self.n_restarts += bool(parents)
            arch = self._perturbed(parents)
        self._asked.add(self.space.hash(arch))
        return [Candidate(arch, self.epochs)]

    def _next_neighbour(self) -> Arch | None:
        while True:
            while self._queue:
                arch = self._queue.pop()
                if self.space.hash(arch) not in self._asked:
                    return arch
            todo = [(h, a) for h, a, _ in self._archive if h not in self._explored]
            if not todo:
                return None
            key, arch = todo[0]
            self._explored.add(key)
            order = self.rng.permutation(len(neighbours := self.space.neighbours(arch)))
            self._queue = [neighbours[i] for i in order.tolist()]

    def _perturbed(self, parents: list[Arch]) -> Arch:
        for _ in range(100):
            if not parents:
                break
            parent = parents[int(self.rng.integers(len(parents)))]
            child = self.space.mutate(parent, self.rng, edge_changes=self.perturbation,
                                      op_changes=1.0)
            if self.space.hash(child) not in self._asked:
                return child
        return fresh_cell(self.space, self.rng, self._asked, [])

    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        for candidate, f in zip(candidates, F, strict=True):
            if np.isfinite(f).all():
                self._insert(candidate.arch, f)

    def _insert(self, arch: Arch, f: np.ndarray) -> None:
        A = self.archive_F
        key = self.space.hash(arch)
        if any(h == key for h, _, _ in self._archive) or (A <= f).all(axis=1).any():
            return
        keep: list[bool] = np.asarray(~(f <= A).all(axis=1)).tolist()
        self._archive = [m for m, k in zip(self._archive, keep, strict=True) if k]
        self._archive.append((key, arch, f.copy()))
