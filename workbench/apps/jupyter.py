"""JupyterLab launcher tile: serve the workbench through jupyter-server-proxy.

``pyproject.toml`` declares the entry point ``jupyter_serverproxy_servers: workbench =
"workbench.apps.jupyter:setup_workbench_proxy"``; jupyter-server-proxy calls it, starts
``workbench serve`` on a free port when the tile is clicked and proxies it under
``<base_url>workbench/``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

#: The proxy's name: the apps appear under ``<jupyter base url>workbench/``.
PROXY_NAME = "workbench"

_ICON = Path(__file__).resolve().parent / "static" / "workbench.svg"


def setup_workbench_proxy() -> dict[str, Any]:
    """Return the jupyter-server-proxy configuration that serves the workbench.

    Returns
    -------
    dict
        ``command`` (``{port}`` and ``{base_url}`` are filled in by the proxy),
        ``absolute_url`` (the server sees the full prefixed path), ``timeout`` and the
        ``launcher_entry`` of the JupyterLab launcher tile.
    """
    command = [
        sys.executable,
        "-m",
        "workbench",
        "serve",
        "--port",
        "{port}",
        "--no-show",
        "--prefix",
        "{base_url}" + PROXY_NAME,
        "--allow-websocket-origin",
        "*",
    ]
    launcher: dict[str, Any] = {
        "enabled": True,
        "title": "City AI Workbench",
        "category": "Notebook",
    }
    if _ICON.is_file():
        launcher["icon_path"] = str(_ICON)
    return {
        "command": command,
        "absolute_url": True,
        "timeout": 60,
        "new_browser_tab": True,
        "launcher_entry": launcher,
    }
