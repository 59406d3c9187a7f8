"""Save and load a :class:`benchmarks.surrogate.Surrogate` as a skops file, never a pickle.

The file holds the fitted scikit-learn estimators and a JSON-like ``meta`` dict (format
version, kind, seed, target, feature groups and names, training-data sha256, settings).
Loading first lists the file's types with :func:`skops.io.get_untrusted_types` and refuses
any type outside :data:`TRUSTED_TYPES`, so a tampered file cannot run arbitrary code.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import skops.io as sio

if TYPE_CHECKING:
    from benchmarks.surrogate import Surrogate

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
_META_KEYS = ("kind", "seed", "target", "groups", "feature_names", "residual_scale",
              "base_floor", "data_sha256", "n_train", "settings", "selection")


def save_surrogate(surrogate: Surrogate, path: Path) -> Path:
    """Write ``surrogate`` to ``path`` (conventionally ``*.skops``) and return the path."""
    meta: dict[str, Any] = {k: getattr(surrogate, k) for k in _META_KEYS}
    meta["groups"] = list(meta["groups"])
    meta["settings"] = {k: list(v) if isinstance(v, tuple) else v
                        for k, v in meta["settings"].items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump({"format": FORMAT, "meta": meta, "base": surrogate.base,
              "members": list(surrogate.members)}, path)
    return path


def load_surrogate(path: str | Path) -> Surrogate:
    """Read a surrogate written by :meth:`Surrogate.save`.

    Raises
    ------
    ValueError
        If the file needs a type outside :data:`TRUSTED_TYPES` or is not a surrogate file.
    """
    from benchmarks.surrogate import Surrogate

    path = Path(path)
    untrusted = set(sio.get_untrusted_types(file=path))
    unexpected = sorted(untrusted - TRUSTED_TYPES)
    if unexpected:
        raise ValueError(f"{path} contains types that are not trusted: {', '.join(unexpected)}")
    obj = sio.load(path, trusted=sorted(untrusted))
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise ValueError(f"{path} is not an {FORMAT} file")
    meta = dict(obj["meta"])
    meta["groups"] = tuple(meta["groups"])
    settings = dict(meta["settings"])
    if "hidden_layer_sizes" in settings:
        settings["hidden_layer_sizes"] = tuple(settings["hidden_layer_sizes"])
    meta["settings"] = settings
    return Surrogate(base=obj["base"], members=list(obj["members"]), **meta)
