"""Agent-based city model: Mesa agents coordinated over shared power, compute and roads.

>>> from workbench.citymodel import run
>>> res = run("heatwave", mechanism="lp", seed=1, hours=48)  # doctest: +SKIP
>>> res.kpis  # doctest: +SKIP
"""

from __future__ import annotations

from workbench.citymodel.agents.base import CityAgent
from workbench.citymodel.claims import CLASSES, RESOURCE_KINDS, ClaimBatch, ClaimSet
from workbench.citymodel.kpis import KPI_INFO, compute_kpis
from workbench.citymodel.mechanisms import Allocation, Mechanism, get_mechanism, mechanism_registry
from workbench.citymodel.model import CityModel
from workbench.citymodel.orchestrator import DecisionLog
from workbench.citymodel.result import RunResult
from workbench.citymodel.runner import compare, ensemble, run
from workbench.citymodel.scenarios import EVENT_TYPES, Scenario, get_scenario, scenario_registry
from workbench.citymodel.space import CitySpace, build_space


def _register_agents() -> None:
    from workbench.citymodel.agents.base import validate_agent
    from workbench.citymodel.agents.demand import DemandPopulation
    from workbench.citymodel.agents.infrastructure import (
        ComputeFleet,
        ComputeNode,
        GridAgent,
        GridOperator,
    )
    from workbench.citymodel.agents.mobility import EmergencyResponder, LogisticsFleet, TrafficAgent
    from workbench.plugins import get_registry

    reg = get_registry("agents", "city-model agent", validate_agent)
    for name, cls in {
        "demand": DemandPopulation,
        "compute_node": ComputeNode,
        "compute_fleet": ComputeFleet,
        "grid": GridAgent,
        "grid_operator": GridOperator,
        "logistics": LogisticsFleet,
        "traffic": TrafficAgent,
        "emergency": EmergencyResponder,
    }.items():
        reg.register(name, cls, builtin=True)


mechanism_registry()
scenario_registry()
_register_agents()

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
    "Mechanism",
    "RunResult",
    "Scenario",
    "build_space",
    "compare",
    "compute_kpis",
    "ensemble",
    "get_mechanism",
    "get_scenario",
    "run",
]
