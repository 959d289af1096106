"""Side-by-side benchmark: workbench.siting (HiGHS) vs PySAL spopt (PuLP + CBC).

Prints, per instance, spopt's time and objective, ours, and the time ratio (spopt / ours).
Instances: San Francisco (spopt's test case, all models), York (set covering and MCLP,
200 m haversine radius), OR-Library pmed (spopt gets a per-instance time cap; when it hits the
cap the row says so), and a SYNTHETIC 50,000 x 2,000 MCLP and p-median with the large-scale
methods. spopt and pulp are benchmark-only extras (`pip install .[bench]`).

    python benchmarks/siting_bench.py --quick
    python benchmarks/siting_bench.py --pmed 1-40 --spopt-cap 60
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.siting import Problem, haversine_matrix, solve
from workbench.siting.io import read_orlib_pmed

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "tests/data"  # reference instances with provenance (PROVENANCE.md)
PUBLISHED = {1: 5819, 2: 4093, 3: 4250, 4: 3034, 5: 1355, 6: 7824, 7: 5631, 8: 4445, 9: 2734,
             10: 1255, 11: 7696, 12: 6634, 13: 4374, 14: 2968, 15: 1729, 16: 8162, 17: 6999,
             18: 4809, 19: 2845, 20: 1789, 21: 9138, 22: 8579, 23: 4619, 24: 2961, 25: 1828,
             26: 9917, 27: 8307, 28: 4498, 29: 3033, 30: 1989, 31: 10086, 32: 9297, 33: 4700,
             34: 3013, 35: 10400, 36: 9934, 37: 5057, 38: 11060, 39: 9423, 40: 5128}  # fmt: skip


#: (goal, number, met) rows printed at the end as a Markdown table
GOALS: list[tuple[str, str, bool]] = []


def goal(name, number, met):
    GOALS.append((name, number, bool(met)))


def row(name, sp_t, sp_obj, sp_note, our_t, our_obj, our_status, extra=""):
    ratio = f"{sp_t / our_t:8.1f}x" if sp_t and our_t else "      - "
    sp_t_s = f"{sp_t:8.2f}" if sp_t is not None else "       -"
    sp_o = f"{sp_obj:14.6g}" if sp_obj is not None else "             -"
    print(f"{name:<28} {sp_t_s} {sp_o} {sp_note:<9} {our_t:8.2f} {our_obj:14.6g} "
          f"{our_status:<9} {ratio} {extra}", flush=True)  # fmt: skip


def header(title):
    print(f"\n== {title}")
    print(f"{'instance':<28} {'spopt s':>8} {'spopt obj':>14} {'note':<9} {'ours s':>8} "
          f"{'our obj':>14} {'status':<9} {'ratio':>9}", flush=True)  # fmt: skip


def spopt_run(build, cap):
    import pulp

    t = time.perf_counter()
    try:
        model = build()
        model = model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=cap))
    except Exception as exc:  # noqa: BLE001 - spopt raises plain exceptions when capped
        return time.perf_counter() - t, None, f"err:{type(exc).__name__}"[:9], None
    el = time.perf_counter() - t
    note = "capped" if cap and el >= cap else "optimal"
    return el, float(model.problem.objective.value()), note, model


def ours(problem, model, **kw):
    t = time.perf_counter()
    res = solve(problem, model, **kw)
    return time.perf_counter() - t, res


def sf_row(name, t, o, n, ot, r):
    row(name, t, o, n, ot, r.objective, r.status)
    same = o is not None and abs(float(o) - float(r.objective)) <= 1e-6 * max(1, abs(float(o)))
    goal(f"{name}: >= 10x spopt in-process, same objective", f"{t / ot:.1f}x"
         f"{'' if same else ' (objective differs)'}", t / ot >= 10 and same)  # fmt: skip


def bench_sf():
    from spopt.locate import LSCP, LSCPB, MCLP, PCenter, PDispersion, PMedian

    header("San Francisco (205 tracts x 16 stores, radius 5000, p 4)")
    sf = ROOT / "tests/data/spopt_sf"
    nd = pd.read_csv(sf / "SF_network_distance_candidateStore_16_censusTract_205_new.csv",
                     dtype={"DestinationName": str})  # fmt: skip
    piv = nd.pivot_table(values="distance", index="DestinationName", columns="name")
    dem = pd.read_csv(ROOT / "tests/data/spopt_sf/SF_demand_205_centroid_uniform_weight.csv",
                      dtype={"NAME": str}).sort_values("NAME")  # fmt: skip
    c, w = piv.to_numpy(), dem["POP2000"].to_numpy(float)
    pw, pu = Problem.from_frame(piv, weights=w), Problem.from_frame(piv)
    t, o, n, _ = spopt_run(lambda: LSCP.from_cost_matrix(c, 5000.0), None)
    ot, r = ours(pu, "lscp", radius=5000.0)
    sf_row("SF lscp", t, o, n, ot, r)
    t0 = time.perf_counter()
    import pulp

    m = LSCPB.from_cost_matrix(c, 5000.0, pulp.PULP_CBC_CMD(msg=False))
    m = m.solve(pulp.PULP_CBC_CMD(msg=False))
    t = time.perf_counter() - t0
    ot, r = ours(pu, "backup", radius=5000.0)
    single = int(((c <= 5000).sum(1) == 1).sum())
    row("SF backup (% spopt conv.)", t, m.backup_perc, "optimal", ot,
        (r.objective + single) / 205 * 100, r.status)  # fmt: skip
    t, o, n, _ = spopt_run(lambda: MCLP.from_cost_matrix(c, w, 5000.0, 4), None)
    ot, r = ours(pw, "mclp", radius=5000.0, p=4)
    sf_row("SF mclp", t, o, n, ot, r)
    t, o, n, _ = spopt_run(lambda: PMedian.from_cost_matrix(c, w, 4), None)
    ot, r = ours(pw, "pmedian", p=4)
    sf_row("SF pmedian", t, o, n, ot, r)
    t, o, n, _ = spopt_run(lambda: PCenter.from_cost_matrix(c, 4), None)
    ot, r = ours(pu, "pcenter", p=4)
    sf_row("SF pcenter", t, o, n, ot, r)
    sym = np.triu(c[:16, :16], 1)
    sym = sym + sym.T
    t, o, n, _ = spopt_run(lambda: PDispersion.from_cost_matrix(c, 4), None)
    ot, r = ours(pu, "pdispersion", p=4, site_distances=sym)
    sf_row("SF pdispersion", t, o, n, ot, r)


def bench_york(ps, cap):
    from spopt.locate import LSCP, MCLP

    header("York (591 crimes x 1,821 listed buildings, haversine, radius 200 m)")
    crime = pd.read_csv(REF / "york_cover/crime591.csv")
    fac = pd.read_csv(REF / "york_cover/facility1821.csv")
    c = haversine_matrix(crime["long"], crime["lat"], fac["long"], fac["lat"])
    covered = (c <= 200).any(axis=1)
    c_cov = c[covered]  # LSCP needs every demand coverable
    prob_all, prob_cov = Problem.from_matrix(c), Problem.from_matrix(c_cov)
    t, o, n, _ = spopt_run(lambda: LSCP.from_cost_matrix(c_cov, 200.0), cap)
    ot, r = ours(prob_cov, "lscp", radius=200.0)
    row(f"York lscp ({int(covered.sum())} coverable)", t, o, n, ot, r.objective, r.status)
    w = np.ones(len(c))
    for p in ps:
        t, o, n, _ = spopt_run(lambda p=p: MCLP.from_cost_matrix(c, w, 200.0, p), cap)
        ot, r = ours(prob_all, "mclp", radius=200.0, p=p)
        row(f"York mclp p={p}", t, o, n, ot, r.objective, r.status)


def bench_orlib(instances, cap, our_limit, spopt_max_n):
    header(f"OR-Library pmed (spopt cap {cap} s, spopt only up to n={spopt_max_n}; "
           f"our time limit {our_limit} s)")  # fmt: skip
    for k in instances:
        prob, p = read_orlib_pmed(REF / f"orlib_pmed/pmed{k}.txt")
        t = o = None
        n = "skipped"
        if prob.n_sites <= spopt_max_n:
            from spopt.locate import PMedian

            t, o, n, _ = spopt_run(
                lambda prob=prob, p=p: PMedian.from_cost_matrix(prob.costs, prob.weights, p), cap
            )
        ot, r = ours(prob, "pmedian", p=p, time_limit=our_limit)
        ok = "=published" if r.objective == PUBLISHED[k] else f"published {PUBLISHED[k]}"
        row(f"pmed{k} n={prob.n_sites} p={p}", t, o, n, ot, r.objective, r.status,
            f"{ok} bound={r.bound:.6g} gap={r.gap:.2%}")  # fmt: skip
        proven = r.status == "optimal" and r.objective == PUBLISHED[k]
        goal(f"pmed{k} proven optimal < 60 s", f"{ot:.1f} s, {r.status}, gap {r.gap:.2%}",
             proven and ot < 60)  # fmt: skip


def bench_large(seed, time_limit):
    from workbench.siting.large import large_mclp, large_pmedian

    print(f"\n== SYNTHETIC 50,000 demand x 2,000 candidates (clustered, 50 km square, seed {seed})")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    centres = rng.random((40, 2)) * 50_000
    d = centres[rng.integers(0, 40, 50_000)] + rng.normal(0, 3000, (50_000, 2))
    s = rng.random((2_000, 2)) * 50_000
    w = rng.integers(1, 100, 50_000).astype(float)
    r = large_mclp(d, s, 1500.0, 100, weights=w, time_limit=time_limit)
    print(f"MCLP r=1.5 km p=100: {r['seconds']:.1f} s, objective {r['objective']:.6g}, "
          f"upper bound {r['bound']:.6g}, gap {r['gap']:.2%} ({r['status']}); greedy "
          f"{r['greedy']:.6g}; {r['n_groups']} merged demand groups", flush=True)  # fmt: skip
    goal("50k x 2k MCLP: proven gap <= 1% < 2 min", f"{r['seconds']:.0f} s, gap {r['gap']:.2%}",
         r["gap"] <= 0.01 and r["seconds"] < 120)  # fmt: skip
    r = large_pmedian(d, s, 100, weights=w, time_limit=time_limit, iterations=3000)
    print(f"p-median p=100: {r['seconds']:.1f} s, objective {r['objective']:.6g}, lower bound "
          f"{r['bound']:.6g}, gap {r['gap']:.2%} ({r['status']}), {r['iterations']} "
          f"Lagrangian iterations", flush=True)  # fmt: skip
    goal(
        "50k x 2k p-median: proven gap <= 1% < 2 min",
        f"{r['seconds']:.0f} s, gap {r['gap']:.2%}",
        r["gap"] <= 0.01 and r["seconds"] < 120,
    )


def bench_shanghai(time_limit):
    from workbench.siting.plan import plan_scenario

    print("\n== Shanghai 2+M+X plan (7,972 demand cells x 3,086 candidates, 4 request classes)")
    r = plan_scenario("shanghai", time_limit=time_limit, mip_rel_gap=0.01)
    k = r.kpis
    print(f"{r.seconds:.1f} s, {r.status}, objective {r.objective:.6g}, bound {r.bound:.6g}, "
          f"gap {r.gap:.3%}; hubs {k.get('n_hub')}, edge {k.get('n_edge')}, dc {k.get('n_dc')}, "
          f"max peak utilisation {k['max_peak_utilisation']:.2f}", flush=True)  # fmt: skip
    layout = k.get("n_hub") == 2 and k.get("n_edge", 0) >= 500 and 55 <= k.get("n_dc", 0) <= 65
    goal(
        "Shanghai plan (2 hubs, 500+ edge, ~60 DCs): proven gap <= 1% < 5 min",
        f"{r.seconds:.0f} s, gap {r.gap:.3%}, {k.get('n_hub')}+{k.get('n_edge')}+"
        f"{k.get('n_dc')}, max peak util {k['max_peak_utilisation']:.2f}",
        layout and r.gap <= 0.01 and r.seconds < 300 and k["max_peak_utilisation"] <= 1,
    )


def parse_range(text):
    out = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="SF, York p=10, pmed1-3, no 50k case")
    ap.add_argument("--pmed", default="1-40", help="OR-Library instances, e.g. 1-10,15,20")
    ap.add_argument("--spopt-cap", type=float, default=60.0, help="spopt time cap per instance")
    ap.add_argument("--spopt-max-n", type=int, default=200, help="largest n spopt is run on")
    ap.add_argument("--time-limit", type=float, default=60.0, help="our time limit per pmed")
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--skip-shanghai", action="store_true")
    ap.add_argument("--only", default=None, help="comma list of parts: sf,york,pmed,large,shanghai")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    print(f"siting benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"python {sys.version.split()[0]}")  # fmt: skip
    only = set(args.only.split(",")) if args.only else None

    def want(part):
        return only is None or part in only

    if want("sf"):
        bench_sf()
    if want("york"):
        bench_york([10] if args.quick else [10, 25, 50, 100], args.spopt_cap)
    if want("pmed"):
        inst = [1, 2, 3] if args.quick else parse_range(args.pmed)
        bench_orlib(inst, args.spopt_cap, args.time_limit, args.spopt_max_n)
    if want("large") and not (args.quick or args.skip_large):
        bench_large(2026, 110.0)
    if want("shanghai") and not (args.quick or args.skip_shanghai):
        bench_shanghai(280.0)
    print("\n| goal | number | met |\n|---|---|---|")
    for name, number, met in GOALS:
        print(f"| {name} | {number} | {'yes' if met else 'NO'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
