"""SH-EMOA: an evolutionary multi-objective algorithm whose children go through successive
halving over the benchmark's fidelities.

Guerrero-Viu et al. (2021) run a steady-state SMS-EMOA (tournament parent selection, mutation
or uniform recombination, removal of the smallest hypervolume contributor of the last front)
and raise the fidelity of the whole population along a schedule fixed in advance from the
total number of evaluations. A strategy here does not know the budget (the runner owns it), so
ecnas puts the halving inside each generation instead: ``n_children`` children are trained at
the lowest fidelity and the best ``1 / eta`` (non-dominated rank, then hypervolume
contribution) promoted rung by rung (:mod:`strategies._halving`); the children that reach the
target fidelity join the population, which is cut back to ``population_size`` by removing the
smallest contributor of the last front, one at a time (SMS-EMOA). The first generation's
children are uniform cells.

Children: a parent drawn by tournament (``tournament_size`` members, best by rank then
contribution) is mutated (:meth:`~benchmarks.space.SearchSpace.mutate`) with probability
``fraction_mutation``, else crossed uniformly with a second tournament winner (genome of
:mod:`strategies._genome`; a mutation when no valid crossover is found). Children are cells never
asked before (re-drawn up to ``max_repeats`` times, then a new cell from
:class:`~strategies.duplicates.DuplicateElimination`).

Defaults are those of the published code (population 10, eta 2, tournament 3, half mutation,
uniform recombination with probability 0.5 per gene) with 10 children per generation (the
published code adds one child per step).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from benchmarks.space import Arch, SearchSpace
from strategies import _pareto
from strategies._genome import Genome
from strategies._halving import Bracket, HalvingStrategy
from strategies.base import check_setting, is_int, is_number


class SHEMOA(HalvingStrategy):
    """SMS-EMOA with successive halving of each generation's children.

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    population_size : int, default 10
        Cells kept at the target fidelity.
    n_children : int, default 10
        Children per generation, all trained at the lowest fidelity.
    eta : int, default 2
        Promotion ratio: the best ``1 / eta`` of a rung go up.
    tournament_size : int, default 3
        Members per parent tournament.
    fraction_mutation : float, default 0.5
        Probability that a child is a mutation rather than a crossover.
    max_repeats : int, default 20
        Children that are already-asked cells per slot before a new cell is taken from the
        duplicate elimination.
    """

    name: ClassVar[str] = "shemoa"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, population_size: int = 10,
                 n_children: int = 10, eta: int = 2, tournament_size: int = 3,
                 fraction_mutation: float = 0.5, max_repeats: int = 20) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives,
                         eta=eta, max_repeats=max_repeats)
        for key, value in (("population_size", population_size), ("n_children", n_children),
                           ("tournament_size", tournament_size)):
            check_setting(key, value, is_int(value) and value >= 1, "a positive int")
        check_setting("fraction_mutation", fraction_mutation, is_number(fraction_mutation, 0, 1),
                      "a number in [0, 1]")
        self.population_size, self.n_children = int(population_size), int(n_children)
        self.tournament_size = int(tournament_size)
        self.fraction_mutation = float(fraction_mutation)
        self._genome = Genome(space, rng)
        self._population: list[tuple[Arch, np.ndarray]] = []
        self._winners: dict[tuple[int, ...], int] = {}  # tournament draw -> its winner
        self.generation = 0

    @property
    def population(self) -> list[Arch]:
        """The surviving cells at the target fidelity."""
        return [a for a, _ in self._population]

    def _next_bracket(self) -> Bracket:
        self.generation += 1
        return Bracket(self._children(), self.fidelities, self.eta, self.space, self._known)

    def _finished(self, bracket: Bracket) -> None:
        self._survive(bracket.results())

    def _children(self) -> list[Arch]:
        return [self._unseen.add(self._unseen.first_new(self._child) if self._population
                                 else self._unseen.fresh()) for _ in range(self.n_children)]

    def _child(self) -> Arch:
        parent = self._tournament()
        if self.rng.random() < self.fraction_mutation or len(self._population) < 2:
            return self.space.mutate(parent, self.rng)
        child = self._genome.crossover(parent, self._tournament())
        return child if child is not None else self.space.mutate(parent, self.rng)

    def _tournament(self) -> Arch:
        """The winner of a tournament (:func:`strategies._pareto.tournament`); winners are
        memoised per draw while a generation is bred (up to ``2 * max_repeats`` tournaments
        per child, over a fixed population)."""
        n = len(self._population)
        picked = self.rng.choice(n, size=min(self.tournament_size, n), replace=False)
        key = tuple(picked.tolist())
        if key not in self._winners:
            F = np.array([self._population[i][1] for i in key])
            self._winners[key] = key[int(_pareto.best_first(F)[0])]
        return self._population[self._winners[key]][0]

    def _survive(self, results: list[tuple[Arch, np.ndarray]]) -> None:
        self._winners.clear()
        self._population.extend(results)
        while len(self._population) > self.population_size:
            F = np.array([f for _, f in self._population])
            del self._population[_pareto.worst(F)]
