"""Shared adapter: a pymoo genetic algorithm driven through pymoo's own ask/tell interface.

The algorithm is built fresh per run, set up once (``algorithm.setup(problem, seed=...)``, the
seed drawn from the strategy's ``rng``, no termination: the runner owns the budget) and then
driven by ``algorithm.ask()`` (a population of genomes) and ``algorithm.tell(infills=...)``
(the evaluated ones, their values set through pymoo's ``StaticProblem`` evaluator, as pymoo's
ask/tell guide does). The runner gets one candidate per :meth:`~strategies.base.Strategy.ask`;
a population is told to pymoo once all its candidates were told.

The genome is :class:`~strategies._genome.Genome`'s: one pymoo ``Choice`` variable per gene
(edge bits, then op indices). Operators are pymoo's: uniform crossover (``UX``, probability
``crossover_prob``) and per-gene reset (``ChoiceRandomMutation``, each gene re-drawn with
probability ``mutation_prob``, ``1 / n_genes`` by default).

Invalid genomes and repeated cells are handled as :mod:`strategies.nsga2` handles them, by
regeneration: :class:`CellDuplicates` is pymoo's duplicate-elimination extension point and
counts a genome that decodes to an invalid cell, or to a cell this run has already asked (in
any generation), or to a cell earlier in the same offspring, as a duplicate, so pymoo's mating
loop regenerates it (up to its ``n_max_iterations``). The first generation is drawn by
:class:`GenomeSampling`: uniform genomes, the invalid and repeated ones re-drawn, at most
``max_repeats`` draws per individual. Where pymoo still returns fewer individuals than asked
(a nearly exhausted space), the rest are new cells from
:class:`~strategies.duplicates.DuplicateElimination` (mutations of the population).
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

import numpy as np
from pymoo.algorithms.base.genetic import GeneticAlgorithm
from pymoo.core.duplicate import DuplicateElimination as PymooDuplicateElimination
from pymoo.core.evaluator import Evaluator
from pymoo.core.population import Population
from pymoo.core.problem import Problem
from pymoo.core.sampling import Sampling
from pymoo.core.termination import NoTermination
from pymoo.core.variable import Choice
from pymoo.operators.crossover.ux import UX
from pymoo.operators.mutation.rm import ChoiceRandomMutation
from pymoo.problems.static import StaticProblem

from benchmarks.space import Arch, SearchSpace
from strategies._genome import Genome
from strategies.base import Candidate, Strategy, check_setting, is_int, is_number
from strategies.duplicates import DuplicateElimination


class PymooStrategy(Strategy):
    """Base class: subclasses name the pymoo algorithm class in ``algorithm``.

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    population_size : int, default 50
        pymoo's ``pop_size`` (offspring per generation: pymoo's default for the algorithm).
    crossover_prob : float, default 0.9
        Probability that a mating applies uniform crossover.
    mutation_prob : float, optional
        Per-gene reset probability; ``1 / n_genes`` when None.
    max_repeats : int, default 20
        First-generation genomes drawn per individual (invalid or repeated ones are re-drawn).

    Attributes
    ----------
    n_topped_up : int
        Individuals pymoo could not generate that came from the duplicate elimination.
    """

    #: The pymoo algorithm class, ``module:Class``, built with ``pop_size`` and the operators
    #: (imported on first use: AGE-MOEA-2's module imports numba, seconds per process).
    algorithm: ClassVar[str]

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, population_size: int = 50,
                 crossover_prob: float = 0.9, mutation_prob: float | None = None,
                 max_repeats: int = 20) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        check_setting("population_size", population_size,
                      is_int(population_size) and population_size >= 2, "an int >= 2")
        check_setting("crossover_prob", crossover_prob, is_number(crossover_prob, 0, 1),
                      "a number in [0, 1]")
        check_setting("mutation_prob", mutation_prob,
                      mutation_prob is None or is_number(mutation_prob, 0, 1),
                      "None or a number in [0, 1]")
        check_setting("max_repeats", max_repeats, is_int(max_repeats) and max_repeats >= 1,
                      "a positive int")
        self.population_size, self.crossover_prob = int(population_size), float(crossover_prob)
        self.mutation_prob = None if mutation_prob is None else float(mutation_prob)
        self.max_repeats = int(max_repeats)
        self.n_topped_up = 0
        self._genome = Genome(space, rng)
        self._asked = DuplicateElimination(space, rng, max_repeats=self.max_repeats)
        self._sizes = [len(d.choices) for d in self._genome.distributions.values()]  # type: ignore[attr-defined]
        self._problem = Problem(vars={name: Choice(options=list(range(k))) for name, k in
                                      zip(self._genome.names, self._sizes, strict=True)},
                                n_obj=n_objectives)
        n_genes = len(self._sizes)
        module, _, cls = self.algorithm.partition(":")
        algorithm: type[GeneticAlgorithm] = getattr(importlib.import_module(module), cls)
        self._algorithm = algorithm(
            pop_size=self.population_size, sampling=GenomeSampling(self),
            crossover=UX(prob=self.crossover_prob),
            mutation=ChoiceRandomMutation(prob=1.0, prob_var=self.mutation_prob or 1 / n_genes),
            eliminate_duplicates=CellDuplicates(self))
        self._algorithm.setup(self._problem, seed=int(rng.integers(2**32)),
                              termination=NoTermination())
        self._batch: list[Arch] = []  # the cells of the current population, in order
        self._next = 0  # the next of them to ask
        self._values: dict[int, np.ndarray] = {}  # told rows of the current population
        self._infills = Population.empty()

    # ----- genomes --------------------------------------------------------------------------
    def cell(self, x: np.ndarray) -> Arch | None:
        """The pruned cell of a genome row (gene indices), or None if it is invalid."""
        params: dict[str, Any] = {}
        for name, k in zip(self._genome.names, np.asarray(x, dtype=int).tolist(), strict=True):
            params[name] = self._genome.distributions[name].choices[k]  # type: ignore[attr-defined]
        return self._genome.valid(params)

    def genes(self, arch: Arch) -> np.ndarray:
        """The gene indices of a valid cell (padded as :meth:`Genome.encode` does)."""
        params = self._genome.encode(arch)
        return np.array([self._genome.distributions[name].choices.index(params[name])  # type: ignore[attr-defined]
                         for name in self._genome.names])

    def is_new(self, arch: Arch | None) -> bool:
        """Whether ``arch`` is a valid cell this run has not asked (nor put in a population)."""
        return arch is not None and arch not in self._asked

    # ----- ask/tell -------------------------------------------------------------------------
    def _ask(self) -> list[Candidate]:
        if self._next == len(self._batch):
            self._new_population()
        arch = self._batch[self._next]
        self._next += 1
        return [Candidate(arch, self.epochs)]

    def _new_population(self) -> None:
        off = self._algorithm.ask()
        if off is None:  # pymoo's mating found no new cell (it also stops the algorithm)
            off = Population.empty()
            self._algorithm.termination.force_termination = False  # the runner ends the run
        X = np.asarray(off.get("X"), dtype=int).reshape(len(off), len(self._sizes))
        cells = [self.cell(x) for x in X]
        wanted = self._algorithm.n_offsprings if self._algorithm.is_initialized \
            else self.population_size
        parents = [a for a in (self.cell(x) for x in self._population_genes()) if a]
        for arch in cells:
            self._asked.add(arch)  # type: ignore[arg-type]  # CellDuplicates let only valid ones in
        extra = []
        for _ in range(max(wanted - len(cells), 1 - len(cells))):  # at least one individual
            extra.append(self._asked.add(self._asked.fresh(parents)))
            self.n_topped_up += 1
        if extra:
            X = np.vstack([X, np.array([self.genes(a) for a in extra])])
        self._infills = Population.new(X=X)
        self._batch = [*cells, *extra]  # type: ignore[list-item]
        self._next, self._values = 0, {}

    def _population_genes(self) -> np.ndarray:
        pop = self._algorithm.pop
        if pop is None or len(pop) == 0:
            return np.empty((0, len(self._sizes)), dtype=int)
        return np.asarray(pop.get("X"), dtype=int)

    def _tell(self, candidates: list[Candidate], F: np.ndarray) -> None:
        self._values[self._next - 1] = F[0]
        self._resolved()

    def _fail(self, candidates: list[Candidate]) -> None:
        self._resolved()  # a failed individual is left out of what pymoo is told

    def _resolved(self) -> None:
        if self._next < len(self._batch) or not self._values:
            return  # the population is not all told yet, or nothing could be evaluated
        rows = sorted(self._values)
        done = self._infills[rows]
        Evaluator().eval(StaticProblem(self._problem, F=np.array([self._values[i] for i in rows])),
                         done)
        self._algorithm.tell(infills=done)


class GenomeSampling(Sampling):
    """pymoo sampling of the first generation: uniform genomes of valid, distinct, unasked
    cells, at most ``max_repeats`` draws per individual."""

    def __init__(self, owner: PymooStrategy) -> None:
        super().__init__()
        self.owner = owner

    def _do(self, problem: Problem, n_samples: int, *args: Any,
            random_state: np.random.Generator | None = None, **kwargs: Any) -> np.ndarray:
        assert random_state is not None  # pymoo passes the algorithm's seeded generator
        owner, keep, keys = self.owner, [], set()
        sizes = np.array(owner._sizes)
        for _ in range(owner.max_repeats):
            for x in random_state.integers(sizes, size=(n_samples, len(sizes))):
                arch = owner.cell(x)
                if owner.is_new(arch) and owner.space.hash(arch) not in keys:  # type: ignore[arg-type]
                    keys.add(owner.space.hash(arch))  # type: ignore[arg-type]
                    keep.append(x)
                    if len(keep) == n_samples:
                        return np.array(keep)
        return np.array(keep, dtype=int).reshape(len(keep), len(sizes))


class CellDuplicates(PymooDuplicateElimination):
    """pymoo duplicate elimination by cell: an invalid genome, a cell the run has asked, or a
    cell seen earlier in ``pop`` or in ``other`` is a duplicate (pymoo regenerates it)."""

    def __init__(self, owner: PymooStrategy) -> None:
        super().__init__()
        self.owner = owner

    def _do(self, pop: Population, other: Population | None,
            is_duplicate: np.ndarray) -> np.ndarray:
        owner = self.owner
        taken = set() if other is None else {
            owner.space.hash(a) for a in map(owner.cell, other.get("X")) if a is not None}
        for i, x in enumerate(pop.get("X")):
            arch = owner.cell(x)
            if arch is None or arch in owner._asked or owner.space.hash(arch) in taken:
                is_duplicate[i] = True
            else:
                taken.add(owner.space.hash(arch))
        return is_duplicate
