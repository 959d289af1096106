"""Helpers to read and write the indicator cube ``value(city, indicator[, year])``.

Steps work on numpy arrays of shape ``(year, city, indicator)``; these helpers convert between
that array and the :class:`xarray.Dataset` the user sees. A cube without a ``year`` dimension
(a single-year cube such as COINr's ASEM example) is handled as one year and given back without
the dimension.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.dims import CITY, INDICATOR, YEAR
from workbench.errors import SchemaError

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

VALUE = "value"
"""Name of the data variable holding indicator (and aggregate) values."""


def has_year(cube: xr.Dataset) -> bool:
    """Whether the cube's ``value`` has a ``year`` dimension."""
    return YEAR in cube[VALUE].dims


def to_array(cube: xr.Dataset) -> np.ndarray:
    """Return ``value`` as a float array of shape ``(year, city, indicator)`` (a copy)."""
    da = cube[VALUE]
    if YEAR not in da.dims:
        return np.asarray(da.transpose(CITY, INDICATOR).values, dtype=float)[None, :, :].copy()
    return np.asarray(da.transpose(YEAR, CITY, INDICATOR).values, dtype=float).copy()


def with_values(
    cube: xr.Dataset, values: np.ndarray, indicators: list[str] | None = None
) -> xr.Dataset:
    """Return a copy of ``cube`` whose ``value`` is ``values`` (shape ``(year, city, indicator)``).

    Parameters
    ----------
    cube
        The template cube (coordinates and attributes are kept).
    values
        New values, ``(year, city, indicator)``.
    indicators
        New indicator labels when the indicator axis changed (for example after aggregation).
        Indicator coordinates of the template are dropped in that case.
    """
    import xarray as xr

    out = cube.copy()
    if indicators is not None:
        keep = {k: v for k, v in out.coords.items() if INDICATOR not in v.dims}
        drop = [k for k, v in out.data_vars.items() if INDICATOR in v.dims]
        out = out.drop_vars(drop + [k for k in out.coords if k not in keep and k != CITY])
        out = out.assign_coords({INDICATOR: list(indicators)})
    if has_year(cube):
        da = xr.DataArray(
            values,
            dims=(YEAR, CITY, INDICATOR),
            coords={
                YEAR: cube[YEAR].values,
                CITY: cube[CITY].values,
                INDICATOR: out[INDICATOR].values,
            },
        ).transpose(*[d for d in cube[VALUE].dims])
    else:
        da = xr.DataArray(
            values[0],
            dims=(CITY, INDICATOR),
            coords={CITY: cube[CITY].values, INDICATOR: out[INDICATOR].values},
        ).transpose(*[d for d in cube[VALUE].dims])
    out[VALUE] = da
    return out


def years_mask(cube: xr.Dataset, years: Any) -> np.ndarray:
    """Boolean mask over the cube's year axis selecting ``years``.

    ``None`` selects every year; ``"latest"`` / ``"first"`` the last / first year.

    Raises
    ------
    SchemaError
        When a requested year is not in the cube.
    """
    if not has_year(cube):
        return np.ones(1, dtype=bool)
    all_years = [int(y) for y in cube[YEAR].values]
    if years is None:
        return np.ones(len(all_years), dtype=bool)
    if isinstance(years, str):
        if years not in ("latest", "first"):
            msg = (
                "`base_year` must be a year, a list of years, 'latest', 'first' or None; "
                f"got {years!r}."
            )
            raise SchemaError(msg)
        years = all_years[-1] if years == "latest" else all_years[0]
    wanted = [int(y) for y in np.atleast_1d(years)]
    missing = [y for y in wanted if y not in all_years]
    if missing:
        msg = (
            f"`base_year` {missing} is not a year of the cube; the cube has years "
            f"{all_years[0]}-{all_years[-1]}. Pass one of {all_years} or None for all years."
        )
        raise SchemaError(msg)
    return np.isin(all_years, wanted)


def city_codes(cube: xr.Dataset) -> list[str]:
    """City codes as plain strings."""
    return [str(c) for c in cube[CITY].values]


def indicator_codes(cube: xr.Dataset) -> list[str]:
    """Return indicator codes as plain strings."""
    return [str(c) for c in cube[INDICATOR].values]
