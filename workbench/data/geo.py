"""Read geometries (GeoJSON, GeoPackage) and point tables with coordinate-system checks.

The workbench keeps geometries in longitude/latitude (EPSG:4326). A file in a projected CRS is
reprojected; a file without a CRS, or with "degrees" far outside the valid range (metres
labelled as degrees), is refused with a message that says how to fix it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd

WGS84 = "EPSG:4326"
GEO_SUFFIXES: tuple[str, ...] = (".geojson", ".json", ".gpkg")


def check_lonlat(
    lon: np.ndarray, lat: np.ndarray, *, source: str, rows: np.ndarray | None = None
) -> None:
    """Raise :class:`DataError` if longitudes/latitudes are outside [-180, 180] / [-90, 90].

    Parameters
    ----------
    lon, lat
        Coordinates in degrees.
    source
        The file, used in the message.
    rows
        Row labels for the message (default: spreadsheet rows, header = 1).
    """
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    bad = (np.abs(lon) > 180) | (np.abs(lat) > 90)
    if bad.any():
        idx = np.flatnonzero(bad)
        labels = rows if rows is not None else np.arange(len(lon)) + 2
        first = ", ".join(f"row {labels[i]} ({lon[i]:g}, {lat[i]:g})" for i in idx[:3])
        msg = (
            f"{source}: {int(bad.sum())} coordinate(s) outside the longitude/latitude range "
            f"[-180, 180] x [-90, 90], e.g. {first}. Rule: coordinates are lon/lat degrees "
            "(EPSG:4326). Fix: these look like projected metres; declare the file's real CRS "
            "(e.g. gdf.set_crs('EPSG:32651', allow_override=True).to_crs('EPSG:4326')) or swap "
            "lon/lat columns if they are reversed."
        )
        raise DataError(msg)


def read_geo(path: str | Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a GeoJSON or GeoPackage file into a GeoDataFrame in EPSG:4326.

    Parameters
    ----------
    path
        A ``.geojson``/``.json`` or ``.gpkg`` file.
    layer
        GeoPackage only: the layer to read (default: the first).

    Returns
    -------
    geopandas.GeoDataFrame
        The features, reprojected to EPSG:4326 if they were in another CRS.

    Raises
    ------
    DataError
        When the file is empty or unreadable, has no features or no CRS, or has coordinates
        outside the lon/lat range.
    """
    import geopandas as gpd
    import pyogrio

    path = Path(path)
    if not path.exists():
        msg = f"{path}: file not found. Fix: check the path."
        raise DataError(msg)
    if path.stat().st_size == 0:
        msg = f"{path}: the file is empty (0 bytes). Fix: export the layer again."
        raise DataError(msg)
    try:
        gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = (
            f"{path}: cannot read geometries ({reason}). Rule: a GeoJSON FeatureCollection or a "
            "GeoPackage layer. Fix: re-export the file from your GIS (QGIS: Export > Save "
            "Features As)."
        )
        raise DataError(msg) from None
    if len(gdf) == 0:
        msg = f"{path}: the layer has no features. Fix: export a layer with at least one feature."
        raise DataError(msg)
    if gdf.crs is None:
        msg = (
            f"{path}: the layer has no coordinate reference system (CRS). Rule: geometries need "
            "a CRS. Fix: set it in your GIS, or in Python gdf.set_crs('EPSG:4326') (lon/lat) "
            "or the projected CRS the coordinates are in, then save again."
        )
        raise DataError(msg)
    if gdf.geometry.isna().all() or gdf.geometry.is_empty.all():
        msg = f"{path}: every feature has an empty geometry. Fix: export the geometries too."
        raise DataError(msg)
    if gdf.crs.is_geographic:
        b = gdf.total_bounds
        if max(abs(b[0]), abs(b[2])) > 180 or max(abs(b[1]), abs(b[3])) > 90:
            msg = (
                f"{path}: coordinates outside the longitude/latitude range [-180, 180] x "
                f"[-90, 90] although the CRS is {gdf.crs.to_string()} (bounds "
                f"{b[0]:.6g}, {b[1]:.6g}, {b[2]:.6g}, {b[3]:.6g}). Rule: a geographic CRS holds "
                "degrees. Fix: these look like projected metres; declare the real CRS in your "
                "GIS, or gdf.set_crs('EPSG:32651', allow_override=True).to_crs('EPSG:4326') "
                "(GeoJSON files are lon/lat by definition: reproject before saving)."
            )
            raise DataError(msg)
    if not gdf.crs.equals(WGS84):
        gdf = gdf.to_crs(WGS84)
    for col in ("code", "district", "id"):
        if col in gdf.columns:
            gdf[col] = gdf[col].astype(str)
    return gdf


def points_from_table(df: pd.DataFrame, *, source: str) -> gpd.GeoDataFrame:
    """Turn a table with ``lon``/``lat`` columns into a point GeoDataFrame (EPSG:4326).

    Raises
    ------
    DataError
        When the columns are missing or out of range.
    """
    import geopandas as gpd

    missing = [c for c in ("lon", "lat") if c not in df.columns]
    if missing:
        msg = (
            f"{source}: missing column(s) {missing}; found {list(df.columns)}. Rule: point "
            "tables have 'lon' and 'lat' columns in degrees. Fix: add or rename them."
        )
        raise DataError(msg)
    check_lonlat(df["lon"].to_numpy(), df["lat"].to_numpy(), source=source)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=WGS84)


__all__ = ["GEO_SUFFIXES", "WGS84", "check_lonlat", "points_from_table", "read_geo"]
