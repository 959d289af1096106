"""Compute nodes and the power grid (one grid agent per district)."""

from __future__ import annotations

import numpy as np
from mesa.discrete_space import FixedAgent

from workbench.citymodel.agents.base import CityAgent
from workbench.citymodel.claims import CLASSES, ClaimBatch
from workbench.citymodel.inputs import building_load_shape, solar_shape

IDLE_SHARE = 0.3
"""Share of a node's full IT power drawn when idle."""
BATTERY_EFFICIENCY = 0.92
"""Round-trip efficiency applied on charging."""
_E, _I, _B, _IND = (CLASSES.index(c) for c in ("essential", "interactive", "batch", "industrial"))


class ComputeNode(FixedAgent):
    """One compute node placed in its district's cell of the road network.

    Its state (capacity, utilisation, power) is read from the model's node arrays, so that
    the fleet is stepped vectorised by :class:`ComputeFleet`.
    """

    def __init__(self, model, index: int, cell) -> None:
        super().__init__(model)
        self.index = index
        self.cell = cell
        self.node_id = model.nodes.ids[index]
        self.tier = model.nodes.tier[index]

    def step(self) -> None:
        """Nodes have no behaviour of their own; the fleet claims power for them."""

    @property
    def utilisation(self) -> float:
        """Utilisation in the last step."""
        return float(self.model.node_util[self.index])


class ComputeFleet(CityAgent):
    """Claims power for every compute node from its district's feeder.

    A node draws ``PUE x (idle share + (1 - idle share) x utilisation) x full IT power``;
    the idle part and the interactive tokens' part are claimed as ``interactive``, the batch
    tokens' part as ``batch``. Power not granted cuts the node's tokens served pro rata.
    """

    def __init__(self, model) -> None:
        super().__init__(model)
        self.req = np.zeros((2, model.nodes.n))

    def claims(self, kind: str, t: int) -> ClaimBatch | None:
        """Node power claims (after compute was allocated this step)."""
        if kind != "power":
            return None
        m = self.model
        nodes = m.nodes
        cap_tok = nodes.capacity_tps * 3600
        pue = nodes.pue * m.mods.pue[t, nodes.district]
        full = nodes.it_kw_full * pue
        up = m.mods.node_up[t]
        self.req[0] = up * full * (IDLE_SHARE + (1 - IDLE_SHARE) * m.node_tokens[0] / cap_tok)
        self.req[1] = up * full * (1 - IDLE_SHARE) * m.node_tokens[1] / cap_tok
        n = nodes.n
        return ClaimBatch.simple(
            m.node_labels,
            np.repeat([_I, _B], n),
            self.req.reshape(-1),
            np.tile(nodes.district, 2),
        )

    def receive(self, kind: str, t: int, granted: np.ndarray, price: np.ndarray) -> None:
        """Record node power and the power-limited share of tokens."""
        m = self.model
        g = granted.reshape(2, -1)
        m.node_power_kw = g.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            m.node_power_ratio = np.where(self.req > 0, np.clip(g / self.req, 0, 1), 1.0)


class GridAgent(FixedAgent):
    """The grid operator of one district (feeder, PV, battery); a view on the grid arrays."""

    def __init__(self, model, index: int, cell) -> None:
        super().__init__(model)
        self.index = index
        self.cell = cell
        self.district = model.space.codes[index]

    def step(self) -> None:
        """Do nothing: the district is stepped vectorised by :class:`GridOperator`."""

    @property
    def battery_soc_kwh(self) -> float:
        """Battery state of charge."""
        return float(self.model.grid.soc[self.index])


class GridOperator(CityAgent):
    """Feeders of every district: building/cooling and factory load, PV, batteries, prices.

    Capacity offered to claims on feeder d at hour t is ``feeder + PV + battery discharge
    available``, where ``feeder`` is the feeder's rating times the share of it that is up
    (a ``feeder_outage`` event lowers it; PV and the battery keep supplying the district as
    an islanded microgrid). After allocation the battery discharges what the feeder cannot
    carry and charges in cheap hours (and from PV surplus) within the feeder's headroom.
    """

    def __init__(self, model, node_kw: np.ndarray, area_km2: np.ndarray) -> None:
        super().__init__(model)
        D = len(node_kw)
        self.base_peak_kw = 4000.0 + 2.5 * node_kw + 2.0 * np.sqrt(area_km2) * 100
        self.feeder_kw = 1.0 * self.base_peak_kw + 0.75 * node_kw
        self.pv_kw_installed = 0.12 * self.base_peak_kw
        self.batt_kw = 0.08 * self.feeder_kw * getattr(model.mods, "battery", 1.0)
        self.batt_kwh = 2.0 * self.batt_kw
        self.soc = 0.5 * self.batt_kwh
        self.shape = building_load_shape()
        self.solar = solar_shape()
        self.pv = np.zeros(D)
        self.avail_discharge = np.zeros(D)
        self.req = np.zeros((2, D))
        self.feeder_up_kw = self.feeder_kw.copy()

    def capacity(self, t: int) -> np.ndarray:
        """Power available to claims on each feeder at hour ``t``."""
        m = self.model
        self.pv = self.pv_kw_installed * self.solar[t % 24] * m.mods.pv[t] * m.weather[t]
        self.avail_discharge = np.minimum(self.batt_kw, self.soc)
        self.feeder_up_kw = self.feeder_kw * m.mods.feeder[t]
        return self.feeder_up_kw + self.pv + self.avail_discharge

    def claims(self, kind: str, t: int) -> ClaimBatch | None:
        """Claim building (essential, with cooling) and factory (industrial) load per feeder."""
        if kind != "power":
            return None
        m = self.model
        D = m.space.n_districts
        base = self.base_peak_kw * self.shape[t % 24] * (0.7 + 0.3 * m.mods.cooling[t])
        self.req = np.stack([base, m.mods.factory_kw[t]])
        return ClaimBatch.simple(
            m.grid_labels,
            np.repeat([_E, _IND], D),
            self.req.reshape(-1),
            np.tile(np.arange(D), 2),
        )

    def settle(self, served_kw: np.ndarray, t: int) -> dict[str, np.ndarray]:
        """Dispatch batteries and return import, charge and discharge per district."""
        net = served_kw - self.pv
        feeder = self.feeder_up_kw
        discharge = np.clip(net - feeder, 0.0, self.avail_discharge)
        imp = net - discharge
        surplus = np.clip(-imp, 0.0, None)  # PV surplus is stored, the rest curtailed
        imp = np.maximum(imp, 0.0)
        cheap = self.model.cheap_energy(t)
        room = np.maximum(self.batt_kwh - (self.soc - discharge), 0.0)
        grid_charge = np.where(cheap, np.clip(feeder - imp, 0.0, self.batt_kw), 0.0)
        charge = np.clip(np.minimum(grid_charge + surplus, room / BATTERY_EFFICIENCY), 0, None)
        charge = np.minimum(charge, self.batt_kw)
        from_grid = np.clip(charge - surplus, 0.0, None)
        imp = imp + from_grid
        self.soc = np.clip(self.soc - discharge + charge * BATTERY_EFFICIENCY, 0, self.batt_kwh)
        return {"import": imp, "charge": charge, "discharge": discharge}


__all__ = ["ComputeFleet", "ComputeNode", "GridAgent", "GridOperator"]
