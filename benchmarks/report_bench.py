"""30 city reports: one by one vs as a batch on a local Dask cluster.

Prints the wall time of both, the ratio, and where the time of one report goes (kernel
start-up, set-up cells, computation, HTML export), from the runs' manifests.

    .venv/bin/python benchmarks/report_bench.py [--n 30] [--draws 500] [--workers N]

Goal (issue 7): the 30-report batch in under 3 minutes on 2 cores, with the per-report time
dominated by computation rather than kernel start-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from workbench.reports import all_values, read_manifest, run_batch


def breakdown(batch) -> dict[str, float]:
    keys = ("kernel_start_s", "setup_s", "compute_s", "export_s")
    rows = [read_manifest(r.out_dir)["timings"] for r in batch.runs]
    out = {k: statistics.mean(t[k] for t in rows) for k in keys}
    out["total_s"] = statistics.mean(r.duration_s for r in batch.runs)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30, help="number of city reports")
    ap.add_argument("--draws", type=int, default=500, help="Monte Carlo draws per report")
    ap.add_argument(
        "--workers", type=int, default=None, help="LocalCluster workers (default: cores)"
    )
    ap.add_argument("--skip-serial", action="store_true", help="only run the batch")
    args = ap.parse_args()
    cities = all_values("city")[: args.n]
    params = {"draws": args.draws, "seed": 1}
    print(f"city_report x {len(cities)} cities, draws={args.draws}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        t0 = time.perf_counter()
        batch = run_batch(
            "city_report",
            {"city": cities},
            params,
            Path(tmp) / "batch",
            n_workers=args.workers,
            progress=False,
        )
        t_batch = time.perf_counter() - t0
        assert batch.ok, [r.error for r in batch.failed]
        b = breakdown(batch)
        t_serial = float("nan")
        s = None
        if not args.skip_serial:
            t0 = time.perf_counter()
            serial = run_batch(
                "city_report",
                {"city": cities},
                params,
                Path(tmp) / "serial",
                serial=True,
                progress=False,
            )
            t_serial = time.perf_counter() - t0
            assert serial.ok, [r.error for r in serial.failed]
            s = breakdown(serial)
            same = all(
                a.results() == c.results() for a, c in zip(batch.runs, serial.runs, strict=True)
            )
            print(f"results identical one-by-one vs batch: {same}")
    print()
    print(f"{'mode':<28}{'wall s':>10}{'per report s':>14}")
    if s is not None:
        print(f"{'one by one (1 process)':<28}{t_serial:>10.1f}{t_serial / len(cities):>14.2f}")
    print(f"{'batch (LocalCluster)':<28}{t_batch:>10.1f}{t_batch / len(cities):>14.2f}")
    if s is not None:
        print(f"ratio one-by-one / batch: {t_serial / t_batch:.2f}x")
    print()
    print("mean time of one report (s), from the manifests:")
    print(f"{'':<12}{'kernel':>9}{'setup':>9}{'compute':>9}{'export':>9}{'total':>9}  kernel share")
    for label, d in (("one by one", s), ("batch", b)):
        if d is None:
            continue
        share = d["kernel_start_s"] / d["total_s"]
        print(
            f"{label:<12}{d['kernel_start_s']:>9.2f}{d['setup_s']:>9.2f}{d['compute_s']:>9.2f}"
            f"{d['export_s']:>9.2f}{d['total_s']:>9.2f}  {share:.0%}"
        )
    print("(setup = imports and data loading in the kernel; compute = index, uncertainty, figures)")
    goal = "met" if t_batch < 180 else "NOT met"
    print(f"goal: {len(cities)}-report batch < 180 s -> {t_batch:.0f} s ({goal})")


if __name__ == "__main__":
    main()
