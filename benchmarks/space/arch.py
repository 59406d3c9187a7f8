"""The NAS-Bench-101 cell: an immutable adjacency matrix plus one op name per vertex.

An :class:`Arch` is only a value; whether it belongs to a search space (vertex and edge limits)
is decided by :func:`check_arch`, which prunes the cell first, exactly as NAS-Bench-101's
``ModelSpec`` does, and raises :class:`InvalidArchError` naming the first broken rule.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

INPUT = "input"
OUTPUT = "output"
#: Operation names in NAS-Bench-101's label order (label 0, 1, 2); input is -1, output -2.
OPS: tuple[str, ...] = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
OP_LABEL = {INPUT: -1, OUTPUT: -2, **{op: i for i, op in enumerate(OPS)}}


class InvalidArchError(ValueError):
    """A cell that breaks a rule of the search space; ``rule`` is a short stable key."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(f"invalid cell ({rule}): {detail}")
        self.rule = rule


@dataclass(frozen=True, slots=True)
class Arch:
    """A cell: ``matrix[i][j] == 1`` is an edge i -> j; ``ops[0]`` is input, ``ops[-1]`` output.

    Construction only normalises types; use :func:`check_arch` (or a space's ``validate``) to
    prune and validate. Equality is structural: two orderings of the same cell are different
    ``Arch`` values with the same :meth:`module_hash`.
    """

    matrix: Sequence[Sequence[int]]  # stored as a tuple of tuples
    ops: Sequence[str]  # stored as a tuple

    def __post_init__(self) -> None:
        object.__setattr__(self, "matrix", tuple(tuple(int(x) for x in row) for row in self.matrix))
        object.__setattr__(self, "ops", tuple(str(op).strip() for op in self.ops))

    # ----- constructors and formats -------------------------------------------------------
    @classmethod
    def from_json(cls, data: str | dict[str, Any]) -> Arch:
        """Parse ``{"matrix": [[...]], "ops": [...]}`` (a dict or its JSON text)."""
        obj = json.loads(data) if isinstance(data, str) else data
        try:
            return cls(obj["matrix"], obj["ops"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidArchError("bad-format", f"expected matrix and ops keys: {exc}") from None

    def to_json(self) -> dict[str, Any]:
        return {"matrix": [list(row) for row in self.matrix], "ops": list(self.ops)}

    @classmethod
    def from_strings(cls, matrix: str, ops: str | Sequence[str]) -> Arch:
        """Parse the compact CSV form: a row-major 0/1 string and comma-separated op names."""
        bits = str(matrix).strip()
        if len(bits) > 32 * 32:  # refuse before building a huge tuple: no space is this big
            raise InvalidArchError("too-large", f"{len(bits)} matrix digits (at most 32 x 32)")
        n = round(len(bits) ** 0.5)
        if n * n != len(bits) or n == 0:
            raise InvalidArchError("not-square", f"{len(bits)} matrix digits is not a square")
        if set(bits) - {"0", "1"}:
            raise InvalidArchError("not-binary", f"matrix digits must be 0/1, got {bits!r}")
        op_list = ops.split(",") if isinstance(ops, str) else list(ops)
        return cls(tuple(tuple(int(c) for c in bits[i * n : (i + 1) * n]) for i in range(n)),
                   op_list)

    def to_strings(self) -> tuple[str, str]:
        """The compact CSV form ``(matrix_bits, "input,...,output")``."""
        return "".join(str(x) for row in self.matrix for x in row), ",".join(self.ops)

    # ----- views -----------------------------------------------------------------------------
    @property
    def num_vertices(self) -> int:
        return len(self.matrix)

    @property
    def num_edges(self) -> int:
        return sum(sum(row) for row in self.matrix)

    def array(self) -> np.ndarray:
        """The adjacency matrix as a ``uint8`` array."""
        return np.array(self.matrix, dtype=np.uint8).reshape(self.num_vertices, -1)

    def labels(self) -> list[int]:
        """NAS-Bench-101 vertex labels: -1 input, -2 output, 0/1/2 for :data:`OPS`."""
        return [OP_LABEL[op] for op in self.ops]

    def module_hash(self) -> str:
        """NAS-Bench-101's isomorphism-invariant hash of the pruned cell."""
        from benchmarks.space.hashing import hash_module

        pruned = check_arch(self)
        return hash_module(pruned.array(), pruned.labels())

    def __str__(self) -> str:
        bits, ops = self.to_strings()
        return f"{bits} {ops}"


def arrays_from_strings(matrices: Sequence[str], ops: Sequence[str]
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Many same-size cells in the compact CSV form as ``(N, V, V)`` uint8 and ``(N, V)`` int8
    label arrays, vectorised (the batch form of :meth:`Arch.from_strings`; not validated).

    >>> m, lab = arrays_from_strings(["0100", "0100"], ["input,output"] * 2)
    >>> m.shape, lab.tolist()
    ((2, 2, 2), [[-1, -2], [-1, -2]])
    """
    bits = "".join(matrices).encode()
    v = round((len(bits) // max(len(matrices), 1)) ** 0.5)
    mats = (np.frombuffer(bits, dtype=np.uint8) - ord("0")).reshape(len(matrices), v, v)
    codes, uniques = pd.factorize(np.asarray(ops, dtype=object))
    table = np.array([[OP_LABEL[o] for o in u.split(",")] for u in uniques], dtype=np.int8)
    return mats, table[codes].reshape(len(matrices), v)


def pad_matrices(matrices: np.ndarray, size: int) -> np.ndarray:
    """``(N, V, V)`` adjacency matrices as ``(N, size, size)``, NAS-Bench-101's padding.

    The extra vertices are isolated and inserted just before the output, which stays last, so
    vertex ``i < V - 1`` keeps index ``i``. The one home of this padding (encodings, surrogate
    features, mutation).

    >>> pad_matrices(np.array([[[0, 1], [0, 0]]]), 3)[0].tolist()
    [[0, 0, 1], [0, 0, 0], [0, 0, 0]]
    """
    mats = np.asarray(matrices)
    v = mats.shape[-1]
    if v > size:
        raise ValueError(f"cell has {v} vertices, more than {size}")
    slot = np.r_[np.arange(v - 1), size - 1]  # vertex i of the cell sits at slot[i]
    out = np.zeros((len(mats), size, size), dtype=mats.dtype)
    out[:, slot[:, None], slot[None, :]] = mats
    return out


def prune(arch: Arch) -> Arch:
    """Drop vertices not on an input -> output path (NAS-Bench-101 ``ModelSpec._prune``).

    Plain Python on purpose: for at most a few dozen entries it is several times faster than
    NumPy, and mutation-based search prunes every child it draws.
    """
    m = arch.matrix
    n = len(m)
    from_in = [False] * n
    from_in[0] = True
    for i in range(n):  # upper-triangular: vertex order is a topological order
        if from_in[i]:
            for j in range(i + 1, n):
                if m[i][j]:
                    from_in[j] = True
    to_out = [False] * n
    to_out[n - 1] = True
    for i in range(n - 2, -1, -1):
        to_out[i] = any(m[i][j] and to_out[j] for j in range(i + 1, n))
    if not from_in[n - 1]:
        raise InvalidArchError("disconnected", "no path from input to output")
    keep = [v for v in range(n) if from_in[v] and to_out[v]]
    if len(keep) == n:
        return arch
    return Arch(tuple(tuple(m[i][j] for j in keep) for i in keep),
                tuple(arch.ops[v] for v in keep))


def check_arch(arch: Arch, *, max_vertices: int | None = None, max_edges: int | None = None,
               ops: Sequence[str] = OPS) -> Arch:
    """Validate ``arch`` and return it pruned; raise :class:`InvalidArchError` on a broken rule.

    Rules are checked in this order: square matrix, 0/1 entries, one op per vertex, input first
    and output last, known ops, upper-triangular (a DAG in topological order), connected, and
    then, on the pruned cell, the vertex and edge limits (as NAS-Bench-101 does).
    """
    n = arch.num_vertices
    if n < 2 or any(len(row) != n for row in arch.matrix):
        raise InvalidArchError("not-square", f"matrix must be square with >= 2 rows, got {n} rows")
    if any(x not in (0, 1) for row in arch.matrix for x in row):
        raise InvalidArchError("not-binary", "matrix entries must be 0 or 1")
    if len(arch.ops) != n:
        raise InvalidArchError("ops-length", f"{len(arch.ops)} ops for {n} vertices")
    if arch.ops[0] != INPUT:
        raise InvalidArchError("first-op", f"first op must be 'input', got {arch.ops[0]!r}")
    if arch.ops[-1] != OUTPUT:
        raise InvalidArchError("last-op", f"last op must be 'output', got {arch.ops[-1]!r}")
    unknown = [op for op in arch.ops[1:-1] if op not in ops]
    if unknown:
        raise InvalidArchError("unknown-op", f"{unknown[0]!r} is not one of {', '.join(ops)}")
    if any(arch.matrix[i][j] for i in range(n) for j in range(i + 1)):
        raise InvalidArchError("not-upper-triangular",
                               "matrix must be strictly upper-triangular (a DAG, no cycles)")
    pruned = prune(arch)
    if max_vertices is not None and pruned.num_vertices > max_vertices:
        raise InvalidArchError("too-many-vertices",
                               f"{pruned.num_vertices} vertices after pruning > {max_vertices}")
    if max_edges is not None and pruned.num_edges > max_edges:
        raise InvalidArchError("too-many-edges",
                               f"{pruned.num_edges} edges after pruning > {max_edges}")
    return pruned
