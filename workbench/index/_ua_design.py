"""Design half of the uncertainty analysis: factors, compatibility and the quasi-random sample.

Factors follow COINr's ``get_sensitivity`` and the JRC audits of composite indicators:

- ``weights:<DIM>``: one group per dimension (child of the root), holding the weight of the
  dimension and of every node below it, each ``w (1 + noise (2u - 1))``;
- ``exclusion``: each indicator left out (weight 0) with probability ``exclusion`` (one
  switch per indicator, one factor for all; a parent never loses all its children);
- ``imputation``, ``data_noise`` (which noisy replicate of the data), ``treatment``,
  ``normalisation``, ``aggregation``: discrete choices, uniform over their levels.

Every factor is read off a scrambled Sobol sequence (:class:`scipy.stats.qmc.Sobol`), the
discrete ones (level ``floor(u L)``) in its lowest dimensions; with ``blocks`` the sample is
made of independently scrambled sequences, randomised-QMC replicates for the intervals. Pairs
of normalisation and aggregation that cannot go together (a geometric or harmonic mean of
scores <= 0, e.g. after z-scores) are found before any draw: refused with a message naming
the pair, or merged into one joint factor over the compatible pairs only, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workbench.errors import SpecError
from workbench.index._ua_eval import Model, needs_positive

CHOICES = ("imputation", "data_noise", "treatment", "normalisation", "aggregation")


@dataclass(frozen=True)
class Factor:
    """One factor (group) of the design.

    Attributes
    ----------
    name : str
        ``weights:<DIM>``, ``exclusion``, a choice name, or ``normalisation x aggregation``.
    kind : str
        ``"weights"``, ``"exclusion"``, ``"choice"`` or ``"joint"``.
    columns : tuple of int
        Columns of the unit sample this factor reads.
    members : tuple
        Weighted-node positions (weights, exclusion) or level pairs (joint).
    """

    name: str
    kind: str
    columns: tuple[int, ...]
    members: tuple = ()


@dataclass(frozen=True)
class Design:
    """A sample of the factors and what it means for each draw."""

    factors: tuple[Factor, ...]
    u: np.ndarray
    n_base: int
    sobol: bool
    wmat: np.ndarray
    choice: dict[str, np.ndarray]
    notes: tuple[str, ...] = field(default=())
    blocks: int = 1


def sobol_points(dim: int, n: int, seed: np.random.SeedSequence) -> np.ndarray:
    """``n`` scrambled Sobol points in ``[0, 1)^dim`` (any ``n``; powers of 2 balance best)."""
    import warnings

    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # n need not be a power of 2
        return qmc.Sobol(dim, scramble=True, seed=np.random.default_rng(seed)).random(n)


def incompatible_pairs(model: Model) -> list[tuple[int, int]]:
    """``(normalisation level, aggregation level)`` pairs that cannot be computed."""
    return [
        (ni, ai)
        for ni, ok in enumerate(model.positive)
        for ai, a in enumerate(model.levels["aggregation"])
        if not ok and needs_positive(a, model.power_p)
    ]


def _factors(
    model: Model, weight_noise: float, exclusion: float, incompatible: str
) -> tuple[list[tuple[str, str, int, tuple]], list[str]]:
    """``(name, kind, columns, members)`` of every factor, and notes."""
    fw = model.framework
    wpos = {c: i for i, c in enumerate(model.weighted)}
    out: list[tuple[str, str, int, tuple]] = []
    notes: list[str] = []
    if weight_noise > 0:
        for d in fw.children(fw.root):
            members = tuple(wpos[c] for c in (d, *fw.descendants(d)) if c in wpos)
            out.append((f"weights:{d}", "weights", len(members), members))
    if exclusion > 0:
        members = tuple(wpos[c] for c in fw.indicators)
        out.append(("exclusion", "exclusion", len(members), members))
    for name in ("imputation", "data_noise", "treatment"):
        if len(model.levels[name]) > 1:
            out.append((name, "choice", 1, ()))
    bad = incompatible_pairs(model)
    norms, aggs = model.levels["normalisation"], model.levels["aggregation"]
    if bad:
        names = ", ".join(
            f"normalisation '{norms[n]}' with aggregation '{aggs[a]}'" for n, a in bad
        )
        if incompatible == "refuse":
            msg = (
                f"Incompatible alternatives: {names}. Rule: the {aggs[bad[0][1]]} mean needs "
                f"scores > 0, and '{norms[bad[0][0]]}' gives scores <= 0. Fix: drop one of the "
                "pair, normalise to a range above 0 (e.g. {method: minmax, range: [1, 100]}), or "
                "pass incompatible='exclude' to leave such pairs out of the design."
            )
            raise SpecError(msg)
        pairs = tuple(
            (n, a) for n in range(len(norms)) for a in range(len(aggs)) if (n, a) not in bad
        )
        if not pairs:
            msg = (
                f"Every pair of normalisation and aggregation is incompatible ({names}). Fix: "
                "add an arithmetic mean or a normalisation with scores > 0."
            )
            raise SpecError(msg)
        notes.append(
            f"excluded from the design: {names} (scores <= 0 under a mean that needs them > 0); "
            f"normalisation and aggregation are varied together over the {len(pairs)} "
            "compatible pairs, as one factor 'normalisation x aggregation'"
        )
        if len(pairs) > 1:
            out.append(("normalisation x aggregation", "joint", 1, pairs))
        else:
            out.append(("normalisation x aggregation", "fixed", 0, pairs))
    else:
        for name in ("normalisation", "aggregation"):
            if len(model.levels[name]) > 1:
                out.append((name, "choice", 1, ()))
    return out, notes


def build_design(
    model: Model,
    *,
    weight_noise: float,
    exclusion: float,
    incompatible: str,
    n_draws: int,
    sobol: bool,
    seed: np.random.SeedSequence,
    blocks: int = 1,
) -> Design:
    """Build the factors and sample them (a Saltelli design when ``sobol``)."""
    specs, notes = _factors(model, weight_noise, exclusion, incompatible)
    varied = [s for s in specs if s[2] > 0]
    if not varied:
        msg = (
            "Nothing is uncertain: set weight_noise > 0, exclusion > 0 or data_noise > 0, or "
            "give alternatives to vary."
        )
        raise SpecError(msg)
    factors: list[Factor] = []
    col = 0
    for name, kind, size, members in specs:
        factors.append(Factor(name, kind, tuple(range(col, col + size)), members))
        col += size
    dim = col
    # One scrambled Sobol sequence; its low dimensions (the best 2-D projections) go to the
    # discrete factors and exclusion switches, then the continuous weights. With ``blocks``
    # the base sample is made of independently scrambled sequences (randomised QMC
    # replicates), whose spread gives honest intervals (a bootstrap over QMC rows assumes
    # independent rows and overstates the error).
    cont = [c for f in factors if f.kind == "weights" for c in f.columns]
    disc = [c for f in factors if f.kind != "weights" for c in f.columns]
    n_base = max(n_draws // (len(varied) + 2), 2) if sobol else n_draws
    width = 2 if sobol else 1
    order = [k * dim + c for k in range(width) for c in disc] + [
        k * dim + c for k in range(width) for c in cont
    ]
    n_blocks = blocks if sobol and blocks > 1 and n_base >= 8 * blocks else 1
    n_per = n_base // n_blocks
    n_base = n_per * n_blocks
    base = np.empty((n_base, width * dim))
    for b, s in enumerate(seed.spawn(n_blocks)):
        base[b * n_per : (b + 1) * n_per, order] = sobol_points(width * dim, n_per, s)
    if sobol:
        a_mat, b_mat = base[:, :dim], base[:, dim:]
        mats = [a_mat, b_mat]
        for f in factors:
            if not f.columns:
                continue
            ab = a_mat.copy()
            ab[:, list(f.columns)] = b_mat[:, list(f.columns)]
            mats.append(ab)
        u = np.vstack(mats)
    else:
        u = base
    wmat, choice = decode(model, factors, u, weight_noise, exclusion)
    return Design(
        factors=tuple(f for f in factors if f.columns),
        u=u,
        n_base=n_base,
        sobol=sobol,
        wmat=wmat,
        choice=choice,
        notes=tuple(notes),
        blocks=n_blocks,
    )


def decode(
    model: Model, factors: list[Factor], u: np.ndarray, weight_noise: float, exclusion: float
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Weights ``(draw, weighted node)`` and level indices per choice for a unit sample."""
    n = u.shape[0]
    wmat = np.broadcast_to(model.w0, (n, len(model.w0))).copy()
    choice = {k: np.zeros(n, dtype=int) for k in CHOICES}
    keep = np.ones_like(wmat, dtype=bool)
    for f in factors:
        block = u[:, list(f.columns)]
        if f.kind == "weights":
            m = list(f.members)
            wmat[:, m] = model.w0[m][None, :] * (1 + weight_noise * (2 * block - 1))
        elif f.kind == "exclusion":
            keep[:, list(f.members)] = block >= exclusion
        elif f.kind == "choice":
            levels = len(model.levels[f.name])
            choice[f.name] = np.minimum((block[:, 0] * levels).astype(int), levels - 1)
        elif f.kind in ("joint", "fixed"):
            pairs = np.asarray(f.members)
            k = (
                np.minimum((block[:, 0] * len(pairs)).astype(int), len(pairs) - 1)
                if f.columns
                else np.zeros(n, dtype=int)
            )
            choice["normalisation"] = pairs[k, 0]
            choice["aggregation"] = pairs[k, 1]
    if not keep.all():
        # a parent never loses all its children: re-include them where all were left out
        for _code, _kids, is_ind, wcols in model.structure:
            if not any(is_ind):
                continue
            cols = [c for c, ind in zip(wcols, is_ind, strict=True) if ind]
            none_left = ~keep[:, cols].any(axis=1)
            keep[np.ix_(none_left, cols)] = True
        wmat = np.where(keep, wmat, 0.0)
    return wmat, choice


__all__ = [
    "CHOICES",
    "Design",
    "Factor",
    "build_design",
    "decode",
    "incompatible_pairs",
    "sobol_points",
]
