"""Exception types shared by every part of the workbench.

Every error the workbench raises for bad input names the argument (or file, row, column), the
rule that was broken, what was received, and how to fix it. Build the message first, then raise::

    msg = f"`p` must be at most the number of candidate sites ({n}); got p={p}. Lower p."
    raise SpecError(msg)

The command line turns any :class:`WorkbenchError` into one line on stderr and exit code 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose (bad input, bad settings)."""


class DataError(WorkbenchError, ValueError):
    """A file or table could not be read or failed validation."""


class SchemaError(DataError):
    """A cube or table does not follow the workbench's schema (dimension names, coordinates)."""


class SpecError(WorkbenchError, ValueError):
    """A setting, spec file, scenario file or function argument is invalid."""


class FrameworkError(SchemaError, SpecError):
    """A framework table (COINr iMeta layout) breaks a rule: both bad data and a bad setting."""


class NotFittedError(WorkbenchError, RuntimeError):
    """A step's ``transform`` was called before ``fit``."""


class InfeasibleError(WorkbenchError):
    """An optimisation problem has no feasible solution; the message says which constraint."""


class PluginError(WorkbenchError):
    """A plugin could not be loaded or failed validation."""


def did_you_mean(name: str, options: Iterable[str], n: int = 3) -> str:
    """Return a ``" Did you mean 'x'?"`` suffix for an unknown name, or ``""`` if nothing is close.

    Parameters
    ----------
    name
        The name that was not found.
    options
        The names that are valid.
    n
        How many suggestions at most.

    Returns
    -------
    str
        A sentence to append to an error message (with a leading space), or an empty string.
    """
    close = difflib.get_close_matches(str(name), [str(o) for o in options], n=n, cutoff=0.6)
    if not close:
        return ""
    quoted = " or ".join(f"'{c}'" for c in close)
    return f" Did you mean {quoted}?"


def unknown_name(kind: str, name: str, options: Iterable[str]) -> str:
    """Build the standard message for an unknown name of some kind.

    Parameters
    ----------
    kind
        What the name is (for example ``"normalisation method"``).
    name
        The unknown name.
    options
        The valid names.

    Returns
    -------
    str
        For example ``"Unknown normalisation method 'minmx'. Did you mean 'minmax'? Valid choices:
        minmax, zscore."``
    """
    opts = sorted(str(o) for o in options)
    return f"Unknown {kind} '{name}'.{did_you_mean(name, opts)} Valid choices: {', '.join(opts)}."


__all__ = [
    "DataError",
    "FrameworkError",
    "InfeasibleError",
    "NotFittedError",
    "PluginError",
    "SchemaError",
    "SpecError",
    "WorkbenchError",
    "did_you_mean",
    "unknown_name",
]
