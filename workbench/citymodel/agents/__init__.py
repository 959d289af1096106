"""Agents of the city model; importing this package registers the built-ins.

The ``agents`` registry of :mod:`workbench.plugins` holds agent classes by name; a plugin
agent subclasses :class:`CityAgent` and may be added to a run with
``CityModel(..., extra_agents=("name",))``.
"""

from __future__ import annotations

from workbench.citymodel.agents.base import AGENT_CONTRACT, CityAgent
from workbench.citymodel.agents.demand import DemandPopulation, DemandUnits, build_units
from workbench.citymodel.agents.infrastructure import (
    ComputeFleet,
    ComputeNode,
    GridAgent,
    GridOperator,
)
from workbench.citymodel.agents.mobility import EmergencyResponder, LogisticsFleet, TrafficAgent
from workbench.plugins import Registry, get_registry

BUILTIN_AGENTS: dict[str, type] = {
    "demand": DemandPopulation,
    "compute_node": ComputeNode,
    "compute_fleet": ComputeFleet,
    "grid": GridAgent,
    "grid_operator": GridOperator,
    "logistics": LogisticsFleet,
    "traffic": TrafficAgent,
    "emergency": EmergencyResponder,
}
"""The built-in agent classes by registry name."""


def agent_registry() -> Registry:
    """Return the ``agents`` registry with the built-in agents registered."""
    reg = get_registry("agents", "city-model agent", contract=AGENT_CONTRACT)
    for name, cls in BUILTIN_AGENTS.items():
        reg.register(name, cls, builtin=True)
    return reg


agent_registry()

__all__ = [
    "BUILTIN_AGENTS",
    "CityAgent",
    "ComputeFleet",
    "ComputeNode",
    "DemandPopulation",
    "DemandUnits",
    "EmergencyResponder",
    "GridAgent",
    "GridOperator",
    "LogisticsFleet",
    "TrafficAgent",
    "agent_registry",
    "build_units",
]
