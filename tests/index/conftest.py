"""Fixtures of the index engine's tests: COINr's ASEM example and a small synthetic panel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

ASEM = Path(__file__).resolve().parents[1] / "data" / "coinr_asem"

# COINr's example pipeline (build_example_coin(), COINr >= 1.0), in the workbench's spec language.
COINR_SPEC = """\
steps:
  - denominate: {}
  - impute: {method: group_mean, group: EurAsia_group}
  - screen: {min_availability: 0.9}
  - treat: {method: winsorise_log, max_points: 5, skew: 2.0, kurtosis: 3.5}
  - normalise: {method: minmax, range: [0, 100]}
  - aggregate: {method: arithmetic}
"""


@pytest.fixture(scope="session")
def asem_paths() -> tuple[Path, Path]:
    return ASEM / "ASEM_iData.csv", ASEM / "ASEM_iMeta.csv"


@pytest.fixture(scope="session")
def asem(asem_paths):
    from workbench.index.io import read_coinr

    return read_coinr(*asem_paths)


@pytest.fixture(scope="session")
def coinr_spec_path(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("spec") / "coinr_example.yaml"
    p.write_text(COINR_SPEC)
    return p


@pytest.fixture(scope="session")
def asem_result(asem):
    from workbench.index import Pipeline

    cube, fw = asem
    return Pipeline.from_yaml(COINR_SPEC).run(cube, fw)


FRAMEWORK_ROWS = [
    {"iCode": "a1", "Level": 1, "Parent": "A", "Direction": 1, "Weight": 1, "Type": "Indicator"},
    {"iCode": "a2", "Level": 1, "Parent": "A", "Direction": -1, "Weight": 2, "Type": "Indicator"},
    {"iCode": "b1", "Level": 1, "Parent": "B", "Direction": 1, "Weight": 1, "Type": "Indicator"},
    {"iCode": "b2", "Level": 1, "Parent": "B", "Direction": 1, "Weight": 1, "Type": "Indicator"},
    {"iCode": "b3", "Level": 1, "Parent": "B", "Direction": 1, "Weight": 1, "Type": "Indicator"},
    {"iCode": "A", "Level": 2, "Parent": "IDX", "Direction": 1, "Weight": 1, "Type": "Aggregate"},
    {"iCode": "B", "Level": 2, "Parent": "IDX", "Direction": 1, "Weight": 3, "Type": "Aggregate"},
    {"iCode": "IDX", "Level": 3, "Parent": None, "Direction": 1, "Weight": 1, "Type": "Aggregate"},
]


@pytest.fixture
def small_framework():
    from workbench.index import Framework

    return Framework.from_table(FRAMEWORK_ROWS)


def make_panel(n_city: int = 12, years=(2020, 2021, 2022), seed: int = 3) -> xr.Dataset:
    """Synthetic panel cube (labelled synthetic) on the small framework."""
    import json

    import pandas as pd

    from workbench.index import Framework

    rng = np.random.default_rng(seed)
    inds = ["a1", "a2", "b1", "b2", "b3"]
    vals = rng.lognormal(1.0, 0.6, size=(len(years), n_city, len(inds)))
    vals += np.linspace(0, 1, len(years))[:, None, None]
    cube = xr.Dataset(
        {"value": (("year", "city", "indicator"), vals)},
        coords={
            "year": list(years),
            "city": [f"C{i:02d}" for i in range(n_city)],
            "indicator": inds,
        },
    )
    cube.attrs["framework"] = Framework.from_table(pd.DataFrame(FRAMEWORK_ROWS)).to_json()
    cube.attrs["synthetic"] = "yes: random lognormal values for tests"
    _ = json
    return cube


@pytest.fixture
def panel():
    return make_panel()
