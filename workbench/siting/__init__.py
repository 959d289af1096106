"""Compute siting: where should the computing go.

Classic location models (set covering, backup covering, maximal covering, p-median, p-center,
p-dispersion, capacitated fixed-charge) solved exactly with HiGHS from sparse arrays, large-scale
heuristics with proven bounds (Lagrangian relaxation, greedy + fast interchange), a latency
model, and the multi-tier "2+M+X" plan (core hubs, edge nodes, upgraded data centres).

Examples
--------
>>> import numpy as np
>>> from workbench.siting import Problem, solve
>>> prob = Problem.from_matrix(np.array([[1.0, 4.0], [3.0, 1.0], [5.0, 2.0]]))
>>> res = solve(prob, "pmedian", p=1)
>>> res.status, res.selected, res.objective
('optimal', ('s1',), 7.0)
"""

from __future__ import annotations

from typing import Any

from workbench.siting.models import (
    CFLP,
    LSCP,
    MCLP,
    BackupCovering,
    PCenter,
    PDispersion,
    PMedian,
    SitingModel,
    registry,
)
from workbench.siting.problem import EARTH_RADIUS_M, Problem, haversine_matrix
from workbench.siting.result import SitingResult


def solve(
    problem: Problem,
    model: str,
    *,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-6,
    threads: int | None = None,
    **params: Any,
) -> SitingResult:
    """Solve a registered siting model by name.

    Parameters
    ----------
    problem
        The problem (see :class:`Problem`).
    model
        A name from the ``siting_models`` registry (``lscp``, ``backup``, ``mclp``, ``pmedian``,
        ``pcenter``, ``pdispersion``, ``cflp`` or a plugin's).
    time_limit, mip_rel_gap, threads
        Solver settings.
    **params
        The model's settings (``p``, ``radius``, ``capacitated``...).

    Returns
    -------
    SitingResult
        The result (``status`` says whether optimality is proven).
    """
    cls = registry().get(model)
    try:
        instance = cls(**params)
    except TypeError as exc:
        from workbench.errors import SpecError

        msg = f"Bad settings for siting model '{model}': {exc}. See help({cls.__name__})."
        raise SpecError(msg) from exc
    return instance.solve(problem, time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads)


def __getattr__(name: str) -> Any:
    lazy = {
        "LatencyModel": "workbench.siting.latency",
        "plan": "workbench.siting.plan",
        "plan_scenario": "workbench.siting.plan",
        "PlanResult": "workbench.siting.plan",
        "large_pmedian": "workbench.siting.large",
        "large_mclp": "workbench.siting.large",
        "read_orlib_pmed": "workbench.siting.io",
        "read_costs_csv": "workbench.siting.io",
    }
    if name in lazy:
        import importlib

        return getattr(importlib.import_module(lazy[name]), name)
    msg = f"module 'workbench.siting' has no attribute '{name}'"
    raise AttributeError(msg)


__all__ = [
    "CFLP",
    "EARTH_RADIUS_M",
    "LSCP",
    "MCLP",
    "BackupCovering",
    "PCenter",
    "PDispersion",
    "PMedian",
    "Problem",
    "SitingModel",
    "SitingResult",
    "LatencyModel",
    "PlanResult",
    "haversine_matrix",
    "large_mclp",
    "large_pmedian",
    "plan",
    "plan_scenario",
    "read_costs_csv",
    "read_orlib_pmed",
    "registry",
    "solve",
]
