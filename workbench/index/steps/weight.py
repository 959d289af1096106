"""Weighting: built-in weighting methods (registry ``index_weights``) and the step.

A weighting method follows ``f(values, framework, **params)`` (see
:mod:`workbench.index.steps.base`) and returns ``{node_code: weight}`` or, for per-unit
weights (benefit of the doubt), a units x node-codes DataFrame.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.errors import SpecError, did_you_mean
from workbench.index._cube import city_codes, indicator_codes, to_array
from workbench.index.steps.aggregate import arithmetic
from workbench.index.steps.base import STEPS, WEIGHTS, Step, check_choice, check_method_params

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import xarray as xr

    from workbench.index.framework import Framework


def _child_scores(values: pd.DataFrame, framework: Framework, weights: Mapping[str, float]) -> dict:
    """Scores of every node (arithmetic mean with ``weights``), as columns arrays."""
    cols = {c: values[c].to_numpy(dtype=float) for c in framework.indicators}
    for a in framework.aggregates:
        kids = framework.children(a)
        w = framework.weights(a, weights)
        cols[a] = arithmetic(np.stack([cols[k] for k in kids], -1), np.array([w[k] for k in kids]))
    return cols


def manual(values: pd.DataFrame, framework: Framework, weights: Mapping[str, float] | None = None):
    """Manual weights: ``weights`` (node -> weight) over the framework's own."""
    out = {n.code: n.weight for n in framework.nodes if n.parent is not None}
    for k, v in dict(weights or {}).items():
        if k not in out:
            msg = f"`weights` names '{k}', which is not a node with a parent.{did_you_mean(k, out)}"
            raise SpecError(msg)
        if not isinstance(v, int | float) or isinstance(v, bool) or v < 0:
            msg = f"`weights['{k}']` must be a number >= 0; got {v!r}."
            raise SpecError(msg)
        out[k] = float(v)
    return out


def equal(values: pd.DataFrame, framework: Framework):
    """Equal weights within every aggregate."""
    return {n.code: 1.0 for n in framework.nodes if n.parent is not None}


def effective(values: pd.DataFrame, framework: Framework):
    """Weights that give every indicator the same effective weight in the index."""
    return {
        n.code: float(len(framework.descendants(n.code)))
        for n in framework.nodes
        if n.parent is not None
    }


def pca(values: pd.DataFrame, framework: Framework):
    """PCA weights: squared loadings of each group's first principal component (standardised)."""
    cols = _child_scores(values, framework, equal(values, framework))
    out = {}
    for a in framework.aggregates:
        kids = framework.children(a)
        m = np.stack([cols[k] for k in kids], -1)
        m = m[~np.isnan(m).any(1)]
        if len(kids) == 1 or m.shape[0] < 3:
            out.update({k: 1.0 for k in kids})
            continue
        sd = m.std(0, ddof=1)
        z = (m - m.mean(0)) / np.where(sd == 0, 1, sd)
        _, _, vt = np.linalg.svd(z, full_matrices=False)
        load = vt[0] ** 2
        out.update({k: float(v) for k, v in zip(kids, load / load.sum(), strict=True)})
    return out


def optimised(
    values: pd.DataFrame,
    framework: Framework,
    objective: str = "balance",
    target: Mapping[str, float] | None = None,
):
    """Optimised weights per aggregate (COINr's ``get_opt_weights``).

    ``objective='balance'`` makes the children's squared correlations with the parent match the
    ``target`` importances (equal by default); ``'info'`` maximises the sum of the children's
    correlations with the parent (information kept).
    """
    from scipy.optimize import minimize

    check_choice("objective", objective, ("balance", "info"))
    w = equal(values, framework)
    cols = {c: values[c].to_numpy(dtype=float) for c in framework.indicators}
    for a in framework.aggregates:
        kids = framework.children(a)
        m = np.stack([cols[k] for k in kids], -1)
        ok = ~np.isnan(m).any(1)
        if len(kids) > 1 and ok.sum() >= 3:
            mm = m[ok]
            tgt = np.array([float((target or {}).get(k, 1.0)) for k in kids])
            tgt = tgt / tgt.sum()

            def loss(v: np.ndarray, mm: np.ndarray = mm, tgt: np.ndarray = tgt) -> float:
                p = mm @ (v / v.sum())
                if np.std(p) == 0:
                    return 1e6
                r = np.array([np.corrcoef(mm[:, i], p)[0, 1] for i in range(mm.shape[1])])
                r = np.nan_to_num(r)
                if objective == "info":
                    return -float(r.sum())
                r2 = r**2
                return float(np.sum((r2 / max(r2.sum(), 1e-12) - tgt) ** 2))

            res = minimize(
                loss, np.ones(len(kids)), bounds=[(0.01, 1.0)] * len(kids), method="L-BFGS-B"
            )
            v = res.x / res.x.sum()
            w.update({k: float(x) for k, x in zip(kids, v, strict=True)})
        kw = framework.weights(a, w)
        cols[a] = arithmetic(m, np.array([kw[k] for k in kids]))
    return w


def bod_weights(values: pd.DataFrame, framework: Framework):
    """Benefit-of-the-doubt weights: per unit and aggregate, the weights that maximise its score.

    One linear programme per unit and aggregate (HiGHS through :func:`scipy.optimize.linprog`);
    every unit's score under those weights is at most 1. Returns a units x nodes DataFrame.
    """
    import pandas as pd
    from scipy.optimize import linprog

    cols = {c: values[c].to_numpy(dtype=float) for c in framework.indicators}
    n = len(values)
    out = pd.DataFrame(index=values.index, dtype=float)
    for a in framework.aggregates:
        kids = framework.children(a)
        m = np.nan_to_num(np.stack([cols[k] for k in kids], -1), nan=0.0)
        wmat = np.zeros((n, len(kids)))
        for u in range(n):
            res = linprog(-m[u], A_ub=m, b_ub=np.ones(n), bounds=(0, None), method="highs")
            v = res.x if res.status == 0 and res.x.sum() > 0 else np.ones(len(kids))
            wmat[u] = v / v.sum()
        for i, k in enumerate(kids):
            out[k] = wmat[:, i]
        cols[a] = (m * wmat).sum(-1)
    return out


for _name, _f in {
    "manual": manual,
    "equal": equal,
    "effective": effective,
    "pca": pca,
    "optimised": optimised,
    "bod": bod_weights,
}.items():
    WEIGHTS.register(_name, _f, builtin=True)


class Weight(Step):
    """Choose the weights used by the ``aggregate`` step.

    Parameters
    ----------
    method
        ``manual`` (framework weights, changed by ``weights``), ``equal``, ``effective``
        (equal effective weight per indicator), ``pca``, ``optimised`` (``objective`` =
        ``balance`` or ``info``, optional ``target`` importances), ``bod`` (per-unit benefit of
        the doubt) or a plugin.
    **params
        Settings of the method (``weights`` for ``manual``...).

    Attributes
    ----------
    weights_ : dict
        Raw weight of every non-root node (aggregation renormalises within each parent).
    effective_ : dict
        Effective weight of every indicator in the index.
    """

    name = "weight"

    def __init__(self, method: str = "manual", **params: Any) -> None:
        func = WEIGHTS.get(method)
        check_method_params("weighting method", method, func, params)
        self.method = method
        self.params = dict(params)

    def get_params(self) -> dict[str, Any]:
        """Return settings as they appear in a spec."""
        return {"method": self.method, **self.params}

    def _fit(self, cube: xr.Dataset, framework: Framework) -> None:
        import pandas as pd

        inds = indicator_codes(cube)
        x = to_array(cube)
        flat = x.reshape(-1, x.shape[-1])
        cities = city_codes(cube)
        idx = cities if x.shape[0] == 1 else [f"{y}:{c}" for y in range(x.shape[0]) for c in cities]
        values = pd.DataFrame(flat, columns=inds, index=idx)
        res = WEIGHTS.get(self.method)(values, framework, **self.params)
        self.unit_weights_ = None
        if isinstance(res, pd.DataFrame):
            if x.shape[0] != 1:
                msg = "Per-unit weights (bod) need a single-year cube; select a year first."
                raise SpecError(msg)
            self.unit_weights_ = res
            self.weights_ = {n.code: n.weight for n in framework.nodes if n.parent is not None}
        else:
            self.weights_ = {str(k): float(v) for k, v in dict(res).items()}
            bad = {k: v for k, v in self.weights_.items() if not np.isfinite(v) or v < 0}
            if bad:
                msg = (
                    f"Weighting method '{self.method}' returned invalid weights {bad}; weights "
                    "must be >= 0."
                )
                raise SpecError(msg)
        self.effective_ = framework.effective_weights(self.weights_)

    def _transform(self, cube: xr.Dataset) -> xr.Dataset:
        out = cube.copy()
        out.attrs["weights"] = json.dumps(self.weights_)
        if self.unit_weights_ is not None:
            fw = self.framework_
            uw = {
                a: {
                    c: [float(self.unit_weights_.loc[c, k]) for k in fw.children(a)]
                    for c in city_codes(cube)
                }
                for a in fw.aggregates
            }
            out.attrs["unit_weights"] = json.dumps(uw)
        return out


STEPS.register("weight", Weight, builtin=True)

__all__ = ["Weight", "bod_weights", "effective", "equal", "manual", "optimised", "pca"]
