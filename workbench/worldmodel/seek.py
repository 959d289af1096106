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
class SeekRound:
    """One seek-verify round: the emulator's answer, its promise and the full model's check."""

    round: int
    training_runs: int
    settings: dict[str, float]
    promised: dict[str, dict[str, float]]
    delivered: dict[str, float]
    seeds: tuple[int, ...]
    within_interval: dict[str, bool]
    goals_met: bool
    confirmed: bool
    added_runs: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary of the round."""
        return {
            "round": self.round,
            "training_runs": self.training_runs,
            "settings": self.settings,
            "promised": self.promised,
            "delivered": self.delivered,
            "seeds": list(self.seeds),
            "within_interval": self.within_interval,
            "goals_met": self.goals_met,
            "confirmed": self.confirmed,
            "added_runs": self.added_runs,
        }


@dataclass(frozen=True)
class SeekResult:
    """What the emulator promised at the answer and what the full model delivered.

    ``confirmed`` is True when, in the last round, the full model's mean over the verification
    seeds lies inside the emulator's 90% interval for the objective and every goal KPI, and
    meets every goal; False when it did not after every round; None when not verified (or
    the goal is unreachable). ``rounds`` records every seek-verify(-refine) round.
    """

    reachable: bool
    settings: dict[str, float]
    goals: tuple[Goal, ...]
    objective: str
    baseline: dict[str, float]
    promised: dict[str, dict[str, float]]
    delivered: pd.DataFrame | None = None
    model_baseline: dict[str, float] = field(default_factory=dict)
    message: str = ""
    confirmed: bool | None = None
    rounds: tuple[SeekRound, ...] = ()
    model: Any = field(default=None, repr=False, compare=False)

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
            "confirmed": self.confirmed,
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
            "rounds": [r.to_dict() for r in self.rounds],
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
    rounds: int = 3,
    local_points: int = 4,
    client: Any = None,
    seed: int = 0,
    progress: Any = None,
) -> SeekResult:
    """Find knob values meeting ``goal`` (with the emulator's interval) at the best objective.

    Each round searches with the emulator, then runs the full model at the answer with
    ``verify_seeds`` new seeds. The answer is *confirmed* when the model's mean lies inside
    the emulator's 90% interval for the objective and every goal KPI and meets every goal.
    Otherwise the verification runs, plus ``local_points`` design points x ``verify_seeds``
    seeds in a box around the answer (:data:`LOCAL_SPAN` of each varied knob's range), are
    added to the training runs, the emulator is refitted, and the search is repeated, up to
    ``rounds`` rounds in all (active learning where the answer lies).

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
        Full-model runs at the answer each round (and at the baseline, once, when a goal is
        relative). New seeds each round, never the emulator's training seeds.
    verify
        Run the full model at the answer (``False``: one emulator search, no rounds).
    rounds
        Most seek-verify rounds (>= 1); ``1`` verifies once without refining.
    local_points
        Design points added around an unconfirmed answer before the next round.
    client
        Optional Dask client for the full-model runs.
    seed
        Seed of the search's Sobol candidates and of the local designs.
    progress
        Optional callable receiving one line of text per round.

    Returns
    -------
    SeekResult
        ``reachable=False`` (and the least-violating setting) when no setting within the
        knobs' ranges meets the goal according to the emulator; ``confirmed`` and
        ``rounds`` say what the full model made of the answer; ``model`` is the (possibly
        refined) emulator of the last round.
    """
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
    if int(rounds) < 1 or int(verify_seeds) < 1 or int(local_points) < 0:
        msg = (
            "`rounds` and `verify_seeds` must be >= 1 and `local_points` >= 0; got "
            f"rounds={rounds}, verify_seeds={verify_seeds}, local_points={local_points}."
        )
        raise SpecError(msg)
    say = progress or (lambda _m: None)
    base_set = wm.settings(**(fixed or {}))
    watched = list(dict.fromkeys([objective, *[g.kpi for g in goals]]))
    model = wm
    history: list[SeekRound] = []
    model_base: dict[str, float] = {}
    delivered = None
    for r in range(1, int(rounds) + 1):
        reachable, settings, base, message = _search(
            model, goals, objective, sign, vary, base_set, seed + r - 1
        )
        promised = model.predict(**settings)
        if not reachable or not verify:
            if r > 1:
                message = f"after {r - 1} refinement round(s): {message}"
            return SeekResult(
                reachable,
                settings,
                tuple(goals),
                objective,
                base,
                promised,
                None,
                model_base,
                message,
                None if r == 1 else False,
                tuple(history),
                model,
            )
        seeds = [VERIFY_SEED + 100 * (r - 1) + i for i in range(int(verify_seeds))]
        delivered, new_base = _verify(
            model, settings, goals, base_set, seeds, client, baseline=not model_base
        )
        model_base = model_base or new_base
        got = {k: float(delivered[k].mean()) for k in model.kpis}
        inside = {k: bool(promised[k]["lo"] <= got[k] <= promised[k]["hi"]) for k in watched}
        met = all(_met(g, got[g.kpi], model_base or base, base) for g in goals)
        ok = all(inside.values()) and met
        added = 0
        more = None
        if not ok and r < rounds:
            more = _local_runs(model, settings, vary, local_points, seeds, seed + r, client)
            added = len(delivered) + len(more)
        history.append(
            SeekRound(
                r,
                len(model.y),
                dict(settings),
                {k: promised[k] for k in watched},
                {k: got[k] for k in watched},
                tuple(seeds),
                inside,
                met,
                ok,
                added,
            )
        )
        say(_round_line(history[-1], objective))
        if ok or more is None:
            break
        model = model.with_runs(
            pd.concat([delivered, more], ignore_index=True),
            info={"refined_near": dict(settings), "refined_round": r},
        )
    last = history[-1]
    if last.confirmed:
        message = (
            f"confirmed by the full model in round {last.round} of at most {rounds}: its mean "
            f"over {len(last.seeds)} new seed(s) lies inside the emulator's 90% interval and "
            "meets the goal"
        )
    else:
        why = [k for k, v in last.within_interval.items() if not v]
        message = (
            f"NOT confirmed after {last.round} round(s): the full model's mean "
            + (f"lies outside the emulator's interval for {', '.join(why)}" if why else "")
            + (" and " if why and not last.goals_met else "")
            + ("misses the goal" if not last.goals_met else "")
        )
    return SeekResult(
        True,
        last.settings,
        tuple(goals),
        objective,
        {k: v["mean"] for k, v in model.predict(**base_set).items()},
        model.predict(**last.settings),
        delivered,
        model_base,
        message,
        last.confirmed,
        tuple(history),
        model,
    )


VERIFY_SEED = 10_000
"""First seed of the verification runs (round ``r`` uses ``VERIFY_SEED + 100 * (r - 1) + i``)."""
LOCAL_SEED = 30_000
"""First seed of the runs added near an unconfirmed answer."""
LOCAL_SPAN = 0.1
"""Half-width of the refinement box around an answer, as a share of each varied knob's range."""


def _met(g: Goal, value: float, model_base: dict[str, float], base: dict[str, float]) -> bool:
    b = g.bound(model_base) if g.relative and model_base else g.bound(base)
    return bool(value <= b if g.op == "<=" else value >= b)


def _round_line(r: SeekRound, objective: str) -> str:
    parts = [
        f"{k}: promised {p['mean']:.4g} [{p['lo']:.4g}, {p['hi']:.4g}], delivered "
        f"{r.delivered[k]:.4g}{'' if r.within_interval[k] else ' (outside)'}"
        for k, p in r.promised.items()
    ]
    verdict = "confirmed" if r.confirmed else "not confirmed"
    goal = "goal met" if r.goals_met else "goal missed"
    return (
        f"round {r.round} ({r.training_runs} training runs): "
        + "; ".join(parts)
        + (
            f"; {goal} in the model; {verdict}"
            + (f"; adding {r.added_runs} runs near the answer" if r.added_runs else "")
        )
    )


def _search(wm, goals, objective, sign, vary, base_set, seed):
    """One emulator search: (reachable, settings, baseline means, message)."""
    from scipy.optimize import minimize
    from scipy.stats import qmc

    base = {k: v["mean"] for k, v in wm.predict(**base_set).items()}
    # search where a knob can change a run (its effective range)
    lo, hi = (
        np.array(a, dtype=float) for a in zip(*[wm.effective_range(k) for k in vary], strict=True)
    )
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
    return reachable, settings, base, message


def _local_runs(wm, settings, vary, n_points, seeds, seed, client):
    """Full-model runs at a small Latin hypercube in a box around ``settings``."""
    from workbench.worldmodel.training import design, run_design

    if n_points < 1:
        return pd.DataFrame(columns=[*wm.knob_names, *wm.kpis])
    box = {}
    for k in vary:
        lo, hi = wm.effective_range(k)
        half = LOCAL_SPAN * (hi - lo)
        box[k] = {"min": max(lo, settings[k] - half), "max": min(hi, settings[k] + half)}
    pts = design(box, n_points, seed=seed)
    for k in wm.knob_names:
        if k not in box:
            pts[k] = settings[k]
    pts = pts[wm.knob_names]
    first = LOCAL_SEED + 1000 * (seeds[0] - VERIFY_SEED) // 100
    per_point = [[first + p * len(seeds) + i for i in range(len(seeds))] for p in range(n_points)]
    runs = run_design(
        wm.scenario, pts, per_point, wm.mechanism, wm.hours, kpis=wm.kpis, client=client
    )
    return runs.drop(columns=[c for c in runs.columns if c.startswith("_")])


def _verify(wm, settings, goals, base_set, seeds, client, *, baseline=True):
    from workbench.worldmodel.training import run_design

    pts = pd.DataFrame([settings])
    if baseline and any(g.relative for g in goals):
        pts = pd.concat([pts, pd.DataFrame([base_set])], ignore_index=True)
    runs = run_design(wm.scenario, pts, seeds, wm.mechanism, wm.hours, kpis=wm.kpis, client=client)
    runs = runs.drop(columns=[c for c in runs.columns if c.startswith("_")])
    delivered = runs[runs["point"] == 0].reset_index(drop=True)
    model_base = {}
    if len(pts) > 1:
        b = runs[runs["point"] == 1]
        model_base = {k: float(b[k].mean()) for k in wm.kpis}
    return delivered, model_base


__all__ = ["LOCAL_SPAN", "Goal", "SeekResult", "SeekRound", "parse_goals", "seek"]
