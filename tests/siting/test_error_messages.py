"""Clear errors for bad siting inputs and infeasible problems."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.errors import DataError, InfeasibleError, PluginError, SpecError
from workbench.siting import Problem, solve
from workbench.siting.latency import LatencyModel
from workbench.siting.models import registry
from workbench.siting.plan import plan

COSTS = np.array([[1.0, 5.0, 9.0], [4.0, 2.0, 7.0], [8.0, 6.0, 1.0]])


def test_nan_distance_names_demand_and_site():
    c = COSTS.copy()
    c[1, 2] = np.nan
    with pytest.raises(SpecError, match=r"first demand 'b' -> site 'z'"):
        Problem.from_matrix(c, demand_ids=["a", "b", "c"], site_ids=["x", "y", "z"])


def test_negative_distance():
    c = COSTS.copy()
    c[0, 1] = -3
    with pytest.raises(SpecError, match=r"non-negative; demand 'd0' -> site 's1' is -3"):
        Problem.from_matrix(c)


def test_negative_weight_names_the_id():
    with pytest.raises(SpecError, match=r"`weights` must be non-negative; id 'd2' has -1"):
        Problem.from_matrix(COSTS, weights=[1, 2, -1])


def test_p_larger_than_candidates():
    prob = Problem.from_matrix(COSTS)
    with pytest.raises(SpecError, match=r"at most the number of candidate sites \(3\); got p=5"):
        solve(prob, "pmedian", p=5)


def test_p_zero():
    with pytest.raises(SpecError, match="`p` must be at least 1; got 0"):
        solve(Problem.from_matrix(COSTS), "pmedian", p=0)


def test_mismatched_ids():
    with pytest.raises(SpecError, match=r"one id per column of the cost matrix \(3\); got 2"):
        Problem.from_matrix(COSTS, site_ids=["x", "y"])
    with pytest.raises(SpecError, match=r"`weights` has no value for ids \['d2'\]"):
        Problem.from_matrix(COSTS, weights={"d0": 1, "d1": 1})
    with pytest.raises(SpecError, match=r"ids that are not in the cost matrix: \['zz'\]"):
        Problem.from_matrix(COSTS, weights={"d0": 1, "d1": 1, "d2": 1, "zz": 1})


def test_duplicate_ids():
    with pytest.raises(SpecError, match="must be unique; these ids repeat: 'a'"):
        Problem.from_matrix(COSTS, demand_ids=["a", "a", "b"])


def test_empty_inputs():
    with pytest.raises(SpecError, match=r"at least one demand row and one site column; got shape"):
        Problem.from_matrix(np.zeros((0, 3)))


def test_unknown_existing_site_suggests():
    with pytest.raises(SpecError, match="Did you mean 's1'"):
        Problem.from_matrix(COSTS, existing=["s11"])


def test_unknown_model_suggests():
    with pytest.raises(SpecError, match="Unknown siting model 'pmedain'. Did you mean 'pmedian'"):
        solve(Problem.from_matrix(COSTS), "pmedain", p=1)


def test_bad_model_settings():
    with pytest.raises(SpecError, match="Bad settings for siting model 'mclp'"):
        solve(Problem.from_matrix(COSTS), "mclp", p=1)


def test_infeasible_covering_names_demand_and_reason():
    prob = Problem.from_matrix(COSTS, demand_ids=["a", "b", "c"])
    with pytest.raises(
        InfeasibleError, match=r"demand 'b' cannot be covered .* radius 1.5.*'s1' at 2"
    ):
        solve(prob, "lscp", radius=1.5)


def test_infeasible_capacity_names_demand():
    prob = Problem.from_matrix(COSTS, weights=[1, 50, 1], capacities=[10, 10, 10])
    with pytest.raises(
        InfeasibleError, match=r"demand 'd1' has weight 50 but the largest capacity"
    ):
        solve(prob, "cflp")


def test_infeasible_total_capacity():
    prob = Problem.from_matrix(COSTS, weights=[5, 5, 5], capacities=[5, 5, 4])
    with pytest.raises(InfeasibleError, match="total demand weight 15 exceeds the total capacity"):
        solve(prob, "cflp")


def test_capacitated_without_capacities():
    with pytest.raises(SpecError, match="needs site capacities"):
        solve(Problem.from_matrix(COSTS), "pmedian", p=1, capacitated=True)


def test_capacitated_maximal_covering_without_capacities():
    # MCLP used to fail with a TypeError deep in the model build (found by mypy).
    with pytest.raises(SpecError, match=r"`capacitated=True` needs site capacities.*capacities="):
        solve(Problem.from_matrix(COSTS), "mclp", p=1, radius=5, capacitated=True)


def test_negative_radius():
    with pytest.raises(SpecError, match="`radius` must be a finite non-negative distance"):
        solve(Problem.from_matrix(COSTS), "lscp", radius=-1)


def test_bad_latency_model():
    with pytest.raises(SpecError, match="route_factor` must be at least 1"):
        LatencyModel(route_factor=0.5)


def test_plugin_must_subclass_base():
    # The registry checks the siting-model contract (workbench.plugin_contracts) on register.
    with pytest.raises(
        PluginError,
        match=r"siting_models plugin 'not_a_model_xyz' must be a class deriving from "
        r"workbench\.siting\.models\.base\.SitingModel .*got object .*Register the class itself",
    ):
        registry().register("not_a_model_xyz", object())
    assert "not_a_model_xyz" not in registry()


def test_plugin_must_set_sense():
    from workbench.siting import SitingModel

    class Sideways(SitingModel):
        name = "sideways"
        sense = "up"

        def solve(self, problem, **kw):
            return None

    with pytest.raises(
        PluginError,
        match=r"siting_models plugin 'sideways_xyz' must set sense to one of 'min', 'max'; "
        r"got 'up'\. Set it",
    ):
        registry().register("sideways_xyz", Sideways)


def test_plan_unreachable_demand_named(synthetic_scenario):
    demand, sites, scn = synthetic_scenario
    far = pd.DataFrame({"id": ["FAR"], "lon": [170.0], "lat": [35.0], "tokens_per_day": [1e12]})
    demand = pd.concat([demand, far], ignore_index=True)
    with pytest.raises(InfeasibleError, match=r"demand 'FAR' .* has no candidate site of any tier"):
        plan(demand, sites, {**scn, "target_coverage": 0.9})


def test_plan_budget_too_small(synthetic_scenario):
    demand, sites, scn = synthetic_scenario
    upto = {t: {"max": n} for t, n in scn["sites_per_tier"].items()}  # ranges: no minimum
    with pytest.raises(InfeasibleError, match=r"best reachable coverage under these limits is"):
        plan(demand, sites, {**scn, "sites_per_tier": upto, "budget_cny": 1.0,
                             "target_coverage": 0.99})  # fmt: skip


def test_plan_budget_below_the_exact_counts(synthetic_scenario):
    demand, sites, scn = synthetic_scenario
    with pytest.raises(InfeasibleError, match=r"the cheapest such sites cost .* more than budget"):
        plan(demand, sites, {**scn, "budget_cny": 1.0, "target_coverage": 0.99})


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ({"hub": -1}, r"sites_per_tier\['hub'\] min must be a whole non-negative number"),
        ({"hub": 1.5}, r"got 1.5"),
        ({"edge": {"min": 5, "max": 3}}, r"has min 5 > max 3"),
        ({"edge": {"least": 5}}, r"takes `min` and `max`"),
        ({"edge": 99}, r"asks for at least 99 sites but there are only 12 edge candidates"),
        ({"egde": 2}, r"tier 'egde', which no candidate site has.*edge"),
    ],
)
def test_plan_sites_per_tier_errors(synthetic_scenario, spec, match):
    demand, sites, scn = synthetic_scenario
    with pytest.raises(SpecError, match=match):
        plan(demand, sites, {**scn, "sites_per_tier": spec})


def test_plan_missing_columns(synthetic_scenario):
    demand, sites, scn = synthetic_scenario
    with pytest.raises(SpecError, match=r"demand table is missing columns \['tokens_per_day'\]"):
        plan(demand.drop(columns="tokens_per_day"), sites, scn)


def test_costs_csv_bad_cell(tmp_path):
    from workbench.siting.io import read_costs_csv

    p = tmp_path / "c.csv"
    p.write_text("id,s1,s2\nd1,1,abc\n")
    with pytest.raises(DataError, match=r"demand 'd1', site 's2' is 'abc', not a number"):
        read_costs_csv(p)
