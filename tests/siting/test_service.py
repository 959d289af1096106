"""Latency a user feels (network + queueing + inference), peak capacity, exact counts, routing."""

from __future__ import annotations

import copy

import pytest

from workbench.data import read_siting_scenario, sample_dir
from workbench.errors import SpecError
from workbench.siting.plan import plan
from workbench.siting.service import erlang_c, mmc_wait_ms, service_model


@pytest.fixture(scope="module")
def small():
    return read_siting_scenario(sample_dir() / "shanghai_siting_small")


def _plan(data, **changes):
    scn = copy.deepcopy(data["scenario"])
    for key, value in changes.items():
        scn[key] = value
    return plan(data["demand"], data["sites"], scn, time_limit=60, mip_rel_gap=1e-6)


def test_erlang_c_matches_known_values():
    assert erlang_c(1, 0.8) == pytest.approx(0.8)
    # M/M/2 at a = 1 Erlang: C = a^2 / (a^2 + 2 (2 - a)) ... = 1/3
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    # M/M/1: W_q = rho S / (1 - rho)
    assert mmc_wait_ms(1, 0.5, 10.0) == pytest.approx(10.0)
    assert mmc_wait_ms(8, 1.0, 1.0) == float("inf")


def test_small_plan_meets_counts_budgets_and_peak(small):
    res = _plan(small)
    k = res.kpis
    assert k["n_hub"] == 2
    assert 10 <= k["n_edge"] <= 20
    assert k["n_dc"] == 3  # an exact count
    assert k["max_peak_utilisation"] <= 0.8 + 1e-9
    lat = res.latency.set_index("request_class")
    for cls, row in lat.iterrows():
        budget = small["scenario"]["request_classes"][cls]["budget_ms"]
        if budget is not None:
            assert row["total_max_ms"] <= budget + 1e-9
        parts = row["network_ms"] + row["queueing_ms"] + row["inference_ms"]
        assert parts == pytest.approx(row["total_ms"])
    # largest models never at the edge; everything served adds up
    r = res.routing.set_index("request_class")
    assert r.loc["assistant", "edge"] == 0.0
    assert r.loc["batch", "edge"] == 0.0
    assert set(res.tiers["tier"]) == {"edge", "dc", "hub"}


def test_tightening_a_budget_changes_the_plan(small):
    base = _plan(small)
    classes = copy.deepcopy(small["scenario"]["request_classes"])
    classes["industrial_control"]["budget_ms"] = 7.0
    tight = _plan(small, request_classes=classes)
    rb = base.routing.set_index("request_class").loc["industrial_control"]
    rt = tight.routing.set_index("request_class").loc["industrial_control"]
    # fewer sites are close enough: less of the class is served (or the layout moves)
    assert rt["unserved"] > rb["unserved"] + 0.01 or set(tight.selected) != set(base.selected)
    lt = tight.latency.set_index("request_class").loc["industrial_control"]
    assert lt["total_max_ms"] <= 7.0 + 1e-9
    assert lt["pairs_excluded_by_budget"] > base.latency.set_index("request_class").loc[
        "industrial_control", "pairs_excluded_by_budget"]  # fmt: skip


def test_higher_peak_needs_more_capacity(small):
    base = _plan(small)
    flat = [1.0] * 24
    spiky = [1.0] * 23 + [6.0]  # peak = 6 / (29 / 24) ~ 4.97 x average
    a = _plan(small, hourly_profile=flat, peak_factor=None)
    b = _plan(small, hourly_profile=spiky, peak_factor=None)
    assert a.kpis["max_peak_utilisation"] < b.kpis["max_peak_utilisation"] <= 0.8 + 1e-9
    assert base.kpis["max_peak_utilisation"] <= 0.8 + 1e-9


def test_service_model_errors(small):
    scn = copy.deepcopy(small["scenario"])
    scn["request_classes"]["batch"]["model"] = "llm_larg"
    with pytest.raises(SpecError, match=r"request_classes.batch.model.*llm_large"):
        service_model(scn)
    scn = copy.deepcopy(small["scenario"])
    scn["target_peak_utilisation"] = 1.2
    with pytest.raises(SpecError, match=r"target_peak_utilisation` must be in \(0, 1\]"):
        service_model(scn)
    with pytest.raises(SpecError, match="capacity_basis` must be 'peak'"):
        _plan(small, capacity_basis="average")
