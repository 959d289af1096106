"""Evaluation half of the uncertainty analysis: discrete alternatives and vectorised scoring.

:func:`prepare` runs the spec's pre-aggregation steps once per discrete alternative
(imputation x data-noise replicate x treatment x normalisation) and records the framework's
structure; :func:`evaluate` scores every draw of a design by matrix algebra over the weight
sets, grouped by alternative and cut into chunks (threads, or a Dask cluster).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.dims import CITY
from workbench.errors import SpecError

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

VECTOR_AGGREGATORS = ("arithmetic", "geometric", "harmonic", "power")
NEEDS_POSITIVE = ("geometric", "harmonic")


def needs_positive(method: str, p: float) -> bool:
    """Whether an aggregator is undefined for scores <= 0."""
    return method in NEEDS_POSITIVE or (method == "power" and p <= 0)


# ---------------------------------------------------------------------- vectorised aggregation
def _vec_aggregate(method: str, x: np.ndarray, w: np.ndarray, p: float = 2.0) -> np.ndarray:
    """Aggregate children ``x`` under many weight sets.

    ``x`` is ``(C, k)`` (shared) or ``(D, C, k)``; ``w`` is ``(D, k)``; returns ``(D, C)``.
    Missing children are skipped and the weights renormalised.
    """
    mask = ~np.isnan(x)
    x0 = np.where(mask, x, 1.0)
    if needs_positive(method, p) and np.any(x0 <= 0):
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


# ---------------------------------------------------------------------- the model
@dataclass(frozen=True)
class Model:
    """What the draws vary over, computed once before any draw.

    Attributes
    ----------
    alternatives : dict
        ``(imputation, noise replicate, treatment, normalisation)`` level indices -> normalised
        indicator array ``(city, indicator)`` of the analysed year.
    levels : dict
        Labels of the levels of each discrete choice (``imputation``, ``data_noise``,
        ``treatment``, ``normalisation``, ``aggregation``).
    positive : tuple of bool
        Per normalisation level: whether every score it gives (any alternative) is > 0.
    """

    nominal: Any
    framework: Any
    cities: tuple[str, ...]
    alternatives: dict[tuple[int, int, int, int], np.ndarray]
    levels: dict[str, tuple[Any, ...]]
    positive: tuple[bool, ...]
    weighted: tuple[str, ...]
    w0: np.ndarray
    structure: list[tuple[str, list[int], list[bool], np.ndarray]]
    power_p: float
    norm_settings: tuple[dict, ...]
    nominal_norm: dict
    year: int | None
    year_index: int


def _as_steps(alt: Any) -> list[dict]:
    """Return an imputation alternative as a list of impute-step settings."""
    if isinstance(alt, str):
        return [{"method": alt}]
    if isinstance(alt, dict):
        return [dict(alt)]
    return [dict(a) if isinstance(a, dict) else {"method": str(a)} for a in alt]


def _structure(
    fw: Any, weights: Any
) -> tuple[list[str], np.ndarray, list[tuple[str, list[int], list[bool], np.ndarray]]]:
    """Weighted nodes, their nominal weights, and the aggregates bottom-up for the evaluator."""
    base_w = {a: fw.weights(a, weights) for a in fw.aggregates}
    weighted = [n.code for n in fw.nodes if n.parent is not None]
    wpos = {c: i for i, c in enumerate(weighted)}
    w0 = np.array([base_w[str(fw.node(c).parent)][c] for c in weighted])
    n_ind = len(fw.indicators)
    pos = {c: i for i, c in enumerate(fw.indicators)}
    for j, a in enumerate(fw.aggregates):
        pos[a] = n_ind + j
    structure = [
        (
            a,
            [pos[k] for k in fw.children(a)],
            [fw.node(k).type == "Indicator" for k in fw.children(a)],
            np.array([wpos[k] for k in fw.children(a)]),
        )
        for a in fw.aggregates
    ]
    return weighted, w0, structure


def prepare(
    cube: xr.Dataset,
    pipe: Any,
    fw: Any,
    *,
    year: int | None,
    normalisations: Sequence[Any] | None,
    aggregations: Sequence[str] | None,
    treatments: Sequence[dict] | None,
    imputations: Sequence[Any] | None,
    data_noise: float,
    noise_replicates: int,
    seed: np.random.SeedSequence,
) -> Model:
    """Run the nominal pipeline and every discrete alternative; check what the draws need."""
    from workbench.dims import YEAR
    from workbench.index._cube import has_year, indicator_codes, to_array, with_values
    from workbench.index.steps import Aggregate, Impute, Normalise, Tier, Treat

    yi = 0
    if has_year(cube):
        years = [int(y) for y in cube[YEAR].to_numpy()]
        year = years[-1] if year is None else int(year)
        if year not in years:
            msg = f"`year`={year} is not in the cube; it has {years}."
            raise SpecError(msg)
        yi = years.index(year)
    nominal = pipe.run(cube, fw)
    steps = pipe.full_steps()
    agg_step = next(s for s in steps if isinstance(s, Aggregate))
    aggs = tuple(aggregations or [agg_step.method])
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
    imp_idx = [i for i, s in enumerate(steps) if isinstance(s, Impute)]
    nominal_norm = steps[norm_idx].get_params() if norm_idx is not None else {}
    norms: list[dict] = []
    for n in normalisations or [None]:
        if n is None:
            norms.append(dict(nominal_norm))
        elif isinstance(n, str):
            norms.append({"method": n})
        else:
            norms.append(dict(n))
    if treatments and treat_idx is None:
        msg = "`treatments` were given but the spec has no treat step to vary. Add one."
        raise SpecError(msg)
    treats: list[dict | None] = [None] + [dict(t) for t in (treatments or [])]
    imps: list[list[dict] | None] = [None] + [_as_steps(a) for a in (imputations or [])]
    # data-noise replicates: multiplicative log-normal noise on every raw value (seeded)
    raw = to_array(cube)
    cubes = [cube]
    if data_noise > 0:
        rng = np.random.default_rng(seed)
        cubes = [
            with_values(cube, raw * np.exp(data_noise * rng.standard_normal(raw.shape)))
            for _ in range(noise_replicates)
        ]

    def pre_steps(ti: int, ni: int, ii: int) -> list[Any]:
        out: list[Any] = []
        imp, treat = imps[ii], treats[ti]
        for i, s in enumerate(steps):
            if isinstance(s, Aggregate | Tier):
                continue
            if i in imp_idx and imp is not None:
                if i == imp_idx[0]:
                    out.extend(Impute(**kw) for kw in imp)
                continue
            st = copy.deepcopy(s)
            if i == treat_idx and treat is not None:
                st = Treat(**{**s.get_params(), **treat})
            if i == norm_idx:
                st = Normalise(**norms[ni])
            out.append(st)
        if imp is not None and not imp_idx:
            out = [Impute(**kw) for kw in imp] + out
        return out

    kept = list(nominal.cities)
    alts: dict[tuple[int, int, int, int], np.ndarray] = {}
    combos = itertools.product(
        range(len(imps)), range(len(cubes)), range(len(treats)), range(len(norms))
    )
    for ii, ri, ti, ni in combos:
        cur = cubes[ri]
        for st in pre_steps(ti, ni, ii):
            cur = st.fit_transform(cur, fw)
        if [str(c) for c in cur[CITY].to_numpy()] != kept:
            msg = (
                "Screening differs between alternatives (imputation, data noise, treatment or "
                "normalisation change which cities pass the screen); keep screening outside the "
                "varied steps or loosen `min_availability`."
            )
            raise SpecError(msg)
        x = to_array(cur)[yi]
        codes = indicator_codes(cur)
        alts[(ii, ri, ti, ni)] = x[:, [codes.index(c) for c in fw.indicators]]
    positive = tuple(
        all(np.all(v[~np.isnan(v)] > 0) for k, v in alts.items() if k[3] == ni)
        for ni in range(len(norms))
    )
    weighted, w0, structure = _structure(fw, nominal.weights)
    return Model(
        nominal=nominal,
        framework=fw,
        cities=tuple(kept),
        alternatives=alts,
        levels={
            "imputation": tuple(
                "nominal" if i is None else "+".join(s.get("method", "?") for s in i) for i in imps
            ),
            "data_noise": tuple(f"replicate {r + 1}" for r in range(len(cubes))),
            "treatment": tuple("nominal" if t is None else str(t) for t in treats),
            "normalisation": tuple(str(n.get("method", n)) for n in norms),
            "aggregation": aggs,
        },
        positive=positive,
        weighted=tuple(weighted),
        w0=w0,
        structure=structure,
        power_p=float(agg_step.params.get("p", 2.0)),
        norm_settings=tuple(norms),
        nominal_norm=dict(nominal_norm),
        year=year,
        year_index=yi,
    )


def evaluate(
    model: Model,
    wmat: np.ndarray,
    choice: dict[str, np.ndarray],
    *,
    chunk_size: int = 2000,
    scheduler: str | None = None,
) -> np.ndarray:
    """Top-node scores ``(draw, city)`` of every draw.

    Parameters
    ----------
    model
        From :func:`prepare`.
    wmat
        ``(draw, weighted node)`` raw weights (0 for an excluded indicator).
    choice
        Level index per draw for ``imputation``, ``data_noise``, ``treatment``,
        ``normalisation`` and ``aggregation``.
    chunk_size
        Draws evaluated together (memory ~ chunk x cities x nodes x 8 bytes).
    scheduler
        Dask scheduler address; chunks then run on that cluster.
    """
    n_total = wmat.shape[0]
    n_ind = len(model.framework.indicators)
    keys = np.stack(
        [
            choice[k]
            for k in ("imputation", "data_noise", "treatment", "normalisation", "aggregation")
        ],
        axis=1,
    )
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    tasks = []
    for u_i, key in enumerate(uniq):
        idx = np.flatnonzero(inverse == u_i)
        x = model.alternatives[(int(key[0]), int(key[1]), int(key[2]), int(key[3]))]
        method = model.levels["aggregation"][int(key[4])]
        for c0 in range(0, idx.size, chunk_size):
            sel = idx[c0 : c0 + chunk_size]
            tasks.append((sel, (x, model.structure, n_ind, method, wmat[sel], model.power_p)))
    args = [a for _, a in tasks]
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
    top = np.empty((n_total, len(model.cities)))
    for (sel, _), o in zip(tasks, outs, strict=True):
        top[sel] = o
    return top


__all__ = ["VECTOR_AGGREGATORS", "Model", "evaluate", "needs_positive", "prepare"]
