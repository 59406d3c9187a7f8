"""Size and load time of the HTML report, and plotly against Vega-Lite (altair) for its plots.

Run: ``python tests/perf/perf_report.py [--runs DIR] [--loads 5]``. Without ``--runs`` it first
makes the README comparison's kind of runs with the runner (every strategy but ehvi, 3 seeds,
1,000 evaluations on ecnas-5v; several minutes). It prints

* the report's size and its load time in headless Chromium (navigation start to every plot
  drawn, median of ``--loads`` fresh pages; the target is under 2 s and 10 MB);
* the same three plots (front with every cell, regret over evaluations and over energy) as a
  bare page in plotly and in Vega-Lite through altair, both with their scripts inlined: size
  and load time, measured the same way in the same run.

Needs the system Chromium and Playwright (``pip install -e ".[dev]"``) and, for the comparison
only, ``pip install altair vl-convert-python`` (the Vega bundle is inlined from vl-convert).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the repo's packages and tests

from ecnas_cli.report.data import ReportData, report_data  # noqa: E402
from ecnas_cli.report.figures import curves_figure, front_figure  # noqa: E402
from ecnas_cli.report.html import render_report  # noqa: E402
from tests.fixtures.browser import browser, load_ms, offline_page  # noqa: E402

STRATEGIES = "random,semo,nsga2,random-genome,mobohb,shemoa,motpe,nsga3,nevergrad,local,evolution"


def make_runs(out: Path, seeds: int, evals: int) -> Path:
    subprocess.run([sys.executable, "-m", "ecnas_cli.cli", "search", "--strategy", STRATEGIES,
                    "--evals", str(evals), "--seeds", str(seeds), "--out", str(out)],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return out / "ecnas-5v"


def plotly_page(data: ReportData) -> str:
    """The three plots, plotly.js inlined (plotly's own standalone HTML)."""
    figs = [front_figure(data), curves_figure(data.curves["evals"]),
            curves_figure(data.curves["energy"])]
    divs = [f.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figs)]
    ready = "<script>window.reportReady = true;</script>"  # newPlot is synchronous here
    return f"<!doctype html><html><body>{''.join(divs)}{ready}</body></html>"


def vega_page(data: ReportData) -> str:
    """The same three plots in Vega-Lite (altair), Vega's scripts inlined."""
    import altair as alt
    alt.data_transformers.disable_max_rows()
    info = data.fronts[0][2]
    x, y = info.x.metric, info.y.metric
    table = pd.DataFrame({x: info.table[:, 0], y: info.table[:, 1],
                          "hash": info.table_hashes} | {m: data.table_values[m]
                                                        for m in data.metrics})
    tooltip = ["hash", *data.metrics]
    layers = [alt.Chart(table).mark_circle(size=12, color="#bbb", opacity=0.45).encode(
        x=alt.X(x, scale=alt.Scale(type="log")), y=y, tooltip=tooltip)]
    rows = [{"strategy": s, "run": lab, "hash": h, **data.cells[h].values}
            for s, lab, f in data.fronts for h in (f.cells["module_hash"] if f.cells is not None
                                                   else [])]
    sel = alt.selection_point(fields=["strategy"], bind="legend")
    layers.append(alt.Chart(pd.DataFrame(rows)).mark_circle(size=50).encode(
        x=x, y=y, color="strategy:N", tooltip=["hash", "run", *data.metrics],
        opacity=alt.condition(sel, alt.value(1.0), alt.value(0.1))).add_params(sel))
    charts = [alt.layer(*layers).properties(width=800, height=400)]
    for key in ("evals", "energy"):
        c = data.curves[key]
        bands = pd.concat([pd.DataFrame({"strategy": n, "x": s[0], "median": s[1], "q25": s[2],
                                         "q75": s[3]}) for n, s in c.series.items()])
        base = alt.Chart(bands).encode(x=alt.X("x", title=c.xlabel), color="strategy:N")
        charts.append(alt.layer(base.mark_area(opacity=0.2, interpolate="step-after").encode(
            y="q25", y2="q75"), base.mark_line(interpolate="step-after").encode(
            y="median", tooltip=["strategy", "x", "median"])).properties(width=800, height=300))
    return str(alt.vconcat(*charts).to_html(inline=True))


def measure(b: object, path: Path, ready: str, loads: int) -> float:
    times = []
    for _ in range(loads):
        page, log = offline_page(b)
        times.append(load_ms(page, path, ready) / 1000)
        if log.errors or log.refused:
            raise RuntimeError(f"{path.name}: errors {log.errors}, refused {log.refused}")
        page.close()
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=Path, help="a comparison's run tree (default: make one)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--evals", type=int, default=1000)
    ap.add_argument("--loads", type=int, default=5)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="perf-report-"))
    runs = args.runs or make_runs(tmp / "runs", args.seeds, args.evals)
    t = time.perf_counter()
    data = report_data([runs])
    report = tmp / "report.html"
    report.write_text(render_report(data), encoding="utf-8")
    print(f"report of {len(data.fronts)} runs ({runs}): built in {time.perf_counter() - t:.1f} s")
    pages = {"report": (report, "window.reportReady === true")}
    (tmp / "plotly.html").write_text(plotly_page(data), encoding="utf-8")
    pages["plotly, 3 plots"] = (tmp / "plotly.html", "window.reportReady === true")
    try:
        (tmp / "vega.html").write_text(vega_page(data), encoding="utf-8")
        pages["vega-lite, 3 plots"] = (tmp / "vega.html", "document.querySelectorAll("
                                       "'.vega-embed canvas, .vega-embed svg.marks').length > 0")
    except ImportError:
        print("altair / vl-convert-python not installed: no Vega-Lite comparison")
    with browser() as b:
        for name, (path, ready) in pages.items():
            seconds = measure(b, path, ready, args.loads)
            print(f"{name:20s} {path.stat().st_size / 1e6:6.2f} MB  load {seconds:5.2f} s "
                  f"(median of {args.loads})")


if __name__ == "__main__":
    main()
