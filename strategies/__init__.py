"""Search strategies: ask/tell optimisers over a NAS-Bench-101 cell space.

Every strategy is a :class:`~strategies.base.Strategy` built fresh per run as
``cls(space, *, rng=..., fidelities=..., n_objectives=..., **settings)``;
:data:`~strategies.registry.STRATEGIES` maps the registry names to the classes.
"""

from __future__ import annotations

from strategies.base import Candidate, Strategy
from strategies.nsga2 import NSGA2
from strategies.random_genome import RandomGenome
from strategies.random_search import RandomSearch
from strategies.registry import STRATEGIES, get_strategy
from strategies.semo import SEMO

__all__ = ["NSGA2", "SEMO", "STRATEGIES", "Candidate", "RandomGenome", "RandomSearch",
           "Strategy", "get_strategy"]
