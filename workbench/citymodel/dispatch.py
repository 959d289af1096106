"""One LP over a horizon of hours: compute, power, batteries and EV charging, coupled.

The same formulation serves three mechanisms (``lp``: one hour at a time, ``mpc``: a rolling
H-hour look-ahead over forecasts, ``oracle``: the whole run on realised demand) and the
``market`` clearing (one hour, with agents' bids in place of the planner's values). Its
objective is exactly the ``total_cost_cny`` KPI (:func:`workbench.citymodel.kpis.total_cost`)
over the window, so the ``oracle``'s optimum is a lower bound on every mechanism's cost.

Per hour ``h`` of the window (``D`` districts, ``N`` nodes, ``G`` interactive groups of a
district and latency class, each with ``K`` candidate nodes):

* interactive tokens ``x[g, k]`` served on candidate node ``k`` of group ``g`` plus unserved
  ``u[g]`` equal the group's demand (valued at ``value_i``);
* batch tokens ``b[n]`` served from one city-wide backlog ``B`` (``B_h = B_{h-1} + arrivals -
  sum b``); tokens past their deadline ``z_h >= B_h - P_h`` (``P``: work arrived and not yet
  due) cost ``late_cny_per_token_h`` per hour late, and the backlog left at the end of the
  window costs ``batch_end_value`` per token;
* node capacity ``sum x + b <= capacity``; tokens above the rated load ``ov`` (queueing beyond
  the latency budget) cost ``sla_cny_per_token``;
* power balance of each district's feeder: import - PV curtailed + battery discharge - charge
  + load shed - EV charging - node power = fixed load - PV, where node power is idle power plus
  ``e[n]`` kWh per token (``PUE / tokens-per-watt``): compute served draws power, so a feeder
  limit curtails compute;
* a node whose power cannot be supplied goes dark: ``dark[n]`` (0..cap) is the capacity of
  node ``n`` switched off (0..1 where incidents take all its capacity); it sheds that share
  of the node's fixed load (idle power and incidents' compute) and takes that capacity away
  (``sum x + b + dark <= cap``), so a node serves tokens only while its power is supplied.
  Building and factory load shed (``shed``) and node load shed both cost the value of lost load;
* battery state of charge, EV charging backlog (``R``; each kWh waiting costs
  ``ev_hold_cny_per_kwh_h`` per hour).

Duals of node capacity and of the power balance are the prices fed back to the agents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.errors import InfeasibleError

COLS = ("x", "u", "b", "ov", "imp", "ch", "dis", "soc", "curt", "shed", "ev", "R", "B", "z", "dark")


@dataclass(frozen=True)
class Economics:
    """Values and penalties of the objective (CNY; synthetic assumptions, docs/citymodel.md)."""

    value_interactive: float = 8e-6
    """Value of an interactive token not served (CNY/token, ~8 CNY per million tokens)."""
    batch_end_value: float = 3e-6
    """Value of batch work still waiting at the end of the run (CNY/token)."""
    late_cny_per_token_h: float = 2e-7
    """Cost of each hour a batch token waits past its deadline (CNY/token/h)."""
    sla_cny_per_token: float = 2e-6
    """SLA penalty of a token served above a node's rated load (CNY/token)."""
    voll_cny_per_kwh: float = 20.0
    """Value of lost load: building and factory load shed (CNY/kWh)."""
    ev_hold_cny_per_kwh_h: float = 0.04
    """Cost of each hour a kWh of EV charging waits (vans not ready; CNY/kWh/h)."""
    ev_end_value: float = 3.0
    """Value of EV charging still waiting at the end of the run (CNY/kWh)."""


@dataclass
class Window:
    """Data of one LP window (arrays are ``(..., H)``; see the module docstring)."""

    arcs: np.ndarray  # (G, K) node index of each candidate
    node_district: np.ndarray  # (N,)
    e_tok: np.ndarray  # (N, H) kWh per token served
    cap: np.ndarray  # (N, H) tokens per hour (0 when down)
    rated: float
    dem_i: np.ndarray  # (G, H)
    value_i: np.ndarray  # (G, H) cost of an unserved interactive token
    fixed_kw: np.ndarray  # (D, H) load that must be served (incl. node idle power)
    sheddable_kw: np.ndarray  # (D, H) building/factory/incident part of it (not nodes')
    pv: np.ndarray  # (D, H)
    feeder: np.ndarray  # (D, H)
    batt_kw: np.ndarray  # (D,)
    batt_kwh: np.ndarray  # (D,)
    eff: float
    ev_max: np.ndarray  # (D,)
    need_ev: np.ndarray  # (D, H)
    arr_b: np.ndarray  # (H,)
    not_due: np.ndarray  # (H,)
    B0: float
    soc0: np.ndarray  # (D,)
    R0: np.ndarray  # (D,)
    energy_cny: np.ndarray  # (H,) price + carbon price x intensity, CNY/kWh
    econ: Economics
    batch_end_value: float | None = None
    soc_end_value: np.ndarray | None = None  # (D,) value of stored energy at window end
    late_cost: np.ndarray | None = None  # (H,) overrides econ.late_cny_per_token_h
    node_fixed_kw: np.ndarray | None = None  # (N, H) nodes' part of fixed_kw (0: none)

    @property
    def H(self) -> int:  # noqa: N802 - the horizon's usual symbol
        """Hours in the window."""
        return self.dem_i.shape[1]


@dataclass
class Plan:
    """Solution of a window: decision arrays ``(..., H)`` and prices."""

    values: dict[str, np.ndarray] = field(repr=False)
    node_price: np.ndarray  # (N, H) CNY per token: congestion + energy at the node
    power_price: np.ndarray  # (D, H) CNY per kWh
    objective: float

    def __getitem__(self, key: str) -> np.ndarray:
        return self.values[key]


def quiet_highs():
    """Return a ``highspy.Highs`` with output off (its banner, printed at construction, too)."""
    import os

    import highspy

    fd = os.dup(1)  # the banner is printed at construction, before options apply
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(fd, 1)
        os.close(fd)
    h.setOptionValue("output_flag", False)
    return h


class Dispatcher:
    """Builds and solves windows with one reused HiGHS instance (quiet after its banner)."""

    def __init__(self) -> None:
        import highspy

        self.h = quiet_highs()
        self.h.setOptionValue("solver", "simplex")
        self.highspy = highspy
        self.solves = 0
        self.warm = 0
        # the last window's constraint matrix (CSC), to detect an unchanged one; the empty
        # arrays never match since ``_shape`` is checked first
        self._shape: tuple[int, int] | None = None
        self._indptr: np.ndarray = np.empty(0, dtype=np.int32)
        self._indices: np.ndarray = np.empty(0, dtype=np.int32)
        self._data: np.ndarray = np.empty(0)
        self._key: tuple | None = None
        self._A: Any = None  # the last window's constraint matrix (scipy CSC), reused when equal

    def _shift_basis(self, V: int, H: int, blocks: list[tuple[int, int]]) -> None:
        """Start from the last window's basis moved one hour earlier (rolling horizon)."""
        hs = self.highspy
        basis = self.h.getBasis()
        cols = np.asarray(basis.col_status, dtype=object)
        rows = np.asarray(basis.row_status, dtype=object)

        def shift(arr: np.ndarray, start: int, n: int) -> None:
            idx = np.arange(n * H).reshape(H, n)
            order = np.concatenate([idx[1:], idx[-1:]]).reshape(-1)
            arr[start : start + n * H] = arr[start : start + n * H][order]

        shift(cols, 0, V)
        for start, n in blocks:
            shift(rows, start, n)
        new = hs.HighsBasis()
        new.col_status = list(cols)
        new.row_status = list(rows)
        new.alien = True
        new.valid = True
        self.h.setBasis(new)

    def solve(self, w: Window, *, rolling: bool = False) -> Plan:
        """Solve one window; raises :class:`InfeasibleError` if HiGHS finds no optimum."""
        hs = self.highspy
        G, K = w.arcs.shape
        N, D, H = w.cap.shape[0], w.pv.shape[0], w.H
        sizes = {
            "x": G * K,
            "u": G,
            "b": N,
            "ov": N,
            "imp": D,
            "ch": D,
            "dis": D,
            "soc": D,
            "curt": D,
            "shed": D,
            "ev": D,
            "R": D,
            "B": 1,
            "z": 1,
            "dark": N,
        }
        off, pos = {}, 0
        for k in COLS:
            off[k] = pos
            pos += sizes[k]
        V = pos
        hh = np.arange(H)

        def col(name: str, idx: np.ndarray | int, h: np.ndarray | int) -> np.ndarray:
            return np.asarray(h) * V + off[name] + np.asarray(idx)

        inf = hs.kHighsInf
        lo = np.zeros(V * H)
        up = np.full(V * H, inf)
        cost = np.zeros(V * H)
        e = w.econ

        def setb(name: str, upper: np.ndarray, c: np.ndarray | float | None = None) -> None:
            n = sizes[name]
            cols = (hh[None, :] * V + off[name] + np.arange(n)[:, None]).reshape(-1)
            up[cols] = np.broadcast_to(upper, (n, H)).reshape(-1)
            if c is not None:
                cost[cols] = np.broadcast_to(c, (n, H)).reshape(-1)

        setb("x", inf)
        setb("u", w.dem_i, w.value_i)
        setb("b", inf)
        setb("ov", inf, e.sla_cny_per_token)
        setb("imp", w.feeder, w.energy_cny[None, :])
        setb("ch", w.batt_kw[:, None], 1e-6)
        setb("dis", w.batt_kw[:, None])
        setb("soc", w.batt_kwh[:, None])
        setb("curt", w.pv)
        # a hair of slack (1e-9 of the load) keeps a district that must shed everything
        # feasible within floating-point round-off of its loads
        setb("shed", w.sheddable_kw + 1e-9 * (1.0 + w.fixed_kw), e.voll_cny_per_kwh)
        setb("ev", w.ev_max[:, None])
        setb("R", inf, e.ev_hold_cny_per_kwh_h)
        setb("B", inf)
        late = w.late_cost if w.late_cost is not None else np.full(H, e.late_cny_per_token_h)
        setb("z", inf, late[None, :])
        # nodes may go dark only where their district's feeder and PV cannot carry the
        # nodes' own fixed load (a blackout): elsewhere building load is shed first, and
        # the constraint matrix stays the same hour to hour (warm starts)
        nfix = np.zeros((N, H)) if w.node_fixed_kw is None else w.node_fixed_kw
        nd = w.node_district
        nfix_d = np.zeros((D, H))
        np.add.at(nfix_d, nd, nfix)
        # in tokens of capacity switched off (well scaled; a node whose capacity incidents
        # take whole goes dark in units of 1): kW shed per unit = nfix / scale
        scale = np.where(w.cap > 0, w.cap, 1.0)
        kw_per_tok = nfix / scale
        dark_ok = (nfix > 0) & (nfix_d > w.feeder + w.pv)[nd]
        setb("dark", np.where(dark_ok, scale, 0.0), e.voll_cny_per_kwh * kw_per_tok)
        dn, dh = np.nonzero(dark_ok)
        dc = w.cap[dn, dh] > 0  # capacity entries only where there is capacity
        last = H - 1
        end_b = e.batch_end_value if w.batch_end_value is None else w.batch_end_value
        cost[col("B", 0, last)] += end_b
        cost[col("R", np.arange(D), last)] += e.ev_end_value
        if w.soc_end_value is not None:
            cost[col("soc", np.arange(D), last)] -= w.soc_end_value

        rows_i, cols_i, vals = [], [], []
        # the constraint matrix depends only on these; when they repeat (hour after hour
        # under ``lp``), the last matrix is reused and no entries are built
        key = (
            (G, K, N, D, H),
            w.arcs.tobytes(),
            w.node_district.tobytes(),
            w.e_tok.tobytes(),
            float(w.eff),
            float(w.rated),
            dn.tobytes(),
            dh.tobytes(),
            kw_per_tok[dn, dh].tobytes(),
            dc.tobytes(),
        )
        cached = key == self._key
        rlo, rup = [], []
        r = 0

        def add(nrows: int, lower: np.ndarray, upper: np.ndarray) -> int:
            nonlocal r
            start = r
            rlo.append(np.asarray(lower, float).reshape(-1))
            rup.append(np.asarray(upper, float).reshape(-1))
            r += nrows
            return start

        def ent(rr: np.ndarray, cc: np.ndarray, vv: np.ndarray | float) -> None:
            if cached:
                return
            rr, cc, vv = np.broadcast_arrays(np.asarray(rr), np.asarray(cc), np.asarray(vv, float))
            rows_i.append(rr.reshape(-1))
            cols_i.append(cc.reshape(-1))
            vals.append(vv.reshape(-1))

        gk = np.arange(G * K)
        g_of = gk // K
        node_of = w.arcs.reshape(-1)
        # interactive demand: sum_k x + u = dem   (rows ordered h-major)
        r0 = add(G * H, w.dem_i.T, w.dem_i.T)
        for_h = hh[:, None]
        ent(r0 + for_h * G + g_of[None, :], col("x", gk[None, :], for_h), 1.0)
        ent(r0 + for_h * G + np.arange(G)[None, :], col("u", np.arange(G)[None, :], for_h), 1.0)
        # node capacity and rated load
        rc = add(N * H, np.full(N * H, -inf), w.cap.T)
        ro = add(N * H, np.full(N * H, -inf), (w.rated * w.cap).T)
        for base in (rc, ro):
            ent(base + for_h * N + node_of[None, :], col("x", gk[None, :], for_h), 1.0)
            ent(base + for_h * N + np.arange(N)[None, :], col("b", np.arange(N)[None, :], for_h), 1)
        ent(ro + for_h * N + np.arange(N)[None, :], col("ov", np.arange(N)[None, :], for_h), -1.0)
        # a dark node's capacity is gone: x + b + dark <= cap (and rated load)
        ent(rc + dh[dc] * N + dn[dc], col("dark", dn[dc], dh[dc]), 1.0)
        ent(ro + dh[dc] * N + dn[dc], col("dark", dn[dc], dh[dc]), w.rated)
        # power balance
        rhs = (w.fixed_kw - w.pv).T
        rb = add(D * H, rhs, rhs)
        dd = np.arange(D)[None, :]
        for name, sgn in (("imp", 1), ("curt", -1), ("dis", 1), ("ch", -1), ("shed", 1)):
            ent(rb + for_h * D + dd, col(name, dd, for_h), float(sgn))
        ent(rb + for_h * D + dd, col("ev", dd, for_h), -1.0)
        ent(rb + dh * D + nd[dn], col("dark", dn, dh), kw_per_tok[dn, dh])
        ent(
            rb + for_h * D + nd[node_of][None, :],
            col("x", gk[None, :], for_h),
            -w.e_tok[node_of].T,
        )
        ent(
            rb + for_h * D + nd[None, :],
            col("b", np.arange(N)[None, :], for_h),
            -w.e_tok.T,
        )
        # battery: soc_h - soc_{h-1} - eff ch + dis = 0 (soc_{-1} = soc0)
        srhs = np.zeros((H, D))
        srhs[0] = w.soc0
        rs = add(D * H, srhs, srhs)
        ent(rs + for_h * D + dd, col("soc", dd, for_h), 1.0)
        ent(rs + for_h * D + dd, col("ch", dd, for_h), -w.eff)
        ent(rs + for_h * D + dd, col("dis", dd, for_h), 1.0)
        if H > 1:
            h1 = hh[1:, None]
            ent(rs + h1 * D + dd, col("soc", dd, h1 - 1), -1.0)
        # batch backlog: B_h - B_{h-1} + sum_n b = arrivals (B_{-1} = B0)
        brhs = w.arr_b.astype(float).copy()
        brhs[0] += w.B0
        rB = add(H, brhs, brhs)
        ent(rB + hh, col("B", 0, hh), 1.0)
        ent(rB + for_h, col("b", np.arange(N)[None, :], for_h), 1.0)
        if H > 1:
            ent(rB + hh[1:], col("B", 0, hh[1:] - 1), -1.0)
        # lateness: z_h - B_h >= -P_h
        rz = add(H, -w.not_due, np.full(H, inf))
        ent(rz + hh, col("z", 0, hh), 1.0)
        ent(rz + hh, col("B", 0, hh), -1.0)
        # EV backlog: R_h - R_{h-1} + ev_h = need_h (R_{-1} = R0)
        erhs = w.need_ev.T.copy()
        erhs[0] += w.R0
        re_ = add(D * H, erhs, erhs)
        ent(re_ + for_h * D + dd, col("R", dd, for_h), 1.0)
        ent(re_ + for_h * D + dd, col("ev", dd, for_h), 1.0)
        if H > 1:
            ent(re_ + hh[1:, None] * D + dd, col("R", dd, hh[1:, None] - 1), -1.0)

        from scipy.sparse import csc_matrix

        if cached:
            A = self._A
        else:
            A = csc_matrix(
                (np.concatenate(vals), (np.concatenate(rows_i), np.concatenate(cols_i))),
                shape=(r, V * H),
            )
            self._key, self._A = key, A
        row_lo, row_up = np.concatenate(rlo), np.concatenate(rup)
        same = (
            self._shape == (V * H, r)
            and np.array_equal(self._indptr, A.indptr)
            and np.array_equal(self._indices, A.indices)
            and np.array_equal(self._data, A.data)
        )
        if same:  # same matrix as the last window: update data, warm-start from its basis
            cols, rows = np.arange(V * H, dtype=np.int32), np.arange(r, dtype=np.int32)
            self.h.changeColsCost(V * H, cols, cost)
            self.h.changeColsBounds(V * H, cols, lo, up)
            self.h.changeRowsBounds(r, rows, row_lo, row_up)
            self.warm += 1
            if rolling and H > 1:
                blocks = [(r0, G), (rc, N), (ro, N), (rb, D), (rs, D), (rB, 1), (rz, 1), (re_, D)]
                self._shift_basis(V, H, blocks)
            self.h.setOptionValue("presolve", "off")  # a warm start skips presolve
        else:
            lp = hs.HighsLp()
            lp.num_col_, lp.num_row_ = V * H, r
            lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lo, up
            lp.row_lower_, lp.row_upper_ = row_lo, row_up
            lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
            lp.a_matrix_.start_ = A.indptr
            lp.a_matrix_.index_ = A.indices
            lp.a_matrix_.value_ = A.data
            self.h.clearModel()
            self.h.setOptionValue("presolve", "choose")
            self.h.passModel(lp)
            self._shape, self._indptr, self._indices, self._data = (
                (V * H, r),
                A.indptr.copy(),
                A.indices.copy(),
                A.data.copy(),
            )
        self.h.run()
        self.solves += 1
        status = self.h.getModelStatus()
        if status != hs.HighsModelStatus.kOptimal:
            msg = (
                f"dispatch LP: HiGHS returned '{self.h.modelStatusToString(status)}' for a "
                f"{H}-hour window. Every demand has an unserved slack, so this points to "
                "inconsistent inputs (negative capacities or loads)."
            )
            raise InfeasibleError(msg)
        sol = self.h.getSolution()
        xv = np.asarray(sol.col_value).reshape(H, V)
        dual = np.asarray(sol.row_dual)
        out = {}
        for k in COLS:
            block = xv[:, off[k] : off[k] + sizes[k]].T  # (size, H)
            out[k] = block.reshape(G, K, H) if k == "x" else block
        out["B"], out["z"] = out["B"][0], out["z"][0]
        cong = -dual[rc : rc + N * H].reshape(H, N).T - dual[ro : ro + N * H].reshape(H, N).T
        pprice = dual[rb : rb + D * H].reshape(H, D).T
        node_price = cong + w.e_tok * pprice[nd]
        return Plan(
            values=out,
            node_price=node_price,
            power_price=pprice,
            objective=float(self.h.getInfo().objective_function_value),
        )


__all__ = ["Dispatcher", "Economics", "Plan", "Window", "quiet_highs"]
