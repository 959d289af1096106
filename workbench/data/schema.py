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

from collections.abc import Iterable, Mapping, Sequence
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

FRAMEWORK_REQUIRED: tuple[str, ...] = ("iCode", "Parent", "Direction", "Weight", "Type")
"""Columns a framework table must have (``Level`` is derived when absent)."""

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


NODE_TYPES: tuple[str, str] = ("Indicator", "Aggregate")
"""Framework rows that are nodes of the hierarchy."""
OTHER_TYPES: tuple[str, ...] = ("Group", "Denominator", "Other")
"""Framework rows that describe extra data columns (kept apart from the hierarchy)."""


def _blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and np.isnan(v):
        return True
    return isinstance(v, str) and v.strip() in ("", "nan", "NaN", "None")


def _cell_number(
    v: Any, column: str, code: str, row: int, where: str, *, allow_blank: bool = False
) -> float | None:
    from workbench.errors import FrameworkError

    if _blank(v):
        if allow_blank:
            return None
        msg = (
            f"{where}Framework row {row} ('{code}'), column '{column}': a number is required; "
            f"the cell is empty. Fix: fill in '{column}' (for example 1)."
        )
        raise FrameworkError(msg)
    try:
        out = float(str(v).strip()) if isinstance(v, str) else float(v)
    except (TypeError, ValueError):
        msg = (
            f"{where}Framework row {row} ('{code}'), column '{column}' must be numeric; got "
            f"{plain(v)!r}. Fix: write a number such as 1 or 0.5."
        )
        raise FrameworkError(msg) from None
    if not np.isfinite(out):
        msg = (
            f"{where}Framework row {row} ('{code}'), column '{column}' must be finite; got "
            f"{plain(v)!r}. Fix: write a finite number."
        )
        raise FrameworkError(msg)
    return out


def _framework_row(rec: Mapping[str, Any], i: int, where: str) -> dict[str, Any]:
    """Check one framework row (1-based ``i``) and return it typed."""
    from workbench.errors import FrameworkError

    code = rec.get("iCode")
    if _blank(code):
        msg = f"{where}Framework row {i}: 'iCode' is empty. Fix: give every row a unique code."
        raise FrameworkError(msg)
    code = str(code).strip()
    typ = "" if _blank(rec.get("Type")) else str(rec["Type"]).strip()
    out = {k: (None if _blank(v) else v) for k, v in rec.items()}
    out["iCode"] = code
    out["Type"] = typ
    if typ in OTHER_TYPES:
        return out
    if typ not in NODE_TYPES:
        msg = (
            f"{where}Framework row {i} ('{code}'), column 'Type': unknown type {typ!r}."
            f"{did_you_mean(typ, NODE_TYPES + OTHER_TYPES)} Fix: use one of "
            f"{', '.join(NODE_TYPES + OTHER_TYPES)}."
        )
        raise FrameworkError(msg)
    raw = rec.get("Direction")
    direction = 1.0 if _blank(raw) else _to_float(raw)
    if direction not in DIRECTIONS:
        msg = (
            f"{where}Framework row {i} ('{code}'), column 'Direction' must be 1 or -1; unknown "
            f"direction for {typ.lower()} {code}: {plain(raw)!r}. Rule: 1 when more is better, "
            "-1 when less is better. Fix: set the direction of this row to 1 or -1."
        )
        raise FrameworkError(msg)
    weight = _cell_number(rec.get("Weight"), "Weight", code, i, where)
    assert weight is not None
    if weight < 0:
        msg = (
            f"{where}Framework row {i} ('{code}'), column 'Weight' must be >= 0; got {weight:g}. "
            "Fix: use 0 to switch a component off."
        )
        raise FrameworkError(msg)
    level = _cell_number(rec.get("Level"), "Level", code, i, where, allow_blank=True)
    if level is not None and (level < 1 or level % 1 != 0):
        msg = (
            f"{where}Framework row {i} ('{code}'), column 'Level' must hold a whole number >= 1 "
            f"(1 = indicator); got {plain(rec.get('Level'))!r}. Fix: set the row's level."
        )
        raise FrameworkError(msg)
    out["Direction"] = int(direction)
    out["Weight"] = weight
    out["Level"] = int(level) if level is not None else (1 if typ == "Indicator" else None)
    out["Target"] = _cell_number(rec.get("Target"), "Target", code, i, where, allow_blank=True)
    out["Parent"] = None if _blank(rec.get("Parent")) else str(rec["Parent"]).strip()
    for col in ("Denominator", "Aggregation"):
        out[col] = None if _blank(rec.get(col)) else str(rec[col]).strip()
    return out


def check_framework_hierarchy(
    rows: Sequence[Mapping[str, Any]], *, source: str | None = None
) -> None:
    """Check the hierarchy of typed framework rows (``iCode``, ``Parent``, ``Type``, ``Weight``).

    Raises
    ------
    FrameworkError
        For duplicate codes, no indicators, unknown or indicator parents, indicators without a
        parent, cycles, several roots, empty aggregates and children whose weights sum to 0.
    """
    from workbench.errors import FrameworkError

    where = _where(source)
    nodes = [r for r in rows if r.get("Type") in NODE_TYPES]
    codes = [str(r["iCode"]) for r in rows]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        msg = (
            f"{where}duplicate iCode values: {_preview(dup)}. Framework: iCode '{dup[0]}' "
            "appears more than once. Fix: give every node a unique code."
        )
        raise FrameworkError(msg)
    by_code = {str(r["iCode"]): r for r in nodes}
    aggregates = [c for c, r in by_code.items() if r["Type"] == "Aggregate"]
    if not any(r["Type"] == "Indicator" for r in nodes):
        msg = (
            f"{where}Framework has no rows of Type 'Indicator'. Fix: add at least one "
            "indicator row."
        )
        raise FrameworkError(msg)
    dangling = [
        (c, r["Parent"]) for c, r in by_code.items() if r["Parent"] and r["Parent"] not in by_code
    ]
    if dangling:
        c, p = dangling[0]
        items = ", ".join(f"{a} -> {b}" for a, b in dangling[:5])
        msg = (
            f"{where}Parent codes not found in iCode: {items}. Framework: node '{c}' has Parent "
            f"'{p}', which is not a code of the framework.{did_you_mean(p, aggregates)} Rule: "
            "every Parent is the iCode of another row (the top node has an empty Parent). Fix: "
            f"add a row for '{p}' or fix the Parent."
        )
        raise FrameworkError(msg)
    for c, r in by_code.items():
        p = r["Parent"]
        if p and by_code[p]["Type"] != "Aggregate":
            msg = (
                f"{where}Framework: node '{c}' has Parent '{p}', which is an indicator; parents "
                "must be of Type 'Aggregate'. Fix: point the Parent at an aggregate."
            )
            raise FrameworkError(msg)
        if r["Type"] == "Indicator" and not p and len(by_code) > 1:
            msg = (
                f"{where}Framework: indicator '{c}' has no Parent. Rule: every indicator belongs "
                "to an aggregate. Fix: set its Parent."
            )
            raise FrameworkError(msg)
    for c in by_code:  # cycles
        path = [c]
        cur = by_code[c]["Parent"]
        while cur:
            if cur in path:
                msg = (
                    f"{where}Framework: the Parent links form a cycle "
                    f"({' -> '.join([*path, cur])}). Fix: break the cycle."
                )
                raise FrameworkError(msg)
            path.append(cur)
            cur = by_code[cur]["Parent"]
    roots = [c for c, r in by_code.items() if not r["Parent"]]
    if len(roots) != 1:
        msg = (
            f"{where}Framework must have exactly one root (a node without Parent); found "
            f"{len(roots)}: {roots}. Fix: give all but the index node a Parent."
        )
        raise FrameworkError(msg)
    kids: dict[str, list[str]] = {a: [] for a in aggregates}
    for c, r in by_code.items():
        if r["Parent"]:
            kids[r["Parent"]].append(c)
    for a in aggregates:
        if not kids[a]:
            msg = (
                f"{where}Framework: aggregate '{a}' has no children. Fix: remove it or set it as "
                "the Parent of some nodes."
            )
            raise FrameworkError(msg)
        if sum(float(by_code[k]["Weight"]) for k in kids[a]) <= 0:
            msg = (
                f"{where}Framework: the weights of the children of '{a}' sum to 0 ({kids[a]}). "
                "Fix: give at least one child a positive weight."
            )
            raise FrameworkError(msg)


def validate_framework(
    records: Iterable[Mapping[str, Any]], *, source: str | None = None
) -> list[dict[str, Any]]:
    """Check framework rows (COINr iMeta layout) and return them typed.

    The one framework validator: :func:`check_framework` (data readers) and
    :class:`workbench.index.Framework` both call it.

    Parameters
    ----------
    records
        Rows as mappings with at least ``iCode, Parent, Direction, Weight, Type``.
    source
        The file or argument the rows come from, used in messages.

    Returns
    -------
    list of dict
        Rows with ``Direction`` (int), ``Weight`` (float), ``Level`` (int, 1 for indicators when
        blank), ``Target`` (float or None) and ``Parent``/``Denominator``/``Aggregation`` (str or
        None) typed; rows of other types (``Group``, ``Denominator``, ``Other``) as given, blanks
        as None.

    Raises
    ------
    FrameworkError
        A :class:`SchemaError` and a :class:`~workbench.errors.SpecError`, naming the row, the
        column, the rule and the fix.
    """
    from workbench.errors import FrameworkError

    where = _where(source)
    records = list(records)
    columns = set().union(*(r.keys() for r in records)) if records else set()
    missing = [c for c in FRAMEWORK_REQUIRED if c not in columns]
    if missing:
        msg = (
            f"{where}the framework table lacks the required column(s) {missing}; it has "
            f"{sorted(map(str, columns))}. Rule: a framework needs {list(FRAMEWORK_REQUIRED)} "
            "(COINr iMeta layout; Level, iName, iName_zh, Unit, Source, Target, Denominator, "
            "Aggregation optional). Fix: add the missing columns."
        )
        raise FrameworkError(msg)
    rows = [_framework_row(r, i, where) for i, r in enumerate(records, start=1)]
    check_framework_hierarchy(rows, source=source)
    return rows


def check_framework(fw: Any, *, source: str | None = None) -> pd.DataFrame:
    """Check a framework table (COINr iMeta layout) and return it with clean dtypes.

    Calls :func:`validate_framework`, the one framework validator.

    Raises
    ------
    FrameworkError
        For missing columns, duplicate codes, unknown types or directions, bad levels or
        weights, dangling parents, cycles, several roots or empty aggregates.
    """
    import pandas as pd

    df = fw if isinstance(fw, pd.DataFrame) else pd.DataFrame(fw)
    rows = validate_framework(df.to_dict("records"), source=source)
    out = pd.DataFrame(rows, columns=list(dict.fromkeys([*df.columns, *rows[0].keys()])))
    out["iCode"] = out["iCode"].astype(str)
    if "Level" in out:
        lv = pd.to_numeric(out["Level"], errors="coerce")
        out["Level"] = lv.astype("int64") if lv.notna().all() else lv.astype("Int64")
    is_node = out["Type"].isin(NODE_TYPES)
    out["Direction"] = pd.to_numeric(out["Direction"], errors="coerce").where(is_node, 1)
    out["Direction"] = out["Direction"].fillna(1).astype("int64")
    out["Weight"] = pd.to_numeric(out["Weight"], errors="coerce").astype("float64")
    out["Parent"] = out["Parent"].fillna("").astype(str)
    return out[[c for c in out.columns if c in df.columns or c in FRAMEWORK_REQUIRED]]


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
    "check_framework_hierarchy",
    "check_population",
    "check_unique",
    "check_values",
    "check_years",
    "validate_framework",
]
