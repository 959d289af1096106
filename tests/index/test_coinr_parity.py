"""Peer checks against COINr, the JRC's R package for composite indicators.

Documented values: COINr vignette "Presenting Results" (``results.Rmd``, rendered on CRAN,
e.g. https://cran.r-project.org/web/packages/COINr/vignettes/results.html), which builds
``coin <- build_example_coin()`` (R/examples.R: Denominate; Impute with ``i_mean_grp`` by
``EurAsia_group``; Screen ``dat_thresh = 0.9``; Treat ``winmax = 5``; Normalise min-max 0-100;
Aggregate ``a_amean``) and prints ``head(get_results(coin, dset = "Aggregated", tab_type =
"Aggs"))``. The screening values come from the vignette "Unit Screening" (``screening.Rmd``).
"""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.cli import main
from workbench.index import Pipeline, Screen

# head(get_results(coin, dset = "Aggregated", tab_type = "Aggs")) as printed by COINr.
COINR_TOP6 = pd.DataFrame(
    [
        ["CHE", 1, 68.38, 62.79, 73.98, 63.41, 32.87, 74.78, 85.94, 56.93, 77.21, 87.85, 56.88],
        ["NLD", 2, 64.82, 61.94, 67.70, 64.87, 46.62, 84.55, 71.74, 41.92, 58.73, 86.58, 57.78],
        ["DNK", 3, 64.80, 57.10, 72.51, 50.52, 30.43, 78.13, 75.35, 51.04, 69.83, 86.40, 61.29],
        ["NOR", 4, 64.47, 57.44, 71.50, 58.18, 25.70, 80.03, 89.46, 33.80, 70.90, 87.00, 56.59],
        ["BEL", 5, 63.54, 63.99, 63.09, 71.97, 48.22, 80.84, 75.60, 43.32, 53.01, 86.17, 50.09],
        ["SWE", 6, 63.00, 53.87, 72.12, 51.51, 23.87, 80.98, 74.51, 38.50, 66.37, 87.74, 62.27],
    ],
    columns=[
        "code", "rank", "Index", "Conn", "Sust", "Physical", "ConEcFin", "Political",
        "Instit", "P2P", "Environ", "Social", "SusEcFin",
    ],
)  # fmt: skip


def _check_top6(table: pd.DataFrame) -> None:
    top = table.sort_values("rank").head(6).reset_index(drop=True)
    assert list(top["code"]) == list(COINR_TOP6["code"])
    assert list(top["rank"].astype(int)) == list(COINR_TOP6["rank"])
    for col in COINR_TOP6.columns[2:]:
        got = top[col].astype(float).round(2).tolist()
        assert got == COINR_TOP6[col].tolist(), col


def test_python_api_reproduces_coinr_example(asem_result):
    table = asem_result.table()
    assert len(table) == 51  # screening after imputation removes no one (as in COINr)
    assert asem_result.removed == ()
    _check_top6(table)
    # ranks are a permutation 1..51
    assert sorted(table["rank"].astype(int)) == list(range(1, 52))


def test_cli_reproduces_coinr_example(asem_paths, coinr_spec_path, tmp_path):
    out = tmp_path / "asem.csv"
    idata, imeta = asem_paths
    code = main(
        ["index", "run", str(idata), "--meta", str(imeta), "--spec", str(coinr_spec_path),
         "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    table = pd.read_csv(out)
    assert list(table.columns[:2]) == ["code", "Index"]
    assert table.columns[-1] == "rank"
    assert set(table.columns) == {"code", "rank", *COINR_TOP6.columns[2:]}
    _check_top6(table)


def test_screening_documented_case(asem):
    """COINr "Unit Screening" vignette: ASEM_iData[40:51, Research/Pat/CultServ/CultGood] with
    dat_thresh = 0.75 removes LAO, MMR and VNM."""
    cube, fw = asem
    sub = cube.isel(city=slice(39, 51)).sel(indicator=["Research", "Pat", "CultServ", "CultGood"])
    step = Screen(min_availability=0.75).fit(
        sub, fw.subset(["Research", "Pat", "CultServ", "CultGood"])
    )
    assert step.removed_ == ("LAO", "MMR", "VNM")
    assert Screen(min_availability=0.75).fit_transform(sub, fw).sizes["city"] == 9


def test_screening_before_imputation_removes_low_data_units(asem, asem_paths):
    """Screening at 0.9 on the raw data (before imputation) removes the units with < 90% of the
    49 indicators, counted independently from the CSV here."""
    cube, fw = asem
    raw = pd.read_csv(asem_paths[0]).set_index("uCode")[list(fw.indicators)]
    expected = tuple(raw.index[raw.notna().mean(axis=1) < 0.9])
    assert expected == ("BGD", "BRN", "KHM", "LAO", "MMR")
    spec = Pipeline.from_yaml(
        "steps:\n  - denominate: {}\n  - screen: {min_availability: 0.9}\n"
        "  - impute: {method: group_mean, group: EurAsia_group}\n  - treat: {}\n"
        "  - normalise: {method: minmax, range: [0, 100]}\n  - aggregate: {}\n"
    )
    res = spec.run(cube, fw)
    assert res.removed == expected
    assert len(res.cities) == 46
    assert sorted(res.table()["rank"].astype(int)) == list(range(1, 47))


def test_treatment_table_follows_coinr_rule(asem_result):
    tt = asem_result.treatment
    treated = tt[tt["treatment"] != "none"]
    # every treated indicator failed the rule and passes it afterwards
    assert ((treated["skew"].abs() >= 2) & (treated["kurtosis"] >= 3.5)).all()
    assert treated["passes_after"].all()
    assert (treated["n_winsorised"] <= 5 + 1).all()  # ties may add one point, as in COINr
    assert {"winsorise", "log"} >= set(treated["treatment"])


@pytest.mark.parametrize("year_col", [None])
def test_reader_keeps_groups_and_denominators(asem, year_col):
    cube, fw = asem
    assert cube["EurAsia_group"].sel(city="AUT").item() == "Europe"
    assert float(cube["GDP"].sel(city="AUT")) == pytest.approx(390.799991147468)
    assert fw.root == "Index"
    assert len(fw.indicators) == 49
    assert set(fw.groups) == {"GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group"}
    assert "year" not in cube["value"].dims
    assert cube.attrs["year"] == 2018
