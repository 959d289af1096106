"""Steps that prepare the raw indicator data: denominate, screen and impute."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.dims import CITY, INDICATOR, YEAR
from workbench.errors import SpecError, did_you_mean
from workbench.index._cube import (
    VALUE,
    city_codes,
    has_year,
    indicator_codes,
    to_array,
    with_values,
)
from workbench.index.steps.base import STEPS, Step, check_choice, check_fraction

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

    from workbench.index.framework import Framework


def city_column(cube: xr.Dataset, column: str, argument: str) -> Any:
    """Return a city-level column (coordinate or variable on ``city`` [, ``year``])."""
    if column in cube.coords or column in cube.data_vars:
        da = cube[column]
        if CITY in da.dims and set(da.dims) <= {CITY, YEAR}:
            return da
    options = [
        str(k)
        for k, v in {**dict(cube.coords), **dict(cube.data_vars)}.items()
        if CITY in v.dims and INDICATOR not in v.dims and k != CITY
    ]
    msg = (
        f"`{argument}`: the cube has no city-level column '{column}'."
        f"{did_you_mean(column, options)} City-level columns: {', '.join(options) or '(none)'}."
    )
    raise SpecError(msg)


class Denominate(Step):
    """Divide indicators by a denominator (for example GDP or population).

    Parameters
    ----------
    denominators
        ``{indicator: denominator_column}``; ``None`` uses the framework's ``Denominator`` column.
    table
        Optional external table (DataFrame or CSV path) with a ``code`` (or ``uCode``) column and
        one column per denominator, used instead of the cube's city-level variables.
    scale
        Optional ``{indicator: factor}``: the denominator is divided by the factor first
        (COINr's ``ScaleFactor``).
    """

    name = "denominate"

    def __init__(
        self,
        denominators: Mapping[str, str] | None = None,
        table: Any = None,
        scale: Mapping[str, float] | None = None,
    ) -> None:
        if denominators is not None and not isinstance(denominators, Mapping):
            msg = (
                "`denominators` must be a mapping {indicator: denominator column}; got "
                f"{type(denominators).__name__}."
            )
            raise SpecError(msg)
        if scale is not None:
            for k, v in dict(scale).items():
                if not isinstance(v, int | float) or v == 0:
                    msg = f"`scale['{k}']` must be a non-zero number; got {v!r}."
                    raise SpecError(msg)
        self.denominators = None if denominators is None else dict(denominators)
        self.table = table
        self.scale = None if scale is None else dict(scale)

    def _fit(self, cube: xr.Dataset, framework: Framework) -> None:
        mapping = self.denominators
        if mapping is None:
            mapping = {n.code: n.denominator for n in framework.nodes if n.denominator}
        inds = indicator_codes(cube)
        for ind in mapping:
            if ind not in inds:
                msg = (
                    f"`denominators` names indicator '{ind}', which is not in the cube."
                    f"{did_you_mean(ind, inds)}"
                )
                raise SpecError(msg)
        self.mapping_ = dict(mapping)
        if self.table is not None:
            import pandas as pd

            tab = (
                pd.read_csv(self.table) if isinstance(self.table, str) else pd.DataFrame(self.table)
            )
            key = "code" if "code" in tab.columns else "uCode"
            if key not in tab.columns:
                msg = "`table` must have a 'code' (or 'uCode') column naming the cities."
                raise SpecError(msg)
            self.table_ = tab.set_index(tab[key].astype(str))
            for d in set(self.mapping_.values()):
                if d not in self.table_.columns:
                    msg = f"`table` has no denominator column '{d}'; it has {list(tab.columns)}."
                    raise SpecError(msg)
        else:
            self.table_ = None
            for d in set(self.mapping_.values()):
                city_column(cube, d, "denominators")

    def _denominator(self, cube: xr.Dataset, column: str) -> np.ndarray:
        ny = cube.sizes[YEAR] if has_year(cube) else 1
        if self.table_ is not None:
            vals = self.table_[column].reindex(city_codes(cube)).to_numpy(dtype=float)
            return np.broadcast_to(vals[None, :], (ny, len(vals)))
        da = cube[column]
        if YEAR in da.dims:
            return np.asarray(da.transpose(YEAR, CITY).values, dtype=float)
        vals = np.asarray(da.values, dtype=float)
        return np.broadcast_to(vals[None, :], (ny, len(vals)))

    def _transform(self, cube: xr.Dataset) -> xr.Dataset:
        x = to_array(cube)
        inds = indicator_codes(cube)
        for ind, col in self.mapping_.items():
            if ind not in inds:
                continue
            d = self._denominator(cube, col) / float((self.scale or {}).get(ind, 1.0))
            with np.errstate(divide="ignore", invalid="ignore"):
                x[:, :, inds.index(ind)] = x[:, :, inds.index(ind)] / np.where(d == 0, np.nan, d)
        return with_values(cube, x)


class Screen(Step):
    """Remove units (cities) with too little data or too many zeros.

    Parameters
    ----------
    min_availability
        Minimum share of non-missing indicator values a unit needs (COINr's ``dat_thresh``).
    by
        ``"na"`` (availability), ``"zeros"`` (share of non-zero values) or ``"both"``.
    min_nonzero
        Minimum share of non-zero values among available ones (for ``by`` zeros/both).
    force_include, force_exclude
        City codes always kept / always removed, whatever their data.
    """

    name = "screen"

    def __init__(
        self,
        min_availability: float = 0.66,
        by: str = "na",
        min_nonzero: float = 0.05,
        force_include: list[str] | None = None,
        force_exclude: list[str] | None = None,
    ) -> None:
        self.min_availability = check_fraction("min_availability", min_availability)
        check_choice("by", by, ("na", "zeros", "both"))
        self.by = by
        self.min_nonzero = check_fraction("min_nonzero", min_nonzero)
        self.force_include = [str(c) for c in (force_include or [])]
        self.force_exclude = [str(c) for c in (force_exclude or [])]
        both = set(self.force_include) & set(self.force_exclude)
        if both:
            msg = (
                f"Cities {sorted(both)} are in both `force_include` and `force_exclude`. "
                "List each city in at most one of them."
            )
            raise SpecError(msg)

    def _fit(self, cube: xr.Dataset, framework: Framework) -> None:
        import pandas as pd

        inds = indicator_codes(cube)
        cols = [i for i, c in enumerate(inds) if c in set(framework.indicators)] or list(
            range(len(inds))
        )
        x = to_array(cube)[:, :, cols]
        avail = np.mean(~np.isnan(x), axis=(0, 2))
        with np.errstate(invalid="ignore"):
            nz = np.nansum((x != 0) & ~np.isnan(x), axis=(0, 2)) / np.maximum(
                np.sum(~np.isnan(x), axis=(0, 2)), 1
            )
        codes = city_codes(cube)
        for c in self.force_include + self.force_exclude:
            if c not in codes:
                msg = (
                    f"`force_include`/`force_exclude` names city '{c}', which is not in the cube."
                    f"{did_you_mean(c, codes)}"
                )
                raise SpecError(msg)
        low = np.zeros(len(codes), dtype=bool)
        if self.by in ("na", "both"):
            low |= avail < self.min_availability
        if self.by in ("zeros", "both"):
            low |= nz < self.min_nonzero
        removed = [c for c, lo in zip(codes, low, strict=True) if (lo or c in self.force_exclude)]
        removed = [c for c in removed if c not in self.force_include]
        self.removed_ = tuple(removed)
        self.summary_ = pd.DataFrame(
            {"availability": avail, "nonzero": nz, "removed": [c in removed for c in codes]},
            index=pd.Index(codes, name="code"),
        )
        if len(removed) == len(codes):
            msg = (
                f"Screening removes every city (min_availability={self.min_availability}, "
                f"by={self.by!r}). Lower the threshold or force-include some cities."
            )
            raise SpecError(msg)

    def _transform(self, cube: xr.Dataset) -> xr.Dataset:
        keep = [c for c in city_codes(cube) if c not in set(self.removed_)]
        return cube.sel({CITY: keep})


IMPUTE_METHODS = (
    "mean",
    "median",
    "group_mean",
    "group_median",
    "row_mean",
    "panel_latest",
    "panel_constant",
    "panel_linear",
    "function",
)


def load_function(func: Any) -> Callable[..., Any]:
    """Return ``func`` if callable, else import it from a ``"module:name"`` string."""
    if callable(func):
        return func
    if isinstance(func, str) and ":" in func:
        mod, _, attr = func.partition(":")
        try:
            return getattr(importlib.import_module(mod), attr)
        except (ImportError, AttributeError) as exc:
            msg = (
                f"`function` {func!r} could not be imported: {exc}. Use 'package.module:function'."
            )
            raise SpecError(msg) from None
    msg = (
        "`function` must be a callable or a 'package.module:function' string when "
        f"method='function'; got {func!r}."
    )
    raise SpecError(msg)


class Impute(Step):
    """Fill missing indicator values.

    Parameters
    ----------
    method
        ``mean`` / ``median`` (per indicator and year), ``group_mean`` / ``group_median``
        (within a city-level ``group`` column, COINr's ``i_mean_grp``), ``row_mean`` (mean of
        the city's other indicators in the same aggregation group; use on normalised data),
        ``panel_latest`` (carry the latest earlier value forward, then the first later value
        back), ``panel_constant`` (the city's mean over years), ``panel_linear`` (linear
        interpolation over years, ends held constant), or ``function``.
    group
        City-level column for the group methods (for example ``EurAsia_group``).
    function
        For ``method='function'``: a callable ``f(values) -> values`` on the
        ``(year, city, indicator)`` array, or a ``'module:function'`` string.
    """

    name = "impute"

    def __init__(self, method: str = "mean", group: str | None = None, function: Any = None):
        check_choice("method", method, IMPUTE_METHODS)
        if method.startswith("group_") and not group:
            msg = (
                f"`group` is required with method={method!r}: name a city-level column such as "
                "'EurAsia_group'."
            )
            raise SpecError(msg)
        if method == "function":
            load_function(function)
        self.method = method
        self.group = group
        self.function = function

    def _fit(self, cube: xr.Dataset, framework: Framework) -> None:
        x = to_array(cube)
        self.n_missing_ = int(np.isnan(x).sum())
        if self.method in ("mean", "median"):
            f = np.nanmean if self.method == "mean" else np.nanmedian
            with np.errstate(all="ignore"), _quiet():
                self.stats_ = f(x, axis=1)  # (year, indicator)
        elif self.method.startswith("group_"):
            groups = np.asarray(city_column(cube, str(self.group), "group").values).astype(str)
            self.groups_ = groups
            f = np.nanmean if self.method == "group_mean" else np.nanmedian
            self.group_stats_ = {}
            for g in np.unique(groups):
                with np.errstate(all="ignore"), _quiet():
                    self.group_stats_[g] = f(x[:, groups == g, :], axis=1)
        self.parents_ = {
            c: (framework.node(c).parent if c in framework.codes else None)
            for c in indicator_codes(cube)
        }

    def _transform(self, cube: xr.Dataset) -> xr.Dataset:
        x = to_array(cube)
        miss = np.isnan(x)
        m = self.method
        if m in ("mean", "median"):
            stats = self.stats_ if self.stats_.shape[0] == x.shape[0] else self.stats_.mean(0)[None]
            x = np.where(miss, np.broadcast_to(stats[:, None, :], x.shape), x)
        elif m.startswith("group_"):
            groups = np.asarray(city_column(cube, str(self.group), "group").values).astype(str)
            for g in np.unique(groups):
                st = self.group_stats_.get(g)
                if st is None:
                    continue
                sel = groups == g
                st = st if st.shape[0] == x.shape[0] else np.nanmean(st, 0)[None]
                x[:, sel, :] = np.where(
                    miss[:, sel, :],
                    np.broadcast_to(st[:, None, :], x[:, sel, :].shape),
                    x[:, sel, :],
                )
        elif m == "row_mean":
            inds = indicator_codes(cube)
            par = np.array([str(self.parents_.get(c)) for c in inds])
            for p in np.unique(par):
                sel = par == p
                with np.errstate(all="ignore"), _quiet():
                    rm = np.nanmean(x[:, :, sel], axis=2, keepdims=True)
                x[:, :, sel] = np.where(miss[:, :, sel], rm, x[:, :, sel])
        elif m == "panel_latest":
            x = _ffill(x)
            x = _ffill(x[::-1])[::-1]
        elif m == "panel_constant":
            with np.errstate(all="ignore"), _quiet():
                cm = np.nanmean(x, axis=0, keepdims=True)
            x = np.where(miss, cm, x)
        elif m == "panel_linear":
            t = np.arange(x.shape[0], dtype=float)
            for c in range(x.shape[1]):
                for i in range(x.shape[2]):
                    col = x[:, c, i]
                    ok = ~np.isnan(col)
                    if 0 < ok.sum() < len(col):
                        x[:, c, i] = np.interp(t, t[ok], col[ok])
        else:
            out = np.asarray(load_function(self.function)(x.copy()), dtype=float)
            if out.shape != x.shape:
                msg = (
                    f"The imputation function returned shape {out.shape}; it must return the "
                    f"shape it was given {x.shape} (year, city, indicator)."
                )
                raise SpecError(msg)
            x = out
        return with_values(cube, x)


def _ffill(x: np.ndarray) -> np.ndarray:
    out = x.copy()
    for t in range(1, out.shape[0]):
        out[t] = np.where(np.isnan(out[t]), out[t - 1], out[t])
    return out


def _quiet() -> Any:
    """Silence numpy's 'mean of empty slice' RuntimeWarnings for all-missing columns."""
    import warnings

    cm = warnings.catch_warnings()
    cm.__enter__()
    warnings.simplefilter("ignore", RuntimeWarning)
    return _Exit(cm)


class _Exit:
    def __init__(self, cm: Any) -> None:
        self._cm = cm

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        self._cm.__exit__(*exc)


STEPS.register("denominate", Denominate, builtin=True)
STEPS.register("screen", Screen, builtin=True)
STEPS.register("impute", Impute, builtin=True)

__all__ = ["Denominate", "Impute", "Screen", "city_column"]
_ = VALUE
