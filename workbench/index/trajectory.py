"""Development paths against a moving field: reaching the next tier by a target year.

Tiers are relative, so a city's path must outpace its peers, who move too. For one city:

1. **Feasible change** per indicator and year comes from the cube's own history (normalised
   points, on the bounds the pipeline fitted): the city's own linear trend over the observed
   years, and an upper bound on any city's yearly change, the ``quantile`` (default 90th
   percentile) of observed year-on-year changes of that indicator across all cities. The
   city can add, each year, at most ``max(bound - own trend, 0)`` points on top of its trend.
2. **The field moves**: every other city follows its own trend, with uncertainty from the
   residuals of its fit (the OLS prediction interval, simulated with a seed). A tier holds the
   same number of cities as in the base year, so the city is in the target tier in a year when
   fewer than that many others score above it.
3. **Least-effort plan**: the smallest extra improvement (total points, or total cost with a
   user table of cost per point) that puts the city in the target tier by ``target_year`` with
   probability at least ``probability``: a linear programme (HiGHS) on the score's gradient,
   checked afterwards by simulation. The plan is spread evenly over the years, within each
   year's bound.
4. **Honest reach**: when no plan within the observed rates reaches the tier by the target
   year, the earliest year that does is reported ("not reachable by 2030 at observed rates;
   reachable by 2032").

Assumptions, stated in :meth:`TierPath.describe`: indicators of different cities and of one
city move independently around their trends; normalised scores are not capped above the
fitted range (a city can pass the best value observed so far); the aggregation is the fitted
one (exact for arithmetic means, linearised otherwise and checked by simulation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.dims import CITY, INDICATOR, YEAR
from workbench.errors import DataError, InfeasibleError, SpecError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.index.result import IndexResult


@dataclass(frozen=True)
class TierPath:
    """A year-by-year path of one city to a target tier against a moving field.

    Attributes
    ----------
    reachable : bool
        Whether the target tier is reached by ``target_year`` (with ``probability``).
    reachable_year : int or None
        Earliest year it is reachable at observed rates (``target_year`` when reachable; a
        later year, or ``None`` when not even by ``base_year + horizon``).
    plan : pandas.DataFrame
        Extra normalised points per indicator and year on top of the city's own trend
        (columns ``year indicator name extra_points per_year_bound cost``); for the year the
        plan reaches (``plan_year``).
    timeline : pandas.DataFrame
        Per year: the city's score on its own trend and with the plan, the score it must beat
        (median and 10-90% band of the simulated field), and the probability of being in the
        target tier on trend and with the plan.
    """

    city: str
    tier_now: str
    target_tier: str
    base_year: int
    target_year: int
    plan_year: int | None
    reachable: bool
    reachable_year: int | None
    probability_target: float
    probability_on_trend: float
    probability_with_plan: float
    total_points: float
    total_cost: float
    plan: Any
    timeline: Any
    status: str
    params: dict

    @property
    def message(self) -> str:
        """One sentence on whether and when the target tier is reachable."""
        if self.status == "already_there":
            return f"{self.city} is already in {self.target_tier}."
        if self.status == "on_trend":
            return (
                f"{self.city} reaches {self.target_tier} by {self.target_year} on its own trend "
                f"(probability {self.probability_on_trend:.0%}); no extra effort is needed."
            )
        if self.reachable:
            return (
                f"{self.city} can reach {self.target_tier} by {self.target_year} at observed "
                f"rates (probability {self.probability_with_plan:.0%} with the plan, "
                f"{self.probability_on_trend:.0%} on its own trend)."
            )
        later = (
            f"reachable by {self.reachable_year}"
            if self.reachable_year is not None
            else f"not by {self.params['last_year']} either"
        )
        return (
            f"{self.city}: {self.target_tier} not reachable by {self.target_year} at observed "
            f"rates; {later}."
        )

    def describe(self) -> str:
        """Return the message, the timeline and the plan as plain text."""
        lines = [
            f"{self.city}: {self.tier_now} in {self.base_year} -> {self.target_tier} "
            f"(target {self.target_year}, wanted probability {self.probability_target:.0%})",
            "  " + self.message,
        ]
        if self.timeline is not None and len(self.timeline):
            lines.append("  year  on-trend  with-plan  to-beat [10-90%]     P(trend)  P(plan)")
            for _, r in self.timeline.iterrows():
                lines.append(
                    f"  {int(r['year'])}  {r['score_trend']:8.2f}  {r['score_plan']:9.2f}  "
                    f"{r['cutoff_median']:7.2f} [{r['cutoff_p10']:.1f}-{r['cutoff_p90']:.1f}]"
                    f"  {r['p_trend']:8.0%}  {r['p_plan']:7.0%}"
                )
        if self.plan is not None and len(self.plan):
            per = self.plan.groupby(["indicator", "name"], sort=False)["extra_points"].sum()
            per = per.sort_values(ascending=False)
            lines.append(
                f"  plan to {self.plan_year}: +{self.total_points:.1f} points in total"
                + (f", cost {self.total_cost:,.4g}" if np.isfinite(self.total_cost) else "")
                + " on top of the city's trend:"
            )
            for (code, name), pts in per.items():
                n_years = int((self.plan["indicator"] == code).sum())
                lines.append(
                    f"    {code} ({name}): +{pts:.2f} points (+{pts / max(n_years, 1):.2f}/year)"
                )
        lines.append(
            "  assumptions: peers follow their own trends with residual noise "
            f"({self.params['n_sims']} seeded simulations); per-year change bounded by the "
            f"{self.params['quantile']:.0%} quantile of observed year-on-year changes."
        )
        return "\n".join(lines)

    def to_dataframe(self) -> pd.DataFrame:
        """Return the timeline (one row per year)."""
        return self.timeline.copy()


# ---------------------------------------------------------------------- helpers
def _trends(x: np.ndarray, years: np.ndarray) -> tuple[np.ndarray, ...]:
    """OLS trend per (city, indicator) of ``x`` ``(year, city, indicator)``, NaN-aware.

    Returns slope, intercept (at year 0 of ``years - years.mean()``), residual sd, number of
    points, mean of t and Sxx, each ``(city, indicator)``.
    """
    t = (years - years.mean()).astype(float)[:, None, None]
    m = ~np.isnan(x)
    n = m.sum(0)
    tt = np.where(m, t, 0.0)
    xx = np.where(m, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        tbar = tt.sum(0) / n
        xbar = xx.sum(0) / n
        dt = np.where(m, t - tbar, 0.0)
        sxx = (dt**2).sum(0)
        slope = np.where(sxx > 0, (dt * np.where(m, x - xbar, 0.0)).sum(0) / sxx, 0.0)
        inter = xbar - slope * tbar
        res = np.where(m, x - (inter + slope * t), 0.0)
        sd = np.sqrt((res**2).sum(0) / np.maximum(n - 2, 1))
    sd = np.where(n >= 3, sd, np.nan)
    # where a series is too short for a residual sd, use the indicator's median over cities
    fill = np.nanmedian(sd, axis=0)
    sd = np.where(np.isnan(sd), np.nan_to_num(fill)[None, :], sd)
    return slope, inter, sd, n, tbar, sxx


def _scorer(result: IndexResult) -> Any:
    """Return ``f(x)`` giving top-node scores for indicator arrays ``(..., city, indicator)``."""
    from workbench.index._ua_eval import _vec_aggregate
    from workbench.index.steps import Aggregate

    fw = result.framework
    agg = next(s for s in result.steps if isinstance(s, Aggregate))
    methods = dict(getattr(agg, "methods_", {}) or {})
    p = float(agg.params.get("p", 2.0))
    inds = list(fw.indicators)
    weights = {a: fw.weights(a, result.weights) for a in fw.aggregates}

    def f(x: np.ndarray) -> np.ndarray:
        lead = x.shape[:-1]
        flat = x.reshape(-1, x.shape[-1])
        vals: dict[str, np.ndarray] = {c: flat[:, i] for i, c in enumerate(inds)}
        for a in fw.aggregates:
            kids = list(fw.children(a))
            xs = np.stack([vals[k] for k in kids], -1)
            w = np.array([[weights[a][k] for k in kids]])
            vals[a] = _vec_aggregate(methods.get(a, agg.method), xs, w, p)[0]
        return vals[fw.root].reshape(lead)

    return f


def _read_costs(costs: Any, inds: list[str]) -> np.ndarray:
    """Cost per normalised point for each indicator (NaN: not improvable)."""
    import pandas as pd

    if costs is None:
        return np.ones(len(inds))
    source = "`costs`"
    if isinstance(costs, str | Path):
        source = f"costs file {str(costs)!r}"
        p = Path(costs)
        if not p.exists():
            msg = f"{source} does not exist. Check the path."
            raise DataError(msg)
        costs = pd.read_csv(p)
    if isinstance(costs, pd.DataFrame):
        if not {"indicator", "cost"} <= set(costs.columns):
            msg = (
                f"{source} needs the columns 'indicator' and 'cost' (cost per normalised point); "
                f"it has {list(map(str, costs.columns))}. Rename or add them."
            )
            raise DataError(msg)
        costs = dict(zip(costs["indicator"].astype(str), costs["cost"], strict=True))
    if not isinstance(costs, Mapping):
        msg = f"`costs` must be a mapping, a DataFrame or a CSV path; got {type(costs).__name__}."
        raise SpecError(msg)
    for k, v in costs.items():
        if k not in inds:
            msg = f"{source} names '{k}', which is not an indicator.{did_you_mean(k, inds)}"
            raise DataError(msg)
        fv = float(v)
        if not np.isfinite(fv) or fv <= 0:
            msg = f"{source}: the cost of '{k}' must be a finite number > 0; got {v!r}."
            raise DataError(msg)
    return np.array([float(costs[i]) if i in costs else np.nan for i in inds])


class _Field:
    """The field of cities moving on their own trends, simulated (seeded), for one city.

    Parameters
    ----------
    x
        Normalised indicator values ``(year, city, indicator)`` of the observed years.
    years
        The observed years.
    score
        Top-node scores of indicator arrays ``(..., city, indicator)``.
    ci
        Position of the planning city.
    slots
        Cities in the target tier or better (the tier keeps its size).
    """

    def __init__(
        self,
        x: np.ndarray,
        years: np.ndarray,
        score: Any,
        ci: int,
        slots: int,
        n_sims: int,
        seed: int,
    ) -> None:
        self.years, self.score, self.ci, self.slots = years, score, ci, slots
        self.base = int(years[-1])
        self.slope, inter, self.sd, self.npts, self.tbar, self.sxx = _trends(x, years)
        self.last = np.where(
            np.isnan(x[-1]), inter + self.slope * (self.base - years.mean()), x[-1]
        )
        rng = np.random.default_rng(seed)
        self.z = rng.standard_normal((n_sims, *x.shape[1:]))

    def values(self, year: int) -> np.ndarray:
        """Simulate indicator values ``(sim, city, indicator)`` in ``year`` on trends."""
        h = year - self.base
        if h == 0:  # the base year is observed
            return np.broadcast_to(self.last, self.z.shape)
        t = year - self.years.mean()
        with np.errstate(invalid="ignore", divide="ignore"):  # OLS prediction interval
            lev = np.where(self.sxx > 0, (t - self.tbar) ** 2 / self.sxx, 0)
            pred_sd = self.sd * np.sqrt(1 + 1 / np.maximum(self.npts, 1) + lev)
        return (self.last + self.slope * h)[None] + pred_sd[None] * self.z

    def margin(self, year: int, extra: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per simulation: the score the city must beat, and its own score (plus ``extra``)."""
        v = self.values(year)
        if extra is not None:
            v = v.copy()
            v[:, self.ci] += extra
        s = self.score(v)
        others = np.delete(s, self.ci, axis=1)
        k = min(self.slots, others.shape[1])
        return -np.sort(-others, axis=1)[:, k - 1], s[:, self.ci]

    def gradient(self, at: np.ndarray, improvable: np.ndarray) -> np.ndarray:
        """Score change of the city per point of each of its indicators, at ``at``."""
        eye = np.vstack([at, at + np.eye(len(at))])
        s = self.score(eye[:, None, :])[:, 0]
        return np.where(improvable, s[1:] - s[0], 0.0)

    def least_effort(
        self,
        year: int,
        probability: float,
        ub: np.ndarray,
        price: np.ndarray,
        improvable: np.ndarray,
    ) -> np.ndarray | None:
        """Cheapest extra points by ``year`` for the tier with ``probability`` (None: none)."""
        from workbench.index.paths import _solve_lp

        cut, own = self.margin(year)
        need = float(np.quantile(cut - own, probability))
        if need <= 0:
            return np.zeros(len(ub))
        g = self.gradient(self.last[self.ci] + self.slope[self.ci] * (year - self.base), improvable)
        if float(g @ ub) < need:
            return None
        try:
            d, *_ = _solve_lp(price, g, need * 1.0001 + 1e-9, ub)
        except InfeasibleError:
            return None
        return d

    def timeline(self, d: np.ndarray, end: int) -> pd.DataFrame:
        """Per year to ``end``: scores on trend and with ``d`` spread evenly, and the bar."""
        import pandas as pd

        rows = []
        for y in range(self.base, end + 1):
            cut, own = self.margin(y)
            _, own_plan = self.margin(y, d * (y - self.base) / (end - self.base))
            rows.append(
                {
                    "year": y,
                    "score_trend": float(np.median(own)),
                    "score_plan": float(np.median(own_plan)),
                    "cutoff_median": float(np.median(cut)),
                    "cutoff_p10": float(np.quantile(cut, 0.1)),
                    "cutoff_p90": float(np.quantile(cut, 0.9)),
                    "p_trend": float(np.mean(own > cut)),
                    "p_plan": float(np.mean(own_plan > cut)),
                }
            )
        return pd.DataFrame(rows)


# ---------------------------------------------------------------------- main
def tier_path(
    result: IndexResult,
    city: str,
    *,
    target_year: int,
    target_tier: str | None = None,
    probability: float = 0.8,
    costs: Any = None,
    quantile: float = 0.9,
    n_sims: int = 500,
    seed: int = 0,
    horizon: int = 15,
) -> TierPath:
    """Least-effort year-by-year path of ``city`` to the next tier by ``target_year``.

    Parameters
    ----------
    result
        An index result on a multi-year cube (at least 3 years).
    city
        City code.
    target_year
        Year by which the city should be in the target tier (after the last observed year).
    target_tier
        Tier to reach (default: the next better tier).
    probability
        Wanted probability of being in the target tier in ``target_year``.
    costs
        Optional cost per normalised point for each indicator: a mapping, a DataFrame or a CSV
        path with columns ``indicator,cost``; indicators not listed are not improved. Without
        it the plan minimises total points.
    quantile
        Quantile of observed year-on-year changes (across cities) bounding any yearly change.
    n_sims
        Simulations of the field (seeded).
    seed
        Seed of the simulations.
    horizon
        How many years after the last observed year to search for when the target is out of
        reach.
    """
    import pandas as pd

    result._check_city(city)
    norm = result.normalised
    if YEAR not in norm["value"].dims or norm.sizes[YEAR] < 3:
        msg = (
            "A path against a moving field needs the cube's history: a result on at least 3 "
            "years (run the pipeline on the whole panel, without `year=`)."
        )
        raise SpecError(msg)
    years = np.array([int(y) for y in norm[YEAR].to_numpy()])
    base = int(years[-1])
    if not isinstance(target_year, int | np.integer) or target_year <= base:
        msg = (
            f"`target_year` must be a year after the last observed year {base}; got "
            f"{target_year!r}."
        )
        raise SpecError(msg)
    if not 0 < probability < 1:
        msg = f"`probability` must be in (0, 1), e.g. 0.8; got {probability!r}."
        raise SpecError(msg)
    if not 0.5 <= quantile < 1:
        msg = f"`quantile` must be in [0.5, 1), e.g. 0.9; got {quantile!r}."
        raise SpecError(msg)
    labels = list(result.tier_labels)
    tier_now = result.tier_of(city, base)
    pos = labels.index(tier_now)
    if target_tier is None:
        target_tier = labels[max(pos - 1, 0)]
    if target_tier not in labels:
        msg = (
            f"Unknown `target_tier` '{target_tier}'.{did_you_mean(target_tier, labels)} "
            f"Valid: {labels}."
        )
        raise SpecError(msg)
    tpos = labels.index(target_tier)
    inds = list(result.framework.indicators)
    x = norm["value"].sel({INDICATOR: inds}).transpose(YEAR, CITY, INDICATOR).to_numpy()
    x = np.asarray(x, dtype=float)
    cities = [str(c) for c in norm[CITY].to_numpy()]
    ci = cities.index(city)
    tiers = result._year_sel(result.tiers, base).to_pandas()
    slots = int(sum(1 for c in cities if str(tiers[c]) in labels[: tpos + 1]))
    cost = _read_costs(costs, inds)
    params = {
        "probability": probability,
        "quantile": quantile,
        "n_sims": n_sims,
        "seed": seed,
        "slots": slots,
        "last_year": base + horizon,
        "costs": costs is not None,
    }
    if tpos >= pos:
        return TierPath(
            city, tier_now, target_tier, base, int(target_year), None, True, base, probability,
            1.0, 1.0, 0.0, 0.0, pd.DataFrame(), pd.DataFrame(), "already_there", params,
        )  # fmt: skip

    fld = _Field(x, years, _scorer(result), ci, slots, n_sims, seed)
    bound = np.nanpercentile(np.diff(x, axis=0).reshape(-1, len(inds)), 100 * quantile, axis=0)
    improvable = ~np.isnan(cost) & ~np.isnan(fld.last[ci])
    head = np.where(improvable, np.maximum(bound - fld.slope[ci], 0.0), 0.0)
    price = np.where(improvable, np.nan_to_num(cost, nan=1.0), 1.0)

    def solve(year: int) -> np.ndarray | None:
        return fld.least_effort(year, probability, head * (year - base), price, improvable)

    delta = solve(int(target_year))
    plan_year: int | None = int(target_year)
    if delta is None:  # out of reach: the earliest year that works, within the horizon
        plan_year = None
        for y in range(int(target_year) + 1, base + horizon + 1):
            delta = solve(y)
            if delta is not None:
                plan_year = y
                break
    end = plan_year if plan_year is not None else int(target_year)
    span = end - base
    d = delta if delta is not None else np.zeros(len(inds))
    timeline = fld.timeline(d, end)
    names = {n.code: n.name for n in result.framework.nodes}
    plan_rows = [
        {
            "year": y,
            "indicator": code,
            "name": names.get(code, ""),
            "extra_points": float(d[i]) / span,
            "per_year_bound": float(head[i]),
            "cost": float(d[i]) / span * (cost[i] if costs is not None else 1.0),
        }
        for i, code in enumerate(inds)
        if d[i] > 1e-9
        for y in range(base + 1, end + 1)
    ]
    plan = pd.DataFrame(
        plan_rows, columns=["year", "indicator", "name", "extra_points", "per_year_bound", "cost"]
    )
    reachable_year = plan_year
    p_trend = float(timeline.loc[timeline["year"] == end, "p_trend"].iloc[0])
    p_plan = float(timeline.loc[timeline["year"] == end, "p_plan"].iloc[0])
    on_trend = delta is not None and not np.any(d > 1e-9)
    reachable = plan_year == int(target_year)
    status = (
        "on_trend" if on_trend and reachable else ("reachable" if reachable else "not_reachable")
    )
    return TierPath(
        city=city,
        tier_now=tier_now,
        target_tier=target_tier,
        base_year=base,
        target_year=int(target_year),
        plan_year=plan_year,
        reachable=reachable,
        reachable_year=reachable_year,
        probability_target=probability,
        probability_on_trend=p_trend,
        probability_with_plan=p_plan,
        total_points=float(d.sum()),
        total_cost=float(np.nansum(d * cost)) if costs is not None else float("nan"),
        plan=plan,
        timeline=timeline,
        status=status,
        params=params,
    )


__all__ = ["TierPath", "tier_path"]
