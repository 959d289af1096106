"""``workbench simulate``: run the city model (one run or an ensemble)."""

from __future__ import annotations

import argparse

from workbench.data.paths import atomic_output, user_path
from workbench.errors import SpecError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` command."""
    p = subparsers.add_parser(
        "simulate",
        help="run the agent-based city model under scenarios and mechanisms",
        description=(
            "One scenario and mechanism: writes RUN.nc and prints the KPI table. Several "
            "(comma-separated) scenarios/mechanisms or --seeds N: runs the ensemble and writes "
            "OUT/comparison.csv."
        ),
    )
    p.add_argument(
        "--scenario", default="baseline", help="name(s) or YAML path(s), comma-separated"
    )
    p.add_argument("--mechanism", default="none", help="mechanism name(s), comma-separated")
    p.add_argument("--seed", type=int, default=0, help="seed of a single run (default 0)")
    p.add_argument("--seeds", type=int, default=None, help="ensemble: run seeds 0..N-1")
    p.add_argument("--hours", type=int, default=168, help="hours to simulate (default 168)")
    p.add_argument("--units", type=int, default=5000, help="number of demand units")
    p.add_argument(
        "--plan",
        default=None,
        help="siting plan: a `siting plan --out` folder, plan_sites.geojson, plan.nc, "
        "plan_summary.json or a CSV/GeoJSON table (default: the shipped "
        "`workbench siting plan shanghai` plan)",
    )
    p.add_argument("--horizon", type=int, default=24, help="mpc look-ahead in hours (default 24)")
    p.add_argument(
        "--no-oracle",
        action="store_true",
        help="skip the oracle run behind gap_to_oracle (faster; gap reported as NaN)",
    )
    p.add_argument(
        "--agent",
        action="append",
        default=[],
        metavar="NAME",
        help="add a plugin agent from the 'agents' registry to every run (repeatable), "
        "e.g. --agent heat_stress; see `workbench plugins list --kind agents`",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KNOB=VALUE",
        dest="knobs",
        help="set a scenario knob (repeatable; one scenario only); see "
        "`workbench scenarios show NAME --json`",
    )
    p.add_argument("--out", required=True, help="RUN.nc for one run, a folder for an ensemble")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address for the ensemble")
    p.add_argument("--workers", type=int, default=None, help="LocalCluster workers (ensemble)")
    p.set_defaults(func=_simulate)


def _read_plan(path: str | None):
    if path is None:
        return None
    from workbench.citymodel.inputs import read_plan
    from workbench.errors import DataError

    try:
        return read_plan(user_path(path))
    except DataError as exc:
        msg = f"--plan: {exc}"
        raise SpecError(msg) from None


def _scenario_arg(text: str) -> str:
    """Return a scenario name as given, a YAML path resolved against the working directory."""
    if text.lower().endswith((".yaml", ".yml")) or "/" in text or text.startswith("~"):
        return str(user_path(text))
    return text


def _extra_agents(names: list[str]) -> tuple[str, ...]:
    """Check ``--agent`` names against the ``agents`` registry (plugin agents only)."""
    if not names:
        return ()
    from workbench.citymodel.agents import agent_registry

    reg = agent_registry()
    for name in names:
        try:
            reg.get(name)  # unknown: did-you-mean; broken plugin: why
        except SpecError as exc:
            msg = f"--agent: {exc}"
            raise SpecError(msg) from None
        info = reg.info_of(name)
        if info.builtin:
            extra = [n for n in reg.names() if not reg.info_of(n).builtin]
            msg = (
                f"--agent: '{name}' is a built-in city-model agent that every run already "
                "includes; --agent adds plugin agents"
                + (f" ({', '.join(extra)})." if extra else " (none is installed).")
                + " Drop the option or name a plugin agent."
            )
            raise SpecError(msg)
    return tuple(dict.fromkeys(names))


def _with_knobs(scenarios: list, items: list[str]) -> tuple[list, dict]:
    """Apply ``--set KNOB=VALUE`` to the single scenario; return it and its model arguments."""
    from workbench.citymodel import get_scenario
    from workbench.citymodel.knobs import apply_knobs, parse_settings

    if len(scenarios) != 1:
        msg = (
            f"--set: knobs belong to one scenario; got {len(scenarios)} scenarios "
            f"({', '.join(map(str, scenarios))}). Give one --scenario with --set."
        )
        raise SpecError(msg)
    try:
        sc = apply_knobs(get_scenario(scenarios[0]), parse_settings(items))
    except SpecError as exc:
        msg = f"--set: {exc}"
        raise SpecError(msg) from None
    return [sc], dict(sc.model_kw)


def _simulate(args: argparse.Namespace) -> int:
    import pandas as pd

    from workbench.citymodel import ensemble, run

    scenarios = [_scenario_arg(s) for s in args.scenario.split(",") if s]
    mechanisms = [m for m in args.mechanism.split(",") if m]
    plan = _read_plan(args.plan)
    extra = {"extra_agents": agents} if (agents := _extra_agents(args.agent)) else {}
    single = len(scenarios) == 1 and len(mechanisms) == 1 and args.seeds is None
    if args.knobs:
        scenarios, knob_kw = _with_knobs(scenarios, args.knobs)
        extra.update(knob_kw)
    if single:
        res = run(
            scenarios[0],
            mechanisms[0],
            seed=args.seed,
            hours=args.hours,
            plan=plan,
            n_units=args.units,
            horizon=args.horizon,
            oracle=not args.no_oracle,
            **extra,
        )
        with atomic_output(args.out) as tmp:
            res.to_netcdf(tmp)
        path = user_path(args.out)
        with pd.option_context("display.width", 120, "display.max_columns", 10):
            print(
                res.kpis[["value", "ratio_to_none", "unit", "better"]].to_string(
                    float_format=lambda v: f"{v:.4g}"
                )
            )
        print(f"wrote {path}")
        return 0
    seeds = list(range(args.seeds if args.seeds is not None else 1)) if args.seeds else [args.seed]
    table = ensemble(
        scenarios,
        mechanisms,
        seeds,
        hours=args.hours,
        scheduler=args.scheduler,
        parallel=args.scheduler is not None or args.workers is not None,
        n_workers=args.workers,
        plan=plan,
        n_units=args.units,
        horizon=args.horizon,
        **extra,
    )
    out = user_path(args.out)
    with atomic_output(out / "comparison.csv") as tmp:
        table.to_csv(tmp, index=False)
    summary = table.pivot_table(
        index=["scenario", "mechanism"], columns="kpi", values="ratio_to_none", aggfunc="mean"
    )
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(summary.to_string(float_format=lambda v: f"{v:.3g}"))
    print(f"wrote {out / 'comparison.csv'}")
    return 0
