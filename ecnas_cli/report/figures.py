"""Plotly figures of the report, built from the ``*_info`` data (raw units, hover with units).

Only rendering: every number comes from :class:`~ecnas_cli.report.data.ReportData`. Colours
follow the matplotlib figures (the ten ``C0``-``C9`` colours, then dashed, then dotted).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from benchmarks.tables.schema import METRICS
from ecnas_cli.plots.comparison import CurvesInfo
from ecnas_cli.plots.style import axis_label
from ecnas_cli.report.data import ReportData

__all__ = ["curves_figure", "ecdf_figure", "front_figure", "hover_template", "metric_format"]

#: matplotlib's default colour cycle (tab10), so the report and the PNG figures agree.
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")
_DASHES = ("solid", "dash", "dot")
_FORMATS = {"fraction": ":.2%", "kWh": ":.5f", "s": ":,.1f", "gCO2eq": ":.3f",
            "gCO2eq/kWh": ":.0f", "count": ":,.0f", "MAC": ":.4s", "W": ":.1f"}
_AXIS_BUTTON = {"type": "buttons", "direction": "right", "x": 0.0, "xanchor": "left",
                "y": 1.1, "yanchor": "bottom", "showactive": True, "pad": {"r": 0, "t": 0},
                "font": {"size": 11}}


def metric_format(metric: str) -> str:
    """d3-format spec (with its colon) and unit suffix of ``metric`` for hover text."""
    unit = METRICS[metric].unit
    suffix = "" if unit in ("fraction", "count") else f" {unit}"
    return _FORMATS.get(unit, ":.4g") + "}" + suffix


def hover_template(metrics: list[str], first: str = "") -> str:
    """Hover text of a point whose ``customdata`` is ``[hash, label, *metrics]``."""
    lines = [f"<b>%{{customdata[0]}}</b>{first}", "%{customdata[1]}"]
    lines += [f"{METRICS[m].label}: %{{customdata[{k + 2}]{metric_format(m)}"
              for k, m in enumerate(metrics)]
    return "<br>".join(lines) + "<extra></extra>"


def _style(i: int) -> tuple[str, str]:
    return COLOURS[i % 10], _DASHES[(i // 10) % 3]


def _customdata(hashes: Any, label: str | list[str], values: dict[str, np.ndarray],
                metrics: list[str]) -> list[list[Any]]:
    labels = [label] * len(hashes) if isinstance(label, str) else label
    cols = [np.asarray(values[m], dtype=float) for m in metrics]
    return [[str(h), lab, *(None if not np.isfinite(c[k]) else float(c[k]) for c in cols)]
            for k, (h, lab) in enumerate(zip(hashes, labels, strict=True))]


def _axis_buttons(axes: str, label: str) -> dict[str, Any]:
    """Buttons switching ``axes`` ("x" or "xy") between linear and log scales."""
    keys = [f"{a}axis.type" for a in axes]
    return _AXIS_BUTTON | {"buttons": [
        {"label": f"{label} {scale}", "method": "relayout", "args": [dict.fromkeys(keys, scale)]}
        for scale in ("linear", "log")]}


def front_figure(data: ReportData) -> go.Figure:
    """All cells faint, the true front (dashed steps), each run's front (steps and points)
    grouped by strategy in the legend; hover and click name the cell."""
    metrics, info0 = data.metrics, data.fronts[0][2]
    ix, iy = (info0.x.metric, info0.y.metric)
    fig = go.Figure()
    hashes: Any = info0.table_hashes if info0.table_hashes is not None else []
    # WebGL only where SVG would be slow: a headless or GPU-less browser draws SVG reliably.
    background = go.Scattergl if len(info0.table) > 5000 else go.Scatter
    fig.add_trace(background(
        x=info0.table[:, 0], y=info0.table[:, 1], mode="markers", name="all cells",
        marker={"size": 4, "color": "#bbbbbb", "opacity": 0.45},
        customdata=_customdata(hashes, "a cell of the table", data.table_values, metrics),
        hovertemplate=hover_template(metrics)))
    fig.add_trace(go.Scatter(x=info0.true_front[:, 0], y=info0.true_front[:, 1], mode="lines",
                             name="true front", line={"color": "black", "dash": "dash",
                                                      "width": 1.2}, hoverinfo="skip"))
    true = [data.cells[h] for h in data.true_front]
    fig.add_trace(go.Scatter(
        x=[c.values[ix] for c in true], y=[c.values[iy] for c in true], mode="markers",
        name="true front cells", legendgroup="true front", showlegend=False,
        marker={"size": 7, "color": "rgba(0,0,0,0)", "line": {"color": "black", "width": 1}},
        customdata=_customdata([c.module_hash for c in true], "on the true front",
                               {m: np.array([c.values[m] for c in true]) for m in metrics},
                               metrics),
        hovertemplate=hover_template(metrics)))
    order = list(dict.fromkeys(s for s, _, _ in data.fronts))
    for strategy, label, info in data.fronts:
        colour, dash = _style(order.index(strategy))
        first = not any(t.legendgroup == strategy for t in fig.data)
        fig.add_trace(go.Scatter(x=info.front[:, 0], y=info.front[:, 1], mode="lines",
                                 name=strategy, legendgroup=strategy, showlegend=first,
                                 line={"color": colour, "dash": dash, "width": 1},
                                 opacity=0.7, hoverinfo="skip"))
        cells = info.cells if info.cells is not None else pd.DataFrame(columns=[ix, iy])
        cards = [data.cells[str(h)] for h in cells.get("module_hash", [])]
        fig.add_trace(go.Scatter(
            x=[c.values[ix] for c in cards], y=[c.values[iy] for c in cards], mode="markers",
            name=label, legendgroup=strategy, showlegend=False,
            marker={"size": 7, "color": colour, "line": {"color": "white", "width": 0.5}},
            customdata=_customdata([c.module_hash for c in cards], f"on the front of {label}",
                                   {m: np.array([c.values[m] for c in cards]) for m in metrics},
                                   metrics),
            hovertemplate=hover_template(metrics)))
    fig.update_layout(
        xaxis_title=axis_label(info0.x), yaxis_title=axis_label(info0.y),
        legend={"title": {"text": "click to hide or show"}, "itemclick": "toggle"},
        updatemenus=[_axis_buttons("x", METRICS[ix].label.split()[-1])],
        yaxis_tickformat=".0%" if info0.y.unit == "fraction" else None)
    return _common(fig)


def curves_figure(info: CurvesInfo) -> go.Figure:
    """Median regret per strategy (steps) over its interquartile band over seeds."""
    fig = go.Figure()
    for i, (name, (x, med, q25, q75)) in enumerate(info.series.items()):
        colour, dash = _style(i)
        fig.add_trace(go.Scatter(
            x=np.r_[x, x[::-1]], y=np.r_[q75, q25[::-1]], fill="toself", fillcolor=colour,
            opacity=0.18, line={"width": 0, "shape": "hv"}, legendgroup=name,
            showlegend=False, hoverinfo="skip", name=f"{name} IQR"))
        fig.add_trace(go.Scatter(
            x=x, y=med, mode="lines", name=f"{name} (n={info.runs[name]})", legendgroup=name,
            line={"color": colour, "dash": dash, "shape": "hv", "width": 1.6},
            customdata=np.column_stack([q25, q75]),
            hovertemplate=f"{name}<br>{info.xlabel}: %{{x:.4g}}<br>median regret %{{y:.3%}}"
                          "<br>IQR %{customdata[0]:.3%} - %{customdata[1]:.3%}<extra></extra>"))
    fig.update_layout(xaxis_title=info.xlabel, yaxis_title=info.ylabel,
                      yaxis_tickformat=".1%", updatemenus=[_axis_buttons("xy", "axes")],
                      legend={"title": {"text": "median, IQR band"}})
    return _common(fig)


def ecdf_figure(ecdf: pd.DataFrame) -> go.Figure:
    """Anytime ECDF curves as the comparison provides them: per ``strategy``, its first two
    numeric columns as x and y."""
    x, y = [c for c in ecdf.columns if pd.api.types.is_numeric_dtype(ecdf[c])][:2]
    fig = go.Figure()
    for i, (name, g) in enumerate(ecdf.groupby("strategy", sort=False)):
        colour, dash = _style(i)
        fig.add_trace(go.Scatter(x=g[x], y=g[y], mode="lines", name=str(name),
                                 line={"color": colour, "dash": dash, "shape": "hv"}))
    fig.update_layout(xaxis_title=x, yaxis_title=y, updatemenus=[_axis_buttons("x", "x")])
    return _common(fig)


def _common(fig: go.Figure) -> go.Figure:
    fig.update_layout(template="plotly_white", height=480, hovermode="closest",
                      margin={"l": 60, "r": 20, "t": 56, "b": 50},
                      font={"family": "system-ui, -apple-system, Segoe UI, sans-serif",
                            "size": 12})
    return fig
