"""``workbench siting solve``: formats of COSTS.csv, WEIGHTS.csv and RESULT.json."""

from __future__ import annotations

import json

import pytest

from workbench.cli import main


@pytest.fixture
def sf_files(tmp_path, sf_costs, sf_weights):
    costs = tmp_path / "costs.csv"
    sf_costs.to_csv(costs)
    weights = tmp_path / "weights.csv"
    weights.write_text(
        "id,weight\n"
        + "".join(f"{i},{w:g}\n" for i, w in zip(sf_costs.index, sf_weights, strict=True))
    )
    return costs, weights


def test_solve_mclp(sf_files, tmp_path):
    costs, weights = sf_files
    out = tmp_path / "r.json"
    args = ["siting", "solve", "--model", "mclp", "--costs", str(costs), "--weights",
            str(weights), "--p", "4", "--radius", "5000", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    data = json.loads(out.read_text())
    assert data["model"] == "mclp"
    assert data["status"] == "optimal"
    assert len(data["selected"]) == 4
    assert data["objective"] == data["bound"] == data["covered_weight"]
    assert len(data["assignment"]) == 205 - 21
    assert data["seconds"] >= 0


def test_solve_pmedian_with_capacities(sf_files, tmp_path):
    costs, weights = sf_files
    caps = tmp_path / "caps.csv"
    import pandas as pd

    cols = pd.read_csv(costs, index_col=0).columns
    caps.write_text("id,capacity\n" + "".join(f"{c},400000\n" for c in cols))
    out = tmp_path / "r.json"
    args = ["siting", "solve", "--model", "pmedian", "--costs", str(costs), "--weights",
            str(weights), "--p", "4", "--capacities", str(caps), "--time-limit", "60",
            "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    data = json.loads(out.read_text())
    assert data["status"] in ("optimal", "feasible")
    assert len(data["assignment"]) == 205


def test_solve_missing_p_is_one_line_error(sf_files, tmp_path, capsys):
    costs, _ = sf_files
    rc = main(["siting", "solve", "--model", "pmedian", "--costs", str(costs), "--out",
               str(tmp_path / "r.json")])  # fmt: skip
    assert rc == 2
    assert "`--p` is required for --model pmedian" in capsys.readouterr().err


def test_solve_infeasible_exit_2(sf_files, tmp_path, capsys):
    costs, _ = sf_files
    rc = main(["siting", "solve", "--model", "lscp", "--radius", "20", "--costs", str(costs),
               "--out", str(tmp_path / "r.json")])  # fmt: skip
    assert rc == 2
    assert "cannot be covered" in capsys.readouterr().err
