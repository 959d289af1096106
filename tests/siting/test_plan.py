"""The multi-tier "2+M+X" plan: synthetic fixture, and the shipped Shanghai sample via the CLI."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import xarray as xr

from workbench.cli import main
from workbench.siting.latency import LatencyModel
from workbench.siting.plan import plan
from workbench.siting.result import SITE_COLUMNS


def test_latency_model_documented_example():
    lat = LatencyModel(fibre_us_per_km=5.0, route_factor=1.4, per_hop_ms=0.5)
    # 10 km straight line -> 14 km of fibre -> 70 us; two hops -> 1 ms
    assert lat.ms(10_000.0, hops=2) == pytest.approx(1.07)
    assert lat.max_distance_m(1.07, hops=2) == pytest.approx(10_000.0)


def test_plan_synthetic(synthetic_scenario, tmp_path):
    demand, sites, scn = synthetic_scenario
    res = plan(demand, sites, scn, time_limit=60)
    assert res.status in ("optimal", "feasible")
    k = res.kpis
    assert k["coverage"] >= 0.9 - 1e-9
    assert "S17" in res.selected  # existing site with no capex is fixed open
    counts = res.sites["tier"].value_counts()
    for tier, cap in scn["sites_per_tier"].items():
        assert counts.get(tier, 0) <= cap
    assert k["capex_cny"] <= scn["budget_cny"]
    assert k["latency_p50_ms"] <= k["latency_p95_ms"] <= k["latency_p99_ms"]
    # KPIs recomputed from the per-site table
    assert k["energy_kwh_per_year"] == pytest.approx(res.sites["energy_kwh_per_year"].sum())
    assert k["carbon_t_per_year"] == pytest.approx(k["energy_kwh_per_year"] * 0.58 / 1000)
    assert (res.sites["load_tokens_per_s"] <= res.sites["capacity_tokens_per_s"] + 1e-6).all()
    # every served demand is within its tier's latency budget
    served = res.demand[res.demand["served_share"] > 1e-9]
    tier_of = dict(zip(res.sites["id"], res.sites["tier"], strict=True))
    budgets = scn["latency_budget_ms"]
    assert all(
        lat <= budgets[tier_of[s]] + 1e-9
        for s, lat in zip(served["site"], served["latency_ms"], strict=True)
    )
    gdf = res.to_geodataframe()
    assert set(SITE_COLUMNS) <= set(gdf.columns)
    paths = res.save(tmp_path)
    assert len(gpd.read_file(paths["geojson"])) == len(res.selected)
    with xr.open_dataset(paths["netcdf"]) as ds:
        assert ds.sizes["demand"] == len(demand)
        assert json.loads(ds.attrs["kpis"])["coverage"] == pytest.approx(k["coverage"])


def test_plan_carbon_price_shifts_cost(synthetic_scenario):
    demand, sites, scn = synthetic_scenario
    a = plan(demand, sites, {**scn, "carbon_price_cny_per_t": 0.0}, time_limit=60)
    b = plan(demand, sites, {**scn, "carbon_price_cny_per_t": 500.0}, time_limit=60)
    assert b.objective > a.objective


@pytest.mark.slow
def test_cli_plan_shanghai_sample(tmp_path, capsys):
    # the shipped city-scale scenario: the published "2+M+X" layout, peak-sized, proven gap
    rc = main(["siting", "plan", "shanghai", "--out", str(tmp_path), "--time-limit", "280",
               "--gap", "0.01"])  # fmt: skip
    assert rc == 0
    summary = json.loads((tmp_path / "plan_summary.json").read_text())
    assert summary["status"] in ("optimal", "feasible")
    assert summary["gap"] <= 0.01
    assert summary["bound"] <= summary["objective"]
    k = summary["kpis"]
    assert k["n_hub"] == 2
    assert sorted(summary["sites_by_tier"]["hub"]) == ["H001", "H002"]  # Lingang, Qingpu
    assert k["n_edge"] >= 500
    assert 55 <= k["n_dc"] <= 65
    assert k["max_peak_utilisation"] <= 1.0
    assert k["coverage"] >= 0.95
    # the latency model binds: budgets exclude candidate pairs, and control stays in budget
    assert k["latency_excluded_pair_share"] > 0.05
    lat = {r["request_class"]: r for r in summary["latency"]}
    assert lat["industrial_control"]["total_max_ms"] <= 10.0
    assert lat["industrial_control"]["pairs_excluded_by_budget"] > 0
    gdf = gpd.read_file(tmp_path / "plan_sites.geojson")
    assert set(SITE_COLUMNS) <= set(gdf.columns)
    assert set(gdf["tier"]) <= {"hub", "edge", "dc"}
    with xr.open_dataset(tmp_path / "plan.nc") as ds:
        assert ds.sizes["demand"] == 7972
        assert np.isfinite(ds["served_share"]).all()
    out = capsys.readouterr().out
    assert "coverage" in out
    assert "Running HiGHS" not in out
