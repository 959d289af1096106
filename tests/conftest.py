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
