"""Coordination Lab without a browser: set parameters, run, and assert what the views show."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import xarray as xr

from workbench.apps.coordination_lab import CoordinationLab
from workbench.citymodel import mechanism_registry, scenario_registry

HOURS = 16


@pytest.fixture(scope="module")
def lab() -> CoordinationLab:
    app = CoordinationLab(scenario="heatwave", mechanism="priority", seed=3, hours=HOURS)
    app.run()
    return app


def test_pickers_list_the_engine_registries():
    app = CoordinationLab(preload=False)
    assert app.param.scenario.objects == scenario_registry().names()
    assert app.param.mechanism.objects == mechanism_registry().names()
    assert app.result is None
    assert app._map.object["mapStyle"] is None


def test_unknown_names_are_refused_with_suggestions():
    with pytest.raises(Exception, match="Did you mean 'heatwave'"):
        CoordinationLab(scenario="heatwav")


def test_params_are_bounded():
    app = CoordinationLab()
    with pytest.raises(ValueError, match="hours"):
        app.hours = 10_000
    with pytest.raises(ValueError, match="seed"):
        app.seed = -1


def test_run_fills_map_load_kpis_and_log(lab):
    res = lab.result
    assert (res.scenario, res.mechanism, res.seed, res.hours) == ("heatwave", "priority", 3, HOURS)
    assert lab.progress == 100
    assert "done" in lab._progress_md.object
    kpis = lab._kpi_table.value
    assert {"kpi", "value", "baseline_none", "ratio_to_none"} <= set(kpis.columns)
    assert len(kpis) == len(res.kpis)
    assert lab.metric in lab.param.metric.objects
    assert lab._load.object is not None
    assert lab.param.hour.bounds == (0, HOURS - 1)
    fills = [f["properties"]["fill"] for f in lab._map.object["layers"][0]["data"]["features"]]
    assert len({tuple(f) for f in fills}) > 1  # coloured by the metric


def test_hour_and_metric_change_the_map_and_the_log(lab):
    lab.hour = 0
    before = [f["properties"]["value"] for f in lab._map.object["layers"][0]["data"]["features"]]
    log0 = lab._decisions.value
    assert set(log0["step"]) == {0}
    lab.hour = HOURS - 1
    after = [f["properties"]["value"] for f in lab._map.object["layers"][0]["data"]["features"]]
    assert before != after
    assert set(lab._decisions.value["step"]) == {HOURS - 1}
    lab.metric = "power_served_kw"
    assert "Power served (kW)" in lab._map_caption.object  # the metric in words, with its unit


def test_clicking_a_district_filters_linked_views(lab):
    codes = lab._districts["code"].astype(str).tolist()
    lab._map.click_state = {"layer": "districts", "index": 3, "coordinate": [121.4, 31.2]}
    assert lab.selected_district == codes[3]
    assert codes[3] in lab._decisions_md.object
    assert lab._decisions.value["claimant"].str.contains(codes[3]).all()
    fills, outlines = lab._map.object["layers"]
    assert [f["properties"]["selected"] for f in fills["data"]["features"]] == [
        code == codes[3] for code in codes
    ]
    # the bold outline is in the outlines' image: it changes with the selection
    before = outlines["image"]
    # A second click on the same district (a new event, elsewhere in it) clears the selection.
    lab._map.click_state = {"layer": "districts", "index": 3, "coordinate": [121.41, 31.21]}
    assert lab.selected_district == ""
    assert lab._map.object["layers"][1]["image"] != before


def test_background_run_with_progress_and_two_runs_compared():
    app = CoordinationLab(scenario="baseline", mechanism="none", seed=1, hours=4)
    app.run_async().result(timeout=300)
    assert app.progress == 100
    assert not app.busy
    app.keep_reference()
    app.mechanism = "lp"
    app.run_async().result(timeout=300)
    table = app.comparison()
    assert table.shape[1] >= 3
    assert "ratio" in table
    assert any(c.startswith("A: baseline/none") for c in table.columns)
    assert any(c.startswith("B: baseline/lp") for c in table.columns)
    assert app._compare_fig.object is not None


def test_downloads_hold_the_run(lab):
    buttons = {b.filename: b for b in lab._downloads}
    ds = xr.open_dataset(
        io.BytesIO(buttons["city_run.nc"].callback().getvalue()), engine="h5netcdf"
    )
    assert ds.attrs["mechanism"] == "priority"
    assert ds.sizes["time"] == HOURS
    kpis = pd.read_csv(buttons["city_kpis.csv"].callback(), encoding="utf-8-sig")
    assert "ratio_to_none" in kpis
    log = pd.read_csv(buttons["city_decisions.csv"].callback(), encoding="utf-8-sig")
    assert len(log) == len(lab.result.decisions.to_dataframe())
    gj = buttons["city_map.geojson"].callback().getvalue().decode("utf-8")
    assert f"{lab.metric}_h{lab.hour}" in gj


def test_keep_before_run_explains_what_to_do():
    with pytest.raises(Exception, match="press Run first"):
        CoordinationLab(preload=False).keep_reference()


def test_language_switch_relabels():
    app = CoordinationLab(language="zh")
    assert "协同实验室" in app._title.object
    assert app._run_button.label == "运行"


def test_engine_errors_show_as_a_notification_not_a_traceback():
    app = CoordinationLab(scenario="heatwave", mechanism="none", hours=2, preload=False)
    app.run_async().result(timeout=120)
    assert app.result is None
    assert not app.busy
    assert app.status.alert.visible
    assert "start_hour" in app.status.message
    assert "Traceback" not in app.status.message


def test_opens_with_a_finished_baseline_run_on_screen():
    app = CoordinationLab()
    assert app.result is not None
    # the run on screen is the one the controls show: lp against its no-coordination baseline
    assert (
        (app.result.scenario, app.result.mechanism)
        == (app.scenario, app.mechanism)
        == (
            "baseline",
            "lp",
        )
    )
    ratios = app.result.kpis["ratio_to_none"].astype(float)
    assert (ratios.dropna() != 1.0).any()
    assert len(app._kpi_table.value) == len(app.result.kpis)
    fills = [f["properties"]["fill"] for f in app._map.object["layers"][0]["data"]["features"]]
    assert len({tuple(f) for f in fills}) > 1
    assert app._prices_fig.object is not None
    assert "oracle" in app._gap_md.object


def test_market_run_shows_prices_payments_and_gap_to_oracle():
    app = CoordinationLab(mechanism="market", hours=6, preload=False)
    app.run()
    assert app._prices_fig.object is not None
    assert "payments settled" in app._gap_md.object
    pay = float(app.result.kpis.loc["payments_cny", "value"])
    assert pay > 0
    assert f"{pay:,.0f}" in app._gap_md.object
    parts = app._cost_table.value
    assert "gap_to_oracle (share)" in set(parts["part"])
    gap = float(app.result.kpis.loc["gap_to_oracle", "value"])
    assert gap >= 0
