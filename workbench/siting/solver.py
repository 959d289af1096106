"""A thin, honest wrapper around HiGHS (``highspy``) for mixed-integer programs in array form.

Models build their constraint matrix as a :mod:`scipy.sparse` matrix (no per-variable Python
loops) and call :func:`solve_milp`. The outcome says whether HiGHS *proved* optimality
(``"optimal"``), stopped at a limit with an incumbent (``"feasible"``, with the best bound and
gap), proved infeasibility (``"infeasible"``), or found nothing in time (``"unknown"``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

OPTIMAL = "optimal"
FEASIBLE = "feasible"
INFEASIBLE = "infeasible"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class SolveOutcome:
    """What HiGHS returned for one model.

    Attributes
    ----------
    status
        ``"optimal"`` (proven), ``"feasible"`` (limit reached with an incumbent),
        ``"infeasible"`` (proven) or ``"unknown"`` (limit reached without an incumbent).
    x
        Column values of the best solution (``None`` without one).
    objective
        Objective value of the best solution (NaN without one).
    bound
        Best proven bound on the optimum (lower for minimisation, upper for maximisation).
    gap
        Relative gap ``|objective - bound| / max(|objective|, 1e-9)`` (0 when proven optimal).
    seconds
        Wall-clock time of the solve.
    """

    status: str
    x: np.ndarray | None
    objective: float
    bound: float
    gap: float
    seconds: float


def relative_gap(objective: float, bound: float) -> float:
    """Relative gap between an incumbent objective and a bound, HiGHS' definition."""
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.inf
    diff = abs(objective - bound)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-9)


def solve_milp(
    c: np.ndarray,
    a: sp.spmatrix | sp.sparray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    integer: np.ndarray,
    *,
    maximize: bool = False,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-6,
    threads: int | None = None,
    start: np.ndarray | None = None,
    offset: float = 0.0,
    integral_objective: bool = False,
) -> SolveOutcome:
    """Solve ``min/max c @ x + offset`` s.t. ``row_lower <= A x <= row_upper`` and bounds.

    Parameters
    ----------
    c, a, row_lower, row_upper, col_lower, col_upper
        The model in array form; ``a`` is converted to CSR and passed with ``addRows``.
        Use ``numpy.inf`` for absent bounds.
    integer
        Boolean mask of the integer columns.
    maximize
        Maximise instead of minimise.
    time_limit
        Seconds; when HiGHS stops at it the result is ``"feasible"`` (never ``"optimal"``).
    mip_rel_gap
        Relative gap at which HiGHS may stop and call the solution optimal.
    threads
        Threads for HiGHS (default: HiGHS' own choice).
    start
        Optional feasible starting solution (column values) to warm-start the MIP.
    offset
        Constant added to the objective.
    integral_objective
        Every feasible objective value is an integer: HiGHS may stop once the gap is below 1
        (the bound then rounds up to the incumbent, which is proven optimal).

    Returns
    -------
    SolveOutcome
        The status, solution, objective, bound and gap.
    """
    import highspy

    t0 = time.perf_counter()
    n = int(len(c))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("random_seed", 0)
    if integral_objective:
        h.setOptionValue("mip_abs_gap", 1.0 - 1e-6)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    inf = h.getInfinity()

    def _clip(v: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(v, dtype=np.float64), -inf, inf)

    h.addVars(n, _clip(col_lower), _clip(col_upper))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(c, dtype=np.float64))
    csr = sp.csr_array(a)
    csr.sum_duplicates()
    if csr.shape[0]:
        h.addRows(
            int(csr.shape[0]),
            _clip(row_lower),
            _clip(row_upper),
            int(csr.nnz),
            csr.indptr.astype(np.int32),
            csr.indices.astype(np.int32),
            csr.data.astype(np.float64),
        )
    idx = np.flatnonzero(np.asarray(integer, dtype=bool)).astype(np.int32)
    if len(idx):
        types = np.full(len(idx), highspy.HighsVarType.kInteger)
        h.changeColsIntegrality(len(idx), idx, types)
    if offset:
        h.changeObjectiveOffset(float(offset))
    if maximize:
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=np.float64).tolist()
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    out = _outcome(h, highspy, bool(len(idx)), maximize, time.perf_counter() - t0)
    if integral_objective and out.status == OPTIMAL and math.isfinite(out.bound):
        bound = math.floor(out.bound + 1e-6) if maximize else math.ceil(out.bound - 1e-6)
        out = SolveOutcome(out.status, out.x, out.objective, float(bound),
                           relative_gap(out.objective, bound), out.seconds)  # fmt: skip
    return out


def _outcome(h, highspy, is_mip: bool, maximize: bool, seconds: float) -> SolveOutcome:  # noqa: ANN001
    ms = h.getModelStatus()
    info = h.getInfo()
    has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_sol else None
    obj = float(info.objective_function_value) if has_sol else math.nan
    status_enum = highspy.HighsModelStatus
    if ms == status_enum.kOptimal:
        bound = float(info.mip_dual_bound) if is_mip else obj
        if not math.isfinite(bound):
            bound = obj
        # HiGHS stops at mip_rel_gap; report the proven bound, and the gap it implies.
        return SolveOutcome(OPTIMAL, x, obj, bound, relative_gap(obj, bound), seconds)
    if ms in (status_enum.kInfeasible,):
        return SolveOutcome(INFEASIBLE, None, math.nan, math.nan, math.inf, seconds)
    if ms in (status_enum.kUnboundedOrInfeasible, status_enum.kUnbounded):
        return SolveOutcome(INFEASIBLE, None, math.nan, math.nan, math.inf, seconds)
    bound = float(info.mip_dual_bound) if is_mip else math.nan
    if not math.isfinite(bound):
        bound = math.inf if maximize else -math.inf
    if x is not None:
        return SolveOutcome(FEASIBLE, x, obj, bound, relative_gap(obj, bound), seconds)
    return SolveOutcome(UNKNOWN, None, math.nan, bound, math.inf, seconds)


__all__ = [
    "FEASIBLE",
    "INFEASIBLE",
    "OPTIMAL",
    "UNKNOWN",
    "SolveOutcome",
    "relative_gap",
    "solve_milp",
]
