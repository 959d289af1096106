"""Every bad setting gets a clear error: the argument, the rule, what was received, the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workbench.errors import DataError, InfeasibleError, NotFittedError, SchemaError, SpecError
from workbench.index import (
    Aggregate,
    Denominate,
    Framework,
    Impute,
    Normalise,
    Pipeline,
    Screen,
    Tier,
    Treat,
    Weight,
    run_index,
)

from .conftest import FRAMEWORK_ROWS


def fw_rows(**change):
    rows = [dict(r) for r in FRAMEWORK_ROWS]
    for code, patch in change.items():
        for r in rows:
            if r["iCode"] == code:
                r.update(patch)
    return rows


# ---------------------------------------------------------------- framework
@pytest.mark.parametrize(
    ("rows", "match"),
    [
        (fw_rows(a1={"Parent": "AA"}), r"Parent 'AA'.*Did you mean 'A'"),
        (fw_rows(A={"Parent": "B"}, B={"Parent": "A"}), "cycle"),
        (fw_rows(a1={"Weight": "heavy"}), r"'Weight' must be numeric; got 'heavy'"),
        (fw_rows(a1={"Weight": -1}), "'Weight' must be >= 0"),
        (fw_rows(a1={"Direction": 2}), "'Direction' must be 1 or -1"),
        (fw_rows(a1={"Type": "Indicatr"}), r"unknown type 'Indicatr'.*Did you mean 'Indicator'"),
        (fw_rows(B={"Parent": None}), "exactly one root"),
        (fw_rows(a1={"Parent": None}), "has no Parent"),
        (fw_rows(a2={"iCode": "a1"}), "appears more than once"),
        (fw_rows(a1={"Parent": "a2"}), "which is an indicator"),
        (fw_rows(a1={"Weight": 0}, a2={"Weight": 0}), "sum to 0"),
        (fw_rows(a1={"Weight": None}), "'Weight': a number is required"),
    ],
)
def test_framework_errors(rows, match):
    with pytest.raises(SpecError, match=match):
        Framework.from_table(rows)


def test_framework_missing_column_and_empty_aggregate():
    with pytest.raises(SpecError, match=r"lacks the required column\(s\) \['Weight'\]"):
        Framework.from_table(pd.DataFrame(FRAMEWORK_ROWS).drop(columns="Weight"))
    rows = [
        *FRAMEWORK_ROWS,
        {"iCode": "C", "Parent": "IDX", "Direction": 1, "Weight": 1, "Type": "Aggregate"},
    ]
    with pytest.raises(SpecError, match="aggregate 'C' has no children"):
        Framework.from_table(rows)


def test_framework_unknown_node(small_framework):
    with pytest.raises(SpecError, match="Unknown framework node 'AX'. Did you mean 'A'"):
        small_framework.node("AX")
    with pytest.raises(SpecError, match="`weights` names unknown node"):
        small_framework.with_weights({"zz": 1})


# ---------------------------------------------------------------- cube schema
def test_cube_schema_errors(small_framework):
    with pytest.raises(SchemaError, match="must be an xarray.Dataset"):
        Normalise().fit(np.zeros((2, 2)), small_framework)
    bad = xr.Dataset({"value": (("town", "indicator"), np.zeros((2, 2)))})
    with pytest.raises(SchemaError, match=r"must have the dimensions \('city', 'indicator'"):
        Normalise().fit(bad, small_framework)
    with pytest.raises(SchemaError, match="no data variable 'value'"):
        _ = xr.Dataset({"v": ("city", [1.0])}).cai
    txt = xr.Dataset({"value": (("city", "indicator"), np.array([["a"]]))})
    with pytest.raises(SchemaError, match="must be numeric"):
        Normalise().fit(txt, small_framework)


def test_missing_framework(panel):
    cube = panel.copy()
    cube.attrs = {}
    with pytest.raises(SpecError, match="No framework given"):
        run_index(cube)


# ---------------------------------------------------------------- step settings
@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda: Normalise(method="minmx"),
            r"Unknown normalisation method 'minmx'. Did you mean 'minmax'",
        ),
        (
            lambda: Normalise(method="minmax", rnage=[0, 1]),
            r"Unknown setting 'rnage'.*Did you mean 'range'",
        ),
        (lambda: Normalise(method="minmax", range=[5, 1]), r"`range` must be increasing"),
        (lambda: Normalise(method="minmax", range="x"), r"`range` must be two numbers"),
        (lambda: Normalise(overrides={"a1": "rank"}), r"`overrides\['a1'\]` must be a mapping"),
        (
            lambda: Aggregate(method="arithmetc"),
            r"Unknown aggregation method 'arithmetc'. Did you mean 'arithmetic'",
        ),
        (lambda: Aggregate(method="power", q=2), r"Unknown setting 'q'.*Valid settings: p"),
        (
            lambda: Aggregate(min_availability=1.5),
            r"`min_availability` must be between 0 and 1; got 1.5",
        ),
        (lambda: Aggregate(by_node={"A": "geo"}), r"Unknown aggregation method 'geo'"),
        (lambda: Screen(min_availability="most"), r"`min_availability` must be a number"),
        (
            lambda: Screen(by="nan"),
            r"`by` must be one of 'na', 'zeros', 'both'; got 'nan'. Did you mean 'na'",
        ),
        (
            lambda: Screen(force_include=["x"], force_exclude=["x"]),
            r"in both `force_include` and `force_exclude`",
        ),
        (lambda: Impute(method="man"), r"`method` must be one of .*Did you mean 'mean'"),
        (lambda: Impute(method="group_mean"), r"`group` is required with method='group_mean'"),
        (
            lambda: Impute(method="function", function="nomodule"),
            r"must be a callable or a 'package.module:function'",
        ),
        (lambda: Impute(method="function", function="nomod_xyz:f"), r"could not be imported"),
        (lambda: Treat(method="winsor"), r"`method` must be one of .*Did you mean 'winsorise'"),
        (lambda: Treat(max_points=-1), r"`max_points` must be a whole number >= 0; got -1"),
        (lambda: Treat(skew=0), r"`skew` must be a positive number"),
        (lambda: Treat(overrides={"a1": {"winmax": 2}}), r"unknown setting 'winmax'"),
        (lambda: Treat(overrides={"a1": 3}), r"must be 'none' or a mapping"),
        (lambda: Weight(method="pcaa"), r"Unknown weighting method 'pcaa'. Did you mean 'pca'"),
        (
            lambda: Weight(method="manual", weight={"a1": 1}),
            r"Unknown setting 'weight'.*Did you mean 'weights'",
        ),
        (
            lambda: Tier(method="quantiles"),
            r"Unknown tiering method 'quantiles'. Did you mean 'quantile'",
        ),
        (lambda: Tier(labels=["A"]), r"`labels` must be at least two distinct tier names"),
        (lambda: Denominate(denominators=["GDP"]), r"`denominators` must be a mapping"),
        (lambda: Denominate(scale={"a1": 0}), r"`scale\['a1'\]` must be a non-zero number"),
    ],
)
def test_step_setting_errors(make, match):
    with pytest.raises(SpecError, match=match):
        make()


def test_fit_time_errors(panel, small_framework, asem):
    with pytest.raises(
        SpecError, match=r"`overrides` names indicator\(s\) \['zz'\] not in the cube"
    ):
        Treat(overrides={"zz": "none"}).fit(panel, small_framework)
    with pytest.raises(SpecError, match=r"names city 'C99', which is not in the cube"):
        Screen(force_include=["C99"]).fit(panel, small_framework)
    with pytest.raises(SpecError, match="Screening removes every city"):
        Screen(min_availability=1.0, force_exclude=[f"C{i:02d}" for i in range(12)]).fit(
            panel, small_framework
        )
    with pytest.raises(SchemaError, match=r"`base_year` \[1999\] is not a year of the cube"):
        Normalise(base_year=1999).fit(panel, small_framework)
    with (
        pytest.raises(SpecError, match="Weight' must be")
        if False
        else pytest.raises(SpecError, match=r"`weights\['a1'\]` must be a number >= 0")
    ):
        Weight(method="manual", weights={"a1": -2}).fit(panel, small_framework)
    with pytest.raises(SpecError, match="needs `lower` and `upper` goalposts"):
        Normalise(method="goalposts").fit_transform(panel, small_framework)
    with pytest.raises(SpecError, match=r"`reference` city 'XX' is not in the cube"):
        Normalise(method="dist_ref", reference="XX").fit(panel, small_framework)
    with pytest.raises(SpecError, match="some indicators have no Target"):
        Normalise(method="dist_target").fit_transform(panel, small_framework)
    with pytest.raises(
        SpecError,
        match=r"`group`: the cube has no city-level column 'EurAsia'.*Did you mean 'EurAsia_group'",
    ):
        Impute(method="group_mean", group="EurAsia").fit(*asem)
    with pytest.raises(
        SpecError, match=r"`by_node` names \['AA'\], which are not aggregates.*Did you mean 'A'"
    ):
        Aggregate(by_node={"AA": "geometric"}).fit(panel, small_framework)
    with pytest.raises(
        SpecError, match="geometric mean needs positive values.*range: \\[1, 100\\]"
    ):
        Pipeline([{"normalise": {}}, {"aggregate": {"method": "geometric"}}]).run(
            panel, small_framework
        )
    with pytest.raises(SpecError, match="Fixed tiers need `thresholds` with 2 numbers"):
        Pipeline([{"normalise": {}}, {"aggregate": {}}, {"tier": {"method": "fixed"}}]).run(
            panel, small_framework
        )
    with pytest.raises(SpecError, match="`shares` must be 3 positive numbers summing to 1"):
        Pipeline([{"normalise": {}}, {"aggregate": {}}, {"tier": {"shares": [0.5, 0.5]}}]).run(
            panel, small_framework
        )
    with pytest.raises(SpecError, match="tier step needs scores of node 'IDX'"):
        Tier().fit(panel, small_framework)
    with pytest.raises(SpecError, match=r"`denominators` names indicator 'zz'"):
        Denominate(denominators={"zz": "GDP"}).fit(panel, small_framework)


def test_cube_lacks_framework_indicators(panel, small_framework):
    cube = panel.sel(indicator=["a1", "a2", "b1"])
    with pytest.raises(SpecError, match=r"The cube lacks 2 indicator\(s\) of the framework"):
        Aggregate().fit(cube, small_framework)


def test_not_fitted():
    with pytest.raises(
        NotFittedError, match=r"This Treat is not fitted yet. Call .fit\(cube, framework\)"
    ):
        Treat().transform(xr.Dataset({"value": (("city", "indicator"), np.zeros((2, 2)))}))


# ---------------------------------------------------------------- specs
@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ({"stps": []}, r"Unknown key\(s\) \['stps'\]"),
        ({"name": "x"}, "has no 'steps' list"),
        ({"steps": []}, "`steps` is empty"),
        (
            {"steps": [{"normalize": {}}]},
            r"Unknown index step 'normalize'. Did you mean 'normalise'",
        ),
        ({"steps": [{"normalise": {}, "aggregate": {}}]}, "must be a mapping with one key"),
        ({"steps": [{"normalise": "minmax"}]}, r"settings must be a mapping"),
        ({"steps": [{"aggregate": {}}, {"normalise": {}}]}, r"come after 'aggregate'"),
        ({"steps": [{"tier": {}}, {"aggregate": {}}]}, "must come after the 'aggregate' step"),
        (
            {"steps": [{"screen": {"treshold": 0.5}}]},
            r"Did you mean 'threshold'|Valid settings: min_availability",
        ),
    ],
)
def test_spec_errors(spec, match):
    with pytest.raises(SpecError, match=match):
        Pipeline.from_spec(spec)


def test_yaml_errors(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        Pipeline.from_yaml(tmp_path / "none.yaml")
    with pytest.raises(SpecError, match="not valid YAML"):
        Pipeline.from_yaml("steps: [\n  - {")
    with pytest.raises(SpecError, match="spec is empty"):
        Pipeline.from_yaml("# nothing\n")


def test_run_year_errors(panel, asem):
    with pytest.raises(SpecError, match=r"`year`=1999 is not in the cube"):
        run_index(panel, None, year=1999)
    with pytest.raises(SpecError, match="has no 'year' dimension"):
        run_index(asem[0], None, asem[1], year=2018)


# ---------------------------------------------------------------- COINr reader
def test_coinr_reader_errors(tmp_path, asem_paths):
    idata, imeta = asem_paths
    from workbench.index.io import read_coinr

    with pytest.raises(DataError, match="does not exist"):
        read_coinr(tmp_path / "nope.csv", imeta)
    df = pd.read_csv(idata)
    df.drop(columns="uCode").to_csv(tmp_path / "a.csv", index=False)
    with pytest.raises(DataError, match="has no 'uCode' column"):
        read_coinr(tmp_path / "a.csv", imeta)
    df.drop(columns="LPI").to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(
        DataError, match=r"indicator\(s\) of iMeta have no column in iData: \['LPI'\]"
    ):
        read_coinr(tmp_path / "b.csv", imeta)
    bad = df.astype({"LPI": object})
    bad.loc[0, "LPI"] = "high"
    bad.to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(DataError, match="column 'LPI': values must be numeric; found AUT='high'"):
        read_coinr(tmp_path / "c.csv", imeta)
    pd.concat([df, df.head(1)]).to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(DataError, match=r"\['AUT'\] appear more than once"):
        read_coinr(tmp_path / "d.csv", imeta)
    meta = pd.read_csv(imeta)
    meta.loc[0, "Parent"] = "Physicl"
    meta.to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(DataError, match="Did you mean 'Physical'"):
        read_coinr(idata, tmp_path / "m.csv")


# ---------------------------------------------------------------- analyses
def test_uncertainty_errors(asem):
    from workbench.index.uncertainty import uncertainty

    cube, fw = asem
    with pytest.raises(SpecError, match="`n_draws` must be a whole number >= 2"):
        uncertainty(cube, None, fw, n_draws=1)
    with pytest.raises(SpecError, match=r"`weight_noise` must be in \[0, 1\)"):
        uncertainty(cube, None, fw, weight_noise=1.5)
    with pytest.raises(SpecError, match="cannot be used in the vectorised uncertainty"):
        uncertainty(cube, None, fw, n_draws=4, aggregations=["copeland"])
    with pytest.raises(SpecError, match="Nothing is uncertain"):
        uncertainty(cube, None, fw, n_draws=4, weight_noise=0)
    with pytest.raises(SpecError, match="`treatments` were given but the spec has no treat step"):
        uncertainty(cube, None, fw, n_draws=4, treatments=[{"method": "none"}])
    with pytest.raises(SpecError, match="`tier_rule` must be"):
        uncertainty(cube, None, fw, n_draws=4, tier_rule="size")
    with pytest.raises(SpecError, match=r"`exclusion` \(probability that each indicator"):
        uncertainty(cube, None, fw, n_draws=4, exclusion=1.0)
    with pytest.raises(SpecError, match=r"`data_noise` \(log-normal sd"):
        uncertainty(cube, None, fw, n_draws=4, data_noise=-0.1)
    with pytest.raises(SpecError, match="`noise_replicates` must be a whole number >= 2"):
        uncertainty(cube, None, fw, n_draws=4, data_noise=0.1, noise_replicates=1)
    with pytest.raises(SpecError, match="`incompatible` must be 'exclude' or 'refuse'"):
        uncertainty(cube, None, fw, n_draws=4, incompatible="drop")
    with pytest.raises(SpecError, match="`replicates` must be a whole number >= 1"):
        uncertainty(cube, None, fw, n_draws=4, replicates=0)
    with pytest.raises(SpecError, match="`target_width` must be > 0"):
        uncertainty(cube, None, fw, n_draws=4, target_width=0)
    with pytest.raises(SpecError, match="Every pair of normalisation and aggregation"):
        uncertainty(
            cube, None, fw, n_draws=4, normalisations=["zscore"], aggregations=["geometric"]
        )


def test_tier_path_errors(asem_result, panel):
    from workbench.index import Pipeline
    from workbench.index.trajectory import tier_path

    with pytest.raises(SpecError, match="needs the cube's history: a result on at least 3 years"):
        tier_path(asem_result, "HRV", target_year=2030)
    res = Pipeline([{"normalise": {"method": "minmax"}}]).run(panel)
    with pytest.raises(SpecError, match="`quantile` must be in"):
        tier_path(res, "C01", target_year=2030, quantile=0.2)
    with pytest.raises(SpecError, match="Unknown `target_tier` 'Leadng'. Did you mean 'Leading'"):
        tier_path(res, "C01", target_year=2030, target_tier="Leadng")
    with pytest.raises(DataError, match="costs file 'nope.csv' does not exist"):
        tier_path(res, "C01", target_year=2030, costs="nope.csv")


def test_paths_errors(asem_result):
    from workbench.index.paths import development_path, what_if

    with pytest.raises(SpecError, match="Unknown city 'XXX'"):
        development_path(asem_result, "XXX")
    with pytest.raises(
        SpecError, match=r"`changes` names 'LP', which is not an indicator. Did you mean 'LPI'"
    ):
        what_if(asem_result, "GBR", {"LP": 1.0})
    with pytest.raises(SpecError, match=r"`changes\['LPI'\]` must be a finite number"):
        what_if(asem_result, "GBR", {"LPI": float("nan")})
    weakest = asem_result.table()["code"].iloc[-1]
    with pytest.raises(InfeasibleError, match="cannot reach Dynamic .* within the caps"):
        development_path(asem_result, weakest, cap=0.5)
    with pytest.raises(SpecError, match="Unknown `target_tier` 'Leadin'. Did you mean 'Leading'"):
        development_path(asem_result, weakest, target_tier="Leadin")
    with pytest.raises(SpecError, match="`objective` must be 'total' or 'relative'"):
        development_path(asem_result, weakest, objective="cheap")


def test_cli_errors(asem_paths, tmp_path, capsys):
    from workbench.cli import main

    idata, imeta = asem_paths
    assert main(["index", "run", str(idata), "--out", str(tmp_path / "o.csv")]) == 2
    assert "--meta is required" in capsys.readouterr().err
    assert main(["index", "run", str(tmp_path / "x.nc"), "--out", str(tmp_path / "o.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
    spec = tmp_path / "s.yaml"
    spec.write_text("steps:\n  - normalise: {method: minmx}\n")
    assert (
        main(
            [
                "index",
                "run",
                str(idata),
                "--meta",
                str(imeta),
                "--spec",
                str(spec),
                "--out",
                str(tmp_path / "o.csv"),
            ]
        )
        == 2
    )
    assert "Did you mean 'minmax'" in capsys.readouterr().err


def test_one_framework_validator_for_data_and_index():
    """``data.check_framework`` and ``Framework.from_table`` share one validator and message."""
    import workbench.data as wd
    from workbench.errors import FrameworkError

    rows = fw_rows(a1={"Parent": "AA"})
    with pytest.raises(FrameworkError) as from_index:
        Framework.from_table(rows)
    with pytest.raises(FrameworkError) as from_data:
        wd.check_framework(pd.DataFrame(rows))
    assert str(from_index.value) == str(from_data.value)
    assert isinstance(from_index.value, SchemaError)
    assert isinstance(from_index.value, SpecError)
    # a valid table comes back typed, and the index builds the same hierarchy from it
    typed = wd.check_framework(pd.DataFrame(FRAMEWORK_ROWS))
    assert typed["Level"].dtype == "int64"
    assert Framework.from_table(typed).indicators == Framework.from_table(FRAMEWORK_ROWS).indicators
