"""A thin, honest wrapper around HiGHS (``highspy``) for mixed-integer programs in array form.

Models build their constraint matrix as a :mod:`scipy.sparse` matrix (no per-variable Python
loops) and call :func:`solve_milp`. The outcome says whether HiGHS *proved* optimality
(``"optimal"``), stopped at a limit with an incumbent (``"feasible"``, with the best bound and
gap), proved infeasibility (``"infeasible"``), or found nothing in time (``"unknown"``).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    import highspy

#: Relative gap under which ``bound`` and ``objective`` are taken to agree (proven optimal).
PROOF_TOL = 1e-6

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


_BANNER_LOCK = threading.Lock()
_BANNER_SHOWN = False
_VERBOSE = False


def set_verbose(verbose: bool) -> None:
    """Let HiGHS print its banner and log (``True``) or keep it silent (``False``, default)."""
    global _VERBOSE  # noqa: PLW0603 - a process-wide switch, like logging's level
    _VERBOSE = bool(verbose)


@contextlib.contextmanager
def _quiet_fd1() -> Iterator[None]:
    """Send file descriptor 1 (C-level stdout) to /dev/null for the block."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real fd 1 (embedded interpreters): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def new_highs() -> highspy.Highs:
    """Return a fresh ``highspy.Highs`` without the banner HiGHS prints on its first construction.

    HiGHS prints "Running HiGHS ... Copyright" when the first ``Highs()`` of a process is built,
    before any option can be set. The first construction runs with file descriptor 1 sent to
    ``/dev/null`` (unless :func:`set_verbose` was called with ``True``); later constructions print
    nothing. ``output_flag`` follows the verbose switch.
    """
    global _BANNER_SHOWN  # noqa: PLW0603 - the banner is printed once per process
    import highspy

    with _BANNER_LOCK:
        if not _BANNER_SHOWN and not _VERBOSE:
            with _quiet_fd1():
                h = highspy.Highs()
        else:
            h = highspy.Highs()
        _BANNER_SHOWN = True
    h.setOptionValue("output_flag", bool(_VERBOSE))
    return h


def status_from_gap(gap: float) -> str:
    """``"optimal"`` when a relative gap proves optimality (<= :data:`PROOF_TOL`), else feasible."""
    return OPTIMAL if gap <= PROOF_TOL else FEASIBLE


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
    h = new_highs()
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
    if integral_objective and out.x is not None and math.isfinite(out.bound):
        # every feasible objective is an integer, so the bound rounds towards the incumbent
        bound = math.floor(out.bound + 1e-6) if maximize else math.ceil(out.bound - 1e-6)
        gap = relative_gap(out.objective, bound)
        out = SolveOutcome(status_from_gap(gap), out.x, out.objective, float(bound), gap,
                           out.seconds)  # fmt: skip
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
            bound = obj if not is_mip else (math.inf if maximize else -math.inf)
        # HiGHS says "optimal" once it is inside mip_rel_gap: that is a proof only when the
        # proven bound and the objective agree; otherwise the solution is feasible, with its gap.
        gap = relative_gap(obj, bound)
        return SolveOutcome(status_from_gap(gap), x, obj, bound, gap, seconds)
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
    "PROOF_TOL",
    "SolveOutcome",
    "new_highs",
    "relative_gap",
    "set_verbose",
    "solve_milp",
    "status_from_gap",
]
