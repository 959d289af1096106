"""The contract of a siting model, the ``siting_models`` registry, and shared helpers.

A siting model is a class derived from :class:`SitingModel`: settings go in ``__init__``
(validated there), and ``solve(problem, ...)`` returns a :class:`~workbench.siting.SitingResult`.
Plugins register classes in the entry-point group ``workbench.siting_models``; the registry
checks every class against :data:`SITING_MODEL_CONTRACT`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from workbench.errors import InfeasibleError, SpecError
from workbench.plugin_contracts import Contract
from workbench.plugins import Registry, get_registry
from workbench.siting.problem import Problem
from workbench.siting.result import SitingResult
from workbench.siting.solver import INFEASIBLE, OPTIMAL, SolveOutcome


class SitingModel(ABC):
    """Base class of every siting model (built-in or plugin).

    Subclasses set the class attributes and implement :meth:`solve`.

    Attributes
    ----------
    name
        Registry name (``"mclp"``).
    sense
        ``"min"`` or ``"max"``: the direction of the objective (what ``bound`` means).
    description
        One line shown by pickers and ``--help``.
    """

    name: ClassVar[str] = ""
    sense: ClassVar[str] = "min"
    description: ClassVar[str] = ""

    @abstractmethod
    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float | None = None,
        mip_rel_gap: float = 1e-6,
        threads: int | None = None,
    ) -> SitingResult:
        """Solve the model on ``problem``.

        Parameters
        ----------
        problem
            The validated problem.
        time_limit
            Seconds for the solver; when reached, the result is ``"feasible"`` with a bound.
        mip_rel_gap
            Relative gap at which the solver may stop.
        threads
            Solver threads.

        Returns
        -------
        SitingResult
            The result; raises :class:`~workbench.errors.InfeasibleError` when infeasible.
        """

    def params(self) -> dict[str, Any]:
        """Return the model's settings, for provenance (public attributes that are plain values)."""
        return {
            k: v
            for k, v in vars(self).items()
            if not k.startswith("_") and isinstance(v, (int, float, str, bool, type(None)))
        }


SITING_MODEL_CONTRACT = Contract(
    "siting_models",
    "class",
    base=SitingModel,
    methods={"solve": ("problem",)},
    overrides=("solve",),
    attributes={"sense": ("min", "max")},
    doc="a SitingModel subclass; Model(**settings).solve(problem, *, time_limit, "
    "mip_rel_gap, threads) -> SitingResult; class attributes name, sense, description",
)
"""What a siting-model plugin must look like (checked when it loads)."""


def registry() -> Registry:
    """Return the ``siting_models`` registry."""
    return get_registry("siting_models", "siting model", contract=SITING_MODEL_CONTRACT)


def check_p(p: Any, problem: Problem, *, name: str = "p", minimum: int = 1) -> int:
    """Validate a number of sites against the problem."""
    if p is None or isinstance(p, bool) or not float(p).is_integer():
        msg = f"`{name}` must be a whole number of sites; got {p!r}. Pass e.g. {name}=5."
        raise SpecError(msg)
    p = int(p)
    if p < minimum:
        msg = f"`{name}` must be at least {minimum}; got {p}. Choose how many sites to open."
        raise SpecError(msg)
    if p > problem.n_sites:
        msg = (
            f"`{name}` must be at most the number of candidate sites ({problem.n_sites}); got "
            f"{name}={p}. Lower {name} or add candidate sites."
        )
        raise SpecError(msg)
    n_ex = int(problem.existing.sum())
    if n_ex > p:
        msg = (
            f"`{name}`={p} is smaller than the {n_ex} existing sites that must stay open. "
            f"Raise {name} to at least {n_ex} or unmark some existing sites."
        )
        raise SpecError(msg)
    return p


def check_radius(radius: Any) -> float:
    """Validate a service radius."""
    try:
        r = float(radius)
    except (TypeError, ValueError):
        r = math.nan
    if not math.isfinite(r) or r < 0:
        msg = f"`radius` must be a finite non-negative distance; got {radius!r}."
        raise SpecError(msg)
    return r


def coverage(problem: Problem, radius: float) -> sp.csr_array:
    """Sparse 0/1 coverage matrix ``a[i, j] = costs[i, j] <= radius``."""
    rows, cols = np.nonzero(problem.costs <= radius)
    data = np.ones(len(rows), dtype=np.float64)
    return sp.csr_array((data, (rows, cols)), shape=problem.costs.shape)


def uncoverable_error(problem: Problem, a: sp.csr_array, radius: float, need: int = 1) -> None:
    """Raise :class:`InfeasibleError` when some (weighted) demand has fewer than ``need`` sites."""
    counts = np.diff(a.indptr)
    bad = np.flatnonzero((counts < need) & (problem.weights > 0))
    if not len(bad):
        return
    i = int(bad[0])
    order = np.argsort(problem.costs[i])
    near = problem.site_ids[order[need - 1]] if len(order) >= need else None
    dist = problem.costs[i, order[need - 1]] if len(order) >= need else math.nan
    kth = np.sort(problem.costs[bad], axis=1)[:, min(need, problem.n_sites) - 1]
    needed = float(kth.max())
    names = ", ".join(repr(problem.demand_ids[k]) for k in bad[:5])
    more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
    msg = (
        f"Infeasible: demand {names}{more} cannot be covered {need} time(s) within radius "
        f"{radius:g}: demand {problem.demand_ids[i]!r} has {int(counts[i])} candidate site(s) "
        f"in range; the {'nearest' if need == 1 else f'{need}th nearest'} is {near!r} at "
        f"{dist:g}. Increase the radius (to at least {needed:g} to reach every listed demand), "
        f"add candidate sites, or drop that demand."
    )
    raise InfeasibleError(msg)


def nearest_assignment(problem: Problem, open_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each demand's nearest open site (column index) and its distance."""
    sub = problem.costs[:, open_idx]
    k = np.argmin(sub, axis=1)
    return open_idx[k], sub[np.arange(problem.n_demand), k]


def fixed_bounds(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Lower/upper bounds of the site variables (existing sites fixed to 1)."""
    lo = problem.existing.astype(np.float64)
    return lo, np.ones(problem.n_sites)


def build_result(
    model: SitingModel,
    problem: Problem,
    out: SolveOutcome,
    open_idx: np.ndarray,
    *,
    assign_idx: np.ndarray | None,
    objective: float | None = None,
    covered_weight: float | None = None,
    kpis: dict[str, Any] | None = None,
    method: str = "highs",
    bound: float | None = None,
    status: str | None = None,
    seconds: float | None = None,
) -> SitingResult:
    """Assemble a :class:`SitingResult` from a solver outcome and the chosen sites."""
    if out.status == INFEASIBLE:
        msg = (
            f"Infeasible: HiGHS proved that the {model.name} model has no solution with "
            f"{model.params()}. Relax the settings (more sites, larger radius or capacities)."
        )
        raise InfeasibleError(msg)
    selected = tuple(str(problem.site_ids[j]) for j in np.sort(open_idx))
    assignment = None
    dist = None
    if assign_idx is not None:
        dist = np.full(problem.n_demand, np.nan)
        ok = assign_idx >= 0
        dist[ok] = problem.costs[np.flatnonzero(ok), assign_idx[ok]]
        assignment = {
            str(problem.demand_ids[i]): str(problem.site_ids[assign_idx[i]])
            for i in np.flatnonzero(ok)
        }
    obj = out.objective if objective is None else objective
    bnd = out.bound if bound is None else bound
    st = status or out.status
    from workbench.siting.solver import relative_gap, status_from_gap

    gap = relative_gap(obj, bnd)
    if st == OPTIMAL:
        # "optimal" only when the proven bound and the objective agree
        st = status_from_gap(gap)
    info = dict(kpis or {})
    info.setdefault("n_selected", len(selected))
    if dist is not None and np.isfinite(dist).any():
        w = problem.weights
        okm = np.isfinite(dist)
        info.setdefault("mean_distance", float(np.sum(w[okm] * dist[okm]) / max(w.sum(), 1e-300)))
        info.setdefault("max_distance", float(np.max(dist[okm])))
    return SitingResult(
        model=model.name,
        status=st,
        objective=float(obj),
        bound=float(bnd),
        gap=float(gap),
        seconds=float(out.seconds if seconds is None else seconds),
        selected=selected,
        assignment=assignment,
        covered_weight=covered_weight,
        kpis=info,
        params=model.params(),
        method=method,
        demand_ids=tuple(str(d) for d in problem.demand_ids),
        site_ids=tuple(str(s) for s in problem.site_ids),
        distance=dist,
        site_xy=problem.site_xy,
        geographic=problem.geographic,
    )


__all__ = [
    "SitingModel",
    "build_result",
    "check_p",
    "check_radius",
    "coverage",
    "fixed_bounds",
    "nearest_assignment",
    "registry",
    "uncoverable_error",
]
