"""Option types shared by several commands, defined once (typer ``Annotated`` aliases)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DataDir = Annotated[Path | None, typer.Option(
    "--data-dir", help="Data dir (default: $ECNAS_DATA_DIR or the user data dir).")]
RawDir = Annotated[Path | None, typer.Option(
    "--raw-dir", help="Raw EC-NAS measurements, for rebuilding tables (default: $ECNAS_RAW_DIR).")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON (full precision), not a table.")]
