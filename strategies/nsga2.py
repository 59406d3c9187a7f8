"""NSGA-II through Optuna's :class:`~optuna.samplers.NSGAIISampler`, with duplicate elimination.

A genome is the edge-and-op genome of :mod:`strategies._genome` (26 categorical genes for 7
vertices), held as :class:`~strategies._genome.Genome`. The first generation is uniform over
genomes (see :mod:`strategies.random_genome` for the prior this puts on cells).

Duplicate elimination, as pymoo does by default: a child that decodes to an invalid cell or
to a cell this run has already asked (in the population or earlier) is regenerated. From the
second generation on this happens inside Optuna, through its extension point
``NSGAIISampler(child_generation_strategy=...)``: :class:`DistinctChildren` wraps Optuna's own
NSGA-II child generation (tournament, uniform crossover, mutation) and mates again up to
:data:`MATINGS` times, then changes one more parameter of the last child at a time (matings
are slow: each one rebuilds Optuna's parameter transform), ``max_repeats`` tries in all,
and then takes a new cell from :class:`~strategies.duplicates.DuplicateElimination` (a
mutation of a parent). Mutated parameters, which Optuna leaves to its random sampler, are
drawn uniformly here so the child can be checked before it is asked. In the first
generation (sampled by Optuna's random sampler) invalid and repeated genomes are told as
``FAIL`` trials, which neither fill nor end a generation, as in :mod:`strategies._optuna`.
The sampler's seed is drawn from the strategy's ``rng``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.exceptions import ExperimentalWarning
from optuna.samplers import NSGAIISampler
from optuna.samplers.nsgaii import UniformCrossover

# The default NSGA-II child generation, wrapped (not changed) by DistinctChildren. Optuna
# exports the extension point's argument but not this class from a public module: the Optuna
# range is pinned in pyproject.toml and tests/strategies/test_operators.py fails if it moves.
from optuna.samplers.nsgaii._child_generation_strategy import NSGAIIChildGenerationStrategy
from optuna.study import Study
from optuna.trial import FrozenTrial

from benchmarks.space import Arch, SearchSpace
from strategies._optuna import OptunaStrategy
from strategies.base import check_setting, is_int, is_number

#: Matings (Optuna's child generation) tried per child before further single-parameter
#: mutations of the last child regenerate it.
MATINGS = 3


class NSGA2(OptunaStrategy):
    """NSGA-II (Optuna's sampler) over a fixed-length edge-and-op genome, no duplicate cells.

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    population_size : int, default 50
        Individuals (completed trials) per generation.
    mutation_prob : float, optional
        Probability of re-drawing each parameter of a child; Optuna's default,
        ``1 / n_parameters``, when None.
    crossover_prob : float, default 0.9
        Probability that a child is a crossover of two parents rather than a parent copy.
    swapping_prob : float, default 0.5
        Probability of taking each parameter from the other parent in uniform crossover.
    max_repeats : int, default 20
        Children (or first-generation genomes) that are invalid or repeat an asked cell,
        per candidate, before a new cell is taken from the duplicate elimination.

    Attributes
    ----------
    n_regenerated : int
        Children regenerated because they were invalid or repeated.
    n_repaired : int
        Children that came from the duplicate elimination.
    """

    name: ClassVar[str] = "nsga2"
    generational: ClassVar[bool] = True

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, population_size: int = 50,
                 mutation_prob: float | None = None, crossover_prob: float = 0.9,
                 swapping_prob: float = 0.5, max_repeats: int = 20) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        check_setting("population_size", population_size,
                      is_int(population_size) and population_size >= 2, "an int >= 2")
        check_setting("mutation_prob", mutation_prob,
                      mutation_prob is None or is_number(mutation_prob, 0, 1),
                      "None or a number in [0, 1]")
        for key, value in (("crossover_prob", crossover_prob), ("swapping_prob", swapping_prob)):
            check_setting(key, value, is_number(value, 0, 1), "a number in [0, 1]")
        self.population_size = int(population_size)
        self.mutation_prob = None if mutation_prob is None else float(mutation_prob)
        self.crossover_prob = float(crossover_prob)
        self.swapping_prob = float(swapping_prob)
        self.n_regenerated = self.n_repaired = 0
        seed = int(rng.integers(2**32))
        inner = NSGAIIChildGenerationStrategy(
            crossover=UniformCrossover(self.swapping_prob), crossover_prob=self.crossover_prob,
            swapping_prob=self.swapping_prob, mutation_prob=self.mutation_prob,
            rng=_SeededRandomState(seed))  # type: ignore[arg-type]
        with warnings.catch_warnings():  # child_generation_strategy is "experimental"
            warnings.simplefilter("ignore", ExperimentalWarning)
            sampler = NSGAIISampler(population_size=self.population_size, seed=seed,
                                    child_generation_strategy=DistinctChildren(inner, self))
        # first generation: at most max_repeats invalid genomes, and repeats, per candidate
        self._start(sampler, max_attempts=max_repeats, max_repeats=max_repeats)

    def new_cell(self, params: dict[str, Any]) -> Arch | None:
        """The pruned cell of a genome, or None if it is invalid or was asked before."""
        arch = self._genome.valid(params)
        return None if arch is None or arch in self._unseen else arch

    def new_mutant(self, parents: list[Arch]) -> Arch:
        """A cell not asked before, near ``parents`` (a repair)."""
        self.n_repaired += 1
        return self._unseen.fresh(parents)


class DistinctChildren:
    """Optuna child generation (``NSGAIISampler(child_generation_strategy=...)``) that
    regenerates children decoding to an invalid cell or a cell the run has already asked.

    Parameters
    ----------
    inner : callable
        Optuna's NSGA-II child generation, ``inner(study, search_space, parents) -> params``.
    owner : NSGA2
        Decodes genomes and knows the run's cells (:meth:`NSGA2.new_cell`,
        :meth:`NSGA2.new_mutant`).
    """

    def __init__(self, inner: Callable[..., dict[str, Any]], owner: NSGA2) -> None:
        self.inner, self.owner = inner, owner

    def __call__(self, study: Study, search_space: dict[str, BaseDistribution],
                 parent_population: list[FrozenTrial]) -> dict[str, Any]:
        owner = self.owner
        params = self._complete(self.inner(study, search_space, parent_population),
                                search_space)
        for attempt in range(owner.max_repeats):
            if owner.new_cell(params) is not None:
                return params
            owner.n_regenerated += 1
            if attempt + 1 < MATINGS:  # mate again: Optuna's tournament, crossover, mutation
                params = self._complete(self.inner(study, search_space, parent_population),
                                        search_space)
            else:  # then mutate the last child further (cheap; the matings are slow)
                params = self._mutate_one(params, search_space)
        parents = [a for a in map(owner._genome.valid, (t.params for t in parent_population))
                   if a]
        return owner._genome.encode(owner.new_mutant(parents))

    def _mutate_one(self, params: dict[str, Any], search_space: dict[str, BaseDistribution]
                    ) -> dict[str, Any]:
        """``params`` with one parameter, drawn uniformly, set to another of its choices."""
        names = list(search_space)
        name = names[int(self.owner.rng.integers(len(names)))]
        others = [c for c in search_space[name].choices  # type: ignore[attr-defined]
                  if c != params[name]]
        return {**params, name: others[int(self.owner.rng.integers(len(others)))]}

    def _complete(self, params: dict[str, Any], search_space: dict[str, BaseDistribution]
                  ) -> dict[str, Any]:
        """Draw the parameters Optuna's mutation left out, uniformly (as its random sampler)."""
        for name, dist in search_space.items():
            if name not in params:
                choices = dist.choices  # type: ignore[attr-defined]  # categorical genome
                params[name] = choices[int(self.owner.rng.integers(len(choices)))]
        return params


class _SeededRandomState:
    """The ``rng`` Optuna's child generation expects: ``.rng``, a seeded RandomState."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.RandomState(seed)

