"""Multi-objective regularised (aging) evolution.

Real et al.'s regularised evolution (2019), made multi-objective as in syne-tune's
``MultiObjectiveRegularizedEvolution``: the population is a queue of the last
``population_size`` evaluated cells. The first ``population_size`` candidates are drawn
uniformly from the space; after that each candidate is a mutation
(:meth:`~benchmarks.space.SearchSpace.mutate`) of the best of ``sample_size`` members drawn
uniformly without replacement from the population, "best" meaning non-dominated rank within
the sample, then hypervolume contribution (:mod:`strategies._pareto`). The child joins the
queue and the oldest member leaves, whatever its quality (aging), which keeps the population
moving. A child that is a cell already asked is re-drawn (up to ``max_tries`` mutations of
fresh tournaments); cells told a non-finite value never join the population.

Defaults follow syne-tune's (population 100, sample 10) and the mutation of
:class:`~strategies.semo.SEMO` (two edge flips and half an op change expected).
"""

from __future__ import annotations

from collections import deque
from typing import ClassVar

import numpy as np

from benchmarks.space import Arch, SearchSpace
from strategies import _pareto
from strategies._genome import fresh_cell
from strategies.base import Candidate, Strategy, check_setting, is_int


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
    max_tries : int, default 50
        Tournaments per candidate whose child is an already asked cell before a fresh cell
        is proposed instead.
    """

    name: ClassVar[str] = "evolution"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, population_size: int = 100,
                 sample_size: int = 10, edge_changes: float = 2.0, op_changes: float = 0.5,
                 max_tries: int = 50) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        check_setting("population_size", population_size,
                      is_int(population_size) and population_size >= 2, "an int >= 2")
        check_setting("sample_size", sample_size, is_int(sample_size) and 1 <= sample_size
                      <= population_size, "an int in [1, population_size]")
        for key, value in (("edge_changes", edge_changes), ("op_changes", op_changes)):
            check_setting(key, value, isinstance(value, int | float)
                          and not isinstance(value, bool) and value >= 0, "a number >= 0")
        check_setting("edge_changes", edge_changes, edge_changes + op_changes > 0,
                      "> 0 when op_changes is 0")
        check_setting("max_tries", max_tries, is_int(max_tries) and max_tries >= 1,
                      "a positive int")
        self.population_size, self.sample_size = int(population_size), int(sample_size)
        self.edge_changes, self.op_changes = float(edge_changes), float(op_changes)
        self.max_tries = int(max_tries)
        self._population: deque[tuple[Arch, np.ndarray]] = deque(maxlen=self.population_size)
        self._asked: set[str] = set()
        self._n_asked = 0

    @property
    def population(self) -> list[Arch]:
        """The cells of the aging queue, oldest first."""
        return [arch for arch, _ in self._population]

    def _ask(self) -> list[Candidate]:
        self._n_asked += 1
        arch = None
        if self._n_asked > self.population_size and self._population:
            for _ in range(self.max_tries):
                child = self.space.mutate(self._tournament(), self.rng,
                                          edge_changes=self.edge_changes,
                                          op_changes=self.op_changes)
                if self.space.hash(child) not in self._asked:
                    arch = child
                    break
        if arch is None:
            arch = fresh_cell(self.space, self.rng, self._asked, [])
        self._asked.add(self.space.hash(arch))
        return [Candidate(arch, self.epochs)]

    def _tournament(self) -> Arch:
        k = min(self.sample_size, len(self._population))
        picked = self.rng.choice(len(self._population), size=k, replace=False)
        F = np.array([self._population[i][1] for i in picked.tolist()])
        return self._population[int(picked[_pareto.best_first(F)[0]])][0]

    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        for candidate, f in zip(candidates, F, strict=True):
            if np.isfinite(f).all():
                self._population.append((candidate.arch, f.copy()))
