"""Fetch the official EC-NAS table files, verified by size and SHA-256.

The files are Git-LFS objects of the public EC-NAS-Bench repository (MIT licence) under
``ecnas/ecnas/utils/data/tabular_benchmarks/``. They land in ``<data_dir>/official/<path>``
(keeping the ``hardware/`` subfolder) from one of three sources: the default base URL
(through pooch), another http(s) or ``file://`` base URL, or a local mirror directory. A file
is only ever moved into place whole and verified, so a failed fetch never leaves a partial
file at the target, and a download stops as soon as it runs past the expected size; every
failure is a one-line :class:`FetchError` that says what to put where.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlparse
from urllib.request import url2pathname

import pooch

from benchmarks.atomic import atomic_path

DEFAULT_BASE_URL = (
    "https://media.githubusercontent.com/media/saintslab/EC-NAS-Bench/main/"
    "ecnas/ecnas/utils/data/tabular_benchmarks/"
)
TIMEOUT_S = 60.0  # seconds a connection may stay silent before a download gives up
_REMEDY = "or pass --source DIR|URL (a mirror directory or base URL)"


@dataclass(frozen=True)
class OfficialFile:
    """One official table file.

    Attributes
    ----------
    path : str
        POSIX path relative to the tabular-benchmarks folder, e.g. ``hardware/x.tfrecord``.
    size : int
        Size in bytes.
    sha256 : str
        Lower-case hex SHA-256 of the contents.
    """

    path: str
    size: int
    sha256: str


OFFICIAL_FILES: dict[str, OfficialFile] = {
    f.path: f
    for f in (
        OfficialFile("energy_4V9E_4epochs.tfrecord", 893556,
                     "eba6c177999103d7c938028e410836c1b62213a076b0e7436de85da8f81d974c"),
        OfficialFile("energy_4V9E_linscale.tfrecord", 297784,
                     "e18becd6aac719a9af4c816940a6bf7bf5fb0a16870d531e78a27c1d8cf89010"),
        OfficialFile("energy_5V9E_4epochs.tfrecord", 2136916,
                     "0be8df1e21dac4e7a927ee13823fb3f30fd900f8dee2a41f1572319e8af702cc"),
        OfficialFile("energy_5V9E_linscale.tfrecord", 8557792,
                     "31d4fdc8998f831e8f8629f3ed8b2837e474dd67da420ff5dcf8641f6bc882fe"),
        OfficialFile("energy_7V9E_4epochs.tfrecord", 17522300,
                     "c296461a59532bd370517b5adcb48dbe447ac56efdd2217eaa611287459ed725"),
        OfficialFile("energy_7V9E_surrogate.tfrecord", 613992864,
                     "93e4a806c737ac077231fa716b13e01d5fbfa3bc261d456284f8a3fdbb322f02"),
        OfficialFile("hardware/energy_4V9E_quadrortx6000.tfrecord", 297784,
                     "b50e93e1ef94275ece211533fe954a7a6629157a4e94bb963f0e896d8bc7be09"),
        OfficialFile("hardware/energy_4V9E_rtx3060.tfrecord", 290272,
                     "30880a853e1bd1f6b54022c5aada8e9c4a150c5c84c88f5e1a21777beac238e5"),
        OfficialFile("hardware/energy_4V9E_rtx3090.tfrecord", 300232,
                     "55a89f91f4906e8c3c2e2578e64b0a62133d25b2e2e8e00f30513c7623f0a2f6"),
        OfficialFile("hardware/energy_4V9E_titanxp.tfrecord", 292952,
                     "ace80dda5f16dafa465b2a3e11c29518d8622884e174c15ed8d826a411f3373d"),
    )
}  # fmt: skip


class FetchError(OSError):
    """An official file could not be fetched or verified; the message says what to do."""


class _Failed(Exception):
    """Internal: one attempt failed for ``reason``; ``fetch_official`` adds the remedy."""


def official_path(name: str, *, data_dir: Path) -> Path:
    """Where the official file ``name`` lives: ``<data_dir>/official/<name>`` (may not exist).

    Raises
    ------
    ValueError
        If ``name`` is absolute or climbs out of the folder with ``..``.
    """
    rel = PurePosixPath(name)
    if not name or rel.is_absolute() or ".." in rel.parts:
        raise ValueError(f"invalid official file name {name!r}")
    return Path(data_dir) / "official" / Path(*rel.parts)


def fetch_official(
    name: str,
    *,
    data_dir: Path,
    source: str | Path | None = None,
    files: Mapping[str, OfficialFile] = OFFICIAL_FILES,
    progress: bool = False,
) -> Path:
    """Make the official file ``name`` present and verified under ``data_dir``; return its path.

    A present file with the right SHA-256 is returned without touching the network; a present
    file with the wrong one is fetched again.

    Parameters
    ----------
    name : str
        A key of ``files``, e.g. ``"energy_4V9E_linscale.tfrecord"``.
    data_dir : Path
        The data directory (see :func:`benchmarks.paths.data_dir`); the file goes to
        ``<data_dir>/official/``.
    source : str or Path, optional
        ``None`` for :data:`DEFAULT_BASE_URL`; an ``http(s)://`` or ``file://`` base URL; or a
        mirror directory holding the file at ``<dir>/<path>``, ``<dir>/<basename>`` or
        ``<dir>/official/<path>``.
    files : Mapping[str, OfficialFile]
        The known files (tests pass their own).
    progress : bool
        Show a download progress bar (and pooch's log) on stderr.

    Returns
    -------
    Path
        The verified file.

    Raises
    ------
    ValueError
        If ``name`` is not in ``files``.
    FetchError
        If the file cannot be fetched or does not verify; the one-line message names the file
        (size, SHA-256), where to put it and the ``--source`` alternative.
    """
    if name not in files:
        raise ValueError(f"unknown official file {name!r}; valid: {', '.join(sorted(files))}")
    entry = files[name]
    target = official_path(entry.path, data_dir=data_dir)
    found = None
    if target.is_file():
        found = _digest(target)[1]
        if found == entry.sha256:
            return target
    try:
        _fetch(entry, target, source, progress)
    except _Failed as err:
        wanted = f"{entry.path} ({entry.size} bytes, sha256 {entry.sha256})"
        if found is None:
            message = f"cannot fetch {wanted}: {err}; put that file at {target}, {_REMEDY}"
        else:
            message = (
                f"local file {target} is corrupt (sha256 {found}, expected {entry.sha256}) and "
                f"fetching it again failed: {err}; put a good copy of {wanted} there, {_REMEDY}"
            )
        raise FetchError(message) from err
    return target


def _fetch(entry: OfficialFile, target: Path, source: str | Path | None, progress: bool) -> None:
    """Fetch ``entry`` into ``target`` from ``source``; raise :class:`_Failed` on any failure."""
    base = DEFAULT_BASE_URL if source is None else source
    try:
        if isinstance(base, str) and urlparse(base).scheme.lower() in ("http", "https"):
            _download(entry, target, base, progress)
            return
        if isinstance(base, str) and urlparse(base).scheme.lower() == "file":
            base = Path(url2pathname(urlparse(base).path))
        mirror = Path(base).expanduser()
        if not mirror.is_dir():
            raise _Failed(f"source {str(source)!r} is neither an http(s)/file URL nor a directory")
        _copy_from_mirror(entry, target, mirror)
    except OSError as err:  # disk full, permissions, ... while writing the target
        raise _Failed(_one_line(err)) from err


def _download(entry: OfficialFile, target: Path, base: str, progress: bool) -> None:
    """Download ``<base>/<path>`` with pooch, which verifies it in a temp file before moving."""
    import requests  # pooch's HTTP client; imported lazily like pooch does

    url = base.rstrip("/") + "/" + quote(entry.path)
    bar = progress and importlib.util.find_spec("tqdm") is not None
    recorder = _Recorder(pooch.HTTPDownloader(progressbar=bar, timeout=TIMEOUT_S), entry.size)
    try:
        with _pooch_log(logging.INFO if progress else logging.WARNING):
            pooch.retrieve(
                url,
                known_hash=f"sha256:{entry.sha256}",
                path=target.parent,
                fname=target.name,
                downloader=recorder,
                progressbar=bar,
            )
    except requests.Timeout as err:
        raise _Failed(f"no response from {url} within {TIMEOUT_S:g} s") from err
    except requests.ConnectionError as err:
        raise _Failed(f"cannot connect to {url} (offline?)") from err
    except requests.HTTPError as err:
        status = err.response.status_code if err.response is not None else "error"
        raise _Failed(f"HTTP {status} from {url}") from err
    except requests.RequestException as err:
        raise _Failed(f"download from {url} failed: {_one_line(err)}") from err
    except ValueError as err:  # pooch's hash mismatch
        if recorder.found is None:
            raise _Failed(_one_line(err)) from err
        raise _Failed(_mismatch(entry, *recorder.found, url)) from err


def _copy_from_mirror(entry: OfficialFile, target: Path, mirror: Path) -> None:
    """Copy ``entry`` from ``mirror`` via a verified temp file and an atomic ``os.replace``."""
    rel = Path(*PurePosixPath(entry.path).parts)
    candidates = (mirror / rel, mirror / rel.name, mirror / "official" / rel)
    src = next((c for c in candidates if c.is_file()), None)
    if src is None:
        raise _Failed(f"not in mirror {mirror} (looked for {rel} and {rel.name})")
    size = src.stat().st_size
    if size != entry.size:  # cheap reject; hash it for the message unless it is much larger
        if size > 2 * entry.size + (1 << 20):
            raise _Failed(f"size mismatch for {src}: expected {entry.size} bytes, found {size}")
        raise _Failed(_mismatch(entry, *_digest(src), str(src)))
    with atomic_path(target, suffix=".part") as tmp:
        with open(tmp, "wb") as out, src.open("rb") as inp:
            left = entry.size + 1  # one byte more than expected tells a file that grew
            while left > 0 and (chunk := inp.read(min(1 << 20, left))):
                out.write(chunk)
                left -= len(chunk)
        found = _digest(tmp)
        if found != (entry.size, entry.sha256):
            raise _Failed(_mismatch(entry, *found, str(src)))


class _TooLarge(_Failed):
    """The server sent more bytes than the file has: stop instead of filling the disk."""


class _Capped:
    """A writable file that refuses to grow past ``limit`` bytes."""

    def __init__(self, f: Any, limit: int, url: str) -> None:
        self.f, self.limit, self.url, self.written = f, limit, url, 0

    def write(self, chunk: bytes) -> int:
        self.written += len(chunk)
        if self.written > self.limit:
            raise _TooLarge(f"{self.url} sent more than the expected {self.limit} bytes; "
                            "stopped the download")
        return int(self.f.write(chunk))

    def flush(self) -> None:
        self.f.flush()


class _Recorder:
    """Wrap a pooch downloader: cap what it writes at ``limit`` bytes, record size and SHA-256."""

    def __init__(self, inner: Any, limit: int) -> None:
        self.inner = inner
        self.limit = limit
        self.found: tuple[int, str] | None = None

    def __call__(self, url: str, output_file: Any, pooch_: Any, check_only: bool = False) -> Any:
        if check_only or not isinstance(output_file, str | os.PathLike):
            return self.inner(url, output_file, pooch_, check_only=check_only)
        with open(output_file, "w+b") as f:
            result = self.inner(url, _Capped(f, self.limit, url), pooch_)
        self.found = _digest(Path(output_file))
        return result


@contextlib.contextmanager
def _pooch_log(level: int) -> Iterator[None]:
    """Temporarily set pooch's logger level (it logs to stderr by default; libraries stay quiet)."""
    logger = pooch.get_logger()
    old = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(old)


def _digest(path: Path) -> tuple[int, str]:
    """Size in bytes and hex SHA-256 of ``path``."""
    return path.stat().st_size, pooch.file_hash(str(path), alg="sha256")


def _mismatch(entry: OfficialFile, size: int, sha256: str, where: str) -> str:
    return (
        f"checksum mismatch for {where}: expected sha256 {entry.sha256} ({entry.size} bytes), "
        f"found sha256 {sha256} ({size} bytes)"
    )


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


__all__ = [
    "DEFAULT_BASE_URL",
    "OFFICIAL_FILES",
    "FetchError",
    "OfficialFile",
    "fetch_official",
    "official_path",
]
