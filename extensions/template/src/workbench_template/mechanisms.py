"""A coordination-mechanism plugin (``workbench.citymodel`` contract)."""

from __future__ import annotations

from typing import ClassVar

from workbench.citymodel.claims import ClaimSet
from workbench.citymodel.mechanisms.base import (
    Allocation,
    Mechanism,
    ordered_greedy,
    scarcity_price,
)


class ValueFirst(Mechanism):
    """Serve the claims with the highest value per unit first (a greedy auction).

    Contract: a :class:`~workbench.citymodel.Mechanism` subclass with class attributes ``name``
    and ``description``; ``allocate(claims)`` returns an :class:`Allocation` (amount per row,
    per group, a price per resource and a short basis) that respects every capacity; the
    orchestrator checks it and refuses an over-allocation.
    """

    name: ClassVar[str] = "template_value_first"
    description: ClassVar[str] = "highest value per unit first (template plugin)"

    def allocate(self, claims: ClaimSet) -> Allocation:
        """Serve groups by decreasing value per unit."""
        row = ordered_greedy(claims, -claims.group_value)
        return Allocation(
            row=row,
            group=claims.group_total(row),
            price=scarcity_price(claims, row),
            basis="value first",
        )
