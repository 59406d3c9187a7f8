"""``results/paper/index.html``: the reproduced paper figures, captions, numbers, the paper's.

Built only from what ``ecnas reproduce`` already wrote into its output folder: ``figures.json``
(each figure's caption, numbers, data and files) and ``paper-vs-ecnas.md`` (every number the
paper states beside ours). Each row of that table goes under the figure whose analysis makes
it; figures are linked by relative paths, so the page travels with its folder.
"""

from __future__ import annotations

import json
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from ecnas_cli.analysis.paper.paper_numbers import PAPER_NUMBERS
from ecnas_cli.files import atomic_path

__all__ = ["write_paper_index"]

#: Which figure's analysis makes a paper number, by the first part of its key.
_FIGURE_OF = {"swap": "op_swap", "tau": "proxies", "knee": "tradeoffs", "scaling": "scaling",
              "noise": "noise"}


def _table_rows(markdown: str) -> tuple[list[str], list[list[str]], str]:
    """Header, rows and the HTML of everything before the table, of ``paper-vs-ecnas.md``."""
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(markdown)
    start = next((i for i, t in enumerate(tokens) if t.type == "table_open"), len(tokens))
    intro = md.renderer.render(tokens[:start], md.options, {})
    rows: list[list[str]] = []
    for t in tokens[start:]:
        if t.type == "tr_open":
            rows.append([])
        elif t.type == "inline" and rows:
            rows[-1].append(t.content)
    return (rows[0], rows[1:], intro) if rows else ([], [], intro)


def _figure_of_rows(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    """Rows grouped by figure name; a row whose number is not known goes under "other"."""
    key_of = {p.what: p.key for p in PAPER_NUMBERS}
    out: dict[str, list[list[str]]] = {}
    for row in rows:
        key = key_of.get(row[0], "")
        out.setdefault(_FIGURE_OF.get(key.split(":")[0], "other"), []).append(row)
    return out


def _rows_html(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure_html(f: dict[str, Any], header: list[str], rows: list[list[str]]) -> str:
    title = f"Figure {f['number']}: {f['title']}"
    images = [n for n in f["files"] if n.endswith(".png")]
    links = " ".join(f'<a href="{escape(n)}">{escape(n)}</a>' for n in f["files"])
    parts = [f'<section id="{escape(f["name"])}"><h2>{escape(title)}</h2>']
    parts += [f'<img src="{escape(n)}" alt="{escape(f["title"])}">' for n in images]
    if f.get("absent"):
        parts.append(f'<p class="absent">not drawn: {escape(f["absent"])}</p>')
    parts.append(f"<p>{escape(f['shows'])}</p>")
    if f["numbers"]:
        parts.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in f["numbers"]) + "</ul>")
    parts.append(f'<p class="data">Data: {escape(f["data"])} ({escape(f["kind"])}). '
                 f"Files: {links}</p>")
    if rows:
        parts.append("<h3>The paper's numbers beside ours</h3>" + _rows_html(header, rows))
    return "".join(parts) + "</section>"


def write_paper_index(out: Path) -> Path:
    """Write ``out/index.html`` from ``out/figures.json`` and ``out/paper-vs-ecnas.md``.

    Raises
    ------
    FileNotFoundError
        ``figures.json`` is missing (``ecnas reproduce`` has not run in ``out``).
    """
    out = Path(out)
    state = json.loads((out / "figures.json").read_text(encoding="utf-8"))
    table = out / "paper-vs-ecnas.md"
    header, rows, intro = _table_rows(table.read_text(encoding="utf-8")) \
        if table.is_file() else ([], [], "")
    grouped = _figure_of_rows(rows)
    figures = sorted(state["figures"], key=lambda f: int(f["number"]))
    body = "".join(_figure_html(f, header, grouped.pop(f["name"], [])) for f in figures)
    rest = [r for group in grouped.values() for r in group]
    if rest:
        body += ('<section id="other"><h2>Numbers of no figure above</h2>'
                 + _rows_html(header, rest) + "</section>")
    nav = "".join(f'<a href="#{escape(f["name"])}">{f["number"]}</a>' for f in figures)
    css = (files("ecnas_cli.report") / "report.css").read_text(encoding="utf-8")
    page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>EC-NAS paper, reproduced</title><style>{css}</style></head><body>"
            f"<header><h1>The EC-NAS paper, reproduced by ecnas</h1>{intro}"
            f"<nav>figures: {nav}</nav></header><main class=paper>{body}</main></body></html>")
    path = out / "index.html"
    with atomic_path(path) as tmp:
        Path(tmp).write_text(page, encoding="utf-8")
    return path
