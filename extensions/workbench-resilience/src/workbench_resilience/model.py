"""Dual-district covering: every demand covered by two open sites in different districts.

Model (mixed-integer, solved with HiGHS through the workbench's ``solve_milp``)::

    min   sum_j c_j y_j                                   (c_j = 1, or the site's fixed cost)
    s.t.  z_id <= sum_{j in N_i, district(j) = d} y_j      for every demand i, district d in range
          sum_d z_id >= 2                                 for every demand i with weight > 0
          y_j in {0, 1},  0 <= z_id <= 1,  y_j = 1 for existing sites

``N_i`` are the candidate sites within ``radius`` of demand ``i``; ``z_id`` says that demand
``i`` is covered from district ``d``. Because the ``y`` are integer, ``z`` needs no integrality.
With ``p`` given, the model instead opens exactly ``p`` sites and maximises the demand weight
covered from two districts (``sum_d z_id >= 2 u_i``, ``max sum_i w_i u_i``, ``u`` binary).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from workbench.errors import DataError, InfeasibleError, SpecError
from workbench.siting import Problem, SitingModel, SitingResult
from workbench.siting.models.base import (
    build_result,
    check_p,
    check_radius,
    coverage,
    fixed_bounds,
    nearest_assignment,
)
from workbench.siting.models.covering import group_rows
from workbench.siting.solver import solve_milp

requires_workbench = ">=0.1,<0.2"


def _read_districts(path: Path) -> dict[str, str]:
    import pandas as pd

    if not path.is_file():
        msg = f"`districts` file {str(path)!r} not found. Pass a CSV with columns id, district."
        raise DataError(msg)
    df = pd.read_csv(path, dtype=str)
    missing = [c for c in ("id", "district") if c not in df.columns]
    if missing:
        msg = (
            f"`districts` file {str(path)!r} lacks column(s) {missing}; it has "
            f"{list(df.columns)}. The candidate sites table (sites.csv) works as is."
        )
        raise DataError(msg)
    return dict(zip(df["id"], df["district"], strict=True))


def site_districts(problem: Problem, districts: Any) -> np.ndarray:
    """Return the district of every candidate site of ``problem``, in column order.

    Parameters
    ----------
    problem
        The siting problem.
    districts
        ``{site_id: district}``, a CSV path with columns ``id`` and ``district`` (the sample's
        ``sites.csv``), a sequence in column order, or ``None`` to use the problem's own
        ``site_districts`` / ``site_table['district']`` when it has them.
    """
    ids = [str(s) for s in problem.site_ids]
    if districts is None:
        own = getattr(problem, "site_districts", None)
        table = getattr(problem, "site_table", None)
        if own is None and table is not None and "district" in getattr(table, "columns", ()):
            own = list(table["district"])
        if own is None:
            msg = (
                "The resilience model needs the district of every candidate site: pass "
                "districts={site_id: district} or districts='sites.csv' (columns id, district)."
            )
            raise SpecError(msg)
        districts = list(own)
    if isinstance(districts, str | Path):
        districts = _read_districts(Path(districts))
    if isinstance(districts, Mapping):
        lookup = {str(k): str(v) for k, v in districts.items()}
        missing = [s for s in ids if s not in lookup]
        if missing:
            msg = (
                f"`districts` has no district for {len(missing)} candidate site(s), e.g. "
                f"{missing[:3]}. Give every site id a district."
            )
            raise SpecError(msg)
        return np.array([lookup[s] for s in ids], dtype=object)
    arr = np.asarray(list(districts), dtype=object)
    if len(arr) != len(ids):
        msg = (
            f"`districts` has {len(arr)} entries but the problem has {len(ids)} candidate "
            "sites. Give one district per site, in column order, or a mapping."
        )
        raise SpecError(msg)
    return arr.astype(str).astype(object)


def district_counts(a: sp.csr_array, open_mask: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Count, for every demand, the distinct districts with an open site in range."""
    _, dcode = np.unique(np.asarray(codes).astype(str), return_inverse=True)
    coo = sp.coo_array(a)
    keep = np.asarray(open_mask, dtype=bool)[coo.col]
    rows, dist = coo.row[keep].astype(np.int64), dcode[coo.col[keep]]
    pairs = np.unique(rows * (int(dcode.max()) + 1) + dist)
    return np.bincount(pairs // (int(dcode.max()) + 1), minlength=a.shape[0])


def two_district_radius(problem: Problem, codes: np.ndarray) -> np.ndarray:
    """Return, per demand, the smallest radius at which sites of two districts are in range."""
    uniq, dcode = np.unique(np.asarray(codes).astype(str), return_inverse=True)
    if len(uniq) < 2:
        return np.full(problem.n_demand, np.inf)
    order = np.argsort(dcode, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(dcode[order]) != 0])
    per_district = np.minimum.reduceat(problem.costs[:, order], starts, axis=1)
    return np.partition(per_district, 1, axis=1)[:, 1]


def greedy_sites(
    ag: sp.csr_array, gw: np.ndarray, codes: np.ndarray, p: int, existing: np.ndarray
) -> np.ndarray:
    """Open ``p`` sites greedily by the demand weight they bring to two districts.

    A site's gain is the weight of demand groups it lifts from one district in range to two,
    plus half the weight it lifts from none to one (so the first sites are not all ties).
    Used as the MIP start of the budget model.
    """
    _, dcode = np.unique(np.asarray(codes).astype(str), return_inverse=True)
    n_dist = int(dcode.max()) + 1
    g, m = ag.shape
    has = np.zeros((g, n_dist), dtype=bool)
    chosen = np.asarray(existing, dtype=bool).copy()
    agc = sp.csc_array(ag)
    for j in np.flatnonzero(chosen):
        has[agc.indices[agc.indptr[j] : agc.indptr[j + 1]], dcode[j]] = True
    agt = sp.csr_array(ag.T)
    while chosen.sum() < p:
        count = has.sum(1)
        e = np.where(~has, (gw * ((count == 1) + 0.5 * (count == 0)))[:, None], 0.0)
        gain = (agt @ e)[np.arange(m), dcode]
        gain[chosen] = -1.0
        j = int(np.argmax(gain))
        chosen[j] = True
        has[agc.indices[agc.indptr[j] : agc.indptr[j + 1]], dcode[j]] = True
    return chosen


class DualDistrictCover(SitingModel):
    """Resilient covering: every demand within ``radius`` of open sites in two districts.

    Parameters
    ----------
    radius
        Service radius in the problem's cost unit (metres for geographic problems).
    districts
        District of every candidate site: ``{site_id: district}``, a CSV path with columns
        ``id`` and ``district`` (the sample's ``sites.csv``), a sequence in column order, or
        ``None`` to use the problem's own site districts.
    cost
        ``"count"`` (default: fewest sites) or ``"fixed"`` (least total fixed cost; needs the
        problem's ``fixed_costs``).
    """

    name: ClassVar[str] = "resilience"
    sense: ClassVar[str] = "min"
    description: ClassVar[str] = "Resilient covering: every demand covered from two districts"

    def __init__(self, radius: float, districts: Any = None, cost: str = "count") -> None:
        self.radius = check_radius(radius)
        if cost not in ("count", "fixed"):
            msg = f"`cost` must be 'count' (fewest sites) or 'fixed' (fixed costs); got {cost!r}."
            raise SpecError(msg)
        self.districts = districts
        self.p: int | None = None
        self.cost = cost

    def params(self) -> dict[str, Any]:
        """Return the settings for provenance (a district mapping is not copied)."""
        out: dict[str, Any] = {"radius": self.radius, "cost": self.cost}
        if self.p is not None:
            out["p"] = self.p
        if isinstance(self.districts, str | Path):
            out["districts"] = str(self.districts)
        return out

    @staticmethod
    def _pairs(a: sp.csr_array, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, district) pairs in range: columns of nonzeros, pair of each, row of each pair."""
        _, dcode = np.unique(codes.astype(str), return_inverse=True)
        base = int(dcode.max()) + 1
        coo = sp.coo_array(a)
        key = coo.row.astype(np.int64) * base + dcode[coo.col]
        uniq, pair_of_nz = np.unique(key, return_inverse=True)
        return coo.col, pair_of_nz, uniq // base

    def _infeasible(self, problem: Problem, codes: np.ndarray, bad: np.ndarray) -> None:
        need = two_district_radius(problem, codes)
        i = int(bad[np.argmax(need[bad])])
        names = ", ".join(repr(str(problem.demand_ids[k])) for k in bad[:5])
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        msg = (
            f"Infeasible: demand {names}{more} cannot be covered from two different districts "
            f"within radius {self.radius:g}: each has candidate sites in range in fewer than "
            f"two districts (the farthest, {str(problem.demand_ids[i])!r}, reaches a second "
            f"district at {need[i]:g}). Increase the radius to at least {need[bad].max():g}, "
            "add candidate sites in other districts, or drop that demand."
        )
        raise InfeasibleError(msg)

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float | None = None,
        mip_rel_gap: float = 1e-6,
        threads: int | None = None,
    ) -> SitingResult:
        """Solve the dual-district covering model (see :meth:`SitingModel.solve`)."""
        t0 = time.perf_counter()
        codes = site_districts(problem, self.districts)
        a = sp.csr_array(coverage(problem, self.radius))
        w = problem.weights
        need = np.flatnonzero(w > 0)
        maximise = self.p is not None
        if maximise:
            p = check_p(self.p, problem)
        else:
            reach = district_counts(a, np.ones(problem.n_sites, dtype=bool), codes)
            bad = need[reach[need] < 2]
            if len(bad):
                self._infeasible(problem, codes, bad)
        # demand points with identical coverage sets share one constraint (weights summed)
        ag, gw, _ = group_rows(sp.csr_array(a[need]), w[need])
        cols, pair_of_nz, pair_row = self._pairs(ag, codes)
        m, k, ni = problem.n_sites, len(pair_row), ag.shape[0]
        # block 1: z_k - sum_{j in pair k} y_j <= 0
        link = sp.hstack(
            [
                sp.csr_array((-np.ones(len(cols)), (pair_of_nz, cols)), shape=(k, m)),
                sp.eye_array(k, format="csr"),
            ],
            format="csr",
        )
        # block 2: sum_{k of group g} z_k >= 2  (or >= 2 u_g)
        cover_z = sp.csr_array((np.ones(k), (pair_row, np.arange(k))), shape=(ni, k))
        ylo, yhi = fixed_bounds(problem)
        if not maximise:
            if self.cost == "fixed":
                if problem.fixed_costs is None:
                    msg = "cost='fixed' needs the problem's fixed_costs; pass fixed_costs=..."
                    raise SpecError(msg)
                c_y = np.asarray(problem.fixed_costs, dtype=float)
            else:
                c_y = np.ones(m)
            big = sp.vstack(
                [link, sp.hstack([sp.csr_array((ni, m)), cover_z], format="csr")], format="csr"
            )
            lo = np.concatenate([np.full(k, -np.inf), np.full(ni, 2.0)])
            hi = np.concatenate([np.zeros(k), np.full(ni, np.inf)])
            out = solve_milp(
                np.concatenate([c_y, np.zeros(k)]), big, lo, hi,
                np.concatenate([ylo, np.zeros(k)]), np.concatenate([yhi, np.ones(k)]),
                np.concatenate([np.ones(m, dtype=bool), np.zeros(k, dtype=bool)]),
                time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads,
            )  # fmt: skip
        else:
            link_u = sp.hstack([link, sp.csr_array((k, ni))], format="csr")
            cov = sp.hstack(
                [sp.csr_array((ni, m)), cover_z, -2.0 * sp.eye_array(ni, format="csr")],
                format="csr",
            )
            card = sp.csr_array(np.concatenate([np.ones(m), np.zeros(k + ni)])[None, :])
            y0 = greedy_sites(ag, gw, codes, p, problem.existing).astype(float)
            z0 = np.minimum((link[:, :m] @ -y0), 1.0)
            u0 = ((cover_z @ z0) >= 2).astype(float)
            start = np.concatenate([y0, z0, u0])
            big = sp.vstack([link_u, cov, card], format="csr")
            lo = np.concatenate([np.full(k, -np.inf), np.zeros(ni), [p]])
            hi = np.concatenate([np.zeros(k), np.full(ni, np.inf), [p]])
            out = solve_milp(
                np.concatenate([np.zeros(m + k), gw]), big, lo, hi,
                np.concatenate([ylo, np.zeros(k + ni)]), np.concatenate([yhi, np.ones(k + ni)]),
                np.concatenate([np.ones(m, dtype=bool), np.zeros(k, dtype=bool),
                                np.ones(ni, dtype=bool)]),
                maximize=True, time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads,
                start=start,
            )  # fmt: skip
        if out.x is None:
            if out.status == "infeasible":
                msg = (
                    f"Infeasible: HiGHS proved that the {self.name} model has no solution with "
                    f"{self.params()}. Relax the settings (more sites or a larger radius)."
                )
            else:
                msg = (
                    f"The {self.name} solver found no feasible solution within the time limit "
                    f"({out.seconds:.1f} s; best bound {out.bound:g}). Raise `time_limit`."
                )
            raise InfeasibleError(msg)
        open_mask = out.x[:m] > 0.5
        open_idx = np.flatnonzero(open_mask)
        counts = district_counts(a, open_mask, codes)
        dual = float(w[counts >= 2].sum())
        covered = float(w[counts >= 1].sum())
        assign_idx, dist = nearest_assignment(problem, open_idx)
        assign_idx = np.where(dist <= self.radius, assign_idx, -1)
        total = max(float(w.sum()), 1e-300)
        kpis = {
            "dual_district_share": dual / total,
            "coverage_share": covered / total,
            "min_districts_in_range": int(counts[need].min()) if len(need) else 0,
            "districts_used": len(set(codes[open_idx])),
        }
        return build_result(
            self, problem, out, open_idx, assign_idx=assign_idx,
            objective=dual if maximise else float(out.objective), covered_weight=covered,
            kpis=kpis, seconds=time.perf_counter() - t0,
        )  # fmt: skip


class DualDistrictBudget(DualDistrictCover):
    """Resilient covering on a budget: open ``p`` sites, maximise demand covered from two districts.

    Parameters
    ----------
    radius
        Service radius in the problem's cost unit.
    p
        Number of sites to open (existing sites count towards it).
    districts
        As for :class:`DualDistrictCover`.
    """

    name: ClassVar[str] = "resilience_budget"
    sense: ClassVar[str] = "max"
    description: ClassVar[str] = "Open p sites; maximise demand covered from two districts"

    def __init__(self, radius: float, p: int, districts: Any = None) -> None:
        super().__init__(radius, districts)
        self.p = p


__all__ = [
    "DualDistrictBudget",
    "DualDistrictCover",
    "district_counts",
    "site_districts",
    "two_district_radius",
]
