"""Hourly trajectory emulator on SYNTHETIC curves (known functions of the knobs; fast)."""

from __future__ import annotations

import numpy as np
import pytest

from workbench import dims
from workbench.errors import SpecError
from workbench.worldmodel import WorldModel
from workbench.worldmodel.trajectory import (
    calibrate_trajectories,
    fit_trajectories,
    validate_trajectories,
)

HOURS = 24


def synthetic_curves(x: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """SYNTHETIC hourly curves: a daily cycle whose level and swing follow two knobs (+1% noise)."""
    t = np.arange(HOURS)
    rng = np.random.default_rng(seed)
    level = 300 + 80 * x[:, [0]] + 20 * x[:, [2]]
    swing = 40 + 60 * x[:, [1]]
    load = level + swing * np.sin(2 * np.pi * (t - 6) / 24)
    peak = 0.2 * load + 5 * x[:, [0]] * (t >= 12)
    noise = 1 + 0.01 * rng.standard_normal((2, *load.shape))
    return {"city_load_mw": load * noise[0], "district_peak_mw": peak * noise[1]}


@pytest.fixture(scope="module")
def emu():
    x = np.random.default_rng(1).random((60, 5))
    return fit_trajectories(x, synthetic_curves(x, seed=2))


def test_curves_are_reduced_to_few_components_and_predicted_on_held_out_settings(emu):
    assert set(emu.metrics) == {"city_load_mw", "district_peak_mw"}
    assert 1 <= emu.basis["city_load_mw"].shape[0] <= 5
    xh = np.random.default_rng(3).random((15, 5))
    held = synthetic_curves(xh, seed=4)
    val = validate_trajectories(emu, xh, held).set_index("metric")
    assert (val["hours"] == HOURS).all()
    assert val.loc["city_load_mw", "mape"] < 0.03  # the noise alone is 1%
    assert val.loc["city_load_mw", "explained"] > 0.97  # the rest is mostly the 1% noise
    scales = calibrate_trajectories(emu, xh, held)
    assert all(s >= 1.0 for s in scales.values())
    emu.interval_scale = scales
    try:
        cov = validate_trajectories(emu, xh, held)["coverage_90"]
        assert (cov >= 0.85).all()
    finally:
        emu.interval_scale = {}


def test_predicted_curves_follow_the_knobs(emu):
    lo_knob, hi_knob = np.zeros((1, 5)), np.zeros((1, 5))
    hi_knob[0, 0] = 1.0
    a = emu.predict(lo_knob)["city_load_mw"][0][0]
    b = emu.predict(hi_knob)["city_load_mw"][0][0]
    assert np.mean(b - a) == pytest.approx(80, rel=0.15)  # the synthetic level: +80 MW
    mean, lo, hi = emu.predict(hi_knob)["district_peak_mw"]
    assert mean.shape == (1, HOURS)
    assert np.all(lo <= mean)
    assert np.all(mean <= hi)


def test_bad_curves_are_refused():
    with pytest.raises(SpecError, match=r"one curve per run, an array of shape \(4, hours\)"):
        fit_trajectories(np.zeros((4, 2)), {"city_load_mw": np.zeros((3, 24))})


def test_world_model_predicts_saves_and_loads_trajectories(synthetic_wm, emu, tmp_path):
    from dataclasses import replace

    with pytest.raises(SpecError, match="has no trajectory emulator"):
        synthetic_wm.predict_trajectory()
    wm = replace(synthetic_wm, trajectory=emu, _gps={})
    ds = wm.predict_trajectory(heat_intensity=1.2)
    assert ds["mean"].dims == (dims.METRIC, dims.TIME)
    assert ds.sizes[dims.TIME] == HOURS
    assert list(ds[dims.METRIC].values) == ["city_load_mw", "district_peak_mw"]
    assert bool((ds["lo"] <= ds["hi"]).all())
    with pytest.raises(SpecError, match="outside the trained range"):
        wm.predict_trajectory(heat_intensity=5)
    back = WorldModel.load(wm.save(tmp_path / "m"))
    again = back.predict_trajectory(heat_intensity=1.2)
    np.testing.assert_allclose(again["mean"], ds["mean"], rtol=1e-9)
    np.testing.assert_allclose(again["hi"], ds["hi"], rtol=1e-9)
