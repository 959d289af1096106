"""Contract net for deliveries: announced to depots, bid, awarded, committed; messages counted."""

from __future__ import annotations

import numpy as np

from workbench.citymodel import CityModel
from workbench.citymodel.claims import CLASSES, DEFAULT_VALUES, ClaimBatch, merge_batches


def test_contract_net_awards_deliveries_to_depots_by_bid_and_urgency():
    from workbench.citymodel.mechanisms import get_mechanism

    # depots: 0 has 5 vans and is near every origin (1 min), 1 has 10 vans (10 min away);
    # three deliveries of 4 vans; bids (values) say b is the most urgent, then c, then a
    batch = ClaimBatch(
        claimant=np.array(["logistics"] * 3, dtype=object),
        klass=np.full(3, CLASSES.index("logistics")),
        amount=np.full(3, 4.0),
        row_group=np.repeat(np.arange(3), 2),
        entry_row=np.arange(6),
        entry_resource=np.tile([0, 1], 3),
        entry_coef=np.ones(6),
        row_cost=np.tile([1.0, 10.0], 3),
        divisible=np.zeros(3, dtype=bool),
        value=np.array([1.0, 3.0, 2.0]),
    )
    values = np.array([DEFAULT_VALUES[c] for c in CLASSES])
    cs = merge_batches(
        "fleet", np.array([5.0, 10.0]), [batch], np.arange(len(CLASSES)), values,
        np.random.default_rng(0),
    )  # fmt: skip
    mech = get_mechanism("contract_net")
    alloc = mech.allocate(cs)
    # all three bid lowest at depot 0, which commits b (4 of its 5 vans) and rejects a and c;
    # announced again, they go to depot 1
    np.testing.assert_array_equal(alloc.row, [0, 4, 4, 0, 0, 4])
    assert "contract net" in alloc.basis
    # round 1: 6 announcements, 6 bids, 3 awards, 3 commit/reject; round 2: 2 + 2 + 2 + 2
    assert mech.take_messages() == 18 + 8
    assert mech.take_messages() == 0


def test_deliveries_go_through_the_protocol_in_a_run():
    m = CityModel(mechanism="contract_net", hours=12, n_units=200, seed=0)
    m.run()
    log = m.orchestrator.log.to_dataframe()
    fleet = log[log["kind"].astype(str) == "fleet"]
    assert len(fleet) > 0
    assert set(fleet["basis"].astype(str)) == {"contract net: bid, award, commit"}
    # whole deliveries only: a delivery gets all its vans or none
    assert ((fleet["granted"] == 0) | (fleet["granted"] == fleet["requested"])).all()
    assert fleet["granted"].sum() > 0
    assert m.metrics["messages"].sum() > 0
