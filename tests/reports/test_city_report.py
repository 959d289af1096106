"""The city_report template: from papermill directly, from the CLI, and as a batch on Dask."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.reports import (
    all_values,
    find_report,
    notebook_parameters,
    read_manifest,
    remote_references,
    run_report,
)

DRAWS = 60


def test_template_declares_required_parameters_and_has_no_outputs():
    import nbformat

    path = find_report("city_report")
    params = notebook_parameters(path)
    for name in ("city", "year", "spec", "draws", "seed", "results_path"):
        assert name in params
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


@pytest.mark.kernel
def test_runs_with_papermill_directly(kernel, tmp_path):
    out_json = tmp_path / "res.json"
    cmd = [
        str(Path(sys.executable).with_name("papermill")),
        str(find_report("city_report")),
        str(tmp_path / "out.ipynb"),
        "-k",
        kernel,
        "-p",
        "city",
        "110000",
        "-p",
        "draws",
        str(DRAWS),
        "-p",
        "results_path",
        str(out_json),
        "--no-progress-bar",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = json.loads(out_json.read_text())
    assert res["city"] == "110000"
    assert res["name"] == "Beijing"
    assert res["tier"] in ("Leading", "Dynamic", "Potential")
    assert abs(sum(res["tier_probability"].values()) - 1) < 1e-9
    assert res["rank_p05"] <= res["rank_median"] <= res["rank_p95"]
    assert (tmp_path / "res.nc").is_file()


@pytest.mark.kernel
def test_cli_batch_on_local_cluster_equals_single_runs(kernel, tmp_path):
    out = tmp_path / "batch"
    code = main(
        [
            "report",
            "city_report",
            "--each",
            "city=530100,Harbin",
            "-p",
            f"draws={DRAWS}",
            "-p",
            "seed=7",
            "--workers",
            "2",
            "--out",
            str(out),
            "--kernel",
            kernel,
            "--no-progress",
        ]
    )
    assert code == 0
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["city=530100", "city=Harbin"]
    single = run_report(
        "city_report",
        {"city": "530100", "draws": DRAWS, "seed": 7},
        tmp_path / "one",
        kernel_name=kernel,
    )
    assert single.ok, single.error
    batch_res = json.loads((out / "city=530100" / "results.json").read_text())
    assert batch_res == single.results()
    harbin = json.loads((out / "city=Harbin" / "results.json").read_text())
    assert harbin["name"] == "Harbin"
    # the report reads as a document: no code, offline, figures inline, captions, synthetic note
    html = (out / "city=530100" / "report.html").read_text()
    assert remote_references(html) == []
    assert "import " not in re.sub(r"<style.*?</style>", "", html, flags=re.S)
    assert html.count("data:image/png;base64") + html.count("image/png") >= 5
    for text in ("Kunming", "Figure 1.", "Path to the next tier", "Peer cities", "synthetic"):
        assert text in html
    m = read_manifest(out / "city=530100")
    assert m["status"] == "ok"
    assert m["seed"] == 7
    assert any(k.endswith("city_ai_index.nc") for k in m["inputs"])
    assert any(k.endswith("china_provinces.geojson") for k in m["inputs"])


@pytest.mark.kernel
def test_unknown_city_fails_in_the_notebook_with_a_clear_error(kernel, tmp_path):
    res = run_report(
        "city_report", {"city": "Kunmnig", "draws": 10}, tmp_path / "r", kernel_name=kernel
    )
    assert res.status == "error"
    assert res.error["ename"] == "SpecError"
    assert "Unknown city 'Kunmnig'. Did you mean 'Kunming'" in res.error["evalue"]


def test_each_city_all_expands_to_every_city_of_the_cube():
    codes = all_values("city")
    assert len(codes) == len(set(codes)) >= 30
    assert "310000" in codes
