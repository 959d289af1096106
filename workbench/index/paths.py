"""City development paths: profiles, peers, what-if and the path to the next tier.

"One location, one strategy": for one city, where it is strong or weak (against all cities
and against its tier peers), which cities resemble it, what a change of indicators would do
to its score, rank and tier, and the smallest improvement that lifts it into the next tier.

The path is an optimisation over normalised indicator points. When every node is aggregated
with the weighted arithmetic mean the index is linear in the indicators, and the problem is a
linear programme solved with HiGHS (``highspy``): the answer is labelled *optimal*. Otherwise
:func:`scipy.optimize.minimize` (SLSQP) finds a local solution, labelled *not proven optimal*.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.dims import CITY, INDICATOR, YEAR
from workbench.errors import InfeasibleError, SpecError, did_you_mean
from workbench.index._cube import has_year, indicator_codes, to_array, with_values
from workbench.index.steps import Aggregate, Normalise, Tier, Treat

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.index.result import IndexResult


def _indicator_frame(result: IndexResult, year: int | None) -> pd.DataFrame:
    inds = list(result.framework.indicators)
    da = result.scores.sel({INDICATOR: inds})
    da = result._year_sel(da, year)
    return da.to_pandas()


@dataclass(frozen=True)
class CityProfile:
    """Strengths, weaknesses and peers of one city (normalised indicator scores)."""

    city: str
    tier: str
    score: float
    rank: int
    table: Any
    strengths: tuple[str, ...]
    weaknesses: tuple[str, ...]
    strengths_vs_tier: tuple[str, ...]
    weaknesses_vs_tier: tuple[str, ...]
    peers: tuple[str, ...]

    def to_dataframe(self) -> pd.DataFrame:
        """Per-indicator table: score, mean of all, mean of tier peers, percentile, gaps."""
        return self.table.copy()

    def describe(self) -> str:
        """Return a short plain-text summary."""
        return (
            f"{self.city}: score {self.score:.2f}, rank {self.rank}, tier {self.tier}\n"
            f"  strengths (vs all): {', '.join(self.strengths)}\n"
            f"  weaknesses (vs all): {', '.join(self.weaknesses)}\n"
            f"  strengths (vs {self.tier} peers): {', '.join(self.strengths_vs_tier)}\n"
            f"  weaknesses (vs {self.tier} peers): {', '.join(self.weaknesses_vs_tier)}\n"
            f"  peer group: {', '.join(self.peers)}"
        )


def peer_group(result: IndexResult, city: str, k: int = 5, year: int | None = None) -> list[str]:
    """Return the ``k`` cities nearest to ``city`` by indicator profile (Euclidean, NaN-aware)."""
    result._check_city(city)
    df = _indicator_frame(result, year)
    x = df.to_numpy(dtype=float)
    me = x[list(df.index).index(city)]
    both = ~np.isnan(x) & ~np.isnan(me)[None, :]
    d = np.sqrt(np.where(both, (x - me) ** 2, 0.0).sum(1) / np.maximum(both.sum(1), 1))
    order = [df.index[i] for i in np.argsort(d, kind="stable") if df.index[i] != city]
    return [str(c) for c in order[:k]]


def profile(result: IndexResult, city: str, top: int = 5, year: int | None = None) -> CityProfile:
    """Strengths and weaknesses of ``city`` against all cities and against its tier peers.

    Parameters
    ----------
    result
        An index result.
    city
        City code.
    top
        Number of strengths and weaknesses to list.
    year
        Year of a multi-year result (default: the last).
    """
    import pandas as pd

    result._check_city(city)
    df = _indicator_frame(result, year)
    tiers = result._year_sel(result.tiers, year).to_pandas()
    tier = str(tiers[city])
    peers_t = [c for c in df.index if tiers[c] == tier and c != city]
    me = df.loc[city]
    pct = (df.rank(pct=True)).loc[city]
    table = pd.DataFrame(
        {
            "score": me,
            "mean_all": df.mean(),
            "mean_tier": df.loc[peers_t].mean() if peers_t else np.nan,
            "percentile": pct,
        }
    )
    sd = df.std().replace(0, np.nan)
    table["gap_all"] = (table["score"] - table["mean_all"]) / sd
    table["gap_tier"] = (table["score"] - table["mean_tier"]) / sd
    names = {n.code: n.name for n in result.framework.nodes}
    table.insert(0, "name", [names.get(i, "") for i in table.index])
    ok = table.dropna(subset=["gap_all"])
    okt = table.dropna(subset=["gap_tier"])
    score = float(result.score(year=year)[city])
    rank = int(
        result._year_sel(result.ranks, year).sel({INDICATOR: result.root, CITY: city}).item()
    )
    return CityProfile(
        city=city,
        tier=tier,
        score=score,
        rank=rank,
        table=table,
        strengths=tuple(ok["gap_all"].nlargest(top).index),
        weaknesses=tuple(ok["gap_all"].nsmallest(top).index),
        strengths_vs_tier=tuple(okt["gap_tier"].nlargest(top).index),
        weaknesses_vs_tier=tuple(okt["gap_tier"].nsmallest(top).index),
        peers=tuple(peer_group(result, city, k=top, year=year)),
    )


def _fitted(result: IndexResult, cls: type) -> Any:
    return next((s for s in result.steps if isinstance(s, cls)), None)


def after_normalise(result: IndexResult) -> list[Any]:
    """Return the fitted steps after normalisation (aggregation), without tiering."""
    idx = next(i for i, s in enumerate(result.steps) if isinstance(s, Normalise))
    return [s for s in result.steps[idx + 1 :] if not isinstance(s, Tier)]


def _rescore(result: IndexResult, normalised: Any) -> Any:
    cur = normalised
    for s in after_normalise(result):
        cur = s.transform(cur)
    return cur


def what_if(
    result: IndexResult,
    city: str,
    changes: Mapping[str, float],
    *,
    relative: bool = False,
    year: int | None = None,
) -> dict[str, Any]:
    """Change raw indicator values of ``city`` and see the new score, rank and tier.

    The fitted steps of ``result`` are reused (same imputation values, treatment caps,
    normalisation bounds and tier thresholds), so other cities' scores do not move.

    Parameters
    ----------
    result
        An index result.
    city
        City code.
    changes
        ``{indicator: new raw value}``, or relative changes (``0.1`` = +10 %) with
        ``relative=True``.
    relative
        Interpret ``changes`` as relative changes.
    year
        Year of a multi-year result (default: the last).

    Returns
    -------
    dict
        ``score_before``, ``score_after``, ``rank_before``, ``rank_after``, ``tier_before``,
        ``tier_after`` and ``scores`` (all nodes of the city after the change).
    """
    from workbench.index.result import rank_desc

    result._check_city(city)
    cube = result.data
    yi = 0
    if has_year(cube):
        yrs = [int(y) for y in cube[YEAR].to_numpy()]
        year = yrs[-1] if year is None else int(year)
        if year not in yrs:
            msg = f"`year`={year} is not in the result; it has {yrs}."
            raise SpecError(msg)
        yi = yrs.index(year)
    inds = indicator_codes(cube)
    for k, v in changes.items():
        if k not in inds:
            msg = f"`changes` names '{k}', which is not an indicator.{did_you_mean(k, inds)}"
            raise SpecError(msg)
        if not isinstance(v, int | float) or isinstance(v, bool) or not np.isfinite(v):
            msg = f"`changes['{k}']` must be a finite number; got {v!r}."
            raise SpecError(msg)
    # change the city's values in that year and run every year through the fitted steps, so
    # panel imputation and pooled bounds see the same data as the original run
    x = to_array(cube)
    ci = [str(c) for c in cube[CITY].to_numpy()].index(city)
    for k, v in changes.items():
        j = inds.index(k)
        x[yi, ci, j] = x[yi, ci, j] * (1 + v) if relative else v
    cur = with_values(cube, x)
    for s in result.steps:
        cur = s.transform(cur)
    if YEAR in cur.dims:
        cur = cur.sel({YEAR: year})
    root = result.root
    before = result._year_sel(result.scores, year).sel({INDICATOR: root}).to_pandas()
    after = cur["value"].sel({INDICATOR: root}).to_pandas()
    tiers_after = cur["tier"]
    node_scores = cur["value"].sel({CITY: city})
    ranks_after = rank_desc(after.to_numpy())
    cities = list(after.index)
    return {
        "city": city,
        "score_before": float(before[city]),
        "score_after": float(after[city]),
        "rank_before": int(
            result._year_sel(result.ranks, year).sel({INDICATOR: root, CITY: city}).item()
        ),
        "rank_after": int(ranks_after[cities.index(city)]),
        "tier_before": result.tier_of(city, year),
        "tier_after": str(tiers_after.sel({CITY: city}).item()),
        "scores": node_scores.to_pandas(),
    }


@dataclass(frozen=True)
class DevelopmentPath:
    """The smallest improvement that lifts a city into the next tier.

    Attributes
    ----------
    status : str
        ``"optimal"`` (LP solved to optimality by HiGHS), ``"local"`` (SLSQP, not proven
        optimal), ``"already_top"`` (nothing to do) or the solver's status.
    optimal : bool
        Whether the plan is proven optimal.
    improvements : pandas.DataFrame
        Per indicator: normalised score now, improvement in normalised points, and the raw
        change where the normalisation is linear (min-max without a log treatment).
    """

    city: str
    tier_before: str
    target_tier: str
    threshold: float
    score_before: float
    score_after: float
    improvements: Any
    status: str
    optimal: bool
    solver: str

    def describe(self) -> str:
        """Return a short plain-text summary."""
        if self.status == "already_top":
            return f"{self.city} is already in the top tier ({self.tier_before})."
        lines = [
            f"{self.city}: {self.tier_before} -> {self.target_tier} needs score >= "
            f"{self.threshold:.2f} (now {self.score_before:.2f}); plan reaches "
            f"{self.score_after:.2f} [{self.status}, {self.solver}]"
        ]
        for code, row in self.improvements.iterrows():
            raw = "" if np.isnan(row["delta_raw"]) else f" (raw {row['delta_raw']:+.4g})"
            lines.append(f"  {code}: +{row['delta_points']:.2f} points{raw}")
        return "\n".join(lines)


def development_path(
    result: IndexResult,
    city: str,
    *,
    cap: float | Mapping[str, float] = 20.0,
    target_tier: str | None = None,
    objective: str = "total",
    year: int | None = None,
) -> DevelopmentPath:
    """Smallest indicator improvement that lifts ``city`` over the next tier's threshold.

    Parameters
    ----------
    result
        An index result.
    city
        City code.
    cap
        Most a planner allows each indicator to improve, in normalised points (a number for
        all, or ``{indicator: cap}``; indicators missing from the mapping get 0).
    target_tier
        Tier to reach (default: the next better tier).
    objective
        ``"total"`` minimises the sum of improvement points; ``"relative"`` minimises the sum
        of improvements divided by their caps (share of each allowance used).
    year
        Year of a multi-year result (default: the last).

    Raises
    ------
    InfeasibleError
        When even every indicator raised by its cap does not reach the threshold.
    """
    import pandas as pd

    result._check_city(city)
    if objective not in ("total", "relative"):
        msg = f"`objective` must be 'total' or 'relative'; got {objective!r}."
        raise SpecError(msg)
    labels = list(result.tier_labels)
    tier = result.tier_of(city, year)
    score0 = float(result.score(year=year)[city])
    pos = labels.index(tier)
    if target_tier is None:
        if pos == 0:
            return DevelopmentPath(
                city,
                tier,
                tier,
                np.nan,
                score0,
                score0,
                pd.DataFrame(),
                "already_top",
                True,
                "none",
            )
        target_tier = labels[pos - 1]
    if target_tier not in labels:
        msg = (
            f"Unknown `target_tier` '{target_tier}'.{did_you_mean(target_tier, labels)} "
            f"Valid: {labels}."
        )
        raise SpecError(msg)
    tpos = labels.index(target_tier)
    if tpos >= pos:
        return DevelopmentPath(
            city,
            tier,
            target_tier,
            np.nan,
            score0,
            score0,
            pd.DataFrame(),
            "already_top",
            True,
            "none",
        )
    breaks = np.asarray(result.breaks)
    threshold = float(breaks[len(labels) - 2 - tpos])
    inds = list(result.framework.indicators)
    norm = result.normalised
    if has_year(norm):
        yrs = [int(y) for y in norm[YEAR].to_numpy()]
        norm = norm.sel({YEAR: [yrs[-1] if year is None else int(year)]})
    ncodes = indicator_codes(norm)
    base = to_array(norm)
    ci = [str(c) for c in norm[CITY].to_numpy()].index(city)
    cols = [ncodes.index(i) for i in inds]
    n_now = base[0, ci, cols]
    caps = np.array(
        [float(cap.get(i, 0.0)) if isinstance(cap, Mapping) else float(cap) for i in inds]
    )
    if np.any(caps < 0):
        msg = "`cap` values must be >= 0 normalised points."
        raise SpecError(msg)
    nstep = _fitted(result, Normalise)
    upper = np.full(len(inds), np.inf)
    rng = nstep.params.get("range") if nstep is not None and nstep.method == "minmax" else None
    if nstep is not None and nstep.method == "minmax":
        upper[:] = float((rng or (0, 100))[1])
    ub = np.where(np.isnan(n_now), 0.0, np.maximum(np.minimum(caps, upper - n_now), 0.0))

    def score_with(delta: np.ndarray) -> float:
        arr = base.copy()
        arr[0, ci, cols] = np.where(np.isnan(n_now), np.nan, n_now + delta)
        out = _rescore(result, with_values(norm, arr))
        return float(out["value"].sel({INDICATOR: result.root, CITY: city}).to_numpy().ravel()[0])

    need = threshold - score0
    agg = _fitted(result, Aggregate)
    linear = all(m == "arithmetic" for m in agg.methods_.values())
    best = score_with(ub)
    if best < threshold - 1e-9:
        msg = (
            f"{city} cannot reach {target_tier} (score >= {threshold:.2f}) within the caps: "
            f"raising every indicator by its cap gives {best:.2f}. Raise `cap` or target a "
            "nearer tier."
        )
        raise InfeasibleError(msg)
    cost = np.ones(len(inds)) if objective == "total" else 1.0 / np.where(caps > 0, caps, 1.0)
    if linear:
        g = np.array([(score_with(np.eye(len(inds))[i]) - score0) for i in range(len(inds))])
        delta, status, optimal, solver = _solve_lp(cost, g, need + 1e-6, ub)
    else:
        delta, status, optimal, solver = _solve_nlp(cost, score_with, threshold + 1e-6, ub)
    after = score_with(delta)
    ref = nstep.reference_ if nstep is not None else None
    tstep = _fitted(result, Treat)
    rows = []
    for i, code in enumerate(inds):
        if delta[i] <= 1e-9:
            continue
        raw = np.nan
        if nstep is not None and nstep.method == "minmax" and ref is not None:
            j = nstep.indicators_.index(code)
            logged = tstep is not None and tstep.rules_.get(code, {}).get("action") == "log"
            lo, hi = rng or (0, 100)
            col = ref[:, j] * nstep.direction_[j]
            span = np.nanmax(col) - np.nanmin(col)
            if not logged:
                raw = delta[i] / (hi - lo) * span * nstep.direction_[j]
        rows.append(
            {
                "indicator": code,
                "name": result.framework.node(code).name,
                "normalised_now": n_now[i],
                "delta_points": delta[i],
                "delta_raw": raw,
            }
        )
    table = pd.DataFrame(
        rows, columns=["indicator", "name", "normalised_now", "delta_points", "delta_raw"]
    )
    table = table.set_index("indicator").sort_values("delta_points", ascending=False)
    return DevelopmentPath(
        city, tier, target_tier, threshold, score0, after, table, status, optimal, solver
    )


def _quiet_highs() -> Any:
    """Return a ``Highs()`` without its banner (printed on construction, before options)."""
    import os
    import sys

    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


def _solve_lp(
    cost: np.ndarray, g: np.ndarray, need: float, ub: np.ndarray
) -> tuple[np.ndarray, str, bool, str]:
    """Min cost . d  s.t.  g . d >= need, 0 <= d <= ub (HiGHS)."""
    import highspy

    h = _quiet_highs()
    n = len(cost)
    h.addVars(n, np.zeros(n), ub)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost.astype(float))
    nz = np.flatnonzero(np.abs(g) > 0).astype(np.int32)
    h.addRow(float(need), highspy.kHighsInf, len(nz), nz, g[nz].astype(float))
    h.run()
    st = h.getModelStatus()
    label = h.modelStatusToString(st)
    if st != highspy.HighsModelStatus.kOptimal:
        msg = f"The development-path LP ended with status '{label}'; no plan is proven."
        raise InfeasibleError(msg)
    d = np.asarray(h.getSolution().col_value, dtype=float)
    return np.clip(d, 0, ub), "optimal", True, f"HiGHS {highspy.__name__} LP"


def _solve_nlp(
    cost: np.ndarray, f: Any, threshold: float, ub: np.ndarray
) -> tuple[np.ndarray, str, bool, str]:
    """SLSQP for non-linear aggregations (local solution, not proven optimal)."""
    from scipy.optimize import minimize

    x0 = ub * 0.5
    res = minimize(
        lambda d: float(cost @ d),
        x0,
        jac=lambda d: cost,
        bounds=list(zip(np.zeros_like(ub), ub, strict=True)),
        constraints=[{"type": "ineq", "fun": lambda d: f(d) - threshold}],
        method="SLSQP",
        options={"maxiter": 200},
    )
    d = np.clip(res.x, 0, ub)
    if f(d) < threshold - 1e-6:
        d = ub.copy()
        return d, "feasible (caps), not optimal", False, "scipy SLSQP"
    return d, "local", False, "scipy SLSQP (local optimum, not proven optimal)"


__all__ = ["CityProfile", "DevelopmentPath", "development_path", "peer_group", "profile", "what_if"]
