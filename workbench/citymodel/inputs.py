"""Inputs of the city model: districts, compute nodes (a siting plan), diurnal profiles."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from workbench.errors import DataError, SchemaError, unknown_name
from workbench.plan_contract import PLAN_COLUMNS

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from workbench.citymodel.space import CitySpace


PROFILES = ("finance_morning", "esports_evening", "office", "industrial", "public_service")
"""Diurnal demand profiles of demand units."""

INTERACTIVE_SHARE = np.array([0.8, 0.9, 0.6, 0.4, 0.7])
"""Share of each profile's units that are interactive (the rest is shiftable batch)."""

WEEKEND_FACTOR = np.array([0.3, 1.3, 0.5, 0.8, 0.8])
"""Weekend demand relative to a weekday, per profile."""


def _bump(h: np.ndarray, centre: float, width: float) -> np.ndarray:
    d = np.minimum(np.abs(h - centre), 24 - np.abs(h - centre))
    return np.exp(-0.5 * (d / width) ** 2)


def diurnal_profiles() -> np.ndarray:
    """Return hourly shapes (5 profiles x 24 hours, mean 1).

    Finance morning peak, e-sports evening peak, office hours, three-shift industry, public
    services.
    """
    h = np.arange(24.0)
    p = np.stack(
        [
            0.15 + 2.2 * _bump(h, 10, 1.5) + 0.6 * _bump(h, 14.5, 1.5),
            0.2 + 2.5 * _bump(h, 21, 2.0) + 0.3 * _bump(h, 13, 2.0),
            0.2 + 1.0 * ((h >= 9) & (h <= 18)) + 0.3 * _bump(h, 10, 1.0),
            0.8 + 0.3 * _bump(h, 11, 4.0),
            0.3 + 1.0 * _bump(h, 11, 3.0) + 0.6 * _bump(h, 17, 2.5),
        ]
    )
    return p / p.mean(axis=1, keepdims=True)


def tou_price() -> np.ndarray:
    """Return the time-of-use electricity price by hour (CNY/kWh; synthetic, Shanghai-like)."""
    price = np.full(24, 0.70)
    price[[22, 23, 0, 1, 2, 3, 4, 5]] = 0.30
    price[[8, 9, 10, 13, 14, 18, 19, 20]] = 1.20
    return price


def carbon_intensity() -> np.ndarray:
    """Return grid carbon intensity by hour (kg CO2/kWh; East China ~0.58, synthetic shape).

    Higher in the evening (coal ramps up for the evening peak), lower at midday (solar) and
    towards dawn (low load, more hydro and nuclear in the mix).
    """
    h = np.arange(24.0)
    return 0.58 + 0.07 * np.cos((h - 20) / 24 * 2 * np.pi) - 0.08 * _bump(h, 13, 2.5)


def solar_shape() -> np.ndarray:
    """PV output per kW installed by hour (clear day, Shanghai latitude; synthetic)."""
    h = np.arange(24.0)
    return np.clip(np.sin((h - 5.5) / 13 * np.pi), 0, None) * 0.85


def building_load_shape() -> np.ndarray:
    """Feeder base load by hour relative to its peak (commercial/public mix)."""
    h = np.arange(24.0)
    return 0.45 + 0.4 * _bump(h, 14, 3.5) + 0.15 * _bump(h, 20, 2.0)


def commute_shape() -> np.ndarray:
    """Road demand by hour relative to link capacity (morning and evening peaks)."""
    h = np.arange(24.0)
    return 0.2 + 0.85 * _bump(h, 8, 1.3) + 0.8 * _bump(h, 18, 1.5) + 0.35 * _bump(h, 13, 3)


@dataclass(frozen=True)
class Nodes:
    """Compute nodes (from a siting plan), as arrays."""

    ids: tuple[str, ...]
    tier: tuple[str, ...]
    district: np.ndarray
    x_km: np.ndarray
    y_km: np.ndarray
    capacity_tps: np.ndarray
    tokens_per_watt: np.ndarray
    pue: np.ndarray
    power_kw_max: np.ndarray

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.ids)

    @property
    def it_kw_full(self) -> np.ndarray:
        """IT power at full load (kW)."""
        return self.capacity_tps / self.tokens_per_watt / 1000.0


def repo_sample_dir() -> Path:
    """Return the sample data folder (:func:`workbench.data.samples.sample_dir`)."""
    from workbench.data.samples import sample_dir

    return sample_dir()


def load_districts() -> gpd.GeoDataFrame:
    """Load the Shanghai sample's 16 districts (``sample_data/shanghai_districts.geojson``)."""
    from workbench.data import load_sample

    return load_sample("shanghai_districts")


def load_sample_sites() -> pd.DataFrame:
    """Candidate sites of the Shanghai siting sample (``shanghai_siting/sites.csv``)."""
    path = repo_sample_dir() / "shanghai_siting" / "sites.csv"
    if not path.exists():
        msg = (
            f"Sample sites not found at {path}. Pass a siting plan (`plan=`) with the columns "
            f"{', '.join(PLAN_COLUMNS)}."
        )
        raise DataError(msg)
    return pd.read_csv(path, dtype={"district": str, "id": str})


DEFAULT_PLAN = "shanghai_siting/plan/plan_sites.geojson"
"""The default plan (under ``sample_data/``): ``workbench siting plan shanghai``'s sites."""


def default_plan() -> pd.DataFrame:
    """Return the plan ``workbench siting plan shanghai`` produces (shipped with the sample).

    Rebuilt by ``sample_data/build_citymodel_plan.py``; read with :func:`read_plan`.
    """
    return read_plan(repo_sample_dir() / DEFAULT_PLAN)


def standin_plan(sites: pd.DataFrame | None = None, *, edges_per_district: int = 4) -> pd.DataFrame:
    """Select a simple "2+M+X" layout from candidate sites (not an optimum; for experiments).

    The 2 largest hubs, the ``edges_per_district`` largest edge sites of every district and
    the existing data centres.
    """
    sites = load_sample_sites() if sites is None else sites
    hubs = sites[sites["tier"] == "hub"].nlargest(2, "capacity_tokens_per_s")
    edges = (
        sites[sites["tier"] == "edge"]
        .sort_values(["district", "capacity_tokens_per_s", "id"], ascending=[True, False, True])
        .groupby("district", sort=True)
        .head(edges_per_district)
    )
    dcs = sites[(sites["tier"] == "dc") & sites["existing"].astype(bool)]
    return pd.concat([hubs, edges, dcs], ignore_index=True)


def read_plan(path: str | Path) -> pd.DataFrame:
    """Read a siting plan from any file the siting engine writes, or a user's table.

    Accepted: a plan folder (``workbench siting plan --out``: its ``plan_sites.geojson``),
    GeoJSON/GeoPackage sites, CSV/Parquet tables with the plan columns
    (:data:`PLAN_COLUMNS`; extra columns are ignored), ``plan.nc`` or ``plan_summary.json``
    (the selected site ids, joined with the sample's candidate sites).

    Raises
    ------
    DataError
        When the file does not exist or its format is not one of the above.
    """
    p = Path(path)
    if p.is_dir():
        for name in ("plan_sites.geojson", "sites.geojson"):
            if (p / name).exists():
                return read_plan(p / name)
        msg = (
            f"`plan`: folder '{p}' has no plan_sites.geojson or sites.geojson. Give the folder "
            "`workbench siting plan --out` wrote, or a CSV/GeoJSON plan file."
        )
        raise DataError(msg)
    if not p.exists():
        msg = f"`plan`: file '{p}' does not exist. Give a CSV, GeoJSON or plan folder."
        raise DataError(msg)
    suffix = p.suffix.lower()
    if suffix in (".geojson", ".gpkg", ".shp"):
        import geopandas as gpd

        df = pd.DataFrame(gpd.read_file(p).drop(columns="geometry", errors="ignore"))
    elif suffix == ".csv":
        df = pd.read_csv(p, dtype={"district": str, "id": str})
    elif suffix == ".parquet":
        df = pd.read_parquet(p)
    elif suffix in (".nc", ".json"):
        if suffix == ".nc":
            import xarray as xr

            with xr.open_dataset(p) as ds:
                ids = [str(v) for v in ds["site"].to_numpy()]
        else:
            import json

            data = json.loads(p.read_text())
            if not isinstance(data, dict) or "selected" not in data:
                msg = (
                    f"`plan`: JSON '{p}' has no 'selected' list of site ids; give "
                    "plan_summary.json or a GeoJSON/CSV plan."
                )
                raise DataError(msg)
            ids = [str(v) for v in data["selected"]]
        sites = load_sample_sites()
        df = sites[sites["id"].astype(str).isin(ids)].reset_index(drop=True)
    else:
        msg = (
            f"`plan`: unknown file type '{suffix}' ({p}). Use .geojson, .gpkg, .csv, "
            ".parquet, plan.nc, plan_summary.json or a plan folder."
        )
        raise DataError(msg)
    df["district"] = df["district"].astype(str)
    df["id"] = df["id"].astype(str)
    return df


def nodes_from_plan(plan: pd.DataFrame, space: CitySpace) -> Nodes:
    """Build compute nodes from a siting plan table or GeoDataFrame.

    Raises
    ------
    SchemaError
        When a required column is missing.
    DataError
        When a value is not positive or a district is unknown.
    """
    missing = [c for c in PLAN_COLUMNS if c not in plan.columns]
    if missing:
        msg = (
            f"`plan` is missing columns {missing}; a siting plan needs {', '.join(PLAN_COLUMNS)} "
            "(SitingResult.to_geodataframe() has them). Add the columns."
        )
        raise SchemaError(msg)
    if len(plan) == 0:
        msg = "`plan` has no rows; the city model needs at least one compute node."
        raise DataError(msg)
    for col in ("capacity_tokens_per_s", "tokens_per_watt", "pue", "power_kw_max"):
        vals = pd.to_numeric(plan[col], errors="coerce").to_numpy(float)
        bad = np.flatnonzero(~(vals > 0))
        if len(bad):
            msg = (
                f"`plan` column '{col}' must be positive; row {int(bad[0])} has "
                f"{plan[col].iloc[bad[0]]!r}. Fix or drop that site."
            )
            raise DataError(msg)
    codes = list(space.codes)
    dist = []
    for r, d in enumerate(plan["district"].astype(str)):
        if d not in codes:
            msg = f"`plan` row {r}: " + unknown_name("district code", d, codes)
            raise DataError(msg)
        dist.append(codes.index(d))
    from pyproj import Transformer

    lon, lat = plan["lon"].to_numpy(float), plan["lat"].to_numpy(float)
    # local equirectangular projection around the city centre, consistent with space x/y
    lon0, lat0 = float(np.mean(space.lon)), float(np.mean(space.lat))
    tr = Transformer.from_crs(
        4326, f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +units=km", always_xy=True
    )
    x, y = tr.transform(lon, lat)
    sx, sy = tr.transform(space.lon, space.lat)
    # shift into the space's projected frame (centroids match)
    dx, dy = float(np.mean(space.x_km - sx)), float(np.mean(space.y_km - sy))
    return Nodes(
        ids=tuple(plan["id"].astype(str)),
        tier=tuple(plan["tier"].astype(str)),
        district=np.array(dist, dtype=np.int64),
        x_km=np.asarray(x) + dx,
        y_km=np.asarray(y) + dy,
        capacity_tps=plan["capacity_tokens_per_s"].to_numpy(float),
        tokens_per_watt=plan["tokens_per_watt"].to_numpy(float),
        pue=plan["pue"].to_numpy(float),
        power_kw_max=plan["power_kw_max"].to_numpy(float),
    )


def load_sample_demand() -> pd.DataFrame | None:
    """Demand points of the Shanghai siting sample, or None when absent."""
    path = repo_sample_dir() / "shanghai_siting" / "demand.csv"
    if not path.exists():
        return None
    return pd.read_csv(path, dtype={"district": str, "id": str})


__all__ = [
    "DEFAULT_PLAN",
    "INTERACTIVE_SHARE",
    "PLAN_COLUMNS",
    "PROFILES",
    "Nodes",
    "default_plan",
    "diurnal_profiles",
    "load_districts",
    "load_sample_sites",
    "nodes_from_plan",
    "read_plan",
    "standin_plan",
]
