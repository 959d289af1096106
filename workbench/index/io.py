"""Read COINr's two-table format (``iData`` + ``iMeta``) into an indicator cube and framework.

COINr (the JRC's R package for composite indicators) describes an index with two tables:
``iData`` (one row per unit, and per ``Time`` for panels: ``uCode``, ``uName``, group columns,
denominators and indicator values) and ``iMeta`` (one row per indicator, aggregate, group and
denominator column: ``iCode, iName, Level, Parent, Direction, Weight, Type, Denominator``...).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import DataError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import xarray as xr

    from workbench.index.framework import Framework


def _read_table(path: Any, argument: str) -> pd.DataFrame:
    import pandas as pd

    if isinstance(path, pd.DataFrame):
        return path.copy()
    p = Path(path)
    if not p.exists():
        msg = f"`{argument}`: file {str(p)!r} does not exist. Check the path."
        raise DataError(msg)
    try:
        if p.suffix.lower() in (".xlsx", ".xls"):
            return pd.read_excel(p)
        return pd.read_csv(p)
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes a clear DataError
        msg = f"`{argument}`: could not read {str(p)!r} as a table ({type(exc).__name__}: {exc})."
        raise DataError(msg) from None


def _name(path: Any) -> str:
    """Return a file path for messages (``'<DataFrame>'`` for a table given in memory)."""
    import pandas as pd

    return "<DataFrame>" if isinstance(path, pd.DataFrame) else repr(str(path))


def _check_values(idata: pd.DataFrame, indicators: list[str], path: Any) -> None:
    """Refuse indicator columns with no value at all, and non-finite values (``1e999``)."""
    import numpy as np

    for c in indicators:
        col = idata[c].to_numpy(dtype=float)
        if np.isnan(col).all():
            msg = (
                f"`idata_path` {_name(path)}, column '{c}': every value is missing (0 of "
                f"{len(col)} rows). Rule: an indicator needs at least one value. Fix: fill the "
                f"column, or remove '{c}' from iMeta and iData."
            )
            raise DataError(msg)
        bad = np.flatnonzero(np.isinf(col))
        if bad.size:
            i = int(bad[0])
            msg = (
                f"`idata_path` {_name(path)}, column '{c}', row {i + 2} (uCode "
                f"{idata['uCode'].iloc[i]!r}): value {col[i]} is not finite ({bad.size} such "
                "value(s) in the column; numbers like 1e999 overflow to infinity). Rule: values "
                "must be finite. Fix: correct the value, or leave the cell empty if unknown."
            )
            raise DataError(msg)


def _check_meta_references(
    fw: Framework, imeta: pd.DataFrame, idata: pd.DataFrame, path: Any
) -> None:
    """Refuse iMeta rows naming denominators or groups that are not in the data."""
    columns = [str(c) for c in idata.columns]
    rows = {str(c): i + 2 for i, c in enumerate(imeta["iCode"])} if "iCode" in imeta else {}
    denoms = list(fw.denominators)
    for n in fw.nodes:
        d = n.denominator
        if d is None:
            continue
        if d not in denoms or d not in columns:
            where = (
                "is not a Denominator row of iMeta" if d not in denoms else "has no column in iData"
            )
            hint = did_you_mean(d, [c for c in denoms if c in columns] or denoms)
            msg = (
                f"`imeta_path` {_name(path)}, row {rows.get(n.code, '?')} ('{n.code}'), column "
                f"'Denominator': '{d}' {where}.{hint} Rule: a denominator is a Denominator row "
                "of iMeta and a column of iData. Fix: correct the name, or add the row and the "
                "column."
            )
            raise DataError(msg)
    for g in fw.groups:
        if g not in columns:
            hint = did_you_mean(g, columns)
            msg = (
                f"`imeta_path` {_name(path)}, row {rows.get(g, '?')} ('{g}'): a Group row "
                f"names a column that iData does not have.{hint} Rule: each Group row is a "
                "column of iData. Fix: correct the code, or add the column to iData."
            )
            raise DataError(msg)


def read_coinr(idata_path: Any, imeta_path: Any) -> tuple[xr.Dataset, Framework]:
    """Read COINr ``iData`` and ``iMeta`` tables into ``(cube, framework)``.

    Parameters
    ----------
    idata_path
        CSV/Excel path (or DataFrame) of ``iData``: ``uCode`` (required), ``uName``, optional
        ``Time``, group columns, denominator columns and one column per indicator.
    imeta_path
        CSV/Excel path (or DataFrame) of ``iMeta`` in COINr's layout.

    Returns
    -------
    tuple
        The cube ``value(city, indicator[, year])`` (``year`` only when ``Time`` has several
        values) with city coordinates ``name_en`` and every group column, denominators as
        variables on ``city`` (and ``year``), indicator coordinates ``name_en``, ``direction``,
        ``parent``, ``weight``, ``unit``; and the :class:`~workbench.index.Framework`.

    Raises
    ------
    DataError
        For missing files or columns, duplicate units, non-numeric, all-missing or non-finite
        indicator values, and iMeta rows naming denominators, parents or groups that are not
        there; the message names the file, the column or row, and the fix.
    """
    import numpy as np
    import pandas as pd
    import xarray as xr

    from workbench.dims import CITY, INDICATOR, YEAR
    from workbench.errors import SpecError
    from workbench.index.framework import Framework

    idata = _read_table(idata_path, "idata_path")
    imeta = _read_table(imeta_path, "imeta_path")
    try:
        fw = Framework.from_table(imeta)
    except SpecError as exc:
        msg = f"`imeta_path` {str(imeta_path)!r}: {exc}"
        raise DataError(msg) from None
    if "uCode" not in idata.columns:
        msg = (
            f"`idata_path` {str(idata_path)!r} has no 'uCode' column (the unit codes); columns "
            f"are {list(idata.columns)[:8]}... Add a uCode column."
        )
        raise DataError(msg)
    idata["uCode"] = idata["uCode"].astype(str)
    missing = [c for c in fw.indicators if c not in idata.columns]
    if missing:
        msg = (
            f"`idata_path`: {len(missing)} indicator(s) of iMeta have no column in iData: "
            f"{missing[:5]}.{did_you_mean(missing[0], list(map(str, idata.columns)))} Add the "
            "columns or remove the rows from iMeta."
        )
        raise DataError(msg)
    for c in fw.indicators:
        if not pd.api.types.is_numeric_dtype(idata[c]):
            conv = pd.to_numeric(idata[c], errors="coerce")
            bad = idata.loc[conv.isna() & idata[c].notna(), ["uCode", c]].head(3)
            if len(bad):
                rows = ", ".join(f"{u}={v!r}" for u, v in bad.itertuples(index=False))
                msg = (
                    f"`idata_path` {_name(idata_path)}, column '{c}': values must be numeric; "
                    f"found {rows}. Use empty cells for missing values."
                )
                raise DataError(msg)
            idata[c] = conv
    _check_values(idata, list(fw.indicators), idata_path)
    _check_meta_references(fw, imeta, idata, imeta_path)
    times = sorted(idata["Time"].dropna().unique()) if "Time" in idata.columns else []
    panel = len(times) > 1
    key = ["uCode", "Time"] if panel else ["uCode"]
    dup = idata.duplicated(key)
    if dup.any():
        msg = (
            f"`idata_path`: unit code(s) {idata.loc[dup, 'uCode'].unique()[:5].tolist()} appear "
            f"more than once{' for the same Time' if panel else ''}. Each unit needs one row"
            f"{' per Time' if panel else ''}."
        )
        raise DataError(msg)
    units = list(dict.fromkeys(idata["uCode"]))
    inds = list(fw.indicators)
    groups = [g for g in fw.groups if g in idata.columns]
    denoms = [d for d in fw.denominators if d in idata.columns]
    first = idata.drop_duplicates("uCode").set_index("uCode").reindex(units)
    coords: dict[str, Any] = {CITY: units, INDICATOR: inds}
    if "uName" in idata.columns:
        coords["name_en"] = (CITY, first["uName"].astype(str).to_numpy())
    for g in groups:
        coords[g] = (CITY, first[g].astype(str).to_numpy())
    nodes = {n.code: n for n in fw.nodes}
    coords["name_en_indicator"] = (INDICATOR, [nodes[i].name for i in inds])
    coords["direction"] = (INDICATOR, np.array([nodes[i].direction for i in inds], dtype=int))
    coords["parent"] = (INDICATOR, [nodes[i].parent or "" for i in inds])
    coords["weight"] = (INDICATOR, np.array([nodes[i].weight for i in inds], dtype=float))
    coords["unit"] = (INDICATOR, [nodes[i].unit for i in inds])
    data_vars: dict[str, Any] = {}
    if panel:
        years = [int(t) for t in times]
        coords[YEAR] = years
        idx = pd.MultiIndex.from_product([years, units], names=["Time", "uCode"])
        tab = idata.assign(Time=idata["Time"].astype(int)).set_index(["Time", "uCode"]).reindex(idx)
        vals = tab[inds].to_numpy(dtype=float).reshape(len(years), len(units), len(inds))
        data_vars["value"] = ((YEAR, CITY, INDICATOR), vals)
        for d in denoms:
            data_vars[d] = (
                (YEAR, CITY),
                tab[d].to_numpy(dtype=float).reshape(len(years), len(units)),
            )
    else:
        data_vars["value"] = ((CITY, INDICATOR), first[inds].to_numpy(dtype=float))
        for d in denoms:
            data_vars[d] = ((CITY,), first[d].to_numpy(dtype=float))
    cube = xr.Dataset(data_vars, coords=coords)
    cube = cube.rename({"name_en_indicator": "indicator_name"})
    cube.attrs["framework"] = fw.to_json()
    cube.attrs["source"] = f"COINr two-table format: iData={idata_path!s}, iMeta={imeta_path!s}"
    cube.attrs["groups"] = json.dumps(groups)
    cube.attrs["denominators"] = json.dumps(denoms)
    if times and not panel:
        cube.attrs["year"] = int(times[0])
    return cube, fw


__all__ = ["read_coinr"]
