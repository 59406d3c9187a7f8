"""The one registry of search strategies: name -> class, and the lookup that lists valid names.

Variants are registered with :func:`functools.partial`. Each entry is one line: add a strategy by
adding its import and its line here.
"""

from __future__ import annotations

from strategies.base import Strategy, load_plugin
from strategies.ehvi import EHVI
from strategies.evolution import RegularizedEvolution
from strategies.local_search import LocalSearch
from strategies.mobohb import MOBOHB
from strategies.motpe import MOTPE
from strategies.nevergrad_search import NevergradSearch
from strategies.nsga2 import NSGA2
from strategies.nsga3 import NSGA3
from strategies.pymoo_agemoea2 import PymooAGEMOEA2
from strategies.pymoo_nsga2 import PymooNSGA2
from strategies.pymoo_smsemoa import PymooSMSEMOA
from strategies.random_genome import RandomGenome
from strategies.random_search import RandomSearch
from strategies.semo import SEMO
from strategies.semoa import SEMOA
from strategies.shemoa import SHEMOA

#: The registered strategies by name.
STRATEGIES: dict[str, type[Strategy]] = {
    "random": RandomSearch,
    "semo": SEMO,
    "nsga2": NSGA2,
    "random-genome": RandomGenome,
    "mobohb": MOBOHB,
    "shemoa": SHEMOA,
    "motpe": MOTPE,
    "ehvi": EHVI,
    "nsga3": NSGA3,
    "nevergrad": NevergradSearch,
    "local": LocalSearch,
    "evolution": RegularizedEvolution,
    "semoa": SEMOA,
    "pymoo-nsga2": PymooNSGA2,
    "pymoo-smsemoa": PymooSMSEMOA,
    "pymoo-agemoea2": PymooAGEMOEA2,
}


def get_strategy(name: str) -> type[Strategy]:
    """The strategy class registered as ``name``; an unknown name lists the valid ones.

    Examples
    --------
    >>> get_strategy("random").__name__
    'RandomSearch'
    """
    if name.lower() in STRATEGIES:
        return STRATEGIES[name.lower()]
    plugin = load_plugin(name)  # package.module:Class, or the ecnas.strategies entry points
    if plugin is None:
        raise ValueError(f"unknown strategy {name!r}; valid: {', '.join(STRATEGIES)} (or "
                         "package.module:Class, or a plugin in entry points ecnas.strategies)")
    return plugin
