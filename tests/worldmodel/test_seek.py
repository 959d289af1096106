"""Goal seeking on the SYNTHETIC emulator (no full-model verification here; see test_train)."""

from __future__ import annotations

import pytest

from workbench.errors import SpecError
from workbench.worldmodel import parse_goals, seek


def test_parse_goals_reads_relative_and_absolute_bounds():
    g = parse_goals(
        "carbon_t <= 0.85 * baseline and batch_completed >= 0.5", ["carbon_t", "batch_completed"]
    )
    assert [(x.kpi, x.op, x.value, x.relative) for x in g] == [
        ("carbon_t", "<=", 0.85, True),
        ("batch_completed", ">=", 0.5, False),
    ]


@pytest.mark.parametrize(
    ("goal", "match"),
    [
        (
            "carbon <= 0.85 * baseline",
            "Unknown KPI \\(emulated\\) 'carbon'. Did you mean 'carbon_t'",
        ),
        ("carbon_t < 5", "cannot read 'carbon_t < 5'"),
        ("carbon_t <= 0.85 baseline", "write 'F \\* baseline' with a '\\*'"),
    ],
)
def test_bad_goals_are_refused(goal, match):
    with pytest.raises(SpecError, match=match):
        parse_goals(goal, ["carbon_t", "batch_completed"])


def test_seek_meets_the_goal_with_the_whole_interval_at_least_cost(synthetic_wm):
    res = seek(
        synthetic_wm,
        "carbon_t <= 0.85 * baseline",
        ["carbon_price", "battery_factor"],
        minimise="total_cost_cny",
        verify=False,
    )
    assert res.reachable
    bound = 0.85 * res.baseline["carbon_t"]
    assert res.promised["carbon_t"]["hi"] <= bound * (1 + 1e-6)
    # on the synthetic surface cost falls with batteries: the answer uses (nearly) the most
    assert res.settings["battery_factor"] > 2.8
    # and carbon only falls with the carbon price, so that is what it raised
    assert res.settings["carbon_price"] > 300
    assert res.delivered is None


def test_seek_says_when_the_goal_is_unreachable(synthetic_wm):
    res = seek(synthetic_wm, "carbon_t <= 0.3 * baseline", ["carbon_price"], verify=False)
    assert not res.reachable
    assert "not reachable within the knobs' ranges (carbon_price)" in res.message


def test_seek_refuses_unknown_knobs_and_objectives(synthetic_wm):
    with pytest.raises(SpecError, match="vary: Unknown knob 'battery'"):
        seek(synthetic_wm, "carbon_t <= baseline", ["battery"], verify=False)
    with pytest.raises(SpecError, match="objective: Unknown KPI"):
        seek(synthetic_wm, "carbon_t <= baseline", ["carbon_price"], minimise="cost", verify=False)
