"""Mechanisms on claim sets: conservation, priority, LP optimality, greedy correctness."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.citymodel import CLASSES, get_mechanism, mechanism_registry
from workbench.citymodel.claims import DEFAULT_VALUES, ClaimBatch, merge_batches
from workbench.citymodel.mechanisms import NoCoordination, ordered_greedy

MECHANISMS = ["none", "priority", "lp", "market", "contract_net", "drf"]
VALUES = np.array([DEFAULT_VALUES[c] for c in CLASSES])
RANKS = np.arange(len(CLASSES))


@st.composite
def claim_sets(draw):
    n_res = draw(st.integers(1, 5))
    n_groups = draw(st.integers(1, 12))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    cap = rng.uniform(0, 10, n_res).round(2)
    rows_g, e_row, e_res, e_coef, cost = [], [], [], [], []
    r = 0
    for g in range(n_groups):
        n_alt = int(rng.integers(1, 3))
        for _ in range(n_alt):
            rows_g.append(g)
            used = rng.choice(n_res, size=int(rng.integers(1, min(3, n_res) + 1)), replace=False)
            for u in used:
                e_row.append(r)
                e_res.append(int(u))
                e_coef.append(float(rng.choice([0.5, 1.0, 2.0])))
            cost.append(float(rng.uniform(0, 5)))
            r += 1
    batch = ClaimBatch(
        claimant=np.array([f"g{g}" for g in range(n_groups)], dtype=object),
        klass=rng.integers(0, len(CLASSES), n_groups),
        amount=rng.uniform(0, 6, n_groups).round(2),
        row_group=np.array(rows_g),
        entry_row=np.array(e_row),
        entry_resource=np.array(e_res),
        entry_coef=np.array(e_coef),
        row_cost=np.array(cost),
        divisible=rng.random(n_groups) < 0.7,
    )
    return merge_batches("power", cap, [batch], RANKS, VALUES, np.random.default_rng(seed))


def naive_greedy(cs, key):
    """Reference: the sequential allocation with a Python loop over rows."""
    left = cs.capacity.astype(float).copy()
    got = np.zeros(cs.n_groups)
    out = np.zeros(cs.n_rows)
    order = sorted(range(cs.n_rows), key=lambda i: (key[cs.row_group[i]], cs.row_cost[i]))
    for i in order:
        g = cs.row_group[i]
        ents = np.flatnonzero(cs.entry_row == i)
        lim = min((left[cs.entry_resource[k]] / cs.entry_coef[k] for k in ents), default=np.inf)
        x = max(0.0, min(lim, cs.group_amount[g] - got[g]))
        if not cs.group_divisible[g] and x < cs.group_amount[g] * (1 - 1e-9) - 1e-9:
            x = 0.0
        out[i] = x
        got[g] += x
        for k in ents:
            left[cs.entry_resource[k]] -= cs.entry_coef[k] * x
    return out


@settings(max_examples=60, deadline=None)
@given(claim_sets())
def test_ordered_greedy_matches_sequential_reference(cs):
    key = cs.group_arrival
    fast = ordered_greedy(cs, key)
    slow = naive_greedy(cs, key)
    # the fast version is exact, or (after max_iter) a feasible under-approximation
    assert np.all(cs.usage(fast) <= cs.capacity + 1e-9)
    assert cs.objective(fast) <= cs.objective(slow) + 1e-6 or np.allclose(fast, slow)
    assert np.allclose(fast, slow, atol=1e-7)


@settings(max_examples=60, deadline=None)
@given(claim_sets())
@pytest.mark.parametrize("name", MECHANISMS)
def test_every_mechanism_conserves_capacity_and_requests(name, cs):
    alloc = get_mechanism(name).allocate(cs)
    assert np.all(alloc.row >= -1e-12)
    assert np.all(cs.usage(alloc.row) <= cs.capacity * (1 + 1e-7) + 1e-7)
    assert np.all(alloc.group <= cs.group_amount * (1 + 1e-7) + 1e-7)
    assert alloc.price.shape == (cs.n_resources,)


@settings(max_examples=60, deadline=None)
@given(claim_sets())
def test_lp_never_worse_than_baseline_on_its_objective(cs):
    lp = get_mechanism("lp").allocate(cs)
    for other in ("none", "priority", "market"):
        base = get_mechanism(other).allocate(cs)
        assert cs.objective(lp.row) >= cs.objective(base.row) - 1e-5 * max(
            1.0, cs.objective(base.row)
        )


def _emergency_vs_others(cap, amounts, classes):
    b = ClaimBatch.simple(
        [f"c{i}" for i in range(len(amounts))],
        np.array(classes),
        np.array(amounts),
        np.zeros(len(amounts), int),
    )
    return merge_batches("power", np.array([cap]), [b], RANKS, VALUES, np.random.default_rng(3))


@pytest.mark.parametrize("name", ["priority", "lp", "market", "drf", "contract_net"])
def test_emergency_gets_what_it_asks_first(name):
    em = CLASSES.index("emergency")
    classes = [CLASSES.index("batch"), CLASSES.index("traffic"), em, CLASSES.index("interactive")]
    cs = _emergency_vs_others(10.0, [8.0, 8.0, 6.0, 8.0], classes)
    alloc = get_mechanism(name).allocate(cs)
    assert alloc.group[2] == pytest.approx(6.0)
    assert cs.usage(alloc.row)[0] <= 10.0 + 1e-9


def test_priority_follows_class_rank_and_lp_prices_congestion():
    classes = [CLASSES.index(c) for c in ("batch", "interactive", "essential")]
    cs = _emergency_vs_others(10.0, [5.0, 5.0, 5.0], classes)
    pr = get_mechanism("priority").allocate(cs)
    assert pr.group.tolist() == pytest.approx([0.0, 5.0, 5.0])
    lp = get_mechanism("lp").allocate(cs)
    assert lp.group.tolist() == pytest.approx([0.0, 5.0, 5.0])
    # the capacity's dual is the value of the best unserved claim: batch
    assert lp.price[0] == pytest.approx(DEFAULT_VALUES["batch"], rel=1e-6)
    mk = get_mechanism("market").allocate(cs)
    assert mk.price[0] == pytest.approx(DEFAULT_VALUES["batch"])


def test_contract_net_awards_whole_jobs_to_the_cheapest_able_bidder():
    # one job of 4 units, two contractors: the cheap one has only 3 units left
    b = ClaimBatch(
        claimant=np.array(["job"], dtype=object),
        klass=np.array([CLASSES.index("batch")]),
        amount=np.array([4.0]),
        row_group=np.array([0, 0]),
        entry_row=np.array([0, 1]),
        entry_resource=np.array([0, 1]),
        entry_coef=np.ones(2),
        row_cost=np.array([1.0, 5.0]),
        divisible=np.array([False]),
    )
    cs = merge_batches(
        "compute", np.array([3.0, 10.0]), [b], RANKS, VALUES, np.random.default_rng(0)
    )
    alloc = get_mechanism("contract_net").allocate(cs)
    assert alloc.row.tolist() == [0.0, 4.0]


def test_drf_equalises_dominant_shares():
    cls = CLASSES.index("batch")
    b = ClaimBatch.simple(["a", "b"], cls, np.array([10.0, 10.0]), np.array([0, 0]))
    cs = merge_batches("power", np.array([8.0]), [b], RANKS, VALUES, np.random.default_rng(0))
    alloc = get_mechanism("drf").allocate(cs)
    assert alloc.group.tolist() == pytest.approx([4.0, 4.0])
    base = NoCoordination().allocate(cs)
    assert sorted(base.group.tolist()) == pytest.approx([0.0, 8.0])


def test_registry_lists_the_builtins():
    names = mechanism_registry().names()
    for n in MECHANISMS:
        assert n in names


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.floats(0.1, 9.0), st.sampled_from([0.5, 1.0, 2.0])),
        min_size=1,
        max_size=10,
    ),
    st.lists(st.floats(0.5, 12.0), min_size=3, max_size=3),
)
def test_drf_is_max_min_fair_on_single_resource_claims(rows, caps):
    res = np.array([r for r, _, _ in rows])
    amount = np.array([a for _, a, _ in rows])
    coef = np.array([c for _, _, c in rows])
    n = len(rows)
    b = ClaimBatch(
        claimant=np.array([f"c{i}" for i in range(n)], dtype=object),
        klass=np.full(n, CLASSES.index("batch")),
        amount=amount,
        row_group=np.arange(n),
        entry_row=np.arange(n),
        entry_resource=res,
        entry_coef=coef,
        row_cost=np.zeros(n),
        divisible=np.ones(n, dtype=bool),
    )
    cs = merge_batches("power", np.array(caps), [b], RANKS, VALUES, np.random.default_rng(0))
    x = get_mechanism("drf").allocate(cs).row
    used = cs.usage(x)
    assert np.all(used <= cs.capacity * (1 + 1e-9) + 1e-9)
    share = coef * x / cs.capacity[res]
    for r in range(3):
        on = res == r
        short = on & (x < amount - 1e-7)
        if short.any():
            assert used[r] == pytest.approx(cs.capacity[r], rel=1e-6)
            # nobody on the resource has a larger dominant share than a rationed claimant
            assert share[on].max() <= share[short].min() * (1 + 1e-6) + 1e-9
