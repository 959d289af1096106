"""Conservation in a feeder blackout: nodes draw only what feeder and batteries supply.

A night blackout of one district's feeder (no solar) is the hard case: every kW the district's
compute nodes draw, idle power included, must come from its batteries, and a node whose power
is not supplied serves no tokens. Checked every hour and every district, for every mechanism.
"""

from __future__ import annotations

import numpy as np
import pytest

from workbench.citymodel import CityModel

ALL = ("none", "priority", "lp", "mpc", "oracle", "market", "contract_net", "drf")
DISTRICT = "310115"  # Pudong: the most compute nodes of the sample plan
BLACKOUT = {
    "name": "night feeder blackout",
    "events": [
        {"type": "feeder_outage", "district": DISTRICT, "start_hour": 1, "duration_hours": 5,
         "fraction": 1.0}
    ],
}  # fmt: skip
TOL = 1e-6


@pytest.fixture(scope="module")
def blackout_runs() -> dict[str, CityModel]:
    """Every mechanism through the blackout, 8 hours, the same seed."""
    out = {}
    for mech in ALL:
        m = CityModel(scenario=BLACKOUT, mechanism=mech, hours=8, n_units=300, seed=0, horizon=6)
        m.run()
        out[mech] = m
    return out


def _by_district(m: CityModel, a: np.ndarray) -> np.ndarray:
    D = m.space.n_districts
    return np.stack([np.bincount(m.nodes.district, r, D) for r in a])


@pytest.mark.parametrize("mechanism", ALL)
def test_nodes_draw_no_more_than_feeder_and_batteries_supply(blackout_runs, mechanism):
    m = blackout_runs[mechanism]
    M = m.metrics
    d = list(m.space.codes).index(DISTRICT)
    assert (M["feeder_capacity_kw"][1:6, d] == 0).all()
    # supply = demand + curtailment, per hour and district
    supply = M["grid_import_kw"] + M["pv_kw"] + M["battery_discharge_kw"]
    use = M["power_served_kw"] + M["battery_charge_kw"] + M["pv_curtailed_kw"]
    np.testing.assert_allclose(supply, use, rtol=TOL, atol=1e-3)
    assert (M["grid_import_kw"] <= M["feeder_capacity_kw"] * (1 + TOL) + 1e-3).all()
    # nodes (idle power included) draw no more than the district is supplied
    node_d = _by_district(m, M["node_power_kw"])
    net = supply - M["battery_charge_kw"] - M["pv_curtailed_kw"]
    assert (node_d <= net * (1 + TOL) + 1e-3).all(), (node_d - net).max()
    assert (node_d <= M["power_served_kw"] * (1 + TOL) + 1e-3).all()
    # in the blackout the district's nodes run on its batteries alone (no solar at night)
    batt = M["battery_discharge_kw"][1:6, d].sum()
    assert node_d[1:6, d].sum() <= batt * (1 + TOL) + 1e-3


@pytest.mark.parametrize("mechanism", ALL)
def test_tokens_are_served_only_where_their_power_is(blackout_runs, mechanism):
    m = blackout_runs[mechanism]
    M = m.metrics
    tok, kw = M["node_tokens_served"], M["node_power_kw"]
    # a token served draws e kWh at its node: the node's power covers every token it serves
    dyn = m.e_tok_all * tok
    assert (dyn <= kw * (1 + TOL) + 1e-3).all(), (dyn - kw).max()
    # and a node draws no more than its idle power and its tokens need
    assert (kw <= m.idle_kw_all + dyn + 1e-3).all(), (kw - m.idle_kw_all - dyn).max()
    # a node with no power serves nothing
    assert (tok[kw <= 0] == 0).all()
    # the blacked-out district serves at most what its batteries power
    d = list(m.space.codes).index(DISTRICT)
    on = m.nodes.district == d
    batt_kwh = M["battery_discharge_kw"][1:6, d].sum()
    assert dyn[1:6][:, on].sum() <= batt_kwh * (1 + TOL) + 1e-3


@pytest.mark.parametrize("mechanism", ["lp", "none"])
def test_unsupplied_node_power_is_counted_as_unserved(blackout_runs, mechanism):
    m = blackout_runs[mechanism]
    M = m.metrics
    d = list(m.space.codes).index(DISTRICT)
    idle = _by_district(m, m.idle_kw_all)[1:6, d].sum()
    got = _by_district(m, M["node_power_kw"])[1:6, d].sum()
    assert got < idle  # the batteries cannot carry every node's idle power all night
    # what the nodes' idle power lacked is unserved power, costed at the value of lost load
    assert M["unserved_power_kw"][1:6, d].sum() >= (idle - got) * (1 - 1e-6) - 1e-3
    assert M["cost_shed_cny"][1:6].sum() > 0
