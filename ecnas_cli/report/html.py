"""The report page: one self-contained HTML file (Vega, styles and script inlined).

Renders :class:`~ecnas_cli.report.data.ReportData`; computes nothing. The page makes no network
request: Vega, Vega-Lite and vega-embed are inlined from vl-convert, fonts are the system's, and
the cell drawings are inline SVG.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.schema import METRICS
from ecnas_cli.files import atomic_path, json_ready
from ecnas_cli.report.data import CellCard, ReportData, report_data
from ecnas_cli.report.figures import curves_spec, ecdf_spec, front_spec

__all__ = ["render_report", "write_report"]

Fmt = Callable[[Any], str]


def _num(spec: str, scale: float = 1.0) -> Fmt:
    return lambda v: "-" if v is None or (isinstance(v, float) and math.isnan(v)) \
        else format(float(v) * scale, spec)


#: Columns of the statistics tables: header (with unit) and formatter.
_COLUMNS: dict[str, tuple[str, Fmt]] = {
    "strategy": ("strategy", str), "runs": ("runs", _num(".0f")), "run": ("run", str),
    "evaluations": ("evaluations", _num(",.0f")),
    "search_energy_kwh": ("search energy (kWh)", _num(".3f")),
    "final_regret_median": ("final regret, median (%)", _num(".3f", 100)),
    "final_regret_q25": ("q25 (%)", _num(".3f", 100)),
    "final_regret_q75": ("q75 (%)", _num(".3f", 100)),
    "final_regret": ("final regret (%)", _num(".3f", 100)),
    "distinct_cells": ("distinct cells", _num(",.0f")),
    "cached_queries": ("cached queries", _num(",.0f")),
    "evals_to_95": ("evaluations to 95% HV", _num(",.1f")),
    "kwh_to_95": ("kWh to 95% HV", _num(".3f")), "reached_95": ("reached 95%", _num(".0%")),
    "evals_to_99": ("evaluations to 99% HV", _num(",.1f")),
    "kwh_to_99": ("kWh to 99% HV", _num(".3f")), "reached_99": ("reached 99%", _num(".0%")),
    "a": ("a", str), "b": ("b", str), "u": ("U", _num("g")), "p": ("p", _num(".3g")),
    "p_holm": ("p (Holm)", _num(".3g")),
    "prob_a_better": ("P(a ends below b), effect size", _num(".2f")),
}


def _asset(name: str) -> str:
    return (files("ecnas_cli.report") / name).read_text(encoding="utf-8")


def table_html(frame: pd.DataFrame, caption: str, table_id: str) -> str:
    """A sortable table (click a header); cells carry their raw value for sorting."""
    cols = list(frame.columns)
    head = "".join(f"<th>{escape(_COLUMNS.get(c, (c, str))[0])}</th>" for c in cols)
    rows = []
    for rec in frame.to_dict("records"):
        tds = []
        for c in cols:
            v, fmt = rec[c], _COLUMNS.get(c, (c, _plain))[1]
            sort = v if isinstance(v, int | float) and not isinstance(v, bool) else str(v)
            sort = "" if isinstance(sort, float) and math.isnan(sort) else sort
            text = "" if isinstance(sort, int | float) else ' class="txt"'
            tds.append(f'<td data-v="{escape(str(sort))}"{text}>{escape(fmt(v))}</td>')
        rows.append(f"<tr>{''.join(tds)}</tr>")
    return (f'<div class="scroll"><table class="sortable" id="{table_id}">'
            f"<caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _plain(v: Any) -> str:
    if isinstance(v, dict | list):
        return json.dumps(json_ready(v))
    return "-" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v)


def _value(metric: str, v: float) -> str:
    unit = METRICS[metric].unit
    if not math.isfinite(v):
        return "-"
    if unit == "fraction":
        return f"{100 * v:.2f}%"
    if unit == "count":
        return f"{v:,.0f}"
    if unit == "MAC":
        return f"{v / 1e6:,.1f} M MAC"
    return f"{v:.4g} {unit}"


def card_html(card: CellCard, objectives: Sequence[str], *, anchor: bool = True) -> str:
    """A cell: its drawing, metrics (objectives first, in bold) and who found it."""
    order = [m for m in objectives if m in card.values] + \
        [m for m in card.values if m not in objectives]
    rows = "".join(f"<tr{' class=obj' if m in objectives else ''}><th>{METRICS[m].label}</th>"
                   f"<td>{_value(m, card.values[m])}</td></tr>" for m in order)
    found = ", ".join(f"{s} {k}/{n}" for s, (k, n) in card.found_by.items())
    roles = "; ".join(card.roles[:4]) + (f"; +{len(card.roles) - 4} more"
                                         if len(card.roles) > 4 else "")
    ident = f' id="cell-{card.module_hash}"' if anchor else ""
    return (f'<div class="card"{ident} data-hash="{card.module_hash}">{card.svg}'
            f'<div class="hash" title="{card.matrix} {escape(card.ops)}">'
            f"{card.module_hash}</div><table class=metrics>{rows}</table>"
            f'<p class="found">evaluated by: {escape(found)}</p>'
            f'<p class="roles">{escape(roles)}</p></div>')


def _meta_html(data: ReportData) -> str:
    items = "".join(f"<dt>{escape(k)}</dt><dd><code>{escape(_plain(v))}</code></dd>"
                    for k, v in data.shared_meta.items())
    command = f"<dt>report command</dt><dd><code>{escape(data.command)}</code></dd>" \
        if data.command else ""
    return (f"<dl class=meta>{items}{command}</dl>"
            + table_html(data.run_meta, "per run (run.json)", "runs-meta"))


def _vega_script() -> str:
    """Vega, Vega-Lite and vega-embed as one script, from vl-convert (no CDN)."""
    import altair as alt
    import vl_convert as vlc
    version = "_".join(alt.SCHEMA_VERSION.split(".")[:2])  # "v6_4", as altair asks for it
    # the stub marks the snippet required; the function's default (None) is the global bundle
    return str(vlc.javascript_bundle(vl_version=version))  # type: ignore[call-arg]


def _toggle(plot: str, axes: str, label: str, now: str = "linear") -> str:
    """Buttons switching the ``axes`` ("x" or "xy") of ``plot`` between linear and log;
    ``now`` is the figure's own scale."""
    buttons = "".join(f'<button data-scale="{s}"{" class=on" if s == now else ""}>{s}'
                      "</button>" for s in ("linear", "log"))
    return (f'<div class="toggle" data-plot="{plot}" data-axes="{axes}">{label}: {buttons}'
            "</div>")


def _figures(data: ReportData) -> dict[str, dict[str, Any]]:
    """The Vega-Lite specs by element id; the ECDF only where the comparison has one."""
    figures = {"front": front_spec(data), "curve-evals": curves_spec(data.curves["evals"]),
               "curve-energy": curves_spec(data.curves["energy"])}
    if data.ecdf is not None and len(data.ecdf):
        figures["ecdf"] = ecdf_spec(data.ecdf)
    return figures


def _plots_html(data: ReportData, ecdf: bool) -> tuple[str, str]:
    """The fronts section (plot and cell inspector) and the regret section."""
    energy = METRICS[data.fronts[0][2].x.metric].label.split()[-1]
    fronts = ('<div class="frontwrap"><div>' + _toggle("front", "x", energy)
              + '<div class="plot" id="front"></div></div><aside id="inspector">'
              '<p class="hint">Hover a point to see its cell; click to pin it. Click a '
              "strategy in the legend to show it alone, shift-click to add more, click the "
              "plot's background to show all.</p></aside></div>")
    regret = "".join(f"<div>{_toggle(k, 'xy', 'axes', 'log')}<div class=\"plot\" id=\"{k}\">"
                     "</div></div>" for k in ("curve-evals", "curve-energy"))
    regret = f'<div class="pair">{regret}</div>'
    if ecdf:
        regret += ('<h3>Anytime ECDF</h3>' + _toggle("ecdf", "x", "x axis")
                   + '<div class="plot" id="ecdf"></div>')
    return fronts, regret


def _sections(data: ReportData, ecdf: bool) -> dict[str, tuple[str, str]]:
    """Section id -> (heading, HTML)."""
    objs = [o.metric for o in data.objectives]
    true = set(data.true_front)
    true_cards = "".join(card_html(data.cells[h], objs) for h in data.true_front)
    others = "".join(card_html(c, objs) for h, c in data.cells.items() if h not in true)
    fronts, regret = _plots_html(data, ecdf)
    stats = (table_html(data.stats, "per strategy: final hypervolume regret and the cost of "
                        "reaching 95% / 99% of the true front's hypervolume (medians over runs)",
                        "stats")
             + table_html(data.pairwise, "final regret, two-sided Mann-Whitney U, "
                          "Holm-corrected", "pairwise")
             + table_html(data.summaries, "per run", "summaries"))
    cells = (f"<h3>True front: {len(data.true_front)} cells</h3>"
             f'<div class="cards">{true_cards}</div>'
             f"<h3>Other cells on the runs' fronts</h3><div class=\"cards\">{others}</div>")
    return {"fronts": ("Fronts", fronts), "regret": ("Regret", regret),
            "statistics": ("Statistics", stats), "cells": ("Cells", cells),
            "metadata": ("Run metadata", _meta_html(data))}


def render_report(data: ReportData, title: str = "") -> str:
    """The whole page as one HTML string."""
    strategies = list(dict.fromkeys(s for s, _, _ in data.fronts))
    title = title or f"ecnas report: {data.bench.name}"
    figures = _figures(data)
    payload = json.dumps(json_ready(figures), allow_nan=False)
    payload = payload.replace("</", "<\\/")  # no "</script>" inside the JSON block
    metrics = json.dumps([[m, METRICS[m].label, METRICS[m].unit] for m in data.metrics])
    summary = (f"{len(data.fronts)} runs of {len(strategies)} strategies "
               f"({escape(', '.join(strategies))}) on "
               f"<b>{escape(data.bench.name)}</b> ({data.epochs} epochs; objectives "
               f"{escape(', '.join(str(o) for o in data.objectives))})")
    sections = _sections(data, "ecdf" in figures)
    nav = "".join(f'<a href="#{k}">{t}</a>' for k, (t, _) in sections.items())
    body = "".join(f'<section id="{k}"><h2>{t}</h2>{html}</section>'
                   for k, (t, html) in sections.items())
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{_asset('report.css')}</style></head><body>"
            f"<header><h1>{escape(title)}</h1><p>{summary}</p><nav>{nav}</nav></header>"
            f"<main>{body}</main>"
            f'<script type="application/json" id="figures">{payload}</script>'
            f'<script type="application/json" id="metrics">{metrics}</script>'
            f"<script>{_vega_script()}</script><script>{_asset('report.js')}</script>"
            "</body></html>")


def write_report(paths: Sequence[Path], out: Path, *, data_dir: Path | None = None,
                 raw_dir: Path | None = None, command: str = "") -> Path:
    """Gather the report of the runs at or under ``paths`` and write it to ``out`` (atomic)."""
    if Path(out).suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"report file must end in .html, got {Path(out).name!r}")
    page = render_report(report_data(paths, data_dir=data_dir, raw_dir=raw_dir, command=command))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(Path(out)) as tmp:
        Path(tmp).write_text(page, encoding="utf-8")
    return Path(out)

