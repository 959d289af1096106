"""Tiers (Leading / Dynamic / Potential): built-in tiering methods and the step.

A tiering method follows ``f(scores, n_tiers, **params) -> thresholds`` (see
:mod:`workbench.index.steps.base`): ``n_tiers - 1`` ascending score thresholds; a city whose
score is at least the highest threshold is in the first (best) tier.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.dims import CITY, INDEX_TIERS, INDICATOR, YEAR
from workbench.errors import SpecError, did_you_mean
from workbench.index._cube import VALUE, has_year, indicator_codes, years_mask
from workbench.index.steps.base import STEPS, TIERS, Step, check_method_params

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

    from workbench.index.framework import Framework


def fixed(
    scores: np.ndarray, n_tiers: int, thresholds: Sequence[float] | None = None
) -> np.ndarray:
    """Return fixed score thresholds (``n_tiers - 1`` numbers)."""
    if thresholds is None or len(thresholds) != n_tiers - 1:
        msg = (
            f"Fixed tiers need `thresholds` with {n_tiers - 1} numbers for {n_tiers} tiers; got "
            f"{thresholds!r}. Example: thresholds: [40, 60]."
        )
        raise SpecError(msg)
    return np.sort(np.asarray(thresholds, dtype=float))


def quantile(scores: np.ndarray, n_tiers: int, shares: Sequence[float] | None = None) -> np.ndarray:
    """Thresholds at score quantiles; ``shares`` = share of cities per tier, best first."""
    s = np.asarray(scores, dtype=float)
    s = s[~np.isnan(s)]
    sh = np.full(n_tiers, 1.0 / n_tiers) if shares is None else np.asarray(shares, dtype=float)
    if sh.size != n_tiers or np.any(sh <= 0) or not np.isclose(sh.sum(), 1.0):
        msg = (
            f"`shares` must be {n_tiers} positive numbers summing to 1 (best tier first); got "
            f"{shares!r}."
        )
        raise SpecError(msg)
    cum = np.cumsum(sh[::-1])[:-1]  # from the bottom
    return np.quantile(s, cum)


def kmeans(scores: np.ndarray, n_tiers: int, max_iter: int = 100) -> np.ndarray:
    """One-dimensional k-means (deterministic start at quantiles); thresholds between clusters."""
    s = np.sort(np.asarray(scores, dtype=float)[~np.isnan(scores)])
    c = np.quantile(s, (np.arange(n_tiers) + 0.5) / n_tiers)
    for _ in range(max_iter):
        lab = np.argmin(np.abs(s[:, None] - c[None, :]), 1)
        new = np.array([s[lab == k].mean() if np.any(lab == k) else c[k] for k in range(n_tiers)])
        if np.allclose(new, c):
            break
        c = new
    lab = np.argmin(np.abs(s[:, None] - c[None, :]), 1)
    order = np.argsort(c)
    return np.array([s[lab == order[k]].min() for k in range(1, n_tiers)])


def jenks(scores: np.ndarray, n_tiers: int) -> np.ndarray:
    """Jenks natural breaks (Fisher's exact dynamic programme minimising within-class variance)."""
    s = np.sort(np.asarray(scores, dtype=float)[~np.isnan(scores)])
    n = s.size
    if n < n_tiers:
        msg = f"Jenks breaks need at least {n_tiers} scores; got {n}."
        raise SpecError(msg)
    cs = np.concatenate([[0.0], np.cumsum(s)])
    cs2 = np.concatenate([[0.0], np.cumsum(s**2)])

    cost = np.full((n_tiers + 1, n + 1), np.inf)
    arg = np.zeros((n_tiers + 1, n + 1), dtype=int)
    cost[0, 0] = 0.0
    for k in range(1, n_tiers + 1):
        for j in range(k, n + 1):
            i = np.arange(k - 1, j)  # the last class holds items i..j-1
            m = j - i
            ssd = cs2[j] - cs2[i] - (cs[j] - cs[i]) ** 2 / m
            v = cost[k - 1, i] + ssd
            b = int(np.argmin(v))
            cost[k, j], arg[k, j] = v[b], i[b]
    starts = []
    j = n
    for k in range(n_tiers, 0, -1):
        i = arg[k, j]
        starts.append(i)
        j = i
    starts = sorted(starts)[1:]
    return np.array([s[i] for i in starts])


for _name, _f in {"fixed": fixed, "quantile": quantile, "kmeans": kmeans, "jenks": jenks}.items():
    TIERS.register(_name, _f, builtin=True)


def assign(scores: np.ndarray, breaks: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """Tier labels for ``scores`` given ascending ``breaks`` (best label first in ``labels``)."""
    k = np.digitize(scores, breaks, right=False)  # 0 .. n-1, higher = better
    lab = np.asarray(labels, dtype=object)[len(labels) - 1 - k]
    return np.where(np.isnan(scores), "", lab).astype(str)


class Tier(Step):
    """Sort cities into tiers by their score on a node (the index by default).

    Parameters
    ----------
    method
        ``quantile`` (default, equal shares or ``shares``), ``fixed`` (``thresholds``),
        ``kmeans``, ``jenks`` or a plugin.
    labels
        Tier names, best first (default Leading, Dynamic, Potential).
    node
        Node whose score is tiered; the framework's root by default.
    base_year
        Year(s) the thresholds are fitted on; ``None`` pools every year.
    **params
        Settings of the method.

    Attributes
    ----------
    breaks_ : numpy.ndarray
        Ascending score thresholds; a score >= ``breaks_[-1]`` is in the first tier.
    """

    name = "tier"

    def __init__(
        self,
        method: str = "quantile",
        labels: Sequence[str] = INDEX_TIERS,
        node: str | None = None,
        base_year: int | list[int] | None = None,
        **params: Any,
    ) -> None:
        check_method_params("tiering method", method, TIERS.get(method), params)
        labels = [str(s) for s in labels]
        if len(labels) < 2 or len(set(labels)) != len(labels):
            msg = f"`labels` must be at least two distinct tier names, best first; got {labels!r}."
            raise SpecError(msg)
        self.method = method
        self.labels = labels
        self.node = node
        self.base_year = base_year
        self.params = dict(params)

    def get_params(self) -> dict[str, Any]:
        """Return settings as they appear in a spec."""
        out: dict[str, Any] = {"method": self.method}
        if list(self.labels) != list(INDEX_TIERS):
            out["labels"] = list(self.labels)
        if self.node:
            out["node"] = self.node
        if self.base_year is not None:
            out["base_year"] = self.base_year
        out.update(self.params)
        return out

    def _scores(self, cube: xr.Dataset) -> np.ndarray:
        node = self.node_
        inds = indicator_codes(cube)
        if node not in inds:
            msg = (
                f"The tier step needs scores of node '{node}', which the cube lacks."
                f"{did_you_mean(node, inds)} Put the tier step after the aggregate step."
            )
            raise SpecError(msg)
        da = cube[VALUE].sel({INDICATOR: node})
        if has_year(cube):
            return np.asarray(da.transpose(YEAR, CITY).values, dtype=float)
        return np.asarray(da.values, dtype=float)[None, :]

    def _fit(self, cube: xr.Dataset, framework: Framework) -> None:
        self.node_ = self.node or framework.root
        s = self._scores(cube)[years_mask(cube, self.base_year)].ravel()
        self.breaks_ = np.asarray(
            TIERS.get(self.method)(s, len(self.labels), **self.params), dtype=float
        )
        if self.breaks_.shape != (len(self.labels) - 1,):
            msg = (
                f"Tiering method '{self.method}' returned {self.breaks_.shape[0]} thresholds; "
                f"{len(self.labels) - 1} are needed for {len(self.labels)} tiers."
            )
            raise SpecError(msg)

    def _transform(self, cube: xr.Dataset) -> xr.Dataset:
        import xarray as xr

        s = self._scores(cube)
        lab = assign(s, self.breaks_, self.labels)
        out = cube.copy()
        if has_year(cube):
            out["tier"] = xr.DataArray(
                lab, dims=(YEAR, CITY), coords={YEAR: cube[YEAR], CITY: cube[CITY]}
            )
        else:
            out["tier"] = xr.DataArray(lab[0], dims=(CITY,), coords={CITY: cube[CITY]})
        out["tier"].attrs["breaks"] = [float(b) for b in self.breaks_]
        return out


STEPS.register("tier", Tier, builtin=True)

__all__ = ["Tier", "assign", "fixed", "jenks", "kmeans", "quantile"]
