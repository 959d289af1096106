"""The Explorer's live reweighting equals a full run of the engine's pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.apps.index_explorer import IndexExplorer
from workbench.apps.index_reweight import Reweighter
from workbench.apps.index_views import DIMENSIONS, method_choices, ranking_table
from workbench.data import load_sample
from workbench.index import run_index

NORMS, _ = method_choices("index_normalisers")
AGGS, _ = method_choices("index_aggregators")
#: Aggregations that need positive scores, and the normalisations whose scores reach 0 or below
#: on the sample (min-max runs: the Explorer normalises it to [1, 100]).
POSITIVE_MEANS = ("geometric", "harmonic")
REACH_ZERO = ("borda", "dist_max", "percentile", "scaled", "zscore")


@pytest.fixture(scope="module")
def cube():
    return load_sample("city_ai_index")


def _spec(norm: str, agg: str, weights: dict[str, float]) -> dict:
    app_spec = IndexExplorer.spec  # the Explorer's own spec, without building an app
    fake = type("Choices", (), {"normalisation": norm, "aggregation": agg})()
    for code, value in weights.items():
        setattr(fake, f"weight_{code.lower()}", value)
    return app_spec(fake)


@pytest.mark.parametrize("agg", AGGS)
@pytest.mark.parametrize("norm", NORMS)
def test_reweighting_equals_a_full_run(cube, norm, agg):
    rng = np.random.default_rng(7)
    year = int(cube["year"].to_numpy()[-1])
    start = dict.fromkeys(DIMENSIONS, 1.0)
    if agg in POSITIVE_MEANS and norm in REACH_ZERO:
        # a mean of positive values over scores that reach 0 or below is refused, with the fix
        # (the Explorer shows this message, not a traceback)
        with pytest.raises(ValueError, match=r"needs positive values.*range"):
            run_index(cube, _spec(norm, agg, start), year=year)
        return
    base = run_index(cube, _spec(norm, agg, start), year=year)
    fast = Reweighter.from_result(base)
    assert fast is not None, f"{norm}/{agg}: the Explorer would rerun the pipeline on each move"
    static = ranking_table(base, cube).drop(columns=["rank", "tier", "CAI_score"])
    static = static.set_index("code")
    for _ in range(3):
        weights = dict(zip(DIMENSIONS, rng.uniform(0.0, 5.0, 4).round(1), strict=True))
        weights["PUB"] = 0.0 if _ == 1 else weights["PUB"]  # a dimension switched off
        got = fast.ranking_table(weights, static)
        want = ranking_table(run_index(cube, _spec(norm, agg, weights), year=year), cube)
        assert got["code"].tolist() == want["code"].tolist()
        assert got["tier"].tolist() == want["tier"].tolist()
        assert got["rank"].tolist() == want["rank"].tolist()
        np.testing.assert_allclose(got["CAI_score"], want["CAI_score"], rtol=1e-9, atol=1e-9)
        pd.testing.assert_frame_equal(
            got[list(DIMENSIONS)], want[list(DIMENSIONS)], check_exact=False
        )


def test_all_zero_weights_are_refused_with_the_fix(cube):
    year = int(cube["year"].to_numpy()[-1])
    base = run_index(cube, _spec("minmax", "arithmetic", dict.fromkeys(DIMENSIONS, 1.0)), year=year)
    fast = Reweighter.from_result(base)
    with pytest.raises(ValueError, match="must not all be zero.*positive weight"):
        fast.index(dict.fromkeys(DIMENSIONS, 0.0))


def test_the_explorer_shows_the_engine_ranking_after_weight_moves():
    app = IndexExplorer(n_draws=20)
    for tec in (2.5, 0.0, 4.0):
        app.weight_tec = tec
        want = ranking_table(run_index(app.cube, app.spec(), year=app.year), app.cube)
        assert app.table["code"].tolist() == want["code"].tolist()
        np.testing.assert_allclose(app.table["CAI_score"], want["CAI_score"], atol=1e-9)
        assert app.result.table()["code"].tolist() == want["code"].tolist()
    app.close()
