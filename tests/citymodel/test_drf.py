"""Dominant-resource fairness: the textbook case, and shares carried across resource kinds."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.citymodel.claims import CLASSES, DEFAULT_VALUES, ClaimBatch, merge_batches
from workbench.citymodel.mechanisms.drf import DominantResourceFairness, drf_tasks

_I = CLASSES.index("interactive")


def test_ghodsi_example_a_gets_three_tasks_and_b_two():
    # Ghodsi et al. (NSDI 2011), section 4: 9 CPUs, 18 GB; A's tasks <1 CPU, 4 GB>, B's
    # <3 CPUs, 1 GB>. A's dominant resource is memory (4/18 per task), B's CPU (3/9).
    # Equal dominant shares s: A = s / (2/9), B = s / (1/3); CPU binds at s = 2/3.
    tasks = drf_tasks(np.array([[1.0, 4.0], [3.0, 1.0]]), np.array([9.0, 18.0]))
    np.testing.assert_allclose(tasks, [3.0, 2.0], rtol=1e-9)


def test_a_claimant_that_wants_little_leaves_the_rest_to_the_other():
    tasks = drf_tasks(np.array([[1.0, 4.0], [3.0, 1.0]]), np.array([9.0, 18.0]), max_tasks=[1, 9])
    np.testing.assert_allclose(tasks, [1.0, 8.0 / 3.0], rtol=1e-9)


def test_a_share_already_held_is_where_filling_starts():
    # B already holds a dominant share of 0.3 (of another resource): A fills alone to 0.3,
    # then both rise together until CPU binds: 4.5 s + 9 (s - 0.3) = 9, s = 0.8667
    tasks = drf_tasks(np.array([[1.0, 4.0], [3.0, 1.0]]), np.array([9.0, 18.0]), start=[0.0, 0.3])
    np.testing.assert_allclose(tasks, [3.9, 1.7], rtol=1e-9)


def test_drf_tasks_names_a_bad_demand_matrix():
    with pytest.raises(ValueError, match="`demand` must be a non-negative"):
        drf_tasks(np.array([1.0, 4.0]), np.array([9.0, 18.0]))


def _claims(kind: str, claimants: list[str], amount: list[float], resource: list[int], cap):
    values = np.array([DEFAULT_VALUES[c] for c in CLASSES])
    batch = ClaimBatch.simple(np.array(claimants, dtype=object), _I, np.array(amount), resource)
    return merge_batches(
        kind, np.asarray(cap, float), [batch], np.arange(len(CLASSES)), values,
        np.random.default_rng(0),
    )  # fmt: skip


def test_road_share_carries_into_compute_and_resets_the_next_hour():
    mech = DominantResourceFairness()
    # road: "logistics" takes half of one link, "traffic:0" nothing of it
    road = _claims("road", ["logistics", "traffic:0"], [50.0, 0.0], [0, 1], [100.0, 100.0])
    mech.allocate(road)
    assert mech.ledger["logistics"] == pytest.approx(0.5)
    # compute: both want all of one node; equal dominant shares across road and compute
    # mean logistics (already at 0.5) gets less: 0.5 + a = b, a + b = 1 -> a = 0.25, b = 0.75
    comp = _claims("compute", ["logistics", "demand:A"], [100.0, 100.0], [0, 0], [100.0])
    got = mech.allocate(comp).group
    np.testing.assert_allclose(got, [25.0, 75.0], rtol=1e-9)
    assert mech.ledger["logistics"] == pytest.approx(0.5)
    assert mech.ledger["demand:A"] == pytest.approx(0.75)
    # the next hour starts afresh (road comes again after compute): equal split
    mech.allocate(_claims("road", ["x"], [0.0], [0], [100.0]))
    got = mech.allocate(comp).group
    np.testing.assert_allclose(got, [50.0, 50.0], rtol=1e-9)
