"""A heat-stress agent: public cooling centres that claim power during heatwaves.

Each hour, for every district ``d``, heat above normal is ``h_d = cooling_d - 1`` (the
scenario's cooling-load multiplier minus one; 0 outside a heatwave). Cooling centres for
vulnerable residents need ``need_d = kw_per_km2 * area_d * h_d`` kW; the agent claims it as
``essential`` power on the district's feeder, competing with buildings, factories, compute and
EV charging through the model's coordination mechanism. The district's heat-stress index is
``100 * h_d * (1 - served_d / need_d)``: the heat residents are exposed to and that cooling did
not offset. Parameters are synthetic planning assumptions, not measurements.

Metrics added to the run cube (over ``time x district``): ``heat_stress_index``,
``cooling_centre_requested_kw`` and ``cooling_centre_served_kw``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from workbench.citymodel.agents.base import CityAgent
from workbench.citymodel.claims import CLASSES, ClaimBatch
from workbench.errors import SpecError

requires_workbench = ">=0.1,<0.2"

_ESSENTIAL = CLASSES.index("essential")
METRICS = ("heat_stress_index", "cooling_centre_requested_kw", "cooling_centre_served_kw")


class HeatStressAgent(CityAgent):
    """Cooling centres that claim essential power in heatwaves; tracks district heat stress.

    Parameters
    ----------
    model
        The :class:`~workbench.citymodel.CityModel`.
    kw_per_km2
        Cooling-centre power per km2 of district area per unit of heat excess (kW; a
        synthetic assumption, default 40).
    """

    def __init__(self, model: Any, kw_per_km2: float = 40.0) -> None:
        super().__init__(model)
        if not np.isfinite(kw_per_km2) or kw_per_km2 < 0:
            msg = f"`kw_per_km2` must be a non-negative number; got {kw_per_km2!r}."
            raise SpecError(msg)
        self.kw_per_km2 = float(kw_per_km2)
        space = model.space
        self.area = np.asarray(space.area_km2, dtype=float)
        self.labels = np.array([f"cooling_centre:{c}" for c in space.codes], dtype=object)
        self.heat = np.zeros(space.n_districts)
        self.need = np.zeros(space.n_districts)

    def _metrics(self) -> dict[str, np.ndarray]:
        """Return the model's metric arrays, with this agent's ``(hours, districts)`` ones added.

        Added on first use, not in ``__init__``: the model may build its metric store after
        creating extra agents.
        """
        metrics = self.model.metrics
        shape = (self.model.hours, len(self.area))
        for name in METRICS:
            if name not in metrics:
                metrics[name] = np.zeros(shape)
        return metrics

    def step(self) -> None:
        """Read this hour's heat excess from the scenario and size the cooling need."""
        t = self.model.t
        metrics = self._metrics()
        self.heat = np.clip(self.model.mods.cooling[t] - 1.0, 0.0, None)
        self.need = self.kw_per_km2 * self.area * self.heat
        metrics["cooling_centre_requested_kw"][t] = self.need
        # no claim granted yet this hour: full exposure until receive() says otherwise
        metrics["heat_stress_index"][t] = 100.0 * self.heat

    def claims(self, kind: str, t: int) -> ClaimBatch | None:
        """Claim the cooling centres' power (essential class) on every district feeder."""
        if kind != "power" or not (self.need > 0).any():
            return None
        return ClaimBatch.simple(
            self.labels, _ESSENTIAL, self.need, np.arange(len(self.need)), divisible=True
        )

    def receive(self, kind: str, t: int, granted: np.ndarray, price: np.ndarray) -> None:
        """Record the power served and the heat stress left."""
        if kind != "power":
            return
        served = np.asarray(granted, dtype=float)
        share = np.divide(served, self.need, out=np.ones_like(served), where=self.need > 0)
        metrics = self._metrics()
        metrics["cooling_centre_served_kw"][t] = served
        metrics["heat_stress_index"][t] = 100.0 * self.heat * (1.0 - share)


def attach(model: Any, **params: Any) -> HeatStressAgent:
    """Add a :class:`HeatStressAgent` with non-default settings to a built model.

    With default settings prefer ``CityModel(..., extra_agents=("heat_stress",))`` (or
    ``run(..., extra_agents=("heat_stress",))``), which creates the agent by its registry name.
    """
    agent = HeatStressAgent(model, **params)
    model.claimants["power"].append(agent)
    stepping = getattr(model, "stepping", None)  # the model steps only agents in this set
    if stepping is not None:
        stepping.add(agent)
    return agent


__all__ = ["METRICS", "HeatStressAgent", "attach"]
