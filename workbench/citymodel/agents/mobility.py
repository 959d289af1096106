"""Road users: a logistics fleet (with EV charging), background traffic, emergency responders."""

from __future__ import annotations

import numpy as np

from workbench.citymodel.agents.base import CityAgent
from workbench.citymodel.claims import CLASSES, ClaimBatch
from workbench.citymodel.inputs import commute_shape

_EM, _LOG, _TR, _EV, _I = (
    CLASSES.index(c) for c in ("emergency", "logistics", "traffic", "ev_charging", "interactive")
)
VAN_KWH_PER_KM = 0.25
"""Energy use of an electric delivery van."""
CHARGER_KW = 60.0
"""Charging power per van."""
BPR_ALPHA, BPR_BETA = 0.15, 4.0
"""Bureau of Public Roads congestion function parameters."""


def bpr(free_min: np.ndarray, flow: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Travel time under load: ``t0 (1 + alpha (v/c)^beta)``."""
    return free_min * (1 + BPR_ALPHA * (flow / capacity) ** BPR_BETA)


class TrafficAgent(CityAgent):
    """Background traffic: driver groups per origin-destination pair that choose routes.

    Each OD pair's drivers (a gravity model of the districts, commute peaks by hour) split
    over up to three routes by a logit of the generalised cost they expect: the congested
    travel time they learnt at that hour of the day plus the link prices they saw there (the
    orchestrator's road prices, fed back, and any congestion charge ``model.link_toll``),
    converted at their value of time (:mod:`workbench.citymodel.agents.routes`). The routes'
    flows add up to one road claim per link. Traffic not granted is held (ramp metering) and
    forms queues: the congested travel time of a link uses all traffic that wants it; flows
    granted a slot travel at the metered time.
    """

    def __init__(self, model, rng: np.random.Generator) -> None:
        from workbench.citymodel.agents.routes import k_shortest_routes, logit_split

        super().__init__(model)
        s = model.space
        self.routes = k_shortest_routes(s)
        self._split = logit_split
        r = self.routes
        # log-normal factors per OD pair and hour, drawn once from the traffic stream
        self.noise = rng.lognormal(0, 0.08, size=(model.hours, r.n_od))
        self.shape = commute_shape()
        # gravity: trips ~ size(o) size(d) / free-flow minutes, scaled so that at the
        # commute shape's level 1 the links carry their capacity on average (free flow)
        size = np.sqrt(s.area_km2)
        g = size[r.od_from] * size[r.od_to] / np.maximum(s.travel_min[r.od_from, r.od_to], 1.0)
        self.tt_memory = np.tile(s.link_free_min, (24, 1))
        free = r.link_flow(self._split(r, r.route_cost(s.link_free_min))[:] * g[r.route_od])
        self.base_od = g * float(s.link_capacity.sum() / max(free.sum(), 1e-12))
        self.req = np.zeros(s.n_links)
        self.route_share = np.zeros(r.incidence.shape[0])
        self.decisions = 0

    def link_cost(self, t: int) -> np.ndarray:
        """Generalised cost drivers expect per link at hour ``t`` (minutes)."""
        from workbench.citymodel.agents.routes import VALUE_OF_TIME_CNY_PER_MIN

        m = self.model
        price = m.cong_link[t % 24] + m.link_toll
        return self.tt_memory[t % 24] + price / VALUE_OF_TIME_CNY_PER_MIN

    def claims(self, kind: str, t: int) -> ClaimBatch | None:
        """Choose routes per OD pair, then claim every link the chosen routes use."""
        if kind != "road":
            return None
        m = self.model
        r = self.routes
        tr = m.mods.traffic[t]
        od = self.base_od * self.shape[t % 24] * np.maximum(tr[r.od_from], tr[r.od_to])
        od = od * self.noise[t]
        self.route_share = self._split(r, r.route_cost(self.link_cost(t)))
        self.req = r.link_flow(self.route_share * od[r.route_od])
        self.decisions = r.n_od
        return ClaimBatch.simple(m.link_labels, _TR, self.req, np.arange(m.space.n_links))

    def after_roads(self, t: int, link_time_congested: np.ndarray) -> None:
        """Learn the congested travel time of this hour of the day."""
        h = t % 24
        self.tt_memory[h] = 0.5 * self.tt_memory[h] + 0.5 * link_time_congested


class LogisticsFleet(CityAgent):
    """Deliveries between districts by electric vans from district depots.

    Deliveries (released by the hour, drawn once per seed) claim vans from the three depots
    nearest their origin (indivisible; bid = deadhead minutes), then road capacity along their
    path (indivisible). A delivery departs when both are granted, else it waits an hour. Vans
    used recharge at their depot (flexible ``ev_charging`` claims). Bids (``market``,
    ``lp``) rise with the hours a delivery has waited and with the charging queued.
    """

    def __init__(
        self, model, release: np.ndarray, origin: np.ndarray, dest: np.ndarray, vans: np.ndarray
    ) -> None:
        super().__init__(model)
        s = model.space
        self.release, self.origin, self.dest, self.vans = release, origin, dest, vans
        self.depart = np.full(len(release), -1)
        self.travel_min = np.full(len(release), np.nan)
        self.deadline_min = s.travel_min[origin, dest] + 90.0
        self.depot_vans = np.round(40 + 2.0 * np.sqrt(s.area_km2))
        self.ev_backlog_kwh = np.zeros(s.n_districts)
        self.near = np.argsort(s.travel_min, axis=1, kind="stable")[:, :3]
        self.pending = np.zeros(0, dtype=np.int64)
        self.fleet_ok = np.zeros(0, dtype=bool)
        self.depot_used = np.zeros(0, dtype=np.int64)
        self.ev_req = np.zeros(s.n_districts)
        # charging energy a delivery needs (its round trip), booked at its depot when it is
        # released: the fleet's charging need is known from the deliveries it takes on
        o, d = origin, dest
        depot = self.near[o, 0]
        kwh = s.network_km[o, d] * 2 * VAN_KWH_PER_KM * vans
        T = model.hours
        self.need_kwh = np.zeros((T, s.n_districts))
        ok = release < T
        np.add.at(self.need_kwh, (release[ok], depot[ok]), kwh[ok])
        self.ev_tolerance = 0.1
        self.decisions = 0

    def step(self) -> None:
        """Collect deliveries released and not yet departed; book their charging need."""
        t = self.model.t
        self.pending = np.flatnonzero((self.release <= t) & (self.depart < 0))
        self.ev_backlog_kwh += self.need_kwh[t]

    def charging_request(self, t: int) -> np.ndarray:
        """Each depot decides how much to charge this hour (vectorised over depots).

        A depot charges its whole backlog now unless the power price it sees now is above
        the cheapest price it expects before 06:00 (times its tolerance) and its chargers can
        still catch up by then.
        """
        m = self.model
        cap = self.depot_vans * CHARGER_KW
        hours_left = (6 - (t % 24)) % 24 or 24
        now = m.power_signal
        best = m.power_best_ahead[:, max(hours_left - 1, 0)]
        behind = self.ev_backlog_kwh >= cap * (hours_left - 1)
        wait = (now > best * (1 + self.ev_tolerance)) & ~behind
        self.decisions = int((self.ev_backlog_kwh > 0).sum())
        return np.where(wait, 0.0, np.minimum(self.ev_backlog_kwh, cap))

    def claims(self, kind: str, t: int) -> ClaimBatch | None:
        """Vans (fleet), path capacity (road) and charging (power) claims."""
        m = self.model
        s = m.space
        p = self.pending
        if kind == "fleet" and len(p):
            depots = self.near[self.origin[p]]  # (P, 3)
            cost = s.travel_min[depots, self.origin[p][:, None]]
            P = len(p)
            return ClaimBatch(
                claimant=np.full(P, "logistics", dtype=object),
                klass=np.full(P, _LOG),
                amount=self.vans[p].astype(float),
                row_group=np.repeat(np.arange(P), 3),
                entry_row=np.arange(3 * P),
                entry_resource=depots.reshape(-1),
                entry_coef=np.ones(3 * P),
                row_cost=cost.reshape(-1),
                divisible=np.zeros(P, dtype=bool),
                value=self._bid(p, t),
            )
        if kind == "road" and len(p):
            go = p[self.fleet_ok & (self.origin[p] != self.dest[p])]
            if len(go) == 0:
                return None
            rows, res = [], []
            for i, k in enumerate(go):
                links = s.path(int(self.origin[k]), int(self.dest[k]))
                rows.append(np.full(len(links), i))
                res.append(links)
            self.road_idx = go
            return ClaimBatch(
                claimant=np.full(len(go), "logistics", dtype=object),
                klass=np.full(len(go), _LOG),
                amount=self.vans[go].astype(float),
                row_group=np.arange(len(go)),
                entry_row=np.concatenate(rows),
                entry_resource=np.concatenate(res),
                entry_coef=np.ones(sum(len(r) for r in rows)),
                row_cost=np.zeros(len(go)),
                divisible=np.zeros(len(go), dtype=bool),
                value=self._bid(go, t),
            )
        if kind == "power":
            cap = self.depot_vans * CHARGER_KW
            self.ev_req = self.charging_request(t)
            # bid rises with the hours of charging queued (vans must be ready tomorrow)
            bid = m.mods.value[_EV] * (1 + np.clip(self.ev_backlog_kwh / cap, 0, 4))
            return ClaimBatch.simple(
                m.ev_labels, _EV, self.ev_req, np.arange(s.n_districts), value=bid
            )
        return None

    def _bid(self, idx: np.ndarray, t: int) -> np.ndarray:
        """Bid per van: the class value, doubled for every hour a delivery has waited (max 4x)."""
        wait = np.clip(t - self.release[idx], 0, 3)
        return self.model.mods.value[_LOG] * (1.0 + wait)

    def receive(self, kind: str, t: int, granted: np.ndarray, price: np.ndarray) -> None:
        """Book vans, departures and charging."""
        m = self.model
        p = self.pending
        if kind == "fleet":
            self.fleet_ok = granted >= self.vans[p] - 1e-9
            self.depot_used = self.near[self.origin[p], 0]
            if m.last_alloc.get("fleet") is not None:
                cs, alloc = m.last_alloc["fleet"]
                mine = cs.group_batch[cs.row_group] == m.batch_index(self, "fleet")
                rows = np.flatnonzero(mine & (alloc.row > 0))
                gl = cs.group_tag[cs.row_group[rows]]
                depot = np.full(len(p), -1)
                depot[gl] = cs.entry_resource[rows]  # one entry per fleet row, sorted by row
                self.depot_used = np.where(depot >= 0, depot, self.depot_used)
        elif kind == "road":
            ok = np.zeros(len(p), dtype=bool)
            if len(self.road_idx):
                pos = np.searchsorted(p, self.road_idx)
                ok[pos] = granted >= self.vans[self.road_idx] - 1e-9
            self._road_ok = ok
        elif kind == "power":
            self.ev_backlog_kwh = np.maximum(self.ev_backlog_kwh - granted, 0.0)

    def after_roads(self, t: int, link_time_slot: np.ndarray) -> None:
        """Depart deliveries that got vans and road slots; queue charging energy."""
        s = self.model.space
        p = self.pending
        if len(p) == 0:
            return
        local = self.origin[p] == self.dest[p]
        road_ok = getattr(self, "_road_ok", np.zeros(0, dtype=bool))
        if len(road_ok) != len(p):  # no delivery claimed road this hour
            road_ok = np.zeros(len(p), dtype=bool)
        go = self.fleet_ok & (local | road_ok)
        for i in np.flatnonzero(go):
            k = p[i]
            o, d = int(self.origin[k]), int(self.dest[k])
            tt = s.travel_min[o, o] if o == d else float(link_time_slot[s.path(o, d)].sum())
            self.travel_min[k] = tt
            self.depart[k] = t
        self._road_ok = np.zeros(0, dtype=bool)
        self.road_idx = np.zeros(0, dtype=np.int64)

    def on_time(self, hours: int) -> tuple[int, int]:
        """Deliveries released in the run, and those delivered by their deadline."""
        released = self.release < hours
        done = self.depart >= 0
        wait = (self.depart - self.release) * 60.0
        ok = done & (wait + np.nan_to_num(self.travel_min, nan=1e9) <= self.deadline_min)
        return int(released.sum()), int((ok & released).sum())


class EmergencyResponder(CityAgent):
    """Emergency units at a few stations; incidents raise priority claims on everything.

    An incident (drawn once per seed) asks, in its first hour, for a road corridor from the
    nearest station (indivisible); while it lasts, for power in its district (mobile command,
    surge) and for interactive compute (coordination, video analytics) on the nearest nodes.
    Response time = dispatch + travel: corridor granted -> 0.8 x free flow, else the congested
    time of traffic queueing on the path.
    """

    CORRIDOR_VEH_H = 300.0
    POWER_KW = 1500.0
    TOKENS_H = 2.0e9
    DISPATCH_MIN = 3.0

    def __init__(
        self,
        model,
        start: np.ndarray,
        district: np.ndarray,
        duration: np.ndarray,
        stations: np.ndarray,
    ) -> None:
        super().__init__(model)
        s = model.space
        self.start, self.district, self.duration = start, district, duration
        self.stations = stations
        self.station_of = stations[
            np.argmin(s.travel_min[np.ix_(stations, np.arange(s.n_districts))], axis=0)
        ]
        self.response_min = np.full(len(start), np.nan)
        self.active = np.zeros(0, dtype=np.int64)
        self.new = np.zeros(0, dtype=np.int64)
        self.corridor_ok = np.zeros(0, dtype=bool)

    def step(self) -> None:
        """Find incidents starting now and still active."""
        t = self.model.t
        self.active = np.flatnonzero((self.start <= t) & (t < self.start + self.duration))
        self.new = np.flatnonzero(self.start == t)
        self.new_road = np.array(
            [k for k in self.new if self.station_of[self.district[k]] != self.district[k]],
            dtype=np.int64,
        )

    def claims(self, kind: str, t: int) -> ClaimBatch | None:
        """Corridor, power and compute claims of incidents."""
        m = self.model
        s = m.space
        if kind == "road" and len(self.new_road):
            rows, res = [], []
            for i, k in enumerate(self.new_road):
                links = s.path(int(self.station_of[self.district[k]]), int(self.district[k]))
                rows.append(np.full(len(links), i))
                res.append(links)
            n = len(self.new_road)
            return ClaimBatch(
                claimant=np.full(n, "emergency", dtype=object),
                klass=np.full(n, _EM),
                amount=np.full(n, self.CORRIDOR_VEH_H),
                row_group=np.arange(n),
                entry_row=np.concatenate(rows),
                entry_resource=np.concatenate(res),
                entry_coef=np.ones(sum(len(r) for r in rows)),
                row_cost=np.zeros(n),
                divisible=np.zeros(n, dtype=bool),
            )
        if kind == "power" and len(self.active):
            n = len(self.active)
            return ClaimBatch.simple(
                np.full(n, "emergency", dtype=object),
                _EM,
                np.full(n, self.POWER_KW),
                self.district[self.active],
            )
        if kind == "compute" and len(self.active):
            nodes, cost = m.nearest_nodes(t)
            n = len(self.active)
            K = nodes.shape[1]
            return ClaimBatch(
                claimant=np.full(n, "emergency", dtype=object),
                klass=np.full(n, _EM),
                amount=np.full(n, self.TOKENS_H),
                row_group=np.repeat(np.arange(n), K),
                entry_row=np.arange(n * K),
                entry_resource=nodes[self.district[self.active]].reshape(-1),
                entry_coef=np.ones(n * K),
                row_cost=cost[self.district[self.active]].reshape(-1),
                divisible=np.ones(n, dtype=bool),
            )
        return None

    def receive(self, kind: str, t: int, granted: np.ndarray, price: np.ndarray) -> None:
        """Remember which corridors were granted."""
        if kind == "road":
            self.corridor_ok = granted >= self.CORRIDOR_VEH_H - 1e-9

    def after_roads(self, t: int, link_time_congested: np.ndarray) -> None:
        """Response times of incidents starting this hour."""
        s = self.model.space
        ok = dict(zip(self.new_road.tolist(), self.corridor_ok.tolist(), strict=False))
        for k in self.new:
            d = int(self.district[k])
            st = int(self.station_of[d])
            if st == d:
                links = np.flatnonzero((s.link_from == d) | (s.link_to == d))
                factor = float(np.mean(link_time_congested[links] / s.link_free_min[links]))
                travel = s.travel_min[d, d] * (0.8 if ok.get(k, True) else factor)
            else:
                path = s.path(st, d)
                travel = (
                    0.8 * float(s.link_free_min[path].sum())
                    if ok.get(k, False)
                    else float(link_time_congested[path].sum())
                )
            self.response_min[k] = self.DISPATCH_MIN + travel
        self.corridor_ok = np.zeros(0, dtype=bool)


__all__ = ["EmergencyResponder", "LogisticsFleet", "TrafficAgent", "bpr"]
