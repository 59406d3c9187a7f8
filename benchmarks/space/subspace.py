"""A search space restricted to a set of cells: a table that samples its space is searched
over its own cells.

A table such as ``ecnas-7v-energy-sample`` holds 3,448 of the 423,624 7V cells (0.8%). Searched
over the whole space, nearly every proposal is a cell without a row, and each strategy asks
again and again. :class:`SubSpace` is the space such a table is searched over: its
:meth:`~SubSpace.cells` are the table's cells, so everything drawn from the cell table
(``sample``, ``arch(i)``, unseen cells, candidate sets, random's order) stays inside; a valid cell
of the space outside the set fails :meth:`~SubSpace.validate` with
:class:`~benchmarks.space.arch.InvalidArchError`, so genome strategies repair or regenerate it
as any invalid genome; :meth:`~SubSpace.mutate` and :meth:`~SubSpace.neighbours` return
members. Hashes are the full space's (a cell's identity does not depend on the table).

Examples
--------
>>> from benchmarks.space import get_space
>>> full = get_space("4v")
>>> kept = full.cells()["module_hash"].tolist()[:10]
>>> sub = SubSpace(full, kept)
>>> len(sub.cells()), sub.hash(sub.arch(3)) == kept[3]
(10, True)
>>> sub.is_valid(full.arch(20)), full.is_valid(full.arch(20))
(False, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from benchmarks.progress import Progress
from benchmarks.space.arch import Arch, InvalidArchError, pad_matrices
from benchmarks.space.hashing import hash_module
from benchmarks.space.search_space import Mutants, SearchSpace


class SubSpace(SearchSpace):
    """The cells of ``space`` whose module hashes are in ``hashes``.

    Parameters
    ----------
    space : SearchSpace
        The full space (hashing, validity and moves are its own).
    hashes : iterable of str
        Module hashes of the member cells; each must be a cell of ``space``.

    Raises
    ------
    ValueError
        When a hash is not a cell of ``space`` or no hash is given.
    """

    def __init__(self, space: SearchSpace, hashes: Iterable[str]) -> None:
        super().__init__(space.name, space.max_vertices, space.max_edges)
        self.base = space
        self.ops = space.ops
        self._members = frozenset(hashes)
        if not self._members:
            raise ValueError(f"a subspace of {space.name} needs at least one cell")
        self._rows: np.ndarray | None = None
        self._cells: pd.DataFrame | None = None
        self._enc: tuple[np.ndarray, np.ndarray] | None = None  # for mutate
        self._cums: dict[tuple[str, float, float], np.ndarray] = {}  # per recent parent

    def __repr__(self) -> str:
        return f"SubSpace({self.base!r}, {len(self._members)} cells)"

    # ----- membership and identity ------------------------------------------------------------
    def validate(self, arch: Arch) -> Arch:
        """``arch`` pruned; :class:`InvalidArchError` if invalid or not one of the cells."""
        pruned = self.base.validate(arch)
        # hashed without the full space's memo, which keeps every cell it hashed: a genome
        # strategy tries about 140 cells per member here, and the memo grew to gigabytes
        h = self.base._hashes.get(arch) or hash_module(pruned.array(), pruned.labels())
        if h not in self._members:
            raise InvalidArchError("not-in-table", f"cell {h} is a valid {self.name} cell but "
                                   f"not one of this table's {len(self._members)} cells")
        return pruned

    def hash(self, arch: Arch) -> str:
        """The full space's module hash (members or not; invalid cells raise)."""
        return self.base.hash(arch)

    def hash_many(self, archs: Sequence[Arch]) -> list[str]:
        return self.base.hash_many(archs)

    def hash_arrays(self, matrices: np.ndarray, labels: np.ndarray) -> np.ndarray:
        return self.base.hash_arrays(matrices, labels)

    # ----- the member cells -------------------------------------------------------------------
    def cells(self, progress: Progress | None = None) -> pd.DataFrame:
        """The member rows of the full space's cell table, in its order (same columns)."""
        if self._cells is None:
            full = self.base.cells(progress)
            rows = np.flatnonzero(full["module_hash"].isin(self._members).to_numpy())
            if len(rows) != len(self._members):
                missing = sorted(self._members - set(full["module_hash"].iloc[rows]))
                raise ValueError(f"{len(missing)} hashes are not cells of {self.name}, e.g. "
                                 f"{missing[0]}")
            self._rows, self._cells = rows, full.iloc[rows].reset_index(drop=True)
            self._member_hashes = self._cells["module_hash"].to_numpy(dtype=object)
        return self._cells

    def arch(self, i: int) -> Arch:
        """The ``i``-th member of :meth:`cells` (the full space's memoised cell)."""
        if self._rows is None:
            self.cells()
        assert self._rows is not None
        return self.base.arch(int(self._rows[i]))

    def sample(self, rng: np.random.Generator, n: int = 1) -> list[Arch]:
        """``n`` members drawn uniformly (with replacement)."""
        return [self.arch(i) for i in rng.integers(len(self.cells()), size=n).tolist()]

    # ----- local moves ------------------------------------------------------------------------
    def mutate(self, arch: Arch, rng: np.random.Generator, *, edge_changes: float = 2.0,
               op_changes: float = 0.5, max_tries: int = 1) -> Arch:
        """A member other than ``arch``, drawn with the mutation's probability of turning
        ``arch`` into it (one draw, so ``max_tries`` is not used).

        The full space's mutation flips each of the ``V(V-1)/2`` edge slots of the padded
        cell with probability ``p = edge_changes / slots`` and changes each inner op with
        probability ``q = op_changes / (V - 2)`` (to one of the other ops). Here every member
        is weighted by that probability on the padded encodings, ``(p / (1 - p))^e (q' / (1 -
        q))^o`` for ``e`` edge slots and ``o`` inner ops that differ (``q' = q / (|ops| - 1)``;
        an op slot that is padding in either cell does not count, as the mutation draws it
        anew), and one is drawn: the mutation conditioned on landing in the set. (Re-drawing
        the full space's mutation until it lands in the set costs a median of about 120
        mutations on ecnas-7v-energy-sample, 0.8% of 7V.) The encodings are the cell table's;
        other orderings of a member's vertices are not weighed. ``arch`` may be any valid cell
        of the full space.
        """
        return self.mutants([arch], rng, edge_changes=edge_changes,
                            op_changes=op_changes).arch(0)

    def mutants(self, parents: Sequence[Arch], rng: np.random.Generator, *,
                which: np.ndarray | None = None, edge_changes: float = 2.0,
                op_changes: float = 0.5) -> Mutants:
        """One :meth:`mutate` child of ``parents[i]`` for each ``i`` in ``which`` (default:
        each parent), as member rows: one uniform number and one binary search per child."""
        which = np.arange(len(parents)) if which is None else np.asarray(which, dtype=np.intp)
        u = rng.random(len(which))
        rows = np.zeros(len(which), dtype=np.int64)
        for i in np.unique(which).tolist():
            sel = which == i
            cum = self._member_cum(parents[i], edge_changes, op_changes)
            rows[sel] = np.minimum(np.searchsorted(cum, u[sel] * cum[-1], side="right"),
                                   len(cum) - 1)
        return Mutants(self, rows, rows, {})

    @property
    def tabulated(self) -> bool:
        """True: :meth:`mutants` is cheap per child in large batches."""
        return True

    def _child(self, code: int, row: int) -> Arch:
        return self.arch(row)

    def _member_cum(self, arch: Arch, edge_changes: float, op_changes: float) -> np.ndarray:
        """Cumulative mutation weights of the members from ``arch`` (kept for the most recent
        128 parents)."""
        key = (self.base.hash(arch), edge_changes, op_changes)
        cum = self._cums.pop(key, None)
        if cum is None:
            edges, ops = self._encodings()
            m = self.max_vertices
            p = min(edge_changes / (m * (m - 1) // 2), 1 - 1e-9)
            q = min(op_changes / max(m - 2, 1), 1 - 1e-9)
            q_one = q / max(len(self.ops) - 1, 1)
            mine_edges, mine_ops = _encode([arch], m, self.ops)
            d_edges = (edges != mine_edges).sum(axis=1)
            d_ops = ((ops != mine_ops) & (ops >= 0) & (mine_ops >= 0)).sum(axis=1)
            log_w = d_edges * np.log(max(p, 1e-300) / (1 - p)) \
                + d_ops * np.log(max(q_one, 1e-300) / (1 - q))
            log_w[self._member_hashes == key[0]] = -np.inf  # never the parent itself
            if np.isneginf(log_w).all():
                raise RuntimeError(f"no mutation of {arch}: it is the only cell of {self!r}")
            cum = np.cumsum(np.exp(log_w - log_w.max()))
        self._cums[key] = cum  # most recent last
        while len(self._cums) > 128:
            del self._cums[next(iter(self._cums))]
        return cum

    def _encodings(self) -> tuple[np.ndarray, np.ndarray]:
        """The members' padded edge bits ``(n, slots)`` and inner ops ``(n, V - 2)`` (-1:
        a padding vertex), built once."""
        if self._enc is None:
            cells = self.cells()
            archs = [Arch.from_strings(b, o) for b, o in zip(cells["matrix"], cells["ops"],
                                                            strict=True)]
            self._enc = _encode(archs, self.max_vertices, self.ops)
        return self._enc

    def neighbours(self, arch: Arch) -> list[Arch]:
        """The full space's neighbours of ``arch`` that are members."""
        return [n for n in self.base.neighbours(arch) if self.base.hash(n) in self._members]


def _encode(archs: Sequence[Arch], m: int, ops: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Padded upper-triangle edge bits and inner op indices (-1 for padding) of ``archs``."""
    upper = np.triu_indices(m, 1)
    edges = np.zeros((len(archs), len(upper[0])), dtype=np.int8)
    inner = np.full((len(archs), m - 2), -1, dtype=np.int8)
    index = {op: i for i, op in enumerate(ops)}
    for k, arch in enumerate(archs):
        edges[k] = pad_matrices(arch.array()[None], m)[0][upper]
        inner[k, :arch.num_vertices - 2] = [index[op] for op in arch.ops[1:-1]]
    return edges, inner
