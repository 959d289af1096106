"""``workbench data``: list, describe and validate data.

- ``workbench data list``: the sample data sets (built-in and from plugins);
- ``workbench data info NAME``: type, dimensions and sizes, variables, provenance, synthetic flag;
- ``workbench data validate FILE...``: read each file with every check; prints ``OK <file>: ...``
  per good file and one ``error: <file>: ...`` line per broken file; exit code 2 if any failed.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``data`` command group to the ``workbench`` parser."""
    parser = subparsers.add_parser(
        "data",
        help="list, describe and validate data sets",
        description="List and describe the sample data sets; validate your own files.",
    )
    sub = parser.add_subparsers(dest="data_command", metavar="SUBCOMMAND")

    p_list = sub.add_parser("list", help="list the sample data sets")
    p_list.set_defaults(func=_list)

    p_info = sub.add_parser("info", help="describe one sample data set")
    p_info.add_argument("name", metavar="NAME", help="a name from 'workbench data list'")
    p_info.set_defaults(func=_info)

    p_val = sub.add_parser(
        "validate",
        help="check files (CSV, Excel, NetCDF, Zarr, GeoJSON, GeoPackage, YAML)",
        description=(
            "Read each file with every check of the workbench. Prints 'OK <file>: <what>' for "
            "each good file and one error line for each broken one; exits 2 if any is broken."
        ),
    )
    p_val.add_argument("files", nargs="+", metavar="FILE", help="files or siting-scenario folders")
    p_val.add_argument("--sheet", default=None, help="Excel sheet to read (default: the first)")
    p_val.set_defaults(func=_validate)

    parser.set_defaults(func=lambda args: _help(parser))


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _list(args: argparse.Namespace) -> int:
    from workbench.data.samples import BUILTIN_META, SAMPLES, list_samples

    names = list_samples()
    width = max(len(n) for n in names) if names else 4
    for name in names:
        meta = BUILTIN_META.get(name)
        if meta is not None:
            line = f"{name:<{width}}  {meta.kind:<24} {meta.flag:<9} {meta.description}"
        else:
            info = SAMPLES.info_of(name)
            line = f"{name:<{width}}  {'(plugin ' + info.source + ')':<24} {'?':<9} {info.summary}"
        print(line)
    return 0


def _info(args: argparse.Namespace) -> int:
    from workbench.data.samples import describe_sample

    for line in describe_sample(args.name).lines():
        print(line)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from workbench.data.readers import validate_file
    from workbench.errors import WorkbenchError

    failed = 0
    for name in args.files:
        try:
            # relative paths are read from the working directory; messages name the file as typed
            res = validate_file(os.path.expanduser(name), sheet=args.sheet)
        except WorkbenchError as exc:
            failed += 1
            text = " ".join(str(exc).split())  # always one line
            print(f"error: {text}", file=sys.stderr)
            continue
        print(f"OK {name}: {res.summary()}")
    return 2 if failed else 0


__all__ = ["register"]
