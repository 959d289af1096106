"""Property tests: invariants of the exact models on small random instances."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.siting import Problem, solve
from workbench.siting.heuristics import pmedian_heuristic

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw, max_n=12, max_m=7):
    n = draw(st.integers(2, max_n))
    m = draw(st.integers(2, max_m))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    pts_d, pts_s = rng.random((n, 2)) * 100, rng.random((m, 2)) * 100
    w = rng.integers(1, 10, n).astype(float)
    prob = Problem.from_points(pts_d, pts_s, geographic=False, weights=w)
    return prob, draw(st.integers(1, m))


@SETTINGS
@given(problems())
def test_pmedian_equals_enumeration_and_assignment(case):
    prob, p = case
    res = solve(prob, "pmedian", p=p)
    assert res.status == "optimal"
    cols = prob.site_index(res.selected)
    recomputed = float(prob.weights @ prob.costs[:, cols].min(axis=1))
    assert np.isclose(res.objective, recomputed)
    best = min(
        prob.weights @ prob.costs[:, list(s)].min(axis=1)
        for s in itertools.combinations(range(prob.n_sites), p)
    )
    assert np.isclose(res.objective, best)
    assert res.bound <= res.objective + 1e-6
    heur = pmedian_heuristic(prob.costs, prob.weights, p)
    assert prob.weights @ prob.costs[:, heur].min(axis=1) >= best - 1e-6


@SETTINGS
@given(problems(), st.floats(10, 80))
def test_lscp_covers_all_demand(case, radius):
    prob, _ = case
    if (prob.costs.min(axis=1) > radius).any():
        return  # infeasible instances are covered by the error tests
    res = solve(prob, "lscp", radius=radius)
    cols = prob.site_index(res.selected)
    assert (prob.costs[:, cols].min(axis=1) <= radius).all()
    assert res.covered_weight == prob.weights.sum()
    # no smaller set covers everything
    for k in range(1, len(cols)):
        for s in itertools.combinations(range(prob.n_sites), k):
            assert (prob.costs[:, list(s)].min(axis=1) > radius).any()


@SETTINGS
@given(problems(), st.floats(10, 60))
def test_mclp_covered_weight_recomputed_and_optimal(case, radius):
    prob, p = case
    res = solve(prob, "mclp", radius=radius, p=p)
    cols = prob.site_index(res.selected)
    covered = prob.costs[:, cols].min(axis=1) <= radius
    assert np.isclose(res.objective, prob.weights[covered].sum())
    best = max(
        prob.weights[prob.costs[:, list(s)].min(axis=1) <= radius].sum()
        for s in itertools.combinations(range(prob.n_sites), p)
    )
    assert np.isclose(res.objective, best)


@SETTINGS
@given(problems(max_n=8, max_m=5))
def test_cflp_respects_capacities(case):
    prob, _ = case
    caps = np.full(prob.n_sites, prob.weights.sum() / 2 + 10)
    cap_prob = Problem.from_matrix(
        prob.costs, weights=prob.weights, capacities=caps, fixed_costs=np.full(prob.n_sites, 50.0)
    )
    res = solve(cap_prob, "cflp")
    load: dict[str, float] = {}
    for d, s in res.assignment.items():
        load[s] = load.get(s, 0.0) + cap_prob.weights[int(d[1:])]
    assert all(v <= caps[0] + 1e-6 for v in load.values())
    assert len(res.assignment) == prob.n_demand
