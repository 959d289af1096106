"""Coordination mechanisms of the orchestrator, registered in the ``mechanisms`` registry."""

from __future__ import annotations

from workbench.citymodel.mechanisms.base import (
    MECHANISM_CONTRACT,
    Allocation,
    Mechanism,
    ordered_greedy,
    scarcity_price,
)
from workbench.citymodel.mechanisms.lp import LinearProgram, PerfectForesight, RollingHorizon
from workbench.citymodel.mechanisms.rules import (
    ContractNet,
    DominantResourceFairness,
    NoCoordination,
    PriorityRules,
    UniformPriceMarket,
)
from workbench.plugins import Registry, get_registry

BUILTIN_MECHANISMS = (
    NoCoordination,
    PriorityRules,
    LinearProgram,
    RollingHorizon,
    PerfectForesight,
    UniformPriceMarket,
    ContractNet,
    DominantResourceFairness,
)


def mechanism_registry() -> Registry:
    """Return the ``mechanisms`` registry, with the built-ins registered."""
    reg = get_registry("mechanisms", "coordination mechanism", contract=MECHANISM_CONTRACT)
    for cls in BUILTIN_MECHANISMS:
        reg.register(cls.name, cls, builtin=True)
    return reg


def get_mechanism(name: str) -> Mechanism:
    """Instantiate the mechanism registered as ``name`` (raises with close names if unknown)."""
    return mechanism_registry().get(name)()


__all__ = [
    "BUILTIN_MECHANISMS",
    "Allocation",
    "ContractNet",
    "DominantResourceFairness",
    "LinearProgram",
    "Mechanism",
    "NoCoordination",
    "PerfectForesight",
    "PriorityRules",
    "RollingHorizon",
    "UniformPriceMarket",
    "get_mechanism",
    "mechanism_registry",
    "ordered_greedy",
    "scarcity_price",
]
