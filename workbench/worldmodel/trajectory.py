"""Hourly trajectory emulator: principal components of the runs' hourly curves, one GP each.

For each metric (hourly city load, hourly district peak) the training runs' curves
``Y`` (runs x hours) are centred on their mean curve and reduced by a singular value
decomposition to the few components that carry :data:`VARIANCE_KEPT` of the variance (at most
:data:`MAX_COMPONENTS`). Each component's score is emulated over the knobs by the same
trend-plus-GP emulator as a KPI (:class:`~workbench.worldmodel.emulator.KpiGP`: its white noise
learns the seed-to-seed variation). A prediction is the mean curve plus the predicted scores
times the components; its hourly 90% interval adds, hour by hour, the scores' variances
weighted by the components' squares and the variance the dropped components left in the
training runs, times a factor calibrated on held-out runs (as for the KPIs).

Saved inside the world model's folder: the curves, mean curve, components and residual
variance as plain arrays in ``arrays.npz``, the GPs' hyper-parameters in ``model.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import SpecError

TRAJECTORY_METRICS = ("city_load_mw", "district_peak_mw")
"""Hourly metrics emulated: the city's grid import and the largest district's, in MW."""
VARIANCE_KEPT = 0.995
"""Share of the curves' variance the kept components carry."""
MAX_COMPONENTS = 5
"""Most principal components kept per metric."""


def curves_of(dataset: Any) -> dict[str, list[float]]:
    """Return the hourly metrics of one city-model run (its ``RunResult.dataset``), in MW."""
    imp = dataset["grid_import_kw"]
    return {
        "city_load_mw": (imp.sum("district").to_numpy() / 1000).tolist(),
        "district_peak_mw": (imp.max("district").to_numpy() / 1000).tolist(),
    }


@dataclass
class TrajectoryEmulator:
    """Emulator of hourly curves over the knobs (see the module docstring).

    Build one with :func:`fit_trajectories`; :meth:`predict` returns ``(mean, lo, hi)``
    arrays of shape (n settings, hours) per metric.
    """

    x: np.ndarray  # (n, d) knobs scaled to [0, 1]
    curves: dict[str, np.ndarray]  # metric -> (n, hours)
    mean: dict[str, np.ndarray]  # metric -> (hours,)
    basis: dict[str, np.ndarray]  # metric -> (components, hours)
    resid_var: dict[str, np.ndarray]  # metric -> (hours,)
    params: dict[str, list[dict[str, Any]]]  # metric -> per-component GP parameters
    interval_scale: dict[str, float] = field(default_factory=dict)
    _gps: dict[str, list[Any]] = field(default_factory=dict, repr=False)

    @property
    def metrics(self) -> tuple[str, ...]:
        """The emulated metrics."""
        return tuple(self.curves)

    @property
    def hours(self) -> int:
        """Length of the curves."""
        return int(next(iter(self.curves.values())).shape[1])

    def scores(self, metric: str) -> np.ndarray:
        """Return the training runs' component scores of ``metric`` (n, components)."""
        return (self.curves[metric] - self.mean[metric]) @ self.basis[metric].T

    def _models(self, metric: str) -> list[Any]:
        from workbench.worldmodel.emulator import fit_gp

        if metric not in self._gps:
            s = self.scores(metric)
            self._gps[metric] = [
                fit_gp(self.x, s[:, c], params=p) for c, p in enumerate(self.params[metric])
            ]
        return self._gps[metric]

    def predict(
        self, u: np.ndarray, *, z: float = 1.6448536269514722
    ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Curves at scaled knob values ``u`` (n, d): ``{metric: (mean, lo, hi)}``, each (n, hours).

        Loads are never negative, so ``lo`` is clipped at 0 when no training curve was.
        """
        u = np.atleast_2d(u)
        out = {}
        for m in self.metrics:
            basis = self.basis[m]
            mu = np.zeros((len(u), basis.shape[0]))
            var = np.zeros((len(u), basis.shape[0]))
            for c, gp in enumerate(self._models(m)):
                mu[:, c], sd = gp.predict(u)
                var[:, c] = sd**2
            mean = self.mean[m] + mu @ basis
            sd = np.sqrt(var @ basis**2 + self.resid_var[m]) * self.interval_scale.get(m, 1.0)
            lo, hi = mean - z * sd, mean + z * sd
            if self.curves[m].min() >= 0:
                lo = np.maximum(lo, 0.0)
            out[m] = (mean, lo, hi)
        return out

    # ------------------------------------------------------------ persistence
    def arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays to store in the world model's ``arrays.npz``."""
        out = {"traj_x": self.x}
        for m in self.metrics:
            out[f"traj_{m}"] = self.curves[m]
            out[f"traj_{m}_mean"] = self.mean[m]
            out[f"traj_{m}_basis"] = self.basis[m]
            out[f"traj_{m}_resid_var"] = self.resid_var[m]
        return out

    def meta(self) -> dict[str, Any]:
        """JSON-ready hyper-parameters to store in ``model.json``."""
        return {
            "metrics": list(self.metrics),
            "hours": self.hours,
            "gp": self.params,
            "interval_scale": self.interval_scale,
        }

    @classmethod
    def from_saved(cls, meta: dict[str, Any], arrays: Any) -> TrajectoryEmulator:
        """Rebuild from :meth:`meta` and :meth:`arrays` (GPs refitted with fixed parameters)."""
        metrics = list(meta["metrics"])
        return cls(
            x=np.asarray(arrays["traj_x"], dtype=float),
            curves={m: np.asarray(arrays[f"traj_{m}"], dtype=float) for m in metrics},
            mean={m: np.asarray(arrays[f"traj_{m}_mean"], dtype=float) for m in metrics},
            basis={m: np.asarray(arrays[f"traj_{m}_basis"], dtype=float) for m in metrics},
            resid_var={m: np.asarray(arrays[f"traj_{m}_resid_var"], dtype=float) for m in metrics},
            params={m: list(meta["gp"][m]) for m in metrics},
            interval_scale={k: float(v) for k, v in meta.get("interval_scale", {}).items()},
        )


def fit_trajectories(
    x: np.ndarray, curves: dict[str, np.ndarray], *, seed: int = 0
) -> TrajectoryEmulator:
    """Fit a :class:`TrajectoryEmulator` on scaled knobs ``x`` (n, d) and curves (n, hours).

    Raises
    ------
    SpecError
        When a metric's curves do not have one row per run.
    """
    from workbench.worldmodel.emulator import fit_gp

    x = np.asarray(x, dtype=float)
    means, bases, resid, params = {}, {}, {}, {}
    for m, y in curves.items():
        y = np.asarray(y, dtype=float)
        if y.ndim != 2 or len(y) != len(x):
            msg = (
                f"trajectory '{m}': expected one curve per run, an array of shape "
                f"({len(x)}, hours); got shape {y.shape}."
            )
            raise SpecError(msg)
        mu = y.mean(0)
        _, sv, vt = np.linalg.svd(y - mu, full_matrices=False)
        share = np.cumsum(sv**2) / max(float((sv**2).sum()), 1e-300)
        k = min(MAX_COMPONENTS, int(np.searchsorted(share, VARIANCE_KEPT)) + 1, len(sv))
        basis = vt[:k]
        scores = (y - mu) @ basis.T
        left = y - mu - scores @ basis
        means[m], bases[m], resid[m] = mu, basis, (left**2).mean(0)
        params[m] = [fit_gp(x, scores[:, c], seed=seed).params for c in range(k)]
    return TrajectoryEmulator(
        x=x,
        curves={m: np.asarray(v, dtype=float) for m, v in curves.items()},
        mean=means,
        basis=bases,
        resid_var=resid,
        params=params,
    )


def validate_trajectories(
    emu: TrajectoryEmulator, x_held: np.ndarray, held: dict[str, np.ndarray]
) -> pd.DataFrame:
    """Held-out accuracy of the curves, pooled over runs and hours.

    Columns: metric, runs, hours, components, explained (variance share of the kept
    components in training), mae_mw, rmse_mw, mape (denominator floored at 1% of the
    mean level), peak_hour_error_h (mean absolute error of the hour of each curve's maximum),
    coverage_90 (share of held-out hours inside the 90% band).
    """
    pred = emu.predict(x_held)
    rows = []
    for m, (mean, lo, hi) in pred.items():
        y = held[m]
        err = np.abs(mean - y)
        level = float(np.mean(np.abs(emu.curves[m])))
        tot = float(((emu.curves[m] - emu.mean[m]) ** 2).sum())
        kept = float((emu.scores(m) ** 2).sum())
        rows.append(
            {
                "metric": m,
                "runs": len(y),
                "hours": y.shape[1],
                "components": emu.basis[m].shape[0],
                "explained": kept / tot if tot > 0 else 1.0,
                "mae_mw": float(err.mean()),
                "rmse_mw": float(np.sqrt((err**2).mean())),
                "mape": float((err / np.maximum(np.abs(y), 0.01 * level)).mean()),
                "peak_hour_error_h": float(
                    np.abs(np.argmax(mean, 1) - np.argmax(y, 1)).astype(float).mean()
                ),
                "coverage_90": float(((y >= lo) & (y <= hi)).mean()),
            }
        )
    return pd.DataFrame(rows)


def calibrate_trajectories(
    emu: TrajectoryEmulator, x_held: np.ndarray, held: dict[str, np.ndarray]
) -> dict[str, float]:
    """Per-metric factors (>= 1) widening the bands so 90% of held-out hours fall inside."""
    z90 = 1.6448536269514722
    out = {}
    for m, (mean, _lo, hi) in emu.predict(x_held).items():
        sd = np.maximum((hi - mean) / z90, 1e-9 * np.maximum(np.abs(mean), 1.0))
        z = np.abs(held[m] - mean) / sd
        out[m] = float(min(1e6, max(1.0, np.quantile(z, 0.9) / z90)))
    return out


__all__ = [
    "MAX_COMPONENTS",
    "TRAJECTORY_METRICS",
    "VARIANCE_KEPT",
    "TrajectoryEmulator",
    "calibrate_trajectories",
    "curves_of",
    "fit_trajectories",
    "validate_trajectories",
]
