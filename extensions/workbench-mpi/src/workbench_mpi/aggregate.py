"""The Mazziotta-Pareto Index (MPI), written from the published method.

Mazziotta, M. and Pareto, A. (2016). On a generalized non-compensatory composite index for
measuring socio-economic phenomena. *Social Indicators Research* 127(3), 983-1003.

For units ``i = 1..n`` and indicators ``j = 1..m`` (already oriented so that higher is
better):

1. standardise every indicator across units to mean 100 and standard deviation 10::

       z_ij = 100 + 10 * (x_ij - M_j) / S_j

   with ``M_j`` and ``S_j`` the mean and the population standard deviation of indicator ``j``;
2. for every unit take the mean ``M_i``, the population standard deviation ``S_i`` and the
   coefficient of variation ``cv_i = S_i / M_i`` of its standardised values;
3. ``MPI-_i = M_i - S_i * cv_i`` (for phenomena where higher is better: imbalance is
   penalised) or ``MPI+_i = M_i + S_i * cv_i`` (where higher is worse).

With equal weights this is exactly the published index. With unequal weights ``w`` the mean
and standard deviation in step 2 are weighted (``sum w z / sum w`` and the weighted population
standard deviation), which reduces to the published formula for equal weights.
"""

from __future__ import annotations

import numpy as np
from workbench.errors import SpecError

_PENALTIES = {"negative": -1.0, "positive": 1.0}


def _standardise(x: np.ndarray, ref: np.ndarray, axis: int) -> np.ndarray:
    mean = np.nanmean(ref, axis=axis, keepdims=True)
    sd = np.nanstd(ref, axis=axis, keepdims=True, ddof=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = 100.0 + 10.0 * (x - mean) / np.where(sd > 0, sd, np.nan)
    # a constant indicator carries no information: every unit sits at the mean (100)
    return np.where((sd == 0) & ~np.isnan(x), 100.0, z)


def mpi(x: np.ndarray, w: np.ndarray, penalty: str = "negative") -> np.ndarray:
    """Mazziotta-Pareto Index of each unit over its children (index aggregator plugin).

    Parameters
    ----------
    x
        ``(..., units, k)`` child scores, higher = better (the workbench has applied the
        indicators' directions in the normalisation step). Each child is standardised across
        the units (axis ``-2``) to mean 100 and sd 10 before aggregation, so any linear
        normalisation before this step gives the same result.
    w
        Non-negative weights broadcasting against ``x``; equal weights give the published MPI.
    penalty
        ``"negative"`` (MPI-, default: imbalance lowers the score) or ``"positive"`` (MPI+,
        for indices where higher is worse).

    Returns
    -------
    numpy.ndarray
        ``(..., units)`` scores around 100. Missing children (NaN) are skipped; a unit with no
        child is NaN.
    """
    if penalty not in _PENALTIES:
        msg = f"`penalty` must be 'negative' (MPI-) or 'positive' (MPI+); got {penalty!r}."
        raise SpecError(msg)
    arr = np.asarray(x, dtype=float)
    if arr.ndim < 2:
        msg = (
            f"The MPI needs scores of several units: x must be (..., units, k); got shape "
            f"{arr.shape}."
        )
        raise SpecError(msg)
    z = _standardise(arr, arr, axis=-2)
    ok = ~np.isnan(z)
    wb = np.broadcast_to(np.asarray(w, dtype=float), z.shape)
    if np.any(wb < 0):
        msg = "MPI weights must be non-negative; got a negative weight. Fix the weights."
        raise SpecError(msg)
    wm = np.where(ok, wb, 0.0)
    tot = wm.sum(-1)
    zv = np.where(ok, z, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (wm * zv).sum(-1) / tot
        var = (wm * (zv - mean[..., None]) ** 2).sum(-1) / tot
        sd = np.sqrt(var)
        cv = sd / mean
        out = mean + _PENALTIES[penalty] * sd * cv
    return np.where(tot > 0, out, np.nan)


def mpi_standardise(x: np.ndarray, ref: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Standardise to the MPI scale: mean 100, population sd 10 over the reference units.

    ``z = 100 + 10 * (d x - mean(d ref)) / sd(d ref)`` with ``d`` the direction (index
    normaliser plugin; the mean and sd are learnt from ``ref``, the fit data, so later years
    keep the base year's scale).
    """
    x = np.asarray(x, dtype=float)
    ref = np.asarray(ref, dtype=float)
    d = np.asarray(direction, dtype=float)
    return _standardise(x * d, ref * d, axis=0)


__all__ = ["mpi", "mpi_standardise"]
