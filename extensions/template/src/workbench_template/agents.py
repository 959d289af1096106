"""A city-model agent plugin (``workbench.citymodel`` contract)."""

from __future__ import annotations

from typing import Any

import numpy as np
from workbench.citymodel.agents.base import CityAgent
from workbench.citymodel.claims import CLASSES, ClaimBatch


class ConstantLoad(CityAgent):
    """A constant industrial power load on one district's feeder.

    Contract: a :class:`~workbench.citymodel.CityAgent` (a ``mesa.Agent``) created as
    ``Agent(model, **settings)``; ``step()`` prepares the hour, ``claims(kind, t)`` returns a
    :class:`~workbench.citymodel.ClaimBatch` (or ``None``) per resource kind (``fleet``,
    ``road``, ``compute``, ``power``), ``receive(kind, t, granted, price)`` gets one grant per
    claim group. Use ``self.model.random`` / ``self.model.rng`` for any randomness.
    """

    def __init__(self, model: Any, district: int = 0, load_kw: float = 500.0) -> None:
        super().__init__(model)
        self.district = int(district)
        self.load_kw = float(load_kw)
        self.served_kw: list[float] = []

    def step(self) -> None:
        """Nothing to prepare: the load is constant."""

    def claims(self, kind: str, t: int) -> ClaimBatch | None:
        """Claim ``load_kw`` of power on the district's feeder."""
        if kind != "power":
            return None
        return ClaimBatch.simple(
            [f"template_load:{self.district}"],
            CLASSES.index("industrial"),
            np.array([self.load_kw]),
            np.array([self.district]),
        )

    def receive(self, kind: str, t: int, granted: np.ndarray, price: np.ndarray) -> None:
        """Record the power served."""
        if kind == "power":
            self.served_kw.append(float(granted[0]))
