"""A siting-model plugin (``workbench.siting`` contract): greedy maximal covering."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from workbench.siting import Problem, SitingModel, SitingResult
from workbench.siting.models.base import build_result, check_p, check_radius, coverage
from workbench.siting.solver import FEASIBLE, SolveOutcome


class GreedyCover(SitingModel):
    """Open ``p`` sites greedily, each covering the most still-uncovered demand weight.

    Contract: a :class:`~workbench.siting.SitingModel` subclass with class attributes ``name``,
    ``sense`` (``"min"``/``"max"``) and ``description``; settings in ``__init__``;
    ``solve(problem, *, time_limit, mip_rel_gap, threads)`` returns a ``SitingResult``. A
    heuristic proves nothing, so it reports ``status="feasible"`` with an infinite bound.
    """

    name: ClassVar[str] = "template_greedy"
    sense: ClassVar[str] = "max"
    description: ClassVar[str] = "Greedy maximal covering (template plugin)"

    def __init__(self, radius: float, p: int) -> None:
        self.radius = check_radius(radius)
        self.p = p

    def solve(
        self,
        problem: Problem,
        *,
        time_limit: float | None = None,
        mip_rel_gap: float = 1e-6,
        threads: int | None = None,
    ) -> SitingResult:
        """Pick sites one by one (settings as in :meth:`SitingModel.solve`; limits unused)."""
        import time

        t0 = time.perf_counter()
        p = check_p(self.p, problem)
        a = coverage(problem, self.radius).tocsc()
        w = problem.weights.astype(float)
        open_mask = problem.existing.copy()
        covered = (a @ open_mask.astype(float)) > 0
        while open_mask.sum() < p:
            gain = a.T @ np.where(covered, 0.0, w)
            gain[open_mask] = -1.0
            j = int(np.argmax(gain))
            open_mask[j] = True
            covered |= a[:, [j]].toarray().ravel() > 0
        weight = float(w[covered].sum())
        out = SolveOutcome(FEASIBLE, None, weight, np.inf, np.inf, time.perf_counter() - t0)
        return build_result(
            self,
            problem,
            out,
            np.flatnonzero(open_mask),
            assign_idx=None,
            covered_weight=weight,
            kpis={"coverage_share": weight / max(w.sum(), 1e-300)},
            method="greedy",
        )
