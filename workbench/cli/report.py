r"""``workbench report``: run report notebooks, one at a time or as a batch on Dask.

::

    workbench report list
    workbench report city_report -p city=510100 -p draws=200 --out rep/chengdu
    workbench report city_report --each city=110000,310000 -p draws=200 --out out/cities \
        --workers 2
    workbench report city_report --each city=110000,310000 -p draws=200 --out out/cities \
        --resume

--each city=all runs every city of the cube; --scheduler tcp://HOST:8786 runs a batch on a Dask
cluster. Paths are relative to where you run the command.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``report`` command group to the ``workbench`` parser."""
    p = subparsers.add_parser(
        "report",
        help="run parameterised report notebooks (one, or a batch on Dask)",
        description=(
            "Run a report template with Papermill, each run in its own kernel. NAME is a "
            "template name (see `workbench report list`) or a path to a notebook. Every run "
            "folder gets report.ipynb, report.html (no code), results.json/.nc and "
            "manifest.json; a run is complete when its manifest says status ok."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("::", 1)[1] if __doc__ else None,
    )
    p.add_argument("name", metavar="NAME", help="report template name or notebook path, or 'list'")
    p.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter (YAML-typed value; checked against the notebook), repeatable",
    )
    p.add_argument(
        "--each",
        action="append",
        default=[],
        metavar="NAME=all|A,B,C",
        help="run a batch: one run per value (several --each give their product)",
    )
    p.add_argument("--out", metavar="DIR", help="output folder (a batch: one sub-folder per run)")
    p.add_argument(
        "--workers", type=int, metavar="N", help="LocalCluster workers (default: CPU cores)"
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address (default: $WORKBENCH_SCHEDULER, else a LocalCluster)",
    )
    p.add_argument("--resume", action="store_true", help="rerun only runs that failed or never ran")
    p.add_argument(
        "--force",
        action="store_true",
        help="write a batch into an --out folder that also holds unrelated files",
    )
    p.add_argument(
        "--kernel",
        metavar="NAME",
        help="Jupyter kernel (default: $WORKBENCH_KERNEL, else "
        "'workbench' if installed, else 'python3')",
    )
    p.add_argument("--timeout", type=float, metavar="S", help="seconds each cell may run")
    p.add_argument(
        "--serial",
        action="store_true",
        help="run a batch one by one in this process (no Dask); each run still has its own kernel",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``workbench report`` with parsed arguments; return the exit code."""
    from workbench.errors import SpecError
    from workbench.reports import (
        list_reports,
        notebook_parameters,
        parse_assignments,
        run_batch,
        run_report,
    )

    if args.name == "list":
        for tpl in list_reports():
            print(f"{tpl.name}  -  {tpl.title}")
            for name, info in notebook_parameters(tpl.path).items():
                if name == "results_path":
                    continue
                typ = info.get("inferred_type_name", "")
                typ = "" if typ == "None" else f": {typ}"
                help_ = f"  # {info['help']}" if info.get("help") else ""
                print(f"    {name}{typ} = {info.get('default')}{help_}")
        return 0
    if not args.out:
        msg = "`workbench report NAME` needs --out DIR (where the run's files go)."
        raise SpecError(msg)
    from workbench.data.paths import user_path

    out = user_path(args.out)  # once, here: kernels and Dask workers run in other folders
    if args.name.endswith(".ipynb") or "/" in args.name or args.name.startswith("~"):
        args.name = str(user_path(args.name))
    params = parse_assignments(args.param, option="-p")
    if not args.each:
        for opt, val in (
            ("--resume", args.resume),
            ("--workers", args.workers),
            ("--force", args.force),
        ):
            if val:
                msg = f"{opt} applies to a batch only; add --each NAME=all|A,B,C or drop {opt}."
                raise SpecError(msg)
        res = run_report(args.name, params, out, kernel_name=args.kernel, timeout=args.timeout)
        if res.ok:
            print(f"ok: {res.out_dir} ({res.duration_s:.1f} s)")
            return 0
        print(f"FAILED {res.out_dir}: {(res.error or {}).get('summary')}", file=sys.stderr)
        return 1
    batch = run_batch(
        args.name,
        args.each,
        params,
        out,
        scheduler=args.scheduler,
        n_workers=args.workers,
        resume=args.resume,
        kernel_name=args.kernel,
        timeout=args.timeout,
        serial=args.serial,
        progress=not args.no_progress,
        force=args.force,
    )
    done = sum(r.status == "ok" for r in batch.runs)
    skipped = sum(r.status == "skipped" for r in batch.runs)
    print(
        f"{batch.report}: {done} ran ok, {skipped} already complete, {len(batch.failed)} failed "
        f"-> {batch.out_dir}"
    )
    for r in batch.failed:
        print(f"FAILED {r.out_dir}: {(r.error or {}).get('summary')}", file=sys.stderr)
    return batch.exit_code
