"""Dominant-resource fairness (Ghodsi et al., NSDI 2011) across road, compute and power.

A claimant's dominant share is its largest share of any one resource it uses. Progressive
filling raises the dominant shares of all claimants at the same rate; a claimant stops when
its demand is met or a resource it needs is exhausted. A claim's demand vector is its usage
per unit granted of every resource it touches (compute claims also use their node's feeder,
since tokens draw power).

The orchestrator resolves resource kinds one after another each hour (fleet, road, compute,
power). :class:`DominantResourceFairness` keeps each claimant's dominant share of the hour in
a ledger, so a claimant that already holds a large share of vans or road starts the next
kind's filling at that level: dominant shares are taken across every resource a claimant
uses, not kind by kind. The claimant is the claim's label (``"logistics"``, ``"emergency"``,
``"demand:310101:interactive"``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from workbench.citymodel.claims import CLASSES, RESOURCE_KINDS, ClaimBatch, ClaimSet, merge_batches
from workbench.citymodel.mechanisms.base import (
    Allocation,
    Mechanism,
    ordered_greedy,
    scarcity_price,
)

_EMERGENCY = CLASSES.index("emergency")


class DominantResourceFairness(Mechanism):
    """Dominant-resource fairness: progressive filling of every claimant's dominant share.

    Emergency claims are served off the top; the rest is rationed so that no claimant can
    raise its dominant share (its largest share of any one resource, this hour, over every
    kind resolved so far) without lowering that of a claimant with a smaller one.
    Alternatives (second-nearest node) are filled in later rounds with what is left.
    Indivisible claims granted in part are dropped.
    """

    name = "drf"
    description = "dominant-resource fairness over road, compute and power, emergency first"
    across = ("compute", "power")
    """Compute claims also use their node's feeder (tokens draw power), so dominant shares
    are taken across compute and power (the model adds the feeders to the claims)."""

    def __init__(self) -> None:
        self.ledger: dict[str, float] = {}
        """Each claimant's dominant share this hour over the kinds resolved so far."""
        self._last_kind = -1

    def allocate(self, claims: ClaimSet) -> Allocation:
        """Serve emergency first, then fill dominant shares equally from the ledger's levels."""
        k = RESOURCE_KINDS.index(claims.kind) if claims.kind in RESOURCE_KINDS else -1
        if k <= self._last_kind:  # a new hour: the ledger starts empty
            self.ledger = {}
        self._last_kind = k
        m = claims.n_rows
        if m == 0:
            return _finish(claims, np.zeros(0), "fair share")
        is_em = claims.group_class == _EMERGENCY
        em = dataclasses.replace(claims, group_amount=np.where(is_em, claims.group_amount, 0.0))
        row = ordered_greedy(em, claims.group_arrival)
        cap_left = np.maximum(claims.capacity - claims.usage(row), 0.0)
        remaining = np.where(is_em, 0.0, claims.group_amount)
        rg = claims.row_group
        labels = claims.group_claimant[rg]
        start = np.array([self.ledger.get(str(c), 0.0) for c in labels]) if m else np.zeros(0)
        alt = _alternative_index(claims)
        for a in range(int(alt.max()) + 1):
            active_rows = (alt == a) & (remaining[rg] > 1e-12)
            if not active_rows.any():
                continue
            x = progressive_fill(claims, active_rows, remaining[rg], cap_left, start)
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
        self._book(claims, row)
        return _finish(claims, row, "fair share")

    def _book(self, claims: ClaimSet, row: np.ndarray) -> None:
        """Raise each claimant's ledger share to its dominant share of this kind's grant."""
        names, inv = np.unique(claims.group_claimant.astype(str), return_inverse=True)
        c_of_entry = inv[claims.row_group[claims.entry_row]]
        R = claims.n_resources
        used = np.bincount(
            c_of_entry * R + claims.entry_resource,
            weights=claims.entry_coef * row[claims.entry_row],
            minlength=len(names) * R,
        ).reshape(len(names), R)
        cap = np.where(claims.capacity > 0, claims.capacity, np.inf)
        dom = (used / cap).max(axis=1, initial=0.0)
        for name, share in zip(names.tolist(), dom.tolist(), strict=True):
            self.ledger[name] = max(self.ledger.get(name, 0.0), share)


def _finish(claims: ClaimSet, row: np.ndarray, basis: str) -> Allocation:
    return Allocation(
        row=row, group=claims.group_total(row), price=scarcity_price(claims, row), basis=basis
    )


def _alternative_index(claims: ClaimSet) -> np.ndarray:
    """Rank of each row among its group's rows by cost (0 = preferred)."""
    m = claims.n_rows
    order = np.lexsort((claims.row_cost, claims.row_group))
    g_sorted = claims.row_group[order]
    first = np.ones(m, dtype=bool)
    first[1:] = g_sorted[1:] != g_sorted[:-1]
    idx = np.arange(m) - np.maximum.accumulate(np.where(first, np.arange(m), 0))
    alt = np.empty(m, dtype=np.int64)
    alt[order] = idx
    return alt


def progressive_fill(
    claims: ClaimSet,
    active: np.ndarray,
    want: np.ndarray,
    cap_left: np.ndarray,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Raise every active row's dominant share at the same rate until blocked.

    Parameters
    ----------
    claims
        The claims (rows with sparse resource usage per unit granted).
    active
        Rows taking part.
    want
        Units each row still asks for.
    cap_left
        Capacity left per resource.
    start
        Dominant share each row already holds (its claimant's, from resources resolved
        before); a row joins the filling when the common level reaches it. Default: 0.

    Returns
    -------
    numpy.ndarray
        Units granted per row.
    """
    m = claims.n_rows
    cap = np.where(claims.capacity > 0, claims.capacity, 1.0)
    er, eres, ecoef = claims.entry_row, claims.entry_resource, claims.entry_coef
    dom = np.zeros(m)
    np.maximum.at(dom, er, ecoef / cap[eres])
    active = active & (dom > 0)
    s0 = np.zeros(m) if start is None else np.asarray(start, dtype=float)
    if not active.any():
        return np.zeros(m)
    if len(er) == m and not (s0[active] > 0).any():  # one resource per row: closed form
        return _water_fill(claims, active, want, cap_left, dom, cap)
    level = float(s0[active].min())
    waiting = active & (s0 > level)
    running = active & ~waiting
    inv_dom = 1.0 / np.where(dom > 0, dom, 1.0)
    x = np.zeros(m)
    left = cap_left.copy()
    rem = np.where(active, want, 0.0)
    blocked_res = np.zeros(claims.n_resources, dtype=bool)
    for _ in range(2 * m + claims.n_resources + 1):
        if not (running.any() or waiting.any()):
            break
        rate = np.where(running, inv_dom, 0.0)
        r_rate = np.bincount(eres, weights=ecoef * rate[er], minlength=claims.n_resources)
        with np.errstate(divide="ignore", invalid="ignore"):
            dt_res = np.where(r_rate > 0, left / r_rate, np.inf)
            dt_row = np.where(running, rem / inv_dom, np.inf)
        dt_join = float((s0[waiting] - level).min()) if waiting.any() else np.inf
        dt = min(dt_res.min(initial=np.inf), dt_row.min(initial=np.inf), dt_join)
        if not np.isfinite(dt):
            break
        inc = rate * dt
        x += inc
        level += dt
        rem = np.maximum(rem - inc, 0.0)
        left = np.maximum(left - r_rate * dt, 0.0)
        blocked_res |= left <= 1e-9 * np.maximum(claims.capacity, 1.0)
        touches = np.zeros(m, dtype=bool)
        touches[er[blocked_res[eres]]] = True
        joins = waiting & (s0 <= level * (1 + 1e-12) + 1e-15)
        waiting = waiting & ~joins
        running = (running | joins) & ~touches & (rem > 1e-9 * np.maximum(want, 1.0))
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
    first_of = np.ones(n, dtype=bool)
    first_of[1:] = res[1:] != res[:-1]
    first = np.maximum.accumulate(np.where(first_of, np.arange(n), 0))
    k = np.arange(n) - first
    seg_n = np.bincount(np.cumsum(first_of) - 1)[np.cumsum(first_of) - 1]
    cs = np.cumsum(share)
    cs = cs - np.where(first > 0, cs[first - 1], 0.0)
    budget = cap_left[res] / cap[res]
    ok = cs + (seg_n - k - 1) * share <= budget * (1 + 1e-12)
    # last index per segment that still fits at level = its own share
    last_ok = np.full(n, -1)
    last_ok[ok] = k[ok]
    seg_id = np.cumsum(first_of) - 1
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


def drf_tasks(
    demand: np.ndarray,
    capacity: np.ndarray,
    max_tasks: np.ndarray | None = None,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Tasks each claimant gets under DRF, from its demand vector per task.

    Parameters
    ----------
    demand
        ``(claimants, resources)``: what one task of each claimant uses of each resource.
    capacity
        ``(resources,)``: what there is of each resource.
    max_tasks
        ``(claimants,)``: tasks each claimant wants (default: unbounded).
    start
        ``(claimants,)``: dominant share each claimant already holds (default 0).

    Returns
    -------
    numpy.ndarray
        Tasks per claimant (divisible: progressive filling in continuous amounts).

    Examples
    --------
    The example of Ghodsi et al.: 9 CPUs and 18 GB; user A's tasks need <1 CPU, 4 GB>,
    B's <3 CPUs, 1 GB>. A gets 3 tasks and B 2 (dominant shares 2/3 each).

    >>> drf_tasks(np.array([[1.0, 4.0], [3.0, 1.0]]), np.array([9.0, 18.0])).round(6).tolist()
    [3.0, 2.0]
    """
    demand = np.asarray(demand, dtype=float)
    capacity = np.asarray(capacity, dtype=float)
    if demand.ndim != 2 or demand.shape[1] != len(capacity) or (demand < 0).any():
        msg = (
            f"`demand` must be a non-negative (claimants, resources) array with one column per "
            f"resource in `capacity` ({len(capacity)}); got shape {demand.shape}. Pass one row "
            "per claimant: what one of its tasks uses of each resource."
        )
        raise ValueError(msg)
    C = demand.shape[0]
    big = float(capacity.sum() / max(demand[demand > 0].min(initial=1.0), 1e-12)) * 10 + 1.0
    want = np.full(C, big) if max_tasks is None else np.asarray(max_tasks, dtype=float)
    batches = []
    for c in range(C):
        used = np.flatnonzero(demand[c] > 0)
        batches.append(
            ClaimBatch(
                claimant=np.array([f"claimant:{c}"], dtype=object),
                klass=np.array([0]),
                amount=np.array([want[c]]),
                row_group=np.array([0]),
                entry_row=np.zeros(len(used), dtype=np.int64),
                entry_resource=used,
                entry_coef=demand[c, used],
                row_cost=np.zeros(1),
                divisible=np.array([True]),
            )
        )
    cs = merge_batches(
        "drf", capacity, batches, np.zeros(len(CLASSES), dtype=np.int64), np.ones(len(CLASSES)),
        np.random.default_rng(0),
    )  # fmt: skip
    s0 = None if start is None else np.asarray(start, dtype=float)[cs.row_group]
    x = progressive_fill(cs, np.ones(C, dtype=bool), want[cs.row_group], capacity.copy(), s0)
    return cs.group_total(x)


__all__ = ["DominantResourceFairness", "drf_tasks", "progressive_fill"]
