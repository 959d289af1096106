"""Benchmark of the City AI Index engine (run: python benchmarks/index_bench.py).

1. Full pipeline (impute, screen, treat, normalise on all years, aggregate, tier) on a
   SYNTHETIC cube of 300 cities x 60 indicators x 10 years.
2. A 10,000-draw Sobol sensitivity analysis (weights per dimension, two aggregators, two
   treatment settings) on 300 cities x 60 indicators, against running the single-run pipeline
   once per draw (timed on a subset of draws and scaled); with the Sobol goals: every S1
   interval narrower than 0.1, S1 <= ST within the intervals, S1 within 0.05 across two seeds.
3. The same goals at 4,000 draws on the sample cube (weights per dimension, normalisation
   minmax or rank), with intervals narrower than 0.2.
4. The full COINr/JRC factor set (adds indicator exclusion) at 10,000 draws: time and widths,
   reported without a goal.
5. A path to the next tier against a moving field (sample cube, 500 simulations).

The benchmark data are synthetic (random lognormal values, seed 42), as are the sample cube's
values; only the timings and the estimator's behaviour matter.
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


def goals(a, b, width: float) -> tuple[float, float, float, str]:
    """Widest S1 interval, largest S1 - ST_hi, largest S1 change across seeds, and a verdict."""
    widest = float(max((t["S1_hi"] - t["S1_lo"]).max() for t in (a.sobol, b.sobol)))
    over = float(max((t["S1_lo"] - t["ST_hi"]).max() for t in (a.sobol, b.sobol)))
    seeds = float((a.sobol["S1"] - b.sobol["S1"]).abs().max())
    ok = widest < width and over <= 0 and seeds < 0.05
    return widest, over, seeds, "met" if ok else "NOT met"


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
        weight_noise=0.25,
        aggregations=["arithmetic", "geometric"],
        treatments=[{"method": "none"}],
        sobol=True,
    )
    t_unc, unc = timed(lambda: uncertainty(one, pipe, fw, seed=1, **kw), repeat=1)
    unc2 = uncertainty(one, pipe, fw, seed=2, **kw)
    g_full = goals(unc, unc2, 0.1)
    t_all, full = timed(lambda: uncertainty(one, pipe, fw, seed=1, exclusion=0.1, **kw), repeat=1)
    w_all = float((full.sobol["S1_hi"] - full.sobol["S1_lo"]).max())

    from workbench.data import load_sample
    from workbench.index.trajectory import tier_path

    sample = load_sample("city_ai_index")
    spec = "workbench/index/specs/city_ai_index.yaml"
    skw = dict(
        n_draws=4000, normalisations=["minmax", "rank"], aggregations=["arithmetic"], sobol=True
    )
    t_s, s1 = timed(lambda: uncertainty(sample, spec, seed=1, **skw), repeat=1)
    s2 = uncertainty(sample, spec, seed=2, **skw)
    g_sample = goals(s1, s2, 0.2)
    sres = Pipeline.from_yaml(spec).run(sample)
    t_path, path = timed(lambda: tier_path(sres, "500000", target_year=2030), repeat=3)
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
            f"Sobol analysis, {unc.params['n_draws']:,} draws (6 factors), 300 x 60",
            f"{t_unc:.2f} s",
            f"goal < 10 s: {'met' if t_unc < 10 else 'NOT met'}",
        ),
        (
            "  goals: widest S1 interval < 0.1 / S1_lo - ST_hi <= 0 / S1 across seeds < 0.05",
            f"{g_full[0]:.3f}",
            f"{g_full[1]:+.3f} / {g_full[2]:.3f}: {g_full[3]}",
        ),
        (
            f"  + indicator exclusion (7 factors), {full.params['n_draws']:,} draws",
            f"{t_all:.2f} s",
            f"widest S1 interval {w_all:.3f} (no goal)",
        ),
        (
            f"Sobol analysis, sample cube 105 x 32, {s1.params['n_draws']:,} draws (5 factors)",
            f"{t_s:.2f} s",
            "",
        ),
        (
            "  goals: widest S1 interval < 0.2 / S1_lo - ST_hi <= 0 / S1 across seeds < 0.05",
            f"{g_sample[0]:.3f}",
            f"{g_sample[1]:+.3f} / {g_sample[2]:.3f}: {g_sample[3]}",
        ),
        (
            "path to the next tier by 2030, peers moving (500 simulations), sample cube",
            f"{t_path:.2f} s",
            f"{path.status}, P {path.probability_on_trend:.0%} on trend -> "
            f"{path.probability_with_plan:.0%} with the plan",
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
    print(f"\ncities kept: {len(res.cities)}; Sobol indices, 300 x 60, seed 1:")
    print(unc.sobol.round(3).to_string(index=False))
    print("\nSobol indices, sample cube, 4,000 draws, seed 1:")
    print(s1.sobol.round(3).to_string(index=False))
    print(f"\n{path.describe()}")


if __name__ == "__main__":
    main()
