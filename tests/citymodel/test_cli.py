"""The ``workbench scenarios`` and ``workbench simulate`` commands."""

from __future__ import annotations

import pandas as pd
import pytest
import xarray as xr

from workbench.cli import main


def test_scenarios_list(capsys):
    assert main(["scenarios", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("baseline", "heatwave", "hub_outage", "lp", "contract_net", "drf"):
        assert name in out


def test_simulate_one_run_writes_netcdf_and_prints_kpis(tmp_path, capsys):
    out = tmp_path / "run.nc"
    rc = main(
        [
            "simulate",
            "--scenario",
            "hub_outage",
            "--mechanism",
            "priority",
            "--hours",
            "12",
            "--units",
            "300",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "ratio_to_none" in text
    assert "unserved_energy_mwh" in text
    ds = xr.open_dataset(out, engine="h5netcdf")
    assert ds.attrs["scenario"] == "hub_outage"
    assert ds.attrs["mechanism"] == "priority"
    ds.close()


def test_simulate_accepts_a_scenario_file(tmp_path, capsys):
    f = tmp_path / "mine.yaml"
    f.write_text("name: mine\nevents:\n  - type: carbon_price\n    cny_per_t: 500\n")
    rc = main(
        [
            "simulate",
            "--scenario",
            str(f),
            "--hours",
            "6",
            "--units",
            "200",
            "--out",
            str(tmp_path / "m.nc"),
        ]
    )
    assert rc == 0


def test_simulate_ensemble_writes_comparison(tmp_path, capsys):
    rc = main(
        [
            "simulate",
            "--scenario",
            "baseline,heatwave",
            "--mechanism",
            "none,lp",
            "--seeds",
            "2",
            "--hours",
            "24",
            "--units",
            "200",
            "--out",
            str(tmp_path / "ens"),
        ]
    )
    assert rc == 0
    table = pd.read_csv(tmp_path / "ens" / "comparison.csv")
    assert set(table["scenario"]) == {"baseline", "heatwave"}
    assert set(table["mechanism"]) == {"none", "lp"}
    assert set(table["seed"]) == {0, 1}


def test_simulate_bad_scenario_is_one_line_exit_2(tmp_path, capsys):
    rc = main(["simulate", "--scenario", "heatwaev", "--out", str(tmp_path / "x.nc")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "Did you mean 'heatwave'" in err


@pytest.mark.dask
def test_ensemble_on_dask_equals_serial():
    from workbench.citymodel import ensemble

    kw = {"hours": 24, "n_units": 200}
    serial = ensemble(["esports_final"], ["none", "market"], [0, 1], **kw)
    dist = ensemble(["esports_final"], ["none", "market"], [0, 1], parallel=True, n_workers=1, **kw)
    pd.testing.assert_frame_equal(serial, dist)


def test_simulate_with_a_siting_plan_file(tmp_path, test_data, capsys):
    plan = test_data / "citymodel" / "shanghai_siting_plan.geojson"
    rc = main(
        [
            "simulate",
            "--scenario",
            "esports_final",
            "--mechanism",
            "contract_net",
            "--hours",
            "24",
            "--units",
            "300",
            "--plan",
            str(plan),
            "--out",
            str(tmp_path / "p.nc"),
        ]
    )
    assert rc == 0
    ds = xr.open_dataset(tmp_path / "p.nc", engine="h5netcdf")
    assert ds.sizes["node"] == 15
    ds.close()


@pytest.mark.slow  # 7 scenarios x 6 mechanisms; ~25 s on a loaded 2-core machine
def test_every_scenario_with_every_mechanism_from_the_cli_with_the_siting_plan(tmp_path, test_data):
    from workbench.citymodel import mechanism_registry, scenario_registry

    scenarios = [n for n in scenario_registry().names() if scenario_registry()._items[n].builtin]
    mechanisms = [n for n in mechanism_registry().names() if mechanism_registry()._items[n].builtin]
    plan = test_data / "citymodel" / "shanghai_siting_plan.geojson"
    rc = main(
        [
            "simulate",
            "--scenario",
            ",".join(scenarios),
            "--mechanism",
            ",".join(mechanisms),
            "--hours",
            "24",
            "--units",
            "300",
            "--plan",
            str(plan),
            "--out",
            str(tmp_path / "all"),
        ]
    )
    assert rc == 0
    table = pd.read_csv(tmp_path / "all" / "comparison.csv")
    assert set(table["scenario"]) == set(scenarios)
    assert set(table["mechanism"]) == set(mechanisms)
    from workbench.citymodel import KPI_INFO

    assert len(table) == len(scenarios) * len(mechanisms) * len(KPI_INFO)


def test_run_cube_has_an_hourly_time_step_so_export_needs_no_step(tmp_path, capsys):
    import json

    nc = tmp_path / "run.nc"
    assert main(["simulate", "--hours", "6", "--units", "100", "--out", str(nc)]) == 0
    with xr.open_dataset(nc, engine="h5netcdf") as ds:
        assert ds.attrs["time_step"] == "1h"
    out = tmp_path / "run.json"
    rc = main(
        ["export", "--format", "ngsi-ld", str(nc), "--out", str(out),
         "--start", "2026-07-13T00:00:00Z"]
    )  # fmt: skip
    assert rc == 0
    text = json.dumps(json.loads(out.read_text()))
    assert "2026-07-13T05:00:00Z" in text  # tick 5 = start + 5 x 1h


def test_simulate_agent_option_refuses_unknown_and_builtin_agents(tmp_path, capsys):
    args = ["simulate", "--hours", "2", "--units", "50", "--out", str(tmp_path / "a.nc")]
    assert main([*args, "--agent", "emergncy"]) == 2
    err = capsys.readouterr().err
    assert "--agent: Unknown city-model agent 'emergncy'. Did you mean 'emergency'?" in err
    assert main([*args, "--agent", "emergency"]) == 2
    err = capsys.readouterr().err
    assert "--agent: 'emergency' is a built-in city-model agent" in err
    assert not (tmp_path / "a.nc").exists()
