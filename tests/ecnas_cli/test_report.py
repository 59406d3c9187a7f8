"""``ecnas report``, ``arch info --draw``, ``pareto plot --format svg`` and the paper index:
the data comes from the figures' ``*_info`` functions, the page is self-contained."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from ecnas_cli.analysis.comparison import compare_runs
from ecnas_cli.analysis.fronts import cell_means
from ecnas_cli.cli import app
from ecnas_cli.plots.front import front_info
from ecnas_cli.report.data import report_data
from ecnas_cli.report.html import render_report
from ecnas_cli.report.paper import write_paper_index
from ecnas_cli.run.store import load_runs, run_problem
from tests.fixtures.comparison import STRATEGIES, small_comparison

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    data = tmp_path_factory.mktemp("data")
    return small_comparison(tmp_path_factory.mktemp("runs"), data), data


def _invoke(args: list[str]) -> Result:
    return CliRunner().invoke(app, args)


def test_report_data_comes_from_the_info_functions(comparison: tuple[Path, Path]) -> None:
    root, data_dir = comparison
    data = report_data([root], data_dir=data_dir)
    runs = load_runs([root])
    problem = run_problem(runs[0], data_dir=data_dir)
    bench = problem.benchmark
    assert [label for _, label, _ in data.fronts] == \
        [f"{r.meta['strategy']} seed {r.meta['seed']}" for r in runs]
    for (_, _, info), run in zip(data.fronts, runs, strict=True):
        ref = front_info(run, problem)
        assert np.array_equal(info.front, ref.front) and np.array_equal(info.table, ref.table)
    comp = compare_runs([root], data_dir=data_dir)
    assert data.stats.equals(comp.stats) and data.pairwise.equals(comp.pairwise)
    assert data.curves["evals"].series.keys() == set(STRATEGIES)
    # curves over energy end within the most energy a strategy's runs spent
    spent = data.summaries.groupby("strategy")["search_energy_kwh"].max()
    for name, (x, *_rest) in data.curves["energy"].series.items():
        assert 0 < x[-1] <= spent[name] + 1e-12
    # every true-front cell is carded, and "found by" counts the runs that evaluated it
    assert data.true_front == comp.true_front["module_hash"].tolist()
    seen = {s: [set(cell_means(r, problem)["module_hash"]) for r in runs
                if r.meta["strategy"] == s] for s in STRATEGIES}
    for h in data.true_front:
        card = data.cells[h]
        assert "true front" in card.roles
        assert card.found_by == {s: (sum(h in x for x in seen[s]), 2) for s in STRATEGIES}
        row = bench.query(h, epochs=4)
        assert card.values["energy_kwh"] == pytest.approx(row["energy_kwh"])
    assert data.shared_meta["benchmark_sha256"] == bench.checksum


def test_report_page_is_self_contained(comparison: tuple[Path, Path]) -> None:
    root, data_dir = comparison
    data = report_data([root], data_dir=data_dir, command="ecnas report x")
    page = render_report(data)
    # nothing the browser would fetch: no external script, style, font, image or frame (the
    # inlined scripts' own text is left out: Vega's holds HTML snippets it never fetches)
    markup = re.sub(r"(<script[^>]*>).*?</script>", r"\1</script>", page, flags=re.S)
    assert markup.count("<script") == 4  # figures and metrics data, Vega, the report's
    assert not re.search(r"<(script|img|iframe)[^>]+src=", markup)
    assert not re.search(r"<link[^>]+href=", markup)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", markup)
    assert page.count("<svg") >= len(data.cells)  # every carded cell is drawn inline
    for table_id in ("stats", "pairwise", "summaries", "runs-meta"):
        assert f'id="{table_id}"' in page
    for h in data.true_front:
        assert f'id="cell-{h}"' in page
    figures = json.loads(re.search(r'id="figures">(.*?)</script>', page, re.S)[1])  # type: ignore[index]
    assert set(figures) == {"front", "curve-evals", "curve-energy", "ecdf"}
    front = figures["front"]
    background = front["datasets"][front["layer"][0]["data"]["name"]]
    assert len(background) == 91 and {r["hash"] for r in background} == set(
        data.fronts[0][2].table_hashes)  # every ecnas-4v cell, by hash
    tips = {t["title"]: t.get("format") for t in front["layer"][0]["encoding"]["tooltip"]}
    assert tips["cell"] is None and tips["validation accuracy"] == ".2%"
    assert "training energy (kWh)" in tips and "trainable parameters" in tips


def test_report_command_and_bad_input(comparison: tuple[Path, Path], tmp_path: Path) -> None:
    root, data_dir = comparison
    out = tmp_path / "sub" / "r.html"
    res = _invoke(["report", str(root), "--out", str(out), "--data-dir", str(data_dir)])
    assert res.exit_code == 0, res.output
    assert out.read_text().startswith("<!doctype html>") and "ecnas report" in out.read_text()
    for args, message in (([str(root), "--out", str(tmp_path / "r.txt")], "must end in .html"),
                          ([str(tmp_path / "nothing"), "--out", str(tmp_path / "n.html")],
                           "no such run directory")):
        res = _invoke(["report", *args, "--data-dir", str(data_dir)])
        assert res.exit_code == 2 and message in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["r.html"]


def test_arch_info_draw() -> None:
    res = _invoke(["arch", "info", "--matrix", "0110000010000100000100000", "--ops",
                   "input,conv3x3-bn-relu,maxpool3x3,conv1x1-bn-relu,output", "--draw"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("layer"))
    drawing = [line.split() for line in lines[start + 1:] if line.strip()]
    # layer 0: input; layer 1: 3x3 and pool side by side; then 1x1; then the output
    assert [row[-1] if "->" not in row else row[row.index("->") - 1] for row in drawing] == \
        ["input", "conv3x3-bn-relu", "maxpool3x3", "conv1x1-bn-relu", "output"]
    assert drawing[0][:2] == ["0", "\u25a0"] and drawing[2][0] == "\u25a0"  # same layer as 1


def test_pareto_plot_svg(comparison: tuple[Path, Path], tmp_path: Path) -> None:
    root, data_dir = comparison
    run = root / "nsga2" / "seed-0"
    out = tmp_path / "front.svg"
    res = _invoke(["pareto", "plot", str(run), "--format", "svg", "--out", str(out),
                   "--data-dir", str(data_dir)])
    assert res.exit_code == 0, res.output
    svg = ET.parse(out).getroot()
    cells = [e for e in svg.iter() if e.get("class") == "cell"]
    front = report_data([run], data_dir=data_dir).fronts[0][2].cells
    assert front is not None and len(cells) == len(front) > 0
    refs = [v for e in svg.iter() for k, v in e.attrib.items() if k.endswith("href")]
    assert refs and all(v.startswith(("#", "data:")) for v in refs)  # no external reference
    res = _invoke(["pareto", "plot", str(run), "--format", "svg", "--out",
                   str(tmp_path / "f.png"), "--data-dir", str(data_dir)])
    assert res.exit_code == 2 and "--format svg needs an --out ending in .svg" in res.stderr
    assert not (tmp_path / "f.png").exists()


def test_paper_index_has_every_figure_and_number(tmp_path: Path) -> None:
    for name in ("figures.json", "paper-vs-ecnas.md"):
        shutil.copy(REPO / "results" / "paper" / name, tmp_path / name)
    page = write_paper_index(tmp_path).read_text()
    figures = json.loads((tmp_path / "figures.json").read_text())["figures"]
    for f in figures:
        assert html.escape(f"Figure {f['number']}: {f['title']}") in page
        for png in (n for n in f["files"] if n.endswith(".png")):
            assert f'<img src="{png}"' in page
    lines = (tmp_path / "paper-vs-ecnas.md").read_text().splitlines()
    rows = [line for line, after in zip(lines, [*lines[1:], ""], strict=True)
            if line.startswith("| ") and not after.startswith("|---")]  # not a header
    assert page.count("<tr><td>") == len(rows) > 0  # every number once
    # the paper's numbers each under the figure that makes them
    swaps = page.split('id="op_swap"')[1].split("</section>")[0]
    assert swaps.count("<tr><td>") == sum("swap" in r or " -> " in r for r in rows) > 0
    front_7v = page.split('id="front-7v"')[1].split("</section>")[0]  # the 7V knee: figure 15
    assert front_7v.count("<tr><td>") == sum("7V front knee" in r for r in rows) > 0
    assert (REPO / "results" / "paper" / "index.html").read_text() == \
        write_paper_index(_copy_paper(tmp_path / "all")).read_text()


def _copy_paper(dest: Path) -> Path:
    shutil.copytree(REPO / "results" / "paper", dest,
                    ignore=shutil.ignore_patterns("*.pdf", "*.png", "*.csv", "index.html"))
    return dest


def test_reproduce_writes_the_index(tmp_path: Path) -> None:
    from ecnas_cli.workflows.reproduce import reproduce
    reproduce(["scaling"], out=tmp_path)
    page = (tmp_path / "index.html").read_text()
    assert "Figure 10: " in page and '<img src="fig10_scaling.png"' in page
    assert "scaling:ratio_4_2:5v" in page  # our number (the paper states none for it)


def test_ecdf_is_shown_when_the_comparison_has_it(comparison: tuple[Path, Path]) -> None:
    root, data_dir = comparison
    data = report_data([root], data_dir=data_dir)
    assert data.ecdf is not None and list(data.ecdf.columns) == ["strategy", "evaluation",
                                                                 "share"]
    assert 'id="ecdf"' not in render_report(dataclasses.replace(data, ecdf=None))
    ecdf = pd.DataFrame({"strategy": ["random", "random", "nsga2"], "evaluations": [1, 5, 3],
                         "fraction": [0.1, 0.5, 0.4]})
    page = render_report(dataclasses.replace(data, ecdf=ecdf))
    figures = json.loads(re.search(r'id="figures">(.*?)</script>', page, re.S)[1])  # type: ignore[index]
    spec = figures["ecdf"]
    assert 'id="ecdf"' in page and spec["encoding"]["x"]["field"] == "evaluations"
    assert spec["encoding"]["y"]["field"] == "fraction"
