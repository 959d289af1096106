"""OR-Library p-median: results called optimal have matching bounds and published optima."""

from __future__ import annotations

import pytest

from workbench.siting import solve
from workbench.siting.io import read_orlib_pmed

PUBLISHED = {1: 5819, 2: 4093, 3: 4250, 4: 3034, 5: 1355}


@pytest.mark.parametrize("k", sorted(PUBLISHED))
def test_pmed_optimal(test_data, k):
    prob, p = read_orlib_pmed(test_data / "orlib_pmed" / f"pmed{k}.txt")
    assert prob.n_sites == 100
    res = solve(prob, "pmedian", p=p)
    assert res.status == "optimal"
    assert res.bound == pytest.approx(res.objective, abs=1e-6)
    assert res.gap == 0.0
    assert res.objective == PUBLISHED[k]
    assert len(res.selected) == p


def test_duplicate_edge_later_line_wins(test_data):
    # pmed1 lists some edges twice; taking the minimum would give a different (wrong) optimum
    prob, p = read_orlib_pmed(test_data / "orlib_pmed" / "pmed1.txt")
    assert (prob.costs == prob.costs.T).all()
    assert solve(prob, "pmedian", p=p).objective == 5819
