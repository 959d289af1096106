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
    parser.set_defaults(func=run)


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
    prefix = args.prefix.strip()
    if prefix and not prefix.startswith("/"):
        prefix = "/" + prefix
    prefix = prefix.rstrip("/")
    from workbench.apps.server import available_apps, serve

    apps = available_apps()
    where = "this machine only" if args.address in _LOCAL else "the network (--address)"
    print(
        f"Serving the City AI Planning Workbench on http://{args.address}:{args.port}{prefix}/ "
        f"({where}); apps: {', '.join('/' + a.slug for a in apps) or 'none'}. Ctrl+C stops.",
        flush=True,
    )
    kwargs: dict[str, Any] = {}
    if args.num_threads:
        kwargs["num_threads"] = args.num_threads
    serve(
        port=args.port,
        address=args.address,
        show=args.show,
        prefix=prefix,
        allow_websocket_origin=args.allow_websocket_origin,
        **kwargs,
    )
    return 0
