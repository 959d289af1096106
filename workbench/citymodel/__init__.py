"""Agent-based city model: Mesa agents coordinated over shared power, compute and roads.

>>> from workbench.citymodel import run
>>> res = run("heatwave", mechanism="lp", seed=1, hours=24)
>>> list(res.kpis.columns)
['value', 'baseline_none', 'ratio_to_none', 'unit', 'better']

Importing this package is cheap: the claim structures, mechanisms and scenarios (and their
registries) load at once; the Mesa model, agents and run helpers load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from workbench.citymodel.claims import CLASSES, RESOURCE_KINDS, ClaimBatch, ClaimSet
from workbench.citymodel.kpis import KPI_INFO, compute_kpis
from workbench.citymodel.mechanisms import Allocation, Mechanism, get_mechanism, mechanism_registry
from workbench.citymodel.scenarios import EVENT_TYPES, Scenario, get_scenario, scenario_registry

_LAZY = {
    "CityAgent": "workbench.citymodel.agents",
    "agent_registry": "workbench.citymodel.agents",
    "CityModel": "workbench.citymodel.model",
    "CitySpace": "workbench.citymodel.space",
    "build_space": "workbench.citymodel.space",
    "DecisionLog": "workbench.citymodel.orchestrator",
    "Economics": "workbench.citymodel.dispatch",
    "RunResult": "workbench.citymodel.result",
    "run": "workbench.citymodel.runner",
    "compare": "workbench.citymodel.runner",
    "ensemble": "workbench.citymodel.runner",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'workbench.citymodel' has no attribute '{name}'"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


mechanism_registry()
scenario_registry()

__all__ = [
    "CLASSES",
    "EVENT_TYPES",
    "KPI_INFO",
    "RESOURCE_KINDS",
    "Allocation",
    "CityAgent",
    "CityModel",
    "CitySpace",
    "ClaimBatch",
    "ClaimSet",
    "DecisionLog",
    "Economics",
    "Mechanism",
    "RunResult",
    "Scenario",
    "agent_registry",
    "build_space",
    "compare",
    "compute_kpis",
    "ensemble",
    "get_mechanism",
    "get_scenario",
    "mechanism_registry",
    "run",
    "scenario_registry",
]
