"""Save and load the parts of an energy surrogate as a skops file, never a pickle.

The file holds the fitted scikit-learn estimators and a JSON-like ``meta`` dict (format
version, kind, seed, target, feature groups and names, training-data sha256, settings).
Loading first lists the file's types with :func:`skops.io.get_untrusted_types` and refuses
any type outside :data:`TRUSTED_TYPES`, so a tampered file cannot run arbitrary code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import skops.io as sio

from benchmarks.atomic import atomic_path
from benchmarks.errors import DamagedFileError, EcnasError

FORMAT = "ecnas-surrogate/1"
#: Every non-builtin type a saved surrogate may contain (what skops asks to be trusted).
TRUSTED_TYPES: frozenset[str] = frozenset({
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn._loss.loss.HalfSquaredError",
    "sklearn._loss.link.IdentityLink",
    "sklearn._loss.link.Interval",
})


def save_parts(path: Path, meta: dict[str, Any], base: Any, members: list[Any]) -> Path:
    """Write a surrogate's ``meta`` (JSON-like), base model and members to a skops file.

    Atomic: a kill or a full disk leaves the previous file (or none), never a truncated one.
    """
    path = Path(path)
    with atomic_path(path, suffix=".skops") as tmp:
        sio.dump({"format": FORMAT, "meta": meta, "base": base, "members": list(members)}, tmp)
    return path


def load_parts(path: str | Path) -> tuple[dict[str, Any], Any, list[Any]]:
    """Read ``(meta, base, members)`` written by :func:`save_parts`.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file needs a type outside :data:`TRUSTED_TYPES`
        (:class:`~benchmarks.errors.EcnasError`), or is empty, truncated, corrupt or not a
        surrogate file (:class:`~benchmarks.errors.DamagedFileError`, naming the file).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no surrogate model file at {path}")
    try:
        untrusted = set(sio.get_untrusted_types(file=path))
    except Exception as exc:  # skops parses an untrusted zip: any failure is the file's
        raise damaged_model(path, exc) from None
    unexpected = sorted(untrusted - TRUSTED_TYPES)
    if unexpected:
        raise EcnasError(f"{path} contains types that are not trusted: {', '.join(unexpected)}")
    try:
        obj = sio.load(path, trusted=sorted(untrusted))
    except Exception as exc:
        raise damaged_model(path, exc) from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise DamagedFileError(f"{path} is not an {FORMAT} file")
    meta, members = obj.get("meta"), obj.get("members")
    if not isinstance(meta, dict) or not isinstance(members, list) or not members:
        raise DamagedFileError(f"{path} is an {FORMAT} file without its metadata or models; "
                               f"{REFIT}")
    return dict(meta), obj.get("base"), list(members)


REFIT = "fit it again with `ecnas surrogate fit`"


def damaged_model(path: Path, exc: BaseException) -> DamagedFileError:
    """The error for a surrogate file that cannot be read."""
    why = " ".join(str(exc).split()) or type(exc).__name__
    return DamagedFileError(f"surrogate model {path} is empty, truncated or corrupt "
                            f"({type(exc).__name__}: {why}); {REFIT}")
