"""Uncertainty and sensitivity analysis of the index, vectorised over Monte Carlo draws.

Factors, as COINr's ``get_sensitivity`` and the JRC audits use them: weights per dimension (a
group each), imputation method, indicator exclusion (each indicator in or out), data noise,
treatment, normalisation and aggregation (see :mod:`workbench.index._ua_design`). Draws come
from a scrambled Sobol sequence (:class:`scipy.stats.qmc.Sobol`). The expensive part,
aggregating the hierarchy under thousands of weight sets, is matrix algebra over all draws at
once; each discrete alternative is run through the pipeline once
(:mod:`workbench.index._ua_eval`). Draws are cut into chunks run on threads (dask) or, with
``scheduler=``, on a Dask cluster.

Outputs: per-city rank statistics (nominal, mean, median, 5th/95th percentile), the
probability of each tier for each city, and first-order and total Sobol indices of the mean
absolute rank shift (Saltelli 2010 / Jansen estimators on centred outputs, as SALib) with
bootstrap intervals and a convergence table (:mod:`workbench.index.sobol`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.dims import CITY, DRAW, INDICATOR
from workbench.errors import SpecError
from workbench.index._ua_eval import (  # noqa: F401 - re-exported for tests and callers
    VECTOR_AGGREGATORS,
    _evaluate_chunk,
    _ranks,
    _vec_aggregate,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import xarray as xr


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
        First-order (``S1``) and total (``ST``) indices with bootstrap intervals per factor
        (``factor S1 S1_lo S1_hi ST ST_lo ST_hi``).
    params : dict
        Settings of the analysis (draws, seed, noise, alternatives, factors...).
    convergence : pandas.DataFrame or None
        Widest S1/ST interval at growing base sizes (:func:`workbench.index.sobol.convergence`).
    notes : tuple of str
        What the design left out and why (incompatible pairs).
    """

    cities: tuple[str, ...]
    ranks: np.ndarray
    nominal_rank: np.ndarray
    nominal_tier: tuple[str, ...]
    tier_probability: Any
    sobol: Any = None
    params: dict = field(default_factory=dict)
    convergence: Any = None
    notes: tuple[str, ...] = ()

    def draws_needed(self, target_width: float = 0.1) -> int:
        """Draws for every Sobol interval to be narrower than ``target_width``.

        Extrapolated from the widest interval at the sample size used (``1 / sqrt(N)``).
        """
        from workbench.index.sobol import draws_needed

        if self.sobol is None:
            msg = "No Sobol indices were estimated; run uncertainty(..., sobol=True)."
            raise SpecError(msg)
        return draws_needed(
            self.sobol, int(self.params["n_base"]), len(self.sobol), float(target_width)
        )

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


# ---------------------------------------------------------------------- main function
def _pipeline(spec: Any) -> Any:
    from workbench.index.pipeline import Pipeline

    if isinstance(spec, Pipeline):
        return spec
    if spec is None:
        return Pipeline([{"normalise": {"method": "minmax", "range": [0, 100]}}])
    if isinstance(spec, str):
        return Pipeline.from_yaml(spec)
    return Pipeline.from_spec(spec)


def _check_settings(
    n_draws: Any,
    weight_noise: Any,
    exclusion: Any,
    data_noise: Any,
    noise_replicates: Any,
    tier_rule: Any,
    incompatible: Any,
    target_width: Any,
    replicates: Any,
) -> None:
    if not isinstance(n_draws, int | np.integer) or n_draws < 2:
        msg = f"`n_draws` must be a whole number >= 2; got {n_draws!r}."
        raise SpecError(msg)
    if not 0 <= float(weight_noise) < 1:
        msg = f"`weight_noise` must be in [0, 1) (e.g. 0.25 for +/-25%); got {weight_noise!r}."
        raise SpecError(msg)
    if not 0 <= float(exclusion) < 1:
        msg = (
            f"`exclusion` (probability that each indicator is left out of a draw) must be in "
            f"[0, 1), e.g. 0.1; got {exclusion!r}."
        )
        raise SpecError(msg)
    if not 0 <= float(data_noise) <= 1:
        msg = (
            f"`data_noise` (log-normal sd of multiplicative noise on raw values) must be in "
            f"[0, 1], e.g. 0.05 for about 5%; got {data_noise!r}."
        )
        raise SpecError(msg)
    if not isinstance(noise_replicates, int | np.integer) or noise_replicates < 2:
        msg = f"`noise_replicates` must be a whole number >= 2; got {noise_replicates!r}."
        raise SpecError(msg)
    if tier_rule not in (None, "thresholds", "sizes"):
        msg = f"`tier_rule` must be 'thresholds' or 'sizes'; got {tier_rule!r}."
        raise SpecError(msg)
    if incompatible not in ("exclude", "refuse"):
        msg = f"`incompatible` must be 'exclude' or 'refuse'; got {incompatible!r}."
        raise SpecError(msg)
    if not isinstance(replicates, int | np.integer) or replicates < 1:
        msg = f"`replicates` must be a whole number >= 1 (e.g. 10); got {replicates!r}."
        raise SpecError(msg)
    if target_width is not None and not float(target_width) > 0:
        msg = f"`target_width` must be > 0 (e.g. 0.1); got {target_width!r}."
        raise SpecError(msg)


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
    imputations: Sequence[Any] | None = None,
    exclusion: float = 0.0,
    data_noise: float = 0.0,
    noise_replicates: int = 8,
    incompatible: str = "exclude",
    sobol: bool = False,
    n_boot: int = 200,
    replicates: int = 10,
    target_width: float | None = None,
    year: int | None = None,
    chunk_size: int = 2000,
    scheduler: str | None = None,
    tier_rule: str | None = None,
) -> UncertaintyResult:
    """Monte Carlo uncertainty (and optionally Sobol sensitivity) analysis of the index.

    Three stages, each its own function: :func:`~workbench.index._ua_eval.prepare` and
    :func:`~workbench.index._ua_design.build_design` (the design),
    :func:`~workbench.index._ua_eval.evaluate` (the evaluation) and :func:`summarise`.

    Parameters
    ----------
    cube, spec, framework
        As for :func:`workbench.index.run_index` (the spec gives the nominal choices).
    n_draws
        Total number of model evaluations (with ``sobol=True`` split as ``N (G + 2)`` for ``G``
        factors).
    seed
        Seed of the Sobol scrambling, data noise and bootstrap (child seeds via
        ``SeedSequence``).
    weight_noise
        Relative noise on every weight: ``w * (1 + noise * (2u - 1))``, ``u ~ U(0, 1)``; one
        factor per dimension (child of the root) for its weight and those below it.
    normalisations
        Alternative normalisations (method names or setting dicts); default: the spec's only.
    aggregations
        Alternative aggregators among arithmetic, geometric, harmonic, power.
    treatments
        Alternative treatment settings (dicts merged into the spec's ``treat`` step).
    imputations
        Alternative imputations (a method name, a settings dict or a list of them); each
        replaces the spec's impute steps. The spec's own is the first level.
    exclusion
        Probability that each indicator is left out of a draw (one factor for all).
    data_noise
        Log-normal sd of multiplicative noise on every raw value; the factor picks one of
        ``noise_replicates`` noisy copies of the data, each run through the pipeline.
    noise_replicates
        Noisy copies of the data (with ``data_noise > 0``).
    incompatible
        What to do with normalisation/aggregation pairs that cannot go together (a geometric
        mean of z-scores): ``"exclude"`` them from the design (normalisation and aggregation
        then form one joint factor over the compatible pairs, with a note in ``notes``), or
        ``"refuse"`` with a message naming the pair. Checked before any draw.
    sobol
        Estimate first-order and total Sobol indices (output: mean absolute rank shift).
    n_boot
        Bootstrap resamples for the Sobol intervals (when the sample is too small for
        replicates).
    replicates
        With ``sobol``, the base sample is made of this many independently scrambled Sobol
        sequences, and the intervals come from the spread of their estimates (randomised
        QMC); used when each replicate has at least 8 base rows, else a bootstrap.
    target_width
        With ``sobol``, also report the draws needed for every interval to be narrower.
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
    from workbench.index._ua_design import build_design
    from workbench.index._ua_eval import evaluate, prepare
    from workbench.index.steps.base import resolve_framework

    _check_settings(
        n_draws,
        weight_noise,
        exclusion,
        data_noise,
        noise_replicates,
        tier_rule,
        incompatible,
        target_width,
        replicates,
    )
    pipe = _pipeline(spec)
    fw = resolve_framework(cube, framework)
    s_sample, s_boot, s_noise = np.random.SeedSequence(seed).spawn(3)
    model = prepare(
        cube,
        pipe,
        fw,
        year=year,
        normalisations=normalisations,
        aggregations=aggregations,
        treatments=treatments,
        imputations=imputations,
        data_noise=float(data_noise),
        noise_replicates=int(noise_replicates),
        seed=s_noise,
    )
    design = build_design(
        model,
        weight_noise=float(weight_noise),
        exclusion=float(exclusion),
        incompatible=incompatible,
        n_draws=int(n_draws),
        sobol=sobol,
        seed=s_sample,
        blocks=int(replicates),
    )
    top = evaluate(model, design.wmat, design.choice, chunk_size=chunk_size, scheduler=scheduler)
    params = {
        "n_draws": int(top.shape[0]),
        "n_base": int(design.n_base),
        "seed": seed,
        "weight_noise": weight_noise,
        "exclusion": exclusion,
        "data_noise": data_noise,
        "noise_replicates": noise_replicates if data_noise > 0 else 0,
        "normalisations": list(model.norm_settings),
        "aggregations": list(model.levels["aggregation"]),
        "treatments": [dict(t) for t in (treatments or [])],
        "imputations": list(model.levels["imputation"][1:]),
        "factors": [f.name for f in design.factors],
        "sobol": sobol,
        "replicates": int(design.blocks),
        "year": model.year,
        "spec": pipe.to_spec(),
    }
    return summarise(
        model,
        design,
        top,
        tier_rule=tier_rule,
        n_boot=n_boot,
        seed=s_boot,
        target_width=target_width,
        params=params,
    )


def summarise(
    model: Any,
    design: Any,
    top: np.ndarray,
    *,
    tier_rule: str | None,
    n_boot: int,
    seed: np.random.SeedSequence,
    target_width: float | None,
    params: dict,
) -> UncertaintyResult:
    """Ranks, tier probabilities and (for a Saltelli design) Sobol indices of evaluated draws."""
    import pandas as pd

    from workbench.dims import YEAR
    from workbench.index._cube import has_year
    from workbench.index.sobol import convergence, draws_needed, sobol_indices
    from workbench.index.steps import Tier
    from workbench.index.steps.tier import assign

    nominal = model.nominal
    fw = model.framework
    ranks = _ranks(top)
    tier_step = next(s for s in nominal.steps if isinstance(s, Tier))
    labels = list(tier_step.labels)
    nominal_rank = nominal.ranks.sel({INDICATOR: fw.root})
    nominal_tier = nominal.tiers
    if has_year(nominal.data):
        nominal_rank = nominal_rank.sel({YEAR: model.year})
        nominal_tier = nominal_tier.sel({YEAR: model.year})
    nominal_rank = np.asarray(nominal_rank.to_numpy(), dtype=float)
    nominal_tier = [str(t) for t in nominal_tier.to_numpy()]
    norms = model.norm_settings
    rule = tier_rule or (
        "thresholds"
        if all(n == norms[0] for n in norms) and norms[0] == model.nominal_norm
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
        {lab: (tiers == lab).mean(0) for lab in labels},
        index=pd.Index(list(model.cities), name="code"),
    )
    sob = conv = None
    needed = None
    if design.sobol:
        names = [f.name for f in design.factors]
        y = np.abs(ranks - nominal_rank[None, :]).mean(1)
        kw = {"n_boot": n_boot, "seed": seed, "blocks": design.blocks}
        sob = sobol_indices(y, design.n_base, names, **kw)
        conv = convergence(y, design.n_base, names, **kw)
        if target_width is not None:
            needed = draws_needed(sob, design.n_base, len(names), float(target_width))
    params = {
        **params,
        "tier_rule": rule,
        "notes": list(design.notes),
        "target_width": target_width,
        "draws_needed": needed,
    }
    return UncertaintyResult(
        cities=tuple(model.cities),
        ranks=ranks,
        nominal_rank=nominal_rank,
        nominal_tier=tuple(nominal_tier),
        tier_probability=tp,
        sobol=sob,
        params=params,
        convergence=conv,
        notes=tuple(design.notes),
    )


__all__ = ["UncertaintyResult", "uncertainty"]
