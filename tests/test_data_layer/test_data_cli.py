"""``workbench data list | info | validate``, in-process and as the installed console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main

WORKBENCH = Path(sys.executable).with_name("workbench")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(WORKBENCH), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_data_list(capsys):
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    for name in (
        "cities",
        "provinces",
        "shanghai_districts",
        "city_ai_index",
        "city_ai_index_framework",
        "shanghai_siting",
    ):
        assert name in out
    line = next(x for x in out.splitlines() if x.startswith("city_ai_index "))
    assert "synthetic" in line


def test_data_info_shows_dims_variables_provenance_and_synthetic_flag(capsys):
    assert main(["data", "info", "city_ai_index"]) == 0
    out = capsys.readouterr().out
    assert "dims: city=105, indicator=32, year=7" in out
    assert "variables: value" in out
    assert "synthetic: YES" in out
    assert "source: " in out
    assert "GeoNames" in out


def test_data_info_unknown_name_is_one_line_exit_2(capsys):
    assert main(["data", "info", "citys"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Did you mean 'cities'" in err


def test_validate_shipped_data_passes(sample_data_dir, capsys):
    files = [str(p) for p in sorted(sample_data_dir.glob("*.csv"))]
    files += [
        str(sample_data_dir / n)
        for n in (
            "city_ai_index.nc",
            "china_provinces.geojson",
            "shanghai_districts.geojson",
            "shanghai_siting",
        )
    ]
    assert main(["data", "validate", *files]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(files)
    assert all(line.startswith("OK ") for line in out)


@pytest.mark.subprocess
def test_validate_broken_csv_console_script(tmp_path):
    bad = tmp_path / "broken.csv"
    bad.write_text("city,indicator,year,value\nA,x,2020,1\nB,x,2020,twelve\n", encoding="utf-8")
    res = run("data", "validate", str(bad))
    assert res.returncode == 2
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert lines[0].startswith("error: ")
    assert "broken.csv" in lines[0]
    assert "row 3, column 'value': 'twelve'" in lines[0]


@pytest.mark.subprocess
def test_validate_mixed_files_reports_each(tmp_path, sample_data_dir):
    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"")
    res = run("data", "validate", str(sample_data_dir / "cities.csv"), str(bad))
    assert res.returncode == 2
    assert res.stdout.startswith("OK ")
    assert res.stderr.count("\n") == 1
    assert "the file is empty" in res.stderr


@pytest.mark.parametrize("name", ["data.parquet", "missing.csv"])
def test_validate_unsupported_or_missing(tmp_path, capsys, name):
    path = tmp_path / name
    if name.endswith("parquet"):
        path.write_text("x")
    assert main(["data", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert name in err


def test_data_without_subcommand_prints_help(capsys):
    assert main(["data"]) == 0
    assert "validate" in capsys.readouterr().out
