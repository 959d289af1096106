"""Read any supported user file into the workbench's objects, with clear errors.

:func:`read_any` dispatches on the file's extension (and, for tables, on its columns):

=================================  ===========================================================
file                               result
=================================  ===========================================================
``.csv .tsv .txt .xlsx .xlsm``     indicator cube (long or wide layout), or a typed table:
                                   cities, framework (iMeta-like), demand points, sites
``.nc .nc4 .cdf .h5``              indicator cube (NetCDF)
``.zarr`` (directory)              indicator cube (Zarr)
``.geojson .json .gpkg``           GeoDataFrame in EPSG:4326
``.yaml .yml``                     scenario/spec mapping (``yaml.safe_load``)
a folder with ``demand.csv`` ...   siting scenario (dict of demand, sites, scenario, path)
=================================  ===========================================================

Nothing in a file is ever executed: no pickle, no ``eval``, YAML through ``safe_load``, Excel
values only (formulas are not evaluated, macros never run).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.data.geo import GEO_SUFFIXES, check_lonlat, points_from_table, read_geo
from workbench.data.schema import (
    VALUE,
    check_cube,
    check_framework,
    check_population,
    check_unique,
)
from workbench.data.tables import (
    detect_layout,
    long_to_cube,
    read_text_table,
    to_numbers,
    wide_to_cube,
)
from workbench.dims import CITY, INDICATOR, SITE_TIERS, YEAR
from workbench.errors import DataError, unknown_name
from workbench.plan_contract import CANDIDATE_COLUMNS, CANDIDATE_NUMERIC, DEMAND_COLUMNS

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd
    import xarray as xr

TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
CUBE_SUFFIXES: tuple[str, ...] = (".nc", ".nc4", ".cdf", ".h5")
ZARR_SUFFIXES: tuple[str, ...] = (".zarr",)
YAML_SUFFIXES: tuple[str, ...] = (".yaml", ".yml")
SUPPORTED: tuple[str, ...] = (
    *TABLE_SUFFIXES,
    *CUBE_SUFFIXES,
    *ZARR_SUFFIXES,
    *GEO_SUFFIXES,
    *YAML_SUFFIXES,
)

PROFILES: tuple[str, ...] = (
    "finance_morning",
    "esports_evening",
    "office",
    "industrial",
    "public_service",
)
"""Diurnal profile classes of siting demand points."""
SHARE_COLUMNS: tuple[str, ...] = (
    "share_finance",
    "share_manufacturing",
    "share_public",
    "share_consumer",
)
SITE_KINDS: tuple[str, ...] = ("hub", "park", "factory", "transport", "datacentre", "telecom")
SITING_FILES: tuple[str, ...] = ("demand.csv", "sites.csv", "scenario.yaml")


@dataclass(frozen=True)
class ReadResult:
    """What :func:`read_file` found in a file.

    Attributes
    ----------
    path
        The file.
    kind
        ``"cube"``, ``"cities"``, ``"framework"``, ``"demand"``, ``"sites"``, ``"geometries"``,
        ``"mapping"`` or ``"siting_scenario"``.
    data
        The object read (Dataset, DataFrame, GeoDataFrame or dict).
    """

    path: Path
    kind: str
    data: Any

    def summary(self) -> str:
        """One line describing what was read."""
        d = self.data
        if self.kind == "cube":
            sizes = ", ".join(f"{k}={v}" for k, v in d[VALUE].sizes.items())
            miss = float(np.isnan(d[VALUE].values).mean()) if d[VALUE].size else 0.0
            return f"indicator cube ({sizes}; {miss:.1%} missing)"
        if self.kind == "siting_scenario":
            return f"siting scenario ({len(d['demand'])} demand points, {len(d['sites'])} sites)"
        if self.kind == "mapping":
            return f"mapping with {len(d)} keys"
        if self.kind == "geometries":
            return f"{len(d)} features, CRS {d.crs.to_string()}"
        return f"{self.kind} table ({len(d)} rows x {len(d.columns)} columns)"


def _suffix(path: Path) -> str:
    return path.suffix.lower()


def _unsupported(path: Path) -> DataError:
    shown = path.suffix or "(no extension)"
    msg = (
        f"{path}: unsupported file type '{shown}'. Supported: {', '.join(SUPPORTED)}, and a "
        "folder holding demand.csv, sites.csv and scenario.yaml. Fix: convert the file (e.g. "
        "save a spreadsheet as .xlsx or .csv)."
    )
    return DataError(msg)


def read_file(path: str | Path, *, sheet: str | None = None) -> ReadResult:
    """Read a supported file and say what it holds.

    Parameters
    ----------
    path
        The file (or siting-scenario folder).
    sheet
        Excel only: the sheet to read.

    Returns
    -------
    ReadResult
        The kind and the object read.

    Raises
    ------
    DataError
        With a message naming the file, the row/column or coordinate, the rule and the fix.
    """
    path = Path(path)
    try:
        return _read_file(path, sheet)
    except UnicodeDecodeError as exc:
        msg = (
            f"{path}: the file is not UTF-8 text ({exc.reason} at byte {exc.start}). "
            "Fix: save it as UTF-8."
        )
        raise DataError(msg) from None
    except OSError as exc:
        msg = (
            f"{path}: cannot read the file ({exc.strerror or exc}). "
            "Fix: check the path and permissions."
        )
        raise DataError(msg) from None


def _read_file(path: Path, sheet: str | None) -> ReadResult:
    sfx = _suffix(path)
    if path.is_dir() and sfx not in ZARR_SUFFIXES:
        if all((path / f).exists() for f in SITING_FILES):
            return ReadResult(path, "siting_scenario", read_siting_scenario(path))
        msg = (
            f"{path}: is a folder but neither a Zarr store (*.zarr) nor a siting scenario "
            f"(needs {', '.join(SITING_FILES)}). Fix: pass a file, or a folder with those files."
        )
        raise DataError(msg)
    if not path.exists():
        msg = f"{path}: file not found. Fix: check the path (relative to {Path.cwd()})."
        raise DataError(msg)
    if sfx in TABLE_SUFFIXES:
        return _read_table_file(path, sheet)
    if sfx in CUBE_SUFFIXES or sfx in ZARR_SUFFIXES:
        return ReadResult(path, "cube", read_cube(path))
    if sfx in GEO_SUFFIXES:
        return ReadResult(path, "geometries", read_geo(path))
    if sfx in YAML_SUFFIXES:
        return ReadResult(path, "mapping", read_yaml(path))
    raise _unsupported(path)


def read_any(path: str | Path, *, sheet: str | None = None) -> Any:
    """Read any supported file; see the module docstring for what each type becomes.

    Returns
    -------
    xarray.Dataset | pandas.DataFrame | geopandas.GeoDataFrame | dict
        The object read.
    """
    return read_file(path, sheet=sheet).data


def table_kind(df: pd.DataFrame) -> str | None:
    """Guess what a table holds from its columns (``None`` when it is not recognised)."""
    cols = set(df.columns)
    if "iCode" in cols:
        return "framework"
    if {"id", "tier", "capacity_tokens_per_s"} <= cols:
        return "sites"
    if {"id", "tokens_per_day"} <= cols:
        return "demand"
    if "uCode" in cols:
        return "coinr"
    layout = detect_layout(df)
    if layout is not None:
        return layout
    if "code" in cols and cols & {"population", "name_en", "name_zh", "lat"}:
        return "cities"
    return None


def _read_table_file(path: Path, sheet: str | None) -> ReadResult:
    df = read_text_table(path, sheet=sheet)
    kind = table_kind(df)
    src = str(path)
    if kind == "long":
        return ReadResult(path, "cube", long_to_cube(df, source=src))
    if kind == "wide":
        return ReadResult(path, "cube", wide_to_cube(df, source=src))
    if kind == "cities":
        return ReadResult(path, "cities", check_cities(df, source=src))
    if kind == "framework":
        return ReadResult(path, "framework", read_framework_table(df, source=src))
    if kind == "demand":
        return ReadResult(path, "demand", check_demand(df, source=src))
    if kind == "sites":
        return ReadResult(path, "sites", check_sites(df, source=src))
    if kind == "coinr":
        msg = (
            f"{src}: this is a COINr data table (column 'uCode'). Rule: COINr's format has two "
            "tables. Fix: read it with workbench.index.io.read_coinr(iData, iMeta)."
        )
        raise DataError(msg)
    msg = (
        f"{src}: cannot tell what this table holds from its columns {list(df.columns)}. Rule: "
        f"an indicator table has the columns {CITY}, {INDICATOR}, {YEAR}, {VALUE} (long) or "
        f"{CITY}, {YEAR} plus one column per indicator (wide); a city table has 'code' and "
        "'population'; a framework has 'iCode'. Fix: add or rename the columns."
    )
    raise DataError(msg)


def read_cube(path: str | Path) -> xr.Dataset:
    """Read an indicator cube from NetCDF, Zarr, CSV or Excel and check its schema.

    The file is loaded into memory and closed.

    Raises
    ------
    DataError
        When the file cannot be opened or the cube breaks the schema.
    """
    import xarray as xr

    path = Path(path)
    sfx = _suffix(path)
    if sfx in TABLE_SUFFIXES:
        res = _read_table_file(path, None)
        if res.kind != "cube":
            msg = (
                f"{path}: holds a {res.kind} table, not indicator values. Rule: an indicator "
                "table has city, indicator, year, value columns (long) or city, year and one "
                "column per indicator (wide). Fix: pass the indicator table."
            )
            raise DataError(msg)
        return res.data
    if not path.exists():
        msg = f"{path}: file not found. Fix: check the path."
        raise DataError(msg)
    if path.is_file() and path.stat().st_size == 0:
        msg = f"{path}: the file is empty (0 bytes). Fix: write the cube again (ds.to_netcdf)."
        raise DataError(msg)
    try:
        if sfx in ZARR_SUFFIXES:
            with xr.open_zarr(path) as ds:
                cube = ds.load()
        elif sfx in CUBE_SUFFIXES:
            cube = _open_netcdf(path)
        else:
            raise _unsupported(path)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - any backend failure means "not a readable cube"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = (
            f"{path}: cannot open as a {'Zarr' if sfx == '.zarr' else 'NetCDF-4'} dataset "
            f"({type(exc).__name__}: {reason}). Fix: write it with xarray "
            "(ds.to_netcdf(path) or ds.to_zarr(path))."
        )
        raise DataError(msg) from None
    return check_cube(cube, source=str(path))


def _open_netcdf(path: Path) -> xr.Dataset:
    """Open NetCDF-4 with h5netcdf; fall back to xarray's other engines (NetCDF-3 via scipy)."""
    import xarray as xr

    try:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            return ds.load()
    except Exception:  # noqa: BLE001 - not NetCDF-4/HDF5: let xarray try the other engines
        with xr.open_dataset(path) as ds:
            return ds.load()


def load_cube(path: str | Path) -> xr.Dataset:
    """Alias of :func:`read_cube` (read and check an indicator cube)."""
    return read_cube(path)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping with ``yaml.safe_load`` (no object construction).

    Raises
    ------
    DataError
        When the file is empty, not valid YAML, or not a mapping.
    """
    import yaml

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        msg = f"{path}: the file is empty. Fix: write the settings as 'key: value' lines."
        raise DataError(msg)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        msg = f"{path}: invalid YAML{at}: {problem}. Fix: correct the indentation or quoting."
        raise DataError(msg) from None
    if not isinstance(data, dict):
        msg = (
            f"{path}: expected a mapping of settings ('key: value'); got "
            f"{type(data).__name__}. Fix: write one 'key: value' per line."
        )
        raise DataError(msg)
    return data


def check_cities(df: pd.DataFrame, *, source: str = "cities") -> pd.DataFrame:
    """Check a city table (``code``, names, ``lat``, ``lon``, ``population``) and type it.

    Raises
    ------
    DataError
        For duplicate codes, non-numeric or negative populations, and bad coordinates.
    """
    if "code" not in df.columns:
        msg = (
            f"{source}: missing column 'code'; found {list(df.columns)}. Rule: a city table "
            "has a 'code' column (6-digit admin code). Fix: add or rename it."
        )
        raise DataError(msg)
    df = df.copy()
    df["code"] = df["code"].astype(str).str.strip()
    check_unique(
        df["code"].to_numpy(), name="city codes", source=source, fix="give each city one row"
    )
    numeric = [c for c in ("lat", "lon", "population", "geonames_id") if c in df.columns]
    df = to_numbers(df, numeric, source=source)
    if "population" in df.columns:
        check_population(df["population"].to_numpy(), list(df["code"]), source=source)
        if df["population"].notna().all():
            df["population"] = df["population"].astype("int64")
    if "geonames_id" in df.columns and df["geonames_id"].notna().all():
        df["geonames_id"] = df["geonames_id"].astype("int64")
    if {"lat", "lon"} <= set(df.columns):
        check_lonlat(df["lon"].to_numpy(), df["lat"].to_numpy(), source=source)
    if "province_code" in df.columns:
        df["province_code"] = df["province_code"].astype(str)
    return df


def read_framework_table(df: pd.DataFrame, *, source: str = "framework") -> pd.DataFrame:
    """Check a framework table (iMeta-like) read as text and type its columns."""
    numeric = [c for c in ("Level", "Weight") if c in df.columns]
    df = to_numbers(df, numeric, source=source)
    for col in ("iName", "iName_zh", "Unit", "Source", "Type", "Parent"):
        if col in df.columns:
            df[col] = df[col].fillna("").astype(str)
    return check_framework(df, source=source)


def check_demand(df: pd.DataFrame, *, source: str = "demand") -> gpd.GeoDataFrame:
    """Check a siting demand table and return it as points (EPSG:4326).

    Raises
    ------
    DataError
        For missing columns, duplicate ids, negative demand, unknown profiles or sector shares
        that do not sum to 1.
    """
    need = [*DEMAND_COLUMNS, "district"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        msg = (
            f"{source}: missing column(s) {missing} of a demand table; found {list(df.columns)}. "
            f"Rule: demand tables have {need}, 'profile' and the sector shares "
            f"{list(SHARE_COLUMNS)}. Fix: add or rename the columns."
        )
        raise DataError(msg)
    df = df.copy()
    for col in ("id", "district"):
        df[col] = df[col].astype(str).str.strip()
    check_unique(df["id"].to_numpy(), name="demand ids", source=source)
    shares = [c for c in SHARE_COLUMNS if c in df.columns]
    df = to_numbers(df, ["lon", "lat", "tokens_per_day", *shares], source=source)
    neg = np.flatnonzero((df["tokens_per_day"] < 0).to_numpy())
    if len(neg):
        rows = ", ".join(f"row {i + 2}" for i in neg[:5])
        msg = (
            f"{source}: negative 'tokens_per_day' in {rows}. Rule: demand is >= 0. "
            "Fix: correct the values."
        )
        raise DataError(msg)
    if "profile" in df.columns:
        bad = sorted(set(df["profile"]) - set(PROFILES))
        if bad:
            msg = f"{source}: column 'profile': " + unknown_name("profile", bad[0], PROFILES)
            raise DataError(msg)
    if len(shares) == len(SHARE_COLUMNS):
        total = df[list(SHARE_COLUMNS)].sum(axis=1).to_numpy()
        off = np.flatnonzero(np.abs(total - 1.0) > 1e-3)
        if len(off):
            rows = ", ".join(f"row {i + 2} (sum {total[i]:.3f})" for i in off[:3])
            msg = (
                f"{source}: sector shares do not sum to 1 in {rows}. Rule: "
                f"{' + '.join(SHARE_COLUMNS)} = 1. Fix: rescale the shares of these rows."
            )
            raise DataError(msg)
    return points_from_table(df, source=source)


def check_sites(df: pd.DataFrame, *, source: str = "sites") -> gpd.GeoDataFrame:
    """Check a candidate-site table and return it as points (EPSG:4326).

    Raises
    ------
    DataError
        For missing columns, duplicate ids, unknown tiers, and non-numeric or negative numbers.
    """
    need = list(CANDIDATE_COLUMNS[:5])
    missing = [c for c in need if c not in df.columns]
    if missing:
        msg = (
            f"{source}: missing column(s) {missing} of a site table; found {list(df.columns)}. "
            f"Rule: site tables have {need} and usually {', '.join(CANDIDATE_COLUMNS[5:])}. "
            "Fix: add or rename the columns."
        )
        raise DataError(msg)
    df = df.copy()
    df["id"] = df["id"].astype(str).str.strip()
    check_unique(df["id"].to_numpy(), name="site ids", source=source)
    bad = sorted(set(df["tier"]) - set(SITE_TIERS))
    if bad:
        msg = f"{source}: column 'tier': " + unknown_name("site tier", bad[0], SITE_TIERS)
        raise DataError(msg)
    if "kind" in df.columns:
        badk = sorted(set(df["kind"]) - set(SITE_KINDS))
        if badk:
            msg = f"{source}: column 'kind': " + unknown_name("site kind", badk[0], SITE_KINDS)
            raise DataError(msg)
    numeric = [c for c in CANDIDATE_NUMERIC if c in df.columns]
    df = to_numbers(df, numeric, source=source)
    for col in numeric:
        if col in ("lon", "lat"):
            continue
        neg = np.flatnonzero((df[col] < 0).to_numpy())
        if len(neg):
            msg = (
                f"{source}: negative '{col}' in row {neg[0] + 2}. Rule: {col} is >= 0. "
                "Fix: correct the value."
            )
            raise DataError(msg)
    if "district" in df.columns:
        df["district"] = df["district"].astype(str)
    if "existing" in df.columns:
        text = df["existing"].astype(str).str.strip().str.lower()
        truthy, falsy = {"true", "1", "yes"}, {"false", "0", "no", ""}
        badb = np.flatnonzero(~text.isin(truthy | falsy).to_numpy())
        if len(badb):
            i = badb[0]
            msg = (
                f"{source}: row {i + 2}, column 'existing': {df['existing'].iloc[i]!r} is not "
                "true/false. Fix: write True or False."
            )
            raise DataError(msg)
        df["existing"] = text.isin(truthy)
    for col in ("capacity_tokens_per_s", "capex_cny"):
        if col in df.columns and df[col].notna().all():
            df[col] = df[col].astype("int64")
    return points_from_table(df, source=source)


def read_siting_scenario(path: str | Path) -> dict[str, Any]:
    """Read a siting-scenario folder (``demand.csv``, ``sites.csv``, ``scenario.yaml``).

    Returns
    -------
    dict
        ``demand`` and ``sites`` (GeoDataFrames), ``scenario`` (dict) and ``path``.
    """
    path = Path(path)
    missing = [f for f in SITING_FILES if not (path / f).exists()]
    if missing:
        msg = (
            f"{path}: missing file(s) {missing} of a siting scenario. Rule: the folder holds "
            f"{', '.join(SITING_FILES)}. Fix: add them."
        )
        raise DataError(msg)
    demand = check_demand(read_text_table(path / "demand.csv"), source=str(path / "demand.csv"))
    sites = check_sites(read_text_table(path / "sites.csv"), source=str(path / "sites.csv"))
    scenario = read_yaml(path / "scenario.yaml")
    return {"demand": demand, "sites": sites, "scenario": scenario, "path": path}


def validate_file(path: str | Path, *, sheet: str | None = None) -> ReadResult:
    """Read a file with every check; return what it holds or raise a clear error.

    Raises
    ------
    DataError
        (or its subclass :class:`~workbench.errors.SchemaError`) describing the first problem found.
    """
    return read_file(path, sheet=sheet)


__all__ = [
    "PROFILES",
    "SHARE_COLUMNS",
    "SITE_KINDS",
    "SUPPORTED",
    "ReadResult",
    "check_cities",
    "check_demand",
    "check_sites",
    "load_cube",
    "read_any",
    "read_cube",
    "read_file",
    "read_framework_table",
    "read_siting_scenario",
    "read_yaml",
    "table_kind",
    "validate_file",
]
