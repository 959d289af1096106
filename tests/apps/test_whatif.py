"""Instant what-if pane (no browser): sliders drive the emulator, verify and seek run the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.apps.whatif import WhatIfPane
from workbench.citymodel import get_scenario
from workbench.viz.worldmodel import whatif_columns, whatif_figure
from workbench.worldmodel import design, fit_worldmodel

KPIS = ("total_cost_cny", "carbon_t")


@pytest.fixture(scope="module")
def wm():
    """SYNTHETIC surfaces over the heatwave knobs (not model output), 14 h priority runs."""
    knobs = {
        k: {kk: v for kk, v in i.items() if kk != "sets"}
        for k, i in get_scenario("heatwave").knob_info.items()
    }
    pts = design(knobs, 30, seed=1)
    y = pd.DataFrame(
        {
            "total_cost_cny": 1e6 * (3 + pts["heat_intensity"] + 0.001 * pts["carbon_price"]),
            "carbon_t": 800 - 0.3 * pts["carbon_price"] + 50 * pts["heat_intensity"],
        }
    )
    runs = pd.concat([pts, y], axis=1)
    return fit_worldmodel(
        runs, scenario="heatwave", mechanism="priority", hours=14, knobs=knobs, kpis=KPIS
    )


def test_columns_are_relative_to_the_scenario_as_written(wm):
    base = wm.predict()
    cols = whatif_columns(wm.predict(carbon_price=600), base, {"carbon_t": 500.0})
    i = cols["kpi"].index("carbon_t")
    assert cols["mean"][i] < 1 < whatif_columns(base, base)["hi"][i]
    assert cols["model"][i] == pytest.approx(500.0 / base["carbon_t"]["mean"])
    assert np.isnan(cols["model"][cols["kpi"].index("total_cost_cny")])
    fig = whatif_figure(cols)
    assert fig.select_one({"name": "whatif"}).data["kpi"] == list(KPIS)


def test_sliders_move_the_answer_at_once(wm):
    pane = WhatIfPane(model=wm)
    before = pane.table().set_index("kpi").loc["carbon_t", "mean"]
    pane.set_knobs(carbon_price=500)
    after = pane.table().set_index("kpi").loc["carbon_t", "mean"]
    assert after < before - 100  # the synthetic surface: -0.3 t per CNY/t
    src = pane._fig.select_one({"name": "whatif"})  # noqa: SLF001
    assert src.data["mean"][src.data["kpi"].index("carbon_t")] < 1


@pytest.mark.slow
def test_verify_runs_the_full_model_at_the_sliders_setting(wm):
    pane = WhatIfPane(model=wm)
    pane.set_knobs(carbon_price=300)
    delivered = pane.verify()
    assert set(delivered) == set(KPIS)
    assert delivered["total_cost_cny"] > 0
    pane._show_verify(delivered)  # noqa: SLF001
    t = pane.table()
    assert t["full_model"].notna().all()
    assert "inside the emulator's 90% interval" in pane._message.object  # noqa: SLF001


def test_missing_model_is_explained_not_raised(tmp_path):
    pane = WhatIfPane(model=tmp_path)
    assert "No world model loaded" in pane._message.object  # noqa: SLF001
    assert "build_worldmodel.py" in pane._message.object  # noqa: SLF001


def test_hourly_curves_follow_the_sliders_when_the_model_has_them(wm):
    from dataclasses import replace

    from workbench.worldmodel.trajectory import fit_trajectories

    # SYNTHETIC curves: the city load's level rises with the carbon price's scaled value
    t = np.arange(12)
    level = 300 + 100 * wm.x[:, [2]]  # column 2 is carbon_price in the heatwave's knob order
    load = level + 30 * np.sin(2 * np.pi * t / 24)
    emu = fit_trajectories(wm.x, {"city_load_mw": load, "district_peak_mw": 0.2 * load})
    pane = WhatIfPane(model=replace(wm, trajectory=emu, _gps={}))
    src = pane._traj_src  # noqa: SLF001
    assert src is not None
    before = np.mean(src.data["city_load_mw"])
    pane.set_knobs(carbon_price=600)
    after = np.mean(src.data["city_load_mw"])
    assert after > before + 50
    assert len(src.data["time"]) == 12
    assert all(
        lo <= m <= hi
        for lo, m, hi in zip(
            src.data["city_load_mw_lo"],
            src.data["city_load_mw"],
            src.data["city_load_mw_hi"],
            strict=True,
        )
    )


def test_no_hourly_chart_without_a_trajectory_emulator(wm):
    assert WhatIfPane(model=wm)._traj_src is None  # noqa: SLF001
