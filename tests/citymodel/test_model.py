"""Runs of the city model: every mechanism x scenario on the Shanghai sample, invariants."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from workbench.citymodel import CityModel, run, scenario_registry
from workbench.citymodel.claims import CLASSES
from workbench.citymodel.mechanisms import NoCoordination

MECHANISMS = ["none", "priority", "lp", "market", "contract_net", "drf"]
SCENARIOS = [
    "baseline",
    "heatwave",
    "new_factory",
    "carbon_price",
    "hub_outage",
    "esports_final",
    "priority_policy",
]
HOURS = 24


def check_conservation(ds: xr.Dataset) -> None:
    tol = 1e-6
    served = ds["power_served_kw"]
    supply = ds["feeder_capacity_kw"] + ds["pv_kw"] + ds["battery_discharge_kw"]
    assert bool((served <= supply * (1 + tol) + tol).all()), "power served above supply"
    assert bool((ds["grid_import_kw"] <= ds["feeder_capacity_kw"] * (1 + tol) + tol).all())
    assert bool((ds["battery_soc_kwh"] >= -tol).all())
    tok = ds["node_tokens_served"]
    assert bool((tok <= ds["node_tokens_capacity"] * (1 + tol) + tol).all()), (
        "tokens above capacity"
    )
    assert bool((ds["link_flow"] <= 6000.0 * (1 + tol)).all())
    assert bool((ds["interactive_served"] <= ds["interactive_requested"] * (1 + tol) + tol).all())


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_every_mechanism_and_scenario_runs_on_the_shanghai_sample(
    scenario, mechanism, shanghai_space, shanghai_plan
):
    model = CityModel(
        scenario,
        mechanism,
        seed=3,
        hours=HOURS,
        plan=shanghai_plan,
        space=shanghai_space,
        n_units=800,
    )
    model.run()
    from workbench.citymodel.result import build_dataset

    ds = build_dataset(model)
    check_conservation(ds)
    assert ds.sizes["district"] == 16
    assert ds.attrs["scenario"] == scenario
    assert ds.attrs["mechanism"] == mechanism
    log = model.orchestrator.log.to_dataframe()
    assert set(log["kind"].astype(str)) >= {"road", "compute", "power"}
    assert (log["granted"] <= log["requested"] * (1 + 1e-5) + 1e-3).all()


def test_shipped_scenarios_are_all_tested():
    assert set(scenario_registry().names()) >= set(SCENARIOS)


def test_priority_claims_are_honoured_in_a_run(shanghai_space, shanghai_plan):
    model = CityModel(
        "heatwave",
        "priority",
        seed=5,
        hours=48,
        plan=shanghai_plan,
        space=shanghai_space,
        n_units=800,
    )
    model.run()
    log = model.orchestrator.log.to_dataframe()
    em = log[log["class"] == "emergency"]
    assert len(em) > 0
    assert (em["outcome"] == "full").all()


def test_lp_never_worse_than_baseline_on_its_objective_each_step(shanghai_space, shanghai_plan):
    model = CityModel(
        "heatwave", "lp", seed=2, hours=24, plan=shanghai_plan, space=shanghai_space, n_units=800
    )
    base = NoCoordination()
    for _ in range(24):
        model.step()
        for cs, alloc in model.last_alloc.values():
            ref = base.allocate(cs)
            assert cs.objective(alloc.row) >= cs.objective(ref.row) * (1 - 1e-6) - 1e-6


def _ds(scenario, mechanism, seed, space, plan, hours=24):
    model = CityModel(
        scenario, mechanism, seed=seed, hours=hours, plan=plan, space=space, n_units=600
    )
    model.run()
    from workbench.citymodel.result import build_dataset

    return build_dataset(model)


def test_runs_are_bit_identical_for_a_seed_and_differ_across_seeds(shanghai_space, shanghai_plan):
    a = _ds("esports_final", "market", 11, shanghai_space, shanghai_plan)
    b = _ds("esports_final", "market", 11, shanghai_space, shanghai_plan)
    xr.testing.assert_identical(a, b)
    c = _ds("esports_final", "market", 12, shanghai_space, shanghai_plan)
    assert not np.array_equal(a["interactive_requested"].values, c["interactive_requested"].values)


def test_common_random_numbers_across_scenarios_and_mechanisms(shanghai_space, shanghai_plan):
    base = _ds("baseline", "none", 4, shanghai_space, shanghai_plan)
    heat = _ds("heatwave", "none", 4, shanghai_space, shanghai_plan)
    # the heatwave starts at hour 12: before it, the two runs are the same draw for draw
    before = {"time": slice(0, 11)}
    xr.testing.assert_equal(
        base["interactive_requested"].isel(before), heat["interactive_requested"].isel(before)
    )
    assert not np.allclose(base["power_requested_kw"].values, heat["power_requested_kw"].values)
    lp = _ds("baseline", "lp", 4, shanghai_space, shanghai_plan)
    np.testing.assert_array_equal(
        base["interactive_requested"].values[0], lp["interactive_requested"].values[0]
    )


def test_scenarios_change_what_they_should(shanghai_space, shanghai_plan):
    base = _ds("baseline", "priority", 1, shanghai_space, shanghai_plan)
    out = _ds("hub_outage", "priority", 1, shanghai_space, shanghai_plan)
    hours = slice(9, 16)
    cap_b = base["node_tokens_capacity"].isel(time=hours).sum()
    cap_o = out["node_tokens_capacity"].isel(time=hours).sum()
    assert float(cap_o) < float(cap_b)
    fac = _ds("new_factory", "priority", 1, shanghai_space, shanghai_plan)
    j = {"district": "310114"}
    assert float(fac["power_requested_kw"].sel(j).sum()) > float(
        base["power_requested_kw"].sel(j).sum()
    )
    heat = _ds("heatwave", "none", 1, shanghai_space, shanghai_plan)
    assert float(heat["pv_kw"].isel(time=slice(12, 24)).sum()) < float(
        base["pv_kw"].isel(time=slice(12, 24)).sum()
    )


def test_run_result_kpis_ratios_and_netcdf(tmp_path, shanghai_space, shanghai_plan):
    res = run(
        "heatwave",
        "priority",
        seed=1,
        hours=24,
        plan=shanghai_plan,
        space=shanghai_space,
        n_units=600,
    )
    k = res.kpis
    assert {"value", "baseline_none", "ratio_to_none", "unit", "better"} <= set(k.columns)
    for name in (
        "energy_cost_cny",
        "carbon_t",
        "peak_demand_mw",
        "ramping_mw",
        "load_factor",
        "unserved_energy_mwh",
        "interactive_budget_met",
        "interactive_latency_p95_ms",
        "batch_completed",
        "tokens_per_watt",
        "utilisation",
        "deliveries_on_time",
        "emergency_response_min",
    ):
        assert name in k.index
    assert k.loc["peak_demand_mw", "ratio_to_none"] == pytest.approx(
        k.loc["peak_demand_mw", "value"] / k.loc["peak_demand_mw", "baseline_none"]
    )
    path = res.to_netcdf(tmp_path / "run.nc")
    back = xr.open_dataset(path, engine="h5netcdf")
    assert back.attrs["scenario"] == "heatwave"
    assert back.attrs["mechanism"] == "priority"
    assert back.attrs["seed"] == 1
    assert "mesa_version" in back.attrs
    assert "kpis" in back.attrs
    back.close()
    df = res.decisions.to_dataframe()
    assert list(df.columns[:8]) == [
        "step",
        "kind",
        "claimant",
        "class",
        "requested",
        "granted",
        "price",
        "basis",
    ]
    with pytest.raises(AttributeError):
        res.seed = 2  # frozen


def test_none_run_has_ratio_one(shanghai_space, shanghai_plan):
    res = run(
        "baseline", "none", seed=0, hours=12, plan=shanghai_plan, space=shanghai_space, n_units=300
    )
    finite = res.kpis["ratio_to_none"].dropna()
    assert np.allclose(finite, 1.0)


def test_synthetic_city_with_island_and_user_plan(toy_kw):
    res = run("baseline", "lp", seed=0, hours=12, **toy_kw)
    assert res.dataset.sizes["district"] == 5
    assert res.dataset.sizes["node"] == 4
    from workbench.citymodel import build_space

    space = build_space(toy_kw["districts"])
    assert "bridge" in space.link_kind  # the island is joined to its nearest district
    assert CLASSES[0] == "emergency"


def test_a_plugin_agent_takes_part_in_the_coordination(toy_kw):
    from workbench.citymodel import CityAgent
    from workbench.citymodel.claims import ClaimBatch

    class DataCentreCooler(CityAgent):
        """A plugin agent: asks for 50 kW of essential power in the first district."""

        def step(self):
            self.got = None

        def claims(self, kind, t):
            if kind != "power":
                return None
            return ClaimBatch.simple(["cooler"], CLASSES.index("essential"), [50.0], [0])

        def receive(self, kind, t, granted, price):
            self.got = float(granted[0])

    model = CityModel(
        "baseline", "priority", seed=0, hours=3, extra_agents=(DataCentreCooler,), **toy_kw
    )
    model.run()
    cooler = next(a for a in model.agents if isinstance(a, DataCentreCooler))
    assert cooler.got == pytest.approx(50.0)
    log = model.orchestrator.log.to_dataframe()
    assert (log["claimant"] == "cooler").sum() == 3


@pytest.fixture(scope="module")
def siting_plan(test_data):
    import geopandas as gpd

    return gpd.read_file(test_data / "citymodel" / "shanghai_siting_plan.geojson")


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_every_mechanism_runs_with_the_siting_engines_plan(mechanism, siting_plan, shanghai_space):
    model = CityModel(
        "hub_outage",
        mechanism,
        seed=1,
        hours=HOURS,
        plan=siting_plan,
        space=shanghai_space,
        n_units=600,
    )
    model.run()
    from workbench.citymodel.result import build_dataset

    ds = build_dataset(model)
    check_conservation(ds)
    assert list(ds["node"].values) == list(siting_plan["id"])


def test_mesa_structure_nodes_and_grids_sit_in_district_cells(toy_kw):
    from workbench.citymodel.agents import ComputeNode, GridAgent

    model = CityModel("baseline", "none", seed=0, hours=2, **toy_kw)
    nodes = model.agents_by_type[ComputeNode]
    assert len(nodes) == 4
    assert len(model.agents_by_type[GridAgent]) == 5
    hub_cell = model.grid_space[0]
    assert any(isinstance(a, ComputeNode) and a.node_id == "H1" for a in hub_cell.agents)
    model.run()
    util = nodes.agg("utilisation", max)
    assert 0.0 <= util <= 1.0 + 1e-9


def test_decision_log_summary(toy_kw):
    res = run("baseline", "market", seed=0, hours=6, **toy_kw)
    summ = res.decisions.summary()
    assert {"claims", "requested", "granted", "denied", "partial", "share_granted"} <= set(
        summ.columns
    )
    assert (summ["share_granted"].dropna() <= 1 + 1e-6).all()
    assert summ["claims"].sum() == len(res.decisions)


def test_compare_runs_a_scenario_under_mechanisms_with_one_baseline(toy_kw):
    from workbench.citymodel import compare

    table = compare(
        scenario="carbon_price", mechanisms=["none", "priority", "drf"], seed=2, hours=6, **toy_kw
    )
    assert set(table["mechanism"]) == {"none", "priority", "drf"}
    none = table[table["mechanism"] == "none"]
    assert np.allclose(none["ratio_to_none"].dropna(), 1.0)
    again = compare([run("carbon_price", "none", seed=2, hours=6, **toy_kw)])
    assert len(again) == len(none)


@pytest.mark.parametrize(("mechanism", "fraction"), [("priority", 1.0), ("lp", 0.6)])
def test_feeder_outage_cuts_power_in_its_district_only(
    mechanism, fraction, shanghai_space, shanghai_plan
):
    start, hours, code = 9, 6, "310101"  # Huangpu, 09:00-15:00
    event = {
        "type": "feeder_outage",
        "district": "Huangpu",
        "start_hour": start,
        "duration_hours": hours,
        "fraction": fraction,
    }
    out = _ds({"name": "blackout", "events": [event]}, mechanism, 6, shanghai_space, shanghai_plan)
    base = _ds("baseline", mechanism, 6, shanghai_space, shanghai_plan)
    check_conservation(out)
    during = {"time": slice(start, start + hours - 1), "district": code}  # labels: inclusive
    cap_b = base["feeder_capacity_kw"].sel(during)
    cap_o = out["feeder_capacity_kw"].sel(during)
    np.testing.assert_allclose(cap_o, cap_b * (1 - fraction))
    # the district's feeder carries no more than what is left of it
    assert bool((out["grid_import_kw"].sel(during) <= cap_o + 1e-6).all())
    served_b = float(base["power_served_kw"].sel(during).sum())
    served_o = float(out["power_served_kw"].sel(during).sum())
    assert served_o < served_b
    assert float(out["unserved_power_kw"].sel(during).sum()) > 0
    # before the outage the runs are identical (common random numbers, no event yet)
    before = {"time": slice(0, start)}
    xr.testing.assert_equal(
        base["power_served_kw"].isel(before), out["power_served_kw"].isel(before)
    )
    # other districts keep their whole feeder
    others = out["feeder_capacity_kw"].drop_sel(district=code)
    np.testing.assert_array_equal(others, base["feeder_capacity_kw"].drop_sel(district=code))
