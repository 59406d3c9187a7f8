"""The report in a real browser: the distribution's headless Chromium through Playwright.

Skipped where Chromium or Playwright is missing, except under CI (``CI=true``, where
``.ci/run`` installs Chromium), where that fails. The screenshot is left in pytest's tmp dir
(``report.png``) as the test's artefact.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from ecnas_cli.report.html import write_report
from tests.fixtures import browser as br
from tests.fixtures.comparison import small_comparison

READY = "window.reportReady === true"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not br.available():
        message = f"no headless Chromium at {br.CHROMIUM} or no playwright package"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    data = tmp_path_factory.mktemp("data")
    root = small_comparison(tmp_path_factory.mktemp("runs"), data)
    return write_report([root], tmp_path_factory.mktemp("report") / "report.html",
                        data_dir=data)


@pytest.fixture(scope="module")
def page(report: Path) -> Any:
    with br.browser() as b:
        page, log = br.offline_page(b)
        br.load_ms(page, report, READY)
        page.log = log
        yield page


def test_loads_offline_without_errors(page: Any) -> None:
    assert page.log.refused == []  # every request stayed on file: / data:
    assert page.log.errors == []
    assert page.log.requests >= 1  # the route saw the page itself: interception works


MARKS = "#front g.mark-symbol.role-mark"  # the front's point layers (not the legend's)


def test_front_and_every_table_render(page: Any) -> None:
    layers = page.locator(MARKS)
    assert layers.count() == 3  # all cells, the true front's cells, the runs' front cells
    assert layers.first.locator("path").count() == 91  # every ecnas-4v cell
    assert page.locator("#front g.mark-line.role-mark path").count() >= 2  # the staircases
    for plot in ("curve-evals", "curve-energy"):
        assert page.locator(f"#{plot} g.mark-line.role-mark path").count() == 3
        assert page.locator(f"#{plot} g.mark-area.role-mark path").count() == 3
    rows = {"stats": 3, "pairwise": 3, "summaries": 6, "runs-meta": 6}
    for table, n in rows.items():
        assert page.locator(f"#{table} tbody tr").count() == n
        assert page.locator(f"#{table}").is_visible()
    assert page.locator(".card svg").count() >= 4


def test_hover_shows_the_hash_and_click_pins(page: Any) -> None:
    point = page.locator(MARKS).last.locator("path").first
    want = point.evaluate("p => p.__data__.datum.hash")  # Vega's scenegraph item
    point.hover(force=True)
    page.wait_for_function("document.getElementById('inspector').dataset.hash !== undefined")
    assert page.locator("#vg-tooltip-element").inner_text().count(want) == 1
    assert "training energy (kWh)" in page.locator("#vg-tooltip-element").inner_text()
    assert want in page.locator("#inspector").inner_text()
    assert page.locator("#inspector svg").count() == 1  # the drawn cell
    point.click(force=True)
    assert "pinned" in (page.locator("#inspector").get_attribute("class") or "")
    point.click(force=True)  # released: hovering a table cell off every front shows it
    assert "pinned" not in (page.locator("#inspector").get_attribute("class") or "")
    cell = page.locator(MARKS).first.locator("path").first
    cell.hover(force=True)
    page.wait_for_function("document.getElementById('inspector').innerText"
                           ".includes('a cell of the table')")
    assert "training energy" in page.locator("#inspector").inner_text()


def test_legend_axis_and_sorting(page: Any, tmp_path: Path) -> None:
    page.locator("#front g.role-legend-label text", has_text="nsga2").click()
    page.wait_for_function("reportViews.front.data('pick_store').length === 1")
    opacity = page.locator(MARKS).last.locator("path").evaluate_all(
        "ps => ps.map(p => p.getAttribute('opacity'))")
    assert {"0.9", "0.08"} <= set(opacity)  # nsga2's points stand out, the others fade
    page.locator(".toggle[data-plot=front] button", has_text="log").click()
    page.wait_for_function("document.querySelector('.toggle[data-plot=front]')"
                           ".dataset.scale === 'log'")
    assert page.evaluate("reportViews.front.scale('x').type") == "log"
    header = page.locator("#stats th").nth(4)  # final regret, median
    header.click()
    values = [float(v) for v in page.locator("#stats tbody tr td:nth-child(5)").evaluate_all(
        "cells => cells.map(c => c.dataset.v)")]
    assert values == sorted(values)
    header.click()
    values = [float(v) for v in page.locator("#stats tbody tr td:nth-child(5)").evaluate_all(
        "cells => cells.map(c => c.dataset.v)")]
    assert values == sorted(values, reverse=True)
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert re.fullmatch(r"[0-9a-f]{32}", page.locator(".card .hash").first.inner_text())
