"""Interchange of the engines' real outputs: a siting result and a city-model run."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.errors import SpecError
from workbench.interop import ditto, ngsild


@pytest.fixture(scope="module")
def run_cube():
    from workbench.citymodel import run

    return run("heatwave", "priority", seed=4, hours=24, n_units=120).to_xarray()


def test_city_model_run_round_trips_through_ngsild_and_ditto(run_cube):
    with pytest.raises(SpecError, match="Pass start="):
        ngsild.cube_to_temporal(run_cube)
    district_vars = [v for v in run_cube.data_vars if run_cube[v].dims == ("time", "district")]
    assert "power_served_kw" in district_vars
    entities = ngsild.cube_to_temporal(run_cube, start="2026-07-13T00:00:00Z", step="1h")
    assert len(entities) == run_cube.sizes["district"]
    assert entities[0]["power_served_kw"][0]["unitCode"] == "KWT"
    back = ngsild.temporal_to_cube(entities)
    things = ditto.cube_to_things(run_cube, start="2026-07-13T00:00:00Z", step="1h")
    back_d = ditto.things_to_cube(things)
    for v in district_vars:
        np.testing.assert_allclose(back[v].to_numpy(), run_cube[v].to_numpy(), err_msg=v)
        np.testing.assert_allclose(back_d[v].to_numpy(), run_cube[v].to_numpy(), err_msg=v)
    assert str(back["time"].to_numpy()[23]) == "2026-07-13T23:00:00.000000000"


def test_siting_result_plan_round_trips(sample_data_dir):
    from workbench.data import load_sample
    from workbench.siting import Problem, solve

    s = load_sample("shanghai_siting")
    demand = s["demand"][s["demand"]["district"] == "310101"]
    problem = Problem.from_geodataframes(demand, s["sites"], weight="tokens_per_day")
    res = solve(problem, "mclp", radius=3000, p=3)
    plan = res.to_geodataframe()
    back = ngsild.entities_to_plan(ngsild.plan_to_entities(res, plan_id="mclp-3"))
    assert list(back["id"]) == list(plan["id"])
    np.testing.assert_allclose(back["lon"], plan["lon"])
    things = ditto.plan_to_things(plan, namespace="cn.shanghai")
    assert all(t["features"]["plan"]["desiredProperties"]["open"] for t in things)
    assert list(ditto.things_to_plan(things)["id"]) == list(plan["id"])
