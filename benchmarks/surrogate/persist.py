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
    """Write a surrogate's ``meta`` (JSON-like), base model and members to a skops file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump({"format": FORMAT, "meta": meta, "base": base, "members": list(members)}, path)
    return path


def load_parts(path: str | Path) -> tuple[dict[str, Any], Any, list[Any]]:
    """Read ``(meta, base, members)`` written by :func:`save_parts`.

    Raises
    ------
    ValueError
        If the file needs a type outside :data:`TRUSTED_TYPES` or is not a surrogate file.
    """
    path = Path(path)
    untrusted = set(sio.get_untrusted_types(file=path))
    unexpected = sorted(untrusted - TRUSTED_TYPES)
    if unexpected:
        raise ValueError(f"{path} contains types that are not trusted: {', '.join(unexpected)}")
    obj = sio.load(path, trusted=sorted(untrusted))
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise ValueError(f"{path} is not an {FORMAT} file")
    return dict(obj["meta"]), obj["base"], list(obj["members"])
