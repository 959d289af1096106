"""The frozen result of an index run."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.dims import CITY, INDICATOR, YEAR
from workbench.errors import SpecError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import xarray as xr


def rank_desc(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    """Rank along ``axis``: 1 = highest score, ties share the best rank, NaN stays NaN."""
    from scipy.stats import rankdata

    s = np.asarray(scores, dtype=float)
    r = rankdata(np.where(np.isnan(s), np.inf, -s), method="min", axis=axis).astype(float)
    return np.where(np.isnan(s), np.nan, r)


@dataclass(frozen=True)
class IndexResult:
    """Scores, ranks and tiers of an index run, with what each step did.

    Attributes
    ----------
    scores : xarray.DataArray
        Score of every node (indicators after normalisation, and aggregates) by city (and year),
        dims ``(city, indicator[, year])``.
    ranks : xarray.DataArray
        Rank of every city on every node (1 = best), same dims as ``scores``.
    tiers : xarray.DataArray
        Tier label of every city on the top node, dims ``(city[, year])``.
    framework : Framework
        The framework used.
    spec : dict
        The pipeline spec (replayable with ``Pipeline.from_spec``).
    removed : tuple of str
        Cities removed by screening.
    treatment : pandas.DataFrame or None
        What outlier treatment did to each indicator.
    treated, normalised : xarray.Dataset or None
        The data after treatment and after normalisation.
    weights : dict
        Raw weights of every non-root node.
    breaks : tuple of float
        Tier thresholds on the top node (ascending).
    tier_labels : tuple of str
        Tier names, best first.
    provenance : dict
        Creation time, source, workbench version, steps run.
    steps : tuple
        The fitted steps (used by what-if analysis to apply the same bounds).
    data : xarray.Dataset
        The input cube the pipeline ran on (after year selection).
    """

    scores: Any
    ranks: Any
    tiers: Any
    framework: Any
    spec: dict
    removed: tuple[str, ...] = ()
    treatment: Any = None
    treated: Any = None
    normalised: Any = None
    weights: dict = field(default_factory=dict)
    breaks: tuple[float, ...] = ()
    tier_labels: tuple[str, ...] = ()
    provenance: dict = field(default_factory=dict)
    steps: tuple = ()
    data: Any = None

    @classmethod
    def build(cls, aggregated: xr.Dataset, **kw: Any) -> IndexResult:
        """Assemble a result from the aggregated cube (internal)."""
        import xarray as xr

        scores = aggregated["value"]
        order = (CITY, INDICATOR, YEAR) if YEAR in scores.dims else (CITY, INDICATOR)
        scores = scores.transpose(*order)
        ranks = xr.apply_ufunc(rank_desc, scores, kwargs={"axis": 0}).rename("rank")
        tiers = aggregated["tier"] if "tier" in aggregated else None
        return cls(scores=scores.rename("score"), ranks=ranks, tiers=tiers, **kw)

    # ------------------------------------------------------------------ access
    @property
    def root(self) -> str:
        """Code of the top node."""
        return self.framework.root

    @property
    def cities(self) -> list[str]:
        """City codes kept after screening."""
        return [str(c) for c in self.scores[CITY].to_numpy()]

    @property
    def years(self) -> list[int] | None:
        """Years of the result, or ``None`` for a single-year cube."""
        return [int(y) for y in self.scores[YEAR].to_numpy()] if YEAR in self.scores.dims else None

    def _year_sel(self, da: Any, year: int | None) -> Any:
        if YEAR not in da.dims:
            return da
        years = self.years or []
        if year is None:
            year = years[-1]
        if int(year) not in years:
            msg = f"`year`={year} is not in the result; it has {years}."
            raise SpecError(msg)
        return da.sel({YEAR: int(year)})

    def score(self, node: str | None = None, year: int | None = None) -> pd.Series:
        """Scores on ``node`` (default the index) as a Series indexed by city."""
        node = node or self.root
        nodes = [str(c) for c in self.scores[INDICATOR].to_numpy()]
        if node not in nodes:
            msg = (
                f"Unknown node '{node}'.{did_you_mean(node, nodes)} Valid nodes: "
                f"{', '.join(nodes)}."
            )
            raise SpecError(msg)
        da = self._year_sel(self.scores.sel({INDICATOR: node}), year)
        return da.to_pandas().rename(node)

    def table(self, year: int | None = None) -> pd.DataFrame:
        """COINr-style results table: ``code``, one column per aggregate, ``rank``, ``tier``.

        ``year`` selects a year of a multi-year result (default: the last).

        Sorted by rank on the top node (best first).
        """
        import pandas as pd

        aggs = list(reversed(self.framework.aggregates))
        sc = self._year_sel(self.scores, year).sel({INDICATOR: aggs}).to_pandas()
        rk = self._year_sel(self.ranks, year).sel({INDICATOR: self.root}).to_pandas()
        df = pd.DataFrame({"code": sc.index.astype(str)})
        for a in aggs:
            df[a] = sc[a].to_numpy()
        df["rank"] = rk.to_numpy()
        if self.tiers is not None:
            df["tier"] = self._year_sel(self.tiers, year).to_pandas().to_numpy()
        df = df.sort_values(["rank", "code"], kind="stable").reset_index(drop=True)
        df["rank"] = df["rank"].astype("Int64")
        return df

    def tier_of(self, city: str, year: int | None = None) -> str:
        """Tier label of ``city``."""
        self._check_city(city)
        return str(self._year_sel(self.tiers, year).sel({CITY: city}).item())

    def _check_city(self, city: str) -> None:
        if city not in self.cities:
            extra = " It was removed by screening." if city in self.removed else ""
            msg = f"Unknown city '{city}'.{extra}{did_you_mean(city, self.cities)}"
            raise SpecError(msg)

    # ------------------------------------------------------------------ export
    def to_xarray(self) -> xr.Dataset:
        """Scores, ranks and tiers as one Dataset, with spec and provenance in ``attrs``."""
        import xarray as xr

        ds = xr.Dataset({"score": self.scores, "rank": self.ranks})
        if self.tiers is not None:
            ds["tier"] = self.tiers.astype(str)
        for k in list(ds.coords):
            if ds[k].dtype == object:
                ds = ds.assign_coords({k: ds[k].astype(str)})
        ds.attrs = {
            "spec": json.dumps(self.spec),
            "provenance": json.dumps(self.provenance, default=str),
            "framework": self.framework.to_json(),
            "removed": json.dumps(list(self.removed)),
            "weights": json.dumps(self.weights),
            "tier_breaks": json.dumps(list(self.breaks)),
            "tier_labels": json.dumps(list(self.tier_labels)),
        }
        return ds

    def to_dataframe(self, year: int | None = None) -> pd.DataFrame:
        """Long table: one row per city, node (and year) with score and rank."""
        df = self.to_xarray()[["score", "rank"]].to_dataframe().reset_index()
        keep = [c for c in (CITY, INDICATOR, YEAR, "score", "rank") if c in df.columns]
        df = df[keep]
        if year is not None and YEAR in df.columns:
            df = df[df[YEAR] == int(year)]
        return df.reset_index(drop=True)

    def to_netcdf(self, path: str | Path) -> Path:
        """Write :meth:`to_xarray` to NetCDF (spec and provenance in attrs)."""
        p = Path(path)
        self.to_xarray().to_netcdf(p, engine="h5netcdf")
        return p

    def __repr__(self) -> str:
        yrs = f", years={self.years}" if self.years else ""
        return (
            f"IndexResult(cities={len(self.cities)}, nodes={self.scores.sizes[INDICATOR]}{yrs}, "
            f"removed={list(self.removed)})"
        )


__all__ = ["IndexResult", "rank_desc"]
