"""The one vocabulary of dimension and coordinate names used across the workbench.

Every engine, app and report imports its dimension names from here, so a cube written by one
part of the workbench is read by every other part without renaming.
"""

from __future__ import annotations

CITY = "city"
"""A city or other unit being scored by the City AI Index (COINr's ``uCode``)."""
INDICATOR = "indicator"
"""An indicator (or, after aggregation, any node of the index framework)."""
YEAR = "year"
"""A calendar year of an indicator cube."""
TIME = "time"
"""A simulation time step (hourly in the city model)."""
DISTRICT = "district"
"""A district of a city (the city model's spatial unit)."""
SITE = "site"
"""A candidate or selected computing site."""
DEMAND = "demand"
"""A demand point (siting) or demand unit (city model)."""
DRAW = "draw"
"""A Monte Carlo draw."""
SCENARIO = "scenario"
"""A what-if scenario."""
MECHANISM = "mechanism"
"""A coordination mechanism of the city model's orchestrator."""
NODE = "node"
"""A compute node in the city model."""
LINK = "link"
"""A road link between two districts."""
AGENT = "agent"
"""An agent of the city model."""
METRIC = "metric"
"""A named KPI or metric."""
SEED = "seed"
"""A random seed of an ensemble member."""
TIER = "tier"
"""A tier of the City AI Index (Leading, Dynamic, Potential) or of a siting plan (hub/edge/dc)."""

ALL_DIMS: tuple[str, ...] = (
    CITY,
    INDICATOR,
    YEAR,
    TIME,
    DISTRICT,
    SITE,
    DEMAND,
    DRAW,
    SCENARIO,
    MECHANISM,
    NODE,
    LINK,
    AGENT,
    METRIC,
    SEED,
    TIER,
)

INDEX_TIERS: tuple[str, ...] = ("Leading", "Dynamic", "Potential")
"""City AI Index tiers, best first."""

SITE_TIERS: tuple[str, ...] = ("hub", "edge", "dc")
"""Tiers of the "2+M+X" compute layout: core hubs, edge nodes, upgraded urban data centres."""

__all__ = [
    "AGENT",
    "ALL_DIMS",
    "CITY",
    "DEMAND",
    "DISTRICT",
    "DRAW",
    "INDEX_TIERS",
    "INDICATOR",
    "LINK",
    "MECHANISM",
    "METRIC",
    "NODE",
    "SCENARIO",
    "SEED",
    "SITE",
    "SITE_TIERS",
    "TIER",
    "TIME",
    "YEAR",
]
