"""Fixtures of the report tests: a tiny probe notebook and the kernel to run it."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PROBE = HERE / "notebooks" / "probe_report.ipynb"


@pytest.fixture(scope="session")
def probe() -> Path:
    """A small report notebook: seeded random numbers, optional deliberate failure and sleep."""
    return PROBE


@pytest.fixture(scope="session")
def kernel() -> str:
    """The kernel the report tests run (the runner's default choice)."""
    from workbench.reports import default_kernel

    return default_kernel()
