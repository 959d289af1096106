"""The optimising mechanism: one linear program per shared resource kind per step (HiGHS)."""

from __future__ import annotations

import numpy as np

from workbench.citymodel.claims import ClaimSet
from workbench.citymodel.mechanisms.base import Allocation, Mechanism, ordered_greedy


class LinearProgram(Mechanism):
    """Joint LP each hour; vans and road links by an LP per kind with congestion duals.

    Compute and power (with batteries and EV charging) are one coupled LP per hour
    (:mod:`workbench.citymodel.dispatch`). For vans and road links, each step it solves::

        max  sum_i v_g(i) x_i - eps * cost_i x_i
        s.t. sum_i a_ri x_i <= cap_r          (every resource r; dual = price of r)
             sum_{i in g} x_i <= q_g          (every group with alternatives)
             0 <= x_i <= q_g(i)

    with HiGHS (one ``highspy.Highs`` object reused across steps). Indivisible jobs are
    relaxed (a fraction of a job is the share of its work admitted this hour). The dual of a
    resource's capacity row is the value of one more unit of it: the readable price of
    congestion of that feeder / node / road link at that hour. The baseline's allocation is
    feasible for this LP, so the LP's objective is never below the baseline's.
    """

    name = "lp"
    description = (
        "one joint LP per hour over compute, power, batteries and EV charging (HiGHS); "
        "duals are prices fed back to agents"
    )
    joint = "lp"
    """Compute and power are solved jointly (:mod:`workbench.citymodel.joint`); this
    class's :meth:`allocate` serves the claim-based kinds (vans, road links)."""

    def __init__(self) -> None:
        import highspy

        from workbench.citymodel.dispatch import quiet_highs

        self._highspy = highspy
        self._h = quiet_highs()
        self._h.setOptionValue("presolve", "off")
        self._h.setOptionValue("solver", "simplex")
        self.last_status: str = ""

    def allocate(self, claims: ClaimSet) -> Allocation:
        """Solve the LP for one resource kind."""
        hs = self._highspy
        m, n_res = claims.n_rows, claims.n_resources
        if m == 0:
            return Allocation(np.zeros(0), np.zeros(claims.n_groups), np.zeros(n_res), "LP")
        rg = claims.row_group
        # no congestion: every group on its cheapest row fits -> that is optimal, prices 0
        first = np.lexsort((claims.row_cost, rg))
        is_first = np.zeros(m, dtype=bool)
        is_first[first[np.r_[True, rg[first][1:] != rg[first][:-1]]]] = True
        x0 = np.where(is_first, claims.group_amount[rg], 0.0)
        if np.all(claims.usage(x0) <= claims.capacity):
            self.last_status = "Optimal (uncongested)"
            return Allocation(x0, claims.group_total(x0), np.zeros(n_res), "LP optimum")
        scale = max(float(claims.capacity.max(initial=0.0)), float(claims.group_amount.max()), 1.0)
        q = claims.group_amount / scale
        n_rows_g = np.bincount(rg, minlength=claims.n_groups)
        multi = np.flatnonzero(n_rows_g > 1)
        g_row = np.full(claims.n_groups, -1, dtype=np.int64)
        g_row[multi] = n_res + np.arange(len(multi))
        multi_rows = np.flatnonzero(g_row[rg] >= 0)
        cols = np.concatenate([claims.entry_row, multi_rows])
        idx = np.concatenate([claims.entry_resource, g_row[rg[multi_rows]]])
        vals = np.concatenate([claims.entry_coef, np.ones(len(multi_rows))])
        order = np.lexsort((idx, cols))
        cols, idx, vals = cols[order], idx[order], vals[order]
        start = np.concatenate([[0], np.cumsum(np.bincount(cols, minlength=m))])
        value = claims.group_value[rg]
        cost = value - 1e-7 * value.max() * _norm(claims.row_cost)
        lp = hs.HighsLp()
        lp.num_col_ = m
        lp.num_row_ = n_res + len(multi)
        lp.sense_ = hs.ObjSense.kMaximize
        lp.col_cost_ = cost
        lp.col_lower_ = np.zeros(m)
        lp.col_upper_ = q[rg]
        lp.row_lower_ = np.full(lp.num_row_, -hs.kHighsInf)
        lp.row_upper_ = np.concatenate([claims.capacity / scale, q[multi]])
        lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
        lp.a_matrix_.start_ = start.astype(np.int32)
        lp.a_matrix_.index_ = idx.astype(np.int32)
        lp.a_matrix_.value_ = vals
        lp.a_matrix_.num_col_ = m
        lp.a_matrix_.num_row_ = lp.num_row_
        h = self._h
        h.passModel(lp)
        h.run()
        status = h.getModelStatus()
        self.last_status = h.modelStatusToString(status)
        if status != hs.HighsModelStatus.kOptimal:
            row = ordered_greedy(claims, claims.group_rank * 1e9 + claims.group_arrival)
            return Allocation(
                row, claims.group_total(row), np.zeros(n_res), f"LP {self.last_status}: priority"
            )
        sol = h.getSolution()
        x = np.clip(np.asarray(sol.col_value), 0.0, q[rg]) * scale
        duals = np.abs(np.asarray(sol.row_dual)[:n_res])
        # guard against round-off above capacity
        used = claims.usage(x)
        over = used > claims.capacity
        if over.any():
            ratio = np.ones(n_res)
            ratio[over] = claims.capacity[over] / used[over]
            shrink = np.ones(m)
            np.minimum.at(shrink, claims.entry_row, ratio[claims.entry_resource])
            x = x * shrink
        return Allocation(x, claims.group_total(x), duals, "LP optimum")


def _norm(c: np.ndarray) -> np.ndarray:
    top = float(np.abs(c).max(initial=0.0))
    return c / top if top > 0 else c


__all__ = ["LinearProgram"]


class RollingHorizon(LinearProgram):
    """``mpc``: the joint LP over an H-hour look-ahead (default 24) on forecasts, hourly."""

    name = "mpc"
    description = "rolling-horizon joint LP, H-hour look-ahead on forecasts, re-solved hourly"
    joint = "mpc"


class PerfectForesight(LinearProgram):
    """``oracle``: the joint LP over the whole run on realised demand: a bound, not a mechanism."""

    name = "oracle"
    description = "perfect-foresight joint LP over the whole run (a lower bound on total cost)"
    joint = "oracle"
