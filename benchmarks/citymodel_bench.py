"""City model benchmark: demand agent-steps per second, vectorised vs plain Mesa, and a year.

Run with ``python benchmarks/citymodel_bench.py [--quick]``. Prints

1. agent-steps per second of the demand behaviour at 1,000 / 10,000 / 100,000 demand units:
   the model's vectorised :class:`DemandPopulation` (arrays on one Mesa agent) against a
   reference written the plain Mesa way (one ``mesa.Agent`` per unit with its own ``step()``,
   scheduled by ``AgentSet.shuffle_do``) doing the same arithmetic; the reference is measured on
   fewer steps in the same run and scaled per step;
2. whole-model steps per second (orchestrator, all agents, all mechanisms' bookkeeping) at
   those sizes;
3. one simulated year (8,760 hourly steps) of the Shanghai sample under the ``priority`` and
   the ``lp`` mechanisms.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import mesa
import numpy as np

from workbench.citymodel import CityModel
from workbench.citymodel.agents.demand import NOISE_SIGMA
from workbench.citymodel.inputs import WEEKEND_FACTOR, diurnal_profiles


class RefDemandAgent(mesa.Agent):
    """One demand unit, stepped in Python (the plain Mesa way)."""

    def __init__(self, model, district, profile, interactive, base):
        super().__init__(model)
        self.district = int(district)
        self.profile = int(profile)
        self.interactive = bool(interactive)
        self.base = float(base)
        self.backlog = 0.0

    def step(self):
        m = self.model
        f = m.profiles[self.profile][m.hour]
        if m.weekend:
            f *= WEEKEND_FACTOR[self.profile]
        r = (
            self.base
            * m.scale
            * f
            * np.exp(NOISE_SIGMA * m.rng.standard_normal() - NOISE_SIGMA**2 / 2)
        )
        if self.interactive:
            m.request_i[self.district] += r
        else:
            self.backlog += r
            m.request_b[self.district] += self.backlog


class RefDemandModel(mesa.Model):
    """The same demand behaviour with one agent per unit."""

    def __init__(self, units, scale, n_districts, seed=0):
        super().__init__(rng=seed)
        self.profiles = diurnal_profiles().tolist()
        self.scale = scale
        self.D = n_districts
        self.t = 0
        for d, p, i, b in zip(
            units.district, units.profile, units.interactive, units.base_tph, strict=True
        ):
            RefDemandAgent(self, d, p, i, b)

    def step(self):
        self.hour = self.t % 24
        self.weekend = (self.t // 24) % 7 >= 5
        self.request_i = [0.0] * self.D
        self.request_b = [0.0] * self.D
        self.agents.shuffle_do("step")
        self.t += 1


def bench_demand(n: int, steps: int, ref_steps: int) -> dict:
    model = CityModel("baseline", "priority", seed=0, hours=max(steps, 24), n_units=n)
    dem = model.demand_agent
    t0 = time.perf_counter()
    for t in range(steps):
        model.t = t
        dem.step()
    fast = (time.perf_counter() - t0) / steps
    ref = RefDemandModel(dem.units, model.demand_scale, model.space.n_districts)
    t0 = time.perf_counter()
    for _ in range(ref_steps):
        ref.step()
    slow = (time.perf_counter() - t0) / ref_steps
    # whole model steps (orchestrator + every agent) at this size
    full = CityModel("baseline", "priority", seed=0, hours=max(steps, 24), n_units=n)
    t0 = time.perf_counter()
    for _ in range(steps):
        full.step()
    whole = (time.perf_counter() - t0) / steps
    return {"n": n, "fast_s": fast, "ref_s": slow, "whole_s": whole}


def bench_year(hours: int, mechanism: str) -> tuple[float, float]:
    """Wall-clock and CPU seconds of a run (the CPU time is robust to a shared machine)."""
    model = CityModel("baseline", mechanism, seed=0, hours=hours)
    t0, c0 = time.perf_counter(), time.process_time()
    model.run()
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller step counts, no full year")
    args = ap.parse_args()
    print(
        f"# city model benchmark  {time.strftime('%Y-%m-%d')}  "
        f"{platform.processor() or platform.machine()}  cores={os.cpu_count()}  "
        f"mesa={mesa.__version__}"
    )
    print(
        f"{'units':>8} {'vectorised agent-steps/s':>26} {'plain Mesa agent-steps/s':>26} "
        f"{'ratio':>8} {'whole model steps/s':>20}"
    )
    for n, steps, ref_steps in ((1_000, 200, 20), (10_000, 100, 5), (100_000, 50, 2)):
        if args.quick:
            steps, ref_steps = max(steps // 10, 5), 1
        r = bench_demand(n, steps, ref_steps)
        fast_rate = n / r["fast_s"]
        ref_rate = n / r["ref_s"]
        print(
            f"{n:>8} {fast_rate:>26,.0f} {ref_rate:>26,.0f} {fast_rate / ref_rate:>7.0f}x "
            f"{1 / r['whole_s']:>20.1f}"
        )
    hours = 24 * 30 if args.quick else 8760
    label = "one simulated year (8,760 steps)" if hours == 8760 else f"{hours} steps"
    for mechanism in ("priority", "lp"):
        secs, cpu = bench_year(hours, mechanism)
        print(
            f"{mechanism} mechanism, Shanghai sample, {label}: {secs:.1f} s wall, {cpu:.1f} s CPU "
            f"({secs / hours * 1000:.2f} ms per step; goal < 60 s for the year)"
        )


if __name__ == "__main__":
    main()
