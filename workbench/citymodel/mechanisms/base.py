"""The mechanism protocol and the vectorised ordered-greedy allocator it builds on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from workbench.citymodel.claims import ClaimSet
from workbench.plugin_contracts import Contract

_EPS = 1e-9


@dataclass(frozen=True)
class Allocation:
    """What a mechanism granted on one resource kind in one step.

    Attributes
    ----------
    row
        Amount granted per claim row.
    group
        Amount granted per claim group (sum of its rows).
    price
        Price of congestion per resource (value units per unit of resource): the LP's dual,
        the market's clearing price, or for rule-based mechanisms the value of the best claim
        left unserved on a saturated resource; 0 where the resource is not scarce.
    basis
        Why claims got what they got, in a few words (logged with every decision).
    """

    row: np.ndarray
    group: np.ndarray
    price: np.ndarray
    basis: str


class Mechanism:
    """Base class of coordination mechanisms (subclass it to write a plugin).

    A mechanism is registered (a class) in the ``mechanisms`` registry of
    :mod:`workbench.plugins`; the model makes one instance per run, so it may keep state
    (a reused solver). :meth:`allocate` gets every claim on one resource kind in one step and
    must return an :class:`Allocation` that respects the resources' capacities and the groups'
    requests (the orchestrator checks this and raises otherwise).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def allocate(self, claims: ClaimSet) -> Allocation:  # pragma: no cover - abstract
        """Resolve the claims of one resource kind in one step."""
        raise NotImplementedError


MECHANISM_CONTRACT = Contract(
    "mechanisms",
    "class",
    base=Mechanism,
    methods={"allocate": ("claims",)},
    overrides=("allocate",),
    doc="a Mechanism subclass: allocate(claims: ClaimSet) -> Allocation; class "
    "attributes name, description",
)
"""What a coordination-mechanism plugin must look like (checked when it loads)."""


def scarcity_price(claims: ClaimSet, row: np.ndarray) -> np.ndarray:
    """Value of the best unmet claim on each saturated resource (0 elsewhere)."""
    price = np.zeros(claims.n_resources)
    if claims.n_rows == 0:
        return price
    used = claims.usage(row)
    saturated = used >= claims.capacity * (1 - 1e-6) - 1e-6
    unmet = claims.group_amount - claims.group_total(row) > 1e-6 * np.maximum(
        claims.group_amount, 1.0
    )
    e_group = claims.row_group[claims.entry_row]
    mask = unmet[e_group] & saturated[claims.entry_resource]
    if mask.any():
        np.maximum.at(price, claims.entry_resource[mask], claims.group_value[e_group[mask]])
    return price


def ordered_greedy(
    claims: ClaimSet,
    group_key: np.ndarray,
    *,
    force_indivisible: bool = False,
    max_iter: int = 15,
) -> np.ndarray:
    """Serve groups one after another in ``group_key`` order, each taking what is left.

    Within a group, rows are tried by increasing ``row_cost`` (the preferred alternative
    first). This is the sequential first-come / priority-list allocation, computed without a
    Python loop over claims: the fixed point of "each row gets what the rows before it left"
    is reached by alternating iterates, of which the odd ones are always feasible.

    Parameters
    ----------
    claims
        The claims.
    group_key
        Sort key per group (smaller is served first).
    force_indivisible
        Treat every group as indivisible (all or nothing per row).
    max_iter
        Iterations before returning the last feasible iterate.

    Returns
    -------
    numpy.ndarray
        Amount granted per row.
    """
    m = claims.n_rows
    if m == 0:
        return np.zeros(0)
    rg = claims.row_group
    row_order = np.lexsort((claims.row_cost, group_key[rg]))
    rpos = np.empty(m, dtype=np.int64)
    rpos[row_order] = np.arange(m)
    # entries sorted by (resource, row position)
    e_order = np.lexsort((rpos[claims.entry_row], claims.entry_resource))
    e_row = claims.entry_row[e_order]
    e_res = claims.entry_resource[e_order]
    e_coef = claims.entry_coef[e_order]
    e_first = _segment_first(e_res)
    single_entry = len(e_row) == m  # entries are sorted by row: entry k belongs to row k
    inv_e = np.empty(len(e_order), dtype=np.int64)
    inv_e[e_order] = np.arange(len(e_order))
    row_start = np.searchsorted(claims.entry_row, np.arange(m))
    single_row = m == claims.n_groups
    if not single_row:
        g_order = np.lexsort((rpos, rg))
        g_first = _segment_first(rg[g_order])
    q_row = claims.group_amount[rg]
    indiv = np.ones(m, dtype=bool) if force_indivisible else ~claims.group_divisible[rg]
    any_indiv = bool(indiv.any())
    cap_e = claims.capacity[e_res]
    pos = e_coef > 0
    inv_coef = np.where(pos, 1.0 / np.where(pos, e_coef, 1.0), 0.0)

    def step(g: np.ndarray) -> np.ndarray:
        contrib = e_coef * g[e_row]
        excl = np.cumsum(contrib) - contrib
        prior = excl - excl[e_first]
        lim_e = np.where(pos, (cap_e - prior) * inv_coef, np.inf)[inv_e]  # back in row order
        lim = lim_e if single_entry else np.minimum.reduceat(lim_e, row_start)
        if single_row:
            lim = np.minimum(lim, q_row)
        else:
            gs = g[g_order]
            gex = np.cumsum(gs) - gs
            gp = np.empty(m)
            gp[g_order] = gex - gex[g_first]
            lim = np.minimum(lim, q_row - gp)
        out = np.clip(lim, 0.0, q_row)
        if any_indiv:
            full = out >= q_row * (1 - _EPS) - _EPS
            out = np.where(indiv & ~full, 0.0, out)
        return out

    feasible = step(q_row)
    cur = feasible
    for it in range(1, max_iter):
        nxt = step(cur)
        if np.abs(nxt - cur).max() <= 1e-9 * (1.0 + float(q_row.max())):
            return nxt if it % 2 == 0 else cur
        if it % 2 == 0:
            feasible = nxt
        cur = nxt
    return feasible


def _segment_first(keys: np.ndarray) -> np.ndarray:
    """Index of the first element of each element's run of equal (sorted) keys."""
    n = len(keys)
    start = np.ones(n, dtype=bool)
    start[1:] = keys[1:] != keys[:-1]
    return np.maximum.accumulate(np.where(start, np.arange(n), 0))


__all__ = ["Allocation", "Mechanism", "ordered_greedy", "scarcity_price"]
