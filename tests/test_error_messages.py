"""Every bad-input rule of the data layer, with the message text it must produce.

Each message names the file (or argument), the row/column or coordinate, the rule and the fix.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import xarray as xr
from shapely.geometry import Point

import workbench.data as wd
from workbench.data.readers import check_sites
from workbench.errors import DataError, SchemaError, SpecError

# The fixtures are defined here (not only in the folder's conftest.py) so that this module also
# runs as the top-level tests/test_error_messages.py the issue asks for.


@pytest.fixture
def write(tmp_path):
    """Write text or bytes to ``tmp_path/name`` and return the path."""

    def _write(name, text):
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def xlsx(tmp_path):
    """Write rows to an .xlsx workbook with openpyxl and return the path."""

    def _xlsx(name, rows, sheet="Sheet1"):
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = sheet
        for row in rows:
            ws.append(row)
        path = tmp_path / name
        wb.save(path)
        return path

    return _xlsx


# -- missing columns ---------------------------------------------------------------------------


def test_long_table_missing_value_column(write):
    path = write("m.csv", "city,indicator,year\nA,x,2020\n")
    with pytest.raises(DataError, match=r"m\.csv: missing column\(s\) \['value'\] for a long"):
        wd.read_any(path)


def test_wide_table_missing_year_column(write):
    path = write("w.csv", "city,gdp\nA,1\n")
    with pytest.raises(DataError, match=r"cannot tell what this table holds.*Fix: add or rename"):
        wd.read_any(path)
    import pandas as pd

    with pytest.raises(DataError, match=r"missing column\(s\) \['year'\] for a wide indicator"):
        wd.wide_to_cube(pd.DataFrame({"city": ["A"], "gdp": ["1"]}), source="w.csv")


def test_cube_without_value_variable(tmp_path):
    ds = xr.Dataset(
        {"values": (("city", "indicator"), [[1.0]])}, coords={"city": ["A"], "indicator": ["x"]}
    )
    ds.to_netcdf(tmp_path / "v.nc", engine="h5netcdf")
    with pytest.raises(
        SchemaError,
        match=r"v\.nc: the cube has no data variable 'value'.*"
        r"Did you mean 'values'\?.*cube\.rename",
    ):
        wd.read_any(tmp_path / "v.nc")


def test_cube_with_wrong_dimension_names():
    ds = xr.Dataset(
        {"value": (("country", "indicator"), [[1.0]])},
        coords={"country": ["A"], "indicator": ["x"]},
    )
    with pytest.raises(
        SchemaError,
        match=r"must have the dimensions.*got \('country', "
        r"'indicator'\).*workbench\.dims.*rename\(\{'country': 'city'\}\)",
    ):
        wd.check_cube(ds, source="arg")


def test_sites_missing_columns():
    import pandas as pd

    with pytest.raises(DataError, match=r"s: missing column\(s\) \['capacity_tokens_per_s'\]"):
        check_sites(
            pd.DataFrame({"id": ["1"], "tier": ["hub"], "lon": ["1"], "lat": ["1"]}), source="s"
        )


# -- duplicate city codes ----------------------------------------------------------------------


def test_duplicate_city_codes_in_city_table(write):
    path = write("c.csv", "code,name_en,population\n310000,Shanghai,1\n310000,Shanghai 2,2\n")
    with pytest.raises(
        DataError,
        match=r"c\.csv: duplicate city codes: \['310000'\].*"
        "each city code must appear once.*give each city one row",
    ):
        wd.read_any(path)


def test_duplicate_city_and_year_in_wide_table(write):
    path = write("w.csv", "city,year,x\nA,2020,1\nA,2020,2\n")
    with pytest.raises(
        DataError,
        match=r"w\.csv: duplicate city code and year \['A', 2020\] "
        r"in rows 2, 3\. Rule: one row per city and year",
    ):
        wd.read_any(path)


def test_duplicate_rows_in_long_table(write):
    path = write("l.csv", "city,indicator,year,value\nA,x,2020,1\nA,x,2020,2\n")
    with pytest.raises(DataError, match=r"duplicate \(city, indicator, year\) rows.*rows 2, 3"):
        wd.read_any(path)


def test_duplicate_city_codes_in_cube():
    ds = xr.Dataset(
        {"value": (("city", "indicator"), [[1.0], [2.0]])},
        coords={"city": ["A", "A"], "indicator": ["x"]},
    )
    with pytest.raises(SchemaError, match=r"cube\.nc: duplicate city codes: \['A'\]"):
        wd.check_cube(ds, source="cube.nc")


# -- non-numeric values ------------------------------------------------------------------------


def test_non_numeric_value_names_row_and_column(write):
    path = write("b.csv", "city,indicator,year,value\nA,x,2020,1\nB,x,2020,12a\n")
    with pytest.raises(
        DataError,
        match=r"b\.csv: non-numeric values: row 3, column 'value': "
        r"'12a'\. Rule: values must be numbers.*Fix: correct these cells",
    ):
        wd.read_any(path)


def test_non_numeric_in_wide_table_names_indicator_column(write):
    path = write("w.csv", "city,year,gdp,rd\nA,2020,1,2\nB,2020,3,high\n")
    with pytest.raises(DataError, match=r"row 3, column 'rd': 'high'"):
        wd.read_any(path)


def test_non_numeric_in_excel_names_row_and_column(xlsx):
    path = xlsx("e.xlsx", [["city", "year", "gdp"], ["A", 2020, 1], ["B", 2020, "n.a."]])
    with pytest.raises(DataError, match=r"e\.xlsx: non-numeric values: row 3, column 'gdp'"):
        wd.read_any(path)


def test_non_numeric_population(write):
    path = write("c.csv", "code,population\n1,many\n")
    with pytest.raises(DataError, match=r"row 2, column 'population': 'many'"):
        wd.read_any(path)


def test_non_numeric_cube_values():
    ds = xr.Dataset(
        {"value": (("city", "indicator"), [["a"]])}, coords={"city": ["A"], "indicator": ["x"]}
    )
    with pytest.raises(SchemaError, match=r"'value' must be numeric; got dtype"):
        wd.check_cube(ds)


# -- unknown directions ------------------------------------------------------------------------


def test_unknown_direction_in_long_table(write):
    path = write("d.csv", "city,indicator,year,value,direction\nA,x,2020,1,up\n")
    with pytest.raises(
        SchemaError,
        match=r"d\.csv: unknown direction for 1 indicator\(s\): "
        r"indicator x: 'up'\. Rule: direction must be 1 .* or -1",
    ):
        wd.read_any(path)


def test_unknown_direction_in_framework(write):
    path = write(
        "f.csv",
        "iCode,Level,Parent,Direction,Weight,Type\nX,1,T,2,1,Indicator\nT,2,,1,1,Aggregate\n",
    )
    with pytest.raises(SchemaError, match=r"indicator X: '2'.*Fix: set the direction"):
        wd.read_any(path)


def test_unknown_direction_in_cube():
    ds = xr.Dataset(
        {"value": (("city", "indicator"), [[1.0]])},
        coords={"city": ["A"], "indicator": ["x"], "direction": ("indicator", [0])},
    )
    with pytest.raises(SchemaError, match=r"unknown direction.*indicator x: 0"):
        wd.check_cube(ds)


def test_conflicting_directions_in_long_table(write):
    path = write("d.csv", "city,indicator,year,value,direction\nA,x,2020,1,1\nB,x,2020,1,-1\n")
    with pytest.raises(
        DataError, match=r"column 'direction' differs between rows of indicator 'x'"
    ):
        wd.read_any(path)


# -- negative populations ----------------------------------------------------------------------


def test_negative_population_in_city_table(write):
    path = write("c.csv", "code,name_en,population\n310000,Shanghai,-5\n")
    with pytest.raises(
        SchemaError,
        match=r"c\.csv: negative population for 1 city\(ies\): "
        r"310000=-5\. Rule: population must be zero or positive",
    ):
        wd.read_any(path)


def test_negative_population_in_cube():
    ds = xr.Dataset(
        {"value": (("city", "indicator"), [[1.0]])},
        coords={"city": ["A"], "indicator": ["x"], "population": ("city", [-1])},
    )
    with pytest.raises(SchemaError, match=r"negative population.*A=-1"):
        wd.check_cube(ds)


# -- mismatched years --------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["2020.5", "FY2020", ""])
def test_years_that_are_not_whole_numbers(write, year):
    path = write("y.csv", f"city,indicator,year,value\nA,x,{year},1\n")
    with pytest.raises(
        SchemaError,
        match=r"y\.csv: column 'year' has values that are not whole "
        r"years.*Fix: write each year as a plain integer",
    ):
        wd.read_any(path)


def test_year_out_of_range_suggests_shifted_column(write):
    path = write("y.csv", "city,year,x\nA,15.5,2020\n")
    with pytest.raises(SchemaError, match=r"not whole years"):
        wd.read_any(path)
    path = write("y2.csv", "city,year,x\nA,15,2020\n")
    with pytest.raises(SchemaError, match=r"outside 1900-2100: \[15\].*shifted column"):
        wd.read_any(path)


def test_duplicate_years_in_cube():
    ds = xr.Dataset(
        {"value": (("city", "indicator", "year"), [[[1.0, 2.0]]])},
        coords={"city": ["A"], "indicator": ["x"], "year": [2020, 2020]},
    )
    with pytest.raises(SchemaError, match=r"duplicate years: \[2020\]"):
        wd.check_cube(ds)


def test_missing_year_when_required():
    ds = xr.Dataset(
        {"value": (("city", "indicator"), [[1.0]])}, coords={"city": ["A"], "indicator": ["x"]}
    )
    with pytest.raises(
        SchemaError, match=r"must have the dimensions \('city', 'indicator', 'year'\)"
    ):
        wd.check_cube(ds, require_year=True)


# -- CRS problems ------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_geopackage_without_crs(tmp_path):
    gdf = gpd.GeoDataFrame({"id": [1]}, geometry=[Point(121.4, 31.2)])
    gdf.to_file(tmp_path / "n.gpkg", driver="GPKG")
    with pytest.raises(
        DataError,
        match=r"n\.gpkg: the layer has no coordinate reference system "
        r"\(CRS\).*set_crs\('EPSG:4326'\)",
    ):
        wd.read_any(tmp_path / "n.gpkg")


def test_geojson_in_metres(write):
    text = (
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        '"geometry":{"type":"Point","coordinates":[350000.0,3460000.0]}}]}'
    )
    path = write("m.geojson", text)
    with pytest.raises(
        DataError,
        match=r"m\.geojson: coordinates outside the longitude/"
        r"latitude range.*bounds 350000, 3\.46e\+06.*projected metres.*set_crs",
    ):
        wd.read_any(path)


def test_point_table_with_lonlat_out_of_range(write):
    path = write("s.csv", "id,tier,lon,lat,capacity_tokens_per_s\nE1,edge,350000,3460000,5\n")
    with pytest.raises(DataError, match=r"s\.csv: 1 coordinate\(s\) outside.*row 2 \(350000"):
        wd.read_any(path)


# -- empty files -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["e.csv", "e.xlsx", "e.nc", "e.geojson", "e.gpkg"])
def test_zero_byte_files(write, name):
    path = write(name, b"")
    with pytest.raises(DataError, match=r"e\.\w+: the file is empty \(0 bytes\)"):
        wd.read_any(path)


def test_blank_and_header_only_csv(write):
    with pytest.raises(DataError, match=r"the file is empty \(only blank space\)"):
        wd.read_any(write("b.csv", "\n\n  \n"))
    with pytest.raises(
        DataError,
        match=r"h\.csv: the table has a header \(city, indicator, year, "
        r"value\) but no data rows",
    ):
        wd.read_any(write("h.csv", "city,indicator,year,value\n"))


def test_empty_yaml(write):
    with pytest.raises(DataError, match=r"s\.yaml: the file is empty"):
        wd.read_any(write("s.yaml", "\n"))


def test_empty_geojson_collection(write):
    path = write("e.geojson", '{"type":"FeatureCollection","features":[]}')
    with pytest.raises(DataError, match=r"e\.geojson: the layer has no features"):
        wd.read_any(path)


# -- unsupported or unreadable files -----------------------------------------------------------


def test_unsupported_extension_lists_supported(write):
    path = write("data.parquet", "x")
    with pytest.raises(
        DataError,
        match=r"data\.parquet: unsupported file type '\.parquet'\. "
        r"Supported: \.csv, \.tsv, .*\.xlsx.*\.nc.*\.zarr.*\.geojson.*\.gpkg",
    ):
        wd.read_any(path)


def test_file_not_found(tmp_path):
    with pytest.raises(DataError, match=r"nope\.csv: file not found"):
        wd.read_any(tmp_path / "nope.csv")


def test_binary_file_renamed_csv(write):
    with pytest.raises(DataError, match=r"not text in UTF-8 or GB18030.*CSV UTF-8"):
        wd.read_any(write("x.csv", bytes(range(128, 256)) * 4))


def test_corrupt_excel(write):
    with pytest.raises(DataError, match=r"x\.xlsx: not a readable Excel workbook.*\.xls is not"):
        wd.read_any(write("x.xlsx", "not a zip"))


def test_corrupt_netcdf(write):
    with pytest.raises(DataError, match=r"x\.nc: cannot open as a NetCDF-4 dataset.*to_netcdf"):
        wd.read_any(write("x.nc", "garbage"))


def test_unknown_excel_sheet(xlsx):
    path = xlsx("s.xlsx", [["city", "year", "x"], ["A", 2020, 1]], sheet="data")
    with pytest.raises(DataError, match=r"Unknown sheet 'dta'\. Did you mean 'data'\?"):
        wd.read_file(path, sheet="dta")


def test_invalid_yaml_names_line(write):
    with pytest.raises(DataError, match=r"y\.yaml: invalid YAML at line 2"):
        wd.read_any(write("y.yaml", "a: 1\n b: [2\n"))


def test_yaml_that_is_not_a_mapping(write):
    with pytest.raises(DataError, match=r"expected a mapping of settings.*got list"):
        wd.read_any(write("y.yaml", "- 1\n- 2\n"))


def test_yaml_never_constructs_python_objects(write):
    path = write("y.yaml", "a: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(DataError, match=r"invalid YAML"):
        wd.read_any(path)


def test_coinr_table_points_to_the_two_table_reader(write):
    with pytest.raises(DataError, match=r"COINr data table.*read_coinr\(iData, iMeta\)"):
        wd.read_any(write("iData.csv", "uCode,uName,GDP\nAUT,Austria,1\n"))


def test_unnamed_column(write):
    with pytest.raises(DataError, match=r"column\(s\) \[3\] have no header name"):
        wd.read_any(write("u.csv", "city,year,,x\nA,2020,1,2\n"))


# -- siting tables -----------------------------------------------------------------------------


def test_unknown_site_tier_suggests_close_one(write):
    path = write("s.csv", "id,tier,lon,lat,capacity_tokens_per_s\nE1,edg,121,31,5\n")
    with pytest.raises(
        DataError,
        match=r"column 'tier': Unknown site tier 'edg'\. Did you mean "
        r"'edge'\?",
    ):
        wd.read_any(path)


def test_sector_shares_must_sum_to_one(write):
    path = write(
        "d.csv",
        "id,lon,lat,district,tokens_per_day,share_finance,share_manufacturing,"
        "share_public,share_consumer\nD1,121,31,310101,5,0.5,0.5,0.5,0\n",
    )
    with pytest.raises(DataError, match=r"sector shares do not sum to 1 in row 2 \(sum 1\.500\)"):
        wd.read_any(path)


def test_negative_demand(write):
    path = write("d.csv", "id,lon,lat,district,tokens_per_day\nD1,121,31,310101,-5\n")
    with pytest.raises(DataError, match=r"negative 'tokens_per_day' in row 2"):
        wd.read_any(path)


# -- samples -----------------------------------------------------------------------------------


def test_unknown_sample():
    with pytest.raises(
        SpecError,
        match=r"Unknown sample data set 'city_ai_idx'\. Did you mean "
        r"'city_ai_index'",
    ):
        wd.load_sample("city_ai_idx")


def test_framework_with_dangling_parent(write):
    path = write("f.csv", "iCode,Level,Parent,Direction,Weight,Type\nX,1,NOPE,1,1,Indicator\n")
    with pytest.raises(SchemaError, match=r"Parent codes not found in iCode: X -> NOPE"):
        wd.read_any(path)


def test_negative_weight_in_cube():
    ds = xr.Dataset(
        {"value": (("city", "indicator"), [[1.0]])},
        coords={"city": ["A"], "indicator": ["x"], "weight": ("indicator", [np.nan])},
    )
    with pytest.raises(SchemaError, match=r"'weight' must be finite and >= 0"):
        wd.check_cube(ds)


def test_empty_city_code_in_long_table(write):
    path = write("l.csv", "city,indicator,year,value\n,x,2020,1\n")
    with pytest.raises(DataError, match=r"l\.csv: empty 'city' in row\(s\) 2\. Rule: every row"):
        wd.read_any(path)


def test_binary_yaml_is_a_clear_error(write):
    with pytest.raises(DataError, match=r"b\.yaml: the file is not UTF-8 text.*save it as UTF-8"):
        wd.read_any(write("b.yaml", b"\xff\xfe\x00bad"))


def test_folder_named_like_a_csv(tmp_path):
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(DataError, match=r"dir\.csv: is a folder but neither a Zarr store"):
        wd.read_any(tmp_path / "dir.csv")
