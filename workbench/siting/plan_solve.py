"""Build, solve and read out the plan MILP (see :mod:`workbench.siting.plan` for the model)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np
import scipy.sparse as sp

from workbench.errors import InfeasibleError
from workbench.siting.plan_model import SECONDS_PER_DAY, ClassPairs, group_rows, site_rows
from workbench.siting.result import SITE_COLUMNS
from workbench.siting.service import ServiceModel, mmc_wait_ms
from workbench.siting.solver import INFEASIBLE, solve_milp


@dataclass
class Inputs:
    """Everything the MILP needs, prepared by :func:`workbench.siting.plan.plan`."""

    demand: Any
    sites: Any
    scenario: dict[str, Any]
    svc: ServiceModel
    legacy: bool
    tokens: np.ndarray  # per demand, tokens/day
    shares: np.ndarray  # (n, classes)
    tiers: np.ndarray
    pi: np.ndarray
    pj: np.ndarray
    dist: np.ndarray
    oneway_ms: np.ndarray
    cpairs: list[ClassPairs]
    counts: dict[str, tuple[int, int]]
    fixed: np.ndarray
    num: dict[str, float]  # scalar scenario numbers


def solve_plan(inp: Inputs, *, time_limit: float | None, mip_rel_gap: float,
               threads: int | None, t0: float) -> dict[str, Any]:  # fmt: skip
    """Solve the MILP and return the raw solution read-out (per pair shares, outcome)."""
    n, m = len(inp.tokens), len(inp.sites)
    num = inp.num
    cap = inp.sites["capacity_tokens_per_s"].to_numpy(float)
    capex = inp.sites["capex_cny"].to_numpy(float)
    pkw = inp.sites["power_kw_max"].to_numpy(float)
    pue = inp.sites["pue"].to_numpy(float)
    tpw = inp.sites["tokens_per_watt"].to_numpy(float)
    # per class: groups of demand points with identical eligible sets; x columns per group pair
    xs_site, xs_tok, xs_cf, u_tok = [], [], [], []
    cls_info = []
    col = m
    for k, cp in enumerate(inp.cpairs):
        w = inp.tokens * inp.shares[:, k]
        group = group_rows(inp.pi, cp.pair, inp.pj, n)
        ng = int(group.max()) + 1 if n else 0
        g_tok = np.bincount(group, weights=w, minlength=ng)
        rows = inp.pi[cp.pair]
        starts = np.searchsorted(rows, np.arange(n + 1))
        cnt = np.diff(starts)
        rep = np.full(ng, -1)
        rep[group[::-1]] = np.arange(n)[::-1]  # first demand point of each group
        g_cnt = cnt[rep]
        g_start = col + np.r_[0, np.cumsum(g_cnt)[:-1]]
        rep_pairs = np.concatenate([cp.pair[starts[r] : starts[r + 1]] for r in rep]) if ng else (
            np.zeros(0, int))  # fmt: skip
        xs_site.append(inp.pj[rep_pairs])
        xs_tok.append(np.repeat(g_tok, g_cnt))
        xs_cf.append(np.full(len(rep_pairs), inp.svc.models[cp.cls.model].compute_factor))
        cls_info.append((group, g_start, starts, g_tok, g_cnt))
        col += len(rep_pairs)
        u_tok.append(g_tok)
    nx = col - m
    x_site = np.concatenate(xs_site) if xs_site else np.zeros(0, int)
    x_tok = np.concatenate(xs_tok) if xs_tok else np.zeros(0)
    x_cf = np.concatenate(xs_cf) if xs_cf else np.zeros(0)
    ug = np.concatenate(u_tok)
    nu = len(ug)
    u0 = m + nx
    nc = m + nx + nu
    xk = m + np.arange(nx)
    avg_tps = x_tok / SECONDS_PER_DAY * x_cf  # compute-weighted tokens/s at share 1
    kwh = avg_tps / tpw[x_site] * pue[x_site] * num["hours"] / 1000.0
    c_x = kwh * (num["price"] + num["intensity"] / 1000.0 * num["carbon"])
    c_u = ug * 365.0 / 1e6 * num["penalty"]
    c_y = np.where(inp.fixed, 0.0, capex / num["years"])
    blocks, lo, hi = [], [], []
    # assignment: sum_j x + u = 1 per (class, group)
    g_of_x = np.concatenate([np.repeat(np.arange(len(t[3])), t[4]) + off for t, off in
                             zip(cls_info, np.r_[0, np.cumsum([len(t[3]) for t in cls_info])[:-1]],
                                 strict=True)]) if cls_info else np.zeros(0, int)  # fmt: skip
    blocks.append(sp.coo_array((np.ones(nx + nu), (np.r_[g_of_x, np.arange(nu)],
                                np.r_[xk, u0 + np.arange(nu)])), shape=(nu, nc)))  # fmt: skip
    lo.append(np.ones(nu))
    hi.append(np.ones(nu))
    if inp.scenario.get("strong_linking", True):
        blocks.append(sp.coo_array((np.r_[np.ones(nx), -np.ones(nx)], (np.tile(np.arange(nx), 2),
                                    np.r_[xk, x_site])), shape=(nx, nc)))  # fmt: skip
        lo.append(np.full(nx, -np.inf))
        hi.append(np.zeros(nx))
    peak_tps = avg_tps * num["peak"]
    blocks.append(site_rows(m, nc, xk, x_site, peak_tps, inp.svc.rho * cap))
    lo.append(np.full(m, -np.inf))
    hi.append(np.zeros(m))
    peak_kw = peak_tps / tpw[x_site] * pue[x_site] / 1000.0
    blocks.append(site_rows(m, nc, xk, x_site, peak_kw, pkw))
    lo.append(np.full(m, -np.inf))
    hi.append(np.zeros(m))
    for t, (cmin, cmax) in inp.counts.items():
        members = np.flatnonzero(inp.tiers == t)
        blocks.append(sp.coo_array((np.ones(len(members)), (np.zeros(len(members), int),
                                    members)), shape=(1, nc)))  # fmt: skip
        lo.append(np.array([float(cmin)]))
        hi.append(np.array([float(cmax)]))
    budget = inp.scenario.get("budget_cny")
    if budget is not None:
        new = np.flatnonzero(~inp.fixed)
        blocks.append(sp.coo_array((capex[new], (np.zeros(len(new), int), new)), shape=(1, nc)))
        lo.append(np.array([-np.inf]))
        hi.append(np.array([float(budget)]))
    target = inp.scenario.get("target_coverage")
    total = float(inp.tokens.sum())
    cost = np.r_[c_y, c_x, c_u]
    col_lo = np.r_[inp.fixed.astype(float), np.zeros(nx + nu)]
    integer = np.r_[np.ones(m, bool), np.zeros(nx + nu, bool)]
    out = None
    if target is not None:
        # the model without the coverage row is a relaxation: when its optimum already meets
        # the target it is optimal for the constrained plan too (same bound)
        first = solve_milp(cost, sp.vstack(blocks, format="csr"), np.concatenate(lo),
                           np.concatenate(hi), col_lo, np.ones(nc), integer,
                           time_limit=time_limit, mip_rel_gap=mip_rel_gap,
                           threads=threads)  # fmt: skip
        if first.x is not None and float(x_tok @ first.x[m:u0]) >= float(target) * total:
            out = first
        else:
            blocks.append(sp.coo_array((x_tok, (np.zeros(nx, int), xk)), shape=(1, nc)))
            lo.append(np.array([float(target) * total]))
            hi.append(np.array([np.inf]))
    if out is None:
        out = solve_milp(cost, sp.vstack(blocks, format="csr"), np.concatenate(lo),
                         np.concatenate(hi), col_lo, np.ones(nc), integer,
                         time_limit=time_limit, mip_rel_gap=mip_rel_gap,
                         threads=threads)  # fmt: skip
    if out.x is None:
        _explain_infeasible(out.status, inp, target, budget, time_limit, t0)
    xval = out.x[m:u0]
    # per class: share of each eligible demand pair, from its group's column
    pair_share = []
    for k, cp in enumerate(inp.cpairs):
        group, g_start, starts, _, _ = cls_info[k]
        rows = inp.pi[cp.pair]
        offset = np.arange(len(cp.pair)) - starts[rows]
        pair_share.append(xval[g_start[group[rows]] + offset - m])
    return {"out": out, "y": out.x[:m] > 0.5, "pair_share": pair_share}


def _explain_infeasible(status: str, inp: Inputs, target: Any, budget: Any,
                        time_limit: float | None, t0: float) -> NoReturn:  # fmt: skip
    if status == INFEASIBLE and budget is not None and inp.counts:
        # the cheapest sites that meet every tier's minimum count
        capex = inp.sites["capex_cny"].to_numpy(float)
        need = 0.0
        for t, (cmin, _) in inp.counts.items():
            members = np.flatnonzero((inp.tiers == t) & ~inp.fixed)
            n_fix = int(((inp.tiers == t) & inp.fixed).sum())
            need += float(np.sort(capex[members])[: max(cmin - n_fix, 0)].sum())
        if need > float(budget):
            msg = (
                f"Infeasible: sites_per_tier asks for at least "
                f"{ {t: lo for t, (lo, _) in inp.counts.items()} } sites, and the cheapest such "
                f"sites cost {need:.4g} CNY, more than budget_cny={float(budget):.4g}. Raise "
                f"budget_cny to at least {need:.4g} or lower the minimum counts (e.g. "
                f"edge: {{min: 0, max: N}})."
            )
            raise InfeasibleError(msg)
    if status == INFEASIBLE:
        best = None
        if target is not None:
            relaxed = {**inp.scenario, "target_coverage": None,
                       "unserved_penalty_cny_per_mtoken": 1e9}  # fmt: skip
            try:
                sol = solve_plan(
                    Inputs(**{**inp.__dict__, "scenario": relaxed}),
                    time_limit=time_limit,
                    mip_rel_gap=1e-3,
                    threads=None,
                    t0=t0,
                )
                served = sum(
                    float((inp.tokens * inp.shares[:, k])[inp.pi[cp.pair]] @ sol["pair_share"][k])
                    for k, cp in enumerate(inp.cpairs)
                )
                best = served / max(float(inp.tokens.sum()), 1e-300)
            except InfeasibleError:
                best = None
        reach = f" The best reachable coverage under these limits is {best:.1%}." if (
            best is not None) else ""  # fmt: skip
        counts = {t: (lo if lo == hi else {"min": lo, "max": hi})
                  for t, (lo, hi) in inp.counts.items()}  # fmt: skip
        msg = (
            f"Infeasible: no plan serves target_coverage={target} of the tokens within budget "
            f"{budget} CNY and sites_per_tier {counts}, given the sites' peak capacities (at "
            f"target peak utilisation {inp.svc.rho:g}) and power limits.{reach} Raise the "
            f"budget, capacities or sites per tier, or lower target_coverage."
        )
        raise InfeasibleError(msg)
    msg = "The plan solver found no feasible plan within the time limit. Raise `time_limit`."
    raise InfeasibleError(msg)


def wquantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Weighted quantile of ``values`` (NaN and zero weights ignored)."""
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return math.nan
    v, w = values[ok], weights[ok]
    order = np.argsort(v)
    cw = np.cumsum(w[order])
    return float(v[order][np.searchsorted(cw, q * cw[-1])])


def assemble(inp: Inputs, sol: dict[str, Any]) -> dict[str, Any]:
    """Read the solution out: site table, per-demand table, KPIs, routing, latency, tiers."""
    import pandas as pd

    n, sites, num = len(inp.tokens), inp.sites, inp.num
    y = sol["y"]
    m = len(sites)
    cap = sites["capacity_tokens_per_s"].to_numpy(float)
    tpw = sites["tokens_per_watt"].to_numpy(float)
    pue = sites["pue"].to_numpy(float)
    load = np.zeros(m)  # compute-weighted average tokens/s
    raw = np.zeros(m)  # tokens/s as requested
    served_d = np.zeros(n)
    lat_net_num = np.zeros(n)
    main_tok = np.zeros((n,))
    main = np.full(n, -1)
    cls_tok_site = []
    for k, cp in enumerate(inp.cpairs):
        share = sol["pair_share"][k]
        d = inp.pi[cp.pair]
        s = inp.pj[cp.pair]
        tok = inp.tokens[d] * inp.shares[d, k] * share
        cf = inp.svc.models[cp.cls.model].compute_factor
        load += np.bincount(s, weights=tok * cf, minlength=m) / SECONDS_PER_DAY
        raw += np.bincount(s, weights=tok, minlength=m) / SECONDS_PER_DAY
        served_d += np.bincount(d, weights=tok, minlength=n)
        lat_net_num += np.bincount(d, weights=tok * inp.oneway_ms[cp.pair], minlength=n)
        cls_tok_site.append(np.bincount(s, weights=tok, minlength=m))
    # main site: the site serving the most tokens of the demand point
    pair_tok = np.zeros(len(inp.pi))
    for k, cp in enumerate(inp.cpairs):
        d = inp.pi[cp.pair]
        pair_tok[cp.pair] += inp.tokens[d] * inp.shares[d, k] * sol["pair_share"][k]
    order = np.lexsort((-pair_tok, inp.pi))
    first = np.r_[True, inp.pi[order][1:] != inp.pi[order][:-1]]
    best = order[first]
    main_tok[inp.pi[best]] = pair_tok[best]
    has = main_tok > 1e-9 * np.maximum(inp.tokens, 1e-300)
    main[inp.pi[best]] = np.where(has[inp.pi[best]], inp.pj[best], -1)
    peak_load = load * num["peak"]
    rho_site = peak_load / np.maximum(cap, 1e-300)
    open_idx = np.flatnonzero(y)
    s = sites.iloc[open_idx].reset_index(drop=True)
    table = pd.DataFrame({c: s[c] if c in s.columns else np.nan for c in SITE_COLUMNS})
    table["id"] = s["id"].astype(str).to_numpy()
    for extra in ("name", "kind", "capex_cny", "existing"):
        if extra in s.columns:
            table[extra] = s[extra].to_numpy()
    it_w = load[open_idx] / tpw[open_idx]
    kwh = it_w * pue[open_idx] * num["hours"] / 1000.0
    table["load_tokens_per_s"] = load[open_idx]
    table["utilisation"] = load[open_idx] / np.maximum(cap[open_idx], 1)
    table["peak_utilisation"] = rho_site[open_idx]
    table["energy_kwh_per_year"] = kwh
    table["served_tokens_per_s"] = raw[open_idx]
    table["peak_load_tokens_per_s"] = peak_load[open_idx]
    table["servers"] = [inp.svc.servers.get(str(t), 1) for t in s["tier"].astype(str)]
    for k, cp in enumerate(inp.cpairs):
        if not inp.legacy:
            table[f"tokens_per_day_{cp.cls.name}"] = cls_tok_site[k][open_idx]
    total = float(inp.tokens.sum())
    served = served_d / np.maximum(inp.tokens, 1e-300)
    served = np.where(inp.tokens > 0, served, 0.0).clip(0, 1)
    lat_w = lat_net_num / np.maximum(served_d, 1e-300)
    w = served_d
    energy = float(kwh.sum())
    new = ~inp.fixed[open_idx]
    kpis: dict[str, Any] = {
        "coverage": float(served_d.sum()) / max(total, 1e-300),
        "latency_p50_ms": wquantile(lat_w, w, 0.50),
        "latency_p95_ms": wquantile(lat_w, w, 0.95),
        "latency_p99_ms": wquantile(lat_w, w, 0.99),
        "capex_cny": float(s["capex_cny"].to_numpy(float)[new].sum()),
        "energy_kwh_per_year": energy,
        "energy_cost_cny_per_year": energy * num["price"],
        "tokens_per_watt": float(raw[open_idx].sum() / max((it_w * pue[open_idx]).sum(), 1e-300)),
        "carbon_t_per_year": energy * num["intensity"] / 1000.0,
        "served_tokens_per_day": float(served_d.sum()),
        "n_sites": len(open_idx),
        "max_peak_utilisation": float(rho_site[open_idx].max()) if len(open_idx) else 0.0,
        "target_peak_utilisation": inp.svc.rho,
    }
    tier_o = inp.tiers[open_idx]
    for t in sorted(set(tier_o.tolist())):
        kpis[f"n_{t}"] = int((tier_o == t).sum())
    dem = pd.DataFrame(
        {
            "id": inp.demand["id"].astype(str).to_numpy(),
            "lon": inp.demand["lon"].to_numpy(float),
            "lat": inp.demand["lat"].to_numpy(float),
            "tokens_per_day": inp.tokens,
            "site": [str(sites["id"].iloc[j]) if j >= 0 else None for j in main],
            "served_share": served,
            "latency_ms": np.where(served_d > 0, lat_w, np.nan),
        }
    )
    routing, latency = [], []
    for k, cp in enumerate(inp.cpairs):
        share = sol["pair_share"][k]
        d = inp.pi[cp.pair]
        j = inp.pj[cp.pair]
        tok = inp.tokens[d] * inp.shares[d, k] * share
        cls_total = float((inp.tokens * inp.shares[:, k]).sum())
        tier_share = {
            t: float(tok[inp.tiers[j] == t].sum()) / max(cls_total, 1e-300)
            for t in ("edge", "dc", "hub")
        }
        unserved = max(0.0, 1.0 - tier_share["edge"] - tier_share["dc"] - tier_share["hub"])
        routing.append({"request_class": cp.cls.name, "budget_ms": cp.cls.budget_ms,
                        **tier_share, "unserved": unserved})  # fmt: skip
        # queueing at each site's own peak utilisation in the plan (<= the planned target)
        q = np.array([
            mmc_wait_ms(inp.svc.servers.get(str(inp.tiers[jj]), 1), min(rho_site[jj], 0.999999),
                        inp.svc.models[cp.cls.model].service_ms.get(str(inp.tiers[jj]), 0.0))
            for jj in range(m)
        ]) if (y.any() and not inp.legacy) else np.zeros(m)  # fmt: skip
        qs = q[j]
        tot_ms = cp.network_ms + qs + cp.inference_ms
        wt = tok.sum()
        lat = {
            "request_class": cp.cls.name,
            "budget_ms": cp.cls.budget_ms,
            "network_ms": float(tok @ cp.network_ms / wt) if wt > 0 else math.nan,
            "queueing_ms": float(tok @ qs / wt) if wt > 0 else math.nan,
            "inference_ms": float(tok @ cp.inference_ms / wt) if wt > 0 else math.nan,
            "total_ms": float(tok @ tot_ms / wt) if wt > 0 else math.nan,
            "total_p95_ms": wquantile(tot_ms, tok, 0.95),
            "total_max_ms": float(tot_ms[tok > 0].max()) if (tok > 0).any() else math.nan,
            "pairs_excluded_by_budget": cp.excluded_by_budget,
        }
        latency.append(lat)
        if not inp.legacy:
            name = cp.cls.name
            kpis[f"latency_p95_ms_{name}"] = lat["total_p95_ms"]
            for t in ("edge", "dc", "hub"):
                kpis[f"routing_{name}_{t}"] = tier_share[t]
            dshare = np.bincount(d, weights=tok, minlength=n)
            cls_d = inp.tokens * inp.shares[:, k]
            dem[f"served_share_{name}"] = np.where(cls_d > 0, dshare / np.maximum(cls_d, 1e-300),
                                                   0.0)  # fmt: skip
            dem[f"latency_ms_{name}"] = np.where(
                dshare > 0, np.bincount(d, weights=tok * tot_ms, minlength=n)
                / np.maximum(dshare, 1e-300), np.nan)  # fmt: skip
    tiers_rows = []
    for t in ("edge", "dc", "hub"):
        mk = tier_o == t
        if not mk.any():
            continue
        fac_w = float((it_w[mk] * pue[open_idx][mk]).sum())
        tiers_rows.append({
            "tier": t,
            "n_sites": int(mk.sum()),
            "served_tokens_per_s": float(raw[open_idx][mk].sum()),
            "facility_kw": fac_w / 1000.0,
            "tokens_per_watt": float(raw[open_idx][mk].sum()) / max(fac_w, 1e-300),
            "max_peak_utilisation": float(rho_site[open_idx][mk].max()),
        })  # fmt: skip
        kpis[f"tokens_per_watt_{t}"] = tiers_rows[-1]["tokens_per_watt"]
    excluded = sum(cp.excluded_by_budget for cp in inp.cpairs)
    kept = sum(len(cp.pair) for cp in inp.cpairs)
    kpis["latency_excluded_pair_share"] = excluded / max(excluded + kept, 1)
    return {
        "sites": table,
        "demand": dem,
        "kpis": kpis,
        "main": main,
        "routing": pd.DataFrame(routing),
        "latency": pd.DataFrame(latency),
        "tiers": pd.DataFrame(tiers_rows),
    }


__all__ = ["Inputs", "assemble", "solve_plan", "wquantile"]
