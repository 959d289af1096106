"""Development paths against a moving field (``workbench.index.trajectory``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.errors import DataError, SpecError
from workbench.index.trajectory import tier_path

SAMPLE_SPEC = "workbench/index/specs/city_ai_index.yaml"


@pytest.fixture(scope="module")
def sample_result():
    from workbench.data import load_sample
    from workbench.index import Pipeline

    return Pipeline.from_yaml(SAMPLE_SPEC).run(load_sample("city_ai_index"))


def test_own_trend_does_not_reach_the_next_tier_and_the_path_does(sample_result):
    """A Dynamic city keeping its trend while peers keep theirs stays out of Leading."""
    city = "500000"  # the best Dynamic city of the sample in 2025 (synthetic values)
    assert sample_result.tier_of(city, 2025) == "Dynamic"
    path = tier_path(sample_result, city, target_year=2030, probability=0.8, n_sims=300, seed=1)
    assert path.target_tier == "Leading"
    assert path.reachable
    assert path.status == "reachable"
    end = path.timeline.set_index("year").loc[2030]
    # on its own trend, the moving field keeps it out (probability well below a half)
    assert end["p_trend"] < 0.5
    assert end["score_trend"] < end["cutoff_median"]
    # with the plan it is there with the wanted probability
    assert end["p_plan"] >= 0.8 - 1e-9
    assert end["score_plan"] > end["cutoff_median"]
    # the field moves: the score to beat rises year on year
    assert np.all(np.diff(path.timeline["cutoff_median"]) > 0)
    # every yearly extra stays within that indicator's bound from the observed history
    assert (path.plan["extra_points"] <= path.plan["per_year_bound"] + 1e-9).all()
    assert sorted(path.plan["year"].unique()) == [2026, 2027, 2028, 2029, 2030]
    # seeded
    again = tier_path(sample_result, city, target_year=2030, probability=0.8, n_sims=300, seed=1)
    pd.testing.assert_frame_equal(path.timeline, again.timeline)
    text = path.describe()
    assert "can reach Leading by 2030" in text
    assert "IND_" in text


def test_out_of_reach_is_said_honestly(sample_result):
    path = tier_path(
        sample_result, "460200", target_year=2027, target_tier="Leading", n_sims=200, seed=0
    )
    assert not path.reachable
    assert path.status == "not_reachable"
    assert path.reachable_year is not None
    assert path.reachable_year > 2027
    assert path.message.endswith(
        f"Leading not reachable by 2027 at observed rates; reachable by {path.reachable_year}."
    )
    assert path.plan["year"].max() == path.reachable_year


def test_costs_give_a_least_cost_plan(sample_result, tmp_path):
    city = "500000"
    free = tier_path(sample_result, city, target_year=2030, n_sims=200)
    top = free.plan.groupby("indicator")["extra_points"].sum().idxmax()
    inds = list(sample_result.framework.indicators)
    # make the plan's favourite indicator expensive: the least-cost plan moves away from it
    table = pd.DataFrame({"indicator": inds, "cost": [100.0 if i == top else 1.0 for i in inds]})
    f = tmp_path / "costs.csv"
    table.to_csv(f, index=False)
    priced = tier_path(sample_result, city, target_year=2030, n_sims=200, costs=f)
    used = priced.plan.groupby("indicator")["extra_points"].sum()
    assert used.get(top, 0.0) < free.plan.groupby("indicator")["extra_points"].sum()[top]
    assert priced.total_cost == pytest.approx((priced.plan["cost"]).sum())
    with pytest.raises(DataError, match="needs the columns 'indicator' and 'cost'"):
        tier_path(sample_result, city, target_year=2030, costs=pd.DataFrame({"x": [1]}))
    with pytest.raises(DataError, match="names 'IND_REVX'.*Did you mean 'IND_REV'"):
        tier_path(sample_result, city, target_year=2030, costs={"IND_REVX": 1.0})


def test_errors_and_top_tier(sample_result):
    with pytest.raises(SpecError, match="`target_year` must be a year after the last observed"):
        tier_path(sample_result, "500000", target_year=2025)
    with pytest.raises(SpecError, match="`probability` must be in"):
        tier_path(sample_result, "500000", target_year=2030, probability=1.5)
    leader = sample_result.score(year=2025).idxmax()
    assert tier_path(sample_result, leader, target_year=2030).status == "already_there"
