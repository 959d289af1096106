"""The city model's "Done when" facts in numbers, on the Shanghai sample (README's table).

Run with ``python benchmarks/citymodel_facts.py [--hours 72] [--units 5000] [--seed 0]``.
Prints, for one seed: every mechanism's total cost and gap to the oracle; the effect of
halving the default plan's capacity; carbon with and without the shipped carbon price under
``lp`` and ``mpc``; ``market`` against ``priority``.
"""

from __future__ import annotations

import argparse

from workbench.citymodel import CityModel
from workbench.citymodel.inputs import default_plan
from workbench.citymodel.kpis import compute_kpis
from workbench.citymodel.result import build_dataset

MECHANISMS = ("none", "priority", "contract_net", "drf", "market", "lp", "mpc", "oracle")


def kpis(mechanism: str, args: argparse.Namespace, **kw) -> dict[str, float]:
    """KPIs of one run."""
    m = CityModel(
        kw.pop("scenario", "baseline"),
        mechanism,
        seed=args.seed,
        hours=args.hours,
        n_units=args.units,
        **kw,
    )
    m.run()
    return compute_kpis(build_dataset(m))


def main() -> None:
    """Print the facts."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=int, default=72)
    ap.add_argument("--units", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"# Shanghai sample, default plan, baseline, {args.hours} h, {args.units} agents")
    runs = {m: kpis(m, args) for m in MECHANISMS}
    oc = runs["oracle"]["total_cost_cny"]
    print(
        f"{'mechanism':>13} {'total_cost_cny':>15} {'gap_to_oracle':>14} {'carbon_t':>9} "
        f"{'budget_met':>11} {'served':>7} {'batch_done':>11} {'payments':>11}"
    )
    for m, k in runs.items():
        print(
            f"{m:>13} {k['total_cost_cny']:>15,.0f} {(k['total_cost_cny'] - oc) / oc:>14.1%} "
            f"{k['carbon_t']:>9,.0f} {k['interactive_budget_met']:>11.3f} "
            f"{k['interactive_served']:>7.3f} {k['batch_completed']:>11.3f} "
            f"{k['payments_cny']:>11,.0f}"
        )
    plan = default_plan()
    half = plan.assign(capacity_tokens_per_s=plan["capacity_tokens_per_s"] / 2)
    for mech in ("none", "lp"):
        h = kpis(mech, args, plan=half)
        f = runs[mech]
        print(
            f"plan halved, {mech}: budget met {f['interactive_budget_met']:.3f} -> "
            f"{h['interactive_budget_met']:.3f}, batch completed {f['batch_completed']:.3f} -> "
            f"{h['batch_completed']:.3f}, served {f['interactive_served']:.3f} -> "
            f"{h['interactive_served']:.3f}"
        )
    for mech in ("lp", "mpc", "market"):
        c = kpis(mech, args, scenario="carbon_price")
        print(
            f"carbon price 300 CNY/t, {mech}: carbon {runs[mech]['carbon_t']:,.1f} -> "
            f"{c['carbon_t']:,.1f} t"
        )


if __name__ == "__main__":
    main()
