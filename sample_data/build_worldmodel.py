"""Rebuild the shipped world model of the Shanghai heatwave scenario (synthetic model output).

Trains :func:`workbench.worldmodel.train` on full city-model runs of the ``heatwave`` scenario
under the ``lp`` mechanism (48 h runs, a Latin hypercube over the scenario's five knobs, two
seeds per point, 20% of the points held out for validation) on a Dask LocalCluster, and writes
``workbench/worldmodel/trained/heatwave_lp/`` (model.json, arrays.npz, runs.csv,
validation.csv). Rerun after any change to the city model::

    PYTHONPATH=$PWD python sample_data/build_worldmodel.py            # ~6-10 min on 2 cores

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
    args = ap.parse_args(argv)
    from workbench.worldmodel import train

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
    (Path(args.out) / "city_load_mw.csv").unlink(missing_ok=True)  # keep the shipped copy small
    print(f"wrote {args.out}: {wm.info['runs']} runs in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
