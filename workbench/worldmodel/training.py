"""Train a world model: space-filling design, ensemble runs on Dask, GP fit, validation."""

from __future__ import annotations

import functools
import math
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import SpecError
from workbench.worldmodel.emulator import (
    DEFAULT_KPIS,
    MAIN_KPIS,
    Z90,
    WorldModel,
    fit_worldmodel,
)
from workbench.worldmodel.trajectory import (
    TRAJECTORY_METRICS,
    calibrate_trajectories,
    curves_of,
    fit_trajectories,
    validate_trajectories,
)

HOLDOUT_SHARE = 0.2
"""Share of design points (with all their seeds) held out for validation."""


def design(knobs: dict[str, dict[str, Any]], n: int, *, seed: int = 0, method: str = "lhs"):
    """Space-filling design of ``n`` settings over the knobs' ranges (a DataFrame).

    Parameters
    ----------
    knobs
        ``{name: {"min", "max", ...}}``.
    n
        Number of points.
    seed
        Seed of the scrambling.
    method
        ``"lhs"`` (Latin hypercube, optimised for space filling) or ``"sobol"``.
    """
    from scipy.stats import qmc

    if n < 1:
        msg = f"`n` (design points) must be >= 1; got {n}."
        raise SpecError(msg)
    names = list(knobs)
    if method == "lhs":
        sampler = qmc.LatinHypercube(d=len(names), seed=seed)
    elif method == "sobol":
        sampler = qmc.Sobol(d=len(names), seed=seed)
    else:
        msg = f"`method` must be 'lhs' or 'sobol'; got {method!r}."
        raise SpecError(msg)
    u = sampler.random(n)
    lo = np.array([knobs[k]["min"] for k in names], dtype=float)
    hi = np.array([knobs[k]["max"] for k in names], dtype=float)
    # only where a knob can change a run (see scenario_knobs)
    hi = np.maximum(lo, np.minimum(hi, [knobs[k].get("effective_max", np.inf) for k in names]))
    return pd.DataFrame(lo + u * (hi - lo), columns=names)


_EVENT_KEY = re.compile(r"^events\[(\d+)\]\.(duration_hours|start_hour)$")


def scenario_knobs(scenario: Any, hours: int) -> dict[str, dict[str, Any]]:
    """Return a scenario's knobs (unit, min, max, default, ...) for a world model of ``hours``.

    A knob that sets an event's ``duration_hours`` or ``start_hour`` gets ``effective_max``
    when part of its range lies outside the run: an event starting at hour ``s`` lasts at
    most ``hours - s`` inside it, and an event starting at or after ``hours`` never happens
    in it. Designs then sample only the effective part and the emulator maps values above it
    to the same input (:func:`workbench.worldmodel.emulator.scale_knobs`).
    """
    events = list(getattr(scenario, "events", ()) or ())
    out: dict[str, dict[str, Any]] = {}
    for name, info in scenario.knob_info.items():
        knob = {k: v for k, v in info.items() if k != "sets"}
        sets = info.get("sets") or []
        for target in [sets] if isinstance(sets, str) else sets:
            m = _EVENT_KEY.match(str(target))
            if not m or int(m.group(1)) >= len(events):
                continue
            start = float(events[int(m.group(1))].get("start_hour", 0) or 0)
            limit = hours - start if m.group(2) == "duration_hours" else float(hours)
            if limit < float(knob["max"]):
                knob["effective_max"] = max(float(knob["min"]), limit)
        out[name] = knob
    return out


def run_point(
    scenario: Any,
    knobs: dict[str, float],
    mechanism: str,
    seed: int,
    hours: int,
    kpis: tuple[str, ...] = DEFAULT_KPIS,
) -> dict[str, Any]:
    """Run the full model once at a knob setting; returns knobs, seed and KPI values."""
    from workbench.citymodel.knobs import run_at

    res = run_at(scenario, knobs, mechanism, int(seed), int(hours), baseline=False, oracle=False)
    vals = res.kpis["value"]
    row: dict[str, Any] = dict(knobs)
    row["seed"] = int(seed)
    for k in kpis:
        row[k] = float(vals[k])
    for name, curve in curves_of(res.dataset).items():
        row[f"_{name}"] = curve  # hourly curves: "_" columns never go to runs.csv
    return row


def _seed_lists(seeds: list[int] | list[list[int]], n_points: int) -> list[list[int]]:
    """Return the seeds of each point: ``seeds`` itself at each, or its per-point lists."""
    if not (seeds and isinstance(seeds[0], list | tuple)):
        shared: list[int] = []
        for s in seeds:
            if isinstance(s, list | tuple):
                msg = f"`seeds`: a list of seeds or one list per point, not a mix; got {seeds!r}."
                raise SpecError(msg)
            shared.append(s)
        return [shared] * n_points
    per_point: list[list[int]] = []
    for s in seeds:
        if not isinstance(s, list | tuple):
            msg = f"`seeds`: a list of seeds or one list per point, not a mix; got {seeds!r}."
            raise SpecError(msg)
        per_point.append(list(s))
    if len(per_point) != n_points:
        msg = f"`seeds` per point: got {len(per_point)} lists for {n_points} points."
        raise SpecError(msg)
    return per_point


def run_design(
    scenario: Any,
    points: pd.DataFrame,
    seeds: list[int] | list[list[int]],
    mechanism: str,
    hours: int,
    *,
    kpis: tuple[str, ...] = DEFAULT_KPIS,
    client: Any = None,
) -> pd.DataFrame:
    """Run every point x seed (on ``client`` when given, else serially); one row per run.

    ``seeds`` is one list used at every point, or one list per point.
    """
    per_point = _seed_lists(seeds, len(points))
    jobs = [
        ({k: float(v) for k, v in row.items()}, int(s))
        for j, row in enumerate(points.to_dict("records"))
        for s in per_point[j]
    ]
    if client is not None:
        futs = [
            client.submit(run_point, scenario, kn, mechanism, s, hours, kpis, pure=False)
            for kn, s in jobs
        ]
        rows = client.gather(futs)
    else:
        rows = [run_point(scenario, kn, mechanism, s, hours, kpis) for kn, s in jobs]
    df = pd.DataFrame(rows)
    n_each = len(per_point[0]) if per_point is not None else len(seeds)
    df.insert(0, "point", np.repeat(np.arange(len(points)), n_each))
    return df


def _private(table: pd.DataFrame) -> list[str]:
    """Columns of a runs table that hold hourly curves (named with a leading ``_``)."""
    return [c for c in table.columns if c.startswith("_")]


def _curves_of_table(table: pd.DataFrame, metrics: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Return the hourly curves held in a runs table, one (runs, hours) array per metric."""
    return {m: np.array(table[f"_{m}"].tolist(), dtype=float) for m in metrics}


def _ape(err: np.ndarray, y: np.ndarray, scale: float) -> np.ndarray:
    """Return absolute percentage errors, the denominator floored at 1% of ``scale``.

    KPIs such as unserved energy are often ~0, where a raw percentage is meaningless.
    """
    return err / np.maximum(np.abs(y), 0.01 * max(scale, 1e-12))


def validate(wm: WorldModel, held: pd.DataFrame) -> pd.DataFrame:
    """Return held-out accuracy: KPI, n, MAE, MAPE, median APE, interval coverage.

    Percentage errors divide by ``max(|y|, 1% of the mean |KPI| over the training runs)``.
    """
    if held.empty:
        return pd.DataFrame(columns=["kpi", "n", "mae", "mape", "median_ape", "coverage_90"])
    pred = wm.predict_array(held[wm.knob_names].to_numpy(dtype=float))
    rows = []
    for kpi, (mean, lo, hi) in pred.items():
        y = held[kpi].to_numpy(dtype=float)
        err = np.abs(mean - y)
        ape = _ape(err, y, float(np.mean(np.abs(wm.y[:, wm.kpis.index(kpi)]))))
        rows.append(
            {
                "kpi": kpi,
                "n": len(y),
                "mae": float(err.mean()),
                "mape": float(ape.mean()),
                "median_ape": float(np.median(ape)),
                "coverage_90": float(np.mean((y >= lo) & (y <= hi))),
            }
        )
    return pd.DataFrame(rows)


def _gbm_mape(train: pd.DataFrame, held: pd.DataFrame, names: list[str], kpis) -> dict[str, float]:
    """Held-out MAPE of gradient boosting (the alternative measured against the GP)."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    out: dict[str, float] = {}
    if held.empty or len(train) < 10:
        return out
    for kpi in kpis:
        m = HistGradientBoostingRegressor(max_iter=200, random_state=0)
        m.fit(train[names].to_numpy(float), train[kpi].to_numpy(float))
        p = m.predict(held[names].to_numpy(float))
        y = held[kpi].to_numpy(float)
        scale = float(np.mean(np.abs(train[kpi].to_numpy(float))))
        out[kpi] = float(np.mean(_ape(np.abs(p - y), y, scale)))
    return out


def train(
    scenario: str = "heatwave",
    mechanism: str = "lp",
    runs: int = 200,
    hours: int = 48,
    seed: int = 0,
    *,
    seeds_per_point: int = 3,
    out: str | Path | None = None,
    scheduler: str | None = None,
    parallel: bool = True,
    n_workers: int | None = None,
    kpis: tuple[str, ...] = DEFAULT_KPIS,
    until_mape: float | None = None,
    max_runs: int | None = None,
    method: str = "lhs",
    progress: Any = None,
) -> WorldModel:
    """Train a world model of ``scenario`` under ``mechanism`` from full-model runs.

    ``runs`` runs (design points x ``seeds_per_point`` seeds, a Latin hypercube over the
    scenario's knobs) are made on Dask; ``HOLDOUT_SHARE`` of the points are held out and the
    emulator's accuracy on them is written to ``validation.csv``; the saved emulator is then
    refitted on every run. ``until_mape`` adds batches of runs where the emulator is least
    certain until the held-out MAPE of every KPI is below it (or ``max_runs`` is reached).

    Returns
    -------
    WorldModel
        Saved to ``out`` when given (with ``runs.csv`` and ``validation.csv``).
    """
    from workbench.citymodel import get_scenario

    sc = get_scenario(scenario)
    knobs = scenario_knobs(sc, hours)
    if not knobs:
        msg = (
            f"Scenario '{sc.name}' declares no knobs, so there is nothing to emulate. Add a "
            "'knobs:' section to its YAML (see `workbench scenarios show heatwave --json`)."
        )
        raise SpecError(msg)
    if runs < 4 or seeds_per_point < 1:
        msg = f"`runs` must be >= 4 and `seeds_per_point` >= 1; got {runs} and {seeds_per_point}."
        raise SpecError(msg)
    say = progress or (lambda _msg: None)
    n_points = max(3, math.ceil(runs / seeds_per_point))
    n_held = max(1, round(HOLDOUT_SHARE * n_points))

    def seeds_of(first_point: int, n: int) -> list[list[int]]:
        # distinct seeds at every point: the GP's noise term then sees the seeds' population,
        # not one fixed pair of weather draws shared by every point
        base = seed * 1_000_000
        return [
            [base + (first_point + p) * seeds_per_point + i for i in range(seeds_per_point)]
            for p in range(n)
        ]

    t0 = time.perf_counter()

    def _checkpoint(table: pd.DataFrame) -> None:
        # the runs are the expensive part: keep them even if fitting fails
        if out is not None:
            Path(out).mkdir(parents=True, exist_ok=True)
            table.drop(columns=_private(table)).to_csv(Path(out) / "runs.csv", index=False)

    def _go(client):
        pts = design(knobs, n_points, seed=seed, method=method)
        say(f"running {n_points} points x {seeds_per_point} seeds ({hours} h, {mechanism})")
        table = run_design(
            sc, pts, seeds_of(0, n_points), mechanism, hours, kpis=kpis, client=client
        )
        _checkpoint(table)
        held_pts = set(range(n_points - n_held, n_points))
        rng = np.random.default_rng(seed)
        batch = 0
        while True:
            tr = table[~table["point"].isin(held_pts)]
            he = table[table["point"].isin(held_pts)]
            wm = fit_worldmodel(
                tr, scenario=sc.name, mechanism=mechanism, hours=hours, knobs=knobs, kpis=kpis
            )
            val = validate(wm, he)
            worst = float(val.loc[val["kpi"].isin(MAIN_KPIS), "mape"].max())
            say(f"{len(tr)} training runs: worst held-out MAPE (main KPIs) {worst:.3%}")
            if until_mape is None or worst <= until_mape:
                break
            if max_runs is not None and len(table) >= max_runs:
                say(f"stopping at --max-runs {max_runs}")
                break
            # active learning: candidates where the emulator's relative interval is widest
            cand = design(knobs, 512, seed=int(rng.integers(1 << 31)), method=method)
            pred = wm.predict_array(cand.to_numpy(float))
            width = sum((hi - lo) / np.maximum(np.abs(m), 1e-12) for m, lo, hi in pred.values())
            k = max(1, n_points // 4)
            new = cand.iloc[np.argsort(width)[::-1][:k]].reset_index(drop=True)
            batch += 1
            first = int(table["point"].max()) + 1
            more = run_design(
                sc, new, seeds_of(first, len(new)), mechanism, hours, kpis=kpis, client=client
            )
            more["point"] += first
            table = pd.concat([table, more], ignore_index=True)
            _checkpoint(table)
        return table

    if parallel or scheduler:
        from workbench.parallel import dask_client

        with dask_client(scheduler, n_workers=n_workers) as client:
            table = _go(client)
    else:
        table = _go(None)
    info = {
        "seeds_per_point": seeds_per_point,
        "seeds": "distinct per point: seed * 1e6 + point * seeds_per_point + i",
        "seed": seed,
        "method": method,
    }
    return finish(
        table,
        set(range(n_points - n_held, n_points)),
        scenario=sc.name,
        mechanism=mechanism,
        hours=hours,
        knobs=knobs,
        kpis=kpis,
        info=info,
        out=out,
        seconds=time.perf_counter() - t0,
        progress=say,
    )


MAX_INTERVAL_SCALE = 1e6
"""Largest factor by which calibration widens a KPI's interval."""


def calibrate(wm: WorldModel, held: pd.DataFrame) -> dict[str, float]:
    """Per-KPI factors (>= 1) widening the intervals so 90% of held-out runs fall inside."""
    if held.empty:
        return {k: 1.0 for k in wm.kpis}
    x = held[wm.knob_names].to_numpy(dtype=float)
    out = {}
    for kpi, (mean, _lo, hi) in wm.predict_array(x).items():
        # a KPI constant in training has a zero-width interval: floor its spread relative to
        # the KPI's size, and cap the factor so a degenerate fit cannot overflow later
        sd = np.maximum((hi - mean) / Z90, 1e-9 * np.maximum(np.abs(mean), 1.0))
        z = np.abs(held[kpi].to_numpy(dtype=float) - mean) / sd
        out[kpi] = float(min(MAX_INTERVAL_SCALE, max(1.0, np.quantile(z, 0.9) / Z90)))
    return out


def finish(
    table: pd.DataFrame,
    held_points: set[int],
    *,
    scenario: str,
    mechanism: str,
    hours: int,
    knobs: dict[str, dict[str, Any]],
    kpis: tuple[str, ...] = DEFAULT_KPIS,
    info: dict[str, Any] | None = None,
    out: str | Path | None = None,
    seconds: float | None = None,
    progress: Any = None,
) -> WorldModel:
    """Validate on the held-out points, calibrate the intervals, refit on every run, save.

    ``validation.csv`` reports the model fitted without the held-out points, with its raw
    (uncalibrated) interval coverage and the calibration factor then applied.
    When ``table`` holds the runs' hourly curves (columns ``_city_load_mw`` and
    ``_district_peak_mw``, as :func:`run_point` returns them), an hourly trajectory emulator
    is fitted, validated on the same held-out points (``validation_trajectory.csv``),
    calibrated, refitted on every run and saved with the model.
    """
    say = progress or (lambda _msg: None)
    metrics = tuple(m for m in TRAJECTORY_METRICS if f"_{m}" in table.columns)
    in_held = table["point"].isin(held_points).to_numpy()
    curves = _curves_of_table(table, metrics)
    table = table.drop(columns=_private(table))
    tr = table[~in_held]
    he = table[in_held]
    fit = functools.partial(
        fit_worldmodel,
        scenario=scenario,
        mechanism=mechanism,
        hours=hours,
        knobs=knobs,
        kpis=kpis,
    )
    wm = fit(tr)
    val = validate(wm, he)
    scales = calibrate(wm, he)
    val["interval_scale"] = val["kpi"].map(scales)
    val["gbm_mape"] = val["kpi"].map(_gbm_mape(tr, he, list(knobs), kpis))
    val["chosen"] = "gp"
    info = {
        **(info or {}),
        "runs": len(table),
        "design_points": int(table["point"].nunique()),
        "held_out_points": sorted(int(p) for p in held_points),
        "interval": "90%: GP posterior incl. white-noise seed variation, z=1.645, times "
        "interval_scale calibrated on the held-out runs",
        "train_seconds": None if seconds is None else round(seconds, 1),
        "validation": val.to_dict("records"),
    }
    traj_val = None
    if curves:
        t0 = time.perf_counter()
        x = wm.scale(table[list(knobs)].to_numpy(float))
        part = fit_trajectories(x[~in_held], {m: c[~in_held] for m, c in curves.items()})
        held_curves = {m: c[in_held] for m, c in curves.items()}
        traj_val = validate_trajectories(part, x[in_held], held_curves) if in_held.any() else None
        traj_scales = calibrate_trajectories(part, x[in_held], held_curves) if in_held.any() else {}
        if traj_val is not None:
            traj_val["interval_scale"] = traj_val["metric"].map(traj_scales)
            info["trajectory_validation"] = traj_val.to_dict("records")
        say(f"trajectory emulator ({', '.join(metrics)}): {time.perf_counter() - t0:.0f} s")
    wm = fit(table, info=info, interval_scale=scales)
    if curves:
        wm.trajectory = fit_trajectories(wm.x, curves)
        wm.trajectory.interval_scale = traj_scales
    if out is not None:
        folder = wm.save(out)
        table.to_csv(folder / "runs.csv", index=False)
        val.to_csv(folder / "validation.csv", index=False)
        if traj_val is not None:
            traj_val.to_csv(folder / "validation_trajectory.csv", index=False)
    say(f"fitted on {len(table)} runs" + (f"; {seconds:.0f} s in all" if seconds else ""))
    return wm


__all__ = [
    "HOLDOUT_SHARE",
    "Z90",
    "calibrate",
    "design",
    "finish",
    "run_design",
    "run_point",
    "scenario_knobs",
    "train",
    "validate",
]
