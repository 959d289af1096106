"""What the Siting Studio shows, assembled from the siting engine's results (no siting logic).

The non-UI glue of :mod:`workbench.apps.siting_studio`: loading the shipped scenario, turning
the app's settings into the engine's scenario, solving (in a worker process: see
:func:`solve_plan_job`) and reading the engine's result object into a :class:`PlanView`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench import labels
from workbench.apps import common
from workbench.errors import SpecError


def load_inputs() -> dict[str, Any]:
    """Load the shipped Shanghai siting scenario and district geometry (shared, read-only).

    Returns
    -------
    dict
        ``demand``, ``sites`` (GeoDataFrames), ``scenario`` (dict), ``districts`` (GeoDataFrame).
    """
    sample = common.shared_sample("shanghai_siting")
    return {
        "demand": sample["demand"],
        "sites": sample["sites"],
        "scenario": sample["scenario"],
        "districts": common.shared_sample("shanghai_districts"),
    }


@dataclass(frozen=True)
class PlanView:
    """What the app shows of one solved plan, read from the engine's result object.

    Attributes
    ----------
    result
        The engine's result (kept for downloads).
    status, gap, seconds
        Solver status (``optimal``/``feasible``/...), proven relative gap and solve time.
    open_sites
        Ids of the opened sites.
    assignment
        Demand id -> serving site id.
    latency_ms
        Latency of each served demand point (ms).
    kpis
        The engine's KPI dict.
    demand
        The demand table the plan was solved for.
    """

    result: Any
    status: str
    gap: float
    seconds: float
    open_sites: tuple[str, ...]
    assignment: pd.Series
    latency_ms: np.ndarray
    kpis: dict[str, Any]
    demand: pd.DataFrame

    def status_text(self) -> str:
        """One line: solver status, gap and time (a time-limited solve says so)."""
        gap = "" if not np.isfinite(self.gap) else f", gap {self.gap:.2%}"
        return f"Solver status: **{self.status}**{gap} ({self.seconds:.1f} s)"

    def kpi_row(self) -> dict[str, Any]:
        """KPIs as a flat row of numbers (for the comparison table)."""
        row: dict[str, Any] = {
            "status": self.status,
            "gap": self.gap,
            "sites_open": len(self.open_sites),
        }
        for k, v in self.kpis.items():
            if isinstance(v, int | float | np.number):
                row[k] = float(v)
        return row

    def kpi_cards(self) -> dict[str, str]:
        """Return the formatted texts of the KPI cards."""
        k = self.kpis
        out = {}
        for key, name, fmt in _KPI_CARDS:
            value = _first(k, name)
            if value is not None:
                out[key] = fmt(value)
        return out

    def served_by_site(self) -> pd.Series:
        """Tokens per day served by each open site."""
        d = self.demand.assign(id=self.demand["id"].astype(str)).set_index("id")["tokens_per_day"]
        a = self.assignment
        return d.reindex(a.index).groupby(a.to_numpy()).sum()

    def assignment_frame(self) -> pd.DataFrame:
        """Demand id, serving site and latency of each served demand point."""
        return pd.DataFrame(
            {
                "demand": self.assignment.index,
                "site": self.assignment.to_numpy(),
                "latency_ms": self.latency_ms,
            }
        )

    @property
    def sites_gdf(self) -> Any:
        """The engine's GeoDataFrame of the opened sites."""
        return self.result.to_geodataframe()

    @property
    def dataset(self) -> Any:
        """The engine's Dataset of the plan."""
        return self.result.to_xarray()


def _first(d: dict[str, Any], names: tuple[str, ...]) -> Any:
    for n in names:
        if n in d and d[n] is not None:
            return d[n]
    return None


_KPI_CARDS: tuple[tuple[str, tuple[str, ...], Any], ...] = (
    ("coverage", ("coverage_within_budget", "coverage"), labels.percent),
    ("latency_p50", ("latency_p50_ms",), lambda v: f"{labels.sig(v)} ms"),
    ("latency_p95", ("latency_p95_ms",), lambda v: f"{labels.sig(v)} ms"),
    ("capex", ("capex_cny",), lambda v: labels.quantity(v, "CNY")),
    (
        "energy",
        ("energy_cost_cny_per_year", "energy_cost_cny"),
        lambda v: labels.quantity(v, "CNY"),
    ),
    ("tpw", ("tokens_per_watt",), lambda v: f"{labels.sig(v)} tokens/s per W"),
    ("carbon", ("carbon_t_per_year", "carbon_t"), lambda v: labels.quantity(v, "t CO2")),
)


def scenario_defaults(scenario: dict[str, Any]) -> dict[str, Any]:
    """Read initial control values from the scenario file.

    Parameters
    ----------
    scenario
        The parsed ``scenario.yaml``.

    Returns
    -------
    dict
        Parameter name -> value for the keys the scenario gives.
    """
    out: dict[str, Any] = {}
    budgets = scenario.get("latency_budget_ms") or {}
    for tier in ("edge", "dc", "hub"):
        if tier in budgets:
            out[f"{tier}_latency_ms"] = float(budgets[tier])
    per_tier = scenario.get("sites_per_tier") or {}
    for tier in ("hub", "edge", "dc"):
        if tier in per_tier:
            spec = per_tier[tier]  # an exact count or a {min, max} range: start at the min
            out[f"n_{tier}"] = int(spec.get("min", 0) if isinstance(spec, dict) else spec)
    if "budget_cny" in scenario:
        out["budget_mcny"] = float(scenario["budget_cny"]) / 1e6
    if "electricity_price_cny_per_kwh" in scenario:
        out["electricity_price"] = float(scenario["electricity_price_cny_per_kwh"])
    if "carbon_price_cny_per_t" in scenario:
        out["carbon_price"] = float(scenario["carbon_price_cny_per_t"])
    return out


def scenario_with(scenario: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """Return the scenario with the app's settings written into its keys.

    Parameters
    ----------
    scenario
        The parsed ``scenario.yaml``.
    settings
        :meth:`SitingStudio.settings`.

    Returns
    -------
    dict
        A new scenario dict; the input is not changed.
    """
    out = dict(scenario)
    out["latency_budget_ms"] = {
        **dict(scenario.get("latency_budget_ms") or {}),
        **{t: float(settings[f"{t}_latency_ms"]) for t in ("edge", "dc", "hub")},
    }
    out["sites_per_tier"] = {t: int(settings[f"n_{t}"]) for t in ("hub", "edge", "dc")}
    out["budget_cny"] = float(settings["budget_mcny"]) * 1e6
    out["electricity_price_cny_per_kwh"] = float(settings["electricity_price"])
    out["carbon_price_cny_per_t"] = float(settings["carbon_price"])
    return out


def study_area(inputs: dict[str, Any], area: list[str]) -> tuple[Any, Any]:
    """Select the demand and sites of a study area (a data selection, not a model step).

    Parameters
    ----------
    inputs
        As returned by :func:`load_inputs`.
    area
        District codes; empty for the whole city.

    Returns
    -------
    tuple
        ``(demand, sites)``: demand points in the area; sites in the area plus every hub
        (core hubs serve the whole city).
    """
    demand, sites = inputs["demand"], inputs["sites"]
    if not area:
        return demand, sites
    codes = set(map(str, area))
    d = demand[demand["district"].astype(str).isin(codes)]
    s = sites[sites["district"].astype(str).isin(codes) | (sites["tier"].astype(str) == "hub")]
    if len(d) == 0:
        msg = f"`area` {sorted(codes)} holds no demand points; pick districts with demand."
        raise SpecError(msg)
    return d, s


def solve_plan(inputs: dict[str, Any], settings: dict[str, Any]) -> PlanView:
    """Solve the "2+M+X" plan with the engine for the app's settings.

    Parameters
    ----------
    inputs
        As returned by :func:`load_inputs`.
    settings
        :meth:`SitingStudio.settings`.

    Returns
    -------
    PlanView
    """
    from workbench.siting.plan import plan

    demand, sites = study_area(inputs, settings.get("area") or [])
    scenario = scenario_with(inputs["scenario"], settings)
    if settings.get("area"):  # a study area holds fewer candidates: ask for at most those
        available = sites["tier"].astype(str).value_counts()
        scenario["sites_per_tier"] = {
            t: min(int(n), int(available.get(t, 0))) for t, n in scenario["sites_per_tier"].items()
        }
    result = plan(demand, sites, scenario, time_limit=float(settings["time_limit"]))
    per_demand = result.to_dataframe()
    per_demand["id"] = per_demand["id"].astype(str)
    assignment = pd.Series(result.assignment, dtype=object)
    assignment.index = assignment.index.astype(str)
    latency = per_demand.set_index("id")["latency_ms"].reindex(assignment.index)
    return PlanView(
        result=result,
        status=str(result.status),
        gap=float(result.gap),
        seconds=float(result.seconds),
        open_sites=tuple(str(i) for i in result.selected),
        assignment=assignment,
        latency_ms=latency.to_numpy(dtype=float),
        kpis=dict(result.kpis),
        demand=demand,
    )


@dataclass
class Kept:
    """A plan kept for comparison: its name, the plan and the settings it was solved with."""

    name: str
    view: PlanView
    settings: dict[str, Any] = field(default_factory=dict)


#: Planning settings of the app (what a solve uses), in the order of the controls.
SETTINGS = (
    "edge_latency_ms",
    "dc_latency_ms",
    "hub_latency_ms",
    "budget_mcny",
    "n_hub",
    "n_edge",
    "n_dc",
    "electricity_price",
    "carbon_price",
    "time_limit",
    "area",
)


#: KPIs of the side-by-side comparison, in the order shown.
COMPARED = (
    "coverage",
    "latency_p50_ms",
    "latency_p95_ms",
    "capex_cny",
    "energy_cost_cny_per_year",
    "tokens_per_watt",
    "carbon_t_per_year",
    "n_hub",
    "n_edge",
    "n_dc",
    "status",
    "gap",
)


def side_by_side(table: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """Return kept plans side by side for reading: one column per plan, one row per KPI.

    Parameters
    ----------
    table
        :meth:`SitingStudio.comparison_table` (one row per plan).
    language
        ``"en"`` or ``"zh"``.

    Returns
    -------
    pandas.DataFrame
        Labelled rows (KPIs with units, then the settings that differ), formatted values.
    """
    if table.empty:
        return pd.DataFrame()
    settings = [
        c for c in table.columns if c.startswith("setting:") and len(set(table[c].astype(str))) > 1
    ]
    rows = [c for c in COMPARED if c in table.columns] + settings
    out = {}
    for plan in table.index:
        values = []
        for column in rows:
            value = table.loc[plan, column]
            if column in ("coverage", "gap") and isinstance(value, float):
                values.append(labels.percent(value))
            elif isinstance(value, float | int | np.number) and not isinstance(value, bool):
                values.append(labels.quantity(float(value), "", language, digits=4))
            else:
                values.append(str(value))
        out[str(plan)] = values
    index = [labels.label(c.removeprefix("setting:"), language) for c in rows]
    frame = pd.DataFrame(out, index=index)
    frame.index.name = labels.label("kpi", language)
    return frame


def solve_plan_job(settings: dict[str, Any], inputs: dict[str, Any] | None = None) -> PlanView:
    """Solve a plan in a worker process (the shipped sample when ``inputs`` is ``None``).

    Parameters
    ----------
    settings
        :meth:`SitingStudio.settings`.
    inputs
        Custom inputs (sent to the worker), or ``None`` to load the shipped sample there.

    Returns
    -------
    PlanView
    """
    return solve_plan(load_inputs() if inputs is None else inputs, settings)


def plan_key(settings: dict[str, Any], inputs_id: str) -> tuple[Any, ...]:
    """Return the memo key of a solve: the inputs and every setting (areas sorted).

    Parameters
    ----------
    settings
        :meth:`SitingStudio.settings`.
    inputs_id
        ``"sample"`` for the shipped scenario, else an identifier of the custom inputs.

    Returns
    -------
    tuple
        Hashable, stable across processes.
    """
    items = []
    for name in SETTINGS:
        value = settings.get(name)
        if name == "area":
            value = tuple(sorted(str(v) for v in value or ()))
        elif isinstance(value, float):
            value = round(value, 9)
        items.append((name, value))
    return ("siting-plan", inputs_id, tuple(items))
