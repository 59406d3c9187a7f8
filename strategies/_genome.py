"""The fixed-length edge-and-op genome that the genome strategies share.

One ``{0, 1}`` gene per upper-triangle edge slot of a ``max_vertices`` matrix (``edge_i_j``,
vertex ``i`` to ``j``, row by row) and one op gene per inner vertex (``op_v``, over the space's
ops): 21 + 5 = 26 genes for 7 vertices. Decoding fills the matrix (input first, output last)
and the space prunes it; a smaller cell is encoded padded with isolated vertices of random ops
just before the output, as :func:`benchmarks.space.adjacency_encoding` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution, CategoricalDistribution

from benchmarks.space import INPUT, OPS, OUTPUT, Arch, InvalidArchError, SearchSpace

#: The smallest valid cell (input -> output).
SMALLEST = Arch(((0, 1), (0, 0)), (INPUT, OUTPUT))


class Genome:
    """Genome <-> cell for one search space; padding ops are drawn from ``rng``.

    Attributes
    ----------
    distributions : dict
        The genes as Optuna categorical distributions, edges first, then ops.
    names : list of str
        The gene names in that order.
    """

    def __init__(self, space: SearchSpace, rng: np.random.Generator) -> None:
        self.space, self.rng = space, rng
        m = space.max_vertices
        rows, cols = np.triu_indices(m, 1)
        self._edge_names = [f"edge_{i}_{j}" for i, j in zip(rows.tolist(), cols.tolist(),
                                                             strict=True)]
        self._op_names = [f"op_{v}" for v in range(1, m - 1)]
        self.distributions: dict[str, BaseDistribution] = {
            **{name: CategoricalDistribution((0, 1)) for name in self._edge_names},
            **{name: CategoricalDistribution(tuple(space.ops)) for name in self._op_names}}
        self.names = list(self.distributions)
        self._valid: dict[tuple[Any, ...], Arch | None] = {}  # genome -> pruned cell or None
        # the code layout of benchmarks.space.mutation: edge bits (slot k is bit k), then
        # inner op digits (vertex v is digit v - 1), the highest first
        self._table = space.mutation_table if tuple(space.ops) == OPS else None
        self._edge_names_high_first = self._edge_names[::-1]
        self._op_names_high_first = self._op_names[::-1]
        self._bit = {0: 0, 1: 1}
        self._op_digit = {op: i for i, op in enumerate(OPS)}
        self._n_ops = len(OPS)

    def decode(self, params: dict[str, Any]) -> Arch:
        """The (unvalidated) cell of a genome."""
        return self.cell([params[name] for name in self._edge_names],
                         [params[name] for name in self._op_names])

    def cell(self, edges: Sequence[int] | np.ndarray, ops: Sequence[str]) -> Arch:
        """The (unvalidated) cell of the edge bits (row by row) and the inner ops."""
        m = self.space.max_vertices
        matrix = np.zeros((m, m), dtype=int)
        matrix[np.triu_indices(m, 1)] = np.asarray(edges, dtype=int)
        return Arch(tuple(map(tuple, matrix.tolist())), (INPUT, *ops, OUTPUT))

    def encode(self, arch: Arch) -> dict[str, Any]:
        """The genome of a valid cell, padded with isolated vertices of random ops."""
        cell = self.space.validate(arch)
        n, m = cell.num_vertices, self.space.max_vertices
        slot = [*range(n - 1), m - 1]  # vertex k of the cell sits at slot[k]
        params: dict[str, Any] = dict.fromkeys(self._edge_names, 0)
        for a in range(n):
            for b in range(a + 1, n):
                params[f"edge_{slot[a]}_{slot[b]}"] = cell.matrix[a][b]
        pad = [self.space.ops[k] for k in self.rng.integers(len(self.space.ops), size=m - n)]
        params.update(zip(self._op_names, [*cell.ops[1:-1], *pad], strict=True))
        return params

    def valid(self, params: dict[str, Any]) -> Arch | None:
        """The pruned cell of a genome, or None if it is not a valid cell (memoised)."""
        if self._table is not None:  # a genome is a padded-cell code: one look-up
            try:
                code = 0
                for name in self._edge_names_high_first:
                    code = 2 * code + self._bit[params[name]]
                for name in self._op_names_high_first:
                    code = code * self._n_ops + self._op_digit[params[name]]
            except (KeyError, TypeError):  # not a genome of this space: the plain path
                pass
            else:
                return self.space.padded_cell(code)
        key = tuple(params[name] for name in self.names)
        if key not in self._valid:
            try:
                self._valid[key] = self.space.validate(self.decode(params))
            except InvalidArchError:
                self._valid[key] = None
        return self._valid[key]

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
