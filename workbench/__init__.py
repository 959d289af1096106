"""City AI Planning Workbench.

A Jupyter-native planning tool for AI as city infrastructure:

- :mod:`workbench.index` - the City AI Index (composite index, tiers, uncertainty, paths);
- :mod:`workbench.siting` - compute siting ("2+M+X": core hubs, edge nodes, upgraded data centres);
- :mod:`workbench.citymodel` - an agent-based city model (Mesa) with coordination mechanisms;
- :mod:`workbench.data` - sample data and readers with clear errors;
- :mod:`workbench.apps`, :mod:`workbench.reports` - Panel apps and Papermill reports.

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

#: The engine modules whose import registers every built-in component and every plugin kind's
#: contract (:func:`workbench.plugins.load_builtins`).
ENGINES: tuple[str, ...] = (
    "workbench.data",
    "workbench.index",
    "workbench.siting",
    "workbench.citymodel",
    "workbench.citymodel.agents",
)

# Public names that live in the engines, loaded lazily (PEP 562) so that importing the package
# does not import xarray, HiGHS, Mesa or Panel until they are needed.
_LAZY: dict[str, tuple[str, str]] = {
    # data
    "load_sample": ("workbench.data", "load_sample"),
    "list_samples": ("workbench.data", "list_samples"),
    "describe_sample": ("workbench.data", "describe_sample"),
    "read_any": ("workbench.data", "read_any"),
    "read_cube": ("workbench.data", "read_cube"),
    "validate_file": ("workbench.data", "validate_file"),
    "check_cube": ("workbench.data", "check_cube"),
    "read_coinr": ("workbench.index.io", "read_coinr"),
    # City AI Index
    "Framework": ("workbench.index", "Framework"),
    "Pipeline": ("workbench.index", "Pipeline"),
    "IndexResult": ("workbench.index", "IndexResult"),
    "run_index": ("workbench.index", "run_index"),
    "uncertainty": ("workbench.index", "uncertainty"),
    "UncertaintyResult": ("workbench.index", "UncertaintyResult"),
    "profile": ("workbench.index", "profile"),
    "peer_group": ("workbench.index", "peer_group"),
    "what_if": ("workbench.index", "what_if"),
    "development_path": ("workbench.index", "development_path"),
    "DevelopmentPath": ("workbench.index", "DevelopmentPath"),
    # compute siting
    "Problem": ("workbench.siting", "Problem"),
    "LatencyModel": ("workbench.siting", "LatencyModel"),
    "solve": ("workbench.siting", "solve"),
    "plan": ("workbench.siting", "plan"),
    "plan_scenario": ("workbench.siting", "plan_scenario"),
    "SitingResult": ("workbench.siting", "SitingResult"),
    "PlanResult": ("workbench.siting", "PlanResult"),
    "haversine_matrix": ("workbench.siting", "haversine_matrix"),
    # city model
    "CityModel": ("workbench.citymodel", "CityModel"),
    "simulate": ("workbench.citymodel", "run"),
    "ensemble": ("workbench.citymodel", "ensemble"),
    "RunResult": ("workbench.citymodel", "RunResult"),
    "Scenario": ("workbench.citymodel", "Scenario"),
    "Mechanism": ("workbench.citymodel", "Mechanism"),
    "CityAgent": ("workbench.citymodel", "CityAgent"),
    # world model
    "WorldModel": ("workbench.worldmodel", "WorldModel"),
    # reports
    "run_report": ("workbench.reports", "run_report"),
    "run_batch": ("workbench.reports", "run_batch"),
    "ReportResult": ("workbench.reports", "ReportResult"),
    "BatchResult": ("workbench.reports", "BatchResult"),
    # plugins
    "get_registry": ("workbench.plugins", "get_registry"),
    "broken_plugins": ("workbench.plugins", "broken_plugins"),
}

__all__ = [
    "ENGINES",
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
    target = _LAZY.get(name)
    if target is None:
        msg = f"module 'workbench' has no attribute '{name}'"
        raise AttributeError(msg)
    module, attr = target
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
