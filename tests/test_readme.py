"""The Python examples of the README and of every guide under docs/ run as written.

The README's example runs from the repository's root. A guide's ```` ```python ```` blocks run
one after the other in one fresh interpreter, in a fresh working directory that has the
repository's data folders (as a checkout does), the files the guide takes as the reader's own
(``GUIDE_FILES``) and the objects it takes as already made (``GUIDE_PRELUDES``, run first).
A guide whose examples cannot run here is listed in ``NOT_RUNNABLE`` with the reason.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINKED = ("sample_data", "notebooks", "workbench", "extensions")

NOT_RUNNABLE = {
    "docs/workshop.md": "serves until stopped; `workbench serve --workshop` with the same "
    "settings is started and probed over HTTP in tests/test_docs_commands.py",
    "docs/plugins.md": "skeletons of plugin code (bodies elided with `...`); their runnable "
    "versions are the packages under extensions/, tested in tests/plugins",
}

#: Objects a guide's examples take as already made by the reader.
GUIDE_PRELUDES = {
    "docs/siting.md": """
import numpy as np, pandas as pd, geopandas as gpd
from pathlib import Path
sf = Path(REPO) / "tests" / "data" / "spopt_sf"
_m = pd.read_csv(sf / "SF_network_distance_candidateStore_16_censusTract_205_new.csv")
_wide = _m.pivot_table(index="DestinationName", columns="name", values="distance")
costs = _wide.to_numpy()
tracts, stores = list(_wide.index), list(_wide.columns)
population = np.ones(len(tracts))
rng = np.random.default_rng(0)
demand_lonlat = np.column_stack([rng.uniform(121.3, 121.6, 200), rng.uniform(31.1, 31.3, 200)])
site_lonlat = np.column_stack([rng.uniform(121.3, 121.6, 30), rng.uniform(31.1, 31.3, 30)])
w = rng.uniform(1, 10, 200)
demand_gdf = gpd.GeoDataFrame(
    {"tokens_per_day": w}, geometry=gpd.points_from_xy(*demand_lonlat.T), crs=4326
).to_crs(32651)
sites_gdf = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*site_lonlat.T), crs=4326).to_crs(32651)
demand_xy = rng.uniform(0, 20_000, size=(200, 2))  # the guide's `w` weighs these too
site_xy = rng.uniform(0, 20_000, size=(300, 2))
""",
    "docs/interop.md": """
from workbench.siting import Problem, solve
from workbench.citymodel import run
import numpy as np
import geopandas as gpd
_rng = np.random.default_rng(0)
_d = gpd.GeoDataFrame(
    {"tokens_per_day": _rng.uniform(1, 9, 40)},
    geometry=gpd.points_from_xy(_rng.uniform(121.4, 121.5, 40), _rng.uniform(31.2, 31.3, 40)),
    crs=4326,
).to_crs(32651)
_s = gpd.GeoDataFrame(
    {"id": [f"s{i}" for i in range(6)]},
    geometry=gpd.points_from_xy(_rng.uniform(121.4, 121.5, 6), _rng.uniform(31.2, 31.3, 6)),
    crs=4326,
).to_crs(32651)
result = solve(Problem.from_geodataframes(_d, _s, weight="tokens_per_day"), "pmedian", p=2)
run_result = run("baseline", "none", seed=0, hours=24, n_units=500)
""",
    "docs/citymodel.md": """
from workbench.data import load_sample
my_siting_result = load_sample("shanghai_siting")["sites"].head(40)
""",
}


def _data_files(cwd: Path) -> None:
    """my_indicators.xlsx (a wide table) and my_districts.gpkg, from the samples."""
    import geopandas as gpd

    from workbench.data import cube_to_wide, load_sample

    wide = cube_to_wide(load_sample("city_ai_index").isel(city=slice(0, 5)))
    wide.to_excel(cwd / "my_indicators.xlsx", index=False)
    gpd.read_file(REPO / "sample_data" / "shanghai_districts.geojson").to_file(
        cwd / "my_districts.gpkg", driver="GPKG"
    )


def _asem(cwd: Path) -> None:
    for name in ("ASEM_iData.csv", "ASEM_iMeta.csv"):
        shutil.copy(REPO / "tests" / "data" / "coinr_asem" / name, cwd / name)


def _observations(cwd: Path) -> None:
    """observations.json: a broker's temporal entities, grid load of 3 districts (synthetic)."""
    import numpy as np
    import pandas as pd
    import xarray as xr

    from workbench.interop import ngsild

    rng = np.random.default_rng(7)
    cube = xr.Dataset(
        {"grid_load_mw": (("time", "district"), rng.uniform(50, 90, size=(6, 3)))},
        coords={
            "time": pd.date_range("2026-07-15T00:00", periods=6, freq="h").to_numpy(),
            "district": ["310101", "310104", "310115"],
        },
    )
    ngsild.write(ngsild.cube_to_temporal(cube), cwd / "observations.json")


#: Files a guide's examples take as the reader's own.
GUIDE_FILES = {
    "docs/data.md": _data_files,
    "docs/index.md": _asem,
    "docs/interop.md": _observations,
}


def _python_blocks(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


GUIDES = {
    p.relative_to(REPO).as_posix(): p
    for p in sorted((REPO / "docs").glob("*.md"))
    if _python_blocks(p)
}


@pytest.mark.subprocess
@pytest.mark.slow
def test_readme_python_example_runs(repo_root):
    blocks = _python_blocks(repo_root / "README.md")
    assert blocks, "the README has no Python example"
    out = subprocess.run(
        [sys.executable, "-c", blocks[0]],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Beijing" in out.stdout or "110000" in out.stdout


def test_not_runnable_guides_exist_and_have_python():
    for name in NOT_RUNNABLE:
        assert name in GUIDES, f"{name} no longer has Python examples; drop it from NOT_RUNNABLE"
    for name in [*GUIDE_PRELUDES, *GUIDE_FILES]:
        assert name in GUIDES, f"{name} no longer has Python examples; drop its set-up"


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in GUIDES if n not in NOT_RUNNABLE])
def test_guide_python_examples_run(name, tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    for link in LINKED:
        (cwd / link).symlink_to(REPO / link, target_is_directory=True)
    if name in GUIDE_FILES:
        GUIDE_FILES[name](cwd)
    prelude = f"REPO = {str(REPO)!r}\n" + GUIDE_PRELUDES.get(name, "")
    code = prelude + "\n# --- the guide's examples ---\n" + "\n".join(_python_blocks(GUIDES[name]))
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, f"{name}: its Python examples fail:\n{out.stderr[-3000:]}"
