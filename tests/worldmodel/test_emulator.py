"""Emulator: prediction, intervals, refusal paths, plain-array persistence and tampering."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from workbench import WorldModel
from workbench.errors import DataError, SpecError
from workbench.worldmodel import design, validate


def test_predict_is_close_to_the_surface_it_learned(synthetic_wm, heat_knobs, surface):
    pts = design(heat_knobs, 30, seed=99)
    val = validate(synthetic_wm, pd.concat([pts, surface(pts)], axis=1))
    assert (val["median_ape"] < 0.02).all(), val
    assert (val["coverage_90"] >= 0.8).all(), val


def test_predict_returns_mean_and_interval_for_every_kpi(synthetic_wm, surface):
    pred = synthetic_wm.predict(carbon_price=200, heat_intensity=1.8)
    assert set(pred) == set(synthetic_wm.kpis)
    for v in pred.values():
        assert v["lo"] < v["mean"] < v["hi"]
    exact = surface(pd.DataFrame([synthetic_wm.settings(carbon_price=200, heat_intensity=1.8)]))
    assert pred["carbon_t"]["mean"] == pytest.approx(exact["carbon_t"][0], rel=0.02)
    # a higher carbon price lowers carbon on the learned surface
    assert synthetic_wm.predict(carbon_price=600)["carbon_t"]["mean"] < pred["carbon_t"]["mean"]


def test_outside_the_trained_range_is_refused(synthetic_wm):
    with pytest.raises(SpecError, match=r"outside the trained range \[0, 600\].*extrapolate"):
        synthetic_wm.predict(carbon_price=601)


def test_unknown_knob_is_refused_with_did_you_mean(synthetic_wm):
    with pytest.raises(SpecError, match="Unknown knob 'carbon_prize'. Did you mean 'carbon_price'"):
        synthetic_wm.predict(carbon_prize=100)


def test_save_and_load_give_identical_predictions(synthetic_wm, tmp_path):
    synthetic_wm.save(tmp_path / "wm")
    wm2 = WorldModel.load(tmp_path / "wm")
    a = synthetic_wm.predict(battery_factor=2.5)
    b = wm2.predict(battery_factor=2.5)
    for k in a:
        assert b[k] == pytest.approx(a[k], rel=1e-9)
    with np.load(tmp_path / "wm" / "arrays.npz", allow_pickle=False) as z:
        assert set(z.files) == {"x", "y"}  # plain arrays, nothing to unpickle


def test_tampered_arrays_are_refused(synthetic_wm, tmp_path):
    folder = synthetic_wm.save(tmp_path / "wm")
    with np.load(folder / "arrays.npz") as z:
        x, y = z["x"], z["y"] * 1.1
    np.savez(folder / "arrays.npz", x=x, y=y)
    with pytest.raises(DataError, match="arrays.npz' was modified after it was saved"):
        WorldModel.load(folder)


def test_tampered_json_is_refused(synthetic_wm, tmp_path):
    folder = synthetic_wm.save(tmp_path / "wm")
    meta = json.loads((folder / "model.json").read_text())
    meta["knobs"]["carbon_price"]["max"] = 5000  # widen a range by hand
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(DataError, match="model.json' was modified after it was saved"):
        WorldModel.load(folder)


def test_missing_or_foreign_files_are_refused(tmp_path):
    with pytest.raises(DataError, match="must hold model.json and arrays.npz"):
        WorldModel.load(tmp_path)
    (tmp_path / "model.json").write_text('{"format": "other"}')
    np.savez(tmp_path / "arrays.npz", x=np.zeros(1))
    with pytest.raises(DataError, match="has format 'other'"):
        WorldModel.load(tmp_path)


def test_a_heatwave_longer_than_the_run_is_one_input(synthetic_runs, heat_knobs):
    """The heatwave starts at hour 12: in a 48 h run it lasts at most 36 h inside the run."""
    from workbench.citymodel import get_scenario
    from workbench.worldmodel import design, fit_worldmodel
    from workbench.worldmodel.training import scenario_knobs

    knobs = scenario_knobs(get_scenario("heatwave"), 48)
    assert knobs["heat_duration_h"]["effective_max"] == 36.0
    assert "effective_max" not in knobs["carbon_price"]
    assert "effective_max" not in scenario_knobs(get_scenario("heatwave"), 168)["heat_duration_h"]
    pts = design(knobs, 50, seed=0)
    assert pts["heat_duration_h"].max() <= 36.0
    assert pts["heat_duration_h"].min() >= 12.0
    wm = fit_worldmodel(
        synthetic_runs,
        scenario="heatwave",
        mechanism="lp",
        hours=48,
        knobs=knobs,
        kpis=("carbon_t",),
    )
    assert wm.effective_range("heat_duration_h") == (12.0, 36.0)
    at_36 = wm.predict(heat_duration_h=36)["carbon_t"]
    assert wm.predict(heat_duration_h=72)["carbon_t"] == at_36
    assert wm.predict(heat_duration_h=20)["carbon_t"] != at_36
    # the declared range still bounds what may be asked
    import pytest

    from workbench.errors import SpecError

    with pytest.raises(SpecError, match=r"outside the trained range \[12, 72\]"):
        wm.predict(heat_duration_h=80)
