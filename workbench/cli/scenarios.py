"""``workbench scenarios``: list and show the city model's what-if scenarios."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``scenarios`` command group."""
    p = subparsers.add_parser("scenarios", help="list and show city-model scenarios")
    sub = p.add_subparsers(dest="scenarios_command", metavar="ACTION")
    ls = sub.add_parser("list", help="list scenarios, mechanisms and event types")
    ls.set_defaults(func=_list)
    show = sub.add_parser("show", help="print a scenario's events")
    show.add_argument("scenario", help="scenario name or YAML path")
    show.add_argument("--json", action="store_true", help="print JSON (events and knobs)")
    show.set_defaults(func=_show)
    p.set_defaults(func=_list)


def _list(args: argparse.Namespace) -> int:
    from workbench.citymodel import EVENT_TYPES, mechanism_registry, scenario_registry

    reg = scenario_registry()
    print("Scenarios:")
    for info in reg.info():
        sc = info.obj
        desc = getattr(sc, "description", "")
        print(f"  {info.name:<18} {desc}")
    print("Mechanisms:")
    for info in mechanism_registry().info():
        print(f"  {info.name:<18} {getattr(info.obj, 'description', '')}")
    print("Event types: " + ", ".join(EVENT_TYPES))
    return 0


def _show(args: argparse.Namespace) -> int:
    import yaml

    from workbench.citymodel import get_scenario

    sc = get_scenario(args.scenario)
    doc: dict[str, Any] = {
        "name": sc.name,
        "description": sc.description,
        "events": list(sc.events),
    }
    doc["knobs"] = getattr(sc, "knob_info", {})
    if getattr(args, "json", False):
        import json

        print(json.dumps(doc, indent=2))
        return 0
    print(yaml.safe_dump(doc, sort_keys=False))
    return 0
