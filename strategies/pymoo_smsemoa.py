"""pymoo's SMS-EMOA through pymoo's ask/tell interface.

Survival by non-dominated sorting and the least hypervolume contribution (Beume et al., 2007).
The reference implementation users compare ecnas's own strategies against; genome, operators,
duplicate elimination and invalid genomes as in :mod:`strategies._pymoo`.
"""

from __future__ import annotations

from typing import ClassVar

from strategies._pymoo import PymooStrategy


class PymooSMSEMOA(PymooStrategy):
    """pymoo's ``SMSEMOA`` over the edge-and-op genome, no duplicate cells.

    Parameters
    ----------
    space, rng, fidelities, n_objectives
        See :class:`~strategies.base.Strategy`.
    population_size, crossover_prob, mutation_prob, max_repeats
        See :class:`~strategies._pymoo.PymooStrategy`.
    """

    name: ClassVar[str] = "pymoo-smsemoa"
    algorithm: ClassVar[str] = "pymoo.algorithms.moo.sms:SMSEMOA"
