"""Search strategies: ask/tell optimisers over a NAS-Bench-101 cell space.

Every strategy is a :class:`~strategies.base.Strategy` built fresh per run as
``cls(space, *, rng=..., fidelities=..., n_objectives=..., **settings)``; :data:`STRATEGIES` maps
the registry names to the classes.
"""

from __future__ import annotations

from strategies.base import Candidate, Strategy
from strategies.nsga2 import NSGA2
from strategies.random_search import RandomSearch
from strategies.semo import SEMO

#: The registered strategies by name (variants via ``functools.partial``).
STRATEGIES: dict[str, type[Strategy]] = {"random": RandomSearch, "semo": SEMO, "nsga2": NSGA2}


def get_strategy(name: str) -> type[Strategy]:
    """The strategy class registered as ``name``; an unknown name lists the valid ones.

    Examples
    --------
    >>> get_strategy("random").__name__
    'RandomSearch'
    """
    try:
        return STRATEGIES[name.lower()]
    except KeyError:
        raise ValueError(f"unknown strategy {name!r}; valid: {', '.join(STRATEGIES)}") from None


__all__ = ["NSGA2", "SEMO", "STRATEGIES", "Candidate", "RandomSearch", "Strategy",
           "get_strategy"]
