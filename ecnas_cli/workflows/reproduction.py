"""The state of one ``ecnas reproduce`` call, shared by its figure steps.

Its own module so that the steps (``reproduce``, ``reproduce_search``, ``reproduce_official``)
import it and the workflow imports the steps, without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from benchmarks.tables.benchmark import Benchmark
from benchmarks.tables.registry import load_benchmark
from ecnas_cli.analysis.paper.report import Ours
from ecnas_cli.files import write_table
from ecnas_cli.plots.style import paper_figure, save_figure

__all__ = ["SAMPLE_7V", "SPACES", "Reproduction"]

SPACES = {"4v": "ecnas-4v", "5v": "ecnas-5v"}
SAMPLE_7V = "ecnas-7v-energy-sample"


@dataclass
class Reproduction:
    """One ``ecnas reproduce`` call: settings, loaded tables, and what it has written."""

    out: Path
    seeds: int = 10
    jobs: int = 1
    quick: bool = False
    data_dir: Path | None = None
    raw_dir: Path | None = None
    ours: dict[str, list[Ours]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    _benches: dict[str, Benchmark] = field(default_factory=dict)

    def bench(self, name: str) -> Benchmark:
        if name not in self._benches:
            self._benches[name] = load_benchmark(name, data_dir=self.data_dir,
                                                 raw_dir=self.raw_dir)
        return self._benches[name]

    def figure(self, stem: str, size: tuple[float, float],
               draw: Callable[[Figure], object]) -> list[str]:
        """Draw once, save ``stem.png`` and ``stem.pdf``; return the names written."""
        with paper_figure(size) as fig:
            draw(fig)
            for ext in ("png", "pdf"):
                save_figure(fig, self.out / f"{stem}.{ext}")
        return [f"{stem}.png", f"{stem}.pdf"]

    def table(self, frame: pd.DataFrame, name: str) -> str:
        write_table(frame.round(10), self.out / name)  # rounding: identical CSV across runs
        return name

    def add(self, key: str, value: Ours) -> None:
        self.ours.setdefault(key, []).append(value)
