"""The one registry of search strategies: name -> class, and the lookup that lists valid names.

Variants are registered with :func:`functools.partial`. Each entry is one line: add a strategy by
adding its import and its line here.
"""

from __future__ import annotations

from strategies.base import Strategy
from strategies.nsga2 import NSGA2
from strategies.random_search import RandomSearch
from strategies.semo import SEMO

#: The registered strategies by name.
STRATEGIES: dict[str, type[Strategy]] = {
    "random": RandomSearch,
    "semo": SEMO,
    "nsga2": NSGA2,
}


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
