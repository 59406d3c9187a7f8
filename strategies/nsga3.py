"""NSGA-III through Optuna's :class:`~optuna.samplers.NSGAIIISampler` over the cell genome.

Deb and Jain (2014) replace NSGA-II's crowding distance by niching around structured
reference points on the normalised hyperplane, which keeps a spread front with three or more
objectives (for example accuracy, energy and parameters); with two objectives it behaves much
like NSGA-II. The genome, invalid genomes and repeated cells are handled as in
:mod:`strategies._optuna`: a cell already asked is told its known values again (it is a member
of the generation, as in :mod:`strategies.nsga2`), at most ``max_repeats`` times per candidate,
then a new cell is proposed as a fixed trial of the current generation.

Defaults are Optuna's (population 50, ``dividing_parameter=3`` reference-point divisions,
crossover probability 0.9, uniform crossover swapping 0.5, mutation ``1 / n_genes``).
"""

from __future__ import annotations

import warnings
from typing import ClassVar

import numpy as np
from optuna.exceptions import ExperimentalWarning
from optuna.samplers import NSGAIIISampler

from benchmarks.space import SearchSpace
from strategies._optuna import OptunaStrategy
from strategies.base import check_setting, is_int, is_number


class NSGA3(OptunaStrategy):
    """NSGA-III (Optuna's sampler) over the edge-and-op genome.

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    population_size : int, default 50
        Individuals (completed trials) per generation.
    dividing_parameter : int, default 3
        Divisions per objective axis of the reference points.
    crossover_prob : float, default 0.9
        Probability that a child is a crossover of two parents.
    max_attempts : int, default 10
        Invalid genomes per candidate before a fresh cell is proposed instead.
    max_repeats : int, default 3
        Proposals of already-asked cells per candidate (told their values again) before a
        new cell is taken from the duplicate elimination.
    """

    name: ClassVar[str] = "nsga3"
    retell_known: ClassVar[bool] = True
    generational: ClassVar[bool] = True

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator,
                 fidelities: tuple[int, ...], n_objectives: int, population_size: int = 50,
                 dividing_parameter: int = 3, crossover_prob: float = 0.9,
                 max_attempts: int = 10, max_repeats: int = 3) -> None:
        super().__init__(space, rng=rng, fidelities=fidelities, n_objectives=n_objectives)
        check_setting("population_size", population_size,
                      is_int(population_size) and population_size >= 2, "an int >= 2")
        check_setting("dividing_parameter", dividing_parameter,
                      is_int(dividing_parameter) and dividing_parameter >= 1, "a positive int")
        check_setting("crossover_prob", crossover_prob, is_number(crossover_prob, 0, 1),
                      "a number in [0, 1]")
        self.population_size = int(population_size)
        self.dividing_parameter = int(dividing_parameter)
        self.crossover_prob = float(crossover_prob)
        with warnings.catch_warnings():  # "experimental since v3.2": noise in every run
            warnings.simplefilter("ignore", ExperimentalWarning)
            sampler = NSGAIIISampler(population_size=self.population_size,
                                     dividing_parameter=self.dividing_parameter,
                                     crossover_prob=self.crossover_prob,
                                     seed=int(rng.integers(2**32)))
        self._start(sampler, max_attempts=max_attempts, max_repeats=max_repeats)
