"""The "2+M+X" plan as one engine writes it and another reads it, defined once.

The siting engine writes a plan's sites with these columns (``SitingResult.to_geodataframe``,
``plan_sites.geojson``); the city model reads a plan by these columns and ignores extra ones.
Both import them from here, so the contract has one source (see ``docs/contracts.md``).
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

__all__ = ["PLAN_COLUMNS", "PLAN_UNITS"]
