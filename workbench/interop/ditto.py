"""Eclipse Ditto export of siting plans and results as Things; and reading them back.

* A siting plan becomes one Thing per selected site, ``thingId`` ``<namespace>:site-<id>``:
  descriptive columns (name, tier, kind, district, location) are ``attributes``; the feature
  ``capacity`` holds the technical figures as ``properties``; the feature ``plan`` holds the
  site's current state (``properties.open`` = it exists today) and the plan's recommendation
  as ``desiredProperties`` (``open: true``, the plan id and the tier), which is how Ditto
  represents a target state that is not applied yet.
* A results cube becomes one Thing per district, ``<namespace>:district-<code>``, with one
  feature per metric whose ``properties`` hold the latest value (``value``, ``observedAt``,
  ``unit``) and the whole series (``series.time`` / ``series.values``).

Every Thing is validated against ``ditto_thing.schema.json`` (Ditto's Thing model, API 2).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import DataError, SpecError
from workbench.interop._common import (
    cube_metrics,
    json_value,
    parse_time,
    plan_table,
    read_json_array,
    safe_id,
    time_axis,
    unit_code,
    validate,
    write_json_array,
)

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import xarray as xr

DEFAULT_NAMESPACE = "org.cityai.workbench"
SITE_DEFINITION = "org.cityai.workbench:ComputeSite:1.0.0"
DISTRICT_DEFINITION = "org.cityai.workbench:District:1.0.0"

#: Plan columns that go into the ``capacity`` feature (the rest are attributes).
CAPACITY_COLUMNS: tuple[str, ...] = (
    "capacity_tokens_per_s",
    "power_kw_max",
    "pue",
    "tokens_per_watt",
    "capex_cny",
)

_NAMESPACE = re.compile(r"^[a-zA-Z]\w*(?:\.[a-zA-Z]\w*)*$")


def check_namespace(namespace: str) -> str:
    """Raise :class:`SpecError` unless ``namespace`` is a valid Ditto namespace."""
    if not isinstance(namespace, str) or not _NAMESPACE.match(namespace):
        msg = (
            f"`namespace` must be a dotted name of letters, digits and '_' (each part starting "
            f"with a letter), as in Ditto thing ids; got {namespace!r}. "
            f"Use e.g. '{DEFAULT_NAMESPACE}' or 'cn.shanghai.compute'."
        )
        raise SpecError(msg)
    return namespace


def thing_id(namespace: str, name: Any) -> str:
    """``<namespace>:<name>`` with ``name`` made safe for Ditto."""
    return f"{check_namespace(namespace)}:{safe_id(name)}"


def plan_to_things(
    plan: Any,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    plan_id: str = "plan",
    policy_id: str | None = None,
) -> list[dict[str, Any]]:
    """Export a siting plan as Ditto Things, one per selected site.

    Parameters
    ----------
    plan
        GeoDataFrame of selected sites (``docs/contracts.md``), or a siting result.
    namespace
        Ditto namespace of the things (``"cn.shanghai.compute"``).
    plan_id
        Written into the recommendation (``features.plan.desiredProperties.planId``).
    policy_id
        ``policyId`` of every thing, if your Ditto needs one.

    Returns
    -------
    list of dict
        Things valid against ``ditto_thing.schema.json``.
    """
    gdf = plan_table(plan)
    things = []
    for _, row in gdf.iterrows():
        attributes: dict[str, Any] = {}
        capacity: dict[str, Any] = {}
        for col in gdf.columns:
            if col == gdf.geometry.name or col in ("lon", "lat"):
                continue
            v = json_value(row[col])
            if v is None:
                continue
            key = "site_location" if col == "location" else col  # attributes.location is geo
            (capacity if col in CAPACITY_COLUMNS else attributes)[key] = v
        geom = row.geometry
        attributes["location"] = {"longitude": float(geom.x), "latitude": float(geom.y)}
        existing = bool(attributes.get("existing", False))
        thing: dict[str, Any] = {"thingId": thing_id(namespace, f"site-{row['id']}")}
        if policy_id is not None:
            thing["policyId"] = policy_id
        thing["definition"] = SITE_DEFINITION
        thing["attributes"] = attributes
        desired = {"open": True, "planId": str(plan_id)}
        if "tier" in attributes:
            desired["tier"] = attributes["tier"]
        thing["features"] = {
            "capacity": {"properties": capacity},
            "plan": {"properties": {"open": existing}, "desiredProperties": desired},
        }
        things.append(thing)
    validate(things, "ditto_thing")
    return things


def things_to_plan(things: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Read site Things (as written by :func:`plan_to_things`) back into a plan GeoDataFrame.

    Only things whose plan feature recommends opening the site (``desiredProperties.open``)
    are part of the plan.
    """
    import geopandas as gpd

    validate(things, "ditto_thing")
    rows = []
    for t in things:
        feats = t.get("features", {})
        if t.get("definition") != SITE_DEFINITION:
            continue
        if not feats.get("plan", {}).get("desiredProperties", {}).get("open", False):
            continue
        attrs = dict(t.get("attributes", {}))
        loc = attrs.pop("location")
        if "site_location" in attrs:
            attrs["location"] = attrs.pop("site_location")
        row = {**attrs, **feats.get("capacity", {}).get("properties", {})}
        row["lon"], row["lat"] = loc["longitude"], loc["latitude"]
        rows.append(row)
    if not rows:
        msg = "No site Thing recommended by a plan found (definition " + SITE_DEFINITION + ")."
        raise DataError(msg)
    return gpd.GeoDataFrame(
        rows,
        geometry=gpd.points_from_xy([r["lon"] for r in rows], [r["lat"] for r in rows]),
        crs="EPSG:4326",
    )


def cube_to_things(
    cube: xr.Dataset,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    start: str | None = None,
    step: str | None = None,
    policy_id: str | None = None,
) -> list[dict[str, Any]]:
    """Export a results cube (metrics over ``time x district``) as one Thing per district.

    Parameters
    ----------
    cube
        Results cube; see :func:`workbench.interop.ngsild.cube_to_temporal`.
    namespace
        Ditto namespace of the things.
    start, step
        For a numeric ``time``: timestamp of tick 0 and tick length.
    policy_id
        ``policyId`` of every thing, if needed.

    Returns
    -------
    list of dict
        Things; feature ``<metric>`` has ``properties`` ``value`` / ``observedAt`` (latest
        non-missing observation), ``unit``, ``unitCode`` and ``series`` (``time``, ``values``;
        missing values are ``null``).
    """
    from workbench.dims import DISTRICT

    metrics = cube_metrics(cube)
    times = time_axis(cube, start, step)
    things = []
    for k, district in enumerate(cube[DISTRICT].values):
        attributes: dict[str, Any] = {"district": str(district)}
        for coord in cube[DISTRICT].coords:
            if coord != DISTRICT and cube[coord].dims == (DISTRICT,):
                v = json_value(cube[coord].values[k])
                if v is not None:
                    attributes[str(coord)] = v
        features: dict[str, Any] = {}
        for name, var in metrics.items():
            values = [json_value(v) for v in var.values[:, k]]
            props: dict[str, Any] = {}
            last = max((i for i, v in enumerate(values) if v is not None), default=None)
            if last is not None:
                props["value"] = values[last]
                props["observedAt"] = times[last]
            units = var.attrs.get("units")
            if units:
                props["unit"] = str(units)
            code = unit_code(name, units)
            if code:
                props["unitCode"] = code
            props["series"] = {"time": times, "values": values}
            features[str(name)] = {"properties": props}
        thing: dict[str, Any] = {"thingId": thing_id(namespace, f"district-{district}")}
        if policy_id is not None:
            thing["policyId"] = policy_id
        thing["definition"] = DISTRICT_DEFINITION
        thing["attributes"] = attributes
        thing["features"] = features
        things.append(thing)
    validate(things, "ditto_thing")
    return things


def things_to_cube(things: list[dict[str, Any]]) -> xr.Dataset:
    """Read district Things (as written by :func:`cube_to_things`) back into a cube."""
    import numpy as np
    import xarray as xr

    from workbench.dims import DISTRICT, TIME

    validate(things, "ditto_thing")
    districts = [t for t in things if t.get("definition") == DISTRICT_DEFINITION]
    if not districts:
        msg = "No district Thing found (definition " + DISTRICT_DEFINITION + ")."
        raise DataError(msg)
    codes = [t["attributes"]["district"] for t in districts]
    first = next(iter(districts[0]["features"].values()))["properties"]["series"]["time"]
    times = np.array([parse_time(x) for x in first], dtype="datetime64[ns]")
    data_vars = {}
    for name in districts[0]["features"]:
        cols = []
        for t in districts:
            series = t["features"][name]["properties"]["series"]
            if series["time"] != first:
                msg = (
                    f"Thing {t['thingId']}: feature {name!r} has a different time axis from "
                    f"{districts[0]['thingId']}; all series must share their timestamps."
                )
                raise DataError(msg)
            cols.append([np.nan if v is None else v for v in series["values"]])
        props = districts[0]["features"][name]["properties"]
        attrs = {k: props[k] for k in ("unit", "unitCode") if k in props}
        if "unit" in attrs:
            attrs["units"] = attrs.pop("unit")
        data_vars[name] = ((TIME, DISTRICT), np.asarray(cols, dtype=float).T, attrs)
    ds = xr.Dataset(data_vars, coords={TIME: times, DISTRICT: np.asarray(codes, dtype=str)})
    ds.attrs["source"] = "Eclipse Ditto things"
    return ds


def write(things: list[dict[str, Any]], path: str | Path) -> Path:
    """Write things as a JSON array."""
    return write_json_array(things, path)


def read(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSON file of Ditto things (an array, or one thing)."""
    return read_json_array(path, "Ditto", "things")


__all__ = [
    "DEFAULT_NAMESPACE",
    "cube_to_things",
    "plan_to_things",
    "read",
    "things_to_cube",
    "things_to_plan",
    "thing_id",
    "write",
]
