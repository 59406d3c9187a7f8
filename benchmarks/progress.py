"""The one progress callback long library work reports to.

Library code takes a :class:`Progress` and never draws anything; the one implementation that
draws is the rich bar of ``ecnas_cli.console.progress_bar``.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """``progress(done, total)``: ``done`` of ``total`` units finished (``total`` None when
    not known in advance, e.g. a run stopped by energy rather than evaluations)."""

    def __call__(self, done: int, total: int | None, /) -> None: ...
