"""Multi-objective regularised (aging) evolution.

Real et al.'s regularised evolution (2019), made multi-objective as in syne-tune's
``MultiObjectiveRegularizedEvolution``: the population is a queue of the last
``population_size`` evaluated cells. The first ``population_size`` candidates are drawn
uniformly from the space; after that each candidate is a mutation
(:meth:`~benchmarks.space.SearchSpace.mutate`) of the best of ``sample_size`` members drawn
uniformly without replacement from the population, "best" meaning non-dominated rank within
the sample, then hypervolume contribution (:mod:`strategies._pareto`). The child joins the
queue and the oldest member leaves, whatever its quality (aging), which keeps the population
moving. A child that is a cell already asked is re-drawn (up to ``max_repeats`` mutations of
fresh tournaments, then a new cell from :class:`~strategies.duplicates.DuplicateElimination`);
cells that could not be evaluated never join the population.

Defaults follow syne-tune's (population 100, sample 10) and the mutation of
:class:`~strategies.semo.SEMO` (two edge flips and half an op change expected).
"""

from __future__ import annotations

from collections import deque
from typing import ClassVar

import numpy as np

from benchmarks.space import Arch, SearchSpace
from strategies import _pareto
from strategies.base import Candidate, Strategy, check_mutation, check_setting, is_int
from strategies.duplicates import DuplicateElimination


class RegularizedEvolution(Strategy):
    """Aging evolution with tournaments on non-dominated rank and hypervolume contribution.

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    population_size : int, default 100
        Cells in the aging queue (and uniform draws before evolution starts).
    sample_size : int, default 10
        Tournament size.
    edge_changes : float, default 2.0
        Expected edge flips per mutation.
    op_changes : float, default 0.5
        Expected op changes per mutation.
    max_repeats : int, default 50
        Tournaments per candidate whose child is an already-asked cell before a new cell is
        taken from the duplicate elimination.
    """

    name: ClassVar[str] = "evolution"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, population_size: int = 100,
                 sample_size: int = 10, edge_changes: float = 2.0, op_changes: float = 0.5,
                 max_repeats: int = 50) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        check_setting("population_size", population_size,
                      is_int(population_size) and population_size >= 2, "an int >= 2")
        check_setting("sample_size", sample_size, is_int(sample_size) and 1 <= sample_size
                      <= population_size, "an int in [1, population_size]")
        check_mutation(space, edge_changes, op_changes)
        check_setting("max_repeats", max_repeats, is_int(max_repeats) and max_repeats >= 1,
                      "a positive int")
        self.population_size, self.sample_size = int(population_size), int(sample_size)
        self.edge_changes, self.op_changes = float(edge_changes), float(op_changes)
        self.max_repeats = int(max_repeats)
        self._population: deque[tuple[Arch, np.ndarray]] = deque(maxlen=self.population_size)
        self._unseen = DuplicateElimination(space, rng, max_repeats=self.max_repeats)
        self._n_asked = 0

    @property
    def population(self) -> list[Arch]:
        """The cells of the aging queue, oldest first."""
        return [arch for arch, _ in self._population]

    def _ask(self) -> list[Candidate]:
        self._n_asked += 1
        if self._n_asked > self.population_size and self._population:
            arch = self._unseen.first_new(lambda: self.space.mutate(
                self._tournament(), self.rng, edge_changes=self.edge_changes,
                op_changes=self.op_changes))
        else:
            arch = self._unseen.fresh()
        return [Candidate(self._unseen.add(arch), self.epochs)]

    def _tournament(self) -> Arch:
        F = np.array([f for _, f in self._population])
        return self._population[_pareto.tournament(F, self.sample_size, self.rng)][0]

    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        for candidate, f in zip(candidates, F, strict=True):
            self._population.append((candidate.arch, f.copy()))
