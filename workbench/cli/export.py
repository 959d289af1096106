"""``workbench export``: write siting plans and results for digital-twin platforms.

Examples
--------
::

    # a siting plan (GeoJSON/GeoPackage/CSV of selected sites) as NGSI-LD entities
    workbench export --format ngsi-ld plan.geojson --out plan.ngsild.json --plan-id sh-2026
    # simulation results (NetCDF cube over time x district) as NGSI-LD temporal entities
    workbench export --format ngsi-ld run.nc --out run.json --start 2026-07-15T00:00Z --step 1h
    # the same as Eclipse Ditto things
    workbench export --format ditto plan.geojson --out plan.things.json --namespace cn.shanghai
    # NGSI-LD temporal JSON (or Ditto district things) back into a NetCDF cube
    workbench export --format netcdf observations.json --out observations.nc
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from workbench.data.paths import atomic_output, user_path
from workbench.errors import DataError, SpecError

FORMATS = ("ngsi-ld", "ditto", "netcdf")
_PLAN_SUFFIXES = (".geojson", ".json", ".gpkg", ".csv", ".parquet", ".shp")
_CUBE_SUFFIXES = (".nc", ".zarr")


def register(subparsers: Any) -> None:
    """Add the ``export`` command to the ``workbench`` parser."""
    p = subparsers.add_parser(
        "export",
        help="export siting plans / results as NGSI-LD or Eclipse Ditto JSON (or import to NetCDF)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:" + __doc__.split("::", 1)[1] if __doc__ else None,
        description=(
            "INPUT is a siting plan (.geojson/.gpkg/.csv/.parquet of selected sites) or a "
            "results cube (.nc/.zarr over time x district). --format netcdf reads NGSI-LD "
            "temporal entities or Ditto district things (.json) into a cube."
        ),
    )
    p.add_argument("input", metavar="INPUT", help="plan table, results cube, or JSON to import")
    p.add_argument("--format", required=True, choices=FORMATS, help="output format")
    p.add_argument("--out", required=True, help="output file (.json, or .nc for netcdf)")
    p.add_argument("--plan-id", default="plan", help="id of the siting plan (default: plan)")
    p.add_argument(
        "--namespace", default=None, help="Ditto namespace (default: org.cityai.workbench)"
    )
    p.add_argument("--observed-at", default=None, help="timestamp of the plan (ISO 8601)")
    p.add_argument("--start", default=None, help="timestamp of tick 0 for a numeric time axis")
    p.add_argument("--step", default=None, help="tick length for a numeric time axis, e.g. 1h")
    p.add_argument("--context", default=None, help="@context URL for NGSI-LD (default: core)")
    p.set_defaults(func=run)


def _read_plan(path: Path) -> Any:
    import geopandas as gpd
    import pandas as pd

    try:
        if path.suffix == ".csv":
            return pd.read_csv(path, dtype={"id": str, "district": str})
        if path.suffix == ".parquet":
            return gpd.read_parquet(path)
        return gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is bad input for the user
        msg = f"Cannot read the siting plan {path}: {type(exc).__name__}: {exc}."
        raise DataError(msg) from None


def _read_cube(path: Path) -> Any:
    import xarray as xr

    try:
        if path.suffix == ".zarr":
            return xr.open_zarr(path).load()
        with xr.open_dataset(path) as ds:
            return ds.load()
    except Exception as exc:  # noqa: BLE001 - any reader failure is bad input for the user
        msg = f"Cannot read the results cube {path}: {type(exc).__name__}: {exc}."
        raise DataError(msg) from None


def run(args: argparse.Namespace) -> int:
    """Convert INPUT to the requested format and write it to ``--out``."""
    from workbench.interop import ditto, ngsild

    src = user_path(args.input)
    out = user_path(args.out)
    if not src.exists():
        msg = f"INPUT {src} does not exist. Pass a plan table, a results cube or a JSON file."
        raise DataError(msg)
    suffix = src.suffix.lower()
    if args.format == "netcdf":
        docs = ngsild.read(src)
        if docs and "thingId" in docs[0]:
            cube = ditto.things_to_cube(docs)
        else:
            cube = ngsild.temporal_to_cube(docs)
        with atomic_output(out) as tmp:
            cube.to_netcdf(tmp)
        print(f"wrote cube {dict(cube.sizes)} with {len(cube.data_vars)} variable(s) to {out}")
        return 0
    is_cube = suffix in _CUBE_SUFFIXES
    if not is_cube and suffix not in _PLAN_SUFFIXES:
        msg = (
            f"INPUT {src}: unknown file type {suffix!r}. Use a plan table "
            f"({', '.join(_PLAN_SUFFIXES)}) or a results cube ({', '.join(_CUBE_SUFFIXES)})."
        )
        raise SpecError(msg)
    data = _read_cube(src) if is_cube else _read_plan(src)
    namespace = args.namespace or ditto.DEFAULT_NAMESPACE
    context = args.context or ngsild.CORE_CONTEXT
    if args.format == "ngsi-ld":
        if is_cube:
            docs = ngsild.cube_to_temporal(data, start=args.start, step=args.step, context=context)
        else:
            docs = ngsild.plan_to_entities(
                data, plan_id=args.plan_id, observed_at=args.observed_at, context=context
            )
        with atomic_output(out) as tmp:
            ngsild.write(docs, tmp)
        print(f"wrote {len(docs)} NGSI-LD entities to {out}")
    else:
        if is_cube:
            docs = ditto.cube_to_things(data, namespace=namespace, start=args.start, step=args.step)
        else:
            docs = ditto.plan_to_things(data, namespace=namespace, plan_id=args.plan_id)
        with atomic_output(out) as tmp:
            ditto.write(docs, tmp)
        print(f"wrote {len(docs)} Ditto things to {out}")
    return 0
