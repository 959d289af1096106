"""Large-scale siting (tens of thousands of demand points, thousands of candidates).

Both methods take point coordinates (projected metres, or lon/lat mapped to 3-D unit-sphere
coordinates so that a :class:`scipy.spatial.cKDTree` answers radius and nearest queries) and never
build the dense demand x site matrix.

- :func:`large_mclp`: sparse coverage from a radius query, demand with identical coverage sets
  merged, a greedy start, then HiGHS on the merged model with a target gap (its dual bound is
  the proven upper bound).
- :func:`large_pmedian`: Lagrangian relaxation of the assignment rows over each demand's ``k``
  nearest sites (multipliers clamped at the ``(k+1)``-th nearest cost, which keeps the bound
  valid for the full problem), subgradient steps, and a Lagrangian heuristic: the sites the
  relaxation likes best form a short list on which greedy + fast interchange run exactly. The
  best Lagrangian value is a proven lower bound; the gap is reported honestly.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from workbench.errors import SpecError
from workbench.siting.problem import EARTH_RADIUS_M
from workbench.siting.solver import relative_gap, solve_milp, status_from_gap


def _xyz(xy: np.ndarray, geographic: bool) -> tuple[np.ndarray, float]:
    """KD-tree coordinates and the factor from tree distance to metres (chord for lon/lat)."""
    if not geographic:
        return np.asarray(xy, float), 1.0
    lon, lat = np.radians(xy[:, 0]), np.radians(xy[:, 1])
    pts = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    return pts, EARTH_RADIUS_M


def _chord_to_m(d: np.ndarray, geographic: bool) -> np.ndarray:
    if not geographic:
        return d
    return 2 * EARTH_RADIUS_M * np.arcsin(np.clip(d / 2, 0, 1))


def _m_to_chord(r: float, geographic: bool) -> float:
    return 2 * math.sin(min(r / EARTH_RADIUS_M, math.pi) / 2) if geographic else r


def _check(demand_xy: Any, site_xy: Any, weights: Any, p: int) -> tuple[np.ndarray, ...]:
    d = np.asarray(demand_xy, float).reshape(-1, 2)
    s = np.asarray(site_xy, float).reshape(-1, 2)
    w = np.ones(len(d)) if weights is None else np.asarray(weights, float)
    if len(d) == 0 or len(s) == 0:
        msg = f"Need demand and sites; got {len(d)} demand points and {len(s)} sites."
        raise SpecError(msg)
    if len(w) != len(d) or (w < 0).any() or not np.isfinite(w).all():
        msg = f"`weights` must be {len(d)} finite non-negative values; got {len(w)} values."
        raise SpecError(msg)
    if not (1 <= int(p) <= len(s)):
        msg = f"`p` must be between 1 and the number of sites ({len(s)}); got {p}."
        raise SpecError(msg)
    return d, s, w


def large_mclp(
    demand_xy: Any,
    site_xy: Any,
    radius: float,
    p: int,
    *,
    weights: Any = None,
    geographic: bool = False,
    time_limit: float = 110.0,
    mip_rel_gap: float = 0.01,
    threads: int | None = None,
) -> dict[str, Any]:
    """Maximal covering at scale (see the module notes).

    Returns
    -------
    dict
        ``status, objective, bound, gap, seconds, selected`` (site positions), ``n_groups``,
        ``nnz``.
    """
    from scipy.spatial import cKDTree

    from workbench.siting.models.covering import group_rows

    t0 = time.perf_counter()
    d, s, w = _check(demand_xy, site_xy, weights, p)
    pd_, _ = _xyz(d, geographic)
    ps, _ = _xyz(s, geographic)
    tree_d, tree_s = cKDTree(pd_), cKDTree(ps)
    coo = tree_d.sparse_distance_matrix(
        tree_s, _m_to_chord(radius, geographic), output_type="coo_matrix"
    )
    a = sp.csr_array((np.ones(coo.nnz), (coo.row, coo.col)), shape=(len(d), len(s)))
    keep = np.flatnonzero((np.diff(a.indptr) > 0) & (w > 0))
    ag, gw, _ = group_rows(sp.csr_array(a[keep]), w[keep])
    g, m = ag.shape
    # greedy start: add the site covering the most uncovered weight
    left = gw.copy()
    chosen: list[int] = []
    agc = sp.csc_array(ag)
    for _ in range(int(p)):
        gain = left @ ag
        gain[chosen] = -1
        j = int(np.argmax(gain))
        chosen.append(j)
        rows = agc.indices[agc.indptr[j] : agc.indptr[j + 1]]
        left[rows] = 0.0
    y0 = np.zeros(m)
    y0[chosen] = 1
    z0 = np.minimum(ag @ y0, 1.0)
    cov = sp.hstack([-ag, sp.eye_array(g)], format="csr")
    card = sp.csr_array(np.r_[np.ones(m), np.zeros(g)][None, :])
    remaining = max(time_limit - (time.perf_counter() - t0), 1.0)
    out = solve_milp(
        np.r_[np.zeros(m), gw], sp.vstack([cov, card], format="csr"),
        np.r_[np.full(g, -np.inf), p], np.r_[np.zeros(g), p], np.zeros(m + g), np.ones(m + g),
        np.r_[np.ones(m, bool), np.zeros(g, bool)], maximize=True, time_limit=remaining,
        mip_rel_gap=mip_rel_gap, threads=threads, start=np.r_[y0, z0],
    )  # fmt: skip
    sel = np.flatnonzero(out.x[:m] > 0.5) if out.x is not None else np.asarray(chosen)
    obj = float(gw @ np.minimum(ag @ np.isin(np.arange(m), sel).astype(float), 1.0))
    bound = out.bound if math.isfinite(out.bound) else float(gw.sum())
    gap = relative_gap(obj, bound)
    return {
        "status": status_from_gap(gap),
        "objective": obj,
        "bound": float(bound),
        "gap": gap,
        "seconds": time.perf_counter() - t0,
        "selected": sel,
        "n_groups": int(g),
        "nnz": int(a.nnz),
        "greedy": float(gw.sum() - left.sum()),
    }


def large_pmedian(
    demand_xy: Any,
    site_xy: Any,
    p: int,
    *,
    weights: Any = None,
    geographic: bool = False,
    k: int = 48,
    iterations: int = 300,
    time_limit: float = 110.0,
    target_gap: float = 0.005,
    shortlist: int | None = None,
    polish_swaps: int = 40,
) -> dict[str, Any]:
    """p-median at scale by Lagrangian relaxation + Lagrangian heuristic (see module notes).

    Returns
    -------
    dict
        ``status, objective, bound, gap, seconds, selected, iterations``.
    """
    from scipy.spatial import cKDTree

    from workbench.siting.heuristics import interchange

    t0 = time.perf_counter()
    d, s, w = _check(demand_xy, site_xy, weights, p)
    n, m = len(d), len(s)
    p = int(p)
    k = min(k, m)
    pd_, _ = _xyz(d, geographic)
    ps, _ = _xyz(s, geographic)
    tree_s = cKDTree(ps)
    kq = min(k + 1, m)
    dist, idx = tree_s.query(pd_, k=kq)
    dist = _chord_to_m(np.asarray(dist).reshape(n, kq), geographic)
    idx = np.asarray(idx).reshape(n, kq)
    cap = w * dist[:, k] if kq > k else np.full(n, np.inf)  # clamp keeps the bound valid
    dist, idx = dist[:, :k], idx[:, :k]
    c = w[:, None] * dist
    flat_idx = idx.ravel()

    def evaluate(sites: np.ndarray) -> float:
        dd, _ = cKDTree(ps[sites]).query(pd_, k=1)
        return float(w @ _chord_to_m(np.asarray(dd), geographic))

    # sparse greedy start over the k-nearest lists (unlisted sites count as the (k+1)-th cost)
    far = np.where(np.isfinite(cap), cap, c[:, -1] * 2)
    cur = far.copy()
    g_open: list[int] = []
    for _ in range(p):
        gain = np.bincount(flat_idx, weights=np.maximum(cur[:, None] - c, 0.0).ravel(), minlength=m)
        gain[g_open] = -1.0
        j = int(np.argmax(gain))
        g_open.append(j)
        hit = idx == j
        rows = np.flatnonzero(hit.any(axis=1))
        cur[rows] = np.minimum(cur[rows], c[rows][hit[rows]])
    greedy_sites = np.sort(np.asarray(g_open))
    best_ub = evaluate(greedy_sites)
    best_sites = greedy_sites
    lam = np.minimum(c[:, min(1, k - 1)], cap)
    best_lb = -np.inf
    theta = 2.0
    stall = 0
    it = 0
    short = shortlist or min(m, 2 * p)
    for it in range(1, iterations + 1):
        red = np.minimum(c - lam[:, None], 0.0)
        rho = np.bincount(flat_idx, weights=red.ravel(), minlength=m)
        open_ = np.argpartition(rho, p - 1)[:p]
        lb = float(lam.sum() + rho[open_].sum())
        if lb > best_lb + 1e-9 * abs(lb):
            best_lb, stall = lb, 0
        else:
            stall += 1
            if stall >= 10:
                theta, stall = theta / 2, 0
        if it == 1 or it % 10 == 0:
            ub = evaluate(np.sort(open_))
            if ub < best_ub:
                best_ub, best_sites = ub, np.sort(open_)
        if relative_gap(best_ub, best_lb) <= target_gap or time.perf_counter() - t0 > time_limit:
            break
        is_open = np.zeros(m, bool)
        is_open[open_] = True
        x = (c - lam[:, None] < 0) & is_open[idx]
        g = 1.0 - x.sum(axis=1)
        norm = float(g @ g)
        if norm == 0:
            break
        lam = np.clip(lam + theta * (best_ub - lb) / norm * g, 0.0, cap)
    # polish: fast interchange on the relaxation's short list (exact distances, dense n x short)
    cand = np.union1d(np.argsort(rho)[:short], best_sites)
    if n * len(cand) <= 2e7 and time.perf_counter() - t0 < time_limit:
        sub = _chord_to_m(
            np.sqrt(((pd_[:, None, :] - ps[cand][None, :, :]) ** 2).sum(-1)), geographic
        )
        local = interchange(sub, w, np.searchsorted(cand, best_sites), max_iter=polish_swaps)
        ub = evaluate(cand[local])
        if ub < best_ub:
            best_ub, best_sites = ub, cand[local]
    gap = relative_gap(best_ub, best_lb)
    return {
        "status": status_from_gap(gap),
        "objective": best_ub,
        "bound": best_lb,
        "gap": gap,
        "seconds": time.perf_counter() - t0,
        "selected": np.sort(np.asarray(best_sites)),
        "iterations": it,
    }


__all__ = ["large_mclp", "large_pmedian"]
