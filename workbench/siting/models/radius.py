"""Exact uncapacitated p-median by the radius formulation with lazy level extension.

For each demand ``i`` sort the distinct distances ``D_i^1 < D_i^2 < ...``. With
``z_ik = 1`` when no open site lies within ``D_i^k``, the cost of ``i`` is
``D_i^1 + sum_k (D_i^{k+1} - D_i^k) z_ik`` and the chained rows
``z_ik - z_i,k-1 + sum_{j: D_i^{k-1} < d_ij <= D_i^k} y_j >= 0`` (``z_i0 = 1``) give the same LP
bound as the classical ``x_ij <= y_j`` model (Elloumi 2010; Garcia, Labbe & Marin 2011) with
O(n m) non-zeros instead of O(n m) rows. Only each demand's first ``L_i`` levels are modelled:
the truncated model is a relaxation (a valid lower bound). Levels start at the heuristic
incumbent's assignment distance and are extended where the MILP's solution needs more, until
its true cost equals the truncated optimum (then it is proven optimal).
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from workbench.siting.solver import (
    PROOF_TOL,
    SolveOutcome,
    relative_gap,
    solve_milp,
    status_from_gap,
)


def solve_radius_pmedian(
    costs: np.ndarray,
    weights: np.ndarray,
    p: int,
    *,
    fixed: np.ndarray,
    start: np.ndarray,
    time_limit: float | None,
    mip_rel_gap: float,
    threads: int | None,
    all_levels: bool = False,
) -> tuple[SolveOutcome, np.ndarray]:
    """Solve the uncapacitated p-median exactly; returns ``(outcome, open column indices)``.

    ``outcome.objective`` is the true cost of the returned sites and ``outcome.bound`` a proven
    lower bound on the optimum. ``all_levels`` models every distance level from the start (no
    lazy extension): better when there are few candidate sites, e.g. after reduction tests.
    """
    t0 = time.perf_counter()
    n, m = costs.shape
    order = np.argsort(costs, axis=1, kind="stable")
    ds = np.take_along_axis(costs, order, axis=1)
    # level of each sorted position (0-based): increases where the distance increases
    step = np.zeros((n, m), dtype=np.int64)
    step[:, 1:] = (np.diff(ds, axis=1) > 0).astype(np.int64)
    level = np.cumsum(step, axis=1)
    n_levels = level[:, -1] + 1
    best_sites = np.sort(np.asarray(start))
    best_cost = float(weights @ costs[:, best_sites].min(axis=1))
    lower = -math.inf
    # initial L_i: the level of the incumbent's assignment distance
    cur = costs[:, best_sites].min(axis=1)
    lim = np.array([int(level[i, np.searchsorted(ds[i], cur[i], side="left")]) for i in range(n)])
    lim = np.minimum(lim + 1, n_levels - 1)
    if all_levels:
        lim = n_levels - 1
    while True:
        left = None if time_limit is None else max(time_limit - (time.perf_counter() - t0), 0.5)
        out = _solve_truncated(
            ds, level, order, lim, n_levels, weights, p, fixed, best_sites, left,
            mip_rel_gap, threads,
        )  # fmt: skip
        if out.x is None:
            break
        y = out.x[:m] > 0.5
        sites = np.flatnonzero(y)
        true_d = costs[:, sites].min(axis=1)
        true_cost = float(weights @ true_d)
        if true_cost < best_cost - 1e-9:
            best_cost, best_sites = true_cost, sites
        if math.isfinite(out.bound):
            lower = max(lower, out.bound)
        if out.gap > max(mip_rel_gap, PROOF_TOL) * (1 + 1e-9):
            break  # stopped at the time limit: keep the proven bound so far
        # levels needed: first level whose distance reaches the true assignment distance
        need = np.array(
            [int(level[i, np.searchsorted(ds[i], true_d[i], side="left")]) for i in range(n)]
        )
        short = need > lim
        if not short.any() or relative_gap(best_cost, lower) <= mip_rel_gap:
            # the truncated model's proven bound is the bound: its incumbent is not a proof
            break
        lim = np.where(short, np.minimum(np.maximum(need, 2 * lim + 1), n_levels - 1), lim)
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            break
    lower = min(lower, best_cost)  # a lower bound never exceeds a feasible cost
    gap = relative_gap(best_cost, lower)
    status = status_from_gap(gap)
    return (
        SolveOutcome(status, None, best_cost, lower, gap, time.perf_counter() - t0),
        best_sites,
    )


def _solve_truncated(
    ds: np.ndarray,
    level: np.ndarray,
    order: np.ndarray,
    lim: np.ndarray,
    n_levels: np.ndarray,
    weights: np.ndarray,
    p: int,
    fixed: np.ndarray,
    start_sites: np.ndarray,
    time_limit: float | None,
    mip_rel_gap: float,
    threads: int | None,
) -> SolveOutcome:
    n, m = ds.shape
    # z columns: for demand i, levels 0..lim_i-1 (z_i,k for k=1..lim_i in 1-based terms)
    nz = lim.copy()
    zoff = m + np.r_[0, np.cumsum(nz)[:-1]]
    nzt = int(nz.sum())
    # distinct level values per demand: first sorted distance of each level
    # y entries: sorted positions with level < lim_i go into row (i, level)
    inside = level < lim[:, None]
    ii, pos = np.nonzero(inside)
    lv = level[ii, pos]
    row_off = np.r_[0, np.cumsum(nz)[:-1]]
    y_rows = row_off[ii] + lv
    y_cols = order[ii, pos]
    # z entries: row (i,k) has +1 on z_ik and -1 on z_i,k-1 (k >= 1)
    zi = np.repeat(np.arange(n), nz)
    zk = np.arange(nzt) - row_off[zi]
    z_rows = np.arange(nzt)
    z_cols = zoff[zi] + zk
    prev = zk > 0
    rows = np.r_[y_rows, z_rows, z_rows[prev]]
    cols = np.r_[y_cols, z_cols, z_cols[prev] - 1]
    vals = np.r_[np.ones(len(y_rows)), np.ones(nzt), -np.ones(int(prev.sum()))]
    a = sp.coo_array((vals, (rows, cols)), shape=(nzt, m + nzt))
    row_lo = np.where(zk == 0, 1.0, 0.0)
    card = sp.csr_array((np.ones(m), (np.zeros(m, int), np.arange(m))), shape=(1, m + nzt))
    # level values: value of level k for demand i = first ds with that level
    first_pos = np.zeros(n * 0 + 1)  # placeholder to keep shapes obvious
    del first_pos
    lvl_val = _level_values(ds, level, nz + 1)
    base = ds[:, 0]
    cz = np.empty(nzt)
    cz[:] = (lvl_val[1][:] - lvl_val[0][:]) * np.repeat(weights, nz)
    c = np.r_[np.zeros(m), cz]
    start = np.zeros(m + nzt)
    start[start_sites] = 1.0
    # z at the start: 1 for levels before the first open one
    opened = np.zeros(m, bool)
    opened[start_sites] = True
    first_open_level = np.full(n, np.iinfo(np.int64).max)
    hit = opened[order]
    any_hit = hit.any(axis=1)
    first_open_level[any_hit] = level[any_hit, np.argmax(hit[any_hit], axis=1)]
    start[m:] = (zk < first_open_level[zi]).astype(float)
    out = solve_milp(
        c, sp.vstack([a, card], format="csr"), np.r_[row_lo, p], np.r_[np.full(nzt, np.inf), p],
        np.r_[fixed.astype(float), np.zeros(nzt)], np.r_[np.ones(m), np.ones(nzt)],
        np.r_[np.ones(m, bool), np.zeros(nzt, bool)], time_limit=time_limit,
        mip_rel_gap=mip_rel_gap, threads=threads, start=start, offset=float(weights @ base),
        integral_objective=bool(_integral(weights) and _integral(ds)),
    )  # fmt: skip
    del n_levels
    return out


def _integral(a: np.ndarray) -> bool:
    return bool(np.all(a == np.round(a)))


def _level_values(ds: np.ndarray, level: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Flattened ``(D_i^k, D_i^{k+1})`` for k = 1..counts_i - 1 (level values per demand)."""
    n, m = ds.shape
    newlvl = np.ones((n, m), dtype=bool)
    newlvl[:, 1:] = np.diff(level, axis=1) > 0
    ii, pos = np.nonzero(newlvl)
    lv = level[ii, pos]
    keep = lv < counts[ii]
    vals = ds[ii[keep], pos[keep]]
    lvk = lv[keep]
    iik = ii[keep]
    # for each demand, levels 0..counts_i-1 are present in order
    lo_mask = lvk < counts[iik] - 1
    hi_mask = lvk > 0
    return vals[lo_mask], vals[hi_mask]


__all__ = ["solve_radius_pmedian"]
