"""Development paths (profile, peers, what-if, path to the next tier) and analysis tables."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.index import Pipeline, analysis
from workbench.index.paths import development_path, peer_group, profile, what_if

from .conftest import COINR_SPEC, make_panel

SPEC_1_100 = COINR_SPEC.replace("range: [0, 100]", "range: [1, 100]")


@pytest.fixture(scope="module")
def res(asem):
    return Pipeline.from_yaml(SPEC_1_100).run(*asem)


def test_profile_and_peers(res):
    p = profile(res, "GBR", top=4)
    assert p.tier == res.tier_of("GBR")
    assert len(p.strengths) == 4
    t = p.to_dataframe()
    assert t.loc[list(p.strengths), "gap_all"].min() >= t.loc[list(p.weaknesses), "gap_all"].max()
    assert "GBR" not in p.peers
    assert len(peer_group(res, "GBR", k=3)) == 3
    assert "peer group" in p.describe()


def test_what_if_keeps_others_fixed(res):
    same = what_if(res, "GBR", {})
    assert same["score_after"] == pytest.approx(same["score_before"])
    up = what_if(res, "GBR", {"CPI": 0.2}, relative=True)
    assert up["score_after"] > up["score_before"]
    assert up["rank_after"] <= up["rank_before"]


def test_path_to_next_tier_is_optimal_and_works(res):
    table = res.table()
    city = table.loc[table["tier"] == "Dynamic", "code"].iloc[0]
    path = development_path(res, city, cap=15)
    assert path.status == "optimal"
    assert path.optimal
    assert path.target_tier == "Leading"
    assert path.score_after >= path.threshold - 1e-6
    # apply the raw changes through what-if: the city reaches the target tier
    raw = res.data["value"]
    changes = {
        i: float(raw.sel(city=city, indicator=i)) + float(r.delta_raw)
        for i, r in path.improvements.iterrows()
        if np.isfinite(r.delta_raw)
    }
    if len(changes) == len(path.improvements):
        assert what_if(res, city, changes)["tier_after"] == "Leading"
    # the LP is no worse than spending the same budget on any single indicator
    assert path.improvements["delta_points"].sum() <= 15 + 1e-6 or len(path.improvements) > 1
    top = table["code"].iloc[0]
    assert development_path(res, top).status == "already_top"


def test_path_nonlinear_is_labelled_not_optimal(asem):
    spec = SPEC_1_100.replace("method: arithmetic", "method: geometric")
    res = Pipeline.from_yaml(spec).run(*asem)
    table = res.table()
    city = table.loc[table["tier"] == "Dynamic", "code"].iloc[0]
    path = development_path(res, city, cap=20)
    assert not path.optimal
    assert "not proven optimal" in path.solver
    assert path.score_after >= path.threshold - 1e-4


def test_analysis_tables(res, asem):
    cube, fw = asem
    st = analysis.indicator_stats(cube)
    assert st.loc["Bord", "outliers"]
    assert not st.loc["LPI", "outliers"]
    assert (st["availability"] <= 1).all()
    cor = analysis.correlations(res, method="spearman")
    assert {"r", "p", "collinear", "negative_in_group", "with_parent"} <= set(cor.columns)
    assert cor["with_parent"].any()
    alpha = analysis.cronbach_alpha(res)
    assert set(alpha.index) == set(fw.aggregates)
    pca = analysis.pca_summary(res, node="Physical")
    assert pca["variance_share"].sum() == pytest.approx(1)
    rem = analysis.remove_elements(res)
    assert len(rem) == 8
    assert (rem["mean_abs_rank_change"] >= 0).all()
    other = Pipeline.from_yaml(SPEC_1_100.replace("minmax, range: [1, 100]", "rank")).run(*asem)
    cmp = analysis.compare(res, other)
    assert cmp["abs_change"].iloc[0] == cmp["abs_change"].max()


def test_trends_multi_year():
    from workbench.index import run_index

    res = run_index(make_panel(), None)
    tr = analysis.trends(res)
    assert len(tr) == 12
    assert "slope_per_year" in tr.columns


def test_what_if_multi_year_uses_every_year():
    """No change = same score, also with panel imputation and bounds pooled over years."""
    from .conftest import make_panel

    cube = make_panel()
    cube["value"][2, 0, 0] = np.nan  # filled from the other years by panel imputation
    res = Pipeline(
        [{"impute": {"method": "panel_linear"}}, {"normalise": {}}, {"aggregate": {}}]
    ).run(cube)
    for year in (2020, 2022):
        same = what_if(res, "C00", {}, year=year)
        assert same["score_after"] == pytest.approx(same["score_before"])
        assert same["tier_after"] == same["tier_before"]
    up = what_if(res, "C00", {"b1": 0.5}, relative=True, year=2021)
    assert up["score_after"] > up["score_before"]
