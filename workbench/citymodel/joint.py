"""Coupled compute + power coordination by one LP: ``lp``, ``mpc``, ``oracle`` and ``market``.

The model calls :meth:`JointCoordinator.hour` once per hour; it builds the mechanism's
window (:class:`~workbench.citymodel.dispatch.Window`), solves it, and returns the hour's
decisions, which the model applies and accounts exactly as for every other mechanism.

* ``lp``: a 1-hour window on what the agents asked for this hour (batch owners' and depots'
  own submissions); stored energy is valued at the grid operators' own forecast.
* ``mpc``: an H-hour window (default 24) from the realised state (all batch work waiting,
  batteries, EV charging owed) over forecasts agents could have (expected demand by hour of
  day, no noise; scheduled events), re-solved every hour; only its first hour is executed.
* ``oracle``: one window over the whole run on the realised demand (perfect foresight), solved
  at hour 0; a bound, not a mechanism anyone could run.
* ``market``: a 1-hour uniform-price clearing: bids are the agents' own valuations (owners'
  value per token while their daily budget lasts, batch urgency, depots' charging urgency),
  offers are operators' marginal costs (energy + carbon per token at the node's efficiency,
  an SLA premium above rated load). Clearing prices are the LP's duals; payments are settled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from workbench.citymodel.agents.demand import DEADLINES_H
from workbench.citymodel.dispatch import Dispatcher, Plan, Window

if TYPE_CHECKING:  # pragma: no cover
    from workbench.citymodel.model import CityModel

ORACLE_MAX_HOURS = 2000
"""Longest run the oracle solves as one LP."""


class JointCoordinator:
    """Runs one of the joint mechanisms for a model (see the module docstring)."""

    def __init__(self, model: CityModel, kind: str, horizon: int = 24) -> None:
        self.m = model
        self.kind = kind
        self.horizon = int(horizon)
        self.solver = Dispatcher()
        self.plan: Plan | None = None
        self.payments = 0.0
        # the planner values every interactive token alike, so lp/mpc/oracle pool a
        # district's latency classes (same candidates) and split the result back pro rata
        self.pool = kind != "market"
        self._node_pools()

    def _node_pools(self) -> None:
        """LP nodes: every candidate node on its own, the others pooled per district.

        Nodes that are no district's candidate only ever serve batch work, so the LP sees them
        as one pool per district (capacity summed, energy per token capacity-weighted) and
        their batch tokens are split back pro rata to capacity: exact for the LP's own
        solutions, and it keeps the LP small for plans with hundreds of edge nodes.
        """
        from scipy.sparse import csr_matrix

        m = self.m
        nd = m.nodes
        cand = m.batch_nodes
        is_c = np.zeros(nd.n, dtype=bool)
        is_c[cand] = True
        pool_d = np.unique(nd.district[~is_c])
        lp_of = np.empty(nd.n, dtype=np.int64)
        lp_of[cand] = np.arange(len(cand))
        lp_of[~is_c] = len(cand) + np.searchsorted(pool_d, nd.district[~is_c])
        self.n_lp = len(cand) + len(pool_d)
        self.lp_of = lp_of
        self.lp_district = np.concatenate([nd.district[cand], pool_d]).astype(np.int64)
        self.arcs_lp = lp_of[m.lp_arcs]
        self.arcs_lp_g = lp_of[m.lp_arcs_g]
        self.M = csr_matrix((np.ones(nd.n), (np.arange(nd.n), lp_of)), shape=(nd.n, self.n_lp))

    def _lp_nodes(self, hrs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Capacity (emergency reserve off), energy per token and fixed load (kW) of LP nodes.

        Each is ``(n_lp, H)``.
        """
        m = self.m
        C = np.maximum(m.cap_tok_all[hrs] - m.emergency_tokens_all[hrs], 0.0)  # (H, N)
        E = m.e_tok_all[hrs]
        cap = np.asarray(C @ self.M)
        ew = np.asarray((C * E) @ self.M)
        emean = np.asarray(E @ self.M) / np.asarray(self.M.sum(axis=0))
        e = np.divide(ew, cap, out=emean.copy(), where=cap > 0)
        fixed = np.asarray(m.node_fixed_kw_all[hrs] @ self.M)
        return cap.T, e.T, fixed.T

    def _to_nodes(self, out: dict[str, np.ndarray], t: int) -> None:
        """Batch tokens and prices of LP nodes back to the plan's nodes (pro rata to capacity)."""
        m = self.m
        C = np.maximum(m.cap_tok_all[t] - m.emergency_tokens_all[t], 0.0)
        cap_lp = np.bincount(self.lp_of, C, self.n_lp)
        w = np.divide(C, cap_lp[self.lp_of], out=np.zeros_like(C), where=cap_lp[self.lp_of] > 0)
        out["b"] = out["b"][self.lp_of] * w
        out["ov"] = out["ov"][self.lp_of] * w
        # capacity switched off, as a share of the LP node (a pool goes dark as one)
        share = out["dark"] / np.where(cap_lp > 0, cap_lp, 1.0)  # the LP's scale of dark
        out["dark"] = np.clip(share[self.lp_of], 0.0, 1.0)
        out["node_price"] = out["node_price"][self.lp_of]

    # ------------------------------------------------------------------ inputs
    def _hours(self, t: int, H: int) -> np.ndarray:
        return np.minimum(np.arange(t, t + H), self.m.hours - 1)

    def _window(self, t: int, H: int, dem_i: np.ndarray, forecast: bool) -> Window:
        m = self.m
        hrs = self._hours(t, H)
        hh = np.arange(t, t + H)
        cap, e_tok, node_fixed = self._lp_nodes(hrs)
        if self.pool:
            D = m.space.n_districts
            dem_i = dem_i.reshape(D, -1, dem_i.shape[1]).sum(axis=1)
        return Window(
            arcs=self.arcs_lp if self.pool else self.arcs_lp_g,
            node_district=self.lp_district,
            e_tok=e_tok,
            cap=np.maximum(cap, 0.0),
            rated=m.RATED_LOAD,
            dem_i=dem_i,
            value_i=np.full(dem_i.shape, m.econ.value_interactive),
            fixed_kw=m.fixed_kw_all[hrs].T,
            sheddable_kw=m.sheddable_kw_all[hrs].T,
            pv=m.pv_all[hrs].T,
            feeder=m.feeder_all[hrs].T,
            batt_kw=m.grid.batt_kw,
            batt_kwh=m.grid.batt_kwh,
            eff=m.BATTERY_EFFICIENCY,
            ev_max=m.logistics.depot_vans * m.CHARGER_KW,
            need_ev=np.zeros((m.space.n_districts, H)),
            arr_b=np.zeros(H),
            not_due=np.full(H, np.inf),
            B0=0.0,
            soc0=m.grid.soc.copy(),
            R0=np.zeros(m.space.n_districts),
            energy_cny=m.energy_cny_ext[hh],
            econ=m.econ,
            node_fixed_kw=node_fixed,
        )

    def _expected_demand(self, t0: int, H: int) -> tuple[np.ndarray, np.ndarray]:
        """Forecast interactive demand per group and batch arrivals per deadline class."""
        m = self.m
        dem = m.demand_agent
        g, a = [], []
        for t in self._hours(t0, H):
            dg, ak = dem.expected_aggregate(int(t))
            g.append(dg)
            a.append(ak)
        return np.stack(g, axis=1), np.stack(a, axis=1)

    def _not_due(self, t0: int, arr_k: np.ndarray) -> np.ndarray:
        """Work arrived by each hour of the window and not yet due (realised + forecast)."""
        m = self.m
        H = arr_k.shape[1]
        hist = m.arrivals_hist[: t0 + 1]  # (t0+1, K) realised, incl. this hour
        full = np.concatenate([hist, arr_k[:, 1:].T], axis=0) if H > 1 else hist
        csum = np.vstack([np.zeros((1, len(DEADLINES_H))), np.cumsum(full, axis=0)])
        out = np.zeros(H)
        for j, dl in enumerate(DEADLINES_H):
            idx = np.arange(t0, t0 + H) + 1
            lo = np.maximum(idx - dl, 0)
            out += csum[idx, j] - csum[lo, j]
        return out

    # ------------------------------------------------------------------ one hour
    def hour(self, t: int) -> tuple[dict[str, np.ndarray], float]:
        """Decisions for hour ``t``: the dispatch's first-hour values and prices, and payments.

        Returns
        -------
        tuple of (dict of str to numpy.ndarray, float)
            The first-hour values and prices by name, and the hour's uniform-price payments
            (CNY; 0 unless the mechanism is ``market``).
        """
        out, payments = self._hour(t)
        if self.pool:  # back to (district, latency class) groups, pro rata to demand
            dem = self.m.demand_agent
            D = self.m.space.n_districts
            g = dem.request_g.reshape(D, -1)
            share = np.divide(g, g.sum(axis=1, keepdims=True), out=np.zeros_like(g), where=g > 0)
            out["x"] = (out["x"][:, None, :] * share[:, :, None]).reshape(-1, out["x"].shape[1])
            out["u"] = (out["u"][:, None] * share).reshape(-1)
        return out, payments

    def _hour(self, t: int) -> tuple[dict[str, np.ndarray], float]:
        m = self.m
        dem = m.demand_agent
        fleet = m.logistics
        if self.kind == "oracle":
            if self.plan is None:
                T = m.hours
                w = self._window(0, T, m.dem_g_all.T.copy(), forecast=False)
                w.arr_b = m.arr_all.sum(axis=1)
                w.not_due = self._not_due_all()
                w.need_ev = fleet.need_kwh.T.copy()
                w.soc0 = m.grid.soc.copy()
                self.plan = self.solver.solve(w)
            return self._slice(self.plan, t, t), 0.0
        if self.kind == "mpc":
            H = max(1, min(self.horizon, m.hours - t))
            dg, ak = self._expected_demand(t, H)
            dg[:, 0] = dem.request_g
            ak[:, 0] = 0.0
            w = self._window(t, H, dg, forecast=True)
            w.B0 = dem.backlog_total
            w.arr_b = ak.sum(axis=0)
            w.not_due = self._not_due(t, ak)
            w.R0 = fleet.ev_backlog_kwh.copy()
            w.need_ev = np.zeros((m.space.n_districts, H))
            if H > 1:  # expected need: the same hour of the previous day(s)
                hrs = np.arange(t + 1, t + H)
                w.need_ev[:, 1:] = m.need_forecast(hrs).T
            plan = self.solver.solve(w, rolling=True)
            return self._slice(plan, 0, t), 0.0
        # lp and market: one hour on the agents' own requests
        w = self._window(t, 1, dem.request_g[:, None].copy(), forecast=False)
        w.arr_b = np.array([dem.request_b.sum()])
        w.not_due = np.array([np.inf])
        w.R0 = np.zeros(m.space.n_districts)
        w.need_ev = fleet.ev_req[:, None].copy()
        w.soc_end_value = m.grid_soc_value(t)
        if self.kind == "market":
            w.value_i = dem.bids()[:, None]
            w.batch_end_value = dem.batch_bid()
            w.econ = m.market_econ(fleet)
        plan = self.solver.solve(w)
        out = self._slice(plan, 0, t)
        payments = self._settle_payments(out) if self.kind == "market" else 0.0
        return out, payments

    def _not_due_all(self) -> np.ndarray:
        m = self.m
        csum = np.vstack([np.zeros((1, len(DEADLINES_H))), np.cumsum(m.arr_all, axis=0)])
        idx = np.arange(m.hours) + 1
        out = np.zeros(m.hours)
        for j, dl in enumerate(DEADLINES_H):
            out += csum[idx, j] - csum[np.maximum(idx - dl, 0), j]
        return out

    def _slice(self, plan: Plan, h: int, t: int) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for k, v in plan.values.items():
            out[k] = v[..., h]
        out["node_price"] = plan.node_price[:, h]
        out["power_price"] = plan.power_price[:, h]
        self._to_nodes(out, t)
        return out

    def _settle_payments(self, out: dict[str, np.ndarray]) -> float:
        """Uniform-price payments: every unit bought pays its node's or feeder's price."""
        m = self.m
        arcs = m.lp_arcs_g
        price = np.maximum(out["node_price"], 0.0)
        x = out["x"]
        pay_g = (x * price[arcs]).sum(axis=1)
        m.demand_agent.pay(pay_g, x.sum(axis=1))
        pay_b = float((out["b"] * price).sum())
        pay_ev = float((out["ev"] * np.maximum(out["power_price"], 0.0)).sum())
        return float(pay_g.sum()) + pay_b + pay_ev


__all__ = ["ORACLE_MAX_HOURS", "JointCoordinator"]
