"""Gaussian-process emulators of the city model's KPIs, saved as plain arrays and JSON.

One scikit-learn ``GaussianProcessRegressor`` per KPI, on knobs scaled to [0, 1], with
kernel ``C * RBF(ARD) + White``: the white-noise term learns the seed-to-seed variation of
the model (training has several seeds per design point), the posterior variance the
emulator's own error; the interval ``mean +- z * sd`` carries both.

Saving writes ``model.json`` (knob ranges, kernel hyper-parameters, SHA-256 digests) and
``arrays.npz`` (training inputs and outputs, read with ``allow_pickle=False``). Loading refits
each GP with its saved hyper-parameters fixed (``optimizer=None``: exact, deterministic) and
never unpickles anything. A file whose digest does not match is refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import DataError, SpecError, unknown_name

FORMAT = "workbench-worldmodel/1"
"""Format tag of ``model.json``."""
Z90 = 1.6448536269514722
"""Normal quantile of a two-sided 90% interval."""
DEFAULT_KPIS = (
    "total_cost_cny",
    "carbon_t",
    "peak_demand_mw",
    "interactive_budget_met",
    "batch_completed",
    "energy_cost_cny",
    "unserved_energy_mwh",
)
"""KPIs emulated by default (the first five are the benchmark's main KPIs)."""
MAIN_KPIS = DEFAULT_KPIS[:5]
"""The benchmark's main KPIs (total cost, carbon, peak, interactive budget met, batch)."""


def _kernel(d: int, params: dict[str, Any] | None = None):
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    if params is None:
        return ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(d, 0.5), (1e-2, 1e3)) + WhiteKernel(
            1e-2, (1e-6, 1e1)
        )
    return ConstantKernel(params["constant"], "fixed") * RBF(
        np.asarray(params["length_scale"], dtype=float), "fixed"
    ) + WhiteKernel(params["noise"], "fixed")


def _kernel_params(kernel) -> dict[str, Any]:
    p = kernel.get_params()
    return {
        "constant": float(p["k1__k1__constant_value"]),
        "length_scale": np.atleast_1d(p["k1__k2__length_scale"]).astype(float).tolist(),
        "noise": float(p["k2__noise_level"]),
    }


def _effective(knob: dict[str, Any]) -> tuple[float, float]:
    lo, hi = float(knob["min"]), float(knob["max"])
    return lo, max(lo, min(hi, float(knob.get("effective_max", hi))))


def scale_knobs(knobs: dict[str, dict[str, Any]], values: np.ndarray) -> np.ndarray:
    """Map knob values (n, d) to [0, 1], each over the part of its range that changes a run.

    A knob may carry ``effective_max`` (set by training from the scenario: e.g. a heatwave
    starting at hour 12 of a 48 h run cannot last more than 36 h inside it); values above it
    are the same run, so they map to 1 and the emulator does not have to learn a flat stretch.
    """
    lo, hi = (np.array(a, dtype=float) for a in zip(*map(_effective, knobs.values()), strict=True))
    v = np.minimum(np.asarray(values, dtype=float), hi)
    return (v - lo) / np.where(hi > lo, hi - lo, 1.0)


class KpiGP:
    """One KPI's emulator: a linear trend plus a GP on its residuals, predicted in numpy.

    The GP is fitted with scikit-learn; prediction uses its factorisation directly
    (``mean = k* alpha``, ``var = k** - |L^-1 k*|^2``), which is what
    ``GaussianProcessRegressor.predict`` computes, without its per-call overhead.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, *, seed: int = 0, params: dict | None = None):
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from threadpoolctl import threadpool_limits

        design = np.column_stack([np.ones(len(x)), x])
        if params is None:
            coef = np.linalg.lstsq(design, y, rcond=None)[0]
        else:
            coef = np.asarray(params["trend"], dtype=float)
        resid = y - design @ coef
        gp = GaussianProcessRegressor(
            kernel=_kernel(x.shape[1], params),
            normalize_y=True,
            n_restarts_optimizer=0 if params else 1,
            optimizer=None if params else "fmin_l_bfgs_b",
            random_state=seed,
        )
        with warnings.catch_warnings(), threadpool_limits(1):
            # a length scale at its upper bound means "this knob barely matters": expected
            warnings.simplefilter("ignore", ConvergenceWarning)
            gp.fit(x, resid)
        scale = 1.0 if params is None else float(params.get("interval_scale", 1.0))
        self.params = {
            **_kernel_params(gp.kernel_),
            "trend": coef.tolist(),
            "interval_scale": scale,
        }
        p = self.params
        self._coef = coef
        self._ls = np.asarray(p["length_scale"], dtype=float)
        self._xs = x / self._ls
        self._c, self._noise = p["constant"], p["noise"]
        self._alpha = gp.alpha_.ravel()
        self._linv = np.linalg.inv(gp.L_)
        self._ym = float(np.ravel(gp._y_train_mean)[0])  # noqa: SLF001
        self._ys = float(np.ravel(gp._y_train_std)[0])  # noqa: SLF001

    def predict(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation (seed noise + emulator error) at scaled inputs ``u``."""
        us = np.atleast_2d(u) / self._ls
        d2 = (us**2).sum(1)[:, None] + (self._xs**2).sum(1)[None, :] - 2 * us @ self._xs.T
        k = self._c * np.exp(-0.5 * np.maximum(d2, 0.0))
        mean = (k @ self._alpha) * self._ys + self._ym
        v = k @ self._linv.T
        var = np.maximum(self._c + self._noise - (v**2).sum(1), 0.0) * self._ys**2
        var *= self.params["interval_scale"] ** 2
        trend = self._coef[0] + np.atleast_2d(u) @ self._coef[1:]
        return mean + trend, np.sqrt(var)


def fit_gp(x: np.ndarray, y: np.ndarray, *, seed: int = 0, params: dict | None = None) -> KpiGP:
    """Fit one KPI's emulator on scaled inputs ``x`` (n, d) and output ``y`` (n,).

    With ``params`` the hyper-parameters and trend are fixed (used when loading).
    """
    return KpiGP(x, y, seed=seed, params=params)


def _unit(kpi: str) -> str:
    from workbench.citymodel.kpis import KPI_INFO

    return KPI_INFO.get(kpi, ("", ""))[0]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _meta_digest(meta: dict[str, Any]) -> str:
    body = {k: v for k, v in meta.items() if k != "meta_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass
class WorldModel:
    """A learned emulator of the city model for one scenario and mechanism.

    Build one with :func:`workbench.worldmodel.train`; reload it with :meth:`load`.

    Examples
    --------
    >>> from workbench import WorldModel
    >>> wm = WorldModel.load("workbench/worldmodel/trained/heatwave_lp")  # doctest: +SKIP
    >>> wm.predict(carbon_price=200)["carbon_t"]  # doctest: +SKIP
    {'mean': ..., 'lo': ..., 'hi': ...}
    """

    scenario: str
    mechanism: str
    hours: int
    knobs: dict[str, dict[str, Any]]
    kpis: tuple[str, ...]
    x: np.ndarray  # (n, d) scaled to [0, 1]
    y: np.ndarray  # (n, k)
    params: dict[str, dict[str, Any]]
    info: dict[str, Any] = field(default_factory=dict)
    trajectory: Any = None  # a TrajectoryEmulator (hourly city load, district peak) or None
    _gps: dict[str, Any] = field(default_factory=dict, repr=False)

    # ----------------------------------------------------------------- inputs
    @property
    def knob_names(self) -> list[str]:
        """Knob names in input order."""
        return list(self.knobs)

    @property
    def defaults(self) -> dict[str, float]:
        """The scenario's knob values as written."""
        return {k: float(v["default"]) for k, v in self.knobs.items()}

    def effective_range(self, name: str) -> tuple[float, float]:
        """Return the part of knob ``name``'s range that can change a run (:func:`scale_knobs`)."""
        return _effective(self.knobs[name])

    def scale(self, values: np.ndarray) -> np.ndarray:
        """Map knob values (n, d) to [0, 1] over their effective ranges (:func:`scale_knobs`)."""
        return scale_knobs(self.knobs, values)

    def unscale(self, u: np.ndarray) -> np.ndarray:
        """Map [0, 1] inputs (n, d) back to knob values (within the effective ranges)."""
        lo, hi = (
            np.array(a, dtype=float)
            for a in zip(*map(_effective, self.knobs.values()), strict=True)
        )
        return lo + np.asarray(u, dtype=float) * (hi - lo)

    def settings(self, **knobs: float) -> dict[str, float]:
        """Return a full setting: ``knobs`` checked against the trained ranges, defaults else.

        Raises
        ------
        SpecError
            For an unknown knob (with did-you-mean) or a value outside the trained range
            (the emulator does not extrapolate).
        """
        out = self.defaults
        for name, value in knobs.items():
            if name not in self.knobs:
                msg = f"World model of '{self.scenario}': " + unknown_name("knob", name, self.knobs)
                raise SpecError(msg)
            k = self.knobs[name]
            try:
                v = float(value)
            except (TypeError, ValueError):
                msg = f"knob '{name}' must be a number; got {value!r}."
                raise SpecError(msg) from None
            if not np.isfinite(v) or v < k["min"] or v > k["max"]:
                msg = (
                    f"knob '{name}' = {value!r} is outside the trained range "
                    f"[{k['min']:g}, {k['max']:g}] {k.get('unit', '')}; the world model does not "
                    "extrapolate. Choose a value within the range, or retrain with a wider "
                    "range in the scenario's YAML."
                )
                raise SpecError(msg)
            out[name] = v
        return out

    # ------------------------------------------------------------- prediction
    def _gp(self, kpi: str):
        if kpi not in self._gps:
            j = self.kpis.index(kpi)
            self._gps[kpi] = fit_gp(self.x, self.y[:, j], params=self.params[kpi])
        return self._gps[kpi]

    def _bounds(self, kpi: str) -> tuple[float, float]:
        key = f"_bounds_{kpi}"
        if key not in self._gps:
            col = self.y[:, self.kpis.index(kpi)]
            floor = 0.0 if col.min() >= 0 else -np.inf
            share = floor == 0.0 and col.max() <= 1 and "share" in _unit(kpi)
            self._gps[key] = (floor, 1.0 if share else np.inf)
        return self._gps[key]

    def predict_array(
        self, values: np.ndarray, kpis: list[str] | None = None, *, z: float = Z90
    ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Vectorised prediction at knob values (n, d), unchecked: ``{kpi: (mean, lo, hi)}``.

        A KPI that was never negative in training (energy, shares, costs) is clipped at 0,
        a share that never exceeded 1 at 1.
        """
        u = self.scale(np.atleast_2d(values))
        out = {}
        for kpi in kpis or self.kpis:
            mean, sd = self._gp(kpi).predict(u)
            lo, hi = mean - z * sd, mean + z * sd
            floor, ceil = self._bounds(kpi)
            out[kpi] = tuple(np.clip(a, floor, ceil) for a in (mean, lo, hi))
        return out

    def predict(self, **knobs: float) -> dict[str, dict[str, float]]:
        """Predict every KPI at a setting: ``{kpi: {"mean", "lo", "hi"}}`` (90% interval).

        Knobs not given take the scenario's defaults; values outside the trained ranges are
        refused (:class:`~workbench.errors.SpecError`).
        """
        s = self.settings(**knobs)
        row = np.array([[s[k] for k in self.knobs]])
        res = self.predict_array(row)
        return {
            k: {"mean": float(m[0]), "lo": float(lo[0]), "hi": float(hi[0])}
            for k, (m, lo, hi) in res.items()
        }

    def predict_frame(self, **knobs: float) -> pd.DataFrame:
        """:meth:`predict` as a table (rows: KPIs; columns: mean, lo, hi, unit)."""
        from workbench.citymodel.kpis import KPI_INFO

        df = pd.DataFrame(self.predict(**knobs)).T
        df["unit"] = [KPI_INFO.get(k, ("", ""))[0] for k in df.index]
        df.index.name = "kpi"
        return df

    def predict_trajectory(self, **knobs: float) -> Any:
        """Predict the hourly curves (city load, district peak) at a setting, with 90% bands.

        Knobs are checked as in :meth:`predict`.

        Returns
        -------
        xarray.Dataset
            Variables ``mean``, ``lo`` and ``hi`` (MW) over dimensions ``metric`` and ``time``
            (hours from the run's start, as in the city model's run cube).

        Raises
        ------
        SpecError
            When this world model was trained without hourly curves.
        """
        import xarray as xr

        from workbench import dims

        if self.trajectory is None:
            msg = (
                f"World model of '{self.scenario}' has no trajectory emulator (it was trained "
                "without hourly curves, e.g. refitted from runs.csv alone); got trajectory=None. "
                "Retrain it with `workbench worldmodel train` (or sample_data/build_worldmodel.py)."
            )
            raise SpecError(msg)
        s = self.settings(**knobs)
        u = self.scale(np.array([[s[k] for k in self.knobs]]))
        pred = self.trajectory.predict(u)
        metrics = list(pred)
        hours = np.arange(self.trajectory.hours)
        data = {
            name: ((dims.METRIC, dims.TIME), np.stack([pred[m][i][0] for m in metrics]))
            for i, name in enumerate(("mean", "lo", "hi"))
        }
        ds = xr.Dataset(data, coords={dims.METRIC: metrics, dims.TIME: hours})
        for name in ("mean", "lo", "hi"):
            ds[name].attrs["units"] = "MW"
        ds[dims.TIME].attrs["units"] = "hours from the start of the run"
        ds.attrs.update(
            title="World-model hourly curves (emulated; 90% band: lo-hi)",
            scenario=self.scenario,
            mechanism=self.mechanism,
            settings=json.dumps(s),
            synthetic="emulator of a city model whose demand cells are synthetic",
        )
        return ds

    # ------------------------------------------------------------- refitting
    def runs_table(self) -> pd.DataFrame:
        """Return the training runs as a table (knob columns in their units, KPI columns)."""
        df = pd.DataFrame(self.unscale(self.x), columns=self.knob_names)
        for j, k in enumerate(self.kpis):
            df[k] = self.y[:, j]
        return df

    def with_runs(self, runs: pd.DataFrame, *, info: dict[str, Any] | None = None) -> WorldModel:
        """Return a new world model refitted on its training runs plus ``runs``.

        The hyper-parameters are optimised again; each KPI keeps its calibrated interval
        scale; an hourly trajectory emulator, if any, is kept as it is (it is not refitted).
        Used by goal seeking to refine the emulator near an answer the full model did not
        confirm.
        """
        table = pd.concat([self.runs_table(), runs[[*self.knob_names, *self.kpis]]])
        wm = fit_worldmodel(
            table.reset_index(drop=True),
            scenario=self.scenario,
            mechanism=self.mechanism,
            hours=self.hours,
            knobs=self.knobs,
            kpis=self.kpis,
            info={**self.info, **(info or {}), "runs": len(table)},
            interval_scale={k: float(self.params[k].get("interval_scale", 1.0)) for k in self.kpis},
        )
        wm.trajectory = self.trajectory
        return wm

    # ------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write ``model.json`` and ``arrays.npz`` into folder ``path``; returns the folder."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        arrays = out / "arrays.npz"
        extra = self.trajectory.arrays() if self.trajectory is not None else {}
        np.savez(arrays, x=self.x, y=self.y, **extra)
        meta = {
            "format": FORMAT,
            "scenario": self.scenario,
            "mechanism": self.mechanism,
            "hours": self.hours,
            "knobs": self.knobs,
            "kpis": list(self.kpis),
            "kernel": self.params,
            "info": self.info,
            "arrays_sha256": _digest(arrays),
        }
        if self.trajectory is not None:
            meta["trajectory"] = self.trajectory.meta()
        meta["meta_sha256"] = _meta_digest(meta)
        (out / "model.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        return out

    @classmethod
    def load(cls, path: str | Path) -> WorldModel:
        """Load a saved world model (no unpickling; digests checked).

        Raises
        ------
        DataError
            When the folder lacks the files, the format is unknown, or a file was changed
            after saving (its SHA-256 digest does not match).
        """
        folder = Path(path)
        mj, npz = folder / "model.json", folder / "arrays.npz"
        if not mj.is_file() or not npz.is_file():
            msg = (
                f"World model folder '{folder}' must hold model.json and arrays.npz (written by "
                "`workbench worldmodel train --out DIR`); they are missing. Check the path."
            )
            raise DataError(msg)
        try:
            meta = json.loads(mj.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            msg = f"'{mj}' is not valid JSON ({exc}); the file is damaged. Retrain the model."
            raise DataError(msg) from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            got = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
            msg = f"'{mj}' has format {got!r}; expected {FORMAT!r}. Retrain the model."
            raise DataError(msg)
        if meta.get("meta_sha256") != _meta_digest(meta):
            msg = (
                f"'{mj}' was modified after it was saved (its SHA-256 digest does not match); "
                "refusing to load it. Retrain the model or restore the original file."
            )
            raise DataError(msg)
        if _digest(npz) != meta.get("arrays_sha256"):
            msg = (
                f"'{npz}' was modified after it was saved (its SHA-256 digest does not match "
                "model.json); refusing to load it. Retrain the model or restore the file."
            )
            raise DataError(msg)
        try:
            with np.load(npz, allow_pickle=False) as z:
                x, y = z["x"], z["y"]
                traj = None
                if meta.get("trajectory"):
                    from workbench.worldmodel.trajectory import TrajectoryEmulator

                    traj = TrajectoryEmulator.from_saved(meta["trajectory"], z)
        except (ValueError, KeyError, OSError) as exc:
            msg = f"'{npz}' cannot be read as plain arrays ({exc}). Retrain the model."
            raise DataError(msg) from None
        return cls(
            scenario=meta["scenario"],
            mechanism=meta["mechanism"],
            hours=int(meta["hours"]),
            knobs=meta["knobs"],
            kpis=tuple(meta["kpis"]),
            x=x,
            y=y,
            params=meta["kernel"],
            info=meta.get("info", {}),
            trajectory=traj,
        )


def fit_worldmodel(
    runs: pd.DataFrame,
    *,
    scenario: str,
    mechanism: str,
    hours: int,
    knobs: dict[str, dict[str, Any]],
    kpis: tuple[str, ...] = DEFAULT_KPIS,
    seed: int = 0,
    info: dict[str, Any] | None = None,
    interval_scale: dict[str, float] | None = None,
) -> WorldModel:
    """Fit a :class:`WorldModel` on a table of runs (knob columns and KPI columns).

    ``interval_scale`` widens each KPI's interval by a factor (calibrated on held-out runs
    by :func:`workbench.worldmodel.training.calibrate`).
    """
    names = list(knobs)
    missing = [c for c in (*names, *kpis) if c not in runs.columns]
    if missing:
        msg = f"`runs` lacks column(s) {missing}; it needs every knob and KPI as a column."
        raise SpecError(msg)
    x = scale_knobs(knobs, runs[names].to_numpy(dtype=float))
    y = runs[list(kpis)].to_numpy(dtype=float)
    params = {}
    for j, kpi in enumerate(kpis):
        params[kpi] = fit_gp(x, y[:, j], seed=seed).params
        params[kpi]["interval_scale"] = float((interval_scale or {}).get(kpi, 1.0))
    wm = WorldModel(scenario, mechanism, int(hours), dict(knobs), tuple(kpis), x, y, params)
    wm.info = dict(info or {})
    # the optimised GPs predict exactly what a reload (fixed hyper-parameters) predicts
    wm._gps = {k: fit_gp(x, y[:, j], params=params[k]) for j, k in enumerate(kpis)}  # noqa: SLF001
    return wm


__all__ = [
    "MAIN_KPIS",
    "DEFAULT_KPIS",
    "KpiGP",
    "FORMAT",
    "Z90",
    "WorldModel",
    "fit_gp",
    "fit_worldmodel",
    "scale_knobs",
]
