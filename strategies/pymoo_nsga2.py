"""pymoo's NSGA-II through pymoo's ask/tell interface.

Survival by non-dominated sorting and crowding distance (Deb et al., 2002). The reference
implementation users compare ecnas's own strategies against; genome, operators, duplicate
elimination and invalid genomes as in :mod:`strategies._pymoo`.
"""

from __future__ import annotations

from typing import ClassVar

from strategies._pymoo import PymooStrategy


class PymooNSGA2(PymooStrategy):
    """pymoo's ``NSGA2`` over the edge-and-op genome, no duplicate cells.

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    population_size, crossover_prob, mutation_prob, max_repeats
        See :class:`~strategies._pymoo.PymooStrategy`.
    """

    name: ClassVar[str] = "pymoo-nsga2"
    algorithm: ClassVar[str] = "pymoo.algorithms.moo.nsga2:NSGA2"
