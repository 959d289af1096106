"""Compute and power each hour, and one accounting of what happened, for every mechanism.

Two ways to resolve an hour's compute and power:

* :meth:`Accountant.claims_hour`: agents' claims, resolved by the mechanism resource kind by
  resource kind (compute, then the power the served compute draws, which cuts compute where
  a feeder cannot carry it); batteries follow their operators' rules;
* :meth:`Accountant.joint_hour`: the joint LP or market clearing (:mod:`workbench.citymodel.joint`).

Both feed :meth:`Accountant.record`, which books every metric and the hour's part of
``total_cost_cny`` with the same formulas (the objective of :mod:`workbench.citymodel.dispatch`),
so mechanisms are scored alike and the ``oracle`` is a true lower bound.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.citymodel.agents.demand import LATENCY_BUDGET_MS, LATENCY_CLASSES
from workbench.citymodel.claims import CLASSES

if TYPE_CHECKING:  # pragma: no cover
    from workbench.citymodel.model import CityModel

_B = CLASSES.index("batch")
_I = CLASSES.index("interactive")
_ESS = CLASSES.index("essential")
POWER_VALUE_UNIT_CNY_PER_KWH = 0.4
"""CNY per kWh of one unit of power-claim value (``essential`` 50 = 20 CNY/kWh, the VoLL)."""
COST_PARTS = ("energy", "carbon", "unserved", "late", "sla", "shed", "ev")
"""Hourly parts of ``total_cost_cny`` (plus the end-of-run value of work left waiting)."""


def alloc_metrics(T: int, D: int, N: int, L: int) -> dict[str, np.ndarray]:
    """Zeroed metric arrays of a run (name -> ``(T,)`` or ``(T, D|N|L)``)."""
    shapes = {
        "district": [
            "power_requested_kw",
            "power_served_kw",
            "unserved_power_kw",
            "grid_import_kw",
            "pv_kw",
            "pv_curtailed_kw",
            "battery_charge_kw",
            "battery_discharge_kw",
            "battery_soc_kwh",
            "feeder_capacity_kw",
            "power_price",
            "ev_requested_kw",
            "ev_served_kw",
            "ev_backlog_kwh",
            "interactive_requested",
            "interactive_served",
            "interactive_within_budget",
            "batch_new",
            "batch_submitted",
            "batch_served",
        ],
        "node": [
            "node_tokens_served",
            "node_tokens_capacity",
            "node_utilisation",
            "node_power_kw",
            "node_overload_tokens",
            "compute_price",
        ],
        "link": ["link_flow", "link_demand", "link_travel_min", "road_price"],
        "time": [
            "emergency_active",
            "batch_backlog",
            "batch_not_due",
            "batch_late_tokens",
            "batch_waiting_owners",
            "agent_decisions",
            "payments_cny",
            "messages",
            *[f"cost_{p}_cny" for p in COST_PARTS],
        ],
    }
    size = {"district": D, "node": N, "link": L}
    out = {}
    for dim, names in shapes.items():
        for n in names:
            out[n] = np.zeros(T) if dim == "time" else np.zeros((T, size[dim]))
    return out


class Accountant:
    """Resolves compute and power for a model each hour and books the outcome."""

    def __init__(self, model: CityModel) -> None:
        self.m = model

    # ------------------------------------------------------------------ claims path
    def claims_hour(self, t: int) -> dict[str, Any]:
        """Compute, then power, through the mechanism's ``allocate`` (coupled by power)."""
        m = self.m
        nodes, D = m.nodes, m.space.n_districts
        dem = m.demand_agent
        G = dem.n_groups
        cn = getattr(m.mechanism, "protocol", None) == "contract_net"
        dem.hold_batch = cn
        across = "power" in getattr(m.mechanism, "across", ())
        aug = self._with_feeders if across else None
        ccs, calloc = m._resolve("compute", m.cap_tok_all[t], augment=aug)
        c_node = ccs.entry_resource[0::2] if across else ccs.entry_resource
        if across:  # back to compute resources only, for what follows
            calloc = replace(calloc, price=calloc.price[: nodes.n])
            ccs = replace(
                ccs,
                capacity=ccs.capacity[: nodes.n],
                entry_row=ccs.entry_row[0::2],
                entry_resource=c_node,
                entry_coef=ccs.entry_coef[0::2],
                _cache={},
            )
        is_b = ccs.group_class[ccs.row_group] == _B
        m.node_tokens[0] = np.bincount(c_node, calloc.row * ~is_b, nodes.n)
        m.node_tokens[1] = np.bincount(c_node, calloc.row * is_b, nodes.n)
        messages = 0
        if cn:
            from workbench.citymodel.contract_net import run_protocol

            amount, due, district = dem.jobs()
            left = np.maximum(m.cap_tok_all[t] - ccs.usage(calloc.row), 0.0)
            bn = m.batch_nodes  # contractors: every node batch work may go to
            res = run_protocol(
                amount,
                due,
                np.broadcast_to(bn, (len(amount), len(bn))),
                m.e_tok_all[t] * m.energy_cny_ext[t],
                left,
                m.cap_tok_all[t],
            )
            ok = res.node >= 0
            job_tok = np.bincount(res.node[ok], amount[ok], nodes.n)
            m.node_tokens[1] = m.node_tokens[1] + job_tok
            messages = res.messages
        take = getattr(m.mechanism, "take_messages", None)
        if take is not None:  # deliveries awarded to depots by the protocol this hour
            messages += take()
        pcs, palloc = m._resolve("power", m.grid.capacity(t))
        # tokens actually served: compute grants cut by the power granted to the node
        served_row = calloc.row * m.node_power_ratio[is_b.astype(int), c_node]
        g = ccs.row_group
        mine = ccs.group_batch[g] == m.batch_index(dem, "compute")
        tag = ccs.group_tag[g]
        inter = mine & (tag < G)
        brow = mine & (tag >= G)
        # weighted bincount is float (numpy's stub types every bincount as intp)
        served_b: np.ndarray = np.bincount(tag[brow] - G, served_row[brow], D)
        if cn:
            ratio_b = m.node_power_ratio[1]
            served_job = np.where(ok, amount * ratio_b[np.maximum(res.node, 0)], 0.0)
            served_b = served_b + dem.settle_jobs(served_job)
            job_served_node: np.ndarray = np.bincount(res.node[ok], served_job[ok], nodes.n)
        else:
            dem.settle_batch(served_b)
            job_served_node = np.zeros(nodes.n)
        # power: what was served, shed (buildings, factories, incidents) and charged
        served_kw = pcs.usage(palloc.row)
        pg = pcs.row_group
        req_row = pcs.group_amount[pg]
        must = np.isin(
            pcs.group_batch[pg],
            [m.batch_index(m.grid, "power"), m.batch_index(m.emergency, "power")],
        )
        shed = np.bincount(pcs.entry_resource[must], (req_row - palloc.row)[must], D)
        # a node whose power was cut went dark in that share: its idle power is unserved too
        dark = m.idle_kw_all[t] * (1.0 - m.node_power_ratio[0])
        shed = shed + np.bincount(nodes.district, dark, D)
        ev_rows = pcs.group_batch[pg] == m.batch_index(m.logistics, "power")
        ev = np.bincount(pcs.entry_resource[ev_rows], palloc.row[ev_rows], D)
        ev_req = np.bincount(pcs.entry_resource[ev_rows], req_row[ev_rows], D)
        flows = m.grid.settle(served_kw, t)
        curt = flows["import"] + m.grid.pv + flows["discharge"] - served_kw - flows["charge"]
        e = m.e_tok_all[t] * m.energy_cny_ext[t]
        cprice = m.mods.value  # noqa: F841 - value units are converted below
        node_price = e + calloc.price * 8e-7
        power_price = m.energy_cny_ext[t] + palloc.price * POWER_VALUE_UNIT_CNY_PER_KWH
        return {
            "node_i": np.bincount(c_node, served_row * ~is_b, nodes.n),
            "node_b": np.bincount(c_node, served_row * is_b, nodes.n) + job_served_node,
            "g_idx": tag[inter],
            "g_node": c_node[inter],
            "g_tok": served_row[inter],
            "served_b": served_b,
            "served_kw": served_kw,
            "requested_kw": pcs.usage(req_row),
            "node_kw": m.node_power_kw.copy(),
            "import": flows["import"],
            "charge": flows["charge"],
            "discharge": flows["discharge"],
            "curt": np.maximum(curt, 0.0),
            "shed": np.maximum(shed, 0.0),
            "ev": ev,
            "ev_req": ev_req,
            "node_price": node_price,
            "power_price": power_price,
            "payments": 0.0,
            "messages": messages,
        }

    def _with_feeders(self, cs: Any) -> Any:
        """Add each node's feeder to compute claims: a token uses ``e`` kWh of its headroom."""
        m = self.m
        t, nodes = m.t, m.nodes
        node = cs.entry_resource
        n = len(node)
        er = np.repeat(cs.entry_row, 2)
        eres = np.empty(2 * n, dtype=np.int64)
        eres[0::2], eres[1::2] = node, nodes.n + nodes.district[node]
        coef = np.empty(2 * n)
        coef[0::2], coef[1::2] = cs.entry_coef, cs.entry_coef * m.e_tok_all[t][node]
        headroom = np.maximum(m.grid.capacity(t) - m.fixed_kw_all[t], 0.0)
        return replace(
            cs,
            capacity=np.concatenate([cs.capacity, headroom]),
            entry_row=er,
            entry_resource=eres,
            entry_coef=coef,
            _cache={},
        )

    # ------------------------------------------------------------------ joint path
    def joint_hour(self, t: int) -> dict[str, Any]:
        """Compute and power by the joint LP (or market clearing); apply and log it."""
        m = self.m
        nodes, D = m.nodes, m.space.n_districts
        dem, fleet, grid = m.demand_agent, m.logistics, m.grid
        joint = m.joint
        if joint is None:
            msg = (
                f"Accountant.joint_hour(t={t}) needs a joint mechanism (joint LP, mpc, oracle "
                f"or market); got mechanism {m.mechanism_name!r}, which has none. Use "
                "Accountant.claims_hour() for agent-by-agent mechanisms."
            )
            raise RuntimeError(msg)
        ev_req = fleet.charging_request(t) if joint.kind in ("lp", "market") else None
        fleet.ev_req = ev_req if ev_req is not None else fleet.ev_backlog_kwh.copy()
        out, payments = joint.hour(t)
        arcs = m.lp_arcs_g
        G, K = arcs.shape
        # solver round-off: below one token is none (a node that is down gets exactly 0)
        x = np.where(out["x"] >= 1.0, out["x"], 0.0)
        b = np.where(out["b"] >= 1.0, out["b"], 0.0)
        # nodes gone dark (their feeder out, batteries short): no power, no tokens, and no
        # incident compute on them either
        live = 1.0 - np.where(out["dark"] > 1e-9, out["dark"], 0.0)
        em_tok = m.emergency_tokens_all[t] * live
        node_i = np.bincount(arcs.reshape(-1), x.reshape(-1), nodes.n)
        node_i = node_i + em_tok
        total_b = float(b.sum())
        rb = dem.request_b
        served_b = rb / rb.sum() * total_b if rb.sum() > 0 else np.zeros(D)
        dem.settle_batch(total_b)
        grid.soc = np.clip(out["soc"], 0.0, grid.batt_kwh)
        grid.pv = m.pv_all[t]
        grid.feeder_up_kw = m.feeder_all[t]
        ev = np.maximum(out["ev"], 0.0)
        fleet.ev_backlog_kwh = np.maximum(fleet.ev_backlog_kwh - ev, 0.0)
        dyn = m.e_tok_all[t] * (node_i + b)
        node_kw = m.idle_kw_all[t] * live + dyn
        dark_kw = np.bincount(nodes.district, m.node_fixed_kw_all[t] * (1.0 - live), D)
        shed = np.maximum(out["shed"], 0.0) + dark_kw
        dyn_d = np.bincount(nodes.district, m.e_tok_all[t] * (node_i - em_tok + b), D)
        served_kw = m.fixed_kw_all[t] - shed + ev + dyn_d
        imp = np.maximum(out["imp"], 0.0)
        if m.extra_agents:  # plugin agents' claims, on what the joint dispatch left
            left = np.maximum(m.cap_tok_all[t] * live - node_i - b, 0.0)
            cs, al = m._resolve_for("compute", left, m.extra_agents)
            if cs is not None:
                tok = np.bincount(cs.entry_resource, al.row, nodes.n)
                node_i = node_i + tok
                extra_kw = np.bincount(nodes.district, m.e_tok_all[t] * tok, D)
                imp, served_kw = imp + extra_kw, served_kw + extra_kw
                node_kw = node_kw + m.e_tok_all[t] * tok
            cs, al = m._resolve_for("power", np.maximum(m.feeder_all[t] - imp, 0.0), m.extra_agents)
            if cs is not None:
                got = cs.usage(al.row)
                imp, served_kw = imp + got, served_kw + got
        # log: who asked, who got what, at what price, why
        basis = {
            "lp": "joint LP, 1 h (duals are prices)",
            "mpc": f"rolling LP, {joint.horizon} h look-ahead on forecasts",
            "oracle": "perfect-foresight LP over the run (bound)",
            "market": "uniform-price clearing of bids and offers",
        }[joint.kind]
        price_g = (x * out["node_price"][arcs]).sum(axis=1) / np.maximum(x.sum(axis=1), 1e-12)
        log = m.orchestrator.log
        log.add_rows(
            t,
            "compute",
            m.group_labels,
            np.full(G, _I),
            dem.request_g,
            x.sum(axis=1),
            price_g,
            basis,
        )
        log.add_rows(
            t,
            "compute",
            np.array(["demand:batch"], dtype=object),
            np.array([_B]),
            np.array([rb.sum() if joint.kind in ("lp", "market") else dem.backlog_total + total_b]),
            np.array([total_b]),
            np.array([float((b * out["node_price"]).sum() / max(total_b, 1e-12))]),
            basis,
        )
        if joint.kind == "market":  # operators' offers: capacity at marginal cost
            log.add_rows(
                t,
                "compute",
                np.array([f"offer:node:{i}" for i in nodes.ids], dtype=object),
                np.full(nodes.n, _I),
                m.cap_tok_all[t],
                node_i + b,
                out["node_price"],
                "offer at marginal cost (energy + carbon), cleared at the uniform price",
            )
        need = m.fixed_kw_all[t] + dyn_d + fleet.ev_req
        log.add_rows(
            t,
            "power",
            m.feeder_labels,
            np.full(D, _ESS),
            need,
            need - shed - (fleet.ev_req - ev),
            out["power_price"],
            basis,
        )
        return {
            "node_i": node_i,
            "node_b": b,
            "g_idx": np.repeat(np.arange(G), K),
            "g_node": arcs.reshape(-1),
            "g_tok": x.reshape(-1),
            "served_b": served_b,
            "served_kw": served_kw,
            "requested_kw": m.fixed_kw_all[t] + dyn_d + fleet.ev_req,
            "node_kw": node_kw,
            "import": imp,
            "charge": np.maximum(out["ch"], 0.0),
            "discharge": np.maximum(out["dis"], 0.0),
            "curt": np.maximum(out["curt"], 0.0),
            "shed": shed,
            "ev": ev,
            "ev_req": fleet.ev_req,
            "node_price": out["node_price"],
            "power_price": out["power_price"],
            "payments": float(payments),
        }

    # ------------------------------------------------------------------ booking
    def record(self, t: int, o: dict[str, Any]) -> None:
        """Book the hour's metrics and its part of ``total_cost_cny``."""
        from workbench.citymodel.model import LAT_BINS, SERVICE_MS

        m = self.m
        M, nodes, D = m.metrics, m.nodes, m.space.n_districts
        dem, econ = m.demand_agent, m.econ
        nL = len(LATENCY_CLASSES)
        cap = m.cap_tok_all[t]
        tok = o["node_i"] + o["node_b"]
        rho = np.divide(tok, cap, out=np.zeros(nodes.n), where=cap > 0)
        m.node_util = rho
        r = np.minimum(rho, 0.999)
        q_ms = SERVICE_MS * r / (1 - r)
        gi, gn, gt = o["g_idx"], o["g_node"], o["g_tok"]
        gd = gi // nL
        lat = m.net_ms[gd, gn] + q_ms[gn]
        ok = lat <= LATENCY_BUDGET_MS[gi % nL]
        served_g = np.bincount(gi, gt, dem.n_groups)
        M["interactive_requested"][t] = dem.request_i
        M["interactive_served"][t] = served_g.reshape(D, nL).sum(axis=1)
        M["interactive_within_budget"][t] = np.bincount(gd, gt * ok, D)
        m.lat_hist += np.bincount(np.searchsorted(LAT_BINS, lat), gt, len(LAT_BINS) + 1)
        unserved = np.maximum(dem.request_g - served_g, 0.0)
        m.lat_hist[-1] += float(unserved.sum())
        M["batch_new"][t], M["batch_submitted"][t] = dem.new_batch, dem.request_b
        M["batch_served"][t] = o["served_b"]
        B = dem.backlog_total
        P = self.not_due(t)
        M["batch_backlog"][t], M["batch_not_due"][t] = B, P
        late = max(B - P, 0.0)
        M["batch_late_tokens"][t] = late
        M["batch_waiting_owners"][t] = dem.waiting
        M["agent_decisions"][t] = dem.decisions + m.logistics.decisions + m.traffic.decisions + D
        over = np.maximum(tok - m.RATED_LOAD * cap, 0.0)
        M["node_tokens_served"][t], M["node_tokens_capacity"][t] = tok, cap
        M["node_utilisation"][t], M["node_power_kw"][t] = rho, o["node_kw"]
        M["node_overload_tokens"][t] = over
        M["compute_price"][t] = o["node_price"]
        M["power_requested_kw"][t], M["power_served_kw"][t] = o["requested_kw"], o["served_kw"]
        M["unserved_power_kw"][t] = o["shed"]
        M["grid_import_kw"][t] = o["import"]
        M["pv_kw"][t], M["pv_curtailed_kw"][t] = m.pv_all[t], o["curt"]
        M["battery_charge_kw"][t], M["battery_discharge_kw"][t] = o["charge"], o["discharge"]
        M["battery_soc_kwh"][t] = m.grid.soc
        M["feeder_capacity_kw"][t] = m.feeder_all[t]
        M["power_price"][t] = o["power_price"]
        M["ev_requested_kw"][t], M["ev_served_kw"][t] = o["ev_req"], o["ev"]
        R = m.logistics.ev_backlog_kwh
        M["ev_backlog_kwh"][t] = R
        M["emergency_active"][t] = len(m.emergency.active)
        M["payments_cny"][t] = o["payments"]
        M["messages"][t] = o.get("messages", 0)
        imp = float(o["import"].sum())
        M["cost_energy_cny"][t] = imp * m.price[t]
        M["cost_carbon_cny"][t] = imp * m.ci[t] * m.mods.carbon_price[t] / 1000
        M["cost_unserved_cny"][t] = float(unserved.sum()) * econ.value_interactive
        M["cost_late_cny"][t] = late * econ.late_cny_per_token_h
        M["cost_sla_cny"][t] = float(over.sum()) * econ.sla_cny_per_token
        M["cost_shed_cny"][t] = float(o["shed"].sum()) * econ.voll_cny_per_kwh
        M["cost_ev_cny"][t] = float(R.sum()) * econ.ev_hold_cny_per_kwh_h
        m.learn_prices(t, o["node_price"], o["power_price"])

    def not_due(self, t: int) -> float:
        """Batch work arrived by the end of hour ``t`` and not yet due (tokens)."""
        from workbench.citymodel.agents.demand import DEADLINES_H

        h = self.m.arrivals_hist
        return float(
            sum(h[max(t - dl + 1, 0) : t + 1, j].sum() for j, dl in enumerate(DEADLINES_H))
        )


__all__ = ["COST_PARTS", "Accountant", "alloc_metrics"]
