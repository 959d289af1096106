"""``workbench serve``: serve the landing page and the apps with a Panel server."""

from __future__ import annotations

import argparse
from typing import Any

from workbench.errors import SpecError

_LOCAL = ("127.0.0.1", "localhost", "::1")


def register(subparsers: Any) -> None:
    """Add the ``serve`` command.

    Parameters
    ----------
    subparsers
        The sub-parsers of the ``workbench`` command.
    """
    parser = subparsers.add_parser(
        "serve",
        help="serve the apps (landing page at /, Index Explorer at /index, ...)",
        description=(
            "Serve the workbench's landing page at / and its apps (/index, /siting, "
            "/citymodel, as installed) with a Panel server. Binds to 127.0.0.1 unless "
            "--address says otherwise."
        ),
    )
    parser.add_argument("--port", type=int, default=5006, help="port (default 5006; 0 = any)")
    parser.add_argument(
        "--address",
        default="127.0.0.1",
        help="address to bind to (default 127.0.0.1, this machine only; 0.0.0.0 = every interface)",
    )
    parser.add_argument(
        "--show",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="open the landing page in a web browser (default: --no-show)",
    )
    parser.add_argument("--prefix", default="", help="URL prefix, e.g. when served behind a proxy")
    parser.add_argument(
        "--allow-websocket-origin",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help=(
            "further origin allowed to connect (repeatable; '*' for any). localhost and "
            "127.0.0.1 on the served port are always allowed"
        ),
    )
    parser.add_argument(
        "--num-threads",
        type=int,
        default=None,
        help="threads for handling events of many sessions (default: none, the event loop)",
    )
    _add_workshop_arguments(parser)
    parser.set_defaults(func=run)


def _add_workshop_arguments(parser: Any) -> None:
    """Add the workshop and access-control options (see ``docs/workshop.md``)."""
    group = parser.add_argument_group("workshop mode and access control")
    group.add_argument(
        "--workshop",
        action="store_true",
        help=(
            "serve many participants: uploads, idle sessions released, threads for events "
            "(settings from --config)"
        ),
    )
    group.add_argument(
        "--config", default=None, help="workshop settings file (YAML); implies --workshop"
    )
    group.add_argument(
        "--password",
        default=None,
        help="shared workshop password (login page; default: $WORKBENCH_PASSWORD)",
    )
    group.add_argument(
        "--oauth-provider", default=None, help="OAuth provider (github, azure, google, ...)"
    )
    group.add_argument("--oauth-key", default=None, help="OAuth client id")
    group.add_argument("--oauth-secret", default=None, help="OAuth client secret")
    group.add_argument("--cookie-secret", default=None, help="secret signing the login cookies")
    group.add_argument(
        "--insecure",
        action="store_true",
        help="allow a non-local --address without a password or OAuth (trusted networks only)",
    )
    group.add_argument(
        "--session-idle-minutes",
        type=float,
        default=None,
        help="release a session this long after its tab is gone (workshop default 10)",
    )
    group.add_argument(
        "--upload-limit-mb", type=float, default=None, help="largest upload (workshop default 5)"
    )
    group.add_argument(
        "--procs",
        type=int,
        default=1,
        help=(
            "server processes on this machine (Linux); each browser session stays with the "
            "process that opened its websocket (default 1)"
        ),
    )
    group.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help=(
            "Dask scheduler for heavy work (solves, runs, uncertainty draws), e.g. "
            "tcp://10.0.0.5:8786, shared by every server process given it; default: local "
            "worker processes ($WORKBENCH_SCHEDULER)"
        ),
    )
    group.add_argument(
        "--admin-password",
        default=None,
        help="facilitator's password for /facilitator (default: $WORKBENCH_ADMIN_PASSWORD)",
    )


def _workshop_config(args: argparse.Namespace) -> Any:
    """Build the workshop settings from --config and the command line (the latter wins)."""
    from workbench.apps.workshop import WorkshopConfig, load_config, password_from_env

    settings: dict[str, Any] = load_config(args.config) if args.config else {}
    given = {
        "address": args.address,
        "port": args.port,
        "password": password_from_env(args.password),
        "oauth_provider": args.oauth_provider,
        "oauth_key": args.oauth_key,
        "oauth_secret": args.oauth_secret,
        "cookie_secret": args.cookie_secret,
        "insecure": args.insecure or None,
        "session_idle_minutes": args.session_idle_minutes,
        "upload_limit_mb": args.upload_limit_mb,
        "num_threads": args.num_threads,
    }
    defaults = {"address": "127.0.0.1", "port": 5006}
    for key, value in given.items():
        if value is not None and not (
            key in defaults and value == defaults[key] and key in settings
        ):
            settings[key] = value
    return WorkshopConfig(**settings)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted.

    Parameters
    ----------
    args
        The parsed arguments.

    Returns
    -------
    int
        The exit code.
    """
    if not 0 <= args.port <= 65535:
        msg = f"--port must be between 0 and 65535; got {args.port}. Pick a free port, e.g. 5006."
        raise SpecError(msg)
    if args.num_threads is not None and args.num_threads < 0:
        msg = f"--num-threads must be 0 or more; got {args.num_threads}."
        raise SpecError(msg)
    if args.procs < 1:
        msg = f"--procs must be 1 or more; got {args.procs}. Fix: e.g. --procs 2."
        raise SpecError(msg)
    if args.procs > 1 and args.port == 0:
        msg = (
            "--procs needs a fixed --port (the processes share it); got --port 0. "
            "Fix: e.g. --port 5006."
        )
        raise SpecError(msg)
    prefix = args.prefix.strip()
    if prefix and not prefix.startswith("/"):
        prefix = "/" + prefix
    prefix = prefix.rstrip("/")
    from workbench.apps.server import APPS, serve
    from workbench.apps.workshop import check_access, serve_kwargs

    config = _workshop_config(args)
    check_access(
        config.address,
        password=config.password,
        oauth_provider=config.oauth_provider,
        cookie_secret=config.cookie_secret,
        insecure=config.insecure,
    )
    args.address, args.port = config.address, config.port
    workshop = args.workshop or args.config is not None
    kwargs: dict[str, Any] = {}
    if workshop or config.auth:
        kwargs.update(serve_kwargs(config))
    if not workshop:
        kwargs.pop("unused_session_lifetime_milliseconds", None)
        kwargs.pop("check_unused_sessions_milliseconds", None)
        kwargs.pop("num_threads", None)
    apps = APPS
    where = "this machine only" if args.address in _LOCAL else "the network (--address)"
    print(
        f"Serving the City AI Planning Workbench on http://{args.address}:{args.port}{prefix}/ "
        f"({where}); apps: {', '.join('/' + a.slug for a in apps) or 'none'}. Ctrl+C stops.",
        flush=True,
    )
    if workshop:
        access = config.auth or "none (this machine only)"
        print(
            f"Workshop mode: access {access}; uploads up to {config.upload_limit_mb:g} MB; "
            f"idle sessions released after {config.session_idle_minutes:g} min.",
            flush=True,
        )
    if args.num_threads:
        kwargs["num_threads"] = args.num_threads
    if workshop:
        kwargs["upload_limit"] = int(config.upload_limit_mb * 2**20)
    if args.procs > 1:
        kwargs["num_procs"] = args.procs
        print(f"{args.procs} server processes; sessions stay with their process.", flush=True)
    serve(
        port=args.port,
        address=args.address,
        show=args.show,
        prefix=prefix,
        allow_websocket_origin=args.allow_websocket_origin,
        scheduler=args.scheduler,
        admin_password=args.admin_password,
        **kwargs,
    )
    return 0
