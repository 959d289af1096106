"""Run, compare and ensemble city-model runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from workbench.citymodel.kpis import compute_kpis, kpi_table
from workbench.citymodel.model import CityModel
from workbench.citymodel.result import RunResult, build_dataset
from workbench.citymodel.scenarios import Scenario, get_scenario

BASELINE_MECHANISM = "none"
ORACLE_MECHANISM = "oracle"


def _oracle_cost(
    sc: Scenario, seed: int, hours: int, plan: Any, oracle: Any, model_kw: dict
) -> float:
    """Return the oracle's total cost on the same scenario and seed (NaN when not run)."""
    from workbench.citymodel.joint import ORACLE_MAX_HOURS

    if isinstance(oracle, RunResult):
        return float(oracle.kpis.loc["total_cost_cny", "value"])
    if oracle is False or hours > ORACLE_MAX_HOURS:
        return float("nan")
    _, ods = _simulate(sc, ORACLE_MECHANISM, seed, hours, plan=plan, **model_kw)
    return compute_kpis(ods)["total_cost_cny"]


def _simulate(scenario: Any, mechanism: str, seed: int, hours: int, **kw: Any):
    model = CityModel(scenario=scenario, mechanism=mechanism, seed=seed, hours=hours, **kw)
    model.run()
    ds = build_dataset(model)
    return model, ds


def run(
    scenario: str | Path | Scenario | dict[str, Any] = "baseline",
    mechanism: str = "none",
    seed: int = 0,
    hours: int = 168,
    plan: pd.DataFrame | None = None,
    *,
    baseline: RunResult | bool | None = None,
    oracle: RunResult | bool = True,
    **model_kw: Any,
) -> RunResult:
    """Run one scenario under one mechanism and compute its KPIs.

    Parameters
    ----------
    scenario
        Name, YAML path, mapping or :class:`Scenario`.
    mechanism
        Registered mechanism name.
    seed
        Seed of every random stream.
    hours
        Hours to simulate.
    plan
        Siting plan (``SitingResult.to_geodataframe()`` or a table with the plan columns).
    baseline
        A ``none`` run on the same seed/scenario to compare against (run when omitted;
        ``False``: no comparison).
    oracle
        The ``oracle`` run on the same seed/scenario for ``gap_to_oracle``; ``True`` runs it
        (runs longer than ``joint.ORACLE_MAX_HOURS`` hours are not), ``False`` skips it.
    **model_kw
        Passed to :class:`CityModel` (``n_units``, ``districts``, ``edges``, ...).

    Returns
    -------
    RunResult
        Dataset, decision log and KPIs with ratios to the ``none`` run.

    Examples
    --------
    >>> from workbench.citymodel import run
    >>> res = run("heatwave", mechanism="lp", seed=1, hours=24)
    >>> cost = res.kpis.loc["total_cost_cny"]
    >>> cost["unit"], bool(cost["ratio_to_none"] < 1)  # cheaper than without coordination
    ('CNY', True)
    """
    sc = get_scenario(scenario)
    model, ds = _simulate(sc, mechanism, seed, hours, plan=plan, **model_kw)
    kpis = compute_kpis(ds)
    if mechanism == ORACLE_MECHANISM:
        oc = kpis["total_cost_cny"]
    else:
        oc = _oracle_cost(sc, seed, hours, plan, oracle, model_kw)
    kpis["gap_to_oracle"] = (kpis["total_cost_cny"] - oc) / abs(oc) if oc else float("nan")
    if mechanism == BASELINE_MECHANISM:
        base = kpis
    elif isinstance(baseline, RunResult):
        base = {k: float(v) for k, v in baseline.kpis["value"].items()}
    elif baseline is False:
        base = None
    else:
        _, bds = _simulate(sc, BASELINE_MECHANISM, seed, hours, plan=plan, **model_kw)
        base = compute_kpis(bds)
        base["gap_to_oracle"] = (base["total_cost_cny"] - oc) / abs(oc) if oc else float("nan")
    return RunResult(
        scenario=sc.name,
        mechanism=mechanism,
        seed=int(seed),
        hours=int(hours),
        dataset=ds,
        decisions=model.orchestrator.log,
        kpis=kpi_table(kpis, base),
    )


def compare(
    results: list[RunResult] | None = None,
    *,
    scenario: str | Path | Scenario | dict[str, Any] = "baseline",
    mechanisms: list[str] | None = None,
    seed: int = 0,
    hours: int = 168,
    **model_kw: Any,
) -> pd.DataFrame:
    """Return a tidy comparison table: one row per run and KPI.

    Parameters
    ----------
    results
        Finished runs to compare. When omitted, ``scenario`` is run under every mechanism in
        ``mechanisms`` (default: all registered) with one shared ``none`` baseline.
    scenario, mechanisms, seed, hours, **model_kw
        What to run when ``results`` is omitted.
    """
    if results is None:
        from workbench.citymodel.mechanisms import mechanism_registry

        names = mechanisms or mechanism_registry().names()
        orc = run(scenario, ORACLE_MECHANISM, seed, hours, baseline=False, **model_kw)
        base = run(scenario, BASELINE_MECHANISM, seed, hours, oracle=orc, **model_kw)
        results = [
            base
            if m == BASELINE_MECHANISM
            else run(scenario, m, seed, hours, baseline=base, oracle=orc, **model_kw)
            for m in names
        ]
    frames = []
    for r in results:
        df = r.kpis.reset_index()
        df.insert(0, "seed", r.seed)
        df.insert(0, "mechanism", r.mechanism)
        df.insert(0, "scenario", r.scenario)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def _ensemble_member(
    scenario: Any, mechanisms: list[str], seed: int, hours: int, kw: dict
) -> list[dict]:
    orc: RunResult | bool = (
        run(scenario, ORACLE_MECHANISM, seed, hours, baseline=False, **kw)
        if hours <= _max_oracle_hours()
        else False
    )
    base = run(scenario, BASELINE_MECHANISM, seed, hours, oracle=orc, **kw)
    out = []
    for mech in mechanisms:
        res = (
            base
            if mech == BASELINE_MECHANISM
            else run(scenario, mech, seed, hours, baseline=base, oracle=orc, **kw)
        )
        out.append({"scenario": res.scenario, "mechanism": mech, "seed": seed, "kpis": res.kpis})
    return out


def _max_oracle_hours() -> int:
    from workbench.citymodel.joint import ORACLE_MAX_HOURS

    return ORACLE_MAX_HOURS


def ensemble(
    scenarios: list[Any],
    mechanisms: list[str],
    seeds: list[int],
    hours: int = 168,
    *,
    scheduler: str | None = None,
    parallel: bool = False,
    n_workers: int | None = None,
    **model_kw: Any,
) -> pd.DataFrame:
    """Run every scenario x mechanism x seed; returns the comparison table.

    With ``scheduler`` (an address) or ``parallel=True`` the (scenario, seed) members run as
    tasks on a Dask cluster from :func:`workbench.parallel.dask_client`; results are identical
    to a serial run because every member derives its streams from its own seed.
    """
    scs = [get_scenario(s) for s in scenarios]
    jobs = [(sc, s) for sc in scs for s in seeds]
    if scheduler or parallel:
        from workbench.parallel import dask_client

        with dask_client(scheduler, n_workers=n_workers) as client:
            futs = [
                client.submit(
                    _ensemble_member, sc, list(mechanisms), int(s), hours, model_kw, pure=False
                )
                for sc, s in jobs
            ]
            members = client.gather(futs)
    else:
        members = [
            _ensemble_member(sc, list(mechanisms), int(s), hours, model_kw) for sc, s in jobs
        ]
    frames = []
    for member in members:
        for m in member:
            df = m["kpis"].reset_index()
            df.insert(0, "seed", m["seed"])
            df.insert(0, "mechanism", m["mechanism"])
            df.insert(0, "scenario", m["scenario"])
            frames.append(df)
    return pd.concat(frames, ignore_index=True)


__all__ = ["compare", "ensemble", "run"]
