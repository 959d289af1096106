"""Aggregation: built-in aggregators (registry ``index_aggregators``) and the step.

Aggregators follow ``f(x, w, **params) -> ndarray`` (see :mod:`workbench.index.steps.base`):
``x`` is ``(..., units, k)`` child scores, ``w`` broadcasts against it; the result is
``(..., units)``. Missing children (NaN) are skipped and the weights of the others renormalised.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.dims import INDICATOR
from workbench.errors import SpecError, did_you_mean
from workbench.index._cube import city_codes, indicator_codes, to_array, with_values
from workbench.index.steps.base import AGGREGATORS, STEPS, Step, check_fraction, check_method_params
from workbench.index.steps.data_steps import load_function

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

    from workbench.index.framework import Framework


def _masked(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    w = np.broadcast_to(np.asarray(w, dtype=float), x.shape)
    ok = ~np.isnan(x)
    wm = np.where(ok, w, 0.0)
    tot = wm.sum(-1)
    return np.where(ok, x, 0.0), wm, tot


def arithmetic(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted arithmetic mean ``sum(w x) / sum(w)`` over available children."""
    xv, wm, tot = _masked(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, (wm * xv).sum(-1) / tot, np.nan)


def geometric(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted geometric mean ``prod(x^w)^(1/sum w)``; every value must be positive."""
    if np.any(x[~np.isnan(x)] <= 0):
        msg = (
            "The geometric mean needs positive values; some normalised scores are <= 0. "
            "Normalise to a range that starts above 0, e.g. normalise: {method: minmax, "
            "range: [1, 100]}."
        )
        raise SpecError(msg)
    xv, wm, tot = _masked(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(
            tot > 0, np.exp((wm * np.log(np.where(wm > 0, xv, 1.0))).sum(-1) / tot), np.nan
        )


def harmonic(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted harmonic mean ``sum(w) / sum(w / x)``; every value must be positive."""
    if np.any(x[~np.isnan(x)] <= 0):
        msg = (
            "The harmonic mean needs positive values; some normalised scores are <= 0. "
            "Normalise to a range that starts above 0, e.g. range: [1, 100]."
        )
        raise SpecError(msg)
    xv, wm, tot = _masked(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, tot / (wm / np.where(wm > 0, xv, 1.0)).sum(-1), np.nan)


def power_mean(x: np.ndarray, w: np.ndarray, p: float = 2.0) -> np.ndarray:
    """Weighted power (generalised) mean ``(sum w x^p / sum w)^(1/p)``; ``p=0`` is geometric."""
    if p == 0:
        return geometric(x, w)
    xv, wm, tot = _masked(x, w)
    if p < 0 or p != int(p):
        if np.any(x[~np.isnan(x)] <= 0):
            msg = f"The power mean with p={p} needs positive values; normalise to e.g. [1, 100]."
            raise SpecError(msg)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, ((wm * xv**p).sum(-1) / tot) ** (1.0 / p), np.nan)


def outranking_matrix(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Return the outranking matrix ``M[..., a, b]``: weight share where a beats b (ties 1/2)."""
    w = np.broadcast_to(np.asarray(w, dtype=float), x.shape)
    xa = x[..., :, None, :]
    xb = x[..., None, :, :]
    wa = w[..., :, None, :]
    ok = ~np.isnan(xa) & ~np.isnan(xb)
    win = np.where(ok & (xa > xb), wa, 0.0).sum(-1) + 0.5 * np.where(ok & (xa == xb), wa, 0.0).sum(
        -1
    )
    tot = np.where(ok, wa, 0.0).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(tot > 0, win / tot, 0.5)
    n = x.shape[-2]
    m[..., np.arange(n), np.arange(n)] = 0.0
    return m


def copeland(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Copeland score: +1 for each other unit outranked (> 1/2), -1 for each one outranking."""
    m = outranking_matrix(x, w)
    s = np.where(m > 0.5, 1.0, np.where(m < 0.5, -1.0, 0.0))
    n = x.shape[-2]
    s[..., np.arange(n), np.arange(n)] = 0.0
    return s.sum(-1)


def bod(x: np.ndarray, w: np.ndarray, scale: float = 100.0) -> np.ndarray:
    """Benefit of the doubt: each unit's best score under weights that keep every unit <= 1.

    Solves one linear programme per unit with HiGHS (through :func:`scipy.optimize.linprog`);
    the weights ``w`` are ignored (each unit chooses its own).
    """
    from scipy.optimize import linprog

    arr = np.asarray(x, dtype=float)
    flat = arr.reshape(-1, arr.shape[-2], arr.shape[-1])
    out = np.full(flat.shape[:2], np.nan)
    for t, m in enumerate(flat):
        mm = np.nan_to_num(m, nan=0.0)
        for a in range(mm.shape[0]):
            res = linprog(
                -mm[a], A_ub=mm, b_ub=np.ones(mm.shape[0]), bounds=(0, None), method="highs"
            )
            out[t, a] = -res.fun * scale if res.status == 0 else np.nan
    return out.reshape(arr.shape[:-1])


def user_function(x: np.ndarray, w: np.ndarray, function: Any = None, **params: Any) -> np.ndarray:
    """Apply a user aggregator (a callable or ``'module:function'``) following the protocol."""
    return np.asarray(load_function(function)(x, w, **params), dtype=float)


for _name, _f in {
    "arithmetic": arithmetic,
    "geometric": geometric,
    "harmonic": harmonic,
    "power": power_mean,
    "copeland": copeland,
    "bod": bod,
    "function": user_function,
}.items():
    AGGREGATORS.register(_name, _f, builtin=True)

LINEAR_AGGREGATORS = ("arithmetic",)
"""Aggregators that are linear in the children (the development-path LP relies on this)."""


def node_methods(
    framework: Framework, method: str, by_node: Mapping[str, str] | None
) -> dict[str, str]:
    """Return each aggregate's method: ``by_node`` > framework ``Aggregation`` > ``method``."""
    out = {}
    for a in framework.aggregates:
        out[a] = (by_node or {}).get(a) or framework.node(a).aggregation or method
    return out


class Aggregate(Step):
    """Aggregate indicators up the framework, level by level.

    Parameters
    ----------
    method
        Default aggregator (``arithmetic``, ``geometric``, ``harmonic``, ``power``,
        ``copeland``, ``bod``, ``function`` or a plugin).
    by_node
        ``{aggregate_code: method}`` overrides (the framework's ``Aggregation`` column also
        sets a node's method).
    min_availability
        Minimum share of a node's children with data; below it the node's score is missing.
    **params
        Settings passed to the aggregators (for example ``p`` for ``power``).

    Notes
    -----
    Weights come from ``cube.attrs['weights']`` (written by the ``weight`` step) or the
    framework. An aggregate with direction -1 enters its parent reflected within its observed
    range (``max + min - score``).
    """

    name = "aggregate"

    def __init__(
        self,
        method: str = "arithmetic",
        by_node: Mapping[str, str] | None = None,
        min_availability: float = 0.0,
        **params: Any,
    ) -> None:
        check_method_params("aggregation method", method, AGGREGATORS.get(method), params)
        for node, m in dict(by_node or {}).items():
            AGGREGATORS.get(m)
            if not isinstance(node, str):
                msg = f"`by_node` keys must be aggregate codes; got {node!r}."
                raise SpecError(msg)
        self.method = method
        self.by_node = dict(by_node or {})
        self.min_availability = check_fraction("min_availability", min_availability)
        self.params = dict(params)

    def get_params(self) -> dict[str, Any]:
        """Return settings as they appear in a spec."""
        out: dict[str, Any] = {"method": self.method}
        if self.by_node:
            out["by_node"] = self.by_node
        if self.min_availability:
            out["min_availability"] = self.min_availability
        out.update(self.params)
        return out

    def _fit(self, cube: xr.Dataset, framework: Framework) -> None:
        bad = [k for k in self.by_node if k not in framework.aggregates]
        if bad:
            msg = (
                f"`by_node` names {bad}, which are not aggregates of the framework."
                f"{did_you_mean(bad[0], framework.aggregates)}"
            )
            raise SpecError(msg)
        inds = indicator_codes(cube)
        missing = [i for i in framework.indicators if i not in inds]
        if missing:
            msg = (
                f"The cube lacks {len(missing)} indicator(s) of the framework: {missing[:5]}. "
                "Add them to the data or remove them from the framework (Framework.subset)."
            )
            raise SpecError(msg)
        self.methods_ = node_methods(framework, self.method, self.by_node)
        self.weights_ = weights_from_attrs(cube, framework)

    def _transform(self, cube: xr.Dataset) -> xr.Dataset:
        fw = self.framework_
        inds = indicator_codes(cube)
        x = to_array(cube)
        cols = {c: x[:, :, inds.index(c)] for c in fw.indicators}
        unit_w = unit_weights_from_attrs(cube, city_codes(cube))
        for a in fw.aggregates:
            kids = list(fw.children(a))
            vals = np.stack([_oriented(cols[k], fw.node(k)) for k in kids], axis=-1)
            w = np.array([self.weights_[a][k] for k in kids])
            if unit_w is not None and a in unit_w:
                w = unit_w[a][None, :, :]
            func = AGGREGATORS.get(self.methods_[a])
            params = dict(self.params)
            if self.methods_[a] != self.method:
                params = {}
            score = np.asarray(func(vals, w, **params), dtype=float)
            if self.min_availability > 0:
                avail = np.mean(~np.isnan(vals), axis=-1)
                score = np.where(avail < self.min_availability, np.nan, score)
            cols[a] = score
        codes = list(fw.indicators) + list(fw.aggregates)
        out = np.stack([cols[c] for c in codes], axis=-1)
        res = with_values(cube, out, indicators=codes)
        levels = fw.levels()
        res = res.assign_coords(
            level=(INDICATOR, [levels[c] for c in codes]),
            parent=(INDICATOR, [fw.node(c).parent or "" for c in codes]),
            node_type=(INDICATOR, [fw.node(c).type for c in codes]),
        )
        res.attrs["aggregation"] = json.dumps(self.methods_)
        return res


def _oriented(col: np.ndarray, node: Any) -> np.ndarray:
    if node.type == "Aggregate" and node.direction == -1:
        return np.nanmax(col) + np.nanmin(col) - col
    return col


def weights_from_attrs(cube: xr.Dataset, framework: Framework) -> dict[str, dict[str, float]]:
    """Normalised child weights of every aggregate, from ``attrs['weights']`` or the framework."""
    overrides = json.loads(cube.attrs["weights"]) if "weights" in cube.attrs else None
    return {a: framework.weights(a, overrides) for a in framework.aggregates}


def unit_weights_from_attrs(cube: xr.Dataset, cities: list[str]) -> dict[str, np.ndarray] | None:
    """Per-unit weights ``{aggregate: (units, k)}`` from ``attrs['unit_weights']``, if any."""
    if "unit_weights" not in cube.attrs:
        return None
    raw = json.loads(cube.attrs["unit_weights"])
    return {a: np.array([raw[a][c] for c in cities], dtype=float) for a in raw}


STEPS.register("aggregate", Aggregate, builtin=True)

__all__ = [
    "Aggregate",
    "LINEAR_AGGREGATORS",
    "arithmetic",
    "bod",
    "copeland",
    "geometric",
    "harmonic",
    "outranking_matrix",
    "power_mean",
]
