"""The contract-net protocol for indivisible tasks: announce, bid, award, commit/reject.

Two kinds of tasks go through it under the ``contract_net`` mechanism: batch compute jobs to
nodes (below), and deliveries to van depots (the ``fleet`` claims: each delivery is announced
to the three depots nearest its origin, which bid their deadhead driving and a queueing cost
that rises with the share of their vans already committed; see
:class:`~workbench.citymodel.mechanisms.rules.ContractNet`).

Under ``contract_net`` each batch owner who submits this hour announces its job (its whole
submitted backlog, indivisible) to its candidate nodes. Every node that could still take the
job bids from its own state: the energy cost of the job at its efficiency and the hour's
price, plus a queueing cost that rises with its load (the share of its capacity already
committed this hour). Each job is awarded to its lowest bidder; each node then commits the
awards it received in order of the jobs' urgency (earliest deadline first) while its
remaining capacity lasts and rejects the rest. Rejected jobs are announced again to the
other candidates, for up to :data:`ROUNDS` rounds. All rounds are vectorised over jobs and
nodes; every message (announcement, bid, award, commit, reject) is counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ROUNDS = 4
"""Announcement rounds per hour."""
QUEUE_CNY_PER_TOKEN = 1e-6
"""Queueing cost of a token at a fully committed node (grows linearly with load)."""


@dataclass
class Outcome:
    """What the protocol decided in one hour."""

    node: np.ndarray  # (J,) node each job was committed to, -1 if none
    messages: int
    rounds: int


def run_protocol(
    amount: np.ndarray,
    due: np.ndarray,
    candidates: np.ndarray,
    energy_cny_per_token: np.ndarray,
    remaining: np.ndarray,
    capacity: np.ndarray,
    *,
    extra_cost: np.ndarray | None = None,
    valid: np.ndarray | None = None,
    queue_cost: float = QUEUE_CNY_PER_TOKEN,
) -> Outcome:
    """Award indivisible jobs to nodes.

    Parameters
    ----------
    amount
        Tokens of each job (J,).
    due
        Deadline hour of each job (J,): earlier deadlines are committed first.
    candidates
        Candidate nodes of each job (J, K).
    energy_cny_per_token
        Each node's energy + carbon cost per token this hour (N,).
    remaining
        Each node's capacity left this hour (N,); updated in place as jobs commit.
    capacity
        Each node's capacity this hour (N,), for the load in its queueing cost.
    extra_cost
        A further cost of each candidate's bid (J, K), e.g. a depot's deadhead driving.
    valid
        Which candidates exist (J, K); default: all (rows of unequal length are padded).
    queue_cost
        Queueing cost per unit at a fully committed contractor (grows linearly with load).
    """
    J, K = candidates.shape
    node_of = np.full(J, -1, dtype=np.int64)
    open_ = amount > 0
    refused = np.zeros((J, K), dtype=bool) if valid is None else ~np.asarray(valid, dtype=bool)
    messages = 0
    cap = np.maximum(capacity, 1e-9)
    used = 0
    for _ in range(ROUNDS):
        jobs = np.flatnonzero(open_)
        if len(jobs) == 0:
            break
        used += 1
        cand = candidates[jobs]
        messages += int((~refused[jobs]).sum())  # announcements
        able = (remaining[cand] >= amount[jobs, None]) & ~refused[jobs]
        load = 1.0 - remaining[cand] / cap[cand]
        bid = amount[jobs, None] * (energy_cny_per_token[cand] + queue_cost * load)
        if extra_cost is not None:
            bid = bid + extra_cost[jobs]
        bid = np.where(able, bid, np.inf)
        messages += int(able.sum())  # bids
        best = np.argmin(bid, axis=1)
        has = np.isfinite(bid[np.arange(len(jobs)), best])
        open_[jobs[~has]] = False  # nobody can take it this hour
        jobs, best = jobs[has], best[has]
        if len(jobs) == 0:
            break
        winner = candidates[jobs, best]
        messages += len(jobs)  # awards
        # each node commits its awards, most urgent first, while capacity lasts
        order = np.lexsort((jobs, due[jobs], winner))
        jw, nw = jobs[order], winner[order]
        cum = np.cumsum(amount[jw])
        start = np.searchsorted(nw, nw, side="left")
        before = np.concatenate([[0.0], cum])[start]
        within = cum - before <= remaining[nw] + 1e-6
        messages += len(jw)  # commit or reject
        node_of[jw[within]] = nw[within]
        np.subtract.at(remaining, nw[within], amount[jw[within]])
        open_[jw[within]] = False
        rej = jw[~within]
        refused[rej, best[order][~within]] = True
    return Outcome(node=node_of, messages=messages, rounds=used)


__all__ = ["ROUNDS", "Outcome", "run_protocol"]
