"""Shared helpers of the interchange formats: units, timestamps, plan tables, validation."""

from __future__ import annotations

import json
import math
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import DataError, SchemaError, SpecError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import xarray as xr

#: Unit strings (as written in ``attrs["units"]``) -> UN/CEFACT Recommendation 20 common codes.
UNIT_CODES: dict[str, str] = {
    "1": "C62",
    "count": "C62",
    "W": "WTT",
    "kW": "KWT",
    "MW": "MAW",
    "GW": "A90",
    "Wh": "WHR",
    "kWh": "KWH",
    "MWh": "MWH",
    "GWh": "GWH",
    "s": "SEC",
    "ms": "C26",
    "min": "MIN",
    "h": "HUR",
    "d": "DAY",
    "m": "MTR",
    "km": "KMT",
    "km2": "KMK",
    "kg": "KGM",
    "t": "TNE",
    "%": "P1",
    "percent": "P1",
    "degC": "CEL",
    "°C": "CEL",
    "celsius": "CEL",
    "K": "KEL",
}

#: Metric-name suffixes -> unit strings, used when a variable has no ``units`` attribute.
_SUFFIX_UNITS: tuple[tuple[str, str], ...] = (
    ("_kwh", "kWh"),
    ("_mwh", "MWh"),
    ("_kw", "kW"),
    ("_mw", "MW"),
    ("_ms", "ms"),
    ("_pct", "%"),
    ("_percent", "%"),
    ("_kg", "kg"),
    ("_t", "t"),
    ("_c", "degC"),
    ("_km", "km"),
)

_CODE_TO_UNIT = {code: unit for unit, code in reversed(list(UNIT_CODES.items()))}


def unit_code(name: str, units: str | None = None) -> str | None:
    """Return the UN/CEFACT code of a variable from its ``units`` or its name's suffix.

    Parameters
    ----------
    name
        Variable (metric) name, e.g. ``"grid_load_mw"``.
    units
        The variable's ``units`` attribute, if any (takes precedence).

    Returns
    -------
    str or None
        The code (``"MAW"``), or ``None`` when the unit is unknown or not a UN/CEFACT unit
        (currencies, tokens per second).
    """
    if units:
        code = UNIT_CODES.get(str(units).strip())
        if code is not None:
            return code
        if re.fullmatch(r"[A-Z0-9]{2,3}", str(units)):
            return str(units)  # already a code
        return None
    low = name.lower()
    for suffix, unit in _SUFFIX_UNITS:
        if low.endswith(suffix):
            return UNIT_CODES[unit]
    return None


def unit_of_code(code: str | None) -> str | None:
    """Return the unit string for a UN/CEFACT code (inverse of :data:`UNIT_CODES`), or the code."""
    if code is None:
        return None
    return _CODE_TO_UNIT.get(code, code)


def camel(name: str) -> str:
    """``"capacity_tokens_per_s"`` -> ``"capacityTokensPerS"`` (NGSI-LD attribute style)."""
    head, *rest = str(name).split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def safe_id(value: Any) -> str:
    """Return an id usable in a URN or a Ditto thing name (no spaces, slashes, control chars)."""
    text = str(value).strip()
    text = re.sub(r"[\s/#?]+", "-", text)
    text = re.sub(r"[\x00-\x1f\x7f-\xff]", "", text)
    if not text:
        msg = f"An entity id must not be empty; got {value!r}. Give every row an `id`."
        raise SpecError(msg)
    return text


def iso(t: Any) -> str:
    """Format a timestamp as an ISO 8601 UTC string with ``Z`` (seconds precision, or finer)."""
    import pandas as pd

    ts = pd.Timestamp(t)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    text = ts.strftime("%Y-%m-%dT%H:%M:%S")
    if ts.microsecond:
        text += f".{ts.microsecond:06d}".rstrip("0")
    return text + "Z"


def parse_time(text: str) -> Any:
    """Parse an ISO 8601 timestamp to a timezone-naive UTC ``numpy.datetime64[ns]``."""
    import numpy as np
    import pandas as pd

    ts = pd.Timestamp(text)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return np.datetime64(ts.to_datetime64(), "ns")


def time_axis(cube: xr.Dataset, start: str | None, step: str | None) -> list[str]:
    """ISO timestamps for the cube's ``time`` coordinate.

    A ``datetime64`` coordinate is used as is. A numeric one (simulation ticks) is mapped to
    ``start + t * step``; ``start`` and ``step`` default to ``cube.attrs["start_time"]`` /
    ``cube.attrs["time_step"]`` and otherwise must be given.
    """
    import numpy as np
    import pandas as pd

    from workbench.dims import TIME

    values = cube[TIME].to_numpy()
    if np.issubdtype(values.dtype, np.datetime64):
        return [iso(v) for v in values]
    start = start or cube.attrs.get("start_time")
    step = step or cube.attrs.get("time_step") or cube[TIME].attrs.get("units_step")
    if start is None or step is None:
        msg = (
            f"The cube's `{TIME}` coordinate holds numbers ({values[:3].tolist()}...), not "
            "dates, and the cube has no attrs 'start_time'/'time_step'. Pass start= (e.g. "
            "'2026-07-15T00:00:00Z') and step= (e.g. '1h'), or --start/--step on the CLI."
        )
        raise SpecError(msg)
    origin = pd.Timestamp(start)
    delta = pd.Timedelta(step)
    return [iso(origin + float(v) * delta) for v in values]


def json_value(x: Any) -> Any:
    """Return a JSON-safe scalar (NaN becomes ``None``; numpy scalars become Python ones)."""
    import numpy as np

    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        v = float(x)
        return v if math.isfinite(v) else None
    if isinstance(x, str):
        return x
    if hasattr(x, "item"):
        return json_value(x.item())
    return str(x)


def plan_table(plan: Any) -> gpd.GeoDataFrame:
    """Normalise a siting plan to a GeoDataFrame of selected sites in EPSG:4326.

    Accepts a GeoDataFrame with the columns of ``docs/contracts.md`` (``id``, ``tier``, ``lon``,
    ``lat``, ``district``, ...), a plain DataFrame with ``lon``/``lat``, or any object with a
    ``to_geodataframe()`` method (a siting result).
    """
    import geopandas as gpd
    import pandas as pd

    if hasattr(plan, "to_geodataframe") and not isinstance(plan, pd.DataFrame):
        plan = plan.to_geodataframe()
    if not isinstance(plan, pd.DataFrame):
        msg = (
            f"A siting plan must be a GeoDataFrame (or a siting result); got "
            f"{type(plan).__name__}. Pass result.to_geodataframe()."
        )
        raise SpecError(msg)
    if "id" not in plan.columns:
        msg = (
            "The siting plan has no `id` column; got columns "
            f"{list(plan.columns)}. Every site needs an id (see docs/contracts.md)."
        )
        raise SchemaError(msg)
    if not isinstance(plan, gpd.GeoDataFrame) or plan.geometry.name not in plan.columns:
        if not {"lon", "lat"} <= set(plan.columns):
            msg = (
                "The siting plan has neither a geometry nor `lon`/`lat` columns; got "
                f"{list(plan.columns)}. Add lon/lat in degrees (EPSG:4326)."
            )
            raise SchemaError(msg)
        plan = gpd.GeoDataFrame(
            plan, geometry=gpd.points_from_xy(plan["lon"], plan["lat"]), crs="EPSG:4326"
        )
    if plan.crs is None:
        plan = plan.set_crs("EPSG:4326")
    elif plan.crs.to_epsg() != 4326:
        plan = plan.to_crs("EPSG:4326")
    return plan


def cube_metrics(cube: xr.Dataset) -> dict[str, xr.DataArray]:
    """``{metric: DataArray(time, district)}`` from a results cube.

    Data variables with dims ``(time, district)`` are metrics; a variable with a ``metric``
    dimension is split along it.
    """
    from workbench.dims import DISTRICT, METRIC, TIME

    for dim in (TIME, DISTRICT):
        if dim not in cube.dims:
            msg = (
                f"The results cube needs a `{dim}` dimension; its dimensions are "
                f"{tuple(cube.dims)}. Export a cube over (time, district) of metrics."
            )
            raise SchemaError(msg)
    out: dict[str, Any] = {}
    for name, var in cube.data_vars.items():
        if METRIC in var.dims:
            for m in var[METRIC].to_numpy():
                sub = var.sel({METRIC: m}).drop_vars(METRIC, errors="ignore")
                out[str(m)] = sub
        elif {TIME, DISTRICT} <= set(var.dims):
            out[str(name)] = var
    extra = [d for v in out.values() for d in v.dims if d not in (TIME, DISTRICT)]
    if extra:
        msg = (
            f"Metrics must be over (time, district) only; found extra dimensions "
            f"{sorted(set(extra))}. Select one value along them first, e.g. "
            f"cube.isel({sorted(set(extra))[0]}=0)."
        )
        raise SchemaError(msg)
    if not out:
        msg = (
            "The results cube has no metric over (time, district); data variables: "
            f"{list(cube.data_vars)}."
        )
        raise SchemaError(msg)
    return {k: v.transpose(TIME, DISTRICT) for k, v in out.items()}


@cache
def schema(name: str) -> dict[str, Any]:
    """Load the JSON Schema ``name`` (``"ngsild_entity"``, ``"ngsild_temporal_entity"``, ...)."""
    text = resources.files("workbench.interop").joinpath(f"schemas/{name}.schema.json")
    return json.loads(text.read_text(encoding="utf-8"))


def _inline(node: Any, defs: dict[str, Any], stack: tuple[str, ...] = ()) -> Any:
    """Replace local ``$ref`` pointers by their definitions (except recursive ones); faster."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and len(node) == 1:
            key = ref.removeprefix("#/$defs/")
            if key in stack:
                return node
            return _inline(defs[key], defs, (*stack, key))
        return {k: (v if k == "$defs" else _inline(v, defs, stack)) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs, stack) for v in node]
    return node


@cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    raw = schema(name)
    return Draft202012Validator(_inline(raw, raw.get("$defs", {})))


def validate(documents: Any, name: str) -> None:
    """Validate one document or a list of documents against the schema ``name``.

    Raises
    ------
    SchemaError
        Naming the document, the JSON path and the rule that failed.
    """
    validator = _validator(name)
    docs = documents if isinstance(documents, list) else [documents]
    for i, doc in enumerate(docs):
        if validator.is_valid(doc):
            continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        ident = doc.get("id") or doc.get("thingId") if isinstance(doc, dict) else None
        msg = (
            f"Document {i} ({ident}) does not follow the {name} schema at {where}: "
            f"{err.message}. ({len(errors)} problem(s) in this document.)"
        )
        raise SchemaError(msg)


def write_json_array(documents: list[dict[str, Any]], path: str | Path) -> Path:
    """Write documents as a pretty-printed UTF-8 JSON array and return the path."""
    path = Path(path)
    path.write_text(json.dumps(documents, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def read_json_array(path: str | Path, fmt: str, noun: str) -> list[dict[str, Any]]:
    """Read a JSON file holding an array of documents, or one document.

    ``fmt`` and ``noun`` name the content in the error message (``"NGSI-LD"``, ``"entities"``).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        msg = f"Cannot read {fmt} JSON from {path}: {exc}. Pass a JSON file of {noun}."
        raise DataError(msg) from None
    return data if isinstance(data, list) else [data]
