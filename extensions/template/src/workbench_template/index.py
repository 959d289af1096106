"""Index plugins: an aggregator, a normaliser and a step (``workbench.index`` contracts)."""

from __future__ import annotations

from typing import Any

import numpy as np
from workbench.errors import SpecError
from workbench.index.steps.base import Step


def minimum(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weakest child: fully non-compensatory aggregation (weights ignored).

    Aggregator contract: ``f(x, w, **settings)``; ``x`` is ``(..., units, k)`` child scores,
    ``w`` weights broadcasting against it; returns ``(..., units)``; NaN children are skipped.
    """
    x = np.asarray(x, dtype=float)
    ok = ~np.isnan(x)
    return np.where(ok.any(-1), np.min(np.where(ok, x, np.inf), axis=-1), np.nan)


def robust(x: np.ndarray, ref: np.ndarray, direction: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Robust z-score ``scale * (d x - median(d ref)) / IQR(d ref)``.

    Normaliser contract: ``f(x, ref, direction, **settings)``; ``x`` ``(n, m)`` values,
    ``ref`` ``(r, m)`` the fit data the statistics are learnt from, ``direction`` ``(m,)``
    of +1/-1; returns ``(n, m)``; NaN in, NaN out.
    """
    d = np.asarray(direction, dtype=float)
    xd, rd = np.asarray(x, dtype=float) * d, np.asarray(ref, dtype=float) * d
    med = np.nanmedian(rd, axis=0)
    iqr = np.nanpercentile(rd, 75, axis=0) - np.nanpercentile(rd, 25, axis=0)
    return scale * (xd - med) / np.where(iqr > 0, iqr, np.nan)


class Clip(Step):
    """Clip every indicator to the quantiles ``[lower, upper]`` learnt on the fit data.

    Step contract: a :class:`~workbench.index.steps.base.Step` subclass; settings in
    ``__init__`` stored under their own names; ``_fit(cube, framework)`` learns state in
    trailing-underscore attributes; ``_transform(cube)`` returns a new cube.
    """

    name = "template_clip"

    def __init__(self, lower: float = 0.05, upper: float = 0.95) -> None:
        if not 0 <= lower < upper <= 1:
            msg = f"`lower` and `upper` must satisfy 0 <= lower < upper <= 1; got {lower}, {upper}."
            raise SpecError(msg)
        self.lower = lower
        self.upper = upper

    def _fit(self, cube: Any, framework: Any) -> None:
        v = cube["value"]
        dims = [d for d in v.dims if d != "indicator"]
        self.low_ = v.quantile(self.lower, dim=dims).drop_vars("quantile")
        self.high_ = v.quantile(self.upper, dim=dims).drop_vars("quantile")

    def _transform(self, cube: Any) -> Any:
        return cube.assign(value=cube["value"].clip(self.low_, self.high_))
