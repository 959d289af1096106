"""Monte Carlo uncertainty and Sobol sensitivity."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.index.uncertainty import _evaluate_chunk, _vec_aggregate, uncertainty

from .conftest import COINR_SPEC

SPEC_1_100 = COINR_SPEC.replace("range: [0, 100]", "range: [1, 100]")


def test_reproducible_and_consistent(asem):
    cube, fw = asem
    a = uncertainty(cube, SPEC_1_100, fw, n_draws=256, seed=7)
    b = uncertainty(cube, SPEC_1_100, fw, n_draws=256, seed=7, chunk_size=50)
    np.testing.assert_array_equal(a.ranks, b.ranks)  # chunking/threads do not change results
    c = uncertainty(cube, SPEC_1_100, fw, n_draws=256, seed=8)
    assert not np.array_equal(a.ranks, c.ranks)
    assert a.ranks.shape == (256, 51)
    # each draw's ranks are a permutation
    assert (np.sort(a.ranks, axis=1) == np.arange(1, 52)).all()
    np.testing.assert_allclose(a.tier_probability.sum(axis=1), 1.0)
    s = a.summary()
    assert list(s["code"][:3]) == ["CHE", "NLD", "DNK"]
    assert (s["rank_p05"] <= s["median_rank"]).all()
    assert (s["median_rank"] <= s["rank_p95"]).all()
    ds = a.to_xarray()
    assert ds["rank"].dims == ("draw", "city")
    assert "params" in ds.attrs


def test_zero_noise_reproduces_nominal(asem):
    cube, fw = asem
    u = uncertainty(cube, SPEC_1_100, fw, n_draws=8, seed=0, weight_noise=1e-12)
    np.testing.assert_array_equal(u.ranks[0], u.nominal_rank.astype(int))
    nominal_leading = np.array(u.nominal_tier) == "Leading"
    np.testing.assert_allclose(u.tier_probability["Leading"].to_numpy(), nominal_leading)


def test_vectorised_matches_single_runs(asem):
    """A draw of the vectorised analysis equals the single-run pipeline with those weights."""
    from workbench.index import Pipeline

    cube, fw = asem
    nominal = Pipeline.from_yaml(SPEC_1_100).run(cube, fw)
    x = nominal.normalised["value"].sel(indicator=list(fw.indicators)).to_numpy()
    weighted = [n.code for n in fw.nodes if n.parent is not None]
    rng = np.random.default_rng(0)
    w = rng.uniform(0.5, 1.5, size=(3, len(weighted)))
    n_ind = len(fw.indicators)
    pos = {c: i for i, c in enumerate(fw.indicators)} | {
        a: n_ind + j for j, a in enumerate(fw.aggregates)
    }
    structure = [
        (a, [pos[k] for k in fw.children(a)],
         [fw.node(k).type == "Indicator" for k in fw.children(a)],
         np.array([weighted.index(k) for k in fw.children(a)]))
        for a in fw.aggregates
    ]  # fmt: skip
    for method in ("arithmetic", "geometric"):
        top = _evaluate_chunk(x, structure, n_ind, method, w, 2.0)
        for d in range(3):
            spec = Pipeline.from_yaml(SPEC_1_100 + "    \n").to_spec()
            spec["steps"][-1] = {"aggregate": {"method": method}}
            spec["steps"].insert(
                -1,
                {
                    "weight": {
                        "method": "manual",
                        "weights": dict(zip(weighted, w[d].tolist(), strict=True)),
                    }
                },
            )
            single = Pipeline.from_spec(spec).run(cube, fw).score().to_numpy()
            np.testing.assert_allclose(top[d], single, rtol=1e-10)


def test_vec_aggregate_missing_values():
    x = np.array([[1.0, np.nan, 3.0]])
    w = np.array([[1.0, 1.0, 1.0]])
    assert _vec_aggregate("arithmetic", x, w)[0, 0] == pytest.approx(2.0)


def test_sobol_indices(asem):
    cube, fw = asem
    u = uncertainty(
        cube,
        SPEC_1_100,
        fw,
        n_draws=600,
        seed=3,
        aggregations=["arithmetic", "geometric"],
        normalisations=[None, {"method": "minmax", "range": [1, 10]}],
        treatments=[{"method": "none"}],
        sobol=True,
        n_boot=50,
    )
    sob = u.sobol
    assert list(sob["factor"]) == [
        "weights:Conn",
        "weights:Sust",
        "treatment",
        "normalisation",
        "aggregation",
    ]
    assert (sob["ST_lo"] <= sob["ST_hi"]).all()
    assert (sob["ST"] >= -0.05).all()
    # min-max 1-100 vs 1-10 gives the same ranks under the arithmetic mean and nearly so under the
    # geometric: normalisation matters far less than the aggregator
    row = sob.set_index("factor")
    assert row.loc["aggregation", "ST"] > row.loc["normalisation", "ST"]
    # N (G + 2) draws, N a multiple of the 10 scrambled replicates
    assert u.params["n_draws"] == u.params["n_base"] * 7
    assert u.params["n_base"] == 80
    assert u.params["tier_rule"] == "sizes"


@pytest.mark.dask
def test_dask_scheduler_gives_same_ranks(asem):
    from distributed import LocalCluster

    cube, fw = asem
    local = uncertainty(cube, SPEC_1_100, fw, n_draws=128, seed=5, chunk_size=32)
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as cl:
        remote = uncertainty(
            cube, SPEC_1_100, fw, n_draws=128, seed=5, chunk_size=32, scheduler=cl.scheduler_address
        )
    np.testing.assert_array_equal(local.ranks, remote.ranks)
