"""The Index Explorer's heavy work, as module-level functions a worker process can run.

Each takes the indicator cube, or ``None`` for the shipped sample (then loaded once in the
worker, not sent), and the pipeline's plain-dict spec, so that the jobs' keys (their inputs)
let sessions with the same choices share one computation (:mod:`workbench.apps.heavy`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.apps import common


def _cube(cube: Any) -> Any:
    """Return the cube a job was given, or the shipped sample (once per worker) for ``None``."""
    return common.shared_sample("city_ai_index") if cube is None else cube


def result_job(cube: Any, spec: dict[str, Any], year: int | None) -> Any:
    """Run the index pipeline in a worker process (the shipped cube when ``cube`` is ``None``).

    Parameters
    ----------
    cube
        The indicator cube, or ``None`` for the shipped sample (loaded in the worker).
    spec, year
        As :func:`workbench.index.run_index` takes them.

    Returns
    -------
    workbench.index.IndexResult
        The result.
    """
    from workbench.index import run_index

    cube = _cube(cube)
    return run_index(cube, spec, year=year)


def timeline_job(cube: Any, spec: dict[str, Any], city: str) -> Any:
    """Find a city's year-by-year path to the next tier in a worker process.

    Parameters
    ----------
    cube
        The indicator cube, or ``None`` for the shipped sample (loaded in the worker).
    spec
        The index pipeline.
    city
        The city's code.

    Returns
    -------
    workbench.index.trajectory.TierPath or None
        The path to five years after the cube's last year; ``None`` when the cube has fewer
        than three years or the path cannot be found (the explorer then shows no timeline).
    """
    from workbench.errors import WorkbenchError
    from workbench.index import run_index
    from workbench.index.trajectory import tier_path

    cube = _cube(cube)
    if "year" not in cube.dims or cube.sizes["year"] < 3:
        return None
    target = int(cube["year"].to_numpy()[-1]) + 5
    try:  # the whole panel: the path needs each city's history
        return tier_path(run_index(cube, spec), city, target_year=target)
    except WorkbenchError:
        return None


def uncertainty_job(
    cube: Any, spec: dict[str, Any], n_draws: int, seed: int, year: int | None
) -> pd.DataFrame:
    """Run the uncertainty analysis in a worker process (the shipped cube when ``None``).

    Parameters
    ----------
    cube
        The indicator cube, or ``None`` for the shipped sample (loaded in the worker).
    spec, n_draws, seed, year
        As :func:`workbench.index.uncertainty.uncertainty` takes them.

    Returns
    -------
    pandas.DataFrame
        The analysis's summary per city.
    """
    from workbench.index.uncertainty import uncertainty

    cube = _cube(cube)
    return uncertainty(cube, spec, n_draws=n_draws, seed=seed, year=year).summary()


def path_job(cube: Any, spec: dict[str, Any], year: int | None, city: str, cap: float) -> Any:
    """Find a city's development path in a worker process (the shipped cube when ``None``).

    Parameters
    ----------
    cube
        The indicator cube, or ``None`` for the shipped sample (loaded in the worker).
    spec, year
        The index pipeline and year.
    city, cap
        As :func:`workbench.index.paths.development_path` takes them.

    Returns
    -------
    DevelopmentPath
    """
    from workbench.index import run_index
    from workbench.index.paths import development_path

    cube = _cube(cube)
    return development_path(run_index(cube, spec, year=year), city, cap=cap)


__all__ = ["path_job", "result_job", "timeline_job", "uncertainty_job"]
