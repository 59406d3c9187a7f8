"""Training options shared by ``ecnas bench create`` and ``ecnas search --live``, defined once.

Typer ``Annotated`` aliases: the two commands take the dataset, network, training protocol and
meter under the same names and help; each command gives its own defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Space = Annotated[str, typer.Option(help="4v, 5v or 7v.")]
DataRoot = Annotated[Path | None, typer.Option(help="CIFAR-10 folder.")]
StemChannels = Annotated[int, typer.Option(help="Channels of the network's stem convolution.")]
NumStacks = Annotated[int, typer.Option(help="Stacks of cells (downsampling between them).")]
CellsPerStack = Annotated[int, typer.Option(help="Cells (modules) per stack.")]
BatchSize = Annotated[int, typer.Option(help="Training batch size.")]
LearningRate = Annotated[float, typer.Option(help="Initial learning rate (cosine decay).")]
Meter = Annotated[str, typer.Option(help="auto, nvml, rapl or estimate.")]
Pue = Annotated[float, typer.Option(help="Power usage effectiveness.")]
CarbonIntensity = Annotated[float | None, typer.Option(
    help="gCO2eq/kWh (default: Danish grid of EC-NAS, 96).")]
TdpW = Annotated[float | None, typer.Option(help="CPU TDP for the estimate.")]
Workers = Annotated[int, typer.Option(help="Trainings at once (Ray; 1 = in process).")]
