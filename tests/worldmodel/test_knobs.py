"""Scenario knobs: YAML parsing, mapping onto events/model arguments, refusals, CLI."""

from __future__ import annotations

import json

import pytest

from workbench.citymodel import get_scenario, scenario_registry
from workbench.citymodel.knobs import apply_knobs, parse_settings
from workbench.cli import main
from workbench.errors import SpecError

KEYS = {"unit", "min", "max", "default", "sets", "description"}


def test_every_shipped_scenario_declares_knobs_with_ranges():
    for name in [
        "baseline",
        "carbon_price",
        "esports_final",
        "heatwave",
        "hub_outage",
        "new_factory",
        "priority_policy",
    ]:
        info = get_scenario(name).knob_info
        assert info, name
        for k in info.values():
            assert set(k) == KEYS
            assert k["min"] <= k["default"] <= k["max"]
    assert "heatwave" in scenario_registry().names()


def test_knobs_set_event_keys_and_model_arguments():
    sc = get_scenario("heatwave").with_knobs(
        heat_intensity=1.8,
        heat_duration_h=30.4,
        carbon_price=250,
        demand_growth=1.2,
        battery_factor=2,
    )
    assert sc.events[0]["cooling_load_factor"] == 1.8
    assert sc.events[0]["duration_hours"] == 30  # integer keys are rounded
    assert sc.events[1]["cny_per_t"] == 250
    assert sc.events[2]["battery_factor"] == 2
    assert dict(sc.model_kw) == {"demand_scale": 1.2}
    assert get_scenario("heatwave").events[0]["cooling_load_factor"] == 1.5  # unchanged


def test_defaults_reproduce_the_scenario_as_written():
    sc = get_scenario("heatwave")
    d = {k: v["default"] for k, v in sc.knob_info.items()}
    assert apply_knobs(sc, d).events == sc.events


def test_unknown_knob_and_out_of_range_name_the_range():
    sc = get_scenario("heatwave")
    with pytest.raises(
        SpecError, match="Unknown knob 'heat_intensty'. Did you mean 'heat_intensity'"
    ):
        sc.with_knobs(heat_intensty=1.2)
    with pytest.raises(SpecError, match=r"'carbon_price' must be in \[0, 600\] CNY/t CO2; got 700"):
        sc.with_knobs(carbon_price=700)


@pytest.mark.parametrize(
    ("knobs", "match"),
    [
        (
            {"x": {"min": 0, "max": 1, "default": 0, "sets": "events[3].cny_per_t"}},
            "names event 3 but the scenario has 1 event",
        ),
        (
            {"x": {"min": 0, "max": 1, "default": 0, "sets": "events[0].cny_per_tonne"}},
            "Unknown key of a carbon_price event 'cny_per_tonne'. Did you mean 'cny_per_t'",
        ),
        (
            {"x": {"min": 2, "max": 1, "default": 1, "sets": "events[0].cny_per_t"}},
            "needs min < max",
        ),
        ({"x": {"min": 0, "max": 1, "sets": "events[0].cny_per_t"}}, "'default' is required"),
        (
            {"x": {"min": 0, "max": 1, "default": 0, "sets": "model.n_units"}},
            "Unknown model target 'n_units'",
        ),
        (
            {"x": {"min": 0, "max": 1, "default": 0, "sets": "x", "colour": 1}},
            "Unknown knob key 'colour'",
        ),
    ],
)
def test_bad_knob_declarations_are_refused(knobs, match):
    data = {
        "name": "t",
        "events": [{"type": "carbon_price", "cny_per_t": 1}],
        "knobs": knobs,
    }
    from workbench.citymodel import Scenario

    with pytest.raises(SpecError, match=match):
        Scenario.from_dict(data)


def test_parse_settings():
    assert parse_settings(["a=1", "b = 2.5"]) == {"a": 1.0, "b": 2.5}
    with pytest.raises(SpecError, match="expected KNOB=VALUE; got 'a'"):
        parse_settings(["a"])
    with pytest.raises(SpecError, match="the value of 'a' must be a number; got 'x'"):
        parse_settings(["a=x"])


def test_cli_scenarios_show_json(capsys):
    assert main(["scenarios", "show", "heatwave", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["knobs"]["carbon_price"]["min"] == 0
    assert {"unit", "min", "max", "default"} <= set(doc["knobs"]["heat_intensity"])


def test_cli_simulate_set_refuses_unknown_and_out_of_range(capsys, tmp_path):
    out = str(tmp_path / "r.nc")
    assert (
        main(["simulate", "--scenario", "heatwave", "--set", "carbon_prise=1", "--out", out]) == 2
    )
    assert "Did you mean 'carbon_price'" in capsys.readouterr().err
    assert (
        main(["simulate", "--scenario", "heatwave", "--set", "carbon_price=-1", "--out", out]) == 2
    )
    assert "must be in [0, 600]" in capsys.readouterr().err
    assert (
        main(
            ["simulate", "--scenario", "heatwave,baseline", "--set", "carbon_price=1", "--out", out]
        )
        == 2
    )
    assert "knobs belong to one scenario" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_simulate_set_runs_the_model_at_the_setting(capsys, tmp_path):
    import xarray as xr

    out = tmp_path / "r.nc"
    args = [
        "simulate",
        "--scenario",
        "heatwave",
        "--mechanism",
        "priority",
        "--hours",
        "14",
        "--no-oracle",
        "--units",
        "300",
        "--out",
        str(out),
    ]
    assert main([*args, "--set", "carbon_price=400"]) == 0
    ds = xr.open_dataset(out)
    assert float(ds["carbon_price"].max()) == 400.0
