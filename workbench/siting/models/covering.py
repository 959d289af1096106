"""Covering models: set covering (LSCP), backup covering (LSCP-B) and maximal covering (MCLP).

All three are built from the sparse coverage matrix ``a[i, j] = d_ij <= radius``. Demand points
with identical coverage sets are merged first (their weights add up), which keeps big instances
small without changing the optimum.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from workbench.errors import InfeasibleError, SpecError
from workbench.siting.models.base import (
    SitingModel,
    build_result,
    check_p,
    check_radius,
    coverage,
    fixed_bounds,
    uncoverable_error,
)
from workbench.siting.problem import Problem
from workbench.siting.result import SitingResult
from workbench.siting.solver import SolveOutcome, solve_milp


def group_rows(a: sp.csr_array, weights: np.ndarray) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    """Merge rows with identical coverage sets.

    Returns
    -------
    tuple
        ``(a_groups, group_weight, group_of_row)``.
    """
    keys: dict[bytes, int] = {}
    group = np.empty(a.shape[0], dtype=np.int64)
    first: list[int] = []
    ind, ptr = a.indices, a.indptr
    for i in range(a.shape[0]):
        k = ind[ptr[i] : ptr[i + 1]].tobytes()
        g = keys.get(k)
        if g is None:
            g = len(first)
            keys[k] = g
            first.append(i)
        group[i] = g
    gw = np.bincount(group, weights=weights, minlength=len(first))
    return sp.csr_array(a[np.asarray(first, dtype=np.int64)]), gw, group


def _assign_covered(problem: Problem, a: sp.csr_array, open_mask: np.ndarray) -> np.ndarray:
    """Assign each covered demand to its nearest open covering site (-1 when uncovered)."""
    costs = np.where(open_mask[None, :], problem.costs, np.inf)
    costs = np.where(a.toarray() > 0, costs, np.inf)
    k = np.argmin(costs, axis=1)
    ok = np.isfinite(costs[np.arange(problem.n_demand), k])
    return np.where(ok, k, -1)


def _capacitated_assignment(
    problem: Problem,
    a: sp.csr_array,
    *,
    capacities: np.ndarray,
    demand_rows: np.ndarray,
    equality: bool,
    maximize: bool,
) -> tuple[sp.csr_array, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows for single assignment over coverage pairs with capacities.

    Columns are ``[y (m), x (K)]``; returns ``(A, lo, hi, pair_rows, pair_cols)``.
    """
    m = problem.n_sites
    sub = sp.coo_array(a[demand_rows])
    pi, pj = demand_rows[sub.row], sub.col
    k = len(pi)
    xk = m + np.arange(k)
    n_d = len(demand_rows)
    # assignment: sum_j x_ij (=|<=) 1
    a1 = sp.coo_array((np.ones(k), (sub.row, xk)), shape=(n_d, m + k))
    # capacity: sum_i w_i x_ij - cap_j y_j <= 0
    caps = capacities
    a2 = sp.coo_array(
        (
            np.concatenate([problem.weights[pi], -caps]),
            (np.concatenate([pj, np.arange(m)]), np.concatenate([xk, np.arange(m)])),
        ),
        shape=(m, m + k),
    )
    # linking: x_ij - y_j <= 0
    a3 = sp.coo_array(
        (
            np.concatenate([np.ones(k), -np.ones(k)]),
            (np.tile(np.arange(k), 2), np.concatenate([xk, pj])),
        ),
        shape=(k, m + k),
    )
    big = sp.vstack([a1, a2, a3], format="csr")
    lo = np.concatenate([np.ones(n_d) if equality else np.zeros(n_d), -np.inf * np.ones(m + k)])
    hi = np.concatenate([np.ones(n_d), np.zeros(m + k)])
    del maximize
    return big, lo, hi, pi, pj


def require_capacities(problem: Problem) -> np.ndarray:
    """Return the problem's site capacities; refuse a problem without them (names the fix).

    Parameters
    ----------
    problem
        The siting problem of a capacitated model.

    Returns
    -------
    numpy.ndarray
        ``problem.capacities``, one per site.

    Raises
    ------
    SpecError
        When the problem has no capacities.
    """
    caps = problem.capacities
    if caps is None:
        msg = (
            "`capacitated=True` needs site capacities; the problem has none. Pass "
            "`capacities=` to Problem.from_matrix (one per site, in the weights' unit)."
        )
        raise SpecError(msg)
    return caps


def check_capacity(problem: Problem, a: sp.csr_array) -> np.ndarray:
    """Refuse a capacitated model whose demand cannot fit any site that can serve it.

    Parameters
    ----------
    problem
        The siting problem.
    a
        ``(n_demand, n_sites)`` 0/1 matrix of the sites that may serve each demand.

    Returns
    -------
    numpy.ndarray
        The site capacities (see :func:`require_capacities`).

    Raises
    ------
    SpecError
        When the problem has no capacities.
    InfeasibleError
        When a demand's weight exceeds the capacity of every site that can serve it.
    """
    caps = require_capacities(problem)
    w = problem.weights
    # largest capacity among sites that can serve each demand
    best = (a.multiply(caps[None, :])).max(axis=1).toarray().ravel()
    bad = np.flatnonzero(w > best + 1e-9)
    if len(bad):
        i = int(bad[0])
        msg = (
            f"Infeasible: demand {problem.demand_ids[i]!r} has weight {w[i]:g} but the largest "
            f"capacity among the sites that can serve it is {best[i]:g}. Raise capacities, split "
            f"the demand, or allow more distance."
        )
        raise InfeasibleError(msg)
    return caps


class LSCP(SitingModel):
    """Location set covering: the fewest sites so that every demand is within ``radius``.

    Parameters
    ----------
    radius
        Service radius in the cost unit.
    capacitated
        Also respect site capacities (single assignment of each demand's weight).
    """

    name = "lscp"
    sense = "min"
    description = "Set covering: fewest sites covering all demand within a radius"

    def __init__(self, radius: float, *, capacitated: bool = False) -> None:
        self.radius = check_radius(radius)
        self.capacitated = bool(capacitated)

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float | None = None,
        mip_rel_gap: float = 1e-6,
        threads: int | None = None,
    ) -> SitingResult:
        """Solve the set-covering model (see :meth:`SitingModel.solve`)."""
        a = coverage(problem, self.radius)
        uncoverable_error(problem, a, self.radius)
        m = problem.n_sites
        ylo, yhi = fixed_bounds(problem)
        need = np.flatnonzero(problem.weights > 0)
        if self.capacitated:
            caps = check_capacity(problem, a)
            big, lo, hi, pi, pj = _capacitated_assignment(
                problem, a, capacities=caps, demand_rows=need, equality=True, maximize=False
            )
            k = len(pi)
            c = np.concatenate([np.ones(m), np.zeros(k)])
            out = solve_milp(
                c, big, lo, hi, np.concatenate([ylo, np.zeros(k)]),
                np.concatenate([yhi, np.ones(k)]), np.ones(m + k, dtype=bool),
                time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads,
            )  # fmt: skip
            if out.x is None:
                return no_solution(self, problem, out)
            open_idx = np.flatnonzero(out.x[:m] > 0.5)
            assign = np.full(problem.n_demand, -1)
            xs = out.x[m:] > 0.5
            assign[pi[xs]] = pj[xs]
        else:
            ag, _, _ = group_rows(sp.csr_array(a[need]), problem.weights[need])
            out = solve_milp(
                np.ones(m), ag, np.ones(ag.shape[0]), np.full(ag.shape[0], np.inf), ylo, yhi,
                np.ones(m, dtype=bool), time_limit=time_limit, mip_rel_gap=mip_rel_gap,
                threads=threads,
            )  # fmt: skip
            if out.x is None:
                return no_solution(self, problem, out)
            open_idx = np.flatnonzero(out.x[:m] > 0.5)
            assign = _assign_covered(problem, a, out.x[:m] > 0.5)
        covered = float(problem.weights[assign >= 0].sum())
        return build_result(
            self, problem, out, open_idx, assign_idx=assign, objective=float(len(open_idx)),
            covered_weight=covered,
            kpis={"coverage_share": covered / max(problem.weights.sum(), 1e-300)},
        )  # fmt: skip


class BackupCovering(SitingModel):
    """Backup covering (LSCP-B): with the fewest sites (or ``p``), maximise demand covered twice.

    Parameters
    ----------
    radius
        Service radius.
    p
        Number of sites; default the minimum of the set-covering model (as spopt's LSCPB).
    """

    name = "backup"
    sense = "max"
    description = "Backup covering: maximise demand covered at least twice"

    def __init__(self, radius: float, p: int | None = None) -> None:
        self.radius = check_radius(radius)
        self.p = p

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float | None = None,
        mip_rel_gap: float = 1e-6,
        threads: int | None = None,
    ) -> SitingResult:
        """Solve the backup-covering model (see :meth:`SitingModel.solve`)."""
        t0 = time.perf_counter()
        a = coverage(problem, self.radius)
        uncoverable_error(problem, a, self.radius)
        proven_p = True
        if self.p is None:
            first = LSCP(self.radius).solve(
                problem, time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads
            )
            p = len(first.selected)
            proven_p = first.is_optimal
        else:
            p = check_p(self.p, problem)
        m, n = problem.n_sites, problem.n_demand
        need = np.flatnonzero(problem.weights > 0)
        ag, gw, _ = group_rows(sp.csr_array(a[need]), problem.weights[need])
        g = ag.shape[0]
        # a y - u >= 1 ; sum y = p
        cov = sp.hstack([ag, -sp.eye_array(g)], format="csr")
        card = sp.csr_array(np.concatenate([np.ones(m), np.zeros(g)])[None, :])
        big = sp.vstack([cov, card], format="csr")
        ylo, yhi = fixed_bounds(problem)
        out = solve_milp(
            np.concatenate([np.zeros(m), gw]), big, np.concatenate([np.ones(g), [p]]),
            np.concatenate([np.full(g, np.inf), [p]]), np.concatenate([ylo, np.zeros(g)]),
            np.concatenate([yhi, np.ones(g)]), np.ones(m + g, dtype=bool), maximize=True,
            time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads,
        )  # fmt: skip
        if out.x is None:
            return no_solution(self, problem, out)
        open_mask = out.x[:m] > 0.5
        counts = (a @ open_mask.astype(np.float64)).ravel()
        w = problem.weights
        backup = float(w[counts >= 2].sum())
        assign = _assign_covered(problem, a, open_mask)
        status = out.status if proven_p else "feasible"
        del n
        return build_result(
            self, problem, out, np.flatnonzero(open_mask), assign_idx=assign, objective=backup,
            covered_weight=float(w[counts >= 1].sum()), status=status,
            seconds=time.perf_counter() - t0,
            kpis={"backup_share": backup / max(w.sum(), 1e-300), "p": p,
                  "coverage_share": float(w[counts >= 1].sum() / max(w.sum(), 1e-300))},
        )  # fmt: skip


class MCLP(SitingModel):
    """Maximal covering: open ``p`` sites to cover the most demand weight within ``radius``.

    Parameters
    ----------
    radius
        Service radius.
    p
        Number of sites to open.
    exact_p
        ``True``: exactly ``p`` sites; ``False``: at most ``p``.
    capacitated
        Covered demand must also fit the sites' capacities (single assignment).
    """

    name = "mclp"
    sense = "max"
    description = "Maximal covering: most demand within a radius using p sites"

    def __init__(
        self, radius: float, p: int, *, exact_p: bool = True, capacitated: bool = False
    ) -> None:
        self.radius = check_radius(radius)
        self.p = p
        self.exact_p = bool(exact_p)
        self.capacitated = bool(capacitated)

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float | None = None,
        mip_rel_gap: float = 1e-6,
        threads: int | None = None,
    ) -> SitingResult:
        """Solve the maximal-covering model (see :meth:`SitingModel.solve`)."""
        p = check_p(self.p, problem)
        a = coverage(problem, self.radius)
        m = problem.n_sites
        ylo, yhi = fixed_bounds(problem)
        w = problem.weights
        need = np.flatnonzero((w > 0) & (np.diff(a.indptr) > 0))
        card_lo = p if self.exact_p else 0
        if self.capacitated:
            caps = require_capacities(problem)
            big, lo, hi, pi, pj = _capacitated_assignment(
                problem, a, capacities=caps, demand_rows=need, equality=False, maximize=True
            )
            k = len(pi)
            card = sp.csr_array(np.concatenate([np.ones(m), np.zeros(k)])[None, :])
            out = solve_milp(
                np.concatenate([np.zeros(m), w[pi]]), sp.vstack([big, card], format="csr"),
                np.concatenate([lo, [card_lo]]), np.concatenate([hi, [p]]),
                np.concatenate([ylo, np.zeros(k)]), np.concatenate([yhi, np.ones(k)]),
                np.ones(m + k, dtype=bool), maximize=True, time_limit=time_limit,
                mip_rel_gap=mip_rel_gap, threads=threads,
            )  # fmt: skip
            if out.x is None:
                return no_solution(self, problem, out)
            assign = np.full(problem.n_demand, -1)
            xs = out.x[m:] > 0.5
            assign[pi[xs]] = pj[xs]
        else:
            ag, gw, _ = group_rows(sp.csr_array(a[need]), w[need])
            g = ag.shape[0]
            cov = sp.hstack([-ag, sp.eye_array(g)], format="csr")
            card = sp.csr_array(np.concatenate([np.ones(m), np.zeros(g)])[None, :])
            out = solve_milp(
                np.concatenate([np.zeros(m), gw]), sp.vstack([cov, card], format="csr"),
                np.concatenate([np.full(g, -np.inf), [card_lo]]),
                np.concatenate([np.zeros(g), [p]]), np.concatenate([ylo, np.zeros(g)]),
                np.concatenate([yhi, np.ones(g)]),
                np.concatenate([np.ones(m, dtype=bool), np.zeros(g, dtype=bool)]),
                maximize=True, time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads,
            )  # fmt: skip
            if out.x is None:
                return no_solution(self, problem, out)
            assign = _assign_covered(problem, a, out.x[:m] > 0.5)
        open_idx = np.flatnonzero(out.x[:m] > 0.5)
        covered = float(w[assign >= 0].sum())
        return build_result(
            self, problem, out, open_idx, assign_idx=assign, objective=covered,
            covered_weight=covered,
            kpis={"coverage_share": covered / max(w.sum(), 1e-300),
                  "n_uncovered": int(np.sum(assign < 0))},
        )  # fmt: skip


def no_solution(model: SitingModel, problem: Problem, out: SolveOutcome) -> SitingResult:
    """Raise the right error when the solver returned no solution."""
    del problem
    if out.status == "infeasible":
        msg = (
            f"Infeasible: HiGHS proved that the {model.name} model has no solution with "
            f"{model.params()}. Relax the settings (more sites, larger radius or capacities)."
        )
        raise InfeasibleError(msg)
    msg = (
        f"The {model.name} solver found no feasible solution within the time limit "
        f"({out.seconds:.1f} s; best bound {out.bound:g}). Raise `time_limit`."
    )
    raise InfeasibleError(msg)


__all__ = ["LSCP", "MCLP", "BackupCovering", "group_rows"]
