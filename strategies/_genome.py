"""The fixed-length edge-and-op genome of :mod:`strategies.nsga2`, for any strategy.

One ``{0, 1}`` gene per upper-triangle edge slot of a ``max_vertices`` matrix (``edge_i_j``)
and one op gene per inner vertex (``op_v``); smaller cells are padded with isolated vertices
just before the output. Encoding and decoding are NSGA-II's own (bound here, not copied), so
every genome strategy reads genomes the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution

from benchmarks.space import Arch, InvalidArchError, SearchSpace
from strategies.nsga2 import NSGA2, genome_distributions


class Genome:
    """Genome <-> cell for one search space; padding ops are drawn from ``rng``.

    Attributes
    ----------
    distributions : dict
        The genes as Optuna distributions, edges first (in :func:`genome_distributions` order).
    names : list of str
        The gene names in that order.
    """

    _decode = NSGA2._decode
    _encode = NSGA2._encode

    def __init__(self, space: SearchSpace, rng: np.random.Generator) -> None:
        self.space, self.rng = space, rng
        m = space.max_vertices
        self.distributions: dict[str, BaseDistribution] = genome_distributions(m, space.ops)
        self.names = list(self.distributions)
        self._edges = [(i, j, f"edge_{i}_{j}") for i in range(m) for j in range(i + 1, m)]
        self._op_names = [f"op_{v}" for v in range(1, m - 1)]

    def decode(self, params: dict[str, Any]) -> Arch:
        """The (unvalidated) cell of a genome."""
        return self._decode(params)  # type: ignore[misc]

    def encode(self, arch: Arch) -> dict[str, Any]:
        """The genome of a valid cell."""
        return self._encode(arch)  # type: ignore[misc]

    def valid(self, params: dict[str, Any]) -> Arch | None:
        """The pruned cell of a genome, or None if the genome is not a valid cell."""
        try:
            return self.space.validate(self.decode(params))
        except InvalidArchError:
            return None

    def crossover(self, a: Arch, b: Arch, *, swap: float = 0.5, tries: int = 20) -> Arch | None:
        """A uniform crossover of two cells (each gene from ``b`` with probability ``swap``).

        Returns None when ``tries`` crossovers were all invalid.
        """
        ga, gb = self.encode(a), self.encode(b)
        for _ in range(tries):
            take = self.rng.random(len(self.names)) < swap
            child = self.valid({k: gb[k] if t else ga[k]
                                for k, t in zip(self.names, take.tolist(), strict=True)})
            if child is not None:
                return child
        return None


def fresh_cell(space: SearchSpace, rng: np.random.Generator, seen: set[str],
               parents: list[Arch], *, tries: int = 200) -> Arch:
    """A cell whose module hash is not in ``seen``: a mutation of a random parent if there
    are parents, else (or after ``tries`` seen mutations) a uniform draw.

    After ``2 * tries`` seen draws the last draw is returned anyway (a space nearly all seen).
    """
    arch: Arch | None = None
    for k in range(2 * tries):
        if parents and k < tries:
            arch = space.mutate(parents[int(rng.integers(len(parents)))], rng)
        else:
            arch = space.sample(rng, 1)[0]
        if space.hash(arch) not in seen:
            return arch
    assert arch is not None
    return arch
