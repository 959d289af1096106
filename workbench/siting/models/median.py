"""Median-type models: p-median, p-center, p-dispersion and capacitated fixed-charge location.

p-median uses the strong (disaggregated) formulation ``x_ij <= y_j``; without capacities only
each demand's ``n_sites - p + 1`` nearest sites can ever be its nearest open site, so the other
assignment variables are left out (exact reduction). p-center is solved by binary search over the
sorted distinct distances with a set-covering feasibility check (each check a proven MILP).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from workbench.errors import SpecError
from workbench.siting.models.base import (
    SitingModel,
    build_result,
    check_p,
    fixed_bounds,
    nearest_assignment,
)
from workbench.siting.models.covering import check_capacity, no_solution
from workbench.siting.problem import Problem
from workbench.siting.result import SitingResult
from workbench.siting.solver import FEASIBLE, OPTIMAL, PROOF_TOL, SolveOutcome, solve_milp


def _pairs(problem: Problem, keep: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Demand-site pairs for assignment variables: all, or each row's ``keep`` nearest (+ties)."""
    n, m = problem.costs.shape
    if keep is None or keep >= m:
        return np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    part = np.partition(problem.costs, keep - 1, axis=1)[:, keep - 1]
    pi, pj = np.nonzero(problem.costs <= part[:, None])
    return pi, pj


def _assignment_model(
    problem: Problem,
    pi: np.ndarray,
    pj: np.ndarray,
    *,
    capacities: np.ndarray | None,
    p: int | None,
) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    """Rows over columns ``[y (m), x (K)]``: assignment = 1, x <= y, capacity, sum y = p."""
    n, m = problem.costs.shape
    k = len(pi)
    xk = m + np.arange(k)
    blocks = [sp.coo_array((np.ones(k), (pi, xk)), shape=(n, m + k))]
    lo, hi = [np.ones(n)], [np.ones(n)]
    blocks.append(
        sp.coo_array(
            (np.r_[np.ones(k), -np.ones(k)], (np.tile(np.arange(k), 2), np.r_[xk, pj])),
            shape=(k, m + k),
        )
    )
    lo.append(np.full(k, -np.inf))
    hi.append(np.zeros(k))
    if capacities is not None:
        blocks.append(
            sp.coo_array(
                (
                    np.r_[problem.weights[pi], -capacities],
                    (np.r_[pj, np.arange(m)], np.r_[xk, np.arange(m)]),
                ),
                shape=(m, m + k),
            )
        )
        lo.append(np.full(m, -np.inf))
        hi.append(np.zeros(m))
    if p is not None:
        blocks.append(
            sp.csr_array((np.ones(m), (np.zeros(m, int), np.arange(m))), shape=(1, m + k))
        )
        lo.append(np.array([p]))
        hi.append(np.array([p]))
    return sp.vstack(blocks, format="csr"), np.concatenate(lo), np.concatenate(hi)


class PMedian(SitingModel):
    """Weighted p-median: open ``p`` sites minimising total weighted distance.

    Parameters
    ----------
    p
        Number of sites to open.
    capacitated
        Respect site capacities (single assignment of each demand's weight).
    """

    name = "pmedian"
    sense = "min"
    description = "p-median: least total weighted distance with p sites"

    def __init__(self, p: int, *, capacitated: bool = False) -> None:
        self.p = p
        self.capacitated = bool(capacitated)

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float | None = None,
        mip_rel_gap: float = 1e-6,
        threads: int | None = None,
        start_sites: np.ndarray | None = None,
    ) -> SitingResult:
        """Solve the p-median model (see :meth:`SitingModel.solve`).

        ``start_sites`` (column indices) warm-starts the MIP with a heuristic solution.
        """
        p = check_p(self.p, problem)
        m = problem.n_sites
        w = problem.weights
        if not self.capacitated:
            from workbench.siting.heuristics import pmedian_heuristic

            t0 = time.perf_counter()
            fixed = problem.existing
            start = (
                np.asarray(start_sites)
                if start_sites is not None
                else pmedian_heuristic(problem.costs, w, p, fixed if fixed.any() else None)
            )
            out, open_idx = _reduce_and_solve(
                problem.costs, w, p, fixed, np.asarray(start), time_limit, mip_rel_gap, threads,
            )  # fmt: skip
            assign, dist = nearest_assignment(problem, open_idx)
            return build_result(
                self, problem, out, open_idx, assign_idx=assign, objective=float(w @ dist),
                bound=out.bound, status=out.status, seconds=time.perf_counter() - t0,
                method="highs-radius",
            )  # fmt: skip
        caps = check_capacity(problem, sp.csr_array(np.ones((problem.n_demand, m))))
        if caps.sum() + 1e-9 < w.sum():
            _total_capacity_error(problem, caps)
        pi, pj = _pairs(problem, None)
        a, lo, hi = _assignment_model(problem, pi, pj, capacities=caps, p=p)
        k = len(pi)
        ylo, yhi = fixed_bounds(problem)
        out = solve_milp(
            np.r_[np.zeros(m), w[pi] * problem.costs[pi, pj]], a, lo, hi,
            np.r_[ylo, np.zeros(k)], np.r_[yhi, np.ones(k)], np.ones(m + k, bool),
            time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads,
        )  # fmt: skip
        if out.x is None:
            return no_solution(self, problem, out)
        open_idx = np.flatnonzero(out.x[:m] > 0.5)
        xs = out.x[m:] > 0.5
        assign = np.full(problem.n_demand, -1)
        assign[pi[xs]] = pj[xs]
        return build_result(self, problem, out, open_idx, assign_idx=assign)


def _total_capacity_error(problem: Problem, caps: np.ndarray) -> None:
    from workbench.errors import InfeasibleError

    w = problem.weights
    msg = (
        f"Infeasible: total demand weight {w.sum():g} exceeds the total capacity of all "
        f"candidate sites {caps.sum():g}. Add sites or raise capacities."
    )
    raise InfeasibleError(msg)


class PCenter(SitingModel):
    """p-center: open ``p`` sites minimising the largest distance from demand to its site.

    Demand with weight 0 is ignored. Solved by binary search over distinct distances, each
    step a set-covering MILP ("can ``p`` sites cover everything within r?").
    """

    name = "pcenter"
    sense = "min"
    description = "p-center: smallest worst-case distance with p sites"

    def __init__(self, p: int) -> None:
        self.p = p

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float | None = None,
        mip_rel_gap: float = 1e-6,
        threads: int | None = None,
    ) -> SitingResult:
        """Solve the p-center model (see :meth:`SitingModel.solve`)."""
        t0 = time.perf_counter()
        p = check_p(self.p, problem)
        rows = np.flatnonzero(problem.weights > 0)
        d = problem.costs[rows]
        m = problem.n_sites
        ylo, yhi = fixed_bounds(problem)
        lb = float(np.max(np.min(d, axis=1)))  # every demand must reach some site
        cand = np.unique(d[d >= lb])
        lo_i, hi_i = 0, len(cand) - 1
        best: np.ndarray | None = None
        proven = True

        def feasible(r: float) -> np.ndarray | None:
            nonlocal proven
            a = sp.csr_array((d <= r).astype(np.float64))
            left = None if time_limit is None else max(time_limit - (time.perf_counter() - t0), 1)
            out = solve_milp(
                np.ones(m), a, np.ones(len(rows)), np.full(len(rows), np.inf), ylo, yhi,
                np.ones(m, bool), time_limit=left, mip_rel_gap=0.0, threads=threads,
            )  # fmt: skip
            if out.x is None:
                proven = proven and out.status == "infeasible"
                return None
            if out.status != OPTIMAL:
                proven = proven and out.x[:m].sum() <= p + 0.5
            if out.x[:m].sum() <= p + 0.5:
                return out.x[:m] > 0.5
            return None

        while lo_i < hi_i:
            mid = (lo_i + hi_i) // 2
            sol = feasible(float(cand[mid]))
            if sol is not None:
                best, hi_i = sol, mid
            else:
                lo_i = mid + 1
        if best is None:
            best = feasible(float(cand[hi_i]))
        assert best is not None  # the largest distance is always feasible with p >= 1
        chosen = np.flatnonzero(best)
        if len(chosen) < p:  # fill up to exactly p sites with the lowest-index spare sites
            spare = np.setdiff1d(np.arange(m), chosen)[: p - len(chosen)]
            chosen = np.sort(np.r_[chosen, spare])
        assign, dist = nearest_assignment(problem, chosen)
        obj = float(np.max(dist[rows]))
        status = OPTIMAL if proven else FEASIBLE
        bound = float(cand[lo_i - 1]) if (not proven and lo_i > 0) else obj
        fake = SolveOutcome(status, None, obj, bound, 0.0, time.perf_counter() - t0)
        return build_result(
            self, problem, fake, chosen, assign_idx=assign, objective=obj, bound=bound,
            status=status,
        )  # fmt: skip


class PDispersion(SitingModel):
    """p-dispersion: open ``p`` sites maximising the smallest distance between two of them.

    Parameters
    ----------
    p
        Number of sites.
    site_distances
        ``(m, m)`` site-to-site distances. When omitted they are computed from the problem's
        site coordinates (haversine or Euclidean, as the problem).
    """

    name = "pdispersion"
    sense = "max"
    description = "p-dispersion: sites as far apart from each other as possible"

    def __init__(self, p: int, site_distances: np.ndarray | None = None) -> None:
        self.p = p
        self._dist = None if site_distances is None else np.asarray(site_distances, float)

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float | None = None,
        mip_rel_gap: float = 1e-6,
        threads: int | None = None,
    ) -> SitingResult:
        """Solve the p-dispersion model (see :meth:`SitingModel.solve`)."""
        p = check_p(self.p, problem, minimum=2)
        m = problem.n_sites
        dist = self._dist
        if dist is None:
            if problem.site_xy is None:
                msg = (
                    "p-dispersion needs site-to-site distances: pass `site_distances=` (an "
                    "n_sites x n_sites matrix) or build the problem from coordinates."
                )
                raise SpecError(msg)
            from workbench.siting.problem import euclidean_matrix, haversine_matrix

            xy = problem.site_xy
            fn = haversine_matrix if problem.geographic else euclidean_matrix
            dist = fn(xy[:, 0], xy[:, 1], xy[:, 0], xy[:, 1])
        if dist.shape != (m, m) or not np.isfinite(dist).all():
            msg = f"`site_distances` must be a finite {m} x {m} matrix; got shape {dist.shape}."
            raise SpecError(msg)
        big_m = float(dist.max())
        j, k = np.triu_indices(m, 1)
        npair = len(j)
        # D + M y_j + M y_k <= d_jk + 2M  (columns [y (m), D])
        rows = np.r_[np.arange(npair), np.arange(npair), np.arange(npair)]
        cols = np.r_[j, k, np.full(npair, m)]
        vals = np.r_[np.full(npair, big_m), np.full(npair, big_m), np.ones(npair)]
        a = sp.coo_array((vals, (rows, cols)), shape=(npair, m + 1))
        card = sp.csr_array((np.ones(m), (np.zeros(m, int), np.arange(m))), shape=(1, m + 1))
        ylo, yhi = fixed_bounds(problem)
        out = solve_milp(
            np.r_[np.zeros(m), 1.0], sp.vstack([a, card], format="csr"),
            np.r_[np.full(npair, -np.inf), p], np.r_[dist[j, k] + 2 * big_m, p],
            np.r_[ylo, 0.0], np.r_[yhi, big_m], np.r_[np.ones(m, bool), False], maximize=True,
            time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads,
        )  # fmt: skip
        if out.x is None:
            return no_solution(self, problem, out)
        chosen = np.flatnonzero(out.x[:m] > 0.5)
        sub = dist[np.ix_(chosen, chosen)]
        obj = float(sub[np.triu_indices(len(chosen), 1)].min())
        return build_result(
            self, problem, out, chosen, assign_idx=None, objective=obj,
            bound=max(out.bound, obj) if out.status == OPTIMAL else out.bound,
            kpis={"min_pairwise_distance": obj},
        )  # fmt: skip


class CFLP(SitingModel):
    """Capacitated fixed-charge facility location with single assignment.

    Minimises ``sum_j fixed_j y_j + unit_cost * sum_ij w_i d_ij x_ij`` subject to every demand
    being assigned to one open site and each site's assigned weight fitting its capacity.

    Parameters
    ----------
    unit_cost
        Cost per unit of weight and distance (default 1).
    p
        Optional exact number of sites.
    """

    name = "cflp"
    sense = "min"
    description = "Capacitated fixed-charge location (single assignment)"

    def __init__(self, unit_cost: float = 1.0, p: int | None = None) -> None:
        self.unit_cost = float(unit_cost)
        self.p = p

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float | None = None,
        mip_rel_gap: float = 1e-6,
        threads: int | None = None,
    ) -> SitingResult:
        """Solve the capacitated fixed-charge model (see :meth:`SitingModel.solve`)."""
        n, m = problem.costs.shape
        caps = check_capacity(problem, sp.csr_array(np.ones((n, m))))
        w = problem.weights
        if caps.sum() + 1e-9 < w.sum():
            _total_capacity_error(problem, caps)
        p = None if self.p is None else check_p(self.p, problem)
        fixed = problem.fixed_costs if problem.fixed_costs is not None else np.zeros(m)
        pi, pj = _pairs(problem, None)
        a, lo, hi = _assignment_model(problem, pi, pj, capacities=caps, p=p)
        k = len(pi)
        ylo, yhi = fixed_bounds(problem)
        out = solve_milp(
            np.r_[fixed, self.unit_cost * w[pi] * problem.costs[pi, pj]], a, lo, hi,
            np.r_[ylo, np.zeros(k)], np.r_[yhi, np.ones(k)], np.ones(m + k, bool),
            time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads,
        )  # fmt: skip
        if out.x is None:
            return no_solution(self, problem, out)
        chosen = np.flatnonzero(out.x[:m] > 0.5)
        xs = out.x[m:] > 0.5
        assign = np.full(n, -1)
        assign[pi[xs]] = pj[xs]
        load = np.bincount(assign[assign >= 0], weights=w[assign >= 0], minlength=m)
        util = float(np.max(load[chosen] / np.maximum(caps[chosen], 1e-300)))
        kpis = {"fixed_cost": float(fixed[chosen].sum()), "max_utilisation": util}
        return build_result(self, problem, out, chosen, assign_idx=assign, kpis=kpis)


__all__ = ["CFLP", "PCenter", "PDispersion", "PMedian"]


def _reduce_and_solve(
    costs: np.ndarray,
    w: np.ndarray,
    p: int,
    fixed: np.ndarray,
    start: np.ndarray,
    time_limit: float | None,
    mip_rel_gap: float,
    threads: int | None,
) -> tuple[SolveOutcome, np.ndarray]:
    """Lagrangian reduction tests, then the radius formulation on the kept sites.

    The Lagrangian bound is valid for the full problem; sites whose forced-open bound exceeds the
    incumbent's cost cannot be in a better solution and are dropped (see
    :mod:`workbench.siting.models.reduction`). The returned bound is the larger of the two bounds.
    """
    from workbench.siting.models.radius import solve_radius_pmedian
    from workbench.siting.models.reduction import lagrangian_branch_and_bound, lagrangian_reduce
    from workbench.siting.solver import relative_gap, status_from_gap

    t0 = time.perf_counter()
    m = costs.shape[1]
    if fixed.any() or p >= m:
        return solve_radius_pmedian(costs, w, p, fixed=fixed, start=start,
                                    time_limit=time_limit, mip_rel_gap=mip_rel_gap,
                                    threads=threads)  # fmt: skip
    upper = float(w @ costs[:, start].min(axis=1))
    budget = 10.0 if time_limit is None else max(min(10.0, time_limit / 4), 0.5)
    lb, keep, must = lagrangian_reduce(costs, w, p, upper, time_limit=budget)
    lb = min(lb, upper)
    if np.all(w == np.round(w)) and np.all(costs == np.round(costs)):
        lb = float(np.ceil(lb - 1e-6))  # every cost is an integer: so is the optimum
    keep[start] = True
    if relative_gap(upper, lb) <= max(mip_rel_gap, PROOF_TOL):
        out = SolveOutcome(status_from_gap(relative_gap(upper, lb)), None, upper, lb,
                           relative_gap(upper, lb), time.perf_counter() - t0)  # fmt: skip
        return out, np.sort(start)
    cols = np.flatnonzero(keep)
    pos = np.full(m, -1)
    pos[cols] = np.arange(len(cols))
    if len(cols) <= 400 and p <= 20:
        # few sites left and a small p: a Lagrangian branch and bound proves the optimum
        # fastest (its tree grows quickly with p; the radius formulation is better there)
        left = 60.0 if time_limit is None else time_limit - (time.perf_counter() - t0)
        best, sub, done = lagrangian_branch_and_bound(
            costs[:, cols],
            w,
            p,
            pos[start],
            time_limit=max(left * 0.5, 0.5),
            fixed_open=must[cols],
        )
        start = cols[sub]
        if done:  # every kept solution costs >= best; removed sites cannot beat `upper`
            out = SolveOutcome(status_from_gap(0.0), None, best, best, 0.0,
                               time.perf_counter() - t0)  # fmt: skip
            return out, np.sort(start)
    remaining = None if time_limit is None else max(time_limit - (time.perf_counter() - t0), 0.5)
    out, sub_open = solve_radius_pmedian(
        costs[:, cols], w, p, fixed=must[cols], start=pos[start],
        time_limit=remaining, mip_rel_gap=mip_rel_gap, threads=threads,
        all_levels=len(cols) * costs.shape[0] <= 200_000,
    )  # fmt: skip
    bound = min(max(out.bound, lb), out.objective)
    gap = relative_gap(out.objective, bound)
    res = SolveOutcome(status_from_gap(gap), None, out.objective, bound, gap,
                       time.perf_counter() - t0)  # fmt: skip
    return res, np.sort(cols[sub_open])
