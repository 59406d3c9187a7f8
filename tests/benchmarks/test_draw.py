"""The cell drawing: layered layout by hand, and the SVG and terminal renderings of it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np

from benchmarks.space import Arch
from benchmarks.space.draw import OP_COLOURS, layout, text_rows, to_svg

C3, C1, MP = "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"
SVG = "{http://www.w3.org/2000/svg}"


def cell() -> Arch:
    """0 -> 1, 0 -> 2, 1 -> 3, 2 -> 3, 3 -> 5 and 0 -> 5 (skips every layer); vertex 4 hangs
    off the input with no path to the output and is pruned before drawing."""
    m = [[0, 1, 1, 0, 1, 1], [0, 0, 0, 1, 0, 0], [0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 1],
         [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]
    return Arch(m, ["input", C3, C1, MP, C3, "output"])


def test_layout_by_hand() -> None:
    d = layout(cell())
    assert d.ops == ("input", C3, C1, MP, "output")  # vertex 4 pruned: it reaches no output
    assert d.layer.tolist() == [0, 1, 1, 2, 3]
    assert d.slot.tolist() == [0, 0, 1, 0, 0] and d.width == 2
    assert set(d.edges) == {(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (0, 4)}
    xy = d.centres()
    assert xy[1, 1] == xy[2, 1] and xy[1, 0] < xy[2, 0]  # one layer, left to right
    assert np.allclose(xy[[0, 3, 4], 0], xy[0, 0])  # single vertices centred on one axis
    assert (np.diff(xy[[0, 1, 3, 4], 1]) > 0).all()  # input on top, output at the bottom


def test_svg_is_valid_and_coloured_by_operation() -> None:
    d = layout(cell())
    svg = to_svg(d, title="a <cell>")
    root = ET.fromstring(svg)
    rects = root.findall(f"{SVG}rect")
    assert [r.get("fill") for r in rects] == [OP_COLOURS[op] for op in d.ops]
    assert len(root.findall(f"{SVG}path")) == len(d.edges) == len(root.findall(f"{SVG}polygon"))
    assert " id=" not in svg  # many drawings share one page: no ids to collide
    skip = [p.get("d") for p in root.findall(f"{SVG}path") if "C" in (p.get("d") or "")]
    assert len(skip) == 1  # only input -> output skips layers, and bows around the others
    assert float(root.get("width") or 0) == d.size()[0]


def test_text_rows_follow_the_layers() -> None:
    rows = text_rows(layout(cell()))
    assert [(layer, v) for layer, v, _, _ in rows] == [(0, 0), (1, 1), (1, 2), (2, 3), (3, 4)]
    assert rows[0][3] == [1, 2, 4] and rows[-1][3] == []
