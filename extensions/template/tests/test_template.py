"""Tests of the template plugins: each one works through the workbench's own entry points."""

from __future__ import annotations

import numpy as np
from workbench.index import Pipeline
from workbench.siting import Problem, solve

from workbench_template.index import minimum, robust
from workbench_template.samples import load_sample


def test_aggregator_and_normaliser():
    x = np.array([[1.0, 3.0], [np.nan, 2.0]])
    assert minimum(x, np.ones(2)).tolist() == [1.0, 2.0]
    z = robust(np.array([[1.0], [2.0], [3.0]]), np.array([[1.0], [2.0], [3.0]]), np.array([1.0]))
    assert z.ravel().tolist() == [-1.0, 0.0, 1.0]


def test_index_pipeline_uses_the_plugins():
    from workbench.data import load_sample as wb_sample

    cube = wb_sample("city_ai_index")
    spec = {
        "steps": [
            {"template_clip": {"lower": 0.1, "upper": 0.9}},
            {"normalise": {"method": "template_robust"}},
            {"aggregate": {"method": "template_min"}},
        ]
    }
    table = Pipeline.from_spec(spec).run(cube).table()
    assert table.iloc[:, 1].notna().any()


def test_siting_model_by_name():
    df = load_sample()
    prob = Problem.from_points(df[["lon", "lat"]].to_numpy(), df[["lon", "lat"]].to_numpy())
    res = solve(prob, "template_greedy", radius=5000, p=1)
    assert res.status == "feasible"
    assert len(res.selected) == 1


def test_mechanism_scenario_and_agent_in_the_city_model():
    from workbench.citymodel import CityModel, run

    from workbench_template.agents import ConstantLoad

    res = run("template_hot_day", "template_value_first", seed=0, hours=24, n_units=100)
    assert res.mechanism == "template_value_first"
    model = CityModel("template_hot_day", "template_value_first", seed=0, hours=14, n_units=100)
    agent = ConstantLoad(model, district=0, load_kw=300.0)
    model.claimants["power"].append(agent)
    for _ in range(model.hours):
        model.step()
    assert len(agent.served_kw) == 14
    assert all(0.0 <= kw <= 300.0 for kw in agent.served_kw)
