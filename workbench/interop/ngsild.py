"""NGSI-LD (ETSI GS CIM 009, FIWARE) export of siting plans and results; temporal import.

* A siting plan becomes one ``ComputeSite`` entity per selected site: every column is a
  Property (``value``, ``unitCode`` where the unit has a UN/CEFACT code, ``observedAt`` when
  the plan has a date), the site's point is the GeoProperty ``location`` (GeoJSON), and the
  Relationships ``refDistrict`` and ``refSitingPlan`` (``object``) point at the district and
  at a ``SitingPlan`` entity that carries the plan's own properties.
* A results cube (metrics over ``time x district``) becomes one entity per district in the
  temporal representation of the NGSI-LD temporal API: each metric is an array of Property
  instances, each with ``value``, ``observedAt`` and ``unitCode``.
* :func:`temporal_to_cube` reads such entities (normalized or simplified temporal
  representation) back into a ``Dataset(time, district)``.

Entity ids are URNs ``urn:ngsi-ld:<Type>:<id>``. Attribute names are kept as in the workbench
(``power_kw_max``), which the default ``@context`` maps to the default vocabulary; pass your
own ``context`` to map them to a data model's terms.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import DataError, SchemaError
from workbench.interop._common import (
    iso,
    json_value,
    parse_time,
    plan_table,
    read_json_array,
    safe_id,
    time_axis,
    unit_code,
    unit_of_code,
    validate,
    write_json_array,
)

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import xarray as xr

#: The NGSI-LD core @context (v1.8); a URL, never fetched by the workbench.
CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"

#: Entity types the workbench emits.
SITE_TYPE = "ComputeSite"
PLAN_TYPE = "SitingPlan"
DISTRICT_TYPE = "District"

#: UN/CEFACT codes of the plan columns' units (workbench.plan_contract.PLAN_UNITS) that have one.
PLAN_UNIT_CODES: dict[str, str] = {
    "power_kw_max": "KWT",
    "pue": "C62",
    "area_km2": "KMK",
}

#: Columns written elsewhere (id, location GeoProperty, refDistrict Relationship).
_SKIP = {"id", "geometry", "lon", "lat", "district"}
#: NGSI-LD attribute names a plan column cannot take; such a column is written as ``site_<name>``.
RESERVED = {
    "id",
    "type",
    "scope",
    "location",
    "observationSpace",
    "operationSpace",
    "createdAt",
    "modifiedAt",
    "refDistrict",
    "refSitingPlan",
}


def attribute_name(column: str) -> str:
    """Return the NGSI-LD attribute name of a plan column (``site_<name>`` for reserved names)."""
    return f"site_{column}" if column in RESERVED else column


def column_name(attribute: str) -> str:
    """Inverse of :func:`attribute_name`."""
    if attribute.startswith("site_") and attribute.removeprefix("site_") in RESERVED:
        return attribute.removeprefix("site_")
    return attribute


def urn(entity_type: str, ident: Any) -> str:
    """``urn:ngsi-ld:<Type>:<id>`` for an entity of ``entity_type``."""
    return f"urn:ngsi-ld:{entity_type}:{safe_id(ident)}"


def urn_tail(value: str, entity_type: str | None = None) -> str:
    """Return the ``<id>`` part of ``urn:ngsi-ld:<Type>:<id>`` (checks the type when given)."""
    parts = str(value).split(":", 3)
    if len(parts) != 4 or parts[0] != "urn" or parts[1] != "ngsi-ld":
        msg = f"Entity id {value!r} is not an NGSI-LD URN; expected 'urn:ngsi-ld:<Type>:<id>'."
        raise SchemaError(msg)
    if entity_type is not None and parts[2] != entity_type:
        msg = (
            f"Entity id {value!r} is not of type {entity_type}; "
            f"expected urn:ngsi-ld:{entity_type}:<id>."
        )
        raise SchemaError(msg)
    return parts[3]


def _property(value: Any, *, unit: str | None = None, observed_at: str | None = None) -> dict:
    prop: dict[str, Any] = {"type": "Property", "value": value}
    if observed_at is not None:
        prop["observedAt"] = observed_at
    if unit is not None:
        prop["unitCode"] = unit
    return prop


def plan_to_entities(
    plan: Any,
    *,
    plan_id: str = "plan",
    observed_at: Any = None,
    plan_properties: dict[str, Any] | None = None,
    context: Any = CORE_CONTEXT,
) -> list[dict[str, Any]]:
    """Export a siting plan as NGSI-LD entities (a ``SitingPlan`` and its ``ComputeSite`` entities).

    Parameters
    ----------
    plan
        GeoDataFrame of selected sites (``docs/contracts.md``), or a siting result.
    plan_id
        Id of the plan entity (``urn:ngsi-ld:SitingPlan:<plan_id>``).
    observed_at
        Timestamp the plan was made; written as ``observedAt`` on every Property.
    plan_properties
        Extra properties of the plan entity (model, objective, status, ...).
    context
        The ``@context`` to write (the NGSI-LD core context by default).

    Returns
    -------
    list of dict
        Entities in normalized representation, valid against ``ngsild_entity.schema.json``.
    """
    gdf = plan_table(plan)
    when = iso(observed_at) if observed_at is not None else None
    plan_urn = urn(PLAN_TYPE, plan_id)
    props = dict(plan_properties or {})
    if hasattr(plan, "model") and hasattr(plan, "objective") and not props:
        props = {"model": plan.model, "status": plan.status, "objective": plan.objective}
    plan_entity: dict[str, Any] = {"id": plan_urn, "type": PLAN_TYPE, "@context": context}
    plan_entity["numberOfSites"] = _property(len(gdf), unit="C62", observed_at=when)
    for key, value in props.items():
        v = json_value(value)
        if v is not None:
            plan_entity[safe_id(key).replace("-", "_")] = _property(v, observed_at=when)
    entities = [plan_entity]
    for _, row in gdf.iterrows():
        geom = row.geometry
        entity: dict[str, Any] = {
            "id": urn(SITE_TYPE, row["id"]),
            "type": SITE_TYPE,
            "@context": context,
            "location": {
                "type": "GeoProperty",
                "value": {"type": "Point", "coordinates": [float(geom.x), float(geom.y)]},
            },
            "refSitingPlan": {"type": "Relationship", "object": plan_urn},
        }
        if "district" in gdf.columns and json_value(row["district"]) is not None:
            entity["refDistrict"] = {
                "type": "Relationship",
                "object": urn(DISTRICT_TYPE, row["district"]),
            }
        for col in gdf.columns:
            if col in _SKIP or col == gdf.geometry.name:
                continue
            v = json_value(row[col])
            if v is None:
                continue  # NGSI-LD has no null values: a missing value is an absent attribute
            entity[attribute_name(col)] = _property(
                v, unit=PLAN_UNIT_CODES.get(col), observed_at=when
            )
        entities.append(entity)
    validate(entities, "ngsild_entity")
    return entities


def entities_to_plan(entities: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Read ``ComputeSite`` entities back into a siting-plan GeoDataFrame (EPSG:4326)."""
    import geopandas as gpd
    from shapely.geometry import shape

    validate(entities, "ngsild_entity")
    rows = []
    geoms = []
    for e in entities:
        if e.get("type") != SITE_TYPE:
            continue
        row: dict[str, Any] = {"id": urn_tail(e["id"], SITE_TYPE)}
        if "refDistrict" in e:
            row["district"] = urn_tail(e["refDistrict"]["object"], DISTRICT_TYPE)
        for key, attr in e.items():
            if isinstance(attr, dict) and attr.get("type") == "Property":
                row[column_name(key)] = attr["value"]
        geom = shape(e["location"]["value"])
        row["lon"], row["lat"] = float(geom.x), float(geom.y)
        rows.append(row)
        geoms.append(geom)
    if not rows:
        types = sorted({str(e.get("type")) for e in entities})
        msg = f"No {SITE_TYPE} entity found; the document holds types {types}."
        raise DataError(msg)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")


def cube_to_temporal(
    cube: xr.Dataset,
    *,
    entity_type: str = DISTRICT_TYPE,
    start: str | None = None,
    step: str | None = None,
    context: Any = CORE_CONTEXT,
) -> list[dict[str, Any]]:
    """Export a results cube as NGSI-LD entities in temporal representation.

    Parameters
    ----------
    cube
        ``Dataset`` with metrics over ``(time, district)`` (data variables, or one variable
        with a ``metric`` dimension). ``attrs["units"]`` of a variable gives its unitCode.
    entity_type
        Type of the per-district entities.
    start, step
        For a numeric ``time`` (simulation ticks): the timestamp of tick 0 and the tick length
        (``"1h"``); default ``cube.attrs["start_time"]`` / ``cube.attrs["time_step"]``.
    context
        The ``@context`` to write.

    Returns
    -------
    list of dict
        One entity per district; each metric is an array of Property instances with
        ``observedAt`` (the temporal API's shape). Missing values are left out.
    """
    from workbench.dims import DISTRICT
    from workbench.interop._common import cube_metrics

    metrics = cube_metrics(cube)
    times = time_axis(cube, start, step)
    out = []
    for k, district in enumerate(cube[DISTRICT].values):
        entity: dict[str, Any] = {"id": urn(entity_type, district), "type": entity_type}
        entity["@context"] = context
        for name, var in metrics.items():
            code = unit_code(name, var.attrs.get("units"))
            column = var.values[:, k]
            instances = []
            for t, v in zip(times, column, strict=True):
                value = json_value(v)
                if value is None:
                    continue
                instances.append(_property(value, unit=code, observed_at=t))
            entity[str(name)] = instances
        out.append(entity)
    validate(out, "ngsild_temporal_entity")
    return out


def _instances(attr: Any) -> list[tuple[Any, str, str | None]]:
    """(value, observedAt, unitCode) of one temporal attribute, in either representation."""
    if isinstance(attr, dict) and "values" in attr:
        code = attr.get("unitCode")
        return [(v, t, code) for v, t in attr["values"]]
    items = attr if isinstance(attr, list) else [attr]
    out = []
    for inst in items:
        if isinstance(inst, dict) and inst.get("type") == "Property" and "observedAt" in inst:
            out.append((inst["value"], inst["observedAt"], inst.get("unitCode")))
    return out


def temporal_to_cube(
    entities: list[dict[str, Any]] | dict[str, Any], *, entity_type: str | None = None
) -> xr.Dataset:
    """Import district-level observations from NGSI-LD temporal JSON into a cube.

    Parameters
    ----------
    entities
        A list of temporal entities (or one), as returned by the temporal API
        (``GET /ngsi-ld/v1/temporal/entities``) in normalized or simplified
        (``{"values": [[v, t], ...]}``) representation.
    entity_type
        Only entities of this type; by default every entity with temporal attributes.

    Returns
    -------
    xarray.Dataset
        One data variable per attribute over ``(time, district)``, ``time`` as UTC
        ``datetime64``, ``district`` the id part of each entity's URN; the unitCode in each
        variable's ``attrs["unitCode"]`` and the unit in ``attrs["units"]``. Missing
        observations are NaN.
    """
    import numpy as np
    import pandas as pd
    import xarray as xr

    from workbench.dims import DISTRICT, TIME

    docs = entities if isinstance(entities, list) else [entities]
    validate(docs, "ngsild_temporal_entity")
    records = []
    units: dict[str, str] = {}
    for e in docs:
        if entity_type is not None and e.get("type") != entity_type:
            continue
        district = urn_tail(e["id"])
        for key, attr in e.items():
            if key in ("id", "type", "@context"):
                continue
            for value, t, code in _instances(attr):
                if isinstance(value, bool) or not isinstance(value, int | float | None):
                    msg = (
                        f"Attribute {key!r} of {e['id']} at {t} has a non-numeric value "
                        f"{value!r}; a cube holds numbers. Drop the attribute or convert it."
                    )
                    raise DataError(msg)
                records.append((key, district, parse_time(t), np.nan if value is None else value))
                if code:
                    units[key] = code
    if not records:
        msg = "No temporal observations (attributes with observedAt) found in the document."
        raise DataError(msg)
    df = pd.DataFrame.from_records(records, columns=["metric", DISTRICT, TIME, "value"])
    dup = df.duplicated(["metric", DISTRICT, TIME])
    if dup.any():
        first = df[dup].iloc[0]
        msg = (
            f"Two observations of {first['metric']!r} for district {first[DISTRICT]!r} at "
            f"{first[TIME]}; a cube holds one value per time and district. Remove duplicates."
        )
        raise DataError(msg)
    wide = df.pivot_table(
        index=[TIME, DISTRICT], columns="metric", values="value", aggfunc="first", dropna=False
    )
    ds = xr.Dataset.from_dataframe(wide.astype("float64"))
    ds = ds.assign_coords({DISTRICT: ds[DISTRICT].to_numpy().astype(str)})
    for name in ds.data_vars:
        code = units.get(str(name))
        if code:
            ds[name].attrs["unitCode"] = code
            ds[name].attrs["units"] = unit_of_code(code)
    ds.attrs["source"] = "NGSI-LD temporal entities"
    return ds.transpose(TIME, DISTRICT)


def write(documents: list[dict[str, Any]], path: str | Path) -> Path:
    """Write entities as a JSON array (the body of an NGSI-LD batch create/upsert)."""
    return write_json_array(documents, path)


def read(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSON file of NGSI-LD entities (an array, or one entity)."""
    return read_json_array(path, "NGSI-LD", "entities")


def read_temporal(path: str | Path, *, entity_type: str | None = None) -> xr.Dataset:
    """Read an NGSI-LD temporal JSON file into a ``Dataset(time, district)``."""
    return temporal_to_cube(read(path), entity_type=entity_type)


__all__ = [
    "CORE_CONTEXT",
    "cube_to_temporal",
    "entities_to_plan",
    "plan_to_entities",
    "read",
    "read_temporal",
    "temporal_to_cube",
    "urn",
    "write",
]
