"""Search spaces of NAS-Bench-101 cells: validation, hashing, sampling, mutation, neighbours."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from benchmarks.progress import Progress
from benchmarks.space.arch import (
    OP_LABEL,
    OPS,
    Arch,
    InvalidArchError,
    check_arch,
    pad_matrices,
)
from benchmarks.space.catalog import cached_cells, load_cells
from benchmarks.space.hashing import hash_module, wl_fingerprints
from benchmarks.space.mutation import MAX_CODES, MutationTable, table_size

_OP_NAME = {label: op for op, label in OP_LABEL.items()}


class SearchSpace:
    """Cells with at most ``max_vertices`` vertices and ``max_edges`` edges over :data:`OPS`.

    The table of all unique cells (:meth:`cells`) is enumerated on first use and cached on
    disk; everything else is cheap. All randomness comes from the ``rng`` arguments.
    """

    def __init__(self, name: str, max_vertices: int, max_edges: int = 9) -> None:
        self.name = name
        self.max_vertices = max_vertices
        self.max_edges = max_edges
        self.ops = OPS
        self._hashes: dict[Arch, str] = {}
        self._built: dict[int, Arch] = {}
        self._lists: tuple[list[str], list[str], list[str]] | None = None
        self._fp_index: pd.Index | None = None
        self._row_of: dict[str, int] | None = None
        self._table: MutationTable | None = None
        self._padded: dict[Arch, tuple[int, np.ndarray, int]] = {}
        self._by_code: dict[int, Arch | None] = {}
        self._child_cums: dict[tuple[Arch, tuple[float, float]], np.ndarray] = {}

    def __repr__(self) -> str:
        return f"SearchSpace({self.name!r}, max_vertices={self.max_vertices})"

    # ----- membership and identity ------------------------------------------------------------
    def validate(self, arch: Arch) -> Arch:
        """Return ``arch`` pruned, or raise :class:`InvalidArchError` naming the broken rule."""
        return check_arch(arch, max_vertices=self.max_vertices, max_edges=self.max_edges,
                          ops=self.ops)

    def is_valid(self, arch: Arch) -> bool:
        try:
            self.validate(arch)
        except InvalidArchError:
            return False
        return True

    def hash(self, arch: Arch) -> str:
        """NAS-Bench-101 module hash of a valid cell (memoised per exact matrix and ops)."""
        h = self._hashes.get(arch)
        if h is None:
            pruned = self.validate(arch)
            h = self._hashes[arch] = hash_module(pruned.array(), pruned.labels())
        return h

    def hash_many(self, archs: Sequence[Arch]) -> list[str]:
        """Hashes of many valid cells (validated one by one, hashed in batches by size)."""
        pruned = [self.validate(a) for a in archs]
        out = [""] * len(pruned)
        by_size: dict[int, list[int]] = {}
        for i, a in enumerate(pruned):
            by_size.setdefault(a.num_vertices, []).append(i)
        for idx in by_size.values():
            mats = np.array([pruned[i].matrix for i in idx], dtype=np.uint8)
            labels = np.array([pruned[i].labels() for i in idx])
            for i, h in zip(idx, self.hash_arrays(mats, labels).tolist(), strict=True):
                out[i] = h
        return out

    def hash_arrays(self, matrices: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Hashes of ``N`` pruned, valid cells of one size: ``(N, V, V)``, ``(N, V)`` arrays.

        Fully vectorised: integer fingerprints looked up in the cell table. Rows that are not
        pruned, valid cells of this space get their hash (or their error) the slow way.
        """
        mats = np.asarray(matrices, dtype=np.uint8)
        labels = np.asarray(labels)
        v = labels.shape[1]
        rows = self._fingerprints().get_indexer(pd.Index(wl_fingerprints(mats, labels)))
        out = self._hash_column()[np.maximum(rows, 0)]
        ok = rows >= 0
        if v > 2:  # a looked-up row must also be this exact shape of cell: pruned, in order
            upper = ~np.tril(np.ones((v, v), dtype=bool))
            ok &= ~(mats.astype(bool) & ~upper).any(axis=(1, 2))
            ok &= np.all(mats[:, :-1].any(axis=2), axis=1)
            ok &= np.all(mats[:, :, 1:].any(axis=1), axis=1)
        for i in np.flatnonzero(~ok).tolist():
            arch = Arch(mats[i].tolist(), [_OP_NAME[int(x)] for x in labels[i]])
            out[i] = self.hash(arch)
        return out

    def row(self, arch: Arch) -> int:
        """The row of a valid cell in :meth:`cells` (the cell's integer identity)."""
        return self.row_of(self.hash(arch))

    def row_of(self, module_hash: str) -> int:
        """The row in :meth:`cells` of the cell with this module hash (KeyError if none)."""
        if self._row_of is None:
            self._row_of = {h: i for i, h in enumerate(self._columns()[2])}
        return self._row_of[module_hash]

    def _fingerprints(self) -> pd.Index:
        if self._fp_index is None:
            self._fp_index = pd.Index(self.cells()["fingerprint"].to_numpy())
        return self._fp_index

    def _hash_column(self) -> np.ndarray:
        return self.cells()["module_hash"].to_numpy(dtype=object)

    # ----- the unique cells -------------------------------------------------------------------
    def cells(self, progress: Progress | None = None) -> pd.DataFrame:
        """Every unique cell: module_hash, matrix, ops, num_vertices, num_edges, params, flops."""
        if progress is not None:
            return cached_cells(self.max_vertices, self.max_edges, progress)
        return load_cells(self.max_vertices, self.max_edges)

    def arch(self, i: int) -> Arch:
        """The ``i``-th unique cell of :meth:`cells` (built on first use, hash memoised)."""
        arch = self._built.get(i)
        if arch is None:
            matrix, ops, hashes = self._columns()
            arch = self._built[i] = Arch.from_strings(matrix[i], ops[i])
            self._hashes[arch] = hashes[i]
        return arch

    def sample(self, rng: np.random.Generator, n: int = 1) -> list[Arch]:
        """``n`` cells drawn uniformly (with replacement) from the unique cells."""
        count = len(self._columns()[0])
        return [self.arch(i) for i in rng.integers(count, size=n).tolist()]

    def _columns(self) -> tuple[list[str], list[str], list[str]]:
        """The cell table's matrix, ops and hash columns as lists, read once."""
        if self._lists is None:
            cells = self.cells()
            self._lists = (cells["matrix"].tolist(), cells["ops"].tolist(),
                           cells["module_hash"].tolist())
        return self._lists

    # ----- local moves ------------------------------------------------------------------------
    def mutate(self, arch: Arch, rng: np.random.Generator, *, edge_changes: float = 2.0,
               op_changes: float = 0.5, max_tries: int = 10_000) -> Arch:
        """A different valid cell: flip each possible edge and change each op at random.

        The cell is padded to ``max_vertices`` (new vertices with random ops, no edges, just
        before the output), so mutation can grow it. Each of the ``V(V-1)/2`` edge slots flips
        with probability ``edge_changes / slots`` and each inner op changes with probability
        ``op_changes / (V - 2)``; children that are invalid or the same cell are re-drawn.
        """
        table = self._mutation_table()
        if table is not None:
            return self._mutate_by_table(arch, rng, table, edge_changes, op_changes, max_tries)
        parent = self.hash(arch)
        base = self.validate(arch)
        m = self.max_vertices
        slots = [(i, j) for i in range(m) for j in range(i + 1, m)]
        p_edge, p_op = self._mutation_rates(edge_changes, op_changes)
        for _ in range(max_tries):
            matrix, ops = _padded(base, m, rng, self.ops)
            for (i, j), u in zip(slots, rng.random(len(slots)).tolist(), strict=True):
                if u < p_edge:
                    matrix[i][j] ^= 1
            for v, u in enumerate(rng.random(m - 2).tolist(), start=1):
                if u < p_op:
                    others = [op for op in self.ops if op != ops[v]]
                    ops[v] = others[int(rng.integers(len(others)))]
            try:
                child = self.validate(Arch(matrix, ops))
            except InvalidArchError:
                continue
            if child != base and self.hash(child) != parent:
                return child
        raise RuntimeError(f"no valid mutation of {arch} in {max_tries} tries")

    def _mutate_by_table(self, arch: Arch, rng: np.random.Generator, table: MutationTable,
                         edge_changes: float, op_changes: float, max_tries: int) -> Arch:
        """:meth:`mutate` on a tabulated space: the same draws from ``rng`` in the same order,
        so the same child, with the padded cell checked by one look-up instead of pruning."""
        bits, digits, own = self._encoded(arch, table)
        n, m = self.validate(arch).num_vertices, self.max_vertices
        p_edge, p_op = self._mutation_rates(edge_changes, op_changes)
        inner = digits[:n - 2].tolist()
        n_ops = len(self.ops)
        for _ in range(max_tries):
            ops = [*inner, *rng.integers(n_ops, size=m - n).tolist()]  # as _padded pads
            flips = int((rng.random(table.n_slots) < p_edge) @ table.bit)
            for v, u in enumerate(rng.random(m - 2).tolist()):
                if u < p_op:
                    others = [op for op in range(n_ops) if op != ops[v]]
                    ops[v] = others[int(rng.integers(len(others)))]
            code = (bits ^ flips) * table.radix + sum(d * n_ops**v for v, d in enumerate(ops))
            row = int(table.rows[code])
            if row >= 0 and row != own:
                return self._child(code, row)
        raise RuntimeError(f"no valid mutation of {arch} in {max_tries} tries")

    def mutants(self, parents: Sequence[Arch], rng: np.random.Generator, *,
                which: np.ndarray | None = None, edge_changes: float = 2.0,
                op_changes: float = 0.5) -> Mutants:
        """One mutation of ``parents[i]`` for each ``i`` in ``which`` (default: each parent),
        distributed as :meth:`mutate`'s child, as cell-table rows.

        Spaces of at most :data:`~benchmarks.space.mutation.MAX_CODES` padded cells draw each
        child from its parent's exact child distribution
        (:meth:`~benchmarks.space.mutation.MutationTable.children`, kept per parent); larger
        spaces call :meth:`mutate` per child. The child cells are built on demand
        (:meth:`Mutants.arch`), so a caller that looks only at rows pays for one.
        """
        which = np.arange(len(parents)) if which is None else np.asarray(which, dtype=np.intp)
        table = self._mutation_table()
        if table is None:
            children = [self.mutate(parents[i], rng, edge_changes=edge_changes,
                                    op_changes=op_changes) for i in which.tolist()]
            return Mutants(self, np.array([self.row(c) for c in children], dtype=np.int64),
                           np.zeros(len(which), dtype=np.int64), dict(enumerate(children)))
        rates = self._mutation_rates(edge_changes, op_changes)
        u = rng.random(len(which))
        codes = np.zeros(len(which), dtype=np.int64)
        order = np.argsort(which, kind="stable")
        bounds = np.flatnonzero(np.diff(which[order])) + 1
        for sel in np.split(order, bounds) if len(order) else []:
            cum = self._children(parents[which[sel[0]]], table, rates)
            if cum[-1] <= 0:
                raise RuntimeError(f"no valid mutation of {parents[which[sel[0]]]}")
            last = np.searchsorted(cum, cum[-1])  # the last possible child (u * total may
            codes[sel] = np.minimum(np.searchsorted(cum, u[sel] * cum[-1], side="right"),
                                    last)  # round up to the total)
        return Mutants(self, table.rows[codes], codes, {})

    def _children(self, arch: Arch, table: MutationTable, rates: tuple[float, float]
                  ) -> np.ndarray:
        """The cumulative child distribution of a parent, kept for the most recent parents."""
        key = (arch, rates)
        cum = self._child_cums.pop(key, None)
        if cum is None:
            bits, digits, own = self._encoded(arch, table)
            cum = table.children(bits, digits, own, p_edge=rates[0], p_op=rates[1])
        self._child_cums[key] = cum  # most recent last
        while len(self._child_cums) > 128:  # 221 kB each on 5 vertices
            del self._child_cums[next(iter(self._child_cums))]
        return cum

    @property
    def tabulated(self) -> bool:
        """Whether :meth:`mutants` draws by table look-up (cheap per child in large batches)."""
        return self._mutation_table() is not None

    @property
    def mutation_table(self) -> MutationTable | None:
        """The padded-cell code table of a small space (None for a large one)."""
        return self._mutation_table()

    def padded_cell(self, code: int) -> Arch | None:
        """The pruned cell of a padded-cell code of :attr:`mutation_table`, or None if it is
        not a valid cell (memoised: a padded genome decodes with one look-up)."""
        table = self._mutation_table()
        assert table is not None, "padded_cell needs a tabulated space"
        if code in self._by_code:
            return self._by_code[code]
        row = int(table.rows[code])
        arch = self._by_code[code] = None if row < 0 else self._child(code, row)
        return arch

    def _mutation_rates(self, edge_changes: float, op_changes: float) -> tuple[float, float]:
        """Per edge slot flip and per inner op change probabilities of a mutation."""
        m = self.max_vertices
        return min(1.0, edge_changes / (m * (m - 1) // 2)), min(1.0, op_changes / max(m - 2, 1))

    def _mutation_table(self) -> MutationTable | None:
        if self._table is None and table_size(self.max_vertices, len(self.ops)) <= MAX_CODES \
                and tuple(self.ops) == OPS:
            self._table = MutationTable(self.max_vertices, self.max_edges, self._fingerprints())
        return self._table

    def _encoded(self, arch: Arch, table: MutationTable) -> tuple[int, np.ndarray, int]:
        """A parent's padded code parts and its row (memoised per exact cell)."""
        found = self._padded.get(arch)
        if found is None:
            pruned = self.validate(arch)
            found = self._padded[arch] = (*table.encode(pruned), self.row(pruned))
        return found

    def _child(self, code: int, row: int) -> Arch:
        """The pruned cell of a valid padded code, its hash remembered from the cell table."""
        assert self._table is not None
        arch = self._table.decode(code)
        self._hashes[arch] = self._columns()[2][row]
        return arch

    def neighbours(self, arch: Arch) -> list[Arch]:
        """All distinct valid cells one edge flip or one op change away (on the pruned cell)."""
        base = self.validate(arch)
        seen = {self.hash(base)}
        out: list[Arch] = []
        for cand in _moves(base, self.ops):
            if self.is_valid(cand):
                h = self.hash(cand)
                if h not in seen:
                    seen.add(h)
                    out.append(self.validate(cand))
        return out


class Mutants:
    """Children of :meth:`SearchSpace.mutants`: their cell-table ``rows``, cells on demand."""

    def __init__(self, space: SearchSpace, rows: np.ndarray, codes: np.ndarray,
                 built: dict[int, Arch]) -> None:
        self.space, self.rows, self.codes, self.built = space, rows, codes, built

    def __len__(self) -> int:
        return len(self.rows)

    def arch(self, i: int) -> Arch:
        """The ``i``-th child: the pruned cell :meth:`SearchSpace.mutate` would return."""
        if i not in self.built:
            self.built[i] = self.space._child(int(self.codes[i]), int(self.rows[i]))
        return self.built[i]


def _padded(arch: Arch, m: int, rng: np.random.Generator,
            ops: Sequence[str]) -> tuple[list[list[int]], list[str]]:
    """``arch`` as an ``m``-vertex matrix: extra isolated vertices just before the output."""
    n = arch.num_vertices
    matrix = pad_matrices(arch.array()[None], m)[0].tolist()
    extra = [ops[i] for i in rng.integers(len(ops), size=m - n).tolist()]
    return matrix, [*arch.ops[:-1], *extra, arch.ops[-1]]


def _moves(arch: Arch, ops: Sequence[str]) -> Iterable[Arch]:
    a = arch.array()
    n = arch.num_vertices
    for i, j in zip(*np.triu_indices(n, 1), strict=True):
        b = a.copy()
        b[i, j] ^= 1
        yield Arch(b.tolist(), arch.ops)
    for v in range(1, n - 1):
        for op in ops:
            if op != arch.ops[v]:
                yield Arch(arch.matrix, [*arch.ops[:v], op, *arch.ops[v + 1:]])


SPACES: dict[str, SearchSpace] = {
    "4v": SearchSpace("4v", 4),
    "5v": SearchSpace("5v", 5),
    "7v": SearchSpace("7v", 7),
}


def get_space(name: str) -> SearchSpace:
    """The registered space ``name``; an unknown name lists the valid ones."""
    try:
        return SPACES[name.lower()]
    except KeyError:
        raise ValueError(f"unknown space {name!r}; valid: {', '.join(SPACES)}") from None
