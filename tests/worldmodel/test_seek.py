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


def _fake_model(surface, bias):
    """A SYNTHETIC stand-in for the full model: the emulator's surface times ``bias(pts)``."""
    import numpy as np
    import pandas as pd

    from workbench.worldmodel.training import _seed_lists

    calls = []

    def run_design(scenario, pts, seeds, mechanism, hours, *, kpis, client=None):
        per = _seed_lists(seeds, len(pts))
        rows = []
        for j, row in pts.reset_index(drop=True).iterrows():
            for s in per[j]:
                one = pd.DataFrame([row])
                y = surface(one)
                y["carbon_t"] *= bias(one)
                y = y * (1 + 0.002 * np.random.default_rng(s).standard_normal(y.shape))
                rows.append(pd.concat([one, y], axis=1).assign(point=j, seed=s))
        calls.append(len(rows))
        return pd.concat(rows, ignore_index=True)

    return run_design, calls


def test_seek_refines_the_emulator_near_an_answer_the_model_does_not_confirm(
    synthetic_wm, surface, monkeypatch
):
    import numpy as np

    from workbench.worldmodel import training

    # the "full model" emits 4% more carbon than the emulator learned where batteries are
    # large: the first answer (most batteries) is not confirmed
    run_design, calls = _fake_model(
        surface, lambda df: 1 + 0.04 * np.clip((df["battery_factor"] - 2.0) / 1.0, 0, 1)
    )
    monkeypatch.setattr(training, "run_design", run_design)
    lines: list[str] = []
    res = seek(
        synthetic_wm,
        "carbon_t <= 0.85 * baseline",
        ["carbon_price", "battery_factor"],
        verify_seeds=2,
        rounds=4,
        progress=lines.append,
    )
    first = res.rounds[0]
    assert not first.confirmed
    assert not first.within_interval["carbon_t"]
    assert first.added_runs == 2 + 4 * 2  # the verification runs and 4 local points x 2 seeds
    assert res.rounds[1].training_runs == first.training_runs + first.added_runs
    assert len(lines) == len(res.rounds)
    assert "not confirmed; adding 10 runs near the answer" in lines[0]
    # every round used new seeds
    seeds = [s for r in res.rounds for s in r.seeds]
    assert len(seeds) == len(set(seeds))
    # the refined emulator learned the extra carbon: the last answer is confirmed
    assert res.confirmed is True, [r.to_dict() for r in res.rounds]
    assert res.rounds[-1].confirmed
    assert "confirmed by the full model in round" in res.message
    assert res.model is not synthetic_wm
    assert res.to_dict()["rounds"][0]["confirmed"] is False


def test_seek_says_not_confirmed_when_rounds_run_out(synthetic_wm, surface, monkeypatch):
    import numpy as np

    from workbench.worldmodel import training

    run_design, _ = _fake_model(
        surface, lambda df: 1 + 0.04 * np.clip((df["battery_factor"] - 2.0) / 1.0, 0, 1)
    )
    monkeypatch.setattr(training, "run_design", run_design)
    res = seek(
        synthetic_wm,
        "carbon_t <= 0.85 * baseline",
        ["carbon_price", "battery_factor"],
        verify_seeds=2,
        rounds=1,
    )
    assert res.confirmed is False
    assert len(res.rounds) == 1
    assert res.rounds[0].added_runs == 0
    assert res.message.startswith("NOT confirmed after 1 round(s)")
    assert "outside the emulator's interval for carbon_t" in res.message
