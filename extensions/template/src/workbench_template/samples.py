"""A sample-data plugin (``workbench.data`` contract): a loader ``f() -> data``."""

from __future__ import annotations

from typing import Any


def load_sample() -> Any:
    """Three synthetic demand points (template plugin; values are made up)."""
    import pandas as pd

    return pd.DataFrame(
        {
            "id": ["T1", "T2", "T3"],
            "lon": [121.47, 121.50, 121.44],
            "lat": [31.23, 31.24, 31.20],
            "tokens_per_day": [1.0e9, 2.5e9, 0.8e9],
        }
    )
