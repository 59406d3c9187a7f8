"""Size and load time of the HTML report, and plotly against Vega-Lite (altair) for its plots.

Run: ``python tests/perf/perf_report.py [--runs DIR] [--loads 5]``. Without ``--runs`` it first
makes the README comparison's kind of runs with the runner (every strategy but ehvi, 3 seeds,
1,000 evaluations on ecnas-5v; several minutes). It prints

* the report's size and its load time in headless Chromium (navigation start to every plot
  drawn, median of ``--loads`` fresh pages; the target is under 2 s and 10 MB);
* the same three plots (front with every cell and hover on every point, regret over
  evaluations and over energy with bands) as a bare page in Vega-Lite through altair (what the
  report uses) and in plotly, both with their scripts inlined: size and load time, measured
  the same way in the same run, and the bare libraries' scripts alone.

Needs the system Chromium and Playwright (``pip install -e ".[dev]"``) and, for the comparison
only, ``pip install plotly``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the repo's packages and tests

from ecnas_cli.files import json_ready  # noqa: E402
from ecnas_cli.report.data import ReportData, report_data  # noqa: E402
from ecnas_cli.report.figures import COLOURS, curves_spec, front_spec  # noqa: E402
from ecnas_cli.report.html import _vega_script, render_report  # noqa: E402
from tests.fixtures.browser import browser, load_ms, offline_page  # noqa: E402

STRATEGIES = "random,semo,nsga2,random-genome,mobohb,shemoa,motpe,nsga3,nevergrad,local,evolution"


def make_runs(out: Path, seeds: int, evals: int) -> Path:
    subprocess.run([sys.executable, "-m", "ecnas_cli.cli", "search", "--strategy", STRATEGIES,
                    "--evals", str(evals), "--seeds", str(seeds), "--out", str(out)],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return out / "ecnas-5v"


def plotly_page(data: ReportData) -> str:
    """The three plots in plotly (plotly.js inlined), with the same points and hover data."""
    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs
    info, metrics = data.fronts[0][2], data.metrics
    hover = "<br>".join(f"{m}: %{{customdata[{k}]}}" for k, m in enumerate(metrics))
    front = go.Figure(go.Scatter(
        x=info.table[:, 0], y=info.table[:, 1], mode="markers", name="all cells",
        customdata=pd.DataFrame(data.table_values)[metrics].to_numpy(),
        text=[str(h) for h in (info.table_hashes if info.table_hashes is not None else [])],
        hovertemplate="%{text}<br>" + hover))
    front.add_trace(go.Scatter(x=info.true_front[:, 0], y=info.true_front[:, 1],
                               mode="lines", name="true front"))
    names = list(dict.fromkeys(s for s, _, _ in data.fronts))
    for s, label, f in data.fronts:
        cards = [data.cells[str(h)] for h in ([] if f.cells is None else f.cells["module_hash"])]
        front.add_trace(go.Scatter(x=f.front[:, 0], y=f.front[:, 1], mode="lines",
                                   legendgroup=s, name=s, line={"color": COLOURS[
                                       names.index(s) % 10]}))
        front.add_trace(go.Scatter(
            x=[c.values[info.x.metric] for c in cards], y=[c.values[info.y.metric] for c in cards],
            mode="markers", legendgroup=s, name=label, text=[c.module_hash for c in cards],
            customdata=[[c.values[m] for m in metrics] for c in cards],
            hovertemplate="%{text}<br>" + hover))
    figs = [front]
    for key in ("evals", "energy"):
        fig = go.Figure()
        for name, (x, med, q25, q75) in data.curves[key].series.items():
            fig.add_trace(go.Scatter(x=np.r_[x, x[::-1]], y=np.r_[q75, q25[::-1]],
                                     fill="toself", opacity=0.2, legendgroup=name))
            fig.add_trace(go.Scatter(x=x, y=med, name=name, legendgroup=name,
                                     line={"shape": "hv"}))
        figs.append(fig)
    divs = "".join(f.to_html(full_html=False, include_plotlyjs=False) for f in figs)
    ready = "<script>window.reportReady = true;</script>"  # newPlot draws synchronously
    return (f"<!doctype html><html><body><script>{get_plotlyjs()}</script>{divs}{ready}"
            "</body></html>")


def vega_page(data: ReportData) -> str:
    """The same three plots in Vega-Lite: the report's own specs, Vega's bundle inlined."""
    specs = {"front": front_spec(data), "evals": curves_spec(data.curves["evals"]),
             "energy": curves_spec(data.curves["energy"])}
    divs = "".join(f'<div id="{k}" style="width: 900px"></div>' for k in specs)
    embeds = ",".join(f"vegaEmbed('#{k}', {json.dumps(json_ready(s))}, {{renderer: 'svg'}})"
                      for k, s in specs.items())
    return (f"<!doctype html><html><body>{divs}<script>{_vega_script()}</script><script>"
            f"Promise.all([{embeds}]).then(() => {{ window.reportReady = true; }});"
            "</script></body></html>")


def library_pages(tmp: Path) -> dict[str, Path]:
    """Pages holding only a library's script, to time its parsing alone."""
    from plotly.offline import get_plotlyjs
    out = {}
    for name, script in (("plotly.js alone", get_plotlyjs()), ("vega alone", _vega_script())):
        path = tmp / f"{name.split()[0]}-alone.html"
        path.write_text(f"<html><body><script>{script}</script><script>window.reportReady = "
                        "true;</script></body></html>", encoding="utf-8")
        out[name] = path
    return out


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
    ready = "window.reportReady === true"
    pages = {"report": report}
    (tmp / "vega.html").write_text(vega_page(data), encoding="utf-8")
    pages["vega-lite, 3 plots"] = tmp / "vega.html"
    try:
        (tmp / "plotly.html").write_text(plotly_page(data), encoding="utf-8")
        pages["plotly, 3 plots"] = tmp / "plotly.html"
        pages |= library_pages(tmp)
    except ImportError:
        print("plotly is not installed: no comparison")
    with browser() as b:
        for name, path in pages.items():
            seconds = measure(b, path, ready, args.loads)
            print(f"{name:20s} {path.stat().st_size / 1e6:6.2f} MB  load {seconds:5.2f} s "
                  f"(median of {args.loads})")


if __name__ == "__main__":
    main()
