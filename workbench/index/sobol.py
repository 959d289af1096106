"""Sobol sensitivity estimators on a Saltelli design, with bootstrap intervals and convergence.

The design has ``N`` base rows in two matrices ``A`` and ``B`` and, for each of ``G`` factor
groups, a matrix ``AB_g`` equal to ``A`` with group ``g``'s columns taken from ``B``. Outputs are
stored block by block: ``y = [y_A, y_B, y_AB_1, ..., y_AB_G]`` (length ``N (G + 2)``).

Estimators (Saltelli et al. 2010, *Comput. Phys. Commun.* 181: 259-270), applied to the
**centred** output ``(y - mean(y)) / sd(y)`` as SALib does; without centring the first-order
estimator carries the squared mean of ``y`` in its variance and converges slowly:

- first order ``S1_g = mean(y_B (y_AB_g - y_A)) / V``,
- total (Jansen 1999) ``ST_g = mean((y_A - y_AB_g)^2) / (2 V)``,

with ``V = var([y_A, y_B])``. Intervals: for a base sample made of ``R`` independently
scrambled Sobol sequences (randomised QMC), Student's t on the spread of the ``R`` replicate
estimates; otherwise a percentile bootstrap over the base rows (as SALib).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

COLUMNS = ["factor", "S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi"]
"""Columns of a Sobol table."""


def _split(y: np.ndarray, n: int, g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(A, B, AB)`` output blocks; ``AB`` is ``(n, g)``."""
    return y[:n], y[n : 2 * n], y[2 * n : (2 + g) * n].reshape(g, n).T


def _estimate(a: np.ndarray, b: np.ndarray, ab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """S1 and ST for blocks with rows on the second-to-last axis (bootstrap-ready)."""
    v = np.var(np.concatenate([a, b], axis=-1), axis=-1)
    v = np.where(v > 0, v, np.nan)[..., None]
    s1 = np.mean(b[..., None] * (ab - a[..., None]), axis=-2) / v
    st = 0.5 * np.mean((a[..., None] - ab) ** 2, axis=-2) / v
    return s1, st


def _table(names: Sequence[str], s1, s1_lo, s1_hi, st, st_lo, st_hi) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "factor": list(names),
            "S1": s1,
            "S1_lo": s1_lo,
            "S1_hi": s1_hi,
            "ST": st,
            "ST_lo": st_lo,
            "ST_hi": st_hi,
        }
    )[COLUMNS]


def _centred(y: np.ndarray) -> np.ndarray:
    sd = y.std()
    return (y - y.mean()) / (sd if sd > 0 else 1.0)


def _rows(y: np.ndarray, n: int, g: int, rows: np.ndarray) -> np.ndarray:
    """Return the outputs of the base rows ``rows`` only, in block layout."""
    a, b, ab = _split(y, n, g)
    return np.concatenate([a[rows], b[rows], ab[rows].T.ravel()])


def sobol_indices(
    y: np.ndarray,
    n: int,
    names: Sequence[str],
    *,
    n_boot: int = 200,
    seed: int | np.random.SeedSequence = 0,
    conf: float = 0.95,
    blocks: int = 1,
) -> pd.DataFrame:
    """First-order and total Sobol indices with intervals, on centred outputs.

    Parameters
    ----------
    y
        Outputs in blocks ``[A, B, AB_1, ..., AB_G]``, each of length ``n``.
    n
        Base sample size ``N``.
    names
        Factor (group) names, in the order of the ``AB`` blocks.
    n_boot
        Bootstrap resamples of the base rows (when ``blocks == 1``).
    seed
        Seed of the bootstrap.
    conf
        Confidence level of the intervals.
    blocks
        Number of independently scrambled replicates the ``N`` base rows are made of (equal
        consecutive parts). With ``blocks > 1`` the interval is Student's t on the spread of the
        per-replicate estimates, the standard error estimate of randomised quasi-Monte Carlo;
        with ``1`` a percentile bootstrap over base rows (as SALib, which assumes independent
        rows).

    Returns
    -------
    pandas.DataFrame
        Columns ``factor S1 S1_lo S1_hi ST ST_lo ST_hi``, one row per factor.
    """
    g = len(names)
    y = np.asarray(y, dtype=float)
    if y.size < n * (g + 2):
        msg = (
            f"`y` has {y.size} outputs; a Saltelli design with N={n} and {g} factors has "
            f"{n * (g + 2)}."
        )
        raise ValueError(msg)
    a, b, ab = _split(_centred(y[: n * (g + 2)]), n, g)
    s1, st = _estimate(a, b, ab)
    if blocks > 1:
        from scipy import stats

        per = n // blocks
        est = []
        for k in range(blocks):
            yk = _centred(_rows(y, n, g, np.arange(k * per, (k + 1) * per)))
            est.append(_estimate(*_split(yk, per, g)))
        e1 = np.array([e[0] for e in est])
        et = np.array([e[1] for e in est])
        t = stats.t.ppf(0.5 + conf / 2, blocks - 1) / np.sqrt(blocks)
        h1, ht = t * e1.std(0, ddof=1), t * et.std(0, ddof=1)
        return _table(names, s1, s1 - h1, s1 + h1, st, st - ht, st + ht)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    bs1, bst = _estimate(a[idx], b[idx], ab[idx])
    q = [50 * (1 - conf), 50 * (1 + conf)]
    with np.errstate(invalid="ignore"):
        s1_lo, s1_hi = np.nanpercentile(bs1, q, axis=0)
        st_lo, st_hi = np.nanpercentile(bst, q, axis=0)
    return _table(names, s1, s1_lo, s1_hi, st, st_lo, st_hi)


def convergence(
    y: np.ndarray,
    n: int,
    names: Sequence[str],
    *,
    n_boot: int = 200,
    seed: int | np.random.SeedSequence = 0,
    blocks: int = 1,
) -> pd.DataFrame:
    """Widest S1 and ST intervals on growing prefixes of the base sample.

    The first ``m`` rows of a scrambled Sobol sequence are themselves a good design, so the
    estimates at a quarter, half and all of the rows (of each replicate when ``blocks > 1``)
    show how the intervals shrink (about as ``1 / sqrt(m)``, faster for smooth factors).

    Returns
    -------
    pandas.DataFrame
        ``n_base``, ``draws`` (``n_base (G + 2)``), ``max_S1_width``, ``max_ST_width`` and
        ``max_S1_change`` (largest change of an S1 estimate from the previous row).
    """
    import pandas as pd

    g = len(names)
    y = np.asarray(y, dtype=float)
    per = n // blocks
    sizes = sorted({m for m in (per // 8, per // 4, per // 2) if m >= 8} | {per})
    rows = []
    prev = None
    for m in sizes:
        sel = np.concatenate([np.arange(k * per, k * per + m) for k in range(blocks)])
        t = sobol_indices(
            _rows(y, n, g, sel), m * blocks, names, n_boot=n_boot, seed=seed, blocks=blocks
        )
        s1 = t["S1"].to_numpy()
        rows.append(
            {
                "n_base": m * blocks,
                "draws": m * blocks * (g + 2),
                "max_S1_width": float((t["S1_hi"] - t["S1_lo"]).max()),
                "max_ST_width": float((t["ST_hi"] - t["ST_lo"]).max()),
                "max_S1_change": float(np.nanmax(np.abs(s1 - prev)))
                if prev is not None
                else np.nan,
            }
        )
        prev = s1
    return pd.DataFrame(rows)


def draws_needed(table: pd.DataFrame, n: int, n_factors: int, target_width: float) -> int:
    """Draws for every S1 and ST interval to be narrower than ``target_width``.

    Extrapolates the widest interval of ``table`` (a Sobol table at base size ``n``) with the
    ``1 / sqrt(N)`` rate of Monte Carlo and quasi-Monte Carlo estimators of this kind.

    Parameters
    ----------
    table
        A Sobol table (:func:`sobol_indices`).
    n
        Its base sample size.
    n_factors
        Number of factor groups ``G`` (draws are ``N (G + 2)``).
    target_width
        Wanted interval width (e.g. ``0.1``).
    """
    if not target_width > 0:
        msg = f"`target_width` must be > 0 (e.g. 0.1); got {target_width!r}."
        raise ValueError(msg)
    width = float(
        np.nanmax(
            np.r_[
                (table["S1_hi"] - table["S1_lo"]).to_numpy(),
                (table["ST_hi"] - table["ST_lo"]).to_numpy(),
            ]
        )
    )
    n_need = max(int(math.ceil(n * (width / target_width) ** 2)), 2)
    return n_need * (n_factors + 2)


__all__ = ["COLUMNS", "convergence", "draws_needed", "sobol_indices"]
