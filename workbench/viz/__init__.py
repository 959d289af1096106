"""Pure functions from data to pictures: pydeck maps and Bokeh charts.

Nothing here holds state or imports Panel: the apps (and notebooks) call these functions with
tables and results from the engines and show what they return.

- :mod:`workbench.viz.maps` - deck.gl layers and decks drawn from shipped geometry (no tiles);
- :mod:`workbench.viz.charts` - Bokeh figures: rankings, profiles, uncertainty, time series, KPIs;
- :mod:`workbench.viz.siting`, :mod:`workbench.viz.citymodel` - views of the siting and city
  model results.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "TIER_COLOURS": "workbench.viz.maps",
    "arc_layer": "workbench.viz.maps",
    "basemap_layer": "workbench.viz.maps",
    "city_layer": "workbench.viz.maps",
    "deck_to_spec": "workbench.viz.maps",
    "hexagon_layer": "workbench.viz.maps",
    "index_map": "workbench.viz.maps",
    "scatter_layer": "workbench.viz.maps",
    "dimension_profile_figure": "workbench.viz.charts",
    "kpi_table": "workbench.viz.charts",
    "rank_band_figure": "workbench.viz.charts",
    "ranking_figure": "workbench.viz.charts",
    "tier_probability_figure": "workbench.viz.charts",
    "tier_path_figure": "workbench.viz.paths",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'workbench.viz' has no attribute '{name}'"
        raise AttributeError(msg)
    return getattr(importlib.import_module(module), name)
