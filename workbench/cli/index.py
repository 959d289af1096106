"""``workbench index``: run the City AI Index, its uncertainty analysis and city profiles."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from workbench.data.paths import atomic_output, user_path
from workbench.errors import DataError, SpecError


def _load(data: str, meta: str | None) -> tuple[Any, Any]:
    """Load a NetCDF cube or COINr's two tables."""
    p = user_path(data)
    meta = None if meta is None else str(user_path(meta))
    if not p.exists():
        msg = f"DATA file {data!r} does not exist. Check the path."
        raise DataError(msg)
    if p.suffix.lower() in (".nc", ".nc4", ".netcdf"):
        import xarray as xr

        from workbench.data.schema import check_cube

        with xr.open_dataset(p) as ds:
            cube = ds.load()
        check_cube(cube, source=str(p), require_values=True)
        if meta:
            from workbench.index.framework import Framework

            return cube, Framework.from_table(meta)
        return cube, None
    if meta is None:
        msg = (
            f"DATA {data!r} is a table, so --meta is required (COINr's iMeta table), e.g. "
            "workbench index run iData.csv --meta iMeta.csv --spec spec.yaml --out out.csv."
        )
        raise SpecError(msg)
    from workbench.index.io import read_coinr

    return read_coinr(p, meta)


def _spec(spec: str | None) -> Any:
    from workbench.index.pipeline import Pipeline

    if spec is None:
        return Pipeline([{"normalise": {"method": "minmax", "range": [0, 100]}}])
    return Pipeline.from_yaml(user_path(spec))


def _cmd_run(args: argparse.Namespace) -> int:
    cube, fw = _load(args.data, args.meta)
    result = _spec(args.spec).run(cube, fw, year=args.year)
    table = result.table()
    if not args.tiers:
        table = table.drop(columns=["tier"], errors="ignore")
    out = user_path(args.out)
    with atomic_output(out) as tmp:
        table.to_csv(tmp, index=False)
    if args.netcdf:
        with atomic_output(args.netcdf) as tmp:
            result.to_netcdf(tmp)
    removed = f"; removed by screening: {', '.join(result.removed)}" if result.removed else ""
    print(f"wrote {len(table)} units x {len(table.columns)} columns to {out}{removed}")
    return 0


def _cmd_uncertainty(args: argparse.Namespace) -> int:
    from workbench.index.uncertainty import uncertainty

    cube, fw = _load(args.data, args.meta)
    res = uncertainty(
        cube,
        _spec(args.spec),
        fw,
        n_draws=args.draws,
        seed=args.seed,
        weight_noise=args.noise,
        normalisations=args.normalisations,
        aggregations=args.aggregations,
        treatments=[{"method": t} for t in args.treatments] if args.treatments else None,
        imputations=args.imputations,
        exclusion=args.exclusion,
        data_noise=args.data_noise,
        incompatible=args.incompatible,
        sobol=args.sobol or bool(args.sobol_out),
        target_width=args.target_width,
        year=args.year,
        scheduler=args.scheduler,
    )
    for note in res.notes:
        print(f"note: {note}", file=sys.stderr)
    table = res.summary()
    if args.out:
        with atomic_output(args.out) as tmp:
            table.to_csv(tmp, index=False)
        print(f"wrote {len(table)} rows to {user_path(args.out)}")
    else:
        table.to_csv(sys.stdout, index=False)
    if res.sobol is not None:
        print(res.sobol.to_string(index=False), file=sys.stderr)
        if args.sobol_out:
            with atomic_output(args.sobol_out) as tmp:
                res.sobol.to_csv(tmp, index=False)
            print(f"wrote Sobol indices to {user_path(args.sobol_out)}", file=sys.stderr)
        if res.params.get("draws_needed"):
            print(
                f"draws needed for every interval narrower than {args.target_width:g}: "
                f"about {res.params['draws_needed']:,} (now {res.params['n_draws']:,})",
                file=sys.stderr,
            )
    return 0


def _cmd_profile(args: argparse.Namespace) -> int:
    from workbench.index.paths import development_path, profile

    cube, fw = _load(args.data, args.meta)
    result = _spec(args.spec).run(cube, fw, year=args.year)
    prof = profile(result, args.city, top=args.top)
    print(prof.describe())
    if args.path:
        path = development_path(result, args.city, cap=args.cap)
        print(path.describe())
    if args.target_year is not None:
        from workbench.index.trajectory import tier_path

        tp = tier_path(
            result,
            args.city,
            target_year=args.target_year,
            target_tier=args.target_tier,
            probability=args.probability,
            costs=args.costs,
            seed=args.seed,
        )
        print(tp.describe())
    return 0


def register(subparsers: Any) -> None:
    """Add the ``index`` command group."""
    p = subparsers.add_parser(
        "index",
        help="City AI Index: run a pipeline, uncertainty analysis, city profiles",
        description="Composite-index pipelines on COINr's two tables or a workbench NetCDF cube.",
    )
    sub = p.add_subparsers(dest="index_command", metavar="SUBCOMMAND")

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("data", metavar="DATA", help="NetCDF cube (.nc) or COINr iData table (.csv)")
        q.add_argument("--meta", help="COINr iMeta table (required for a table DATA)")
        q.add_argument("--spec", help="pipeline spec (YAML); default min-max 0-100, arithmetic")
        q.add_argument("--year", type=int, help="year of a multi-year cube to use")

    r = sub.add_parser("run", help="run a pipeline and write one row per unit kept")
    common(r)
    r.add_argument("--out", required=True, help="output CSV: code, one column per aggregate, rank")
    r.add_argument("--tiers", action="store_true", help="add a tier column")
    r.add_argument("--netcdf", help="also save the full result (with spec + provenance) here")
    r.set_defaults(func=_cmd_run)

    u = sub.add_parser("uncertainty", help="Monte Carlo uncertainty and Sobol sensitivity")
    common(u)
    u.add_argument("--draws", type=int, default=1000, help="number of draws (default 1000)")
    u.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    u.add_argument("--noise", type=float, default=0.25, help="weight noise, +/- share (0.25)")
    u.add_argument(
        "--normalisations", nargs="*", default=None, help="alternative normalisation methods"
    )
    u.add_argument("--aggregations", nargs="*", default=None, help="alternative aggregators")
    u.add_argument(
        "--treatments", nargs="*", default=None, help="alternative treatment methods (e.g. none)"
    )
    u.add_argument("--imputations", nargs="*", default=None, help="alternative imputation methods")
    u.add_argument(
        "--exclusion", type=float, default=0.0, help="probability each indicator is left out"
    )
    u.add_argument(
        "--data-noise", type=float, default=0.0, help="log-normal sd of noise on raw values"
    )
    u.add_argument(
        "--incompatible",
        choices=["exclude", "refuse"],
        default="exclude",
        help="pairs such as zscore x geometric: leave out of the design (note) or refuse",
    )
    u.add_argument("--sobol", action="store_true", help="also estimate Sobol indices")
    u.add_argument("--sobol-out", help="write the Sobol table (factor S1 S1_lo ... ST_hi) here")
    u.add_argument(
        "--target-width", type=float, help="report draws needed for intervals this narrow"
    )
    u.add_argument("--scheduler", help="Dask scheduler address (tcp://host:8786)")
    u.add_argument("--out", help="CSV of per-city rank statistics and tier probabilities")
    u.set_defaults(func=_cmd_uncertainty)

    f = sub.add_parser("profile", help="strengths, weaknesses and peers of one city")
    f.add_argument("city", metavar="CITY", help="city code")
    common(f)
    f.add_argument("--top", type=int, default=5, help="how many strengths/weaknesses")
    f.add_argument("--path", action="store_true", help="also compute the path to the next tier")
    f.add_argument("--cap", type=float, default=20.0, help="per-indicator cap (normalised points)")
    f.add_argument(
        "--target-year",
        type=int,
        help="year-by-year path to the next tier by this year, against peers on their trends",
    )
    f.add_argument("--target-tier", help="tier to reach (default: the next better one)")
    f.add_argument(
        "--probability", type=float, default=0.8, help="wanted probability of the tier (0.8)"
    )
    f.add_argument("--costs", help="CSV indicator,cost (cost per normalised point): least cost")
    f.add_argument("--seed", type=int, default=0, help="seed of the peer simulations (0)")
    f.set_defaults(func=_cmd_profile)

    def _help(args: argparse.Namespace, parser: argparse.ArgumentParser = p) -> int:
        parser.print_help()
        return 0

    p.set_defaults(func=_help)
