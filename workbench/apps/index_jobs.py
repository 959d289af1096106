"""The Index Explorer's heavy work, as module-level functions a worker process can run.

Each takes the indicator cube, or ``None`` for the shipped sample (then loaded once in the
worker, not sent), and the pipeline's plain-dict spec, so that the jobs' keys (their inputs)
let sessions with the same choices share one computation (:mod:`workbench.apps.heavy`).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import pandas as pd

from workbench.apps import common

#: Engine results of the shipped sample by pipeline and year, newest last (a worker serves
#: the profile, what-if, path and timeline of one choice from one engine run).
_RESULTS: OrderedDict[str, Any] = OrderedDict()
_RESULTS_LOCK = threading.Lock()
_RESULTS_KEPT = 8


def _cube(cube: Any) -> Any:
    """Return the cube a job was given, or the shipped sample (once per worker) for ``None``."""
    return common.shared_sample("city_ai_index") if cube is None else cube


def _memo(key: str, make: Any) -> Any:
    """Return ``make()`` once per ``key`` among the last :data:`_RESULTS_KEPT` keys."""
    with _RESULTS_LOCK:
        if key in _RESULTS:
            _RESULTS.move_to_end(key)
            return _RESULTS[key]
    value = make()
    with _RESULTS_LOCK:
        _RESULTS[key] = value
        while len(_RESULTS) > _RESULTS_KEPT:
            _RESULTS.popitem(last=False)
    return value


def cached_result(cube: Any, spec: dict[str, Any], year: int | None) -> Any:
    """Run the pipeline; for the shipped sample, reuse the last few results of this process.

    The results are never changed after they are made (a read-only cache): the jobs of one
    settled choice (the views, the development path, the timeline) share one engine run.
    """
    from workbench.index import run_index

    if cube is not None:
        return run_index(cube, spec, year=year)
    key = json.dumps(["result", spec, year], sort_keys=True)
    return _memo(key, lambda: run_index(_cube(None), spec, year=year))


def cached_ranking(cube: Any, spec: dict[str, Any], year: int | None) -> tuple[Any, Any, Any]:
    """Return the result, ranking table and reweighter of a choice (shared for the sample).

    Every participant opens the Explorer on the same default choice: its ranking table and
    :class:`~workbench.apps.index_reweight.Reweighter` are made once per server process.
    Callers must not change them (they never do: a new ranking is a new table).

    Returns
    -------
    tuple
        ``(IndexResult, ranking table, Reweighter or None)``.
    """
    from workbench.apps.index_reweight import Reweighter
    from workbench.apps.index_views import ranking_table

    def make() -> tuple[Any, Any, Any]:
        result = cached_result(cube, spec, year)
        return result, ranking_table(result, _cube(cube)), Reweighter.from_result(result)

    if cube is not None:
        return make()
    return _memo(json.dumps(["ranking", spec, year], sort_keys=True), make)


@dataclass(frozen=True)
class CityViews:
    """What the views below the Index Explorer's map show for one city and choice.

    Attributes
    ----------
    profile
        The city's :class:`~workbench.index.paths.CityProfile` (``None`` with ``error``).
    whatif
        :func:`~workbench.index.paths.what_if` of the chosen indicator change (``None``
        without an indicator, or with ``error``).
    error
        Why the profile could not be made (shown to the user), else ``None``.
    """

    profile: Any
    whatif: dict[str, Any] | None
    error: str | None = None


def city_views(result: Any, city: str, indicator: str | None, change: float) -> CityViews:
    """Compute the profile and what-if of ``city`` from an engine result.

    Parameters
    ----------
    result
        The ``IndexResult`` of the choice.
    city
        The city's code.
    indicator, change
        The what-if: ``indicator`` changed by ``change`` (relative; 0.1 = +10 %).

    Returns
    -------
    CityViews
        Both, or the engine's message when the city cannot be profiled.
    """
    from workbench.errors import WorkbenchError
    from workbench.index.paths import profile

    try:
        prof = profile(result, city)
    except WorkbenchError as exc:
        return CityViews(None, None, str(exc))
    whatif = None if indicator is None else city_whatif(result, city, indicator, change)
    return CityViews(prof, whatif)


def city_whatif(result: Any, city: str, indicator: str, change: float) -> dict[str, Any]:
    """Return the what-if card's numbers: ``indicator`` of ``city`` changed by ``change``.

    Parameters
    ----------
    result
        The ``IndexResult`` of the choice.
    city, indicator
        The city's and the indicator's codes.
    change
        The relative change (0.1 = +10 %).

    Returns
    -------
    dict
        As :func:`workbench.index.paths.what_if` returns it.
    """
    from workbench.index.paths import what_if

    return what_if(result, city, {indicator: float(change)}, relative=True)


def views_job(
    cube: Any,
    spec: dict[str, Any],
    year: int | None,
    city: str,
    indicator: str | None,
    change: float,
) -> CityViews:
    """Compute a city's profile and what-if in a worker process (the shipped cube for ``None``).

    Parameters
    ----------
    cube
        The indicator cube, or ``None`` for the shipped sample (loaded in the worker).
    spec, year
        The index pipeline and year.
    city, indicator, change
        As :func:`city_views` takes them.

    Returns
    -------
    CityViews
        The views' numbers (small: no engine result is sent back).
    """
    return city_views(cached_result(cube, spec, year), city, indicator, change)


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
    from workbench.index.trajectory import tier_path

    data = _cube(cube)
    if "year" not in data.dims or data.sizes["year"] < 3:
        return None
    target = int(data["year"].to_numpy()[-1]) + 5
    try:  # the whole panel: the path needs each city's history
        return tier_path(cached_result(cube, spec, None), city, target_year=target)
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
    from workbench.index.paths import development_path

    return development_path(cached_result(cube, spec, year), city, cap=cap)


__all__ = [
    "CityViews",
    "cached_ranking",
    "cached_result",
    "city_views",
    "city_whatif",
    "path_job",
    "timeline_job",
    "uncertainty_job",
    "views_job",
]
