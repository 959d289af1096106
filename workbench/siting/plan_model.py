"""The "2+M+X" plan as one sparse MILP: candidate pairs, eligibility per request class, HiGHS.

Used by :func:`workbench.siting.plan.plan`; see that module for the model in words. This module
holds the arithmetic: which (demand, site) pairs a request class may use, the MILP in array form
and the per-class, per-tier read-out of the solution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from workbench.errors import SpecError, did_you_mean
from workbench.siting.service import TIERS, RequestClass, ServiceModel

SECONDS_PER_DAY = 86_400.0


def tier_counts(per_tier: dict[str, Any], tiers: np.ndarray, fixed: np.ndarray) -> dict:
    """Parse ``sites_per_tier``: ``tier -> (min, max)`` open sites.

    An integer is an exact count (``hub: 2`` opens exactly two hubs); a mapping gives a range
    (``edge: {min: 400, max: 600}``, either bound may be left out).

    Raises
    ------
    SpecError
        For an unknown tier, a count that is not a whole non-negative number, ``min > max``, a
        minimum above the number of candidates, or a maximum below the sites fixed open.
    """
    out: dict[str, tuple[int, int]] = {}
    known = sorted(set(tiers.tolist()))
    for t, spec in (per_tier or {}).items():
        t = str(t)
        if spec is None:
            continue
        if t not in known:
            msg = (
                f"sites_per_tier has tier {t!r}, which no candidate site has; tiers of the "
                f"sites: {known}.{did_you_mean(t, known)}"
            )
            raise SpecError(msg)
        if isinstance(spec, dict):
            extra = sorted(set(spec) - {"min", "max"})
            if extra:
                msg = (
                    f"sites_per_tier[{t!r}] takes `min` and `max` (e.g. {{min: 400, max: 600}}); "
                    f"got keys {extra}."
                )
                raise SpecError(msg)
            lo, hi = spec.get("min"), spec.get("max")
        else:
            lo = hi = spec
        n_cand = int((tiers == t).sum())
        lo = 0 if lo is None else _count(lo, t, "min")
        hi = n_cand if hi is None else _count(hi, t, "max")
        if lo > hi:
            msg = f"sites_per_tier[{t!r}] has min {lo} > max {hi}; give min <= max."
            raise SpecError(msg)
        if lo > n_cand:
            msg = (
                f"sites_per_tier[{t!r}] asks for at least {lo} sites but there are only "
                f"{n_cand} {t} candidates. Lower it or add candidate sites."
            )
            raise SpecError(msg)
        n_fix = int((fixed & (tiers == t)).sum())
        if n_fix > hi:
            msg = (
                f"sites_per_tier[{t!r}] = {hi} but {n_fix} {t} sites already exist and stay "
                f"open. Raise it to at least {n_fix}."
            )
            raise SpecError(msg)
        out[t] = (lo, hi)
    return out


def _count(value: Any, tier: str, which: str) -> int:
    ok = not isinstance(value, bool)
    try:
        v = float(value)
    except (TypeError, ValueError):
        ok = False
    if not ok or not math.isfinite(v) or v < 0 or not v.is_integer():
        msg = (
            f"sites_per_tier[{tier!r}] {which} must be a whole non-negative number of sites "
            f"(e.g. hub: 2, or edge: {{min: 400, max: 600}}); got {value!r}."
        )
        raise SpecError(msg)
    return int(v)


def candidate_pairs(
    demand_lonlat: np.ndarray,
    site_lonlat: np.ndarray,
    tiers: np.ndarray,
    nearest: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (demand, site) to consider and their straight-line distance in metres.

    With ``nearest[tier] = k`` each demand point considers only its ``k`` nearest candidates
    of that tier (a planning rule that keeps the model sparse at city scale); otherwise all.
    """
    from scipy.spatial import cKDTree

    n = len(demand_lonlat)
    lat0 = math.radians(float(np.mean(demand_lonlat[:, 1])))
    scale = np.array([111_320.0 * math.cos(lat0), 110_574.0])
    d_xy = demand_lonlat * scale
    rows, cols = [], []
    for t in sorted(set(tiers.tolist())):
        members = np.flatnonzero(tiers == t)
        k = nearest.get(t)
        if k is None or int(k) >= len(members):
            rows.append(np.repeat(np.arange(n), len(members)))
            cols.append(np.tile(members, n))
            continue
        _, idx = cKDTree(site_lonlat[members] * scale).query(d_xy, k=int(k))
        idx = np.asarray(idx).reshape(n, -1)
        rows.append(np.repeat(np.arange(n), idx.shape[1]))
        cols.append(members[idx.ravel()])
    pi, pj = np.concatenate(rows), np.concatenate(cols)
    order = np.lexsort((pj, pi))
    pi, pj = pi[order], pj[order]
    dist = _pair_haversine(demand_lonlat[pi], site_lonlat[pj])
    return pi, pj, dist


def _pair_haversine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(len(a))
    step = 200_000
    for s in range(0, len(a), step):
        e = min(s + step, len(a))
        lon1, lat1, lon2, lat2 = map(np.radians, (a[s:e, 0], a[s:e, 1], b[s:e, 0], b[s:e, 1]))
        h = (
            np.sin((lat2 - lat1) / 2) ** 2
            + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
        )
        out[s:e] = 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    return out


@dataclass(frozen=True)
class ClassPairs:
    """Eligible pairs of one request class with the latency of each, in ms."""

    cls: RequestClass
    pair: np.ndarray  # indices into the candidate pairs
    network_ms: np.ndarray  # round trip
    queue_ms: np.ndarray
    inference_ms: np.ndarray
    excluded_by_budget: int

    @property
    def total_ms(self) -> np.ndarray:
        """End-to-end latency of each eligible pair."""
        return self.network_ms + self.queue_ms + self.inference_ms


def class_pairs(
    svc: ServiceModel, pj: np.ndarray, tiers: np.ndarray, oneway_ms: np.ndarray, base_ok: np.ndarray
) -> list[ClassPairs]:
    """Eligible pairs of every request class: its model runs there and the budget holds."""
    out = []
    pair_tier = tiers[pj]
    for c in svc.classes:
        runs = np.zeros(len(pj), bool)
        q = np.zeros(len(pj))
        inf = np.zeros(len(pj))
        for t in TIERS:
            mask = pair_tier == t
            if not mask.any() or t not in svc.models[c.model].service_ms:
                continue
            runs |= mask
            q[mask] = svc.queue_ms(c, t)
            inf[mask] = svc.inference_ms(c, t)
        rtt = 2.0 * oneway_ms
        ok = runs & base_ok
        total = rtt + q + inf
        within = ok if c.budget_ms is None else ok & (total <= c.budget_ms + 1e-9)
        idx = np.flatnonzero(within)
        out.append(ClassPairs(c, idx, rtt[idx], q[idx], inf[idx], int(ok.sum() - len(idx))))
    return out


def group_rows(pi: np.ndarray, pair_idx: np.ndarray, pj: np.ndarray, n: int) -> np.ndarray:
    """Group id per demand point: points with identical eligible site sets share a group."""
    keys: dict[bytes, int] = {}
    group = np.empty(n, dtype=np.int64)
    rows = pi[pair_idx]
    starts = np.searchsorted(rows, np.arange(n + 1))
    sites = pj[pair_idx]
    for i in range(n):
        k = sites[starts[i] : starts[i + 1]].tobytes()
        group[i] = keys.setdefault(k, len(keys))
    return group


def site_rows(
    m: int, nc: int, col: np.ndarray, site: np.ndarray, coef: np.ndarray, limit: np.ndarray
) -> sp.coo_array:
    """Rows ``sum coef x - limit y_j <= 0`` per site (``y`` are the first ``m`` columns)."""
    return sp.coo_array(
        (np.r_[coef, -limit], (np.r_[site, np.arange(m)], np.r_[col, np.arange(m)])),
        shape=(m, nc),
    )


__all__ = ["ClassPairs", "candidate_pairs", "class_pairs", "group_rows", "site_rows", "tier_counts"]
