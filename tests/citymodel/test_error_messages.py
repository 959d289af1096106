"""Every bad input names the argument, the rule, what was received and the fix."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.citymodel import CityModel, Scenario, get_mechanism, get_scenario
from workbench.citymodel.inputs import nodes_from_plan
from workbench.errors import DataError, SchemaError, SpecError


def _model(scenario, space, plan, hours=24):
    return CityModel(scenario, "none", seed=0, hours=hours, plan=plan, space=space, n_units=50)


def test_unknown_event_type_suggests_close_name():
    with pytest.raises(
        SpecError, match=r"Unknown event type 'heatwaves'\. Did you mean 'heatwave'\?"
    ):
        Scenario.from_dict({"name": "x", "events": [{"type": "heatwaves", "start_hour": 1}]})


def test_unknown_event_key_suggests_close_name():
    ev = {"type": "heatwave", "start_hour": 1, "duration_hours": 2, "pv_factr": 0.5}
    with pytest.raises(
        SpecError, match=r"Unknown event key 'pv_factr'\. Did you mean 'pv_factor'\?"
    ):
        Scenario.from_dict({"name": "x", "events": [ev]})


def test_negative_hour_is_refused():
    ev = {"type": "hub_outage", "start_hour": -3, "duration_hours": 2}
    with pytest.raises(SpecError, match=r"'start_hour' must be >= 0; got -3"):
        Scenario.from_dict({"name": "x", "events": [ev]})


def test_hour_beyond_the_run_is_refused(shanghai_space, shanghai_plan):
    sc = {
        "name": "late",
        "events": [{"type": "hub_outage", "start_hour": 100, "duration_hours": 2}],
    }
    with pytest.raises(
        SpecError, match=r"'start_hour' must be within the run \(0\.\.23 for hours=24\); got 100"
    ):
        _model(sc, shanghai_space, shanghai_plan)


def test_hour_of_wrong_type_is_refused():
    ev = {"type": "carbon_price", "start_hour": "noon", "cny_per_t": 100}
    with pytest.raises(SpecError, match=r"'start_hour' must be .* \(int\); got 'noon'"):
        Scenario.from_dict({"name": "x", "events": [ev]})


def test_feeder_outage_fraction_out_of_range_is_refused():
    ev = {
        "type": "feeder_outage",
        "district": "Huangpu",
        "start_hour": 1,
        "duration_hours": 2,
        "fraction": 1.5,
    }
    with pytest.raises(SpecError, match=r"'fraction' .* must be in \(0, 1\]; got 1\.5"):
        Scenario.from_dict({"name": "x", "events": [ev]})


def test_feeder_outage_unknown_district_suggests_close_name(shanghai_space, shanghai_plan):
    ev = {"type": "feeder_outage", "district": "Huangpo", "start_hour": 1, "duration_hours": 2}
    with pytest.raises(SpecError, match=r"\(feeder_outage\).*'Huangpo'\. Did you mean 'Huangpu'"):
        _model({"name": "x", "events": [ev]}, shanghai_space, shanghai_plan)


def test_missing_required_key_is_named():
    with pytest.raises(SpecError, match=r"'cny_per_t' .* is required"):
        Scenario.from_dict({"name": "x", "events": [{"type": "carbon_price"}]})


def test_unknown_district_suggests_close_name(shanghai_space, shanghai_plan):
    sc = {
        "name": "f",
        "events": [{"type": "new_factory", "district": "Jiadin", "start_hour": 1, "load_kw": 10}],
    }
    with pytest.raises(SpecError, match=r"Unknown district .* 'Jiadin'\. Did you mean 'Jiading'\?"):
        _model(sc, shanghai_space, shanghai_plan)


def test_unknown_node_suggests_close_name(shanghai_space, shanghai_plan):
    node = shanghai_plan["id"].iloc[0]
    sc = {
        "name": "o",
        "events": [
            {"type": "hub_outage", "node": node + "x", "start_hour": 1, "duration_hours": 1}
        ],
    }
    with pytest.raises(SpecError, match=rf"Unknown node '{node}x'\. Did you mean '{node}'"):
        _model(sc, shanghai_space, shanghai_plan)


def test_unknown_claim_class_in_policy():
    ev = {"type": "priority_policy", "order": ["emergancy"]}
    with pytest.raises(
        SpecError, match=r"Unknown claim class 'emergancy'\. Did you mean 'emergency'\?"
    ):
        Scenario.from_dict({"name": "x", "events": [ev]})


def test_unknown_scenario_and_mechanism_names():
    with pytest.raises(SpecError, match=r"Unknown scenario 'heatwav'\. Did you mean 'heatwave'\?"):
        get_scenario("heatwav")
    with pytest.raises(
        SpecError, match=r"Unknown coordination mechanism 'lpp'\. Did you mean 'lp'"
    ):
        get_mechanism("lpp")


def test_missing_scenario_file(tmp_path):
    with pytest.raises(SpecError, match=r"Scenario file .*nope\.yaml' does not exist"):
        get_scenario(tmp_path / "nope.yaml")


def test_plan_missing_columns_and_bad_values(shanghai_space, shanghai_plan):
    with pytest.raises(SchemaError, match=r"`plan` is missing columns \['pue'\]"):
        nodes_from_plan(shanghai_plan.drop(columns=["pue"]), shanghai_space)
    bad = shanghai_plan.copy()
    bad.loc[bad.index[0], "capacity_tokens_per_s"] = -1
    with pytest.raises(DataError, match=r"'capacity_tokens_per_s' must be positive; row 0"):
        nodes_from_plan(bad, shanghai_space)
    bad = shanghai_plan.copy()
    bad["district"] = bad["district"].astype(str)
    bad.loc[bad.index[0], "district"] = "310199"
    with pytest.raises(DataError, match=r"`plan` row 0: Unknown district code '310199'"):
        nodes_from_plan(bad, shanghai_space)


def test_bad_hours_and_seed(shanghai_space, shanghai_plan):
    with pytest.raises(SpecError, match=r"`hours` must be a positive integer; got 0"):
        _model("baseline", shanghai_space, shanghai_plan, hours=0)
    with pytest.raises(SpecError, match=r"`seed` must be a non-negative integer; got -1"):
        CityModel("baseline", "none", seed=-1, hours=2, space=shanghai_space, plan=shanghai_plan)


def test_user_edges_with_unknown_district(toy_districts):
    from workbench.citymodel import build_space

    edges = pd.DataFrame({"from": ["A", "B"], "to": ["B", "Q"]})
    with pytest.raises(DataError, match=r"`edges` row 1: Unknown district code 'Q'"):
        build_space(toy_districts, edges)
    with pytest.raises(DataError, match=r"must connect every district"):
        build_space(toy_districts, pd.DataFrame({"from": ["A"], "to": ["B"]}))


def test_plan_file_errors_name_the_file_and_the_accepted_kinds(tmp_path):
    from workbench.citymodel.inputs import read_plan
    from workbench.errors import DataError

    with pytest.raises(DataError, match=r"`plan`: file .*nope\.csv' does not exist"):
        read_plan(tmp_path / "nope.csv")
    bad = tmp_path / "plan.xlsx"
    bad.write_text("x")
    with pytest.raises(DataError, match=r"unknown file type '\.xlsx'.*plan folder"):
        read_plan(bad)
    with pytest.raises(DataError, match="no plan_sites.geojson"):
        read_plan(tmp_path)


def test_horizon_and_demand_scale_must_be_positive():
    from workbench.citymodel import CityModel

    with pytest.raises(SpecError, match=r"`horizon` must be a positive integer.*got 0"):
        CityModel(mechanism="mpc", hours=2, n_units=10, horizon=0)
    with pytest.raises(SpecError, match=r"`demand_scale` must be a positive number.*got -1"):
        CityModel(hours=2, n_units=10, demand_scale=-1)
