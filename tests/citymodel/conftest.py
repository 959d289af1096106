"""Fixtures of the city-model tests: the Shanghai sample and a small synthetic city."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from workbench.citymodel import build_space
from workbench.citymodel.inputs import default_plan, load_districts


@pytest.fixture(scope="session")
def shanghai_space():
    """The Shanghai sample's 16 districts with the derived road graph."""
    return build_space(load_districts())


@pytest.fixture(scope="session")
def shanghai_plan():
    """A simple "2+M+X" plan from the sample's candidate sites."""
    return default_plan()


@pytest.fixture(scope="session")
def toy_districts() -> gpd.GeoDataFrame:
    """SYNTHETIC: a 2x2 block of districts (0.1 deg squares) plus an island to the east."""
    cells = [(121.0, 31.0), (121.1, 31.0), (121.0, 31.1), (121.1, 31.1)]
    geoms = [box(x, y, x + 0.1, y + 0.1) for x, y in cells] + [box(121.3, 31.05, 121.4, 31.15)]
    return gpd.GeoDataFrame(
        {"code": ["A", "B", "C", "D", "I"], "name_en": ["Alpha", "Beta", "Gamma", "Delta", "Isle"]},
        geometry=geoms,
        crs=4326,
    )


@pytest.fixture(scope="session")
def toy_plan() -> pd.DataFrame:
    """SYNTHETIC: one hub and three edge nodes on the toy city."""
    return pd.DataFrame(
        {
            "id": ["H1", "E1", "E2", "E3"],
            "tier": ["hub", "edge", "edge", "edge"],
            "lon": [121.05, 121.15, 121.05, 121.35],
            "lat": [31.05, 31.05, 31.15, 31.1],
            "district": ["A", "B", "C", "I"],
            "capacity_tokens_per_s": [2.0e6, 2.0e5, 2.0e5, 1.0e5],
            "tokens_per_watt": [3.5, 2.5, 2.5, 2.5],
            "pue": [1.2, 1.3, 1.3, 1.3],
            "power_kw_max": [700.0, 105.0, 105.0, 53.0],
        }
    )


@pytest.fixture
def toy_kw(toy_districts, toy_plan):
    """Model keywords for a run on the toy city."""
    return {"districts": toy_districts, "plan": toy_plan, "n_units": 300, "demand": None}
