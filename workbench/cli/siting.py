"""``workbench siting``: solve classic location models and plan the "2+M+X" layout."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

MODELS = ("lscp", "backup", "mclp", "pmedian", "pcenter", "pdispersion", "cflp")
NEEDS_RADIUS = ("lscp", "backup", "mclp")
NEEDS_P = ("mclp", "pmedian", "pcenter", "pdispersion")


def register(subparsers: Any) -> None:
    """Add the ``siting`` command group."""
    parser = subparsers.add_parser("siting", help="compute siting: location models and plans")
    sub = parser.add_subparsers(dest="siting_command", metavar="SUBCOMMAND")
    parser.set_defaults(func=lambda args: (parser.print_help(), 0)[1])

    solve = sub.add_parser("solve", help="solve a classic location model from a cost matrix")
    solve.add_argument("--model", required=True, choices=MODELS)
    solve.add_argument(
        "--costs", required=True, help="wide CSV: first column demand ids, header row site ids"
    )
    solve.add_argument("--weights", help="CSV with columns id,weight (demand weights)")
    solve.add_argument("--p", type=int, help="number of sites to open")
    solve.add_argument("--radius", type=float, help="service radius (covering models)")
    solve.add_argument("--capacities", help="CSV with columns id,capacity (site capacities)")
    solve.add_argument("--fixed-costs", help="CSV with columns id,fixed_cost (cflp)")
    solve.add_argument("--existing", nargs="*", default=None, help="site ids that stay open")
    solve.add_argument("--time-limit", type=float, default=None, help="seconds")
    solve.add_argument("--out", required=True, help="RESULT.json to write")
    solve.set_defaults(func=_solve)

    plan = sub.add_parser("plan", help='plan the multi-tier "2+M+X" layout of a scenario')
    plan.add_argument(
        "scenario", help="SCENARIO.yaml (next to demand.csv, sites.csv) or 'shanghai'"
    )
    plan.add_argument("--out", required=True, help="output folder")
    plan.add_argument("--time-limit", type=float, default=120.0, help="seconds (default 120)")
    plan.add_argument("--gap", type=float, default=1e-3, help="relative MIP gap (default 1e-3)")
    plan.set_defaults(func=_plan)


def _solve(args: argparse.Namespace) -> int:
    from workbench.errors import SpecError
    from workbench.siting import Problem, solve
    from workbench.siting.io import read_costs_csv, read_id_values

    costs = read_costs_csv(args.costs)
    weights = read_id_values(args.weights, "weight") if args.weights else None
    caps = read_id_values(args.capacities, "capacity") if args.capacities else None
    fixed = read_id_values(args.fixed_costs, "fixed_cost") if args.fixed_costs else None
    problem = Problem.from_frame(
        costs, weights=weights, capacities=caps, fixed_costs=fixed, existing=args.existing
    )
    params: dict[str, Any] = {}
    if args.model in NEEDS_RADIUS:
        if args.radius is None:
            msg = f"`--radius` is required for --model {args.model}; e.g. --radius 5000."
            raise SpecError(msg)
        params["radius"] = args.radius
    if args.model in NEEDS_P:
        if args.p is None:
            msg = f"`--p` is required for --model {args.model}; e.g. --p 4."
            raise SpecError(msg)
        params["p"] = args.p
    elif args.p is not None:
        params["p"] = args.p
    if caps is not None and args.model in ("lscp", "mclp", "pmedian"):
        params["capacitated"] = True
    if args.model == "pdispersion":
        params["site_distances"] = _site_distances(problem)
    result = solve(problem, args.model, time_limit=args.time_limit, **params)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    result.to_json(args.out)
    print(
        f"{args.model}: {result.status}, objective {result.objective:g}, gap {result.gap:.2g}, "
        f"{len(result.selected)} sites -> {args.out}"
    )
    return 0


def _site_distances(problem: Any) -> Any:
    """Site-to-site distances from a square costs file (rows and columns are the same sites)."""
    from workbench.errors import SpecError

    if list(problem.demand_ids) != list(problem.site_ids):
        msg = (
            "--model pdispersion needs a square site x site COSTS.csv whose row ids equal its "
            "column ids (distances between candidate sites)."
        )
        raise SpecError(msg)
    return problem.costs


def _plan(args: argparse.Namespace) -> int:
    from workbench.siting.plan import plan_scenario

    result = plan_scenario(args.scenario, time_limit=args.time_limit, mip_rel_gap=args.gap)
    paths = result.save(args.out)
    k = result.kpis
    print(
        f"plan {result.name}: {result.status} (gap {result.gap:.2g}), {len(result.selected)} "
        f"sites, coverage {k['coverage']:.1%}, latency p95 {k['latency_p95_ms']:.2f} ms, "
        f"capex {k['capex_cny']:.3g} CNY"
    )
    print(json.dumps({key: str(p) for key, p in paths.items()}))
    return 0
