"""The multi-tier "2+M+X" compute plan: core hubs, edge nodes and upgraded data centres at once.

One MILP (HiGHS) chooses which candidate sites of every tier to open and how the demand of each
request class attaches (computing-network fusion: path and compute are chosen together):

- ``y_j`` (binary): site ``j`` is open; existing sites without upgrade cost are fixed open;
- ``x_icj`` (continuous, 0-1): share of request class ``c`` of demand ``i`` served by site ``j``,
  only where the class's model runs on the site's tier and its end-to-end latency (network round
  trip over the leaf-spine metro + M/M/c queueing at the planned peak utilisation + inference
  time; see :mod:`workbench.siting.service`) fits the class's budget, within the tier's coverage
  radius and network budget; ``x <= y`` (strong linking), ``sum_j x_icj + u_ic = 1``;
- peak capacity: peak compute load at ``j`` (average tokens/s x ``peak_factor`` or the
  ``hourly_profile``'s peak, x the model class's compute per token) <=
  ``target_peak_utilisation`` x ``capacity_tokens_per_s_j`` x ``y_j``, so no site runs above
  the target (default 0.8) at the peak hour; peak power x PUE <= ``power_kw_max_j`` x ``y_j``;
- ``sites_per_tier``: an exact count (``hub: 2``) or a range (``edge: {min: 500, max: 600}``);
  capex of new and upgraded sites <= ``budget_cny``; served tokens >= ``target_coverage``;
- objective (CNY per year): annualised capex + energy cost (IT power = compute tokens/s /
  tokens per watt, x PUE, x hours, x price) + carbon cost + a penalty per unserved million
  tokens.

A scenario without ``request_classes`` has one class served anywhere within the per-tier network
budgets (``latency_budget_ms``), without queueing or inference time. With
``nearest_candidates: {edge: k, ...}`` each demand point considers only its ``k`` nearest
candidates of a tier (keeps city-scale models sparse). Demand points with identical eligible
site sets are merged per class before solving (token weights add up).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.dims import DEMAND, SITE
from workbench.errors import InfeasibleError, SpecError
from workbench.plan_contract import CANDIDATE_COLUMNS, DEMAND_COLUMNS
from workbench.siting.latency import LatencyModel
from workbench.siting.plan_model import candidate_pairs, class_pairs, tier_counts
from workbench.siting.plan_solve import Inputs, assemble, solve_plan
from workbench.siting.result import json_number
from workbench.siting.service import ModelClass, RequestClass, ServiceModel, service_model

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
    "capacity_basis": "peak",
}


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
    routing
        DataFrame per request class: share of its tokens served at each tier (``edge``,
        ``dc``, ``hub``) and ``unserved``.
    latency
        DataFrame per request class: token-weighted ``network_ms`` (round trip),
        ``queueing_ms`` (M/M/c at each site's peak utilisation in the plan), ``inference_ms``,
        ``total_ms``, ``total_p95_ms``, ``total_max_ms``, the ``budget_ms`` and how many
        candidate pairs the budget excluded.
    tiers
        DataFrame per tier: open sites, served tokens/s, facility kW, tokens per watt, peak
        utilisation.
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
    routing: Any = field(default=None, repr=False)
    latency: Any = field(default=None, repr=False)
    tiers: Any = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no per-demand table)."""
        tiers: dict[str, list[str]] = {}
        for sid, tier in zip(self.sites["id"], self.sites["tier"], strict=True):
            tiers.setdefault(str(tier), []).append(str(sid))
        return {
            "name": self.name,
            "status": self.status,
            "objective": json_number(self.objective),
            "bound": json_number(self.bound),
            "gap": json_number(self.gap),
            "seconds": json_number(self.seconds),
            "selected": list(self.selected),
            "sites_by_tier": tiers,
            "kpis": {k: json_number(v) for k, v in self.kpis.items()},
            "params": json.loads(json.dumps(self.params, default=str)),
            "routing": _records(self.routing),
            "latency": _records(self.latency),
            "tiers": _records(self.tiers),
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
        extra_site = [c for c in s.columns if c.startswith("tokens_per_day_")] + [
            "peak_utilisation", "served_tokens_per_s", "peak_load_tokens_per_s", "servers",
        ]  # fmt: skip
        site_vars = {
            c: ((SITE,), s[c].to_numpy())
            for c in ("load_tokens_per_s", "utilisation", "energy_kwh_per_year", "capex_cny",
                      *(c for c in extra_site if c in s.columns))
        }  # fmt: skip
        site_vars["tier"] = ((SITE,), s["tier"].astype(str).to_numpy())
        dem_vars = {
            "served_share": ((DEMAND,), d["served_share"].to_numpy(dtype=float)),
            "latency_ms": ((DEMAND,), d["latency_ms"].to_numpy(dtype=float)),
            "tokens_per_day": ((DEMAND,), d["tokens_per_day"].to_numpy(dtype=float)),
            "assigned_site": ((DEMAND,), d["site"].fillna("").astype(str).to_numpy()),
        }
        for c in d.columns:
            if c.startswith(("served_share_", "latency_ms_")):
                dem_vars[c] = ((DEMAND,), d[c].to_numpy(dtype=float))
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
                "routing": json.dumps(summary["routing"]),
                "latency": json.dumps(summary["latency"]),
                "tiers": json.dumps(summary["tiers"]),
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


def _records(df: Any) -> list[dict[str, Any]]:
    if df is None:
        return []
    return [{k: v if isinstance(v, str) else json_number(v) for k, v in r.items()}
            for r in df.to_dict("records")]  # fmt: skip


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
        Table with ``id, lon, lat, tokens_per_day`` (docs/contracts.md); optional
        ``share_<request class>`` columns give each point's own mix of request classes.
    sites
        Table with ``id, tier, lon, lat, capacity_tokens_per_s, capex_cny, power_kw_max, pue,
        tokens_per_watt, existing``.
    scenario
        Planning parameters (``scenario.yaml``): request classes and model classes, network,
        budgets, radii, prices, budget, target coverage, sites per tier (exact or a range)...
    time_limit, mip_rel_gap, threads
        Solver settings. The result is ``"optimal"`` only when the proven bound meets the
        objective; a run stopped at the gap or the time limit is ``"feasible"`` with its bound.

    Returns
    -------
    PlanResult
        The plan and its KPIs.

    Raises
    ------
    InfeasibleError
        When demand cannot reach any site within its budgets and the target coverage needs it,
        or the budget cannot buy the target coverage (the message gives the best reachable).
    SpecError
        For malformed tables or scenario settings.
    """
    t0 = time.perf_counter()
    inp = _inputs(demand, sites, scenario)
    _check_reachable(inp)
    sol = solve_plan(inp, time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads, t0=t0)
    out = sol["out"]
    parts = assemble(inp, sol)
    dem = parts["demand"]
    assignment = {d: sid for d, sid in zip(dem["id"], dem["site"], strict=True) if sid}
    params = {k: v for k, v in scenario.items() if not isinstance(v, (list,))}
    return PlanResult(
        name=str(scenario.get("name", "plan")),
        status=out.status,
        objective=float(out.objective),
        bound=float(out.bound),
        gap=float(out.gap),
        seconds=time.perf_counter() - t0,
        selected=tuple(parts["sites"]["id"]),
        assignment=assignment,
        kpis=parts["kpis"],
        sites=parts["sites"],
        demand=dem,
        params=params,
        routing=parts["routing"],
        latency=parts["latency"],
        tiers=parts["tiers"],
    )


def _inputs(demand: Any, sites: Any, scenario: dict[str, Any]) -> Inputs:
    _check_columns(demand, DEMAND_COLUMNS, "demand")
    _check_columns(sites, CANDIDATE_COLUMNS, "sites")
    if len(demand) == 0 or len(sites) == 0:
        msg = f"plan() needs demand and sites; got {len(demand)} demand and {len(sites)} sites."
        raise SpecError(msg)
    basis = str(scenario.get("capacity_basis") or "peak")
    if basis != "peak":
        msg = (
            f"scenario `capacity_basis` must be 'peak' (capacity is sized for the peak hour at "
            f"`target_peak_utilisation`); got {basis!r}. Remove the key or set it to 'peak'."
        )
        raise SpecError(msg)
    svc = service_model(scenario)
    legacy = svc is None
    if svc is None:
        svc = _legacy_service(scenario)
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
    unknown = sorted(set(tiers) - set(hops))
    if unknown:
        msg = f"sites have tiers {unknown} without network hops; known: {sorted(hops)}."
        raise SpecError(msg)
    fixed = _fixed_open(sites, scenario)
    counts = tier_counts(scenario.get("sites_per_tier") or {}, tiers, fixed)
    d_ll = demand[["lon", "lat"]].to_numpy(float)
    s_ll = sites[["lon", "lat"]].to_numpy(float)
    pi, pj, dist = candidate_pairs(d_ll, s_ll, tiers, scenario.get("nearest_candidates") or {})
    pt = tiers[pj]
    oneway = lat_model.ms(dist, np.array([float(hops[t]) for t in tiers])[pj])
    oneway = oneway + svc.access_ms
    spine = dist > svc.leaf_radius_km * 1000.0
    oneway = oneway + np.where(spine, svc.spine_hops * lat_model.per_hop_ms, 0.0)
    tier_budget = np.array([np.inf if budgets.get(t) is None else float(budgets[t]) for t in pt])
    rad = np.array([np.inf if radii.get(t) is None else float(radii[t]) * 1000 for t in pt])
    base_ok = (oneway <= tier_budget) & (dist <= rad)
    cpairs = class_pairs(svc, pj, tiers, oneway, base_ok)
    peak = _peak_factor(scenario)
    num = {
        "peak": peak,
        "hours": float(_get(scenario, "hours_per_year")),
        "price": float(_get(scenario, "electricity_price_cny_per_kwh")),
        "intensity": float(_get(scenario, "grid_intensity_kg_per_kwh")),
        "carbon": float(_get(scenario, "carbon_price_cny_per_t")),
        "years": float(_get(scenario, "amortisation_years")),
        "penalty": float(_get(scenario, "unserved_penalty_cny_per_mtoken")),
    }
    return Inputs(
        demand=demand, sites=sites, scenario=scenario, svc=svc, legacy=legacy, tokens=tokens,
        shares=svc.shares(demand), tiers=tiers, pi=pi, pj=pj, dist=dist, oneway_ms=oneway,
        cpairs=cpairs, counts=counts, fixed=fixed, num=num,
    )  # fmt: skip


def _peak_factor(scenario: dict[str, Any]) -> float:
    """Peak-hour over average demand: ``hourly_profile`` (24 values), else ``peak_factor``."""
    prof = scenario.get("hourly_profile")
    if prof is not None:
        v = np.asarray(prof, dtype=float)
        if v.shape != (24,) or not np.isfinite(v).all() or (v < 0).any() or v.sum() <= 0:
            msg = (
                f"scenario `hourly_profile` must be 24 non-negative numbers (relative demand per "
                f"hour); got {len(v.ravel())} values."
            )
            raise SpecError(msg)
        return float(v.max() / v.mean())
    peak = float(_get(scenario, "peak_factor"))
    if not (math.isfinite(peak) and peak >= 1):
        msg = f"scenario `peak_factor` must be >= 1 (peak over average demand); got {peak}."
        raise SpecError(msg)
    return peak


def _legacy_service(scenario: dict[str, Any]) -> ServiceModel:
    """Return the one-class model of scenarios without ``request_classes``.

    The class is served anywhere within the per-tier network budgets, without queueing or
    inference time.
    """
    rho = float(scenario.get("target_peak_utilisation", 0.8))
    if not (0 < rho <= 1):
        msg = f"scenario `target_peak_utilisation` must be in (0, 1]; got {rho}. Use e.g. 0.8."
        raise SpecError(msg)
    any_model = ModelClass("any", {"edge": 0.0, "dc": 0.0, "hub": 0.0})
    return ServiceModel(
        classes=(RequestClass("all", 1.0, None, "any"),), models={"any": any_model},
        servers={"edge": 1, "dc": 1, "hub": 1}, rho=rho, access_ms=0.0, spine_hops=0.0,
        leaf_radius_km=math.inf,
    )  # fmt: skip


def _check_reachable(inp: Inputs) -> None:
    target = inp.scenario.get("target_coverage")
    if target is None:
        return
    target = float(target)
    n = len(inp.tokens)
    reach_tok = np.zeros(n)
    for k, cp in enumerate(inp.cpairs):
        has = np.zeros(n, bool)
        has[inp.pi[cp.pair]] = True
        reach_tok += np.where(has, inp.tokens * inp.shares[:, k], 0.0)
    total = float(inp.tokens.sum())
    best_possible = float(reach_tok.sum() / max(total, 1e-300))
    if best_possible + 1e-12 >= target:
        return
    short = inp.tokens - reach_tok
    bad = np.flatnonzero(short > 1e-9 * np.maximum(inp.tokens, 1))
    bad = bad[np.argsort(-short[bad], kind="stable")]
    ids = inp.demand["id"].astype(str).to_numpy()
    names = ", ".join(repr(ids[k]) for k in bad[:5])
    near = inp.dist[inp.pi == bad[0]].min() / 1000 if (inp.pi == bad[0]).any() else math.nan
    msg = (
        f"Infeasible: target coverage {target:.0%} cannot be met: demand {names}"
        f"{' and more' if len(bad) > 5 else ''} ({len(bad)} points, "
        f"{1 - best_possible:.1%} of tokens) has no candidate site of any tier within "
        f"its latency budget and coverage radius (e.g. {names.split(',')[0]} is "
        f"{near:.1f} km from the nearest candidate). Add candidate "
        f"sites near it, loosen the budgets, or lower target_coverage to "
        f"{best_possible:.3f}."
    )
    raise InfeasibleError(msg)


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


def plan_scenario(path: str | Path, **kwargs: Any) -> PlanResult:
    """Run :func:`plan` on a scenario folder or ``scenario.yaml`` (with demand/sites CSVs).

    ``path`` may also be a sample name: ``"shanghai"`` (the city-scale scenario) or
    ``"shanghai_small"`` (four central districts, for tests and tutorials).
    """
    from workbench.data import load_sample, read_siting_scenario

    p = Path(path)
    if str(path) in ("shanghai", "shanghai_siting"):
        data = load_sample("shanghai_siting")
    elif str(path) in ("shanghai_small", "shanghai_siting_small"):
        from workbench.data import sample_dir

        data = read_siting_scenario(sample_dir() / "shanghai_siting_small")
    else:
        folder = p.parent if p.suffix in (".yaml", ".yml") else p
        data = read_siting_scenario(folder)
    return plan(data["demand"], data["sites"], data["scenario"], **kwargs)


__all__ = ["LatencyModel", "PlanResult", "plan", "plan_scenario"]
