"""The paper's radar of chosen cells with their absolute values (figures 5 and 16).

The polygons are :func:`ecnas_cli.plots.comparison.radar_info`'s min-max scaled values; each
axis label states the table's range on that axis (centre -> rim), and a table under the radar
gives every cell's absolute values, so the figure can be read like the paper's.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.transforms import Bbox

from benchmarks.schema import METRICS
from benchmarks.tables.benchmark import Benchmark
from ecnas_cli.analysis.paper.space_view import ACC_ENERGY
from ecnas_cli.display import metric as shown
from ecnas_cli.plots.comparison import RadarInfo, radar_info, radar_metrics, render_radar
from ecnas_cli.plots.style import series_style

__all__ = ["AbsoluteRadarInfo", "absolute_radar_info", "absolute_values", "render_absolute_radar"]


@dataclass
class AbsoluteRadarInfo:
    """The scaled radar, the metrics of its axes, each cell's absolute values and the table's
    worst (centre) and best (rim) value per axis, all in raw units."""

    radar: RadarInfo
    metrics: list[str]
    absolute: np.ndarray
    worst: np.ndarray
    best: np.ndarray
    title: str


def absolute_values(cells: pd.DataFrame, bench: Benchmark, epochs: int
                    ) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Radar metrics, the cells' mean values ``(cells, metrics)`` at ``epochs``, and the
    table's worst and best value per metric (the radar's centre and rim)."""
    metrics = radar_metrics(bench, ACC_ENERGY)
    values = bench.query_many(cells["module_hash"].tolist(), epochs=epochs, metrics=metrics)
    table = bench.frame[bench.frame["epochs"] == epochs].groupby("module_hash")[metrics].mean()
    lo, hi = table.min().to_numpy(dtype=float), table.max().to_numpy(dtype=float)
    high_is_good = np.array([METRICS[m].direction == "max" for m in metrics])
    return (metrics, np.column_stack([values[m] for m in metrics]),
            np.where(high_is_good, lo, hi), np.where(high_is_good, hi, lo))


def absolute_radar_info(cells: pd.DataFrame, bench: Benchmark, epochs: int,
                        title: str) -> AbsoluteRadarInfo:
    """From chosen cells (columns ``role``, ``module_hash``) of ``bench`` at ``epochs``."""
    metrics, absolute, worst, best = absolute_values(cells, bench, epochs)
    return AbsoluteRadarInfo(radar_info(cells, bench, ACC_ENERGY, epochs), metrics, absolute,
                             worst, best, title)


def _unit(name: str) -> str:
    unit = METRICS[name].unit
    return {"fraction": "%", "count": "", "kWh": ""}.get(unit, unit)


def render_absolute_radar(ax: Axes, info: AbsoluteRadarInfo) -> Axes:
    """The radar, axis labels with the table's range, and a table of absolute values under it
    (its row colours are the polygons'; it replaces the legend)."""
    render_radar(ax, info.radar)
    legend = ax.get_legend()
    if legend is not None:
        legend.remove()
    labels = [f"{textwrap.fill(METRICS[m].label, 12)}\n{shown(m, w)} -> {shown(m, b)} {_unit(m)}"
              .rstrip() for m, w, b in zip(info.metrics, info.worst, info.best, strict=True)]
    ax.set_xticks(ax.get_xticks(), labels, fontsize=6)
    text = [[f"{shown(m, v)} {_unit(m)}".rstrip() for m, v in zip(info.metrics, row,
                                                                    strict=True)]
            for row in info.absolute]
    columns = [textwrap.fill(METRICS[m].label, 12) for m in info.metrics]
    colours = [series_style(i)["color"] for i in range(len(info.radar.names))]
    table = ax.table(cellText=text, rowLabels=info.radar.names, colLabels=columns,
                     rowColours=colours, bbox=Bbox.from_bounds(0.05, -0.62, 0.95, 0.4))
    table.auto_set_font_size(False)
    table.set_fontsize(5.5)
    for (row, col), cell in table.get_celld().items():
        cell.set_linewidth(0.3)
        if col == -1 and row > 0:
            cell.get_text().set_color("white")
    ax.set_title(info.title, pad=14)
    return ax
