"""Recipes for serving a workshop from several processes or machines behind a reverse proxy.

:func:`nginx_config` writes the configuration of the recipe in ``docs/workshop.md``: nginx
(Debian package ``nginx``) in front of several ``workbench serve`` processes, with sticky
sessions (``ip_hash``: a participant's page and its websocket always reach the same server
process, which holds the session) and the websocket upgrade headers, while heavy work goes to
one shared Dask scheduler (``workbench serve --scheduler tcp://...``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

_LOCATION = """\
        location {prefix}/ {{
            proxy_pass http://workbench;
            proxy_http_version 1.1;
            # websockets: Panel's pages talk to their server over one
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 1d;
            proxy_buffering off;
            proxy_max_temp_file_size 0;
            # which server process answered (sticky sessions can be checked from outside)
            add_header X-Workbench-Upstream $upstream_addr always;
        }}
"""


def nginx_config(
    upstreams: Sequence[str],
    *,
    listen: str = "127.0.0.1:8080",
    prefix: str = "",
    standalone_dir: str | Path | None = None,
) -> str:
    """Return an nginx configuration proxying to ``workbench serve`` processes.

    Parameters
    ----------
    upstreams
        ``host:port`` of each ``workbench serve`` process (on this or other machines).
    listen
        Where nginx listens (``127.0.0.1:8080``; ``80`` or ``443 ssl`` in production).
    prefix
        A URL prefix (``/workbench``) when the servers run with ``--prefix``.
    standalone_dir
        Write a complete configuration for ``nginx -c <file>`` running in the foreground,
        with its logs, pid file and temporary files in this folder (tests, a laptop);
        ``None`` gives the ``upstream``/``server`` blocks to put in
        ``/etc/nginx/conf.d/workbench.conf`` of the distribution's nginx.

    Returns
    -------
    str
        The configuration text.
    """
    if not upstreams:
        msg = (
            "`upstreams` must name at least one `workbench serve` process (host:port); got "
            "none. Fix: e.g. ['127.0.0.1:5006', '127.0.0.1:5007']."
        )
        raise ValueError(msg)
    servers = "\n".join(f"        server {u};" for u in upstreams)
    body = (
        "    map $http_upgrade $connection_upgrade {\n"
        "        default upgrade;\n"
        "        ''      close;\n"
        "    }\n"
        "    upstream workbench {\n"
        "        ip_hash;  # sticky: a participant always reaches the same server process\n"
        f"{servers}\n"
        "    }\n"
        "    server {\n"
        f"        listen {listen};\n" + _LOCATION.format(prefix=prefix.rstrip("/")) + "    }\n"
    )
    if standalone_dir is None:
        return "# /etc/nginx/conf.d/workbench.conf (inside the http block)\n" + body
    folder = Path(standalone_dir)
    return (
        "daemon off;\n"
        "worker_processes 1;\n"
        f"pid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        f"    access_log {folder / 'access.log'};\n"
        f"    client_body_temp_path {folder / 'body'};\n"
        f"    proxy_temp_path {folder / 'proxy'};\n"
        f"    fastcgi_temp_path {folder / 'fastcgi'};\n"
        f"    uwsgi_temp_path {folder / 'uwsgi'};\n"
        f"    scgi_temp_path {folder / 'scgi'};\n" + body + "}\n"
    )


__all__ = ["nginx_config"]
