"""Small multiples for many strategies, and the anytime ECDF figure.

Twelve overlapping series cannot be told apart, so the regret-curve, ECDF and attainment
figures of ``ecnas compare`` draw one panel per strategy, each beside the reference
strategies, on shared axes. As elsewhere in :mod:`ecnas_cli.plots`: ``*_info`` data,
``render_*`` drawing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ecnas_cli.plots.style import series_style

__all__ = ["EcdfInfo", "ecdf_info", "panel_groups", "panel_style", "panels_size",
           "render_ecdf", "render_panels"]

#: Most panels in a row of a small-multiples figure.
COLUMNS = 4
#: Line styles of the references, in order: neutral, so the panel's strategy stands out.
REFERENCE_STYLES = ({"color": "0.15", "ls": "--"}, {"color": "0.55", "ls": ":"},
                    {"color": "0.4", "ls": "-."})


def panel_style(i: int, name: str, references: Sequence[str]) -> dict[str, Any]:
    """Style of series ``i`` called ``name``: a reference's neutral style, else the
    ``i``-th :func:`series_style` (the same colour in every panel)."""
    if name in references:
        return dict(REFERENCE_STYLES[list(references).index(name) % len(REFERENCE_STYLES)])
    return series_style(i)


@dataclass
class EcdfInfo:
    """Per strategy the ECDF step function ``{name: (x, share)}``."""

    xlabel: str
    series: dict[str, tuple[np.ndarray, np.ndarray]]
    targets: int
    ylabel: str = "(run, target) pairs reached"


def ecdf_info(table: pd.DataFrame, targets: int) -> EcdfInfo:
    """From :func:`ecnas_cli.analysis.ecdf.ecdf` (columns ``strategy``, ``evaluation`` or
    ``energy_kwh``, ``share``), over ``targets`` regret targets."""
    column = "evaluation" if "evaluation" in table else "energy_kwh"
    xlabel = {"evaluation": "evaluations", "energy_kwh": "search energy (kWh)"}[column]
    series = {str(s): (g[column].to_numpy(float), g["share"].to_numpy(float))
              for s, g in table.groupby("strategy", sort=False)}
    return EcdfInfo(xlabel, series, targets)


def render_ecdf(ax: Axes, info: EcdfInfo, names: Sequence[str] | None = None,
                references: Sequence[str] = ()) -> Axes:
    """One step line per strategy (those in ``names``, each in the colour of its place in
    ``info``; ``references`` in neutral styles)."""
    for i, (name, (x, share)) in enumerate(info.series.items()):
        if names is None or name in names:
            ax.step(x, share, where="post", **panel_style(i, name, references), label=name)
    ax.set_ylim(0, 1)
    ax.set_xlabel(info.xlabel)
    ax.set_ylabel(info.ylabel)
    ax.legend(loc="lower right", frameon=False, title=f"{info.targets} regret targets",
              title_fontsize=6.5)
    return ax


def panel_groups(names: Sequence[str], references: Sequence[str]) -> list[list[str]]:
    """One panel per strategy that is not a reference: ``[strategy, *references present]``;
    a single panel of the references when there is nothing else."""
    refs = [r for r in references if r in names]
    groups = [[n, *refs] for n in names if n not in refs]
    return groups or [refs]


def panels_size(panels: int) -> tuple[float, float]:
    """Figure inches for ``panels`` panels, :data:`COLUMNS` to a row."""
    cols = min(COLUMNS, panels)
    return 2.2 * cols + 0.4, 1.9 * math.ceil(panels / cols) + 0.3


def render_panels(fig: Figure, groups: Sequence[Sequence[str]],
                  draw: Callable[[Axes, Sequence[str]], Axes]) -> list[Axes]:
    """A grid of shared-axes panels on ``fig``, ``draw(ax, names)`` once per group; axis
    labels only on the outer panels."""
    cols = min(COLUMNS, len(groups))
    rows = math.ceil(len(groups) / cols)
    grid = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    axes = list(grid.flat)
    for i, (ax, names) in enumerate(zip(axes, groups, strict=False)):
        draw(ax, names)
        ax.set_title(names[0], fontsize=7)
        if i % cols:
            ax.set_ylabel("")
        if i + cols < len(groups):  # a panel below carries the x axis
            ax.set_xlabel("")
        else:  # the bottom panel of its column, maybe above an empty slot
            ax.tick_params(labelbottom=True)
    for ax in axes[len(groups):]:
        ax.set_visible(False)
    return axes[:len(groups)]
