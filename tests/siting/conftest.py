"""Fixtures of the siting tests: the San Francisco case of spopt's tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.siting import Problem


@pytest.fixture(scope="session")
def sf_costs(test_data) -> pd.DataFrame:
    """205 x 16 road-network distances, pivoted as spopt's tests do (sorted tract and store)."""
    nd = pd.read_csv(
        test_data / "spopt_sf" / "SF_network_distance_candidateStore_16_censusTract_205_new.csv",
        dtype={"DestinationName": str},
    )
    return nd.pivot_table(values="distance", index="DestinationName", columns="name")


@pytest.fixture(scope="session")
def sf_weights(test_data, sf_costs) -> np.ndarray:
    """POP2000 of the tracts sorted by NAME (spopt's ``ai``), aligned with the pivot's rows."""
    dem = pd.read_csv(
        test_data / "spopt_sf" / "SF_demand_205_centroid_uniform_weight.csv", dtype={"NAME": str}
    ).sort_values("NAME")
    assert list(dem["NAME"]) == list(sf_costs.index)
    return dem["POP2000"].to_numpy(dtype=float)


@pytest.fixture(scope="session")
def sf_problem(sf_costs, sf_weights) -> Problem:
    return Problem.from_frame(sf_costs, weights=sf_weights)


@pytest.fixture(scope="session")
def sf_unweighted(sf_costs) -> Problem:
    return Problem.from_frame(sf_costs)


@pytest.fixture
def synthetic_scenario() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """A small SYNTHETIC multi-tier scenario (seeded), in the sample's table format."""
    rng = np.random.default_rng(np.random.SeedSequence(7))
    n = 120
    demand = pd.DataFrame(
        {
            "id": [f"D{i:03d}" for i in range(n)],
            "lon": 121.3 + 0.3 * rng.random(n),
            "lat": 31.1 + 0.2 * rng.random(n),
            "tokens_per_day": rng.uniform(1e8, 1e9, n).round(),
        }
    )
    tiers = ["hub"] * 2 + ["edge"] * 12 + ["dc"] * 4
    m = len(tiers)
    cap = {"hub": 4e5, "edge": 4e4, "dc": 1e5}
    sites = pd.DataFrame(
        {
            "id": [f"S{j:02d}" for j in range(m)],
            "tier": tiers,
            "lon": 121.3 + 0.3 * rng.random(m),
            "lat": 31.1 + 0.2 * rng.random(m),
            "district": "310101",
            "capacity_tokens_per_s": [cap[t] for t in tiers],
            "capex_cny": [{"hub": 1e9, "edge": 2e7, "dc": 1e8}[t] for t in tiers],
            "power_kw_max": [{"hub": 1e4, "edge": 2e3, "dc": 5e3}[t] for t in tiers],
            "pue": [{"hub": 1.2, "edge": 1.5, "dc": 1.4}[t] for t in tiers],
            "tokens_per_watt": [{"hub": 4.0, "edge": 2.0, "dc": 2.5}[t] for t in tiers],
            "existing": [j == m - 1 for j in range(m)],
        }
    )
    sites.loc[m - 1, "capex_cny"] = 0.0  # an existing site needing no investment: fixed open
    scn = {
        "name": "synthetic_test",
        "latency_budget_ms": {"edge": 10.0, "dc": 20.0, "hub": 30.0},
        "hops": {"edge": 2, "dc": 3, "hub": 4},
        "coverage_radius_km": {"edge": 8.0, "dc": 20.0, "hub": None},
        "sites_per_tier": {"hub": 1, "edge": 6, "dc": 3},
        "budget_cny": 2e9,
        "target_coverage": 0.9,
        "carbon_price_cny_per_t": 90.0,
    }
    return demand, sites, scn
