"""Claims on shared resources: what agents ask the orchestrator for in one step.

A claim *group* is one request by one claimant (``"demand:310101:interactive"`` asking for
tokens, a delivery asking for a vehicle, an incident asking for a road corridor). A group has
one or more *rows*: alternative ways of serving it (the nearest compute node, the second
nearest, ...), each row using one or more resources (a delivery's row uses every road link of
its path). A mechanism grants an amount per row; the amounts of a group never exceed the
group's request, and the usage of a resource never exceeds its capacity.

Everything is held in flat numpy arrays so that mechanisms are vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

CLASSES: tuple[str, ...] = (
    "emergency",
    "essential",
    "interactive",
    "industrial",
    "logistics",
    "batch",
    "traffic",
    "ev_charging",
)
"""Claim classes, in the default priority order (first = served first by ``priority``)."""

DEFAULT_VALUES: dict[str, float] = {
    "emergency": 1000.0,
    "essential": 50.0,
    "interactive": 10.0,
    "industrial": 8.0,
    "logistics": 5.0,
    "batch": 2.0,
    "traffic": 1.0,
    "ev_charging": 0.5,
}
"""Value of one unit of each class (the LP's objective weights and the market's default bids)."""

RESOURCE_KINDS: tuple[str, ...] = ("fleet", "road", "compute", "power")
"""Shared resource kinds, in the order the orchestrator resolves them each step."""


@dataclass
class ClaimBatch:
    """Claims of one agent on one resource kind (local indexes).

    Parameters
    ----------
    claimant
        One label per group (``"logistics"``, ``"demand:310101:batch"``).
    klass
        Claim class index per group (into :data:`CLASSES`).
    amount
        Requested amount per group (units of the resource kind).
    row_group
        Group index (local) of each row.
    entry_row, entry_resource, entry_coef
        Sparse usage: row ``entry_row[k]`` uses ``entry_coef[k]`` units of resource
        ``entry_resource[k]`` per unit granted.
    row_cost
        Cost of each row (preference among alternatives, contract-net bid); lower is better.
    divisible
        Whether each group may be granted in part.
    value
        Optional value per unit per group (the bid); defaults to the class value.
    tag
        Optional integer per group the agent uses to map grants back.
    """

    claimant: np.ndarray
    klass: np.ndarray
    amount: np.ndarray
    row_group: np.ndarray
    entry_row: np.ndarray
    entry_resource: np.ndarray
    entry_coef: np.ndarray
    row_cost: np.ndarray
    divisible: np.ndarray
    value: np.ndarray | None = None
    tag: np.ndarray | None = None

    @property
    def n_groups(self) -> int:
        """Number of groups (requests)."""
        return len(self.amount)

    @classmethod
    def simple(
        cls,
        claimant: np.ndarray | list[str],
        klass: np.ndarray | int,
        amount: np.ndarray,
        resource: np.ndarray,
        *,
        divisible: bool = True,
        value: np.ndarray | None = None,
        tag: np.ndarray | None = None,
    ) -> ClaimBatch:
        """Build a batch where every group has one row on one resource."""
        amount = np.asarray(amount, dtype=float)
        n = len(amount)
        idx = np.arange(n)
        return cls(
            claimant=np.asarray(claimant, dtype=object).reshape(-1)
            if np.ndim(claimant)
            else np.full(n, claimant, dtype=object),
            klass=np.broadcast_to(np.asarray(klass, dtype=np.int64), (n,)).copy(),
            amount=amount,
            row_group=idx,
            entry_row=idx,
            entry_resource=np.asarray(resource, dtype=np.int64),
            entry_coef=np.ones(n),
            row_cost=np.zeros(n),
            divisible=np.full(n, divisible),
            value=value,
            tag=tag,
        )


@dataclass
class ClaimSet:
    """All claims on one resource kind in one step, merged from every agent's batch.

    Attributes
    ----------
    kind
        The resource kind (``"power"``).
    capacity
        Capacity of each resource of the kind this step.
    group_*
        Per group: claimant label, class, amount, value (bid per unit), divisible, priority
        rank, arrival order (a random permutation drawn from the model's stream), source batch
        and tag.
    row_*
        Per row: group, cost.
    entry_*
        Sparse usage matrix (row, resource, coefficient), sorted by row.
    """

    kind: str
    capacity: np.ndarray
    group_claimant: np.ndarray
    group_class: np.ndarray
    group_amount: np.ndarray
    group_value: np.ndarray
    group_divisible: np.ndarray
    group_rank: np.ndarray
    group_arrival: np.ndarray
    group_batch: np.ndarray
    group_tag: np.ndarray
    row_group: np.ndarray
    row_cost: np.ndarray
    entry_row: np.ndarray
    entry_resource: np.ndarray
    entry_coef: np.ndarray
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def n_groups(self) -> int:
        """Number of groups."""
        return len(self.group_amount)

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return len(self.row_group)

    @property
    def n_resources(self) -> int:
        """Number of resources of the kind."""
        return len(self.capacity)

    def usage(self, row_amount: np.ndarray) -> np.ndarray:
        """Resource usage of a row allocation."""
        return np.bincount(
            self.entry_resource,
            weights=self.entry_coef * row_amount[self.entry_row],
            minlength=self.n_resources,
        )

    def group_total(self, row_amount: np.ndarray) -> np.ndarray:
        """Sum a row allocation per group."""
        return np.bincount(self.row_group, weights=row_amount, minlength=self.n_groups)

    def objective(self, row_amount: np.ndarray) -> float:
        """Return the value of an allocation: sum of value times amount (what ``lp`` maximises)."""
        return float(np.dot(self.group_value[self.row_group], row_amount))


def merge_batches(
    kind: str,
    capacity: np.ndarray,
    batches: list[ClaimBatch],
    rank_of_class: np.ndarray,
    value_of_class: np.ndarray,
    rng: np.random.Generator,
) -> ClaimSet:
    """Merge agents' batches into one :class:`ClaimSet` and draw the arrival order.

    Parameters
    ----------
    kind
        Resource kind.
    capacity
        Capacity per resource.
    batches
        One batch per claiming agent.
    rank_of_class, value_of_class
        Priority rank and unit value of each class (the current priority policy).
    rng
        Stream for the arrival order (first-come order of the baseline).
    """
    g_off = r_off = 0
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("cl", "k", "a", "v", "d", "b", "t")}
    rows: dict[str, list[np.ndarray]] = {k: [] for k in ("g", "c")}
    ents: dict[str, list[np.ndarray]] = {k: [] for k in ("r", "s", "w")}
    for b_i, b in enumerate(batches):
        n_g = b.n_groups
        if n_g == 0:
            continue
        parts["cl"].append(np.asarray(b.claimant, dtype=object))
        parts["k"].append(np.asarray(b.klass, dtype=np.int64))
        parts["a"].append(np.asarray(b.amount, dtype=float))
        val = value_of_class[b.klass] if b.value is None else np.asarray(b.value, dtype=float)
        parts["v"].append(val)
        parts["d"].append(np.asarray(b.divisible, dtype=bool))
        parts["b"].append(np.full(n_g, b_i, dtype=np.int64))
        parts["t"].append(np.arange(n_g) if b.tag is None else np.asarray(b.tag, dtype=np.int64))
        rows["g"].append(np.asarray(b.row_group, dtype=np.int64) + g_off)
        rows["c"].append(np.asarray(b.row_cost, dtype=float))
        ents["r"].append(np.asarray(b.entry_row, dtype=np.int64) + r_off)
        ents["s"].append(np.asarray(b.entry_resource, dtype=np.int64))
        ents["w"].append(np.asarray(b.entry_coef, dtype=float))
        g_off += n_g
        r_off += len(b.row_group)

    def cat(xs: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(xs) if xs else np.zeros(0, dtype=dtype)

    klass = cat(parts["k"], np.int64)
    entry_row = cat(ents["r"], np.int64)
    order = np.argsort(entry_row, kind="stable")
    return ClaimSet(
        kind=kind,
        capacity=np.asarray(capacity, dtype=float),
        group_claimant=cat(parts["cl"], object),
        group_class=klass,
        group_amount=np.maximum(cat(parts["a"], float), 0.0),
        group_value=cat(parts["v"], float),
        group_divisible=cat(parts["d"], bool),
        group_rank=rank_of_class[klass] if len(klass) else np.zeros(0, dtype=np.int64),
        group_arrival=rng.permutation(g_off).astype(float),
        group_batch=cat(parts["b"], np.int64),
        group_tag=cat(parts["t"], np.int64),
        row_group=cat(rows["g"], np.int64),
        row_cost=cat(rows["c"], float),
        entry_row=entry_row[order],
        entry_resource=cat(ents["s"], np.int64)[order],
        entry_coef=cat(ents["w"], float)[order],
    )


__all__ = ["CLASSES", "DEFAULT_VALUES", "RESOURCE_KINDS", "ClaimBatch", "ClaimSet", "merge_batches"]
