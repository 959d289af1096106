"""Train a tiny emulator on real (short) city-model runs; predict, seek and refuse via the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from workbench import WorldModel
from workbench.cli import main


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny world model: 4 points x 2 seeds of 14-hour ``priority`` runs (serial)."""
    out = tmp_path_factory.mktemp("wm") / "tiny"
    code = main(
        [
            "worldmodel",
            "train",
            "--scenario",
            "heatwave",
            "--mechanism",
            "priority",
            "--runs",
            "8",
            "--seeds-per-point",
            "2",
            "--hours",
            "14",
            "--seed",
            "1",
            "--serial",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    return out


@pytest.mark.slow
def test_train_writes_model_runs_and_validation(tiny):
    assert {"model.json", "arrays.npz", "runs.csv", "validation.csv"} <= {
        p.name for p in tiny.iterdir()
    }
    runs = pd.read_csv(tiny / "runs.csv")
    assert len(runs) == 8
    assert runs["point"].nunique() == 4
    assert runs["seed"].nunique() == 8  # distinct seeds at every point
    # a Latin hypercube: every knob's values fall in distinct quarters of its range
    lo, hi = 0, 600
    quarters = ((runs.drop_duplicates("point")["carbon_price"] - lo) / (hi - lo) * 4).astype(int)
    assert sorted(quarters) == [0, 1, 2, 3]
    val = pd.read_csv(tiny / "validation.csv")
    assert {"kpi", "mae", "mape", "coverage_90"} <= set(val.columns)
    assert set(val["kpi"]) >= {"total_cost_cny", "carbon_t", "peak_demand_mw"}
    assert np.isfinite(val["mae"]).all()


@pytest.mark.slow
def test_predict_cli_json_and_python_agree(tiny, capsys):
    assert main(["worldmodel", "predict", str(tiny), "--set", "carbon_price=300", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    py = WorldModel.load(tiny).predict(carbon_price=300)
    assert cli.keys() == py.keys()
    for k in py:
        assert cli[k]["lo"] <= cli[k]["mean"] <= cli[k]["hi"]
        assert cli[k]["mean"] == pytest.approx(py[k]["mean"])


@pytest.mark.slow
def test_predict_cli_refuses_out_of_range_unknown_and_tampered(tiny, capsys, tmp_path):
    assert main(["worldmodel", "predict", str(tiny), "--set", "carbon_price=900"]) == 2
    assert "outside the trained range [0, 600]" in capsys.readouterr().err
    assert main(["worldmodel", "predict", str(tiny), "--set", "heat=1"]) == 2
    assert "Unknown knob 'heat'" in capsys.readouterr().err
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(tiny, bad)
    raw = bytearray((bad / "arrays.npz").read_bytes())
    raw[-40] ^= 0xFF
    (bad / "arrays.npz").write_bytes(bytes(raw))
    assert main(["worldmodel", "predict", str(bad)]) == 2
    assert "was modified after it was saved" in capsys.readouterr().err


@pytest.mark.slow
def test_seek_runs_the_full_model_at_the_answer(tiny, capsys):
    code = main(
        [
            "worldmodel",
            "seek",
            str(tiny),
            "--goal",
            "carbon_t <= 2 * baseline",
            "--vary",
            "carbon_price,battery_factor",
            "--minimise",
            "total_cost_cny",
            "--verify-seeds",
            "1",
            "--json",
        ]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert doc["reachable"], doc["message"]
    row = {r["kpi"]: r for r in doc["comparison"]}["total_cost_cny"]
    assert row["delivered_mean"] > 0  # the full model ran at the answer
    assert row["lo"] <= row["promised_mean"] <= row["hi"]
    assert isinstance(row["within_interval"], bool)
    assert isinstance(doc["goal_check"][0]["met_in_model"], bool)
    assert doc["settings"]["heat_intensity"] == 1.5  # knobs not varied keep their defaults


@pytest.mark.slow
def test_seek_cli_says_when_unreachable(tiny, capsys):
    code = main(
        [
            "worldmodel",
            "seek",
            str(tiny),
            "--goal",
            "carbon_t <= 0.01 * baseline",
            "--vary",
            "carbon_price",
            "--no-verify",
        ]
    )
    assert code == 1
    assert "goal not reachable within the knobs' ranges (carbon_price)" in capsys.readouterr().out


@pytest.mark.slow
def test_active_learning_adds_runs_where_the_emulator_is_least_certain(tmp_path):
    from workbench.worldmodel import train

    msgs: list[str] = []
    wm = train(
        "heatwave",
        "priority",
        runs=8,
        hours=14,
        seed=2,
        seeds_per_point=2,
        parallel=False,
        until_mape=1e-6,
        max_runs=12,
        out=tmp_path / "al",
        progress=msgs.append,
    )
    runs = pd.read_csv(tmp_path / "al" / "runs.csv")
    assert len(runs) == 12  # 8 initial runs + two batches of one point x 2 seeds
    assert wm.info["runs"] == 12
    assert runs["seed"].nunique() == 12
    assert any("stopping at --max-runs 12" in m for m in msgs)
    # the added points are new settings, not repeats of the design
    knobs = list(wm.knobs)
    assert len(runs.drop_duplicates(knobs)) == 6


@pytest.mark.slow
def test_train_fits_and_validates_the_hourly_trajectories(tiny):
    from workbench import dims

    val = pd.read_csv(tiny / "validation_trajectory.csv")
    assert set(val["metric"]) == {"city_load_mw", "district_peak_mw"}
    assert (val["hours"] == 14).all()
    assert np.isfinite(val[["mae_mw", "mape", "coverage_90"]]).all().all()
    wm = WorldModel.load(tiny)
    ds = wm.predict_trajectory(carbon_price=300)
    assert ds.sizes[dims.TIME] == 14
    # the emulated city load lies within the span of the training runs' curves
    curves = wm.trajectory.curves["city_load_mw"]
    mean = ds["mean"].sel({dims.METRIC: "city_load_mw"}).to_numpy()
    assert np.all(mean >= 0.8 * curves.min(0))
    assert np.all(mean <= 1.2 * curves.max(0))
    # and every district's peak is below the city's load
    peak = ds["mean"].sel({dims.METRIC: "district_peak_mw"}).to_numpy()
    assert np.all(peak < mean)


@pytest.mark.slow
def test_predict_cli_prints_the_hourly_curves(tiny, capsys):
    assert main(["worldmodel", "predict", str(tiny), "--trajectory", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"city_load_mw_mean", "city_load_mw_lo", "district_peak_mw_hi"} <= set(doc)
    assert len(doc["city_load_mw_mean"]) == 14
