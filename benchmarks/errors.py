"""The exceptions ecnas raises for input a user can fix: everything else is a bug.

Every class here is a :class:`ValueError`, so library callers that already catch
``ValueError`` for bad input keep working; the CLI prints these (and the few built-in classes
listed in ``ecnas_cli.console``) as one line with exit code 2, and anything else as an internal
error. Raise them with a message that names the bad value or file and says what to do.
"""

from __future__ import annotations


class EcnasError(ValueError):
    """Bad input, missing data or a refused operation; the message says what and how to fix."""


class DamagedFileError(EcnasError):
    """A stored file (table, cache, model) that fails to parse or to verify against its digest."""


class DamagedTableError(DamagedFileError):
    """A stored benchmark table that is unreadable or whose content does not match its sha256."""


class UnsafeNameError(EcnasError):
    """A table or benchmark name outside the safe character set."""


class UnsafePathError(EcnasError):
    """A path that resolves outside the folder it must stay in."""


__all__ = ["DamagedFileError", "DamagedTableError", "EcnasError", "UnsafeNameError",
           "UnsafePathError"]
