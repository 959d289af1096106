"""Outlier treatment: COINr's two-stage rule (winsorise, then log if still skewed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.errors import SpecError, did_you_mean
from workbench.index._cube import indicator_codes, to_array, with_values, years_mask
from workbench.index.steps.base import STEPS, Step, check_choice

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

    from workbench.index.framework import Framework

TREAT_METHODS = ("winsorise_log", "winsorise", "log", "none")


def skew(x: np.ndarray) -> float:
    """Sample-adjusted skewness (Excel ``SKEW``, e1071 type 2); NaN ignored; NaN if n < 3."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n < 3:
        return float("nan")
    d = x - x.mean()
    s2 = np.sum(d**2)
    if s2 == 0:
        return 0.0
    y = np.sqrt(n) * np.sum(d**3) / s2**1.5
    return float(y * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(x: np.ndarray) -> float:
    """Sample-adjusted excess kurtosis (Excel ``KURT``, e1071 type 2); NaN if n < 4."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n < 4:
        return float("nan")
    d = x - x.mean()
    s2 = np.sum(d**2)
    if s2 == 0:
        return 0.0
    r = n * np.sum(d**4) / s2**2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def passes(x: np.ndarray, skew_max: float, kurt_max: float) -> bool:
    """COINr's ``check_SkewKurt``: pass when ``|skew| < skew_max`` OR ``kurtosis < kurt_max``."""
    s, k = skew(x), kurtosis(x)
    if np.isnan(s) or np.isnan(k):
        return True
    return bool(abs(s) < skew_max or k < kurt_max)


def winsorise(
    x: np.ndarray, max_points: int, skew_max: float, kurt_max: float
) -> tuple[np.ndarray, int, float, float]:
    """Winsorise one extreme point (with ties) at a time on the side of the skew.

    Follows COINr's ``winsorise``: the highest (lowest) value is replaced by the next one while
    the indicator fails the skew/kurtosis check and fewer than ``max_points`` points were treated.

    Returns
    -------
    tuple
        ``(winsorised x, points treated, lower cap, upper cap)``; caps are +/-inf when that side
        was not touched.
    """
    x = np.asarray(x, dtype=float).copy()
    imax: np.ndarray | None = None
    imin: np.ndarray | None = None
    nwin = 0
    passing = passes(x, skew_max, kurt_max)
    while not passing and nwin < max_points:
        ok = ~np.isnan(x)
        if skew(x) >= 0:
            top = np.nanmax(x)
            imax = np.flatnonzero(x == top)
            rest = x[ok & (x != top)]
            if rest.size == 0:
                break
            x[imax] = rest.max()
        else:
            bot = np.nanmin(x)
            imin = np.flatnonzero(x == bot)
            rest = x[ok & (x != bot)]
            if rest.size == 0:
                break
            x[imin] = rest.min()
        nwin = (0 if imax is None else imax.size) + (0 if imin is None else imin.size)
        passing = passes(x, skew_max, kurt_max)
    lo = float(np.nanmin(x)) if imin is not None else -np.inf
    hi = float(np.nanmax(x)) if imax is not None else np.inf
    return x, nwin, lo, hi


def log_ct(x: np.ndarray, xmin: float, xmax: float) -> np.ndarray:
    """COINr's ``log_CT``: ``log(x - min + 0.01 (max - min))``, values below ``min`` held at it."""
    x = np.maximum(np.asarray(x, dtype=float), xmin)
    return np.log(x - xmin + 0.01 * (xmax - xmin))


class Treat(Step):
    """Treat outliers indicator by indicator, and report what was treated.

    An indicator fails when ``|skew| >= skew`` and ``kurtosis >= kurtosis`` (sample-adjusted).
    ``winsorise_log`` (COINr's default): winsorise one extreme point at a time on the side of the
    skew up to ``max_points``; if it still fails, log-transform the original values with
    ``log(x - min + 0.01 (max - min))``.

    Parameters
    ----------
    method
        ``winsorise_log``, ``winsorise`` (stage one only), ``log`` (stage two only) or ``none``.
    max_points
        Most points winsorised per indicator (COINr's ``winmax``).
    skew, kurtosis
        Thresholds of the outlier rule.
    overrides
        ``{indicator: {setting: value}}`` or ``{indicator: "none"}`` per-indicator settings.
    combine
        Apply the log to the winsorised values instead of the original ones.
    base_year
        Year(s) the treatment is fitted on; ``None`` pools all years.
    """

    name = "treat"

    def __init__(
        self,
        method: str = "winsorise_log",
        max_points: int = 5,
        skew: float = 2.0,
        kurtosis: float = 3.5,
        overrides: Mapping[str, Any] | None = None,
        combine: bool = False,
        base_year: int | list[int] | None = None,
    ) -> None:
        check_choice("method", method, TREAT_METHODS)
        self._check_numbers(max_points, skew, kurtosis, "")
        self.method = method
        self.max_points = int(max_points)
        self.skew = float(skew)
        self.kurtosis = float(kurtosis)
        self.overrides = dict(overrides or {})
        for ind, ov in self.overrides.items():
            if ov == "none":
                continue
            if not isinstance(ov, Mapping):
                msg = (
                    f"`overrides['{ind}']` must be 'none' or a mapping of settings such as "
                    f"{{'max_points': 3}}; got {ov!r}."
                )
                raise SpecError(msg)
            allowed = ("method", "max_points", "skew", "kurtosis")
            for k in ov:
                if k not in allowed:
                    msg = (
                        f"`overrides['{ind}']` has unknown setting '{k}'.{did_you_mean(k, allowed)}"
                        f" Valid settings: {', '.join(allowed)}."
                    )
                    raise SpecError(msg)
            check_choice(f"overrides['{ind}']['method']", ov.get("method", method), TREAT_METHODS)
            self._check_numbers(
                ov.get("max_points", max_points),
                ov.get("skew", skew),
                ov.get("kurtosis", kurtosis),
                f" (overrides['{ind}'])",
            )
        self.combine = bool(combine)
        self.base_year = base_year

    @staticmethod
    def _check_numbers(max_points: Any, sk: Any, ku: Any, where: str) -> None:
        if (
            not isinstance(max_points, int | np.integer)
            or isinstance(max_points, bool)
            or (max_points < 0)
        ):
            msg = f"`max_points`{where} must be a whole number >= 0; got {max_points!r}."
            raise SpecError(msg)
        for name, v in (("skew", sk), ("kurtosis", ku)):
            if not isinstance(v, int | float) or isinstance(v, bool) or v <= 0:
                msg = f"`{name}`{where} must be a positive number (e.g. 2.0, 3.5); got {v!r}."
                raise SpecError(msg)

    def _settings(self, ind: str) -> dict[str, Any] | None:
        ov = self.overrides.get(ind)
        if ov == "none":
            return None
        s = {
            "method": self.method,
            "max_points": self.max_points,
            "skew": self.skew,
            "kurtosis": self.kurtosis,
        }
        s.update(ov or {})
        return None if s["method"] == "none" else s

    def _fit(self, cube: xr.Dataset, framework: Framework) -> None:
        import pandas as pd

        inds = indicator_codes(cube)
        unknown = [k for k in self.overrides if k not in inds]
        if unknown:
            msg = (
                f"`overrides` names indicator(s) {unknown} not in the cube."
                f"{did_you_mean(unknown[0], inds)}"
            )
            raise SpecError(msg)
        x = to_array(cube)[years_mask(cube, self.base_year)]
        rows = []
        self.rules_: dict[str, dict[str, Any]] = {}
        for j, ind in enumerate(inds):
            col = x[:, :, j].ravel()
            s = self._settings(ind)
            sk0, ku0 = skew(col), kurtosis(col)
            rule: dict[str, Any] = {"action": "none", "lo": -np.inf, "hi": np.inf}
            nwin = 0
            out = col
            if s is not None and not passes(col, s["skew"], s["kurtosis"]):
                ok = True
                if s["method"] in ("winsorise_log", "winsorise"):
                    out, nwin, lo, hi = winsorise(col, s["max_points"], s["skew"], s["kurtosis"])
                    rule = {"action": "winsorise", "lo": lo, "hi": hi}
                    ok = passes(out, s["skew"], s["kurtosis"])
                if not ok or s["method"] == "log":
                    if s["method"] in ("winsorise_log", "log"):
                        base = out if self.combine else col
                        mn, mx = float(np.nanmin(base)), float(np.nanmax(base))
                        keep = rule if self.combine else {"lo": -np.inf, "hi": np.inf}
                        rule = {"action": "log", "lo": keep["lo"], "hi": keep["hi"]}
                        rule.update(min=mn, max=mx)
                        out = log_ct(base, mn, mx)
            self.rules_[ind] = rule
            rows.append(
                {
                    "indicator": ind,
                    "skew": sk0,
                    "kurtosis": ku0,
                    "treatment": rule["action"],
                    "n_winsorised": nwin,
                    "lower_cap": rule["lo"] if np.isfinite(rule["lo"]) else np.nan,
                    "upper_cap": rule["hi"] if np.isfinite(rule["hi"]) else np.nan,
                    "skew_after": skew(out),
                    "kurtosis_after": kurtosis(out),
                    "passes_after": passes(out, self.skew, self.kurtosis),
                }
            )
        self.table_ = pd.DataFrame(rows).set_index("indicator")

    def _transform(self, cube: xr.Dataset) -> xr.Dataset:
        x = to_array(cube)
        for j, ind in enumerate(indicator_codes(cube)):
            r = self.rules_.get(ind)
            if r is None or r["action"] == "none":
                continue
            v = np.clip(x[:, :, j], r["lo"], r["hi"])
            if r["action"] == "log":
                v = log_ct(v, r["min"], r["max"])
            x[:, :, j] = v
        return with_values(cube, x)


STEPS.register("treat", Treat, builtin=True)

__all__ = ["Treat", "kurtosis", "log_ct", "passes", "skew", "winsorise"]
