"""Vega-Lite figures of the report (through altair), built from the ``*_info`` data.

Only rendering: every number comes from :class:`~ecnas_cli.report.data.ReportData`. Colours
follow the matplotlib figures (the ten ``C0``-``C9`` colours, then dashed, then dotted).
Vega-Lite rather than plotly: in ``tests/perf/perf_report.py`` the same three plots made a
4.1 MB page that loads in 2.05 s against plotly's 6.5 MB and 3.9 s (plotly.js alone is 4.8 MB
and takes 1.9 s to load on the busy 2-core development machine, Vega's bundle 0.9 MB and 0.3 s).
"""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from benchmarks.schema import METRICS
from ecnas_cli.plots.comparison import CurvesInfo
from ecnas_cli.plots.style import axis_label
from ecnas_cli.report.data import ReportData

__all__ = ["COLOURS", "curves_spec", "ecdf_spec", "front_spec", "tooltip"]

#: matplotlib's default colour cycle (tab10), so the report and the PNG figures agree.
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")
_DASHES = ([1, 0], [5, 3], [1, 2])
_FORMATS = {"fraction": ".2%", "kWh": ".5f", "s": ",.1f", "gCO2eq": ".3f", "gCO2eq/kWh": ".0f",
            "count": ",.0f", "MAC": ".4s", "W": ".1f"}
_WIDTH = "container"
_BACKGROUND = 20_000  # most table cells drawn behind the fronts


def tooltip(metrics: list[str]) -> list[alt.Tooltip]:
    """Hover text: the cell's hash, what the point is, every metric with its unit."""
    out = [alt.Tooltip("hash:N", title="cell"), alt.Tooltip("what:N", title="point")]
    for m in metrics:
        unit = METRICS[m].unit
        title = METRICS[m].label + ("" if unit in ("fraction", "count") else f" ({unit})")
        out.append(alt.Tooltip(f"{m}:Q", title=title, format=_FORMATS.get(unit, ".4g")))
    return out


def _colour(names: list[str], field: str = "strategy") -> dict[str, Any]:
    """Colour and dash encodings that give strategy ``i`` ``series_style(i)``'s look."""
    colours = [COLOURS[i % 10] for i in range(len(names))]
    dashes = [_DASHES[(i // 10) % 3] for i in range(len(names))]
    return {"color": alt.Color(f"{field}:N", scale=alt.Scale(domain=names, range=colours),
                               legend=alt.Legend(title="strategy", labelLimit=200)),
            "strokeDash": alt.StrokeDash(f"{field}:N", legend=None,
                                         scale=alt.Scale(domain=names, range=dashes))}


def _points(hashes: Any, what: str | list[str], values: dict[str, Any],
            metrics: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({m: np.asarray(values[m], dtype=float) for m in metrics})
    frame.insert(0, "what", what)
    frame.insert(0, "hash", [str(h) for h in hashes])
    return frame


def _steps(rows: list[tuple[str, str, np.ndarray]], x: str, y: str) -> pd.DataFrame:
    """Staircase vertices as a long table (``order`` keeps their sequence)."""
    parts = [pd.DataFrame({"strategy": s, "run": r, "order": np.arange(len(p)), x: p[:, 0],
                           y: p[:, 1]}) for s, r, p in rows]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def front_spec(data: ReportData) -> dict[str, Any]:
    """All cells faint, the true front (dashed steps), each run's front (steps and points)
    coloured by strategy; the legend picks strategies, hover names the cell."""
    metrics, info = data.metrics, data.fronts[0][2]
    x, y = info.x.metric, info.y.metric
    names = list(dict.fromkeys(s for s, _, _ in data.fronts))
    pick = alt.selection_point(fields=["strategy"], bind="legend", name="pick")
    faded = alt.condition(pick, alt.value(0.9), alt.value(0.08))
    ex = alt.X(f"{x}:Q", title=axis_label(info.x), scale=alt.Scale(type="linear", zero=False))
    ey = alt.Y(f"{y}:Q", title=axis_label(info.y), scale=alt.Scale(zero=False),
               axis=alt.Axis(format=".0%") if info.y.unit == "fraction" else alt.Axis())
    tips = tooltip(metrics)
    hashes: Any = info.table_hashes if info.table_hashes is not None else []
    table = _points(hashes, "a cell of the table", data.table_values, metrics)
    if len(table) > _BACKGROUND:  # a 7V-sized table: an even thinning keeps the page light
        table = table.iloc[np.linspace(0, len(table) - 1, _BACKGROUND).astype(int)]
        table["what"] = f"one of {_BACKGROUND:,} shown of the table's {len(hashes):,} cells"
    true = [data.cells[h] for h in data.true_front]
    cards = [(s, lab, data.cells[str(h)]) for s, lab, f in data.fronts if f.cells is not None
             for h in f.cells["module_hash"]]
    found = _points([c.module_hash for _, _, c in cards], [f"on the front of {lab}"
                                                           for _, lab, _ in cards],
                    {m: [c.values[m] for _, _, c in cards] for m in metrics}, metrics)
    found.insert(0, "strategy", [s for s, _, _ in cards])
    layers = [
        alt.Chart(table).mark_circle(size=14, color="#b8b8b8", opacity=0.5).encode(
            x=ex, y=ey, tooltip=tips),
        alt.Chart(_steps([("true front", "true", info.true_front)], x, y)).mark_line(
            color="black", strokeDash=[6, 4], strokeWidth=1.2).encode(x=ex, y=ey, order="order"),
        alt.Chart(_points([c.module_hash for c in true], "on the true front",
                          {m: [c.values[m] for c in true] for m in metrics}, metrics)
                  ).mark_point(size=60, color="black", strokeWidth=1.2).encode(
            x=ex, y=ey, tooltip=tips),
        alt.Chart(_steps([(s, lab, f.front) for s, lab, f in data.fronts], x, y)).mark_line(
            strokeWidth=1).encode(x=ex, y=ey, order="order", detail="run:N",
                                  opacity=faded, **_colour(names)).add_params(pick),
        alt.Chart(found).mark_circle(size=50, stroke="white", strokeWidth=0.5).encode(
            x=ex, y=ey, opacity=faded, tooltip=tips, **_colour(names))]
    return _finish(alt.layer(*layers), 460)


def curves_spec(info: CurvesInfo, *, log: bool = True) -> dict[str, Any]:
    """Median regret per strategy (steps) over its interquartile band over seeds; log-log
    axes by default (the page's buttons switch them)."""
    names = list(info.series)
    bands = pd.concat([pd.DataFrame({"strategy": n, "x": s[0], "median": s[1], "q25": s[2],
                                     "q75": s[3]}) for n, s in info.series.items()])
    pick = alt.selection_point(fields=["strategy"], bind="legend", name="pick")
    ex = alt.X("x:Q", title=info.xlabel, scale=alt.Scale(type="log" if log else "linear"))
    scale_y = alt.Scale(type="log" if log else "linear")
    colour = _colour(names)
    # one legend for both layers; its symbols at full strength, not the bands' pale fill
    colour["color"].legend = alt.Legend(title="strategy", labelLimit=200, symbolOpacity=1)
    base = alt.Chart(bands).encode(x=ex, **colour)
    band = base.mark_area(interpolate="step-after", opacity=0.18).encode(
        y=alt.Y("q25:Q", scale=scale_y), y2="q75:Q",
        opacity=alt.condition(pick, alt.value(0.18), alt.value(0.02)))
    line = base.mark_line(interpolate="step-after", strokeWidth=1.6).encode(
        y=alt.Y("median:Q", title=info.ylabel, scale=scale_y, axis=alt.Axis(format=".1%")),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.1)),
        tooltip=["strategy:N", alt.Tooltip("x:Q", title=info.xlabel, format=".4g"),
                 alt.Tooltip("median:Q", format=".3%", title="median regret"),
                 alt.Tooltip("q25:Q", format=".3%"), alt.Tooltip("q75:Q", format=".3%")]
    ).add_params(pick)
    return _finish(alt.layer(band, line), 380)


def ecdf_spec(ecdf: pd.DataFrame) -> dict[str, Any]:
    """Anytime ECDF curves as the comparison provides them: per ``strategy``, its first two
    numeric columns as x and y."""
    x, y = [c for c in ecdf.columns if pd.api.types.is_numeric_dtype(ecdf[c])][:2]
    names = [str(s) for s in dict.fromkeys(ecdf["strategy"])]
    chart = alt.Chart(ecdf).mark_line(interpolate="step-after").encode(
        x=alt.X(f"{x}:Q", scale=alt.Scale(type="linear")), y=f"{y}:Q",
        tooltip=["strategy:N", f"{x}:Q", f"{y}:Q"], **_colour(names))
    return _finish(chart, 380)


def _finish(chart: alt.TopLevelMixin, height: int) -> dict[str, Any]:
    chart = chart.properties(width=_WIDTH, height=height).configure(
        font="system-ui, -apple-system, Segoe UI, sans-serif").configure_view(
        stroke=None).configure_axis(gridColor="#eceef2")
    with alt.data_transformers.enable("default", max_rows=None):  # this chart only
        spec: dict[str, Any] = chart.to_dict(validate=False)
    return spec
