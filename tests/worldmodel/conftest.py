"""Fixtures of the world-model tests: a GP fitted on a SYNTHETIC runs table (fast)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.citymodel import get_scenario
from workbench.worldmodel import fit_worldmodel

KPIS = ("total_cost_cny", "carbon_t", "batch_completed")


def truth(df: pd.DataFrame) -> pd.DataFrame:
    """SYNTHETIC KPI surfaces of the heatwave knobs (smooth, known; not model output)."""
    cost = 1e6 * (5 + 2 * df["heat_intensity"] + 0.002 * df["carbon_price"] - df["battery_factor"])
    carbon = 1000 * (1.2 + 0.4 * df["heat_intensity"] - 0.0008 * df["carbon_price"])
    batch = 0.5 + 0.1 * df["battery_factor"] - 0.0002 * df["carbon_price"]
    return pd.DataFrame({"total_cost_cny": cost, "carbon_t": carbon, "batch_completed": batch})


@pytest.fixture(scope="session")
def surface():
    """The SYNTHETIC KPI surfaces (:func:`truth`)."""
    return truth


@pytest.fixture(scope="session")
def heat_knobs() -> dict:
    return {
        k: {kk: v for kk, v in info.items() if kk != "sets"}
        for k, info in get_scenario("heatwave").knob_info.items()
    }


@pytest.fixture(scope="session")
def synthetic_runs(heat_knobs) -> pd.DataFrame:
    """SYNTHETIC: 40 design points x 2 seeds of :func:`truth` plus 0.5% seed noise."""
    from workbench.worldmodel import design

    pts = design(heat_knobs, 40, seed=3)
    rng = np.random.default_rng(0)
    rows = []
    for s in range(2):
        y = truth(pts) * (1 + 0.005 * rng.standard_normal((len(pts), len(KPIS))))
        rows.append(pd.concat([pts, y], axis=1).assign(seed=s))
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="session")
def synthetic_wm(synthetic_runs, heat_knobs):
    return fit_worldmodel(
        synthetic_runs,
        scenario="heatwave",
        mechanism="lp",
        hours=48,
        knobs=heat_knobs,
        kpis=KPIS,
    )
