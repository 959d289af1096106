"""Demand units: many enterprises, parks and public services issuing token requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from workbench.citymodel.agents.base import CityAgent
from workbench.citymodel.claims import CLASSES, ClaimBatch
from workbench.citymodel.inputs import INTERACTIVE_SHARE, PROFILES, WEEKEND_FACTOR, diurnal_profiles

if TYPE_CHECKING:  # pragma: no cover
    from workbench.citymodel.space import CitySpace

NOISE_SIGMA = 0.25
"""Log-normal noise of each unit's hourly request."""
DEFER_FRACTION = 0.25
"""Share of its backlog a batch unit submits in an hour when energy is dear."""
_I, _B = CLASSES.index("interactive"), CLASSES.index("batch")


@dataclass
class DemandUnits:
    """State of every demand unit, in arrays (interactive units first, then batch)."""

    district: np.ndarray
    profile: np.ndarray
    interactive: np.ndarray
    base_tph: np.ndarray
    backlog: np.ndarray
    n_interactive: int

    @property
    def n(self) -> int:
        """Number of units."""
        return len(self.district)


def build_units(
    space: CitySpace,
    n_units: int,
    rng: np.random.Generator,
    table: pd.DataFrame | None = None,
) -> DemandUnits:
    """Create demand units from demand points (``demand.csv`` columns) or synthetically.

    Each unit belongs to a demand point (chosen with probability proportional to its tokens
    per day), takes its district and profile, is interactive with the profile's interactive
    share, and gets an equal part of the point's demand times a log-normal size factor.
    Without a table (or when none of its points lies in the districts), units are spread
    over districts in proportion to the square root of their area with profiles drawn
    uniformly (synthetic). Totals are rescaled by the model.
    """
    D = space.n_districts
    codes = {c: i for i, c in enumerate(space.codes)}
    if table is not None and len(table):
        table = table[table["district"].astype(str).isin(codes)]
    if table is not None and len(table):
        w = table["tokens_per_day"].to_numpy(float)
        pick = rng.choice(len(table), size=n_units, p=w / w.sum())
        district = table["district"].astype(str).map(codes).to_numpy()[pick]
        prof_idx = {p: i for i, p in enumerate(PROFILES)}
        profile = table["profile"].map(prof_idx).fillna(4).to_numpy(int)[pick]
        counts = np.bincount(pick, minlength=len(table))
        base = w[pick] / 24 / counts[pick]
    else:
        wd = np.sqrt(space.area_km2)
        district = rng.choice(D, size=n_units, p=wd / wd.sum())
        profile = rng.integers(0, len(PROFILES), size=n_units)
        base = np.full(n_units, 1.0)
    base = base * rng.lognormal(-0.125, 0.5, size=n_units)
    inter = rng.random(n_units) < INTERACTIVE_SHARE[profile]
    order = np.argsort(~inter, kind="stable")
    return DemandUnits(
        district=district[order].astype(np.int64),
        profile=profile[order].astype(np.int64),
        interactive=inter[order],
        base_tph=base[order],
        backlog=np.zeros(n_units),
        n_interactive=int(inter.sum()),
    )


class DemandPopulation(CityAgent):
    """All demand units as one Mesa agent; their state lives in :class:`DemandUnits` arrays.

    Each step every unit draws its request (profile x weekday x event x log-normal noise);
    interactive requests must be served this hour, batch requests join the unit's backlog,
    and batch units submit only a quarter of their backlog while energy is dear (effective
    price above the day's median). Batch bids (used by ``market`` and ``lp``) rise with the
    days of work waiting in the backlog. Claims go to the three lowest-latency compute nodes that
    are up, per district and class.
    """

    def __init__(self, model, units: DemandUnits, rng: np.random.Generator) -> None:
        super().__init__(model)
        self.units = units
        self.stream = rng
        self.profiles = diurnal_profiles()
        self.is_esports = units.profile == PROFILES.index("esports_evening")
        self.request_i = np.zeros(model.space.n_districts)
        self.request_b = np.zeros(model.space.n_districts)
        self.new_batch = np.zeros(model.space.n_districts)
        self.factory_backlog = np.zeros(model.space.n_districts)

    def draw(self, t: int) -> np.ndarray:
        """Every unit's request this hour (tokens), vectorised."""
        u = self.units
        m = self.model
        h = t % 24
        f = self.profiles[u.profile, h]
        if (t // 24) % 7 >= 5:
            f = f * WEEKEND_FACTOR[u.profile]
        esp = m.mods.esports[t]
        if esp.max() != 1.0:
            f = f * np.where(self.is_esports, esp[u.district], 1.0)
        z = self.stream.standard_normal(u.n)
        return u.base_tph * m.demand_scale * f * np.exp(NOISE_SIGMA * z - NOISE_SIGMA**2 / 2)

    def step(self) -> None:
        """Draw requests and update backlogs."""
        m = self.model
        t = m.t
        D = m.space.n_districts
        u = self.units
        r = self.draw(t)
        ni = u.n_interactive
        fac = m.mods.factory_tokens_h[t]
        self.request_i = np.bincount(u.district[:ni], r[:ni], D) + 0.5 * fac
        u.backlog[ni:] += r[ni:]
        self.factory_backlog += 0.5 * fac
        self.new_batch = np.bincount(u.district[ni:], r[ni:], D) + 0.5 * fac
        self.frac = DEFER_FRACTION if m.dear_energy(t) else 1.0
        self.request_b = (
            np.bincount(u.district[ni:], u.backlog[ni:], D) + self.factory_backlog
        ) * self.frac

    def claims(self, kind: str, t: int) -> ClaimBatch | None:
        """Compute claims per district and class on the nearest nodes that are up."""
        if kind != "compute":
            return None
        D = self.model.space.n_districts
        amount = np.concatenate([self.request_i, self.request_b])
        klass = np.repeat([_I, _B], D)
        names = self.model.demand_labels
        rows_node, rows_cost = self.model.nearest_nodes(t)
        K = rows_node.shape[1]
        G = 2 * D
        row_group = np.repeat(np.arange(G), K)
        node = np.tile(rows_node, (2, 1)).reshape(-1)
        cost = np.tile(rows_cost, (2, 1)).reshape(-1)
        # bids: interactive at its class value; batch more the longer its work has waited
        # (days of work in the backlog, capped at 4), so urgent batch can outbid others
        v = self.model.mods.value
        self.mean_new = 0.9 * getattr(self, "mean_new", self.new_batch) + 0.1 * self.new_batch
        days = self.request_b / self.frac / np.maximum(24 * self.mean_new, 1e-9)
        bid = np.concatenate([np.full(D, v[_I]), v[_B] * (1 + np.clip(days, 0, 4))])
        return ClaimBatch(
            claimant=names,
            klass=klass,
            amount=amount,
            row_group=row_group,
            entry_row=np.arange(G * K),
            entry_resource=node,
            entry_coef=np.ones(G * K),
            row_cost=cost,
            divisible=np.ones(G, dtype=bool),
            value=bid,
        )

    def settle(self, served_i: np.ndarray, served_b: np.ndarray) -> None:
        """Remove served batch work from the backlogs (pro rata within each district)."""
        u = self.units
        ni = u.n_interactive
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(self.request_b > 0, served_b / self.request_b, 0.0)
        share = np.clip(share * self.frac, 0.0, 1.0)
        u.backlog[ni:] -= u.backlog[ni:] * share[u.district[ni:]]
        self.factory_backlog -= self.factory_backlog * share


__all__ = ["DemandPopulation", "DemandUnits", "build_units"]
