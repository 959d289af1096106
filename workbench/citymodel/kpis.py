"""Planner-readable KPIs computed from a run's Dataset after the run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

KPI_INFO: dict[str, tuple[str, str]] = {
    "energy_cost_cny": ("CNY", "lower"),
    "carbon_t": ("t CO2", "lower"),
    "peak_demand_mw": ("MW", "lower"),
    "ramping_mw": ("MW (sum of hourly changes)", "lower"),
    "load_factor": ("mean/peak", "higher"),
    "unserved_energy_mwh": ("MWh", "lower"),
    "interactive_budget_met": ("share of tokens", "higher"),
    "interactive_latency_p95_ms": ("ms", "lower"),
    "batch_completed": ("share of batch work", "higher"),
    "tokens_per_watt": ("tokens/s per W", "higher"),
    "utilisation": ("share of token capacity", "higher"),
    "deliveries_on_time": ("share", "higher"),
    "emergency_response_min": ("minutes (mean)", "lower"),
    "total_cost_cny": ("CNY", "lower"),
    "gap_to_oracle": ("share above the oracle's total cost", "lower"),
    "interactive_served": ("share of tokens", "higher"),
    "batch_late_token_hours": ("token-hours past deadline", "lower"),
    "payments_cny": ("CNY (market settlements)", "lower"),
    "compute_price_cny_per_mtok": ("CNY per million tokens (mean)", "lower"),
    "power_price_cny_per_kwh": ("CNY/kWh (mean)", "lower"),
    "fairness_jain": ("Jain's index over districts' served share", "higher"),
    "messages": ("contract-net messages", "lower"),
    "agent_decisions": ("decisions made by agents", "higher"),
}
"""KPI name -> (unit, which direction is better)."""

COST_TERMS = ("energy", "carbon", "unserved", "late", "sla", "shed", "ev")
"""Hourly parts of ``total_cost_cny`` (see :mod:`workbench.citymodel.dispatch`)."""


def total_cost(ds: xr.Dataset) -> dict[str, float]:
    """``total_cost_cny`` of a run and its parts (CNY).

    Energy and carbon of grid imports, interactive tokens not served, batch token-hours past
    deadline, tokens above nodes' rated load (SLA), load shed, EV charging waiting, and the
    value of batch work and EV charging still waiting at the end of the run: the objective
    the ``lp``, ``mpc`` and ``oracle`` mechanisms minimise.
    """
    parts = {p: float(ds[f"cost_{p}_cny"].sum()) for p in COST_TERMS}
    a = ds.attrs
    parts["end_backlog"] = float(ds["batch_backlog"][-1]) * float(
        a["econ_batch_end_value"]
    ) + float(ds["ev_backlog_kwh"][-1].sum()) * float(a["econ_ev_end_value"])
    parts["total"] = float(sum(parts.values()))
    return parts


def compute_kpis(ds: xr.Dataset) -> dict[str, float]:
    """KPIs of one run from its Dataset (see :data:`KPI_INFO` for units)."""
    imp = ds["grid_import_kw"].sum("district").to_numpy()  # kW, hourly -> kWh per step
    price = ds["electricity_price"].to_numpy()
    ci = ds["carbon_intensity"].to_numpy()
    cprice = ds["carbon_price"].to_numpy()
    carbon_kg = imp * ci
    peak = float(imp.max())
    req_i = float(ds["interactive_requested"].sum())
    batch_new = float(ds["batch_new"].sum())
    node_kwh = float(ds["node_power_kw"].sum())
    tokens = float(ds["node_tokens_served"].sum())
    cap = float(ds["node_tokens_capacity"].sum())
    hist = ds["latency_hist"].to_numpy()
    edges = ds["latency_bin"].to_numpy()
    cum = np.cumsum(hist)
    p95 = float("nan")
    if cum[-1] > 0:
        k = int(np.searchsorted(cum, 0.95 * cum[-1]))
        p95 = float(edges[k]) if k < len(edges) else float("inf")
    released = float(ds.attrs.get("deliveries_released", 0))
    resp = ds["emergency_response_min"].to_numpy()
    served_i = float(ds["interactive_served"].sum())
    by_d = ds["interactive_served"].sum("time") / ds["interactive_requested"].sum("time")
    share = by_d.to_numpy()[np.isfinite(by_d.to_numpy())]
    jain = float(share.sum() ** 2 / (len(share) * (share**2).sum())) if len(share) else np.nan
    cp = ds["compute_price"].to_numpy()
    w = ds["node_tokens_served"].to_numpy()
    return {
        "energy_cost_cny": float(np.sum(imp * price) + np.sum(carbon_kg / 1000 * cprice)),
        "carbon_t": float(carbon_kg.sum() / 1000),
        "peak_demand_mw": peak / 1000,
        "ramping_mw": float(np.abs(np.diff(imp)).sum() / 1000),
        "load_factor": float(imp.mean() / peak) if peak > 0 else float("nan"),
        "unserved_energy_mwh": float(ds["unserved_power_kw"].sum() / 1000),
        "interactive_budget_met": float(ds["interactive_within_budget"].sum()) / req_i
        if req_i
        else float("nan"),
        "interactive_latency_p95_ms": p95,
        "batch_completed": min(float(ds["batch_served"].sum()) / batch_new, 1.0)
        if batch_new
        else float("nan"),
        "tokens_per_watt": tokens / 3600 / (node_kwh * 1000 / 1) if node_kwh else float("nan"),
        "utilisation": tokens / cap if cap else float("nan"),
        "deliveries_on_time": float(ds.attrs.get("deliveries_on_time", 0)) / released
        if released
        else float("nan"),
        "emergency_response_min": float(np.nanmean(resp))
        if np.isfinite(resp).any()
        else float("nan"),
        "total_cost_cny": total_cost(ds)["total"],
        "gap_to_oracle": float("nan"),
        "interactive_served": served_i / req_i if req_i else float("nan"),
        "batch_late_token_hours": float(ds["batch_late_tokens"].sum()),
        "payments_cny": float(ds["payments_cny"].sum()),
        "compute_price_cny_per_mtok": float((cp * w).sum() / w.sum() * 1e6)
        if w.sum() > 0
        else float("nan"),
        "power_price_cny_per_kwh": float(
            (ds["power_price"] * ds["power_served_kw"]).sum() / ds["power_served_kw"].sum()
        ),
        "fairness_jain": jain,
        "messages": float(ds["messages"].sum()),
        "agent_decisions": float(ds["agent_decisions"].sum()),
    }


def kpi_table(kpis: dict[str, float], baseline: dict[str, float] | None = None) -> pd.DataFrame:
    """KPIs as a table with unit, direction and the ratio to the ``none`` run."""
    rows = []
    for k, v in kpis.items():
        unit, better = KPI_INFO[k]
        b = baseline.get(k, float("nan")) if baseline else float("nan")
        if b == 0.0 and v == 0.0:
            ratio = 1.0  # both runs perfect (no unserved energy): equal
        else:
            ratio = v / b if b != 0.0 and np.isfinite(b) else float("nan")
        rows.append(
            {
                "kpi": k,
                "value": v,
                "baseline_none": b,
                "ratio_to_none": ratio,
                "unit": unit,
                "better": better,
            }
        )
    return pd.DataFrame(rows).set_index("kpi")


__all__ = ["COST_TERMS", "KPI_INFO", "compute_kpis", "kpi_table", "total_cost"]
