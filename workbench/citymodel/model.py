"""The Mesa model: districts on a road network, agents, and the orchestrator's step."""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.discrete_space import Network

from workbench.citymodel.agents.demand import DemandPopulation, build_units
from workbench.citymodel.agents.infrastructure import (
    ComputeFleet,
    ComputeNode,
    GridAgent,
    GridOperator,
)
from workbench.citymodel.agents.mobility import (
    EmergencyResponder,
    LogisticsFleet,
    TrafficAgent,
    bpr,
)
from workbench.citymodel.claims import CLASSES
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
"""Round-trip latency budget of interactive requests (network + queueing)."""
SERVICE_MS = 2.0
"""Mean service time behind the M/M/1 queueing delay of a node."""
LAT_BINS = np.arange(0.0, 200.5, 0.5)
"""Latency histogram bins (ms); unserved requests fall in the overflow bin."""
TIMEOUT_MS = 1000.0
"""Latency counted for interactive requests that were not served (a timeout)."""
TARGET_LOAD = 0.55
"""Auto demand scale: mean demand as a share of the plan's token capacity."""
RATED_LOAD = 0.85
"""Rated token capacity as a share of the hardware's maximum throughput (queueing headroom)."""
_EM, _B = CLASSES.index("emergency"), CLASSES.index("batch")


class CityModel(mesa.Model):
    """Agent-based city model of AI compute, power and roads under a coordination mechanism.

    Parameters
    ----------
    scenario
        Scenario name, YAML path, mapping or :class:`~workbench.citymodel.Scenario`.
    mechanism
        Name of a registered coordination mechanism (``none``, ``priority``, ``lp``,
        ``market``, ``contract_net``, ``drf`` or a plugin).
    seed
        Seed of every random stream (child streams per purpose via ``SeedSequence``, the same
        for every scenario and mechanism: common random numbers).
    hours
        Hours to simulate (steps are hourly; hour 0 is Monday 00:00).
    plan
        Siting plan: a siting result (anything with ``to_geodataframe()``) or any table with
        the plan columns;
        default: :func:`~workbench.citymodel.inputs.default_plan` on the Shanghai sample.
    districts, edges
        District polygons and optional road links; default: the Shanghai sample.
    n_units
        Number of demand units.
    demand
        Demand points (``demand.csv`` columns); default: the Shanghai sample's, if present.
    demand_scale
        Multiplier of the units' demand; ``None`` scales mean demand to 55% of the plan's
        token capacity.
    space
        A prebuilt :class:`CitySpace` (overrides ``districts``/``edges``).
    extra_agents
        Further agents (names in the ``agents`` registry or :class:`CityAgent` classes),
        each made with ``cls(model)`` and asked for claims on every resource kind.
    """

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
        demand_scale: float | None = None,
        space: CitySpace | None = None,
        extra_agents: tuple[str | type, ...] = (),
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
        ss = dict(zip(STREAMS, np.random.SeedSequence(int(seed)).spawn(len(STREAMS)), strict=False))
        rngs = {k: np.random.default_rng(v) for k, v in ss.items()}
        super().__init__(rng=rngs["mesa"])
        self.seed_value = int(seed)
        self.hours = int(hours)
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
        # prices
        h = np.arange(T) % 24
        self.price = tou_price()[h]
        self.ci = carbon_intensity()[h]
        self.eff_price = self.price + self.mods.carbon_price * self.ci / 1000.0
        day = self.eff_price[: (T // 24) * 24].reshape(-1, 24) if T >= 24 else None
        self._median = np.median(day, axis=1) if day is not None else [np.median(self.eff_price)]
        self._q25 = (
            np.quantile(day, 0.25, axis=1)
            if day is not None
            else [np.quantile(self.eff_price, 0.25)]
        )
        self.weather = np.repeat(rngs["weather"].beta(5, 2, size=T // 24 + 1), 24)[:T] / (5 / 7)
        # Mesa structure: districts as cells of a network space
        self.grid_space = Network(s.graph(), random=self.random)
        cells = [self.grid_space[i] for i in range(D)]
        for n in range(N):
            ComputeNode(self, n, cells[self.nodes.district[n]])
        for d in range(D):
            GridAgent(self, d, cells[d])
        # agents with many units or events: arrays
        if demand is None:
            demand = load_sample_demand()
        units = build_units(s, n_units, rngs["units"], demand)
        cap_tph = float((self.nodes.capacity_tps * 3600).sum())
        self.demand_scale = (
            TARGET_LOAD * cap_tph / float(units.base_tph.sum())
            if demand_scale is None
            else float(demand_scale)
        )
        self.demand_agent = DemandPopulation(self, units, rngs["demand"])
        node_kw = np.bincount(self.nodes.district, self.nodes.it_kw_full * self.nodes.pue, D)
        self.grid = GridOperator(self, node_kw, s.area_km2)
        self.compute = ComputeFleet(self)
        self.traffic = TrafficAgent(self, rngs["traffic"].lognormal(0, 0.08, size=(T, L)))
        self.logistics = LogisticsFleet(self, *self._draw_deliveries(rngs["logistics"]))
        self.emergency = EmergencyResponder(self, *self._draw_incidents(rngs["emergency"]))
        self.orchestrator = Orchestrator(self.mechanism, DecisionLog(), rngs["arrival"])
        self.claimants = {
            "fleet": [self.logistics],
            "road": [self.emergency, self.logistics, self.traffic],
            "compute": [self.emergency, self.demand_agent],
            "power": [self.emergency, self.grid, self.compute, self.logistics],
        }
        # agents with behaviour of their own, stepped each hour (nodes and grid cells are
        # views stepped vectorised by the fleet and grid operators)
        active = [self.demand_agent, self.logistics, self.emergency]
        if extra_agents:
            from workbench.citymodel.agents.base import validate_agent
            from workbench.plugins import get_registry

            reg = get_registry("agents", "city-model agent", validate_agent)
            for spec in extra_agents:
                cls = reg.get(spec) if isinstance(spec, str) else spec
                validate_agent(getattr(cls, "__name__", str(cls)), cls)
                agent = cls(self)
                active.append(agent)
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
        self.metrics = _alloc_metrics(T, D, N, L)

    # ------------------------------------------------------------------ setup helpers
    def _setup_labels(self) -> None:
        s, n = self.space, self.nodes
        self.demand_labels = np.array(
            [f"demand:{c}:interactive" for c in s.codes] + [f"demand:{c}:batch" for c in s.codes],
            dtype=object,
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

    def _setup_network_latency(self) -> None:
        s, n = self.space, self.nodes
        km = np.hypot(s.x_km[:, None] - n.x_km[None, :], s.y_km[:, None] - n.y_km[None, :])
        hops = np.array([HOPS.get(t, 3) for t in n.tier])
        self.net_ms = 2 * (km * 1.4 * 0.005 + hops[None, :] * 0.5)
        self._nearest_cache: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}

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
    def nearest_nodes(self, t: int, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
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

    def dear_energy(self, t: int) -> bool:
        """Whether the effective energy price is above the day's median."""
        return bool(self.eff_price[t] > self._median[min(t // 24, len(self._median) - 1)])

    def cheap_energy(self, t: int) -> bool:
        """Whether the effective energy price is in the day's cheapest quarter."""
        return bool(self.eff_price[t] <= self._q25[min(t // 24, len(self._q25) - 1)])

    def batch_index(self, agent: Any, kind: str) -> int:
        """Index of ``agent``'s batch in this step's claim set of ``kind``."""
        return self._batch_of.get((id(agent), kind), -1)

    # ------------------------------------------------------------------ the step
    def _resolve(self, kind: str, capacity: np.ndarray):
        t = self.t
        orch = self.orchestrator
        cs, alloc, agents = orch.resolve(
            kind, t, self.claimants[kind], capacity, self.mods.rank[t], self.mods.value
        )
        self.last_alloc[kind] = (cs, alloc)
        for i, a in enumerate(agents):
            self._batch_of[(id(a), kind)] = i
        orch.dispatch(cs, alloc, agents, t)
        return cs, alloc

    def step(self) -> None:
        """One hour: agents step, then fleet, road, compute and power claims are resolved."""
        t = self.t = self.steps - 1
        s, nodes, M = self.space, self.nodes, self.metrics
        self._batch_of.clear()
        self.stepping.do("step")
        self._resolve("fleet", self.logistics.depot_vans.astype(float))
        cs, alloc = self._resolve("road", s.link_capacity)
        flow = cs.usage(alloc.row)
        want = cs.usage(cs.group_amount[cs.row_group])
        slot = bpr(s.link_free_min, flow, s.link_capacity)
        congested = bpr(s.link_free_min, want, s.link_capacity)
        self.logistics.after_roads(t, slot)
        self.emergency.after_roads(t, congested)
        M["link_flow"][t], M["link_demand"][t], M["link_travel_min"][t] = flow, want, congested
        M["road_price"][t] = alloc.price
        cap_tok = nodes.capacity_tps * 3600 * self.mods.node_up[t]
        ccs, calloc = self._resolve("compute", cap_tok)
        c_node = ccs.entry_resource  # one entry per compute row, sorted by row
        c_cls = ccs.group_class[ccs.row_group]
        is_b = c_cls == _B
        self.node_tokens[0] = np.bincount(c_node, calloc.row * ~is_b, nodes.n)
        self.node_tokens[1] = np.bincount(c_node, calloc.row * is_b, nodes.n)
        pcs, palloc = self._resolve("power", self.grid.capacity(t))
        self._settle(t, ccs, calloc, c_node, is_b, pcs, palloc)

    def _settle(self, t, ccs, calloc, c_node, is_b, pcs, palloc) -> None:
        M, nodes, D = self.metrics, self.nodes, self.space.n_districts
        # tokens actually served: compute grants cut by the power granted to the node
        ratio = self.node_power_ratio[is_b.astype(int), c_node]
        served_row = calloc.row * ratio
        tok = np.bincount(c_node, served_row, nodes.n)
        cap_tok = nodes.capacity_tps * 3600 * self.mods.node_up[t]
        rho = np.divide(tok, cap_tok, out=np.zeros(nodes.n), where=cap_tok > 0)
        self.node_util = rho
        r_hw = RATED_LOAD * np.minimum(rho, 1.0)
        q_ms = SERVICE_MS * r_hw / (1 - r_hw)
        d_batch = self.batch_index(self.demand_agent, "compute")
        g = ccs.row_group
        mine = ccs.group_batch[g] == d_batch
        tag = ccs.group_tag[g]
        district = tag % D
        inter_rows = mine & (tag < D)
        lat = self.net_ms[district, c_node] + q_ms[c_node]
        within = np.bincount(
            district[inter_rows],
            served_row[inter_rows] * (lat[inter_rows] <= INTERACTIVE_BUDGET_MS),
            D,
        )
        served_i = np.bincount(district[inter_rows], served_row[inter_rows], D)
        b_rows = mine & (tag >= D)
        served_b = np.bincount(district[b_rows], served_row[b_rows], D)
        dem = self.demand_agent
        self.lat_hist += np.bincount(
            np.searchsorted(LAT_BINS, lat[inter_rows]), served_row[inter_rows], len(LAT_BINS) + 1
        )
        self.lat_hist[-1] += float(np.maximum(dem.request_i - served_i, 0).sum())
        M["interactive_requested"][t], M["interactive_served"][t] = dem.request_i, served_i
        M["interactive_within_budget"][t] = within
        M["batch_new"][t], M["batch_submitted"][t], M["batch_served"][t] = (
            dem.new_batch,
            dem.request_b,
            served_b,
        )
        dem.settle(served_i, served_b)
        M["node_tokens_served"][t], M["node_tokens_capacity"][t] = tok, cap_tok
        M["node_utilisation"][t], M["node_power_kw"][t] = rho, self.node_power_kw
        M["compute_price"][t] = calloc.price
        # power
        served_kw = pcs.usage(palloc.row)
        req_kw = pcs.usage(pcs.group_amount[pcs.row_group])
        ev_batch = self.batch_index(self.logistics, "power")
        ev_rows = pcs.group_batch[pcs.row_group] == ev_batch
        ev_req = np.bincount(
            pcs.entry_resource[ev_rows], pcs.group_amount[pcs.row_group][ev_rows], D
        )
        ev_got = np.bincount(pcs.entry_resource[ev_rows], palloc.row[ev_rows], D)
        M["feeder_capacity_kw"][t] = self.grid.feeder_up_kw
        M["pv_kw"][t] = self.grid.pv
        flows = self.grid.settle(served_kw, t)
        M["power_requested_kw"][t], M["power_served_kw"][t] = req_kw, served_kw
        short = (req_kw - ev_req) - (served_kw - ev_got)
        M["unserved_power_kw"][t] = np.where(short > 1e-6 * np.maximum(req_kw, 1.0), short, 0.0)
        M["ev_requested_kw"][t], M["ev_served_kw"][t] = ev_req, ev_got
        M["grid_import_kw"][t] = flows["import"]
        M["battery_charge_kw"][t], M["battery_discharge_kw"][t] = (
            flows["charge"],
            flows["discharge"],
        )
        M["battery_soc_kwh"][t] = self.grid.soc
        M["power_price"][t] = palloc.price
        M["emergency_active"][t] = len(self.emergency.active)

    def run(self) -> None:
        """Step through every hour."""
        for _ in range(self.hours):
            self.step()


def _alloc_metrics(T: int, D: int, N: int, L: int) -> dict[str, np.ndarray]:
    shapes = {
        "district": [
            "power_requested_kw",
            "power_served_kw",
            "unserved_power_kw",
            "grid_import_kw",
            "pv_kw",
            "battery_charge_kw",
            "battery_discharge_kw",
            "battery_soc_kwh",
            "feeder_capacity_kw",
            "power_price",
            "ev_requested_kw",
            "ev_served_kw",
            "interactive_requested",
            "interactive_served",
            "interactive_within_budget",
            "batch_new",
            "batch_submitted",
            "batch_served",
        ],
        "node": [
            "node_tokens_served",
            "node_tokens_capacity",
            "node_utilisation",
            "node_power_kw",
            "compute_price",
        ],
        "link": ["link_flow", "link_demand", "link_travel_min", "road_price"],
        "time": ["emergency_active"],
    }
    size = {"district": D, "node": N, "link": L}
    out = {}
    for dim, names in shapes.items():
        for n in names:
            out[n] = np.zeros(T) if dim == "time" else np.zeros((T, size[dim]))
    return out


__all__ = ["CityModel", "INTERACTIVE_BUDGET_MS", "STREAMS"]
