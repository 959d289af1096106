"""Uploads: size, type, formula-like cells and malformed GeoJSON are refused with clear messages."""

from __future__ import annotations

import io
import json
import pickle
import zipfile

import pytest

from workbench.apps.uploads import SessionFiles, UploadPanel, check_upload, read_upload
from workbench.errors import DataError

GOOD_CSV = (
    b"city,indicator,year,value\n"
    b"310000,gdp,2020,1.5\n310000,pue,2020,-2\n110000,gdp,2020,2\n110000,pue,2020,3e1\n"
)
GOOD_GEOJSON = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [121.47, 31.23]},
                "properties": {"name": "Huangpu"},
            }
        ],
    }
).encode()


@pytest.fixture
def files():
    session = SessionFiles()
    yield session
    session.cleanup()


def test_a_good_table_and_geometry_are_read_through_the_data_layer(files):
    cube = read_upload("my_city.csv", GOOD_CSV, files)
    assert cube.kind == "cube"
    assert sorted(cube.data["city"].values.tolist()) == ["110000", "310000"]
    geo = read_upload("districts.geojson", GOOD_GEOJSON, files)
    assert geo.kind == "geometries"
    assert len(geo.data) == 1
    assert {p.name for p in files.path.iterdir()} == {"my_city.csv", "districts.geojson"}


def test_an_oversized_upload_is_refused(files):
    with pytest.raises(
        DataError, match=r"big\.csv: the file has 1\.0 MB\. Rule: uploads are at most"
    ):
        read_upload("big.csv", b"a" * 2**20, files, max_bytes=100_000)
    assert not any(files.path.iterdir())


@pytest.mark.parametrize(
    ("name", "data", "match"),
    [
        ("data.parquet", b"PAR1....", r"unsupported file type '\.parquet'\. Rule: accepted file"),
        ("model.pkl", pickle.dumps({"a": 1}), r"unsupported file type '\.pkl'"),
        ("table.csv", pickle.dumps({"a": 1}), r"table\.csv: the content is a Python pickle"),
        ("table.csv", b"\x7fELF\x02\x01\x01", r"the content is an executable"),
        ("table.csv", b"a,b\n1,\x00\x00\n", r"binary data \(NUL bytes\), not text"),
        ("t.xlsx", b"city,year\n", r"t\.xlsx: the content is not a zip-based workbook"),
        ("t.geojson", b"PK\x03\x04", r"t\.geojson: the content is a zip archive"),
    ],
)
def test_a_file_of_the_wrong_type_is_refused(files, name, data, match):
    with pytest.raises(DataError, match=match):
        read_upload(name, data, files)


def test_a_zip_that_is_not_a_workbook_is_refused_as_xlsx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.py", "print('hi')")
    with pytest.raises(DataError, match=r"the zip is not an Excel workbook"):
        check_upload("t.xlsx", buffer.getvalue())


@pytest.mark.parametrize(
    "cell",
    ["=1+1", "=cmd|' /C calc'!A0", "+SUM(A1:A2)", "-2+3", "@SUM(1)", "\t=1"],
)
def test_a_csv_with_formula_like_cells_is_refused(files, cell):
    data = f'city,indicator,year,value\n310000,gdp,2020,1\n110000,gdp,2020,"{cell}"\n'.encode()
    with pytest.raises(DataError, match=r"formula-like cell at row 3, column 4: .*Rule: cells"):
        read_upload("f.csv", data, files)


def test_negative_and_signed_numbers_are_not_formulas():
    data = (
        b"city,indicator,year,value\n310000,gdp,2020,-1.5\n110000,gdp,2020,+2\n120000,gdp,2020,-\n"
    )
    assert check_upload("n.csv", data) == "text"


def test_an_excel_formula_is_refused(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["city", "indicator", "year", "value"])
    sheet.append(["310000", "gdp", 2020, "=1+1"])
    path = tmp_path / "f.xlsx"
    book.save(path)
    with pytest.raises(DataError, match=r"f\.xlsx \(sheet 'Sheet'\): formula-like cell at row 2"):
        check_upload("f.xlsx", path.read_bytes())


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b'{"type": "FeatureCollection", "features": [', r"invalid JSON at line 1"),
        (b'{"type": "Topology"}', r"found type 'Topology'"),
        (
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": 3}]}',
            r"feature 0 has no valid geometry",
        ),
    ],
)
def test_a_malformed_geojson_is_refused(files, data, match):
    with pytest.raises(DataError, match=match):
        read_upload("bad.geojson", data, files)


def test_the_data_layer_message_names_the_file_not_the_server_folder(files):
    data = b"city,indicator,year,value\n310000,gdp,2020,12a\n"
    with pytest.raises(DataError) as info:
        read_upload("b.csv", data, files)
    text = str(info.value)
    assert text.startswith("b.csv: non-numeric values: row 2, column 'value': '12a'")
    assert str(files.path) not in text


def test_a_path_in_the_file_name_cannot_escape_the_session_folder(files):
    result = read_upload("../../../tmp/evil.csv", GOOD_CSV, files)
    assert result.path.parent == files.path.resolve()


def test_the_upload_panel_shows_the_refusal_and_keeps_working():
    panel = UploadPanel(max_bytes=100_000)
    try:
        assert panel.upload("f.csv", b"city,value\n310000,=1+1\n") is None
        assert "formula-like cell" in panel.status.message
        assert panel.upload("big.csv", b"1" * 200_000) is None
        assert "uploads are at most" in panel.status.message
        assert panel.upload("ok.csv", GOOD_CSV).kind == "cube"
        assert panel.status.message == ""
        assert "indicator cube" in panel.summary
        folder = panel.files.path
        assert folder.exists()
        panel.__panel__()
    finally:
        panel.cleanup()
    assert not folder.exists()
