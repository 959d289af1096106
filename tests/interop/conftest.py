"""Fixtures of the interchange tests: a small siting plan and a small results cube."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workbench.dims import DISTRICT, METRIC, TIME


@pytest.fixture
def plan(sample_data_dir) -> gpd.GeoDataFrame:
    """Five sites of the shipped Shanghai siting sample, as a plan GeoDataFrame."""
    df = pd.read_csv(
        sample_data_dir / "shanghai_siting" / "sites.csv", dtype={"id": str, "district": str}
    ).head(5)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)


@pytest.fixture
def cube() -> xr.Dataset:
    """Metrics over 6 hourly steps x 3 districts, one missing value (synthetic)."""
    rng = np.random.default_rng(7)
    times = pd.date_range("2026-07-15T00:00", periods=6, freq="h").to_numpy()
    districts = np.array(["310101", "310104", "310115"])
    load = rng.uniform(50, 90, size=(6, 3))
    load[2, 1] = np.nan
    lat = rng.uniform(5, 40, size=(6, 3))
    ds = xr.Dataset(
        {
            "grid_load_mw": ((TIME, DISTRICT), load, {"units": "MW"}),
            "latency_ms": ((TIME, DISTRICT), lat),
        },
        coords={TIME: times, DISTRICT: districts},
        attrs={"synthetic": "yes"},
    )
    return ds


@pytest.fixture
def metric_cube(cube) -> xr.Dataset:
    """The same metrics stacked along a ``metric`` dimension, numeric ticks as time."""
    arr = cube.to_array(METRIC).rename("value").transpose(TIME, DISTRICT, METRIC)
    ds = arr.to_dataset()
    return ds.assign_coords({TIME: np.arange(ds.sizes[TIME])})
