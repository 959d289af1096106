"""The agent protocol of the city model."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from workbench.plugin_contracts import Contract

if TYPE_CHECKING:  # pragma: no cover
    from workbench.citymodel.claims import ClaimBatch


class CityAgent(mesa.Agent):
    """Base class of city-model agents (subclass it to write an agent plugin).

    Each step the model calls :meth:`step` on every agent, then for each resource kind
    (``fleet``, ``road``, ``compute``, ``power``) asks every agent for its claims
    (:meth:`claims`), lets the mechanism resolve them and hands each agent its grants
    (:meth:`receive`, one amount per claim group of the agent's batch). Agents that stand for
    many units (demand units) keep their state in numpy arrays and build their claims
    vectorised.
    """

    def step(self) -> None:
        """Prepare this step's state (draw demand, advance timers); default does nothing."""

    def claims(self, kind: str, t: int) -> ClaimBatch | None:
        """Claims on resource kind ``kind`` at hour ``t`` (None when the agent claims none)."""
        return None

    def receive(self, kind: str, t: int, granted: np.ndarray, price: np.ndarray) -> None:
        """Grants per claim group of this agent's batch and the resource prices."""


AGENT_CONTRACT = Contract(
    "agents",
    "class",
    base=mesa.Agent,
    methods={"step": ()},
    overrides=("step",),
    doc="a workbench.citymodel CityAgent subclass (a mesa.Agent): step(), "
    "claims(kind, t) -> ClaimBatch | None, receive(kind, t, granted, price)",
)
"""What an agent plugin must look like (checked when it loads)."""


__all__ = ["AGENT_CONTRACT", "CityAgent"]
