"""``workbench siting solve --model NAME --param KEY=VALUE``: registry models (plugins included)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from workbench.cli import main
from workbench.cli.siting import parse_param_value

SITE_IDS = [f"s{j}" for j in range(6)]
DISTRICTS = ["A", "A", "B", "B", "C", "C"]


@pytest.fixture
def line_files(tmp_path):
    """Six demand points on a line, six candidate sites one unit above it in three districts."""
    sites = np.array([[0.0, 1.0], [2.0, 1.0], [1.5, 1.0], [3.5, 1.0], [3.0, 1.0], [5.0, 1.0]])
    demand = np.array([[float(i), 0.0] for i in range(6)])
    costs = np.hypot(*(demand[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    frame = pd.DataFrame(costs, index=[f"d{i}" for i in range(6)], columns=SITE_IDS)
    frame.to_csv(tmp_path / "costs.csv")
    pd.DataFrame({"id": SITE_IDS, "district": DISTRICTS}).to_csv(
        tmp_path / "sites.csv", index=False
    )
    return tmp_path / "costs.csv", tmp_path / "sites.csv", costs


def _dual_district_ok(costs: np.ndarray, open_cols: list[int], radius: float) -> bool:
    """Independent check: every demand has open sites of two districts within ``radius``."""
    return all(
        len({DISTRICTS[j] for j in open_cols if costs[i, j] <= radius}) >= 2
        for i in range(costs.shape[0])
    )


def _fewest_dual_district_sites(costs: np.ndarray, radius: float) -> int:
    """Brute force over all 64 subsets: the fewest sites giving dual-district cover."""
    for k in range(1, 7):
        if any(
            _dual_district_ok(costs, list(c), radius) for c in itertools.combinations(range(6), k)
        ):
            return k
    return 7


def _run(*args: str) -> int:
    return main(["siting", "solve", *args])


# --- plugin models from the CLI ---------------------------------------------------------------


def test_plugin_model_with_a_path_param(line_files, tmp_path):
    costs_csv, sites_csv, costs = line_files
    out = tmp_path / "r.json"
    rc = _run("--model", "resilience", "--costs", str(costs_csv), "--radius", "2.6",
              "--param", f"districts={sites_csv}", "--out", str(out))  # fmt: skip
    assert rc == 0
    data = json.loads(out.read_text())
    assert data["model"] == "resilience"
    assert data["status"] == "optimal"
    assert data["params"]["districts"] == str(sites_csv)
    opened = [SITE_IDS.index(s) for s in data["selected"]]
    assert _dual_district_ok(costs, opened, 2.6)
    assert len(opened) == _fewest_dual_district_sites(costs, 2.6)
    assert data["objective"] == len(opened)
    assert data["kpis"]["dual_district_share"] == 1.0


def test_plugin_model_with_json_params_and_shared_flags(line_files, tmp_path):
    costs_csv, _, costs = line_files
    out = tmp_path / "r.json"
    mapping = json.dumps(dict(zip(SITE_IDS, DISTRICTS, strict=True)))
    rc = _run("--model", "resilience_budget", "--costs", str(costs_csv), "--p", "2",
              "--param", "radius=2.6", "--param", f"districts={mapping}",
              "--out", str(out))  # fmt: skip
    assert rc == 0
    data = json.loads(out.read_text())
    assert data["model"] == "resilience_budget"
    assert data["status"] == "optimal"
    assert len(data["selected"]) == 2
    assert data["params"]["p"] == 2
    assert data["params"]["radius"] == 2.6
    # independent check: the best pair of sites covers this many demand points from 2 districts
    best = max(
        sum(len({DISTRICTS[j] for j in pair if costs[i, j] <= 2.6}) >= 2 for i in range(6))
        for pair in itertools.combinations(range(6), 2)
    )
    assert data["objective"] == best


def test_builtin_model_settings_through_param(line_files, tmp_path):
    costs_csv, _, costs = line_files
    out = tmp_path / "r.json"
    rc = _run("--model", "mclp", "--costs", str(costs_csv), "--param", "radius=1.2",
              "--param", "p=3", "--param", "exact_p=false", "--out", str(out))  # fmt: skip
    assert rc == 0
    data = json.loads(out.read_text())
    assert data["params"] == {"radius": 1.2, "p": 3, "exact_p": False, "capacitated": False}
    assert len(data["selected"]) <= 3
    # independent: best demand count within 1.2 with at most 3 sites
    best = max(
        int(np.any(costs[:, list(c)] <= 1.2, axis=1).sum())
        for k in (1, 2, 3)
        for c in itertools.combinations(range(6), k)
    )
    assert data["objective"] == best == data["covered_weight"]


def test_models_command_lists_builtins_and_plugins(capsys):
    assert main(["siting", "models"]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    row = next(line for line in lines if line.startswith("resilience "))
    assert "[plugin: workbench-resilience]" in row
    assert "two districts" in row
    assert "settings: radius (required), p (required), exact_p=True, capacitated=False" in text
    assert main(["siting", "models", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) >= {"lscp", "backup", "mclp", "pmedian", "pcenter", "pdispersion", "cflp"}
    assert rows["pmedian"]["status"] == "built-in"
    assert rows["resilience"]["status"] == "plugin"
    assert rows["resilience"]["settings"] == "radius (required), districts=None, cost='count'"
    assert rows["resilience_budget"]["sense"] == "max"


# --- --param values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3),
        ("2.5", 2.5),
        ("-1e3", -1000.0),
        ("true", True),
        ("false", False),
        ("null", None),
        ("[1, 2]", [1, 2]),
        ('{"s0": "A"}', {"s0": "A"}),
        ('"3"', "3"),
        ("sites.csv", "sites.csv"),
        ("/tmp/a b/sites.csv", "/tmp/a b/sites.csv"),
        ("A", "A"),
        ("", ""),
        ("x=y", "x=y"),
    ],
)
def test_param_values_are_json_else_strings(text, value):
    assert parse_param_value(text) == value
    assert type(parse_param_value(text)) is type(value)


def test_param_value_may_contain_equals(line_files, tmp_path, capsys):
    costs_csv, _, _ = line_files
    rc = _run("--model", "resilience", "--costs", str(costs_csv), "--radius", "2.6",
              "--param", "cost=a=b", "--out", str(tmp_path / "r.json"))  # fmt: skip
    assert rc == 2
    assert "`cost` must be 'count' (fewest sites) or 'fixed' (fixed costs); got 'a=b'" in (
        capsys.readouterr().err
    )
