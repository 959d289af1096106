"""The Mesa model: districts on a road network, agents, and the orchestrator's step."""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.discrete_space import Network

from workbench.citymodel.accounting import Accountant, alloc_metrics
from workbench.citymodel.agents.demand import (
    DEADLINES_H,
    LATENCY_CLASSES,
    DemandPopulation,
    build_units,
)
from workbench.citymodel.agents.infrastructure import (
    BATTERY_EFFICIENCY,
    IDLE_SHARE,
    ComputeFleet,
    ComputeNode,
    GridAgent,
    GridOperator,
)
from workbench.citymodel.agents.mobility import (
    CHARGER_KW,
    EmergencyResponder,
    LogisticsFleet,
    TrafficAgent,
    bpr,
)
from workbench.citymodel.claims import CLASSES
from workbench.citymodel.dispatch import Economics
from workbench.citymodel.inputs import (
    Nodes,
    carbon_intensity,
    default_plan,
    load_districts,
    load_sample_demand,
    nodes_from_plan,
    tou_price,
)
from workbench.citymodel.mechanisms import get_mechanism
from workbench.citymodel.orchestrator import DecisionLog, Orchestrator
from workbench.citymodel.scenarios import Scenario, compile_events, get_scenario
from workbench.citymodel.space import CitySpace, build_space
from workbench.errors import SpecError

STREAMS = ("mesa", "units", "demand", "traffic", "weather", "logistics", "emergency", "arrival")
"""Purposes of the child random streams derived from the seed (same for every scenario)."""
HOPS = {"edge": 2, "dc": 3, "hub": 4}
"""Network hops from a district to a node of each tier."""
INTERACTIVE_BUDGET_MS = 20.0
"""Round-trip latency budget of the ``interactive`` latency class (network + queueing)."""
SERVICE_MS = 0.5
"""Mean service time behind the M/M/1 queueing delay of a node."""
LAT_BINS = np.arange(0.0, 200.5, 0.5)
"""Latency histogram bins (ms); unserved requests fall in the overflow bin."""
TIMEOUT_MS = 1000.0
"""Latency counted for interactive requests that were not served (a timeout)."""
RATED_LOAD = 0.85
"""Share of a node's token capacity it serves within latency budgets (queueing headroom)."""
K_CLAIM = 3
"""Candidate nodes per district in agents' claims (the nearest that are up, plus hubs)."""
K_LP = 5
"""Candidate nodes per district in the joint LP (the nearest overall, plus hubs)."""
POOL_ABOVE_NODES = 150
"""Plans with more nodes than this pool non-candidate nodes per district in the joint LP."""
ROAD_VALUE_UNIT_CNY = 2.0
"""CNY per vehicle of one unit of road-claim value (``traffic`` 1 = 2 CNY; synthetic)."""
VALUE_UNIT_CNY_PER_TOKEN = 8e-7
"""CNY per token of one unit of claim value (``DEFAULT_VALUES``: interactive 10)."""
_B = CLASSES.index("batch")


class CityModel(mesa.Model):
    """Agent-based city model of AI compute, power and roads under a coordination mechanism.

    Parameters
    ----------
    scenario
        Scenario name, YAML path, mapping or :class:`~workbench.citymodel.Scenario`.
    mechanism
        Name of a registered coordination mechanism (``none``, ``priority``, ``lp``,
        ``mpc``, ``oracle``, ``market``, ``contract_net``, ``drf`` or a plugin).
    seed
        Seed of every random stream (child streams per purpose via ``SeedSequence``, the same
        for every scenario and mechanism: common random numbers).
    hours
        Hours to simulate (steps are hourly; hour 0 is Monday 00:00).
    plan
        Siting plan: a siting result (anything with ``to_geodataframe()``) or any table with
        the plan columns (extra columns are ignored); default: the plan
        ``workbench siting plan shanghai`` produces
        (:func:`~workbench.citymodel.inputs.default_plan`).
    districts, edges
        District polygons and optional road links; default: the Shanghai sample.
    n_units
        Number of demand units (decision-making agents).
    demand
        Demand cells (``demand.csv`` columns); default: the Shanghai siting sample's.
    demand_scale
        Multiplier of the cells' tokens per day (default 1: the data as it is). Never
        derived from the plan: an undersized plan shows queues and unserved work.
    space
        A prebuilt :class:`CitySpace` (overrides ``districts``/``edges``).
    extra_agents
        Further agents (names in the ``agents`` registry or :class:`CityAgent` classes),
        each made with ``cls(model)`` and asked for claims on every resource kind.
    horizon
        Look-ahead of ``mpc`` in hours.
    econ
        Values and penalties of ``total_cost_cny``
        (:class:`~workbench.citymodel.dispatch.Economics`).
    """

    RATED_LOAD = RATED_LOAD
    BATTERY_EFFICIENCY = BATTERY_EFFICIENCY
    CHARGER_KW = CHARGER_KW

    def __init__(
        self,
        scenario: str | Scenario | dict[str, Any] = "baseline",
        mechanism: str = "none",
        seed: int = 0,
        hours: int = 168,
        plan: pd.DataFrame | None = None,
        districts: Any = None,
        edges: pd.DataFrame | None = None,
        n_units: int = 5000,
        demand: pd.DataFrame | None = None,
        demand_scale: float = 1.0,
        space: CitySpace | None = None,
        extra_agents: tuple[str | type, ...] = (),
        horizon: int = 24,
        econ: Economics | None = None,
    ) -> None:
        if not isinstance(hours, int | np.integer) or hours < 1:
            msg = f"`hours` must be a positive integer; got {hours!r}. Use e.g. hours=168."
            raise SpecError(msg)
        if not isinstance(seed, int | np.integer) or seed < 0:
            msg = f"`seed` must be a non-negative integer; got {seed!r}."
            raise SpecError(msg)
        if n_units < 1:
            msg = f"`n_units` must be >= 1; got {n_units}."
            raise SpecError(msg)
        if demand_scale is None or not demand_scale > 0:
            msg = (
                f"`demand_scale` must be a positive number; got {demand_scale!r}. Use 1.0 for "
                "the demand data as it is."
            )
            raise SpecError(msg)
        if not isinstance(horizon, int | np.integer) or horizon < 1:
            msg = f"`horizon` must be a positive integer (hours); got {horizon!r}. Use e.g. 24."
            raise SpecError(msg)
        ss = dict(zip(STREAMS, np.random.SeedSequence(int(seed)).spawn(len(STREAMS)), strict=False))
        rngs = {k: np.random.default_rng(v) for k, v in ss.items()}
        super().__init__(rng=rngs["mesa"])
        self.seed_value = int(seed)
        self.hours = int(hours)
        self.econ = econ or Economics()
        self.scenario = get_scenario(scenario)
        self.mechanism_name = str(mechanism)
        self.mechanism = get_mechanism(self.mechanism_name)
        self.space = space or build_space(
            load_districts() if districts is None else districts, edges
        )
        s = self.space
        if plan is None:
            plan = default_plan()
        elif hasattr(plan, "to_geodataframe"):  # a siting result ("2+M+X" plan)
            plan = plan.to_geodataframe()
        self.plan = plan
        self.nodes: Nodes = nodes_from_plan(plan, s)
        self.mods = compile_events(self.scenario, s, self.nodes, self.hours)
        self._setup_labels()
        self._setup_network_latency()
        T, D, N, L = self.hours, s.n_districts, self.nodes.n, s.n_links
        # prices: tariff and carbon, extended past the run for look-ahead forecasts
        ext = np.arange(T + 48)
        self.price = tou_price()[ext[:T] % 24]
        self.ci = carbon_intensity()[ext[:T] % 24]
        cp = np.concatenate([self.mods.carbon_price, np.full(48, self.mods.carbon_price[-1])])
        self.energy_cny_ext = tou_price()[ext % 24] + cp * carbon_intensity()[ext % 24] / 1000
        self.eff_price = self.energy_cny_ext[:T]
        day = self.eff_price[: (T // 24) * 24].reshape(-1, 24) if T >= 24 else None
        self._q25 = (
            np.quantile(day, 0.25, axis=1)
            if day is not None
            else [np.quantile(tou_price() + cp[0] * carbon_intensity() / 1000, 0.25)]
        )
        self.weather = np.repeat(rngs["weather"].beta(5, 2, size=T // 24 + 1), 24)[:T] / (5 / 7)
        # Mesa structure: districts as cells of a network space
        self.grid_space = Network(s.graph(), random=self.random)
        cells = [self.grid_space[i] for i in range(D)]
        for n in range(N):
            ComputeNode(self, n, cells[self.nodes.district[n]])
        for d in range(D):
            GridAgent(self, d, cells[d])
        if demand is None:
            demand = load_sample_demand()
        units = build_units(
            s,
            n_units,
            rngs["units"],
            demand,
            value_interactive=self.econ.value_interactive,
            value_batch=self.econ.batch_end_value,
        )
        self.demand_scale = float(demand_scale)
        self.demand_agent = DemandPopulation(self, units, ss["demand"])
        node_kw = np.bincount(self.nodes.district, self.nodes.it_kw_full * self.nodes.pue, D)
        self.grid = GridOperator(self, node_kw, s.area_km2)
        self.compute = ComputeFleet(self)
        # road prices drivers expect by hour of day (CNY/vehicle), and a congestion charge
        self.cong_link = np.zeros((24, L))
        self.link_toll = np.zeros(L)
        self.traffic = TrafficAgent(self, rngs["traffic"])
        self.logistics = LogisticsFleet(self, *self._draw_deliveries(rngs["logistics"]))
        self.emergency = EmergencyResponder(self, *self._draw_incidents(rngs["emergency"]))
        self.orchestrator = Orchestrator(self.mechanism, DecisionLog(), rngs["arrival"])
        self.claimants = {
            "fleet": [self.logistics],
            "road": [self.emergency, self.logistics, self.traffic],
            "compute": [self.emergency, self.demand_agent],
            "power": [self.emergency, self.grid, self.compute, self.logistics],
        }
        active = [self.demand_agent, self.logistics, self.emergency]
        self.extra_agents: list[Any] = []
        if extra_agents:
            from workbench.citymodel.agents import agent_registry
            from workbench.plugin_contracts import check_contract

            reg = agent_registry()
            for spec in extra_agents:
                cls = reg.get(spec) if isinstance(spec, str) else spec
                check_contract("agents", getattr(cls, "__name__", str(cls)), cls)
                agent = cls(self)
                active.append(agent)
                self.extra_agents.append(agent)
                for kind in self.claimants:
                    self.claimants[kind].append(agent)
        self.stepping = mesa.agent.AgentSet(active, random=self.random)
        self.last_alloc: dict[str, Any] = {}
        self._batch_of: dict[tuple[int, str], int] = {}
        self.node_tokens = np.zeros((2, N))
        self.node_power_kw = np.zeros(N)
        self.node_power_ratio = np.ones((2, N))
        self.node_util = np.zeros(N)
        self.lat_hist = np.zeros(len(LAT_BINS) + 1)
        self.t = 0
        self.metrics = alloc_metrics(T, D, N, L)
        self._setup_exogenous()
        self.arrivals_hist = np.zeros((T, len(DEADLINES_H)))
        # prices agents see: congestion learned by hour of day on top of the tariff
        self.cong_node = np.zeros((24, N))
        self.cong_power = np.zeros((24, D))
        self.node_signal = np.zeros(N)
        self.compute_signal = np.zeros(D)
        self.compute_best_ahead = np.zeros((D, 24))
        self.power_signal = np.zeros(D)
        self.power_best_ahead = np.zeros((D, 24))
        joint_kind: str | None = getattr(self.mechanism, "joint", None)
        self.joint = None
        if joint_kind:
            from workbench.citymodel.joint import JointCoordinator

            self.joint = JointCoordinator(self, joint_kind, horizon=int(horizon))
            self.demand_agent.central = joint_kind in ("mpc", "oracle")
            if joint_kind == "oracle":
                self._realise_demand()
        self.accountant = Accountant(self)

    # ------------------------------------------------------------------ setup helpers
    def _setup_labels(self) -> None:
        s, n = self.space, self.nodes
        self.group_labels = np.array(
            [f"demand:{c}:{k}" for c in s.codes for k in LATENCY_CLASSES], dtype=object
        )
        self.demand_labels = np.concatenate(
            [self.group_labels, np.array([f"demand:{c}:batch" for c in s.codes], dtype=object)]
        )
        self.node_labels = np.array(
            [f"node:{i}:interactive" for i in n.ids] + [f"node:{i}:batch" for i in n.ids],
            dtype=object,
        )
        self.grid_labels = np.array(
            [f"building:{c}" for c in s.codes] + [f"factory:{c}" for c in s.codes], dtype=object
        )
        self.ev_labels = np.array([f"ev_charging:{c}" for c in s.codes], dtype=object)
        self.link_labels = np.array([f"traffic:{k}" for k in s.link_names], dtype=object)
        self.feeder_labels = np.array([f"feeder:{c}" for c in s.codes], dtype=object)

    def _setup_network_latency(self) -> None:
        s, n = self.space, self.nodes
        km = np.hypot(s.x_km[:, None] - n.x_km[None, :], s.y_km[:, None] - n.y_km[None, :])
        hops = np.array([HOPS.get(t, 3) for t in n.tier])
        self.net_ms = 2 * (km * 1.4 * 0.005 + hops[None, :] * 0.5)
        self._nearest_cache: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
        # the joint LP's candidates: the K_LP nearest nodes overall plus every hub (a
        # superset of the agents' candidates while fewer than K_LP - K_CLAIM are down)
        near = np.argsort(self.net_ms, axis=1, kind="stable")[:, :K_LP]
        hubs = np.flatnonzero(np.array(n.tier) == "hub")
        lists = [list(dict.fromkeys([*r, *hubs.tolist()])) for r in near.tolist()]
        width = max(len(r) for r in lists)
        self.lp_arcs = np.array([r + [r[-1]] * (width - len(r)) for r in lists], dtype=np.int64)
        self.lp_arcs_g = np.repeat(self.lp_arcs, len(LATENCY_CLASSES), axis=0)
        # nodes the joint LP sees one by one (all of them unless the plan is large), where
        # batch work (no latency budget) may go under every mechanism
        self.batch_nodes = np.arange(n.n) if n.n <= POOL_ABOVE_NODES else np.unique(self.lp_arcs)

    def _setup_exogenous(self) -> None:
        """Tabulate loads, PV, feeders, node efficiency and capacity for every hour."""
        T, s, nd = self.hours, self.space, self.nodes
        D, mods, g = s.n_districts, self.mods, self.grid
        h = np.arange(T) % 24
        up = mods.node_up.astype(float)
        pue = nd.pue[None, :] * mods.pue[:, nd.district]
        self.e_tok_all = pue * (1 - IDLE_SHARE) / (3.6e6 * nd.tokens_per_watt[None, :])
        self.idle_kw_all = up * pue * IDLE_SHARE * nd.it_kw_full[None, :]
        self.cap_tok_all = nd.capacity_tps[None, :] * 3600 * up
        base = g.base_peak_kw[None, :] * g.shape[h][:, None] * (0.7 + 0.3 * mods.cooling)
        em = self.emergency
        em_kw = np.zeros((T, D))
        em_tok = np.zeros((T, nd.n))
        for k in range(len(em.start)):
            sl = slice(int(em.start[k]), min(T, int(em.start[k] + em.duration[k])))
            em_kw[sl, em.district[k]] += em.POWER_KW
            for t in range(sl.start, sl.stop):
                lat = np.where(mods.node_up[t], self.net_ms[em.district[k]], np.inf)
                n = int(np.argmin(lat))
                em_tok[t, n] += min(em.TOKENS_H, 0.5 * self.cap_tok_all[t, n])
        self.emergency_tokens_all = em_tok
        # each node's own fixed load: idle power and incidents' compute on it (on its feeder)
        self.node_fixed_kw_all = self.idle_kw_all + self.e_tok_all * em_tok
        idle_d = np.stack([np.bincount(nd.district, r, D) for r in self.node_fixed_kw_all])
        self.fixed_kw_all = base + mods.factory_kw + em_kw + idle_d
        # building, factory and incident load may be shed at the value of lost load; the
        # nodes' own load is shed only by a node going dark (no power, no tokens)
        self.sheddable_kw_all = base + mods.factory_kw + em_kw
        self.emergency_kw_all = em_kw
        self.pv_all = (
            g.pv_kw_installed[None, :] * g.solar[h][:, None] * mods.pv * self.weather[:, None]
        )
        self.feeder_all = g.feeder_kw[None, :] * mods.feeder

    def _realise_demand(self) -> None:
        """Draw every hour's demand up front (the oracle's perfect foresight)."""
        dem = self.demand_agent
        G = dem.n_groups
        self.dem_g_all = np.zeros((self.hours, G))
        self.arr_all = np.zeros((self.hours, len(DEADLINES_H)))
        for t in range(self.hours):
            self.dem_g_all[t], self.arr_all[t] = dem.aggregate(t, dem.draw(t))

    def _draw_deliveries(self, rng: np.random.Generator):
        s = self.space
        h = np.arange(self.hours) % 24
        lam = 6.0 * (0.3 + 2.0 * ((h >= 8) & (h <= 19)))
        counts = rng.poisson(lam)
        release = np.repeat(np.arange(self.hours), counts)
        w = np.sqrt(s.area_km2)
        w = w / w.sum()
        n = len(release)
        return (
            release,
            rng.choice(s.n_districts, n, p=w),
            rng.choice(s.n_districts, n, p=w),
            rng.integers(5, 25, n),
        )

    def _draw_incidents(self, rng: np.random.Generator):
        import networkx as nx

        s = self.space
        counts = rng.poisson(0.15, self.hours)
        start = np.repeat(np.arange(self.hours), counts)
        w = np.sqrt(s.area_km2)
        district = rng.choice(s.n_districts, len(start), p=w / w.sum())
        duration = rng.integers(2, 6, len(start))
        bc = nx.betweenness_centrality(s.graph(), weight="minutes")
        stations = np.array(sorted(sorted(bc, key=lambda k: (-bc[k], k))[:4]))
        return start, district, duration, stations

    # ------------------------------------------------------------------ helpers used by agents
    def nearest_nodes(self, t: int, k: int = K_CLAIM) -> tuple[np.ndarray, np.ndarray]:
        """Return the ``k`` lowest-latency nodes that are up per district (plus hubs), in ms."""
        up = self.mods.node_up[t]
        key = up.tobytes()
        hit = self._nearest_cache.get(key)
        if hit is None:
            lat = np.where(up[None, :], self.net_ms, np.inf)
            k = min(k, int(up.sum())) or 1
            near = np.argsort(lat, axis=1, kind="stable")[:, :k]
            hubs = np.flatnonzero(up & (np.array(self.nodes.tier) == "hub"))
            lists = [list(dict.fromkeys([*r, *hubs.tolist()])) for r in near.tolist()]
            width = max(len(r) for r in lists)
            idx = np.array([r + [r[-1]] * (width - len(r)) for r in lists], dtype=np.int64)
            # rows of equal width: short lists are padded by repeating their last node, at a
            # cost 1 s higher so that the padding is only ever a last resort
            dup = np.zeros(idx.shape, dtype=np.bool_)
            dup[:, 1:] = idx[:, 1:] == idx[:, :-1]
            cost = np.take_along_axis(self.net_ms, idx, axis=1)
            out = (idx, np.where(dup, cost + 1e3, cost))
            self._nearest_cache[key] = out
            return out
        return hit

    claim_arcs = nearest_nodes

    def cheap_energy(self, t: int) -> bool:
        """Whether the effective energy price is in the day's cheapest quarter."""
        return bool(self.eff_price[t] <= self._q25[min(t // 24, len(self._q25) - 1)])

    def batch_index(self, agent: Any, kind: str) -> int:
        """Index of ``agent``'s batch in this step's claim set of ``kind``."""
        return self._batch_of.get((id(agent), kind), -1)

    def need_forecast(self, hours: np.ndarray) -> np.ndarray:
        """Charging need the fleet expects in ``hours``: the same hour a day earlier (kWh)."""
        past = hours - 24
        need = self.logistics.need_kwh
        return np.where((past >= 0)[:, None], need[np.maximum(past, 0)], 0.0)

    def grid_soc_value(self, t: int) -> np.ndarray:
        """Grid operators' value of stored energy: next day's median price, net of losses."""
        ahead = self.energy_cny_ext[t + 1 : t + 25]
        v = BATTERY_EFFICIENCY * float(np.median(ahead))
        return np.full(self.space.n_districts, v)

    def market_econ(self, fleet: LogisticsFleet) -> Economics:
        """Economics with the depots' charging bid (urgency: hours of charging queued)."""
        from dataclasses import replace

        cap = fleet.depot_vans * CHARGER_KW
        urgency = float(np.clip(fleet.ev_backlog_kwh.sum() / max(cap.sum(), 1.0), 0, 4))
        return replace(self.econ, ev_end_value=self.econ.ev_end_value * (1 + urgency))

    def _signals(self, t: int) -> None:
        """Prices agents see this hour and expect for the next 24 (tariff + learnt congestion)."""
        e_now = self.e_tok_all[t]
        self.node_signal = e_now * self.energy_cny_ext[t] + self.cong_node[t % 24]
        arcs, _ = self.nearest_nodes(t)
        e_d = e_now[arcs].mean(axis=1)
        cong_d = self.cong_node[:, arcs].mean(axis=2)  # (24, D)
        self.compute_signal = self.node_signal[arcs].mean(axis=1)
        ahead = np.arange(t + 1, t + 25)
        fc = e_d[:, None] * self.energy_cny_ext[ahead][None, :] + cong_d[ahead % 24].T
        self.compute_best_ahead = np.minimum.accumulate(fc, axis=1)
        self.power_signal = self.energy_cny_ext[t] + self.cong_power[t % 24]
        pf = self.energy_cny_ext[ahead][None, :] + self.cong_power[ahead % 24].T
        self.power_best_ahead = np.minimum.accumulate(pf, axis=1)

    def learn_prices(self, t: int, node_price: np.ndarray, power_price: np.ndarray) -> None:
        """Agents update what they expect of this hour of the day from the prices they saw."""
        e = self.e_tok_all[t] * self.energy_cny_ext[t]
        h = t % 24
        self.cong_node[h] = 0.5 * self.cong_node[h] + 0.5 * np.maximum(node_price - e, 0.0)
        self.cong_power[h] = 0.5 * self.cong_power[h] + 0.5 * np.maximum(
            power_price - self.energy_cny_ext[t], 0.0
        )

    # ------------------------------------------------------------------ the step
    def _resolve(self, kind: str, capacity: np.ndarray, augment: Any = None):
        t = self.t
        orch = self.orchestrator
        cs, alloc, agents = orch.resolve(
            kind,
            t,
            self.claimants[kind],
            capacity,
            self.mods.rank[t],
            self.mods.value,
            augment=augment,
        )
        self.last_alloc[kind] = (cs, alloc)
        for i, a in enumerate(agents):
            self._batch_of[(id(a), kind)] = i
        orch.dispatch(cs, alloc, agents, t)
        return cs, alloc

    def _resolve_for(self, kind: str, capacity: np.ndarray, agents: list[Any]):
        """Resolve ``kind`` claims of some agents only (plugin agents under joint mechanisms)."""
        t = self.t
        orch = self.orchestrator
        cs, alloc, claimed = orch.resolve(
            kind, t, agents, capacity, self.mods.rank[t], self.mods.value
        )
        if not claimed:
            return None, None
        orch.dispatch(cs, alloc, claimed, t)
        return cs, alloc

    def step(self) -> None:
        """One hour: agents decide, then roads, then compute and power (coupled) are resolved."""
        t = self.t = self.steps - 1
        s, M = self.space, self.metrics
        self._batch_of.clear()
        self._signals(t)
        self.stepping.do("step")
        self.arrivals_hist[t] = self.demand_agent.arrivals_k
        self._resolve("fleet", self.logistics.depot_vans.astype(float))
        cs, alloc = self._resolve("road", s.link_capacity)
        flow = cs.usage(alloc.row)
        want = cs.usage(cs.group_amount[cs.row_group])
        slot = bpr(s.link_free_min, flow, s.link_capacity)
        congested = bpr(s.link_free_min, want, s.link_capacity)
        self.logistics.after_roads(t, slot)
        self.emergency.after_roads(t, congested)
        self.traffic.after_roads(t, congested)
        h = t % 24
        self.cong_link[h] = 0.5 * self.cong_link[h] + 0.5 * alloc.price * ROAD_VALUE_UNIT_CNY
        M["link_flow"][t], M["link_demand"][t], M["link_travel_min"][t] = flow, want, congested
        M["road_price"][t] = alloc.price
        if self.joint is not None:
            out = self.accountant.joint_hour(t)
        else:
            out = self.accountant.claims_hour(t)
        self.accountant.record(t, out)

    def run(self) -> None:
        """Step through every hour."""
        for _ in range(self.hours):
            self.step()


__all__ = ["INTERACTIVE_BUDGET_MS", "STREAMS", "CityModel"]
