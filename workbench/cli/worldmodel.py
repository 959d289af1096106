"""``workbench worldmodel``: train, query and goal-seek a learned emulator of the city model."""

from __future__ import annotations

import argparse
import json
import sys

from workbench.errors import SpecError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``worldmodel`` command group."""
    p = subparsers.add_parser(
        "worldmodel",
        help="learned emulator of the city model: train, predict, seek",
        description="Train a world model on full city-model runs, ask it what-if questions "
        "instantly, and search its knobs for a goal (verified by the full model).",
    )
    sub = p.add_subparsers(dest="worldmodel_command", metavar="ACTION")
    tr = sub.add_parser("train", help="train an emulator on a space-filling design of runs")
    tr.add_argument("--scenario", default="heatwave", help="scenario with knobs (default heatwave)")
    tr.add_argument("--mechanism", default="lp", help="coordination mechanism (default lp)")
    tr.add_argument("--runs", type=int, default=200, help="full-model runs (default 200)")
    tr.add_argument("--hours", type=int, default=48, help="hours per run (default 48)")
    tr.add_argument("--seed", type=int, default=0, help="seed of the design and runs")
    tr.add_argument("--seeds-per-point", type=int, default=3, help="seeds per design point")
    tr.add_argument("--design", choices=["lhs", "sobol"], default="lhs", help="design (lhs)")
    tr.add_argument("--scheduler", default=None, help="Dask scheduler address")
    tr.add_argument("--workers", type=int, default=None, help="LocalCluster workers")
    tr.add_argument("--serial", action="store_true", help="run in this process (no Dask)")
    tr.add_argument(
        "--until-mape",
        type=float,
        default=None,
        help="active learning: add runs where the emulator is least certain until every "
        "KPI's held-out MAPE is below this (e.g. 0.05)",
    )
    tr.add_argument("--max-runs", type=int, default=None, help="cap for --until-mape")
    tr.add_argument("--out", required=True, help="folder to write the model into")
    tr.set_defaults(func=_train)

    pr = sub.add_parser("predict", help="predict every KPI (mean and 90%% interval)")
    pr.add_argument("model", help="folder written by `worldmodel train`")
    pr.add_argument("--set", action="append", default=[], dest="knobs", metavar="KNOB=VALUE")
    pr.add_argument("--json", action="store_true", help="print JSON")
    pr.add_argument(
        "--trajectory",
        action="store_true",
        help="print the hourly curves (city load, largest district; mean and 90%% band, MW)",
    )
    pr.set_defaults(func=_predict)

    sk = sub.add_parser("seek", help="search knobs for a goal, then verify with the full model")
    sk.add_argument("model", help="folder written by `worldmodel train`")
    sk.add_argument("--goal", required=True, help='e.g. "carbon_t <= 0.85 * baseline"')
    sk.add_argument("--vary", required=True, help="knobs to search, comma-separated")
    grp = sk.add_mutually_exclusive_group()
    grp.add_argument("--minimise", "--minimize", default=None, help="KPI to minimise")
    grp.add_argument("--maximise", "--maximize", default=None, help="KPI to maximise")
    sk.add_argument("--set", action="append", default=[], dest="knobs", metavar="KNOB=VALUE")
    sk.add_argument("--verify-seeds", type=int, default=3, help="full-model seeds (default 3)")
    sk.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="most seek-verify rounds: an answer the full model does not confirm adds runs "
        "near it, refits the emulator and seeks again (default 3; 1 = verify once)",
    )
    sk.add_argument(
        "--local-points", type=int, default=4, help="design points added near an unconfirmed answer"
    )
    sk.add_argument("--no-verify", action="store_true", help="skip the full-model check")
    sk.add_argument("--json", action="store_true", help="print JSON")
    sk.set_defaults(func=_seek)
    p.set_defaults(func=lambda _a: (p.print_help(), 0)[1])


def _load(path: str):
    from workbench.worldmodel import WorldModel

    return WorldModel.load(path)


def _settings(items: list[str]) -> dict[str, float]:
    from workbench.citymodel.knobs import parse_settings

    return parse_settings(items)


def _train(args: argparse.Namespace) -> int:
    from workbench.worldmodel import train

    wm = train(
        args.scenario,
        args.mechanism,
        args.runs,
        args.hours,
        args.seed,
        seeds_per_point=args.seeds_per_point,
        out=args.out,
        scheduler=args.scheduler,
        parallel=not args.serial,
        n_workers=args.workers,
        until_mape=args.until_mape,
        max_runs=args.max_runs,
        method=args.design,
        progress=lambda m: print(m, file=sys.stderr),
    )
    import pandas as pd

    val = pd.DataFrame(wm.info["validation"])
    print(val.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"wrote {args.out} ({wm.info['runs']} runs, {wm.info['train_seconds']} s)")
    return 0


def _predict(args: argparse.Namespace) -> int:
    wm = _load(args.model)
    try:
        pred = wm.predict(**_settings(args.knobs))
    except SpecError as exc:
        msg = f"--set: {exc}"
        raise SpecError(msg) from None
    if args.trajectory:
        ds = wm.predict_trajectory(**_settings(args.knobs))
        import pandas as pd

        from workbench import dims

        frame = pd.DataFrame(
            {
                f"{m}_{stat}": ds[stat].sel({dims.METRIC: m}).to_numpy().round(3)
                for m in ds[dims.METRIC].to_numpy().tolist()
                for stat in ("mean", "lo", "hi")
            },
            index=pd.Index(ds[dims.TIME].to_numpy(), name=dims.TIME),
        )
        if args.json:
            print(frame.to_json(orient="columns", indent=1))
        else:
            print(frame.to_string())
        return 0
    if args.json:
        print(json.dumps(pred, indent=1))
        return 0
    s = wm.settings(**_settings(args.knobs))
    print("setting: " + ", ".join(f"{k}={v:g}" for k, v in s.items()))
    print(wm.predict_frame(**_settings(args.knobs)).to_string(float_format=lambda v: f"{v:.4g}"))
    return 0


def _seek(args: argparse.Namespace) -> int:
    from workbench.worldmodel import seek

    wm = _load(args.model)
    res = seek(
        wm,
        args.goal,
        [v.strip() for v in args.vary.split(",") if v.strip()],
        minimise=args.minimise,
        maximise=args.maximise,
        fixed=_settings(args.knobs),
        verify_seeds=args.verify_seeds,
        verify=not args.no_verify,
        rounds=args.rounds,
        local_points=args.local_points,
        progress=lambda m: print(m, file=sys.stderr),
    )
    if args.json:
        print(json.dumps(res.to_dict(), indent=1, default=float))
        return 0 if res.reachable else 1
    print(res.message)
    print("answer: " + ", ".join(f"{k}={v:.4g}" for k, v in res.settings.items()))
    with_fmt = {"float_format": lambda v: f"{v:.4g}"}
    print("\nemulator promise vs full model (90% interval):")
    print(res.to_dataframe().to_string(**with_fmt))
    print("\ngoals:")
    print(res.goal_table().to_string(index=False, **with_fmt))
    if res.rounds:
        verdict = "CONFIRMED" if res.confirmed else "NOT CONFIRMED"
        print(f"\n{verdict} by the full model ({len(res.rounds)} round(s))")
    return 0 if res.reachable else 1
