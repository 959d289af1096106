"""Analysis of indicators and results: statistics, correlations, reliability, PCA, comparisons.

Functions take a cube (``value(city, indicator[, year])``; a year is selected or the last one
is used) or an :class:`~workbench.index.IndexResult`, and return pandas tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.data.schema import check_cube
from workbench.dims import CITY, INDICATOR, YEAR
from workbench.errors import SpecError
from workbench.index._cube import has_year, indicator_codes

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.index.result import IndexResult


def _frame(data: Any, year: int | None = None) -> pd.DataFrame:
    """Units x indicators table from a cube or a result (scores of every node)."""
    from workbench.index.result import IndexResult

    if isinstance(data, IndexResult):
        return data._year_sel(data.scores, year).to_pandas()
    check_cube(data, source="data", structure_only=True)
    da = data["value"]
    if has_year(data):
        yrs = [int(y) for y in data[YEAR].to_numpy()]
        da = da.sel({YEAR: yrs[-1] if year is None else int(year)})
    return da.transpose(CITY, INDICATOR).to_pandas()


def indicator_stats(
    data: Any,
    *,
    year: int | None = None,
    min_availability: float = 0.65,
    skew: float = 2.0,
    kurtosis: float = 3.5,
    max_share_same: float = 0.5,
) -> pd.DataFrame:
    """Return indicator statistics with flags (COINr's ``get_stats``).

    Columns: min, max, mean, median, sd, skew, kurtosis, availability, share of the most
    frequent value (uniqueness), and flags ``low_availability`` (< ``min_availability``),
    ``outliers`` (``|skew| >= skew`` and kurtosis >= ``kurtosis``) and ``low_uniqueness``
    (most frequent value shared by more than ``max_share_same`` of units).
    """
    import pandas as pd

    from workbench.index.steps.treat import kurtosis as kurt_f
    from workbench.index.steps.treat import skew as skew_f

    df = _frame(data, year)
    rows = []
    for c in df.columns:
        x = df[c].to_numpy(dtype=float)
        ok = x[~np.isnan(x)]
        share_same = (pd.Series(ok).value_counts().iloc[0] / ok.size) if ok.size else np.nan
        sk, ku = skew_f(ok), kurt_f(ok)
        rows.append(
            {
                "indicator": c,
                "min": np.min(ok) if ok.size else np.nan,
                "max": np.max(ok) if ok.size else np.nan,
                "mean": np.mean(ok) if ok.size else np.nan,
                "median": np.median(ok) if ok.size else np.nan,
                "sd": np.std(ok, ddof=1) if ok.size > 1 else np.nan,
                "skew": sk,
                "kurtosis": ku,
                "availability": ok.size / x.size,
                "share_same": share_same,
                "low_availability": ok.size / x.size < min_availability,
                "outliers": bool(abs(sk) >= skew and ku >= kurtosis),
                "low_uniqueness": bool(share_same > max_share_same),
            }
        )
    return pd.DataFrame(rows).set_index("indicator")


def correlations(
    data: Any,
    *,
    method: str = "pearson",
    year: int | None = None,
    framework: Any = None,
    collinear: float = 0.9,
) -> pd.DataFrame:
    """Pairwise correlations with p-values and flags.

    Returns a long table (``a``, ``b``, ``r``, ``p``, ``same_group``, ``collinear``,
    ``negative_in_group``) plus, when a framework is known, rows ``b = parent`` giving each
    node's correlation with its parent (``with_parent = True``).

    Parameters
    ----------
    method
        ``pearson``, ``spearman`` or ``kendall``.
    collinear
        Flag pairs within a group with ``r >= collinear``.
    """
    import pandas as pd
    from scipy import stats

    funcs = {"pearson": stats.pearsonr, "spearman": stats.spearmanr, "kendall": stats.kendalltau}
    if method not in funcs:
        from workbench.errors import unknown_name

        raise SpecError(unknown_name("correlation method", method, funcs))
    df = _frame(data, year)
    fw = _framework(data, framework)
    parent = {n.code: n.parent for n in fw.nodes} if fw is not None else {}
    cols = list(df.columns)
    rows = []
    for i, a in enumerate(cols):
        for b in cols[i + 1 :]:
            x, y = df[a].to_numpy(float), df[b].to_numpy(float)
            ok = ~np.isnan(x) & ~np.isnan(y)
            if ok.sum() < 3 or np.std(x[ok]) == 0 or np.std(y[ok]) == 0:
                r, p = np.nan, np.nan
            else:
                res = funcs[method](x[ok], y[ok])
                r, p = float(res[0]), float(res[1])
            same = parent.get(a) is not None and parent.get(a) == parent.get(b)
            with_parent = parent.get(a) == b or parent.get(b) == a
            rows.append(
                {
                    "a": a,
                    "b": b,
                    "r": r,
                    "p": p,
                    "same_group": same,
                    "with_parent": with_parent,
                    "collinear": bool(same and r >= collinear),
                    "negative_in_group": bool(same and r < 0),
                }
            )
    return pd.DataFrame(rows)


def _framework(data: Any, framework: Any) -> Any:
    from workbench.index.framework import as_framework
    from workbench.index.result import IndexResult

    if framework is not None:
        return as_framework(framework)
    if isinstance(data, IndexResult):
        return data.framework
    if "framework" in getattr(data, "attrs", {}):
        return as_framework(data.attrs["framework"])
    return None


def cronbach_alpha(data: Any, *, framework: Any = None, year: int | None = None) -> pd.Series:
    """Cronbach's alpha of the children of every aggregate (needs a result or a framework)."""
    import pandas as pd

    df = _frame(data, year)
    fw = _framework(data, framework)
    if fw is None:
        msg = "cronbach_alpha needs a framework: pass framework=... or an IndexResult."
        raise SpecError(msg)
    out = {}
    for a in fw.aggregates:
        kids = [k for k in fw.children(a) if k in df.columns]
        m = df[kids].dropna().to_numpy(float)
        k = m.shape[1]
        if k < 2 or m.shape[0] < 2:
            out[a] = np.nan
            continue
        var_sum = m.var(0, ddof=1).sum()
        tot = m.sum(1).var(ddof=1)
        out[a] = k / (k - 1) * (1 - var_sum / tot) if tot > 0 else np.nan
    return pd.Series(out, name="cronbach_alpha")


def pca_summary(
    data: Any, *, node: str | None = None, framework: Any = None, year: int | None = None
) -> dict[str, Any]:
    """PCA of the children of ``node`` (or of all columns): variance shares and loadings."""
    import pandas as pd

    df = _frame(data, year)
    fw = _framework(data, framework)
    cols = list(df.columns)
    if node is not None:
        if fw is None:
            msg = "`node` needs a framework: pass framework=... or an IndexResult."
            raise SpecError(msg)
        cols = [k for k in fw.children(node) if k in df.columns]
    m = df[cols].dropna().to_numpy(float)
    sd = m.std(0, ddof=1)
    z = (m - m.mean(0)) / np.where(sd == 0, 1, sd)
    _, s, vt = np.linalg.svd(z, full_matrices=False)
    var = s**2 / np.sum(s**2)
    names = [f"PC{i + 1}" for i in range(len(s))]
    return {
        "variance_share": pd.Series(var, index=names),
        "loadings": pd.DataFrame(vt.T, index=cols, columns=names),
    }


def compare(
    a: IndexResult, b: IndexResult, *, node: str | None = None, year: int | None = None
) -> pd.DataFrame:
    """Rank changes between two results on ``node`` (default the index), largest first."""
    import pandas as pd

    node = node or a.root
    ra = a._year_sel(a.ranks, year).sel({INDICATOR: node}).to_pandas()
    rb = b._year_sel(b.ranks, year).sel({INDICATOR: node}).to_pandas()
    df = pd.DataFrame({"rank_a": ra, "rank_b": rb}).dropna()
    df["change"] = df["rank_b"] - df["rank_a"]
    df["abs_change"] = df["change"].abs()
    return df.sort_values("abs_change", ascending=False)


def remove_elements(result: IndexResult, *, level: int | None = None) -> pd.DataFrame:
    """Mean absolute rank change of the index when each component is dropped (weight 0).

    Parameters
    ----------
    result
        The nominal result (its fitted steps are reused).
    level
        Hierarchy level of the components to drop (default 2, the first aggregate level; 1 =
        indicators).
    """
    import json

    import pandas as pd

    from workbench.index.paths import after_normalise
    from workbench.index.result import rank_desc

    fw = result.framework
    levels = fw.levels()
    lev = 2 if level is None else int(level)
    codes = [c for c, v in levels.items() if v == lev and c != fw.root]
    if not codes:
        msg = f"No components at level {lev}; levels run 1..{max(levels.values())}."
        raise SpecError(msg)
    base = result._year_sel(result.ranks, None).sel({INDICATOR: fw.root}).to_numpy()
    norm = result.normalised
    if has_year(norm):
        norm = norm.isel({YEAR: [-1]})
    rows = []
    for c in codes:
        siblings = fw.children(fw.node(c).parent)
        if len(siblings) < 2:
            continue
        w = dict(result.weights)
        w[c] = 0.0
        cur = norm.copy()
        cur.attrs["weights"] = json.dumps(w)
        for s in after_normalise(result):
            s2 = type(s)(**s.get_params())
            cur = s2.fit_transform(cur, fw)
        sc = cur["value"].sel({INDICATOR: fw.root})
        if YEAR in sc.dims:
            sc = sc.isel({YEAR: 0})
        r = rank_desc(sc.to_numpy())
        rows.append({"removed": c, "mean_abs_rank_change": float(np.nanmean(np.abs(r - base)))})
    return (
        pd.DataFrame(rows)
        .sort_values("mean_abs_rank_change", ascending=False)
        .reset_index(drop=True)
    )


def trends(result: IndexResult, *, node: str | None = None) -> pd.DataFrame:
    """Per-city trend of a node's score over the years: slope per year, first, last, CAGR."""
    import pandas as pd

    if result.years is None or len(result.years) < 2:
        msg = "trends needs a multi-year result (a cube with at least two years)."
        raise SpecError(msg)
    node = node or result.root
    da = result.scores.sel({INDICATOR: node}).transpose(CITY, YEAR)
    yrs = np.asarray(result.years, dtype=float)
    rows = []
    for c, vals in zip(result.cities, da.to_numpy(), strict=True):
        ok = ~np.isnan(vals)
        slope = np.polyfit(yrs[ok], vals[ok], 1)[0] if ok.sum() >= 2 else np.nan
        first, last = (vals[ok][0], vals[ok][-1]) if ok.any() else (np.nan, np.nan)
        span = yrs[ok][-1] - yrs[ok][0] if ok.sum() >= 2 else np.nan
        cagr = (
            (last / first) ** (1 / span) - 1 if ok.sum() >= 2 and first > 0 and last > 0 else np.nan
        )
        rows.append(
            {"code": c, "first": first, "last": last, "slope_per_year": slope, "cagr": cagr}
        )
    return pd.DataFrame(rows).sort_values("slope_per_year", ascending=False).reset_index(drop=True)


__all__ = [
    "compare",
    "correlations",
    "cronbach_alpha",
    "indicator_stats",
    "pca_summary",
    "remove_elements",
    "trends",
]
_ = (indicator_codes, "xr")
