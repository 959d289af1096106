"""Rebuild the shipped world model of the Shanghai heatwave scenario (synthetic model output).

Trains :func:`workbench.worldmodel.train` on full city-model runs of the ``heatwave`` scenario
under the ``lp`` mechanism (48 h runs, a Latin hypercube over the scenario's five knobs, two
seeds per point, 20% of the points held out for validation) on a Dask LocalCluster, and writes
``workbench/worldmodel/trained/heatwave_lp/`` (model.json, arrays.npz, runs.csv,
validation.csv, validation_trajectory.csv): the KPI emulator and the hourly trajectory
emulator (city load, district peak). Rerun after any change to the city model::

    PYTHONPATH=$PWD python sample_data/build_worldmodel.py            # ~3-5 min on 2 cores

Options: ``--runs N``, ``--hours H``, ``--workers W``, ``--out DIR``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "workbench" / "worldmodel" / "trained" / "heatwave_lp"


def main(argv: list[str] | None = None) -> int:
    """Train and save the shipped heatwave emulator."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--hours", type=int, default=48)
    ap.add_argument("--seeds-per-point", type=int, default=2)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument(
        "--refit",
        action="store_true",
        help="refit from OUT/runs.csv without running the model again (after emulator changes)",
    )
    args = ap.parse_args(argv)
    from workbench.worldmodel import train

    if args.refit:
        return _refit(Path(args.out), args.hours)

    t0 = time.perf_counter()
    wm = train(
        "heatwave",
        "lp",
        runs=args.runs,
        hours=args.hours,
        seed=0,
        seeds_per_point=args.seeds_per_point,
        out=args.out,
        n_workers=args.workers,
        progress=lambda m: print(m, file=sys.stderr, flush=True),
    )
    print(f"wrote {args.out}: {wm.info['runs']} runs in {time.perf_counter() - t0:.0f} s")
    return 0


def _refit(out: Path, hours: int) -> int:
    import json

    import numpy as np
    import pandas as pd

    from workbench.citymodel import get_scenario
    from workbench.worldmodel.training import HOLDOUT_SHARE, finish, scenario_knobs
    from workbench.worldmodel.trajectory import TRAJECTORY_METRICS

    runs = pd.read_csv(out / "runs.csv")
    # the hourly curves live in arrays.npz (same row order as runs.csv): refit them too
    with np.load(out / "arrays.npz", allow_pickle=False) as z:
        for m in TRAJECTORY_METRICS:
            if f"traj_{m}" in z.files and len(z[f"traj_{m}"]) == len(runs):
                runs[f"_{m}"] = list(z[f"traj_{m}"])
    old = json.loads((out / "model.json").read_text(encoding="utf-8"))
    n_points = int(runs["point"].nunique())
    n_held = max(1, round(HOLDOUT_SHARE * n_points))
    knobs = scenario_knobs(get_scenario("heatwave"), hours)
    keep = ("seeds_per_point", "seeds", "seed", "method", "train_seconds")
    info = {k: old["info"][k] for k in keep if k in old["info"]}
    wm = finish(
        runs,
        set(range(n_points - n_held, n_points)),
        scenario="heatwave",
        mechanism="lp",
        hours=hours,
        knobs=knobs,
        info=info,
        out=out,
    )
    wm.info["train_seconds"] = info.get("train_seconds")
    wm.save(out)
    print(f"refitted {out} from {len(runs)} runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
