"""Lagrangian bound and reduction tests of the p-median: valid bounds, optimum kept."""

from __future__ import annotations

import pytest

from workbench.siting import solve
from workbench.siting.io import read_orlib_pmed
from workbench.siting.models.reduction import lagrangian_reduce

KNOWN = {1: 5819, 2: 4093, 3: 4250, 4: 3034, 5: 1355}


@pytest.mark.parametrize("k", sorted(KNOWN))
def test_bound_is_valid_and_an_optimum_survives(test_data, k):
    prob, p = read_orlib_pmed(test_data / "orlib_pmed" / f"pmed{k}.txt")
    # a deliberately loose upper bound keeps more sites; the exact one keeps fewer
    for upper in (KNOWN[k] * 1.05, float(KNOWN[k])):
        lb, keep, must = lagrangian_reduce(prob.costs, prob.weights, p, upper)
        assert lb <= KNOWN[k] + 1e-6
        assert keep.sum() >= p
        assert not (must & ~keep).any()
        # the optimum over the kept sites, with the must-open sites open, is the optimum
        sub = solve(
            type(prob).from_matrix(prob.costs[:, keep], weights=prob.weights), "pmedian", p=p
        )
        assert sub.objective == KNOWN[k]
    tight = lagrangian_reduce(prob.costs, prob.weights, p, float(KNOWN[k]))[1]
    assert tight.sum() < prob.n_sites  # the test removes sites on these instances


def test_pmedian_reports_the_lagrangian_bound_honestly(test_data):
    prob, p = read_orlib_pmed(test_data / "orlib_pmed" / "pmed4.txt")
    r = solve(prob, "pmedian", p=p)
    assert r.status == "optimal"
    assert r.bound == r.objective == KNOWN[4]
