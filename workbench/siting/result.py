"""Immutable results of siting models: selected sites, assignment, objective, bound, gap, KPIs."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.dims import DEMAND, SITE
from workbench.plan_contract import PLAN_COLUMNS

#: Columns the city model reads from a siting plan (docs/contracts.md "Siting plan -> city model").
SITE_COLUMNS: tuple[str, ...] = PLAN_COLUMNS
"""The plan's site columns (:data:`workbench.plan_contract.PLAN_COLUMNS`)."""


def json_number(x: Any) -> Any:
    """JSON-safe number: NaN/inf become None."""
    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    v = float(x)
    return v if math.isfinite(v) else None


@dataclass(frozen=True, eq=False)
class SitingResult:
    """The outcome of one siting model.

    Attributes
    ----------
    model
        Registered model name (``"pmedian"``...).
    status
        ``"optimal"`` (proven by HiGHS or by matching bounds), ``"feasible"`` (a limit was
        reached; see ``bound`` and ``gap``) or ``"infeasible"``.
    objective
        Objective value of the returned solution.
    bound
        Best proven bound (lower for minimisation, upper for maximisation).
    gap
        Relative gap between objective and bound (0 when optimal).
    seconds
        Wall-clock solve time.
    selected
        Ids of the open sites, in column order.
    assignment
        ``demand id -> site id`` for models that assign demand (uncovered demand is absent).
    covered_weight
        Covered demand weight for covering models (``None`` otherwise).
    kpis
        Further indicators (coverage share, mean/max distance, backup share...).
    params
        The model's parameters, for provenance.
    method
        How the result was obtained (``"highs"``, ``"lagrangian+interchange"``...).
    demand_ids, site_ids
        Ids of the problem's rows and columns.
    distance
        Distance (cost) of each demand to its assigned site (NaN when unassigned).
    site_xy, geographic
        Site coordinates when the problem had them.
    site_table
        Optional per-site attributes (a DataFrame indexed like ``site_ids``) for maps.
    """

    model: str
    status: str
    objective: float
    bound: float
    gap: float
    seconds: float
    selected: tuple[str, ...]
    assignment: dict[str, str] | None
    covered_weight: float | None
    kpis: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    method: str = "highs"
    demand_ids: tuple[str, ...] = ()
    site_ids: tuple[str, ...] = ()
    distance: np.ndarray | None = field(default=None, repr=False)
    site_xy: np.ndarray | None = field(default=None, repr=False)
    geographic: bool = False
    site_table: Any = field(default=None, repr=False)

    @property
    def is_optimal(self) -> bool:
        """Whether optimality is proven."""
        return self.status == "optimal"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON view: the keys of the CLI's RESULT.json plus KPIs and parameters."""
        return {
            "model": self.model,
            "status": self.status,
            "objective": json_number(self.objective),
            "bound": json_number(self.bound),
            "gap": json_number(self.gap),
            "selected": list(self.selected),
            "assignment": None if self.assignment is None else dict(self.assignment),
            "covered_weight": json_number(self.covered_weight),
            "seconds": json_number(self.seconds),
            "method": self.method,
            "kpis": {
                k: json_number(v) if not isinstance(v, str) else v for k, v in self.kpis.items()
            },
            "params": {
                k: v if isinstance(v, str) else json_number(v) for k, v in self.params.items()
            },
        }

    def to_json(self, path: str | Path | None = None, *, indent: int = 2) -> str:
        """Serialise :meth:`to_dict` to JSON; write it to ``path`` if given."""
        text = json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    def to_dataframe(self) -> Any:
        """One row per demand point: assigned site id and distance."""
        import pandas as pd

        assign = self.assignment or {}
        return pd.DataFrame(
            {
                "site": [assign.get(d) for d in self.demand_ids],
                "distance": self.distance
                if self.distance is not None
                else np.full(len(self.demand_ids), np.nan),
            },
            index=pd.Index(list(self.demand_ids), name=DEMAND),
        )

    def to_xarray(self) -> Any:
        """Return a Dataset: ``selected(site)``, ``assigned_site(demand)``, ``distance(demand)``.

        Parameters, status, objective, bound and gap are kept in ``attrs``.
        """
        import xarray as xr

        sel = set(self.selected)
        assign = self.assignment or {}
        dist = self.distance if self.distance is not None else np.full(len(self.demand_ids), np.nan)
        ds = xr.Dataset(
            {
                "selected": ((SITE,), np.array([s in sel for s in self.site_ids], dtype=bool)),
                "assigned_site": (
                    (DEMAND,),
                    np.array([assign.get(d, "") for d in self.demand_ids], dtype=str),
                ),
                "distance": ((DEMAND,), np.asarray(dist, dtype=np.float64)),
            },
            coords={
                SITE: np.array(self.site_ids, dtype=str),
                DEMAND: np.array(self.demand_ids, dtype=str),
            },
        )
        if self.site_xy is not None:
            ds = ds.assign_coords(x=((SITE,), self.site_xy[:, 0]), y=((SITE,), self.site_xy[:, 1]))
        ds.attrs.update(
            {
                "model": self.model,
                "status": self.status,
                "objective": float(self.objective),
                "bound": float(self.bound),
                "gap": float(self.gap),
                "seconds": float(self.seconds),
                "method": self.method,
                "params": json.dumps(self.to_dict()["params"]),
                "kpis": json.dumps(self.to_dict()["kpis"]),
                "provenance": "workbench.siting",
            }
        )
        return ds

    def to_geodataframe(self) -> Any:
        """Return the selected sites as points, with the columns of the siting-plan contract.

        Returns
        -------
        geopandas.GeoDataFrame
            Columns ``id, tier, lon, lat, district, capacity_tokens_per_s, tokens_per_watt,
            pue, power_kw_max`` (NaN where the problem did not have the attribute) and
            ``geometry``; CRS EPSG:4326 for lon/lat problems.
        """
        import geopandas as gpd
        import pandas as pd

        pos = [self.site_ids.index(s) for s in self.selected]
        if self.site_table is not None:
            table = self.site_table.iloc[pos].reset_index(drop=True).copy()
        else:
            table = pd.DataFrame({"id": list(self.selected)})
        table["id"] = list(self.selected)
        if self.site_xy is not None:
            table["lon"] = self.site_xy[pos, 0]
            table["lat"] = self.site_xy[pos, 1]
        for col in SITE_COLUMNS:
            if col not in table.columns:
                table[col] = "edge" if col == "tier" else np.nan
        cols = list(SITE_COLUMNS) + [c for c in table.columns if c not in SITE_COLUMNS]
        geom = gpd.points_from_xy(table["lon"], table["lat"])
        crs = "EPSG:4326" if self.geographic else None
        return gpd.GeoDataFrame(table[cols], geometry=geom, crs=crs)

    def save(self, directory: str | Path) -> Path:
        """Write ``result.json``, ``result.nc`` and (with coordinates) ``sites.geojson``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        self.to_json(out / "result.json")
        self.to_xarray().to_netcdf(out / "result.nc", engine="h5netcdf")
        if self.site_xy is not None:
            self.to_geodataframe().to_file(out / "sites.geojson", driver="GeoJSON")
        return out


__all__ = ["SITE_COLUMNS", "SitingResult"]
