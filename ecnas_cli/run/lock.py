"""One search per run directory at a time: an exclusive ``flock`` on ``<run dir>/.lock``.

The lock is held for the whole run (checks, resume, every checkpoint). The kernel releases it
when the process ends however it ends (exit, exception, SIGKILL), so a killed run never leaves
a stale lock behind; the file itself may stay and is harmless. The holder writes its pid into
the file so that a refused second run can name it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.errors import EcnasError

LOCK_FILE = ".lock"


class RunInUseError(EcnasError):
    """Another process is running a search in the same run directory."""


@contextmanager
def run_lock(where: Path) -> Iterator[None]:
    """Hold the run directory ``where`` exclusively (created if missing) for the block.

    Raises
    ------
    RunInUseError
        Another process holds it.
    """
    where = Path(where)
    where.mkdir(parents=True, exist_ok=True)
    fd = os.open(where / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise RunInUseError(f"run directory {where} is in use by another search (pid "
                                f"{holder}); wait for it to finish or use another --out or "
                                "--seed") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
