"""The default City AI Index spec on the shipped sample cube (synthetic values)."""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import pytest

from workbench.index import Pipeline

SPEC = files("workbench.index") / "specs" / "city_ai_index.yaml"


@pytest.fixture(scope="module")
def sample_result():
    from workbench.data import load_sample

    cube = load_sample("city_ai_index")
    return cube, Pipeline.from_yaml(str(SPEC)).run(cube)


def test_default_spec_gives_three_plausible_tiers(sample_result):
    cube, res = sample_result
    assert res.root == "CAI"
    assert {"IND", "TEC", "PUB", "GOV"} <= set(res.framework.children("CAI"))
    latest = res.table()  # latest year
    counts = latest["tier"].value_counts()
    assert set(counts.index) == {"Leading", "Dynamic", "Potential"}
    n = len(latest)
    assert abs(counts["Leading"] - 0.2 * n) <= 2
    assert abs(counts["Potential"] - 0.5 * n) <= 2
    means = latest.groupby("tier")["CAI"].mean()
    assert means["Leading"] > means["Dynamic"] > means["Potential"]
    assert latest["CAI"].between(0, 100).all()
    # the national AI centres lead (synthetic values, modelled on real city profiles)
    leading = set(latest.loc[latest["tier"] == "Leading", "code"])
    assert {"110000", "310000"} <= leading
    # thresholds fitted on the latest year, applied to all years: the Leading tier grows over time
    per_year = (res.tiers == "Leading").sum("city").to_numpy()
    assert per_year[-1] == counts["Leading"]
    assert np.all(np.diff(per_year) >= -2)


def test_sample_spec_round_trips_and_uncertainty(sample_result):
    from workbench.index.uncertainty import uncertainty

    cube, res = sample_result
    again = Pipeline.from_spec(res.spec)
    assert again.to_spec() == Pipeline.from_yaml(str(SPEC)).to_spec()
    u = uncertainty(cube, again, n_draws=200, seed=0)
    assert u.tier_probability.shape == (len(res.cities), 3)
    np.testing.assert_allclose(u.tier_probability.sum(axis=1), 1.0)
