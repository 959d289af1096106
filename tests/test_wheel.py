"""The built wheel works on its own: samples ship inside it and every engine runs from it.

The wheel is built offline from this checkout (``--no-build-isolation`` against the test
environment's setuptools), installed with ``--target`` into a temporary folder (its dependencies
come from the test environment), and exercised by a fresh interpreter whose working directory
is outside the repository and whose ``PYTHONPATH`` holds only that folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    import workbench as wb
    from workbench.data.samples import BUILTIN_META, sample_dir

    out = {"workbench": wb.__file__, "sample_dir": str(sample_dir())}
    out["samples"] = {}
    for name in BUILTIN_META:
        data = wb.load_sample(name)
        out["samples"][name] = type(data).__name__

    cube = wb.load_sample("city_ai_index")
    result = wb.run_index(cube, year=2025)
    frame = result.to_dataframe()
    out["index_rows"] = len(frame)

    from workbench.siting import Problem, solve
    data = wb.load_sample("shanghai_siting")
    demand, sites = data["demand"].head(40), data["sites"].head(12)
    problem = Problem.from_points(
        demand[["lon", "lat"]].to_numpy(), sites[["lon", "lat"]].to_numpy()
    )
    siting = solve(problem, "pmedian", p=3, time_limit=30)
    out["siting_status"] = siting.status
    out["siting_open"] = int(len(siting.selected))

    run = wb.simulate(scenario="baseline", mechanism="none", seed=1, hours=6)
    out["sim_hours"] = int(run.dataset.sizes["time"])

    from workbench.worldmodel import TRAINED_DIR, WorldModel
    wm = WorldModel.load(TRAINED_DIR / "heatwave_lp")  # the shipped emulator (arrays.npz too)
    out["wm_predicted"] = len(wm.predict())

    from workbench.reports.catalog import BUILTIN_DIR
    out["report_templates"] = sorted(p.stem for p in BUILTIN_DIR.glob("*.ipynb"))
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Build from a clean copy of what packaging reads, so no stale build/ of the checkout leaks in.
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "raw")
    for name in ("workbench", "sample_data", "notebooks/reports"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    dist = tmp_path_factory.mktemp("dist")
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    cmd += ["--quiet", "-w", str(dist), str(src)]
    subprocess.run(cmd, check=True, cwd=dist, timeout=600)
    (whl,) = dist.glob("city_ai_workbench-*.whl")
    return whl


def test_wheel_carries_the_sample_data_and_type_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        "cities.csv",
        "china_provinces.geojson",
        "shanghai_districts.geojson",
        "city_ai_index.nc",
        "city_ai_index_framework.csv",
        "shanghai_siting/demand.csv",
        "shanghai_siting/sites.csv",
        "shanghai_siting/scenario.yaml",
        "README.md",
    }
    for rel in shipped:
        assert f"workbench/sample_data/{rel}" in names
    assert "workbench/py.typed" in names
    assert not any(n.startswith("workbench/sample_data/") and n.endswith(".py") for n in names)


def test_installed_wheel_runs_every_engine_outside_the_repo(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet"]
    cmd += ["--target", str(target), str(wheel)]
    subprocess.run(cmd, check=True, timeout=300)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "WORKBENCH_SAMPLE_DATA")}
    env["PYTHONPATH"] = str(target)
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert Path(out["workbench"]).is_relative_to(target), out["workbench"]
    assert Path(out["sample_dir"]) == target / "workbench" / "sample_data"
    assert out["samples"] == {
        "cities": "DataFrame",
        "provinces": "GeoDataFrame",
        "shanghai_districts": "GeoDataFrame",
        "city_ai_index": "Dataset",
        "city_ai_index_framework": "DataFrame",
        "shanghai_siting": "dict",
    }
    assert out["index_rows"] > 0
    assert out["siting_status"] in ("optimal", "feasible")
    assert out["siting_open"] == 3
    assert out["sim_hours"] == 6
    assert out["wm_predicted"] > 0
    assert out["report_templates"] == ["city_report", "scenario_report", "siting_report"]
