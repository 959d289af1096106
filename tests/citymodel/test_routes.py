"""Traffic route choice: k shortest routes per OD pair, logit on time plus link price."""

from __future__ import annotations

import numpy as np

from workbench.citymodel import CityModel
from workbench.citymodel.agents.routes import k_shortest_routes, logit_split


def test_routes_connect_their_od_pairs(shanghai_space):
    r = k_shortest_routes(shanghai_space, k=3)
    D = shanghai_space.n_districts
    assert r.n_od == D * (D - 1)
    assert (r.slot[:, 0] >= 0).all()  # every pair has at least its shortest route
    inc = r.incidence.tocsr()
    s = shanghai_space
    for route in range(0, inc.shape[0], 37):  # a sample of routes: links chain o -> d
        links = inc.indices[inc.indptr[route] : inc.indptr[route + 1]]
        ends = np.concatenate([s.link_from[links], s.link_to[links]])
        o, d = r.od_from[r.route_od[route]], r.od_to[r.route_od[route]]
        counts = np.bincount(ends, minlength=D)
        assert counts[o] % 2 == 1  # path endpoints appear an odd number of times
        assert counts[d] % 2 == 1
        assert ((counts % 2 == 0) | (np.arange(D) == o) | (np.arange(D) == d)).all()


def test_logit_split_sums_to_one_and_prefers_the_cheaper_route(shanghai_space):
    r = k_shortest_routes(shanghai_space)
    cost = r.route_cost(shanghai_space.link_free_min)
    share = logit_split(r, cost)
    np.testing.assert_allclose(np.bincount(r.route_od, share, r.n_od), 1.0)
    two = r.slot[:, 1] >= 0
    first, second = r.slot[two, 0], r.slot[two, 1]
    assert (share[first] >= share[second] - 1e-12).all()  # routes are found shortest first


class _Tolled(CityModel):
    """A congestion charge on one link from the start."""

    def __init__(self, *a, toll_link: int, toll: float, **kw):
        super().__init__(*a, **kw)
        self.link_toll[toll_link] = toll


def test_raising_a_links_price_moves_traffic_off_it():
    kw = {"mechanism": "lp", "hours": 12, "n_units": 200, "seed": 0}
    base = CityModel(**kw)
    base.run()
    assert base.cong_link.max() > 0  # the lp's road duals reach the drivers as prices
    tr = base.traffic
    r = tr.routes
    # the link most used by routes that have alternatives
    used = np.asarray(r.incidence[r.slot[r.slot[:, 1] >= 0, 0]].sum(axis=0)).reshape(-1)
    link = int(np.argmax(used))
    tolled = _Tolled(**kw, toll_link=link, toll=20.0)
    tolled.run()
    a, b = base.metrics["link_demand"][:, link], tolled.metrics["link_demand"][:, link]
    assert b.sum() < 0.8 * a.sum()
    # the trips are not lost: they moved to other links (more vehicle-links in total, since
    # the alternatives are longer), and the OD demand is the same
    others = np.arange(base.space.n_links) != link
    assert (
        tolled.metrics["link_demand"][:, others].sum()
        > base.metrics["link_demand"][:, others].sum()
    )
    np.testing.assert_array_equal(tr.base_od, tolled.traffic.base_od)
