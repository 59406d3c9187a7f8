"""Every number the EC-NAS paper states that ``ecnas reproduce`` recomputes, with its source.

Paper: P. Bakhtiarifard, C. Igel, R. Selvan, "EC-NAS: Energy Consumption Aware Tabular
Benchmarks for Neural Architecture Search", ICASSP 2024 (arXiv:2210.06015v4). The values and
their wording are those quoted in ecnas issue 13; numbers the issue derived from the raw data
itself (not from the paper) say so in ``source``. ``paper-vs-ecnas.md`` is generated from
:data:`PAPER_NUMBERS`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PAPER_NUMBERS", "PaperNumber", "by_key"]

_PAPER = "EC-NAS paper (ICASSP 2024), 7V"
_ISSUE = "issue 13, computed from the raw EC-NAS runs"


@dataclass(frozen=True)
class PaperNumber:
    """One stated number: a stable ``key``, what it is, its value and unit, and its source."""

    key: str
    what: str
    value: float
    unit: str  # "%", "fraction" (accuracy), "points" (percentage points), "ratio", "tau"
    source: str


def _swap(old: str, new: str, energy: float, acc: float, params: float | None,
          time: float) -> list[PaperNumber]:
    label = f"{old} -> {new}"
    out = [PaperNumber(f"swap:{old}:{new}:energy_kwh", f"{label}: mean energy change", energy,
                       "%", f"{_PAPER}, operation-swap analysis"),
           PaperNumber(f"swap:{old}:{new}:training_time_s", f"{label}: mean training-time "
                       "change", time, "%", f"{_PAPER}, operation-swap analysis")]
    if acc == acc:  # not NaN: the paper states it
        out.append(PaperNumber(f"swap:{old}:{new}:validation_accuracy",
                               f"{label}: mean accuracy change (fraction)", acc, "fraction",
                               f"{_PAPER}, operation-swap analysis"))
    if params is not None:
        out.append(PaperNumber(f"swap:{old}:{new}:trainable_params",
                               f"{label}: mean parameter change", params, "%",
                               f"{_PAPER}, operation-swap analysis"))
    return out


PAPER_NUMBERS: tuple[PaperNumber, ...] = (
    *_swap("conv3x3-bn-relu", "conv1x1-bn-relu", -17.68, -0.031, -77.96, -24.89),
    *_swap("conv3x3-bn-relu", "maxpool3x3", -32.11, -0.031, -95.53, -16.82),
    *_swap("conv1x1-bn-relu", "maxpool3x3", -14.55, float("nan"), None, 7.84),
    PaperNumber("tau:energy:time:4v", "Kendall tau, energy vs training time (4V)", 0.95, "tau",
                _ISSUE),
    PaperNumber("tau:energy:params:4v", "Kendall tau, energy vs parameters (4V)", 0.73, "tau",
                _ISSUE),
    PaperNumber("tau:surrogate", "Kendall tau, surrogate energy vs measured (7V)", 0.95, "tau",
                "EC-NAS paper (ICASSP 2024), energy surrogate (approximate: 'about 0.95')"),
    PaperNumber("scaling:ratio_4_2:5v", "median E(4 epochs) / E(2 epochs) (5V)", 1.885, "ratio",
                _ISSUE),
    PaperNumber("scaling:fixed_share:5v", "fixed (epoch-independent) share of 4-epoch energy "
                "(5V), 'about 6%'", 6.0, "%", _ISSUE),
    PaperNumber("knee:7v:energy_saving", "7V front knee: energy saved vs most accurate cell "
                "(about)", 87.0, "%", "EC-NAS paper (ICASSP 2024), 7V Pareto front"),
    PaperNumber("knee:7v:accuracy_drop", "7V front knee: accuracy given up (about)", 2.3,
                "points", "EC-NAS paper (ICASSP 2024), 7V Pareto front"),
)


def by_key() -> dict[str, PaperNumber]:
    """:data:`PAPER_NUMBERS` by key.

    Examples
    --------
    >>> by_key()["scaling:ratio_4_2:5v"].value
    1.885
    """
    return {p.key: p for p in PAPER_NUMBERS}
