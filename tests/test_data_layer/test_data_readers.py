"""Every reader of ``workbench.data``: CSV/TSV/Excel (long and wide), NetCDF, Zarr, GeoJSON,
GeoPackage, YAML and siting folders, through ``read_any`` and the specific readers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import xarray as xr
from shapely.geometry import Point, box

import workbench.data as wd
from workbench.data.readers import read_file, table_kind
from workbench.dims import CITY, INDICATOR, YEAR

LONG = """city,indicator,year,value,direction,unit
310000,rev,2020,1.5,1,bn CNY
310000,rev,2021,2.5,1,bn CNY
110000,rev,2020,3,1,bn CNY
110000,pue,2021,1.4,-1,ratio
310000,pue,2020,..,-1,ratio
"""

WIDE = """City,Year,name_en,rev,pue
310000,2020,Shanghai,1.5,
310000,2021,Shanghai,"2,500.5",1.3
110000,2020,Beijing,3,NA
"""


def test_long_csv_becomes_the_canonical_cube(write):
    cube = wd.read_any(write("long.csv", LONG))
    assert cube["value"].dims == (CITY, INDICATOR, YEAR)
    assert list(cube[CITY].to_numpy()) == ["310000", "110000"]
    assert list(cube[YEAR].to_numpy()) == [2020, 2021]
    assert cube["value"].sel(city="310000", indicator="rev", year=2021) == 2.5
    assert np.isnan(cube["value"].sel(city="310000", indicator="pue", year=2020))
    assert list(cube["direction"].to_numpy()) == [1, -1]
    assert list(cube["unit"].to_numpy()) == ["bn CNY", "ratio"]
    assert "direction_assumed" not in cube.attrs


def test_long_without_direction_assumes_plus_one_and_says_so(write):
    cube = wd.read_cube(write("l.csv", "city,indicator,year,value\nA,x,2020,1\n"))
    assert list(cube["direction"].to_numpy()) == [1]
    assert "assumed" in cube.attrs["direction_assumed"]


def test_wide_csv_with_thousands_separators_and_labels(write):
    cube = wd.read_any(write("wide.csv", WIDE))
    assert cube.attrs["layout"] == "wide"
    assert cube["value"].sel(city="310000", indicator="rev", year=2021) == 2500.5
    assert list(cube[INDICATOR].to_numpy()) == ["rev", "pue"]
    assert list(cube["name_en"].to_numpy()) == ["Shanghai", "Beijing"]
    assert np.isnan(cube["value"].sel(city="110000", indicator="pue", year=2020))


def test_wide_directions_argument(write):
    df = wd.read_text_table(write("wide.csv", WIDE))
    cube = wd.wide_to_cube(df, directions={"pue": -1})
    assert dict(zip(cube[INDICATOR].to_numpy(), cube["direction"].to_numpy(), strict=True)) == {
        "rev": 1,
        "pue": -1,
    }


def test_tsv_and_gb18030_csv(write):
    tsv = write("t.tsv", "city\tindicator\tyear\tvalue\nA\tx\t2020\t1\n")
    assert float(wd.read_cube(tsv)["value"].sum()) == 1.0
    text = "city,indicator,year,value\n上海,x,2020,1\n"
    gbk = write("g.csv", text.encode("gb18030"))
    assert list(wd.read_cube(gbk)[CITY].to_numpy()) == ["上海"]


def test_excel_long_and_wide(xlsx):
    long = xlsx(
        "long.xlsx",
        [["city", "indicator", "year", "value"], ["A", "x", 2020, 1.5], ["A", "x", 2021, None]],
    )
    cube = wd.read_any(long)
    assert cube["value"].sel(city="A", indicator="x", year=2020) == 1.5
    assert np.isnan(cube["value"].sel(city="A", indicator="x", year=2021))
    wide = xlsx(
        "wide.xlsx",
        [["city", "year", "x", "y"], ["A", 2020, 1, 2], ["B", 2020, 3, 4]],
        sheet="data",
    )
    cube = wd.read_file(wide, sheet="data").data
    assert cube["value"].sel(city="B", indicator="y", year=2020) == 4


def test_excel_formulas_are_not_evaluated(xlsx):
    """openpyxl reads cached values only; a formula without a cached value reads as missing."""
    path = xlsx("f.xlsx", [["city", "indicator", "year", "value"], ["A", "x", 2020, "=1+1"]])
    cube = wd.read_cube(path)
    assert np.isnan(cube["value"].item())


def test_netcdf_and_zarr_round_trip(tmp_path):
    cube = wd.load_sample("city_ai_index").isel(city=slice(0, 5))
    nc = tmp_path / "c.nc"
    cube.to_netcdf(nc, engine="h5netcdf")
    back = wd.read_any(nc)
    xr.testing.assert_equal(back["value"], cube["value"])
    z = tmp_path / "c.zarr"
    cube.to_zarr(z, zarr_format=2)
    back = wd.read_any(z)
    np.testing.assert_array_equal(back["value"].to_numpy(), cube["value"].to_numpy())
    assert list(back["direction"].to_numpy()) == list(cube["direction"].to_numpy())


def test_cube_without_year_is_accepted(tmp_path):
    ds = xr.Dataset(
        {"value": (("city", "indicator"), [[1.0, 2.0]])},
        coords={"city": ["A"], "indicator": ["x", "y"]},
    )
    ds.to_netcdf(tmp_path / "n.nc", engine="h5netcdf")
    cube = wd.read_cube(tmp_path / "n.nc")
    assert cube["value"].dims == (CITY, INDICATOR)


def test_geojson_and_geopackage(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"code": ["1", "2"]},
        geometry=[box(121, 31, 121.1, 31.1), Point(121.5, 31.2).buffer(0.01)],
        crs="EPSG:4326",
    )
    gdf.to_file(tmp_path / "a.geojson", driver="GeoJSON")
    gdf.to_file(tmp_path / "a.gpkg", driver="GPKG")
    for name in ("a.geojson", "a.gpkg"):
        back = wd.read_any(tmp_path / name)
        assert back.crs.to_epsg() == 4326
        assert list(back["code"]) == ["1", "2"]


def test_projected_geopackage_is_reprojected(tmp_path):
    gdf = gpd.GeoDataFrame({"id": [1]}, geometry=[Point(121.47, 31.23)], crs="EPSG:4326")
    gdf.to_crs("EPSG:32651").to_file(tmp_path / "p.gpkg", driver="GPKG")
    back = wd.read_geo(tmp_path / "p.gpkg")
    assert back.crs.to_epsg() == 4326
    assert back.geometry.x.iloc[0] == pytest.approx(121.47, abs=1e-6)


def test_yaml_and_siting_folder(sample_data_dir):
    res = read_file(sample_data_dir / "shanghai_siting" / "scenario.yaml")
    assert res.kind == "mapping"
    assert res.data["route_factor"] == 1.4
    res = read_file(sample_data_dir / "shanghai_siting")
    assert res.kind == "siting_scenario"
    assert "siting scenario" in res.summary()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("cities.csv", "cities"),
        ("city_ai_index_framework.csv", "framework"),
        ("city_ai_index.nc", "cube"),
        ("china_provinces.geojson", "geometries"),
        ("shanghai_districts.geojson", "geometries"),
        ("shanghai_siting/demand.csv", "demand"),
        ("shanghai_siting/sites.csv", "sites"),
        ("shanghai_siting/scenario.yaml", "mapping"),
    ],
)
def test_shipped_files_validate(sample_data_dir, name, kind):
    res = wd.validate_file(sample_data_dir / name)
    assert res.kind == kind
    assert res.summary()


def test_table_kind_detection():
    import pandas as pd

    assert table_kind(pd.DataFrame(columns=["city", "indicator", "year", "value"])) == "long"
    assert table_kind(pd.DataFrame(columns=["city", "year", "gdp"])) == "wide"
    assert table_kind(pd.DataFrame(columns=["code", "population"])) == "cities"
    assert table_kind(pd.DataFrame(columns=["iCode", "Level"])) == "framework"
    assert table_kind(pd.DataFrame(columns=["uCode", "x"])) == "coinr"
    assert table_kind(pd.DataFrame(columns=["a", "b"])) is None


def test_cube_to_long_and_wide_round_trip():
    cube = wd.load_sample("city_ai_index").isel(city=slice(0, 6), indicator=slice(0, 5))
    long = wd.cube_to_long(cube)
    assert list(long.columns) == ["city", "indicator", "year", "value", "direction"]
    back = wd.long_to_cube(long)
    np.testing.assert_array_equal(back["value"].to_numpy(), cube["value"].to_numpy())
    wide = wd.cube_to_wide(cube)
    assert list(wide.columns[:2]) == ["city", "year"]
    back = wd.wide_to_cube(wide)
    np.testing.assert_array_equal(back["value"].to_numpy(), cube["value"].to_numpy())


def test_check_cube_canonicalises(tmp_path):
    ds = xr.Dataset(
        {"value": (("year", "indicator", "city"), np.arange(8.0).reshape(2, 2, 2))},
        coords={
            "year": [2021.0, 2020.0],
            "indicator": ["a", "b"],
            "city": [1, 2],
            "direction": ("indicator", ["1", "-1"]),
        },
    )
    cube = wd.check_cube(ds)
    assert cube["value"].dims == (CITY, INDICATOR, YEAR)
    assert list(cube[YEAR].to_numpy()) == [2020, 2021]
    assert cube[YEAR].dtype == np.int64
    assert list(cube[CITY].to_numpy()) == ["1", "2"]
    assert cube["direction"].dtype == np.int64
    assert cube["value"].sel(year=2021, indicator="a", city="1") == 0.0


def test_dataarray_is_accepted():
    da = xr.DataArray(
        [[1.0]], dims=("city", "indicator"), coords={"city": ["A"], "indicator": ["x"]}
    )
    assert "value" in wd.check_cube(da)


def test_netcdf3_file_is_read(tmp_path):
    ds = xr.Dataset(
        {"value": (("city", "indicator", "year"), [[[1.0, 2.0]]])},
        coords={"city": ["A"], "indicator": ["x"], "year": [2020, 2021]},
    )
    ds.to_netcdf(tmp_path / "n3.nc", engine="scipy", format="NETCDF3_64BIT")
    cube = wd.read_cube(tmp_path / "n3.nc")
    assert list(cube["year"].to_numpy()) == [2020, 2021]
    assert float(cube["value"].sum()) == 3.0
