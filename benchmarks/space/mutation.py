"""Mutation by table look-up: every padded cell of a small space indexed by an integer code.

:meth:`~benchmarks.space.SearchSpace.mutate` pads a cell to ``max_vertices`` vertices, flips
edge slots and changes inner ops, then prunes and validates the result in Python. For a space
of at most :data:`MAX_CODES` padded cells (4 and 5 vertices: 576 and 27,648) every padded cell
is one integer, ``edge bits * 3 ** (V - 2) + inner op digits``, and :class:`MutationTable`
maps each code to the cell-table row of its pruned cell (-1 if it is not a valid cell). The
children of a parent then have one exact distribution over the codes
(:meth:`MutationTable.children`), and a batch of mutations costs one uniform number and one
binary search each, with the distribution of ``mutate``'s draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.space.arch import INPUT, OP_LABEL, OPS, OUTPUT, Arch
from benchmarks.space.hashing import wl_fingerprints

#: Largest number of padded cells tabulated (5 vertices need 27,648; 7 would need 5e8).
MAX_CODES = 1 << 21


def table_size(max_vertices: int, n_ops: int = len(OPS)) -> int:
    """How many padded cells (codes) a ``max_vertices`` space has."""
    m = max_vertices
    return 2 ** (m * (m - 1) // 2) * n_ops ** (m - 2)


class MutationTable:
    """Padded-cell codes of one space and the cell-table row each decodes to.

    Parameters
    ----------
    max_vertices, max_edges : int
        The space's limits.
    fingerprints : pandas.Index
        The space's cell table's ``fingerprint`` column (row ``i`` of the table is cell ``i``).
    """

    def __init__(self, max_vertices: int, max_edges: int, fingerprints: pd.Index) -> None:
        m = self.m = max_vertices
        self.rows_i, self.cols_i = np.triu_indices(m, 1)
        self.n_slots = len(self.rows_i)
        self._slot = [[0] * m for _ in range(m)]  # [i][j]: the bit of edge slot (i, j)
        for k, (i, j) in enumerate(zip(self.rows_i.tolist(), self.cols_i.tolist(),
                                       strict=True)):
            self._slot[i][j] = k
        self.n_ops = len(OPS)
        self.radix = self.n_ops ** (m - 2)
        self.bit = np.int64(1) << np.arange(self.n_slots, dtype=np.int64)
        self.digit = self.n_ops ** np.arange(m - 2, dtype=np.int64)
        #: per inner-op code, the op of each inner vertex
        self.inner_digits = (np.arange(self.radix)[:, None] // self.digit) % self.n_ops
        self._flips: dict[float, np.ndarray] = {}  # probability of each edge-flip pattern
        self.rows, keep = _tabulate(self, max_edges, fingerprints)
        #: per edge bits, the vertices that pruning keeps
        self.kept = [np.flatnonzero(k).tolist() for k in keep]

    def encode(self, arch: Arch) -> tuple[int, np.ndarray]:
        """A pruned cell padded as :meth:`SearchSpace.mutate` pads it: its edge bits, and its
        inner op labels with -1 on the padding vertices (their ops are drawn per mutation)."""
        n = arch.num_vertices
        slot = [*range(n - 1), self.m - 1]  # vertex k of the cell sits at slot[k]
        matrix = np.zeros((self.m, self.m), dtype=np.int64)
        matrix[np.ix_(slot, slot)] = arch.array()
        bits = int(matrix[self.rows_i, self.cols_i] @ self.bit)
        digits = np.full(self.m - 2, -1, dtype=np.int64)
        digits[:n - 2] = [OP_LABEL[op] for op in arch.ops[1:-1]]
        return bits, digits

    def children(self, bits: int, digits: np.ndarray, own: int, *, p_edge: float,
                 p_op: float) -> np.ndarray:
        """Cumulative probabilities, over all codes, of the child :meth:`SearchSpace.mutate`
        returns for the padded parent ``(bits, digits)`` of row ``own``.

        A mutation flips each edge slot with probability ``p_edge``, gives a padding vertex
        a uniform op and moves each other inner op to one of the other ops with probability
        ``p_op``; ``mutate`` draws again until the child is valid and not the parent, so the
        child's distribution is the mutation's restricted to those codes. All zeros: the
        parent has no valid mutation.
        """
        flips = self._flips.get(p_edge)
        if flips is None:
            n_flips = np.bitwise_count(np.arange(2 ** self.n_slots, dtype=np.uint64))
            flips = self._flips[p_edge] = (p_edge ** n_flips.astype(float)
                                           * (1 - p_edge) ** (self.n_slots - n_flips))
        p_digit = np.where(self.inner_digits == digits, 1 - p_op, p_op / (self.n_ops - 1))
        p_digit[:, digits < 0] = 1 / self.n_ops
        p = np.outer(flips[np.arange(len(flips)) ^ bits], p_digit.prod(axis=1)).ravel()
        p[(self.rows < 0) | (self.rows == own)] = 0.0
        return np.cumsum(p)

    def decode(self, code: int) -> Arch:
        """The pruned cell of a valid code (plain Python: one small cell at a time)."""
        bits, rest = divmod(int(code), self.radix)
        labels = [-1]
        for _ in range(self.m - 2):
            rest, d = divmod(rest, self.n_ops)
            labels.append(d)
        kept = self.kept[bits]
        return Arch([[(bits >> self._slot[i][j]) & 1 if j > i else 0 for j in kept]
                     for i in kept], [INPUT, *(OPS[labels[v]] for v in kept[1:-1]), OUTPUT])


def _tabulate(table: MutationTable, max_edges: int, fingerprints: pd.Index
              ) -> tuple[np.ndarray, np.ndarray]:
    """Cell-table row of every code (-1: disconnected or over the edge limit), and the
    vertices pruning keeps per edge bits."""
    m = table.m
    masks = np.arange(2 ** table.n_slots, dtype=np.int64)
    a = np.zeros((len(masks), m, m), dtype=bool)
    a[:, table.rows_i, table.cols_i] = (masks[:, None] >> np.arange(table.n_slots)) & 1
    keep = _on_a_path(a)
    kept_edges = (a & keep[:, :, None] & keep[:, None, :]).sum(axis=(1, 2))
    ok = keep[:, -1] & (kept_edges <= max_edges)
    inner = (np.arange(table.radix)[:, None] // table.digit) % table.n_ops  # (radix, m - 2)
    labels = np.hstack([np.full((table.radix, 1), OP_LABEL[INPUT]), inner,
                        np.full((table.radix, 1), OP_LABEL[OUTPUT])])
    rows = np.full((len(masks), table.radix), -1, dtype=np.int64)
    size = keep.sum(axis=1)
    for k in np.unique(size[ok]).tolist():
        sel = np.flatnonzero(ok & (size == k))
        order = np.argsort(~keep[sel], axis=1, kind="stable")[:, :k]  # kept vertices, in order
        mats = a[sel[:, None, None], order[:, :, None], order[:, None, :]]
        labs = labels[:, order].transpose(1, 0, 2)  # (len(sel), radix, k)
        fps = wl_fingerprints(np.repeat(mats, table.radix, axis=0).astype(np.uint8),
                              labs.reshape(-1, k))
        rows[sel] = fingerprints.get_indexer(fps).reshape(len(sel), table.radix)
    if (rows[ok] < 0).any():
        raise RuntimeError("a valid padded cell is missing from the cell table")
    return rows.ravel(), keep


def _on_a_path(a: np.ndarray) -> np.ndarray:
    """``(N, V)``: whether each vertex lies on an input -> output path of each DAG."""
    n, m = a.shape[:2]
    from_in = np.zeros((n, m), dtype=bool)
    from_in[:, 0] = True
    for j in range(1, m):  # vertex order is a topological order
        from_in[:, j] = (from_in[:, :j] & a[:, :j, j]).any(axis=1)
    to_out = np.zeros((n, m), dtype=bool)
    to_out[:, -1] = True
    for i in range(m - 2, -1, -1):
        to_out[:, i] = (a[:, i, i + 1:] & to_out[:, i + 1:]).any(axis=1)
    return from_in & to_out & from_in[:, -1:]
