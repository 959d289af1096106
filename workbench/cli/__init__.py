"""The ``workbench`` command.

Each command group lives in its own module of this package and exposes
``register(subparsers)``, which adds its sub-parser and sets ``func`` on it; ``func(args)``
returns an exit code. :func:`main` turns every :class:`~workbench.errors.WorkbenchError` (bad
input, bad settings, infeasible problems) into one clear line on stderr and exit code 2, so no
traceback reaches a user for bad input.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

from workbench._version import __version__
from workbench.errors import WorkbenchError

#: Command modules, in the order their groups appear in ``workbench --help``.
COMMAND_MODULES: tuple[str, ...] = (
    "data",
    "index",
    "siting",
    "scenarios",
    "simulate",
    "worldmodel",
    "report",
    "serve",
    "plugins",
    "export",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every command group registered.

    Returns
    -------
    argparse.ArgumentParser
        The top-level parser of the ``workbench`` command.
    """
    parser = argparse.ArgumentParser(
        prog="workbench",
        description=(
            "City AI Planning Workbench: the City AI Index, compute siting ('2+M+X') and an "
            "agent-based city model, on xarray cubes, with Panel apps and Papermill reports."
        ),
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        if importlib.util.find_spec(f"workbench.cli.{name}") is None:
            continue  # a command group that is not part of this build
        module = importlib.import_module(f"workbench.cli.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``workbench`` command.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` when ``None``.

    Returns
    -------
    int
        The exit code: 0 on success, 2 for bad input or settings, another non-zero code when a
        command reports a failure of its own (for example a batch with failed reports).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover - exercised through the console script
    sys.exit(main())
