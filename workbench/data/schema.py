"""The schema of the workbench's indicator cube and tables, and the checks that enforce it.

The canonical indicator cube is an :class:`xarray.Dataset` with

- the data variable ``value(city, indicator, year)`` (float, NaN where missing; ``year`` may be
  absent for a single-year cube);
- the dimension coordinates ``city`` (str codes), ``indicator`` (str codes) and ``year`` (int);
- optional city coordinates (:data:`CITY_COORDS`) and indicator coordinates
  (:data:`INDICATOR_COORDS`), among them ``direction`` (+1 or -1).

:func:`check_cube` checks a cube and returns it in canonical form (dimension order, dtypes);
it raises :class:`~workbench.errors.SchemaError` with a message that names the source, the
coordinate, the rule, what was received and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.dims import ALL_DIMS, CITY, INDICATOR, YEAR
from workbench.errors import SchemaError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import xarray as xr

VALUE = "value"
"""Name of the data variable of an indicator cube."""

CUBE_DIMS: tuple[str, str, str] = (CITY, INDICATOR, YEAR)
"""Dimensions of ``value``, in canonical order."""

CITY_COORDS: tuple[str, ...] = ("name_en", "name_zh", "province_en", "lat", "lon", "population")
"""Optional coordinates along ``city``."""

INDICATOR_COORDS: tuple[str, ...] = (
    "indicator_name_en",
    "indicator_name_zh",
    "unit",
    "direction",
    "parent",
    "dimension",
    "weight",
    "source",
)
"""Optional coordinates along ``indicator``."""

FRAMEWORK_COLUMNS: tuple[str, ...] = (
    "iCode",
    "iName",
    "iName_zh",
    "Level",
    "Parent",
    "Direction",
    "Weight",
    "Type",
    "Unit",
    "Source",
)
"""Columns of the framework table (COINr iMeta-like); ``iName_zh``, ``Unit`` and ``Source`` are
optional."""

FRAMEWORK_REQUIRED: tuple[str, ...] = ("iCode", "Level", "Parent", "Direction", "Weight", "Type")

YEAR_RANGE: tuple[int, int] = (1900, 2100)
"""Plausible calendar years; a year outside is almost always a shifted column."""

DIRECTIONS: tuple[int, int] = (-1, 1)


def _where(source: str | None) -> str:
    return f"{source}: " if source else ""


def plain(v: Any) -> Any:
    """Return a numpy scalar as the Python scalar it holds (for readable messages)."""
    return v.item() if isinstance(v, np.generic) else v


def _preview(values: Iterable[Any], n: int = 5) -> str:
    vals = list(values)
    shown = ", ".join(repr(plain(v)) for v in vals[:n])
    more = f" (and {len(vals) - n} more)" if len(vals) > n else ""
    return f"[{shown}]{more}"


def check_directions(
    values: Sequence[Any] | np.ndarray,
    labels: Sequence[Any] | np.ndarray,
    *,
    source: str | None = None,
    what: str = "indicator",
) -> np.ndarray:
    """Check that every direction is +1 or -1 and return them as an int64 array.

    Parameters
    ----------
    values
        The directions as read (numbers or text such as ``"1"``, ``"-1"``, ``"+1"``).
    labels
        The indicator code of each direction, used in the message.
    source
        The file or argument the directions come from.
    what
        What the labels are (``"indicator"``, ``"row"``).

    Returns
    -------
    numpy.ndarray
        The directions as int64.

    Raises
    ------
    SchemaError
        When a direction is missing or not +1/-1.
    """
    out = np.empty(len(values), dtype="int64")
    bad = []
    for i, (v, lab) in enumerate(zip(values, labels, strict=True)):
        try:
            f = float(str(v).strip())
        except ValueError:
            f = float("nan")
        if f not in DIRECTIONS:
            bad.append(f"{what} {lab!s}: {plain(v)!r}")
        else:
            out[i] = int(f)
    if bad:
        msg = (
            f"{_where(source)}unknown direction for {len(bad)} {what}(s): {'; '.join(bad[:5])}. "
            "Rule: direction must be 1 (higher is better) or -1 (lower is better). "
            "Fix: set the direction of each of these to 1 or -1."
        )
        raise SchemaError(msg)
    return out


def check_years(
    years: Sequence[Any] | np.ndarray,
    *,
    source: str | None = None,
    where: str = "coordinate 'year'",
) -> np.ndarray:
    """Check that years are whole, plausible calendar years and return them as int64.

    Raises
    ------
    SchemaError
        When a year is missing, not a whole number, or outside 1900-2100.
    """
    arr = np.asarray(years)
    try:
        f = arr.astype("float64")
    except (TypeError, ValueError):
        f = np.array([_to_float(v) for v in arr.ravel()], dtype="float64")
    bad = ~np.isfinite(f) | (np.mod(np.where(np.isfinite(f), f, 0.0), 1.0) != 0)
    if bad.any():
        msg = (
            f"{_where(source)}{where} has values that are not whole years: "
            f"{_preview(arr[bad])}. Rule: years are integers such as 2024. "
            "Fix: write each year as a plain integer (not '2024.5', 'FY2024' or empty)."
        )
        raise SchemaError(msg)
    out = f.astype("int64")
    lo, hi = YEAR_RANGE
    off = (out < lo) | (out > hi)
    if off.any():
        msg = (
            f"{_where(source)}{where} has values outside {lo}-{hi}: {_preview(out[off])}. "
            "Rule: years are calendar years. Fix: check that the year column holds years and "
            "not values (a shifted column)."
        )
        raise SchemaError(msg)
    return out


def _to_float(v: Any) -> float:
    try:
        return float(str(v).strip())
    except ValueError:
        return float("nan")


def check_unique(
    values: Sequence[Any] | np.ndarray, *, name: str, source: str | None = None, fix: str = ""
) -> None:
    """Raise :class:`SchemaError` if ``values`` has duplicates, naming them."""
    import pandas as pd

    s = pd.Series(np.asarray(values, dtype=object))
    dup = s[s.duplicated(keep=False)]
    if len(dup):
        uniq = list(dict.fromkeys(dup.tolist()))
        msg = (
            f"{_where(source)}duplicate {name}: {_preview(uniq)}. Rule: each {name.rstrip('s')} "
            f"must appear once. Fix: {fix or 'remove or rename the duplicates'}."
        )
        raise SchemaError(msg)


def check_population(
    values: Sequence[Any] | np.ndarray, labels: Sequence[Any], *, source: str | None = None
) -> None:
    """Raise :class:`SchemaError` if a population is negative, naming the cities."""
    arr = np.asarray(values, dtype="float64")
    neg = np.flatnonzero(arr < 0)
    if len(neg):
        items = [f"{labels[i]!s}={arr[i]:g}" for i in neg[:5]]
        msg = (
            f"{_where(source)}negative population for {len(neg)} city(ies): {', '.join(items)}. "
            "Rule: population must be zero or positive. Fix: correct these values or leave "
            "them empty if unknown."
        )
        raise SchemaError(msg)


def check_cube(
    cube: Any,
    *,
    source: str | None = None,
    require_year: bool = False,
    structure_only: bool = False,
    require_values: bool = False,
) -> xr.Dataset:
    """Check an indicator cube and return it in canonical form.

    The one validator of indicator cubes: the data readers and the index engine both call it
    (the index's steps with ``structure_only=True`` on every fit and transform, its entry
    points in full).

    Parameters
    ----------
    cube
        An :class:`xarray.Dataset` with ``value(city, indicator[, year])`` (a DataArray is
        accepted and becomes the ``value`` variable).
    source
        The file or argument the cube comes from, used in messages.
    require_year
        Require the ``year`` dimension.
    structure_only
        Check only the structure (type, ``value``, dimensions, dtype, non-empty) and return
        ``cube`` unchanged: cheap enough for every step of a pipeline. The full check also
        refuses duplicate codes, bad years, directions, populations and weights and
        non-finite values, and canonicalises.
    require_values
        Also refuse indicators without any value (the index needs at least one per indicator).

    Returns
    -------
    xarray.Dataset
        The cube with ``value`` as float64 on ``(city, indicator, year)`` (in that order), string
        ``city``/``indicator`` coordinates, int64 ``year`` and ``direction``.

    Raises
    ------
    SchemaError
        When the cube breaks a rule of the schema; the message names the rule and the fix.
    """
    import xarray as xr

    where = _where(source)
    if isinstance(cube, xr.DataArray):
        cube = cube.to_dataset(name=VALUE)
    if not isinstance(cube, xr.Dataset):
        msg = (
            f"{where}an indicator cube must be an xarray.Dataset with a variable 'value' on "
            f"dimensions {CUBE_DIMS}; got {type(cube).__name__}. Fix: build one with "
            "workbench.data.read_cube(path) or workbench.data.long_to_cube(table)."
        )
        raise SchemaError(msg)
    if VALUE not in cube.data_vars:
        names = sorted(map(str, cube.data_vars))
        hint = did_you_mean(VALUE, names)
        msg = (
            f"{where}the cube has no data variable 'value'; it has {names}.{hint} Rule: "
            "indicator values live in the variable 'value'. Fix: cube.rename({'<name>': 'value'})."
        )
        raise SchemaError(msg)
    da = cube[VALUE]
    dims = tuple(map(str, da.dims))
    wanted = set(CUBE_DIMS) if require_year else {CITY, INDICATOR}
    extra = [d for d in dims if d not in CUBE_DIMS]
    if extra or not wanted <= set(dims):
        hints = "".join(did_you_mean(d, ALL_DIMS) for d in extra)
        needed = CUBE_DIMS if require_year else (CITY, INDICATOR, f"optionally {YEAR}")
        msg = (
            f"{where}'value' must have the dimensions {needed}; got {dims}.{hints} Rule: "
            "dimension names come from workbench.dims. Fix: rename them, e.g. "
            "cube.rename({'country': 'city'})."
        )
        raise SchemaError(msg)
    if not (np.issubdtype(da.dtype, np.number) or da.dtype == bool):
        msg = (
            f"{where}'value' must be numeric; got dtype {da.dtype}. Fix: convert text to "
            "numbers (missing values as NaN) before building the cube."
        )
        raise SchemaError(msg)
    for d in (CITY, INDICATOR):
        if cube.sizes[d] == 0:
            msg = f"{where}the cube has no {d}s (dimension '{d}' has length 0). Fix: load data."
            raise SchemaError(msg)
    if structure_only:
        return cube
    for d in (CITY, INDICATOR):
        if d not in cube.coords:
            msg = (
                f"{where}dimension '{d}' has no coordinate labels. Rule: every {d} has a code. "
                f"Fix: cube.assign_coords({d}=[...codes...])."
            )
            raise SchemaError(msg)
    cube = cube.assign_coords(
        {
            CITY: np.asarray([str(c) for c in cube[CITY].to_numpy()], dtype=object),
            INDICATOR: np.asarray([str(c) for c in cube[INDICATOR].to_numpy()], dtype=object),
        }
    )
    check_unique(
        cube[CITY].to_numpy(), name="city codes", source=source, fix="give each city one row/code"
    )
    check_unique(cube[INDICATOR].to_numpy(), name="indicator codes", source=source)
    if YEAR in dims:
        if YEAR not in cube.coords:
            msg = (
                f"{where}dimension 'year' has no coordinate labels. Fix: assign_coords(year=[...])."
            )
            raise SchemaError(msg)
        years = check_years(cube[YEAR].to_numpy(), source=source)
        check_unique(years, name="years", source=source, fix="give each year once")
        cube = cube.assign_coords({YEAR: years})
        order = np.argsort(years, kind="stable")
        if (np.diff(years) < 0).any():
            cube = cube.isel({YEAR: order})
    if "direction" in cube.coords:
        dirs = cube["direction"]
        if dirs.dims != (INDICATOR,):
            msg = f"{where}coordinate 'direction' must be along 'indicator'; got {dirs.dims}."
            raise SchemaError(msg)
        cube = cube.assign_coords(
            direction=(
                INDICATOR,
                check_directions(dirs.to_numpy(), cube[INDICATOR].to_numpy(), source=source),
                dirs.attrs,
            )
        )
    if "population" in cube.coords:
        check_population(cube["population"].to_numpy(), list(cube[CITY].to_numpy()), source=source)
    if "weight" in cube.coords:
        w = np.asarray(cube["weight"].to_numpy(), dtype="float64")
        if (~np.isfinite(w) | (w < 0)).any():
            bad = cube[INDICATOR].to_numpy()[~np.isfinite(w) | (w < 0)]
            msg = (
                f"{where}coordinate 'weight' must be finite and >= 0; bad for indicators "
                f"{_preview(bad)}. Fix: set a non-negative weight for each indicator."
            )
            raise SchemaError(msg)
    target = [d for d in CUBE_DIMS if d in dims]
    value = cube[VALUE].transpose(*target).astype("float64")
    check_values(value, source=source, require_values=require_values)
    return cube.assign({VALUE: value})


def check_values(
    value: xr.DataArray, *, source: str | None = None, require_values: bool = True
) -> None:
    """Refuse non-finite values (and, with ``require_values``, indicators without any value).

    Raises
    ------
    SchemaError
        Naming the source, the indicator (and city/year of a non-finite value) and the fix.
    """
    where = _where(source)
    arr = np.asarray(value.transpose(INDICATOR, ...).to_numpy(), dtype="float64")
    flat = arr.reshape(arr.shape[0], -1)
    inds = [str(c) for c in value[INDICATOR].to_numpy()]
    inf = np.isinf(flat)
    if inf.any():
        i = int(np.flatnonzero(inf.any(1))[0])
        sel = value.isel({INDICATOR: i})
        pos = np.unravel_index(int(np.flatnonzero(np.isinf(sel.to_numpy()))[0]), sel.shape)
        at = ", ".join(
            f"{d} {plain(sel[d].to_numpy()[k])!s}" for d, k in zip(sel.dims, pos, strict=True)
        )
        msg = (
            f"{where}indicator '{inds[i]}' has {int(inf[i].sum())} non-finite value(s), first at "
            f"{at}. Rule: values must be finite (numbers like 1e999 overflow to infinity). "
            "Fix: correct the value, or set it to NaN if unknown."
        )
        raise SchemaError(msg)
    empty = np.isnan(flat).all(1)
    if require_values and empty.any():
        bad = [inds[i] for i in np.flatnonzero(empty)]
        msg = (
            f"{where}indicator(s) {_preview(bad)} have no value at all. Rule: an indicator needs "
            "at least one value. Fix: fill them, or drop them with "
            f"cube.drop_sel(indicator={bad[:5]!r})."
        )
        raise SchemaError(msg)


def check_framework(fw: pd.DataFrame, *, source: str | None = None) -> pd.DataFrame:
    """Check a framework table (COINr iMeta layout) and return it with clean dtypes.

    Raises
    ------
    SchemaError
        For missing columns, duplicate codes, unknown directions, bad levels or dangling parents.
    """
    import pandas as pd

    where = _where(source)
    missing = [c for c in FRAMEWORK_REQUIRED if c not in fw.columns]
    if missing:
        msg = (
            f"{where}missing column(s) {missing} of a framework table; found {list(fw.columns)}. "
            f"Rule: a framework has the columns {list(FRAMEWORK_REQUIRED)} (plus optional "
            "iName, iName_zh, Unit, Source). Fix: add the missing columns."
        )
        raise SchemaError(msg)
    fw = fw.copy()
    fw["iCode"] = fw["iCode"].astype(str)
    check_unique(fw["iCode"].to_numpy(), name="iCode values", source=source)
    levels = np.array([_to_float(v) for v in fw["Level"]])
    if (~np.isfinite(levels) | (levels < 1) | (np.mod(np.nan_to_num(levels), 1) != 0)).any():
        bad = fw.loc[~np.isfinite(levels) | (levels < 1), "iCode"].tolist()
        msg = (
            f"{where}column 'Level' must hold whole numbers >= 1 (1 = indicator); bad for "
            f"{_preview(bad)}. Fix: set each row's level."
        )
        raise SchemaError(msg)
    fw["Level"] = levels.astype("int64")
    is_ind = fw["Level"] == 1
    raw = fw["Direction"].astype(object).to_numpy()
    raw = np.where(pd.isna(raw) | (raw == ""), 1, raw)
    is_ind = (fw["Level"] == 1).to_numpy()
    direction = np.ones(len(fw), dtype="int64")
    direction[is_ind] = check_directions(raw[is_ind], fw["iCode"].to_numpy()[is_ind], source=source)
    fw["Direction"] = direction
    fw["Weight"] = fw["Weight"].astype("float64")
    parents = fw["Parent"].fillna("").astype(str)
    codes = set(fw["iCode"])
    dangling = [(c, p) for c, p in zip(fw["iCode"], parents, strict=True) if p and p not in codes]
    if dangling:
        items = ", ".join(f"{c} -> {p}" for c, p in dangling[:5])
        msg = (
            f"{where}Parent codes not found in iCode: {items}. Rule: every Parent is the iCode "
            "of another row (the top node has an empty Parent). Fix: add the parent rows or "
            "correct the codes."
        )
        raise SchemaError(msg)
    fw["Parent"] = parents
    return fw


__all__ = [
    "CITY_COORDS",
    "CUBE_DIMS",
    "DIRECTIONS",
    "FRAMEWORK_COLUMNS",
    "FRAMEWORK_REQUIRED",
    "INDICATOR_COORDS",
    "VALUE",
    "YEAR_RANGE",
    "check_cube",
    "check_directions",
    "check_framework",
    "check_population",
    "check_unique",
    "check_values",
    "check_years",
]
