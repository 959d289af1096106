"""Lagrangian bound and reduction tests for the uncapacitated p-median (dense costs).

Relaxing the assignment rows ``sum_j x_ij = 1`` with multipliers ``lambda_i`` gives

    L(lambda) = sum_i lambda_i + sum of the p smallest rho_j,
    rho_j = sum_i min(0, w_i d_ij - lambda_i),

a lower bound on the optimum for every ``lambda`` (Cornuejols, Fisher & Nemhauser 1977; the
classic route of Beasley 1985 to the OR-Library instances). With an upper bound ``UB`` (a
feasible cost), a site ``j`` outside the p best can be *removed* when forcing it open raises the
bound above ``UB``: ``L + rho_j - rho_(p) > UB``. No solution containing a removed site costs
less than ``UB``, so the optimum lies among the kept sites and the exact solver runs on them
only; the bound it proves there, capped at ``UB``, is a bound for the full problem.
"""

from __future__ import annotations

import time

import numpy as np


def lagrangian_reduce(
    costs: np.ndarray,
    weights: np.ndarray,
    p: int,
    upper: float,
    *,
    iterations: int = 600,
    time_limit: float = 10.0,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Subgradient ascent on ``L(lambda)`` and the sites the reduction test keeps.

    Parameters
    ----------
    costs, weights
        ``(n, m)`` distances and ``n`` demand weights.
    p
        Number of sites to open.
    upper
        Cost of a feasible solution (an upper bound on the optimum).
    iterations, time_limit
        Limits of the ascent.

    Returns
    -------
    tuple of (float, numpy.ndarray, numpy.ndarray)
        The best Lagrangian lower bound; the boolean mask of sites that may be in a solution
        cheaper than ``upper`` (every site when the test removes none); and the mask of sites
        that every such solution opens (closing one lifts the bound above ``upper``).
    """
    t0 = time.perf_counter()
    n, m = costs.shape
    c = weights[:, None] * costs
    keep = np.ones(m, dtype=bool)
    must = np.zeros(m, dtype=bool)
    if p >= m or not np.isfinite(upper):
        return -np.inf, keep, must
    part = np.partition(c, min(1, m - 1), axis=1)
    lam = part[:, min(1, m - 1)].astype(float)
    best_lb = -np.inf
    best_rho = None
    best_lam_sum = 0.0
    theta, stall = 2.0, 0
    for _ in range(iterations):
        red = np.minimum(c - lam[:, None], 0.0)
        rho = red.sum(axis=0)
        open_ = np.argpartition(rho, p - 1)[:p]
        lb = float(lam.sum() + rho[open_].sum())
        if lb > best_lb + 1e-12 * abs(lb):
            best_lb, best_rho, best_lam_sum, stall = lb, rho.copy(), float(lam.sum()), 0
        else:
            stall += 1
            if stall >= 15:
                theta, stall = theta / 2, 0
        if best_lb >= upper - 1e-9 * max(1.0, abs(upper)) or theta < 1e-4:
            break
        if time.perf_counter() - t0 > time_limit:
            break
        g = 1.0 - (red[:, open_] < 0).sum(axis=1)
        norm = float(g @ g)
        if norm == 0:
            break
        lam = np.maximum(lam + theta * (upper - lb) / norm * g, 0.0)
    if best_rho is None:
        return -np.inf, keep, must
    order = np.sort(best_rho)
    rho_p = order[p - 1]
    # forcing j open (j not among the p best) replaces the p-th best rho by rho_j
    keep = best_lam_sum + order[:p].sum() + best_rho - rho_p <= upper + 1e-9 * max(1.0, upper)
    best = np.argsort(best_rho, kind="stable")[:p]
    keep[best] = True
    # closing j (among the p best) replaces rho_j by the (p+1)-th best
    if p < m:
        tol = 1e-9 * max(1.0, upper)
        lifted = best_lam_sum + order[:p].sum() - best_rho[best] + order[p]
        must[best[lifted > upper + tol]] = True
    return best_lb, keep, must


def lagrangian_branch_and_bound(
    costs: np.ndarray,
    weights: np.ndarray,
    p: int,
    start: np.ndarray,
    *,
    time_limit: float = 30.0,
    node_iterations: int = 60,
    fixed_open: np.ndarray | None = None,
) -> tuple[float, np.ndarray, bool]:
    """Depth-first branch and bound with Lagrangian bounds, for few candidate sites.

    Each node fixes some sites open and some closed; its bound is the Lagrangian
    ``sum lambda + sum_{open fixed} rho_j + the (p - |open|) smallest free rho_j`` after a short
    subgradient ascent warm-started from the parent. A node is pruned when its bound (rounded
    up for integer costs) reaches the incumbent; it branches on the free site of the
    relaxation's solution with the most negative ``rho`` (closed first, then open).
    ``fixed_open`` sites are open at the root (e.g. those every cheaper solution opens); the
    ``start`` solution need not contain them.

    Returns
    -------
    tuple of (float, numpy.ndarray, bool)
        The best cost, its sites (sorted column indices), and whether the search finished (then
        the cost is proven optimal).
    """
    t0 = time.perf_counter()
    n, m = costs.shape
    c = weights[:, None] * costs
    integral = bool(np.all(c == np.round(c)))
    best_sites = np.sort(np.asarray(start))
    best = float(c[:, best_sites].min(axis=1).sum())
    part = np.partition(c, min(1, m - 1), axis=1)
    lam0 = part[:, min(1, m - 1)].astype(float)
    # node: (lambda, forced-open mask, forced-closed mask)
    fo0 = np.zeros(m, bool) if fixed_open is None else np.asarray(fixed_open, bool).copy()
    stack = [(lam0, fo0, np.zeros(m, bool))]
    while stack:
        if time.perf_counter() - t0 > time_limit:
            return best, best_sites, False
        lam, fo, fc = stack.pop()
        free = ~fo & ~fc
        need = p - int(fo.sum())
        if need < 0 or need > int(free.sum()):
            continue
        theta = 1.0
        bound, pick = -np.inf, None
        for _ in range(node_iterations):
            red = np.minimum(c - lam[:, None], 0.0)
            red[:, fc] = 0.0
            rho = red.sum(axis=0)
            rho[fc] = np.inf
            free_idx = np.flatnonzero(free)
            chosen = free_idx[np.argpartition(rho[free_idx], need - 1)[:need]] if need else (
                np.zeros(0, int))  # fmt: skip
            open_ = np.r_[np.flatnonzero(fo), chosen].astype(int)
            lb = float(lam.sum() + rho[open_].sum())
            if lb > bound:
                bound, pick = lb, (lam.copy(), open_.copy(), rho.copy())
            cand_cost = float(c[:, open_].min(axis=1).sum())
            if cand_cost < best - 1e-9:
                best, best_sites = cand_cost, np.sort(open_)
            if (np.ceil(bound - 1e-6) if integral else bound) >= best - 1e-9 * max(1, best):
                break
            g = 1.0 - (red[:, open_] < 0).sum(axis=1)
            norm = float(g @ g)
            if norm == 0:
                break
            lam = np.maximum(lam + theta * (best - lb) / norm * g, 0.0)
            theta *= 0.95
        if (np.ceil(bound - 1e-6) if integral else bound) >= best - 1e-9 * max(1, best):
            continue
        if pick is None:
            # no finite node bound: only possible when the ascent ran no iteration
            msg = (
                f"node_iterations must be at least 1 for the branch-and-bound to bound a node; "
                f"got {node_iterations!r}. Pass node_iterations >= 1."
            )
            raise ValueError(msg)
        lam_b, open_b, rho_b = pick
        cand = [j for j in open_b if free[j]]
        if not cand:
            continue
        j = min(cand, key=lambda k: rho_b[k])
        fo2 = fo.copy()
        fo2[j] = True
        fc2 = fc.copy()
        fc2[j] = True
        stack.append((lam_b.copy(), fo2, fc))  # explored second
        stack.append((lam_b.copy(), fo, fc2))  # explored first
    return best, best_sites, True


__all__ = ["lagrangian_branch_and_bound", "lagrangian_reduce"]
