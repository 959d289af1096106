"""Normalisation: built-in normalisers (registered in ``index_normalisers``) and the step.

Each normaliser follows the protocol ``f(x, ref, direction, **params) -> ndarray`` documented
in :mod:`workbench.index.steps.base`: bounds are learnt from ``ref`` (the data the step was
fitted on, for example a base year) and applied to ``x``, so later years stay comparable.
Unless a method says otherwise, values are multiplied by ``direction`` first (COINr's habit),
so that higher is always better after normalisation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.errors import SpecError, did_you_mean
from workbench.index._cube import city_codes, indicator_codes, to_array, with_values, years_mask
from workbench.index.steps.base import (
    NORMALISERS,
    STEPS,
    Step,
    check_method_params,
    indicator_directions,
)

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

    from workbench.index.framework import Framework


def _pair(value: Any, name: str) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        msg = f"`{name}` must be two numbers [low, high]; got {value!r}."
        raise SpecError(msg) from None
    if not a < b:
        msg = f"`{name}` must be increasing (low < high); got {value!r}."
        raise SpecError(msg)
    return a, b


def _with_nan(f: Any) -> Any:
    def wrapped(*args: Any, **kw: Any) -> Any:
        with np.errstate(all="ignore"):
            return f(*args, **kw)

    wrapped.__wrapped__ = f  # type: ignore[attr-defined]
    wrapped.__name__ = f.__name__
    wrapped.__doc__ = f.__doc__
    import functools

    return functools.wraps(f)(wrapped)


def _nanmin(a: np.ndarray) -> np.ndarray:
    ok = ~np.isnan(a)
    return np.where(ok.any(0), np.min(np.where(ok, a, np.inf), axis=0), np.nan)


def _nanmax(a: np.ndarray) -> np.ndarray:
    ok = ~np.isnan(a)
    return np.where(ok.any(0), np.max(np.where(ok, a, -np.inf), axis=0), np.nan)


@_with_nan
def minmax(x: np.ndarray, ref: np.ndarray, direction: np.ndarray, range=(0.0, 100.0)):  # noqa: A002
    """Min-max to ``range``: ``(x - min) / (max - min) * (hi - lo) + lo`` (constant -> midpoint)."""
    lo, hi = _pair(range, "range")
    xd, rd = x * direction, ref * direction
    mn, mx = _nanmin(rd), _nanmax(rd)
    span = mx - mn
    out = (xd - mn) / np.where(span == 0, np.nan, span) * (hi - lo) + lo
    return np.where((span == 0) & ~np.isnan(xd), (lo + hi) / 2, out)


@_with_nan
def zscore(x: np.ndarray, ref: np.ndarray, direction: np.ndarray, mean_sd=(0.0, 1.0)):
    """Z-score with target mean and standard deviation ``mean_sd`` (sample sd, ddof=1)."""
    try:
        m, s = (float(v) for v in mean_sd)
    except (TypeError, ValueError):
        msg = f"`mean_sd` must be two numbers [mean, sd]; got {mean_sd!r}."
        raise SpecError(msg) from None
    if s <= 0:
        msg = f"`mean_sd` sd must be positive; got {mean_sd!r}."
        raise SpecError(msg)
    xd, rd = x * direction, ref * direction
    mu = np.nanmean(rd, axis=0)
    sd = np.nanstd(rd, axis=0, ddof=1)
    return (xd - mu) / np.where(sd == 0, np.nan, sd) * s + m


def _below_equal(xd: np.ndarray, rd: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    below = np.empty_like(xd)
    equal = np.empty_like(xd)
    nref = np.sum(~np.isnan(rd), axis=0).astype(float)
    for j in range(xd.shape[1]):
        r = np.sort(rd[:, j][~np.isnan(rd[:, j])])
        below[:, j] = np.searchsorted(r, xd[:, j], side="left")
        equal[:, j] = np.searchsorted(r, xd[:, j], side="right") - below[:, j]
    below[np.isnan(xd)] = np.nan
    return below, equal, nref


@_with_nan
def rank(x: np.ndarray, ref: np.ndarray, direction: np.ndarray):
    """Rank, 1 = lowest, ties share the lowest rank (higher = better after direction)."""
    below, _, _ = _below_equal(x * direction, ref * direction)
    return below + 1


@_with_nan
def percentile(x: np.ndarray, ref: np.ndarray, direction: np.ndarray, scale: float = 100.0):
    """Percentile rank ``(rank - 1) / (n - 1) * scale`` (dplyr ``percent_rank``)."""
    below, _, n = _below_equal(x * direction, ref * direction)
    return below / np.maximum(n - 1, 1) * scale


@_with_nan
def borda(x: np.ndarray, ref: np.ndarray, direction: np.ndarray):
    """Borda score: the number of reference units strictly below (0 ... n-1)."""
    below, _, _ = _below_equal(x * direction, ref * direction)
    return below


@_with_nan
def goalposts(
    x: np.ndarray,
    ref: np.ndarray,
    direction: np.ndarray,
    lower: Any = None,
    upper: Any = None,
    scale: float = 1.0,
    trunc: bool = True,
):
    """Goalposts: ``(x - lower) / (upper - lower)`` (reversed if direction -1), clipped, scaled."""
    if lower is None or upper is None:
        msg = "Goalpost normalisation needs `lower` and `upper` goalposts (raw units)."
        raise SpecError(msg)
    lo = np.broadcast_to(np.asarray(lower, dtype=float), direction.shape)
    hi = np.broadcast_to(np.asarray(upper, dtype=float), direction.shape)
    if np.any(hi <= lo):
        msg = f"Goalposts need `upper` > `lower`; got lower={lower!r}, upper={upper!r}."
        raise SpecError(msg)
    y = np.where(direction > 0, (x - lo) / (hi - lo), (hi - x) / (hi - lo))
    if trunc:
        y = np.clip(y, 0, 1)
    return y * scale


@_with_nan
def dist_max(x: np.ndarray, ref: np.ndarray, direction: np.ndarray):
    """Distance to the maximum: ``1 - (max - x) / (max - min)``."""
    xd, rd = x * direction, ref * direction
    mn, mx = _nanmin(rd), _nanmax(rd)
    return 1 - (mx - xd) / (mx - mn)


@_with_nan
def dist_ref(
    x: np.ndarray, ref: np.ndarray, direction: np.ndarray, ref_value: Any = None, cap: bool = False
):
    """Distance to a reference unit: ``1 - (x_ref - x) / (x_ref - min)`` (cap at 1 optional).

    The step fills ``ref_value`` from its ``reference`` city.
    """
    if ref_value is None:
        msg = "Distance to a reference unit needs `reference` (a city code)."
        raise SpecError(msg)
    xd, rd = x * direction, ref * direction
    xr_ = np.asarray(ref_value, dtype=float) * direction
    y = 1 - (xr_ - xd) / (xr_ - _nanmin(rd))
    return np.minimum(y, 1) if cap else y


@_with_nan
def dist_target(
    x: np.ndarray, ref: np.ndarray, direction: np.ndarray, target: Any = None, cap: bool = False
):
    """Distance to target: ``(x - min) / (target - min)`` (direction-aware), cap at 1 optional."""
    if target is None:
        msg = (
            "Distance-to-target normalisation needs `target` (a number, or the framework's "
            "'Target' column)."
        )
        raise SpecError(msg)
    t = np.broadcast_to(np.asarray(target, dtype=float), direction.shape)
    if np.any(np.isnan(t)):
        msg = "Distance-to-target normalisation: some indicators have no Target. Fill them in."
        raise SpecError(msg)
    xd, rd = x * direction, ref * direction
    mn = _nanmin(rd)
    y = (xd - mn) / (t * direction - mn)
    return np.minimum(y, 1) if cap else y


@_with_nan
def fracmax(x: np.ndarray, ref: np.ndarray, direction: np.ndarray):
    """Fraction of the maximum: ``x / max``."""
    return (x * direction) / _nanmax(ref * direction)


@_with_nan
def scaled(x: np.ndarray, ref: np.ndarray, direction: np.ndarray, lower=0.0, upper=100.0):
    """Scaled: ``(x - lower) / (upper - lower) * 100``."""
    lo = np.broadcast_to(np.asarray(lower, dtype=float), direction.shape)
    hi = np.broadcast_to(np.asarray(upper, dtype=float), direction.shape)
    return (x * direction - lo) / (hi - lo) * 100


for _name, _f in {
    "minmax": minmax,
    "zscore": zscore,
    "rank": rank,
    "percentile": percentile,
    "borda": borda,
    "goalposts": goalposts,
    "dist_max": dist_max,
    "dist_ref": dist_ref,
    "dist_target": dist_target,
    "fracmax": fracmax,
    "scaled": scaled,
}.items():
    NORMALISERS.register(_name, _f, builtin=True)


class Normalise(Step):
    """Bring indicators onto a common scale.

    Parameters
    ----------
    method
        A name in the ``index_normalisers`` registry: ``minmax``, ``zscore``, ``rank``,
        ``percentile``, ``borda``, ``goalposts``, ``dist_max``, ``dist_ref``, ``dist_target``,
        ``fracmax``, ``scaled`` or a plugin.
    base_year
        Year (or years) the bounds are learnt from; ``None`` pools every year, so scores of all
        years are on one scale.
    overrides
        ``{indicator: {"method": ..., other settings}}`` per-indicator choices.
    reference
        City code used by ``dist_ref``.
    **params
        Settings of the method (``range``, ``mean_sd``, ``lower``/``upper``, ``target``...).
        A setting may be a ``{indicator: value}`` mapping for per-indicator values; ``target``
        defaults to the framework's ``Target`` column.
    """

    name = "normalise"

    def __init__(
        self,
        method: str = "minmax",
        base_year: int | list[int] | None = None,
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
        reference: str | None = None,
        **params: Any,
    ) -> None:
        func = NORMALISERS.get(method)
        check_method_params("normalisation method", method, func, _strip(params))
        self.method = method
        self.base_year = base_year
        for ind, ov in dict(overrides or {}).items():
            if not isinstance(ov, Mapping):
                msg = (
                    f"`overrides['{ind}']` must be a mapping like {{'method': 'rank'}}; got {ov!r}."
                )
                raise SpecError(msg)
        self.overrides = {k: dict(v) for k, v in dict(overrides or {}).items()}
        for ov in self.overrides.values():
            m = ov.get("method", method)
            check_method_params(
                "normalisation method",
                m,
                NORMALISERS.get(m),
                _strip({k: v for k, v in ov.items() if k != "method"}),
            )
        self.reference = reference
        self.params = dict(params)
        if "range" in params:
            _pair(params["range"], "range")

    def get_params(self) -> dict[str, Any]:
        """Return settings as they appear in a spec (method settings flattened)."""
        out: dict[str, Any] = {"method": self.method}
        if self.base_year is not None:
            out["base_year"] = self.base_year
        if self.overrides:
            out["overrides"] = self.overrides
        if self.reference is not None:
            out["reference"] = self.reference
        out.update(self.params)
        return out

    def _fit(self, cube: xr.Dataset, framework: Framework) -> None:
        inds = indicator_codes(cube)
        unknown = [k for k in self.overrides if k not in inds]
        if unknown:
            msg = (
                f"`overrides` names indicator(s) {unknown} not in the cube."
                f"{did_you_mean(unknown[0], inds)}"
            )
            raise SpecError(msg)
        x = to_array(cube)[years_mask(cube, self.base_year)]
        self.reference_ = x.reshape(-1, x.shape[-1])
        self.indicators_ = inds
        self.direction_ = indicator_directions(cube, framework, inds)
        self.targets_ = np.array(
            [(framework.node(c).target if c in framework.codes else None) or np.nan for c in inds],
            dtype=float,
        )
        self.ref_values_ = None
        if self.reference is not None:
            codes = city_codes(cube)
            if self.reference not in codes:
                msg = (
                    f"`reference` city '{self.reference}' is not in the cube."
                    f"{did_you_mean(self.reference, codes)}"
                )
                raise SpecError(msg)
            self.ref_values_ = np.nanmean(x[:, codes.index(self.reference), :], axis=0)

    def _groups(self) -> list[tuple[str, dict[str, Any], list[int]]]:
        inds = self.indicators_
        out = []
        default_cols = [j for j, c in enumerate(inds) if c not in self.overrides]
        if default_cols:
            out.append((self.method, dict(self.params), default_cols))
        for c, ov in self.overrides.items():
            p = {k: v for k, v in ov.items() if k != "method"}
            out.append(
                (
                    ov.get("method", self.method),
                    {**self.params, **p} if "method" not in ov else p,
                    [inds.index(c)],
                )
            )
        return out

    def _transform(self, cube: xr.Dataset) -> xr.Dataset:
        inds = indicator_codes(cube)
        if inds != self.indicators_:
            msg = (
                "The cube's indicators differ from the ones the normalisation was fitted on "
                f"({len(inds)} vs {len(self.indicators_)}). Fit and transform the same indicators."
            )
            raise SpecError(msg)
        x = to_array(cube)
        shape = x.shape
        flat = x.reshape(-1, shape[-1])
        out = np.full_like(flat, np.nan)
        for method, params, cols in self._groups():
            func = NORMALISERS.get(method)
            kw = {}
            for k, v in params.items():
                kw[k] = _per_indicator(v, [inds[c] for c in cols], k)
            if method == "dist_target" and "target" not in kw:
                kw["target"] = self.targets_[cols]
            if method == "dist_ref":
                kw["ref_value"] = None if self.ref_values_ is None else self.ref_values_[cols]
            res = np.asarray(
                func(flat[:, cols], self.reference_[:, cols], self.direction_[cols], **kw),
                dtype=float,
            )
            if res.shape != flat[:, cols].shape:
                msg = (
                    f"Normalisation method '{method}' returned shape {res.shape}; the protocol "
                    f"requires the input's shape {flat[:, cols].shape}."
                )
                raise SpecError(msg)
            out[:, cols] = res
        return with_values(cube, out.reshape(shape))


def _strip(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k != "ref_value"}


def _per_indicator(value: Any, codes: Sequence[str], name: str) -> Any:
    if isinstance(value, Mapping):
        missing = [c for c in codes if c not in value]
        if missing:
            msg = (
                f"`{name}` is given per indicator but lacks {missing[:5]}. Give a value for every "
                "indicator the method applies to, or a single value."
            )
            raise SpecError(msg)
        return np.asarray([value[c] for c in codes], dtype=float)
    return value


STEPS.register("normalise", Normalise, builtin=True)

__all__ = [
    "Normalise",
    "borda",
    "dist_max",
    "dist_ref",
    "dist_target",
    "fracmax",
    "goalposts",
    "minmax",
    "percentile",
    "rank",
    "scaled",
    "zscore",
]
