"""Uncertainty and sensitivity analysis of the index, vectorised over Monte Carlo draws.

Uncertain inputs: weight noise on every weighted node (``w * (1 + noise * (2u - 1))``),
alternative normalisations, alternative aggregators and alternative treatment settings. Draws
come from a scrambled Sobol sequence (:class:`scipy.stats.qmc.Sobol`). The expensive part,
aggregating the hierarchy under thousands of weight sets, is matrix algebra over all draws at
once; each discrete alternative (treatment x normalisation) is computed once. Draws are cut
into chunks run on threads (dask) or, with ``scheduler=``, on a Dask cluster.

Outputs: per-city rank statistics (nominal, mean, median, 5th/95th percentile), the
probability of each tier for each city, and first-order and total Sobol indices of the mean
absolute rank shift (Saltelli 2010 / Jansen estimators) with bootstrap intervals.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.dims import CITY, DRAW
from workbench.errors import SpecError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import xarray as xr

VECTOR_AGGREGATORS = ("arithmetic", "geometric", "harmonic", "power")


@dataclass(frozen=True)
class UncertaintyResult:
    """Result of :func:`uncertainty`.

    Attributes
    ----------
    cities : tuple of str
        City codes.
    ranks : numpy.ndarray
        ``(draw, city)`` ranks on the top node (1 = best).
    nominal_rank : numpy.ndarray
        Ranks of the nominal run.
    tier_probability : pandas.DataFrame
        Probability of each tier (columns, best first) for each city (rows).
    sobol : pandas.DataFrame or None
        First-order (``S1``) and total (``ST``) indices with bootstrap intervals per factor.
    params : dict
        Settings of the analysis (draws, seed, noise, alternatives...).
    """

    cities: tuple[str, ...]
    ranks: np.ndarray
    nominal_rank: np.ndarray
    nominal_tier: tuple[str, ...]
    tier_probability: Any
    sobol: Any = None
    params: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Per-city rank statistics and tier probabilities, sorted by nominal rank."""
        import pandas as pd

        r = self.ranks
        df = pd.DataFrame(
            {
                "code": list(self.cities),
                "nominal_rank": self.nominal_rank.astype(int),
                "nominal_tier": list(self.nominal_tier),
                "mean_rank": r.mean(0),
                "median_rank": np.median(r, 0),
                "rank_p05": np.percentile(r, 5, axis=0),
                "rank_p95": np.percentile(r, 95, axis=0),
            }
        )
        tp = self.tier_probability.reset_index(drop=True)
        tp.columns = [f"p_{c}" for c in tp.columns]
        return pd.concat([df, tp], axis=1).sort_values("nominal_rank").reset_index(drop=True)

    def to_xarray(self) -> xr.Dataset:
        """Ranks by draw and city, with the parameters in ``attrs``."""
        import json

        import xarray as xr

        ds = xr.Dataset(
            {
                "rank": ((DRAW, CITY), self.ranks),
                "nominal_rank": ((CITY,), self.nominal_rank),
                "tier_probability": (
                    (CITY, "tier"),
                    self.tier_probability.to_numpy(dtype=float),
                ),
            },
            coords={CITY: list(self.cities), "tier": list(self.tier_probability.columns)},
        )
        ds.attrs["params"] = json.dumps(self.params, default=str)
        if self.sobol is not None:
            ds.attrs["sobol"] = self.sobol.to_json(orient="records")
        return ds

    def to_dataframe(self) -> pd.DataFrame:
        """Return same as :meth:`summary`."""
        return self.summary()


# ---------------------------------------------------------------------- vectorised aggregation
def _vec_aggregate(method: str, x: np.ndarray, w: np.ndarray, p: float = 2.0) -> np.ndarray:
    """Aggregate children ``x`` under many weight sets.

    ``x`` is ``(C, k)`` (shared) or ``(D, C, k)``; ``w`` is ``(D, k)``; returns ``(D, C)``.
    Missing children are skipped and the weights renormalised.
    """
    mask = ~np.isnan(x)
    x0 = np.where(mask, x, 1.0)
    if method in ("geometric", "harmonic") or (method == "power" and p <= 0):
        if np.any(x0 <= 0):
            msg = (
                f"The {method} mean needs positive values; some normalised scores are <= 0. Use a "
                "normalisation range starting above 0, e.g. {method: minmax, range: [1, 100]}."
            )
            raise SpecError(msg)
    if method == "arithmetic":
        t = x0
    elif method == "geometric":
        t = np.log(x0)
    elif method == "harmonic":
        t = 1.0 / x0
    else:
        t = x0**p
    t = np.where(mask, t, 0.0)
    m = mask.astype(float)
    if x.ndim == 2:
        num = w @ t.T
        den = w @ m.T
    else:
        num = np.einsum("dck,dk->dc", t, w)
        den = np.einsum("dck,dk->dc", m, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.where(den > 0, num / den, np.nan)
    if method == "geometric":
        return np.exp(v)
    if method == "harmonic":
        return 1.0 / v
    if method == "power":
        return v ** (1.0 / p)
    return v


def _evaluate_chunk(
    x: np.ndarray,
    structure: list[tuple[str, list[int], list[bool], np.ndarray]],
    n_ind: int,
    method: str,
    wmat: np.ndarray,
    power_p: float,
) -> np.ndarray:
    """Top-node scores ``(D, C)`` for one discrete alternative and a chunk of weight draws.

    ``structure`` lists aggregates bottom-up: ``(code, child_positions, child_is_indicator,
    weight_columns)``; ``wmat`` is ``(D, n_nodes)`` raw weights of every weighted node.
    """
    scores: dict[int, np.ndarray] = {}
    last = None
    for pos, (_code, kids, is_ind, wcols) in enumerate(structure):
        w = wmat[:, wcols]
        w = w / w.sum(1, keepdims=True)
        if all(is_ind):
            s = _vec_aggregate(method, x[:, kids], w, power_p)
        else:
            parts = [
                np.broadcast_to(x[:, k], (w.shape[0], x.shape[0])) if ind else scores[k]
                for k, ind in zip(kids, is_ind, strict=True)
            ]
            s = _vec_aggregate(method, np.stack(parts, -1), w, power_p)
        scores[n_ind + pos] = s
        last = s
    assert last is not None
    return last


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Ranks along axis 1 (1 = best); ties broken by order (draw-level ranks)."""
    s = np.where(np.isnan(scores), -np.inf, scores)
    order = np.argsort(-s, axis=1, kind="stable")
    r = np.empty_like(order)
    rows = np.arange(s.shape[0])[:, None]
    r[rows, order] = np.arange(1, s.shape[1] + 1)[None, :]
    return r.astype(np.int32)


# ---------------------------------------------------------------------- main function
def uncertainty(
    cube: xr.Dataset,
    spec: Any = None,
    framework: Any = None,
    *,
    n_draws: int = 1000,
    seed: int = 0,
    weight_noise: float = 0.25,
    normalisations: Sequence[Any] | None = None,
    aggregations: Sequence[str] | None = None,
    treatments: Sequence[dict] | None = None,
    sobol: bool = False,
    n_boot: int = 200,
    year: int | None = None,
    chunk_size: int = 2000,
    scheduler: str | None = None,
    tier_rule: str | None = None,
) -> UncertaintyResult:
    """Monte Carlo uncertainty (and optionally Sobol sensitivity) analysis of the index.

    Parameters
    ----------
    cube, spec, framework
        As for :func:`workbench.index.run_index` (the spec gives the nominal choices).
    n_draws
        Total number of model evaluations (with ``sobol=True`` split as ``N (G + 2)`` for ``G``
        factor groups).
    seed
        Seed of the Sobol scrambling and bootstrap (child seeds via ``SeedSequence``).
    weight_noise
        Relative noise on every weight: ``w * (1 + noise * (2u - 1))``, ``u ~ U(0, 1)``.
    normalisations
        Alternative normalisations (method names or setting dicts); default: the spec's only.
    aggregations
        Alternative aggregators among arithmetic, geometric, harmonic, power.
    treatments
        Alternative treatment settings (dicts merged into the spec's ``treat`` step).
    sobol
        Estimate first-order and total Sobol indices (output: mean absolute rank shift).
    n_boot
        Bootstrap resamples for the Sobol intervals.
    year
        Year of a multi-year cube whose ranks are analysed (default: the last year). Every
        step is fitted on the whole cube as in the nominal run, so bounds pooled over years
        stay the same.
    chunk_size
        Draws evaluated together (memory ~ chunk x cities x nodes x 8 bytes).
    scheduler
        Dask scheduler address; chunks then run on that cluster via
        :func:`workbench.parallel.dask_client`.
    tier_rule
        ``"thresholds"`` (nominal tier thresholds applied to each draw's scores) or ``"sizes"``
        (nominal tier sizes applied to each draw's ranks). Default: thresholds when every
        draw uses the nominal normalisation, else sizes.
    """
    import pandas as pd

    from workbench.dims import YEAR
    from workbench.index._cube import has_year, indicator_codes, to_array
    from workbench.index.pipeline import Pipeline
    from workbench.index.steps import Aggregate, Normalise, Tier, Treat
    from workbench.index.steps.base import resolve_framework
    from workbench.index.steps.tier import assign

    if not isinstance(n_draws, int | np.integer) or n_draws < 2:
        msg = f"`n_draws` must be a whole number >= 2; got {n_draws!r}."
        raise SpecError(msg)
    if not 0 <= float(weight_noise) < 1:
        msg = f"`weight_noise` must be in [0, 1) (e.g. 0.25 for +/-25%); got {weight_noise!r}."
        raise SpecError(msg)
    if tier_rule not in (None, "thresholds", "sizes"):
        msg = f"`tier_rule` must be 'thresholds' or 'sizes'; got {tier_rule!r}."
        raise SpecError(msg)
    if isinstance(spec, Pipeline):
        pipe = spec
    elif spec is None:
        pipe = Pipeline([{"normalise": {"method": "minmax", "range": [0, 100]}}])
    elif isinstance(spec, str):
        pipe = Pipeline.from_yaml(spec)
    else:
        pipe = Pipeline.from_spec(spec)
    fw = resolve_framework(cube, framework)
    yi = 0
    if has_year(cube):
        years = [int(y) for y in cube[YEAR].to_numpy()]
        year = years[-1] if year is None else int(year)
        if year not in years:
            msg = f"`year`={year} is not in the cube; it has {years}."
            raise SpecError(msg)
        yi = years.index(year)
    # the pipeline runs on every year (bounds pooled as the spec says); draws vary one year
    nominal = pipe.run(cube, fw)
    steps = pipe.full_steps()
    agg_step = next(s for s in steps if isinstance(s, Aggregate))
    tier_step = next(s for s in steps if isinstance(s, Tier))
    nominal_method = agg_step.method
    aggs = list(aggregations or [nominal_method])
    for a in aggs:
        if a not in VECTOR_AGGREGATORS:
            msg = (
                f"Aggregator '{a}' cannot be used in the vectorised uncertainty analysis; choose "
                f"among {', '.join(VECTOR_AGGREGATORS)}."
            )
            raise SpecError(msg)
    if agg_step.by_node or any(fw.node(a).aggregation for a in fw.aggregates):
        msg = (
            "The uncertainty analysis applies one aggregator to every node; remove `by_node` and "
            "the framework's Aggregation column, or list the aggregators in `aggregations`."
        )
        raise SpecError(msg)
    norm_idx = next((i for i, s in enumerate(steps) if isinstance(s, Normalise)), None)
    treat_idx = next((i for i, s in enumerate(steps) if isinstance(s, Treat)), None)
    norms: list[dict] = []
    for n in normalisations or [None]:
        if n is None:
            norms.append(steps[norm_idx].get_params() if norm_idx is not None else {})
        elif isinstance(n, str):
            norms.append({"method": n})
        else:
            norms.append(dict(n))
    treats = [None] + [dict(t) for t in (treatments or [])]
    if treatments and treat_idx is None:
        msg = "`treatments` were given but the spec has no treat step to vary. Add one."
        raise SpecError(msg)

    # one pipeline run (without aggregation) per discrete alternative
    alt_x: dict[tuple[int, int], np.ndarray] = {}
    work = cube
    kept = nominal.cities
    for ti, t in enumerate(treats):
        for ni, nset in enumerate(norms):
            cur = work
            for i, s in enumerate(steps):
                if isinstance(s, Aggregate | Tier):
                    continue
                st = copy.deepcopy(s)
                if i == treat_idx and t is not None:
                    st = Treat(**{**s.get_params(), **t})
                if i == norm_idx:
                    st = Normalise(**nset)
                cur = st.fit_transform(cur, fw)
            x = to_array(cur)[yi]
            codes = indicator_codes(cur)
            x = x[:, [codes.index(c) for c in fw.indicators]]
            alt_x[(ti, ni)] = x
            if [str(c) for c in cur[CITY].to_numpy()] != kept:
                msg = (
                    "Screening differs between alternatives; keep screening outside the varied "
                    "steps."
                )
                raise SpecError(msg)

    # structure and nominal weights
    base_w = {a: fw.weights(a, nominal.weights) for a in fw.aggregates}
    weighted = [n.code for n in fw.nodes if n.parent is not None]
    wpos = {c: i for i, c in enumerate(weighted)}
    w0 = np.array([base_w[str(fw.node(c).parent)][c] for c in weighted])
    n_ind = len(fw.indicators)
    pos = {c: i for i, c in enumerate(fw.indicators)}
    for j, a in enumerate(fw.aggregates):
        pos[a] = n_ind + j
    structure = []
    for a in fw.aggregates:
        kids = list(fw.children(a))
        structure.append(
            (
                a,
                [pos[k] for k in kids],
                [fw.node(k).type == "Indicator" for k in kids],
                np.array([wpos[k] for k in kids]),
            )
        )

    # design: factor groups and Sobol sample
    groups: list[tuple[str, int]] = []
    if weight_noise > 0:
        groups.append(("weights", len(weighted)))
    if len(treats) > 1:
        groups.append(("treatment", 1))
    if len(norms) > 1:
        groups.append(("normalisation", 1))
    if len(aggs) > 1:
        groups.append(("aggregation", 1))
    if not groups:
        msg = "Nothing is uncertain: set weight_noise > 0 or give alternatives to vary."
        raise SpecError(msg)
    dim = sum(g[1] for g in groups)
    ss = np.random.SeedSequence(seed)
    s_sample, s_boot = ss.spawn(2)
    n_groups = len(groups)
    if sobol:
        n_base = max(n_draws // (n_groups + 2), 2)
        base = _sobol_points(2 * dim, n_base, s_sample)
        a_mat, b_mat = base[:, :dim], base[:, dim:]
        blocks = [a_mat, b_mat]
        start = 0
        for _, size in groups:
            ab = a_mat.copy()
            ab[:, start : start + size] = b_mat[:, start : start + size]
            blocks.append(ab)
            start += size
        u = np.vstack(blocks)
    else:
        n_base = n_draws
        u = _sobol_points(dim, n_draws, s_sample)
    n_total = u.shape[0]
    col = 0
    wmat = np.broadcast_to(w0, (n_total, len(weighted))).copy()
    t_choice = np.zeros(n_total, dtype=int)
    n_choice = np.zeros(n_total, dtype=int)
    a_choice = np.zeros(n_total, dtype=int)
    for name, size in groups:
        block = u[:, col : col + size]
        if name == "weights":
            wmat = w0[None, :] * (1 + weight_noise * (2 * block - 1))
        elif name == "treatment":
            t_choice = np.minimum((block[:, 0] * len(treats)).astype(int), len(treats) - 1)
        elif name == "normalisation":
            n_choice = np.minimum((block[:, 0] * len(norms)).astype(int), len(norms) - 1)
        else:
            a_choice = np.minimum((block[:, 0] * len(aggs)).astype(int), len(aggs) - 1)
        col += size

    # evaluate, grouped by discrete alternative, in chunks
    power_p = float(agg_step.params.get("p", 2.0))
    tasks = []
    for ti in range(len(treats)):
        for ni in range(len(norms)):
            for ai in range(len(aggs)):
                idx = np.flatnonzero((t_choice == ti) & (n_choice == ni) & (a_choice == ai))
                for c0 in range(0, idx.size, chunk_size):
                    sel = idx[c0 : c0 + chunk_size]
                    tasks.append((sel, alt_x[(ti, ni)], aggs[ai], wmat[sel]))
    top = np.empty((n_total, len(kept)))
    args = [(x, structure, n_ind, m, w, power_p) for (_, x, m, w) in tasks]
    if scheduler is not None:
        from workbench.parallel import dask_client

        with dask_client(scheduler) as client:
            futures = [client.submit(_evaluate_chunk, *a, pure=False) for a in args]
            outs = client.gather(futures)
    elif len(args) > 1:
        import dask

        outs = dask.compute(*[dask.delayed(_evaluate_chunk)(*a) for a in args], scheduler="threads")
    else:
        outs = [_evaluate_chunk(*a) for a in args]
    for (sel, _, _, _), o in zip(tasks, outs, strict=True):
        top[sel] = o
    ranks = _ranks(top)

    # tiers
    labels = list(tier_step.labels)
    nominal_rank = nominal.ranks.sel(indicator=fw.root)
    nominal_tier = nominal.tiers
    if has_year(cube):
        nominal_rank = nominal_rank.sel({YEAR: year})
        nominal_tier = nominal_tier.sel({YEAR: year})
    nominal_rank = np.asarray(nominal_rank.to_numpy(), dtype=float)
    nominal_tier = [str(t) for t in nominal_tier.to_numpy()]
    rule = tier_rule or (
        "thresholds"
        if all(n == norms[0] for n in norms)
        and norms[0] == (steps[norm_idx].get_params() if norm_idx is not None else {})
        else "sizes"
    )
    if rule == "thresholds":
        tiers = assign(top, np.asarray(nominal.breaks), labels)
    else:
        sizes = [sum(1 for t in nominal_tier if t == lab) for lab in labels]
        cuts = np.cumsum(sizes)
        k = np.searchsorted(cuts, ranks, side="left")
        tiers = np.asarray(labels, dtype=object)[np.minimum(k, len(labels) - 1)]
    tp = pd.DataFrame(
        {lab: (tiers == lab).mean(0) for lab in labels}, index=pd.Index(list(kept), name="code")
    )

    sob = None
    if sobol:
        y = np.abs(ranks - nominal_rank[None, :]).mean(1)
        sob = _sobol_indices(y, n_base, groups, n_boot, s_boot)
    params = {
        "n_draws": int(n_total),
        "n_base": int(n_base),
        "seed": seed,
        "weight_noise": weight_noise,
        "normalisations": norms,
        "aggregations": aggs,
        "treatments": treats[1:],
        "sobol": sobol,
        "tier_rule": rule,
        "year": year,
        "spec": pipe.to_spec(),
    }
    return UncertaintyResult(
        cities=tuple(kept),
        ranks=ranks,
        nominal_rank=nominal_rank,
        nominal_tier=tuple(nominal_tier),
        tier_probability=tp,
        sobol=sob,
        params=params,
    )


def _sobol_points(dim: int, n: int, seed: np.random.SeedSequence) -> np.ndarray:
    """``n`` scrambled Sobol points in ``[0, 1)^dim`` (any ``n``; powers of 2 balance best)."""
    import warnings

    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # n need not be a power of 2
        return qmc.Sobol(dim, scramble=True, seed=np.random.default_rng(seed)).random(n)


def _sobol_indices(
    y: np.ndarray, n: int, groups: list[tuple[str, int]], n_boot: int, seed: np.random.SeedSequence
) -> pd.DataFrame:
    """First-order (Saltelli 2010) and total (Jansen) indices with bootstrap 95% intervals."""
    import pandas as pd

    ya, yb = y[:n], y[n : 2 * n]
    rng = np.random.default_rng(seed)
    boot = rng.integers(0, n, size=(n_boot, n))
    rows = []
    for g, (name, _) in enumerate(groups):
        yab = y[(2 + g) * n : (3 + g) * n]

        def est(ix: np.ndarray, yab: np.ndarray = yab) -> tuple[np.ndarray, np.ndarray]:
            a, b, ab = ya[ix], yb[ix], yab[ix]
            v = np.var(np.concatenate([a, b], axis=-1), axis=-1)
            v = np.where(v > 0, v, np.nan)
            s1 = np.mean(b * (ab - a), axis=-1) / v
            st = 0.5 * np.mean((a - ab) ** 2, axis=-1) / v
            return s1, st

        s1, st = est(np.arange(n))
        bs1, bst = est(boot)
        rows.append(
            {
                "factor": name,
                "S1": float(s1),
                "S1_lo": float(np.nanpercentile(bs1, 2.5)),
                "S1_hi": float(np.nanpercentile(bs1, 97.5)),
                "ST": float(st),
                "ST_lo": float(np.nanpercentile(bst, 2.5)),
                "ST_hi": float(np.nanpercentile(bst, 97.5)),
            }
        )
    return pd.DataFrame(rows)


__all__ = ["UncertaintyResult", "uncertainty"]
