"""Large-scale methods: their bounds are valid against the exact solver on small instances."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.siting import Problem, solve
from workbench.siting.large import large_mclp, large_pmedian


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(np.random.SeedSequence(11))
    d = rng.random((300, 2)) * 10_000
    s = rng.random((40, 2)) * 10_000
    w = rng.integers(1, 20, 300).astype(float)
    return d, s, w


def test_large_pmedian_bound_brackets_optimum(points):
    d, s, w = points
    exact = solve(Problem.from_points(d, s, geographic=False, weights=w), "pmedian", p=6)
    r = large_pmedian(d, s, 6, weights=w, k=10, iterations=200, time_limit=30)
    assert r["bound"] <= exact.objective + 1e-6 <= r["objective"] + 2e-6
    assert len(r["selected"]) == 6
    assert r["gap"] == pytest.approx((r["objective"] - r["bound"]) / r["objective"])


def test_large_mclp_bound_brackets_optimum(points):
    d, s, w = points
    exact = solve(Problem.from_points(d, s, geographic=False, weights=w), "mclp", radius=1500, p=5)
    r = large_mclp(d, s, 1500.0, 5, weights=w, time_limit=30, mip_rel_gap=0.0)
    assert r["objective"] == pytest.approx(exact.objective)
    assert r["bound"] >= exact.objective - 1e-6


def test_large_lonlat_matches_haversine():
    rng = np.random.default_rng(np.random.SeedSequence(3))
    d = np.column_stack([121.3 + 0.2 * rng.random(200), 31.1 + 0.2 * rng.random(200)])
    s = np.column_stack([121.3 + 0.2 * rng.random(30), 31.1 + 0.2 * rng.random(30)])
    exact = solve(Problem.from_points(d, s, geographic=True), "mclp", radius=2000, p=4)
    r = large_mclp(d, s, 2000.0, 4, geographic=True, time_limit=30, mip_rel_gap=0.0)
    assert r["objective"] == pytest.approx(exact.objective)
