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
) -> tuple[float, np.ndarray]:
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


__all__ = ["lagrangian_reduce"]
