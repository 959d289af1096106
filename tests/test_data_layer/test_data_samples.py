"""Every shipped sample loads through ``workbench.data`` and honours docs/contracts.md."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import workbench.data as wd
from workbench.data.samples import SAMPLES
from workbench.dims import CITY, INDICATOR, SITE_TIERS, YEAR
from workbench.errors import DataError, SpecError

ALL = [
    "cities",
    "city_ai_index",
    "city_ai_index_framework",
    "provinces",
    "shanghai_districts",
    "shanghai_siting",
]


def test_list_samples_has_every_builtin():
    assert set(ALL) <= set(wd.list_samples())


@pytest.mark.parametrize("name", ALL)
def test_every_sample_loads_and_is_described(name):
    obj = wd.load_sample(name)
    info = wd.describe_sample(name)
    assert info.name == name
    assert info.synthetic
    assert any(line.startswith("source: ") for line in info.lines())
    assert obj is not None


def test_cities_contract():
    df = wd.load_sample("cities")
    cols = [
        "code",
        "name_en",
        "name_zh",
        "province_code",
        "province_en",
        "province_zh",
        "lat",
        "lon",
        "population",
        "geonames_id",
    ]
    assert list(df.columns) == cols
    assert len(df) >= 60
    assert df["code"].str.fullmatch(r"\d{6}").all()
    assert df["code"].is_unique
    assert {"110000", "120000", "310000", "500000"} <= set(df["code"])
    assert (df["population"] > 0).all()
    assert df["lat"].between(15, 55).all()
    assert df["lon"].between(73, 135).all()
    sh = df.set_index("code").loc["310000"]
    assert sh["name_zh"] == "上海市"
    assert sh["name_en"] == "Shanghai"
    # a prefecture city's admin code starts with its province's two digits
    assert (df["code"].str[:2] == df["province_code"].str[:2]).all()


def test_province_boundaries_are_small_and_complete(sample_data_dir):
    gdf = wd.load_sample("provinces")
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert gdf.crs.to_epsg() == 4326
    assert len(gdf) == 34
    assert {"code", "name_en", "name_zh"} <= set(gdf.columns)
    assert gdf.is_valid.all()
    assert (sample_data_dir / "china_provinces.geojson").stat().st_size < 500_000


def test_shanghai_districts():
    gdf = wd.load_sample("shanghai_districts")
    assert len(gdf) == 16
    assert gdf.crs.to_epsg() == 4326
    assert gdf["code"].str.fullmatch(r"3101\d\d").all()
    assert set(gdf["name_en"]) >= {"Pudong New Area", "Huangpu", "Chongming"}
    assert (gdf["area_km2"] > 0).all()
    # equal-area areas agree with the (simplified) polygons measured in UTM within 5%
    utm = gdf.to_crs("EPSG:32651").area / 1e6
    assert np.allclose(utm.to_numpy(), gdf["area_km2"].to_numpy(), rtol=0.05)


def test_cube_contract():
    cube = wd.load_sample("city_ai_index")
    assert cube["value"].dims == (CITY, INDICATOR, YEAR)
    assert cube["value"].dtype == np.float64
    assert list(cube[YEAR].to_numpy()) == list(range(2019, 2026))
    assert cube.sizes[INDICATOR] >= 24
    assert cube.sizes[CITY] >= 60
    for coord in ("name_en", "name_zh", "province_en", "lat", "lon", "population"):
        assert cube[coord].dims == (CITY,)
    for coord in ("unit", "direction", "parent", "dimension", "weight", "source"):
        assert cube[coord].dims == (INDICATOR,)
    assert set(np.unique(cube["direction"])) == {-1, 1}
    assert set(cube["dimension"].to_numpy()) == {"IND", "TEC", "PUB", "GOV"}
    assert all(str(s).startswith("synthetic") for s in cube["source"].to_numpy())
    missing = float(np.isnan(cube["value"]).mean())
    assert 0.02 <= missing <= 0.05
    assert cube.attrs["synthetic"].startswith("true")
    assert "seed" in cube.attrs
    assert "description" in cube.attrs


def test_cube_framework_matches_csv():
    cube = wd.load_sample("city_ai_index")
    fw = wd.load_sample("city_ai_index_framework")
    records = pd.DataFrame(json.loads(cube.attrs["framework"]))
    assert list(records["iCode"]) == list(fw["iCode"])
    ind = fw[fw["Level"] == 1].set_index("iCode")
    assert list(ind.index) == list(cube[INDICATOR].to_numpy())
    assert (ind["Direction"].to_numpy() == cube["direction"].to_numpy()).all()
    assert set(fw.loc[fw["Level"] == 3, "iCode"]) == {"IND", "TEC", "PUB", "GOV"}
    assert fw.loc[fw["Level"] == 4, "iCode"].tolist() == ["CAI"]
    # every sub-dimension has a dimension as parent
    sub = fw[fw["Level"] == 2]
    assert set(sub["Parent"]) == {"IND", "TEC", "PUB", "GOV"}
    assert len(sub) == 8


def test_cube_tiers_are_plausible():
    """The big, well-known AI centres lead a plain z-score average (the model's intent)."""
    cube = wd.load_sample("city_ai_index")
    x = cube["value"].sel(year=2025) * cube["direction"]
    z = (x - x.mean(CITY)) / x.std(CITY)
    score = z.mean(INDICATOR).to_series().sort_values(ascending=False)
    top10 = set(score.index[:10])
    assert {"110000", "310000", "440300", "330100"} <= top10  # Beijing Shanghai Shenzhen Hangzhou
    assert "540100" in set(score.index[-20:])  # Lhasa is among the weakest


def test_siting_contract():
    s = wd.load_sample("shanghai_siting")
    assert set(s) == {"demand", "sites", "scenario", "path"}
    demand, sites, scen = s["demand"], s["sites"], s["scenario"]
    assert len(demand) >= 2000
    shares = demand[["share_finance", "share_manufacturing", "share_public", "share_consumer"]]
    assert np.allclose(shares.sum(axis=1), 1.0, atol=1e-3)
    assert set(demand["profile"]) == {
        "finance_morning",
        "esports_evening",
        "office",
        "industrial",
        "public_service",
    }
    assert demand["district"].str.startswith("3101").all()
    assert (demand["tokens_per_day"] > 0).all()
    assert set(sites["tier"]) == set(SITE_TIERS)
    hubs = sites[sites["tier"] == "hub"]["name"].str.cat(sep=" ")
    assert "Lingang" in hubs
    assert "Qingpu" in hubs
    assert (sites["tier"] == "edge").sum() >= 250
    dc = sites[sites["tier"] == "dc"]
    assert dc["existing"].any()
    assert (~dc["existing"]).any()
    assert sites["id"].is_unique
    for tier, pue in (("hub", 1.2), ("edge", 1.5), ("dc", 1.6)):
        assert abs(sites.loc[sites["tier"] == tier, "pue"].mean() - pue) < 0.05
    assert scen["latency_budget_ms"]["edge"] == 10.0
    assert scen["fibre_delay_us_per_km"] == 5.0
    assert scen["sites_per_tier"]["hub"] == 2
    assert scen["synthetic"] is True
    assert sites.crs.to_epsg() == 4326
    assert demand.crs.to_epsg() == 4326


def test_sample_folder_is_small(sample_data_dir):
    total = sum(p.stat().st_size for p in sample_data_dir.rglob("*") if p.is_file())
    assert total < 3_000_000


def test_readme_documents_every_file(sample_data_dir):
    text = (sample_data_dir / "README.md").read_text(encoding="utf-8")
    for name in (
        "cities.csv",
        "china_provinces.geojson",
        "shanghai_districts.geojson",
        "city_ai_index.nc",
        "city_ai_index_framework.csv",
        "demand.csv",
        "sites.csv",
        "scenario.yaml",
        "CC BY 4.0",
        "MIT",
        "synthetic",
    ):
        assert name in text


def test_env_var_points_at_another_folder(tmp_path, monkeypatch, sample_data_dir):
    shutil.copy(sample_data_dir / "cities.csv", tmp_path / "cities.csv")
    df = pd.read_csv(tmp_path / "cities.csv", dtype=str)
    df.iloc[:3].to_csv(tmp_path / "cities.csv", index=False)
    monkeypatch.setenv("WORKBENCH_SAMPLE_DATA", str(tmp_path))
    assert len(wd.load_sample("cities")) == 3
    assert wd.sample_dir() == tmp_path


def test_missing_sample_folder_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_SAMPLE_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="WORKBENCH_SAMPLE_DATA"):
        wd.load_sample("cities")


def test_unknown_sample_suggests_close_name():
    with pytest.raises(SpecError, match="Did you mean 'cities'"):
        wd.load_sample("citys")


def test_plugin_samples_are_listed_loaded_and_described():
    def tiny_sample():
        """A tiny plugin sample."""
        return xr.Dataset({"x": ("city", [1.0])}, attrs={"synthetic": "yes"})

    SAMPLES.register("zz_tiny_sample", tiny_sample, source="test-plugin")
    try:
        assert "zz_tiny_sample" in wd.list_samples()
        assert float(wd.load_sample("zz_tiny_sample")["x"][0]) == 1.0
        info = wd.describe_sample("zz_tiny_sample")
        assert info.synthetic == "yes"
        assert info.description == "A tiny plugin sample."
    finally:
        SAMPLES._items.pop("zz_tiny_sample", None)


def test_build_scripts_reproduce_the_committed_files(tmp_path, sample_data_dir, monkeypatch):
    """The synthetic files are rebuilt bit for bit from the committed geography (no network)."""
    import importlib.util

    def module(name):
        spec = importlib.util.spec_from_file_location(name, sample_data_dir / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod

    for f in ("cities.csv", "shanghai_districts.geojson"):
        shutil.copy(sample_data_dir / f, tmp_path / f)
    cube_mod = module("build_index_cube")
    monkeypatch.setattr(cube_mod, "OUT", tmp_path)
    cube_mod.build()
    siting_mod = module("build_siting")
    monkeypatch.setattr(siting_mod, "OUT", tmp_path)
    monkeypatch.setattr(siting_mod, "DIR", tmp_path / "shanghai_siting")
    siting_mod.build()
    for rel in (
        "city_ai_index_framework.csv",
        "shanghai_siting/demand.csv",
        "shanghai_siting/sites.csv",
        "shanghai_siting/scenario.yaml",
    ):
        assert (tmp_path / rel).read_bytes() == (sample_data_dir / rel).read_bytes(), rel
    new = xr.load_dataset(tmp_path / "city_ai_index.nc")
    old = xr.load_dataset(sample_data_dir / "city_ai_index.nc")
    xr.testing.assert_identical(new, old)
    assert new.attrs == old.attrs


def test_samples_are_independent_copies():
    a = wd.load_sample("cities")
    a.loc[0, "name_en"] = "changed"
    assert wd.load_sample("cities").loc[0, "name_en"] != "changed"


def test_sample_paths_exist(sample_data_dir):
    from workbench.data.samples import BUILTIN_META

    for meta in BUILTIN_META.values():
        assert (Path(sample_data_dir) / meta.file).exists(), meta.file
