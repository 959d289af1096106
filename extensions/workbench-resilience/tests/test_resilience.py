"""Tests of the dual-district (resilient) covering model."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from workbench.errors import InfeasibleError, SpecError
from workbench.siting import Problem, solve
from workbench.siting.models.base import coverage

from workbench_resilience import DualDistrictBudget, DualDistrictCover, district_counts

# 6 demand points on a line, 6 candidate sites in 3 districts (A, A, B, B, C, C)
DEMAND = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [4.0, 0.0], [5.0, 0.0]])
SITES = np.array([[0.0, 1.0], [2.0, 1.0], [1.5, 1.0], [3.5, 1.0], [3.0, 1.0], [5.0, 1.0]])
DISTRICTS = {"s0": "A", "s1": "A", "s2": "B", "s3": "B", "s4": "C", "s5": "C"}


def small_problem() -> Problem:
    return Problem.from_points(DEMAND, SITES, geographic=False)


def brute_force_min(problem: Problem, radius: float, districts: dict[str, str]) -> int:
    a = coverage(problem, radius)
    codes = np.array([districts[s] for s in problem.site_ids])
    for k in range(1, problem.n_sites + 1):
        for combo in itertools.combinations(range(problem.n_sites), k):
            mask = np.zeros(problem.n_sites, dtype=bool)
            mask[list(combo)] = True
            if (district_counts(a, mask, codes) >= 2).all():
                return k
    raise AssertionError("no feasible subset")


@pytest.mark.parametrize("radius", [2.3, 2.6, 3.2])
def test_optimal_against_brute_force(radius):
    prob = small_problem()
    res = DualDistrictCover(radius, DISTRICTS).solve(prob)
    assert res.status == "optimal"
    assert len(res.selected) == brute_force_min(prob, radius, DISTRICTS)
    assert res.kpis["dual_district_share"] == 1.0
    assert res.kpis["min_districts_in_range"] >= 2


def test_every_demand_sees_two_districts_and_cost_at_least_plain_covering():
    prob = small_problem()
    res = solve(prob, "resilience", radius=2.6, districts=DISTRICTS)
    lscp = solve(prob, "lscp", radius=2.6)
    assert len(res.selected) >= len(lscp.selected)
    mask = np.isin(prob.site_ids, res.selected)
    codes = np.array([DISTRICTS[s] for s in prob.site_ids])
    assert (district_counts(coverage(prob, 2.6), mask, codes) >= 2).all()


def test_budget_variant_maximises_dual_coverage():
    prob = small_problem()
    res = DualDistrictBudget(2.6, p=2, districts=DISTRICTS).solve(prob)
    assert len(res.selected) == 2
    assert res.status == "optimal"
    full = DualDistrictCover(2.6, DISTRICTS).solve(prob)
    big = DualDistrictBudget(2.6, p=len(full.selected), districts=DISTRICTS).solve(prob)
    assert big.objective == pytest.approx(prob.weights.sum())


def test_districts_from_sites_csv(tmp_path):
    path = tmp_path / "sites.csv"
    pd.DataFrame({"id": list(DISTRICTS), "district": list(DISTRICTS.values())}).to_csv(
        path, index=False
    )
    prob = Problem.from_points(DEMAND, SITES, geographic=False, site_ids=list(DISTRICTS))
    res = DualDistrictCover(2.6, str(path)).solve(prob)
    assert res.kpis["dual_district_share"] == 1.0


def test_infeasible_says_which_demand_and_the_radius_needed():
    with pytest.raises(
        InfeasibleError, match=r"demand 'd0'.* two different districts .* at least 1\.80278"
    ):
        DualDistrictCover(1.2, DISTRICTS).solve(small_problem())


def test_settings_errors():
    with pytest.raises(SpecError, match=r"needs the district of every candidate site"):
        DualDistrictCover(2.0).solve(small_problem())
    with pytest.raises(SpecError, match=r"no district for 1 candidate site"):
        DualDistrictCover(2.0, {k: v for k, v in DISTRICTS.items() if k != "s5"}).solve(
            small_problem()
        )
    with pytest.raises(SpecError, match=r"`cost` must be 'count'"):
        DualDistrictCover(2.0, DISTRICTS, cost="money")
