"""Panel apps over the engines: Index Explorer, Siting Studio, Coordination Lab.

Each app is a :class:`panel.viewable.Viewer`: it works inline in a notebook (``display(app)``
or ``pn.ipywidget(app)``) and served by ``workbench serve``. The apps hold user-interface
state only; every number comes from an engine.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "IndexExplorer": "workbench.apps.index_explorer",
    "serve": "workbench.apps.server",
    "build_routes": "workbench.apps.server",
    "APPS": "workbench.apps.server",
    "setup_workbench_proxy": "workbench.apps.jupyter",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'workbench.apps' has no attribute '{name}'"
        raise AttributeError(msg)
    return getattr(importlib.import_module(module), name)
