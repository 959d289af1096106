"""Fixtures of the plugin tests: a pip-free site directory of deliberately broken plugins."""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def broken_site(tmp_path, monkeypatch):
    """A temporary site directory holding the ``wb-broken-fixture`` distribution on sys.path.

    ``importlib.metadata`` discovers a ``*.dist-info`` folder with ``entry_points.txt`` on
    ``sys.path`` exactly as it discovers a pip-installed package, so the registry sees real
    entry points without pip. Restores ``sys.path`` and ``sys.modules`` afterwards.
    """
    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "broken_site", site)
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    yield site
    for name in [m for m in sys.modules if m.split(".")[0] == "wb_broken_fixture"]:
        del sys.modules[name]


@pytest.fixture
def broken_env(broken_site):
    """Environment variables for a subprocess that sees the broken fixture plugins."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(broken_site), env.get("PYTHONPATH", "")])
    return env
