"""Single-method checks, including COINr's own hand-computed unit cases.

COINr cases are cited from the package's tests (repository bluefoxr/COINr):
``tests/testthat/test-normalise.R`` (tests "n_funcs", "dist2targ", "norm_df", "norm_num") and
``tests/testthat/test-aggregate.R`` (tests "agg_functions", "outranking", "copeland", "agg_df").
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from workbench.errors import SpecError
from workbench.index.steps import aggregate as ag
from workbench.index.steps import normalise as nz
from workbench.index.steps import tier as tr
from workbench.index.steps.treat import kurtosis, log_ct, skew, winsorise

ONE = np.array([1.0])


def col(x):
    return np.asarray(x, dtype=float).reshape(-1, 1)


# ---------------------------------------------------------------- normalisation (test-normalise.R)
@pytest.mark.parametrize(
    ("x", "direction", "expected"),
    [
        (1, 1, 0.1),  # n_goalposts(1, c(0, 10, 1)) == 0.1
        (11, 1, 1.0),  # above max
        (-1, 1, 0.0),  # below min
        (1, -1, 0.9),  # direction reversed
        (-1, -1, 1.0),
        (11, -1, 0.0),
    ],
)
def test_goalposts_coinr_cases(x, direction, expected):
    d = np.array([float(direction)])
    out = nz.goalposts(col([x]), col([x]), d, lower=0, upper=10, scale=1)
    assert out[0, 0] == pytest.approx(expected)


def test_goalposts_scale_and_trunc():
    x = np.random.default_rng(0).random(10)
    out = nz.goalposts(col(x), col(x), ONE, lower=0.2, upper=0.8, scale=10)[:, 0]
    expected = np.clip((x - 0.2) / 0.6, 0, 1) * 10
    np.testing.assert_allclose(out, expected)


def test_dist_target_coinr_cases():
    # test "dist2targ": x = c(0, 5, 11), targ = 10
    x = col([0, 5, 11])
    np.testing.assert_allclose(nz.dist_target(x, x, ONE, target=10)[:, 0], [0, 0.5, 1.1])
    np.testing.assert_allclose(nz.dist_target(x, x, ONE, target=10, cap=True)[:, 0], [0, 0.5, 1])
    # reverse direction: x = c(-1, 1, 10), targ = 0
    x = col([-1, 1, 10])
    d = np.array([-1.0])
    np.testing.assert_allclose(nz.dist_target(x, x, d, target=0)[:, 0], [1.1, 0.9, 0])
    np.testing.assert_allclose(nz.dist_target(x, x, d, target=0, cap=True)[:, 0], [1, 0.9, 0])


def test_dist_target_norm_num_case():
    # test "norm_num": x = 1:10, targ = 8, cap_max = TRUE -> min 0, max 1, x >= 8 -> 1
    x = col(np.arange(1, 11))
    out = nz.dist_target(x, x, ONE, target=8, cap=True)[:, 0]
    assert out.min() == 0
    assert out.max() == 1
    assert (out[np.arange(1, 11) >= 8] == 1).all()


def test_minmax_zscore_norm_num_case():
    x = col(np.arange(1, 11))
    out = nz.minmax(x, x, ONE, range=(2, 7))[:, 0]
    assert out.min() == 2
    assert out.max() == 7
    z = nz.zscore(x, x, ONE, mean_sd=(5, 2))[:, 0]
    assert z.mean() == pytest.approx(5)
    assert z.std(ddof=1) == pytest.approx(2)


def test_n_funcs_cases():
    x = np.random.default_rng(1).random(10)
    c = col(x)
    np.testing.assert_allclose(nz.scaled(c, c, ONE, lower=1, upper=10)[:, 0], (x - 1) / 9 * 100)
    np.testing.assert_allclose(
        nz.dist_max(c, c, ONE)[:, 0], 1 - (x.max() - x) / (x.max() - x.min())
    )
    ref = nz.dist_ref(c, c, ONE, ref_value=x[0])[:, 0]
    np.testing.assert_allclose(ref, 1 - (x[0] - x) / (x[0] - x.min()))
    capped = nz.dist_ref(c, c, ONE, ref_value=x[0], cap=True)[:, 0]
    np.testing.assert_allclose(capped, np.minimum(ref, 1))
    np.testing.assert_allclose(nz.fracmax(c, c, ONE)[:, 0], x / x.max())


def test_borda_and_direction_norm_df_case():
    x = np.random.default_rng(2).random(10)
    c = col(x)
    assert sorted(nz.borda(c, c, ONE)[:, 0]) == list(range(10))  # expect_setequal(.., 0:9)
    mm = nz.minmax(c, c, np.array([-1.0]))[:, 0]
    assert mm[np.argmin(x)] == 100
    assert mm[np.argmax(x)] == 0


def test_rank_percentile():
    x = col([3.0, 1.0, 2.0, 2.0])
    np.testing.assert_allclose(nz.rank(x, x, ONE)[:, 0], [4, 1, 2, 2])
    np.testing.assert_allclose(nz.percentile(x, x, ONE)[:, 0], [100, 0, 100 / 3, 100 / 3])


def test_normalise_bounds_from_reference_only():
    ref = col([0.0, 10.0])
    out = nz.minmax(col([5.0, 20.0]), ref, ONE)[:, 0]
    np.testing.assert_allclose(out, [50, 200])


# ---------------------------------------------------------------- aggregation (test-aggregate.R)
def test_geometric_mean_coinr_cases():
    x = np.array([1.0, 2.0, 3.0])
    assert ag.geometric(x, np.ones(3)) == pytest.approx((1 * 2 * 3) ** (1 / 3))
    assert ag.geometric(x, np.array([1, 1, 2.0])) == pytest.approx((1 * 2 * 3**2) ** (1 / 4))
    with pytest.raises(SpecError, match="positive values"):
        ag.geometric(np.array([1.0, 2, -1]), np.ones(3))
    with pytest.raises(SpecError, match="positive values"):
        ag.geometric(np.array([1.0, 2, 0]), np.ones(3))


def test_harmonic_mean_coinr_case():
    x = np.array([1.0, 2.0, 3.0])
    assert ag.harmonic(x, np.array([2, 1, 1.0])) == pytest.approx(4 / (2 / 1 + 1 / 2 + 1 / 3))


def test_arithmetic_weights_and_missing():
    rng = np.random.default_rng(3)
    x = rng.random((20, 5))
    w = np.arange(1, 6, dtype=float)
    np.testing.assert_allclose(ag.arithmetic(x, w), (x * w).sum(1) / w.sum())
    x[0, :4] = np.nan
    assert ag.arithmetic(x, w)[0] == pytest.approx(x[0, 4])


COPE_X = np.array([[1, 3, 2], [2, 2, 3], [3, 1, 1], [4, 5, 4]], dtype=float)


def test_outranking_matrix_coinr_case():
    m = ag.outranking_matrix(COPE_X, np.ones(3))
    assert m.shape == (4, 4)
    np.testing.assert_allclose(np.diag(m), 0)
    assert m[1, 0] == pytest.approx(2 / 3)
    assert m[2, 0] == pytest.approx(1 / 3)
    assert m[3, 0] == pytest.approx(1)


def test_copeland_coinr_case():
    m = ag.outranking_matrix(COPE_X, np.ones(3))
    s = np.where(m > 0.5, 1, np.where(m < 0.5, -1, 0))
    np.fill_diagonal(s, 0)
    np.testing.assert_allclose(ag.copeland(COPE_X, np.ones(3)), s.sum(1))
    np.testing.assert_allclose(ag.copeland(COPE_X, np.ones(3)), [-1, 1, -3, 3])


def test_power_mean_special_cases():
    x = np.array([[1.0, 4.0]])
    assert ag.power_mean(x, np.ones(2), p=1)[0] == pytest.approx(2.5)
    assert ag.power_mean(x, np.ones(2), p=0)[0] == pytest.approx(2.0)
    assert ag.power_mean(x, np.ones(2), p=-1)[0] == pytest.approx(ag.harmonic(x, np.ones(2))[0])


def test_bod_scores_at_most_scale():
    x = np.array([[1.0, 2.0], [2.0, 1.0], [0.5, 0.5]])
    s = ag.bod(x, np.ones(2))
    np.testing.assert_allclose(s, [100, 100, 100 / 3])  # w = (1/3, 1/3) for the third unit


# ---------------------------------------------------------------- treatment and tiers
def test_skew_kurtosis_match_sample_adjusted_formulas():
    x = np.random.default_rng(4).lognormal(size=40)
    assert skew(x) == pytest.approx(stats.skew(x, bias=False))
    assert kurtosis(x) == pytest.approx(stats.kurtosis(x, bias=False))


def test_winsorise_coinr_example():
    # COINr ?winsorise example: x <- c(1:10, 30, 100)
    x = np.r_[np.arange(1, 11), 30, 100].astype(float)
    out, n, lo, hi = winsorise(x, 5, 2.0, 3.5)
    assert n >= 1
    assert hi == out.max()
    assert lo == -np.inf
    assert out.max() < 100
    assert abs(skew(out)) < 2 or kurtosis(out) < 3.5


def test_log_ct():
    x = np.array([1.0, 2.0, 11.0])
    np.testing.assert_allclose(log_ct(x, 1, 11), np.log(x - 1 + 0.1))


def test_tier_methods():
    s = np.r_[np.linspace(0, 10, 10), np.linspace(40, 50, 10), np.linspace(90, 100, 10)]
    for f in (tr.kmeans, tr.jenks):
        b = f(s, 3)
        labels = tr.assign(s, b, ["L", "D", "P"])
        assert list(labels[:10]) == ["P"] * 10
        assert list(labels[-10:]) == ["L"] * 10
    q = tr.quantile(s, 3)
    assert (tr.assign(s, q, ["L", "D", "P"]) == "L").sum() == 10
    np.testing.assert_allclose(tr.fixed(s, 3, thresholds=[60, 20]), [20, 60])
