"""Siting map layers: colours on the ramp, one row of plain numbers per cell and per site."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pydeck as pdk

from workbench.viz import siting as vz
from workbench.viz.siting import TIER_COLOURS
from workbench.viz.theme import NO_TIER_RGB, RAMPS


def test_ramp_runs_from_the_palettes_first_colour_to_its_last_and_greys_missing_values():
    colours = vz.ramp([2.0, 7.0, float("nan"), 4.5], alpha=170)
    heat = RAMPS["heat"]
    assert colours[0] == [*heat[0], 170]
    assert colours[1] == [*heat[-1], 170]
    assert colours[2] == [*NO_TIER_RGB, 85]
    mid = np.asarray(heat, dtype=float)
    t = 0.5 * (len(heat) - 1)
    i = int(t)
    expected = np.round(mid[i] * (1 - (t - i)) + mid[min(i + 1, len(heat) - 1)] * (t - i))
    assert colours[3][:3] == [int(v) for v in expected]
    assert vz.ramp_array([1.0, 1.0]).tolist() == [[*heat[0], 200], [*heat[0], 200]]


def test_demand_layer_sums_tokens_per_cell_and_keeps_the_table():
    demand = pd.DataFrame(
        {
            "lon": [121.401, 121.405, 121.43],
            "lat": [31.201, 31.203, 31.21],
            "tokens_per_day": [100.0, 50.0, 7.0],
        }
    )
    layer = vz.demand_layer(demand, cell_deg=0.02)
    cells = layer.data
    assert isinstance(cells, pd.DataFrame)  # sent as typed arrays, not row dicts
    assert sorted(cells["tokens_per_day"]) == [7.0, 150.0]
    assert sorted(cells["points"]) == [1, 2]
    assert np.allclose(cells["x1"] - cells["x0"], 0.02)
    spec = vz.deck_spec(pdk.Deck(layers=[layer], map_style=None, map_provider=None))
    assert spec["layers"][0]["data"] is cells


def test_sites_layer_colours_open_sites_by_tier_and_outlines_the_selected_one():
    sites = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "tier": ["hub", "edge", "dc"],
            "lon": [121.0, 121.1, 121.2],
            "lat": [31.0, 31.1, 31.2],
        }
    )
    table = vz.sites_layer(sites, open_sites=["a", "c"], selected="c").data
    rgba = table[["fill_r", "fill_g", "fill_b", "fill_a"]].to_numpy().tolist()
    assert rgba[0] == [*TIER_COLOURS["hub"], 235]
    assert rgba[1] == [*TIER_COLOURS["edge"], 70]  # closed: faded
    assert rgba[2] == [*TIER_COLOURS["dc"], 235]
    assert list(table["state"]) == ["open", "closed", "open"]
    assert table["line_a"].tolist() == [160, 160, 255]
