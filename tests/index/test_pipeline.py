"""Pipeline, steps as estimators, multi-year cubes, results and the accessor."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from workbench.errors import NotFittedError, SchemaError
from workbench.index import (
    Aggregate,
    Framework,
    Impute,
    IndexResult,
    Normalise,
    Pipeline,
    Tier,
    Treat,
    Weight,
    run_index,
)

from .conftest import COINR_SPEC, make_panel


def test_yaml_round_trip_and_replay(asem, tmp_path):
    cube, fw = asem
    pipe = Pipeline.from_yaml(COINR_SPEC)
    path = tmp_path / "spec.yaml"
    pipe.to_yaml(path)
    again = Pipeline.from_yaml(path)
    assert again.to_spec() == pipe.to_spec()
    r1, r2 = pipe.run(cube, fw), again.run(cube, fw)
    xr.testing.assert_identical(r1.scores, r2.scores)
    # the spec stored in a result replays to the same scores
    r3 = Pipeline.from_spec(r1.spec).run(cube, fw)
    xr.testing.assert_identical(r1.scores, r3.scores)


def test_steps_are_estimators(panel, small_framework):
    step = Normalise(method="minmax", range=[0, 1])
    with pytest.raises(NotFittedError, match="not fitted yet"):
        step.transform(panel)
    assert step.fit(panel, small_framework) is step
    out = step.transform(panel)
    assert float(out["value"].min()) == 0
    assert float(out["value"].max()) == 1
    assert panel["value"].max() > 1  # input untouched
    assert step.get_params() == {"method": "minmax", "range": [0, 1]}


def test_base_year_keeps_past_scores_stable(small_framework):
    cube = make_panel(years=(2020, 2021))
    step = Normalise(method="minmax", base_year=2020).fit(cube, small_framework)
    old = step.transform(cube.sel(year=[2020]))
    bigger = make_panel(years=(2020, 2021, 2022))
    bigger["value"].loc[{"year": 2020}] = cube["value"].sel(year=2020)
    new = step.transform(bigger)
    np.testing.assert_allclose(new["value"].sel(year=2020), old["value"].sel(year=2020))
    assert float(new["value"].sel(year=2020).min()) == 0


def test_multi_year_pipeline(panel):
    res = run_index(panel, {"steps": [{"normalise": {"method": "minmax"}}]})
    assert res.years == [2020, 2021, 2022]
    assert set(res.scores.dims) == {"city", "indicator", "year"}
    assert res.tiers.dims == ("year", "city")
    t = res.table(year=2021)
    assert sorted(t["rank"].astype(int)) == list(range(1, 13))
    one = run_index(panel, None, year=2021)
    assert one.years == [2021]


def test_result_exports(asem_result, tmp_path):
    ds = asem_result.to_xarray()
    assert {"score", "rank", "tier"} <= set(ds.data_vars)
    assert json.loads(ds.attrs["spec"])["steps"][0] == {
        "denominate": {"denominators": None, "table": None, "scale": None}
    }
    p = asem_result.to_netcdf(tmp_path / "r.nc")
    back = xr.open_dataset(p)
    assert "provenance" in back.attrs
    assert "workbench_version" in json.loads(back.attrs["provenance"])
    back.close()
    df = asem_result.to_dataframe()
    assert set(df.columns) == {"city", "indicator", "score", "rank"}
    assert len(df) == 51 * (49 + 11)
    with pytest.raises(Exception, match="frozen|cannot assign"):
        asem_result.removed = ("X",)  # type: ignore[misc]
    assert isinstance(asem_result, IndexResult)


def test_weights_and_by_node(asem):
    cube, fw = asem
    base = [
        {"denominate": {}},
        {"impute": {"method": "group_mean", "group": "EurAsia_group"}},
        {"normalise": {"method": "minmax", "range": [1, 100]}},
    ]
    for method in ("equal", "effective", "pca", "optimised"):
        res = run_index(
            cube, {"steps": [*base, {"weight": {"method": method}}, {"aggregate": {}}]}, fw
        )
        assert np.isfinite(res.score().to_numpy()).all()
    res = run_index(
        cube, {"steps": [*base, {"aggregate": {"by_node": {"Index": "geometric"}}}]}, fw
    )
    assert json.loads(res.to_xarray().attrs["spec"])["steps"][-1]["aggregate"]["by_node"] == {
        "Index": "geometric"
    }


def test_bod_weights_per_unit(small_framework, panel):
    cube = panel.sel(year=2020)
    norm = Normalise(method="minmax", range=[1, 100]).fit_transform(cube, small_framework)
    w = Weight(method="bod").fit(norm, small_framework)
    assert w.unit_weights_.shape[0] == 12
    out = Aggregate().fit_transform(w.transform(norm), small_framework)
    assert out.sizes["indicator"] == 8


def test_impute_methods(panel, small_framework):
    cube = panel.copy(deep=True)
    cube["value"][1, 2, 0] = np.nan
    cube["value"][0, 3, 1] = np.nan
    for m in ("mean", "median", "row_mean", "panel_latest", "panel_constant", "panel_linear"):
        out = Impute(method=m).fit_transform(cube, small_framework)
        assert not np.isnan(out["value"].values).any(), m
    lin = Impute(method="panel_linear").fit_transform(cube, small_framework)
    v = cube["value"][:, 2, 0].values
    assert lin["value"][1, 2, 0] == pytest.approx((v[0] + v[2]) / 2)
    f = Impute(method="function", function=lambda a: np.nan_to_num(a, nan=-1.0))
    assert (f.fit_transform(cube, small_framework)["value"] == -1).sum() == 2


def test_treat_overrides_and_table(asem):
    cube, fw = asem
    t = Treat(overrides={"Bord": "none", "Gas": {"max_points": 1}}).fit(cube, fw)
    assert t.table_.loc["Bord", "treatment"] == "none"
    assert t.table_.loc["Gas", "n_winsorised"] <= 1


def test_tier_fixed_thresholds(asem_result, asem):
    cube, fw = asem
    res = Pipeline.from_spec(
        {
            "steps": [
                {"normalise": {}},
                {"aggregate": {}},
                {"tier": {"method": "fixed", "thresholds": [30, 50]}},
            ]
        }
    ).run(cube, fw)
    s = res.score()
    tiers = res.tiers.to_pandas()
    assert (tiers[s >= 50] == "Leading").all()
    assert (tiers[s < 30] == "Potential").all()
    assert res.breaks == (30.0, 50.0)


def test_accessor_forwards_and_validates(asem):
    cube, fw = asem
    r = cube.cai.run(None, fw)
    assert r.root == "Index"
    assert cube.cai.framework().root == "Index"
    with pytest.raises(SchemaError, match="no data variable 'value'"):
        _ = xr.Dataset({"x": ("city", [1.0])}).cai


def test_framework_queries(small_framework):
    fw = small_framework
    assert fw.root == "IDX"
    assert fw.aggregates == ("A", "B", "IDX")
    ew = fw.effective_weights()
    assert sum(ew.values()) == pytest.approx(1)
    assert ew["a2"] == pytest.approx(0.25 * 2 / 3)
    assert Framework.from_json(fw.to_json()).nodes == fw.nodes
    assert fw.with_weights({"B": 1}).effective_weights()["a1"] == pytest.approx(0.5 / 3)


def test_tier_step_standalone(asem_result):
    agg = asem_result.scores.to_dataset(name="value")
    agg.attrs["framework"] = asem_result.framework.to_json()
    out = Tier(method="jenks").fit_transform(agg)
    assert set(out["tier"].values) == {"Leading", "Dynamic", "Potential"}


def test_aggregate_direction_minus_one_reflects_node(small_framework, panel):
    """An aggregate with direction -1 enters its parent reflected (max + min - score)."""
    from .conftest import FRAMEWORK_ROWS

    rows = [dict(r) for r in FRAMEWORK_ROWS]
    for r in rows:
        if r["iCode"] == "A":
            r["Direction"] = -1
    fw_neg = Framework.from_table(rows)
    cube = panel.sel(year=2020)
    pos = run_index(cube, None, small_framework).scores.sel(indicator=["A", "B", "IDX"])
    neg = run_index(cube, None, fw_neg).scores.sel(indicator=["A", "B", "IDX"])
    np.testing.assert_allclose(neg.sel(indicator="A"), pos.sel(indicator="A"))
    a = pos.sel(indicator="A").to_numpy()
    refl = a.max() + a.min() - a
    expected = 0.25 * refl + 0.75 * pos.sel(indicator="B").to_numpy()
    np.testing.assert_allclose(neg.sel(indicator="IDX").to_numpy(), expected)
