"""``workbench export``: plans and cubes to NGSI-LD / Ditto JSON, and JSON back to NetCDF."""

from __future__ import annotations

import json

import xarray as xr

from workbench.cli import main
from workbench.interop import ditto, ngsild


def test_export_plan_and_cube_both_formats(tmp_path, plan, cube, capsys):
    plan_file = tmp_path / "plan.geojson"
    plan.to_file(plan_file)
    cube_file = tmp_path / "run.nc"
    cube.to_netcdf(cube_file)

    assert (
        main(
            [
                "export",
                "--format",
                "ngsi-ld",
                str(plan_file),
                "--out",
                str(tmp_path / "p.json"),
                "--plan-id",
                "sh",
            ]
        )
        == 0
    )
    entities = json.loads((tmp_path / "p.json").read_text())
    assert entities[0]["id"] == "urn:ngsi-ld:SitingPlan:sh"
    assert len(ngsild.entities_to_plan(entities)) == 5

    assert (
        main(
            [
                "export",
                "--format",
                "ditto",
                str(plan_file),
                "--out",
                str(tmp_path / "t.json"),
                "--namespace",
                "cn.shanghai",
            ]
        )
        == 0
    )
    things = json.loads((tmp_path / "t.json").read_text())
    assert things[0]["thingId"] == "cn.shanghai:site-H001"

    assert (
        main(["export", "--format", "ngsi-ld", str(cube_file), "--out", str(tmp_path / "c.json")])
        == 0
    )
    assert (
        main(
            [
                "export",
                "--format",
                "netcdf",
                str(tmp_path / "c.json"),
                "--out",
                str(tmp_path / "c.nc"),
            ]
        )
        == 0
    )
    with xr.open_dataset(tmp_path / "c.nc") as back:
        xr.testing.assert_allclose(back[list(cube.data_vars)].load(), cube.drop_attrs())

    assert (
        main(["export", "--format", "ditto", str(cube_file), "--out", str(tmp_path / "d.json")])
        == 0
    )
    assert (
        main(
            [
                "export",
                "--format",
                "netcdf",
                str(tmp_path / "d.json"),
                "--out",
                str(tmp_path / "d.nc"),
            ]
        )
        == 0
    )
    with xr.open_dataset(tmp_path / "d.nc") as back:
        xr.testing.assert_allclose(back[list(cube.data_vars)].load(), cube.drop_attrs())
    assert len(ditto.read(tmp_path / "d.json")) == 3
    assert "wrote 3 Ditto things" in capsys.readouterr().out


def test_export_errors_are_one_line(tmp_path, capsys):
    assert main(["export", "--format", "ditto", str(tmp_path / "nope.nc"), "--out", "x.json"]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "plan.xlsx"
    bad.write_text("x")
    assert main(["export", "--format", "ditto", str(bad), "--out", "x.json"]) == 2
    assert "unknown file type '.xlsx'" in capsys.readouterr().err
