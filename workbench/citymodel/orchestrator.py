"""The orchestrator: collects claims, applies the mechanism, checks it, logs every decision."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from workbench.citymodel.claims import (
    CLASSES,
    RESOURCE_KINDS,
    ClaimBatch,
    ClaimSet,
    merge_batches,
)
from workbench.errors import PluginError

if TYPE_CHECKING:  # pragma: no cover
    from workbench.citymodel.agents.base import CityAgent
    from workbench.citymodel.mechanisms.base import Allocation, Mechanism


class DecisionLog:
    """Who asked, who got what, at what price and why: one row per claim group per step.

    Stored compactly as column arrays (claimants as integer codes); :meth:`to_dataframe`
    returns the tidy table.
    """

    COLUMNS = ("step", "kind", "claimant", "class", "requested", "granted", "price", "basis")

    def __init__(self) -> None:
        self._chunks: list[tuple] = []
        self._names: dict[str, int] = {}
        self._bases: dict[str, int] = {}

    def add(self, step: int, claims: ClaimSet, alloc: Allocation) -> None:
        """Log one resource kind's decisions of one step."""
        if claims.n_groups == 0:
            return
        names = self._names
        local, uniques = pd.factorize(claims.group_claimant)
        table = np.fromiter(
            (names.setdefault(c, len(names)) for c in uniques), dtype=np.int32, count=len(uniques)
        )
        codes = table[local]
        # price a group faced: the highest price of the resources its rows use
        e_group = claims.row_group[claims.entry_row]
        price = np.zeros(claims.n_groups)
        np.maximum.at(price, e_group, alloc.price[claims.entry_resource])
        b = self._bases.setdefault(alloc.basis, len(self._bases))
        self._chunks.append(
            (
                np.full(claims.n_groups, step, dtype=np.int32),
                RESOURCE_KINDS.index(claims.kind),
                codes,
                claims.group_class.astype(np.int8),
                claims.group_amount.astype(np.float32),
                alloc.group.astype(np.float32),
                price.astype(np.float32),
                b,
            )
        )

    def add_rows(
        self,
        step: int,
        kind: str,
        claimant: np.ndarray,
        klass: np.ndarray,
        requested: np.ndarray,
        granted: np.ndarray,
        price: np.ndarray,
        basis: str,
    ) -> None:
        """Log decisions made outside claim sets (the joint LP, the market clearing)."""
        if len(claimant) == 0:
            return
        names = self._names
        local, uniques = pd.factorize(np.asarray(claimant, dtype=object))
        table = np.fromiter(
            (names.setdefault(c, len(names)) for c in uniques), dtype=np.int32, count=len(uniques)
        )
        b = self._bases.setdefault(basis, len(self._bases))
        n = len(claimant)
        self._chunks.append(
            (
                np.full(n, step, dtype=np.int32),
                RESOURCE_KINDS.index(kind),
                table[local],
                np.broadcast_to(np.asarray(klass, dtype=np.int8), (n,)).copy(),
                np.asarray(requested, dtype=np.float32),
                np.asarray(granted, dtype=np.float32),
                np.asarray(price, dtype=np.float32),
                b,
            )
        )

    def __len__(self) -> int:
        return sum(len(c[0]) for c in self._chunks)

    def to_dataframe(self) -> pd.DataFrame:
        """Return the decision log as a tidy table (``outcome``: full, partial, denied)."""
        if not self._chunks:
            return pd.DataFrame(columns=[*self.COLUMNS, "outcome"])
        n = [len(c[0]) for c in self._chunks]
        names = np.array(list(self._names), dtype=object)
        bases = np.array(list(self._bases), dtype=object)
        req = np.concatenate([c[4] for c in self._chunks])
        got = np.concatenate([c[5] for c in self._chunks])
        outcome = np.where(got >= req * (1 - 1e-5), "full", np.where(got > 0, "partial", "denied"))
        return pd.DataFrame(
            {
                "step": np.concatenate([c[0] for c in self._chunks]),
                "kind": pd.Categorical.from_codes(
                    np.repeat([c[1] for c in self._chunks], n), RESOURCE_KINDS
                ),
                "claimant": names[np.concatenate([c[2] for c in self._chunks])],
                "class": pd.Categorical.from_codes(
                    np.concatenate([c[3] for c in self._chunks]), CLASSES
                ),
                "requested": req,
                "granted": got,
                "price": np.concatenate([c[6] for c in self._chunks]),
                "basis": bases[np.repeat([c[7] for c in self._chunks], n)],
                "outcome": outcome,
            }
        )

    def summary(self) -> pd.DataFrame:
        """Summarise the log per resource kind and claim class.

        Returns
        -------
        pandas.DataFrame
            Per (kind, class): requested and granted totals, the share granted, the number of
            claims denied outright and served in part, and the mean price faced.
        """
        df = self.to_dataframe()
        df = df.assign(
            denied=(df["outcome"] == "denied").astype(int),
            partial=(df["outcome"] == "partial").astype(int),
        )
        out = df.groupby(["kind", "class"], observed=True).agg(
            claims=("granted", "size"),
            requested=("requested", "sum"),
            granted=("granted", "sum"),
            denied=("denied", "sum"),
            partial=("partial", "sum"),
            mean_price=("price", "mean"),
        )
        out["share_granted"] = out["granted"] / out["requested"].where(out["requested"] > 0)
        return out


class Orchestrator:
    """Resolves each resource kind in turn: fleet, road, compute, power."""

    def __init__(self, mechanism: Mechanism, log: DecisionLog, rng: np.random.Generator) -> None:
        self.mechanism = mechanism
        self.log = log
        self.rng = rng

    def resolve(
        self,
        kind: str,
        t: int,
        agents: list[CityAgent],
        capacity: np.ndarray,
        rank: np.ndarray,
        value: np.ndarray,
        augment: Callable[[ClaimSet], ClaimSet] | None = None,
    ) -> tuple[ClaimSet, Allocation, list[CityAgent]]:
        """Collect ``kind`` claims from ``agents``, allocate, check, log and hand out grants.

        ``augment`` may add resources to the merged claims before the mechanism sees them
        (``drf`` adds the feeders that compute draws power from).
        """
        batches: list[ClaimBatch] = []
        claimed: list[CityAgent] = []
        for agent in agents:
            b = agent.claims(kind, t)
            if b is not None and b.n_groups > 0:
                batches.append(b)
                claimed.append(agent)
        claims = merge_batches(kind, capacity, batches, rank, value, self.rng)
        if augment is not None:
            claims = augment(claims)
        alloc = self.mechanism.allocate(claims)
        self.check(claims, alloc)
        self.log.add(t, claims, alloc)
        return claims, alloc, claimed

    def dispatch(
        self, claims: ClaimSet, alloc: Allocation, agents: list[CityAgent], t: int
    ) -> None:
        """Give every agent the grants of its own claim groups."""
        for i, a in enumerate(agents):
            sel = claims.group_batch == i
            a.receive(claims.kind, t, alloc.group[sel], alloc.price)

    def check(self, claims: ClaimSet, alloc: Allocation) -> None:
        """Refuse an allocation that breaks a capacity or grants more than was asked."""
        name = getattr(self.mechanism, "name", type(self.mechanism).__name__)
        if alloc.row.shape != (claims.n_rows,) or alloc.price.shape != (claims.n_resources,):
            msg = (
                f"Mechanism '{name}' returned arrays of the wrong shape for {claims.kind}: "
                f"row {alloc.row.shape} (expected ({claims.n_rows},)), price "
                f"{alloc.price.shape} (expected ({claims.n_resources},))."
            )
            raise PluginError(msg)
        used = claims.usage(alloc.row)
        tol = 1e-6 * np.maximum(claims.capacity, 1.0)
        if (used > claims.capacity + tol).any() or (alloc.row < -1e-9).any():
            r = int(np.argmax(used - claims.capacity))
            msg = (
                f"Mechanism '{name}' over-allocated {claims.kind} resource {r}: "
                f"{used[r]:.6g} > capacity {claims.capacity[r]:.6g}. A mechanism must respect "
                "capacities."
            )
            raise PluginError(msg)
        if (alloc.group > claims.group_amount * (1 + 1e-6) + 1e-6).any():
            msg = f"Mechanism '{name}' granted more than was requested on {claims.kind}."
            raise PluginError(msg)


__all__ = ["DecisionLog", "Orchestrator"]
