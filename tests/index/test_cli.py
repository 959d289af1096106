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


SAMPLE = "sample_data/city_ai_index.nc"
SAMPLE_SPEC = "workbench/index/specs/city_ai_index.yaml"


def test_uncertainty_writes_the_sobol_table_and_notes_excluded_pairs(tmp_path, capsys):
    sob = tmp_path / "sobol.csv"
    code = main(
        ["index", "uncertainty", SAMPLE, "--spec", SAMPLE_SPEC, "--draws", "280", "--seed", "3",
         "--normalisations", "minmax", "zscore", "rank", "--aggregations", "arithmetic",
         "geometric", "--exclusion", "0.1", "--sobol-out", str(sob), "--target-width", "0.1",
         "--out", str(tmp_path / "u.csv")]
    )  # fmt: skip
    assert code == 0
    err = capsys.readouterr().err
    # the table printed keeps its header
    assert "factor" in err
    assert all(c in err for c in ("S1_lo", "S1_hi", "ST_lo", "ST_hi"))
    assert "note: excluded from the design: " in err
    assert "normalisation 'zscore' with aggregation 'geometric'" in err
    assert "draws needed for every interval narrower than 0.1" in err
    t = pd.read_csv(sob)
    assert list(t.columns) == ["factor", "S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi"]
    assert list(t["factor"]) == [
        "weights:IND",
        "weights:TEC",
        "weights:PUB",
        "weights:GOV",
        "exclusion",
        "normalisation x aggregation",
    ]
    # refused before any draw, naming the pair; nothing written
    sob2 = tmp_path / "refused.csv"
    code = main(
        ["index", "uncertainty", SAMPLE, "--draws", "100", "--normalisations", "minmax",
         "zscore", "--aggregations", "arithmetic", "geometric", "--incompatible", "refuse",
         "--sobol-out", str(sob2)]
    )  # fmt: skip
    assert code == 2
    assert "normalisation 'zscore' with aggregation 'geometric'" in capsys.readouterr().err
    assert not sob2.exists()


def test_profile_prints_the_path_timeline(capsys):
    code = main(
        ["index", "profile", "500000", SAMPLE, "--spec", SAMPLE_SPEC, "--target-year", "2030"]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "500000: Dynamic in 2025 -> Leading (target 2030" in out
    assert "can reach Leading by 2030 at observed rates" in out
    assert "  2030 " in out
    assert "on top of the city's trend" in out
    code = main(
        ["index", "profile", "460200", SAMPLE, "--spec", SAMPLE_SPEC, "--target-year", "2027",
         "--target-tier", "Leading"]
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "Leading not reachable by 2027 at observed rates; reachable by 2028" in out
