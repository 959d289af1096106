"""City AI Planning Workbench.

A Jupyter-native planning tool for AI as city infrastructure:

- :mod:`workbench.index` - the City AI Index (composite index, tiers, uncertainty, development paths);
- :mod:`workbench.siting` - compute siting ("2+M+X": core hubs, edge nodes, upgraded data centres);
- :mod:`workbench.citymodel` - an agent-based city model (Mesa) with coordination mechanisms;
- :mod:`workbench.data` - sample data and readers with clear errors;
- :mod:`workbench.apps`, :mod:`workbench.reports` - Panel apps and Papermill reports over the engines.

``import workbench as wb`` is cheap: the engines load on first use of a name below.
"""

from __future__ import annotations

import importlib
from typing import Any

from workbench import dims
from workbench._version import __version__
from workbench.errors import (
    DataError,
    InfeasibleError,
    NotFittedError,
    PluginError,
    SchemaError,
    SpecError,
    WorkbenchError,
)

# Public names that live in the engines, loaded lazily (PEP 562) so that importing the package
# does not import xarray, HiGHS, Mesa or Panel until they are needed.
_LAZY: dict[str, str] = {}

__all__ = [
    "DataError",
    "InfeasibleError",
    "NotFittedError",
    "PluginError",
    "SchemaError",
    "SpecError",
    "WorkbenchError",
    "__version__",
    "dims",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'workbench' has no attribute '{name}'"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
