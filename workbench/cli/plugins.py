"""``workbench plugins``: list the built-ins and installed plugins, check plugins for problems.

Examples
--------
::

    workbench plugins list                      # every kind, built-ins and plugins
    workbench plugins list --kind agents        # one kind
    workbench plugins list --broken             # only plugins that failed to load, and why
    workbench plugins list --json               # machine-readable
    workbench plugins check                     # exit 1 when a plugin is broken
"""

from __future__ import annotations

import argparse
from typing import Any

from workbench.data.paths import dumps_json
from workbench.errors import SpecError, unknown_name


def register(subparsers: Any) -> None:
    """Add the ``plugins`` command group to the ``workbench`` parser."""
    parser = subparsers.add_parser(
        "plugins",
        help="list built-in components and installed plugins; check plugins",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:" + __doc__.split("::", 1)[1] if __doc__ else None,
        description=(
            "Built-in components and third-party plugins share one registry per kind. "
            "Plugins are discovered from the entry-point groups workbench.<kind>."
        ),
    )
    sub = parser.add_subparsers(dest="plugins_command", metavar="ACTION")
    lst = sub.add_parser("list", help="list registered components with source and status")
    lst.add_argument("--kind", help="only this kind (e.g. agents, index_aggregators)")
    lst.add_argument("--broken", action="store_true", help="only broken plugins, with the reason")
    lst.add_argument("--json", action="store_true", help="print JSON instead of a table")
    lst.set_defaults(func=run_list)
    chk = sub.add_parser("check", help="validate every installed plugin; exit 1 when one is broken")
    chk.set_defaults(func=run_check)
    parser.set_defaults(func=lambda args: (parser.print_help(), 0)[1])


def _check_kind(kind: str | None) -> None:
    from workbench.plugins import KINDS, registries

    if kind is None:
        return
    known = set(KINDS) | set(registries())
    if kind not in known:
        msg = f"--kind: {unknown_name('plugin kind', kind, known)}"
        raise SpecError(msg)


def _rows(kind: str | None, broken_only: bool) -> list[dict[str, str]]:
    from workbench.plugins import all_registries, broken_plugins

    rows: list[dict[str, str]] = []
    if not broken_only:
        for k, reg in all_registries().items():
            if kind is not None and k != kind:
                continue
            for info in reg.info():
                rows.append(
                    {
                        "kind": k,
                        "name": info.name,
                        "status": info.status,
                        "source": info.source,
                        "version": info.version,
                        "requires": info.requires_workbench,
                        "summary": info.summary,
                    }
                )
    for b in broken_plugins(None if kind is None else [kind]):
        rows.append(
            {
                "kind": b.kind,
                "name": b.name,
                "status": "BROKEN",
                "source": b.source,
                "version": "",
                "requires": "",
                "summary": b.reason,
            }
        )
    return rows


def _table(rows: list[dict[str, str]], columns: list[str]) -> str:
    widths = {c: max([len(c)] + [len(r[c]) for r in rows]) for c in columns[:-1]}
    lines = []
    header = (
        "  ".join(c.upper().ljust(widths[c]) for c in columns[:-1]) + "  " + columns[-1].upper()
    )
    lines.append(header)
    for r in rows:
        lines.append("  ".join(r[c].ljust(widths[c]) for c in columns[:-1]) + "  " + r[columns[-1]])
    return "\n".join(lines)


def run_list(args: argparse.Namespace) -> int:
    """Print the registered components (and broken plugins) as a table or JSON."""
    _check_kind(args.kind)
    rows = _rows(args.kind, args.broken)
    if args.json:
        print(dumps_json(rows))
        return 0
    if not rows:
        print("no broken plugins" if args.broken else "nothing registered")
        return 0
    cols = ["kind", "name", "status", "source", "version", "summary"]
    print(_table(rows, cols))
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Validate every plugin; print the contracts, the problems, and exit 1 on any problem."""
    from workbench.plugin_contracts import describe_contracts
    from workbench.plugins import all_registries, load_builtins, report_broken

    failed = load_builtins()
    regs = all_registries(builtins=False)
    n_plugins = sum(1 for reg in regs.values() for i in reg.info() if not i.builtin)
    n_builtin = sum(1 for reg in regs.values() for i in reg.info() if i.builtin)
    print(f"{n_builtin} built-in component(s), {n_plugins} plugin(s) loaded.")
    print("Contracts:")
    for kind, shape, doc in describe_contracts():
        print(f"  {kind:<18} {shape:<8} {doc}")
    problems = 0
    for module, reason in failed.items():
        print(f"engine {module} failed to import: {reason}")
        problems += 1
    report = report_broken()
    if report:
        print(report)
        problems += 1
    from workbench.plugins import builtin_contract_problems

    for b in builtin_contract_problems():
        print(f"built-in {b.kind}/{b.name} does not honour its contract: {b.reason}")
        problems += 1
    if problems:
        return 1
    print("all plugins OK")
    return 0
