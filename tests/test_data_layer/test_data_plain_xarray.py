"""A user who never imports ``workbench`` opens the shipped cube with plain xarray."""

from __future__ import annotations

import subprocess
import sys

import pytest

CODE = r"""
import json, sys
import xarray as xr
ds = xr.open_dataset(sys.argv[1])
assert "workbench" not in sys.modules, "workbench was imported"
v = ds["value"]
assert v.dims == ("city", "indicator", "year"), v.dims
assert ds.sizes["indicator"] >= 24 and ds.sizes["city"] >= 60
assert list(ds["year"].values) == list(range(2019, 2026))
assert set(int(d) for d in ds["direction"].values) == {-1, 1}
assert str(ds["name_en"].sel(city="310000").item()) == "Shanghai"
assert ds.attrs["synthetic"].startswith("true")
fw = json.loads(ds.attrs["framework"])
assert {r["iCode"] for r in fw} >= {"CAI", "IND", "TEC", "PUB", "GOV"}
print("opened", dict(ds.sizes))
"""


@pytest.mark.subprocess
def test_cube_opens_with_plain_xarray(sample_data_dir):
    res = subprocess.run(
        [sys.executable, "-c", CODE, str(sample_data_dir / "city_ai_index.nc")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "opened" in res.stdout
