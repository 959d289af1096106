"""Sobol sensitivity: the goals on the sample cube, SALib parity, factors and incompatibilities."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.errors import SpecError
from workbench.index.sobol import convergence, draws_needed, sobol_indices
from workbench.index.uncertainty import uncertainty

from .conftest import COINR_SPEC

SAMPLE_SPEC = "workbench/index/specs/city_ai_index.yaml"


@pytest.fixture(scope="module")
def sample_cube():
    from workbench.data import load_sample

    return load_sample("city_ai_index")


def _run(cube, seed, draws=4000, **kw):
    return uncertainty(
        cube,
        SAMPLE_SPEC,
        n_draws=draws,
        seed=seed,
        normalisations=["minmax", "rank"],
        aggregations=["arithmetic"],
        sobol=True,
        **kw,
    )


def test_sobol_goals_at_4000_draws_on_the_sample_cube(sample_cube):
    """Every S1 interval < 0.2, S1 <= ST within noise, S1 within 0.05 across seeds."""
    a, b = _run(sample_cube, 1), _run(sample_cube, 2)
    for u in (a, b):
        t = u.sobol
        assert list(t["factor"]) == [
            "weights:IND",
            "weights:TEC",
            "weights:PUB",
            "weights:GOV",
            "normalisation",
        ]
        assert u.params["n_draws"] <= 4000
        assert ((t["S1_hi"] - t["S1_lo"]) < 0.2).all(), t
        assert (t["S1_lo"] <= t["ST_hi"]).all(), t  # S1 <= ST within the intervals
        assert (t["S1_lo"] <= t["S1"]).all()
        assert (t["S1"] <= t["S1_hi"]).all()
    diff = np.abs(a.sobol["S1"].to_numpy() - b.sobol["S1"].to_numpy())
    assert diff.max() < 0.05, diff
    # the normalisation choice dominates; dimension weights matter little
    assert a.sobol.set_index("factor").loc["normalisation", "S1"] > 0.7


def _salib_layout(y, n, g):
    a, b = y[:n], y[n : 2 * n]
    ab = y[2 * n : (2 + g) * n].reshape(g, n).T
    return np.column_stack([a, ab, b]).ravel()


def test_estimators_match_salib_on_the_same_design(asem):
    from SALib.analyze import sobol as salib_sobol

    cube, fw = asem
    u = uncertainty(
        cube,
        COINR_SPEC.replace("range: [0, 100]", "range: [1, 100]"),
        fw,
        n_draws=1400,
        seed=4,
        aggregations=["arithmetic", "geometric"],
        sobol=True,
        replicates=1,  # bootstrap intervals, as SALib's
        n_boot=300,
    )
    names = list(u.sobol["factor"])
    n, g = u.params["n_base"], len(names)
    y = np.abs(u.ranks - u.nominal_rank[None, :]).mean(1)
    problem = {"num_vars": g, "names": names, "bounds": [[0, 1]] * g}
    ref = salib_sobol.analyze(
        problem, _salib_layout(y, n, g), calc_second_order=False, num_resamples=300, seed=1
    )
    t = u.sobol
    for col in ("S1", "ST"):
        ours = t[col].to_numpy()
        half = (t[f"{col}_hi"] - t[f"{col}_lo"]).to_numpy() / 2
        assert np.all(np.abs(ours - ref[col]) <= half), (col, ours, ref[col])
        np.testing.assert_allclose(ours, ref[col], atol=1e-10)  # same centred estimator
        # SALib's normal-theory half-width and our percentile bootstrap agree in size
        ratio = ref[f"{col}_conf"] / np.maximum(half, 1e-12)
        assert np.all((ratio > 0.6) & (ratio < 1.6)), (col, ratio)


def test_replicate_intervals_cover_a_known_answer():
    """Ishigami-like additive test function with known indices: y = x1 + 2 x2 (+ nothing)."""
    from workbench.index._ua_design import sobol_points

    n, blocks, g = 400, 10, 3
    per = n // blocks
    pts = np.vstack(
        [sobol_points(6, per, s) for s in np.random.SeedSequence(3).spawn(blocks)]
    )  # fmt: skip
    a, b = pts[:, :3], pts[:, 3:]
    mats = [a, b]
    for j in range(g):
        ab = a.copy()
        ab[:, j] = b[:, j]
        mats.append(ab)
    x = np.vstack(mats)
    y = x[:, 0] + 2 * x[:, 1]
    t = sobol_indices(y, n, ["x1", "x2", "x3"], blocks=blocks).set_index("factor")
    exact = {"x1": 0.2, "x2": 0.8, "x3": 0.0}
    for k, v in exact.items():
        assert t.loc[k, "S1_lo"] - 1e-9 <= v <= t.loc[k, "S1_hi"] + 1e-9, t
        assert t.loc[k, "ST_lo"] - 1e-9 <= v <= t.loc[k, "ST_hi"] + 1e-9, t
    conv = convergence(y, n, ["x1", "x2", "x3"], blocks=blocks)
    assert conv["n_base"].iloc[-1] == n
    assert conv["max_S1_width"].iloc[-1] <= conv["max_S1_width"].iloc[0]


def test_draws_needed_for_a_target_width(sample_cube):
    u = _run(sample_cube, 1, draws=1000, target_width=0.05)
    widest = max(
        (u.sobol["S1_hi"] - u.sobol["S1_lo"]).max(), (u.sobol["ST_hi"] - u.sobol["ST_lo"]).max()
    )
    need = u.params["draws_needed"]
    assert need == u.draws_needed(0.05)
    assert need > u.params["n_draws"] * (widest / 0.05) ** 2 * 0.99
    assert u.draws_needed(1.0) < need
    assert list(u.convergence.columns)[:2] == ["n_base", "draws"]
    with pytest.raises(ValueError, match="`target_width` must be > 0"):
        draws_needed(u.sobol, 10, 5, 0)


def test_incompatible_pairs_refused_before_any_draw_or_excluded(asem, monkeypatch):
    import workbench.index._ua_eval as ev

    cube, fw = asem
    calls = []
    monkeypatch.setattr(ev, "_evaluate_chunk", lambda *a: calls.append(1))
    kw = {
        "normalisations": ["minmax", "zscore", "rank"],
        "aggregations": ["arithmetic", "geometric"],
        "n_draws": 64,
    }
    with pytest.raises(SpecError, match="normalisation 'zscore' with aggregation 'geometric'"):
        uncertainty(cube, COINR_SPEC, fw, incompatible="refuse", **kw)
    assert calls == []  # refused before any draw was evaluated
    monkeypatch.undo()
    u = uncertainty(cube, COINR_SPEC, fw, sobol=True, **kw)
    assert "normalisation x aggregation" in list(u.sobol["factor"])
    assert any("'zscore' with aggregation 'geometric'" in n for n in u.notes)
    assert u.params["notes"] == list(u.notes)


def test_every_factor_kind_varies(asem):
    cube, fw = asem
    u = uncertainty(
        cube,
        COINR_SPEC,
        fw,
        n_draws=120,
        seed=2,
        imputations=["mean", {"method": "median"}],
        exclusion=0.1,
        data_noise=0.05,
        noise_replicates=2,
        treatments=[{"method": "none"}],
        normalisations=["minmax", "rank"],
        sobol=True,
    )
    assert list(u.sobol["factor"]) == [
        "weights:Conn",
        "weights:Sust",
        "exclusion",
        "imputation",
        "data_noise",
        "treatment",
        "normalisation",
    ]
    assert (u.sobol["ST"] > -0.05).all()
    again = uncertainty(
        cube,
        COINR_SPEC,
        fw,
        n_draws=120,
        seed=2,
        imputations=["mean", {"method": "median"}],
        exclusion=0.1,
        data_noise=0.05,
        noise_replicates=2,
        treatments=[{"method": "none"}],
        normalisations=["minmax", "rank"],
        sobol=True,
    )
    np.testing.assert_array_equal(u.ranks, again.ranks)  # seeded, data noise included


def test_exclusion_never_empties_a_parent(asem):
    from workbench.index._ua_design import build_design
    from workbench.index._ua_eval import prepare
    from workbench.index.pipeline import Pipeline

    cube, fw = asem
    model = prepare(
        cube,
        Pipeline.from_yaml(COINR_SPEC),
        fw,
        year=None,
        normalisations=None,
        aggregations=None,
        treatments=None,
        imputations=None,
        data_noise=0.0,
        noise_replicates=2,
        seed=np.random.SeedSequence(0),
    )
    d = build_design(
        model,
        weight_noise=0.0,
        exclusion=0.95,
        incompatible="exclude",
        n_draws=200,
        sobol=False,
        seed=np.random.SeedSequence(1),
    )
    assert [f.name for f in d.factors] == ["exclusion"]
    for _code, _kids, is_ind, wcols in model.structure:
        cols = [c for c, ind in zip(wcols, is_ind, strict=True) if ind]
        if cols:
            assert (d.wmat[:, cols].sum(1) > 0).all()
    ind_cols = [model.weighted.index(c) for c in fw.indicators]
    # many indicators are out at a 95% exclusion rate (parents that lost all keep them all)
    assert (d.wmat[:, ind_cols] == 0).mean() > 0.2
