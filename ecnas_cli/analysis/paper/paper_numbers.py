"""The EC-NAS paper's numbers that ``ecnas reproduce`` sets ours beside, each with its kind.

Paper: P. Bakhtiarifard, C. Igel, R. Selvan, "EC-NAS: Energy Consumption Aware Tabular
Benchmarks for Neural Architecture Search", ICASSP 2024 (arXiv:2210.06015v4); its figures are
also in EC-NAS-Bench (commit 1a82fdd, ``ecnas/experiments/figures``). Two kinds are kept apart:

- ``stated``: a number the paper prints, with where (text, table, or a figure's label);
- ``derived``: a number read off the authors' figures or computed from their runs, with how.

Our own measurements that have no counterpart in the paper are not here (they are only ours).
``paper-vs-ecnas.md`` is generated from :data:`PAPER_NUMBERS`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PAPER_NUMBERS", "PaperNumber", "by_key"]

_SWAPS = "figure label: operation-swap matrices ('Impact on ...'), 7V"


@dataclass(frozen=True)
class PaperNumber:
    """One number of the paper: a stable ``key``, what it is, its value and unit, its kind
    (``stated`` or ``derived``) and where it is stated or how it was derived."""

    key: str
    what: str
    value: float
    unit: str  # "%", "fraction" (accuracy), "points" (percentage points), "tau", "r2", "hv"
    kind: str
    where: str


def _swap(old: str, new: str, energy: float, acc: float, params: float,
          time: float) -> list[PaperNumber]:
    label = f"{old} -> {new}"
    return [PaperNumber(f"swap:{old}:{new}:{metric}", f"{label}: {what}", value, unit,
                        "stated", _SWAPS)
            for metric, what, value, unit in (
                ("energy_kwh", "energy change", energy, "%"),
                ("training_time_s", "training-time change", time, "%"),
                ("trainable_params", "parameter change", params, "%"),
                ("validation_accuracy", "validation-accuracy change (fraction)", acc,
                 "fraction"))]


_HV = "figure label: attainment of the four optimisers, 7V (legend 'HV')"

PAPER_NUMBERS: tuple[PaperNumber, ...] = (
    *_swap("conv3x3-bn-relu", "conv1x1-bn-relu", -17.68, -0.0311, -77.96, -24.89),
    *_swap("conv3x3-bn-relu", "maxpool3x3", -32.11, -0.0314, -95.53, -16.82),
    *_swap("conv1x1-bn-relu", "maxpool3x3", -14.55, -0.0084, -13.55, 7.84),
    PaperNumber("r2:surrogate", "surrogate energy vs measured (7V): 'Kendall-Tau R^2'", 0.9030,
                "r2", "stated", "figure label: surrogate predictions, 7V"),
    PaperNumber("tau:surrogate", "Kendall tau, surrogate energy vs measured (7V)", 0.9503,
                "tau", "derived", "square root of the stated label 'Kendall-Tau R^2 = 0.9030'"),
    *(PaperNumber(f"hv:7v:{name}", f"hypervolume of {name}'s runs (7V)", value, "hv",
                  "stated", _HV)
      for name, value in (("SH-EMOA", 1.41e6), ("RS", 1.44e6), ("MS-EHVI", 1.42e6),
                          ("SEMOA", 1.44e6))),
    PaperNumber("knee:7v:energy_saving", "7V front knee: energy saved vs the most accurate "
                "cell (about)", 87.0, "%", "derived", "read off the paper's 7V front figure"),
    PaperNumber("knee:7v:accuracy_drop", "7V front knee: accuracy given up (about)", 2.3,
                "points", "derived", "read off the paper's 7V front figure"),
)


def by_key() -> dict[str, PaperNumber]:
    """:data:`PAPER_NUMBERS` by key.

    Examples
    --------
    >>> by_key()["hv:7v:RS"].value
    1440000.0
    """
    return {p.key: p for p in PAPER_NUMBERS}
