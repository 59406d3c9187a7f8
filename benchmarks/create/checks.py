"""One check for the numeric settings of ``ecnas bench create``, run before the first cell."""

from __future__ import annotations

import math


def check_range(name: str, value: float, lo: float, hi: float, *,
                lo_open: bool = False) -> float:
    """``value`` if it is a finite number in ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``),
    else a ValueError naming the setting: ``nan`` and ``inf`` would only fail hours later.

    >>> check_range("pue", 1.59, 1, 10)
    1.59
    >>> check_range("learning_rate", float("nan"), 0, 10, lo_open=True)
    Traceback (most recent call last):
    ...
    ValueError: learning_rate must be a finite number in (0, 10], got nan
    """
    ok = isinstance(value, int | float) and not isinstance(value, bool) and \
        math.isfinite(value) and (lo < value if lo_open else lo <= value) and value <= hi
    if not ok:
        raise ValueError(f"{name} must be a finite number in {'(' if lo_open else '['}{lo:g}, "
                         f"{hi:g}], got {value!r}")
    return value
