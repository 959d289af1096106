"""Pure viz functions: data in, pydeck decks and Bokeh figures out."""

from __future__ import annotations

import pandas as pd
import pytest
from bokeh.models import DataTable
from bokeh.plotting import figure
from hypothesis import given
from hypothesis import strategies as st

from workbench.data import load_sample
from workbench.viz import charts, maps


@pytest.fixture(scope="module")
def cities():
    table = pd.DataFrame(
        {
            "code": ["110000", "310000", "440300"],
            "name_en": ["Beijing", "Shanghai", "Shenzhen"],
            "lon": [116.4, 121.5, 114.1],
            "lat": [39.9, 31.2, 22.5],
            "score": [80.0, 70.0, 40.0],
            "tier": ["Leading", "Leading", "Dynamic"],
        }
    )
    return table


def test_city_records_colour_by_tier_and_size_by_score(cities):
    records = maps.city_records(cities, selected="440300")
    assert [r["code"] for r in records] == ["110000", "310000", "440300"]
    assert records[0]["colour"][:3] == maps.TIER_COLOURS["Leading"]
    assert records[0]["radius"] > records[1]["radius"]
    assert records[2]["colour"] == [20, 20, 20, 255]  # the selected city stands out
    rgb = maps.city_records(cities, selected="440300", selected_colour=[255, 0, 0])
    assert rgb[2]["colour"] == [255, 0, 0, 255]  # an RGB colour is drawn opaque


@given(
    scores=st.lists(st.floats(0, 100) | st.just(float("nan")), min_size=3, max_size=3),
    tiers=st.lists(st.sampled_from(["Leading", "Dynamic", "Potential"]), min_size=3, max_size=3),
    selected=st.sampled_from([None, "110000", "440300"]),
)
def test_rescoring_a_city_frame_equals_building_it_anew(cities, scores, tiers, selected):
    """A weight move's cheap path draws exactly what a full rebuild draws."""
    first = maps.city_frame(cities, selected="310000")
    moved = cities.assign(score=scores, tier=tiers)
    rescored = maps.rescore_city_frame(
        first, moved["score"].to_numpy(), moved["tier"].to_numpy(), selected=selected
    )
    pd.testing.assert_frame_equal(rescored, maps.city_frame(moved, selected=selected))
    assert set(maps.SCORED_COLUMNS) < set(rescored.columns)


def test_index_map_spec_has_no_tiles_and_an_explicit_map_style(cities):
    provinces = load_sample("provinces")
    deck = maps.index_map(provinces, maps.city_records(cities), theme="dark")
    spec = maps.deck_to_spec(deck, theme="dark")
    assert "mapStyle" in spec
    assert spec["mapStyle"] is None
    assert "mapProvider" not in spec
    assert [layer["@@type"] for layer in spec["layers"]] == ["BitmapLayer", "ScatterplotLayer"]
    basemap = spec["layers"][0]
    assert basemap["image"].startswith("data:image/png;base64,")  # drawn here, no fetch
    west, south, east, north = basemap["bounds"]
    lon0, lat0, lon1, lat1 = provinces.total_bounds
    assert west < lon0 < lon1 < east
    assert south < lat0 < lat1 < north
    assert basemap["pickable"] is False


def test_demand_and_assignment_layers():
    points = pd.DataFrame({"lon": [121.4, 121.5], "lat": [31.2, 31.3], "tokens": [1.0, 2.0]})
    hexes = maps.hexagon_layer(points, weight="tokens")
    assert hexes.type == "HexagonLayer"
    arcs = pd.DataFrame(
        {"src_lon": [121.4], "src_lat": [31.2], "dst_lon": [121.5], "dst_lat": [31.3]}
    )
    assert maps.arc_layer(arcs).type == "ArcLayer"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_charts_build_bokeh_objects(cities, theme):
    fig = charts.ranking_figure(cities, score="score", label="name_en", theme=theme)
    assert isinstance(fig, figure)
    assert list(fig.y_range.factors)[-1] == "1. Beijing"  # best city on top
    profile = pd.DataFrame({"city": [1.0, 2.0], "peers": [1.5, 1.0]}, index=["IND", "TEC"])
    assert isinstance(
        charts.dimension_profile_figure(profile, series=["city", "peers"], theme=theme), figure
    )
    summary = pd.DataFrame(
        {
            "code": ["110000", "310000"],
            "label": ["Beijing", "Shanghai"],
            "nominal_rank": [1, 2],
            "rank_p05": [1.0, 1.0],
            "rank_p95": [2.0, 3.0],
            "nominal_tier": ["Leading", "Leading"],
        }
    )
    band = charts.rank_band_figure(summary, label="label", theme=theme)
    assert band.renderers
    tiers = charts.tier_probability_figure({"Leading": 0.7, "Dynamic": 0.3}, theme=theme)
    assert tiers.y_range.end == 1
    assert isinstance(charts.kpi_table({"coverage": 0.93, "status": "optimal"}), DataTable)
