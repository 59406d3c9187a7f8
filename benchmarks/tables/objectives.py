"""Objectives and the one conversion between raw values and minimisation form."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.schema import METRICS


@dataclass(frozen=True)
class Objective:
    """A metric of the table and whether it is minimised or maximised."""

    metric: str
    direction: str  # "min" or "max"

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"unknown objective {self.metric!r}; valid: {', '.join(METRICS)}")
        if self.direction not in ("min", "max"):
            raise ValueError(f"objective direction must be min or max, got {self.direction!r}")

    @classmethod
    def parse(cls, text: str) -> Objective:
        """``"energy_kwh:min"``, or just ``"energy_kwh"`` for the metric's natural direction."""
        metric, _, direction = text.strip().partition(":")
        if metric not in METRICS:
            raise ValueError(f"unknown objective {metric!r}; valid: {', '.join(METRICS)}")
        return cls(metric, direction or METRICS[metric].direction)

    @property
    def unit(self) -> str:
        return METRICS[self.metric].unit

    @property
    def label(self) -> str:
        """Axis label with unit, e.g. ``training energy (kWh)``."""
        unit = METRICS[self.metric].unit
        return METRICS[self.metric].label + ("" if unit in ("fraction", "count") else f" ({unit})")

    def __str__(self) -> str:
        return f"{self.metric}:{self.direction}"


def parse_objectives(spec: str | Sequence[str | Objective]) -> tuple[Objective, ...]:
    """Parse ``"validation_accuracy:max,energy_kwh:min"`` or a sequence; at least two."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    objs = tuple(o if isinstance(o, Objective) else Objective.parse(o) for o in items if o != "")
    if len(objs) < 2:
        raise ValueError(f"need at least two objectives, got {len(objs)}")
    if len({o.metric for o in objs}) != len(objs):
        raise ValueError("objectives must be distinct metrics")
    return objs


def signs(objectives: Sequence[Objective]) -> np.ndarray:
    """+1 for minimised and -1 for maximised objectives."""
    return np.array([1.0 if o.direction == "min" else -1.0 for o in objectives])


def to_min(values: np.ndarray, objectives: Sequence[Objective]) -> np.ndarray:
    """Raw values ``(n, m)`` -> minimisation form; the inverse is the same map."""
    return np.asarray(values, dtype=float) * signs(objectives)


from_min = to_min
