"""What ``ecnas reproduce`` records: figure records, our numbers, and their merged state.

The Markdown made from them is rendered by :mod:`ecnas_cli.workflows.reproduce_text`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["FigureRecord", "Ours", "State", "merge_state"]


@dataclass(frozen=True)
class Ours:
    """One recomputed value of a paper number, on one data set, with its interval if any."""

    value: float
    data: str  # e.g. "5V measured, 4 epochs, 14,534 pairs"
    low: float = math.nan
    high: float = math.nan


@dataclass
class FigureRecord:
    """What README says about one figure: files, what it shows, numbers, data and its kind."""

    number: int
    name: str
    title: str
    shows: str
    files: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    data: str = ""
    kind: str = "measured"  # measured | linearly scaled | surrogate
    absent: str = ""  # set when the figure could not be drawn here, and why


@dataclass
class State:
    """Everything the text files are made from: figure records, our numbers and why some
    paper numbers were not recomputed. Stored as ``figures.json`` (:meth:`to_json`)."""

    figures: list[FigureRecord]
    numbers: dict[str, list[Ours]]
    missing: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"figures": [asdict(f) for f in self.figures],
                "numbers": {k: [asdict(o) for o in v] for k, v in sorted(self.numbers.items())},
                "missing": dict(sorted(self.missing.items()))}


def merge_state(old: Mapping[str, Any] | None, new: State) -> State:
    """``new`` over an earlier :meth:`State.to_json` (figures replaced by number; numbers by
    key), so that making some figures keeps the others' text. JSON nulls become NaN."""
    old = old or {}
    done = {f.number for f in new.figures}
    figures = [FigureRecord(**f) for f in old.get("figures", []) if f["number"] not in done]
    numbers = {k: [_ours(o) for o in v] for k, v in old.get("numbers", {}).items()}
    numbers.update(new.numbers)
    return State(sorted([*figures, *new.figures], key=lambda f: f.number), numbers,
                 {**old.get("missing", {}), **new.missing})


def _ours(o: Mapping[str, Any]) -> Ours:
    nan = math.nan
    return Ours(float(o["value"]), str(o["data"]), nan if o.get("low") is None else o["low"],
                nan if o.get("high") is None else o["high"])
