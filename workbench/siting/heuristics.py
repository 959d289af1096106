"""Heuristics for p-median: greedy addition and fast vertex substitution (Teitz-Bart/Whitaker).

These give good incumbents fast; the exact solver (:class:`~workbench.siting.PMedian`) uses them
to size its radius formulation and to warm-start HiGHS, and :mod:`workbench.siting.large` uses
them with Lagrangian bounds at scale.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def _two_nearest(costs: np.ndarray, open_idx: np.ndarray) -> tuple[np.ndarray, ...]:
    sub = costs[:, open_idx]
    if len(open_idx) == 1:
        k1 = np.zeros(costs.shape[0], dtype=np.int64)
        return open_idx[k1], sub[:, 0], np.full(costs.shape[0], np.inf)
    part = np.argpartition(sub, 1, axis=1)[:, :2]
    rows = np.arange(costs.shape[0])
    a, b = sub[rows, part[:, 0]], sub[rows, part[:, 1]]
    first = np.where(a <= b, part[:, 0], part[:, 1])
    return open_idx[first], np.minimum(a, b), np.maximum(a, b)


def greedy_pmedian(
    costs: np.ndarray, weights: np.ndarray, p: int, fixed: np.ndarray | None = None
) -> np.ndarray:
    """Greedy addition: open sites one at a time, each the largest reduction of total cost.

    Returns
    -------
    numpy.ndarray
        Sorted column indices of the ``p`` open sites (fixed sites included).
    """
    n, m = costs.shape
    is_open = np.zeros(m, dtype=bool)
    if fixed is not None:
        is_open |= fixed
    if is_open.any():
        cur = costs[:, is_open].min(axis=1)
    else:
        tot = weights @ costs
        j = int(np.argmin(tot))
        is_open[j] = True
        cur = costs[:, j].copy()
    while is_open.sum() < p:
        gain = weights @ np.maximum(cur[:, None] - costs, 0.0)
        gain[is_open] = -1.0
        j = int(np.argmax(gain))
        is_open[j] = True
        cur = np.minimum(cur, costs[:, j])
    del n
    return np.flatnonzero(is_open)


def interchange(
    costs: np.ndarray,
    weights: np.ndarray,
    open_idx: np.ndarray,
    fixed: np.ndarray | None = None,
    *,
    max_iter: int = 10_000,
) -> np.ndarray:
    """Fast vertex substitution: best single swap per iteration until none improves.

    Uses Whitaker's decomposition ``profit(j, r) = G_j - M[j, r]`` with
    ``G_j = sum_i w_i max(0, d1_i - d_ij)`` and
    ``M[j, r] = sum_{i: nearest(i)=r} w_i max(0, min(d_ij, d2_i) - d1_i)``, where ``d1``/``d2``
    are the nearest and second-nearest open distances. Each iteration is O(n m) array work.

    Returns
    -------
    numpy.ndarray
        Sorted column indices of a swap-optimal (locally optimal) set of sites.
    """
    n, m = costs.shape
    is_open = np.zeros(m, dtype=bool)
    is_open[open_idx] = True
    fixed = np.zeros(m, dtype=bool) if fixed is None else fixed
    for _ in range(max_iter):
        oi = np.flatnonzero(is_open)
        near, d1, d2 = _two_nearest(costs, oi)
        g = weights @ np.maximum(d1[:, None] - costs, 0.0)
        h = weights[:, None] * np.maximum(np.minimum(costs, d2[:, None]) - d1[:, None], 0.0)
        onehot = sp.csr_array((np.ones(n), (np.arange(n), near)), shape=(n, m))
        mm = np.asarray((onehot.T @ h).T)  # (m candidates, m removed)
        profit = g[:, None] - mm
        profit[is_open, :] = -np.inf
        profit[:, ~is_open | fixed] = -np.inf
        j, r = np.unravel_index(int(np.argmax(profit)), profit.shape)
        if not np.isfinite(profit[j, r]) or profit[j, r] <= 1e-9 * max(1.0, float(weights @ d1)):
            break
        is_open[j], is_open[r] = True, False
    return np.flatnonzero(is_open)


def pmedian_heuristic(
    costs: np.ndarray, weights: np.ndarray, p: int, fixed: np.ndarray | None = None
) -> np.ndarray:
    """Greedy followed by fast interchange; returns sorted open column indices."""
    return interchange(costs, weights, greedy_pmedian(costs, weights, p, fixed), fixed)


__all__ = ["greedy_pmedian", "interchange", "pmedian_heuristic"]
