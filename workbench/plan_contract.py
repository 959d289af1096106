"""The "2+M+X" plan's tables, as one part of the workbench writes them and another reads them.

The siting engine writes a plan's sites with :data:`PLAN_COLUMNS` (``SitingResult.to_geodataframe``,
``plan_sites.geojson``); the city model reads a plan by these columns and ignores extra ones.
The planner's inputs, the demand points and the candidate sites, have :data:`DEMAND_COLUMNS`
and :data:`CANDIDATE_COLUMNS`; the data layer checks files against them and the planner
refuses tables that lack them. Every part imports them from here, so each contract has one
source (see ``docs/contracts.md``).
"""

from __future__ import annotations

PLAN_COLUMNS: tuple[str, ...] = (
    "id",
    "tier",
    "lon",
    "lat",
    "district",
    "capacity_tokens_per_s",
    "tokens_per_watt",
    "pue",
    "power_kw_max",
)
"""Columns every site of a plan has, in this order."""

PLAN_UNITS: dict[str, str] = {
    "id": "site identifier",
    "tier": "hub, edge or dc",
    "lon": "degrees east (EPSG:4326)",
    "lat": "degrees north (EPSG:4326)",
    "district": "district code",
    "capacity_tokens_per_s": "tokens/s",
    "tokens_per_watt": "tokens/s per W",
    "pue": "power usage effectiveness (dimensionless)",
    "power_kw_max": "kW",
}
"""Unit (or meaning) of each plan column."""

DEMAND_COLUMNS: tuple[str, ...] = ("id", "lon", "lat", "tokens_per_day")
"""Columns every demand point of the planner's input has (a file adds ``district``)."""

CANDIDATE_COLUMNS: tuple[str, ...] = (
    "id",
    "tier",
    "lon",
    "lat",
    "capacity_tokens_per_s",
    "capex_cny",
    "power_kw_max",
    "pue",
    "tokens_per_watt",
    "existing",
)
"""Columns of the candidate-site table the planner needs; a file needs the first five."""

CANDIDATE_NUMERIC: tuple[str, ...] = tuple(
    c for c in CANDIDATE_COLUMNS if c not in ("id", "tier", "existing")
)
"""The numeric columns of a candidate-site table (all but ``lon``/``lat`` are >= 0)."""

__all__ = [
    "CANDIDATE_COLUMNS",
    "CANDIDATE_NUMERIC",
    "DEMAND_COLUMNS",
    "PLAN_COLUMNS",
    "PLAN_UNITS",
]
