"""The siting_report and scenario_report templates on small real inputs."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from workbench.reports import read_manifest, remote_references, run_report

CENTRE = {"310101", "310104", "310105", "310106", "310107", "310109", "310110"}


@pytest.fixture
def small_siting(tmp_path):
    """The shipped Shanghai scenario cut to seven central districts (solves in seconds)."""
    from workbench.data import sample_dir

    src = sample_dir() / "shanghai_siting"
    demand = pd.read_csv(src / "demand.csv", dtype={"district": str})
    sites = pd.read_csv(src / "sites.csv", dtype={"district": str})
    out = tmp_path / "centre"
    out.mkdir()
    demand[demand["district"].isin(CENTRE)].to_csv(out / "demand.csv", index=False)
    keep = sites["district"].isin(CENTRE) | (sites["tier"] == "hub")
    sites[keep].to_csv(out / "sites.csv", index=False)
    scn = yaml.safe_load((src / "scenario.yaml").read_text())
    scn.update(
        name="shanghai_centre", sites_per_tier={"hub": 2, "edge": 15, "dc": 3}, budget_cny=3e9
    )
    (out / "scenario.yaml").write_text(yaml.safe_dump(scn))
    return out


@pytest.mark.kernel
def test_siting_report_on_a_scenario_folder(small_siting, kernel, tmp_path):
    res = run_report(
        "siting_report",
        {"scenario": str(small_siting), "time_limit": 60.0},
        tmp_path / "r",
        kernel_name=kernel,
    )
    assert res.status == "ok", res.error
    out = res.results()
    assert out["status"] in ("optimal", "feasible")
    assert out["kpis"]["coverage"] >= 0.95
    assert sum(out["sites_per_tier_opened"].values()) == len(out["selected"])
    html = (tmp_path / "r" / "report.html").read_text()
    assert remote_references(html) == []
    for text in ("2+M+X", "Key figures", "Where the computing goes", "Figure 3.", "synthetic"):
        assert text in html
    inputs = read_manifest(tmp_path / "r")["inputs"]
    assert any(k.endswith("centre/sites.csv") for k in inputs)
    assert (tmp_path / "r" / "results.nc").is_file()


@pytest.mark.kernel
def test_scenario_report_small_ensemble(kernel, tmp_path):
    params = {
        "scenarios": ["baseline", "heatwave"],
        "mechanisms": ["priority"],
        "seeds": 2,
        "hours": 24,
        "units": 800,
    }
    res = run_report("scenario_report", params, tmp_path / "r", kernel_name=kernel)
    assert res.status == "ok", res.error
    out = res.results()
    assert out["mechanisms"] == ["none", "priority"]
    assert out["scenarios"] == ["baseline", "heatwave"]
    assert len(out["seeds"]) == 2
    none = out["mean_ratio_to_none"]["heatwave"]["none"]
    assert all(v == pytest.approx(1.0) for v in none.values() if v is not None)
    html = (tmp_path / "r" / "report.html").read_text()
    assert remote_references(html) == []
    assert "KPIs against the uncoordinated baseline" in html
    assert "Hour by hour: heatwave" in html
    assert read_manifest(tmp_path / "r")["seed"] == 0
