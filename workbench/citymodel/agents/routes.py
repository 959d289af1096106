"""Route choice of road traffic: k shortest paths per origin-destination pair, logit split.

Background traffic is a population of drivers grouped by origin-destination (OD) pair. Each
group knows up to ``k`` loop-free routes (the shortest by free-flow time, precomputed once)
and splits over them by a logit of the generalised cost it expects, ``travel time + link
prices / value of time``, where travel time is what it learnt of congestion at that hour of
the day and link prices are the road prices of the orchestrator fed back (the ``lp`` duals,
``market`` clearing prices) plus any congestion charge. Raising a link's price moves flow
off it. Everything is vectorised over routes: one sparse product per hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

import numpy as np
from scipy.sparse import csr_matrix

K_ROUTES = 3
"""Routes known per OD pair."""
VALUE_OF_TIME_CNY_PER_MIN = 0.8
"""Drivers' value of time (CNY per vehicle-minute; synthetic, ~48 CNY/h)."""
LOGIT_PER_MIN = 0.5
"""Logit scale of route choice (per minute of generalised cost)."""


@dataclass(frozen=True)
class RouteSet:
    """Routes of every OD pair (``o != d``) and their link incidence.

    Attributes
    ----------
    od_from, od_to
        Origin and destination district of each OD pair.
    route_od
        OD pair of each route.
    incidence
        Sparse ``(routes, links)`` matrix: 1 where a route uses a link.
    slot
        ``(OD pairs, k)`` route index of each OD pair's routes, -1 where it has fewer.
    """

    od_from: np.ndarray
    od_to: np.ndarray
    route_od: np.ndarray
    incidence: csr_matrix
    slot: np.ndarray

    @property
    def n_od(self) -> int:
        """Number of OD pairs."""
        return len(self.od_from)

    def link_flow(self, route_flow: np.ndarray) -> np.ndarray:
        """Vehicles per link from vehicles per route."""
        return np.asarray(self.incidence.T @ route_flow).reshape(-1)

    def route_cost(self, link_cost: np.ndarray) -> np.ndarray:
        """Cost of every route: the sum of its links' costs."""
        return np.asarray(self.incidence @ link_cost).reshape(-1)


def k_shortest_routes(space, k: int = K_ROUTES) -> RouteSet:
    """Up to ``k`` loop-free shortest routes (free-flow minutes) for every OD pair."""
    import networkx as nx

    g = space.graph()
    D = space.n_districts
    rows, cols, od_f, od_t, r_od = [], [], [], [], []
    slot = np.full((D * (D - 1), k), -1, dtype=np.int64)
    r = 0
    i = 0
    for o in range(D):
        for d in range(D):
            if o == d:
                continue
            paths = islice(nx.shortest_simple_paths(g, o, d, weight="minutes"), k)
            for j, nodes in enumerate(paths):
                links = [g.edges[u, v]["link"] for u, v in zip(nodes[:-1], nodes[1:], strict=True)]
                rows.extend([r] * len(links))
                cols.extend(links)
                r_od.append(i)
                slot[i, j] = r
                r += 1
            od_f.append(o)
            od_t.append(d)
            i += 1
    inc = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(r, space.n_links))
    return RouteSet(
        od_from=np.array(od_f, dtype=np.int64),
        od_to=np.array(od_t, dtype=np.int64),
        route_od=np.array(r_od, dtype=np.int64),
        incidence=inc,
        slot=slot,
    )


def logit_split(routes: RouteSet, route_cost: np.ndarray, theta: float = LOGIT_PER_MIN):
    """Share of each OD pair's traffic on each of its routes (logit on generalised cost)."""
    c = np.where(routes.slot >= 0, route_cost[np.maximum(routes.slot, 0)], np.inf)
    u = -theta * (c - c.min(axis=1, keepdims=True))
    w = np.where(routes.slot >= 0, np.exp(u), 0.0)
    p = w / w.sum(axis=1, keepdims=True)
    share = np.zeros(routes.incidence.shape[0])
    ok = routes.slot >= 0
    share[routes.slot[ok]] = p[ok]
    return share


__all__ = [
    "K_ROUTES",
    "LOGIT_PER_MIN",
    "VALUE_OF_TIME_CNY_PER_MIN",
    "RouteSet",
    "k_shortest_routes",
    "logit_split",
]
