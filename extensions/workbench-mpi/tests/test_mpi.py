"""Tests of the Mazziotta-Pareto Index plugin."""

from __future__ import annotations

import math

import numpy as np
import pytest
from workbench.errors import SpecError

from workbench_mpi import load_framework, mpi, mpi_standardise


def reference_mpi(x: list[list[float]], sign: float = -1.0) -> list[float]:
    """Plain-Python MPI following Mazziotta & Pareto (2016), equal weights, no NaN."""
    n, m = len(x), len(x[0])
    z = [[0.0] * m for _ in range(n)]
    for j in range(m):
        col = [x[i][j] for i in range(n)]
        mean = sum(col) / n
        sd = math.sqrt(sum((v - mean) ** 2 for v in col) / n)
        for i in range(n):
            z[i][j] = 100 + 10 * (x[i][j] - mean) / sd
    out = []
    for i in range(n):
        mz = sum(z[i]) / m
        sz = math.sqrt(sum((v - mz) ** 2 for v in z[i]) / m)
        out.append(mz + sign * sz * (sz / mz))
    return out


X = [[3.0, 10.0, 0.2], [5.0, 12.0, 0.1], [4.0, 30.0, 0.4], [9.0, 11.0, 0.3], [1.0, 25.0, 0.9]]


def test_matches_the_published_formula():
    got = mpi(np.array(X), np.ones(3))
    np.testing.assert_allclose(got, reference_mpi(X), rtol=1e-12)
    plus = mpi(np.array(X), np.ones(3), penalty="positive")
    np.testing.assert_allclose(plus, reference_mpi(X, +1.0), rtol=1e-12)


def test_penalty_brackets_the_mean_and_grows_with_imbalance():
    x = np.array(X)
    minus, plus = mpi(x, np.ones(3)), mpi(x, np.ones(3), penalty="positive")
    z_mean = (plus + minus) / 2
    assert np.all(minus <= z_mean + 1e-12)
    assert np.all(plus >= z_mean - 1e-12)
    # the same standardised mean, but one unit balanced and one not: the balanced one wins
    bal = np.array([[1.0, 1.0], [0.0, 2.0], [2.0, 0.0], [-1.0, -1.0]])
    s = mpi(bal, np.ones(2))
    assert s[0] > s[1]
    assert s[0] > s[2]


def test_invariant_to_linear_normalisation_and_stacked_years():
    x = np.array(X)
    a = mpi(x, np.ones(3))
    b = mpi(x * np.array([2.0, 0.5, 10.0]) + 7.0, np.ones(3))
    np.testing.assert_allclose(a, b, rtol=1e-12)
    years = np.stack([x, x * 3.0])  # (year, units, k): each year standardised on its own
    np.testing.assert_allclose(mpi(years, np.ones(3)), np.stack([a, a]), rtol=1e-12)


def test_missing_children_are_skipped():
    x = np.array(X)
    x[0, 1] = np.nan
    out = mpi(x, np.ones(3))
    assert np.isfinite(out).all()
    x[2, :] = np.nan
    assert np.isnan(mpi(x, np.ones(3))[2])


def test_standardisation_normaliser():
    x = np.array(X)
    z = mpi_standardise(x, x, np.array([1.0, -1.0, 1.0]))
    np.testing.assert_allclose(z.mean(0), 100.0)
    np.testing.assert_allclose(z.std(0), 10.0)
    assert z[2, 1] == z[:, 1].min()  # direction -1: the largest value scores lowest


def test_errors_are_clear():
    with pytest.raises(SpecError, match=r"`penalty` must be 'negative' \(MPI-\) or 'positive'"):
        mpi(np.array(X), np.ones(3), penalty="minus")
    with pytest.raises(SpecError, match="must be non-negative"):
        mpi(np.array(X), np.array([1.0, -1.0, 1.0]))


def test_indicator_set_is_a_one_level_mpi_framework():
    fw = load_framework()
    assert (fw["Type"] == "Indicator").sum() == 8
    top = fw[fw["Type"] == "Aggregate"].iloc[0]
    assert top["iCode"] == "AIR"
    assert top["Aggregation"] == "mpi"
