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
              "noise": "noise", "hv": "attainment-7v"}


Table = tuple[str, list[str], list[list[str]]]  # heading, header, rows


def _tables(markdown: str) -> tuple[list[Table], str]:
    """Each table of ``paper-vs-ecnas.md`` (under its ``##`` heading) and the HTML of
    everything before the first table."""
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(markdown)
    start = next((i for i, t in enumerate(tokens) if t.type == "table_open"), len(tokens))
    first_heading = next((i for i, t in enumerate(tokens[:start]) if t.type == "heading_open"
                          and t.tag == "h2"), start)
    intro = md.renderer.render(tokens[:first_heading], md.options, {})
    tables: list[Table] = []
    heading, in_heading, rows = "", False, list[list[str]]()
    for t in tokens:
        if t.type == "heading_open":
            in_heading = True
        elif t.type == "inline" and in_heading:
            heading, in_heading = t.content, False
        elif t.type == "table_open":
            rows = []
        elif t.type == "tr_open":
            rows.append([])
        elif t.type == "inline" and rows:
            rows[-1].append(t.content)
        elif t.type == "table_close" and rows:
            tables.append((heading, rows[0], rows[1:]))
            rows = []
    return tables, intro


def _figure_of_rows(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    """Rows grouped by figure name; a row whose number is not known goes under "other"."""
    key_of = {p.what: p.key for p in PAPER_NUMBERS}
    out: dict[str, list[list[str]]] = {}
    for row in rows:
        key = key_of.get(row[0], "")
        # the 7V knee is read off the 7V front (figure 15), the 4V/5V knees off the trade-offs
        name = "front-7v" if key.startswith("knee:7v") else _FIGURE_OF.get(key.split(":")[0])
        out.setdefault(name or "other", []).append(row)
    return out


def _rows_html(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure_html(f: dict[str, Any], groups: list[Table]) -> str:
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
    for heading, header, rows in groups:
        parts.append(f"<h3>{escape(heading)}</h3>" + _rows_html(header, rows))
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
    tables, intro = _tables(table.read_text(encoding="utf-8")) if table.is_file() else ([], "")
    # the paper's numbers (stated or derived) go under their figure; our own numbers after
    paper = [(t, _figure_of_rows(t[2])) for t in tables if t[1][:1] == ["number"]]
    figures = sorted(state["figures"], key=lambda f: int(f["number"]))
    body = "".join(_figure_html(f, [(h, head, grouped.pop(f["name"])) for (h, head, _), grouped
                                    in paper if f["name"] in grouped]) for f in figures)
    rest = [(h, head, [r for g in grouped.values() for r in g])
            for (h, head, _), grouped in paper if grouped]
    rest += [t for t in tables if t[1][:1] != ["number"]]
    if rest:
        body += ('<section id="other"><h2>Numbers of no figure above</h2>'
                 + "".join(f"<h3>{escape(h)}</h3>" + _rows_html(head, rows)
                           for h, head, rows in rest) + "</section>")
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
