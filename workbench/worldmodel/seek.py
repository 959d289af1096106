"""Goal seeking: search the knobs with the emulator, then verify with the full model.

A goal is ``KPI <= BOUND`` or ``KPI >= BOUND`` where BOUND is a number, ``baseline`` or
``F * baseline`` (``baseline``: the emulator's mean at the scenario as written). Several goals
are joined with ``and`` or ``;``. A setting meets a goal only when the emulator's whole 90%
interval does (``hi <= BOUND`` for ``<=``, ``lo >= BOUND`` for ``>=``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import SpecError, unknown_name
from workbench.worldmodel.emulator import WorldModel

_GOAL_RE = re.compile(
    r"^\s*(?P<kpi>\w+)\s*(?P<op><=|>=)\s*(?:(?P<num>[-+0-9.eE]+)\s*(?P<mul>\*)?\s*)?"
    r"(?P<base>baseline)?\s*$"
)
N_CANDIDATES = 4096
"""Sobol candidates the search evaluates with the emulator (then refined locally)."""


@dataclass(frozen=True)
class Goal:
    """One constraint ``kpi op factor * baseline`` (or ``kpi op value``)."""

    kpi: str
    op: str
    value: float
    relative: bool

    def bound(self, baseline: dict[str, float]) -> float:
        """Return the bound given the baseline KPI means."""
        return self.value * baseline[self.kpi] if self.relative else self.value

    def text(self) -> str:
        """Return the goal as text."""
        rhs = f"{self.value:g} * baseline" if self.relative else f"{self.value:g}"
        return f"{self.kpi} {self.op} {rhs}"


def parse_goals(text: str, kpis: tuple[str, ...] | list[str]) -> list[Goal]:
    """Parse ``"carbon_t <= 0.85 * baseline and batch_completed >= 0.7"``."""
    parts = [p for p in re.split(r"\band\b|;", text) if p.strip()]
    if not parts:
        msg = 'goal: expected e.g. "carbon_t <= 0.85 * baseline"; got an empty goal.'
        raise SpecError(msg)
    goals = []
    for part in parts:
        m = _GOAL_RE.match(part)
        if not m or (m.group("num") is None and m.group("base") is None):
            msg = (
                f"goal: cannot read {part.strip()!r}. Write KPI <= BOUND or KPI >= BOUND with "
                'BOUND a number, "baseline" or "F * baseline", e.g. "carbon_t <= 0.85 * baseline".'
            )
            raise SpecError(msg)
        kpi = m.group("kpi")
        if kpi not in kpis:
            raise SpecError("goal: " + unknown_name("KPI (emulated)", kpi, kpis))
        rel = m.group("base") is not None
        if rel and m.group("num") is not None and not m.group("mul"):
            msg = f"goal: write 'F * baseline' with a '*'; got {part.strip()!r}."
            raise SpecError(msg)
        try:
            val = float(m.group("num")) if m.group("num") is not None else 1.0
        except ValueError:
            msg = f"goal: {m.group('num')!r} in {part.strip()!r} is not a number."
            raise SpecError(msg) from None
        goals.append(Goal(kpi, m.group("op"), val, rel))
    return goals


@dataclass(frozen=True)
class SeekResult:
    """What the emulator promised at the answer and what the full model delivered."""

    reachable: bool
    settings: dict[str, float]
    goals: tuple[Goal, ...]
    objective: str
    baseline: dict[str, float]
    promised: dict[str, dict[str, float]]
    delivered: pd.DataFrame | None = None
    model_baseline: dict[str, float] = field(default_factory=dict)
    message: str = ""

    def to_dataframe(self) -> pd.DataFrame:
        """Table per KPI: promised mean/lo/hi, delivered mean, inside the interval, bound."""
        rows = []
        kpis = [self.objective, *[g.kpi for g in self.goals]]
        for kpi in dict.fromkeys(kpis):
            p = self.promised[kpi]
            row = {"kpi": kpi, "promised_mean": p["mean"], "lo": p["lo"], "hi": p["hi"]}
            if self.delivered is not None:
                d = self.delivered[kpi].to_numpy(float)
                row["delivered_mean"] = float(d.mean())
                row["delivered_min"] = float(d.min())
                row["delivered_max"] = float(d.max())
                row["within_interval"] = bool(np.all((d >= p["lo"]) & (d <= p["hi"])))
            rows.append(row)
        return pd.DataFrame(rows).set_index("kpi")

    def goal_table(self) -> pd.DataFrame:
        """Per goal: bound (emulator baseline), promised bound side, model's value and verdict."""
        rows = []
        for g in self.goals:
            p = self.promised[g.kpi]
            row = {
                "goal": g.text(),
                "bound": g.bound(self.baseline),
                "promised": p["hi"] if g.op == "<=" else p["lo"],
            }
            if self.delivered is not None:
                d = float(self.delivered[g.kpi].mean())
                b = (
                    g.bound(self.model_baseline)
                    if (g.relative and self.model_baseline)
                    else (g.bound(self.baseline))
                )
                row["model_bound"] = b
                row["delivered"] = d
                row["met_in_model"] = bool(d <= b if g.op == "<=" else d >= b)
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "reachable": self.reachable,
            "message": self.message,
            "settings": self.settings,
            "objective": self.objective,
            "goals": [g.text() for g in self.goals],
            "baseline": self.baseline,
            "promised": self.promised,
            "comparison": (
                self.to_dataframe().reset_index().to_dict("records") if self.promised else []
            ),
            "goal_check": self.goal_table().to_dict("records") if self.promised else [],
        }


def _score(wm, goals, base, objective, sign, values, fixed, vary):
    full = np.tile([fixed[k] for k in wm.knob_names], (len(values), 1))
    for j, k in enumerate(vary):
        full[:, wm.knob_names.index(k)] = values[:, j]
    need = list(dict.fromkeys([objective, *[g.kpi for g in goals]]))
    pred = wm.predict_array(full, need)
    viol = np.zeros(len(values))
    for g in goals:
        m, lo, hi = pred[g.kpi]
        b = g.bound(base)
        scale = max(abs(b), 1e-9)
        viol += np.maximum(0.0, (hi - b) / scale if g.op == "<=" else (b - lo) / scale)
    return sign * pred[objective][0], viol


def seek(
    wm: WorldModel,
    goal: str,
    vary: list[str],
    minimise: str | None = "total_cost_cny",
    *,
    maximise: str | None = None,
    fixed: dict[str, float] | None = None,
    verify_seeds: int = 3,
    verify: bool = True,
    client: Any = None,
    seed: int = 0,
) -> SeekResult:
    """Find knob values meeting ``goal`` (with the emulator's interval) at the best objective.

    Parameters
    ----------
    wm
        A trained world model.
    goal
        E.g. ``"carbon_t <= 0.85 * baseline"`` (see the module docstring).
    vary
        Knobs the search may move; the others stay at ``fixed`` or the scenario's defaults.
    minimise, maximise
        The KPI to minimise (default ``total_cost_cny``) or maximise.
    verify_seeds
        Full-model runs at the answer (and at the baseline when the goal is relative).
    verify
        Run the full model at the answer.
    client
        Optional Dask client for the verification runs.

    Returns
    -------
    SeekResult
        ``reachable=False`` (and the least-violating setting) when no setting within the
        knobs' ranges meets the goal according to the emulator.
    """
    from scipy.optimize import minimize
    from scipy.stats import qmc

    goals = parse_goals(goal, wm.kpis)
    objective = maximise or minimise or "total_cost_cny"
    if objective not in wm.kpis:
        raise SpecError("objective: " + unknown_name("KPI (emulated)", objective, wm.kpis))
    sign = -1.0 if maximise else 1.0
    if not vary:
        msg = "vary: name at least one knob to search, e.g. vary=['carbon_price']."
        raise SpecError(msg)
    for k in vary:
        if k not in wm.knobs:
            raise SpecError("vary: " + unknown_name("knob", k, wm.knobs))
    base_set = wm.settings(**(fixed or {}))
    base = {k: v["mean"] for k, v in wm.predict(**base_set).items()}
    lo = np.array([wm.knobs[k]["min"] for k in vary], dtype=float)
    hi = np.array([wm.knobs[k]["max"] for k in vary], dtype=float)
    u = qmc.Sobol(len(vary), seed=seed).random(N_CANDIDATES)
    cand = lo + u * (hi - lo)
    obj, viol = _score(wm, goals, base, objective, sign, cand, base_set, vary)
    feasible = viol <= 0
    if feasible.any():
        i = int(np.argmin(np.where(feasible, obj, np.inf)))
        x0 = cand[i]
        span = np.abs(obj[feasible]).max() or 1.0

        def f(x):
            o, v = _score(wm, goals, base, objective, sign, x[None, :], base_set, vary)
            return float(o[0] / span + 1e3 * v[0])

        res = minimize(f, x0, method="L-BFGS-B", bounds=list(zip(lo, hi, strict=True)))
        _, v = _score(wm, goals, base, objective, sign, res.x[None, :], base_set, vary)
        best = res.x if v[0] <= 0 and f(res.x) <= f(x0) else x0
        reachable, message = True, "goal reachable according to the emulator"
    else:
        best = cand[int(np.argmin(viol))]
        reachable = False
        message = (
            f"goal not reachable within the knobs' ranges ({', '.join(vary)}): no setting "
            "meets it with the emulator's 90% interval; showing the setting that comes closest."
        )
    settings = dict(base_set)
    for j, k in enumerate(vary):
        settings[k] = float(best[j])
    promised = wm.predict(**settings)
    delivered, model_base = None, {}
    if verify and reachable:
        delivered, model_base = _verify(wm, settings, goals, base_set, verify_seeds, client)
    return SeekResult(
        reachable,
        settings,
        tuple(goals),
        objective,
        base,
        promised,
        delivered,
        model_base,
        message,
    )


def _verify(wm, settings, goals, base_set, n_seeds, client):
    from workbench.worldmodel.training import run_design

    seeds = [10_000 + i for i in range(n_seeds)]  # not seeds the emulator was trained on
    pts = pd.DataFrame([settings])
    if any(g.relative for g in goals):
        pts = pd.concat([pts, pd.DataFrame([base_set])], ignore_index=True)
    runs = run_design(wm.scenario, pts, seeds, wm.mechanism, wm.hours, kpis=wm.kpis, client=client)
    runs = runs.drop(columns=["_city_load_mw"])
    delivered = runs[runs["point"] == 0].reset_index(drop=True)
    model_base = {}
    if len(pts) > 1:
        b = runs[runs["point"] == 1]
        model_base = {k: float(b[k].mean()) for k in wm.kpis}
    return delivered, model_base


__all__ = ["Goal", "SeekResult", "parse_goals", "seek"]
