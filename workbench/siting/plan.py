"""The multi-tier "2+M+X" compute plan: core hubs, edge nodes and upgraded data centres at once.

One MILP (HiGHS) chooses which candidate sites of every tier to open and how demand attaches:

- ``y_j`` (binary): site ``j`` is open; existing sites are fixed open;
- ``x_ij`` (continuous, 0-1): share of demand ``i`` served by site ``j``, only for pairs within
  the tier's latency budget (see :class:`~workbench.siting.LatencyModel`) and coverage radius;
  ``x_ij <= y_j`` (strong linking), ``sum_j x_ij + u_i = 1`` (``u_i`` = unserved share);
- capacity: tokens/s attached to ``j`` <= ``capacity_tokens_per_s_j * y_j``; power:
  IT power x PUE <= ``power_kw_max_j * y_j``. The load is the daily average
  (``capacity_basis: average``, default) or ``peak_factor`` x average (``capacity_basis: peak``);
  the peak utilisation is reported either way (the hourly profile is the city model's job);
- per tier at most ``sites_per_tier[t]`` open sites; capex of new sites <= ``budget_cny``;
  served tokens >= ``target_coverage`` x all tokens;
- objective (CNY per year): annualised capex + energy cost (IT power = tokens/s / tokens per
  watt, x PUE, x hours, x electricity price) + carbon cost (grid intensity x carbon price) +
  a penalty per unserved million tokens.

Demand points with identical eligible site sets are merged before solving (weights add up).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from workbench.dims import DEMAND, SITE
from workbench.errors import InfeasibleError, SpecError
from workbench.siting.latency import LatencyModel
from workbench.siting.problem import haversine_matrix
from workbench.siting.result import SITE_COLUMNS, _num
from workbench.siting.solver import INFEASIBLE, solve_milp

SECONDS_PER_DAY = 86_400.0
DEFAULTS: dict[str, Any] = {
    "latency_budget_ms": {"edge": 10.0, "dc": 20.0, "hub": 30.0},
    "hops": {"edge": 2, "dc": 3, "hub": 4},
    "coverage_radius_km": {"edge": None, "dc": None, "hub": None},
    "peak_factor": 1.0,
    "electricity_price_cny_per_kwh": 0.65,
    "grid_intensity_kg_per_kwh": 0.58,
    "carbon_price_cny_per_t": 0.0,
    "budget_cny": None,
    "target_coverage": None,
    "sites_per_tier": {},
    "amortisation_years": 8,
    "hours_per_year": 8760,
    "unserved_penalty_cny_per_mtoken": 2.0,
    "capacity_basis": "average",
}
DEMAND_COLUMNS = ("id", "lon", "lat", "tokens_per_day")
SITE_INPUT_COLUMNS = (
    "id", "tier", "lon", "lat", "capacity_tokens_per_s", "capex_cny", "power_kw_max", "pue",
    "tokens_per_watt", "existing",
)  # fmt: skip


def _get(scn: dict[str, Any], key: str) -> Any:
    return scn.get(key, DEFAULTS[key]) if scn.get(key) is not None else DEFAULTS[key]


def _check_columns(df: Any, cols: tuple[str, ...], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        msg = (
            f"The {what} table is missing columns {missing}; it needs {list(cols)} "
            f"(see docs/contracts.md). Found {list(df.columns)}."
        )
        raise SpecError(msg)


@dataclass(frozen=True, eq=False)
class PlanResult:
    """The outcome of :func:`plan`: open sites per tier, attachment and KPIs.

    Attributes
    ----------
    name
        Scenario name.
    status, objective, bound, gap, seconds
        As for :class:`~workbench.siting.SitingResult`; the objective is CNY per year.
    selected
        Ids of the open sites.
    assignment
        ``demand id -> site id`` of each served demand's main site.
    kpis
        ``coverage`` (share of tokens served within budget), ``latency_p50_ms``/``p95``/``p99``
        (token-weighted, served demand), ``capex_cny``, ``energy_kwh_per_year``,
        ``energy_cost_cny_per_year``, ``tokens_per_watt``, ``carbon_t_per_year``, sites per tier.
    sites
        DataFrame of the open sites (contract columns, load, utilisation, energy).
    demand
        DataFrame per demand point: main site, served share, latency in ms.
    params
        The scenario parameters used.
    """

    name: str
    status: str
    objective: float
    bound: float
    gap: float
    seconds: float
    selected: tuple[str, ...]
    assignment: dict[str, str]
    kpis: dict[str, Any]
    sites: Any = field(repr=False)
    demand: Any = field(repr=False)
    params: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no per-demand table)."""
        tiers: dict[str, list[str]] = {}
        for sid, tier in zip(self.sites["id"], self.sites["tier"], strict=True):
            tiers.setdefault(str(tier), []).append(str(sid))
        return {
            "name": self.name,
            "status": self.status,
            "objective": _num(self.objective),
            "bound": _num(self.bound),
            "gap": _num(self.gap),
            "seconds": _num(self.seconds),
            "selected": list(self.selected),
            "sites_by_tier": tiers,
            "kpis": {k: _num(v) for k, v in self.kpis.items()},
            "params": json.loads(json.dumps(self.params, default=str)),
        }

    def to_json(self, path: str | Path | None = None) -> str:
        """Serialise :meth:`to_dict`; write it to ``path`` if given."""
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    def to_geodataframe(self) -> Any:
        """Open sites as points (EPSG:4326) with the siting-plan contract columns and loads."""
        import geopandas as gpd

        df = self.sites.copy()
        return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)

    def to_dataframe(self) -> Any:
        """Return the per-demand table (main site, served share, latency)."""
        return self.demand.copy()

    def to_xarray(self) -> Any:
        """Dataset over ``site`` (open sites) and ``demand``; parameters and KPIs in ``attrs``."""
        import xarray as xr

        s, d = self.sites, self.demand
        site_vars = {
            c: ((SITE,), s[c].to_numpy())
            for c in ("load_tokens_per_s", "utilisation", "energy_kwh_per_year", "capex_cny")
        }
        site_vars["tier"] = ((SITE,), s["tier"].astype(str).to_numpy())
        dem_vars = {
            "served_share": ((DEMAND,), d["served_share"].to_numpy(dtype=float)),
            "latency_ms": ((DEMAND,), d["latency_ms"].to_numpy(dtype=float)),
            "tokens_per_day": ((DEMAND,), d["tokens_per_day"].to_numpy(dtype=float)),
            "assigned_site": ((DEMAND,), d["site"].fillna("").astype(str).to_numpy()),
        }
        ds = xr.Dataset(
            {**site_vars, **dem_vars},
            coords={
                SITE: s["id"].astype(str).to_numpy(),
                DEMAND: d["id"].astype(str).to_numpy(),
                "site_lon": ((SITE,), s["lon"].to_numpy(dtype=float)),
                "site_lat": ((SITE,), s["lat"].to_numpy(dtype=float)),
                "demand_lon": ((DEMAND,), d["lon"].to_numpy(dtype=float)),
                "demand_lat": ((DEMAND,), d["lat"].to_numpy(dtype=float)),
            },
        )
        summary = self.to_dict()
        ds.attrs.update(
            {
                "name": self.name,
                "status": self.status,
                "objective_cny_per_year": float(self.objective),
                "bound": float(self.bound),
                "gap": float(self.gap),
                "kpis": json.dumps(summary["kpis"]),
                "params": json.dumps(summary["params"]),
                "provenance": "workbench.siting.plan",
            }
        )
        return ds

    def save(self, directory: str | Path) -> dict[str, Path]:
        """Write ``plan_sites.geojson``, ``plan.nc`` and ``plan_summary.json`` to a folder."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "geojson": out / "plan_sites.geojson",
            "netcdf": out / "plan.nc",
            "summary": out / "plan_summary.json",
        }
        self.to_geodataframe().to_file(paths["geojson"], driver="GeoJSON")
        self.to_xarray().to_netcdf(paths["netcdf"], engine="h5netcdf")
        self.to_json(paths["summary"])
        return paths


def plan(
    demand: Any,
    sites: Any,
    scenario: dict[str, Any],
    *,
    time_limit: float | None = 120.0,
    mip_rel_gap: float = 1e-3,
    threads: int | None = None,
) -> PlanResult:
    """Plan the "2+M+X" layout for a scenario.

    Parameters
    ----------
    demand
        Table with ``id, lon, lat, tokens_per_day`` (docs/contracts.md).
    sites
        Table with ``id, tier, lon, lat, capacity_tokens_per_s, capex_cny, power_kw_max, pue,
        tokens_per_watt, existing``.
    scenario
        Planning parameters (``scenario.yaml``): latency budgets, hops, radii, prices, budget,
        target coverage, sites per tier...
    time_limit, mip_rel_gap, threads
        Solver settings; a time-limited plan is reported as ``"feasible"`` with its gap.

    Returns
    -------
    PlanResult
        The plan and its KPIs.

    Raises
    ------
    InfeasibleError
        When demand cannot reach any site within its budgets and the target coverage needs it,
        or the budget cannot buy the target coverage (the message gives the best reachable).
    """
    t0 = time.perf_counter()
    _check_columns(demand, DEMAND_COLUMNS, "demand")
    _check_columns(sites, SITE_INPUT_COLUMNS, "sites")
    if len(demand) == 0 or len(sites) == 0:
        msg = f"plan() needs demand and sites; got {len(demand)} demand and {len(sites)} sites."
        raise SpecError(msg)
    lat_model = LatencyModel.from_scenario(scenario)
    budgets = {**DEFAULTS["latency_budget_ms"], **(scenario.get("latency_budget_ms") or {})}
    hops = {**DEFAULTS["hops"], **(scenario.get("hops") or {})}
    radii = {**DEFAULTS["coverage_radius_km"], **(scenario.get("coverage_radius_km") or {})}
    tokens = demand["tokens_per_day"].to_numpy(dtype=float)
    if (tokens < 0).any() or not np.isfinite(tokens).all():
        i = int(np.flatnonzero(~(tokens >= 0))[0])
        msg = (
            f"demand `tokens_per_day` must be finite and non-negative; demand "
            f"{demand['id'].iloc[i]!r} has {tokens[i]}."
        )
        raise SpecError(msg)
    tiers = sites["tier"].astype(str).to_numpy()
    unknown = sorted(set(tiers) - set(budgets))
    if unknown:
        msg = f"sites have tiers {unknown} without a latency budget; known: {sorted(budgets)}."
        raise SpecError(msg)
    dist = haversine_matrix(
        demand["lon"].to_numpy(float), demand["lat"].to_numpy(float),
        sites["lon"].to_numpy(float), sites["lat"].to_numpy(float),
    )  # fmt: skip
    site_hops = np.array([float(hops[t]) for t in tiers])
    lat_ms = lat_model.ms(dist, site_hops[None, :])
    ok = lat_ms <= np.array([float(budgets[t]) for t in tiers])[None, :]
    rad = np.array([np.inf if radii.get(t) is None else float(radii[t]) * 1000 for t in tiers])
    ok &= dist <= rad[None, :]
    return _solve_plan(
        demand, sites, scenario, tokens, tiers, dist, lat_ms, ok,
        time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads, t0=t0,
    )  # fmt: skip


def _solve_plan(
    demand: Any,
    sites: Any,
    scenario: dict[str, Any],
    tokens: np.ndarray,
    tiers: np.ndarray,
    dist: np.ndarray,
    lat_ms: np.ndarray,
    ok: np.ndarray,
    *,
    time_limit: float | None,
    mip_rel_gap: float,
    threads: int | None,
    t0: float,
) -> PlanResult:
    n, m = ok.shape
    total = float(tokens.sum())
    target = scenario.get("target_coverage")
    reachable = ok.any(axis=1)
    if target is not None:
        target = float(target)
        best_possible = float(tokens[reachable].sum() / max(total, 1e-300))
        if best_possible + 1e-12 < target:
            bad = np.flatnonzero(~reachable & (tokens > 0))
            names = ", ".join(repr(str(demand["id"].iloc[k])) for k in bad[:5])
            msg = (
                f"Infeasible: target coverage {target:.0%} cannot be met: demand {names}"
                f"{' and more' if len(bad) > 5 else ''} ({len(bad)} points, "
                f"{1 - best_possible:.1%} of tokens) has no candidate site of any tier within "
                f"its latency budget and coverage radius (e.g. {names.split(',')[0]} is "
                f"{dist[bad[0]].min() / 1000:.1f} km from the nearest candidate). Add candidate "
                f"sites near it, loosen the budgets, or lower target_coverage to "
                f"{best_possible:.3f}."
            )
            raise InfeasibleError(msg)
    # merge demand points with identical eligible sets (weights add up)
    keys: dict[bytes, int] = {}
    group = np.empty(n, dtype=np.int64)
    reps: list[int] = []
    packed = np.packbits(ok, axis=1)
    for i in range(n):
        k = packed[i].tobytes()
        g = keys.setdefault(k, len(reps))
        if g == len(reps):
            reps.append(i)
        group[i] = g
    g_tokens = np.bincount(group, weights=tokens)
    g_ok = ok[np.asarray(reps)]
    ng = len(reps)
    pi, pj = np.nonzero(g_ok)
    k = len(pi)
    peak = float(_get(scenario, "peak_factor"))
    hours = float(_get(scenario, "hours_per_year"))
    price = float(_get(scenario, "electricity_price_cny_per_kwh"))
    intensity = float(_get(scenario, "grid_intensity_kg_per_kwh"))
    carbon = float(_get(scenario, "carbon_price_cny_per_t"))
    years = float(_get(scenario, "amortisation_years"))
    penalty = float(_get(scenario, "unserved_penalty_cny_per_mtoken"))
    cap = sites["capacity_tokens_per_s"].to_numpy(float)
    capex = sites["capex_cny"].to_numpy(float)
    pkw = sites["power_kw_max"].to_numpy(float)
    pue = sites["pue"].to_numpy(float)
    tpw = sites["tokens_per_watt"].to_numpy(float)
    existing = _fixed_open(sites, scenario)
    avg_tps = g_tokens / SECONDS_PER_DAY
    # energy per unit share: kWh/yr = tokens/s / tpw [W] * pue * hours / 1000
    kwh = avg_tps[pi] / tpw[pj] * pue[pj] * hours / 1000.0
    c_x = kwh * (price + intensity / 1000.0 * carbon)
    c_u = g_tokens * 365.0 / 1e6 * penalty
    c_y = np.where(existing, 0.0, capex / years)  # a fixed-open site's capex is sunk
    # columns: y (m), x (k), u (ng)
    nc = m + k + ng
    xk = m + np.arange(k)
    uk = m + k + np.arange(ng)
    blocks, lo, hi = [], [], []
    blocks.append(sp.coo_array((np.r_[np.ones(k), np.ones(ng)], (np.r_[pi, np.arange(ng)],
                                np.r_[xk, uk])), shape=(ng, nc)))  # fmt: skip
    lo.append(np.ones(ng))
    hi.append(np.ones(ng))
    blocks.append(sp.coo_array((np.r_[np.ones(k), -np.ones(k)], (np.tile(np.arange(k), 2),
                                np.r_[xk, pj])), shape=(k, nc)))  # fmt: skip
    lo.append(np.full(k, -np.inf))
    hi.append(np.zeros(k))
    basis = str(scenario.get("capacity_basis") or "average")
    if basis not in ("average", "peak"):
        msg = f"scenario `capacity_basis` must be 'average' or 'peak'; got {basis!r}."
        raise SpecError(msg)
    peak_tps = avg_tps[pi] * (peak if basis == "peak" else 1.0)
    blocks.append(sp.coo_array((np.r_[peak_tps, -cap], (np.r_[pj, np.arange(m)],
                                np.r_[xk, np.arange(m)])), shape=(m, nc)))  # fmt: skip
    lo.append(np.full(m, -np.inf))
    hi.append(np.zeros(m))
    peak_kw = peak_tps / tpw[pj] * pue[pj] / 1000.0
    blocks.append(sp.coo_array((np.r_[peak_kw, -pkw], (np.r_[pj, np.arange(m)],
                                np.r_[xk, np.arange(m)])), shape=(m, nc)))  # fmt: skip
    lo.append(np.full(m, -np.inf))
    hi.append(np.zeros(m))
    per_tier = scenario.get("sites_per_tier") or {}
    for t, cnt in per_tier.items():
        members = np.flatnonzero(tiers == str(t))
        if cnt is None or not len(members):
            continue
        n_ex = int(existing[members].sum())
        if n_ex > int(cnt):
            msg = (
                f"sites_per_tier[{t!r}] = {cnt} but {n_ex} {t} sites already exist and stay "
                f"open. Raise it to at least {n_ex}."
            )
            raise SpecError(msg)
        row = sp.coo_array((np.ones(len(members)), (np.zeros(len(members), int), members)),
                           shape=(1, nc))  # fmt: skip
        blocks.append(row)
        lo.append(np.array([-np.inf]))
        hi.append(np.array([float(cnt)]))
    budget = scenario.get("budget_cny")
    if budget is not None:
        new = np.flatnonzero(~existing)
        blocks.append(sp.coo_array((capex[new], (np.zeros(len(new), int), new)), shape=(1, nc)))
        lo.append(np.array([-np.inf]))
        hi.append(np.array([float(budget)]))
    if target is not None:
        blocks.append(sp.coo_array((g_tokens[pi], (np.zeros(k, int), xk)), shape=(1, nc)))
        lo.append(np.array([target * total]))
        hi.append(np.array([np.inf]))
    if target is not None:
        # solve the relaxation without the coverage row first: when its optimum already meets
        # the target it is optimal for the constrained plan too (same bound, valid relaxation)
        a0 = sp.vstack(blocks[:-1], format="csr")
        first = solve_milp(
            np.r_[c_y, c_x, c_u], a0, np.concatenate(lo[:-1]), np.concatenate(hi[:-1]),
            np.r_[existing.astype(float), np.zeros(k + ng)], np.ones(nc),
            np.r_[np.ones(m, bool), np.zeros(k + ng, bool)], time_limit=time_limit,
            mip_rel_gap=mip_rel_gap, threads=threads,
        )  # fmt: skip
        if first.x is not None and float(g_tokens[pi] @ first.x[m : m + k]) >= target * total:
            blocks, lo, hi = blocks[:-1], lo[:-1], hi[:-1]
            target_met_by_relaxation = first
        else:
            target_met_by_relaxation = None
    else:
        target_met_by_relaxation = None
    a = sp.vstack(blocks, format="csr")
    out = target_met_by_relaxation or solve_milp(
        np.r_[c_y, c_x, c_u], a, np.concatenate(lo), np.concatenate(hi),
        np.r_[existing.astype(float), np.zeros(k + ng)], np.ones(nc),
        np.r_[np.ones(m, bool), np.zeros(k + ng, bool)], time_limit=time_limit,
        mip_rel_gap=mip_rel_gap, threads=threads,
    )  # fmt: skip
    if out.x is None:
        best = None
        if out.status == INFEASIBLE and target is not None:
            # most coverage reachable: drop the target, make unserved tokens dominate the cost
            relaxed = {**scenario, "target_coverage": None, "unserved_penalty_cny_per_mtoken": 1e9}
            try:
                best = _solve_plan(
                    demand, sites, relaxed, tokens, tiers, dist, lat_ms, ok,
                    time_limit=time_limit, mip_rel_gap=1e-3, threads=threads, t0=t0,
                ).kpis["coverage"]  # fmt: skip
            except InfeasibleError:
                best = None
        _explain_infeasible(out.status, scenario, target, budget, best)
    x = out.x[m : m + k]
    y = out.x[:m] > 0.5
    # per original demand: shares from its group
    share_g = sp.csr_array((x, (pi, pj)), shape=(ng, m)).toarray()
    share = share_g[group]
    served = share.sum(axis=1).clip(0, 1)
    main = np.where(served > 1e-9, np.argmax(share, axis=1), -1)
    rows = np.arange(n)
    lat_main = np.where(main >= 0, lat_ms[rows, np.maximum(main, 0)], np.nan)
    load_avg = (share * (tokens / SECONDS_PER_DAY)[:, None]).sum(axis=0)
    return _assemble(
        demand, sites, scenario, out, y, share, served, main, lat_main, lat_ms, load_avg,
        tokens, total, t0,
    )  # fmt: skip


def _fixed_open(sites: Any, scenario: dict[str, Any]) -> np.ndarray:
    """Sites fixed open: existing sites that need no investment, plus ``fixed_open`` ids.

    An existing site with a positive ``capex_cny`` is an upgrade candidate (the "X" of "2+M+X":
    its capex is the upgrade cost), so the plan decides whether to upgrade it.
    """
    ids = sites["id"].astype(str).to_numpy()
    fixed = sites["existing"].astype(bool).to_numpy() & (sites["capex_cny"].to_numpy(float) <= 0)
    extra = [str(v) for v in (scenario.get("fixed_open") or [])]
    unknown = sorted(set(extra) - set(ids))
    if unknown:
        from workbench.errors import unknown_name

        raise SpecError(unknown_name("site id in fixed_open", unknown[0], ids))
    return fixed | np.isin(ids, extra)


def _explain_infeasible(
    status: str, scenario: dict[str, Any], target: Any, budget: Any, best: float | None
) -> None:
    if status == INFEASIBLE:
        reach = (
            f" The best reachable coverage under these limits is {best:.1%}."
            if best is not None
            else ""
        )
        msg = (
            f"Infeasible: no plan serves target_coverage={target} of the tokens within budget "
            f"{budget} CNY and sites_per_tier {scenario.get('sites_per_tier')}, given the sites' "
            f"capacities ({scenario.get('capacity_basis') or 'average'} tokens/s) and "
            f"power limits.{reach} Raise the budget, capacities or sites per tier, or lower "
            f"target_coverage."
        )
        raise InfeasibleError(msg)
    msg = "The plan solver found no feasible plan within the time limit. Raise `time_limit`."
    raise InfeasibleError(msg)


def _wquantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return math.nan
    v, w = values[ok], weights[ok]
    order = np.argsort(v)
    cw = np.cumsum(w[order])
    return float(v[order][np.searchsorted(cw, q * cw[-1])])


def _assemble(
    demand: Any,
    sites: Any,
    scenario: dict[str, Any],
    out: Any,
    y: np.ndarray,
    share: np.ndarray,
    served: np.ndarray,
    main: np.ndarray,
    lat_main: np.ndarray,
    lat_ms: np.ndarray,
    load_avg: np.ndarray,
    tokens: np.ndarray,
    total: float,
    t0: float,
) -> PlanResult:
    import pandas as pd

    hours = float(_get(scenario, "hours_per_year"))
    price = float(_get(scenario, "electricity_price_cny_per_kwh"))
    intensity = float(_get(scenario, "grid_intensity_kg_per_kwh"))
    peak = float(_get(scenario, "peak_factor"))
    open_idx = np.flatnonzero(y)
    s = sites.iloc[open_idx].reset_index(drop=True)
    table = pd.DataFrame({c: s[c] if c in s.columns else np.nan for c in SITE_COLUMNS})
    table["id"] = s["id"].astype(str).to_numpy()
    for extra in ("name", "kind", "capex_cny", "existing"):
        if extra in s.columns:
            table[extra] = s[extra].to_numpy()
    tpw = s["tokens_per_watt"].to_numpy(float)
    pue = s["pue"].to_numpy(float)
    load = load_avg[open_idx]
    it_w = load / tpw
    kwh = it_w * pue * hours / 1000.0
    table["load_tokens_per_s"] = load
    capn = np.maximum(s["capacity_tokens_per_s"].to_numpy(float), 1)
    table["utilisation"] = load / capn
    table["peak_utilisation"] = load * peak / capn
    table["energy_kwh_per_year"] = kwh
    new = ~_fixed_open(sites, scenario)[open_idx]
    energy_kwh = float(kwh.sum())
    served_tokens = float((tokens * served).sum())
    lat_w = (share * lat_ms).sum(axis=1) / np.maximum(served, 1e-12)
    w = tokens * served
    kpis: dict[str, Any] = {
        "coverage": served_tokens / max(total, 1e-300),
        "latency_p50_ms": _wquantile(lat_w, w, 0.50),
        "latency_p95_ms": _wquantile(lat_w, w, 0.95),
        "latency_p99_ms": _wquantile(lat_w, w, 0.99),
        "capex_cny": float(s["capex_cny"].to_numpy(float)[new].sum()),
        "energy_kwh_per_year": energy_kwh,
        "energy_cost_cny_per_year": energy_kwh * price,
        "tokens_per_watt": float(load.sum() / max((it_w * pue).sum(), 1e-300)),
        "carbon_t_per_year": energy_kwh * intensity / 1000.0,
        "served_tokens_per_day": served_tokens,
        "n_sites": len(open_idx),
        "max_peak_utilisation": float(table["peak_utilisation"].max()) if len(table) else 0.0,
    }
    for t in sorted(set(table["tier"].astype(str))):
        kpis[f"n_{t}"] = int((table["tier"].astype(str) == t).sum())
    dem = pd.DataFrame(
        {
            "id": demand["id"].astype(str).to_numpy(),
            "lon": demand["lon"].to_numpy(float),
            "lat": demand["lat"].to_numpy(float),
            "tokens_per_day": tokens,
            "site": [str(sites["id"].iloc[j]) if j >= 0 else None for j in main],
            "served_share": served,
            "latency_ms": np.where(served > 1e-9, lat_w, np.nan),
        }
    )
    assignment = {d: sid for d, sid in zip(dem["id"], dem["site"], strict=True) if sid}
    params = {k: v for k, v in scenario.items() if not isinstance(v, (list,))}
    return PlanResult(
        name=str(scenario.get("name", "plan")),
        status=out.status,
        objective=float(out.objective),
        bound=float(out.bound),
        gap=float(out.gap),
        seconds=time.perf_counter() - t0,
        selected=tuple(table["id"]),
        assignment=assignment,
        kpis=kpis,
        sites=table,
        demand=dem,
        params=params,
    )


def plan_scenario(path: str | Path, **kwargs: Any) -> PlanResult:
    """Run :func:`plan` on a scenario folder or ``scenario.yaml`` (with demand/sites CSVs).

    ``path`` may also be a sample name: ``"shanghai"`` or ``"shanghai_siting"``.
    """
    from workbench.data import load_sample, read_siting_scenario

    p = Path(path)
    if str(path) in ("shanghai", "shanghai_siting"):
        data = load_sample("shanghai_siting")
    else:
        folder = p.parent if p.suffix in (".yaml", ".yml") else p
        data = read_siting_scenario(folder)
    return plan(data["demand"], data["sites"], data["scenario"], **kwargs)


__all__ = ["LatencyModel", "PlanResult", "plan", "plan_scenario"]
