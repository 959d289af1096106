"""Invariants checked with hypothesis."""

from __future__ import annotations

import numpy as np
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from workbench.index import Framework, Pipeline, run_index
from workbench.index.steps import normalise as nz

from .conftest import FRAMEWORK_ROWS

FW = Framework.from_table(FRAMEWORK_ROWS)
INDS = ["a1", "a2", "b1", "b2", "b3"]
values = arrays(
    np.float64,
    st.tuples(st.integers(3, 8), st.just(5)),
    elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def cube_of(x: np.ndarray) -> xr.Dataset:
    return xr.Dataset(
        {"value": (("city", "indicator"), x)},
        coords={"city": [f"c{i}" for i in range(x.shape[0])], "indicator": INDS},
    )


@SETTINGS
@given(values, st.integers(0, 7), st.floats(0.1, 100))
def test_raising_positive_indicator_never_lowers_arithmetic_score(x, unit, bump):
    """Fixed (fitted) normalisation bounds: more of a +1 indicator never lowers the score."""
    unit = unit % x.shape[0]
    pipe = Pipeline([{"normalise": {"method": "minmax"}}, {"aggregate": {"method": "arithmetic"}}])
    cube = cube_of(x)
    res = pipe.run(cube, FW)
    x2 = x.copy()
    x2[unit, 0] += bump  # a1 has direction +1
    cube2 = cube_of(x2)
    cur = cube2
    for s in res.steps[:-1]:
        cur = s.transform(cur)
    before = res.scores.sel(city=f"c{unit}")
    after = cur["value"].sel(city=f"c{unit}")
    for node in ("a1", "A", "IDX"):
        assert float(after.sel(indicator=node)) >= float(before.sel(indicator=node)) - 1e-9


@SETTINGS
@given(values, st.floats(-50, 50), st.floats(1, 100))
def test_minmax_scores_in_range(x, lo, width):
    hi = lo + width
    out = nz.minmax(x, x, np.array([1, -1, 1, 1, -1.0]), range=(lo, hi))
    assert np.all(out >= lo - 1e-9)
    assert np.all(out <= hi + 1e-9)


@SETTINGS
@given(st.lists(st.floats(0.01, 100), min_size=7, max_size=7))
def test_weights_within_node_sum_to_one(ws):
    codes = [r["iCode"] for r in FRAMEWORK_ROWS if r["Parent"]]
    fw = FW.with_weights(dict(zip(codes, ws, strict=True)))
    for a in fw.aggregates:
        assert abs(sum(fw.weights(a).values()) - 1) < 1e-12
    assert abs(sum(fw.effective_weights().values()) - 1) < 1e-12


@SETTINGS
@given(values)
def test_ranks_are_a_permutation(x):
    res = run_index(cube_of(x), None, FW)
    ranks = res.table()["rank"].astype(int).tolist()
    scores = res.score().to_numpy()
    if len(np.unique(scores)) == len(scores):
        assert sorted(ranks) == list(range(1, x.shape[0] + 1))
    else:  # ties share the best rank
        assert min(ranks) == 1
        assert max(ranks) <= x.shape[0]
