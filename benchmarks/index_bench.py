"""Benchmark of the City AI Index engine (run: python benchmarks/index_bench.py).

1. Full pipeline (impute, screen, treat, normalise on all years, aggregate, tier) on a
   SYNTHETIC cube of 300 cities x 60 indicators x 10 years.
2. A 10,000-draw uncertainty analysis (Sobol sampling over weight noise, two aggregators and
   two treatment settings, with Sobol indices) on 300 cities x 60 indicators, against running
   the single-run pipeline once per draw (timed on a subset of draws and scaled).

The data are synthetic (random lognormal values, seed 42); only the timings matter.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import pandas as pd
import xarray as xr

from workbench.index import Framework, Pipeline
from workbench.index.uncertainty import uncertainty


def synthetic(n_city: int = 300, n_ind: int = 60, n_year: int = 10, seed: int = 42):
    rng = np.random.default_rng(seed)
    rows = []
    n_sub = n_ind // 5
    for i in range(n_ind):
        rows.append(
            {
                "iCode": f"i{i:02d}",
                "Parent": f"s{i // 5:02d}",
                "Direction": -1 if i % 7 == 0 else 1,
                "Weight": 1.0,
                "Type": "Indicator",
            }
        )
    for s in range(n_sub):
        rows.append(
            {
                "iCode": f"s{s:02d}",
                "Parent": f"d{s % 4}",
                "Direction": 1,
                "Weight": 1.0,
                "Type": "Aggregate",
            }
        )
    for d in range(4):
        rows.append(
            {"iCode": f"d{d}", "Parent": "CAI", "Direction": 1, "Weight": 1.0, "Type": "Aggregate"}
        )
    rows.append(
        {"iCode": "CAI", "Parent": None, "Direction": 1, "Weight": 1.0, "Type": "Aggregate"}
    )
    fw = Framework.from_table(pd.DataFrame(rows))
    latent = rng.normal(size=(n_city, 1))
    vals = np.exp(0.6 * latent[None] + rng.normal(0, 0.7, size=(n_year, n_city, n_ind)))
    vals *= np.linspace(1, 1.5, n_year)[:, None, None]
    vals[rng.random(vals.shape) < 0.02] = np.nan
    cube = xr.Dataset(
        {"value": (("year", "city", "indicator"), vals)},
        coords={
            "year": np.arange(2016, 2016 + n_year),
            "city": [f"c{i:03d}" for i in range(n_city)],
            "indicator": list(fw.indicators),
        },
        attrs={"synthetic": "yes (benchmark)", "seed": seed},
    )
    return cube, fw


SPEC = {
    "steps": [
        {"impute": {"method": "mean"}},
        {"screen": {"min_availability": 0.8}},
        {"treat": {"method": "winsorise_log", "max_points": 5}},
        {"normalise": {"method": "minmax", "range": [1, 100]}},
        {"aggregate": {"method": "arithmetic"}},
        {"tier": {"method": "quantile"}},
    ]
}


def timed(f, repeat: int = 3):
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--subset", type=int, default=20, help="single runs timed for the ratio")
    args = ap.parse_args()
    load0 = os.getloadavg()
    cube, fw = synthetic()
    pipe = Pipeline.from_spec(SPEC)

    t_full, res = timed(lambda: pipe.run(cube, fw), repeat=3)

    one = cube.isel(year=[-1])
    kw = dict(
        n_draws=args.draws,
        seed=1,
        weight_noise=0.25,
        aggregations=["arithmetic", "geometric"],
        treatments=[{"method": "none"}],
        sobol=True,
        n_boot=200,
    )
    t_unc, unc = timed(lambda: uncertainty(one, pipe, fw, **kw), repeat=1)

    # the single-run way: one full pipeline run per draw, with that draw's weights/aggregator
    rng = np.random.default_rng(0)
    weighted = [n.code for n in fw.nodes if n.parent is not None]
    single = []
    for k in range(args.subset):
        w = {c: float(1 + 0.25 * (2 * rng.random() - 1)) for c in weighted}
        steps = [dict(s) for s in SPEC["steps"]]
        steps[-2] = {"aggregate": {"method": ["arithmetic", "geometric"][k % 2]}}
        steps.insert(-2, {"weight": {"method": "manual", "weights": w}})
        if k % 3 == 0:
            steps[2] = {"treat": {"method": "none"}}
        p = Pipeline.from_spec({"steps": steps})
        t0 = time.perf_counter()
        p.run(one, fw)
        single.append(time.perf_counter() - t0)
    per_draw = statistics.median(single)
    t_loop = per_draw * unc.params["n_draws"]
    load1 = os.getloadavg()

    rows = [
        ("full pipeline, 300 x 60 x 10 years", f"{t_full:.2f} s", "median of 3"),
        (
            f"uncertainty, {unc.params['n_draws']:,} draws (Sobol, S1/ST + bootstrap), 300 x 60",
            f"{t_unc:.2f} s",
            "goal < 10 s",
        ),
        (
            f"single-run pipeline x {unc.params['n_draws']:,} draws (scaled from {args.subset})",
            f"{t_loop:.0f} s",
            f"{per_draw * 1000:.0f} ms per run",
        ),
        ("speed-up of the vectorised analysis", f"{t_loop / t_unc:.0f}x", ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"City AI Index benchmark ({platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, load {load0[0]:.1f} -> {load1[0]:.1f})")  # fmt: skip
    print(f"{'case'.ljust(width)} | {'time':>9} | note")
    print(f"{'-' * width}-|-{'-' * 9}-|-----")
    for name, t, note in rows:
        print(f"{name.ljust(width)} | {t:>9} | {note}")
    print(f"\ncities kept: {len(res.cities)}; Sobol indices:")
    print(unc.sobol.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
