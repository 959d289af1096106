"""Tests of the heat-stress agent and the heatwave-with-blackout scenario."""

from __future__ import annotations

import numpy as np
import pytest
from workbench.citymodel import CityModel, Scenario, get_scenario
from workbench.citymodel.result import build_dataset
from workbench.errors import SpecError

from workbench_heatstress import HEATWAVE_BLACKOUT, SCENARIO_YAML, HeatStressAgent, attach

HOURS = 48


def run_model(scenario, mechanism="priority", with_agent=True):
    model = CityModel(scenario, mechanism, seed=3, hours=HOURS, n_units=200)
    agent = attach(model) if with_agent else None
    for _ in range(HOURS):
        model.step()
    return model, agent


def test_scenario_has_heatwave_and_blackout():
    sc = get_scenario(SCENARIO_YAML)
    assert sc == HEATWAVE_BLACKOUT
    assert [e["type"] for e in sc.events] == ["heatwave", "feeder_outage"]
    assert "feeder" in sc.description
    assert "hub" not in sc.description


def test_blackout_cuts_the_feeders_and_raises_heat_stress_there():
    heat_only = Scenario("heatwave_only", events=HEATWAVE_BLACKOUT.events[:1])
    out_model, _ = run_model(HEATWAVE_BLACKOUT)
    ref_model, _ = run_model(heat_only)
    out, ref = build_dataset(out_model), build_dataset(ref_model)
    dark = ["310101", "310106"]  # Huangpu, Jing'an
    during = {"time": slice(37, HOURS - 1), "district": dark}  # outage from hour 37
    assert float(out["feeder_capacity_kw"].sel(during).max()) == 0.0
    assert float(out["grid_import_kw"].sel(during).max()) < 1e-6  # float rounding only
    assert float(out["power_served_kw"].sel(during).sum()) < float(
        ref["power_served_kw"].sel(during).sum()
    )
    # what is served never exceeds what PV and the batteries can give (conservation)
    supply = out["pv_kw"] + out["battery_discharge_kw"]
    assert bool((out["power_served_kw"].sel(during) <= supply.sel(during) + 1e-6).all())
    # less power for the cooling centres there, so more heat stress than the heatwave alone
    assert float(out["heat_stress_index"].sel(during).sum()) > float(
        ref["heat_stress_index"].sel(during).sum()
    )
    # other districts keep their feeders
    lit = out["feeder_capacity_kw"].drop_sel(district=dark)
    assert float(lit.min()) > 0.0
    # before the outage the two runs are the same hour for hour
    np.testing.assert_array_equal(
        out["power_served_kw"].isel(time=slice(0, 37)),
        ref["power_served_kw"].isel(time=slice(0, 37)),
    )


def test_agent_claims_power_only_in_the_heatwave_and_reports_stress():
    model, _ = run_model(HEATWAVE_BLACKOUT)
    ds = build_dataset(model)
    req = ds["cooling_centre_requested_kw"]
    served = ds["cooling_centre_served_kw"]
    stress = ds["heat_stress_index"]
    assert float(req.isel(time=slice(0, 12)).sum()) == 0.0  # before the heatwave (hour 12)
    assert float(req.isel(time=slice(12, HOURS)).min()) > 0.0
    assert bool((served <= req + 1e-6).all())
    assert float(stress.isel(time=slice(0, 12)).max()) == 0.0
    # stress is bounded by the heat (100 x excess) and lowered by what was served
    assert float(stress.max()) <= 100 * 0.6 + 1e-9
    heat = 100 * 0.6
    relieved = heat * (1 - served / req.where(req > 0))
    np.testing.assert_allclose(
        stress.isel(time=slice(12, HOURS)), relieved.isel(time=slice(12, HOURS))
    )
    # the agent's claims go through the orchestrator's decision log
    log = model.orchestrator.log.to_dataframe()
    assert log["claimant"].str.startswith("cooling_centre:").any()


def test_without_heat_there_is_no_claim():
    model, agent = run_model("baseline")
    assert agent is not None
    assert float(model.metrics["cooling_centre_requested_kw"].sum()) == 0.0
    assert float(model.metrics["heat_stress_index"].sum()) == 0.0


def test_same_seed_same_result():
    a, _ = run_model(HEATWAVE_BLACKOUT)
    b, _ = run_model(HEATWAVE_BLACKOUT)
    np.testing.assert_array_equal(a.metrics["heat_stress_index"], b.metrics["heat_stress_index"])


def test_bad_parameter_is_refused():
    model = CityModel("baseline", "none", seed=0, hours=2, n_units=50)
    with pytest.raises(SpecError, match=r"`kw_per_km2` must be a non-negative number"):
        HeatStressAgent(model, kw_per_km2=-1)


def test_agent_by_registry_name_through_the_model_hook():
    from workbench.citymodel import run

    res = run(
        HEATWAVE_BLACKOUT,
        "priority",
        seed=3,
        hours=HOURS,
        n_units=200,
        extra_agents=("heat_stress",),
    )
    ds = res.to_xarray()
    assert float(ds["cooling_centre_requested_kw"].isel(time=slice(12, HOURS)).min()) > 0
