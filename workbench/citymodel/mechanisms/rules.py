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
from workbench.citymodel.mechanisms.drf import DominantResourceFairness

_EMERGENCY = CLASSES.index("emergency")
DEADHEAD_CNY_PER_VAN_MIN = 1.5
"""Cost a depot bids per van-minute of driving empty to a delivery's origin (synthetic)."""
QUEUE_CNY_PER_VAN = 30.0
"""Cost a depot bids per van when all its vans are committed (grows with its load)."""


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

    def __init__(self) -> None:
        self._messages = 0

    def take_messages(self) -> int:
        """Messages of the protocol runs since the last call (and reset the count)."""
        n, self._messages = self._messages, 0
        return n

    def allocate(self, claims: ClaimSet) -> Allocation:
        """Award whole jobs, then split what divisible claims still need.

        Deliveries (``fleet`` claims: one depot per row) go through the protocol itself
        (:func:`~workbench.citymodel.contract_net.run_protocol`): announced to their depots,
        bid from each depot's deadhead driving and van load, awarded to the lowest bid and
        committed most urgent first (highest bid value) while the depot's vans last.
        """
        if claims.kind == "fleet" and claims.n_rows and len(claims.entry_row) == claims.n_rows:
            return _finish(claims, self._deliveries(claims), "contract net: bid, award, commit")
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

    def _deliveries(self, claims: ClaimSet) -> np.ndarray:
        """Run announce/bid/award/commit for indivisible one-resource tasks; grant per row."""
        from workbench.citymodel.contract_net import run_protocol

        rg = claims.row_group
        G = claims.n_groups
        order = np.lexsort((claims.row_cost, rg))
        first = np.ones(len(order), dtype=bool)
        first[1:] = rg[order][1:] != rg[order][:-1]
        pos_sorted = np.arange(len(order)) - np.maximum.accumulate(
            np.where(first, np.arange(len(order)), 0)
        )
        pos = np.empty(len(order), dtype=np.int64)
        pos[order] = pos_sorted
        K = int(pos.max()) + 1
        res_of_row = np.empty(claims.n_rows, dtype=np.int64)
        res_of_row[claims.entry_row] = claims.entry_resource
        cand = np.zeros((G, K), dtype=np.int64)
        valid = np.zeros((G, K), dtype=bool)
        extra = np.zeros((G, K))
        amount = np.where(claims.group_divisible, 0.0, claims.group_amount)  # whole tasks
        cand[rg, pos], valid[rg, pos] = res_of_row, True
        extra[rg, pos] = claims.row_cost * DEADHEAD_CNY_PER_VAN_MIN * amount[rg]
        remaining = claims.capacity.astype(float).copy()
        # urgency: the highest bid value is committed first (then arrival order)
        due = _rank_of(-claims.group_value, claims.group_arrival)
        out = run_protocol(
            amount,
            due,
            cand,
            np.zeros(claims.n_resources),
            remaining,
            claims.capacity,
            extra_cost=extra,
            valid=valid,
            queue_cost=QUEUE_CNY_PER_VAN,
        )
        self._messages += out.messages
        won = (out.node[rg] >= 0) & (res_of_row == out.node[rg])
        # one row per winning group (the first, should a depot be listed twice)
        rows = np.flatnonzero(won)
        _, first_row = np.unique(rg[rows], return_index=True)
        row = np.zeros(claims.n_rows)
        row[rows[first_row]] = amount[rg[rows[first_row]]]
        return row


__all__ = [
    "ContractNet",
    "DominantResourceFairness",
    "NoCoordination",
    "PriorityRules",
    "UniformPriceMarket",
]
