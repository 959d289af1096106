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

        from workbench.index._cube import check_cube

        with xr.open_dataset(p) as ds:
            cube = ds.load()
        check_cube(cube, str(p))
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
    from workbench.data.coinr import read_coinr

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
        sobol=args.sobol,
        year=args.year,
        scheduler=args.scheduler,
    )
    table = res.summary()
    if args.out:
        with atomic_output(args.out) as tmp:
            table.to_csv(tmp, index=False)
        print(f"wrote {len(table)} rows to {user_path(args.out)}")
    else:
        table.to_csv(sys.stdout, index=False)
    if res.sobol is not None:
        print(res.sobol.to_string(index=False), file=sys.stderr)
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
    u.add_argument("--sobol", action="store_true", help="also estimate Sobol indices")
    u.add_argument("--scheduler", help="Dask scheduler address (tcp://host:8786)")
    u.add_argument("--out", help="CSV of per-city rank statistics and tier probabilities")
    u.set_defaults(func=_cmd_uncertainty)

    f = sub.add_parser("profile", help="strengths, weaknesses and peers of one city")
    f.add_argument("city", metavar="CITY", help="city code")
    common(f)
    f.add_argument("--top", type=int, default=5, help="how many strengths/weaknesses")
    f.add_argument("--path", action="store_true", help="also compute the path to the next tier")
    f.add_argument("--cap", type=float, default=20.0, help="per-indicator cap (normalised points)")
    f.set_defaults(func=_cmd_profile)

    def _help(args: argparse.Namespace, parser: argparse.ArgumentParser = p) -> int:
        parser.print_help()
        return 0

    p.set_defaults(func=_help)
