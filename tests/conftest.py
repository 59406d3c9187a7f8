"""Shared pytest fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytest_plugins = ["pytester"]
# speed scripts, run by hand: not tests, and --doctest-modules would import (run) them
collect_ignore = ["perf"]


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The read-only EC-NAS measurement data (``$ECNAS_RAW_DIR`` or ``../shared/ecnas-data``).

    Tests using it are skipped when it is missing (a failure under ``CI=true``: tests.fixtures.ci).
    """
    path = Path(os.environ.get("ECNAS_RAW_DIR", REPO.parent / "shared" / "ecnas-data"))
    if not path.is_dir():
        pytest.skip(f"EC-NAS raw data not found at {path} (set ECNAS_RAW_DIR)")
    return path


@pytest.fixture(scope="session", autouse=True)
def _private_dirs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep caches and data written by tests out of the user's directories."""
    mp = pytest.MonkeyPatch()
    # the cell catalogs (7V: seconds to build) are shared by the workers of `pytest -n`: a cache
    # file is written atomically and verified when read, so a worker never reads a partial one
    base = tmp_path_factory.getbasetemp()
    cache = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "cache"
    cache.mkdir(exist_ok=True)
    mp.setenv("ECNAS_CACHE_DIR", str(cache))
    mp.setenv("ECNAS_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    yield
    mp.undo()
