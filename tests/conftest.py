"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = Path(__file__).resolve().parent / "data"
SAMPLE_DATA = REPO_ROOT / "sample_data"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's root folder."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def test_data() -> Path:
    """``tests/data``: copies of peers' reference data, with provenance notes."""
    return TEST_DATA


@pytest.fixture(scope="session")
def sample_data_dir() -> Path:
    """The shipped ``sample_data`` folder."""
    return SAMPLE_DATA


#: Markers of tests that start another process (a kernel, a Python subprocess, Dask workers);
#: they also count as ``slow``, so ``-m "not ui and not slow"`` is the fast tier (README).
HEAVY_MARKERS = ("kernel", "subprocess", "dask")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by what they start: a browser (``ui``), a kernel, another process (``slow``)."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "page" in names and item.get_closest_marker("ui") is None:
            item.add_marker(pytest.mark.ui)
        if "kernel" in names and item.get_closest_marker("kernel") is None:
            item.add_marker(pytest.mark.kernel)
        heavy = any(item.get_closest_marker(m) is not None for m in HEAVY_MARKERS)
        if heavy and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)
