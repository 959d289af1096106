"""City model benchmark: whole-model hourly steps/s, agent decisions/s, and the time goals.

Run with ``python benchmarks/citymodel_bench.py [--quick] [--year]``. Prints

1. whole-model hourly steps per second with 1,000 / 10,000 / 100,000 decision-making demand
   agents, every agent kind active (demand owners, depots, grid operators, traffic,
   emergency), for each built-in mechanism;
2. agent decisions per second: decisions the agents actually made (every interactive owner
   ranking its candidate nodes, every batch owner with work deciding to submit or wait,
   every depot with charging owed, every grid operator), over the whole-model time;
3. the demand owners' decision logic alone, vectorised (the model's
   :class:`DemandPopulation`) against the same logic written as plain per-agent Mesa (one
   ``mesa.Agent`` per owner with its own ``step()``, ``AgentSet.shuffle_do``), measured in
   the same run on the same owners;
4. the time goals on the Shanghai sample with 100,000 demand agents: a year (8,760 h) under
   ``lp`` (< 2 min) and under ``mpc`` with a 24 h look-ahead (< 10 min), and ``oracle`` for a
   week (168 h, < 60 s). Without ``--year`` the year runs are timed on a shorter run and
   extrapolated per hour (said so in the output).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import mesa
import numpy as np

from workbench.citymodel import CityModel
from workbench.citymodel.agents.demand import NOISE_SIGMA, TOLERANCE_SCALE
from workbench.citymodel.inputs import WEEKEND_FACTOR

MECHANISMS = ("none", "priority", "lp", "market", "contract_net", "drf", "mpc")


class RefOwner(mesa.Agent):
    """One demand owner stepped in Python: the same draw and decisions as the vectorised one."""

    def __init__(self, model, i: int) -> None:
        super().__init__(model)
        u = model.units
        self.i = i
        self.district = int(u.district[i])
        self.profile = int(u.profile[i])
        self.interactive = bool(u.interactive[i])
        self.base = float(u.base_tph[i])
        self.value = float(u.value[i])
        self.weight = float(u.latency_weight[i])
        self.tol = float(u.tolerance[i])
        self.deadline = int(u.deadline_h[i])
        self.backlog = 0.0
        self.due = float("inf")

    def step(self) -> None:
        m = self.model
        f = m.profiles[self.profile][m.hour]
        if m.weekend:
            f *= WEEKEND_FACTOR[self.profile]
        r = self.base * f * np.exp(NOISE_SIGMA * m.z[self.i] - NOISE_SIGMA**2 / 2)
        if self.interactive:
            best, choice = float("inf"), 0
            for k in range(len(m.arcs[self.district])):
                c = m.node_price[m.arcs[self.district][k]] + self.weight * m.lat[self.district][k]
                if c < best:
                    best, choice = c, k
            m.votes[self.district][choice] += r
            m.decisions += 1
            return
        if self.backlog <= 0 and r > 0:
            self.due = m.t + self.deadline
        self.backlog += r
        slack = self.due - m.t
        lead = min(max(int(slack) - 1, 1), 24) if slack != float("inf") else 24
        now = m.signal[self.district]
        ahead = m.best[self.district][lead - 1]
        wait = slack > 1 and (now > ahead + self.tol * TOLERANCE_SCALE or now > self.value)
        m.decisions += 1
        if not wait:
            m.submitted[self.district] += self.backlog


class RefModel(mesa.Model):
    """The demand owners of a :class:`CityModel`, one plain Mesa agent each."""

    def __init__(self, city: CityModel) -> None:
        super().__init__(rng=0)
        dem = city.demand_agent
        self.units = dem.units
        self.profiles = dem.profiles.tolist()
        self.city = city
        self.t = 0
        for i in range(dem.units.n):
            RefOwner(self, i)

    def step(self) -> None:
        c = self.city
        self.hour, self.weekend = self.t % 24, (self.t // 24) % 7 >= 5
        self.z = np.random.default_rng(self.t).standard_normal(self.units.n).tolist()
        arcs, lat = c.nearest_nodes(self.t)
        self.arcs, self.lat = arcs.tolist(), lat.tolist()
        self.node_price = c.node_signal.tolist()
        self.signal = c.compute_signal.tolist()
        self.best = c.compute_best_ahead.tolist()
        D, K = arcs.shape
        self.votes = [[0.0] * K for _ in range(D)]
        self.submitted = [0.0] * D
        self.decisions = 0
        self.agents.shuffle_do("step")
        self.t += 1


def bench_size(n: int, mechanism: str, steps: int) -> dict:
    """Whole-model seconds per hourly step and decisions made."""
    model = CityModel("baseline", mechanism, seed=0, hours=steps, n_units=n)
    t0 = time.perf_counter()
    model.run()
    secs = time.perf_counter() - t0
    return {"s_per_step": secs / steps, "decisions": float(model.metrics["agent_decisions"].sum())}


def bench_logic(n: int, steps: int, ref_steps: int) -> tuple[float, float]:
    """Decisions/s of the owners' logic: vectorised vs plain per-agent Mesa (same run)."""
    city = CityModel("baseline", "none", seed=0, hours=max(steps, 24), n_units=n)
    dem = city.demand_agent
    t0, made = time.perf_counter(), 0
    for t in range(steps):
        city.t = t
        city._signals(t)
        dem.step()
        made += dem.decisions
    fast = made / (time.perf_counter() - t0)
    ref = RefModel(city)
    t0, made = time.perf_counter(), 0
    for _ in range(ref_steps):
        ref.step()
        made += ref.decisions
    slow = made / (time.perf_counter() - t0)
    return fast, slow


def timed_run(mechanism: str, hours: int, n: int, **kw) -> float:
    """Wall seconds of a whole run (construction excluded)."""
    model = CityModel("baseline", mechanism, seed=0, hours=hours, n_units=n, **kw)
    t0 = time.perf_counter()
    model.run()
    return time.perf_counter() - t0


def main() -> None:
    """Print the benchmark tables."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer steps")
    ap.add_argument("--year", action="store_true", help="run the full-year goals (slow)")
    args = ap.parse_args()
    steps = 6 if args.quick else 24
    print(
        f"# city model benchmark  {time.strftime('%Y-%m-%d %H:%M')}  "
        f"{platform.processor() or platform.machine()}  cores={os.cpu_count()}  "
        f"mesa={mesa.__version__}  (shared machine: wall times include contention)"
    )
    print(f"## whole-model hourly steps/s ({steps} steps each), all agent kinds active")
    sizes = (1_000, 10_000, 100_000)
    print(
        f"{'mechanism':>13} " + " ".join(f"{n:>10,} agents" for n in sizes) + "   decisions/s @100k"
    )
    for mech in MECHANISMS:
        cells, dps = [], 0.0
        for n in sizes:
            r = bench_size(n, mech, steps)
            cells.append(f"{1 / r['s_per_step']:>17.1f}")
            dps = r["decisions"] / (r["s_per_step"] * steps)
        print(f"{mech:>13} " + " ".join(cells) + f"   {dps:>16,.0f}")
    print("## demand owners' decision logic: vectorised vs plain per-agent Mesa (same run)")
    print(
        f"{'agents':>8} {'vectorised decisions/s':>24} {'plain Mesa decisions/s':>24} {'ratio':>7}"
    )
    for n, ref_steps in ((1_000, 6), (10_000, 2), (100_000, 1)):
        fast, slow = bench_logic(n, steps, ref_steps)
        print(f"{n:>8,} {fast:>24,.0f} {slow:>24,.0f} {fast / slow:>6.0f}x")
    print("## time goals, Shanghai sample, 100,000 demand agents")
    n = 100_000
    oracle = timed_run("oracle", 168, n)
    print(f"oracle, 168 h: {oracle:.1f} s (goal < 60 s: {'met' if oracle < 60 else 'NOT met'})")
    for mech, goal, short in (("lp", 120, 168), ("mpc", 600, 48)):
        hours = 8760 if args.year else short
        secs = timed_run(mech, hours, n, horizon=24)
        year = secs / hours * 8760
        how = "measured" if args.year else f"extrapolated from {hours} h"
        verdict = "met" if year < goal else "NOT met"
        print(
            f"{mech}{' (24 h look-ahead)' if mech == 'mpc' else ''}, 8,760 h: {year:.0f} s "
            f"({how}; {secs / hours * 1000:.0f} ms per hour; goal < {goal} s: {verdict})"
        )


if __name__ == "__main__":
    main()
