"""The ``workbench index`` command."""

from __future__ import annotations

import pandas as pd

from workbench.cli import main

from .conftest import make_panel


def test_run_netcdf_cube_with_year(tmp_path):
    cube = make_panel()
    p = tmp_path / "cube.nc"
    cube.to_netcdf(p, engine="h5netcdf")
    out = tmp_path / "out.csv"
    assert main(["index", "run", str(p), "--year", "2021", "--out", str(out), "--tiers",
                 "--netcdf", str(tmp_path / "res.nc")]) == 0  # fmt: skip
    t = pd.read_csv(out)
    assert list(t.columns) == ["code", "IDX", "B", "A", "rank", "tier"]
    assert sorted(t["rank"]) == list(range(1, 13))
    assert (tmp_path / "res.nc").exists()


def test_uncertainty_and_profile(asem_paths, coinr_spec_path, tmp_path, capsys):
    idata, imeta = asem_paths
    spec = tmp_path / "s.yaml"
    spec.write_text(coinr_spec_path.read_text().replace("[0, 100]", "[1, 100]"))
    out = tmp_path / "u.csv"
    args = ["--meta", str(imeta), "--spec", str(spec)]
    opts = ["--draws", "200", "--seed", "1", "--aggregations", "arithmetic", "geometric"]
    code = main(["index", "uncertainty", str(idata), *args, *opts, "--sobol", "--out", str(out)])
    assert code == 0
    u = pd.read_csv(out)
    assert {"code", "nominal_rank", "mean_rank", "p_Leading"} <= set(u.columns)
    assert "aggregation" in capsys.readouterr().err
    assert main(["index", "profile", "HRV", str(idata), *args, "--path", "--cap", "15"]) == 0
    text = capsys.readouterr().out
    assert "HRV" in text
    assert "strengths" in text
