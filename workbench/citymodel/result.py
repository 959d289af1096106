"""The immutable result of a run, and how it is built from a finished model."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from workbench.citymodel.orchestrator import DecisionLog
from workbench.dims import DISTRICT, LINK, NODE, TIME

if TYPE_CHECKING:  # pragma: no cover
    from workbench.citymodel.model import CityModel

_DIMS = {"district": DISTRICT, "node": NODE, "link": LINK}


@dataclass(frozen=True)
class RunResult:
    """What one run produced (read-only).

    Attributes
    ----------
    scenario, mechanism, seed, hours
        What was run.
    dataset
        Metrics over ``time`` x ``district`` / ``node`` / ``link`` (hourly).
    decisions
        The orchestrator's decision log (who asked, who got what, at what price, why).
    kpis
        KPI table: value, the ``none`` run's value on the same seed and scenario, the ratio,
        unit and direction.
    """

    scenario: str
    mechanism: str
    seed: int
    hours: int
    dataset: xr.Dataset = field(repr=False)
    decisions: DecisionLog = field(repr=False)
    kpis: pd.DataFrame = field(repr=False)

    def to_xarray(self) -> xr.Dataset:
        """Return the metrics Dataset, with the KPIs (JSON) and provenance in ``attrs``."""
        ds = self.dataset.copy()
        ds.attrs["kpis"] = self.kpis.reset_index().to_json(orient="records")
        return ds

    def to_dataframe(self) -> pd.DataFrame:
        """Return the KPI table."""
        return self.kpis.copy()

    def to_netcdf(self, path: str | Path) -> Path:
        """Save the Dataset (with scenario, mechanism, seed, versions, KPIs in attrs)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.to_xarray().to_netcdf(path, engine="h5netcdf")
        return path


def build_dataset(model: CityModel) -> xr.Dataset:
    """Collect a finished model's metric arrays into an xarray Dataset."""
    import highspy
    import mesa

    from workbench import __version__
    from workbench.citymodel.model import LAT_BINS, TIMEOUT_MS

    s, n = model.space, model.nodes
    T = model.hours
    coords = {
        TIME: np.arange(T),
        DISTRICT: list(s.codes),
        NODE: list(n.ids),
        LINK: s.link_names,
        "latency_bin": np.append(LAT_BINS, TIMEOUT_MS),
    }
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for name, arr in model.metrics.items():
        if arr.ndim == 1:
            data[name] = ((TIME,), arr)
            continue
        width = arr.shape[1]
        dim = (
            DISTRICT
            if width == s.n_districts
            and not name.startswith(("node_", "compute_", "link_", "road_"))
            else (NODE if name.startswith(("node_", "compute_")) else LINK)
        )
        data[name] = ((TIME, dim), arr)
    data["electricity_price"] = ((TIME,), model.price)
    data["carbon_intensity"] = ((TIME,), model.ci)
    data["carbon_price"] = ((TIME,), model.mods.carbon_price)
    resp = np.full(T, np.nan)
    em = model.emergency
    done = np.isfinite(em.response_min) & (em.start < T)
    if done.any():
        sums = np.bincount(em.start[done], em.response_min[done], T)
        cnt = np.bincount(em.start[done], minlength=T)
        resp = np.where(cnt > 0, sums / np.maximum(cnt, 1), np.nan)
    data["emergency_response_min"] = ((TIME,), resp)
    data["latency_hist"] = (("latency_bin",), model.lat_hist)
    released, on_time = model.logistics.on_time(T)
    ds = xr.Dataset(data, coords=coords)
    ds = ds.assign_coords(
        district_name=(DISTRICT, list(s.names)),
        node_tier=(NODE, list(n.tier)),
        node_district=(NODE, [s.codes[i] for i in n.district]),
        hour_of_day=(TIME, np.arange(T) % 24),
    )
    ds.attrs.update(
        {
            "title": "City model run",
            "scenario": model.scenario.name,
            "scenario_events": json.dumps(list(model.scenario.events)),
            "mechanism": model.mechanism_name,
            "seed": model.seed_value,
            "hours": T,
            "time_step": "1h",
            "n_units": model.demand_agent.units.n,
            "demand_scale": model.demand_scale,
            "plan_nodes": n.n,
            "plan_capacity_tokens_per_day": float(n.capacity_tps.sum() * 86400),
            "horizon_hours": getattr(model.joint, "horizon", 0) if model.joint else 0,
            **{f"econ_{k}": v for k, v in vars(model.econ).items()},
            "deliveries_released": released,
            "deliveries_on_time": on_time,
            "workbench_version": __version__,
            "mesa_version": mesa.__version__,
            "highspy_version": getattr(highspy, "__version__", "unknown"),
            "numpy_version": np.__version__,
            "synthetic": "Demand cells are the siting sample's (synthetic); loads, prices, "
            "feeders, fleets, incidents and profiles are synthetic assumptions on the Shanghai "
            "sample geography; see docs/citymodel.md.",
        }
    )
    return ds


__all__ = ["RunResult", "build_dataset"]
