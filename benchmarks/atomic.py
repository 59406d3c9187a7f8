"""Atomic file writes: readers see the old file or the complete new one, never a partial one.

Temporary files are named ``.<target>.ecnas-tmp-<pid>-<random><suffix>`` beside their target,
so they are recognisable: they are removed when the block fails, removed by the SIGTERM
handler of :func:`install_signal_cleanup`, and a temp file whose process is gone (SIGKILL,
power loss) is swept the next time anything is written to the same folder.
"""

from __future__ import annotations

import os
import re
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

TEMP_MARK = ".ecnas-tmp-"
_TEMP = re.compile(r"^\..+" + re.escape(TEMP_MARK) + r"(\d+)-")
_LIVE: set[str] = set()  # temp files of this process not yet moved into place
_SWEPT: set[str] = set()  # folders already swept by this process


def check_target(path: Path) -> Path:
    """``path`` if a file may be written there: a new path or a regular file (or a link to one).

    A device, fifo, socket or directory is refused (FileExistsError): moving a file into
    place would replace a device node, or block forever on a fifo.

    >>> check_target(Path("/dev/null"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileExistsError: refusing to write to /dev/null: it exists and is not a regular file ...
    """
    path = Path(path)
    if (path.exists() or path.is_symlink()) and not path.is_file():
        raise FileExistsError(f"refusing to write to {path}: it exists and is not a regular "
                              "file (a device, fifo, socket or directory); choose a new path "
                              "or a regular file")
    return path


@contextmanager
def atomic_path(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds.

    The temporary file is removed on failure, so an interrupted write leaves nothing behind.
    ``path`` must pass :func:`check_target`.
    """
    path = check_target(Path(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    if str(path.parent) not in _SWEPT:
        sweep_temp_files(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=suffix,
                               prefix=f".{path.name}{TEMP_MARK}{os.getpid()}-")
    os.close(fd)
    _LIVE.add(tmp)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        _LIVE.discard(tmp)
        if os.path.exists(tmp):
            os.unlink(tmp)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def sweep_temp_files(folder: Path) -> list[Path]:
    """Remove the ecnas temp files in ``folder`` whose writing process no longer runs.

    Returns the removed paths. Temp files of live processes (including this one) are kept.
    """
    removed: list[Path] = []
    _SWEPT.add(str(folder))
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = _TEMP.match(name)
        if match and not _alive(int(match.group(1))):
            try:
                os.unlink(Path(folder) / name)
                removed.append(Path(folder) / name)
            except OSError:
                pass  # gone already, or not ours to remove
    return removed


def _on_signal(signum: int, frame: FrameType | None, previous: Any) -> None:
    """Remove this process's temp files, then do what the signal did before."""
    for tmp in list(_LIVE):
        try:
            os.unlink(tmp)
        except OSError:
            pass
    if callable(previous):
        previous(signum, frame)
        return
    signal.signal(signum, signal.SIG_DFL if previous is None else previous)
    os.kill(os.getpid(), signum)


def install_signal_cleanup(signums: tuple[int, ...] = (signal.SIGTERM,)) -> None:
    """On these signals, remove unfinished temp files before the process ends as it would.

    Call once from the application's entry point (only the main thread may set handlers); a
    handler installed earlier is chained, not replaced. Idempotent.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in signums:
        previous = signal.getsignal(signum)
        if getattr(previous, "_ecnas_cleanup", False):
            continue

        def handler(s: int, f: FrameType | None, previous: Any = previous) -> None:
            _on_signal(s, f, previous)

        handler._ecnas_cleanup = True  # type: ignore[attr-defined]
        signal.signal(signum, handler)
