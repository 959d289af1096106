"""Siting problem inputs: a demand x site cost matrix with ids, weights and site attributes.

A :class:`Problem` is built from a matrix (:meth:`Problem.from_matrix`), a wide table
(:meth:`Problem.from_frame`), or point coordinates (:meth:`Problem.from_points`: haversine
distance in metres for lon/lat with R = 6,371,008.8 m, Euclidean for projected coordinates).
A road-network matrix the user computed elsewhere goes in through :meth:`Problem.from_matrix`.
Every constructor validates its input and names what is wrong (NaN distances with the demand and
site, negative weights, mismatched ids, empty inputs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.errors import SpecError

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG) in metres used by :func:`haversine_matrix`."""


def haversine_matrix(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    """Great-circle distances in metres between two sets of lon/lat points (degrees).

    Parameters
    ----------
    lon1, lat1
        Coordinates of the row points (demand), shape ``(n,)``.
    lon2, lat2
        Coordinates of the column points (sites), shape ``(m,)``.

    Returns
    -------
    numpy.ndarray
        ``(n, m)`` distances in metres, haversine formula with R = 6,371,008.8 m.
    """
    p1 = np.radians(np.asarray(lat1, dtype=np.float64))[:, None]
    p2 = np.radians(np.asarray(lat2, dtype=np.float64))[None, :]
    l1 = np.radians(np.asarray(lon1, dtype=np.float64))[:, None]
    l2 = np.radians(np.asarray(lon2, dtype=np.float64))[None, :]
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def euclidean_matrix(x1: Any, y1: Any, x2: Any, y2: Any) -> np.ndarray:
    """Euclidean distances between two sets of projected points, in the coordinates' unit."""
    dx = np.asarray(x1, dtype=np.float64)[:, None] - np.asarray(x2, dtype=np.float64)[None, :]
    dy = np.asarray(y1, dtype=np.float64)[:, None] - np.asarray(y2, dtype=np.float64)[None, :]
    return np.hypot(dx, dy)


def _ids(ids: Sequence[Any] | None, n: int, what: str, prefix: str) -> np.ndarray:
    if ids is None:
        return np.array([f"{prefix}{i}" for i in range(n)], dtype=object)
    arr = np.array([str(i) for i in ids], dtype=object)
    if len(arr) != n:
        msg = (
            f"`{what}` must have one id per {'row' if prefix == 'd' else 'column'} of the cost "
            f"matrix ({n}); got {len(arr)} ids. Pass exactly {n} ids in matrix order."
        )
        raise SpecError(msg)
    uniq, counts = np.unique(arr.astype(str), return_counts=True)
    if (counts > 1).any():
        dup = ", ".join(repr(str(u)) for u in uniq[counts > 1][:5])
        msg = f"`{what}` must be unique; these ids repeat: {dup}. Rename or merge the duplicates."
        raise SpecError(msg)
    return arr


def _vector(values: Any, n: int, name: str, ids: np.ndarray, *, allow_none: bool = True) -> Any:
    if values is None:
        return None
    if isinstance(values, dict):
        missing = [i for i in ids if i not in {str(k) for k in values}]
        if missing:
            msg = (
                f"`{name}` has no value for ids {missing[:5]}; every id of the cost matrix needs "
                f"one. Add them (or check that the ids match the matrix's ids)."
            )
            raise SpecError(msg)
        lookup = {str(k): v for k, v in values.items()}
        extra = sorted(set(lookup) - {str(i) for i in ids})
        if extra:
            msg = (
                f"`{name}` has ids that are not in the cost matrix: {extra[:5]}. Remove them or "
                f"fix the ids so that they match the matrix's ids."
            )
            raise SpecError(msg)
        values = [lookup[str(i)] for i in ids]
    arr = np.asarray(values, dtype=np.float64).ravel()
    if len(arr) != n:
        msg = f"`{name}` must have {n} values (one per id); got {len(arr)}. Pass one value per id."
        raise SpecError(msg)
    bad = np.flatnonzero(~np.isfinite(arr))
    if len(bad):
        msg = (
            f"`{name}` must be finite; id {ids[bad[0]]!r} has {arr[bad[0]]}. "
            f"Fill or drop the missing values."
        )
        raise SpecError(msg)
    neg = np.flatnonzero(arr < 0)
    if len(neg):
        msg = (
            f"`{name}` must be non-negative; id {ids[neg[0]]!r} has {arr[neg[0]]:g}. "
            f"Use 0 for ids that should not count."
        )
        raise SpecError(msg)
    return arr


@dataclass(frozen=True, eq=False)
class Problem:
    """A validated siting problem: costs between demand points and candidate sites.

    Attributes
    ----------
    costs
        ``(n_demand, n_sites)`` float64 distances or costs (metres for geometric inputs).
    demand_ids, site_ids
        String ids of the rows and columns.
    weights
        Demand weights (population, tokens per day...), default 1.
    capacities
        Optional site capacities in the weights' unit (used by capacitated models).
    existing
        Boolean mask of sites that already exist and must stay open.
    fixed_costs
        Optional opening cost per site (capacitated fixed-charge model).
    demand_xy, site_xy
        Optional ``(n, 2)`` coordinates (lon/lat when ``geographic``), kept for maps.
    geographic
        Whether the coordinates are lon/lat degrees (distances by haversine).
    metric
        How the costs were made: ``"haversine"``, ``"euclidean"`` or ``"matrix"``.
    """

    costs: np.ndarray
    demand_ids: np.ndarray
    site_ids: np.ndarray
    weights: np.ndarray
    capacities: np.ndarray | None = None
    existing: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    fixed_costs: np.ndarray | None = None
    demand_xy: np.ndarray | None = None
    site_xy: np.ndarray | None = None
    geographic: bool = False
    metric: str = "matrix"

    @property
    def n_demand(self) -> int:
        """Number of demand points."""
        return int(self.costs.shape[0])

    @property
    def n_sites(self) -> int:
        """Number of candidate sites."""
        return int(self.costs.shape[1])

    @classmethod
    def from_matrix(
        cls,
        costs: Any,
        *,
        demand_ids: Sequence[Any] | None = None,
        site_ids: Sequence[Any] | None = None,
        weights: Any = None,
        capacities: Any = None,
        existing: Any = None,
        fixed_costs: Any = None,
        demand_xy: Any = None,
        site_xy: Any = None,
        geographic: bool = False,
        metric: str = "matrix",
    ) -> Problem:
        """Build a problem from a cost matrix (for example a road-network distance matrix).

        Parameters
        ----------
        costs
            ``(n_demand, n_sites)`` array-like of non-negative finite costs.
        demand_ids, site_ids
            Ids of rows and columns (default ``d0, d1, ...`` and ``s0, s1, ...``).
        weights
            Demand weights: array in row order or ``{demand_id: weight}`` (default all 1).
        capacities
            Site capacities: array in column order or ``{site_id: capacity}``.
        existing
            Sites that must stay open: boolean mask, or an iterable of site ids.
        fixed_costs
            Opening cost per site: array or ``{site_id: cost}``.
        demand_xy, site_xy
            Optional coordinates kept for maps and GeoDataFrames.
        geographic
            Whether the coordinates are lon/lat.
        metric
            A label of how the costs were computed.

        Returns
        -------
        Problem
            The validated problem.

        Raises
        ------
        SpecError
            For empty inputs, NaN/negative costs (naming the demand and site), wrong lengths,
            duplicate or unknown ids, and negative weights or capacities.
        """
        arr = np.asarray(costs, dtype=np.float64)
        if arr.ndim != 2:
            msg = f"`costs` must be a 2-D (demand x site) matrix; got {arr.ndim} dimension(s)."
            raise SpecError(msg)
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            msg = (
                f"`costs` must have at least one demand row and one site column; got shape "
                f"{arr.shape}. Check that the demand and candidate tables are not empty."
            )
            raise SpecError(msg)
        d_ids = _ids(demand_ids, arr.shape[0], "demand_ids", "d")
        s_ids = _ids(site_ids, arr.shape[1], "site_ids", "s")
        bad = np.argwhere(~np.isfinite(arr))
        if len(bad):
            i, j = bad[0]
            msg = (
                f"`costs` must be finite; {len(bad)} entr{'y is' if len(bad) == 1 else 'ies are'} "
                f"missing or infinite, first demand {d_ids[i]!r} -> site {s_ids[j]!r} "
                f"({arr[i, j]}). Fill them (for an unreachable pair use a large finite cost) or "
                f"drop the demand/site."
            )
            raise SpecError(msg)
        neg = np.argwhere(arr < 0)
        if len(neg):
            i, j = neg[0]
            msg = (
                f"`costs` must be non-negative; demand {d_ids[i]!r} -> site {s_ids[j]!r} is "
                f"{arr[i, j]:g}. Distances and costs cannot be negative."
            )
            raise SpecError(msg)
        w = _vector(weights, arr.shape[0], "weights", d_ids)
        if w is None:
            w = np.ones(arr.shape[0])
        caps = _vector(capacities, arr.shape[1], "capacities", s_ids)
        fixed = _vector(fixed_costs, arr.shape[1], "fixed_costs", s_ids)
        ex = _existing(existing, s_ids)
        return cls(
            costs=arr,
            demand_ids=d_ids,
            site_ids=s_ids,
            weights=w,
            capacities=caps,
            existing=ex,
            fixed_costs=fixed,
            demand_xy=None if demand_xy is None else np.asarray(demand_xy, dtype=np.float64),
            site_xy=None if site_xy is None else np.asarray(site_xy, dtype=np.float64),
            geographic=geographic,
            metric=metric,
        )

    @classmethod
    def from_points(
        cls,
        demand_xy: Any,
        site_xy: Any,
        *,
        geographic: bool = True,
        route_factor: float = 1.0,
        **kwargs: Any,
    ) -> Problem:
        """Build a problem from point coordinates.

        Parameters
        ----------
        demand_xy, site_xy
            ``(n, 2)`` and ``(m, 2)`` coordinates: lon/lat degrees when ``geographic``
            (haversine metres, R = 6,371,008.8 m), else projected (Euclidean, same unit).
        geographic
            Whether the coordinates are lon/lat.
        route_factor
            Multiplier on straight-line distance (road or fibre detour), default 1.
        **kwargs
            Passed on to :meth:`from_matrix` (ids, weights, capacities, existing...).

        Returns
        -------
        Problem
            The validated problem.
        """
        d = np.asarray(demand_xy, dtype=np.float64).reshape(-1, 2)
        s = np.asarray(site_xy, dtype=np.float64).reshape(-1, 2)
        for name, pts in (("demand_xy", d), ("site_xy", s)):
            if not np.isfinite(pts).all():
                row = int(np.argwhere(~np.isfinite(pts))[0][0])
                msg = f"`{name}` must be finite; row {row} is {pts[row].tolist()}. Fix or drop it."
                raise SpecError(msg)
        if geographic:
            costs = haversine_matrix(d[:, 0], d[:, 1], s[:, 0], s[:, 1])
        else:
            costs = euclidean_matrix(d[:, 0], d[:, 1], s[:, 0], s[:, 1])
        return cls.from_matrix(
            costs * float(route_factor),
            demand_xy=d,
            site_xy=s,
            geographic=geographic,
            metric="haversine" if geographic else "euclidean",
            **kwargs,
        )

    @classmethod
    def from_geodataframes(
        cls,
        demand: Any,
        sites: Any,
        *,
        weight: str | None = None,
        capacity: str | None = None,
        existing: str | None = None,
        id_column: str | None = "id",
        **kwargs: Any,
    ) -> Problem:
        """Build a problem from two point GeoDataFrames (lon/lat if their CRS is geographic).

        Parameters
        ----------
        demand, sites
            Point GeoDataFrames in the same CRS.
        weight, capacity, existing
            Optional column names for demand weights, site capacities and existing flags.
        id_column
            Column holding the ids (the index is used when the column is absent).
        **kwargs
            Passed on to :meth:`from_points`.

        Returns
        -------
        Problem
            The validated problem.
        """
        if demand.crs != sites.crs:
            msg = (
                f"`demand` and `sites` must share a CRS; got {demand.crs} and {sites.crs}. "
                f"Reproject one with `.to_crs(other.crs)`."
            )
            raise SpecError(msg)
        geographic = bool(demand.crs is None or demand.crs.is_geographic)

        def _col(df: Any, col: str | None, what: str) -> Any:
            if col is None:
                return None
            if col not in df.columns:
                msg = f"`{what}` column {col!r} not found; columns are {list(df.columns)}."
                raise SpecError(msg)
            return df[col].to_numpy()

        d_ids = _col(demand, id_column, "id_column") if id_column in demand else demand.index
        s_ids = _col(sites, id_column, "id_column") if id_column in sites else sites.index
        ex = _col(sites, existing, "existing")
        return cls.from_points(
            np.column_stack([demand.geometry.x, demand.geometry.y]),
            np.column_stack([sites.geometry.x, sites.geometry.y]),
            geographic=geographic,
            demand_ids=list(d_ids),
            site_ids=list(s_ids),
            weights=_col(demand, weight, "weight"),
            capacities=_col(sites, capacity, "capacity"),
            existing=None if ex is None else np.asarray(ex, dtype=bool),
            **kwargs,
        )

    @classmethod
    def from_frame(cls, frame: Any, **kwargs: Any) -> Problem:
        """Build a problem from a wide DataFrame: index = demand ids, columns = site ids."""
        return cls.from_matrix(
            frame.to_numpy(dtype=np.float64),
            demand_ids=list(frame.index),
            site_ids=list(frame.columns),
            **kwargs,
        )

    def site_index(self, ids: Any) -> np.ndarray:
        """Column positions of the given site ids (raises a clear error for unknown ids)."""
        lookup = {str(s): k for k, s in enumerate(self.site_ids)}
        out = []
        for sid in ids:
            if str(sid) not in lookup:
                from workbench.errors import unknown_name

                raise SpecError(unknown_name("site id", str(sid), lookup))
            out.append(lookup[str(sid)])
        return np.asarray(out, dtype=np.int64)


def _existing(existing: Any, s_ids: np.ndarray) -> np.ndarray:
    if existing is None:
        return np.zeros(len(s_ids), dtype=bool)
    arr = np.asarray(existing)
    if arr.dtype == bool:
        if len(arr) != len(s_ids):
            msg = (
                f"`existing` as a mask must have one flag per site ({len(s_ids)}); got "
                f"{len(arr)}. Pass a boolean per site or a list of site ids."
            )
            raise SpecError(msg)
        return arr.copy()
    lookup = {str(s): k for k, s in enumerate(s_ids)}
    mask = np.zeros(len(s_ids), dtype=bool)
    for sid in np.atleast_1d(arr):
        if str(sid) not in lookup:
            from workbench.errors import unknown_name

            raise SpecError(unknown_name("existing site id", str(sid), lookup))
        mask[lookup[str(sid)]] = True
    return mask


__all__ = ["EARTH_RADIUS_M", "Problem", "euclidean_matrix", "haversine_matrix"]
