r"""``workbench siting``: solve location models (built-in or plugin) and plan the "2+M+X" layout.

``--model`` is looked up in the ``siting_models`` registry, so a model from an installed plugin
(for example ``resilience`` from ``workbench-resilience``) runs like a built-in; its own
settings go in ``--param KEY=VALUE`` (repeatable, JSON-typed values, else strings)::

    workbench siting models
    workbench siting solve --model resilience --costs costs.csv --radius 2500 \
        --param districts=sites.csv --out r.json
"""

from __future__ import annotations

import argparse
import inspect
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from workbench.data.paths import atomic_output, dumps_json, staged_folder, user_path

if TYPE_CHECKING:  # pragma: no cover
    from workbench.siting.models.base import SitingModel

#: Settings the shared flags fill in: setting name -> the flag that sets it.
FLAG_SETTINGS = {"radius": "--radius", "p": "--p"}
#: The files ``siting plan`` writes into its ``--out`` folder.
PLAN_FILES = ("plan_sites.geojson", "plan.nc", "plan_summary.json")
#: An example value per flag, for "is required" messages.
FLAG_EXAMPLES = {"radius": "5000", "p": "4"}


def register(subparsers: Any) -> None:
    """Add the ``siting`` command group."""
    parser = subparsers.add_parser(
        "siting",
        help="compute siting: location models and plans",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("::", 1)[1] if __doc__ else None,
    )
    sub = parser.add_subparsers(dest="siting_command", metavar="SUBCOMMAND")
    parser.set_defaults(func=lambda args: (parser.print_help(), 0)[1])

    solve = sub.add_parser(
        "solve",
        help="solve a location model (built-in or plugin) from a cost matrix",
        description=(
            "Solve a siting model from the `siting_models` registry (built-ins and installed "
            "plugins; list them with `workbench siting models`) on a cost matrix."
        ),
    )
    solve.add_argument(
        "--model",
        required=True,
        metavar="NAME",
        help="a siting model: lscp, backup, mclp, pmedian, pcenter, pdispersion, cflp or a "
        "plugin's (see `workbench siting models`)",
    )
    solve.add_argument(
        "--costs", required=True, help="wide CSV: first column demand ids, header row site ids"
    )
    solve.add_argument("--weights", help="CSV with columns id,weight (demand weights)")
    solve.add_argument("--p", type=int, help="number of sites to open")
    solve.add_argument("--radius", type=float, help="service radius (covering models)")
    solve.add_argument("--capacities", help="CSV with columns id,capacity (site capacities)")
    solve.add_argument("--fixed-costs", help="CSV with columns id,fixed_cost (cflp)")
    solve.add_argument("--existing", nargs="*", default=None, help="site ids that stay open")
    solve.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting of the model, repeatable; VALUE is read as JSON when it parses "
        '(3, 2.5, true, [1,2], {"a":1}), else as a string (a path, a name)',
    )
    solve.add_argument("--time-limit", type=float, default=None, help="seconds")
    _solver_flags(solve, default_gap=1e-6)
    solve.add_argument("--out", required=True, help="RESULT.json to write")
    solve.set_defaults(func=_solve)

    models = sub.add_parser(
        "models", help="list the siting models (built-ins and plugins) with their settings"
    )
    models.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    models.set_defaults(func=_models)

    plan = sub.add_parser("plan", help='plan the multi-tier "2+M+X" layout of a scenario')
    plan.add_argument(
        "scenario", help="SCENARIO.yaml (next to demand.csv, sites.csv) or 'shanghai'"
    )
    plan.add_argument("--out", required=True, help="output folder")
    plan.add_argument("--time-limit", type=float, default=120.0, help="seconds (default 120)")
    _solver_flags(plan, default_gap=0.01)
    plan.set_defaults(func=_plan)


def _solver_flags(parser: argparse.ArgumentParser, *, default_gap: float) -> None:
    parser.add_argument(
        "--gap",
        type=_gap,
        default=default_gap,
        metavar="G",
        help=f"relative gap at which the solver may stop (default {default_gap:g}); a run "
        "stopped there is reported 'feasible' with its proven bound and gap, 'optimal' only "
        "when bound and objective agree",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="show the HiGHS banner and solver log"
    )


def _gap(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (0.0 <= value < 1.0):
        msg = f"--gap must be a relative gap in [0, 1), e.g. --gap 0.01; got {text!r}."
        raise argparse.ArgumentTypeError(msg)
    return value


# --- model settings ---------------------------------------------------------------------------

_REQUIRED = inspect.Parameter.empty


def model_settings(cls: type[SitingModel]) -> tuple[dict[str, Any], bool]:
    """Return the settings a siting-model class takes in ``__init__``.

    Parameters
    ----------
    cls
        A :class:`~workbench.siting.SitingModel` subclass.

    Returns
    -------
    tuple of (dict, bool)
        ``{setting: default}`` in signature order (``inspect.Parameter.empty`` for a required
        setting), and whether ``__init__`` also takes arbitrary keywords (``**kwargs``).
    """
    if cls.__init__ is object.__init__:
        return {}, False
    settings: dict[str, Any] = {}
    any_keyword = False
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]  # drop self
    for par in params:
        if par.kind is inspect.Parameter.VAR_KEYWORD:
            any_keyword = True
        elif par.kind is not inspect.Parameter.VAR_POSITIONAL:
            settings[par.name] = par.default
    return settings, any_keyword


def describe_settings(cls: type) -> str:
    """One line listing a model's settings, e.g. ``"radius (required), p=None"``."""
    settings, any_keyword = model_settings(cls)
    parts = [
        f"{k} (required)" if v is _REQUIRED else f"{k}={_short_repr(v)}"
        for k, v in settings.items()
    ]
    if any_keyword:
        parts.append("any other keyword")
    return ", ".join(parts) if parts else "none"


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_param_value(text: str) -> Any:
    """Read a ``--param`` value: JSON when it parses (numbers, booleans, lists...), else a string.

    Examples
    --------
    >>> parse_param_value("3"), parse_param_value("false"), parse_param_value("sites.csv")
    (3, False, 'sites.csv')
    """
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_params(items: Sequence[str], model: str, cls: type) -> dict[str, Any]:
    """Parse ``--param KEY=VALUE`` items and check each key against the model's settings.

    Parameters
    ----------
    items
        The raw ``KEY=VALUE`` strings, in the order given.
    model
        The model's registry name (for messages).
    cls
        The model's class.

    Returns
    -------
    dict
        ``{setting: value}``.

    Raises
    ------
    SpecError
        For an item without ``=``, an empty or invalid key, a key given twice, or a setting the
        model does not take; the message names the item, the model and its settings.
    """
    from workbench.errors import SpecError, did_you_mean

    settings, any_keyword = model_settings(cls)
    accepted = f"Settings of siting model '{model}': {describe_settings(cls)}."
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            msg = (
                f"`--param {item}` is malformed: each --param must be KEY=VALUE with KEY a "
                f"setting name (e.g. --param radius=2500 or --param exact_p=false); got "
                f"{item!r}. {accepted}"
            )
            raise SpecError(msg)
        if key in out:
            msg = (
                f"`--param {item}`: setting '{key}' of siting model '{model}' is given twice "
                f"(--param {key}=...). Give each setting once."
            )
            raise SpecError(msg)
        if key not in settings and not any_keyword:
            msg = (
                f"`--param {item}`: siting model '{model}' has no setting '{key}'."
                f"{did_you_mean(key, settings)} {accepted} Remove the --param or use one of them."
            )
            raise SpecError(msg)
        out[key] = parse_param_value(raw)
    return out


def model_params(args: argparse.Namespace, cls: type, has_capacities: bool) -> dict[str, Any]:
    """Combine the shared flags (``--p``, ``--radius``, capacities) and ``--param`` settings.

    Raises
    ------
    SpecError
        When a flag sets a setting the model does not take, a setting is given both by a flag
        and by ``--param``, or a required setting is missing.
    """
    from workbench.errors import SpecError

    model = args.model
    settings, any_keyword = model_settings(cls)
    params = parse_params(args.param, model, cls)
    accepted = f"Settings of siting model '{model}': {describe_settings(cls)}."
    for name, flag in FLAG_SETTINGS.items():
        value = getattr(args, name)
        if value is None:
            continue
        if name not in settings and not any_keyword:
            msg = (
                f"`{flag}` does not apply to --model {model}: the model has no setting "
                f"'{name}'. {accepted} Drop {flag}."
            )
            raise SpecError(msg)
        if name in params:
            msg = (
                f"Setting '{name}' of siting model '{model}' is given twice: {flag} {value:g} "
                f"and --param {name}={params[name]!r}. Give it once."
            )
            raise SpecError(msg)
        params[name] = value
    if has_capacities and "capacitated" in settings and "capacitated" not in params:
        params["capacitated"] = True
    missing = [k for k, v in settings.items() if v is _REQUIRED and k not in params]
    if missing:
        name = missing[0]
        if name in FLAG_SETTINGS:
            flag = FLAG_SETTINGS[name]
            msg = f"`{flag}` is required for --model {model}; e.g. {flag} {FLAG_EXAMPLES[name]}."
        else:
            msg = (
                f"Setting '{name}' is required for --model {model}; pass --param {name}=VALUE. "
                f"{accepted}"
            )
        raise SpecError(msg)
    return params


# --- commands ---------------------------------------------------------------------------------


def _solve(args: argparse.Namespace) -> int:
    from workbench.siting import Problem, registry, solve
    from workbench.siting.io import read_costs_csv, read_id_values
    from workbench.siting.solver import set_verbose

    cls = registry().get(args.model)  # unknown names: SpecError with suggestions
    params = model_params(args, cls, has_capacities=bool(args.capacities))
    costs = read_costs_csv(user_path(args.costs))
    weights = read_id_values(user_path(args.weights), "weight") if args.weights else None
    caps = read_id_values(user_path(args.capacities), "capacity") if args.capacities else None
    fixed = read_id_values(user_path(args.fixed_costs), "fixed_cost") if args.fixed_costs else None
    problem = Problem.from_frame(
        costs, weights=weights, capacities=caps, fixed_costs=fixed, existing=args.existing
    )
    if args.model == "pdispersion" and params.get("site_distances") is None:
        params["site_distances"] = _site_distances(problem)
    set_verbose(args.verbose)
    result = solve(problem, args.model, time_limit=args.time_limit, mip_rel_gap=args.gap, **params)
    out = user_path(args.out)
    with atomic_output(out) as tmp:
        result.to_json(tmp)
    print(
        f"{args.model}: {result.status}, objective {result.objective:g}, bound "
        f"{result.bound:g}, gap {result.gap:.2g}, {len(result.selected)} sites -> {out}"
    )
    return 0


def _models(args: argparse.Namespace) -> int:
    from workbench.siting import registry

    reg = registry()
    rows = [
        {
            "name": info.name,
            "status": info.status,
            "source": info.source,
            "sense": getattr(info.obj, "sense", ""),
            "settings": describe_settings(info.obj),
            "description": info.summary,
        }
        for info in reg.info()
    ]
    if args.json:
        print(dumps_json(rows))
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        origin = "" if r["status"] == "built-in" else f" [plugin: {r['source']}]"
        print(f"{r['name']:<{width}}  {r['description']}{origin}")
        print(f"{'':<{width}}  settings: {r['settings']}")
    broken = reg.broken
    if broken:
        print(
            f"{len(broken)} broken siting-model plugin(s) skipped; see `workbench plugins check`."
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
    from workbench.siting.solver import set_verbose

    set_verbose(args.verbose)
    names = ("shanghai", "shanghai_siting", "shanghai_small", "shanghai_siting_small")
    scenario = args.scenario if args.scenario in names else user_path(args.scenario)
    out = user_path(args.out)
    with staged_folder(out, owned=PLAN_FILES) as staging:  # refuses a folder of other files first
        result = plan_scenario(scenario, time_limit=args.time_limit, mip_rel_gap=args.gap)
        written = result.save(staging)
    paths = {key: out / p.name for key, p in written.items()}
    k = result.kpis
    print(
        f"plan {result.name}: {result.status} (objective {result.objective:.6g}, bound "
        f"{result.bound:.6g}, gap {result.gap:.2g}), {len(result.selected)} "
        f"sites, coverage {k['coverage']:.1%}, latency p95 {k['latency_p95_ms']:.2f} ms, "
        f"capex {k['capex_cny']:.3g} CNY"
    )
    lat = result.latency
    if lat is not None and list(lat["request_class"]) != ["all"]:  # scenario has classes
        rt = result.routing.set_index("request_class")
        for row in lat.itertuples():
            ok = row.budget_ms == row.budget_ms  # NaN: no budget
            budget = f"budget {row.budget_ms:g} ms" if ok else "no budget"
            r = rt.loc[row.request_class]
            if row.total_p95_ms != row.total_p95_ms:  # NaN: nothing of this class is served
                print(
                    f"  {row.request_class}: none served within its {budget} by any open "
                    f"site (unserved {r['unserved']:.1%}); relax the budget or add closer sites"
                )
                continue
            print(
                f"  {row.request_class}: p95 {row.total_p95_ms:.1f} ms ({budget}; network "
                f"{row.network_ms:.1f} + queueing {row.queueing_ms:.2f} + inference "
                f"{row.inference_ms:.1f}), served at edge {r['edge']:.0%} / dc {r['dc']:.0%} / "
                f"hub {r['hub']:.0%}, unserved {r['unserved']:.1%}"
            )
    print(dumps_json({key: str(p) for key, p in paths.items()}, indent=None))
    return 0
