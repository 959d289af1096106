"""Demand units: interactive service owners and batch job owners, one agent per array row.

Units take their tokens per day from the siting scenario's demand cells (``demand.csv``);
the model never rescales them to the plan. Each unit has its own state (backlog, due hour,
budget spent) and its own objective (value per token, latency weight, price tolerance),
and decides every hour, vectorised over units:

* an **interactive service owner** (latency class ``realtime``/``interactive``/``relaxed``)
  ranks its candidate nodes by price + its own value of latency; the ranking sets the cost
  of each candidate in its claim (and, in the ``market``, its bid is its value per token
  while its daily budget lasts);
* a **batch job owner** holds a backlog with a deadline and submits it now or waits: it
  waits while the price it sees now is above the cheapest price it expects before its
  deadline (times its own tolerance), or above its value per token, unless the deadline is
  within the hour.
"""

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
LATENCY_CLASSES = ("realtime", "interactive", "relaxed")
"""Latency classes of interactive owners."""
LATENCY_BUDGET_MS = np.array([10.0, 20.0, 30.0])
"""Round-trip budget (network + queueing) per latency class (the siting scenario's tier
budgets, edge/dc/hub)."""
LATENCY_CLASS_P = np.array(
    [
        [0.6, 0.3, 0.1],  # finance_morning
        [0.7, 0.2, 0.1],  # esports_evening
        [0.1, 0.5, 0.4],  # office
        [0.4, 0.3, 0.3],  # industrial
        [0.2, 0.5, 0.3],  # public_service
    ]
)
"""Probability of each latency class per profile."""
DEADLINES_H = np.array([4, 12, 24])
"""Deadlines of batch work (hours after it arrives)."""
DEADLINE_P = np.array([0.2, 0.3, 0.5])
TOLERANCE_SCALE = 3e-7
"""CNY per token an owner with tolerance 1 accepts above the best price ahead (about the
energy cost of a token at peak)."""
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
    lat_class: np.ndarray
    deadline_h: np.ndarray
    value: np.ndarray
    latency_weight: np.ndarray
    tolerance: np.ndarray
    budget_cny_day: np.ndarray
    due: np.ndarray
    spent_cny: np.ndarray

    @property
    def n(self) -> int:
        """Number of units."""
        return len(self.district)


def build_units(
    space: CitySpace,
    n_units: int,
    rng: np.random.Generator,
    table: pd.DataFrame | None = None,
    *,
    value_interactive: float = 8e-6,
    value_batch: float = 3e-6,
) -> DemandUnits:
    """Create demand units from demand cells (``demand.csv`` columns) or synthetically.

    Units are drawn from the cells with probability proportional to their tokens per day;
    every cell's demand is split over the units drawn from it, and the total is the table's
    total tokens per day (no rescaling to any plan). A unit is interactive with its
    profile's interactive share. Without a table, units are spread over districts by the
    square root of their area with 1e12 tokens/day in all (synthetic).
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
        size = rng.lognormal(-0.125, 0.5, size=n_units)
        share = np.bincount(pick, size, len(table))
        base = w[pick] * size / share[pick] / 24
        base *= w.sum() / 24 / base.sum()  # the whole table's demand, whatever was drawn
    else:
        wd = np.sqrt(space.area_km2)
        district = rng.choice(D, size=n_units, p=wd / wd.sum())
        profile = rng.integers(0, len(PROFILES), size=n_units)
        base = rng.lognormal(-0.125, 0.5, size=n_units)
        base *= 1e12 / 24 / base.sum()
    inter = rng.random(n_units) < INTERACTIVE_SHARE[profile]
    u = rng.random(n_units)
    lat = (u[:, None] > np.cumsum(LATENCY_CLASS_P[profile], axis=1)).sum(axis=1)
    dl = DEADLINES_H[(rng.random(n_units)[:, None] > np.cumsum(DEADLINE_P)).sum(axis=1)]
    class_mult = np.array([1.5, 1.0, 0.6])[lat]
    value = np.where(inter, value_interactive * class_mult, value_batch) * rng.lognormal(
        0, 0.3, n_units
    )
    order = np.argsort(~inter, kind="stable")
    budget = base * 24 * 1.5e-6 * rng.lognormal(0, 0.5, n_units)
    return DemandUnits(
        district=district[order].astype(np.int64),
        profile=profile[order].astype(np.int64),
        interactive=inter[order],
        base_tph=base[order],
        backlog=np.zeros(n_units),
        n_interactive=int(inter.sum()),
        lat_class=np.where(inter, lat, -1)[order].astype(np.int64),
        deadline_h=np.where(inter, 0, dl)[order].astype(np.int64),
        value=value[order],
        latency_weight=(value * 0.02 * rng.lognormal(0, 0.5, n_units))[order],
        tolerance=rng.uniform(0.0, 0.3, n_units)[order],
        budget_cny_day=budget[order],
        due=np.full(n_units, np.inf),
        spent_cny=np.zeros(n_units),
    )


def wait_decision(
    price_now: np.ndarray,
    best_ahead: np.ndarray,
    value: np.ndarray,
    tolerance: np.ndarray,
    slack_h: np.ndarray,
) -> np.ndarray:
    """Which batch owners wait this hour (vectorised; one decision per owner).

    Parameters
    ----------
    price_now
        Price each owner sees now (CNY per token).
    best_ahead
        Lowest price each owner expects before its deadline.
    value, tolerance
        The owner's value per token, and how much dearer than the best price it accepts
        (a share of :data:`TOLERANCE_SCALE`).
    slack_h
        Hours until the owner's deadline.
    """
    urgent = slack_h <= 1
    dear = price_now > best_ahead + tolerance * TOLERANCE_SCALE
    return ~urgent & (dear | (price_now > value))


class DemandPopulation(CityAgent):
    """All demand units as one Mesa agent; their state lives in :class:`DemandUnits` arrays.

    Every hour each unit draws its request (profile x weekday x event x log-normal noise,
    from the hour's own random stream, so that the realised demand is the same under every
    mechanism); interactive requests must be served within the hour, batch requests join
    the unit's backlog, and each owner decides (see the module docstring).
    """

    def __init__(self, model, units: DemandUnits, seed_seq: np.random.SeedSequence) -> None:
        super().__init__(model)
        self.units = units
        self.seed_seq = seed_seq
        self.profiles = diurnal_profiles()
        self.is_esports = units.profile == PROFILES.index("esports_evening")
        D = model.space.n_districts
        ni = units.n_interactive
        self.group = units.district[:ni] * len(LATENCY_CLASSES) + units.lat_class[:ni]
        self.n_groups = D * len(LATENCY_CLASSES)
        # owners sorted by group, then by their latency weight: every owner of a district
        # faces the same candidate lines (price + weight x latency), so its choice depends on
        # where its weight falls between the lines' crossings (see _rank_nodes)
        w = units.latency_weight[:ni]
        self._by_w = np.lexsort((w, self.group))
        self._w_sorted = w[self._by_w]
        self._g_start = np.searchsorted(self.group[self._by_w], np.arange(self.n_groups + 1))
        self._cum_tph = np.concatenate([[0.0], np.cumsum(units.base_tph[:ni][self._by_w])])
        self.choice = np.zeros(ni, dtype=np.int64)
        self._deadline_k = np.searchsorted(DEADLINES_H, units.deadline_h[ni:])
        self.request_i = np.zeros(D)
        self.request_g = np.zeros(self.n_groups)
        self.request_b = np.zeros(D)
        self.new_batch = np.zeros(D)
        self.arrivals_k = np.zeros(len(DEADLINES_H))
        self.submit = np.zeros(units.n - ni)
        self.factory_backlog = np.zeros(D)
        self.decisions = 0
        self.waiting = 0
        self._forecast_tables()
        self.row_cost: np.ndarray | None = None  # set by step() (the owners' node ranking)
        self.central = False
        self.hold_batch = False  # contract_net: batch work goes by announce/bid/award

    # ------------------------------------------------------------------ demand
    def draw(self, t: int) -> np.ndarray:
        """Every unit's request in hour ``t`` (tokens), vectorised, from the hour's stream."""
        u = self.units
        m = self.model
        f = self.profiles[u.profile, t % 24]
        if (t // 24) % 7 >= 5:
            f = f * WEEKEND_FACTOR[u.profile]
        esp = m.mods.esports[t]
        if esp.max() != 1.0:
            f = f * np.where(self.is_esports, esp[u.district], 1.0)
        ss = np.random.SeedSequence(self.seed_seq.entropy, spawn_key=(*self.seed_seq.spawn_key, t))
        z = np.random.default_rng(ss).standard_normal(u.n)
        return u.base_tph * m.demand_scale * f * np.exp(NOISE_SIGMA * z - NOISE_SIGMA**2 / 2)

    def expected(self, t: int) -> np.ndarray:
        """Every unit's expected request in hour ``t`` (its forecast: no noise)."""
        u = self.units
        m = self.model
        f = self.profiles[u.profile, t % 24]
        if (t // 24) % 7 >= 5:
            f = f * WEEKEND_FACTOR[u.profile]
        esp = m.mods.esports[t]
        if esp.max() != 1.0:
            f = f * np.where(self.is_esports, esp[u.district], 1.0)
        return u.base_tph * m.demand_scale * f

    def _forecast_tables(self) -> None:
        """Tabulate expected demand and arrivals by weekday/weekend and hour of day.

        Per interactive group and per deadline class x district, with the e-sports owners'
        part apart (events scale it).
        """
        u, m = self.units, self.model
        ni = u.n_interactive
        D = m.space.n_districts
        nK = len(DEADLINES_H)
        k = np.searchsorted(DEADLINES_H, u.deadline_h[ni:])
        kd = k * D + u.district[ni:]
        self._fg = np.zeros((2, 24, self.n_groups))
        self._fg_esp = np.zeros((2, 24, self.n_groups))
        self._fa = np.zeros((2, 24, nK * D))
        self._fa_esp = np.zeros((2, 24, nK * D))
        esp = self.is_esports
        for wk in (0, 1):
            for h in range(24):
                f = self.profiles[u.profile, h] * (WEEKEND_FACTOR[u.profile] if wk else 1.0)
                r = u.base_tph * m.demand_scale * f
                self._fg[wk, h] = np.bincount(self.group, r[:ni], self.n_groups)
                self._fg_esp[wk, h] = np.bincount(self.group, r[:ni] * esp[:ni], self.n_groups)
                self._fa[wk, h] = np.bincount(kd, r[ni:], nK * D)
                self._fa_esp[wk, h] = np.bincount(kd, r[ni:] * esp[ni:], nK * D)

    def expected_aggregate(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Forecast of :meth:`aggregate` for hour ``t`` (expected demand, no noise)."""
        m = self.model
        D = m.space.n_districts
        wk, h = int((t // 24) % 7 >= 5), t % 24
        extra = m.mods.esports[t] - 1.0
        g_d = np.arange(self.n_groups) // len(LATENCY_CLASSES)
        dem_g = self._fg[wk, h] + extra[g_d] * self._fg_esp[wk, h]
        arr = self._fa[wk, h] + np.tile(extra, len(DEADLINES_H)) * self._fa_esp[wk, h]
        arr = arr.reshape(len(DEADLINES_H), D).sum(axis=1)
        fac = m.mods.factory_tokens_h[t]
        dem_g[1 :: len(LATENCY_CLASSES)] += 0.5 * fac
        arr[-1] += 0.5 * fac.sum()
        return dem_g, arr

    def aggregate(self, t: int, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Interactive demand per group and batch arrivals per deadline class in hour ``t``."""
        u, m = self.units, self.model
        ni = u.n_interactive
        fac = m.mods.factory_tokens_h[t]
        dem_g = np.bincount(self.group, r[:ni], self.n_groups)
        dem_g[1 :: len(LATENCY_CLASSES)] += 0.5 * fac
        arr = np.bincount(self._deadline_k, r[ni:], len(DEADLINES_H))
        arr[-1] += 0.5 * fac.sum()
        return dem_g, arr

    # ------------------------------------------------------------------ decisions
    def step(self) -> None:
        """Draw requests, update backlogs, and let every owner decide."""
        m = self.model
        t = m.t
        D = m.space.n_districts
        u = self.units
        ni = u.n_interactive
        r = self.draw(t)
        self.request_g, self.arrivals_k = self.aggregate(t, r)
        self.request_i = self.request_g.reshape(D, -1).sum(axis=1)
        fac = m.mods.factory_tokens_h[t]
        bl = u.backlog[ni:]
        was_empty = bl <= 0
        bl += r[ni:]
        due = u.due[ni:]
        due[was_empty & (r[ni:] > 0)] = t + u.deadline_h[ni:][was_empty & (r[ni:] > 0)]
        self.factory_backlog += 0.5 * fac
        self.new_batch = np.bincount(u.district[ni:], r[ni:], D) + 0.5 * fac
        if t % 24 == 0:
            u.spent_cny[:] = 0.0
        # interactive owners rank their candidate nodes by price + their value of latency
        self._rank_nodes(t)
        # batch owners: submit now or wait
        has = bl > 0
        if self.central:  # mpc / oracle: the planner schedules all work
            self.submit = bl.copy()
            self.waiting = 0
        else:
            d = u.district[ni:]
            now = m.compute_signal[d]
            slack = due - t
            lead = np.clip(slack - 1, 1, 24).astype(np.int64)
            best = m.compute_best_ahead[d, lead - 1]
            wait = wait_decision(now, best, u.value[ni:], u.tolerance[ni:], slack) & has
            self.submit = np.where(wait, 0.0, bl)
            self.waiting = int(wait.sum())
        self.decisions = int(has.sum()) + ni
        self.request_b = np.bincount(u.district[ni:], self.submit, D) + self.factory_backlog

    def _rank_nodes(self, t: int) -> None:
        """Every interactive owner picks the candidate node of least price + its latency cost.

        Owner ``i`` of district ``d`` chooses ``argmin_k price[d, k] + w_i lat[d, k]``: the
        lower envelope of K lines in its latency weight ``w_i``. The envelope's crossings
        split the weights into intervals of one choice each, so every owner's choice follows
        from where its weight falls (owners are kept sorted by group and weight): the same
        decisions as comparing each owner's K costs, in O(groups x K^2) work per hour.
        """
        m = self.model
        arcs, lat = m.claim_arcs(t)  # (D, K) nodes and round-trip network latency (ms)
        price = m.node_signal[arcs]  # (D, K) CNY per token
        D, K = arcs.shape
        nL = len(LATENCY_CLASSES)
        votes = np.zeros((self.n_groups, K))
        choice_sorted = np.empty(len(self._w_sorted), dtype=np.int64)
        iu, ju = np.triu_indices(K, 1)
        for d in range(D):
            p, lt = price[d], lat[d]
            dl = lt[iu] - lt[ju]
            with np.errstate(divide="ignore", invalid="ignore"):
                cross = (p[ju] - p[iu]) / dl
            bp = np.unique(cross[(dl != 0) & np.isfinite(cross) & (cross > 0)])
            if len(bp):
                probe = np.concatenate([[bp[0] * 0.5], (bp[:-1] + bp[1:]) * 0.5, [bp[-1] * 2]])
            else:
                probe = np.ones(1)
            pick = np.argmin(p[None, :] + probe[:, None] * lt[None, :], axis=1)
            for g in range(d * nL, (d + 1) * nL):
                s, e = self._g_start[g], self._g_start[g + 1]
                if e == s:
                    continue
                cut = np.concatenate([[s], s + np.searchsorted(self._w_sorted[s:e], bp), [e]])
                tph = self._cum_tph[cut[1:]] - self._cum_tph[cut[:-1]]
                np.add.at(votes[g], pick, tph)
                choice_sorted[s:e] = np.repeat(pick, np.diff(cut))
        self.choice[self._by_w] = choice_sorted
        tot = np.maximum(votes.sum(axis=1, keepdims=True), 1e-12)
        # the group's cost of a candidate: latency, less the share of owners preferring it
        g_d = np.arange(self.n_groups) // nL
        self.row_cost = lat[g_d] * (1.0 - votes / tot)

    def claims(self, kind: str, t: int) -> ClaimBatch | None:
        """Compute claims per district and latency class, and per district for batch work."""
        if kind != "compute":
            return None
        m = self.model
        D = m.space.n_districts
        G = self.n_groups
        arcs, lat = m.claim_arcs(t)
        K = arcs.shape[1]
        amount = np.concatenate([self.request_g, self.request_b * (not self.hold_batch)])
        klass = np.concatenate([np.full(G, _I), np.full(D, _B)])
        g_d = np.arange(G) // len(LATENCY_CLASSES)
        # batch work has no latency budget: it may go to any of the city's candidate nodes
        # (nearest first), interactive work to its district's nearest nodes
        row_cost = self.row_cost
        if row_cost is None:
            msg = (
                f"DemandAgent.claims(kind='compute', t={t}): the groups' node costs are set by "
                "step(), which has not run yet; got row_cost=None. Call step() for the hour "
                "before claims()."
            )
            raise RuntimeError(msg)
        bn = m.batch_nodes
        node = np.concatenate([arcs[g_d].reshape(-1), np.tile(bn, D)])
        cost = np.concatenate([row_cost.reshape(-1), m.net_ms[:, bn].reshape(-1)])
        n = G + D
        v = m.mods.value
        bid = np.concatenate([np.full(G, v[_I]), np.full(D, v[_B])])
        rows = np.concatenate([np.repeat(np.arange(G), K), np.repeat(np.arange(G, n), len(bn))])
        return ClaimBatch(
            claimant=m.demand_labels,
            klass=klass,
            amount=amount,
            row_group=rows,
            entry_row=np.arange(len(rows)),
            entry_resource=node,
            entry_coef=np.ones(len(rows)),
            row_cost=cost,
            divisible=np.ones(n, dtype=bool),
            value=bid,
        )

    # ------------------------------------------------------------------ outcomes
    def settle_batch(self, served_b: np.ndarray | float) -> None:
        """Remove served batch work from backlogs.

        ``served_b`` is per district (pro rata over what each district's owners submitted)
        or a city-wide total (pro rata over all submitted work).
        """
        u = self.units
        ni = u.n_interactive
        D = self.model.space.n_districts
        if np.ndim(served_b) == 0:
            tot = float(self.submit.sum() + self.factory_backlog.sum())
            share_all = min(float(served_b) / tot, 1.0) if tot > 0 else 0.0
            share = np.full(D, share_all)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                share = np.where(self.request_b > 0, served_b / self.request_b, 0.0)
            share = np.clip(share, 0.0, 1.0)
        bl = u.backlog[ni:]
        bl -= self.submit * share[u.district[ni:]]
        np.maximum(bl, 0.0, out=bl)
        u.due[ni:][bl <= 1e-9] = np.inf
        self.factory_backlog -= self.factory_backlog * share

    def jobs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Batch jobs announced this hour: owners' submissions, then factories' backlogs.

        Returns amount (tokens), deadline hour and district of each job.
        """
        u, m = self.units, self.model
        ni = u.n_interactive
        D = m.space.n_districts
        amount = np.concatenate([self.submit, self.factory_backlog])
        due = np.concatenate([u.due[ni:], np.full(D, m.t + 24.0)])
        district = np.concatenate([u.district[ni:], np.arange(D)])
        return amount, due, district

    def settle_jobs(self, served: np.ndarray) -> np.ndarray:
        """Remove served jobs' work (``served``: tokens per job, as from :meth:`jobs`).

        Returns the tokens served per district.
        """
        u = self.units
        ni = u.n_interactive
        D = self.model.space.n_districts
        n_own = u.n - ni
        bl = u.backlog[ni:]
        bl -= served[:n_own]
        np.maximum(bl, 0.0, out=bl)
        u.due[ni:][bl <= 1e-9] = np.inf
        self.factory_backlog = np.maximum(self.factory_backlog - served[n_own:], 0.0)
        return np.bincount(u.district[ni:], served[:n_own], D) + served[n_own:]

    @property
    def backlog_total(self) -> float:
        """Batch work waiting (tokens)."""
        ni = self.units.n_interactive
        return float(self.units.backlog[ni:].sum() + self.factory_backlog.sum())

    def pay(self, group_payment: np.ndarray, group_tokens: np.ndarray) -> None:
        """Charge interactive owners their group's payments pro rata to their tokens."""
        u = self.units
        ni = u.n_interactive
        w = u.base_tph[:ni]
        wsum = np.bincount(self.group, w, self.n_groups)
        share = np.divide(w, wsum[self.group], out=np.zeros(ni), where=wsum[self.group] > 0)
        u.spent_cny[:ni] += group_payment[self.group] * share

    def batch_bid(self) -> float:
        """Bid of the batch work submitted: its owners' mean value, doubled when overdue."""
        u = self.units
        ni = u.n_interactive
        w = self.submit
        tot = float(w.sum())
        if tot <= 0:
            return float(self.model.econ.batch_end_value)
        overdue = (u.due[ni:] <= self.model.t) * w
        v = float((w * u.value[ni:]).sum()) / tot
        return v * (1.0 + float(overdue.sum()) / tot)

    def bids(self) -> np.ndarray:
        """Each interactive group's bid: the token-weighted value of owners with budget left."""
        u = self.units
        ni = u.n_interactive
        w = u.base_tph[:ni] * (u.spent_cny[:ni] < u.budget_cny_day[:ni])
        num = np.bincount(self.group, w * u.value[:ni], self.n_groups)
        den = np.bincount(self.group, w, self.n_groups)
        return np.divide(num, den, out=np.zeros(self.n_groups), where=den > 0)


__all__ = [
    "DEADLINES_H",
    "LATENCY_BUDGET_MS",
    "LATENCY_CLASSES",
    "DemandPopulation",
    "DemandUnits",
    "build_units",
    "wait_decision",
]
