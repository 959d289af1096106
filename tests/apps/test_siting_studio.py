"""Siting Studio without a browser: set parameters, solve, and assert what the views show."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workbench.apps.siting_studio import SitingStudio, scenario_defaults, scenario_with

#: Central districts: a small study area that HiGHS solves in about a second.
AREA = ["310101", "310104", "310105", "310106", "310107", "310109"]
SMALL = {
    "area": AREA,
    "n_hub": 2,  # the scenario fixes the two published hubs (Lingang, Qingpu) open
    "n_edge": 6,
    "n_dc": 2,
    "budget_mcny": 3000.0,
    "time_limit": 30.0,
}


@pytest.fixture(scope="module")
def solved() -> SitingStudio:
    app = SitingStudio(**SMALL)
    app.solve()
    return app


def test_controls_start_from_the_scenario_file():
    app = SitingStudio(preload=False)
    scenario = app._inputs["scenario"]
    assert app.edge_latency_ms == scenario["latency_budget_ms"]["edge"]
    edge = scenario["sites_per_tier"]["edge"]  # a {min, max} range: the control starts at min
    assert app.n_edge == (edge["min"] if isinstance(edge, dict) else edge)
    assert app.budget_mcny == pytest.approx(float(scenario["budget_cny"]) / 1e6)
    assert app.plan is None
    assert app._map.object["mapStyle"] is None
    layers = [layer["id"] for layer in app._map.object["layers"]]
    assert layers == ["base"]  # no plan yet: districts, demand and candidates are one image


def test_settings_round_trip_into_the_scenario():
    app = SitingStudio(edge_latency_ms=7.5, carbon_price=200.0, n_dc=4)
    scenario = scenario_with(app._inputs["scenario"], app.settings())
    assert scenario["latency_budget_ms"]["edge"] == 7.5
    assert scenario["carbon_price_cny_per_t"] == 200.0
    assert scenario["sites_per_tier"]["dc"] == 4
    assert scenario_defaults(scenario)["edge_latency_ms"] == 7.5


def test_params_are_bounded():
    app = SitingStudio(preload=False)
    with pytest.raises(ValueError, match="n_hub"):
        app.n_hub = -1
    with pytest.raises(ValueError, match="edge_latency_ms"):
        app.edge_latency_ms = 1000.0


def test_solve_shows_status_plan_and_kpis(solved):
    app = solved
    assert app.plan is not None
    assert app.plan.status in {"optimal", "feasible"}
    assert app.plan.status in app.solver_status
    assert app.plan.status in app._status_md.object
    layers = [layer["id"] for layer in app._map.object["layers"]]
    assert layers == ["base", "assignment", "sites"]
    cards = app.plan.kpi_cards()
    assert set(cards) == {
        "coverage",
        "latency_p50",
        "latency_p95",
        "capex",
        "energy",
        "tpw",
        "carbon",
    }
    html = "".join(card.object for card in app._kpis.objects)
    assert cards["coverage"] in html
    # Every served demand point of the study area is assigned to an opened site.
    assert set(app.plan.assignment.unique()) <= set(app.plan.open_sites)
    assert set(app._site_table.value["id"]) == set(app.plan.open_sites)


def test_background_solve_and_kept_plans_compare():
    app = SitingStudio(**SMALL)
    app.solve_async().result(timeout=120)
    assert not app.busy
    first = app.keep_plan()
    app.n_edge = 3
    app.solve_async().result(timeout=120)
    app.keep_plan("fewer edges")
    table = app.comparison_table()
    assert list(table.index) == [first, "fewer edges"]
    assert table.loc["fewer edges", "setting:n_edge"] == 3
    assert table.loc["fewer edges", "n_edge"] <= 3
    assert list(app._compare_table.value.columns) == [first, "fewer edges"]  # side by side
    app.clear_plans()
    assert app.n_kept == 0


def test_selecting_a_site_on_the_map_updates_linked_views(solved):
    app = solved
    site = app.plan.open_sites[0]
    # the map's pickable sites are the opened ones (the other candidates are in its image)
    drawn = next(layer for layer in app._map.object["layers"] if layer["id"] == "sites")
    assert set(drawn["data"]["id"]) == set(map(str, app.plan.open_sites))
    index = int(np.flatnonzero(drawn["data"]["id"].to_numpy() == site)[0])
    app._map.click_state = {"layer": "sites", "index": index, "coordinate": [121.4, 31.2]}
    assert app.selected_site == site
    assert site in app._detail.object
    row = app._site_table.value.iloc[app._site_table.selection[0]]
    assert row["id"] == site
    sites_layer = next(layer for layer in app._map.object["layers"] if layer["id"] == "sites")
    rows = sites_layer["data"]  # one row of plain values per site, colours split in channels
    line = rows[["line_r", "line_g", "line_b", "line_a"]].to_numpy().tolist()
    highlighted = rows["id"][[c == [255, 200, 0, 255] for c in line]]
    assert highlighted.tolist() == [site]
    assert rows["id"].iloc[index] == site  # a click's index is the layer's row


def test_downloads_hold_the_plan(solved):
    app = solved
    gj = json.loads(app.plan_geodataframe().to_json())
    assert {f["properties"]["id"] for f in gj["features"]} == set(app.plan.open_sites)
    buttons = {b.filename: b for b in app._downloads}
    nc = buttons["siting_plan.nc"].callback()
    ds = xr.open_dataset(io.BytesIO(nc.getvalue()), engine="h5netcdf")
    assert set(ds["site"].to_numpy()) == set(app.plan.open_sites)
    csv = pd.read_csv(buttons["siting_assignment.csv"].callback(), encoding="utf-8-sig")
    assert len(csv) == len(app.plan.assignment)


def test_bad_input_becomes_a_readable_message_not_a_traceback():
    app = SitingStudio(area=["310151"], n_hub=0, n_edge=0, n_dc=0, time_limit=5.0)
    app.solve_async().result(timeout=60)
    assert app.plan is None
    assert app.status.alert.visible
    assert "Traceback" not in app.status.message
    assert app.status.message


def test_keep_before_solve_explains_what_to_do():
    app = SitingStudio(preload=False)
    with pytest.raises(Exception, match="press Solve first"):
        app.keep_plan()


def test_language_switch_relabels():
    app = SitingStudio(language="zh", preload=False)
    assert "算力选址" in app._title.object
    assert app._solve_button.name == "求解"
    app.language = "en"
    assert app._solve_button.name == "Solve"
