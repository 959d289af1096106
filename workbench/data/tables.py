"""Read CSV and Excel tables safely, and convert indicator tables to and from the cube.

Tables are read as text first, so that a bad cell is reported by its row and column (the row
number as a spreadsheet shows it: the header is row 1). Excel files are read with openpyxl in
read-only, values-only mode: formulas are never evaluated and macros never run.

Two layouts of indicator data are understood:

- **long**: columns ``city``, ``indicator``, ``year``, ``value`` (optional ``direction``,
  ``unit``), one row per value;
- **wide**: columns ``city``, ``year`` and one column per indicator.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.data.schema import (
    VALUE,
    check_cube,
    check_directions,
    check_unique,
    check_years,
    plain,
)
from workbench.dims import CITY, INDICATOR, YEAR
from workbench.errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import xarray as xr

#: Cell texts read as missing values.
MISSING_TOKENS: frozenset[str] = frozenset(
    {"", "na", "n/a", "nan", "null", "none", "-", "..", "#n/a"}
)
LONG_COLUMNS: tuple[str, ...] = (CITY, INDICATOR, YEAR, VALUE)
WIDE_KEYS: tuple[str, ...] = (CITY, YEAR)
TEXT_ENCODINGS: tuple[str, ...] = ("utf-8-sig", "gb18030")


def _name(path: Path) -> str:
    return str(path)


def read_text_table(path: str | Path, *, sheet: str | None = None) -> pd.DataFrame:
    """Read a CSV/TSV or Excel file as a table of strings.

    Column names are stripped; empty cells become ``""``.

    Parameters
    ----------
    path
        A ``.csv``, ``.tsv``, ``.txt`` (comma separated), ``.xlsx`` or ``.xlsm`` file.
    sheet
        Excel only: the sheet to read (default: the first).

    Raises
    ------
    DataError
        When the file is empty, has no data rows, is not text in UTF-8 or GB18030, or cannot be
        parsed.
    """
    path = Path(path)
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        df = _read_excel(path, sheet)
    else:
        df = _read_csv(path)
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        msg = (
            f"{path}: the table has a header ({', '.join(df.columns)}) but no data rows. "
            "Rule: a table needs at least one data row. Fix: add data below the header."
        )
        raise DataError(msg)
    blank = [i + 1 for i, c in enumerate(df.columns) if not c or c.startswith("Unnamed:")]
    if blank:
        msg = (
            f"{path}: column(s) {blank} have no header name. Rule: every column needs a name in "
            "the first row. Fix: name the column(s) or delete them."
        )
        raise DataError(msg)
    check_unique(df.columns, name="column names", source=str(path), fix="rename the columns")
    return df


def _check_not_empty(path: Path) -> None:
    if not path.exists():
        msg = f"{path}: file not found. Fix: check the path (relative paths start at {Path.cwd()})."
        raise DataError(msg)
    if path.is_file() and path.stat().st_size == 0:
        msg = f"{path}: the file is empty (0 bytes). Fix: export the data again, with a header row."
        raise DataError(msg)


def _read_csv(path: Path) -> pd.DataFrame:
    import pandas as pd

    _check_not_empty(path)
    raw = path.read_bytes()
    text = None
    for enc in TEXT_ENCODINGS:
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        msg = (
            f"{path}: the file is not text in UTF-8 or GB18030 (is it a binary or Excel file "
            "renamed to .csv?). Fix: save it as 'CSV UTF-8' from your spreadsheet program."
        )
        raise DataError(msg)
    if not text.strip():
        msg = (
            f"{path}: the file is empty (only blank space). Fix: export the data with a header row."
        )
        raise DataError(msg)
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    import io

    try:
        df = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=True
        )
    except pd.errors.ParserError as exc:
        msg = (
            f"{path}: cannot parse the table ({str(exc).strip()}). Rule: every row has as many "
            "cells as the header. Fix: quote cells that contain the separator."
        )
        raise DataError(msg) from None
    return df


def _read_excel(path: Path, sheet: str | None) -> pd.DataFrame:
    import zipfile

    import openpyxl
    import pandas as pd

    _check_not_empty(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        msg = (
            f"{path}: not a readable Excel workbook ({type(exc).__name__}: {exc}). "
            "Fix: save it as .xlsx from your spreadsheet program (.xls is not supported)."
        )
        raise DataError(msg) from None
    try:
        if sheet is None:
            ws = wb.worksheets[0]
        elif sheet in wb.sheetnames:
            ws = wb[sheet]
        else:
            from workbench.errors import unknown_name

            msg = f"{path}: " + unknown_name("sheet", sheet, wb.sheetnames)
            raise DataError(msg)
        rows = [
            ["" if v is None else str(v).strip() for v in row]
            for row in ws.iter_rows(values_only=True)
        ]
    finally:
        wb.close()
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        msg = f"{path}: the sheet '{ws.title}' is empty. Fix: put a header row and data on it."
        raise DataError(msg)
    header = rows[0]
    while header and header[-1] == "":
        header = header[:-1]
    body = [r[: len(header)] + [""] * (len(header) - len(r)) for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=object)


def normalise_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Lower-case the key columns (``City`` -> ``city``) so headers are matched loosely."""
    keys = {*LONG_COLUMNS, "direction", "unit"}
    rename = {c: c.strip().lower() for c in df.columns if c.strip().lower() in keys}
    return df.rename(columns=rename)


def to_numbers(
    df: pd.DataFrame, columns: Iterable[str], *, source: str, what: str = "values"
) -> pd.DataFrame:
    """Convert text columns to float, naming the first bad cells (row and column) on failure.

    Cells in :data:`MISSING_TOKENS` (empty, ``NA``, ``..``, ...) become NaN.

    Raises
    ------
    DataError
        When a cell is neither a number nor a missing-value token.
    """
    import pandas as pd

    out = df.copy()
    bad: list[str] = []
    for col in columns:
        if pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype("float64")
            continue
        text = out[col].astype(str).str.strip().str.replace(",", "", regex=False)
        missing = text.isna() | text.str.lower().isin(MISSING_TOKENS)
        num = pd.to_numeric(text.where(~missing, None), errors="coerce")
        wrong = num.isna() & ~missing
        for idx in np.flatnonzero(wrong.to_numpy())[:5]:
            bad.append(f"row {idx + 2}, column '{col}': {out[col].iloc[idx]!r}")
        out[col] = num.astype("float64")
    if bad:
        msg = (
            f"{source}: non-numeric {what}: {'; '.join(bad[:5])}. Rule: {what} must be numbers "
            "(empty, NA or '..' mean missing). Fix: correct these cells or leave them empty."
        )
        raise DataError(msg)
    return out


def detect_layout(df: pd.DataFrame) -> str | None:
    """Return ``"long"``, ``"wide"`` or ``None`` for a table of indicator data."""
    cols = set(normalise_columns(df).columns)
    if INDICATOR in cols or VALUE in cols:
        return "long"
    if set(WIDE_KEYS) <= cols:
        return "wide"
    return None


def _missing_columns_error(source: str, cols: list[str], missing: list[str], layout: str) -> None:
    msg = (
        f"{source}: missing column(s) {missing} for a {layout} indicator table; found {cols}. "
        f"Rule: a long table has the columns {list(LONG_COLUMNS)} (optional direction, unit); a "
        f"wide table has '{CITY}', '{YEAR}' and one column per indicator. Fix: add or rename the "
        "columns (headers are matched without regard to case)."
    )
    raise DataError(msg)


def long_to_cube(df: pd.DataFrame, *, source: str = "table") -> xr.Dataset:
    """Build the canonical cube from a long table (``city, indicator, year, value``).

    Parameters
    ----------
    df
        The table; values may still be text (they are converted, bad cells reported).
    source
        The file name used in messages.

    Returns
    -------
    xarray.Dataset
        ``value(city, indicator, year)``; ``direction``/``unit`` coordinates when given (else
        direction +1, recorded in ``attrs["direction_assumed"]``).

    Raises
    ------
    DataError
        For missing columns, non-numeric values, bad years, duplicate rows or conflicting
        directions.
    """
    import xarray as xr

    df = normalise_columns(df)
    missing = [c for c in LONG_COLUMNS if c not in df.columns]
    if missing:
        _missing_columns_error(source, list(df.columns), missing, "long")
    df = to_numbers(df, [VALUE], source=source)
    df = df.copy()
    df[CITY] = df[CITY].astype(str).str.strip()
    df[INDICATOR] = df[INDICATOR].astype(str).str.strip()
    for key in (CITY, INDICATOR):
        empty = np.flatnonzero((df[key] == "").to_numpy())
        if len(empty):
            where_rows = ", ".join(str(i + 2) for i in empty[:5])
            msg = (
                f"{source}: empty '{key}' in row(s) {where_rows}. Rule: every row names its {key}. "
                "Fix: fill them in."
            )
            raise DataError(msg)
    df[YEAR] = check_years(df[YEAR].to_numpy(), source=source, where="column 'year'")
    dup = df.duplicated([CITY, INDICATOR, YEAR], keep=False)
    if dup.any():
        rows = [str(i + 2) for i in np.flatnonzero(dup.to_numpy())[:6]]
        first = [plain(v) for v in df.loc[dup, [CITY, INDICATOR, YEAR]].iloc[0]]
        msg = (
            f"{source}: duplicate (city, indicator, year) rows {first} in rows {', '.join(rows)}. "
            "Rule: one value per city, indicator and year. Fix: remove the repeated rows or "
            "give the cities distinct codes."
        )
        raise DataError(msg)
    cities = list(dict.fromkeys(df[CITY]))
    indicators = list(dict.fromkeys(df[INDICATOR]))
    years = np.sort(df[YEAR].unique())
    ci = {c: i for i, c in enumerate(cities)}
    ii = {c: i for i, c in enumerate(indicators)}
    yi = {int(y): i for i, y in enumerate(years)}
    arr = np.full((len(cities), len(indicators), len(years)), np.nan)
    arr[
        df[CITY].map(ci).to_numpy(),
        df[INDICATOR].map(ii).to_numpy(),
        df[YEAR].map(yi).to_numpy(),
    ] = df[VALUE].to_numpy(dtype="float64")
    coords: dict[str, Any] = {
        CITY: np.array(cities, dtype=object),
        INDICATOR: np.array(indicators, dtype=object),
        YEAR: years.astype("int64"),
    }
    attrs: dict[str, Any] = {"source_file": source, "layout": "long"}
    for extra in ("direction", "unit"):
        if extra in df.columns:
            per = df.groupby(INDICATOR, sort=False)[extra].agg(lambda s: sorted(set(s.astype(str))))
            clash = {k: v for k, v in per.items() if len(v) > 1}
            if clash:
                k, v = next(iter(clash.items()))
                msg = (
                    f"{source}: column '{extra}' differs between rows of indicator '{k}': {v}. "
                    f"Rule: one {extra} per indicator. Fix: make the rows agree."
                )
                raise DataError(msg)
            vals = [per[i][0] for i in indicators]
            if extra == "direction":
                coords["direction"] = (
                    INDICATOR,
                    check_directions(vals, indicators, source=source),
                )
            else:
                coords["unit"] = (INDICATOR, np.array(vals, dtype=object))
    if "direction" not in coords:
        coords["direction"] = (INDICATOR, np.ones(len(indicators), dtype="int64"))
        attrs["direction_assumed"] = "no direction column: +1 assumed for every indicator"
    ds = xr.Dataset({VALUE: ((CITY, INDICATOR, YEAR), arr)}, coords=coords, attrs=attrs)
    return check_cube(ds, source=source)


def wide_to_cube(
    df: pd.DataFrame, *, source: str = "table", directions: dict[str, int] | None = None
) -> xr.Dataset:
    """Build the canonical cube from a wide table (``city, year`` + one column per indicator).

    Columns other than ``city`` and ``year`` whose header starts with ``name`` (``name``,
    ``name_en``, ``name_zh``) are kept as city coordinates; every other column is an indicator.

    Parameters
    ----------
    df
        The table.
    source
        The file name used in messages.
    directions
        Optional ``{indicator: +1 | -1}``; indicators not listed get +1.

    Raises
    ------
    DataError
        For missing columns, non-numeric values, bad years and duplicate (city, year) rows.
    """
    df = normalise_columns(df)
    missing = [c for c in WIDE_KEYS if c not in df.columns]
    if missing:
        _missing_columns_error(source, list(df.columns), missing, "wide")
    label_cols = [c for c in df.columns if c.lower().startswith("name")]
    ind_cols = [c for c in df.columns if c not in (*WIDE_KEYS, *label_cols)]
    if not ind_cols:
        msg = (
            f"{source}: a wide table needs at least one indicator column besides "
            f"'{CITY}' and '{YEAR}'; found {list(df.columns)}. Fix: add indicator columns."
        )
        raise DataError(msg)
    df = to_numbers(df, ind_cols, source=source)
    df[CITY] = df[CITY].astype(str).str.strip()
    df[YEAR] = check_years(df[YEAR].to_numpy(), source=source, where="column 'year'")
    dup = df.duplicated([CITY, YEAR], keep=False)
    if dup.any():
        rows = [str(i + 2) for i in np.flatnonzero(dup.to_numpy())[:6]]
        first = [plain(v) for v in df.loc[dup, [CITY, YEAR]].iloc[0]]
        msg = (
            f"{source}: duplicate city code and year {first} in rows {', '.join(rows)}. "
            "Rule: one row per city and year. Fix: remove the repeated rows or give the "
            "cities distinct codes."
        )
        raise DataError(msg)
    long = df.melt(id_vars=[CITY, YEAR], value_vars=ind_cols, var_name=INDICATOR, value_name=VALUE)
    if directions:
        unknown = sorted(set(directions) - set(ind_cols))
        if unknown:
            from workbench.errors import unknown_name

            msg = f"{source}: `directions` names " + unknown_name("indicator", unknown[0], ind_cols)
            raise DataError(msg)
        long["direction"] = long[INDICATOR].map(lambda i: directions.get(i, 1))
    cube = long_to_cube(long, source=source)
    cube.attrs["layout"] = "wide"
    for col in label_cols:
        labels = df.drop_duplicates(CITY).set_index(CITY)[col].astype(str)
        cube = cube.assign_coords({col: (CITY, labels.reindex(cube[CITY].values).to_numpy())})
    return cube


def cube_to_long(cube: xr.Dataset) -> pd.DataFrame:
    """Return the cube as a long table ``city, indicator, year, value`` (missing values kept).

    Indicators' ``direction`` is added as a column when the cube has it.
    """
    cube = check_cube(cube)
    da = cube[VALUE]
    da = da.drop_vars([c for c in da.coords if c not in da.dims])
    df = da.to_dataframe().reset_index()
    if "direction" in cube.coords:
        df["direction"] = df[INDICATOR].map(cube["direction"].to_series())
    return df


def cube_to_wide(cube: xr.Dataset) -> pd.DataFrame:
    """Return the cube as a wide table: ``city, year`` and one column per indicator."""
    cube = check_cube(cube, require_year=True)
    s = cube[VALUE].to_series()
    wide = s.unstack(INDICATOR)[list(cube[INDICATOR].to_numpy())]  # noqa: PD010 - a Series
    wide.columns.name = None
    return wide.reset_index()[[CITY, YEAR, *map(str, cube[INDICATOR].to_numpy())]]


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV (UTF-8) or Excel (``.xlsx``) by extension."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        df.to_excel(path, index=False)
    else:
        df.to_csv(path, index=False)
    return path


__all__ = [
    "LONG_COLUMNS",
    "MISSING_TOKENS",
    "WIDE_KEYS",
    "cube_to_long",
    "cube_to_wide",
    "detect_layout",
    "long_to_cube",
    "normalise_columns",
    "read_text_table",
    "to_numbers",
    "wide_to_cube",
    "write_table",
]
