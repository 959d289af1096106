"""Rule-based mechanisms: first-come baseline, priority list, market, contract net, DRF."""

from __future__ import annotations

import dataclasses

import numpy as np

from workbench.citymodel.claims import CLASSES, ClaimSet
from workbench.citymodel.mechanisms.base import (
    Allocation,
    Mechanism,
    ordered_greedy,
    scarcity_price,
)

_EMERGENCY = CLASSES.index("emergency")


def _finish(claims: ClaimSet, row: np.ndarray, basis: str, price: np.ndarray | None = None):
    return Allocation(
        row=row,
        group=claims.group_total(row),
        price=scarcity_price(claims, row) if price is None else price,
        basis=basis,
    )


def _rank_of(key_primary: np.ndarray, key_secondary: np.ndarray) -> np.ndarray:
    order = np.lexsort((key_secondary, key_primary))
    key = np.empty(len(order))
    key[order] = np.arange(len(order))
    return key


class NoCoordination(Mechanism):
    """First come, first served: each claim takes what is left when it arrives.

    The arrival order is a random permutation drawn from the model's arrival stream, the
    same for every mechanism and scenario with the same seed. This is the baseline every
    KPI ratio refers to.
    """

    name = "none"
    description = "first-come baseline, no coordination"

    def allocate(self, claims: ClaimSet) -> Allocation:
        """Serve claims in arrival order."""
        row = ordered_greedy(claims, claims.group_arrival)
        return _finish(claims, row, "first-come")


class PriorityRules(Mechanism):
    """A priority list: emergency first, then essential load, interactive compute, ...

    The order of classes is the scenario's priority policy (``priority_policy`` events change
    it); within a class, first come first served.
    """

    name = "priority"
    description = "priority list by claim class (emergency first), then first-come"

    def allocate(self, claims: ClaimSet) -> Allocation:
        """Serve claims by class rank, then arrival."""
        row = ordered_greedy(claims, _rank_of(claims.group_rank, claims.group_arrival))
        return _finish(claims, row, "priority rank")


class UniformPriceMarket(Mechanism):
    """Uniform-price market: compute and power clear jointly each hour on bids and offers.

    Compute and power (coupled) clear in :mod:`workbench.citymodel.joint`: agents bid their
    own valuations (value per token while their budget lasts, batch urgency, depots'
    charging urgency), operators offer at marginal cost (energy + carbon, an SLA premium
    above rated load); clearing prices are uniform per node, feeder and hour and payments
    are settled. Vans and road links (claims) clear here: bids served from the highest down,
    each resource at the highest bid left (partly) unserved.
    """

    name = "market"
    description = "uniform-price clearing of bids and offers per resource and hour, payments"
    joint = "market"

    def allocate(self, claims: ClaimSet) -> Allocation:
        """Clear the market."""
        row = ordered_greedy(claims, _rank_of(-claims.group_value, claims.group_arrival))
        return _finish(claims, row, "bid >= clearing price")


class ContractNet(Mechanism):
    """Contract net: each job is announced, contractors bid, the cheapest able bidder wins.

    Jobs (batch inference jobs, deliveries) are indivisible: a contractor (compute node,
    vehicle depot, route) must take the whole job; bids are the rows' costs (latency, deadhead
    time). Divisible claims no single contractor can take whole are then split over the
    remaining capacity in a second round.
    """

    name = "contract_net"
    description = "contract net: announce, bid, award, commit/reject for whole jobs"
    protocol = "contract_net"
    """Batch compute jobs go through :mod:`workbench.citymodel.contract_net` (messages
    counted); :meth:`allocate` serves the other claims."""

    def allocate(self, claims: ClaimSet) -> Allocation:
        """Award whole jobs, then split what divisible claims still need."""
        key = _rank_of(np.where(claims.group_class == _EMERGENCY, 0, 1), claims.group_arrival)
        first = ordered_greedy(claims, key, force_indivisible=True)
        rest_amount = claims.group_amount - claims.group_total(first)
        rest_amount = np.where(claims.group_divisible, rest_amount, 0.0)
        if claims.n_rows and rest_amount.max(initial=0.0) > 0:
            rest = dataclasses.replace(
                claims,
                capacity=np.maximum(claims.capacity - claims.usage(first), 0.0),
                group_amount=rest_amount,
                _cache={},
            )
            first = first + ordered_greedy(rest, key)
        return _finish(claims, first, "awarded to cheapest able bidder")


class DominantResourceFairness(Mechanism):
    """Dominant-resource fairness: progressive filling of every claimant's dominant share.

    Emergency claims are served off the top; the rest is rationed so that no claimant can
    raise its dominant share (its largest share of any one resource) without lowering that of
    a claimant with a smaller one. Alternatives (second-nearest node) are filled in later
    rounds with what is left. Indivisible claims granted in part are dropped.
    """

    name = "drf"
    description = "dominant-resource fairness over compute and power, emergency off the top"
    across = ("compute", "power")
    """Compute claims also use their node's feeder (tokens draw power), so dominant shares
    are taken across compute and power (the model adds the feeders to the claims)."""

    def allocate(self, claims: ClaimSet) -> Allocation:
        """Serve emergency first, then fill dominant shares equally."""
        m = claims.n_rows
        if m == 0:
            return _finish(claims, np.zeros(0), "fair share")
        is_em = claims.group_class == _EMERGENCY
        em = dataclasses.replace(claims, group_amount=np.where(is_em, claims.group_amount, 0.0))
        row = ordered_greedy(em, claims.group_arrival)
        cap_left = np.maximum(claims.capacity - claims.usage(row), 0.0)
        remaining = np.where(is_em, 0.0, claims.group_amount)
        rg = claims.row_group
        alt = _alternative_index(claims)
        for k in range(int(alt.max()) + 1):
            active_rows = (alt == k) & (remaining[rg] > 1e-12)
            if not active_rows.any():
                continue
            x = _progressive_fill(claims, active_rows, remaining[rg], cap_left)
            row = row + x
            cap_left = np.maximum(cap_left - claims.usage(x), 0.0)
            remaining = np.maximum(remaining - claims.group_total(x), 0.0)
        indiv = ~claims.group_divisible[rg]
        full = row >= claims.group_amount[rg] * (1 - 1e-9)
        row = np.where(indiv & ~full, 0.0, row)
        rest_amount = np.where(
            claims.group_divisible, claims.group_amount - claims.group_total(row), 0.0
        )
        if rest_amount.max(initial=0.0) > 1e-9:
            rest = dataclasses.replace(
                claims,
                capacity=np.maximum(claims.capacity - claims.usage(row), 0.0),
                group_amount=np.maximum(rest_amount, 0.0),
                _cache={},
            )
            row = row + ordered_greedy(rest, claims.group_arrival)
        return _finish(claims, row, "fair share")


def _alternative_index(claims: ClaimSet) -> np.ndarray:
    """Rank of each row among its group's rows by cost (0 = preferred)."""
    m = claims.n_rows
    order = np.lexsort((claims.row_cost, claims.row_group))
    g_sorted = claims.row_group[order]
    start = np.ones(m, dtype=bool)
    start[1:] = g_sorted[1:] != g_sorted[:-1]
    idx = np.arange(m) - np.maximum.accumulate(np.where(start, np.arange(m), 0))
    alt = np.empty(m, dtype=np.int64)
    alt[order] = idx
    return alt


def _progressive_fill(
    claims: ClaimSet, active: np.ndarray, want: np.ndarray, cap_left: np.ndarray
) -> np.ndarray:
    """Raise every active row's dominant share at the same rate until blocked."""
    m = claims.n_rows
    cap = np.where(claims.capacity > 0, claims.capacity, 1.0)
    er, eres, ecoef = claims.entry_row, claims.entry_resource, claims.entry_coef
    dom = np.zeros(m)
    np.maximum.at(dom, er, ecoef / cap[eres])
    active = active & (dom > 0)
    if len(er) == m:  # one resource per row: water-filling per resource, closed form
        return _water_fill(claims, active, want, cap_left, dom, cap)
    rate = np.where(active, 1.0 / np.where(dom > 0, dom, 1.0), 0.0)
    x = np.zeros(m)
    left = cap_left.copy()
    rem = np.where(active, want, 0.0)
    for _ in range(m + claims.n_resources + 1):
        if not active.any():
            break
        r_rate = np.bincount(eres, weights=ecoef * rate[er], minlength=claims.n_resources)
        with np.errstate(divide="ignore", invalid="ignore"):
            dt_res = np.where(r_rate > 0, left / r_rate, np.inf)
            dt_row = np.where(active, rem / np.where(rate > 0, rate, 1.0), np.inf)
        dt = min(dt_res.min(initial=np.inf), dt_row.min(initial=np.inf))
        if not np.isfinite(dt):
            break
        inc = rate * dt
        x += inc
        rem = np.maximum(rem - inc, 0.0)
        left = np.maximum(left - r_rate * dt, 0.0)
        blocked_res = left <= 1e-9 * np.maximum(claims.capacity, 1.0)
        touches = np.zeros(m, dtype=bool)
        touches[er[blocked_res[eres]]] = True
        active = active & ~touches & (rem > 1e-9 * np.maximum(want, 1.0))
        rate = np.where(active, rate, 0.0)
    return x


def _water_fill(
    claims: ClaimSet,
    active: np.ndarray,
    want: np.ndarray,
    cap_left: np.ndarray,
    dom: np.ndarray,
    cap: np.ndarray,
) -> np.ndarray:
    """Equal dominant shares on single-resource rows: the level each resource can afford."""
    x = np.zeros(claims.n_rows)
    rows = np.flatnonzero(active)
    if len(rows) == 0:
        return x
    res = claims.entry_resource[rows]  # entry k belongs to row k
    share = want[rows] * dom[rows]  # dominant share when fully served
    order = np.lexsort((share, res))
    rows, res, share = rows[order], res[order], share[order]
    n = len(rows)
    start = np.ones(n, dtype=bool)
    start[1:] = res[1:] != res[:-1]
    first = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    k = np.arange(n) - first
    seg_n = np.bincount(np.cumsum(start) - 1)[np.cumsum(start) - 1]
    cs = np.cumsum(share)
    cs = cs - np.where(first > 0, cs[first - 1], 0.0)
    budget = cap_left[res] / cap[res]
    ok = cs + (seg_n - k - 1) * share <= budget * (1 + 1e-12)
    # last index per segment that still fits at level = its own share
    last_ok = np.full(n, -1)
    last_ok[ok] = k[ok]
    seg_id = np.cumsum(start) - 1
    kmax = np.full(seg_id[-1] + 1, -1)
    np.maximum.at(kmax, seg_id, last_ok)
    kmax_e = kmax[seg_id]
    served_sum = np.where(kmax_e >= 0, cs[np.clip(first + kmax_e, 0, n - 1)], 0.0)
    remaining_n = seg_n - kmax_e - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.where(remaining_n > 0, (budget - served_sum) / remaining_n, np.inf)
    granted_share = np.minimum(share, np.maximum(level, 0.0))
    x[rows] = np.minimum(want[rows], granted_share / dom[rows])
    return x


__all__ = [
    "ContractNet",
    "DominantResourceFairness",
    "NoCoordination",
    "PriorityRules",
    "UniformPriceMarket",
]
