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


def test_front_and_every_table_render(page: Any) -> None:
    traces = page.evaluate("document.getElementById('front').data.map(t => t.name)")
    assert traces[:2] == ["all cells", "true front"]
    assert page.locator("#front .scatterlayer .trace").count() == len(traces)
    assert page.locator("#front .scatterlayer .trace").first.locator(".point").count() == 91
    for plot in ("curve-evals", "curve-energy"):
        assert page.locator(f"#{plot} .scatterlayer .trace").count() == 6  # 3 bands, 3 lines
    rows = {"stats": 3, "pairwise": 3, "summaries": 6, "runs-meta": 6}
    for table, n in rows.items():
        assert page.locator(f"#{table} tbody tr").count() == n
        assert page.locator(f"#{table}").is_visible()
    assert page.locator(".card svg").count() >= 4


def test_hover_shows_the_hash_and_click_pins(page: Any) -> None:
    k = page.evaluate("document.getElementById('front').data.length - 1")
    want = page.evaluate(f"document.getElementById('front').data[{k}].customdata[0][0]")
    point = page.locator("#front .scatterlayer .trace").nth(k).locator(".point").first
    point.hover(force=True)
    page.wait_for_function("document.querySelector('#front .hoverlayer .hovertext') !== null")
    text = page.locator("#front .hoverlayer").text_content()
    assert want in text and "kWh" in text
    assert want in page.locator("#inspector").inner_text()
    assert page.locator("#inspector svg").count() == 1  # the drawn cell
    point.click(force=True)
    assert "pinned" in (page.locator("#inspector").get_attribute("class") or "")
    point.click(force=True)  # released: hovering a table cell off every front shows it
    assert "pinned" not in (page.locator("#inspector").get_attribute("class") or "")
    cell = page.evaluate("document.getElementById('front').data[0].customdata[0][0]")
    page.locator("#front .scatterlayer .trace").first.locator(".point").first.hover(force=True)
    page.wait_for_function(f"document.getElementById('inspector').dataset.hash === '{cell}'")
    assert "training energy" in page.locator("#inspector").inner_text()


def test_legend_axis_and_sorting(page: Any, report: Path, tmp_path: Path) -> None:
    page.locator("#front .legend .traces", has_text="nsga2").locator(".legendtoggle").click()
    # plotly acts on a legend click after its double-click delay (300 ms)
    page.wait_for_function("document.getElementById('front').data"
                           ".filter(t => t.legendgroup === 'nsga2')"
                           ".every(t => t.visible === 'legendonly')", timeout=10_000)
    shown = page.evaluate("document.getElementById('front').data"
                          ".filter(t => t.legendgroup === 'random').map(t => t.visible)")
    assert shown and "legendonly" not in shown  # the other strategies stay
    page.locator("#front .updatemenu-button", has_text="log").click()
    assert page.evaluate("document.getElementById('front').layout.xaxis.type") == "log"
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
