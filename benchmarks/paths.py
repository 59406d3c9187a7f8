"""Every directory ecnas reads or writes, resolved in one place.

Each resolver takes an explicit path (a ``--data-dir`` style option) that wins when given, then
an environment variable, then a default:

========== ===================== ==================================================
directory  variable              default
========== ===================== ==================================================
data       ``ECNAS_DATA_DIR``    the user data dir (stored tables, official files)
cache      ``ECNAS_CACHE_DIR``   the user cache dir (enumerated cell catalogs)
raw        ``ECNAS_RAW_DIR``     none (raw EC-NAS results trees, for rebuilding)
========== ===================== ==================================================

The embedded tables that ship with the package live in :data:`PACKAGE_DATA`.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "ECNAS_DATA_DIR"
CACHE_DIR_ENV = "ECNAS_CACHE_DIR"
RAW_DIR_ENV = "ECNAS_RAW_DIR"
#: Tables shipped inside the package (built by ``scripts/build_package_data.py``).
PACKAGE_DATA = Path(__file__).resolve().parent / "data"


def _resolve(explicit: Path | str | None, env: str) -> Path | None:
    if explicit is not None:
        return Path(explicit).expanduser()
    value = os.environ.get(env, "").strip()
    return Path(value).expanduser() if value else None


def data_dir(explicit: Path | str | None = None) -> Path:
    """The data directory: ``explicit``, else ``$ECNAS_DATA_DIR``, else the user data dir.

    >>> data_dir("/tmp/x")
    PosixPath('/tmp/x')
    """
    return _resolve(explicit, DATA_DIR_ENV) or Path(platformdirs.user_data_dir("ecnas"))


def cache_dir(explicit: Path | str | None = None) -> Path:
    """The cache directory: ``explicit``, else ``$ECNAS_CACHE_DIR``, else the user cache dir."""
    return _resolve(explicit, CACHE_DIR_ENV) or Path(platformdirs.user_cache_dir("ecnas"))


def raw_dir(explicit: Path | str | None = None) -> Path | None:
    """The raw EC-NAS data dir: ``explicit``, else ``$ECNAS_RAW_DIR``, else None."""
    return _resolve(explicit, RAW_DIR_ENV)
